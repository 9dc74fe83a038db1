"""Design-based survey statistics that agree with R's survey package (Lumley 2004, 2010).

Independent of the #socialwork study. The vocabulary is R's: a design object
(:func:`svydesign`) carries weights, strata, first-stage clusters, a finite-population
correction and any calibration, and every estimate's variance comes from one linearization
engine (:func:`swsurvey.survey.variance.design_vcov`), as R's ``svyrecvar`` does.
"""

from swsurvey.survey.design import SurveyDesign, svydesign

__all__ = ["SurveyDesign", "svydesign"]
