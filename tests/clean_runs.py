"""Running the cleaning stage's parts on small import-stage frames (:mod:`import_frames`), for
the tests of :mod:`swsurvey.stages.cleaning` and the modules it composes.

:func:`write_import` writes a frame as the import stage does, :func:`run_clean` cleans it into
a folder (:func:`outputs`), :func:`derive` derives the analysis variables of eligible rows, and
:func:`flow_rows` gives rows that each exclusion step removes a known number of, per country.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from import_frames import INSTRUMENT, SPEC, raw_frame

from swsurvey.stages.cleaning import clean_wave
from swsurvey.stages.derivation import derive_variables

COUNTRIES = ["Canada", "United States", "Israel", "United Kingdom"]
GROUPS = [*COUNTRIES, "Other / not stated", "Total"]


def write_import(frame: pd.DataFrame, path: Path, *, synthetic: bool = True) -> Path:
    """Write a frame as the import stage does: Parquet with the ``swsurvey`` provenance record."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"swsurvey"] = json.dumps(
        {"stage": "import", "source": "socialwork_test.sav", "source_sha256": "0" * 64, "synthetic": synthetic}
    ).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def derive(instrument, spec, rows: list[dict]) -> pd.DataFrame:
    """Derive the analysis variables of eligible rows (no exclusions)."""
    cleaned, _ = derive_variables(raw_frame(instrument, rows), spec, instrument)
    return cleaned


def outputs(folder: Path) -> dict[str, Path]:
    return {
        "out_data": folder / "clean" / "responses.parquet",
        "out_codebook_json": folder / "clean" / "codebook.json",
        "out_codebook_md": folder / "clean" / "codebook.md",
        "out_flow_csv": folder / "clean" / "exclusion_flow.csv",
        "out_flow_md": folder / "clean" / "exclusion_flow.md",
    }


def run_clean(tmp: Path, frame: pd.DataFrame, *, synthetic: bool = True, wave: str = "test") -> dict[str, Path]:
    data = write_import(frame, tmp / "import" / "responses.parquet", synthetic=synthetic)
    paths = outputs(tmp)
    clean_wave(data, INSTRUMENT, SPEC, **paths, wave=wave)
    return paths


def flow_rows(instrument) -> tuple[list[dict], dict[str, list[int]]]:
    """Rows that each step removes a known number of, per country; and the expected flow."""
    ca, us, il, uk = ({"Q2": c} for c in (1, 2, 3, 4))
    rows = [
        # Canada: 3 analysed
        ca, ca, ca,
        {**ca, "Q1": 2}, {**ca, "Q1": None},  # consent x2
        {**ca, "Q3": 2, "Q4": 2},  # fails registered and contact: counted at registered
        {**ca, "Q4": 2},  # client_contact
        {**ca, "Status": 1}, {**ca, "Status": 8},  # status: preview, spam
        {**ca, "Status": 4}, {**ca, "Status": 16},  # imported, offline: kept
        {**ca, "Finished": 0, "Status": 2},  # fails status and finished: counted at status
        # United States: 2 analysed, one of them duplicated
        {**us, "ResponseId_pseudonym": "DUP"}, us,
        {**us, "ResponseId_pseudonym": "DUP"},  # duplicates
        {**us, "Q3": None},  # registered
        # Israel: 1 analysed
        il, {**il, "Q1": 2, "Q3": 2},  # consent (also not registered)
        {**il, "Finished": 0},  # finished
        # United Kingdom: 1 analysed
        uk, {**uk, "Q4": -99},  # client_contact
        # Other / not stated: all out
        {"Q2": 5}, {"Q2": None}, {"Q2": -99}, {"Q2": 5, "Q1": 2},
    ]
    # step -> excluded per CA, US, IL, UK, Other
    expected = {
        "consent": [2, 0, 1, 0, 1],
        "country": [0, 0, 0, 0, 3],
        "registered": [1, 1, 0, 0, 0],
        "client_contact": [1, 0, 0, 1, 0],
        "status": [3, 0, 0, 0, 0],
        "finished": [0, 0, 1, 0, 0],
        "duplicates": [0, 1, 0, 0, 0],
    }
    return rows, expected
