"""Drafts for a new wave from its export's dictionary: instrument, change report, config entry.

``swsurvey wave draft NEW.sav --like 2021 --wave 2024`` matches the export's variables to the
earlier wave's instrument (:mod:`swsurvey.study.wave_match`) and writes, for a person to
review, never to be applied silently: a draft instrument whose questions carry ``was:`` their
earlier name, the earlier recode specification redrafted for the new names
(:mod:`swsurvey.study.recode_draft`), the ``waves:`` entry to paste into config.yaml, and a
change report (Markdown and JSON). What a person must decide is marked ``review:`` in the
drafts (an uncertain match with its candidates and scores, a new question's place); a person
resolves a mark by deleting it, and ``swsurvey wave check`` and the workflow refuse a wave
that still has one.

The drafts are text written by code, byte for byte the same for the same inputs (no dates).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.io.spss import RawMetadata, RawVariable, read_metadata
from swsurvey.study.instrument import Instrument, Variable, load_instrument
from swsurvey.study.recode import load_recode
from swsurvey.study.recode_draft import draft_recode_text
from swsurvey.study.wave_match import Item, Match, match_items
from swsurvey.study.wave_year import wave_id_year

#: The statuses of the change report, in the order its tables come.
STATUSES = ("unchanged", "changed", "renamed", "added", "dropped")
#: A four-digit year in a text copied from the earlier wave (wave-specific).
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


# ---------------------------------------------------------------------------------------------
# The two sides of the match


def _code(value: object) -> int | None:
    """A value label's code as an integer (SPSS stores numbers as floats), None if not whole."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if number.is_integer() else None


def _user_missing(var: RawVariable) -> set[int]:
    codes = set()
    for lo, hi in var.missing_ranges:
        lo_code, hi_code = _code(lo), _code(hi)
        if lo_code is not None and hi_code is not None and hi_code - lo_code < 1000:
            codes.update(range(lo_code, hi_code + 1))
    return codes


def declared_missing(meta: RawMetadata) -> dict[int, str]:
    """The user-missing codes the export declares, labelled as its value labels label them."""
    codes: dict[int, str] = {}
    for var in meta.variables:
        labels = {_code(value): str(label) for value, label in var.value_labels.items()}
        for code in sorted(_user_missing(var)):
            if code in labels and code not in codes:
                codes[code] = labels[code]
    return dict(sorted(codes.items()))


def _checkbox_names(meta: RawMetadata) -> set[str]:
    """Variables of the export's multiple-response (dichotomy) sets."""
    names: set[str] = set()
    for mr in meta.mr_sets.values():
        if str(mr.get("type", "")).upper().startswith("D") or mr.get("is_dichotomy"):
            names.update(mr.get("variable_list") or [])
    return names


def dictionary_items(meta: RawMetadata, user_missing: Mapping[int, str]) -> list[Item]:
    """The export's variables as :class:`Item` s: labels, codes without the user-missing ones.

    A variable with the single code 1, labelled as the item its label ends with ("Which
    services do you provide? - Assessment" with 1 = "Assessment"), or in a dichotomy
    multiple-response set, is a checkbox item, as Qualtrics exports "select all that apply".
    """
    checkbox_sets = _checkbox_names(meta)
    items = []
    for var in meta.variables:
        missing = _user_missing(var) | set(user_missing)
        values = {}
        for value, label in var.value_labels.items():
            code = _code(value)
            if code is not None and code not in missing:
                values[code] = str(label)
        label = var.label or ""
        checkbox = var.name in checkbox_sets or (
            list(values) == [1] and " - " in label and label.rsplit(" - ", 1)[1].strip() == values[1].strip()
        )
        kind = {"date": "datetime", "time": "numeric"}.get(var.type, var.type)
        items.append(Item(var.name, label, kind, {} if checkbox else dict(sorted(values.items())), checkbox))
    return items


