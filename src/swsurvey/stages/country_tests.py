"""Country tests: is each key item's distribution the same in every country? (Rao-Scott F)

Each item is tested by ``stratum`` (country) with R's ``svychisq(..., statistic="F")``, the
Rao-Scott second-order corrected F test, weighted and unweighted, with Holm's adjustment
across the items within each weighting (R's ``p.adjust(p, "holm")``). Pure functions over a
weighted data frame (:func:`country_tests`) and the entry point of rule ``infer_tests``
(:func:`infer_tests`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.logfile import get_logger
from swsurvey.stages.designs import WEIGHTINGS, analysis_setting, replicated, weighted_calibration, weighting_design
from swsurvey.stages.infer_tables import gathered, labelled, read_weighted, write_all
from swsurvey.survey.chisq import svychisq

log = get_logger("infer")

TEST_COLUMNS = ["weighting", "item", "statistic", "ndf", "ddf", "p_value", "p_holm", "method", "n", "n_missing"]


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (R's ``p.adjust(p, "holm")``); NaN stays NaN and
    is not counted in the family."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out[order] = np.minimum(adjusted, 1.0)
    return out


def country_test_key(item: str) -> str:
    """The name of an item's country test among a wave's replicate statistics."""
    return f"test:{item}"


def country_tests(
    data: pd.DataFrame, items: Sequence[str], *, stratum: str = "country", weight: str = "weight",
    variance: Mapping | None = None, replicates: Mapping[str, np.ndarray] | None = None,
    calibration: tuple | None = None, design: Mapping | None = None,
) -> pd.DataFrame:
    """Rao-Scott second-order F test (``svychisq(..., statistic="F")``) of each item by
    ``stratum``, in a design stratified by ``stratum``; weighted and unweighted, with Holm's
    adjustment across the items within each weighting. ``n`` counts respondents with the
    item answered; an item whose test fails gives NaN and the error in ``method``. With a
    replicate ``variance``, ``replicates`` may give each item's replicate estimates (key
    :func:`country_test_key`), computed apart in chunks (:mod:`swsurvey.stages.infer_replicates`).
    The weighted linearization design carries ``calibration`` when given
    (:func:`swsurvey.stages.designs.weighted_calibration`); without, its weights are fixed. The
    designs are the ``design`` setting's (:func:`swsurvey.stages.designs.analysis_setting`)."""
    for var in (stratum, *items):
        if var not in data.columns:
            raise InputError("variable not in the data", variable=var)
    rows = []
    for weighting in WEIGHTINGS:
        made = weighting_design(data, stratum, weight, weighting, variance, calibration, design)
        block = []
        for item in items:
            n = int(data[item].notna().sum())
            try:
                given = (replicates or {}).get(country_test_key(item)) if replicated(variance, weighting) else None
                res = svychisq(made, item, stratum, statistic="F", replicates=given)
            except InputError as exc:
                log.warning("country test of %s (%s) failed: %s", item, weighting, exc)
                block.append(dict(weighting=weighting, item=item, statistic=np.nan, ndf=np.nan, ddf=np.nan,
                                  p_value=np.nan, method=f"error: {exc}", n=n, n_missing=len(data) - n))  # fmt: skip
                continue
            param = dict(res.parameter)
            ndf, ddf = param.get("ndf", param.get("df", np.nan)), param.get("ddf", np.nan)
            block.append(dict(weighting=weighting, item=item, statistic=float(res.statistic), ndf=float(ndf),
                              ddf=float(ddf), p_value=float(res.p_value), method=res.method, n=n,
                              n_missing=int(res.n_missing)))  # fmt: skip
        adjusted = holm([r["p_value"] for r in block])
        for r, p in zip(block, adjusted):
            r["p_holm"] = p
        rows.extend(block)
    return pd.DataFrame(rows, columns=TEST_COLUMNS)


def infer_tests(
    data: str | Path, out_tests: str | Path, *, wave: str, items: Sequence[str], stratum: str = "country",
    variance: Mapping | None = None, replicate_chunks: Sequence[str | Path] = (),
    replicate_layouts: Sequence[str | Path] = (), weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> None:
    """The country tests of one weighted wave (:func:`country_tests`), written as a CSV; with
    a replicate ``variance``, from the gathered replicate chunks; with ``weighting.variance``
    calibrated, on the design carrying the raking rebuilt from ``targets``
    (:func:`swsurvey.stages.designs.weighted_calibration`)."""
    frame, synthetic = read_weighted(data)
    calibration = weighted_calibration(frame, targets, weighting, variance)
    design = analysis_setting(weighting, stratum)
    replicates = gathered(frame, stratum, variance, replicate_chunks, replicate_layouts, calibration, design)
    tests = country_tests(frame, items, stratum=stratum, weight="weight", variance=variance, replicates=replicates,
                          calibration=calibration, design=design)  # fmt: skip
    log.info("wave %s: %d country tests (%d failed)", wave, len(items), int(tests["p_value"].isna().sum()))
    write_all(labelled([tests], frame, wave=wave, stratum=stratum, variance=variance, synthetic=synthetic,
                       calibration=calibration, design=design), [out_tests])  # fmt: skip
