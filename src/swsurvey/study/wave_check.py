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
3. no review mark is left: a ``review:`` key on a question of the instrument or on an analysis
   variable of the recode is what a draft (``swsurvey wave draft``) leaves for a person to
   decide; the person deletes the key once decided;
4. the recode against the instrument: every raw variable and code it names exists
   (:func:`swsurvey.study.recode_instrument.recode_problems`); every code of a question the
   recode groups through explicit ``levels:`` is given a level, a missing reason, or is a
   code the exclusions remove; every analysis variable the config uses is defined (a variable
   declared "not asked" is defined; ``describe.numeric`` may name one a wave lacks, shown as
   not asked, so it is not checked);
5. the wave id against the recode: its ``wave_year`` (:mod:`swsurvey.study.wave_year`), the
   instrument's ``wave``, years named in the labels of the age chain (the year of birth, the
   age, its bands), and the ages a year-of-birth rule implies (below);
6. the targets file: it exists, has its columns, a row for every level of the stratum
   variable and of every margin (``weighting.stratum``, ``weighting.margins``, after
   ``weighting.level_map``; a joint margin ``a:b`` every combination) within every stratum,
   and population counts that are positive numbers.

"Levels as the recode defines them": a code rule's ``levels:`` labels or, for a code rule
without them, the instrument's value labels minus the missing codes; a bands, checkbox or
cases rule's labels.

The ages a year-of-birth rule implies. A numeric rule that feeds an ``age`` rule keeps the
years of birth ``valid: {min, max}``; in the wave year ``Y`` they are the ages ``Y - max`` to
``Y - min``. Who may answer (the eligible ages) is a fact of the study, not of a wave, so
every wave with such a rule must imply the same ages: a 2024 specification copied from 2021
with ``valid: {min: 1936, max: 2000}`` implies ages 24-88 where 2021's implies 21-85, and is
reported with the years that keep 21-85 (1939-2003). Only the waves of the same config are
compared; a wave with no other wave to compare with is not checked on this point.

Standard library, PyYAML and jsonschema only: the workflow's reading imports this module. A
passing check is remembered (``.snakemake/swsurvey/wave_check.json``) under the stat keys of
every file it read and the config values it used (:func:`cached_check_wave`), so that reading
an unchanged workflow costs milliseconds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from itertools import product
from pathlib import Path
from typing import Any

import yaml

from swsurvey.errors import InputError
from swsurvey.io.files import SHA256_CACHE, cached_sha256, stat_key, write_json
from swsurvey.io.spss_header import read_header
from swsurvey.study.dictionary import dictionary_problems
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.recode import (
    AgeRule,
    AllOf,
    BandsRule,
    CodeRule,
    Match,
    NumericRule,
    RecodeSpec,
    code_levels,
    labels_of,
    load_recode,
)
from swsurvey.study.recode_instrument import recode_problems
from swsurvey.study.wave_year import wave_id_year, wave_year_problem

#: Raw files under this folder are made by the workflow itself (rule synthetic_wave): they are
#: checked by the jobs that make and read them.
MADE_BY_WORKFLOW = "results/"

#: Where passing checks are remembered between reads of the workflow.
CHECK_CACHE = Path(".snakemake/swsurvey/wave_check.json")

#: The key a draft marks what a person must decide with.
REVIEW_KEY = "review"

#: Columns every targets file has besides the stratum's (:mod:`swsurvey.stages.weighting`
#: reads the same), and the names its column of population totals may have.
TARGET_COLUMNS = ("variable", "level", "source", "date")
TOTAL_NAMES = ("population_count", "total")
#: What joins the variables of a joint margin and the levels of its cells (R's interaction naming).
JOINT = ":"

#: libyaml's loader when PyYAML has it (the files are read on every read of the workflow).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: A four-digit year in a label.
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")
#: A name in a model formula (a function's name is followed by "(").
_FORMULA_NAME = re.compile(r"(?<![\w.])([A-Za-z_][\w.]*)(?![\w.])(?!\s*\()")
#: Quoted text in a formula ("Yes").
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")


