"""Command-line entry points (``swsurvey ...``) for work outside the Snakemake workflow.

The workflow itself runs through ``snakemake``; these commands help a researcher look at an
export before pointing the workflow at it, rebuild the synthetic stand-in wave, and check a
finished run: ``audit`` (are the files still those the provenance records describe?),
``explain`` (where did one estimate come from?), ``manifest`` and ``rocrate`` (gather the
records into the run's manifest or RO-Crate); and, for a new wave, ``wave draft`` (draft its
instrument, recode and config entry from its export, for a person to review).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.io.logfile import get_logger

DEFAULT_INSTRUMENT = Path("workflow/instruments/socialwork_2017.yaml")


def _synthesize(args: argparse.Namespace) -> None:
    """Write a synthetic wave; the seed and the files' names follow the wave by default
    (``data/synthetic/socialwork_<wave>.sav``, ``population_margins_<wave>.csv``)."""
    from swsurvey.study.instrument import load_instrument
    from swsurvey.synthetic.generate import write_wave
    from swsurvey.synthetic.waves import default_seed

    wave = args.wave or load_instrument(args.instrument).wave
    out = args.out or Path(f"data/synthetic/socialwork_{wave}.sav")
    margins = args.margins or Path(f"data/synthetic/population_margins_{wave}.csv")
    write_wave(
        instrument_path=args.instrument,
        out_sav=out,
        out_margins=margins,
        seed=default_seed(wave) if args.seed is None else args.seed,
        scale=args.scale,
        wave=args.wave,
    )
    from swsurvey.io.files import sha256_file

    print(f"wrote {out} (sha256 {sha256_file(out)}) and {margins}")


def _inspect(args: argparse.Namespace) -> None:
    """Import a file into a scratch folder and print where its codebook is."""
    from swsurvey.stages.importing import import_wave

    out = Path(args.out)
    import_wave(
        raw=args.file,
        out_data=out / "responses.parquet",
        out_codebook_json=out / "codebook.json",
        out_codebook_md=out / "codebook.md",
        instrument=args.instrument,
        key_file=args.key_file,
    )
    print(f"codebook: {out / 'codebook.md'}")


def _audit(args: argparse.Namespace) -> int:
    from swsurvey.provenance.audit import audit

    findings = audit(args.manifest, args.root)
    for finding in findings:
        print(finding)
    if not findings:
        print("no findings")
    return 1 if findings else 0


#: The options that name one estimate, when no compact id is given.
CELL_OPTIONS = ("wave", "table", "variable", "level", "domain")


def _explain(args: argparse.Namespace) -> None:
    from swsurvey.provenance.lineage import explain, explain_id

    if args.id is not None:
        lineage = explain_id(args.results, args.id)
    else:
        missing = [f"--{name}" for name in CELL_OPTIONS if getattr(args, name) is None]
        if missing:
            raise InputError(
                "name the estimate by its id (e.g. 2017/T2/any_ict_use/Yes/Canada/weighted) or with "
                f"--wave, --table, --variable, --level and --domain; missing: {', '.join(missing)}"
            )
        lineage = explain(
            args.results,
            args.wave,
            table=args.table,
            variable=args.variable,
            level=args.level,
            domain=args.domain,
            weighting=args.weighting,
        )
    print(lineage.render(), end="")


def _manifest(args: argparse.Namespace) -> None:
    from swsurvey.provenance.manifest import build_manifest, write_manifest
    from swsurvey.provenance.records import find_records

    out = args.out or args.results / "manifest.json"
    manifest = build_manifest(find_records(args.results), outputs_root=args.results)
    write_manifest(manifest, out, out_md=out.with_suffix(".md"), out_html=out.with_suffix(".html"))
    print(f"wrote {out} ({len(manifest['outputs'])} outputs of {len(manifest['records'])} jobs)")


def _rocrate(args: argparse.Namespace) -> None:
    from swsurvey.provenance.crate import write_crate
    from swsurvey.provenance.manifest import gather
    from swsurvey.provenance.records import find_records

    run = gather(find_records(args.results), outputs_root=args.results)
    print(f"wrote {write_crate(run, args.out or args.results / 'ro-crate')}")


def _wave_draft(args: argparse.Namespace) -> None:
    """Draft a new wave's instrument, recode and config entry from its export, for review."""
    from swsurvey.study.change_report import summary_line
    from swsurvey.study.wave_draft import draft_wave

    out, report = draft_wave(
        str(args.export), args.like, args.wave, config=args.config, out=args.out, force=args.force
    )
    names = ", ".join(("instrument.yaml", "recode.yaml", "config.yaml", "changes.md", "changes.json"))
    print(f"wrote {out}/: {names}")
    print(summary_line(report))


