"""The survey design of a weighted wave, as its variance setting asks: linearization or replicates.

The linearization design is the raked weights with country as strata (R's
``svydesign(ids=~1, strata=, weights=)``), carrying the weighting stage's calibration
(``weighting.variance: calibrated``, the default: R's design after ``rake()``, whose SEs
include the calibration, :func:`weighted_calibration`) or with the weights held fixed
(``fixed``: what SPSS Complex Samples gives). A replicate ``variance`` method makes its
replicate-weight version (:func:`replicate_design`: R's ``as.svrepdesign``), or takes the
replicate weights supplied in the data (:func:`supplied_design`: R's ``svrepdesign``); the
raked weights are held fixed within the replicates (raking is not repeated). The
descriptive and inferential stages both build their designs here, so a row's variance
label says the same in every table.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.logfile import get_logger
from swsurvey.study.replicate_weights import check_replicate_values
from swsurvey.stages.weighting import calibration_of
from swsurvey.study.variance_setting import SUPPLIED, full_sample_weight, replicate_columns
from swsurvey.survey.design import svydesign
from swsurvey.survey.replicates import as_svrepdesign, svrepdesign

log = get_logger("replicates")

#: Every result is given twice: with the raked weights, and with all weights 1.
WEIGHTINGS = ("weighted", "unweighted")


#: ``weighting.variance``: the weighted linearization SEs include the raking's calibration
#: (R's raked design), or hold the raked weights fixed (SPSS Complex Samples).
CALIBRATED, FIXED = "calibrated", "fixed"

#: What each ``weighting.variance`` adds to a weighted linearization row's label.
WEIGHTS_TEXT = {
    CALIBRATED: "calibrated to the raking margins",
    FIXED: "weights fixed (as SPSS Complex Samples)",
}

#: What a replicate row's label adds: the replicates reuse the raked weights.
REPLICATES_FIXED = "raked weights held fixed in the replicates (raking not repeated)"


def linearization_label(stratum: str, weights: str | None = None) -> str:
    """How a linearization row's SE was computed, as every table names it: with ``weights``
    (:data:`CALIBRATED` or :data:`FIXED`, the weighted rows), how the SEs treat the raked
    weights; without (the unweighted rows), nothing more."""
    text = f"linearization (Taylor series), strata: {stratum}"
    return text if weights is None else f"{text}, {WEIGHTS_TEXT[weights]}"


def replicate_label(design) -> str:
    """How a replicate row's SE was computed: the design's method and what it does with the
    raked weights."""
    return f"{design.variance}; {REPLICATES_FIXED}"


def weighted_calibration(data: pd.DataFrame, targets: str | Path | None, weighting: Mapping | None,
                         variance: Mapping | None = None) -> tuple | None:
    """The calibration the weighted linearization design carries: with ``weighting.variance``
    calibrated, the weighting stage's raking rebuilt from the ``targets`` file and the
    ``weighting`` settings and checked to give the data's ``weight`` column
    (:func:`swsurvey.stages.weighting.calibration_of`); None (the weights held fixed) with
    ``fixed``, with no settings, or when the weighted SEs come from replicates."""
    if not weighting or weighting.get("variance", CALIBRATED) == FIXED or replicated(variance, "weighted"):
        return None
    if targets is None:
        raise InputError("weighting.variance is calibrated, but no targets file was given to rebuild the raking",
                         variable="weighting.variance")
    return calibration_of(data, targets, weighting)


def weighting_columns(weighting: Mapping | None) -> list[str]:
    """The columns :func:`weighted_calibration` reads besides the weight: the raking variables
    (none when the weights are held fixed)."""
    if not weighting or weighting.get("variance", CALIBRATED) == FIXED:
        return []
    return list(weighting["variables"])


def replicate_design(data: pd.DataFrame, *, weight: str, stratum: str, variance: Mapping):
    """The replicate design a wave's ``variance`` setting asks for (see the config schema)."""
    method = variance["method"]
    if method == SUPPLIED:
        return supplied_design(data, weight=weight, variance=variance)
    design = svydesign(data, weights=weight, strata=stratum)
    options = {"mse": variance.get("mse", False)}
    if method in ("bootstrap", "subbootstrap"):
        options.update(replicates=variance["replicates"], seed=variance["seed"])
    if method == "Fay":
        options.update(fay_rho=variance["fay_rho"])
    return as_svrepdesign(design, type=method, **options)


