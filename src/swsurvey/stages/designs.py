"""The survey design of a weighted wave, as its variance setting asks: linearization or replicates.

The linearization design is the weights in the wave's ``weighting.design`` (strata, the
clusters of each stage, fpc: R's ``svydesign(ids=, strata=, fpc=, weights=)``; by default
country as strata and every respondent its own cluster; :func:`analysis_setting`), carrying
the weighting stage's calibration (``weighting.variance: calibrated``, the default: R's
design after ``rake()``, ``postStratify()`` or ``calibrate()``, whose SEs include the
calibration, :func:`weighted_calibration`) or with the weights held fixed (``fixed``: what
SPSS Complex Samples gives). A replicate ``variance`` method makes its
replicate-weight version (:func:`replicate_design`), or takes the replicate weights supplied
in the data (:func:`supplied_design`: R's ``svrepdesign``). A made replicate design follows
``weighting.variance`` too: calibrated, it is R's ``rake(as.svrepdesign(design), margins,
targets)`` of the design before raking, every replicate raked again to the weighting stage's
margins (raking only: another ``weighting.method`` needs ``fixed``) (:func:`weighted_calibration` gives the raking to repeat,
:class:`swsurvey.stages.weighting.ReplicateRaking`); fixed, R's ``as.svrepdesign`` of the
raked weights, held fixed within the replicates (raking not repeated). Supplied replicate
weights always hold the raked weights fixed. The descriptive and inferential stages both
build their designs here, so a row's variance label says the same in every table.
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
from swsurvey.stages.weighting import (
    ReplicateRaking,
    analysis_design,
    calibration_of,
    design_columns,
    design_setting,
    margin_spec,
    replicate_raking,
)
from swsurvey.study.replicate_weights import check_replicate_values
from swsurvey.study.variance_setting import SUPPLIED, full_sample_weight, replicate_columns
from swsurvey.survey.design import svydesign
from swsurvey.survey.replicates import as_svrepdesign, svrepdesign
from swsurvey.survey.repweights import Raked
from swsurvey.survey.variance import GregCalibration
from swsurvey.survey.weighting import PostStratify

log = get_logger("replicates")

#: Every result is given twice: with the raked weights, and with all weights 1.
WEIGHTINGS = ("weighted", "unweighted")


#: ``weighting.variance``: the weighted linearization SEs include the raking's calibration
#: (R's raked design), or hold the raked weights fixed (SPSS Complex Samples).
CALIBRATED, FIXED = "calibrated", "fixed"

#: The calibration a design carries besides raking's: post-stratification (R's
#: ``postStratify``) and linear or logit calibration (R's ``calibrate``).
POSTSTRATIFIED, GREG = "poststratified", "greg"

#: What each ``weighting.variance`` adds to a weighted linearization row's label, calibrated
#: by the weighting's method (:func:`weights_kind`).
WEIGHTS_TEXT = {
    CALIBRATED: "calibrated to the raking margins",
    POSTSTRATIFIED: "calibrated to the post-strata",
    GREG: "calibrated to the margins (calibrate)",
    FIXED: "weights fixed (as SPSS Complex Samples)",
}

#: What a replicate row's label adds: the replicates reuse the raked weights (``fixed``, and
#: supplied replicate weights) ...
REPLICATES_FIXED = "raked weights held fixed in the replicates (raking not repeated)"
#: ... or each replicate is raked again (``calibrated``).
REPLICATES_RAKED = "each replicate raked again to the margins"


def weights_kind(calibration: tuple | ReplicateRaking | None) -> str:
    """Which :data:`WEIGHTS_TEXT` a weighted linearization row's label takes: the weights
    held fixed (no calibration carried), or calibrated by raking, post-stratification or
    calibration (the kind of the last record the design carries)."""
    records = linearization_calibration(calibration)
    if not records:
        return FIXED
    if isinstance(records[-1], PostStratify):
        return POSTSTRATIFIED
    if isinstance(records[-1], GregCalibration):
        return GREG
    return CALIBRATED


def analysis_setting(weighting: Mapping | None, stratum: str) -> dict | None:
    """The design the describe and infer stages estimate with: the wave's ``weighting.design``
    (:func:`swsurvey.stages.weighting.design_setting`: strata, clusters of each stage, fpc;
    base weights are in the weight column already), the one the weighting stage weighted;
    None without weighting settings (``stratum`` as strata, every respondent its own
    cluster)."""
    if not weighting:
        return None
    return design_setting(weighting.get("design"), weighting.get("stratum", stratum))


def design_of(frame: pd.DataFrame, weights: str | None, stratum: str, design: Mapping | None = None):
    """R's ``svydesign`` of ``frame`` with the ``weights`` column (None: all 1): the
    ``design`` setting's strata, clusters and fpc (:func:`analysis_setting`), or, without one,
    ``stratum`` as strata and every respondent its own cluster."""
    if design is None:
        return svydesign(frame, weights=weights, strata=stratum)
    return analysis_design(frame, weights, design)


def design_text(stratum: str, design: Mapping | None = None) -> str:
    """The design in a variance label: "strata: country", and the clusters of each stage and
    the fpc when the design has them ("strata: country, clusters: psu + ssu, fpc: N1 + N2")."""
    strata = stratum if design is None else design.get("strata")
    text = f"strata: {strata}" if strata else "no strata"
    for key, name in (("ids", "clusters"), ("fpc", "fpc")):
        if design is not None and design.get(key):
            text += f", {name}: {' + '.join(design[key])}"
    return text


def linearization_label(stratum: str, weights: str | None = None, design: Mapping | None = None) -> str:
    """How a linearization row's SE was computed, as every table names it: the design
    (:func:`design_text`) and, with ``weights`` (a key of :data:`WEIGHTS_TEXT`, the weighted
    rows), how the SEs treat the weights; without (the unweighted rows), nothing more."""
    text = f"linearization (Taylor series), {design_text(stratum, design)}"
    return text if weights is None else f"{text}, {WEIGHTS_TEXT[weights]}"


def replicate_label(design) -> str:
    """How a replicate row's SE was computed: the design's method and what it does with the
    raked weights (each replicate raked again, or the raked weights held fixed)."""
    raked = isinstance(design.repweights, Raked)
    return f"{design.variance}; {REPLICATES_RAKED if raked else REPLICATES_FIXED}"


def weighted_calibration(data: pd.DataFrame, targets: str | Path | None, weighting: Mapping | None,
                         variance: Mapping | None = None) -> tuple | ReplicateRaking | None:
    """The calibration the weighted design carries: with ``weighting.variance`` calibrated,
    the weighting stage's raking rebuilt from the ``targets`` file and the ``weighting``
    settings and checked to give the data's ``weight`` column: for linearization the
    calibration record (:func:`swsurvey.stages.weighting.calibration_of`), for a replicate
    method made from the design the raking every replicate repeats
    (:func:`swsurvey.stages.weighting.replicate_raking`; the linearization design of the
    weighted rows then stays fixed, :func:`calibrated`). None (the weights held fixed) with
    ``fixed``, with no settings, or with supplied replicate weights."""
    if not weighting or weighting.get("variance", CALIBRATED) == FIXED:
        return None
    if replicated(variance, "weighted") and variance["method"] == SUPPLIED:
        return None
    if targets is None:
        raise InputError("weighting.variance is calibrated, but no targets file was given to rebuild the raking",
                         variable="weighting.variance")
    if replicated(variance, "weighted"):
        return replicate_raking(data, targets, weighting)
    return calibration_of(data, targets, weighting)


def linearization_calibration(calibration: tuple | ReplicateRaking | None) -> tuple | None:
    """The calibration a linearization design carries: ``calibration`` itself, or None for a
    raking the replicates repeat (the linearization SEs of a replicate method's tables hold
    the weights fixed)."""
    return None if isinstance(calibration, ReplicateRaking) else calibration


def weighting_columns(weighting: Mapping | None) -> list[str]:
    """The columns the weighted designs read besides the weight: the design's
    (:func:`analysis_setting`) and, for :func:`weighted_calibration`, the margin variables
    (not when the weights are held fixed)."""
    if not weighting:
        return []
    design = design_columns(design_setting(weighting.get("design"), weighting.get("stratum")))
    if weighting.get("variance", CALIBRATED) == FIXED:
        return design
    margins = [v for m in margin_spec(weighting["margins"]) for v in m]
    return list(dict.fromkeys([*margins, *design]))


def replicate_design(data: pd.DataFrame, *, weight: str, stratum: str, variance: Mapping,
                     raking: ReplicateRaking | None = None, design: Mapping | None = None):
    """The replicate design a wave's ``variance`` setting asks for (see the config schema):
    with ``raking`` (:func:`weighted_calibration`), R's ``rake(as.svrepdesign(design, type=,
    ...), margins, targets)`` of the design before raking, every replicate raked again and the
    full-sample weights checked to be the ``weight`` column; without, R's
    ``as.svrepdesign`` of the ``weight`` column (held fixed in the replicates) in the
    ``design`` (:func:`design_of`). Supplied replicate weights: :func:`supplied_design`."""
    method = variance["method"]
    if method == SUPPLIED:
        return supplied_design(data, weight=weight, variance=variance)
    options = {"mse": variance.get("mse", False)}
    if method in ("bootstrap", "subbootstrap"):
        options.update(replicates=variance["replicates"], seed=variance["seed"])
    if method == "Fay":
        options.update(fay_rho=variance["fay_rho"])
    if raking is not None:
        return raking.apply(lambda design: as_svrepdesign(design, type=method, **options), data, weight)
    return as_svrepdesign(design_of(data, weight, stratum, design), type=method, **options)


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


def calibrated(design, calibration: tuple | ReplicateRaking | None):
    """``design`` carrying ``calibration`` (the adjustments of :func:`weighted_calibration`,
    which the variance engine applies to influence values: R's ``postStrata`` of a raked
    design); unchanged with None or with a raking for the replicates (the linearization
    design of a replicate method's weighted rows holds the weights fixed, as before)."""
    if not linearization_calibration(calibration):
        return design
    return dataclasses.replace(design, calibration=tuple(calibration))


def weighting_design(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None = None,
                     calibration: tuple | ReplicateRaking | None = None, design: Mapping | None = None):
    """The design of one weighting: the weights (or none) in the ``design``
    (:func:`design_of`: the weighting's design, or country as strata), the weighted one
    carrying ``calibration`` when given (:func:`weighted_calibration`); with a replicate
    ``variance`` method, the weighted design's replicate-weight version (each replicate raked
    again when ``calibration`` is a raking to repeat)."""
    frame = data.assign(**{"_w_": weights_of(data, weight, weighting)})
    if replicated(variance, weighting):
        raking = calibration if isinstance(calibration, ReplicateRaking) else None
        return replicate_design(frame, weight="_w_", stratum=stratum, variance=variance, raking=raking, design=design)
    made = design_of(frame, "_w_", stratum, design)
    return calibrated(made, calibration) if weighting == "weighted" else made


def variance_label(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None,
                   calibration: tuple | ReplicateRaking | None = None, design: Mapping | None = None) -> str:
    """How a weighting's SEs are computed, as the tables name it: the ``design``
    (:func:`linearization_label`), or a replicate method (its replicates raked again when
    ``calibration`` is a raking to repeat)."""
    if replicated(variance, weighting):
        made = weighting_design(data, stratum, weight, weighting, variance, design=design)  # the name: no raking
        raked = isinstance(calibration, ReplicateRaking) and variance["method"] != SUPPLIED
        return f"{made.variance}; {REPLICATES_RAKED if raked else REPLICATES_FIXED}"
    if weighting == "unweighted":
        return linearization_label(stratum, design=design)
    return linearization_label(stratum, weights_kind(calibration), design)
