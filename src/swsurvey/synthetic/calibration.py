"""Calibration to the published figures: the shares the latent cuts hit, and the cuts.

Outcomes are latent-index models: a linear index in the covariates (age group, years of
practice, private practice, psychotherapy, setting, earlier answers) plus logistic or normal
noise, cut at a threshold. The threshold is the intercept, solved on the drawn latent values
of the calibration base (pooled Canada + US + Israel eligible completes who answered) so that
the realised share equals the published one to the nearest respondent. Solving on the realised
values rather than on the expected probability removes binomial noise (about 1.2 points on a
base of 1,464), so every published figure holds for any seed and any scale, not only for the
stored one. The covariate effects give the published directions: under-30s use informal ICT
less, older and more experienced practitioners, private practice and psychotherapy more.

The shares are those of ``workflow/published/socialwork_2017.yaml`` (the pooled figures, as
fractions; tests/synthetic/test_calibration.py checks the two agree) and, where the published
figures leave a choice, the generator's own (per-country rates of any use, the split of Q20).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Published figures (Mishna et al.; SSWR 2019 and 2021 abstracts) that the latent cuts hit.
#: Q11 by country (Canada, US, Israel, UK): Israel 74%, the pooled CA+US+IL share 78%.
ANY_USE = {1: 0.785, 2: 0.782, 3: 0.740, 4: 0.770}
OUTSIDE_HOURS = 0.64
INITIATED_BY_BOTH = 0.67
NO_TALK = 0.41
FRIEND_REQUEST = 0.48
SEARCHED = 0.36
REASON_ASSESSMENT = 0.60
REASON_CURIOSITY = 0.27
#: Q20 among answers 1-3 (always, sometimes, never): published 67% and 34% round to 101.
APPROPRIATE = (0.080, 0.585, 0.335)


def _cut(latent: np.ndarray, pool: np.ndarray, k: int) -> float:
    """The threshold with exactly k of ``latent[pool]`` above it: the solved intercept."""
    values = np.sort(latent[pool])[::-1]
    if len(values) == 0:
        return 0.0
    if k <= 0:
        return values[0] + 1.0
    if k >= len(values):
        return values[-1] - 1.0
    return (values[k - 1] + values[k]) / 2.0


def share_cut(latent: np.ndarray, pool: np.ndarray, share: float, base: int | None = None) -> float:
    """The threshold that puts ``share`` of a base (default: the pool) above it."""
    n = int(pool.sum()) if base is None else base
    return _cut(latent, pool, int(np.floor(share * n + 0.5)))


def ordinal(latent: np.ndarray, pool: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """Codes 1..K cutting latent so that the pool falls into the categories in these shares."""
    n = int(pool.sum())
    upper = np.cumsum(shares[::-1])[:-1]  # shares above each cut, from the top category down
    cuts = [_cut(latent, pool, int(np.floor(s * n + 0.5))) for s in upper]
    return 1.0 + sum((latent > c).astype(float) for c in cuts)
