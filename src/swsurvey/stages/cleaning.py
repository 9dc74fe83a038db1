"""Cleaning: exclusions in a stated order, analysis variables, missing values with their reasons.

Everything the stage does is what a recode specification (:mod:`swsurvey.study.recode`) says: a
new export of the same instrument runs with no code change. The steps, as in
:func:`clean_wave`, each in a module of its own:

1. read the import stage's Parquet file and its provenance, synthetic or not
   (:mod:`swsurvey.stages.imported_wave`);
2. check the spec against the instrument and the raw codes against both
   (:mod:`swsurvey.study.validation`), before anything is derived;
3. apply the exclusions in the spec's order, counting each per country: the exclusion flow
   (:mod:`swsurvey.stages.exclusions`, its conditions evaluated by
   :mod:`swsurvey.stages.conditions`);
4. derive the analysis variables as labelled (ordered) categoricals, keeping for every missing
   value its reason in ``<variable>__missing`` (haven's tagged NA, as a column), and floor
   dates to the configured precision (:mod:`swsurvey.stages.derivation`);
5. check the result against the declared schema and write the data, the codebook
   (:mod:`swsurvey.stages.cleaned_codebook`) and the flow, all or nothing, byte-identical on a
   rerun.

A wave whose variance setting uses replicate weights supplied in its data (method
``supplied``) also keeps those columns, written after the analysis variables
(:mod:`swsurvey.stages.carry_replicates`). With any other method the cleaned data are the
declared schema alone.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from swsurvey.io.files import atomic_path, with_provenance
from swsurvey.io.logfile import get_logger
from swsurvey.stages.carry_replicates import carry_replicate_weights
from swsurvey.stages.cleaned_codebook import build_codebook, codebook_markdown
from swsurvey.stages.derivation import coarsen_dates, derive_variables
from swsurvey.stages.exclusions import apply_exclusions, flow_markdown, flow_table
from swsurvey.stages.imported_wave import read_import
from swsurvey.study.instrument import load_instrument
from swsurvey.study.recode import load_recode
from swsurvey.study.validation import (
    check_cleaned,
    check_raw,
    check_recode_against_instrument,
    required_raw_variables,
)
from swsurvey.study.variance_setting import carried_columns, full_sample_weight, supplied

log = get_logger("cleaning")


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: dict) -> None:
    """Parquet with the ``swsurvey`` provenance record beside pandas' own metadata."""
    pq.write_table(with_provenance(pa.Table.from_pandas(frame, preserve_index=False), provenance), path)


def _json_text(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def clean_wave(
    data: str | Path,
    instrument: str | Path,
    recode: str | Path,
    out_data: str | Path,
    out_codebook_json: str | Path,
    out_codebook_md: str | Path,
    out_flow_csv: str | Path,
    out_flow_md: str | Path,
    *,
    wave: str,
    recode_schema: str | Path | None = None,
    variance: Mapping | None = None,
    date_precision: str = "day",
) -> None:
    """Clean one wave as its recode spec says; write the data, codebook and exclusion flow.

    ``recode_schema`` is the JSON schema the spec is checked against (by default the one in
    the workflow the spec belongs to). ``variance`` is the wave's variance setting: with
    method ``supplied`` its replicate weight columns are carried (:func:`carry_replicate_weights`).
    Dates and times of the analysis variables are floored to ``date_precision``
    (:func:`coarsen_dates`).

    Every check runs before anything is written, and the five outputs are written to
    temporary files and moved into place together, so a failure leaves no output (and a
    previous run's outputs untouched).
    """
    inst = load_instrument(instrument)
    spec = load_recode(recode, recode_schema)
    check_recode_against_instrument(spec, inst)
    carried = carried_columns(pq.read_schema(data).names, variance, file=data) if supplied(variance) else []
    required = required_raw_variables(spec, inst)
    imported = read_import(data, list(dict.fromkeys([*required, *carried])))
    # Problems in the data are named by the raw file they came from, not only the import's copy.
    source = imported.provenance.get("source")
    raw_file = f"{source} (imported as {data})" if source else data
    check_raw(imported.frame, spec, inst, file=raw_file)
    log.info("wave %s: %d raw responses, recode spec %s %s", wave, len(imported.frame), spec.name, spec.version)

    kept, flow = apply_exclusions(imported.frame, spec, inst)
    cleaned, derived = derive_variables(imported.frame.iloc[np.flatnonzero(kept)], spec, inst, file=raw_file)
    cleaned = coarsen_dates(cleaned, derived, date_precision)
    check_cleaned(cleaned, spec, inst)
    log.info("wave %s: %d responses analysed", wave, len(cleaned))
    if carried:
        cleaned = carry_replicate_weights(cleaned, imported.frame.iloc[np.flatnonzero(kept)], carried, variance,
                                          file=raw_file)
        log.info("wave %s: carried the supplied replicate weights %s", wave, ", ".join(carried))

    synthetic = imported.synthetic
    provenance = {
        "stage": "clean",
        "wave": wave,
        "synthetic": synthetic,
        "recode": {"name": spec.name, "version": spec.version, "sha256": spec.sha256},
        "instrument": inst.name,
        "source": imported.provenance.get("source"),
        "source_sha256": imported.provenance.get("source_sha256"),
        # Variable labels travel with the data, as haven's `label` attribute does.
        "labels": {var.name: var.label for var in spec.variables},
        # Which respondents a derived flag's percentages are shares of, for the tables' note.
        "bases": {var.name: var.base for var in spec.variables if var.base},
    }
    book = build_codebook(derived, spec, inst, wave=wave, imported=imported)
    if carried:
        fsw = full_sample_weight(variance)
        replicates = {
            "columns": [c for c in carried if c != fsw],
            "full_sample_weight": fsw,
            "type": variance["type"],
            "note": "Replicate weights supplied in the raw file (waves.<wave>.variance, method supplied), carried "
                    "unchanged for the analysed responses: "
                    + ("divided by the full-sample weight, they are" if fsw else "they are")
                    + " the replicate factors of the pipeline's raked weight.",
        }
        provenance["replicate_weights"] = {k: replicates[k] for k in ("columns", "full_sample_weight", "type")}
        book["replicate_weights"] = replicates
    texts = {
        out_codebook_json: _json_text(book),
        out_codebook_md: codebook_markdown(book),
        out_flow_csv: flow_table(flow, wave=wave, synthetic=synthetic).to_csv(index=False, lineterminator="\n"),
        out_flow_md: flow_markdown(flow, wave=wave, synthetic=synthetic, spec=spec),
    }
    with contextlib.ExitStack() as stack:
        # Each atomic_path renames its file into place only when the whole block succeeds.
        _write_parquet(cleaned, stack.enter_context(atomic_path(out_data)), provenance)
        for path, text in texts.items():
            stack.enter_context(atomic_path(path)).write_text(text, encoding="utf-8", newline="\n")
