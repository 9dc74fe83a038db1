"""``swsurvey wave draft``: the drafts of a new wave from its export's dictionary, written at once.

``swsurvey wave draft NEW.sav --like 2021 --wave 2024`` matches the export's variables
(:mod:`swsurvey.study.wave_items`) to the earlier wave's instrument
(:mod:`swsurvey.study.wave_match`) and writes, for a person to review, never to be applied
silently: a draft instrument whose questions carry ``was:`` their earlier name
(:mod:`swsurvey.study.instrument_draft`), the earlier recode specification redrafted for the new
names (:mod:`swsurvey.study.recode_draft`), the ``waves:`` entry to paste into config.yaml
(drafted here), and a change report, Markdown and JSON (:mod:`swsurvey.study.change_report`).
What a person must decide is marked ``review:`` in the drafts (an uncertain match with its
candidates and scores, a new question's place); a person resolves a mark by deleting it, and
``swsurvey wave check`` and the workflow refuse a wave that still has one.

The drafts are text written by code, byte for byte the same for the same inputs (no dates).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import yaml

from swsurvey.errors import InputError
from swsurvey.io.files import sha256_file
from swsurvey.io.spss import read_metadata
from swsurvey.study.change_report import change_markdown, change_report
from swsurvey.study.draft_context import DraftContext
from swsurvey.study.draft_yaml import scalar
from swsurvey.study.instrument import load_instrument
from swsurvey.study.instrument_draft import draft_instrument_text
from swsurvey.study.recode import load_recode
from swsurvey.study.recode_draft import draft_recode_text
from swsurvey.study.wave_items import declared_missing, dictionary_items, instrument_items
from swsurvey.study.wave_match import match_items
from swsurvey.study.wave_year import wave_id_year

# ---------------------------------------------------------------------------------------------
# The config entry


def _path_for_wave(path: str, like: str, wave: str, stem: str) -> str:
    """The earlier wave's file path with the new wave in its name."""
    pure = PurePosixPath(path)
    name = pure.name.replace(like, wave) if like in pure.name else f"{stem}_{wave}{pure.suffix}"
    return str(pure.with_name(name))


def _path(path: str) -> str:
    """A path bare, as config.yaml writes paths, or quoted where YAML would misread it."""
    return path if re.fullmatch(r"[\w./-]+", path) else scalar(path)


def recode_stem(name: str) -> str:
    """A recode name without its wave (``socialwork_2021`` -> ``socialwork``)."""
    return re.sub(r"[_-]?(?:19|20)\d\d\w*$", "", name) or name


def config_entry_text(ctx: DraftContext, settings: Mapping, stem: str, sha256: str) -> str:
    """The ``waves:`` entry of the new wave, to paste into config.yaml once the drafts are reviewed."""
    instrument_dir = PurePosixPath(str(settings["instrument"])).parent
    recode_dir = PurePosixPath(str(settings["recode"])).parent
    targets = settings.get("targets")
    instrument, recode = f"{instrument_dir}/{stem}_{ctx.wave}.yaml", f"{recode_dir}/{stem}_{ctx.wave}.yaml"
    lines = [
        f"# The config entry of wave {ctx.wave}, drafted by `swsurvey wave draft` like wave {ctx.like}: paste it",
        "# under `waves:` in config.yaml once the drafts are reviewed and moved to the paths below",
        f"# (instrument.yaml -> {instrument}, recode.yaml -> {recode}).",
        "waves:",
        f"  {scalar(ctx.wave)}:",
        f"    raw: {_path(ctx.export)}",
        f"    sha256: {sha256}",
        f"    instrument: {_path(instrument)}",
        f"    recode: {_path(recode)}",
    ]
    if targets:
        lines.append(f"    # Supply this file: the population totals of wave {ctx.wave}, as {targets} gives "
                     f"wave {ctx.like}'s.")
        lines.append(f"    targets: {_path(_path_for_wave(str(targets), ctx.like, ctx.wave, 'population_margins'))}")
    lines.append("    published: null")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The command


def _like_settings(config: Path, like: str) -> Mapping:
    try:
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise InputError("config file not found", file=config) from None
    waves = doc.get("waves") or {}
    if like not in waves:
        raise InputError(f"no wave {like!r} in waves: (it has {', '.join(map(str, waves))})", file=config,
                         variable="--like")
    return waves[like]


def draft_wave(
    export: str, like: str, wave: str, *, config: str | Path = "config.yaml", out: str | Path | None = None,
    force: bool = False, root: str | Path = ".",
) -> tuple[Path, dict]:
    """Write the drafts of wave ``wave`` from ``export`` like wave ``like`` into ``out``.

    ``out`` (default ``drafts/<wave>``) gets instrument.yaml, recode.yaml, config.yaml,
    changes.md and changes.json, all at once: they are written into a temporary folder beside
    it that is then renamed, so a failure leaves no half-written draft. An existing draft
    folder is refused unless ``force``. Paths in config are relative to ``root``.
    Returns the folder and the change report.
    """
    root = Path(root)
    out = Path(out) if out is not None else root / "drafts" / wave
    if out.exists() and not force:
        raise InputError("a draft folder is already there: review or move it, or give --force to replace it",
                         file=out)
    if wave_id_year(wave) is None:
        raise InputError("the wave id must start with its year (e.g. 2024)", variable="--wave", value=wave)
    settings = _like_settings(root / config, like)
    like_instrument = load_instrument(root / settings["instrument"])
    like_spec = load_recode(root / settings["recode"])
    export_path = Path(export) if Path(export).is_absolute() else root / export
    meta = read_metadata(export_path)
    ctx = DraftContext(export=str(export), wave=wave, like=like,
                       like_instrument_path=str(settings["instrument"]), like_recode_path=str(settings["recode"]))
    new_items = dictionary_items(meta, like_instrument.user_missing)
    matches = match_items(new_items, instrument_items(like_instrument))
    report = change_report(matches, ctx)
    stem = recode_stem(like_spec.name)
    files = {
        "instrument.yaml": draft_instrument_text(like_instrument, new_items, matches, ctx, declared_missing(meta)),
        "recode.yaml": draft_recode_text(
            (root / settings["recode"]).read_text(encoding="utf-8"), like_spec, like_instrument, new_items, matches,
            like=like, wave=wave, stem=stem, export=str(export),
        ),
        "config.yaml": config_entry_text(ctx, settings, stem, sha256_file(export_path)),
        "changes.md": change_markdown(report),
        "changes.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8", newline="\n")
        tmp.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out, report