def _wave_check(args: argparse.Namespace) -> int:
    """Check a wave's files against each other as the workflow does when it is read."""
    import yaml
    from snakemake.utils import validate

    from swsurvey.preflight import check_config
    from swsurvey.provenance.settings import resolve_wave_settings
    from swsurvey.study.wave_check import check_wave

    try:
        config = yaml.safe_load(Path(args.config).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("config file not found", file=args.config) from None
    except yaml.YAMLError as exc:
        raise InputError(f"config is not valid YAML: {exc}", file=args.config) from None
    resolve_wave_settings(config)
    check_config(config, args.schema, validate)
    if args.wave not in config["waves"]:
        raise InputError(f"no wave {args.wave!r} in the config (its waves: {', '.join(config['waves'])})",
                         file=args.config)
    problems = check_wave(config, args.wave, args.root)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    setting = config["waves"][args.wave]
    print(f"ok: wave {args.wave} ({setting['raw']}, instrument {setting['instrument']}, recode {setting['recode']}, "
          f"targets {setting['targets']}) is ready to run")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swsurvey", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    syn = sub.add_parser(
        "synthesize", help="write a synthetic wave (.sav) and its population margins, for any instrument and wave id"
    )
    syn.add_argument("--instrument", default=DEFAULT_INSTRUMENT, type=Path)
    syn.add_argument(
        "--seed", type=int, default=None,
        help="default: the stored wave's (2017: 20170601, 2021: 20210601), else the wave year's June 1 (20240601)",
    )
    syn.add_argument("--scale", type=float, default=1.0, help="e.g. 0.1 for a small wave")
    syn.add_argument(
        "--wave", default=None,
        help="the wave id the file stands in for, named in its label and notes (default: the instrument's)",
    )
    syn.add_argument("--out", type=Path, default=None, help="default: data/synthetic/socialwork_<wave>.sav")
    syn.add_argument(
        "--margins", type=Path, default=None, help="default: data/synthetic/population_margins_<wave>.csv"
    )
    syn.set_defaults(run=_synthesize)

    ins = sub.add_parser(
        "inspect", help="import an SPSS file (personal data dropped) and write its codebook"
    )
    ins.add_argument("file", type=Path)
    ins.add_argument("--out", type=Path, default=Path("results/inspect"))
    ins.add_argument("--instrument", type=Path, default=None)
    ins.add_argument("--key-file", type=Path, default=Path(".secrets/pseudonym.key"))
    ins.set_defaults(run=_inspect)

    aud = sub.add_parser(
        "audit", help="check a finished run's files against its provenance (exit 1 on any finding)"
    )
    aud.add_argument("--manifest", type=Path, default=Path("results/manifest.json"))
    aud.add_argument("--root", type=Path, default=Path("."), help="the folder the manifest's paths start from")
    aud.set_defaults(run=_audit)

    exp = sub.add_parser("explain", help="trace one estimate back through the run to the raw file")
    exp.add_argument(
        "id",
        nargs="?",
        default=None,
        help="a number's id as the study report shows it: an estimate's, <wave>/T<table>/<variable>/<level>/<domain>/"
        "<weighted|unweighted> (e.g. 2017/T2/any_ict_use/Yes/Canada/weighted), or a row's of another result table "
        "(e.g. '2017/coefficients/weekly_use/age_group60 or older/weighted'); or name an estimate with the options below",
    )
    exp.add_argument("--wave")
    exp.add_argument("--table", help="the table's full name")
    exp.add_argument("--variable")
    exp.add_argument("--level")
    exp.add_argument("--domain")
    exp.add_argument("--weighting", choices=["weighted", "unweighted"], default="weighted")
    exp.add_argument("--results", type=Path, default=Path("results"))
    exp.set_defaults(run=_explain)

    man = sub.add_parser("manifest", help="gather the run's provenance records into results/manifest.json")
    man.add_argument("--results", type=Path, default=Path("results"))
    man.add_argument("--out", type=Path, default=None, help="default: <results>/manifest.json (.md, .html beside)")
    man.set_defaults(run=_manifest)

    roc = sub.add_parser("rocrate", help="write the run as a Workflow Run RO-Crate (metadata only)")
    roc.add_argument("--results", type=Path, default=Path("results"))
    roc.add_argument("--out", type=Path, default=None, help="default: <results>/ro-crate")
    roc.set_defaults(run=_rocrate)

    wave = sub.add_parser("wave", help="prepare a new wave: draft its files from an export, check them")
    wave_sub = wave.add_subparsers(dest="wave_command", required=True)
    draft = wave_sub.add_parser(
        "draft",
        help="match a new export's dictionary to an earlier wave and write a draft instrument, recode, "
        "config entry and change report (every uncertain decision marked review:)",
    )
    draft.add_argument("export", type=Path, help="the new wave's SPSS export (.sav)")
    draft.add_argument("--like", required=True, help="the earlier wave (in config's waves:) the new one revises")
    draft.add_argument("--wave", required=True, help="the new wave's id, starting with its year (e.g. 2024)")
    draft.add_argument("--config", type=Path, default=Path("config.yaml"))
    draft.add_argument("--out", type=Path, default=None, help="default: drafts/<wave>")
    draft.add_argument("--force", action="store_true", help="replace an existing draft folder")
    draft.set_defaults(run=_wave_draft)
    chk = wave_sub.add_parser(
        "check",
        help="check a wave's export, instrument, recode and targets against each other, as the workflow does when "
        "it is read (one line per problem; exit 1 on any)",
    )
    chk.add_argument("wave", help="the wave's id in the config (waves.<wave>)")
    chk.add_argument("--config", type=Path, default=Path("config.yaml"))
    chk.add_argument("--schema", type=Path, default=Path("workflow/schemas/config.schema.yaml"))
    chk.add_argument("--root", type=Path, default=Path("."), help="the folder the config's paths start from")
    chk.set_defaults(run=_wave_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logger = get_logger()
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler(sys.stderr))
    try:
        status = args.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
