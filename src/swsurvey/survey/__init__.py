"""Design-based survey statistics that agree with R's survey package (Lumley 2004, 2010).

Independent of the #socialwork study. The vocabulary is R's: a design object
(:func:`svydesign`) carries weights, strata, first-stage clusters, a finite-population
correction and any calibration, and every estimate's variance comes from one linearization
engine (:func:`swsurvey.survey.variance.design_vcov`), as R's ``svyrecvar`` does, or, for a
replicate-weight design (:func:`as_svrepdesign`, :func:`svrepdesign`), from its replicates
(:mod:`swsurvey.survey.replicates`, R's ``svrVar``).
"""

from swsurvey.survey.design import SurveyDesign, svydesign

__all__ = ["SurveyDesign", "svydesign"]

# Estimates, proportion confidence intervals and domain estimates.
from swsurvey.survey.by import SvyBy, svyby  # noqa: E402
from swsurvey.survey.ciprop import SvyCiProp, svyciprop  # noqa: E402
from swsurvey.survey.estimates import SvyStat, svymean, svyratio, svytotal, svyvar  # noqa: E402

__all__ += [
    "SvyBy",
    "SvyCiProp",
    "SvyStat",
    "svyby",
    "svyciprop",
    "svymean",
    "svyratio",
    "svytotal",
    "svyvar",
]

# Weighting (rake, postStratify, calibrate, trimWeights) and weight diagnostics.
from swsurvey.survey.diagnostics import margin_table, weight_summary  # noqa: E402
from swsurvey.survey.weighting import (  # noqa: E402
    MARGIN_TOLERANCE,
    Margin,
    TrimBounds,
    as_margins,
    calibrate,
    joint_targets,
    marginal_targets,
    poststratify,
    rake,
    trim_weights,
    weight,
    weighting_report,
)

__all__ += [
    "MARGIN_TOLERANCE",
    "Margin",
    "TrimBounds",
    "as_margins",
    "calibrate",
    "joint_targets",
    "margin_table",
    "marginal_targets",
    "poststratify",
    "rake",
    "trim_weights",
    "weight",
    "weight_summary",
    "weighting_report",
]

# Models and tests of association (svyglm, regTermTest, svyolr, svychisq, svytable).
from swsurvey.survey.chisq import SvyChisq, svychisq, svychisq_statistic, svytable  # noqa: E402
from swsurvey.survey.glm import (  # noqa: E402
    ModelWarning,
    NonConvergenceWarning,
    RegTermTest,
    SeparationWarning,
    SvyGlm,
    reg_term_test,
    svyglm,
    svyglm_refit,
)
from swsurvey.survey.olr import SvrepOlr, SvyOlr, svyolr, svyolr_refit  # noqa: E402

__all__ += [
    "ModelWarning",
    "NonConvergenceWarning",
    "RegTermTest",
    "SeparationWarning",
    "SvyChisq",
    "SvyGlm",
    "SvyOlr",
    "reg_term_test",
    "svychisq",
    "svychisq_statistic",
    "svyglm",
    "svyglm_refit",
    "svyolr",
    "svyolr_refit",
    "svytable",
]

# Replicate-weight designs (svrepdesign, as.svrepdesign) and their variance engine.
from swsurvey.survey.replicates import (  # noqa: E402
    ReplicateStatistic,
    SvrepChisq,
    SvrepCiProp,
    SvrepGlm,
    SvrepStat,
    SvyRepDesign,
    as_svrepdesign,
    combine,
    replicate_estimates,
    svrepdesign,
    with_replicates,
)

__all__ += [
    "SvrepChisq",
    "SvrepCiProp",
    "SvrepGlm",
    "SvrepOlr",
    "SvrepStat",
    "SvyRepDesign",
    "ReplicateStatistic",
    "as_svrepdesign",
    "combine",
    "replicate_estimates",
    "svrepdesign",
    "with_replicates",
]
