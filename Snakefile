# The #socialwork survey pipeline: from a raw Qualtrics SPSS export to tables, models, figures and a report.
# Read this file as the table of contents; each stage lives in workflow/rules/<stage>.smk.
from snakemake.utils import min_version

min_version("9.19")


configfile: "config.yaml"


# The report's front page: workflow/report/workflow.rst with key numbers (rule report_text).
report: "results/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/synthetic.smk"
include: "workflow/rules/import.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/weight.smk"
include: "workflow/rules/describe.smk"
include: "workflow/rules/infer.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/crosswave.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/provenance.smk"


rule all:
    default_target: True
    input:
        final_outputs(),
