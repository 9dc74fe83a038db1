"""The inferential stage of a wave in one process: its country tests and its models.

The workflow splits the work into jobs (rule ``infer_tests``:
:func:`swsurvey.stages.country_tests.infer_tests`; rule ``infer_model``, one per model:
:func:`swsurvey.stages.models.infer_model`; rule ``gather_models``; and the replicate chunks
of :mod:`swsurvey.stages.infer_replicates`); :func:`infer_wave` does the same in one call,
with the same bytes. Every result is given twice, with the raked weights ("weighted") and
with all weights 1 ("unweighted"), so the effect of weighting is visible.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from swsurvey.io.logfile import get_logger
from swsurvey.stages.country_tests import country_tests
from swsurvey.stages.designs import analysis_setting, weighted_calibration
from swsurvey.stages.infer_tables import labelled, read_weighted, write_all
from swsurvey.stages.models import fit_models

log = get_logger("infer")


def infer_wave(
    data: str | Path,
    out_tests: str | Path,
    out_coefficients: str | Path,
    out_terms: str | Path,
    out_status: str | Path,
    *,
    wave: str,
    items: Sequence[str],
    models: Mapping[str, Mapping],
    stratum: str = "country",
    variance: Mapping | None = None,
    weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> None:
    """Country tests and models of one weighted wave in one process, written as four CSVs
    (all or none), each with ``wave``, ``variance`` (how each row's SEs were computed:
    linearization, or the wave's replicate method for the weighted rows) and ``synthetic``
    columns; with ``weighting.variance`` calibrated, the weighted linearization SEs include the
    raking rebuilt from ``targets``. The workflow splits the same work into jobs (:func:`swsurvey.stages.country_tests.infer_tests`,
    :func:`swsurvey.stages.models.infer_model` per model,
    :func:`swsurvey.stages.gather_models.gather_models`, and the replicate chunks of
    :mod:`swsurvey.stages.infer_replicates`), with the same bytes."""
    frame, synthetic = read_weighted(data)
    calibration = weighted_calibration(frame, targets, weighting, variance)
    design = analysis_setting(weighting, stratum)
    tests = country_tests(frame, items, stratum=stratum, weight="weight", variance=variance, calibration=calibration,
                          design=design)  # fmt: skip
    coefficients, terms, status = fit_models(frame, models, stratum=stratum, weight="weight", variance=variance,
                                             calibration=calibration, design=design)  # fmt: skip
    log.info("wave %s: %d country tests, %d models (%d fits failed)", wave, len(items), len(models),
             int((status["error"] != "").sum()))  # fmt: skip
    outputs = labelled((tests, coefficients, terms, status), frame, wave=wave, stratum=stratum, variance=variance,
                        synthetic=synthetic, calibration=calibration, design=design)  # fmt: skip
    write_all(outputs, (out_tests, out_coefficients, out_terms, out_status))
