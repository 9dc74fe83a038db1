"""The export as SPSS sees it (swsurvey.synthetic.sav): every instrument variable in order,
with its type, labels and declared missing values, and a header that does not depend on the clock."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from raw_wave import STORED_SAV, stored  # noqa: F401 (fixtures)

from swsurvey.synthetic.sav import FILE_LABEL_PREFIX


def test_header_is_pinned_so_bytes_do_not_depend_on_the_clock(repo_dir):
    head = (repo_dir / STORED_SAV).read_bytes()[:176]
    assert head[:4] == b"$FL2"
    assert head[4:64].rstrip(b" ") == b"@(#) SPSS DATA FILE - swsurvey synthetic generator, ReadStat"
    assert head[92:109] == b"01 Jun 1700:00:00"
    assert head[109:173].decode("utf-8").startswith(FILE_LABEL_PREFIX)


def test_every_variable_in_instrument_order_with_its_type(instrument_2017, stored):
    data, meta = stored
    assert list(data.columns) == instrument_2017.names
    for var in instrument_2017.variables:
        dtype = data[var.name].dtype
        if var.kind == "datetime":
            assert pd.api.types.is_datetime64_dtype(dtype), var.name
            assert meta.original_variable_types[var.name].startswith("DATETIME")
        elif var.kind == "string":
            assert pd.api.types.is_string_dtype(dtype), var.name
        else:
            assert dtype == np.float64, var.name
            fmt = meta.original_variable_types[var.name]
            assert re.fullmatch(r"F(\d+)\.0", fmt) and int(fmt[1:-2]) <= 40, (var.name, fmt)


def test_labels_value_labels_and_declared_missing(instrument_2017, stored):
    _, meta = stored
    for var in instrument_2017.variables:
        assert meta.column_names_to_labels[var.name] == var.label
        labels = meta.variable_value_labels.get(var.name, {})
        if var.checkbox:
            # Qualtrics labels only code 1 of a checkbox column: with the option's text.
            assert labels == {1.0: var.label.rsplit(" - ", 1)[1], -99.0: "Seen but unanswered"}, var.name
        elif var.values:
            expected = {float(c): lab for c, lab in var.values.items()}
            if var.coded:
                expected[-99.0] = "Seen but unanswered"
            assert labels == expected, var.name
        else:
            assert labels == {}, var.name
        if var.coded:
            assert meta.missing_ranges[var.name] == [{"lo": -99.0, "hi": -99.0}], var.name
    assert meta.missing_ranges["Q7"] == [{"lo": -99.0, "hi": -99.0}]  # a typed number left empty
    assert not any(v.metadata and v.name in meta.missing_ranges for v in instrument_2017.variables)
    assert meta.variable_measure["Q5"] == "ordinal" and meta.variable_measure["Q12_1"] == "ordinal"
    assert meta.variable_measure["Q9"] == "nominal" and meta.variable_measure["Q7"] == "scale"
    assert meta.file_label.startswith(FILE_LABEL_PREFIX)
