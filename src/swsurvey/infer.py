"""The inferential stage: design-based tests by country and survey-weighted models.

Pure functions over a weighted data frame (:func:`country_tests`, :func:`fit_models`) and
one entry point for a wave (:func:`infer_wave`). Every result is given twice, with the
raked weights ("weighted") and with all weights 1 ("unweighted"), so the effect of weighting
is visible. A model that cannot be fitted is reported in the status table, never dropped.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.logging import get_logger
from swsurvey.outputs import atomic_path, read_stage
from swsurvey.survey.chisq import svychisq
from swsurvey.survey.design import svydesign
from swsurvey.survey.glm import SeparationWarning, reg_term_test, svyglm, svyglm_refit
from swsurvey.survey.glmfit import ModelWarning, NonConvergenceWarning
from swsurvey.survey.olr import svyolr, svyolr_refit

log = get_logger("infer")

WEIGHTINGS = ("weighted", "unweighted")

# The study's questions: the same as config.yaml's ``infer`` section (which is what runs).
DEFAULT_ITEMS = (
    "any_ict_use", "weekly_use", "outside_hours", "initiator", "friend_request", "searched_online",
    "search_appropriate", "workplace_policy", "talk_supervisor", "talk_peers",
)  # fmt: skip
DEFAULT_MODELS = {
    "weekly_use": {
        "formula": (
            'I(weekly_use == "Yes") ~ age_group + experience_band + gender + private_practice + psychotherapy + country'
        ),
        "family": "quasibinomial",
        "reference": {"private_practice": "No", "psychotherapy": "No"},
    },
    "frequency": {
        "formula": "freq_overall ~ age_group + experience_band + gender + private_practice + psychotherapy + country",
        "family": "ordinal",
        "reference": {"private_practice": "No", "psychotherapy": "No"},
    },
    "supervision": {
        "formula": 'I(talk_supervisor == "Yes") ~ workplace_policy + setting + age_group',
        "family": "quasibinomial",
        "reference": {"workplace_policy": "No"},
        "domain": {
            "country": ["Canada"],
            "setting": [
                "Hospital / health care", "Community or social service agency", "Child welfare",
                "School / education", "Government / public service", "Other",
            ],  # fmt: skip
            "talk_supervisor": ["Yes", "No"],  # those with a supervisor
        },
    },
}
FAMILIES = ("quasibinomial", "gaussian", "quasipoisson", "ordinal")

TEST_COLUMNS = ["weighting", "item", "statistic", "ndf", "ddf", "p_value", "p_holm", "method", "n", "n_missing"]
COEF_COLUMNS = [
    "model", "weighting", "term", "kind", "estimate", "se", "t", "p", "ci_lower", "ci_upper", "ci_method",
    "odds_ratio", "or_lower", "or_upper",
]  # fmt: skip
TERM_COLUMNS = ["model", "weighting", "term", "F", "ndf", "ddf", "p"]
STATUS_COLUMNS = [
    "model", "weighting", "family", "formula", "domain", "n_domain", "n_used", "n_missing", "converged",
    "separation", "notes", "error",
]  # fmt: skip


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


def _weights(data: pd.DataFrame, weight: str, weighting: str) -> np.ndarray:
    if weighting == "unweighted":
        return np.ones(len(data))
    if weight not in data.columns:
        raise InputError("no weight column in the data", variable=weight)
    return data[weight].to_numpy(dtype=float)


def _replicated(variance: Mapping | None, weighting: str) -> bool:
    return bool(variance) and variance["method"] != "linearization" and weighting == "weighted"


def weighting_design(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None = None):
    """The design of one weighting: the raked weights (or none) with country as strata; with a
    replicate ``variance`` method, the weighted design's replicate-weight version."""
    frame = data.assign(**{"_w_": _weights(data, weight, weighting)})
    if _replicated(variance, weighting):
        from swsurvey.replicate_tables import replicate_design

        return replicate_design(frame, weight="_w_", stratum=stratum, variance=variance)
    return svydesign(frame, weights="_w_", strata=stratum)


