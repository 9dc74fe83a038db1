"""Is a wave ready to run? Its files checked against each other before any job runs.

``swsurvey wave check <wave>`` prints what :func:`check_wave` finds, and the workflow runs the
same check on every wave when it is read (:func:`swsurvey.preflight.run`), so that a new
wave's export, instrument, recode specification and targets file that do not fit together stop
the run with every problem at once, one line each naming the file, the variable and the value:

1. the raw file exists and has the configured SHA-256 (cached, :func:`swsurvey.io.files.cached_sha256`);
2. the export's dictionary (read in pure Python, :func:`swsurvey.io.spss_header.read_header`)
   against the instrument: variables missing or not defined, types, code frames
   (:func:`swsurvey.study.dictionary.dictionary_problems`); a variable the instrument does not
   define is not a problem when the import takes care of it (:func:`tolerated_variables`:
   supplied replicate weights, strings, which the import drops by default, and numbers
   without value labels); a coded one is (a question added);
3. no review mark is left (:func:`swsurvey.study.review_marks.review_marks`): a ``review:``
   key on a question of the instrument or on an analysis variable of the recode is what a
   draft (``swsurvey wave draft``) leaves for a person to decide; the person deletes the key
   once decided;
4. the recode against the instrument: every raw variable and code it names exists
   (:func:`swsurvey.study.recode_instrument.recode_problems`); every code of a question the
   recode groups through explicit ``levels:`` is given a level, a missing reason, or is a
   code the exclusions remove (:func:`swsurvey.study.recode_codes.unhandled_codes`); every
   analysis variable the config uses (:func:`swsurvey.study.config_variables.used_variables`)
   is defined (a variable declared "not asked" is defined; ``describe.numeric`` may name one a
   wave lacks, shown as not asked, so it is not checked);
5. the wave id against the recode: its ``wave_year`` (:mod:`swsurvey.study.wave_year`), the
   instrument's ``wave``, years named in the labels of the age chain (the year of birth, the
   age, its bands), and the ages a year-of-birth rule implies, the same in every wave of the
   config (:func:`swsurvey.study.recode_years.year_problems`);
6. the targets file: it exists, has its columns, a row for every level of the stratum
   variable and of every margin as the recode defines them, and population counts that are
   positive numbers (:func:`swsurvey.study.targets_check.target_problems`).

This module runs them in that order; it holds the raw file's check, the variables the import
takes care of, the wave id against the instrument and the cache, the modules named the rest.

Standard library, PyYAML and jsonschema only: the workflow's reading runs this check. A
passing check is remembered (``.snakemake/swsurvey/wave_check.json``) under the stat keys of
every file it read and the config values it used
(:func:`swsurvey.study.wave_check_cache.cached_check_wave`), so that reading an unchanged
workflow costs milliseconds and does not import this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from swsurvey.errors import InputError
from swsurvey.io.files import SHA256_CACHE, cached_sha256
from swsurvey.io.spss_header import read_header
from swsurvey.study.config_variables import used_variables, weighting_of
from swsurvey.study.dictionary import dictionary_problems
from swsurvey.study.instrument import load_instrument
from swsurvey.study.recode import RecodeSpec, load_recode
from swsurvey.study.recode_codes import unhandled_codes
from swsurvey.study.recode_instrument import recode_problems
from swsurvey.study.recode_years import year_problems
from swsurvey.study.review_marks import review_marks
from swsurvey.study.targets_check import target_problems
from swsurvey.study.wave_year import wave_id_year, wave_year_problem

#: Raw files under this folder are made by the workflow itself (rule synthetic_wave): they are
#: checked by the jobs that make and read them.
MADE_BY_WORKFLOW = "results/"

# -- the check -----------------------------------------------------------------------------


def raw_file_problem(wave: str, setting: Mapping, root: Path = Path("."),
                     cache_file: Path = SHA256_CACHE) -> str | None:
    """The wave's raw file is missing or has another SHA-256 than configured, in words (None: fine)."""
    raw = str(setting["raw"])
    if raw.startswith(MADE_BY_WORKFLOW):
        return None
    path = root / raw
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        return (f"wave {wave}: the raw file {raw} (config waves.{wave}.raw) {what} "
                f"(paths are relative to the folder Snakemake runs in); point waves.{wave}.raw at the "
                "wave's SPSS export.")
    expected = setting.get("sha256")
    if expected is None:
        return None
    actual = cached_sha256(path, cache_file)
    if actual != str(expected).strip().lower():
        return (f"wave {wave}: the raw file {raw} has SHA-256 {actual}, but config "
                f"waves.{wave}.sha256 says {expected}: the file changed, or it is not the export "
                f"the wave was configured for. If it is the export to analyse, set "
                f"waves.{wave}.sha256: {actual}.")
    return None


