"""Weighting sensitivity: the headline results of a wave under other weighting schemes.

Config ``sensitivity.schemes`` lists weighting schemes beside the main one, each a mapping of
``weighting`` keys that override the main ``weighting`` (and a ``label``), e.g. no weights
(``method: none``) or the same raking trimmed at five times the country median weight
(``trim: {upper: 5}``), raking to a joint margin (``margins: [[gender, age_group]]``) or
post-stratifying (``method: poststratify``). Each scheme's weights come from one function,
:func:`scheme_weights`, which makes them as the weighting stage does; the main scheme is the
pipeline's own weights (the ``weight`` column).

Under every scheme this stage computes the study's headline results: each main result
(``describe.main_results``: variable and level reported) by domain, the percentage with
Korn and Graubard's beta 95% interval (R's ``svyciprop(method="beta")``, as the descriptive
stage, :func:`swsurvey.stages.describe.describe`); each country test of ``infer.items``
(Rao-Scott second-order F, R's ``svychisq(statistic="F")``, Holm-adjusted over the items as
the study reports them); and the Wald F test of each term of each model of ``infer.models``
(R's ``regTermTest`` of its ``svyglm``/``svyolr`` fit). The main scheme's SEs are the main
tables' (linearization with the design of :mod:`swsurvey.stages.designs`: with
``weighting.variance: calibrated``, the raking's calibration rebuilt from the targets); every
other scheme's are linearization SEs in the same design with its own weights held fixed (R's
``svydesign(ids=, strata=, weights=~w)``), and the ``variance`` column says so. With
a replicate variance method for the wave (``waves.<wave>.variance``) the main tables' weighted
SEs are replicate SEs, but the panel's main scheme keeps linearization (replicates for every
scheme would multiply the cost by the number of schemes); its ``variance`` column says so.
:mod:`swsurvey.stages.sensitivity_flags` flags each result whose conclusion moves.

Extreme weights get their own line (:func:`extreme_weights`): per scheme and stratum, the
margin cell whose respondents carry the largest share of the stratum's weight relative to
their number, with the largest weight over the median and Kish's design effect
(1 + CV², Kish 1965) of the stratum's weights.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage, write_text
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import BANNER, SUPPRESSED
from swsurvey.io.tables import methods_text
from swsurvey.stages.country_tests import holm
from swsurvey.stages.describe import describe
from swsurvey.stages.designs import (
    analysis_setting,
    linearization_calibration,
    linearization_label,
    weighted_calibration,
    weighting_design,
    weights_kind,
)
from swsurvey.stages.models import fit_model, model_design
from swsurvey.stages.sensitivity_flags import ALPHA, MAIN, flag_moves, moved_sentence
from swsurvey.stages.weighting import read_targets, weight_respondents, weighting_settings
from swsurvey.survey.chisq import svychisq
from swsurvey.survey.glm import reg_term_test

log = get_logger("sensitivity")

#: The main scheme's label unless config gives one.
MAIN_LABEL = "Main weighting"
#: The long table's columns.
COLUMNS = [
    "wave", "scheme", "scheme_label", "kind", "item", "item_label", "level", "domain", "n", "estimate",
    "ci_lower", "ci_upper", "ci_method", "variance", "p", "p_method", "significant", "small_base", "not_asked",
    "moved", "why", "synthetic",
]  # fmt: skip
#: The extreme-weights table's columns.
EXTREME_COLUMNS = [
    "wave", "scheme", "scheme_label", "stratum", "margin", "cell", "n", "n_stratum", "weight_share",
    "respondent_share", "ratio", "max_over_median", "kish_deff", "text", "synthetic",
]  # fmt: skip
#: A cell whose weight share is within this fraction of its respondent share carries its share.
EQUAL = 1e-9
P_METHODS = {
    "country_test": "Rao-Scott F (svychisq), Holm-adjusted over the items",
    "model_term": "Wald F of the term (regTermTest)",
}


# -- the schemes ------------------------------------------------------------------------------


def scheme_settings(weighting: Mapping, scheme: Mapping) -> dict:
    """The main ``weighting`` settings with a scheme's keys (all but ``label``) in their place."""
    return {**weighting, **{key: value for key, value in scheme.items() if key != "label"}}


