"""A recode specification: the study's codebook from raw variables to analysis variables.

A spec (``workflow/recode/*.yaml``) says which responses are excluded, in which order, and how
each analysis variable comes from raw codes. It is data, not code: its shape is checked
against the package's ``recode.schema.yaml`` (:data:`SCHEMA_PATH`) and its internal references (reasons, earlier
variables, levels) here, so a typo stops the run with the spec file and the key named. Checks
that need the instrument (does Q5 exist, is 7 one of its codes) live in
:mod:`swsurvey.study.validation`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal

import jsonschema
import yaml

from swsurvey.errors import InputError
from swsurvey.study.instrument import Instrument

#: Step ids of the exclusion flow's first row (raw responses) and last row (analysed).
START_STEP, END_STEP = "raw", "analysed"

#: The schema every spec must satisfy: the spec format's definition, shipped with the package.
SCHEMA_PATH = Path(__file__).with_name("recode.schema.yaml")


# ---------------------------------------------------------------------------------------------
# Conditions: a small tree of tests, evaluated column-wise by swsurvey.stages.conditions.


@dataclass(frozen=True)
class Match:
    """``{variable, in}`` or ``{variable, answered}``: one variable's value."""

    variable: str
    values: tuple[int | str, ...] | None = None  # codes (raw) or labels (analysis variable)
    answered: bool | None = None


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Match | AllOf | AnyOf | Not


def condition_variables(cond: Condition) -> list[str]:
    """Every variable a condition reads, in the order written."""
    if isinstance(cond, Match):
        return [cond.variable]
    if isinstance(cond, Not):
        return condition_variables(cond.item)
    return [name for item in cond.items for name in condition_variables(item)]


def condition_leaves(cond: Condition) -> list[Match]:
    """The leaves of a condition."""
    if isinstance(cond, Match):
        return [cond]
    if isinstance(cond, Not):
        return condition_leaves(cond.item)
    return [test for item in cond.items for test in condition_leaves(item)]


# ---------------------------------------------------------------------------------------------
# Exclusions


@dataclass(frozen=True)
class Deduplicate:
    by: str
    order_by: str


@dataclass(frozen=True)
class ExclusionStep:
    """One step of the exclusion flow: either a condition to keep, or deduplication."""

    step: str
    description: str
    keep: Condition | None = None
    deduplicate: Deduplicate | None = None


@dataclass(frozen=True)
class Flow:
    by: str
    groups: tuple[int, ...]
    other: str
    start: str
    end: str


# ---------------------------------------------------------------------------------------------
# Rules, one dataclass per kind


@dataclass(frozen=True)
class Level:
    label: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class CopyRule:
    source: str
    dtype: Literal["string", "datetime"]
    kind: ClassVar[str] = "copy"


@dataclass(frozen=True)
class CodeRule:
    source: str
    ordered: bool = False
    levels: tuple[Level, ...] | None = None  # None: the instrument's labels
    missing: dict[int, str] = field(default_factory=dict)
    kind: ClassVar[str] = "code"


@dataclass(frozen=True)
class NumericRule:
    source: str
    valid_min: float
    valid_max: float
    year_typo_from: int | None = None
    missing_codes: tuple[int, ...] = ()
    two_digit_century: int | None = None  # a year typed with two digits (78) is in this century
    kind: ClassVar[str] = "numeric"


@dataclass(frozen=True)
class AgeRule:
    """Age in whole years reached in the wave year, from a numeric year of birth."""

    source: str
    kind: ClassVar[str] = "age"


@dataclass(frozen=True)
class BandsRule:
    source: str
    breaks: tuple[float, ...]
    labels: tuple[str, ...]
    kind: ClassVar[str] = "bands"


@dataclass(frozen=True)
class CheckboxRule:
    source: str
    ticked: str = "Yes"
    unticked: str = "No"
    kind: ClassVar[str] = "checkbox"


@dataclass(frozen=True)
class Case:
    value: str
    when: Condition