def tolerated_variables(config: Mapping, setting: Mapping, variables: Sequence) -> list[str]:
    """Variables of the export the instrument need not define, because the import takes care of
    them: the supplied replicate weights (``waves.<wave>.variance.columns``, names or a regular
    expression, and ``full_sample_weight``); with ``privacy.drop_unlisted_strings``, any string
    (dropped at import: it never reaches the analysis); and a number without value labels (kept
    by the import, read by nothing). A coded variable (value labels) the instrument does not
    define is a question added to the questionnaire: it is reported."""
    variance = setting.get("variance") or {}
    names = set()
    columns = variance.get("columns") if variance.get("method") == "supplied" else None
    if isinstance(columns, str):
        try:
            pattern = re.compile(columns)
        except re.error:
            pattern = None  # the import names a bad pattern
        names |= {v.name for v in variables if pattern is not None and pattern.search(v.name)}
    elif columns:
        names |= {str(c) for c in columns}
    if variance.get("full_sample_weight"):
        names.add(str(variance["full_sample_weight"]))
    if (config.get("privacy") or {}).get("drop_unlisted_strings", True):
        names |= {v.name for v in variables if v.type == "string"}
    # a number without value labels (a weight, an embedded numeric field) is imported as any other
    # and read by nothing; a coded one (value labels) is a question the instrument must define
    names |= {v.name for v in variables if v.type != "string" and not v.value_labels}
    return sorted(names)


def _load(loader, path: Path, lines: list[str]):
    try:
        return loader(path)
    except InputError as exc:
        lines.append(str(exc))
        return None


def _other_recodes(config: Mapping, wave: str, root: Path) -> dict[str, RecodeSpec]:
    others = {}
    for other, setting in (config.get("waves") or {}).items():
        if other == wave or not isinstance(setting, Mapping):
            continue
        try:
            others[other] = load_recode(root / setting["recode"])
        except (InputError, KeyError):
            continue  # that wave's own check reports it
    return others


def check_wave(config: Mapping, wave: str, root: str | Path = ".", *,
               sha256_cache: Path | None = None) -> list[str]:
    """Every problem of the wave's files (config ``waves.<wave>``) against each other, one line
    each naming the file, the variable and the value; empty when the wave is ready to run.

    ``config`` is the config as the workflow reads it: each wave's weighting resolved and the
    schema's defaults filled in. Paths are relative to ``root``.
    """
    root = Path(root)
    setting = config["waves"][wave]
    lines: list[str] = []
    problem = raw_file_problem(wave, setting, root, sha256_cache or root / SHA256_CACHE)
    if problem:
        lines.append(problem.removeprefix(f"wave {wave}: "))
    instrument_file, recode_file = str(setting["instrument"]), str(setting["recode"])
    instrument = _load(load_instrument, root / instrument_file, lines)
    lines += review_marks(instrument_file, recode_file, root)
    spec = _load(load_recode, root / recode_file, lines)

    raw = str(setting["raw"])
    if problem is None and instrument is not None and not raw.startswith(MADE_BY_WORKFLOW):
        try:
            header = read_header(root / raw)
        except InputError as exc:
            lines.append(str(exc))
        else:
            if header.format != "por":  # a portable file's dictionary is checked at import
                tolerated = tolerated_variables(config, setting, header.variables)
                lines += dictionary_problems(header.variables, instrument, file=raw, tolerated=tolerated)

    year = wave_id_year(wave)
    if instrument is not None and year is not None and instrument.wave and wave_id_year(instrument.wave) != year:
        lines.append(str(InputError(
            f"the instrument is for wave {instrument.wave}, but the wave id says {year}: give wave "
            f"{wave} the instrument it follows", file=instrument_file,
        )))
    if spec is not None:
        problem = wave_year_problem(wave, recode_file, root)
        if problem:
            lines.append(problem.removeprefix(f"wave {wave}: "))
        lines += year_problems(spec, recode_file, _other_recodes(config, wave, root))
        used = used_variables(config, wave)
        for name, key in used.items():
            if name not in spec.by_name:
                lines.append(str(InputError(
                    f"analysis variable used by config {key} is not defined by the recode (a "
                    "question the wave did not ask is defined as not asked: a cases rule with no "
                    "case and otherwise: {reason: \"not asked\"})", file=recode_file, variable=name,
                )))
    if spec is not None and instrument is not None:
        lines += [str(exc) for exc in recode_problems(spec, instrument)]
        lines += unhandled_codes(spec, instrument, recode_file)
        weighting = weighting_of(config, wave)
        targets = setting.get("targets")
        if targets is not None and not str(targets).startswith(MADE_BY_WORKFLOW) and weighting.get("method") != "none":
            lines += target_problems(str(targets), root, weighting, spec, instrument)
    if root != Path("."):  # files named as the config names them, not by where the check ran
        lines = [line.replace(f"{root}/", "") for line in lines]
    return [f"wave {wave}: {line}" for line in dict.fromkeys(lines)]
