"""Section 3 of the questionnaire: informal ICT use with clients (Q11-Q16)."""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.calibration import INITIATED_BY_BOTH, ordinal, share_cut
from swsurvey.synthetic.design import Design
from swsurvey.synthetic.draws import categories, sigmoid
from swsurvey.synthetic.people import People

#: Q13 purposes ticked (base rates among users, before their ICT intensity).
_PURPOSES = (0.82, 0.55, 0.48, 0.18, 0.12, 0.05)


def ict_use_answers(
    rng: np.random.Generator, design: Design, p: People, nr: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Section 3: Q11 any use, Q12 channel frequencies, Q13 purposes (ticks), Q14-Q16.

    Also returns each row's ICT intensity index and whether they use social media with
    clients, which later sections condition on.
    """
    n, country = p.n, p.country
    # Q11 is cut per country (Israel lower), so country rates are exact as well as the pool.
    age_use = np.array([-0.55, 0.0, 0.1, 0.2, 0.3])[p.age - 1]
    eta = age_use + 0.015 * (p.years - 15) + 0.9 * p.pp + 0.45 * p.psy + rng.logistic(size=n)
    user = np.zeros(n, bool)
    for code, target in design.any_use.items():
        here = country == code
        user[here] = eta[here] > share_cut(eta, p.eligible & here, target)
    # Other-country respondents never get this far; Canada's cut keeps their answers plausible.
    other = country == 5
    user[other] = eta[other] > share_cut(eta, p.eligible & (country == 1), design.any_use[1])
    cols = {"Q11": np.where(user, 1.0, 2.0)}

    # Q12: one intensity index drives every channel; the young use ICT less often.
    intensity = np.array([-0.4, 0.0, 0.1, 0.2, 0.3])[p.age - 1] + 0.3 * p.pp + 0.3 * p.psy + rng.normal(size=n)
    frequency, shift = design.frequency, design.channel_shift_israel
    skipped = np.column_stack([p.skips(rng, "Q12") for _ in frequency])
    z = np.column_stack(
        [intensity + np.where(country == 3, shift[k], 0.0) + rng.normal(0, 0.9, n) for k in frequency]
    )
    freq = np.column_stack(
        [ordinal(z[:, j], p.pooled & user & ~skipped[:, j], s) for j, s in enumerate(frequency.values())]
    )
    # A user who answered every channel "Never" contradicts Q11; lift their likeliest channel.
    all_never = (np.where(skipped, 1.0, freq) == 1).all(axis=1) & ~skipped.all(axis=1)
    lift = np.argmax(np.where(skipped, -np.inf, z), axis=1)
    freq[all_never, lift[all_never]] = 2.0
    for j, item in enumerate(frequency):
        cols[item] = np.where(skipped[:, j], -99.0, freq[:, j])

    logit = np.log(np.array(_PURPOSES) / (1 - np.array(_PURPOSES)))
    purposes = rng.random((n, len(_PURPOSES))) < sigmoid(logit[None, :] + 0.5 * intensity[:, None])
    purposes[~purposes.any(axis=1), 0] = True  # whoever answers ticks something

    base = p.pooled & user
    lat = 0.5 * intensity + 0.3 * p.pp + rng.logistic(size=n)
    both = lat > share_cut(lat, base & ~nr["Q14"], INITIATED_BY_BOTH)
    cols["Q14"] = np.where(both, 3.0, np.where(rng.random(n) < 0.6, 1.0, 2.0))  # else mostly the client
    texting_weekly = (freq[:, 1] >= 4).astype(float)
    lat = 0.6 * intensity + 0.6 * p.pp + 0.3 * texting_weekly + rng.logistic(size=n)
    cols["Q15"] = np.where(lat > share_cut(lat, base & ~nr["Q15"], design.outside_hours), 1.0, 2.0)
    accounts = np.where(p.pp[:, None] == 1, [0.25, 0.35, 0.40], [0.45, 0.15, 0.40])
    cols["Q16"] = 1.0 + categories(rng, accounts)
    return cols, {"Q13": purposes}, intensity, (freq[:, 2] >= 2) & user