def supplied_design(data: pd.DataFrame, *, weight: str, variance: Mapping):
    """The replicate design of replicate weights supplied in the data (method ``supplied``).

    The estimates use the pipeline's own weight (``weight``, the raked weight); the supplied
    columns become replicate factors (``combined_weights`` false: the columns are factors
    already, R's ``combined.weights=FALSE``; true: each column divided by the file's
    ``full_sample_weight``), and replicate r's weights are factor_r times ``weight``: R's
    ``svrepdesign(repweights=factors, weights=weight, combined.weights=FALSE, type=, scale=,
    rscales=, fay.rho=, mse=)``. Raking is not repeated within the replicates. ``scale`` and
    ``rscales`` left null take R's defaults for the type and the columns as given: with
    combined weights, JK1's scale is (R-1)/R and JKn needs ``rscales``, as R says; with
    factors, R's guesses from the factors."""
    fsw = full_sample_weight(variance)
    names = replicate_columns([str(c) for c in data.columns], variance, exclude=[weight, *([fsw] if fsw else [])])
    if fsw is not None and fsw not in data:
        raise InputError("full-sample weight column (waves.<wave>.variance.full_sample_weight) not in the data",
                         variable=fsw)
    check_replicate_values(data, names, fsw)
    type_ = variance["type"]
    scale, rscales = variance.get("scale"), variance.get("rscales")
    if fsw is not None and type_ == "JK1" and scale is None:
        scale = (len(names) - 1) / len(names)
        log.warning("supplied JK1 replicate weights without scale: guessing (R-1)/R = %g from the %d columns, as R "
                    "does for combined weights", scale, len(names))
    if fsw is not None and type_ == "JKn" and rscales is None:
        raise InputError("JKn with combined weights needs rscales (R: must provide rscales for combined JKn "
                         "weights)", variable="waves.<wave>.variance.rscales")
    factors = data[names].to_numpy(dtype=float)
    if fsw is not None:
        factors = factors / data[fsw].to_numpy(dtype=float)[:, None]
    frame = data.assign(**{name: factors[:, i] for i, name in enumerate(names)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        design = svrepdesign(frame, repweights=names, type=type_, weights=weight, combined_weights=False,
                             scale=scale, rscales=rscales, fay_rho=variance.get("fay_rho") if type_ == "Fay" else None,
                             mse=bool(variance.get("mse", False)))
    for warning in caught:
        log.warning("supplied replicate weights: %s", warning.message)
    columns = names[0] if len(names) == 1 else f"{names[0]} ... {names[-1]}"
    source = f"{columns} / {fsw}" if fsw is not None else columns
    return dataclasses.replace(design, method=f"{design.method} ({source} as factors of the raked weight)")


def weights_of(data: pd.DataFrame, weight: str, weighting: str) -> np.ndarray:
    """A weighting's weights: the column ``weight`` ("weighted") or all 1 ("unweighted")."""
    if weighting == "unweighted":
        return np.ones(len(data))
    if weight not in data.columns:
        raise InputError("no weight column in the data", variable=weight)
    return data[weight].to_numpy(dtype=float)


def replicated(variance: Mapping | None, weighting: str) -> bool:
    """Whether a weighting's SEs come from replicates: the weighted rows of a replicate method."""
    return bool(variance) and variance["method"] != "linearization" and weighting == "weighted"


def calibrated(design, calibration: tuple | None):
    """``design`` carrying ``calibration`` (the adjustments of :func:`weighted_calibration`,
    which the variance engine applies to influence values: R's ``postStrata`` of a raked
    design); unchanged with None."""
    if not calibration:
        return design
    return dataclasses.replace(design, calibration=tuple(calibration))


def weighting_design(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None = None,
                     calibration: tuple | None = None):
    """The design of one weighting: the raked weights (or none) with country as strata, the
    weighted one carrying ``calibration`` when given (:func:`weighted_calibration`); with a
    replicate ``variance`` method, the weighted design's replicate-weight version."""
    frame = data.assign(**{"_w_": weights_of(data, weight, weighting)})
    if replicated(variance, weighting):
        return replicate_design(frame, weight="_w_", stratum=stratum, variance=variance)
    design = svydesign(frame, weights="_w_", strata=stratum)
    return calibrated(design, calibration) if weighting == "weighted" else design


def variance_label(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None,
                   calibration: tuple | None = None) -> str:
    """How a weighting's SEs are computed, as the tables name it."""
    if replicated(variance, weighting):
        return replicate_label(weighting_design(data, stratum, weight, weighting, variance))
    if weighting == "unweighted":
        return linearization_label(stratum)
    return linearization_label(stratum, CALIBRATED if calibration else FIXED)
