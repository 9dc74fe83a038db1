"""The draft instrument of a new wave, as YAML text, from the export's variables matched to the
earlier wave's instrument (:mod:`swsurvey.study.wave_match`).

Labels, codes and types are the export's; sections, skip logic, notes and personal-data flags
are the earlier question's, which each question names with ``was:``. A decision for a person
is marked ``review:`` (:func:`swsurvey.study.draft_yaml.review_mark`): an uncertain match with
its candidates and scores, a new question's section and skip logic (guessed from the questions
before it), skip logic whose source was dropped, and a fielding or eligibility text that names
a year or a renamed or dropped variable of the earlier wave.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from swsurvey.study.draft_context import DraftContext
from swsurvey.study.draft_yaml import flow, review_mark, scalar
from swsurvey.study.instrument import Instrument, Variable
from swsurvey.study.wave_match import Item, Match

#: A four-digit year in a text copied from the earlier wave (wave-specific).
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def rename_map(matches: Sequence[Match]) -> dict[str, str]:
    """Earlier raw name -> new raw name, for every matched variable."""
    return {m.was: m.name for m in matches if m.was is not None and m.name is not None}


def _stem(label: str) -> str | None:
    return label.split(" - ", 1)[0] if " - " in label else None


def _question_entry(
    item: Item, match: Match, old: Variable | None, renamed: dict[str, str], entries: Sequence[dict],
    scales: Mapping[str, dict[int, str]], ctx: DraftContext,
) -> dict:
    entry: dict = {"name": item.name}
    reasons: list[str] = []
    if old is not None:
        entry["was"] = old.name
        if old.section:
            entry["section"] = old.section
    elif entries:
        section = next((e["section"] for e in reversed(entries) if e.get("section")), None)
        if section:
            entry["section"] = section
    if item.kind != "numeric":
        entry["type"] = item.kind
    asked_if = None
    if old is not None and old.asked_if is not None:
        source, code = old.asked_if
        if source in renamed:
            asked_if = f"{renamed[source]} == {code}"
        else:
            reasons.append(f"its skip logic read {source}, which wave {ctx.like}'s export had and this one has not")
    elif old is None and _stem(item.label):
        sibling = next(
            (e for e in reversed(entries) if _stem(e.get("label", "")) == _stem(item.label) and "asked_if" in e), None
        )
        if sibling is not None:
            asked_if = sibling["asked_if"]
    if asked_if:
        entry["asked_if"] = asked_if
    if item.checkbox:
        entry["checkbox"] = True
    entry["label"] = item.label
    if item.values:
        scale = next((name for name, codes in scales.items() if codes == item.values), None)
        if scale is not None:
            entry["scale"] = scale
        else:
            entry["values"] = item.values
    free_text = old.free_text if old is not None else bool(match.details.get("free_text"))
    pii = old.pii if old is not None else bool(match.details.get("pii"))
    if free_text:
        entry["free_text"] = True
    if pii:
        entry["pii"] = True
    if old is not None and old.value_range is not None and item.kind == "numeric":
        entry["range"] = list(old.value_range)
    if old is not None and old.note:
        entry["note"] = old.note
    if match.uncertain and old is not None:
        reasons.insert(
            0, f"uncertain match to wave {ctx.like}'s {old.name} (score {match.score}): confirm was: or remove it"
        )
    if old is None:
        what = "new free text (personal data, dropped at import)" if free_text else "new question"
        guess = "its section and skip logic are guessed from the questions before it"
        if match.candidates:
            reasons.insert(0, f"{what}: no question of wave {ctx.like} matched for sure; if it is one of the "
                              f"candidates, add was: <name>; {guess}")
        else:
            reasons.insert(0, f"{what} in wave {ctx.wave}; {guess}")
    if reasons:
        entry["review"] = review_mark("; ".join(reasons), match.candidates)
    return entry


def _metadata_entry(item: Item, old: Variable) -> dict:
    entry: dict = {"name": item.name, "type": item.kind, "label": item.label}
    if item.values:
        entry["values"] = item.values
    if old.value_range is not None:
        entry["range"] = list(old.value_range)
    if old.pii:
        entry["pii"] = True
    if old.note:
        entry["note"] = old.note
    return entry


def draft_instrument_text(
    like: Instrument, new_items: Sequence[Item], matches: Sequence[Match], ctx: DraftContext,
    user_missing: Mapping[int, str] | None = None,
) -> str:
    """The draft instrument of the new wave, as YAML text (see the module's description).

    ``user_missing``: the user-missing codes the export declares; those the earlier instrument
    does not have are added to its ``missing_codes``.
    """
    renamed = rename_map(matches)
    by_name = {m.name: m for m in matches if m.name is not None}
    scales = _scales(like)
    metadata, questions = [], []
    for item in new_items:
        match = by_name[item.name]
        old = like.by_name.get(match.was) if match.was else None
        if old is not None and old.metadata:
            metadata.append(_metadata_entry(item, old))
        else:
            questions.append(_question_entry(item, match, old, renamed, questions, scales, ctx))
    used = {q["scale"] for q in questions if "scale" in q}
    dropped = [m.was for m in matches if m.status == "dropped"]
    lines = [
        f"# DRAFT instrument of wave {ctx.wave}, made by `swsurvey wave draft` from the export",
        f"# {ctx.export}",
        f"# like wave {ctx.like} ({ctx.like_instrument_path}). Labels, codes and types are the export's;",
        "# sections, skip logic, notes and personal-data flags are the earlier",
        "# question's (`was:`). Every `review:` key marks a decision for a person (an uncertain match",
        "# with its candidates and scores, a new question): decide, then delete the key. changes.md",
        "# lists every change found.",
    ]
    if dropped:
        lines.append(f"# Dropped since wave {ctx.like}: {', '.join(dropped)}.")
    lines += [
        "",
        f"instrument: {like.name}",
        f"wave: {scalar(ctx.wave)}",
        f"revises: {flow({'wave': ctx.like, 'instrument': ctx.like_instrument_path})}",
    ]
    wave_specific = [k for k, text in (("fielded", like.fielded), ("eligibility", like.eligibility))
                     if _YEAR.search(text) or any(n in dropped or (n in renamed and renamed[n] != n)
                                                  for n in re.findall(r"\b\w+\b", text))]
    if like.fielded:
        lines.append(f"fielded: {scalar(like.fielded)}")
    if like.eligibility:
        lines.append(f"eligibility: {scalar(like.eligibility)}")
    if wave_specific:
        lines.append("review: " + scalar(f"{' and '.join(wave_specific)} copied from wave {ctx.like}: say this wave's"))
    lines += ["", "missing_codes:"]
    missing = {**like.user_missing, **{c: lab for c, lab in (user_missing or {}).items()
                                       if c not in like.user_missing and c not in like.not_substantive}}
    lines.append(f"  user_missing: {flow(missing)}")
    lines.append(f"  not_substantive: {flow(like.not_substantive)}")
    lines += ["", "metadata:"]
    lines += [f"  - {flow(entry)}" for entry in metadata]
    lines += ["", "questions:"]
    lines += [f"  - {flow(entry)}" for entry in questions]
    if used:
        lines += ["", "scales:"]
        lines += [f"  {name}: {flow(scales[name])}" for name in scales if name in used]
    return "\n".join(lines) + "\n"


def _scales(like: Instrument) -> dict[str, dict[int, str]]:
    """The earlier instrument's named scales (read again: the instrument keeps their codes only)."""
    doc = yaml.safe_load(Path(like.path).read_text(encoding="utf-8")) or {}
    return {str(k): {int(c): str(lab) for c, lab in v.items()} for k, v in (doc.get("scales") or {}).items()}