@dataclass(frozen=True)
class CasesRule:
    levels: tuple[str, ...]
    cases: tuple[Case, ...]
    missing_from: tuple[str, ...] = ()
    reason: str | None = None
    ordered: bool = False
    kind: ClassVar[str] = "cases"


Rule = CopyRule | CodeRule | NumericRule | AgeRule | BandsRule | CheckboxRule | CasesRule

#: Rules whose analysis variable is a number (float64), which ``bands`` may cut.
NUMBER_RULES = (NumericRule, AgeRule)


@dataclass(frozen=True)
class AnalysisVariable:
    """One analysis variable: its name, label and the one rule that makes it."""

    name: str
    label: str
    rule: Rule
    required: bool = False
    note: str | None = None
    base: str | None = None  # which respondents its percentages are shares of, for the tables' note

    @property
    def ordered(self) -> bool:
        """Whether its levels are an ordered scale (bands always are)."""
        return isinstance(self.rule, BandsRule) or bool(getattr(self.rule, "ordered", False))

    @property
    def has_reasons(self) -> bool:
        """Whether it gets a ``<name>__missing`` column (copies are kept as they are)."""
        return not isinstance(self.rule, CopyRule)


@dataclass(frozen=True)
class MissingReasons:
    """The reasons a value may be missing, in category order, and which reason plays which role."""

    reasons: tuple[str, ...]
    means: dict[str, str]
    not_asked: str
    implausible: str
    no_option_ticked: str
    codes: dict[int, str]


@dataclass(frozen=True)
class RecodeSpec:
    """A loaded, checked recode specification."""

    name: str
    version: str
    instrument: str
    wave_year: int
    path: Path
    sha256: str
    missing: MissingReasons
    flow: Flow
    exclusions: tuple[ExclusionStep, ...]
    variables: tuple[AnalysisVariable, ...]
    description: str = ""

    @cached_property
    def by_name(self) -> dict[str, AnalysisVariable]:
        return {v.name: v for v in self.variables}

    def __getitem__(self, name: str) -> AnalysisVariable:
        return self.by_name[name]

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def is_analysis(self, name: str) -> bool:
        return name in self.by_name


