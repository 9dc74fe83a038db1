"""The JSON of provenance documents: plain values, one canonical text and its hash, and reading
a document of a given format (a job's record, the run's manifest).

Standard library only: the hashing of code (:mod:`swsurvey.provenance.code`) uses it when the
workflow is read.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from swsurvey.errors import InputError


def canonical_json(obj: Any) -> str:
    """The one JSON text of ``obj`` that hashes compare: sorted keys, no spaces, UTF-8."""
    return json.dumps(jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_json(obj: Any) -> str:
    """SHA-256 of :func:`canonical_json`: the same settings give the same hash in any key order."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values (tuples and sets as lists, paths as text, NaN as null)."""
    if isinstance(obj, Mapping):
        return {str(key): jsonable(value) for key, value in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted((jsonable(item) for item in obj), key=canonical_json)
    if isinstance(obj, list | tuple):
        return [jsonable(item) for item in obj]
    if isinstance(obj, bool | int | str) or obj is None:
        return obj
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else obj
    if isinstance(obj, Path):
        return obj.as_posix()
    if hasattr(obj, "item"):  # numpy scalars
        return jsonable(obj.item())
    return str(obj)


def read_document(path: str | Path, format: str, description: str) -> dict[str, Any]:
    """A JSON document of the given ``format``; anything else is an error naming the file."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read the {description} ({exc})", file=path) from None
    if not isinstance(document, dict) or document.get("format") != format:
        raise InputError(f"not a {description} ({format})", file=path)
    return document
