"""Replicate-weight variance of the descriptive tables, computed in chunks of replicates.

When a wave's ``variance`` setting names a replicate method (jackknife, bootstrap, BRR or
Fay, made from the design by :func:`swsurvey.survey.replicates.as_svrepdesign`), the weighted percentages of every table are
re-estimated with each replicate's weights and their variance is R's ``svrVar``
(:func:`swsurvey.survey.replicates.combine`): ``scale * sum_r rscales_r (theta_r - mean)^2``.
The replicates are split into chunks (one Snakemake job each); replicate r's weights depend
only on the design and (for the bootstrap) on the seed and r, so the gathered result has the
same bytes whatever the chunking.

Each replicate needs every cell of every table at once, so the statistic is written for
speed: for each variable, one weighted count of (level x stratum) cells (``np.bincount``),
from which each domain (a country, or a pooled set of countries) is a sum of strata. With
``weighting.variance`` calibrated (the default), each replicate's weights are raked again to
the weighting stage's margins (R's ``rake(as.svrepdesign(design), ...)``; replicate by
replicate, so every chunk gets the same weights); with ``fixed``, the raked weights are held
fixed within the replicates (raking not repeated).

From the variance, each cell gets its SE, a 95% Korn-Graubard interval on the replicate
design's degrees of freedom (R's ``svyciprop(method="beta")`` with ``degf`` of the domain's
rows), and a design effect against the same simple-random-sampling variance the
linearization row uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path, read_stage
from swsurvey.io.logfile import get_logger
from swsurvey.stages.designs import (
    analysis_setting,
    linearization_label,
    replicate_design,
    replicate_label,
    weighted_calibration,
    weighting_columns,
)
from swsurvey.stages.not_asked import not_asked_in_wave
from swsurvey.study.variance_setting import (
    chunk_replicates,
    full_sample_weight,
    planned_replicates,
    replicate_columns,
    replicates_per_chunk,
    sharded,
    supplied,
)
from swsurvey.survey.ciprop import korn_graubard
from swsurvey.survey.replicates import replicate_estimates

log = get_logger("replicates")

#: Key columns of a cell: the same as the estimates file's.
KEYS = ["table", "variable", "level", "domain"]


class CellShares:
    """The statistic: every cell's weighted share, for one vector of weights.

    Built once from the data (each variable's level codes, the strata and the domains); a call
    with weights returns the shares of all cells in :attr:`cells` order.
    """

    def __init__(self, data: pd.DataFrame, tables: Mapping[str, Sequence[str]], *, stratum: str,
                 pooled: Mapping[str, Sequence[str]], not_asked: set[str] | None = None):
        strata = data[stratum]
        self.strata_codes = strata.cat.codes.to_numpy().astype(np.int64)
        names = [str(c) for c in strata.cat.categories]
        present = [i for i, _ in enumerate(names) if (self.strata_codes == i).any()]
        self.domains = {names[i]: [i] for i in present}
        for name, members in pooled.items():
            unknown = sorted(set(members) - set(names))
            if unknown:
                raise InputError("pooled domain names a country not in the data", variable=name, value=unknown[0])
            self.domains[name] = [names.index(m) for m in members]
        self.n_strata = len(names)
        self.variables = []
        cells = []
        for table, variables in tables.items():
            for variable in variables:
                if not_asked and variable in not_asked:
                    continue
                values = data[variable]
                codes = values.cat.codes.to_numpy().astype(np.int64)
                levels = [str(level) for level in values.cat.categories]
                answered = codes >= 0
                index = np.where(answered, codes * self.n_strata + self.strata_codes, 0)
                base = np.bincount(self.strata_codes[answered], minlength=self.n_strata)
                domains = [d for d, members in self.domains.items() if base[members].sum() > 0]
                self.variables.append((index, answered, len(levels), domains))
                cells += [(table, variable, level, domain) for domain in domains for level in levels]
        self.cells = pd.DataFrame(cells, columns=KEYS)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        out = []
        for index, answered, n_levels, domains in self.variables:
            counts = np.bincount(index, weights=np.where(answered, w, 0.0), minlength=n_levels * self.n_strata)
            counts = counts.reshape(n_levels, self.n_strata)
            for domain in domains:
                total = counts[:, self.domains[domain]].sum(axis=1)
                base = total.sum()
                out.append(total / base if base > 0 else np.full(n_levels, np.nan))
        return np.concatenate(out) if out else np.zeros(0)


def _not_asked(data: pd.DataFrame, tables: Mapping[str, Sequence[str]]) -> set[str]:
    return {v for variables in tables.values() for v in variables if not_asked_in_wave(data, v)}


def data_columns(path: str | Path, variance: Mapping) -> list[str]:
    """The columns of a weighted data file the replicate design needs beyond the tables':
    the supplied replicate weights (and full-sample weight); none for other methods."""
    if not supplied(variance):
        return []
    import pyarrow.parquet as pq

    fsw = full_sample_weight(variance)
    names = [n for n in pq.read_schema(path).names if n != "weight"]
    return replicate_columns(names, variance, file=path) + ([fsw] if fsw is not None else [])


def replicate_chunk(
    data: str | Path, out: str | Path, *, chunk: int, tables: Mapping[str, Sequence[str]], stratum: str,
    pooled: Mapping[str, Sequence[str]], variance: Mapping, weighting: Mapping | None = None,
    targets: str | Path | None = None,
) -> np.ndarray:
    """Write the cells' shares in one chunk of replicates (``.npy``, replicates x cells); with
    ``weighting.variance`` calibrated, each replicate raked again to the margins of the
    ``targets`` file (:func:`swsurvey.stages.designs.weighted_calibration`)."""
    wanted = [stratum, "weight"] + [f"{v}{suffix}" for vs in tables.values() for v in vs for suffix in ("", "__missing")]
    wanted = list(dict.fromkeys(wanted + weighting_columns(weighting) + data_columns(data, variance)))
    table, _ = read_stage(data, "weight", "weighting stage", columns=wanted)
    frame = table.to_pandas()
    raking = weighted_calibration(frame, targets, weighting, variance)
    design = replicate_design(frame, weight="weight", stratum=stratum, variance=variance, raking=raking,
                              design=analysis_setting(weighting, stratum))
    if sharded(variance) and design.n_replicates != planned_replicates(variance):
        raise InputError(f"the data hold {design.n_replicates} replicates; the variance setting plans "
                         f"{planned_replicates(variance)}", file=data)
    shares = CellShares(frame, tables, stratum=stratum, pooled=pooled, not_asked=_not_asked(frame, tables))
    reps = chunk_replicates(design.n_replicates, int(chunk), replicates_per_chunk(variance, design.n_replicates))
    estimates = replicate_estimates(design, shares, reps) if len(reps) else np.zeros((0, len(shares.cells)))
    log.info("chunk %s: replicates %d-%d of %d (%s); %d cells", chunk, reps.start, reps.stop - 1,
             design.n_replicates, design.variance, len(shares.cells))
    with atomic_path(out) as tmp, open(tmp, "wb") as handle:
        np.save(handle, estimates.reshape(len(reps), len(shares.cells)), allow_pickle=False)
    return estimates


def _cell_variance(theta: np.ndarray, thetas: np.ndarray, scale: float, rscales: np.ndarray, mse: bool) -> np.ndarray:
    """R's svrVar for each cell on its own (a replicate missing a cell drops out of that cell)."""
    ok = ~np.isnan(thetas)
    weights = np.where(ok, rscales[:, None], 0.0)
    positive = ok & (rscales[:, None] > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = theta if mse else np.where(positive, thetas, 0.0).sum(axis=0) / positive.sum(axis=0)
    dev = np.where(ok, thetas - centre, 0.0)
    return scale * (weights * dev**2).sum(axis=0)


def replicate_variance(
    data: pd.DataFrame, estimates: pd.DataFrame, chunks: Sequence[str | Path], *,
    tables: Mapping[str, Sequence[str]], stratum: str, pooled: Mapping[str, Sequence[str]], variance: Mapping,
    raking=None, design: Mapping | None = None,
) -> pd.DataFrame:
    """The estimates file's weighted rows with SEs, intervals and design effects from the
    gathered replicate chunks (of a design whose replicates are raked again with ``raking``,
    :func:`swsurvey.stages.designs.weighted_calibration`); every row names its variance
    method (``variance`` column); ``design`` is the analysis design setting
    (:func:`swsurvey.stages.designs.analysis_setting`)."""
    setting = design
    design = replicate_design(data, weight="weight", stratum=stratum, variance=variance, raking=raking, design=setting)
    shares = CellShares(data, tables, stratum=stratum, pooled=pooled, not_asked=_not_asked(data, tables))
    thetas = np.vstack([np.load(path, allow_pickle=False) for path in chunks]) if chunks else np.zeros((0, 0))
    if thetas.shape != (design.n_replicates, len(shares.cells)):
        raise InputError(f"the replicate chunks hold {thetas.shape[0]} replicates x {thetas.shape[1]} cells; "
                         f"the design has {design.n_replicates} replicates and the tables {len(shares.cells)} cells",
                         file=chunks[0] if chunks else None)
    theta = shares(design.weights)
    var = _cell_variance(theta, thetas, design.scale, np.asarray(design.rscales, dtype=float), design.mse)
    cells = shares.cells.assign(weighting="weighted", rep_var=var)
    out = estimates.merge(cells, on=KEYS + ["weighting"], how="left", validate="one_to_one")
    weighted = out["weighting"].eq("weighted") & out["rep_var"].notna()
    # The design's degrees of freedom in each domain (R's degf of the domain's rows). R's
    # svyciprop would take the rows answering the item; the rank of the replicate weights is
    # the same whenever those rows outnumber the replicates, and one rank per domain, not per
    # item and domain, keeps a million-row wave fast.
    degf = {domain: design.degf(np.isin(shares.strata_codes, members)) for domain, members in shares.domains.items()}
    df = out["domain"].map(degf).where(weighted)
    p = out["estimate"].to_numpy() / 100
    v = out["rep_var"].to_numpy()
    lo, hi = korn_graubard(p, v, out["base_n"].to_numpy(dtype=float), df.to_numpy())
    linear_var = (out["se"].to_numpy() / 100) ** 2
    out["variance"] = np.where(out["weighting"].eq("weighted"), replicate_label(design),
                               linearization_label(stratum, design=setting))
    out.loc[weighted, "deff"] = (out["deff"] * v / linear_var)[weighted]
    out.loc[weighted, "se"] = 100 * np.sqrt(v[weighted])
    out.loc[weighted, "ci_lower"] = 100 * lo[weighted]
    out.loc[weighted, "ci_upper"] = 100 * hi[weighted]
    out.loc[weighted, "ci_method"] = [f"beta (Korn-Graubard), {int(d)} replicate df" for d in df[weighted]]
    return out.drop(columns="rep_var")