def schemes_of(weighting: Mapping, schemes: Mapping[str, Mapping]) -> list[tuple[str, str, dict]]:
    """(name, label, settings) of the main scheme and then each configured one, in order."""
    if MAIN in schemes:
        raise InputError(f'"{MAIN}" is the pipeline\'s own weighting: give the scheme another name',
                         variable=f"sensitivity.schemes.{MAIN}")
    out = [(MAIN, MAIN_LABEL, dict(weighting))]
    for name, scheme in schemes.items():
        out.append((str(name), str(scheme.get("label") or name), scheme_settings(weighting, scheme)))
    return out


def scheme_weights(data: pd.DataFrame, targets: str | Path, settings: Mapping) -> np.ndarray:
    """One weighting scheme's weights for the respondents of ``data``; ``settings`` are the
    wave's ``weighting`` with the scheme's keys in their place (:func:`scheme_settings`).

    The only place the panel makes weights, and it makes them as the weighting stage does
    (:func:`swsurvey.stages.weighting.weight_respondents` with the scheme's ``method``,
    ``stratum``, ``margins``, ``bounds`` and ``trim``, to the ``targets`` file): ``method:
    none`` gives the design's base weights (1 without), ``rake``, ``poststratify``, ``linear``
    and ``logit`` the wave's design weighted to the scheme's margins."""
    keywords = weighting_settings(settings)
    population = read_targets(targets, keywords["stratum"], keywords["margins"])
    with raking_notes():
        weights, _, _ = weight_respondents(data, population, **keywords)
    return np.asarray(weights, dtype=float)


class _ToInfo(logging.Filter):
    """Passes the weighting stage's records on to this stage's log as information, not warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        log.info("raking of the scheme: %s", record.getMessage())
        return False


@contextlib.contextmanager
def raking_notes():
    """The raking's log records (a target level no respondent has, ...) as this stage's
    information: the weighting stage's log warns of them already (the console would show
    each twice); a scheme's Python warnings (margins a trimming misses) stay warnings."""
    weight_log, notes = get_logger("weight"), _ToInfo()
    weight_log.addFilter(notes)
    try:
        yield
    finally:
        weight_log.removeFilter(notes)


# -- the results under one scheme -------------------------------------------------------------


def headline_estimates(data: pd.DataFrame, main_results: Mapping[str, str], *, labels: Mapping[str, str],
                       stratum: str, pooled: Mapping[str, Sequence[str]], min_n: int,
                       calibration=None, design: Mapping | None = None) -> pd.DataFrame:
    """Each main result's percentage by domain with ``data``'s ``weight`` column, as the
    descriptive stage computes it (:func:`swsurvey.stages.describe.describe`, whose weighted
    design, the wave's ``design`` setting, carries ``calibration`` when given)."""
    for variable in main_results:
        if variable not in data.columns:
            raise InputError("a main result (describe.main_results) is not in the data", variable=variable)
    cells = describe(data, {"Main results": list(main_results)}, labels=labels, stratum=stratum, weight="weight",
                     pooled=pooled, min_n=min_n, calibration=calibration, design=design)
    cells = cells[cells["weighting"] == "weighted"]
    rows = []
    for variable, level in main_results.items():
        mine = cells[cells["variable"] == variable]
        if mine["not_asked"].all():
            mine = mine.assign(level=level)
        else:
            mine = mine[mine["level"] == level]
            if mine.empty:
                raise InputError("the level of a main result is not a level of the variable", variable=variable,
                                 value=level)
        rows.append(mine)
    out = pd.concat(rows, ignore_index=True)
    return pd.DataFrame({
        "kind": "estimate", "item": out["variable"], "item_label": out["variable_label"], "level": out["level"],
        "domain": out["domain"], "n": out["base_n"], "estimate": out["estimate"], "ci_lower": out["ci_lower"],
        "ci_upper": out["ci_upper"], "ci_method": out["ci_method"], "p": np.nan, "small_base": out["small_base"],
        "not_asked": out["not_asked"],
    })


