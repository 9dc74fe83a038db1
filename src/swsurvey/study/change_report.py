"""A new wave's change report: every variable of the export matched to the earlier wave's
instrument (:mod:`swsurvey.study.wave_match`), as a JSON-ready dict, its summary in one line
(what ``swsurvey wave draft`` prints) and in Markdown, one table per kind of change."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from swsurvey.study.draft_context import DraftContext
from swsurvey.study.wave_match import Match

#: The statuses of the change report, in the order its tables come.
STATUSES = ("unchanged", "changed", "renamed", "added", "dropped")


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