# -- the config ----------------------------------------------------------------------------


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def margin_variables(margins: Sequence) -> list[tuple[str, ...]]:
    """``weighting.margins`` as one tuple of variables per margin (``a:b`` or [a, b] joint)."""
    return [tuple(m.split(JOINT)) if isinstance(m, str) else tuple(str(v) for v in m) for m in margins or []]


def formula_variables(formula: str) -> list[str]:
    """The variables a model formula names (``I(weekly_use == "Yes") ~ age_group + ...``)."""
    return list(dict.fromkeys(_FORMULA_NAME.findall(_QUOTED.sub(" ", formula))))


def used_variables(config: Mapping, wave: str) -> dict[str, str]:
    """Every analysis variable the config uses for the wave, with the first config key using it."""
    used: dict[str, str] = {}

    def add(names, key: str) -> None:
        for name in names:
            used.setdefault(name, key)

    describe = config.get("describe") or {}
    add(_listed(describe.get("by")), "describe.by")
    for table, names in (describe.get("tables") or {}).items():
        add(_listed(names), f"describe.tables[{table!r}]")
    add(list(describe.get("main_results") or {}), "describe.main_results")
    # describe.numeric is not here: a numeric item a wave lacks is shown as not asked (its schema says so)
    infer = config.get("infer") or {}
    add(_listed(infer.get("items")), "infer.items")
    for model, setting in (infer.get("models") or {}).items():
        add(formula_variables(str(setting.get("formula", ""))), f"infer.models.{model}.formula")
        add(list(setting.get("domain") or {}), f"infer.models.{model}.domain")
        add(list(setting.get("reference") or {}), f"infer.models.{model}.reference")
    weighting = weighting_of(config, wave)
    add(_listed(weighting.get("stratum")), f"waves.{wave}.weighting.stratum")
    for variables in margin_variables(weighting.get("margins")):
        add(variables, f"waves.{wave}.weighting.margins")
    # weighting.design's columns are checked by the weighting stage, on the data (a base weight
    # column may come from elsewhere than the recode)
    for scheme, setting in ((config.get("sensitivity") or {}).get("schemes") or {}).items():
        for variables in margin_variables((setting or {}).get("margins")):
            add(variables, f"sensitivity.schemes.{scheme}.margins")
    return used


def weighting_of(config: Mapping, wave: str) -> Mapping:
    """The wave's whole weighting (resolved: :func:`swsurvey.provenance.settings.resolve_wave_settings`)."""
    own = (config["waves"][wave] or {}).get("weighting")
    return own if isinstance(own, Mapping) else (config.get("weighting") or {})


# -- helpers -------------------------------------------------------------------------------


def _line(message: str, *, file: Any = None, variable: str | None = None, value: object = None) -> str:
    return str(InputError(message, file=file, variable=variable, value=value))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _why(mark: Any) -> str:
    if isinstance(mark, Mapping):
        why = str(mark.get("why") or "").strip() or "(no reason given)"
        candidates = mark.get("candidates")
        if isinstance(candidates, Mapping) and candidates:
            why += " (candidates: " + ", ".join(f"{k} {v}" for k, v in candidates.items()) + ")"
        return " ".join(why.split())
    return " ".join(str(mark).split())


