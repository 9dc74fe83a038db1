"""A weighted data frame written as the weighting stage writes it, for the inferential tests."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq


def write_weighted(frame, path, synthetic=True):
    """``frame`` as a weighting-stage Parquet file (its provenance says stage "weight")."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"swsurvey"] = json.dumps({"stage": "weight", "synthetic": synthetic}).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
