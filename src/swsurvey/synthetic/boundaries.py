"""Section 4 of the questionnaire: boundaries (Q17-Q20): friend requests, searching online
for clients and why, and whether searching is appropriate (``98``, don't know, on Q20)."""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.calibration import (
    APPROPRIATE,
    FRIEND_REQUEST,
    REASON_ASSESSMENT,
    REASON_CURIOSITY,
    SEARCHED,
    ordinal,
    share_cut,
)
from swsurvey.synthetic.draws import pick, scaled
from swsurvey.synthetic.people import People

_DONT_KNOW_Q20 = 0.026


def boundary_answers(
    rng: np.random.Generator, p: People, nr: dict[str, np.ndarray], user: np.ndarray, social: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Section 4: Q17 friend requests, Q18 searching, Q19 reasons (ticks), Q20 appropriateness."""
    n = p.n
    out = {}
    # Friend requests follow social-media contact with clients; the young get more.
    lat = 1.2 * social + 0.3 * user - 0.15 * (p.age - 2) + rng.logistic(size=n)
    out["Q17"] = np.where(lat > share_cut(lat, p.pooled & ~nr["Q17"], FRIEND_REQUEST), 1.0, 2.0)
    lat = 0.4 * user + 0.5 * (p.setting == 4) + 0.1 * (p.age <= 2) + rng.logistic(size=n)
    searched = lat > share_cut(lat, p.pooled & ~nr["Q18"], SEARCHED)
    out["Q18"] = np.where(searched, 1.0, 2.0)

    # Q19 shares are of everyone who searched (the published base) but only answerers tick.
    searchers = p.pooled & searched & ~nr["Q18"]
    answered = searchers & ~nr["Q19"]
    reasons = np.zeros((n, 4), bool)
    lat = 0.6 * np.isin(p.setting, (2, 4, 6)) + rng.logistic(size=n)
    reasons[:, 0] = lat > share_cut(lat, answered, REASON_ASSESSMENT, base=int(searchers.sum()))
    lat = -0.2 * (p.age - 2) + rng.logistic(size=n)
    reasons[:, 1] = lat > share_cut(lat, answered, REASON_CURIOSITY, base=int(searchers.sum()))
    reasons[:, 2] = rng.random(n) < np.where(p.setting == 4, 0.55, 0.30)
    reasons[:, 3] = rng.random(n) < 0.05
    reasons[~reasons.any(axis=1), 2] = True

    # Q20: searchers find searching more appropriate; "don't know" and -99 are off the base.
    n_dont_know = scaled(int(p.eligible.sum()) * _DONT_KNOW_Q20, 1.0, 2)
    dont_know = pick(rng, p.eligible & ~nr["Q20"], n_dont_know) | (~p.eligible & (rng.random(n) < _DONT_KNOW_Q20))
    lat = 1.0 * searched + 0.2 * user + rng.logistic(size=n)
    appropriate = ordinal(lat, p.pooled & ~nr["Q20"] & ~dont_know, APPROPRIATE[::-1])
    out["Q20"] = np.where(dont_know, 98.0, 4.0 - appropriate)  # the lowest latent is "Never" (3)
    return out, reasons
