"""The raw codebook of an imported wave: a JSON-safe dict and its Markdown rendering.

The import stage writes two codebooks side by side: ``codebook.json`` for the later stages
(which read value labels and missing-value declarations from it rather than from the raw
file) and ``codebook.md`` for people. Both come from one dict built here, so they cannot
disagree. The dict holds no timestamps of the run and no absolute paths, so a rerun on the
same raw file gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from swsurvey.io.codes import code_key, json_value

if TYPE_CHECKING:
    from swsurvey.io.spss import RawMetadata

#: How the pseudonym columns are computed (said in the codebook; the key itself never is).
PSEUDONYM_METHOD = (
    "HMAC-SHA256 keyed with the project's secret pseudonymisation key, hex, first 20 characters"
)


def missing_declaration(ranges: Sequence[tuple[Any, Any]]) -> dict[str, list]:
    """Split pyreadstat's (lo, hi) pairs into discrete values (lo == hi) and true ranges."""
    values: list = []
    spans: list[dict[str, Any]] = []
    for lo, hi in ranges:
        if lo == hi:
            values.append(json_value(lo))
        else:
            spans.append({"lo": json_value(lo), "hi": json_value(hi)})
    return {"values": values, "ranges": spans}


# -- building ---------------------------------------------------------------------------


def build_raw_codebook(
    meta: RawMetadata,
    *,
    sha256: str,
    kept: Iterable[str],
    dropped: Sequence[tuple[str, str]],
    pseudonymised: Sequence[tuple[str, str]],
    notes: Sequence[str] = (),
    warnings: Sequence[str] = (),
) -> dict:
    """The codebook dict of one raw file, in file order, with every raw variable listed.

    ``warnings`` are what makes a run on this file right only by luck (see
    :func:`swsurvey.study.contract.dictionary_warnings`): the Markdown shows them first, and the
    report repeats them.

    ``dropped`` holds (name, reason) pairs; ``pseudonymised`` holds (name, replaced_by).
    Dropped and pseudonymised variables are listed with ``kept: false`` (they have no data
    in the output); the pseudonym columns are described under ``privacy``.
    """
    kept_set = set(kept)
    header = meta.header
    # A string variable's value labels and declared missing values are text of the same kind
    # as its values (they can be personal): they go where the variable goes.
    withheld = [v.name for v in meta.variables if v.type == "string" and v.name not in kept_set
                and (v.value_labels or v.missing_ranges)]
    if withheld:
        notes = [*notes, (
            f"The value labels and declared missing values of {len(withheld)} string variable(s) that "
            f"were not imported ({', '.join(withheld)}) are not shown: like the values, they may hold "
            "personal text."
        )]
    return {
        "file": {
            "name": header.path.name,
            "sha256": sha256,
            "format": header.format,
            "magic": header.magic,
            "compression": header.compression,
            "label": meta.file_label,
            "encoding": meta.encoding,
            "producing_software": header.product,
            "creation": None if meta.creation is None else meta.creation.isoformat(),
            "header_rows": header.case_count,
            "rows": meta.rows,
            "columns": len(meta.variables),
            "weight_variable": header.weight_variable,
            "documents": list(meta.documents),
            "synthetic": meta.synthetic,
        },
        "privacy": {
            "dropped": [{"name": name, "reason": reason} for name, reason in dropped],
            "pseudonymised": [
                {"name": name, "replaced_by": new, "method": PSEUDONYM_METHOD} for name, new in pseudonymised
            ],
        },
        "variables": [
            {
                "name": var.name,
                "label": var.label,
                "type": var.type,
                "format": var.format,
                "measure": var.measure,
                "display_width": var.display_width,
                "value_labels": {} if var.name in withheld else {
                    code_key(code): label for code, label in var.value_labels.items()
                },
                "missing": missing_declaration(() if var.name in withheld else var.missing_ranges),
                "kept": var.name in kept_set,
            }
            for var in meta.variables
        ],
        "mr_sets": json_value(meta.mr_sets),
        "warnings": list(warnings),
        "notes": [*meta.notes, *notes],
        "repairs": [dict(r) for r in meta.repairs],
    }


# -- Markdown ---------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}#|~])")


def md_cell(text: Any) -> str:
    """Text made safe for one Markdown table cell.

    Pipes and Markdown punctuation are backslash-escaped, ``<``/``>``/``&`` become HTML
    entities (so a label cannot inject markup), line breaks become ``<br>`` and other
    control characters are shown as ``⟨U+0092⟩`` so mis-encodings stay visible.
    """
    if text is None:
        return ""
    text = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) == "Cc" and c != "\t" else (" " if c == "\t" else c)
        for c in text
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _code(name: str) -> str:
    return f"`{name}`" if "`" not in name else md_cell(name)


