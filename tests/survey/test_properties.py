"""Properties every design-based estimator must have, on random stratified cluster samples.

* estimates and SEs do not depend on the order of the rows;
* scaling every weight by c > 0 leaves means, proportions and their SEs unchanged and
  multiplies totals and their SEs by c;
* the mean of a constant has SE exactly zero (in the whole sample and in a domain);
* a domain estimate is the estimate with zero weights outside the domain (subset versus
  zeroing the weights by hand), and is svyby's cell for that domain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swsurvey.survey import svyby, svyciprop, svydesign, svymean, svytotal

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
REL = 1e-9


@st.composite
def samples(draw) -> pd.DataFrame:
    """2-3 strata, 2-4 PSUs each, 1-4 rows per PSU; positive weights; a numeric and a
    categorical variable and a domain variable."""
    rows = []
    n_strata = draw(st.integers(1, 3))
    psu_id = 0
    for h in range(n_strata):
        for _ in range(draw(st.integers(2, 4))):
            psu_id += 1
            for _ in range(draw(st.integers(1, 4))):
                rows.append((f"s{h}", psu_id))
    n = len(rows)
    floats = st.floats(0.1, 50.0, allow_nan=False, allow_infinity=False)
    weights = draw(st.lists(floats, min_size=n, max_size=n))
    y = draw(st.lists(st.floats(-100.0, 100.0, allow_nan=False), min_size=n, max_size=n))
    cat = draw(st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n))
    dom = draw(st.lists(st.booleans(), min_size=n, max_size=n).filter(any))
    return pd.DataFrame(
        {
            "h": [r[0] for r in rows],
            "psu": [r[1] for r in rows],
            "w": weights,
            "y": y,
            "cat": pd.Categorical(cat, categories=["x", "y", "z"]),
            "dom": dom,
        }
    )


def _design(data: pd.DataFrame, weights: str = "w"):
    return svydesign(data, weights=weights, strata="h", ids="psu")


def _close(a, b, rel=REL, scale=None):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    atol = 1e-12 * (scale if scale is not None else max(1.0, float(np.max(np.abs(b)))))
    np.testing.assert_allclose(a, b, rtol=rel, atol=atol)


def _summary(design):
    m = svymean(design, ["y", "cat"])
    t = svytotal(design, ["y", "cat"])
    return m.estimates, m.se, t.estimates, t.se


@SETTINGS
@given(data=samples(), seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(data, seed):
    order = np.random.default_rng(seed).permutation(len(data))
    before = _summary(_design(data))
    after = _summary(_design(data.iloc[order]))
    for a, b in zip(after, before, strict=True):
        _close(a, b)
    is_x = data["cat"].eq("x")
    if is_x.any() and not is_x.all():
        p1 = svyciprop(_design(data), "cat", value="x", method="logit")
        p2 = svyciprop(_design(data.iloc[order]), "cat", value="x", method="logit")
        _close([p2.estimate, p2.se, p2.ci_lower, p2.ci_upper], [p1.estimate, p1.se, p1.ci_lower, p1.ci_upper], rel=1e-7)


@SETTINGS
@given(data=samples(), c=st.floats(0.01, 1000.0))
def test_scaling_weights(data, c):
    m0, se0, t0, tse0 = _summary(_design(data))
    m1, se1, t1, tse1 = _summary(_design(data.assign(w=data["w"] * c)))
    _close(m1, m0)
    _close(se1, se0, scale=max(1.0, float(np.max(se0))))
    _close(t1, t0 * c, scale=c * max(1.0, float(np.max(np.abs(t0)))))
    _close(tse1, tse0 * c, scale=c * max(1.0, float(np.max(tse0))))


@SETTINGS
@given(data=samples(), value=st.floats(-1e6, 1e6, allow_nan=False))
def test_constant_has_zero_se(data, value):
    d = _design(data.assign(k=value))
    m = svymean(d, "k")
    assert m.estimates[0] == value and m.se[0] == 0.0
    dom = d.subset(data["dom"].to_numpy())
    md = svymean(dom, "k")
    assert md.estimates[0] == value and md.se[0] == 0.0


@SETTINGS
@given(data=samples())
def test_domain_is_zero_weights_outside_and_svyby_cell(data):
    d = _design(data)
    mask = data["dom"].to_numpy()
    by_subset = svymean(d.subset(mask), ["y", "cat"])
    zeroed = d.with_weights(np.where(mask, d.weights, 0.0))
    by_zero = svymean(zeroed, ["y", "cat"])
    _close(by_subset.estimates, by_zero.estimates)
    _close(by_subset.vcov, by_zero.vcov, scale=max(1.0, float(np.max(np.abs(by_zero.vcov)))))
    assert by_subset.df == by_zero.df
    cells = svyby(d, ["y", "cat"], "dom", svymean)
    cell = cells.results[list(cells.table["dom"]).index(True)]
    np.testing.assert_array_equal(cell.estimates, by_subset.estimates)
    np.testing.assert_array_equal(cell.vcov, by_subset.vcov)
    t_subset = svytotal(d.subset(mask), "y")
    t_zero = svytotal(zeroed, "y")
    _close(t_subset.estimates, t_zero.estimates, scale=max(1.0, float(np.max(np.abs(t_zero.estimates)))))
    _close(t_subset.se, t_zero.se, scale=max(1.0, float(t_zero.se[0])))
