"""The Snakemake report's description and captions, with key numbers drawn from the results.

Snakemake renders a caption from a fixed file when it builds the report, and its template
sees only a job's wildcards, params and config, never its results. So the captions are made in
two steps. The authored templates (``workflow/report/*.rst``, Jinja) use the key numbers of a
wave: :func:`wave_numbers` reads them from that wave's result tables. :func:`render_caption`
renders a template once per wave (and per figure, for the figure caption) into one caption
file in which each rendering sits in a Jinja ``{% if %}`` block on the wildcards, so
Snakemake picks the right one for each report item (a figure's own settings are left to
Snakemake's pass, so that changing them reruns that figure's job alone). The rule that does this (``report_text``)
reads every wave's results, so the captions are rebuilt whenever a number in them changes.

The description (the report's front page) gets the same numbers plus a banner naming every
synthetic wave, and the main results weighted beside unweighted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from swsurvey.io.files import write_text
from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import weighted_how, weights_word
from swsurvey.stages.study_sections import stratum_column

log = get_logger("report_text")
#: Inputs one wave's numbers are drawn from (keys of the ``tables`` mapping).
TABLES = ("estimates", "tests", "coefficients", "status", "diagnostics", "flow", "effect", "export_check")
#: Caption templates of outputs that belong to no single wave (rendered once, with every wave).
WAVELESS = {"changes.rst", "changes_figure.rst", "trend.rst", "trend_figure.rst", "manifest.rst", "study_report.rst"}


def _read(path: str | Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def _ci(row) -> dict:
    return {"est": float(row["estimate"]), "lo": float(row["ci_lower"]), "hi": float(row["ci_upper"]),
            "n": int(row["base_n"]), "text": f"{row['estimate']:.1f}% ({row['ci_lower']:.1f}–{row['ci_upper']:.1f})"}


def _headline(estimates: pd.DataFrame, variable: str, level: str) -> dict:
    """Weighted % of one level of a variable in each domain (empty when the wave lacks it)."""
    rows = estimates[(estimates["variable"] == variable) & (estimates["level"] == level)
                     & (estimates["weighting"] == "weighted") & ~estimates["small_base"].astype(bool)]
    return {row["domain"]: _ci(row) for _, row in rows.iterrows()}


def countries(estimates: pd.DataFrame, flow: pd.DataFrame) -> list[str]:
    """The wave's countries: the domains of its estimates (countries, then pooled sets) that
    have a column of their own in its exclusion flow, in the estimates' order (the instrument's)."""
    return [d for d in dict.fromkeys(estimates["domain"]) if d in flow.columns]


def _flow_numbers(flow: pd.DataFrame, order: Sequence[str]) -> dict:
    first, last = flow.iloc[0], flow.iloc[-1]
    steps = flow.iloc[1:-1]
    return {
        "raw": int(first["Total"]),
        "analysed": int(last["Total"]),
        "by_country": {c: int(last[c]) for c in order},
        "largest_step": steps.loc[steps["Total excluded"].idxmax(), "description"] if len(steps) else "",
        "largest_excluded": int(steps["Total excluded"].max()) if len(steps) else 0,
    }


def _weight_numbers(diagnostics: pd.DataFrame, order: Sequence[str]) -> dict:
    by = stratum_column(diagnostics)  # country, or "stratum" with one row "All" when there is none
    strata = [c for c in order if c in set(diagnostics[by])] or ["All"]
    countries = diagnostics.set_index(by).reindex(strata).rename_axis("country").reset_index()
    return {
        "deff_min": float(countries["kish_deff"].min()),
        "deff_max": float(countries["kish_deff"].max()),
        "neff": {r["country"]: float(r["kish_neff"]) for _, r in countries.iterrows()},
        "converged": bool(diagnostics["converged"].astype(bool).all()),
        "max_rel_error": float(diagnostics["max_rel_margin_error"].max()),
        "trim": _trim_numbers(countries) if "margins_hold" in diagnostics else None,
    }


def _trim_numbers(countries: pd.DataFrame) -> dict:
    """Trimming (diagnostics of a run with weighting.trim set): each country's bounds and
    trimmed weights, the rounds, and the countries whose margins do not hold."""
    hold = countries["margins_hold"].astype(str).str.lower() == "true"
    return {
        "rounds": int(countries["trim_rounds"].max()),
        "trimmed": int(countries["trimmed"].sum()),
        "bounds": {r["country"]: f"{r['trim_lower']:,.4g} to {r['trim_upper']:,.4g}" for _, r in countries.iterrows()},
        "margins_hold": bool(hold.all()),
        "off": countries.loc[~hold, "country"].tolist(),
    }


def _test_numbers(tests: pd.DataFrame) -> dict:
    out = {}
    for weighting, rows in tests.groupby("weighting", sort=False):
        significant = rows[rows["p_holm"] < 0.05]
        out[weighting] = {"tested": int(len(rows)), "significant": significant["item"].tolist()}
    return out


#: A model family in words, as the caption names the model.
FAMILY_WORDS = {
    "quasibinomial": "logistic regression",
    "ordinal": "proportional-odds (ordinal logistic) regression",
    "gaussian": "linear regression",
    "quasipoisson": "Poisson (log-linear) regression",
}


def _model_words(row: pd.Series) -> dict:
    """What a model is, from its status row (the run's own formula, family and domain)."""
    response, _, terms = str(row["formula"]).partition("~")
    domain = json.loads(row["domain"]) if isinstance(row.get("domain"), str) and row["domain"] else {}
    return {
        "kind": FAMILY_WORDS.get(row["family"], str(row["family"])),
        "response": response.strip(),
        "terms": ", ".join(term.strip() for term in terms.split("+")),
        "domain": "; ".join(f"{var} in {', '.join(map(str, levels))}" for var, levels in domain.items()),
        "variance": str(row["variance"]) if "variance" in row and pd.notna(row["variance"]) else "",
    }


def _model_numbers(status: pd.DataFrame, coefficients: pd.DataFrame) -> dict:
    out = {}
    for _, row in status[status["weighting"] == "weighted"].iterrows():
        coefs = coefficients[(coefficients["model"] == row["model"]) & (coefficients["weighting"] == "weighted")
                             & (coefficients["kind"] == "coefficient") & (coefficients["term"] != "(Intercept)")]
        coefs = coefs.dropna(subset=["odds_ratio"])
        top = None
        if len(coefs):
            best = coefs.loc[np.log(coefs["odds_ratio"]).abs().idxmax()]
            top = {"term": best["term"], "text": f"{best['odds_ratio']:.2f} ({best['or_lower']:.2f}–{best['or_upper']:.2f})"}
        out[row["model"]] = {
            "family": row["family"], "n_used": int(row["n_used"]) if pd.notna(row["n_used"]) else 0,
            "converged": bool(row["converged"]) if pd.notna(row["converged"]) else False,
            "problem": " ".join(str(row[k]) for k in ("separation", "error") if pd.notna(row[k]) and row[k]),
            "top": top,
            **_model_words(row),
        }
    return out


def _shift_numbers(effect: pd.DataFrame) -> dict:
    rows = effect[(effect["domain"] != "not asked") & ~effect["small_base"].astype(bool)].dropna(subset=["shift"])
    if rows.empty:
        return {"largest": None, "rows": []}
    big = rows.loc[rows["shift"].abs().idxmax()]
    return {
        "largest": {"item": f"{big['variable_label']}: {big['level']}", "domain": big["domain"],
                    "unweighted": float(big["unweighted"]), "weighted": float(big["weighted"]),
                    "shift": float(big["shift"])},
        "mean_abs": float(rows["shift"].abs().mean()),
    }


def wave_numbers(tables: Mapping[str, str | Path], published: str | Path | None = None,
                 weighting: Mapping | None = None) -> dict:
    """The key numbers of one wave, from its result tables (paths keyed as in :data:`TABLES`),
    and how its ``weighting`` settings weighted it, in words (``weighted_how``, ``weights_word``:
    :func:`swsurvey.io.table_text.weighted_how`; without settings the study's raking)."""
    estimates = _read(tables["estimates"])
    effect = _read(tables["effect"])
    flow = _read(tables["flow"])
    order = countries(estimates, flow)
    numbers = {
        "synthetic": bool(estimates["synthetic"].astype(bool).any()),
        "flow": _flow_numbers(flow, order),
        "weights": _weight_numbers(_read(tables["diagnostics"]), order),
        "weighted_how": weighted_how(weighting),
        "weights_word": weights_word(weighting),
        "any_use": _headline(estimates, "any_ict_use", "Yes"),
        "weekly": _headline(estimates, "weekly_use", "Yes"),
        "cells": int((estimates["weighting"] == "weighted").sum()),
        "suppressed": int((estimates["small_base"].astype(bool) & (estimates["weighting"] == "weighted")).sum()),
        "tests": _test_numbers(_read(tables["tests"])),
        "models": _model_numbers(_read(tables["status"]), _read(tables["coefficients"])),
        "shift": _shift_numbers(effect),
        "main_results": effect.to_dict("records"),
        "published": None,
        # what makes the run right only by luck (swsurvey.study.contract.dictionary_warnings)
        "import_warnings": json.loads(Path(tables["export_check"]).read_text(encoding="utf-8"))["warnings"],
    }
    if published:
        table = _read(published)
        worst = table.loc[table["difference"].abs().idxmax()]
        numbers["published"] = {"figures": int(len(table)), "max_abs_diff": float(abs(worst["difference"])),
                                "worst": worst["label"]}
    return numbers


class SnakemakeJinja(str):
    """Jinja text left for Snakemake's own pass, e.g. a figure job's ``snakemake.params``."""


def snakemake_expr(expr: str) -> SnakemakeJinja:
    """``{{ expr }}`` evaluated by Snakemake when it builds the report, not by us."""
    return SnakemakeJinja("{{ " + expr + " }}")


def snakemake_if(condition: str) -> SnakemakeJinja:
    """Open a block Snakemake shows only when ``condition`` holds for the report item."""
    return SnakemakeJinja("{% if " + condition + " %}")


def snakemake_endif() -> SnakemakeJinja:
    return SnakemakeJinja("{% endif %}")


def _finalize(value):
    """Every value we insert is plain text to Snakemake's Jinja pass: its braces are escaped."""
    if isinstance(value, SnakemakeJinja):
        return value
    return str(value).replace("{", "{{ '{' }}")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, finalize=_finalize)
    env.globals.update(snakemake_expr=snakemake_expr, snakemake_if=snakemake_if, snakemake_endif=snakemake_endif)
    return env