# ---------------------------------------------------------------------------------------------
# Loading


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses a key written twice (PyYAML silently keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} written twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _key_path(path: list) -> str:
    """``['variables', 3, 'code']`` -> ``variables[3].code``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _schema_error(error: jsonschema.ValidationError, spec_path: Path, doc: dict) -> InputError:
    """Turn the most relevant schema error into an InputError naming the spec file and the key."""
    path = list(error.absolute_path)
    where = _key_path(path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        unknown = sorted(str(k) for k in error.instance if k not in allowed)
        keys = ", ".join(_key_path([*path, k]) for k in unknown)
        message = f"unknown key {keys} (allowed here: {', '.join(sorted(allowed))})"
    elif error.validator == "oneOf" and isinstance(error.instance, dict) and all(
        set(alt) == {"required"} for alt in error.validator_value
    ):
        # The schema's oneOf lists alternative key sets (one rule per variable, keep or
        # deduplicate, one kind of condition): say which, instead of dumping the instance.
        options = [" + ".join(alt["required"]) for alt in error.validator_value]
        found = [o for o, alt in zip(options, error.validator_value) if all(k in error.instance for k in alt["required"])]
        message = (
            f"key {where}: write exactly one of {' | '.join(options)}; "
            f"found {' and '.join(found) if found else 'none'}"
        )
    else:
        message = f"key {where}: {error.message}"
        if isinstance(error.instance, bool) and error.validator == "type":
            message += " (YAML reads a bare Yes/No/On/Off as true/false: quote the label)"
    # Name the analysis variable or step too: "variables[14]" alone is hard to find.
    if len(path) >= 2 and path[0] in {"variables", "exclusions"} and isinstance(path[1], int):
        try:
            item = doc[path[0]][path[1]]
            ident = item.get("name") or item.get("step")
        except (IndexError, AttributeError, TypeError):
            ident = None
        if ident:
            message += f" [{path[0][:-1]} {ident!r}]"
    return InputError(f"invalid recode spec: {message}", file=spec_path)


def _load_schema(schema_path: Path) -> dict:
    try:
        return yaml.safe_load(schema_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("recode schema not found", file=schema_path) from None


def validate_document(doc: object, spec_path: Path, schema_path: Path = SCHEMA_PATH) -> None:
    """Check a parsed spec against the JSON schema; raise on the most relevant error."""
    validator = jsonschema.Draft202012Validator(_load_schema(schema_path))
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        raise _schema_error(error, spec_path, doc if isinstance(doc, dict) else {})


def _condition(raw: dict) -> Condition:
    if "all" in raw:
        return AllOf(tuple(_condition(c) for c in raw["all"]))
    if "any" in raw:
        return AnyOf(tuple(_condition(c) for c in raw["any"]))
    if "not" in raw:
        return Not(_condition(raw["not"]))
    if "in" in raw:
        return Match(raw["variable"], values=tuple(raw["in"]))
    return Match(raw["variable"], answered=bool(raw["answered"]))


def _rule(raw: dict) -> Rule:
    if "copy" in raw:
        r = raw["copy"]
        return CopyRule(source=r["source"], dtype=r["dtype"])
    if "code" in raw:
        r = raw["code"]
        levels = None
        if "levels" in r:
            levels = tuple(Level(lv["label"], tuple(lv["codes"])) for lv in r["levels"])
        return CodeRule(
            source=r["source"],
            ordered=bool(r.get("ordered", False)),
            levels=levels,
            missing={m["code"]: m["reason"] for m in r.get("missing", [])},
        )
    if "numeric" in raw:
        r = raw["numeric"]
        return NumericRule(
            source=r["source"],
            valid_min=float(r["valid"]["min"]),
            valid_max=float(r["valid"]["max"]),
            year_typo_from=r["year_typo"]["from"] if "year_typo" in r else None,
            missing_codes=tuple(r.get("missing_codes", [])),
            two_digit_century=r["two_digit_year"]["century"] if "two_digit_year" in r else None,
        )
    if "age" in raw:
        return AgeRule(source=raw["age"]["source"])
    if "bands" in raw:
        r = raw["bands"]
        return BandsRule(source=r["source"], breaks=tuple(float(b) for b in r["breaks"]), labels=tuple(r["labels"]))
    if "checkbox" in raw:
        r = raw["checkbox"]
        return CheckboxRule(source=r["source"], ticked=r.get("ticked", "Yes"), unticked=r.get("unticked", "No"))
    r = raw["cases"]
    return CasesRule(
        levels=tuple(r["levels"]),
        cases=tuple(Case(c["value"], _condition(c["when"])) for c in r["cases"]),
        missing_from=tuple(r["otherwise"].get("missing_from", [])),
        reason=r["otherwise"].get("reason"),
        ordered=bool(r.get("ordered", False)),
    )


def rule_inputs(rule: Rule) -> list[str]:
    """Variables (raw or analysis) a rule reads directly, in the order written."""
    if isinstance(rule, CasesRule):
        names = [n for case in rule.cases for n in condition_variables(case.when)]
        return list(dict.fromkeys([*names, *rule.missing_from]))
    return [rule.source]


def labels_of(rule: Rule) -> tuple[str, ...] | None:
    """Level labels a rule declares itself (None for a code rule that takes the instrument's)."""
    if isinstance(rule, CodeRule):
        return None if rule.levels is None else tuple(lv.label for lv in rule.levels)
    if isinstance(rule, BandsRule):
        return rule.labels
    if isinstance(rule, CheckboxRule):
        return (rule.ticked, rule.unticked)
    if isinstance(rule, CasesRule):
        return rule.levels
    return None


def code_levels(rule: CodeRule, spec: RecodeSpec, instrument: Instrument) -> tuple[Level, ...]:
    """A code rule's levels: as the spec groups them, else the instrument's labels in code order.

    The instrument's default drops the codes that mean missing (98 "Don't know" in Q20 is a
    reason, not a level), so ``levels:`` is only written where a rule groups or omits codes.
    """
    if rule.levels is not None:
        return rule.levels
    missing = {*spec.missing.codes, *rule.missing}
    values = instrument[rule.source].values
    return tuple(Level(label, (code,)) for code, label in sorted(values.items()) if code not in missing)


def _check_references(spec: RecodeSpec) -> None:
    """Internal consistency: reasons exist, names are unique, rules read only earlier variables."""
    path = spec.path

    def fail(message: str, variable: str | None = None) -> None:
        raise InputError(f"invalid recode spec: {message}", file=path, variable=variable)

    m = spec.missing
    if len(set(m.reasons)) != len(m.reasons):
        fail("missing.reasons lists a reason twice")
    known = set(m.reasons)
    for key, reason in [("not_asked", m.not_asked), ("implausible", m.implausible), ("no_option_ticked", m.no_option_ticked)]:
        if reason not in known:
            fail(f"key missing.{key}: {reason!r} is not one of missing.reasons")
    for code, reason in m.codes.items():
        if reason not in known:
            fail(f"key missing.codes: code {code} has reason {reason!r}, not one of missing.reasons")

    steps = [s.step for s in spec.exclusions]
    reserved = sorted({START_STEP, END_STEP} & set(steps))
    if reserved:
        fail(f"key exclusions: step id {reserved[0]!r} is reserved for the flow table's first or last row")
    if len(set(steps)) != len(steps):
        fail(f"key exclusions: step id written twice ({', '.join(sorted({s for s in steps if steps.count(s) > 1}))})")
    def check_matches(cond: Condition, where: str, variable: str | None = None) -> None:
        for test in condition_leaves(cond):
            if test.values is None:
                continue
            analysis = spec.is_analysis(test.variable)
            wrong = [v for v in test.values if isinstance(v, int) == analysis]
            if wrong:
                kind = "labels (strings)" if analysis else "raw codes (integers)"
                fail(f"key {where}: 'in' on {test.variable} must list {kind}, got {wrong[0]!r}", variable)

    for step in spec.exclusions:
        if step.keep is not None:
            for name in condition_variables(step.keep):
                if spec.is_analysis(name):
                    fail(f"key exclusions[{step.step}].keep: exclusions read raw variables, not the analysis variable {name!r}")
            check_matches(step.keep, f"exclusions[{step.step}].keep")

    defined: dict[str, AnalysisVariable] = {}
    for var in spec.variables:
        name, rule = var.name, var.rule
        if name in defined:
            fail("analysis variable defined twice", name)
        for ref in rule_inputs(rule):
            if spec.is_analysis(ref) and ref not in defined:
                fail(f"reads {ref!r}, which is defined later (or is itself): define it above", name)
        labels = labels_of(rule)
        if labels is not None and len(set(labels)) != len(labels):
            fail("a level label is written twice", name)
        if isinstance(rule, CodeRule):
            for code, reason in rule.missing.items():
                if reason not in known:
                    fail(f"key code.missing: reason {reason!r} is not one of missing.reasons", name)
            if rule.levels is not None:
                codes = [c for lv in rule.levels for c in lv.codes]
                if len(set(codes)) != len(codes):
                    fail("key code.levels: a raw code is given two levels", name)
                clash = sorted(set(codes) & (set(m.codes) | set(rule.missing)))
                if clash:
                    fail(f"key code.levels: code {clash[0]} is also a missing code", name)
        elif isinstance(rule, NumericRule):
            if rule.valid_min > rule.valid_max:
                fail("key numeric.valid: min is larger than max", name)
            unknown = sorted(set(rule.missing_codes) - set(m.codes))
            if unknown:
                fail(f"key numeric.missing_codes: {unknown[0]} is not in missing.codes (no reason for it)", name)
            if rule.year_typo_from is not None and rule.year_typo_from > spec.wave_year:
                fail("key numeric.year_typo.from is after the wave year", name)
            if rule.year_typo_from is not None and rule.two_digit_century is not None and rule.year_typo_from < 100:
                fail("key numeric.year_typo.from: years before 100 would also be two-digit years", name)
        elif isinstance(rule, AgeRule):
            src = defined.get(rule.source)
            if src is None or not isinstance(src.rule, NumericRule):
                fail(f"key age.source: {rule.source!r} is not a numeric analysis variable defined above", name)
            # "Age in 2021" in a spec whose wave_year is 2024 would mislabel every age.
            other = sorted({int(y) for y in re.findall(r"(?<!\d)\d{4}(?!\d)", var.label)} - {spec.wave_year})
            if other:
                fail(f"key label: names the year {other[0]}, but the age is the age reached in wave_year "
                     f"{spec.wave_year}", name)
        elif isinstance(rule, BandsRule):
            src = defined.get(rule.source)
            if src is None or not isinstance(src.rule, NUMBER_RULES):
                fail(f"key bands.source: {rule.source!r} is not a numeric analysis variable defined above", name)
            if any(hi <= lo for lo, hi in zip(rule.breaks, rule.breaks[1:])):
                fail("key bands.breaks: cut points must increase", name)
            if len(rule.labels) != len(rule.breaks) + 1:
                fail(f"key bands.labels: {len(rule.breaks)} cut points make {len(rule.breaks) + 1} bands, "
                     f"but {len(rule.labels)} labels are given", name)
        elif isinstance(rule, CasesRule):
            for case in rule.cases:
                if case.value not in rule.levels:
                    fail(f"key cases.cases: value {case.value!r} is not one of its levels", name)
            if rule.reason is not None and rule.reason not in known:
                fail(f"key cases.otherwise.reason: {rule.reason!r} is not one of missing.reasons", name)
            for ref in rule.missing_from:
                if not spec.is_analysis(ref):
                    fail(f"key cases.otherwise.missing_from: {ref!r} is not an analysis variable", name)
                elif not defined[ref].has_reasons:
                    fail(f"key cases.otherwise.missing_from: {ref!r} is a copy and has no missing reasons", name)
            for case in rule.cases:
                check_matches(case.when, "cases.cases", name)
        defined[name] = var


def load_recode(path: str | Path, schema_path: str | Path | None = None) -> RecodeSpec:
    """Read a recode spec, check it against the schema and itself, and return it as dataclasses.

    Errors are :class:`InputError` naming the spec file and the offending key.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("recode spec not found", file=path) from None
    try:
        doc = yaml.load(data.decode("utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise InputError(f"recode spec is not valid YAML: {exc}", file=path) from None
    validate_document(doc, path, Path(schema_path) if schema_path else SCHEMA_PATH)

    m = doc["missing"]
    missing = MissingReasons(
        reasons=tuple(r["reason"] for r in m["reasons"]),
        means={r["reason"]: r.get("means", "") for r in m["reasons"]},
        not_asked=m["not_asked"],
        implausible=m["implausible"],
        no_option_ticked=m["no_option_ticked"],
        codes={c["code"]: c["reason"] for c in m["codes"]},
    )
    if len(missing.codes) != len(m["codes"]):
        raise InputError("invalid recode spec: key missing.codes: a code is listed twice", file=path)
    f = doc["flow"]
    spec = RecodeSpec(
        name=doc["name"],
        version=doc["version"],
        instrument=doc["instrument"],
        wave_year=int(doc["wave_year"]),
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        missing=missing,
        flow=Flow(by=f["by"], groups=tuple(f["groups"]), other=f["other"], start=f["start"], end=f["end"]),
        exclusions=tuple(
            ExclusionStep(
                step=s["step"],
                description=s["description"],
                keep=_condition(s["keep"]) if "keep" in s else None,
                deduplicate=Deduplicate(**s["deduplicate"]) if "deduplicate" in s else None,
            )
            for s in doc["exclusions"]
        ),
        variables=tuple(
            AnalysisVariable(
                name=v["name"],
                label=v["label"],
                rule=_rule(v),
                required=bool(v.get("required", False)),
                note=v.get("note"),
                base=v.get("base"),
            )
            for v in doc["variables"]
        ),
        description=str(doc.get("description", "")),
    )
    _check_references(spec)
    return spec
