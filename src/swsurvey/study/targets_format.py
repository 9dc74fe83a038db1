"""The format of a targets file (the population totals a wave is weighted to), stated once for
the weighting stage that reads it (:mod:`swsurvey.stages.weighting`) and the check made when the
workflow is read (:mod:`swsurvey.study.targets_check`). Standard library only."""

from __future__ import annotations

#: Columns every targets file has besides the stratum's and the totals' (one row per stratum x
#: variable x level: each figure says where it comes from and what date it refers to).
TARGET_COLUMNS = ("variable", "level", "source", "date")
#: Names accepted for the column of population totals (``total`` is R's and
#: :mod:`swsurvey.survey.targets`' name).
TOTAL_NAMES = ("population_count", "total")
#: What joins the variables of a joint margin in its name (``gender:age_group``) and the levels
#: of its cells (``Woman:Under 30``): R's interaction naming.
JOINT = ":"
