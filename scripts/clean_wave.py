"""Snakemake adapter: clean one wave as its recode specification says (see swsurvey.stages.cleaning)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.cleaning import clean_wave
from swsurvey.study.variance_setting import supplied_setting

with to_logfile(snakemake.log[0]), recorded(snakemake):
    clean_wave(
        data=snakemake.input.data,
        instrument=snakemake.input.instrument,
        recode=snakemake.input.recode,
        recode_schema=snakemake.input.recode_schema,
        out_data=snakemake.output.data,
        out_codebook_json=snakemake.output.codebook_json,
        out_codebook_md=snakemake.output.codebook_md,
        out_flow_csv=snakemake.output.flow_csv,
        out_flow_md=snakemake.output.flow_md,
        wave=snakemake.wildcards.wave,
        date_precision=snakemake.params.date_precision,
        # with replicate weights supplied in the raw file, their columns are carried
        variance=supplied_setting(
            snakemake.params.columns,
            snakemake.params.type,
            snakemake.params.combined_weights,
            snakemake.params.full_sample_weight,
        ),
    )