def country_test_rows(design, data: pd.DataFrame, items: Sequence[str], *, stratum: str,
                      labels: Mapping[str, str]) -> pd.DataFrame:
    """Each item's Rao-Scott F test by ``stratum`` on ``design`` (R's ``svychisq(~item +
    country, design, statistic="F")``), Holm-adjusted over the items; a test that fails gives
    NaN (its error in the log)."""
    rows = []
    for item in items:
        if item not in data.columns:
            raise InputError("a tested item (infer.items) is not in the data", variable=item)
        try:
            res = svychisq(design, item, stratum, statistic="F")
            statistic, p = float(res.statistic), float(res.p_value)
        except InputError as exc:
            log.warning("country test of %s failed: %s", item, exc)
            statistic, p = np.nan, np.nan
        rows.append(dict(kind="country_test", item=item, item_label=labels.get(item, item), level="",
                         domain=f"by {stratum}", n=int(data[item].notna().sum()), estimate=statistic, p_raw=p))
    frame = pd.DataFrame(rows)
    frame["p"] = holm(frame["p_raw"].to_numpy()) if len(frame) else []
    return frame.drop(columns="p_raw")


def model_term_rows(design, data: pd.DataFrame, models: Mapping[str, Mapping]) -> pd.DataFrame:
    """The Wald F test of each term of each model fitted on ``design`` (R's ``regTermTest``);
    a model that cannot be fitted gives no rows (its error in the log)."""
    rows = []
    for name, spec in models.items():
        try:
            sub, _ = model_design(design, data, spec)
            fit = fit_model(sub, spec)
        except InputError as exc:
            log.warning("model %s not fitted: %s", name, exc)
            continue
        for term in fit.terms:
            try:
                test = reg_term_test(fit, term)
                statistic, p = float(test.statistic), float(test.p_value)
            except (InputError, np.linalg.LinAlgError) as exc:
                log.warning("model %s, term %s: no test: %s", name, term, exc)
                statistic, p = np.nan, np.nan
            rows.append(dict(kind="model_term", item=name, item_label=f"Model {name}", level=term, domain="",
                             n=int(fit.n_used), estimate=statistic, p=p))
    return pd.DataFrame(rows)


def scheme_results(data: pd.DataFrame, weights: np.ndarray, *, calibration, stratum: str,
                   main_results: Mapping[str, str], pooled: Mapping[str, Sequence[str]], items: Sequence[str],
                   models: Mapping[str, Mapping], min_n: int, labels: Mapping[str, str],
                   design: Mapping | None = None) -> pd.DataFrame:
    """The headline results (estimates, country tests, model terms) with ``weights`` in the
    wave's ``design`` (:func:`swsurvey.stages.designs.analysis_setting`) and, when given, the
    main weighting's ``calibration`` on it (see the module docstring)."""
    frame = data.assign(weight=np.asarray(weights, dtype=float))
    estimates = headline_estimates(frame, main_results, labels=labels, stratum=stratum, pooled=pooled,
                                   min_n=min_n, calibration=linearization_calibration(calibration),
                                   design=design)
    made = weighting_design(frame, stratum, "weight", "weighted", None, calibration, design=design)
    tests = country_test_rows(made, frame, items, stratum=stratum, labels=labels)
    terms = model_term_rows(made, frame, models)
    return pd.concat([estimates, tests, terms], ignore_index=True)


# -- extreme weights --------------------------------------------------------------------------


