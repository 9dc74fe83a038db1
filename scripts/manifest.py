"""Snakemake adapter: the run's manifest and RO-Crate from every job's record (see swsurvey.provenance.run_outputs)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.run_outputs import write_run_provenance

with to_logfile(snakemake.log[0]):
    write_run_provenance(
        list(snakemake.input.records),
        out_json=snakemake.output.json,
        out_md=snakemake.output.md,
        out_html=snakemake.output.html,
        out_crate=snakemake.output.crate,
    )
