"""Survey-weighted models of a wave: svyglm and svyolr, weighted and unweighted.

Each model in config (``infer.models``: formula, family, reference levels, domain) is fitted
with R's ``svyglm`` (quasibinomial, gaussian, quasipoisson) or ``svyolr`` (proportional
odds), with design-based SEs and a Wald F test of each term (``regTermTest``). A model that
cannot be fitted is reported in the status table, never dropped. Pure functions over a
weighted data frame (:func:`fit_models`) and the entry point of rule ``infer_model``
(:func:`infer_model`).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.logfile import get_logger
from swsurvey.stages.designs import (
    WEIGHTINGS,
    analysis_setting,
    linearization_calibration,
    replicated,
    weighted_calibration,
    weighting_design,
)
from swsurvey.stages.infer_tables import gathered, labelled, read_weighted, write_all
from swsurvey.survey.glm import SeparationWarning, reg_term_test, svyglm, svyglm_refit
from swsurvey.survey.glmfit import ModelWarning, NonConvergenceWarning
from swsurvey.survey.olr import svyolr, svyolr_refit

log = get_logger("infer")

#: The model families this stage fits: svyglm's, and "ordinal" for svyolr.
FAMILIES = ("quasibinomial", "gaussian", "quasipoisson", "ordinal")
#: The columns of the coefficients, term tests and status tables.
COEF_COLUMNS = [
    "model", "weighting", "term", "kind", "estimate", "se", "t", "p", "ci_lower", "ci_upper", "ci_method",
    "odds_ratio", "or_lower", "or_upper",
]  # fmt: skip
TERM_COLUMNS = ["model", "weighting", "term", "F", "ndf", "ddf", "p"]
STATUS_COLUMNS = [
    "model", "weighting", "family", "formula", "domain", "n_domain", "n_used", "n_missing", "converged",
    "separation", "notes", "error",
]  # fmt: skip


def domain_mask(data: pd.DataFrame, domain: Mapping[str, Sequence] | None) -> np.ndarray:
    """The rows in a model's domain ({variable: [levels]}); all rows when there is none."""
    mask = np.ones(len(data), dtype=bool)
    for var, levels in (domain or {}).items():
        if var not in data.columns:
            raise InputError("domain variable not in the data", variable=var)
        mask &= data[var].astype(object).isin(list(levels)).to_numpy()
    return mask


def check_model_spec(name: str, spec: Mapping) -> None:
    """A model's settings name a formula and a family this stage fits."""
    if "formula" not in spec:
        raise InputError("a model needs a formula", variable=name)
    family = spec.get("family", "quasibinomial")
    if family not in FAMILIES:
        raise InputError(f"family must be one of {', '.join(FAMILIES)}", variable=name, value=family)


def model_key(name: str) -> str:
    """The name of a model among a wave's replicate statistics."""
    return f"model:{name}"


def fit_model(design, spec: Mapping, replicates: np.ndarray | None = None, refit: bool = False, notes=None):
    """Fit a model (or, with ``refit``, make its replicate refit statistic). The fit's model
    warnings, but for non-convergence and separation (reported apart), go to ``notes``."""
    family = spec.get("family", "quasibinomial")
    reference = dict(spec.get("reference") or {}) or None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ModelWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        if family == "ordinal" and refit:
            fit = svyolr_refit(design, spec["formula"], reference=reference)
        elif family == "ordinal":
            fit = svyolr(design, spec["formula"], reference=reference, replicates=replicates)
        elif refit:
            fit = svyglm_refit(design, spec["formula"], family=family, reference=reference)
        else:
            fit = svyglm(design, spec["formula"], family=family, reference=reference, replicates=replicates)
    if notes is not None:
        for warning in caught:
            text = str(warning.message)
            reported = issubclass(warning.category, (NonConvergenceWarning, SeparationWarning))
            if issubclass(warning.category, ModelWarning) and not reported and text not in notes:
                notes.append(text)
    return fit


