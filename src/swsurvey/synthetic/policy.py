"""Section 5 of the questionnaire: workplace policy, supervision and consultation, training
(Q21-Q24)."""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.calibration import NO_TALK, share_cut
from swsurvey.synthetic.draws import by_code, categories, sigmoid
from swsurvey.synthetic.people import People

#: Q21 policy (yes, no, don't know, n/a) outside private practice; Israel mostly "no".
_POLICY = {
    1: (0.36, 0.30, 0.28, 0.06),
    2: (0.40, 0.27, 0.27, 0.06),
    3: (0.20, 0.62, 0.15, 0.03),
    4: (0.48, 0.22, 0.27, 0.03),
}
_POLICY_PRIVATE = (0.05, 0.10, 0.05, 0.80)


def policy_answers(
    rng: np.random.Generator, p: People, nr: dict[str, np.ndarray], user: np.ndarray, intensity: np.ndarray
) -> dict[str, np.ndarray]:
    """Section 5: Q21 policy, Q22/Q23 talking with a supervisor or peers, Q24 training."""
    n = p.n
    probs = by_code({c: _POLICY.get(c, _POLICY[1]) for c in np.unique(p.country).tolist()}, p.country)
    probs[p.pp == 1] = _POLICY_PRIVATE
    policy = 1.0 + categories(rng, probs)
    has_policy = policy == 1
    # Silence about ICT use is likelier where there is no policy (Sewell et al.) and in
    # private practice, where most have no supervisor.
    has_supervisor = rng.random(n) >= np.where(p.pp == 1, 0.65, 0.05)
    lat = 0.9 * ~has_policy + 0.9 * ~user - 0.3 * intensity + 0.2 * p.pp + rng.logistic(size=n)
    silent = lat > share_cut(lat, p.pooled & ~nr["Q22"] & ~nr["Q23"], NO_TALK)
    talked = categories(rng, np.tile([0.45, 0.25, 0.30], (n, 1)))  # both / supervisor only / peers only
    q22 = np.where(has_supervisor, np.where(talked == 2, 2.0, 1.0), 3.0)
    q23 = np.where(has_supervisor, np.where(talked == 1, 2.0, 1.0), 1.0)
    return {
        "Q21": policy,
        "Q22": np.where(silent, np.where(has_supervisor, 2.0, 3.0), q22),
        "Q23": np.where(silent, 2.0, q23),
        "Q24": np.where(rng.random(n) < sigmoid(-1.4 + 1.1 * has_policy + 0.2 * user), 1.0, 2.0),
    }
