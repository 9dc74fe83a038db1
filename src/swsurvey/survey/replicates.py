"""Replicate-weight variance: R's ``svrepdesign`` and ``as.svrepdesign`` (survey package).

A replicate design carries, besides the full-sample weights, ``R`` sets of replicate
weights. Every statistic is computed once with the full-sample weights (``theta``) and once
per replicate (``theta_r``); its variance is R's ``svrVar``

    V = scale * sum_r rscales_r (theta_r - centre)(theta_r - centre)'

with ``centre`` the mean of the replicates whose ``rscales_r > 0`` (or ``theta`` itself
when ``mse=True``). Wolter (2007, "Introduction to Variance Estimation", ch. 3-5) gives the
methods; the conversions follow R's ``jk1weights``, ``jknweights``, ``brrweights``,
``bootweights`` and ``subbootweights`` exactly (their ``scale`` and ``rscales``):

=================  =================================================  =====================
type               replicate r                                        scale, rscales
=================  =================================================  =====================
``JK1``            PSU r deleted, the others times n/(n-1)            (1-f)(n-1)/n, 1
``JKn``            PSU r of stratum h deleted, the rest of h times    1, (1-f_h)(n_h-1)/n_h
                   n_h/(n_h-1), other strata unchanged
``BRR``            one PSU of each pair times 2, the other 0, by the  1/R, 1
                   rows of a Hadamard matrix (McCarthy 1969)
``Fay``            the same with factors 2-rho and rho (Judkins      1/(R (1-rho)^2), 1
                   1990)
``bootstrap``      n_h PSUs of each stratum drawn with replacement    nbar/((nbar-1)(R-1)),
                   (without, from N_h copies, when the design has an  nbar the harmonic mean
                   fpc), weight times the times drawn (R's            of n_h; 1
                   ``bootweights``; Canty & Davison 1999)
``subbootstrap``   n_h - 1 PSUs drawn with replacement, weight times  1/(R-1), 1
                   the times drawn times n_h/(n_h-1): Rao & Wu's
                   (1988) rescaled bootstrap
=================  =================================================  =====================

The bootstrap is seeded: replicate r's draws come from the PCG64 stream
``SeedSequence(seed, spawn_key=(r,))`` (numpy's ``SeedSequence.spawn``), so they depend only
on ``(seed, r)`` and any set of replicates can be computed apart (in chunks, in other
processes) and gathered with identical results. R's draws use R's random numbers, so the
same seed does not give R's replicates; R's replicate weights can be read as supplied ones.

Replicate weights are never held all at once: :func:`replicate_estimates` makes them in
chunks of ``chunk_size`` replicates (by default as many as fit in :data:`CHUNK_ENTRIES`
doubles) and evaluates the statistic on one replicate's weights at a time, the same
operations whatever the chunking, so chunked and whole computations agree to the last bit.
:func:`combine` turns replicate estimates into the covariance.

Estimators (dispatched from :func:`~swsurvey.survey.svymean`, ``svytotal``, ``svyby``,
``svyciprop``, ``svyglm`` and ``svychisq`` when they are given a :class:`SvyRepDesign`)
are R's ``svymean.svyrep.design``, ``svytotal.svyrep.design``, ``svyby`` with its replicate
covariance, ``svyciprop`` (every method R has; R's "likelihood" interval is NA on replicate
designs, because ``summary.svrepglm``'s dispersion is the Pearson sum rather than its mean,
and so it is here: NaN with a warning), ``svyglm.svyrep.design`` (the model refitted
on every replicate's weights from the full-sample coefficients, as ``glm.fit(start=)``) and
``svychisq.svyrep.design`` (statistics F, Chisq, Wald, adjWald; R's "lincom" and
"saddlepoint" are not available), and ``svyolr.svyrep.design`` (``MASS::polr`` refitted on
every replicate from the full-sample estimates; :mod:`swsurvey.survey.olr`). Degrees of freedom are R's ``degf`` for replicate designs:
the rank of the replicate weights (of the rows in the domain) minus one. Results name their
variance method (``variance``). Lumley (2010, "Complex Surveys", sec. 2.6) describes R's
implementation; R's documentation of ``svrepdesign``, ``as.svrepdesign`` and ``svrVar``
gives the conventions followed here.

Not available for replicate designs: ``svyratio``, ``svyvar`` and weighting (``rake``,
``calibrate``, ...): they use linearization and raise an :class:`InputError` when given one.
A calibrated design cannot be converted (its replicates would not be calibrated).

Evaluated apart: ``svyglm_refit``, ``svyolr_refit`` and ``svychisq_statistic`` give an
estimator's replicate statistic (:class:`ReplicateStatistic`) to be evaluated on chunks of
replicates elsewhere (the workflow's jobs, :mod:`swsurvey.stages.infer_replicates`); the stacked
estimates, given back as ``replicates=``, make the estimator return what it would have
computed itself, to the last bit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import scipy.sparse as sp

from swsurvey.errors import InputError
from swsurvey.survey.chisq import SvyChisq
from swsurvey.survey.ciprop import SvyCiProp
from swsurvey.survey.design import SurveyDesign, _as_mask
from swsurvey.survey.estimates import DF, SvyStat, _ratio_or_nan, _srs_variance
from swsurvey.survey.glm import NonConvergenceWarning, SvyGlm, _check_rank, _family, fit_glm

__all__ = [
    # designs
    "SvyRepDesign",
    "as_svrepdesign",
    "svrepdesign",
    "REPLICATE_TYPES",
    "SUPPLIED_TYPES",
    # the engine: replicate estimates in chunks, their covariance
    "replicate_estimates",
    "ReplicateStatistic",
    "combine",
    "with_replicates",
    "CHUNK_ENTRIES",
    "hadamard",
    # results naming their variance method
    "SvrepStat",
    "SvrepCiProp",
    "SvrepGlm",
    "SvrepChisq",
]

#: Conversions of a design (R's ``as.svrepdesign(type=)``), "auto" being JK1 or JKn.
REPLICATE_TYPES = ("auto", "JK1", "JKn", "BRR", "Fay", "bootstrap", "subbootstrap")
#: Types of supplied replicate weights (R's ``svrepdesign(type=)``).
SUPPLIED_TYPES = ("BRR", "Fay", "JK1", "JKn", "bootstrap", "successive-difference", "ACS", "JK2", "other")

#: Replicate weights made at once: a chunk holds at most this many doubles (128 MB) unless
#: a chunk_size is given; one replicate is the least.
CHUNK_ENTRIES = 2**24
#: Largest PSU-by-replicate matrix whose rank (R's degf) is computed numerically; larger
#: converted designs use the rank the construction gives (see _PsuFactors.rank).
RANK_ENTRIES = 2**24
#: A domain with more than this many PSUs per replicate has its rank (R's degf) tried first on
#: a spread of the design's PSUs (see _PsuFactors.rank).
PROBE_PER_REPLICATE = 4
#: R's qr(weights(design, "analysis"), tol = 1e-5)$rank in degf.svyrep.design.
RANK_TOL = 1e-5

_LINEARIZATION_ONLY = ("strata", "psu", "fpc", "n_strata", "n_psu", "has_clusters", "lonely_psu", "with_weights")


# -- replicate weights ----------------------------------------------------------------------------


class ReplicateWeights(Protocol):
    """How replicate r's weights are made (one object per replicate design)."""

    n_replicates: int

    def weights(self, replicates: np.ndarray, rows: np.ndarray, pweights: np.ndarray) -> np.ndarray:
        """The analysis weights of ``rows`` in ``replicates``: a (replicates x rows) array."""

    def rank(self, rows: np.ndarray, pweights: np.ndarray) -> int:
        """R's rank of the analysis weights of ``rows`` (all replicates)."""