def review_marks(instrument_file: str, recode_file: str, root: Path) -> list[str]:
    """A line for each ``review:`` key left on the instrument, one of its questions, the recode or
    one of its analysis variables (what a draft asks a person to decide)."""
    lines = []
    doc = _read_yaml(root / instrument_file)
    if isinstance(doc, Mapping):
        if REVIEW_KEY in doc:  # on the instrument as a whole (e.g. when it was fielded)
            lines.append(f"instrument {instrument_file}: review mark left: {_why(doc[REVIEW_KEY])}; "
                         "decide and delete the review: key")
        for section in ("metadata", "questions"):
            for item in doc.get(section) or []:
                if isinstance(item, Mapping) and REVIEW_KEY in item:
                    lines.append(f"instrument {instrument_file}, question {item.get('name')}: review mark left: "
                                 f"{_why(item[REVIEW_KEY])}; decide and delete the review: key")
    doc = _read_yaml(root / recode_file)
    if isinstance(doc, Mapping):
        if REVIEW_KEY in doc:
            lines.append(f"recode {recode_file}: review mark left: {_why(doc[REVIEW_KEY])}; "
                         "decide and delete the review: key")
        for item in doc.get("variables") or []:
            if isinstance(item, Mapping) and REVIEW_KEY in item:
                lines.append(f"recode {recode_file}, variable {item.get('name')}: review mark left: "
                             f"{_why(item[REVIEW_KEY])}; decide and delete the review: key")
    return lines


def recode_levels(name: str, spec: RecodeSpec, instrument: Instrument) -> tuple[str, ...] | None:
    """An analysis variable's levels as the recode defines them (None: not categorical)."""
    var = spec.by_name[name]
    if isinstance(var.rule, CodeRule):
        return tuple(level.label for level in code_levels(var.rule, spec, instrument))
    return labels_of(var.rule)


def _excluded_codes(spec: RecodeSpec, source: str, codes: set[int]) -> set[int]:
    """Codes of ``source`` the exclusions remove before any rule reads it: a step keeping
    ``{variable: source, in: [...]}`` (alone, or in an ``all:`` of tests)."""
    excluded: set[int] = set()
    for step in spec.exclusions:
        keep = step.keep
        tests = [keep] if isinstance(keep, Match) else list(keep.items) if isinstance(keep, AllOf) else []
        for test in tests:
            if isinstance(test, Match) and test.variable == source and test.values is not None:
                excluded |= codes - set(test.values)
    return excluded


def unhandled_codes(spec: RecodeSpec, instrument: Instrument, recode_file: str) -> list[str]:
    """Codes of a question the recode groups with explicit ``levels:`` that get no level, no
    missing reason and are not removed by the exclusions: a code added to the question (a
    new answer option) would be an unexplained missing value."""
    lines = []
    for var in spec.variables:
        rule = var.rule
        if not isinstance(rule, CodeRule) or rule.levels is None or rule.source not in instrument.by_name:
            continue
        question = instrument.by_name[rule.source]
        handled = {c for level in rule.levels for c in level.codes}
        handled |= set(spec.missing.codes) | set(rule.missing) | set(instrument.user_missing)
        handled |= _excluded_codes(spec, rule.source, set(question.values))
        for code, label in sorted(question.values.items()):
            if code not in handled:
                lines.append(_line(
                    f"code {code} {label!r} of {rule.source} (instrument {instrument.path.name}) is not handled: "
                    "give it a level in code.levels (or a reason in code.missing)",
                    file=recode_file, variable=var.name, value=code,
                ))
    return lines


# -- the wave year -------------------------------------------------------------------------


def _age_chain(spec: RecodeSpec) -> tuple[list[str], dict[str, tuple[float, float]]]:
    """The analysis variables of the age chain (years of birth feeding an age rule, the ages,
    their bands) and each year-of-birth rule's valid years."""
    chain: list[str] = []
    births: dict[str, tuple[float, float]] = {}
    ages = set()
    for var in spec.variables:
        if isinstance(var.rule, AgeRule):
            ages.add(var.name)
            source = spec.by_name.get(var.rule.source)
            if source is not None and isinstance(source.rule, NumericRule):
                births[source.name] = (source.rule.valid_min, source.rule.valid_max)
                chain.append(source.name)
            chain.append(var.name)
        elif isinstance(var.rule, BandsRule) and var.rule.source in ages:
            chain.append(var.name)
    return list(dict.fromkeys(chain)), births


def implied_ages(spec: RecodeSpec) -> dict[str, tuple[int, int]]:
    """Each year-of-birth rule's valid years as the ages they imply in the wave year."""
    _, births = _age_chain(spec)
    return {name: (int(spec.wave_year - hi), int(spec.wave_year - lo)) for name, (lo, hi) in births.items()}


