"""Snakemake adapter: the descriptive tables as Markdown, HTML and Excel (see swsurvey.io.tables)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.io.tables import format_tables
from swsurvey.provenance.records import recorded

with to_logfile(snakemake.log[0]), recorded(snakemake):
    format_tables(
        estimates=snakemake.input.estimates,
        out_md=snakemake.output.md,
        out_html=snakemake.output.html,
        out_xlsx=snakemake.output.xlsx,
        wave=snakemake.wildcards.wave,
        min_n=snakemake.params.min_n,
        method=snakemake.params.method,
        stratum=snakemake.params.stratum,
    )
