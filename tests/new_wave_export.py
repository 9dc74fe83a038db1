"""A 2024 export planted with the revision issue 16 describes, made from the stored 2021 export.

The stored 2021 wave's dictionary and first rows, with exactly these changes (what
``swsurvey wave draft --like 2021`` must find): Q5 dropped; Q25 (training) renamed Q27 and
placed last; Q13_7 added after Q13_6 (a frequency row, "Secure messaging through a client
portal"); Q10_8_TEXT added after Q10_7_TEXT (free text); Q7 gains code 5 "Two-Spirit"; Q21's
text edited.
"""

from __future__ import annotations

from pathlib import Path

import pyreadstat
from testconfig import REPO

STORED_2021 = REPO / "data/synthetic/socialwork_2021.sav"

#: The planted changes, as the change report must give them.
PLANTED = {
    "dropped": ["Q5"],
    "renamed": {"Q27": "Q25"},
    "added": ["Q13_7", "Q10_8_TEXT"],
    "free_text_added": ["Q10_8_TEXT"],
    "codes_added": {"Q7": {"5": "Two-Spirit"}},
    "text_edited": {"Q21": "In your view, is it ever appropriate to search online for information about a client?"},
}


def write_2024_export(path: Path, rows: int = 20) -> Path:
    """The planted 2024 export (a few rows: the draft reads only its dictionary)."""
    frame, m = pyreadstat.read_sav(STORED_2021, user_missing=True, row_limit=rows)
    labels = dict(m.column_names_to_labels)
    values = {k: dict(v) for k, v in m.variable_value_labels.items()}
    missing = dict(m.missing_ranges)
    formats = dict(m.original_variable_types)
    measure = dict(m.variable_measure)
    frame = frame.drop(columns=["Q5"])
    frame["Q13_7"] = frame["Q13_6"]
    labels["Q13_7"] = "How often do you use each with clients? - Secure messaging through a client portal"
    for meta in (values, missing, formats, measure):
        meta["Q13_7"] = meta["Q13_6"]
    frame["Q10_8_TEXT"] = ""
    labels["Q10_8_TEXT"] = "What is your primary practice setting? - Virtual / online practice - Text"
    formats["Q10_8_TEXT"] = "A40"
    measure["Q10_8_TEXT"] = "nominal"
    frame = frame.rename(columns={"Q25": "Q27"})
    for meta in (labels, values, missing, formats, measure):
        meta["Q27"] = meta.pop("Q25")
    gender = {k: v for k, v in values["Q7"].items() if k != -99.0}
    values["Q7"] = {**gender, 5.0: "Two-Spirit", -99.0: "Seen but unanswered"}
    labels["Q21"] = PLANTED["text_edited"]["Q21"]
    order = list(frame.columns)
    order.remove("Q13_7")
    order.insert(order.index("Q13_6") + 1, "Q13_7")
    order.remove("Q10_8_TEXT")
    order.insert(order.index("Q10_7_TEXT") + 1, "Q10_8_TEXT")
    order.remove("Q27")
    order.append("Q27")
    frame = frame[order]
    keep = set(order)
    pyreadstat.write_sav(
        frame, path, file_label="SYNTHETIC DATA - planted 2024 revision (tests)",
        column_labels={k: v for k, v in labels.items() if k in keep},
        variable_value_labels={k: v for k, v in values.items() if k in keep},
        missing_ranges={k: v for k, v in missing.items() if k in keep},
        variable_format={k: v for k, v in formats.items() if k in keep},
        variable_measure={k: v for k, v in measure.items() if k in keep},
    )
    return path