def year_problems(spec: RecodeSpec, recode_file: str, others: Mapping[str, RecodeSpec]) -> list[str]:
    """Years named in the age chain's labels other than ``wave_year``, and implied ages that
    differ from another wave's (``others``: wave id -> its recode)."""
    lines = []
    chain, births = _age_chain(spec)
    for name in chain:
        var = spec.by_name[name]
        if isinstance(var.rule, AgeRule):
            continue  # the recode's own load refuses an age labelled with another year
        years = sorted({int(y) for y in _YEAR.findall(var.label)} - {spec.wave_year})
        if years:
            lines.append(_line(f"the label {var.label!r} names the year {years[0]}, but the specification's "
                               f"wave_year is {spec.wave_year}", file=recode_file, variable=name, value=years[0]))
    mine = implied_ages(spec)
    for name, (young, old) in mine.items():
        for wave, other in others.items():
            theirs = implied_ages(other).get(name)
            if theirs is None or theirs == (young, old):
                continue
            lo, hi = births[name]
            shift = spec.wave_year - other.wave_year
            lines.append(_line(
                f"numeric.valid {int(lo)}-{int(hi)} implies ages {young}-{old} in {spec.wave_year}, but wave {wave} "
                f"({other.path.name}) implies {theirs[0]}-{theirs[1]}: the eligible ages do not change between waves; "
                f"for ages {theirs[0]}-{theirs[1]} write valid: {{min: {spec.wave_year - theirs[1]}, "
                f"max: {spec.wave_year - theirs[0]}}}" + (f" (the years shifted by {shift})" if shift else ""),
                file=recode_file, variable=name, value=f"{int(lo)}-{int(hi)}",
            ))
            break
    return lines


# -- the targets file ----------------------------------------------------------------------


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None


