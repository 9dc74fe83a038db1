"""Snakemake adapter: write a synthetic wave from its seed (see swsurvey.synthetic.generate)."""

from swsurvey.io.logfile import to_logfile
from swsurvey.provenance.records import recorded
from swsurvey.synthetic.generate import write_wave

with to_logfile(snakemake.log[0]), recorded(snakemake):
    write_wave(
        instrument_path=snakemake.input.instrument,
        out_sav=snakemake.output.sav,
        out_margins=snakemake.output.margins,
        seed=snakemake.params.seed,
        scale=snakemake.params.scale,
        wave=snakemake.params.wave,
    )
