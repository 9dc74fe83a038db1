"""Reading the import stage's output for the cleaning: its responses and its provenance record.

:func:`read_import` reads only the columns the recode spec (and a supplied replicate design)
needs, and refuses a file the import stage did not write or whose record does not say whether
the data are synthetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from swsurvey.errors import InputError
from swsurvey.io.files import PROVENANCE_KEY


@dataclass(frozen=True)
class ImportedWave:
    """The import stage's responses (only the columns the spec reads) and its provenance."""

    frame: pd.DataFrame
    provenance: dict
    path: Path

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance["synthetic"])  # read_import checked it is a bool


def read_import(path: str | Path, columns: list[str]) -> ImportedWave:
    """Read ``columns`` (those present) of an import-stage Parquet file and its ``swsurvey`` record.

    Absent columns are left for :func:`swsurvey.study.validation.check_raw` to report together.
    """
    path = Path(path)
    try:
        schema = pq.read_schema(path)
    except FileNotFoundError:
        raise InputError("imported data not found", file=path) from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from None
    raw_meta = (schema.metadata or {}).get(PROVENANCE_KEY)
    if raw_meta is None:
        raise InputError("no 'swsurvey' metadata: not a file written by the import stage", file=path)
    try:
        provenance = json.loads(raw_meta)
    except json.JSONDecodeError:
        raise InputError("the 'swsurvey' metadata is not JSON", file=path) from None
    if provenance.get("stage") != "import":
        raise InputError(f"written by stage {provenance.get('stage')!r}, expected the import stage", file=path)
    if not isinstance(provenance.get("synthetic"), bool):
        raise InputError("the 'swsurvey' metadata does not say whether the data are synthetic", file=path)
    present = [c for c in columns if c in schema.names]
    frame = pd.read_parquet(path, columns=present)
    return ImportedWave(frame=frame, provenance=provenance, path=path)
