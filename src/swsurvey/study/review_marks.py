"""The review marks left on a wave's instrument and recode, one line each.

A draft (``swsurvey wave draft``) marks what a person must decide with a ``review:`` key, on the
instrument or the recode as a whole, on a question or on an analysis variable; the person
deletes the key once decided, and ``swsurvey wave check`` and the workflow refuse a wave that
still has one. Standard library and PyYAML only: the workflow's reading imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

#: The key a draft marks what a person must decide with.
REVIEW_KEY = "review"

#: libyaml's loader when PyYAML has it (the files are read on every read of the workflow).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _why(mark: Any) -> str:
    if isinstance(mark, Mapping):
        why = str(mark.get("why") or "").strip() or "(no reason given)"
        candidates = mark.get("candidates")
        if isinstance(candidates, Mapping) and candidates:
            why += " (candidates: " + ", ".join(f"{k} {v}" for k, v in candidates.items()) + ")"
        return " ".join(why.split())
    return " ".join(str(mark).split())


def review_marks(instrument_file: str, recode_file: str, root: Path) -> list[str]:
    """A line for each ``review:`` key left on the instrument, one of its questions, the recode or
    one of its analysis variables (what a draft asks a person to decide)."""
    lines = []
    doc = _read_yaml(root / instrument_file)
    if isinstance(doc, Mapping):
        if REVIEW_KEY in doc:  # on the instrument as a whole (e.g. when it was fielded)
            lines.append(f"instrument {instrument_file}: review mark left: {_why(doc[REVIEW_KEY])}; "
                         "decide and delete the review: key")
        for section in ("metadata", "questions"):
            for item in doc.get(section) or []:
                if isinstance(item, Mapping) and REVIEW_KEY in item:
                    lines.append(f"instrument {instrument_file}, question {item.get('name')}: review mark left: "
                                 f"{_why(item[REVIEW_KEY])}; decide and delete the review: key")
    doc = _read_yaml(root / recode_file)
    if isinstance(doc, Mapping):
        if REVIEW_KEY in doc:
            lines.append(f"recode {recode_file}: review mark left: {_why(doc[REVIEW_KEY])}; "
                         "decide and delete the review: key")
        for item in doc.get("variables") or []:
            if isinstance(item, Mapping) and REVIEW_KEY in item:
                lines.append(f"recode {recode_file}, variable {item.get('name')}: review mark left: "
                             f"{_why(item[REVIEW_KEY])}; decide and delete the review: key")
    return lines