def variance_label(data: pd.DataFrame, stratum: str, weight: str, weighting: str, variance: Mapping | None) -> str:
    """How a weighting's SEs are computed, as the tables name it."""
    if _replicated(variance, weighting):
        return weighting_design(data, stratum, weight, weighting, variance).variance
    return f"linearization (Taylor series), strata: {stratum}"


def country_tests(
    data: pd.DataFrame, items: Sequence[str], *, stratum: str = "country", weight: str = "weight",
    variance: Mapping | None = None, replicates: Mapping[str, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Rao-Scott second-order F test (``svychisq(..., statistic="F")``) of each item by
    ``stratum``, in a design stratified by ``stratum``; weighted and unweighted, with Holm's
    adjustment across the items within each weighting. ``n`` counts respondents with the
    item answered; an item whose test fails gives NaN and the error in ``method``. With a
    replicate ``variance``, ``replicates`` may give each item's replicate estimates (key
    :func:`country_test_key`), computed apart in chunks (:mod:`swsurvey.infer_replicates`)."""
    for var in (stratum, *items):
        if var not in data.columns:
            raise InputError("variable not in the data", variable=var)
    rows = []
    for weighting in WEIGHTINGS:
        design = weighting_design(data, stratum, weight, weighting, variance)
        block = []
        for item in items:
            n = int(data[item].notna().sum())
            try:
                given = (replicates or {}).get(country_test_key(item)) if _replicated(variance, weighting) else None
                res = svychisq(design, item, stratum, statistic="F", replicates=given)
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


def _domain_mask(data: pd.DataFrame, domain: Mapping[str, Sequence] | None) -> np.ndarray:
    mask = np.ones(len(data), dtype=bool)
    for var, levels in (domain or {}).items():
        if var not in data.columns:
            raise InputError("domain variable not in the data", variable=var)
        mask &= data[var].astype(object).isin(list(levels)).to_numpy()
    return mask


def check_model_spec(name: str, spec: Mapping) -> None:
    if "formula" not in spec:
        raise InputError("a model needs a formula", variable=name)
    family = spec.get("family", "quasibinomial")
    if family not in FAMILIES:
        raise InputError(f"family must be one of {', '.join(FAMILIES)}", variable=name, value=family)


def country_test_key(item: str) -> str:
    """The name of an item's country test among a wave's replicate statistics."""
    return f"test:{item}"


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
    mask = _domain_mask(data, spec["domain"])
    return design.subset(mask), int(mask.sum())


def fit_models(
    data: pd.DataFrame, models: Mapping[str, Mapping], *, stratum: str = "country", weight: str = "weight",
    variance: Mapping | None = None, replicates: Mapping[str, np.ndarray] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit each model weighted and unweighted; return (coefficients, terms, status).

    ``models`` maps a name to ``{formula, family, reference, domain}``: ``family`` is
    "quasibinomial", "gaussian", "quasipoisson" (:func:`svyglm`) or "ordinal"
    (proportional-odds, :func:`svyolr`); ``domain`` ({variable: [levels]}) restricts the fit
    to a domain by ``design.subset`` (zero weights, rows kept). A fit that raises
    :class:`InputError` gives a status row with the error; non-convergence and separation are
    reported there too. With a replicate ``variance``, the weighted fits' replicate refits may
    be given in ``replicates`` (key :func:`model_key`), computed apart in chunks
    (:mod:`swsurvey.infer_replicates`).
    """
    coefs, terms, status = [], [], []
    for name, spec in models.items():
        check_model_spec(name, spec)
        family = spec.get("family", "quasibinomial")
        for weighting in WEIGHTINGS:
            row = dict(model=name, weighting=weighting, family=family, formula=spec["formula"],
                       domain=json.dumps(spec.get("domain") or {}, ensure_ascii=False), n_domain=np.nan,
                       n_used=np.nan, n_missing=np.nan, converged=False, separation="", notes="", error="")  # fmt: skip
            try:
                whole = weighting_design(data, stratum, weight, weighting, variance)
                design, row["n_domain"] = model_design(whole, data, spec)
                given = (replicates or {}).get(model_key(name)) if _replicated(variance, weighting) else None
                notes = []
                fit = fit_model(design, spec, replicates=given, notes=notes)
                row["notes"] = "; ".join(notes)
            except InputError as exc:
                row["error"] = str(exc)
                log.warning("model %s (%s) not fitted: %s", name, weighting, exc)
                status.append(row)
                continue
            row.update(n_used=int(fit.n_used), n_missing=int(fit.n_missing), converged=bool(fit.converged),
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


def _read_weighted(data: str | Path) -> tuple[pd.DataFrame, bool]:
    table, provenance = read_stage(data, "weight", "weighting stage")
    frame = table.to_pandas()
    if "weight" not in frame.columns:
        raise InputError("the data have no weight column", file=data)
    return frame, bool(provenance.get("synthetic"))


def _labelled(frames: Sequence[pd.DataFrame], data: pd.DataFrame, *, wave: str, stratum: str,
              variance: Mapping | None, synthetic: bool) -> list[pd.DataFrame]:
    """The output tables: ``wave`` first, then the rows, ``variance`` (how each row's SEs
    were computed) and ``synthetic``."""
    labels = {w: variance_label(data, stratum, "weight", w, variance) for w in WEIGHTINGS}
    outputs = []
    for out in frames:
        out = out.copy()
        out.insert(0, "wave", wave)
        out["variance"] = out["weighting"].map(labels)
        out["synthetic"] = synthetic
        outputs.append(out)
    return outputs


def _gathered(frame: pd.DataFrame, stratum: str, variance: Mapping | None, replicate_chunks: Sequence[str | Path],
              replicate_layouts: Sequence[str | Path]) -> dict:
    """The replicate chunks' estimates, checked to be of this wave's replicate design."""
    from swsurvey.infer_replicates import gather

    if not replicate_chunks:
        return {}
    if not _replicated(variance, "weighted"):
        raise InputError("replicate chunks given, but the wave's variance method is linearization",
                         file=replicate_chunks[0])  # fmt: skip
    expected = variance_label(frame, stratum, "weight", "weighted", variance)
    return gather(replicate_chunks, replicate_layouts, variance=expected)


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
) -> None:
    """Country tests and models of one weighted wave in one process, written as four CSVs
    (all or none), each with ``wave``, ``variance`` (how each row's SEs were computed:
    linearization, or the wave's replicate method for the weighted rows) and ``synthetic``
    columns. The workflow splits the same work into jobs (:func:`infer_tests`,
    :func:`infer_model` per model, :func:`gather_models`, and the replicate chunks of
    :mod:`swsurvey.infer_replicates`), with the same bytes."""
    frame, synthetic = _read_weighted(data)
    tests = country_tests(frame, items, stratum=stratum, weight="weight", variance=variance)
    coefficients, terms, status = fit_models(frame, models, stratum=stratum, weight="weight", variance=variance)
    log.info("wave %s: %d country tests, %d models (%d fits failed)", wave, len(items), len(models),
             int((status["error"] != "").sum()))  # fmt: skip
    outputs = _labelled((tests, coefficients, terms, status), frame, wave=wave, stratum=stratum, variance=variance,
                        synthetic=synthetic)  # fmt: skip
    _write_all(outputs, (out_tests, out_coefficients, out_terms, out_status))


def infer_tests(
    data: str | Path, out_tests: str | Path, *, wave: str, items: Sequence[str], stratum: str = "country",
    variance: Mapping | None = None, replicate_chunks: Sequence[str | Path] = (),
    replicate_layouts: Sequence[str | Path] = (),
) -> None:
    """The country tests of one weighted wave (:func:`country_tests`), written as a CSV; with
    a replicate ``variance``, from the gathered replicate chunks."""
    frame, synthetic = _read_weighted(data)
    replicates = _gathered(frame, stratum, variance, replicate_chunks, replicate_layouts)
    tests = country_tests(frame, items, stratum=stratum, weight="weight", variance=variance, replicates=replicates)
    log.info("wave %s: %d country tests (%d failed)", wave, len(items), int(tests["p_value"].isna().sum()))
    _write_all(_labelled([tests], frame, wave=wave, stratum=stratum, variance=variance, synthetic=synthetic),
               [out_tests])  # fmt: skip


def infer_model(
    data: str | Path, out_coefficients: str | Path, out_terms: str | Path, out_status: str | Path, *, wave: str,
    model: str, spec: Mapping, stratum: str = "country", variance: Mapping | None = None,
    replicate_chunks: Sequence[str | Path] = (), replicate_layouts: Sequence[str | Path] = (),
) -> None:
    """One model of one weighted wave, weighted and unweighted (:func:`fit_models`), written
    as three CSVs (all or none); with a replicate ``variance``, the weighted fit's variance
    from the gathered replicate chunks."""
    frame, synthetic = _read_weighted(data)
    replicates = _gathered(frame, stratum, variance, replicate_chunks, replicate_layouts)
    coefficients, terms, status = fit_models(frame, {model: spec}, stratum=stratum, weight="weight",
                                             variance=variance, replicates=replicates)  # fmt: skip
    log.info("wave %s, model %s: %d coefficients (%d fits failed)", wave, model, len(coefficients),
             int((status["error"] != "").sum()))  # fmt: skip
    outputs = _labelled((coefficients, terms, status), frame, wave=wave, stratum=stratum, variance=variance,
                        synthetic=synthetic)  # fmt: skip
    _write_all(outputs, (out_coefficients, out_terms, out_status))


def gather_models(
    coefficients: Sequence[str | Path], terms: Sequence[str | Path], status: Sequence[str | Path],
    out_coefficients: str | Path, out_terms: str | Path, out_status: str | Path,
) -> None:
    """The models' tables (one CSV of each kind per model, from :func:`infer_model`) in one
    CSV of each kind, in the order given: the rows as written, under the common header."""
    frames = []
    for paths in (coefficients, terms, status):
        header, bodies = None, []
        for path in paths:
            text = Path(path).read_text(encoding="utf-8")
            first, _, body = text.partition("\n")
            if header is not None and first != header:
                raise InputError("the models' tables have different columns", file=path)
            header = first
            bodies.append(body)
        if header is None:
            raise InputError("no model tables to gather")
        frames.append(header + "\n" + "".join(bodies))
    paths = [Path(p) for p in (out_coefficients, out_terms, out_status)]
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(atomic_path(p)) for p in paths]
        for text, tmp in zip(frames, tmps):
            Path(tmp).write_text(text, encoding="utf-8")


def _write_all(frames: Sequence[pd.DataFrame], paths: Sequence[str | Path]) -> None:
    """Write CSVs all or none: each through :func:`atomic_path`, every temporary file written
    before any is moved into place; if a later move fails, the outputs already moved by this
    call are removed, so a failed run leaves none of them."""
    paths = [Path(p) for p in paths]
    before = {p: (p.stat().st_ino if p.exists() else None) for p in paths}
    try:
        with contextlib.ExitStack() as stack:
            tmps = [stack.enter_context(atomic_path(p)) for p in paths]
            for frame, tmp in zip(frames, tmps):
                frame.to_csv(tmp, index=False, float_format="%.10g")
    except BaseException:
        for p in paths:
            if p.is_file() and p.stat().st_ino != before[p]:
                p.unlink()
        raise
