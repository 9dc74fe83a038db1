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
chunks of ``chunk_size`` replicates (by default as many as fit in
:data:`~swsurvey.survey.repweights.CHUNK_ENTRIES` doubles) and evaluates the statistic on one replicate's weights at a time, the same
operations whatever the chunking, so chunked and whole computations agree to the last bit.
:func:`combine` turns replicate estimates into the covariance.

This module is the replicate-design engine and imports no estimator. Each estimator has its
replicate path beside its linearization one, in its own module, chosen in one place by the
design's type: ``svymean`` and ``svytotal`` (R's ``svymean.svyrep.design``,
``svytotal.svyrep.design``; :mod:`~swsurvey.survey.estimates`), ``svyby`` with its replicate
covariance (:mod:`~swsurvey.survey.by`), ``svyciprop`` (every method R has; R's "likelihood"
interval is NA on replicate designs, because ``summary.svrepglm``'s dispersion is the Pearson
sum rather than its mean, and so it is here: NaN with a warning;
:mod:`~swsurvey.survey.ciprop`), ``svyglm.svyrep.design`` (the model refitted on every
replicate's weights from the full-sample coefficients, as ``glm.fit(start=)``;
:mod:`~swsurvey.survey.glm`), ``svychisq.svyrep.design`` (statistics F, Chisq, Wald,
adjWald; R's "lincom" and "saddlepoint" are not available; :mod:`~swsurvey.survey.chisq`)
and ``svyolr.svyrep.design`` (``MASS::polr`` refitted on every replicate from the
full-sample estimates; :mod:`~swsurvey.survey.olr`). Degrees of freedom are R's ``degf`` for
replicate designs: the rank of the replicate weights (of the rows in the domain) minus one.
Results name their variance method (``variance``). Lumley (2010, "Complex Surveys", sec.
2.6) describes R's implementation; R's documentation of ``svrepdesign``, ``as.svrepdesign``
and ``svrVar`` gives the conventions followed here.

Not available for replicate designs: ``svyratio``, ``svyvar`` and weighting other than
raking (``calibrate``, ``postStratify``, ...): they use linearization and raise an
:class:`InputError` when given one. :func:`swsurvey.survey.weighting.rake` takes a replicate
design, as R's ``rake()`` does, and rakes every replicate's weights too
(:class:`~swsurvey.survey.repweights.Raked`). A calibrated design cannot be converted (its
replicates would not be calibrated): convert, then rake.

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

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey import repweights
from swsurvey.survey.design import SurveyDesign, as_mask, evaluate, held_weights, updated_data
from swsurvey.survey.repweights import ReplicateWeights, Supplied, bootstrap, chunks, half_samples, jackknife
from swsurvey.survey.svystat import SvrepStat
from swsurvey.survey.variables import variable_names

__all__ = [
    # designs
    "SvyRepDesign",
    "as_svrepdesign",
    "svrepdesign",
    "REPLICATE_TYPES",
    "SUPPLIED_TYPES",
    # the engine: replicate estimates in chunks, their covariance
    "replicate_estimates",
    "replicate_vcov",
    "ReplicateStatistic",
    "combine",
    "supplied_replicates",
    "with_replicates",
    "with_variance",
]

#: Conversions of a design (R's ``as.svrepdesign(type=)``), "auto" being JK1 or JKn.
REPLICATE_TYPES = ("auto", "JK1", "JKn", "BRR", "Fay", "bootstrap", "subbootstrap")
#: Types of supplied replicate weights (R's ``svrepdesign(type=)``).
SUPPLIED_TYPES = ("BRR", "Fay", "JK1", "JKn", "bootstrap", "successive-difference", "ACS", "JK2", "other")

_LINEARIZATION_ONLY = ("strata", "psu", "fpc", "n_strata", "n_psu", "has_clusters", "lonely_psu", "with_weights")


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
    :data:`~swsurvey.survey.repweights.CHUNK_ENTRIES` doubles' worth). Linearization-only
    functions (svyratio, svyvar, weighting) raise an :class:`InputError` when given one.
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
                "weighting other than rake are not available for replicate designs)"
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
        return max(1, repweights.CHUNK_ENTRIES // max(len(self.rows), 1))

    def column(self, name: str) -> pd.Series:
        try:
            return self.data[name]
        except KeyError:
            raise InputError("not a variable of the design's data", variable=name) from None

    def subset(self, mask) -> SvyRepDesign:
        """The design restricted to a domain (R's ``subset`` of a replicate design: every row
        kept, its full-sample and replicate weights zero outside). ``mask`` is a boolean mask
        or an expression over the design's variables (:func:`~swsurvey.survey.design.evaluate`)."""
        mask = as_mask(evaluate(self.data, mask) if isinstance(mask, str) else mask, self.n)
        if not mask.any():
            raise InputError("the domain is empty: no row of the design is in it")
        domain = mask if self.domain is None else (mask & self.domain)
        return dataclasses.replace(self, weights=np.where(mask, self.weights, 0.0), domain=domain)

    def update(self, **columns) -> SvyRepDesign:
        """New or replaced variables, R's ``update(design, name = expr)`` on a replicate
        design (:meth:`SurveyDesign.update`); weights and replicates unchanged."""
        return dataclasses.replace(self, data=updated_data(self.data, columns))

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


# -- conversions and supplied replicate weights -----------------------------------------------------


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
        weights, scale, rscales, method = jackknife(design, type)
    elif type in ("BRR", "Fay"):
        if type == "Fay" and not fay_rho:
            raise InputError("type='Fay' needs fay_rho (between 0 and 1)", value=fay_rho)
        weights, scale, rscales, method = half_samples(design, fay_rho)
        type = "Fay" if fay_rho else "BRR"
    else:
        if seed is None:
            seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
        weights, scale, rscales, method = bootstrap(design, type, 50 if replicates is None else int(replicates), seed)
    return SvyRepDesign(  # full-sample weights as R's as.svrepdesign holds them, 1 / design$prob
        data=design.data, weights=held_weights(design.weights), repweights=weights, type=type, scale=float(scale),
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
    if isinstance(weights, str) and weights.lstrip().startswith("~"):  # R's weights=~pw
        weights = variable_names(weights, "weights")[0]
    if isinstance(repweights, str) and repweights.lstrip().startswith("~"):  # R's repweights=~rep1+rep2
        repweights = variable_names(repweights, "repweights")
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
        data=data, weights=pw, repweights=Supplied(data, tuple(names), bool(combined_weights), n_rep), type=type,
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
    for chunk in chunks(reps, design.chunk):
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



def with_variance(result, cls: type, design: SvyRepDesign):
    """``result`` as ``cls``, its replicate-design type (a subclass adding ``variance``),
    naming ``design``'s variance method."""
    values = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    return cls(**values, variance=design.variance)