@dataclass(frozen=True, eq=False)
class _PsuFactors:
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
            blocks = [self.factors(chunk)[:, probe] for chunk in _chunks(np.arange(self.n_replicates), step)]
            object.__setattr__(self, "_probe_cache", (probe, np.vstack(blocks)))
        return self._probe_cache

    def _rank(self, psus: np.ndarray) -> int:
        step = max(1, CHUNK_ENTRIES // len(self.psu_stratum))
        blocks = [self.factors(chunk)[:, psus].T for chunk in _chunks(np.arange(self.n_replicates), step)]
        return _matrix_rank([np.hstack(blocks)] if blocks else [])

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
                if len(among) >= self.n_replicates and _matrix_rank([factors[:, among].T]) == self.n_replicates:
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
class _Jackknife(_PsuFactors):
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
class _HalfSamples(_PsuFactors):
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
class _Bootstrap(_PsuFactors):
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
class _Supplied:
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
        return _matrix_rank(blocks)


def _matrix_rank(blocks: Iterable[np.ndarray], tol: float = RANK_TOL) -> int:
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


def _chunks(replicates: np.ndarray, size: int) -> Iterable[np.ndarray]:
    for start in range(0, len(replicates), max(int(size), 1)):
        yield replicates[start : start + size]


# -- the design ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SvyRepDesign:
    """A design with replicate weights (R's ``svyrep.design``).

    ``weights`` are the full-sample weights (R's ``pweights``; zero outside a domain),
    ``repweights`` makes each replicate's weights, ``type``, ``scale``, ``rscales`` and
    ``mse`` are R's. ``domain`` marks the rows of a domain: as in R's ``subset`` of a
    replicate design, estimates and degrees of freedom use only those rows (here by zero
    weight: rows stay). ``method`` says how the replicates were made (for ``variance``);
    ``chunk_size`` is how many replicates' weights are made at once (None:
    :data:`CHUNK_ENTRIES` doubles' worth). Linearization-only functions (svyratio, svyvar,
    weighting) raise an :class:`InputError` when given one.
    """

    data: pd.DataFrame
    weights: np.ndarray
    repweights: ReplicateWeights
    type: str
    scale: float
    rscales: np.ndarray
    mse: bool = False
    method: str = ""
    domain: np.ndarray | None = None
    chunk_size: int | None = None
    calibration: tuple = ()
    _degf: dict = field(default_factory=dict, repr=False)

    def __getattr__(self, name: str):
        if name in _LINEARIZATION_ONLY:
            raise InputError(
                f"this function needs the design's {name!r} (linearization or weighting), which a "
                "replicate-weight design does not have: with replicate weights use svymean, "
                "svytotal, svyby, svyciprop, svyglm, svyolr or svychisq (svyratio, svyvar and "
                "weighting are not available for replicate designs)"
            )
        raise AttributeError(name)

    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def n_replicates(self) -> int:
        return int(self.repweights.n_replicates)

    @property
    def rows(self) -> np.ndarray:
        """Indices of the rows the design holds (R's ``nrow``): the domain's, or all."""
        return np.arange(self.n) if self.domain is None else np.flatnonzero(self.domain)

    @property
    def variance(self) -> str:
        """The variance method, for tables: e.g. "replicate weights: JKn jackknife, 200 replicates"."""
        text = f"replicate weights: {self.method}, {self.n_replicates} replicates"
        return text + (", squared deviations from the full-sample estimate (mse)" if self.mse else "")

    @property
    def chunk(self) -> int:
        """Replicates made at once."""
        if self.chunk_size is not None:
            return max(int(self.chunk_size), 1)
        return max(1, CHUNK_ENTRIES // max(len(self.rows), 1))

    def column(self, name: str) -> pd.Series:
        try:
            return self.data[name]
        except KeyError:
            raise InputError("not a variable of the design's data", variable=name) from None

    def subset(self, mask: np.ndarray | pd.Series) -> SvyRepDesign:
        """The design restricted to a domain (R's ``subset`` of a replicate design)."""
        mask = _as_mask(mask, self.n)
        if not mask.any():
            raise InputError("the domain is empty: no row of the design is in it")
        domain = mask if self.domain is None else (mask & self.domain)
        return dataclasses.replace(self, weights=np.where(mask, self.weights, 0.0), domain=domain)

    def replicate_weights(self, replicates: Sequence[int] | np.ndarray) -> np.ndarray:
        """The analysis weights of the design's rows (:attr:`rows`) in ``replicates``: a
        (replicates x rows) array (R's ``weights(design, "analysis")``, transposed)."""
        replicates = np.asarray(replicates, dtype=np.int64)
        if replicates.size and (replicates.min() < 0 or replicates.max() >= self.n_replicates):
            raise InputError(f"replicates are numbered 0 to {self.n_replicates - 1}", value=replicates.tolist()[:5])
        return self.repweights.weights(replicates, self.rows, self.weights)

    def degf(self, rows: np.ndarray | None = None) -> int:
        """R's ``degf`` of a replicate design: the rank of the replicate (analysis) weights of
        the rows it holds, minus one (``qr(..., tol = 1e-5)$rank - 1``); ``rows`` a boolean
        mask of other rows. Cached per set of rows."""
        index = self.rows if rows is None else np.flatnonzero(rows)
        key = hashlib.sha1(index.tobytes()).hexdigest()
        if key not in self._degf:
            self._degf[key] = int(self.repweights.rank(index, self.weights)) - 1
        return self._degf[key]


# -- conversions ----------------------------------------------------------------------------------


def _first_appearance(codes: np.ndarray, n_codes: int) -> np.ndarray:
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


def _jackknife(design: SurveyDesign, type_: str) -> tuple[_Jackknife, float, np.ndarray, str]:
    stratified = design.columns.get("strata") is not None
    if type_ == "JK1" and stratified:
        raise InputError("JK1 is for unstratified designs (R: can't use JK1 for a stratified design); use JKn", value=type_)
    if type_ == "JKn" and not stratified:
        raise InputError("JKn needs strata (R: must use JK1 or bootstrap for an unstratified design)", value=type_)
    psu_stratum = _psu_strata(design)
    n_h = np.bincount(psu_stratum, minlength=design.n_strata)
    f_h = _fraction(design)
    order = _first_appearance(design.psu, design.n_psu)
    stratum_order = _first_appearance(design.strata, design.n_strata)
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
    weights = _Jackknife(
        psu=design.psu, psu_stratum=psu_stratum, constant=constant, n_replicates=len(reps),
        stratum=stratum.astype(np.int64), deleted=deleted.astype(np.int64), multiplier=multiplier.astype(float),
        adjust=adjust.astype(bool),
    )
    return weights, scale, rscales.astype(float), f"{type_} jackknife"


def _half_samples(design: SurveyDesign, rho: float) -> tuple[_HalfSamples, float, np.ndarray, str]:
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
    order = _first_appearance(design.psu, design.n_psu)
    first = np.zeros(design.n_psu, dtype=bool)
    seen = np.zeros(design.n_strata, dtype=bool)
    for psu in order:
        if not seen[pair[psu]]:
            first[psu] = seen[pair[psu]] = True
    matrix = hadamard(design.n_strata)
    n_rep = matrix.shape[1]
    weights = _HalfSamples(
        psu=design.psu, psu_stratum=pair, constant=np.zeros(design.n_strata, dtype=bool), n_replicates=n_rep,
        first=first, matrix=matrix, rho=float(rho),
    )
    method = "BRR (balanced repeated replication)" if rho == 0 else f"Fay's BRR, rho = {rho:g}"
    return weights, 1.0 / (n_rep * (1.0 - rho) ** 2), np.ones(n_rep), method


def _bootstrap(design: SurveyDesign, type_: str, replicates: int, seed: int) -> tuple[_Bootstrap, float, np.ndarray, str]:
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
    weights = _Bootstrap(
        psu=design.psu, psu_stratum=psu_stratum, constant=constant, n_replicates=int(replicates),
        seed=int(seed), order=order, start=start, size=n_h.astype(np.int64), draws=np.asarray(draws, dtype=np.int64),
        rescale=type_ == "subbootstrap", copies=copies,
    )
    return weights, float(scale), np.ones(replicates), f"{method}, seed {seed}"


def as_svrepdesign(
    design: SurveyDesign,
    type: str = "auto",
    replicates: int | None = None,
    fay_rho: float = 0.0,
    seed: int | None = None,
    mse: bool = False,
    chunk_size: int | None = None,
) -> SvyRepDesign:
    """A replicate-weight design from ``design``: R's ``as.svrepdesign(design, type=)``.

    ``type`` is "JK1" (unstratified cluster jackknife), "JKn" (stratified jackknife), "BRR"
    or "Fay" (balanced repeated replication, two PSUs per stratum, ``fay_rho`` Fay's
    perturbation; Judkins 1990), "bootstrap" (R's ``bootweights``) or "subbootstrap" (Rao &
    Wu's 1988 rescaled bootstrap), or "auto" (JK1 without strata, JKn with), each with R's
    ``scale`` and ``rscales`` (see the module docstring; Wolter 2007). The fpc enters JK1,
    JKn and the bootstrap as in R and is dropped, with a warning, for BRR, Fay and the
    Rao-Wu bootstrap. ``replicates`` (bootstrap only, R's default 50) and ``seed`` (a fresh
    one, recorded in the design, when None) fix the bootstrap. ``mse=True`` centres the
    variance at the full-sample estimate (R's ``mse``). Lonely PSUs in JKn follow
    ``design.lonely_psu`` as R's ``survey.lonely.psu`` option.
    """
    if type not in REPLICATE_TYPES:
        raise InputError(f"type must be one of {', '.join(REPLICATE_TYPES)}", value=type)
    if type == "auto":
        type = "JKn" if design.columns.get("strata") is not None else "JK1"
    if design.calibration:
        raise InputError(
            "a calibrated (raked, post-stratified) design cannot be converted: its replicates "
            "would not be calibrated; convert the design before weighting, or supply replicate "
            "weights that carry the calibration"
        )
    if replicates is not None and type not in ("bootstrap", "subbootstrap"):
        raise InputError("replicates= is for the bootstrap (the other types' replicates follow from the design)", value=replicates)
    if fay_rho and type != "Fay":
        raise InputError("fay_rho is for type='Fay'", value=fay_rho)
    if type in ("JK1", "JKn"):
        weights, scale, rscales, method = _jackknife(design, type)
    elif type in ("BRR", "Fay"):
        if type == "Fay" and not fay_rho:
            raise InputError("type='Fay' needs fay_rho (between 0 and 1)", value=fay_rho)
        weights, scale, rscales, method = _half_samples(design, fay_rho)
        type = "Fay" if fay_rho else "BRR"
    else:
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        weights, scale, rscales, method = _bootstrap(design, type, 50 if replicates is None else int(replicates), seed)
    return SvyRepDesign(
        data=design.data, weights=design.weights, repweights=weights, type=type, scale=float(scale),
        rscales=np.asarray(rscales, dtype=float), mse=bool(mse), method=method, domain=design.domain,
        chunk_size=chunk_size,
    )


def svrepdesign(
    data: pd.DataFrame,
    repweights: str | Sequence[str],
    type: str,
    weights: str | None = None,
    combined_weights: bool = True,
    scale: float | None = None,
    rscales: float | Sequence[float] | None = None,
    fay_rho: float | None = None,
    bootstrap_average: float | None = None,
    mse: bool = False,
    chunk_size: int | None = None,
) -> SvyRepDesign:
    """A design from replicate weights in the data, as public surveys ship them: R's
    ``svrepdesign(data=, repweights=, type=, weights=, combined.weights=, scale=, rscales=)``.

    ``repweights`` is a regular expression matched (anywhere, as R's ``grep``) against the
    column names, or a list of column names. ``combined_weights=True`` (R's default) means
    the columns are the replicates' analysis weights; False, factors of ``weights``.
    ``scale`` and ``rscales`` default as R: BRR 1/R, Fay 1/(R (1-rho)^2) (``fay_rho``
    required), bootstrap ``bootstrap_average``/(R-1), successive-difference and ACS 4/R,
    JK2 1; JK1 without ``scale`` guesses (R-1)/R (combined; else 1/max of the first
    replicate) and JKn needs ``rscales`` with combined weights, as R, with R's warnings.
    """
    if type not in SUPPLIED_TYPES:
        raise InputError(f"type must be one of {', '.join(SUPPLIED_TYPES)}", value=type)
    data = data.reset_index(drop=True)
    if isinstance(repweights, str):
        pattern = re.compile(repweights)
        names = [str(c) for c in data.columns if pattern.search(str(c))]
        if not names:
            raise InputError("no column of the data matches the replicate-weight pattern", value=repweights)
    else:
        names = list(repweights)
        absent = [c for c in names if c not in data]
        if absent:
            raise InputError("replicate-weight columns not in the data", variable=", ".join(map(str, absent)))
        if not names:
            raise InputError("no replicate-weight columns given")
    for name in names:
        values = pd.to_numeric(data[name], errors="coerce")
        if values.isna().any():
            raise InputError("replicate weights are missing or not numeric (R: missing values not allowed in 'repweights')",
                             variable=name, count=int(values.isna().sum()))
    n_rep = len(names)
    if weights is None:
        warnings.warn("no sampling weights given: equal probability assumed (as R)", stacklevel=2)
        pw = np.ones(len(data))
    else:
        if weights not in data:
            raise InputError("weight column not in the data", variable=weights)
        pw = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(pw).all():
            raise InputError("weights are missing or not finite", variable=weights, count=int((~np.isfinite(pw)).sum()))
    _check_combined(data, names, pw, combined_weights)
    if rscales is not None:
        rscales = np.atleast_1d(np.asarray(rscales, dtype=float))
        if len(rscales) not in (1, n_rep):
            raise InputError(f"rscales has length {len(rscales)}, should be the number of replicates ({n_rep})")
        rscales = np.broadcast_to(rscales, (n_rep,)).copy()
    if type == "BRR":
        if scale is not None:
            warnings.warn("type='BRR' does not use scale= (it is 1/R)", stacklevel=2)
        scale = 1.0 / n_rep
    elif type == "Fay":
        if fay_rho is None:
            raise InputError("type='Fay' needs fay_rho, the rho the replicates were made with")
        scale = 1.0 / (n_rep * (1.0 - fay_rho) ** 2)
    elif type == "bootstrap":
        scale = (1.0 if bootstrap_average is None else bootstrap_average) / (n_rep - 1) if scale is None else scale
    elif type in ("successive-difference", "ACS"):
        scale, rscales = 4.0 / n_rep, None
    elif type == "JK2":
        scale, rscales = 1.0, None
    elif type == "JK1" and scale is None:
        if combined_weights:
            scale = (n_rep - 1.0) / n_rep
            warnings.warn("scale (n-1)/n not given: guessing n = the number of replicates (as R)", stacklevel=2)
        else:
            scale = 1.0 / float(data[names[0]].max())
            warnings.warn("scale (n-1)/n not given: guessing it from the weights (as R)", stacklevel=2)
    elif type == "JKn" and rscales is None:
        if combined_weights:
            raise InputError("JKn with combined weights needs rscales (R: must provide rscales for combined JKn weights)")
        rscales = 1.0 / np.array([float(data[c].max()) for c in names])
        warnings.warn("rscales (n-1)/n not given: guessing them from the weights (as R)", stacklevel=2)
    elif type == "other" and (scale is None or rscales is None):
        warnings.warn("scale or rscales not given: set to 1 (as R)", stacklevel=2)
    method = f"supplied {type}" + (f", rho = {fay_rho:g}" if type == "Fay" else "")
    return SvyRepDesign(
        data=data, weights=pw, repweights=_Supplied(data, tuple(names), bool(combined_weights), n_rep), type=type,
        scale=float(1.0 if scale is None else scale), rscales=np.ones(n_rep) if rscales is None else np.asarray(rscales, dtype=float),
        mse=bool(mse), method=method, chunk_size=chunk_size,
    )


def _check_combined(data: pd.DataFrame, names: list[str], pw: np.ndarray, combined: bool) -> None:
    """R's warnings when the replicate weights do not look like what ``combined`` says."""
    rep_mean = float(np.mean([data[c].to_numpy(dtype=float).mean() for c in names]))
    ratio = float(pw.mean()) / rep_mean if rep_mean else math.inf
    if combined and rep_mean < 5 and ratio > 5:
        warnings.warn(f"data do not look like combined weights: mean replicate weight {rep_mean:g}, "
                      f"mean sampling weight {pw.mean():g}", stacklevel=3)
    if not combined and rep_mean > 5 and ratio < 5:
        warnings.warn(f"data look like combined weights: mean replicate weight {rep_mean:g}, "
                      f"mean sampling weight {pw.mean():g}", stacklevel=3)


# -- the engine -------------------------------------------------------------------------------------


Statistic = Callable[[np.ndarray], np.ndarray]


def replicate_estimates(design: SvyRepDesign, statistic: Statistic, replicates: Iterable[int] | None = None) -> np.ndarray:
    """The estimates of ``statistic`` in ``replicates`` (all when None): a (replicates x k)
    array, row i for the i-th replicate asked for.

    ``statistic(w)`` gets one replicate's analysis weights of the design's rows
    (:attr:`SvyRepDesign.rows`) and returns its k estimates. Weights are made
    ``design.chunk`` replicates at a time and the statistic sees one replicate at a time,
    so any split into chunks (``replicates=range(a, b)``, in any process) gives the same
    numbers; gather the pieces with ``np.vstack`` and pass them to :func:`combine`.
    """
    reps = np.arange(design.n_replicates) if replicates is None else np.fromiter(replicates, dtype=np.int64)
    out = []
    for chunk in _chunks(reps, design.chunk):
        for w in design.replicate_weights(chunk):
            out.append(np.atleast_1d(np.asarray(statistic(np.ascontiguousarray(w)), dtype=float)))
    return np.vstack(out) if out else np.zeros((0, 0))


@dataclass(frozen=True, eq=False)
class ReplicateStatistic:
    """An estimator's replicate statistic, to be evaluated apart from the estimator (in chunks
    of replicates, in other processes) and handed back to it as ``replicates=``.

    ``statistic(w)`` takes one replicate's analysis weights of the design's rows ``rows``
    (indices into the design's data) and returns ``k`` estimates; ``theta`` is the
    full-sample value, the centre ``mse`` designs use. Made by ``svyglm_refit``,
    ``svyolr_refit`` and ``svychisq_statistic``."""

    rows: np.ndarray
    statistic: Statistic
    theta: np.ndarray

    @property
    def k(self) -> int:
        return len(self.theta)

    def __call__(self, w: np.ndarray) -> np.ndarray:
        return self.statistic(w)


def supplied_replicates(design: SvyRepDesign, replicates: np.ndarray, k: int) -> np.ndarray:
    """Replicate estimates computed elsewhere, checked: one row per replicate of ``design``
    and ``k`` columns."""
    reps = np.asarray(replicates, dtype=float)
    if reps.ndim != 2 or reps.shape != (design.n_replicates, k):
        raise InputError(
            f"the replicate estimates given have shape {reps.shape}; the design has "
            f"{design.n_replicates} replicates and the statistic {k} values"
        )
    return reps


def combine(
    theta: np.ndarray,
    replicate_estimates: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool = False,
) -> np.ndarray:
    """R's ``svrVar``: ``scale * sum_r rscales_r (theta_r - c)(theta_r - c)'`` (k x k), with
    ``c`` the mean of the replicates whose rscales are positive, or ``theta`` when ``mse``.

    Replicates with a missing (NaN) estimate are dropped with a warning, as R's
    ``na.action``; no replicates at all (an exhaustively sampled design) give zero.
    """
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    k = len(theta)
    thetas = np.asarray(replicate_estimates, dtype=float).reshape(-1, k) if np.size(replicate_estimates) else np.zeros((0, k))
    rscales = np.asarray(rscales, dtype=float)
    if len(rscales) != len(thetas):
        raise InputError(f"{len(thetas)} replicate estimates but {len(rscales)} rscales")
    if len(thetas) == 0:
        return np.zeros((k, k))
    missing = np.isnan(thetas).any(axis=1)
    if missing.any():
        if missing.all():
            raise InputError("every replicate gave a missing estimate")
        warnings.warn(f"{int(missing.sum())} replicates gave missing results and were discarded (as R's svrVar)", stacklevel=3)
        thetas, rscales = thetas[~missing], rscales[~missing]
    centre = theta if mse else thetas[rscales > 0].mean(axis=0)
    dev = (thetas - centre) * np.sqrt(rscales)[:, None]
    return (dev.T @ dev) * scale


def replicate_vcov(design: SvyRepDesign, theta: np.ndarray, statistic: Statistic,
                   replicates: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The covariance of ``statistic`` (full-sample value ``theta``) and its replicate
    estimates: computed here, or ``replicates`` when they were computed elsewhere (checked)."""
    theta = np.atleast_1d(theta)
    if replicates is None:
        reps = replicate_estimates(design, statistic)
    else:
        reps = supplied_replicates(design, replicates, len(theta))
    return combine(theta, reps, design.scale, design.rscales, design.mse), reps


def with_replicates(design: SvyRepDesign, statistic: Statistic, names: Sequence[str] | None = None) -> SvrepStat:
    """Any statistic with its replicate variance: R's ``withReplicates(design, theta)``.

    ``statistic(w)`` is evaluated on the full-sample weights and on every replicate's
    weights of the design's rows (:attr:`SvyRepDesign.rows`)."""
    rows = design.rows
    theta = np.atleast_1d(np.asarray(statistic(design.weights[rows]), dtype=float))
    vcov, reps = replicate_vcov(design, theta, statistic)
    names = tuple(names) if names is not None else tuple(f"theta{i + 1}" for i in range(len(theta)))
    return SvrepStat(names=names, estimates=theta, vcov=vcov, statistic="statistic", df=design.degf(),
                     variance=design.variance, replicates=reps)


class _Totals:
    """Weighted totals of the columns of ``X`` (the design's rows), or their means (Hajek),
    one replicate at a time: a sparse product whose sums run in row order, whatever else
    is computed alongside."""

    def __init__(self, X: np.ndarray, mean: bool):
        rows = X.T if not mean else np.vstack([X.T, np.ones(X.shape[0])])
        self.matrix = sp.csr_matrix(rows)
        self.mean = mean

    def __call__(self, w: np.ndarray) -> np.ndarray:
        t = self.matrix @ w
        return t[:-1] / t[-1] if self.mean else t


# -- results ----------------------------------------------------------------------------------------


def _with_column(frame: pd.DataFrame, variance: str) -> pd.DataFrame:
    frame["variance"] = variance
    return frame


@dataclass(frozen=True, eq=False)
class SvrepStat(SvyStat):
    """:class:`~swsurvey.survey.SvyStat` from a replicate design (R's ``svrepstat``):
    ``variance`` names the method, ``replicates`` (kept when asked for) holds the
    replicate estimates (R's ``return.replicates``); ``to_frame`` adds a ``variance`` column."""

    variance: str = ""
    replicates: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self, level: float = 0.95, df: DF = None) -> pd.DataFrame:
        return _with_column(super().to_frame(level, df), self.variance)


@dataclass(frozen=True, eq=False)
class SvrepCiProp(SvyCiProp):
    """:class:`~swsurvey.survey.SvyCiProp` from a replicate design, its ``variance`` named."""

    variance: str = ""

    def to_frame(self) -> pd.DataFrame:
        return _with_column(super().to_frame(), self.variance)


@dataclass(frozen=True, eq=False)
class SvrepGlm(SvyGlm):
    """:class:`~swsurvey.survey.SvyGlm` from a replicate design (R's ``svrepglm``): ``vcov``
    from the replicate refits, ``dispersion`` as R's ``summary.svrepglm`` (the Pearson
    statistic with the rescaled weights), ``variance`` named."""

    variance: str = ""

    def to_frame(self, level: float = 0.95, df: float | None = None) -> pd.DataFrame:
        return _with_column(super().to_frame(level, df), self.variance)


@dataclass(frozen=True, eq=False)
class SvrepChisq(SvyChisq):
    """:class:`~swsurvey.survey.SvyChisq` from a replicate design, its ``variance`` named."""

    variance: str = ""

    def __str__(self) -> str:
        return f"{super().__str__()}\n(variance: {self.variance})"


_RESULT_TYPES = {SvyStat: SvrepStat, SvyCiProp: SvrepCiProp, SvyGlm: SvrepGlm, SvyChisq: SvrepChisq}


def with_variance(result, design: SvyRepDesign):
    """``result`` as its replicate-design type, naming ``design``'s variance method."""
    cls = _RESULT_TYPES[type(result)]
    values = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    return cls(**values, variance=design.variance)


# -- estimators -------------------------------------------------------------------------------------


def svrep_stat(
    design: SvyRepDesign,
    X: np.ndarray,
    names: Sequence[str],
    statistic: str = "mean",
    deff: bool | str = False,
    keep_replicates: bool = False,
    replicates: np.ndarray | None = None,
) -> SvrepStat:
    """Means (Hajek) or totals of the columns of ``X`` (no missing values) with replicate
    variance: R's ``svymean.svyrep.design`` and ``svytotal.svyrep.design``. ``deff`` as R:
    the variance over ``svyvar``'s estimate divided by the rows (times ``(N - n)/N`` unless
    "replace"; for totals also times ``N^2``); ``replicates`` are the estimates of
    :func:`totals_statistic` on every replicate when they were computed elsewhere."""
    rows = design.rows
    estimator = totals_statistic(design, X, statistic)
    theta = estimator.theta
    vcov, reps = replicate_vcov(design, theta, estimator.statistic, replicates)
    effects = None
    if deff:
        n_obs = len(rows)
        psum = float(design.weights.sum())
        vsrs = _srs_variance(design, X, n_obs) / n_obs * (psum**2 if statistic == "total" else 1.0)
        if deff != "replace":
            vsrs = vsrs * (psum - n_obs) / psum
        effects = _ratio_or_nan(np.diag(vcov), vsrs)
    return SvrepStat(
        names=tuple(names), estimates=theta, vcov=vcov, statistic=statistic, df=design.degf(), deff=effects,
        variance=design.variance, replicates=reps if keep_replicates else None,
    )


def totals_statistic(design: SvyRepDesign, X: np.ndarray, statistic: str = "mean") -> ReplicateStatistic:
    """The means (Hajek) or totals of the columns of ``X`` over the design's rows, as a
    replicate statistic (what :func:`svrep_stat` evaluates on every replicate)."""
    rows = design.rows
    if not design.weights[rows].sum() > 0:
        raise InputError("the weights of the rows in the estimate sum to zero")
    estimator = _Totals(X[rows], mean=statistic == "mean")
    return ReplicateStatistic(rows=rows, statistic=estimator, theta=estimator(design.weights[rows]))


def joint_vcov(design: SvyRepDesign, results: Sequence[SvrepStat]) -> np.ndarray:
    """The covariance of every domain's estimates from their replicates (R's ``svyby`` with
    ``covmat=TRUE`` on a replicate design: ``svrVar`` of the bound replicates)."""
    theta = np.concatenate([r.estimates for r in results])
    reps = np.hstack([r.replicates for r in results])
    return combine(theta, reps, design.scale, design.rscales, design.mse)


class _GlmRefit:
    """One replicate's coefficients: R's ``glm.fit(X, y, weights = w / sum(w), start =
    coefficients)`` over covariate patterns (``patterns`` maps the design's rows used to
    them); NaN when a coefficient is not estimable (R's NA, which ``svrVar`` drops)."""

    def __init__(self, patterns: sp.csr_matrix, X, y, family, start, maxit, epsilon):
        self.patterns, self.X, self.y, self.family = patterns, X, y, family
        self.start, self.maxit, self.epsilon = start, maxit, epsilon
        self.not_converged = 0

    def __call__(self, w: np.ndarray) -> np.ndarray:
        wp = self.patterns @ w
        total = wp.sum()
        if not total > 0:
            return np.full(len(self.start), np.nan)
        prior = wp / total
        try:
            _check_rank(self.X, prior, [str(i) for i in range(self.X.shape[1])])
        except InputError:
            return np.full(len(self.start), np.nan)
        fit = fit_glm(self.X, self.y, prior, self.family, maxit=self.maxit, epsilon=self.epsilon, start=self.start)
        self.not_converged += not fit.converged
        return fit.beta


def glm_refit(design: SvyRepDesign, used: np.ndarray, inverse: np.ndarray | None, X, y, family, beta,
              maxit=25, epsilon=1e-8) -> ReplicateStatistic:
    """The replicate refit of a GLM with coefficients ``beta`` (R's ``svyglm.svyrep.design``):
    the model refitted on one replicate's weights of the design's rows, from ``beta``, over
    the covariate patterns ``inverse`` (None: one per row) of the rows ``used`` (a subset of
    ``design.rows``), whose model matrix is ``X`` and response ``y`` per pattern."""
    if not np.isfinite(beta).all():
        raise InputError("the full-sample coefficients are not finite, so the replicates cannot start from them",
                         value=[float(b) for b in beta])
    position = np.searchsorted(design.rows, used)
    pattern = np.arange(len(used)) if inverse is None else inverse
    P = sp.csr_matrix((np.ones(len(used)), (pattern, position)), shape=(len(y), len(design.rows)))
    beta = np.asarray(beta, dtype=float)
    return ReplicateStatistic(rows=design.rows, statistic=_GlmRefit(P, X, y, family, beta, maxit, epsilon), theta=beta)


def glm_vcov(design: SvyRepDesign, used: np.ndarray, inverse: np.ndarray | None, X, y, family, beta, maxit=25,
             epsilon=1e-8, replicates: np.ndarray | None = None) -> np.ndarray:
    """The replicate covariance of GLM coefficients ``beta``: :func:`glm_refit` on every
    replicate, or the refits given as ``replicates``."""
    refit = glm_refit(design, used, inverse, X, y, family, beta, maxit, epsilon)
    vcov, _ = replicate_vcov(design, refit.theta, refit.statistic, replicates)
    if refit.statistic.not_converged:
        warnings.warn(f"{refit.statistic.not_converged} replicate fits did not converge in {maxit} iterations "
                      "(R's glm.fit warns alike)", NonConvergenceWarning, stacklevel=3)
    return (vcov + vcov.T) / 2


def svyglm_variance(design: SvyRepDesign, fit_design: SvyRepDesign, used, inverse, X, y, wp, family, fit, maxit, epsilon,
                    replicates: np.ndarray | None = None):
    """What ``svyglm`` reports from a replicate design: the replicate covariance, the
    dispersion of R's ``summary.svrepglm`` (``sum(prior (y - mu)^2 / V(mu))`` with the
    prior weights rescaled to mean 1), and the design's degrees of freedom (R's
    ``degf(design)`` before rows with missing values leave)."""
    vcov = glm_vcov(fit_design, used, inverse, X, y, family, fit.beta, maxit, epsilon, replicates=replicates)
    dispersion = float(wp @ ((y - fit.mu) ** 2 / family.variance(fit.mu)))
    return vcov, dispersion, design.degf()


def logit_variance(design: SvyRepDesign, y: np.ndarray, coefficient: float) -> float:
    """The replicate variance of the intercept of R's ``svyglm(y ~ 1, design, family =
    quasibinomial)`` (for ``svyciprop``'s "logit" and "likelihood" methods)."""
    rows = design.rows
    values, inverse = np.unique(y[rows], return_inverse=True)
    family = _family("quasibinomial")
    vcov = glm_vcov(design, rows, inverse.ravel(), np.ones((len(values), 1)), values, family, np.array([coefficient]))
    return float(vcov[0, 0])


# -- Hadamard matrices (R's survey:::hadamard) -----------------------------------------------------

#: R's survey package's precomputed Hadamard matrices of orders 28 and 36 (hadamard.list,
#: from Sloane's library), 0/1 rows; orders 4 and 16 are Sylvester's.
_PRECOOKED = {
    28: """
1111111111111111111111111111 1001110001110001110001111000 1000001111001101001101111000
1000001110110010111001100110 1001101000001111100011010110 1001010100101100010110101110
1000110011010010001110011110 0101100010101010011111110000 0100010110110101100111010100
0100011011001011110010101100 0101011000010111011101001010 0100101101100100111010011010
0101100101011001101100100110 0010110100011110101011101000 0011011001100110101100110100
0010101100111011010100011100 0011000111010111010010110010 0011001011111000100111001010
0010110011101101011001000110 1110101001010100010111100100 1111000101100011001011001100
1111000010011100111000011100 1110010101001010110101010010 1110011000111001001010110010
1110100010100111100100101010 1101111111111110000000000000 1011111110000001111110000000
0111111110000000000001111110""",
    36: """
111111111111111111111111111111111111 010111000111110111001000010101100100
101110001111101110010000101011001000 011100011111011100100001010110010010
111000111110111001000010101100100100 110001111101110010000101011001001010
100011111011100100001010110010010110 000111110111001000010101100100101110
001111101110010000101011001001011100 011111011100100001010110010010111000
111110111001000010101100100101110000 111101110010000101011001001011100010
111011100100001010110010010111000110 110111001000010101100100101110001110
101110010000101011001001011100011110 011100100001010110010010111000111110
111001000010101100100101110001111100 110010000101011001001011100011111010
100100001010110010010111000111110110 001000010101100100101110001111101110
010000101011001001011100011111011100 100001010110010010111000111110111000
000010101100100101110001111101110010 000101011001001011100011111011100100
001010110010010111000111110111001000 010101100100101110001111101110010000
101011001001011100011111011100100000 010110010010111000111110111001000010
101100100101110001111101110010000100 011001001011100011111011100100001010
110010010111000111110111001000010100 100100101110001111101110010000101010
001001011100011111011100100001010110 010010111000111110111001000010101100
100101110001111101110010000101011000 001011100011111011100100001010110010""",
}
_SIZES = (4, 16, 28, 36)
#: R's paley() primes: those up to 7919 that are 3 mod 4.
_PRIMES = tuple(p for p in range(3, 7920, 4) if all(p % d for d in range(3, int(p**0.5) + 1, 2)))


def _precooked(size: int) -> np.ndarray:
    if size in _PRECOOKED:
        return np.array([[int(c) for c in row] for row in _PRECOOKED[size].split()], dtype=np.int8)
    i = np.arange(size)
    parity = np.vectorize(lambda v: bin(v).count("1") % 2)(i[:, None] & i[None, :])
    return (1 - parity).astype(np.int8)


def _double(H: np.ndarray) -> np.ndarray:
    return np.block([[H, H], [H, 1 - H]]).astype(np.int8)


def _paley_prime(p: int) -> np.ndarray:
    m = np.add.outer(np.arange(p), np.arange(p)) % p
    residues = {0, 1} | {(i * i) % p for i in range(1, (p - 1) // 2 + 1)}
    body = (~np.isin(m, list(residues))).astype(np.int8)
    out = np.ones((p + 1, p + 1), dtype=np.int8)
    out[1:, 1:] = body
    return out


def _paley(n: int, nmax: int | None = None) -> np.ndarray | None:
    """R's survey:::paley(n, nmax): a Paley construction of order at least n + 1 (possibly
    doubled), or None."""
    nmax = 2 * n if nmax is None else nmax
    nceil = nn = n + 4 - n % 4
    if n % 4 + 4 == n % 8:
        while nn % 8 == 0:
            nn //= 2
        if nn - 1 in _PRIMES:
            m = _paley_prime(nn - 1)
            while nn < nceil:
                m = _double(m)
                nn *= 2
            return m
    if n > max(_PRIMES):
        return None
    p = min(q for q in _PRIMES if q >= n)
    if p + 1 > nceil + 4 and nceil + 4 < nmax:
        return _paley(nceil + 3)
    if p > nmax:
        return None
    return _paley_prime(p)


def hadamard(n: int) -> np.ndarray:
    """The 0/1 Hadamard matrix R's ``brrweights`` uses for ``n`` strata (survey:::hadamard):
    of order above ``n``, rows 2 to n + 1 assigning the half-samples; precomputed (orders 4,
    16, 28, 36), a Paley construction, or Sylvester doubling, whichever R picks."""
    m = n - n % 4
    precooked = [s for s in _SIZES if m < s <= m + 4]
    if precooked:
        return _precooked(precooked[0])
    sizes = [s * 2 ** max(0, math.ceil(math.log2((n + 1) / s))) for s in _SIZES]
    best = int(np.argmin([s - n for s in sizes]))
    H = _paley(n, sizes[best]) if sizes[best] - n > 4 else None
    if H is None:
        H = _precooked(_SIZES[best])
        for _ in range(math.ceil(math.log2(sizes[best] / _SIZES[best]))):
            H = _double(H)
    return H