def model_design(design, data: pd.DataFrame, spec: Mapping):
    """A model's design: a weighting's ``design`` of ``data`` restricted to the model's
    ``domain`` ({variable: [levels]}, by ``design.subset``: zero weights, rows kept), and the
    number of rows in that domain."""
    if not spec.get("domain"):
        return design, len(data)
    mask = domain_mask(data, spec["domain"])
    if getattr(design, "calibration", ()):
        design = dataclasses.replace(design, data=domain_levels(design.data, mask))
    return design.subset(mask), int(mask.sum())


def domain_levels(data: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``data`` with each categorical variable's levels those found in the domain ``mask``
    (the values of other levels, all outside the domain, missing).

    A calibrated design keeps every row in a domain (R's subset of a raked design), so a
    model's factor levels would be those of the whole sample, as R's ``model.frame`` finds
    them: a level absent from the domain (the setting "Private practice" in a domain of
    organisational settings) would give a column of zeros or, as the reference, aliased
    dummies (R: NA coefficients). The model is the domain's, as with the weights fixed; only
    its SEs change."""
    out = {}
    for name in data.columns:
        values = data[name]
        if isinstance(values.dtype, pd.CategoricalDtype):
            present = np.bincount(values.cat.codes.to_numpy()[mask & values.notna().to_numpy()],
                                  minlength=len(values.cat.categories)) > 0
            if not present.all():  # (set_categories keeps the order; remove_categories may sort)
                kept = [level for level, here in zip(values.cat.categories, present) if here]
                out[name] = values.cat.set_categories(kept)
    return data.assign(**out) if out else data


def fit_models(
    data: pd.DataFrame, models: Mapping[str, Mapping], *, stratum: str = "country", weight: str = "weight",
    variance: Mapping | None = None, replicates: Mapping[str, np.ndarray] | None = None,
    calibration=None, design: Mapping | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit each model weighted and unweighted; return (coefficients, terms, status).

    ``models`` maps a name to ``{formula, family, reference, domain}``: ``family`` is
    "quasibinomial", "gaussian", "quasipoisson" (:func:`svyglm`) or "ordinal"
    (proportional-odds, :func:`svyolr`); ``domain`` ({variable: [levels]}) restricts the fit
    to a domain by ``design.subset`` (zero weights, rows kept). A fit that raises
    :class:`InputError` gives a status row with the error; non-convergence and separation are
    reported there too. With a replicate ``variance``, the weighted fits' replicate refits may
    be given in ``replicates`` (key :func:`model_key`), computed apart in chunks
    (:mod:`swsurvey.stages.infer_replicates`). The weighted linearization design carries
    ``calibration`` when given (:func:`swsurvey.stages.designs.weighted_calibration`);
    without, its weights are fixed. The designs are the ``design`` setting's
    (:func:`swsurvey.stages.designs.analysis_setting`).
    """
    setting = design
    coefs, terms, status = [], [], []
    for name, spec in models.items():
        check_model_spec(name, spec)
        family = spec.get("family", "quasibinomial")
        for weighting in WEIGHTINGS:
            row = dict(model=name, weighting=weighting, family=family, formula=spec["formula"],
                       domain=json.dumps(spec.get("domain") or {}, ensure_ascii=False), n_domain=np.nan,
                       n_used=np.nan, n_missing=np.nan, converged=False, separation="", notes="", error="")  # fmt: skip
            try:
                whole = weighting_design(data, stratum, weight, weighting, variance, calibration, setting)
                fitted, row["n_domain"] = model_design(whole, data, spec)
                given = (replicates or {}).get(model_key(name)) if replicated(variance, weighting) else None
                notes = []
                fit = fit_model(fitted, spec, replicates=given, notes=notes)
                row["notes"] = "; ".join(notes)
            except InputError as exc:
                row["error"] = str(exc)
                log.warning("model %s (%s) not fitted: %s", name, weighting, exc)
                status.append(row)
                continue
            # the domain's respondents a missing value leaves out (a calibrated design counts
            # the missing values of every row, in the domain or not, as R's design holds them all)
            n_missing = (row["n_domain"] - int(fit.n_used) if linearization_calibration(calibration)
                         else int(fit.n_missing))
            row.update(n_used=int(fit.n_used), n_missing=int(n_missing), converged=bool(fit.converged),
                       separation="; ".join(getattr(fit, "separation", ()) or ()))  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = fit.to_frame()
            if "kind" not in frame.columns:
                frame["kind"] = "coefficient"
            frame = frame.rename(columns={"odds_ratio_lower": "or_lower", "odds_ratio_upper": "or_upper"})
            for col in ("odds_ratio", "or_lower", "or_upper"):
                if col not in frame.columns:
                    frame[col] = np.nan
            frame.insert(0, "weighting", weighting)
            frame.insert(0, "model", name)
            coefs.append(frame[COEF_COLUMNS])
            for term in fit.terms:
                try:
                    test = reg_term_test(fit, term)
                    terms.append(dict(model=name, weighting=weighting, term=term, F=test.statistic, ndf=test.df,
                                      ddf=test.ddf, p=test.p_value))  # fmt: skip
                except (InputError, np.linalg.LinAlgError) as exc:
                    terms.append(dict(model=name, weighting=weighting, term=term, F=np.nan, ndf=np.nan,
                                      ddf=np.nan, p=np.nan))  # fmt: skip
                    row["error"] = (row["error"] + "; " if row["error"] else "") + f"term test {term}: {exc}"
            if not row["converged"] or row["separation"]:
                log.warning("model %s (%s): converged=%s separation=%s", name, weighting, row["converged"],
                            row["separation"] or "none")  # fmt: skip
            status.append(row)
    coefficients = pd.concat(coefs, ignore_index=True) if coefs else pd.DataFrame(columns=COEF_COLUMNS)
    return (
        coefficients,
        pd.DataFrame(terms, columns=TERM_COLUMNS),
        pd.DataFrame(status, columns=STATUS_COLUMNS),
    )


def infer_model(
    data: str | Path, out_coefficients: str | Path, out_terms: str | Path, out_status: str | Path, *, wave: str,
    model: str, spec: Mapping, stratum: str = "country", variance: Mapping | None = None,
    replicate_chunks: Sequence[str | Path] = (), replicate_layouts: Sequence[str | Path] = (),
    weighting: Mapping | None = None, targets: str | Path | None = None,
) -> None:
    """One model of one weighted wave, weighted and unweighted (:func:`fit_models`), written
    as three CSVs (all or none); with a replicate ``variance``, the weighted fit's variance
    from the gathered replicate chunks; with ``weighting.variance`` calibrated, on the design
    carrying the raking rebuilt from ``targets`` (:func:`swsurvey.stages.designs.weighted_calibration`)."""
    frame, synthetic = read_weighted(data)
    calibration = weighted_calibration(frame, targets, weighting, variance)
    design = analysis_setting(weighting, stratum)
    replicates = gathered(frame, stratum, variance, replicate_chunks, replicate_layouts, calibration, design)
    coefficients, terms, status = fit_models(frame, {model: spec}, stratum=stratum, weight="weight",
                                             variance=variance, replicates=replicates,
                                             calibration=calibration, design=design)  # fmt: skip
    log.info("wave %s, model %s: %d coefficients (%d fits failed)", wave, model, len(coefficients),
             int((status["error"] != "").sum()))  # fmt: skip
    outputs = labelled((coefficients, terms, status), frame, wave=wave, stratum=stratum, variance=variance,
                        synthetic=synthetic, calibration=calibration, design=design)  # fmt: skip
    write_all(outputs, (out_coefficients, out_terms, out_status))
