"""The respondents as the latent models see them (:class:`People`): what each row's answers
condition on, and who leaves an item unanswered.

``-99`` (seen but unanswered) comes at low rates that grow towards the end of the survey and
cluster in respondents (a per-respondent propensity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class People:
    """What the latent models condition on, one entry per row."""

    country: np.ndarray
    eligible: np.ndarray
    pooled: np.ndarray  # the calibration base: eligible completes in Canada, the US, Israel
    age: np.ndarray  # true age group 1-5 (also behind a "prefer not to say")
    years: np.ndarray
    setting: np.ndarray
    pp: np.ndarray  # private practice, 0/1
    psy: np.ndarray  # provides psychotherapy, 0/1
    propensity: np.ndarray  # a respondent's tendency to skip items (mean 1)
    nonresponse: dict[str, float]  # the wave's base rate of -99 per item

    @property
    def n(self) -> int:
        return len(self.country)

    def skips(self, rng: np.random.Generator, item: str) -> np.ndarray:
        """Rows that leave ``item`` unanswered (-99): at the item's rate, clustered in people."""
        return rng.random(self.n) < 1.0 - np.exp(-self.nonresponse[item] * self.propensity)