def render_caption(template: str, numbers: Mapping[str, dict], figures: Sequence[str] | None = None) -> str:
    """One caption file for Snakemake: the template rendered per wave (and per figure).

    Each rendering sits in an ``{% if %}`` on the report item's wildcards, so Snakemake's own
    Jinja pass selects it; the numbers and labels we insert are escaped so that pass leaves
    them alone. A figure's own settings are left to that pass (``snakemake_expr``), so that
    changing them reruns the figure's job alone, not this one.
    """
    compiled = _environment().from_string(template)
    out = []
    for wave, n in numbers.items():
        for figure in [None] if figures is None else figures:
            condition = f"snakemake.wildcards.wave == {json.dumps(str(wave))}"
            if figure is not None:
                condition += f" and snakemake.wildcards.figure == {json.dumps(figure)}"
            text = compiled.render(wave=wave, n=n, figure=figure).strip()
            out.append(f"{{% {'elif' if out else 'if'} {condition} %}}\n{text}\n")
    out.append("{% endif %}\n")
    return "".join(out)


def render_description(template: str, numbers: Mapping[str, dict], waves: Mapping[str, Mapping],
                       changes: dict | None = None, trend: dict | None = None) -> str:
    """The report's front page (or a caption of an output that has no wave): the template
    rendered with every wave's numbers and settings, the changes between waves and, with three
    waves or more, the trends across them."""
    return _environment().from_string(template).render(numbers=numbers, waves=waves, changes=changes, trend=trend)


