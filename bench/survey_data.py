"""The seeded 1,000,000-row sample of the survey-statistics benchmark (bench/bench_survey.py).

Shaped like the #socialwork analysis: country strata, gender, age group, experience band,
degree, private practice, psychotherapy, ten categorical items, a binary outcome and a
five-level ordinal outcome, with unequal base weights. Written once to CSV so that Python
and R read exactly the same numbers, with the population margins R and Python rake to.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240601
COUNTRIES = ["Canada", "United States", "Israel", "United Kingdom"]
GENDERS = ["Woman", "Man", "Non-binary"]
AGES = ["Under 30", "30-39", "40-49", "50-59", "60+"]
BANDS = ["Under 5", "5-9", "10-19", "20-29", "30+"]
DEGREES = ["BSW", "MSW", "Doctorate", "Other"]
FREQ = ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"]


def make_sample(rows: int, seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    country = rng.choice(4, rows, p=[0.6, 0.28, 0.09, 0.03])
    gender = rng.choice(3, rows, p=[0.87, 0.12, 0.01])
    age = rng.choice(5, rows, p=[0.08, 0.24, 0.30, 0.25, 0.13])
    band = np.clip(age + rng.integers(-1, 2, rows), 0, 4)
    degree = rng.choice(4, rows, p=[0.2, 0.7, 0.05, 0.05])
    private = (rng.random(rows) < 0.18).astype(int)
    psycho = (rng.random(rows) < 0.5 + 0.3 * private).astype(int)
    eta = -0.6 + 0.25 * age + 0.1 * band + 0.8 * private + 0.5 * psycho - 0.2 * gender
    eta += np.array([0.0, 0.05, -0.2, -0.1])[country] + 0.1 * (degree == 1)
    weekly = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(int)
    latent = eta + rng.logistic(size=rows)
    freq = np.digitize(latent, [-1.0, 0.0, 1.0, 2.0])
    frame = pd.DataFrame(
        {
            "country": np.array(COUNTRIES)[country],
            "gender": np.array(GENDERS)[gender],
            "age_group": np.array(AGES)[age],
            "exp_band": np.array(BANDS)[band],
            "degree": np.array(DEGREES)[degree],
            "private": np.where(private == 1, "Yes", "No"),
            "psychotherapy": np.where(psycho == 1, "Yes", "No"),
            "weekly": weekly,
            "freq": np.array(FREQ)[freq],
            "w": np.round(rng.gamma(4.0, 25.0, rows), 6) + 1.0,
        }
    )
    for i in range(1, 11):
        k = 3 + i % 3
        p = rng.dirichlet(np.ones(k) * 3)
        frame[f"item{i}"] = np.array([f"L{j}" for j in range(1, k + 1)])[rng.choice(k, rows, p=p)]
    return frame


def population_margins(sample: pd.DataFrame, seed: int = SEED) -> dict[str, pd.DataFrame]:
    """Country x gender and country x age-group population totals that differ from the
    sample's weighted margins, on the same grand total per country."""
    rng = np.random.default_rng(seed + 1)
    out = {}
    for var in ("gender", "age_group"):
        cells = sample.groupby(["country", var])["w"].sum()
        shares = cells / cells.groupby(level=0).transform("sum")
        tilt = shares * rng.uniform(0.8, 1.25, len(shares))
        tilt = tilt / tilt.groupby(level=0).transform("sum")
        totals = sample.groupby("country")["w"].sum() * 1.07
        pop = (tilt * totals.reindex(tilt.index.get_level_values(0)).to_numpy()).rename("Freq")
        out[var] = pop.reset_index()
    return out


def write(folder: Path, rows: int) -> tuple[Path, dict[str, Path]]:
    """Write the sample and its margins as CSV (once per size); return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / f"survey_{rows}.csv"
    margins = {v: folder / f"survey_{rows}_pop_{v}.csv" for v in ("gender", "age_group")}
    if not data.exists() or not all(p.exists() for p in margins.values()):
        sample = make_sample(rows)
        for var, table in population_margins(sample).items():
            table.to_csv(margins[var], index=False)
        sample.to_csv(data, index=False)
    return data, margins
