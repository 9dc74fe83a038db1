"""Snakemake adapter: one wave's report tables as pages the report shows (see swsurvey.stages.report_pages)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.report_pages import PAGES, TABLES, write_report_pages

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_report_pages(
        snakemake.wildcards.wave,
        inputs={name: snakemake.input[name] for name in TABLES},
        codebook=snakemake.input.codebook,
        import_codebook=snakemake.input.import_codebook,
        clean_codebook=snakemake.input.clean_codebook,
        models=snakemake.params.models,
        main_results=snakemake.params.main_results,
        min_n=snakemake.params.min_n,
        weighting=snakemake.params.weighting,
        outputs={name: snakemake.output[name] for name in PAGES},
    )