def _cells(data: pd.DataFrame, margin: str | Sequence[str], unknown: str) -> tuple[str, pd.Series]:
    """A margin's name and each respondent's cell of it (missing values as ``unknown``)."""
    variables = [margin] if isinstance(margin, str) else list(margin)
    parts = [data[v].astype(object).where(data[v].notna(), unknown).astype(str) for v in variables]
    cell = parts[0]
    for part in parts[1:]:
        cell = cell + " x " + part
    return " x ".join(variables), cell


def extreme_weights(data: pd.DataFrame, weights: np.ndarray, *, stratum: str, margins: Sequence,
                    unknown: str) -> pd.DataFrame:
    """Per stratum (country): the margin cell (stratum x a level of one of ``margins``, a
    variable or a list of variables for a joint margin) whose respondents carry the largest
    share of the stratum's weight relative to their share of its respondents (the first, in
    the data's order of levels, on a tie), that share in words; and the stratum's largest
    weight over its median weight and Kish's design effect n·Σw²/(Σw)²."""
    w = np.asarray(weights, dtype=float)
    strata = data[stratum]
    order = list(strata.cat.categories) if isinstance(strata.dtype, pd.CategoricalDtype) else sorted(strata.unique())
    rows = []
    for level in order:
        inside = (strata == level).to_numpy()
        if not inside.any():
            continue
        ws, total, n_stratum = w[inside], float(w[inside].sum()), int(inside.sum())
        best = None
        for margin in margins:
            name, cell = _cells(data.loc[inside], margin, unknown)
            shares = pd.DataFrame({"cell": cell.to_numpy(), "w": ws}).groupby("cell", sort=False)["w"].agg(["sum", "size"])
            if isinstance(data[name].dtype if name in data else None, pd.CategoricalDtype):
                known = [c for c in data[name].cat.categories if c in shares.index]
                shares = shares.loc[known + [c for c in shares.index if c not in known]]
            for cell_name, (weight_sum, size) in shares.iterrows():
                ratio = (weight_sum / total) / (size / n_stratum) if total > 0 else np.nan
                if best is None or ratio > best["ratio"]:
                    best = dict(margin=name, cell=str(cell_name), n=int(size), weight_share=weight_sum / total,
                                respondent_share=size / n_stratum, ratio=ratio)
        median = float(np.median(ws))
        rows.append({"stratum": str(level), **best, "n_stratum": n_stratum,
                     "max_over_median": float(ws.max() / median) if median > 0 else np.nan,
                     "kish_deff": n_stratum * float((ws ** 2).sum()) / total ** 2 if total > 0 else np.nan})
    out = pd.DataFrame(rows)
    out["text"] = [extreme_text(r) for r in out.itertuples(index=False)]
    return out


def extreme_text(row) -> str:
    """"United Kingdom, Under 30: 3 respondents carry 11.6% of the United Kingdom weight (2.1%
    of its respondents); largest weight 4.9 x the median; Kish deff 1.52"."""
    if not row.ratio > 1 + EQUAL:
        return f"{row.stratum}: no cell carries more than its share of the weight; Kish deff {row.kish_deff:.2f}"
    who = "respondent carries" if row.n == 1 else "respondents carry"
    return (f"{row.stratum}, {row.cell}: {row.n:,} {who} {100 * row.weight_share:.1f}% of the {row.stratum} "
            f"weight ({100 * row.respondent_share:.1f}% of its respondents); largest weight "
            f"{row.max_over_median:.1f} x the median; Kish deff {row.kish_deff:.2f}")


# -- the panel --------------------------------------------------------------------------------