def target_problems(targets: str, root: Path, weighting: Mapping, spec: RecodeSpec, instrument: Instrument) -> list[str]:
    """The targets file against the strata and margin levels as the recode defines them."""
    path = root / targets
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
            columns = list(rows[0]) if rows else []
    except FileNotFoundError:
        return [_line("targets file not found (config waves.<wave>.targets; paths are relative to the folder "
                      "Snakemake runs in)", file=targets)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [_line(f"targets file cannot be read: {exc}", file=targets)]
    stratum = weighting.get("stratum")
    totals = [name for name in TOTAL_NAMES if name in columns]
    lacking = [c for c in ([stratum] if stratum else []) + list(TARGET_COLUMNS) if c not in columns]
    if not totals:
        lacking.append(" or ".join(TOTAL_NAMES))
    if lacking:
        return [_line("targets file lacks a column", file=targets, variable=c) for c in lacking]
    total = totals[0]
    level_map = weighting.get("level_map") or {}
    unknown = weighting.get("unknown_level")
    lines = []

    def levels_of(name: str) -> tuple[str, ...] | None:
        if name not in spec.by_name:
            return None  # reported as an undefined analysis variable
        levels = recode_levels(name, spec, instrument)
        if levels is None:
            lines.append(_line("is a weighting variable without levels (a number or a copy)",
                               file=spec.path, variable=name))
            return None
        mapping = level_map.get(name) or {}
        mapped = (mapping.get(level, level) for level in levels)
        return tuple(dict.fromkeys(level for level in mapped if level != unknown))  # mapped onto not stated

    strata: tuple[str | None, ...] = (None,)
    if stratum:
        found = levels_of(stratum)
        if found is None:
            return lines
        strata = found
        present = {row.get(stratum) for row in rows}
        for level in strata:
            if level not in present:
                lines.append(_line(f"no row for the stratum {level!r} of {stratum} (weighting.stratum; its levels as "
                                   f"the recode {spec.path.name} defines them)", file=targets, variable=stratum,
                                   value=level))
        strata = tuple(level for level in strata if level in present)
    have = {((row.get(stratum) if stratum else None), row.get("variable"), row.get("level")) for row in rows}
    for variables in margin_variables(weighting.get("margins")):
        name = JOINT.join(variables)
        per_variable = [levels_of(v) for v in variables]
        if any(levels is None for levels in per_variable):
            continue
        expected = [JOINT.join(cell) for cell in product(*per_variable)]
        given = {level for _, variable, level in have if variable == name}
        if not given:
            lines.append(_line(f"targets file has no rows for the margin {name!r} (weighting.margins)",
                               file=targets, variable=name))
            continue
        for cell in strata:
            absent = [level for level in expected if (cell, name, level) not in have]
            where = f" in stratum {cell!r}" if cell is not None else ""
            for level in absent:
                lines.append(_line(f"no population count for level {level!r}{where} (its levels as the recode "
                                   f"{spec.path.name} defines them, after weighting.level_map)",
                                   file=targets, variable=name, value=level))
        # a level of the file no level of the recode maps onto is left to the weighting stage, which
        # shares its population among the others and says so (a level no respondent has)
        for row in rows:
            if row.get("variable") != name:
                continue
            count = _number(row.get(total))
            if count is None or count <= 0:
                where = f" in stratum {row.get(stratum)!r}" if stratum else ""
                lines.append(_line(f"population count {row.get(total)!r} of level {row.get('level')!r}{where} is "
                                   "not a positive number", file=targets, variable=name, value=row.get("level")))
    return lines


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
        lines.append(_line(f"the instrument is for wave {instrument.wave}, but the wave id says {year}: give wave "
                           f"{wave} the instrument it follows", file=instrument_file))
    if spec is not None:
        problem = wave_year_problem(wave, recode_file, root)
        if problem:
            lines.append(problem.removeprefix(f"wave {wave}: "))
        lines += year_problems(spec, recode_file, _other_recodes(config, wave, root))
        used = used_variables(config, wave)
        for name, key in used.items():
            if name not in spec.by_name:
                lines.append(_line(f"analysis variable used by config {key} is not defined by the recode (a "
                                   "question the wave did not ask is defined as not asked: a cases rule with no "
                                   "case and otherwise: {reason: \"not asked\"})", file=recode_file, variable=name))
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


# -- remembering a passing check -----------------------------------------------------------


def _check_key(config: Mapping, wave: str, root: Path) -> str:
    """What a passing check depends on: the stat keys of the files it reads (the wave's and
    the other waves' recodes, the code of the check) and the config values it uses."""
    here = Path(__file__)
    code = ("dictionary.py", "instrument.py", "recode_instrument.py", "recode.py", "recode.schema.yaml", "wave_year.py")
    files = [here, *(here.with_name(name) for name in code), here.parent.parent / "io" / "spss_header.py"]
    for other, setting in (config.get("waves") or {}).items():
        if not isinstance(setting, Mapping):
            continue
        keys = ("raw", "instrument", "recode", "targets") if other == wave else ("recode",)
        files += [root / str(setting[key]) for key in keys if setting.get(key) is not None]
    stats = []
    for path in files:
        try:
            stats.append([str(path), stat_key(path)])
        except OSError:
            stats.append([str(path), None])
    used = {
        "wave": config["waves"][wave],
        "waves": sorted(config.get("waves") or {}),
        "describe": config.get("describe"),
        "infer": config.get("infer"),
        "sensitivity": config.get("sensitivity"),
        "privacy": config.get("privacy"),
    }
    text = json.dumps([stats, used], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached_check_wave(config: Mapping, wave: str, root: str | Path = ".", cache_file: Path = CHECK_CACHE) -> list[str]:
    """:func:`check_wave`, skipped while nothing it depends on changed since it last passed."""
    root = Path(root)
    key = _check_key(config, wave, root)
    try:
        cache = json.loads(Path(cache_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if cache.get(wave) == key:
        return []
    problems = check_wave(config, wave, root)
    if not problems:
        cache[wave] = key
        try:
            write_json(cache_file, cache)
        except OSError:
            pass  # a read-only checkout still works, it only checks again next time
    return problems
