"""YAML text as the drafts of a new wave write it: scalars, one-line flow mappings, review marks.

The drafts (``swsurvey wave draft``, :mod:`swsurvey.study.wave_draft`) are text written by
code, byte for byte the same for the same inputs, in the style the instrument files are written
in: strings double-quoted (JSON's escapes are YAML's), identifiers bare, one entry a line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

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