def change_numbers(path: str | Path) -> dict:
    """Key numbers of the changes between waves (results/crosswave/changes.csv)."""
    table = _read(path)
    weighted = table[(table["weighting"] == "weighted")]
    estimated = weighted[(weighted["status"] == "estimated") & ~weighted["small_base"].astype(bool)]
    significant = estimated[estimated["p_value"] < 0.05]
    largest = None
    if len(estimated):
        row = estimated.loc[estimated["change"].abs().idxmax()]
        largest = {"item": f"{row['variable_label']}: {row['level']}", "domain": row["domain"],
                   "from_wave": str(row["from_wave"]), "to_wave": str(row["to_wave"]),
                   "text": f"{row['change']:+.1f} points ({row['ci_lower']:+.1f} to {row['ci_upper']:+.1f})"}
    return {
        "pairs": [f"{a} to {b}" for a, b in dict.fromkeys(zip(weighted["from_wave"].astype(str),
                                                              weighted["to_wave"].astype(str)))],
        "estimated": int(len(estimated)), "significant": int(len(significant)), "largest": largest,
        "not_asked": sorted(set(weighted.loc[weighted["status"] != "estimated", "variable_label"])),
    }


def trend_numbers(path: str | Path) -> dict:
    """Key numbers of the trends across waves (results/crosswave/trend.csv)."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={"waves": str, "times": str})
    weighted = table[table["weighting"] == "weighted"]
    estimated = weighted[(weighted["status"] == "estimated") & ~weighted["small_base"].astype(bool)]
    significant = estimated[estimated["p_value"] < 0.05]
    steepest = None
    if len(estimated):
        row = estimated.loc[estimated["slope"].abs().idxmax()]
        steepest = {"item": f"{row['variable_label']}: {row['level']}", "domain": row["domain"],
                    "text": f"{row['slope']:+.2f} points per year ({row['ci_lower']:+.2f} to {row['ci_upper']:+.2f})"}
    waves = [c[len("estimate_"):] for c in table.columns if c.startswith("estimate_")]
    return {
        "waves": waves, "time_basis": str(table["time_basis"].iloc[0]) if len(table) else "",
        "estimated": int(len(estimated)), "significant": int(len(significant)), "steepest": steepest,
        "not_estimated": sorted({f"{r['variable_label']} ({r['status']})"
                                 for _, r in weighted[weighted["status"] != "estimated"].iterrows()}),
    }


def write_report_text(
    *,
    tables: Mapping[str, Sequence[str]],
    published: Sequence[str],
    waves: Mapping[str, Mapping],
    description_template: str | Path,
    caption_templates: Sequence[str | Path],
    out_description: str | Path,
    out_captions: Sequence[str | Path],
    figures: Sequence[str],
    changes: Sequence[str] = (),
    trend: Sequence[str] = (),
) -> dict:
    """Read every wave's results; write the description and one caption file per template.

    ``tables`` maps each key of :data:`TABLES` to one path per wave (in ``waves`` order);
    ``published`` lists the reproduction tables of the waves that have one; ``changes`` the
    cross-wave table when there are two waves or more, ``trend`` the trend table when there are
    three or more. Caption templates and outputs pair up
    by file name (``figures.rst`` is rendered per figure, :data:`WAVELESS` ones once).
    """
    names = list(waves)
    published_by_wave = {str(_read(p)["wave"].iloc[0]): p for p in published}
    numbers = {}
    for i, wave in enumerate(names):
        # the wave's own weighting settings (its keys over the top level's)
        numbers[wave] = wave_numbers({key: tables[key][i] for key in TABLES}, published_by_wave.get(wave),
                                     (waves[wave] or {}).get("weighting"))
        log.info("wave %s: key numbers read (synthetic: %s)", wave, numbers[wave]["synthetic"])
    changed = change_numbers(changes[0]) if changes else None
    trended = trend_numbers(trend[0]) if trend else None
    templates = {Path(t).name: Path(t) for t in caption_templates}
    for out in out_captions:
        name = Path(out).name
        text = templates[name].read_text(encoding="utf-8")
        if name in WAVELESS:
            write_text(out, render_description(text, numbers, waves, changed, trended))
        else:
            write_text(out, render_caption(text, numbers, figures if name == "figures.rst" else None))
    description = Path(description_template).read_text(encoding="utf-8")
    write_text(out_description, render_description(description, numbers, waves, changed, trended))
    return numbers