def sensitivity(data: pd.DataFrame, targets: str | Path, *, weighting: Mapping, schemes: Mapping[str, Mapping],
                main_results: Mapping[str, str], pooled: Mapping[str, Sequence[str]], items: Sequence[str],
                models: Mapping[str, Mapping], min_n: int, labels: Mapping[str, str] | None = None,
                alpha: float = ALPHA, by: str = "country") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long table of every scheme's headline results, flagged, and the extreme weights
    of every scheme (see the module docstring). ``data`` is the weighting stage's output (its
    ``weight`` column the main scheme's weights); ``by`` the variable whose levels are the
    domains, the country tests' groups and the extreme weights' strata (``describe.by``)."""
    if "weight" not in data.columns:
        raise InputError("the data have no weight column", variable="weight")
    labels = labels or {}
    stratum = by
    design = analysis_setting(weighting, stratum)
    results, extremes = [], []
    for name, label, settings in schemes_of(weighting, schemes):
        if name == MAIN:
            weights = data["weight"].to_numpy(dtype=float)
            calibration = linearization_calibration(weighted_calibration(data, targets, weighting))
            variance = linearization_label(stratum, weights_kind(calibration), design)
        else:
            weights = scheme_weights(data, targets, settings)
            calibration = None
            unweighted = settings.get("method", "rake") == "none"
            held = (", all weights 1" if not (settings.get("design") or {}).get("weights") else
                    ", the base weights held fixed") if unweighted else ", this scheme's weights held fixed"
            variance = linearization_label(stratum, design=design) + held
        table = scheme_results(data, weights, calibration=calibration, stratum=stratum, main_results=main_results,
                               pooled=pooled, items=items, models=models, min_n=min_n, labels=labels,
                               design=design)
        table.insert(0, "scheme_label", label)
        table.insert(0, "scheme", name)
        table["variance"] = variance
        results.append(table)
        margins = settings["margins"]
        extreme = extreme_weights(data, weights, stratum=stratum, margins=margins,
                                  unknown=settings.get("unknown_level", "Not stated"))
        extreme.insert(0, "scheme_label", label)
        extreme.insert(0, "scheme", name)
        extremes.append(extreme)
        log.info("scheme %s (%s): weights %.3g to %.3g", name, label, float(np.min(weights)), float(np.max(weights)))
    long = pd.concat(results, ignore_index=True)
    long["p_method"] = long["kind"].map(P_METHODS).fillna("")
    long["significant"] = np.where(long["p"].isna(), pd.NA, long["p"] < alpha)
    long[["small_base", "not_asked"]] = long[["small_base", "not_asked"]].fillna(False).astype(bool)
    long[["level", "domain", "ci_method"]] = long[["level", "domain", "ci_method"]].fillna("")
    long = flag_moves(long, MAIN, MAIN_LABEL.lower(), alpha)
    return long, pd.concat(extremes, ignore_index=True)


def sensitivity_markdown(results: pd.DataFrame, extremes: pd.DataFrame, *, wave: str, synthetic: bool,
                         min_n: int) -> str:
    """The panel as Markdown: the estimates by scheme side by side, the tests, the extreme
    weights, and the sentence naming what moved (moved cells marked †)."""
    schemes = list(dict.fromkeys(zip(results["scheme"], results["scheme_label"])))
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    variances = "; ".join(f"{label}: {v}" for (label, v) in
                          dict.fromkeys(zip(results["scheme_label"], results["variance"])))
    methods = methods_text(results.loc[results["ci_method"] != "", "ci_method"])
    lines += [
        f"# Weighting sensitivity, wave {wave}",
        "",
        moved_sentence(results),
        "",
        f"Percentages with 95% intervals ({methods}). SEs — {variances}. † = the conclusion moves: the estimate "
        f"is outside the main weighting's interval, or the test changes significance at 5%. {SUPPRESSED} = "
        f"fewer than {min_n} respondents in the base.",
        "",
        "## Headline estimates",
        "",
        "| Item | Level | Domain | n | " + " | ".join(label for _, label in schemes) + " |",
        "|---|---|---|---:|" + "---:|" * len(schemes),
    ]
    estimates = results[results["kind"] == "estimate"]
    by = {(r.scheme, r.item, r.domain): r for r in estimates.itertuples(index=False)}
    main = estimates[estimates["scheme"] == MAIN]
    for r in main.itertuples(index=False):
        if r.not_asked:
            lines.append(f"| {r.item_label} | {r.level} | {r.domain} | | not asked in this wave |"
                         + " |" * (len(schemes) - 1))
            continue
        cells = []
        for scheme, _ in schemes:
            s = by.get((scheme, r.item, r.domain))
            if s is None or s.small_base:
                cells.append(SUPPRESSED)
            else:
                cells.append(f"{s.estimate:.1f} ({s.ci_lower:.1f}–{s.ci_upper:.1f}){' †' if s.moved else ''}")
        lines.append(f"| {r.item_label} | {r.level} | {r.domain} | {r.n:,} | " + " | ".join(cells) + " |")
    tests = results[results["kind"] != "estimate"]
    lines += ["", "## Country tests and model terms (p; Holm-adjusted for the country tests)", "",
              "| Test | Term | " + " | ".join(label for _, label in schemes) + " |",
              "|---|---|" + "---:|" * len(schemes)]
    by = {(r.scheme, r.kind, r.item, r.level): r for r in tests.itertuples(index=False)}
    for r in tests[tests["scheme"] == MAIN].itertuples(index=False):
        cells = []
        for scheme, _ in schemes:
            s = by.get((scheme, r.kind, r.item, r.level))
            cells.append("" if s is None or pd.isna(s.p) else
                         ("<0.001" if s.p < 0.001 else f"{s.p:.3f}") + (" †" if s.moved else ""))
        name = f"Country test: {r.item_label}" if r.kind == "country_test" else f"Model {r.item}"
        lines.append(f"| {name} | {r.level} | " + " | ".join(cells) + " |")
    lines += ["", "## Extreme weights", "",
              "Per scheme and country, the margin cell carrying the largest share of the country's weight "
              "relative to its number of respondents.", ""]
    for label, group in extremes.groupby("scheme_label", sort=False):
        lines.append(f"- **{label}**")
        lines += [f"  - {text}" for text in group["text"]]
    return "\n".join(lines) + "\n"


def write_sensitivity(data: str | Path, targets: str | Path, out_csv: str | Path, out_extremes: str | Path,
                      out_md: str | Path, *, wave: str, weighting: Mapping, schemes: Mapping[str, Mapping],
                      main_results: Mapping[str, str], pooled: Mapping[str, Sequence[str]],
                      tested_items: Sequence[str], models: Mapping[str, Mapping], min_n: int,
                      by: str = "country") -> pd.DataFrame:
    """Read the weighted wave; write the panel's long CSV, its extreme weights CSV and its
    Markdown, all or none. ``tested_items`` are the country tests' items (``infer.items``)."""
    table, provenance = read_stage(data, "weight", "weighting stage")
    frame = table.to_pandas()
    synthetic = bool(provenance.get("synthetic"))
    results, extremes = sensitivity(frame, targets, weighting=weighting, schemes=schemes, main_results=main_results,
                                    pooled=pooled, items=tested_items, models=models, min_n=min_n,
                                    labels=provenance.get("labels", {}), by=by)
    for out in (results, extremes):
        out.insert(0, "wave", str(wave))
        out["synthetic"] = synthetic
    results, extremes = results.reindex(columns=COLUMNS), extremes.reindex(columns=EXTREME_COLUMNS)
    log.info("wave %s: %d schemes, %d results, %d moved", wave, results["scheme"].nunique(), len(results),
             int(results["moved"].sum()))
    markdown = sensitivity_markdown(results, extremes, wave=str(wave), synthetic=synthetic, min_n=min_n)
    with atomic_path(out_csv) as tmp_csv, atomic_path(out_extremes) as tmp_extremes:
        results.to_csv(tmp_csv, index=False, float_format="%.10g", lineterminator="\n")
        extremes.to_csv(tmp_extremes, index=False, float_format="%.10g", lineterminator="\n")
        write_text(out_md, markdown)
    return results
