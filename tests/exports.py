"""Hostile exports: the stored 2017 wave with one thing broken, as real exports break.

:func:`write_export` writes the stored wave changed by an edit; the edits below make one
variable missing, set a code or value, export answers as text, relabel a code or empty the
file. The contract tests (tests/study/test_contract.py) and the refused-run tests
(tests/test_refusals.py) use them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyreadstat
from testconfig import REPO

STORED = REPO / "data/synthetic/socialwork_2017.sav"

Edit = Callable[[object, dict], None]


def write_export(path: Path, edit: Edit | None = None) -> Path:
    """The stored 2017 wave, changed by ``edit(frame, meta)`` and written with its labels,
    missing declarations, formats and file label (raw codes kept)."""
    frame, m = pyreadstat.read_sav(STORED, user_missing=True)
    meta = {
        "file_label": m.file_label,
        "column_labels": dict(m.column_names_to_labels),
        "variable_value_labels": {k: dict(v) for k, v in m.variable_value_labels.items()},
        "missing_ranges": dict(m.missing_ranges),
        "variable_format": dict(m.original_variable_types),
        "variable_measure": dict(m.variable_measure),
    }
    changed = None if edit is None else edit(frame, meta)
    frame = frame if changed is None else changed
    for key in ("column_labels", "variable_value_labels", "missing_ranges", "variable_format", "variable_measure"):
        meta[key] = {k: v for k, v in meta[key].items() if k in frame.columns}
    pyreadstat.write_sav(frame, path, row_compress=True, **meta)
    return path



def drop(name):
    def edit(frame, meta):
        return frame.drop(columns=[name])

    return edit


def set_values(name, rows, value):
    def edit(frame, meta):
        frame.loc[frame.index[:rows], name] = value

    return edit


def as_text(name):
    def edit(frame, meta):
        labels = meta["variable_value_labels"].pop(name)
        frame[name] = [labels.get(v, "") if v == v else "" for v in frame[name]]
        meta["variable_format"][name] = "A60"
        meta["missing_ranges"].pop(name, None)

    return edit


def relabel(name, code, label):
    def edit(frame, meta):
        meta["variable_value_labels"][name][code] = label

    return edit


def empty(frame, meta):
    return frame.iloc[:0]
