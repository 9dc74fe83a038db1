"""Snakemake adapter: import one wave's raw SPSS export (see swsurvey.stages.importing)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.stages.importing import import_wave
from swsurvey.study.variance_setting import supplied_setting

with to_logfile(snakemake.log[0]), recorded(snakemake):
    params = snakemake.params
    import_wave(
        raw=snakemake.input.raw,
        instrument=snakemake.input.instrument,
        out_data=snakemake.output.data,
        out_codebook_json=snakemake.output.codebook_json,
        out_codebook_md=snakemake.output.codebook_md,
        expected_sha256=snakemake.params.sha256,
        encoding=snakemake.params.encoding,
        key_file=params.pseudonym_key_file,
        drop_instrument_pii=params.drop_instrument_pii,
        drop_unlisted_strings=params.drop_unlisted_strings,
        keep_strings=params.keep_strings,
        drop=params.drop,
        pseudonymise=params.pseudonymise,
        # with replicate weights supplied in the raw file, their columns are checked
        variance=supplied_setting(
            snakemake.params.columns,
            snakemake.params.type,
            snakemake.params.combined_weights,
            snakemake.params.full_sample_weight,
        ),
    )
