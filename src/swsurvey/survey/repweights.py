"""Replicate weights: how each replicate's weights are made (R's ``jk1weights``,
``jknweights``, ``brrweights``, ``bootweights``, ``subbootweights``, or columns of the data as
``svrepdesign(repweights=)`` reads them), and the rank of a design's replicate weights (R's
``degf`` of a replicate design).

A converted design's replicate weights are the full-sample weight times a factor per PSU and
replicate (R's compressed ``repweights``), made for a chunk of replicates at a time and never
held all at once (a raked replicate design's, :class:`Raked`, are those weights raked again
replicate by replicate: R's ``rake()`` of a ``svyrep.design``); :mod:`swsurvey.survey.replicates` gives the conventions (Wolter 2007,
ch. 3-5; the table of ``scale`` and ``rscales`` per type) and the design that uses them.

The bootstrap is seeded: replicate r's draws come from the PCG64 stream
``SeedSequence(seed, spawn_key=(r,))`` (numpy's ``SeedSequence.spawn``), so they depend only
on ``(seed, r)`` and any set of replicates can be made apart with identical results.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign
from swsurvey.survey.hadamard import hadamard

__all__ = [
    "CHUNK_ENTRIES",
    "Bootstrap",
    "HalfSamples",
    "Jackknife",
    "PsuFactors",
    "Raked",
    "ReplicateWeights",
    "Supplied",
    "bootstrap",
    "chunks",
    "first_appearance",
    "half_samples",
    "jackknife",
    "matrix_rank",
]

#: Replicate weights made at once: a chunk holds at most this many doubles (128 MB) unless
#: a chunk_size is given; one replicate is the least.
CHUNK_ENTRIES = 2**24
#: Largest PSU-by-replicate matrix whose rank (R's degf) is computed numerically; larger
#: converted designs use the rank the construction gives (see PsuFactors.rank).
RANK_ENTRIES = 2**24
#: A domain with more than this many PSUs per replicate has its rank (R's degf) tried first on
#: a spread of the design's PSUs (see PsuFactors.rank).
PROBE_PER_REPLICATE = 4
#: R's qr(weights(design, "analysis"), tol = 1e-5)$rank in degf.svyrep.design.
RANK_TOL = 1e-5


# -- replicate weights ----------------------------------------------------------------------------


class ReplicateWeights(Protocol):
    """How replicate r's weights are made (one object per replicate design)."""

    n_replicates: int

    def weights(self, replicates: np.ndarray, rows: np.ndarray, pweights: np.ndarray) -> np.ndarray:
        """The analysis weights of ``rows`` in ``replicates``: a (replicates x rows) array."""

    def rank(self, rows: np.ndarray, pweights: np.ndarray) -> int:
        """R's rank of the analysis weights of ``rows`` (all replicates)."""


