"""The codebook of the cleaned data's analysis variables, as JSON-ready data and for reading.

:func:`build_codebook` gives each variable's entry (:func:`variable_entry`): what it is and
where it comes from, as the recode spec says (:mod:`swsurvey.study.recode_description`), and
its counts in the derived data: levels, a summary, missing values by reason, corrections.
:func:`codebook_markdown` writes it for reading.
"""

from __future__ import annotations

import numpy as np

from swsurvey.io.table_text import BANNER, markdown_banner, markdown_cell
from swsurvey.stages.derivation import Derived
from swsurvey.stages.imported_wave import ImportedWave
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import NUMBER_RULES, CopyRule, RecodeSpec
from swsurvey.study.recode_description import analysis_sources, describe_rule, raw_sources, type_name


def _number(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def variable_entry(d: Derived, spec: RecodeSpec, instrument: Instrument) -> dict:
    """One analysis variable's codebook entry: what it is, where from, and its counts."""
    var = d.var
    entry: dict = {
        "name": var.name,
        "label": var.label,
        "type": type_name(var),
        "sources": raw_sources(var, spec, instrument),
        "derived_from": analysis_sources(var, spec),
        "rule": describe_rule(var, spec, instrument),
        "note": var.note,
        "base": var.base,
        "required": var.required,
    }
    missing = d.missing
    entry["n_valid"] = int((~missing).sum())
    entry["n_missing"] = int(missing.sum())
    if d.codes is not None:
        counts = np.bincount(d.codes[d.codes >= 0], minlength=len(d.labels))
        entry["levels"] = [{"label": lab, "n": int(n)} for lab, n in zip(d.labels, counts, strict=True)]
    elif isinstance(var.rule, NUMBER_RULES):
        valid = d.values[~np.isnan(d.values)]
        entry["summary"] = (
            {"min": _number(valid.min()), "median": _number(np.median(valid)), "mean": _number(valid.mean()),
             "max": _number(valid.max())}
            if valid.size else None
        )
    elif isinstance(var.rule, CopyRule):
        present = d.values.dropna()
        if var.rule.dtype == "datetime":
            entry["summary"] = (
                {"min": present.min().isoformat(), "max": present.max().isoformat()} if len(present) else None
            )
        else:
            entry["summary"] = {"distinct": int(present.nunique())}
    if d.reasons is not None:
        reason_counts = np.bincount(d.reasons[d.reasons >= 0], minlength=len(spec.missing.reasons))
        entry["missing"] = {r: int(n) for r, n in zip(spec.missing.reasons, reason_counts, strict=True)}
    entry["corrections"] = [{"rule": k, "n": v} for k, v in d.corrections.items()]
    return entry


def build_codebook(
    derived: dict[str, Derived], spec: RecodeSpec, instrument: Instrument, *, wave: str, imported: ImportedWave
) -> dict:
    """The codebook of the analysis variables, as JSON-ready data (no run timestamps)."""
    n = len(next(iter(derived.values())).missing) if derived else 0
    book: dict = {}
    if imported.synthetic:
        book["notice"] = BANNER
    book |= {
        "stage": "clean",
        "wave": wave,
        "synthetic": imported.synthetic,
        "recode": {"name": spec.name, "version": spec.version, "file": spec.path.name, "sha256": spec.sha256},
        "instrument": {"name": instrument.name, "wave": instrument.wave},
        "source": {k: imported.provenance.get(k) for k in ("source", "source_sha256")},
        "n": n,
        "missing_reasons": [{"reason": r, "means": spec.missing.means.get(r, "")} for r in spec.missing.reasons],
        "variables": [variable_entry(d, spec, instrument) for d in derived.values()],
    }
    return book


def codebook_markdown(book: dict) -> str:
    """The codebook for reading: a summary table, then one section per variable."""
    out = [
        markdown_banner(book["synthetic"]) + f"# Codebook of the analysis variables, wave {book['wave']}",
        "",
        f"Recode specification `{book['recode']['name']}` version {book['recode']['version']}, "
        f"instrument `{book['instrument']['name']}` (wave {book['instrument']['wave']}); "
        f"{book['n']:,} responses analysed. Analyses treat every missing value as missing; "
        "its reason is kept in the column `<variable>__missing`.",
        "",
        "Missing-value reasons:",
        "",
        *[f"- **{r['reason']}**: {r['means']}" for r in book["missing_reasons"]],
        "",
        "| Variable | Label | Type | Valid | Missing |",
        "|---|---|---|---:|---:|",
        *[
            f"| [`{v['name']}`](#{v['name']}) | {markdown_cell(v['label'])} | {v['type']} | {v['n_valid']:,} | {v['n_missing']:,} |"
            for v in book["variables"]
        ],
    ]
    for v in book["variables"]:
        out += ["", f"## {v['name']}", "", f"**{markdown_cell(v['label'])}** ({v['type']}{', required' if v['required'] else ''})", ""]
        out.append(f"- Sources: {', '.join(f'`{s}`' for s in v['sources'])}")
        if v["derived_from"]:
            out.append(f"- Derived from: {', '.join(f'`{s}`' for s in v['derived_from'])}")
        out.append(f"- Rule: {v['rule']}")
        if v["note"]:
            out.append(f"- Note: {v['note']}")
        if v.get("base"):
            out.append(f"- Base (of its percentages): {v['base']}")
        for c in v["corrections"]:
            out.append(f"- Correction: {c['rule']}: {c['n']:,}")
        if "levels" in v:
            out += ["", "| Level | n |", "|---|---:|", *[f"| {markdown_cell(lv['label'])} | {lv['n']:,} |" for lv in v["levels"]]]
        if v.get("summary"):
            out += ["", "| " + " | ".join(v["summary"]) + " |", "|" + "---:|" * len(v["summary"]),
                    "| " + " | ".join(f"{x:,}" if isinstance(x, int) else str(x) for x in v["summary"].values()) + " |"]
        if "missing" in v:
            rows = [(r, n) for r, n in v["missing"].items() if n]
            if rows:
                out += ["", "| Missing because | n |", "|---|---:|", *[f"| {markdown_cell(r)} | {n:,} |" for r, n in rows]]
            else:
                out += ["", "No missing values."]
    reps = book.get("replicate_weights")
    if reps:
        out += ["", "## Replicate weights", "", f"Type {reps['type']}: {len(reps['columns'])} columns, "
                + ", ".join(f"`{c}`" for c in reps["columns"])
                + (f"; full-sample weight `{reps['full_sample_weight']}`" if reps["full_sample_weight"] else "")
                + ". " + reps["note"]]
    return "\n".join(out) + "\n"
