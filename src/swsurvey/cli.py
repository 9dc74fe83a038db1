"""Command-line entry points (``swsurvey ...``) for work outside the Snakemake workflow.

The workflow itself runs through ``snakemake``; these commands help a researcher look at an
export before pointing the workflow at it, and rebuild the synthetic stand-in wave.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.logging import get_logger

DEFAULT_INSTRUMENT = Path("workflow/instruments/socialwork_2017.yaml")


def _synthesize(args: argparse.Namespace) -> None:
    from swsurvey.synthetic import write_wave

    write_wave(
        instrument_path=args.instrument,
        out_sav=args.out,
        out_margins=args.margins,
        seed=args.seed,
        scale=args.scale,
    )
    from swsurvey.outputs import sha256_file

    print(f"wrote {args.out} (sha256 {sha256_file(args.out)}) and {args.margins}")


def _inspect(args: argparse.Namespace) -> None:
    """Import a file into a scratch folder and print where its codebook is."""
    from swsurvey.importing import import_wave

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="swsurvey", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    syn = sub.add_parser("synthesize", help="write a synthetic wave (.sav) and its population margins")
    syn.add_argument("--instrument", default=DEFAULT_INSTRUMENT, type=Path)
    syn.add_argument("--seed", type=int, default=20170601)
    syn.add_argument("--scale", type=float, default=1.0)
    syn.add_argument("--out", type=Path, default=Path("data/synthetic/socialwork_2017.sav"))
    syn.add_argument(
        "--margins", type=Path, default=Path("data/synthetic/population_margins_2017.csv")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logger = get_logger()
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler(sys.stderr))
    try:
        args.run(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