@dataclass(frozen=True, eq=False)
class PsuFactors:
    """Replicate weights of a converted design: the full-sample weight times a factor per
    PSU and replicate (R's compressed ``repweights``). ``psu`` gives each row's PSU,
    ``psu_stratum`` each PSU's stratum (for BRR its pair); a stratum whose factors are 1 in
    every replicate is ``constant`` (fully sampled, or a lonely PSU left out)."""

    psu: np.ndarray
    psu_stratum: np.ndarray
    constant: np.ndarray
    n_replicates: int

    def factors(self, replicates: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def weights(self, replicates: np.ndarray, rows: np.ndarray, pweights: np.ndarray) -> np.ndarray:
        return self.factors(replicates)[:, self.psu[rows]] * pweights[rows]

    def _probe(self) -> tuple[np.ndarray, np.ndarray]:
        """Every replicate's factors of a spread of PSUs (every k-th, about
        PROBE_PER_REPLICATE x R of them), made once: most domains' rank is settled on them."""
        if not hasattr(self, "_probe_cache"):
            n_psu = len(self.psu_stratum)
            probe = np.arange(0, n_psu, max(1, n_psu // (PROBE_PER_REPLICATE * self.n_replicates)))
            step = max(1, CHUNK_ENTRIES // n_psu)
            blocks = [self.factors(chunk)[:, probe] for chunk in chunks(np.arange(self.n_replicates), step)]
            object.__setattr__(self, "_probe_cache", (probe, np.vstack(blocks)))
        return self._probe_cache

    def _rank(self, psus: np.ndarray) -> int:
        step = max(1, CHUNK_ENTRIES // len(self.psu_stratum))
        blocks = [self.factors(chunk)[:, psus].T for chunk in chunks(np.arange(self.n_replicates), step)]
        return matrix_rank([np.hstack(blocks)] if blocks else [])

    def rank(self, rows: np.ndarray, pweights: np.ndarray) -> int:
        """R's rank of the analysis weights: rows of one PSU are multiples of one vector, so
        the rank is that of the PSU factors of the PSUs with weight in ``rows``. It is computed
        when that matrix has at most :data:`RANK_ENTRIES` entries: first on those of the
        design's spread of PSUs (:meth:`_probe`, made once) that are in ``rows``, whose rank R
        (the number of replicates) settles it (a matrix with R columns and a submatrix of rank
        R), then on all of them. Beyond that it is the rank of the construction: every stratum
        whose PSUs are all present has rows adding up to a constant, so such strata share one
        dimension (rows - (strata - 1)), capped at R."""
        weighted = np.bincount(self.psu[rows[pweights[rows] != 0]], minlength=len(self.psu_stratum)) > 0
        psus = np.flatnonzero(weighted)  # the PSUs with weight in rows, in order
        if len(psus) * self.n_replicates <= RANK_ENTRIES:
            if len(psus) > PROBE_PER_REPLICATE * self.n_replicates:
                probe, factors = self._probe()
                among = np.flatnonzero(weighted[probe])
                if len(among) >= self.n_replicates and matrix_rank([factors[:, among].T]) == self.n_replicates:
                    return self.n_replicates  # a submatrix of full column rank: the matrix's rank is R
            return self._rank(psus)
        per_stratum = np.bincount(self.psu_stratum)
        present = np.bincount(self.psu_stratum[psus], minlength=len(per_stratum))
        constant = self.constant & (present > 0)
        varying_rows = int(present[~self.constant].sum())
        full = int(((present == per_stratum) & (present > 0) & ~self.constant).sum()) + int(constant.any())
        dims = varying_rows + int(constant.any()) - max(full - 1, 0)
        return min(self.n_replicates, dims)


@dataclass(frozen=True, eq=False)
class Jackknife(PsuFactors):
    """JK1 and JKn (R's ``jk1weights``, ``jknweights``): replicate r deletes ``deleted[r]``
    and multiplies the other PSUs of ``stratum[r]`` by ``multiplier[r]``; a lonely-PSU
    replicate (R's lonely.psu="adjust", ``adjust[r]``) zeroes its stratum and multiplies
    every other PSU instead."""

    stratum: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    deleted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    multiplier: np.ndarray = field(default_factory=lambda: np.zeros(0))
    adjust: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def factors(self, replicates: np.ndarray) -> np.ndarray:
        inside = self.psu_stratum[None, :] == self.stratum[replicates][:, None]
        mult = self.multiplier[replicates][:, None]
        adjust = self.adjust[replicates][:, None]
        out = np.where(adjust, np.where(inside, 0.0, mult), np.where(inside, mult, 1.0))
        normal = ~self.adjust[replicates]
        out[np.flatnonzero(normal), self.deleted[replicates][normal]] = 0.0
        return out


@dataclass(frozen=True, eq=False)
class HalfSamples(PsuFactors):
    """BRR and Fay (R's ``brrweights``): in replicate r the pair ``psu_stratum`` of each PSU
    takes Hadamard row ``1 + pair`` column r; the pair's first PSU gets ``2 - rho`` where
    that entry is 1, ``rho`` where it is 0, its second PSU the other."""

    first: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int8))
    rho: float = 0.0

    def factors(self, replicates: np.ndarray) -> np.ndarray:
        entry = self.matrix[1 + self.psu_stratum][:, replicates].T == 1
        return np.where(entry == self.first[None, :], 2.0 - self.rho, self.rho)


@dataclass(frozen=True, eq=False)
class Bootstrap(PsuFactors):
    """R's ``bootweights`` (``draws`` = n_h, ``rescale`` False) and ``subbootweights``
    (``draws`` = n_h - 1, factors times n_h/(n_h-1)) with numpy's seeded streams. With
    ``population`` (N_h per stratum, from the fpc) n_h PSUs are drawn without replacement
    from N_h copies of the stratum's PSUs (R: ``sample(rep(psus, length = N_h), n_h)``)."""

    seed: int = 0
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    size: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    draws: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rescale: bool = False
    copies: np.ndarray | None = None  # per PSU (in ``order``): copies in the population

    def generator(self, replicate: int) -> np.random.Generator:
        """Replicate ``replicate``'s own stream: ``SeedSequence(seed).spawn`` child number
        ``replicate``, made directly."""
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(self.seed, spawn_key=(int(replicate),))))

    def factors(self, replicates: np.ndarray) -> np.ndarray:
        n_psu = len(self.psu_stratum)
        out = np.empty((len(replicates), n_psu))
        of_draw = np.repeat(np.arange(len(self.size)), self.draws)
        n_h = self.size[self.psu_stratum].astype(float)
        for k, r in enumerate(replicates):
            rng = self.generator(r)
            if self.copies is None:
                picks = self.start[of_draw] + rng.integers(0, self.size[of_draw])
                counts = np.bincount(self.order[picks], minlength=n_psu).astype(float)
            else:
                counts = np.zeros(n_psu)
                for h in range(len(self.size)):
                    span = slice(self.start[h], self.start[h] + self.size[h])
                    counts[self.order[span]] = rng.multivariate_hypergeometric(self.copies[span], self.draws[h])
            out[k] = counts * n_h / (n_h - 1.0) if self.rescale else counts
        return out


@dataclass(frozen=True, eq=False)
class Supplied:
    """Replicate weights read from columns of the data (R's ``svrepdesign(repweights=)``):
    analysis weights themselves (``combined``) or factors of the sampling weights."""

    frame: pd.DataFrame
    names: tuple[str, ...]
    combined: bool
    n_replicates: int

    def weights(self, replicates: np.ndarray, rows: np.ndarray, pweights: np.ndarray) -> np.ndarray:
        out = np.empty((len(replicates), len(rows)))
        for k, r in enumerate(replicates):
            out[k] = self.frame[self.names[r]].to_numpy(dtype=float)[rows]
        return out if self.combined else out * pweights[rows]

    def rank(self, rows: np.ndarray, pweights: np.ndarray) -> int:
        if not self.combined:
            rows = rows[pweights[rows] != 0]
        step = max(1, RANK_ENTRIES // max(self.n_replicates, 1))
        blocks = (self.weights(np.arange(self.n_replicates), rows[i : i + step], pweights).T for i in range(0, len(rows), step))
        return matrix_rank(blocks)


@dataclass(frozen=True, eq=False)
class Raked:
    """The replicate weights of a raked replicate design: R's ``rake()`` on a
    ``svyrep.design``, whose ``postStratify.svyrep.design`` adjusts every replicate's weights
    as it adjusts the full-sample weights, each replicate post-stratified to the same
    population totals (``compress=FALSE``: plain arrays here).

    Replicate r's weights are those of ``base`` (the replicate weights before raking, made
    from ``pweights``, the full-sample weights before raking) raked with ``sweeps`` passes
    over the margins, in each pass post-stratified on every margin in turn: margin m's rows
    fall in cells ``codes[m]`` (``len(totals[m])`` for rows in no cell, left as they are)
    with population totals ``totals[m]``. ``sweeps`` is the full-sample raking's number:
    R's ``rake`` sweeps the replicates with the full sample until the full-sample table
    converges, never on their own. A cell with no weight in a replicate (every one of its
    PSUs deleted) stays empty (R divides by zero and gives NaN weights). Each replicate is
    raked on its own with the same operations, so its weights are the same bits whichever
    replicates are made with it (chunk-independent)."""

    base: object
    pweights: np.ndarray
    codes: tuple[np.ndarray, ...]
    totals: tuple[np.ndarray, ...]
    sweeps: int
    n_replicates: int

    def weights(self, replicates: np.ndarray, rows: np.ndarray, pweights: np.ndarray) -> np.ndarray:
        """Replicate weights of ``rows``: raking uses every row, with the stored full-sample
        weights before raking (``pweights``, zero outside a domain, is not needed: the rows
        outside a domain are not returned)."""
        replicates = np.asarray(replicates, dtype=np.int64)
        every = np.arange(len(self.pweights))
        out = np.empty((len(replicates), len(rows)))
        for k, r in enumerate(replicates):
            w = self.base.weights(np.array([r]), every, self.pweights)[0]
            out[k] = self.rake(w)[rows]
        return out

    def rake(self, w: np.ndarray) -> np.ndarray:
        """One replicate's weights raked: ``sweeps`` passes of post-stratification on every
        margin (R's ``postStratify``: each cell's weights times its total over their sum)."""
        for _ in range(self.sweeps):
            for codes, totals in zip(self.codes, self.totals):
                n_cells = len(totals)
                sums = np.bincount(codes, weights=w, minlength=n_cells + 1)[:n_cells]
                ratio = np.append(np.divide(totals, sums, out=np.ones_like(sums), where=sums > 0), 1.0)
                w = w * ratio[codes]
        return w

    def rank(self, rows: np.ndarray, pweights: np.ndarray) -> int:
        """R's rank of the raked replicate weights of ``rows`` with weight (``degf`` after
        ``rake``, which R recomputes: raking changes it). Computed on the weights themselves
        when the matrix has at most :data:`RANK_ENTRIES` entries; beyond that, the rank of the
        weights before raking (``base``), an approximation."""
        rows = rows[pweights[rows] != 0]
        if len(rows) * self.n_replicates > RANK_ENTRIES:
            return int(self.base.rank(rows, self.pweights))
        step = max(1, CHUNK_ENTRIES // max(len(self.pweights), 1))
        blocks = [self.weights(chunk, rows, self.pweights) for chunk in chunks(np.arange(self.n_replicates), step)]
        return matrix_rank([np.vstack(blocks).T] if blocks else [])


def matrix_rank(blocks: Iterable[np.ndarray], tol: float = RANK_TOL) -> int:
    """R's ``qr(x, tol)$rank`` of the matrix stacked from row ``blocks``, never holding it:
    the triangular factor is accumulated block by block (TSQR), then LINPACK's ``dqrdc2``
    column elimination is run on it (a column whose norm, after projecting out the columns
    kept before it, is below ``tol`` times its original norm is set aside)."""
    r = None
    for block in blocks:
        r = np.linalg.qr(block if r is None else np.vstack([r, block]), mode="r")
    if r is None:
        return 0
    x = np.array(r, dtype=float)
    n, p = x.shape
    reference = np.linalg.norm(x, axis=0)
    reference[reference == 0] = 1.0
    keep = p
    col = 0
    while col < min(n, keep):
        if np.linalg.norm(x[col:, col]) < tol * reference[col]:  # dqrdc2: move it to the end
            order = np.r_[np.arange(col), np.arange(col + 1, p), col]
            x, reference = x[:, order], reference[order]
            keep -= 1
            continue
        v = x[col:, col].copy()
        v[0] += math.copysign(np.linalg.norm(v), v[0] if v[0] != 0 else 1.0)
        v /= np.linalg.norm(v)
        x[col:, col:] -= 2.0 * np.outer(v, v @ x[col:, col:])
        col += 1
    return min(keep, n)


def chunks(replicates: np.ndarray, size: int) -> Iterable[np.ndarray]:
    for start in range(0, len(replicates), max(int(size), 1)):
        yield replicates[start : start + size]


# -- conversions of a design (R's jk1weights, jknweights, brrweights, bootweights, subbootweights) ---


def first_appearance(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Codes in order of their first row (R's ``unique``)."""
    first = np.full(n_codes, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return np.argsort(first, kind="stable")


def _psu_strata(design: SurveyDesign) -> np.ndarray:
    out = np.empty(design.n_psu, dtype=np.int64)
    out[design.psu] = design.strata
    return out


def _stratum_labels(design: SurveyDesign) -> list[str]:
    """Each stratum code's label as R's ``as.character`` writes it."""
    column = design.columns.get("strata")
    if not column:
        return ["1"] * design.n_strata
    _, uniques = pd.factorize(design.data[column], sort=True)
    out = []
    for value in uniques:
        if isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        out.append(str(value))
    return out


def _fraction(design: SurveyDesign) -> np.ndarray:
    out = np.zeros(design.n_strata)
    out[design.strata] = design.fpc
    return out


def jackknife(design: SurveyDesign, type_: str) -> tuple[Jackknife, float, np.ndarray, str]:
    stratified = design.columns.get("strata") is not None
    if type_ == "JK1" and stratified:
        raise InputError("JK1 is for unstratified designs (R: can't use JK1 for a stratified design); use JKn", value=type_)
    if type_ == "JKn" and not stratified:
        raise InputError("JKn needs strata (R: must use JK1 or bootstrap for an unstratified design)", value=type_)
    psu_stratum = _psu_strata(design)
    n_h = np.bincount(psu_stratum, minlength=design.n_strata)
    f_h = _fraction(design)
    order = first_appearance(design.psu, design.n_psu)
    stratum_order = first_appearance(design.strata, design.n_strata)
    n_strata = design.n_strata
    reps: list[tuple[int, int, float, bool, float]] = []  # stratum, deleted, multiplier, adjust, rscale
    constant = np.zeros(n_strata, dtype=bool)
    labels = _stratum_labels(design)
    for h in stratum_order:
        n = int(n_h[h])
        if f_h[h] >= 1.0:  # exhaustively sampled: no replicates (R's survey.drop.replicates)
            constant[h] = True
            continue
        if n == 1 and type_ == "JK1":
            raise InputError("JK1 needs at least two PSUs", value=n)
        if n == 1:
            rule = design.lonely_psu
            if rule == "fail":
                raise InputError(
                    "a stratum has only one PSU (choose lonely_psu='remove', 'certainty', 'average' "
                    "or 'adjust' in svydesign, as R's options(survey.lonely.psu=))",
                    variable=design.columns.get("strata"),
                    value=labels[h],
                )
            if rule == "adjust":
                psu = int(np.flatnonzero(psu_stratum == h)[0])
                reps.append((int(h), psu, n_strata / (n_strata - 1.0), True, (n_strata - 1.0) / n_strata))
            else:
                constant[h] = True
            continue
        for psu in order[psu_stratum[order] == h]:
            reps.append((int(h), int(psu), n / (n - 1.0), False, (1.0 - f_h[h]) * (n - 1.0) / n))
    if not reps and type_ == "JKn":
        raise InputError("every stratum was sampled exhaustively: the design has the whole population")
    scale = 1.0
    if type_ == "JK1":
        n = design.n_psu
        scale = (1.0 - f_h[0]) * (n - 1.0) / n
    elif design.lonely_psu == "average" and len(reps) < design.n_psu:
        scale = design.n_psu / len(reps)
    stratum, deleted, multiplier, adjust, rscales = (np.array(v) for v in zip(*reps)) if reps else (
        np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0))
    if type_ == "JK1":
        rscales = np.ones(len(reps))
    weights = Jackknife(
        psu=design.psu, psu_stratum=psu_stratum, constant=constant, n_replicates=len(reps),
        stratum=stratum.astype(np.int64), deleted=deleted.astype(np.int64), multiplier=multiplier.astype(float),
        adjust=adjust.astype(bool),
    )
    return weights, scale, rscales.astype(float), f"{type_} jackknife"


def half_samples(design: SurveyDesign, rho: float) -> tuple[HalfSamples, float, np.ndarray, str]:
    if design.columns.get("strata") is None:
        raise InputError("BRR and Fay need strata of two PSUs (R: must use JK1 or bootstrap for an unstratified design)")
    if not 0.0 <= rho < 1.0:
        raise InputError("fay_rho must be at least 0 and below 1", value=rho)
    psu_stratum = _psu_strata(design)
    n_h = np.bincount(psu_stratum, minlength=design.n_strata)
    labels = _stratum_labels(design)
    bad = np.flatnonzero(n_h != 2)
    if len(bad):
        raise InputError(
            "BRR and Fay need exactly two PSUs in every stratum (R's brrweights)",
            variable=design.columns.get("strata"),
            value={labels[h]: int(n_h[h]) for h in bad[:5]},
        )
    if design.fpc.any():
        warnings.warn("the finite population correction is dropped in the conversion (as R's as.svrepdesign)", stacklevel=3)
    # R's brrweights: pairs numbered in the sorted order of as.character(strata), PSUs of a
    # pair in order of their first row
    rank = np.empty(design.n_strata, dtype=np.int64)
    rank[np.argsort(np.array(labels), kind="stable")] = np.arange(design.n_strata)
    pair = rank[psu_stratum]
    order = first_appearance(design.psu, design.n_psu)
    first = np.zeros(design.n_psu, dtype=bool)
    seen = np.zeros(design.n_strata, dtype=bool)
    for psu in order:
        if not seen[pair[psu]]:
            first[psu] = seen[pair[psu]] = True
    matrix = hadamard(design.n_strata)
    n_rep = matrix.shape[1]
    weights = HalfSamples(
        psu=design.psu, psu_stratum=pair, constant=np.zeros(design.n_strata, dtype=bool), n_replicates=n_rep,
        first=first, matrix=matrix, rho=float(rho),
    )
    method = "BRR (balanced repeated replication)" if rho == 0 else f"Fay's BRR, rho = {rho:g}"
    return weights, 1.0 / (n_rep * (1.0 - rho) ** 2), np.ones(n_rep), method


def bootstrap(design: SurveyDesign, type_: str, replicates: int, seed: int) -> tuple[Bootstrap, float, np.ndarray, str]:
    if replicates < 2:
        raise InputError("a bootstrap needs at least two replicates", value=replicates)
    psu_stratum = _psu_strata(design)
    n_h = np.bincount(psu_stratum, minlength=design.n_strata)
    order = np.argsort(psu_stratum, kind="stable")
    start = np.concatenate([[0], np.cumsum(n_h)[:-1]]).astype(np.int64)
    f_h = _fraction(design)
    copies = None
    constant = (n_h == 1) | (f_h >= 1.0)
    if type_ == "subbootstrap":
        if (n_h < 2).any():
            h = int(np.flatnonzero(n_h < 2)[0])
            raise InputError("the Rao-Wu bootstrap draws n_h - 1 PSUs: a stratum has only one",
                             variable=design.columns.get("strata"), value=_stratum_labels(design)[h])
        if design.fpc.any():
            warnings.warn("the finite population correction is dropped (as R's subbootweights)", stacklevel=3)
        draws, method = n_h - 1, "bootstrap (Rao-Wu rescaled: n_h - 1 PSUs drawn with replacement)"
        scale = 1.0 / (replicates - 1)
    else:
        draws = n_h
        harmonic = 1.0 / np.mean(1.0 / n_h)
        if harmonic == 1.0:
            raise InputError("a bootstrap needs a stratum with at least two PSUs")
        scale = harmonic / ((harmonic - 1.0) * (replicates - 1))
        method = "bootstrap (R's bootweights: n_h PSUs drawn with replacement)"
        if design.fpc.any():  # R: sample(rep(psus, length = N_h), n_h), psus in a random order
            population = np.floor(np.round(n_h / np.where(f_h > 0, f_h, 1.0), 9)).astype(np.int64)
            population = np.where(f_h > 0, population, n_h * 10**9)
            shuffle = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
            copies = np.empty(design.n_psu, dtype=np.int64)
            for h in range(design.n_strata):
                q, extra = divmod(int(population[h]), int(n_h[h]))
                per = np.full(n_h[h], q)
                per[shuffle.permutation(n_h[h])[:extra]] += 1
                copies[start[h] : start[h] + n_h[h]] = per
            method = "bootstrap (R's bootweights: n_h PSUs drawn without replacement from N_h)"
    weights = Bootstrap(
        psu=design.psu, psu_stratum=psu_stratum, constant=constant, n_replicates=int(replicates),
        seed=int(seed), order=order, start=start, size=n_h.astype(np.int64), draws=np.asarray(draws, dtype=np.int64),
        rescale=type_ == "subbootstrap", copies=copies,
    )
    return weights, float(scale), np.ones(replicates), f"{method}, seed {seed}"
