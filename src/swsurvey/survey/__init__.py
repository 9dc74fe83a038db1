"""Design-based survey statistics that agree with R's survey package (Lumley 2004, 2010).

Independent of the #socialwork study. The vocabulary is R's: a design object
(:func:`~swsurvey.survey.design.svydesign`) carries weights, strata, first-stage clusters, a
finite-population correction and any calibration, and every estimate's variance comes from
one linearization engine (:func:`swsurvey.survey.variance.design_vcov`), as R's
``svyrecvar`` does, or, for a replicate-weight design
(:func:`~swsurvey.survey.replicates.as_svrepdesign`,
:func:`~swsurvey.survey.replicates.svrepdesign`), from its replicates
(:mod:`swsurvey.survey.replicates`, R's ``svrVar``). Each estimator's module holds both its
paths and chooses between them once, by the design's type.

The modules, one job each:

=================  ============================================================================
``variables``      R's formula strings (``"~a + b"``) and lists of names, as every function
                   takes its variables
``design``         ``svydesign``: the design object; ``subset``, ``update``
``variance``       the linearization variance (R's ``svyrecvar``) and calibration records
``replicates``     replicate-weight designs (``svrepdesign``, ``as.svrepdesign``) and their
                   variance (``svrVar``, ``withReplicates``)
``repweights``     how replicate weights are made (jackknife, BRR, Fay, bootstraps, supplied)
``hadamard``       the Hadamard matrices of R's ``brrweights``
``svystat``        the ``svystat`` result and its Wald intervals
``distributions``  R's p/q distribution functions (``qt``, ``pf``, ...) from scipy.special
``estimates``      ``svymean``, ``svytotal``, ``svyratio``, ``svyvar``
``by``             ``svyby``
``quantile``       ``svyquantile`` (Woodruff intervals); R's ``qrule_math``, ``qrule_hf7``
``ciprop``         ``svyciprop``; ``interpolation``: R's ``spline`` and ``approx`` for it
``chisq``          ``svychisq``, ``svytable``
``modelframe``     model formulas and matrices
``glmfit``         R's ``glm.fit`` (families, IRLS, rank checks)
``glm``            ``svyglm``, ``regTermTest``
``olr``            ``svyolr``
``targets``        weighting targets and their coding against the data
``weighting``      ``rake``, ``postStratify``, ``calibrate``, ``trimWeights``
``diagnostics``    weight summaries and achieved margins
``trend``          ``svycontrast`` of independent samples' estimates: the linear trend over time
=================  ============================================================================

``from swsurvey.survey import svymean`` works for every public name: importing this package
imports none of its modules, and a name imports only the module that defines it (PEP 562). The
package's own modules and scripts import from the defining module, so that the workflow's
static reading of imports (:func:`swsurvey.provenance.code.code_files`) sees exactly the modules a
job uses.
"""

from __future__ import annotations

import importlib

#: Each public name and the module that defines it.
_MODULES = {
    # designs and variance
    "SurveyDesign": "design",
    "evaluate": "design",
    "subset": "design",
    "svydesign": "design",
    "update": "design",
    "SvyRepDesign": "replicates",
    "ReplicateStatistic": "replicates",
    "as_svrepdesign": "replicates",
    "combine": "replicates",
    "replicate_estimates": "replicates",
    "svrepdesign": "replicates",
    "with_replicates": "replicates",
    # estimates, proportion confidence intervals, quantiles and domain estimates
    "SvyStat": "svystat",
    "SvrepStat": "svystat",
    "svymean": "estimates",
    "svyratio": "estimates",
    "svytotal": "estimates",
    "svyvar": "estimates",
    "SvyBy": "by",
    "svyby": "by",
    "SvyCiProp": "ciprop",
    "SvrepCiProp": "ciprop",
    "svyciprop": "ciprop",
    "SvyQuantile": "quantile",
    "SvrepQuantile": "quantile",
    "svyquantile": "quantile",
    # weighting (rake, postStratify, calibrate, trimWeights) and weight diagnostics
    "MARGIN_TOLERANCE": "weighting",
    "TrimBounds": "weighting",
    "calibrate": "weighting",
    "poststratify": "weighting",
    "rake": "weighting",
    "trim_weights": "weighting",
    "weight": "weighting",
    "weighting_report": "weighting",
    "Margin": "targets",
    "as_margins": "targets",
    "joint_targets": "targets",
    "marginal_targets": "targets",
    "margins_of": "weighting",
    "margin_table": "diagnostics",
    "weight_summary": "diagnostics",
    # contrasts of independent samples' estimates: the linear trend across waves
    "LinearTrend": "trend",
    "linear_trend": "trend",
    "svycontrast": "trend",
    # models and tests of association (svyglm, regTermTest, svyolr, svychisq, svytable)
    "SvyChisq": "chisq",
    "SvrepChisq": "chisq",
    "svychisq": "chisq",
    "svychisq_statistic": "chisq",
    "svytable": "chisq",
    "ModelWarning": "glmfit",
    "NonConvergenceWarning": "glmfit",
    "RegTermTest": "glm",
    "SeparationWarning": "glm",
    "SvyGlm": "glm",
    "SvrepGlm": "glm",
    "reg_term_test": "glm",
    "svyglm": "glm",
    "svyglm_refit": "glm",
    "SvyOlr": "olr",
    "SvrepOlr": "olr",
    "svyolr": "olr",
    "svyolr_refit": "olr",
}

__all__ = sorted(_MODULES)


def __getattr__(name: str):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
