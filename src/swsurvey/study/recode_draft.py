"""The earlier wave's recode specification redrafted, as text, for a new wave's export.

The draft keeps the earlier file's comments and notes (the reasoning a reviewer needs), so it
is the earlier file transformed line by line, not a re-serialised document:

- raw variable names are renamed at once (a simultaneous substitution: Q5 -> Q6 and Q6 -> Q7
  never chain), and only in the values that name raw variables (``source:``, ``variable:``,
  ``by:``, ``order_by:``) when the spec reads them as raw (not an analysis variable);
- ``name:`` becomes ``<stem>_<wave>`` and ``wave_year:`` the new wave's year;
- a label naming the earlier wave's year ("Age in 2021 (years)") names the new one, and the
  plausible years of a year of birth (a numeric rule with ``two_digit_year`` or feeding an
  ``age`` rule) move by the years between the waves, each marked ``review:``;
- an analysis variable whose raw source was dropped is declared not asked, as
  workflow/recode/socialwork_2017.yaml declares freq_videoconf (its earlier levels, no case,
  reason "not asked"), marked;
- a variable whose source's code frame or question text changed, or was matched uncertainly,
  is marked with what changed (a code in no level of explicit ``levels:`` is named);
- a new coded question gets a drafted analysis variable (``code:`` or ``checkbox:``), marked
  for a person to name it.

Once its ``review:`` marks are deleted the draft loads with :func:`swsurvey.study.recode.load_recode`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import (
    AgeRule,
    CasesRule,
    CheckboxRule,
    CodeRule,
    CopyRule,
    NumericRule,
    RecodeSpec,
    code_levels,
    condition_leaves,
    condition_variables,
)
from swsurvey.study.wave_match import Item, Match
from swsurvey.study.wave_year import wave_id_year

#: Keys whose value names a variable, raw or analysis (the spec says which).
_NAME_KEYS = re.compile(r"(?P<key>\b(?:source|variable|by|order_by)\s*:\s*)(?P<q>[\"']?)(?P<name>[A-Za-z_]\w*)(?P=q)")
_ITEM = re.compile(r"^(?P<indent> *)- name:\s*(?P<name>\S+)\s*$")
_VALID = re.compile(r"valid:\s*\{\s*min:\s*(-?\d+)\s*,\s*max:\s*(-?\d+)\s*\}")


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _blocks(lines: list[str]) -> tuple[dict[str, tuple[int, int]], str]:
    """Each analysis variable's lines [start, end) under ``variables:``, trailing comments
    excluded, and the indentation of its ``- name:`` line."""
    try:
        first = next(i for i, line in enumerate(lines) if re.match(r"^variables:\s*$", line))
    except StopIteration:
        return {}, "  "
    starts = []
    indent = None
    end_of_section = len(lines)
    for i in range(first + 1, len(lines)):
        if lines[i] and not lines[i].startswith((" ", "#", "-")):
            end_of_section = i
            break
        m = _ITEM.match(lines[i])
        if m is not None and (indent is None or m.group("indent") == indent):
            indent = m.group("indent")
            starts.append((m.group("name"), i))
    indent = "  " if indent is None else indent
    blocks = {}
    for k, (name, start) in enumerate(starts):
        end = starts[k + 1][1] if k + 1 < len(starts) else end_of_section
        while end > start + 1 and (not lines[end - 1].strip() or re.match(rf"^ {{0,{len(indent)}}}#", lines[end - 1])):
            end -= 1
        blocks[name] = (start, end)
    return blocks, indent


def _reindent(block: list[str], indent: str) -> list[str]:
    """A block written for items indented two spaces, indented as the file's items are."""
    return [indent + line[2:] for line in block]


def _rename_raw(line: str, renamed: dict[str, str], spec: RecodeSpec) -> str:
    if line.lstrip().startswith("#"):
        return line

    def sub(m: re.Match) -> str:
        name = m.group("name")
        if name in renamed and not spec.is_analysis(name):
            return f"{m.group('key')}{m.group('q')}{renamed[name]}{m.group('q')}"
        return m.group(0)

    return _NAME_KEYS.sub(sub, line)


def _not_asked_block(name: str, label: str, levels: Sequence[str], ordered: bool, why: str) -> list[str]:
    lines = [f"  - name: {name}", f"    label: {_quote(label)}", f"    review: {_quote(why)}", "    cases:",
             f"      levels: [{', '.join(_quote(lv) for lv in levels)}]"]
    if ordered:
        lines.append("      ordered: true")
    lines += ["      cases: []", '      otherwise: {reason: "not asked"}']
    return lines


def _frame_words(details: dict) -> str:
    words = []
    if details.get("scale_reversed"):
        words.append("its scale was reversed (same labels, reverse code order)")
    if "codes_added" in details:
        words.append("codes added: " + ", ".join(f"{c} {_quote(lab)}" for c, lab in details["codes_added"].items()))
    if "codes_removed" in details:
        words.append("codes removed: " + ", ".join(f"{c} {_quote(lab)}" for c, lab in details["codes_removed"].items()))
    if "codes_relabelled" in details:
        words.append("codes relabelled: " + ", ".join(
            f"{c} {_quote(d['was'])} -> {_quote(d['now'])}" for c, d in details["codes_relabelled"].items()))
    return "; ".join(words)