def _value_labels(labels: Mapping[str, str]) -> str:
    return "; ".join(f"{md_cell(code)} = {md_cell(label)}" for code, label in labels.items())


def _missing(missing: Mapping[str, list]) -> str:
    parts = [md_cell(v) for v in missing.get("values", [])]
    parts += [f"{md_cell(r['lo'])} THRU {md_cell(r['hi'])}" for r in missing.get("ranges", [])]
    return ", ".join(parts)


def render_raw_codebook(codebook: dict) -> str:
    """Render a raw codebook dict as Markdown: file, privacy, variables, MR sets, notes."""
    f = codebook["file"]
    out: list[str] = []
    if f.get("synthetic"):
        out += [
            "> **⚠ SYNTHETIC DATA** — this file was made by the project's generator. It holds no real",
            "> survey responses; nothing computed from it is a finding about social workers.",
            "",
        ]
    out += [f"# Raw codebook: {md_cell(f['name'])}", ""]
    if codebook.get("warnings"):
        out += ["## Warnings", "", *[f"- **Warning:** {md_cell(w)}" for w in codebook["warnings"]], ""]
    out += ["## File", ""]
    compression = f["compression"] if f["format"] != "por" else "none (portable text)"
    rows = [
        ("File", md_cell(f["name"])),
        ("SHA-256", f"`{f['sha256']}`"),
        ("Format", f"{md_cell(f['format'])} ({md_cell(f['magic'])}, compression: {md_cell(compression)})"),
        ("Synthetic", "**yes — SYNTHETIC DATA**" if f.get("synthetic") else "no"),
        ("File label", md_cell(f["label"]) if f["label"] else "none"),
        ("Producing software", md_cell(f["producing_software"])),
        ("Created", md_cell(f["creation"])),
        ("Encoding", md_cell(f["encoding"])),
        ("Rows", str(f["rows"])),
        ("Rows in header", "not recorded (-1)" if f["header_rows"] is None else str(f["header_rows"])),
        ("Columns in raw file", str(f["columns"])),
        ("Weight variable (WEIGHT BY)", _code(f["weight_variable"]) if f["weight_variable"] else "none"),
    ]
    out += _table(["Item", "Value"], rows)
    if f.get("documents"):
        out += ["", "### Documents", "", "```text", *[d.replace("```", "'''") for d in f["documents"]], "```"]

    privacy = codebook["privacy"]
    out += ["", "## Privacy", ""]
    out += [
        "Personal data never leaves the import stage. These raw variables are not in the output data:",
        "",
    ]
    if privacy["dropped"]:
        out += _table(
            ["Variable", "Why it was dropped"],
            ([_code(d["name"]), md_cell(d["reason"])] for d in privacy["dropped"]),
        )
    else:
        out += ["_No variable was dropped._"]
    out += [""]
    if privacy["pseudonymised"]:
        out += ["These variables were replaced, in the same position, by a keyed pseudonym:", ""]
        out += _table(
            ["Variable", "Replaced by", "Method"],
            (
                [_code(p["name"]), _code(p["replaced_by"]), md_cell(p["method"])]
                for p in privacy["pseudonymised"]
            ),
        )
    else:
        out += ["_No variable was pseudonymised._"]

    out += ["", "## Variables", ""]
    out += _table(
        ["#", "Name", "Label", "Type", "Format", "Measure", "Value labels", "Missing (user-defined)", "Kept"],
        (
            [
                str(i),
                _code(v["name"]),
                md_cell(v["label"]),
                v["type"],
                md_cell(v["format"]),
                md_cell(v["measure"]),
                _value_labels(v["value_labels"]),
                _missing(v["missing"]),
                "yes" if v["kept"] else "**no**",
            ]
            for i, v in enumerate(codebook["variables"], start=1)
        ),
    )

    out += ["", "## Multiple-response sets", ""]
    if codebook["mr_sets"]:
        out += _table(
            ["Set", "Label", "Type", "Counted value", "Variables"],
            (
                [
                    _code(name),
                    md_cell(s.get("label")),
                    "dichotomy" if s.get("is_dichotomy") else "category",
                    md_cell(s.get("counted_value")),
                    ", ".join(_code(v) for v in s.get("variable_list", [])),
                ]
                for name, s in codebook["mr_sets"].items()
            ),
        )
    else:
        out += ["_None._"]

    if codebook["notes"]:
        out += ["", "## Notes", ""] + [f"- {md_cell(n)}" for n in codebook["notes"]]
    if codebook["repairs"]:
        out += ["", "## Repairs", ""]
        out += _table(
            ["Variable", "What", "Before", "After"],
            (
                [
                    _code(r["variable"]) if r["variable"] else "(file)",
                    md_cell(r["what"]),
                    md_cell(r["before"]),
                    md_cell(r["after"]),
                ]
                for r in codebook["repairs"]
            ),
        )
    return "\n".join(out) + "\n"
