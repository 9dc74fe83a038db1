"""Replicate estimates of the inferential stage, computed in chunks of replicates.

With a replicate ``variance`` method, the weighted country tests (R's
``svychisq.svyrep.design``) and models (``svyglm.svyrep.design``, ``svyolr.svyrep.design``:
the model refitted on every replicate's weights) need each replicate's weights of every row;
on a large wave, making those weights costs more than the statistics. So one job per chunk
of replicates (rule ``infer_replicates``) makes each replicate's weights once and evaluates
every test's and model's replicate statistic on them
(:class:`~swsurvey.survey.replicates.ReplicateStatistic`, from
:func:`~swsurvey.survey.chisq.svychisq_statistic`, :func:`~swsurvey.survey.glm.svyglm_refit`
and :func:`~swsurvey.survey.olr.svyolr_refit`). The test and model jobs gather the chunks
(:func:`swsurvey.stages.infer_chunks.gather`) and give each estimator its columns (``svychisq(..., replicates=)``,
``svyglm(..., replicates=)``), which then computes what it would have computed itself.
Replicate r's weights depend only on the design and (for the bootstrap) on the seed and r,
and each replicate is evaluated on its own, so the result has the same bytes whatever the
chunking. As in the descriptive stage, with ``weighting.variance`` calibrated each replicate
is raked again to the margins (each replicate on its own, so the chunking changes nothing),
and with ``fixed`` the raked weights are held fixed within the replicates
(:func:`swsurvey.stages.designs.weighted_calibration`).

A chunk is written as two files: the estimates (``.npy``, replicates x columns) and their
layout (``.json``: which test or model each run of columns belongs to, see
:func:`swsurvey.stages.country_tests.country_test_key` and :func:`swsurvey.stages.models.model_key`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage
from swsurvey.io.logfile import get_logger
from swsurvey.stages.country_tests import country_test_key
from swsurvey.stages.designs import analysis_setting, replicate_label, weighted_calibration, weighting_design
from swsurvey.stages.infer_chunks import LAYOUT_FORMAT
from swsurvey.stages.models import check_model_spec, fit_model, model_design, model_key
from swsurvey.study.variance_setting import chunk_replicates, replicates_per_chunk
from swsurvey.survey.chisq import svychisq_statistic
from swsurvey.survey.replicates import replicate_estimates

log = get_logger("infer")

class InferStatistics:
    """Every weighted test's and model's replicate statistic of a wave, evaluated together.

    Built from the weighted data (raked weights in ``weight``); a call with one replicate's
    weights of all rows returns the statistics' estimates side by side, in :attr:`layout`
    order. A test or model that cannot be computed on the full sample (an
    :class:`InputError`) has no statistic: its job reports the same error.
    """

    def __init__(self, data: pd.DataFrame, items: Sequence[str], models: Mapping[str, Mapping], *, stratum: str,
                 variance: Mapping, weight: str = "weight", calibration=None, design: Mapping | None = None):
        self.design = weighting_design(data, stratum, weight, "weighted", variance, calibration, design)
        self.parts = []
        for item in items:
            try:
                statistic = svychisq_statistic(self.design, item, stratum, statistic="F")
                self.parts.append((country_test_key(item), statistic))
            except InputError as exc:
                log.warning("country test of %s: no replicate statistic (%s)", item, exc)
        for name, spec in models.items():
            check_model_spec(name, spec)
            try:
                design, _ = model_design(self.design, data, spec)
                self.parts.append((model_key(name), fit_model(design, spec, refit=True)))
            except InputError as exc:
                log.warning("model %s: no replicate statistic (%s)", name, exc)

    @property
    def layout(self) -> list[dict]:
        return [{"key": key, "columns": stat.k} for key, stat in self.parts]

    def __call__(self, w: np.ndarray) -> np.ndarray:
        pieces = [stat(np.ascontiguousarray(w[stat.rows])) for _, stat in self.parts]
        return np.concatenate(pieces) if pieces else np.zeros(0)


def infer_replicate_chunk(
    data: str | Path, out: str | Path, out_layout: str | Path, *, chunk: int, items: Sequence[str],
    models: Mapping[str, Mapping], stratum: str, variance: Mapping, weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> np.ndarray:
    """Write one chunk of every weighted test's and model's replicate estimates (``out``,
    ``.npy``, replicates x columns) and their layout (``out_layout``, JSON), both or neither;
    with ``weighting.variance`` calibrated, each replicate raked again to the margins of the
    ``targets`` file (:func:`swsurvey.stages.designs.weighted_calibration`)."""
    table, _ = read_stage(data, "weight", "weighting stage")
    frame = table.to_pandas()
    if "weight" not in frame.columns:
        raise InputError("the data have no weight column", file=data)
    calibration = weighted_calibration(frame, targets, weighting, variance)
    statistics = InferStatistics(frame, items, models, stratum=stratum, variance=variance, calibration=calibration,
                                 design=analysis_setting(weighting, stratum))
    n_replicates = statistics.design.n_replicates
    reps = chunk_replicates(n_replicates, int(chunk), replicates_per_chunk(variance, n_replicates))
    columns = sum(part["columns"] for part in statistics.layout)
    estimates = replicate_estimates(statistics.design, statistics, reps) if len(reps) else np.zeros((0, columns))
    estimates = estimates.reshape(len(reps), columns)
    log.info("chunk %d: replicates %d-%d of %d (%s); %d tests and models, %d columns", int(chunk), reps.start,
             reps.stop - 1, n_replicates, statistics.design.variance, len(statistics.parts), columns)
    layout = {"format": LAYOUT_FORMAT, "replicates": [reps.start, reps.stop], "n_replicates": n_replicates,
              "variance": replicate_label(statistics.design), "statistics": statistics.layout}  # fmt: skip
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(out))
        tmp_layout = stack.enter_context(atomic_path(out_layout))
        with open(tmp, "wb") as handle:
            np.save(handle, estimates, allow_pickle=False)
        Path(tmp_layout).write_text(json.dumps(layout, indent=1) + "\n", encoding="utf-8")
    return estimates
