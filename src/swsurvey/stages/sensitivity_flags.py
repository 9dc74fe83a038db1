"""Which headline conclusions move under another weighting scheme: the flag logic of the
weighting sensitivity panel (:mod:`swsurvey.stages.sensitivity`), pure over its long table.

A row of another scheme is compared with the main scheme's row of the same result (same
``kind``, ``item``, ``level`` and ``domain``):

* a percentage (``kind`` "estimate") moves when the scheme's estimate lies outside the main
  scheme's 95% interval (strictly: an estimate on the bound stays). Cells with a small base
  (either scheme's), or with no estimate, are never flagged;
* a test (a country test, ``kind`` "country_test", or a model term's Wald test, "model_term")
  moves when it is significant at :data:`ALPHA` under one scheme and not under the other
  (``p`` < ALPHA; the p the row gives: Holm-adjusted for the country tests, as the study
  reports them). A missing p on either side is never flagged.

Every flag says why, in words that name both numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The main scheme's name in the panel's tables (the pipeline's own weights).
MAIN = "main"
#: The level of the significance tests whose change is flagged.
ALPHA = 0.05
#: The columns that name one result; a scheme's row and the main scheme's share them.
KEY = ("kind", "item", "level", "domain")
#: The kinds of row that are tests (flagged on significance), and the kind that is a percentage.
TESTS = ("country_test", "model_term")
ESTIMATE = "estimate"


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def estimate_moved(estimate: float, main_lower: float, main_upper: float) -> bool:
    """Whether ``estimate`` lies outside the main scheme's interval [lower, upper]."""
    if any(pd.isna(x) for x in (estimate, main_lower, main_upper)):
        return False
    return bool(estimate < main_lower or estimate > main_upper)


def significance_changed(p: float, main_p: float, alpha: float = ALPHA) -> bool:
    """Whether one p is below ``alpha`` and the other not."""
    if pd.isna(p) or pd.isna(main_p):
        return False
    return bool((p < alpha) != (main_p < alpha))


def flag_moves(results: pd.DataFrame, main: str, main_label: str, alpha: float = ALPHA) -> pd.DataFrame:
    """``results`` with ``moved`` (bool) and ``why`` (text) for every row: the rows of scheme
    ``main`` (named ``main_label`` in the reasons, e.g. "main weighting") are never flagged, the
    others as the module says.

    ``results`` needs the :data:`KEY` columns, ``scheme``, ``estimate``, ``ci_lower``,
    ``ci_upper``, ``p`` and ``small_base``."""
    key = list(KEY)
    reference = results[results["scheme"] == main].set_index(key)
    moved, why = [], []
    for row in results.itertuples(index=False):
        flag, reason = False, ""
        at = (row.kind, row.item, row.level, row.domain)
        if row.scheme != main and at in reference.index:
            ref = reference.loc[at]
            if row.kind == ESTIMATE and not (bool(row.small_base) or bool(ref["small_base"])):
                flag = estimate_moved(row.estimate, ref["ci_lower"], ref["ci_upper"])
                if flag:
                    reason = (f"{row.estimate:.1f}% is outside the {main_label}'s 95% CI "
                              f"({ref['ci_lower']:.1f}–{ref['ci_upper']:.1f}%, estimate {ref['estimate']:.1f}%)")
            elif row.kind in TESTS:
                flag = significance_changed(row.p, ref["p"], alpha)
                if flag:
                    now = "significant" if row.p < alpha else "not significant"
                    before = "significant" if ref["p"] < alpha else "not significant"
                    reason = (f"{now} at {alpha:.0%} ({_p_text(row.p)}); {before} under the {main_label} "
                              f"({_p_text(ref['p'])})")
        moved.append(flag)
        why.append(reason)
    return results.assign(moved=np.array(moved, dtype=bool), why=why)


def moved_sentence(results: pd.DataFrame) -> str:
    """One sentence naming every result whose conclusion moves, under which scheme, and why."""
    moved = results[results["moved"].astype(str).eq("True")]
    if moved.empty:
        return ("No headline result moves: every other scheme's estimate lies within the main weighting's 95% "
                "interval, and no country test or model term changes significance at 5%.")
    parts = []
    for label, group in moved.groupby("scheme_label", sort=False):
        what = []
        for r in group.itertuples(index=False):
            if r.kind == ESTIMATE:
                what.append(f"{r.item_label} ({r.level}) in {r.domain}: {r.why}")
            elif r.kind == "country_test":
                what.append(f"the country test of {r.item_label}: {r.why}")
            else:
                what.append(f"the term {r.level} of model {r.item}: {r.why}")
        parts.append(f"under {label}: {'; '.join(what)}")
    verb = "results move" if len(moved) > 1 else "result moves"
    return f"{len(moved)} headline {verb} — " + " | ".join(parts) + "."