def _code_reasons(var_name: str, rule: CodeRule, match: Match, like: str, wave: str) -> list[str]:
    details = match.details
    reasons = []
    frame = _frame_words(details)
    if frame:
        if rule.levels is not None:
            listed = {c for lv in rule.levels for c in lv.codes}
            unhandled = [f"{c} {_quote(lab)}" for c, lab in details.get("codes_added", {}).items()
                         if c not in listed and c not in rule.missing]
            gone = [str(c) for c in details.get("codes_removed", {}) if c in listed]
            if unhandled:
                reasons.append(f"code {', '.join(unhandled)} of {match.name} (new in {wave}) is in no level: "
                               "add it to a level, or to missing")
            if gone:
                reasons.append(f"levels list code {', '.join(gone)}, which {match.name} no longer has")
            if details.get("scale_reversed") or "codes_relabelled" in details:
                reasons.append(f"{match.name}: {frame}: check the levels' codes")
        else:
            reasons.append(f"{match.name}'s code frame changed since {like} ({frame}): the levels follow the "
                           "instrument's labels, so they now differ from the earlier wave's; harmonise with levels:")
    return reasons


def draft_recode_text(
    text: str, spec: RecodeSpec, instrument: Instrument, new_items: Sequence[Item], matches: Sequence[Match], *,
    like: str, wave: str, stem: str, export: str,
) -> str:
    """The earlier spec's text redrafted for the new wave (see the module's description)."""
    renamed = {m.was: m.name for m in matches if m.was is not None and m.name is not None}
    by_old = {m.was: m for m in matches if m.was is not None}
    dropped = {m.was for m in matches if m.status == "dropped"}
    like_year, new_year = spec.wave_year, wave_id_year(wave)
    shift = new_year - like_year if new_year is not None else 0
    lines = text.split("\n")
    blocks, indent = _blocks(lines)
    age_sources = {v.rule.source for v in spec.variables if isinstance(v.rule, AgeRule)}
    reviews: dict[str, list[str]] = {}
    replace: dict[str, list[str]] = {}
    edits: dict[int, str] = {}

    for var in spec.variables:
        rule, reasons = var.rule, reviews.setdefault(var.name, [])
        start_end = blocks.get(var.name)
        if isinstance(rule, (CodeRule, CheckboxRule, NumericRule, CopyRule)) and not spec.is_analysis(rule.source):
            source = rule.source
            if source in dropped:
                why = (f"{source} was dropped: wave {wave}'s export has no such question, so {var.name} is "
                       "declared not asked (its levels as before, no case)")
                if isinstance(rule, CodeRule):
                    levels = [lv.label for lv in code_levels(rule, spec, instrument)]
                    replace[var.name] = _reindent(_not_asked_block(var.name, var.label, levels, rule.ordered, why),
                                                  indent)
                elif isinstance(rule, CheckboxRule):
                    replace[var.name] = _reindent(
                        _not_asked_block(var.name, var.label, [rule.ticked, rule.unticked], False, why), indent
                    )
                else:
                    reasons.append(f"{source} was dropped: a number cannot be declared not asked; delete {var.name} "
                                   "and what reads it, or point it at the question that replaced it")
                continue
            match = by_old.get(source)
            if match is not None:
                if match.uncertain:
                    reasons.append(f"{source} matched {match.name} uncertainly (score {match.score}): confirm")
                if "text_edited" in match.details:
                    reasons.append(f"{match.name}'s question text was edited since {like}: check {var.name} still "
                                   f"means the same (now {_quote(match.details['text_edited']['now'])})")
                if "type_changed" in match.details:
                    reasons.append(f"{match.name}'s type changed ({match.details['type_changed']['was']} -> "
                                   f"{match.details['type_changed']['now']})")
                if isinstance(rule, CodeRule):
                    reasons += _code_reasons(var.name, rule, match, like, wave)
        if isinstance(rule, CasesRule):
            gone = [n for c in rule.cases for n in condition_variables(c.when) if n in dropped]
            if gone:
                reasons.append(f"its conditions read {', '.join(dict.fromkeys(gone))}, dropped in {wave}")
            raw_tests = [t.variable for c in rule.cases for t in condition_leaves(c.when)
                         if t.values is not None and not spec.is_analysis(t.variable)]
            for source in dict.fromkeys(raw_tests):
                match = by_old.get(source)
                if match is not None and match.name is not None and _frame_words(match.details):
                    reasons.append(f"its conditions test codes of {match.name}, whose code frame changed "
                                   f"({_frame_words(match.details)})")
        if start_end is None:
            continue
        start, end = start_end
        if shift and str(like_year) in var.label:
            for i in range(start, end):
                if re.match(r"^\s+label:", lines[i]):
                    edits[i] = lines[i].replace(str(like_year), str(new_year))
            reasons.append(f"its label named {like_year}; now {new_year}: check")
        if shift and isinstance(rule, NumericRule) and (rule.two_digit_century is not None or var.name in age_sources):
            for i in range(start, end):
                m = _VALID.search(lines[i])
                if m:
                    lo, hi = int(m.group(1)) + shift, int(m.group(2)) + shift
                    edits[i] = lines[i][: m.start()] + f"valid: {{min: {lo}, max: {hi}}}" + lines[i][m.end():]
                    reasons.append(f"a year of birth: its plausible years moved by {shift} (were "
                                   f"{m.group(1)}-{m.group(2)}): check")

    # Drafted analysis variables for new coded questions, after the variable reading the question before them.
    after: dict[str, list[list[str]]] = {}
    tail: list[list[str]] = []
    direct = {}
    for var in spec.variables:
        if isinstance(var.rule, (CodeRule, CheckboxRule, NumericRule, CopyRule)):
            direct.setdefault(renamed.get(var.rule.source, var.rule.source), []).append(var.name)
    ordered_frames = [instrument[v.rule.source].values for v in spec.variables
                      if isinstance(v.rule, CodeRule) and v.rule.ordered and v.rule.source in instrument.by_name]
    by_new = {m.name: m for m in matches if m.name is not None}
    for k, item in enumerate(new_items):
        match = by_new.get(item.name)
        if match is None or match.status != "added" or not (item.values or item.checkbox):
            continue
        name = re.sub(r"[^a-z0-9]+", "_", item.name.lower()).strip("_") or "new"
        if not name[0].isalpha():
            name = f"q_{name}"
        why = (f"new in {wave} ({item.name}): name this analysis variable and its label (or delete it); add it "
               "to the derived variables that should count it")
        labels = tuple(lab for c, lab in sorted(item.values.items()) if c not in spec.missing.codes)
        declared = [v.name for v in spec.variables if isinstance(v.rule, CasesRule) and not v.rule.cases
                    and v.rule.reason == spec.missing.not_asked and labels and v.rule.levels == labels]
        if declared:
            why += (f"; perhaps {' or '.join(declared)}, which wave {like} declares not asked: then give that "
                    "name this rule, in place of the declaration")
        block = [f"  - name: {name}", f"    label: {_quote(item.label)}", f"    review: {_quote(why)}"]
        if item.checkbox:
            block.append(f"    checkbox: {{source: {item.name}}}")
        elif item.values in ordered_frames:
            block.append(f"    code: {{source: {item.name}, ordered: true}}")
        else:
            block.append(f"    code: {{source: {item.name}}}")
        anchor = next((direct[p.name][-1] for p in reversed(new_items[:k]) if p.name in direct
                       and direct[p.name][-1] in blocks), None)
        (after.setdefault(anchor, []) if anchor else tail).append(_reindent(block, indent))

    out: list[str] = []
    starts = {start: name for name, (start, _) in blocks.items()}
    ends: dict[int, list[str]] = {}
    for name, (_, end) in blocks.items():
        ends.setdefault(end, []).append(name)
    i = 0
    while i < len(lines):
        if i in ends:
            for name in ends[i]:
                for block in after.get(name, []):
                    out += block
        if i in starts and starts[i] in replace:
            name = starts[i]
            out += replace[name]
            i = blocks[name][1]
            continue
        line = edits.get(i, lines[i])
        out.append(_rename_raw(line, renamed, spec))
        if i in starts and reviews.get(starts[i]):
            out.append(f"{indent}  review: {_quote('; '.join(reviews[starts[i]]))}")
        i += 1
    if len(lines) in ends:
        for name in ends[len(lines)]:
            for block in after.get(name, []):
                out += block
    unplaced = sorted(name for name, why in reviews.items() if why and name not in blocks)
    text = "\n".join(out)
    if tail:
        text = text.rstrip("\n") + "\n" + "\n".join("\n".join(b) for b in tail) + "\n"
    text = re.sub(r"(?m)^name:.*$", f"name: {stem}_{wave}", text, count=1)
    if new_year is not None:
        text = re.sub(r"(?m)^wave_year:\s*\d+", f"wave_year: {new_year}", text, count=1)
    header = [
        f"# DRAFT recode specification of wave {wave}, made by `swsurvey wave draft` from wave {like}'s",
        f"# for the export {export}:",
        "# raw variable names renamed as the draft instrument's `was:` says, the name and wave_year",
        "# set for the new wave. Every `review:` key marks a decision for a",
        "# person: decide, then delete the key. The comments and notes below are wave " + like + "'s and",
        "# may still name its raw variables: check them too.",
        "#",
    ]
    # A variable not written in the usual block layout cannot carry its mark: say so at the top.
    header += [f"# review {name}: {'; '.join(reviews[name])}" for name in unplaced]
    return "\n".join(header) + "\n" + text
