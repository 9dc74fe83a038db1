"""Canonical JSON, its hash, and reading a document of a format (swsurvey.provenance.documents)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swsurvey.errors import InputError
from swsurvey.provenance.documents import canonical_json, jsonable, read_document, sha256_json


def test_the_canonical_text_and_its_hash_do_not_depend_on_key_order():
    assert canonical_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
    assert sha256_json({"b": {"y": 2, "x": 1}, "a": 1}) == sha256_json({"a": 1, "b": {"x": 1, "y": 2}})


def test_values_become_plain_json():
    assert jsonable({"t": (1, 2), "s": {2, 1}, "p": Path("a/b"), "nan": float("nan")}) == {
        "t": [1, 2],
        "s": [1, 2],
        "p": "a/b",
        "nan": None,
    }


def test_a_document_of_another_format_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text(json.dumps({"format": "other/1"}))
    with pytest.raises(InputError, match="not a run manifest"):
        read_document(path, "swsurvey-manifest/1", "run manifest")
    path.write_text(json.dumps({"format": "swsurvey-manifest/1", "x": 1}))
    assert read_document(path, "swsurvey-manifest/1", "run manifest")["x"] == 1
