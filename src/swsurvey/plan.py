"""What the workflow needs to know when it is read, before any job: standard library only.

Snakemake reads the workflow on every run, and on a cluster once more for every job, so
nothing it imports then may pull in pandas, numpy or the survey library (a test checks the
modules ``workflow/rules/common.smk`` imports). The facts here are stated once: the modules
that do the work take them from here.
"""

from __future__ import annotations

#: The table each study figure is drawn from (the keys of ``workflow/rules/common.smk``'s
#: FIGURE_TABLES): one job per figure reads it (rule study_figure).
FIGURE_SOURCES = {
    "any_use_by_country": "estimates",
    "frequency_by_channel": "estimates",
    "purposes_heatmap": "estimates",
    "exclusion_flow": "flow",
    "odds_ratios": "coefficients",
    "weighting_shift": "weighting_effect",
}