def instrument_items(instrument: Instrument) -> list[Item]:
    """The instrument's variables as :class:`Item` s."""
    return [Item(v.name, v.label, v.kind, dict(v.values), v.checkbox, v.metadata) for v in instrument.variables]


# ---------------------------------------------------------------------------------------------
# YAML text


#: Keys whose values are identifiers, written bare as the instrument files write them.
_BARE_KEYS = frozenset({"name", "was", "section", "type", "scale"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_YAML_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def scalar(value: object, bare: bool = False) -> str:
    """One YAML scalar: strings double-quoted (JSON's escapes are YAML's), numbers bare, and an
    identifier bare where ``bare`` (never one YAML would read as a boolean or null)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = str(value)
    if bare and _IDENTIFIER.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(mapping: Mapping) -> str:
    """A flow mapping on one line: ``{name: Q1, label: "..."}``; nested mappings likewise."""
    parts = []
    for key, value in mapping.items():
        text = flow(value) if isinstance(value, Mapping) else scalar(value, bare=key in _BARE_KEYS)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def review_mark(why: str, candidates: Mapping[str, float] | None = None) -> object:
    """A ``review:`` value: the reason, with an uncertain match's candidates and scores."""
    if candidates:
        return {"why": why, "candidates": dict(candidates)}
    return why


# ---------------------------------------------------------------------------------------------
# The draft instrument


@dataclass(frozen=True)
class DraftContext:
    """What the drafts are made from: the export, the earlier wave and the new wave's id."""

    export: str
    wave: str
    like: str
    like_instrument_path: str
    like_recode_path: str


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


# ---------------------------------------------------------------------------------------------
# The change report


def _item_json(m: Match) -> dict:
    return {
        "status": m.status,
        "name": m.name,
        "was": m.was,
        "score": m.score,
        "uncertain": m.uncertain,
        "candidates": m.candidates,
        # Codes as JSON writes them (strings), so the dict returned is the file written.
        "details": json.loads(json.dumps(m.details)),
    }


def _code_frame_changed(m: Match) -> bool:
    return any(k in m.details for k in ("codes_added", "codes_removed", "codes_relabelled", "scale_reversed"))


def change_report(matches: Sequence[Match], ctx: DraftContext) -> dict:
    """The change report as a JSON-ready dict: every variable's fate and a summary."""
    summary = {"matched": sum(m.name is not None and m.was is not None for m in matches)}
    summary.update({status: sum(m.status == status for m in matches) for status in STATUSES})
    summary["code_frame_changed"] = sum(_code_frame_changed(m) for m in matches)
    summary["text_edited"] = sum("text_edited" in m.details for m in matches)
    summary["type_changed"] = sum("type_changed" in m.details for m in matches)
    summary["free_text_added"] = sum(m.status == "added" and bool(m.details.get("free_text")) for m in matches)
    summary["uncertain"] = sum(m.uncertain for m in matches)
    return {
        "wave": ctx.wave,
        "like": ctx.like,
        "export": ctx.export,
        "items": [_item_json(m) for m in matches],
        "summary": summary,
    }


def summary_line(report: dict) -> str:
    """The summary in one line, as the command prints it."""
    s = report["summary"]
    return (
        f"{s['matched']} matched ({s['unchanged']} unchanged, {s['changed']} changed, {s['renamed']} renamed), "
        f"{s['added']} added "
        f"({s['free_text_added']} free text), {s['dropped']} dropped; {s['code_frame_changed']} code frames "
        f"changed, {s['text_edited']} texts edited; {s['uncertain']} uncertain (marked review:)"
    )


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _codes_text(codes: Mapping) -> str:
    return "; ".join(f"{c} \"{lab}\"" for c, lab in codes.items())


def _frame_text(details: dict) -> str:
    parts = []
    if details.get("scale_reversed"):
        parts.append("scale reversed (same labels, reverse code order)")
    if "codes_added" in details:
        parts.append("added " + _codes_text(details["codes_added"]))
    if "codes_removed" in details:
        parts.append("removed " + _codes_text(details["codes_removed"]))
    if "codes_relabelled" in details:
        parts.append("relabelled " + "; ".join(
            f"{c} \"{d['was']}\" -> \"{d['now']}\"" for c, d in details["codes_relabelled"].items()))
    return ", ".join(parts)


def _candidates_text(candidates: Mapping[str, float]) -> str:
    return ", ".join(f"{n} ({s:.2f})" for n, s in candidates.items()) or "none"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def change_markdown(report: dict) -> str:
    """The change report in Markdown: the summary, then one table per kind of change."""
    items = report["items"]
    lines = [
        f"# Changes in wave {report['wave']} since wave {report['like']}",
        "",
        f"Drafted by `swsurvey wave draft` from `{report['export']}`: each variable of the export matched to "
        f"wave {report['like']}'s instrument by name, question text and code frame. Nothing here is applied "
        "until a person has reviewed the drafts (every `review:` mark).",
        "",
        summary_line(report) + ".",
    ]
    sections: list[tuple[str, list[str], list[list[object]]]] = [
        ("Uncertain matches (marked `review:`)", ["variable", "matched to", "score", "candidates (score)"],
         [[m["name"] or "", m["was"] or "(none)", "" if m["score"] is None else f"{m['score']:.2f}",
           _candidates_text(m["candidates"])] for m in items if m["uncertain"]]),
        ("Renamed", ["variable", "was", "score"],
         [[m["name"], m["was"], f"{m['score']:.2f}"] for m in items if m["status"] == "renamed"]),
        ("Added", ["variable", "kind", "candidates (score)"],
         [[m["name"], "free text" if m["details"].get("free_text") else "question", _candidates_text(m["candidates"])]
          for m in items if m["status"] == "added"]),
        ("Dropped", ["was", "kind"],
         [[m["was"], "metadata" if m["details"].get("metadata") else "question"]
          for m in items if m["status"] == "dropped"]),
        ("Code frames changed", ["variable", "was", "change"],
         [[m["name"], m["was"], _frame_text(m["details"])] for m in items if _frame_text(m["details"])]),
        ("Question text edited", ["variable", "was", "text before", "text now"],
         [[m["name"], m["was"], m["details"]["text_edited"]["was"], m["details"]["text_edited"]["now"]]
          for m in items if "text_edited" in m["details"]]),
        ("Type changed", ["variable", "was", "type before", "type now"],
         [[m["name"], m["was"], m["details"]["type_changed"]["was"], m["details"]["type_changed"]["now"]]
          for m in items if "type_changed" in m["details"]]),
        ("New free text (personal data: marked free_text, dropped at import)", ["variable", "label looks like"],
         [[m["name"], "names, contacts or places (pii)" if m["details"].get("pii") else "free text"]
          for m in items if m["status"] == "added" and m["details"].get("free_text")]),
    ]
    for title, header, rows in sections:
        lines += ["", f"## {title}", ""]
        lines += _table(header, rows) if rows else ["None."]
    unchanged = [m["name"] for m in items if m["status"] == "unchanged"]
    lines += ["", "## Unchanged", "", ", ".join(unchanged) if unchanged else "None."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The config entry


def _path_for_wave(path: str, like: str, wave: str, stem: str) -> str:
    """The earlier wave's file path with the new wave in its name."""
    pure = PurePosixPath(path)
    name = pure.name.replace(like, wave) if like in pure.name else f"{stem}_{wave}{pure.suffix}"
    return str(pure.with_name(name))


def _path(path: str) -> str:
    """A path bare, as config.yaml writes paths, or quoted where YAML would misread it."""
    return path if re.fullmatch(r"[\w./-]+", path) else scalar(path)


def recode_stem(name: str) -> str:
    """A recode name without its wave (``socialwork_2021`` -> ``socialwork``)."""
    return re.sub(r"[_-]?(?:19|20)\d\d\w*$", "", name) or name


def config_entry_text(ctx: DraftContext, settings: Mapping, stem: str, sha256: str) -> str:
    """The ``waves:`` entry of the new wave, to paste into config.yaml once the drafts are reviewed."""
    instrument_dir = PurePosixPath(str(settings["instrument"])).parent
    recode_dir = PurePosixPath(str(settings["recode"])).parent
    targets = settings.get("targets")
    instrument, recode = f"{instrument_dir}/{stem}_{ctx.wave}.yaml", f"{recode_dir}/{stem}_{ctx.wave}.yaml"
    lines = [
        f"# The config entry of wave {ctx.wave}, drafted by `swsurvey wave draft` like wave {ctx.like}: paste it",
        "# under `waves:` in config.yaml once the drafts are reviewed and moved to the paths below",
        f"# (instrument.yaml -> {instrument}, recode.yaml -> {recode}).",
        "waves:",
        f"  {scalar(ctx.wave)}:",
        f"    raw: {_path(ctx.export)}",
        f"    sha256: {sha256}",
        f"    instrument: {_path(instrument)}",
        f"    recode: {_path(recode)}",
    ]
    if targets:
        lines.append(f"    # Supply this file: the population totals of wave {ctx.wave}, as {targets} gives "
                     f"wave {ctx.like}'s.")
        lines.append(f"    targets: {_path(_path_for_wave(str(targets), ctx.like, ctx.wave, 'population_margins'))}")
    lines.append("    published: null")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The command


def _like_settings(config: Path, like: str) -> Mapping:
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError("config file not found", file=config) from None
    waves = doc.get("waves") or {}
    if like not in waves:
        raise InputError(f"no wave {like!r} in waves: (it has {', '.join(map(str, waves))})", file=config,
                         variable="--like")
    return waves[like]


def draft_wave(
    export: str, like: str, wave: str, *, config: str | Path = "config.yaml", out: str | Path | None = None,
    force: bool = False, root: str | Path = ".",
) -> tuple[Path, dict]:
    """Write the drafts of wave ``wave`` from ``export`` like wave ``like`` into ``out``.

    ``out`` (default ``drafts/<wave>``) gets instrument.yaml, recode.yaml, config.yaml,
    changes.md and changes.json, all at once: they are written into a temporary folder beside
    it that is then renamed, so a failure leaves no half-written draft. An existing draft
    folder is refused unless ``force``. Paths in config are relative to ``root``.
    Returns the folder and the change report.
    """
    root = Path(root)
    out = Path(out) if out is not None else root / "drafts" / wave
    if out.exists() and not force:
        raise InputError("a draft folder is already there: review or move it, or give --force to replace it",
                         file=out)
    if wave_id_year(wave) is None:
        raise InputError("the wave id must start with its year (e.g. 2024)", variable="--wave", value=wave)
    settings = _like_settings(root / config, like)
    like_instrument = load_instrument(root / settings["instrument"])
    like_spec = load_recode(root / settings["recode"])
    export_path = Path(export) if Path(export).is_absolute() else root / export
    meta = read_metadata(export_path)
    ctx = DraftContext(export=str(export), wave=wave, like=like,
                       like_instrument_path=str(settings["instrument"]), like_recode_path=str(settings["recode"]))
    new_items = dictionary_items(meta, like_instrument.user_missing)
    matches = match_items(new_items, instrument_items(like_instrument))
    report = change_report(matches, ctx)
    stem = recode_stem(like_spec.name)
    files = {
        "instrument.yaml": draft_instrument_text(like_instrument, new_items, matches, ctx, declared_missing(meta)),
        "recode.yaml": draft_recode_text(
            (root / settings["recode"]).read_text(encoding="utf-8"), like_spec, like_instrument, new_items, matches,
            like=like, wave=wave, stem=stem, export=str(export),
        ),
        "config.yaml": config_entry_text(ctx, settings, stem, sha256_file(export_path)),
        "changes.md": change_markdown(report),
        "changes.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="\n")
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out, report
