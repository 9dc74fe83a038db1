"""Cleaning: exclusions in a stated order, analysis variables, missing values with their reasons.

Everything this module does is what a recode specification (:mod:`swsurvey.study.recode`) says: a
new export of the same instrument runs with no code change. The steps, as in
:func:`clean_wave`:

1. read the import stage's Parquet file and its provenance (synthetic or not);
2. check the spec against the instrument and the raw codes against both
   (:mod:`swsurvey.study.validation`), before anything is derived;
3. apply the exclusions in the spec's order, counting each per country (the exclusion flow);
4. derive the analysis variables as labelled (ordered) categoricals, keeping for every missing
   value its reason in ``<variable>__missing`` (haven's tagged NA, as a column);
5. check the result against the declared schema and write the data, the codebook and the
   flow, all or nothing, byte-identical on a rerun.

A wave whose variance setting uses replicate weights supplied in its data (method
``supplied``) also keeps those columns: taken from the kept rows as they are (never recoded),
checked to be present, numeric and not negative in every analysed response (the full-sample
weight, for combined weights, positive), and written after the analysis variables
(:func:`carry_replicate_weights`). With any other method the cleaned data are the declared
schema alone.

All derivations are column-wise NumPy on code arrays (categoricals are built from integer
codes, missing reasons are small integer codes too), so a million rows cost seconds.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from swsurvey.errors import InputError
from swsurvey.io.files import PROVENANCE_KEY, atomic_path, with_provenance
from swsurvey.io.logfile import get_logger
from swsurvey.io.tables import BANNER
from swsurvey.study.instrument import Instrument, load_instrument
from swsurvey.study.recode import (
    END_STEP,
    NUMBER_RULES,
    START_STEP,
    AgeRule,
    AllOf,
    AnalysisVariable,
    BandsRule,
    CasesRule,
    CheckboxRule,
    CodeRule,
    Condition,
    CopyRule,
    Deduplicate,
    Match,
    Not,
    NumericRule,
    RecodeSpec,
    code_levels,
    load_recode,
    rule_inputs,
)
from swsurvey.study.replicate_weights import check_replicate_values
from swsurvey.study.validation import (
    MISSING_SUFFIX,
    check_cleaned,
    check_raw,
    check_recode_against_instrument,
    checkbox_set,
    raw_variable,
    required_raw_variables,
    rule_raw_sources,
)
from swsurvey.study.variance_setting import carried_columns, full_sample_weight, supplied

log = get_logger("cleaning")

TOTAL = "Total"


# ---------------------------------------------------------------------------------------------
# Reading the import stage's output


@dataclass(frozen=True)
class ImportedWave:
    """The import stage's responses (only the columns the spec reads) and its provenance."""

    frame: pd.DataFrame
    provenance: dict
    path: Path

    @property
    def synthetic(self) -> bool:
        return bool(self.provenance["synthetic"])  # read_import checked it is a bool


def read_import(path: str | Path, columns: list[str]) -> ImportedWave:
    """Read ``columns`` (those present) of an import-stage Parquet file and its ``swsurvey`` record.

    Absent columns are left for :func:`swsurvey.study.validation.check_raw` to report together.
    """
    path = Path(path)
    try:
        schema = pq.read_schema(path)
    except FileNotFoundError:
        raise InputError("imported data not found", file=path) from None
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"not a readable Parquet file: {exc}", file=path) from None
    raw_meta = (schema.metadata or {}).get(PROVENANCE_KEY)
    if raw_meta is None:
        raise InputError("no 'swsurvey' metadata: not a file written by the import stage", file=path)
    try:
        provenance = json.loads(raw_meta)
    except json.JSONDecodeError:
        raise InputError("the 'swsurvey' metadata is not JSON", file=path) from None
    if provenance.get("stage") != "import":
        raise InputError(f"written by stage {provenance.get('stage')!r}, expected the import stage", file=path)
    if not isinstance(provenance.get("synthetic"), bool):
        raise InputError("the 'swsurvey' metadata does not say whether the data are synthetic", file=path)
    present = [c for c in columns if c in schema.names]
    frame = pd.read_parquet(path, columns=present)
    return ImportedWave(frame=frame, provenance=provenance, path=path)


# ---------------------------------------------------------------------------------------------
# Conditions over raw codes and analysis labels


def evaluate(cond: Condition, leaf: Callable[[Match], np.ndarray]) -> np.ndarray:
    """Boolean array of the rows where a condition holds; ``leaf`` answers each single match."""
    if isinstance(cond, Match):
        return leaf(cond)
    if isinstance(cond, Not):
        return ~evaluate(cond.item, leaf)
    parts = [evaluate(item, leaf) for item in cond.items]
    return np.logical_and.reduce(parts) if isinstance(cond, AllOf) else np.logical_or.reduce(parts)


def raw_codes(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A raw coded column as float64 codes (system-missing as NaN)."""
    return frame[name].to_numpy(dtype="float64", na_value=np.nan)


def raw_match(frame: pd.DataFrame, spec: RecodeSpec) -> Callable[[Match], np.ndarray]:
    """Leaf evaluator over raw codes: ``in`` compares codes; ``answered`` = not missing for any reason."""

    def match(m: Match) -> np.ndarray:
        x = raw_codes(frame, m.variable)
        if m.values is not None:
            return np.isin(x, np.asarray(m.values, dtype="float64"))
        answered = ~np.isnan(x) & ~np.isin(x, np.asarray(list(spec.missing.codes), dtype="float64"))
        return answered if m.answered else ~answered

    return match


# ---------------------------------------------------------------------------------------------
# Exclusions and their flow


@dataclass(frozen=True)
class FlowRow:
    """One row of the exclusion flow: counts per group, the last entry being the total."""

    step: str
    description: str
    excluded: tuple[int, ...] | None  # None for the first and last rows
    remaining: tuple[int, ...]


@dataclass(frozen=True)
class ExclusionFlow:
    groups: tuple[str, ...]  # column labels, the last being "Total"
    rows: tuple[FlowRow, ...]


def flow_groups(frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument) -> tuple[np.ndarray, tuple[str, ...]]:
    """Each row's column in the flow table: a study country by its raw code, else "other"."""
    x = raw_codes(frame, spec.flow.by)
    labels = raw_variable(spec.flow.by, instrument).values
    group = np.full(len(frame), len(spec.flow.groups), dtype=np.intp)
    for i, code in enumerate(spec.flow.groups):
        group[x == code] = i
    return group, (*(labels[c] for c in spec.flow.groups), spec.flow.other)


def duplicates(frame: pd.DataFrame, rule: Deduplicate, among: np.ndarray) -> np.ndarray:
    """Rows of ``among`` that repeat an earlier-recorded row with the same id (the first is kept).

    A stable sort by ``order_by`` puts the earliest copy first and keeps file order on ties;
    rows without an id are never duplicates, rows without a date sort last.
    """
    rows = np.flatnonzero(among)
    sub = pd.DataFrame(
        {"id": frame[rule.by].iloc[rows].to_numpy(), "at": frame[rule.order_by].iloc[rows].to_numpy()}
    )
    ordered = sub.sort_values("at", kind="stable", na_position="last")
    repeated = ordered["id"].duplicated(keep="first") & ordered["id"].notna()
    out = np.zeros(len(frame), dtype=bool)
    out[rows[ordered.index.to_numpy()[repeated.to_numpy()]]] = True
    return out


def apply_exclusions(
    frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument
) -> tuple[np.ndarray, ExclusionFlow]:
    """Apply the spec's exclusions in order; return the rows kept and the flow per group.

    A row failing several criteria is counted at the first one it fails, because each step
    only looks at the rows still remaining.
    """
    group, labels = flow_groups(frame, spec, instrument)
    n_groups = len(labels)

    def counts(mask: np.ndarray) -> tuple[int, ...]:
        per_group = np.bincount(group[mask], minlength=n_groups)
        return (*(int(n) for n in per_group), int(per_group.sum()))

    remaining = np.ones(len(frame), dtype=bool)
    rows = [FlowRow(START_STEP, spec.flow.start, None, counts(remaining))]
    match = raw_match(frame, spec)
    for step in spec.exclusions:
        if step.keep is not None:
            excluded = remaining & ~evaluate(step.keep, match)
        else:
            excluded = duplicates(frame, step.deduplicate, remaining)
        remaining &= ~excluded
        rows.append(FlowRow(step.step, step.description, counts(excluded), counts(remaining)))
        log.info("exclusion %s: %d excluded, %d remain", step.step, int(excluded.sum()), int(remaining.sum()))
    rows.append(FlowRow(END_STEP, spec.flow.end, None, counts(remaining)))
    return remaining, ExclusionFlow(groups=(*labels, TOTAL), rows=tuple(rows))


def flow_table(flow: ExclusionFlow, *, wave: str, synthetic: bool) -> pd.DataFrame:
    """The flow as a machine-readable table: one row per step, in order.

    Columns ``<group> excluded`` hold the number excluded at the step (empty on the first and
    last rows); columns named by the group alone hold the number remaining after it.
    """
    excluded = {
        f"{g} excluded": pd.array([None if r.excluded is None else r.excluded[i] for r in flow.rows], dtype="Int64")
        for i, g in enumerate(flow.groups)
    }
    remaining = {g: [r.remaining[i] for r in flow.rows] for i, g in enumerate(flow.groups)}
    return pd.DataFrame(
        {
            "wave": wave,
            "synthetic": synthetic,
            "order": range(len(flow.rows)),
            "step": [r.step for r in flow.rows],
            "description": [r.description for r in flow.rows],
            **excluded,
            **remaining,
        }
    )


def _md(text: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _banner(synthetic: bool) -> str:
    return f"> **{BANNER}**\n\n" if synthetic else ""


def flow_markdown(flow: ExclusionFlow, *, wave: str, synthetic: bool, spec: RecodeSpec) -> str:
    """The flow as a readable table with a note on the order of the steps."""
    head = ["#", "Step", "Description", *flow.groups]
    lines = [
        _banner(synthetic) + f"# Exclusion flow, wave {wave}",
        "",
        f"Recode specification `{spec.name}` version {spec.version}. The steps are applied in the "
        "order shown; a response failing several criteria is counted at the first one it fails. "
        "Each cell gives the responses excluded at the step → the responses remaining after it; "
        f"a response's column is its country of practice as answered ({spec.flow.by}), "
        f"\"{spec.flow.other}\" when that is not a study country.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---:", "---", "---", *["---:"] * len(flow.groups)]) + "|",
    ]
    for i, row in enumerate(flow.rows):
        if row.excluded is None:
            cells = [f"**{n:,}**" for n in row.remaining]
            step, desc = f"**{row.step}**", f"**{_md(row.description)}**"
        else:
            cells = [f"−{e:,} → {n:,}" if e else f"0 → {n:,}" for e, n in zip(row.excluded, row.remaining, strict=True)]
            step, desc = f"`{row.step}`", _md(row.description)
        lines.append("| " + " | ".join([str(i), step, desc, *cells]) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Deriving the analysis variables


@dataclass
class Derived:
    """One analysis variable as arrays: category codes (or floats) and missing-reason codes.

    ``codes`` index ``labels`` (-1 = missing) for a categorical; ``values`` hold a numeric
    variable (NaN = missing) or a copied column. ``reasons`` index the spec's missing reasons
    (-1 = a valid value).
    """

    var: AnalysisVariable
    codes: np.ndarray | None = None
    labels: tuple[str, ...] | None = None
    values: np.ndarray | pd.Series | None = None
    reasons: np.ndarray | None = None
    corrections: dict[str, int] = field(default_factory=dict)

    @property
    def missing(self) -> np.ndarray:
        if self.codes is not None:
            return self.codes < 0
        return np.asarray(pd.isna(self.values))


class _Derivation:
    """What deriving one wave needs at hand: the kept raw rows, caches, and the variables so far."""

    def __init__(self, frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument, file: str | Path | None):
        self.frame, self.spec, self.instrument, self.file = frame, spec, instrument, file
        self.n = len(frame)
        self.reason = {r: np.int8(i) for i, r in enumerate(spec.missing.reasons)}
        self.derived: dict[str, Derived] = {}
        self._raw: dict[str, np.ndarray] = {}
        self._asked: dict[str, np.ndarray | None] = {}

    def raw(self, name: str) -> np.ndarray:
        if name not in self._raw:
            self._raw[name] = raw_codes(self.frame, name)
        return self._raw[name]

    def asked(self, name: str) -> np.ndarray | None:
        """Rows where the instrument's skip logic showed ``name`` (None: shown to everyone)."""
        if name not in self._asked:
            var = self.instrument.by_name.get(name)
            if var is None or var.asked_if is None:
                self._asked[name] = None
            else:
                parent, code = var.asked_if
                mask = self.raw(parent) == code
                upper = self.asked(parent)
                self._asked[name] = mask if upper is None else mask & upper
        return self._asked[name]

    def no_reasons(self) -> np.ndarray:
        return np.full(self.n, -1, dtype=np.int8)

    def mark_missing_codes(self, reasons: np.ndarray, x: np.ndarray, codes: dict[int, str]) -> None:
        for code, reason in codes.items():
            reasons[x == code] = self.reason[reason]

    def apply_skip_logic(self, source: str, d: Derived, x: np.ndarray) -> None:
        """Not asked where the skip logic was false, whatever the raw value; count contradictions."""
        asked = self.asked(source)
        if asked is None:
            return
        contradicted = int((~asked & ~np.isnan(x)).sum())
        if contradicted:
            d.corrections[f"answered although not asked ({source} skip logic): set to {self.spec.missing.not_asked}"] = contradicted
        if d.codes is not None:
            d.codes[~asked] = -1
        else:
            d.values[~asked] = np.nan
        d.reasons[~asked] = self.reason[self.spec.missing.not_asked]

    # -- one method per rule kind -----------------------------------------------------------

    def copy(self, var: AnalysisVariable, rule: CopyRule) -> Derived:
        column = self.frame[rule.source].reset_index(drop=True)
        if rule.dtype == "string" and column.dtype != "str":
            column = column.astype("str")
        return Derived(var, values=column)

    def code(self, var: AnalysisVariable, rule: CodeRule) -> Derived:
        x = self.raw(rule.source)
        levels = code_levels(rule, self.spec, self.instrument)
        codes = np.full(self.n, -1, dtype=np.int16)
        for i, level in enumerate(levels):
            codes[np.isin(x, np.asarray(level.codes, dtype="float64"))] = i
        reasons = self.no_reasons()
        self.mark_missing_codes(reasons, x, {**self.spec.missing.codes, **rule.missing})
        reasons[np.isnan(x)] = self.reason[self.spec.missing.not_asked]
        d = Derived(var, codes=codes, labels=tuple(lv.label for lv in levels), reasons=reasons)
        self.apply_skip_logic(rule.source, d, x)
        unmapped = (d.codes < 0) & (d.reasons < 0)
        if unmapped.any():
            code_values, counts = np.unique(x[unmapped], return_counts=True)
            raise InputError(
                f"code has no level in the recode spec and is not a missing code (analysis variable {var.name})",
                file=self.file, variable=rule.source, value=int(code_values[0]), count=int(counts[0]),
            )
        return d

    def numeric(self, var: AnalysisVariable, rule: NumericRule) -> Derived:
        x = self.raw(rule.source)
        reasons = self.no_reasons()
        self.mark_missing_codes(reasons, x, {c: self.spec.missing.codes[c] for c in rule.missing_codes})
        reasons[np.isnan(x)] = self.reason[self.spec.missing.not_asked]
        typed = reasons < 0
        valid = typed & (x >= rule.valid_min) & (x <= rule.valid_max)
        values = np.where(valid, x, np.nan)
        corrections: dict[str, int] = {}
        if rule.year_typo_from is not None:
            year = self.spec.wave_year
            as_years = year - x
            typo = typed & ~valid & (x >= rule.year_typo_from) & (x <= year)
            typo &= (as_years >= rule.valid_min) & (as_years <= rule.valid_max)
            values[typo] = as_years[typo]
            corrections[f"a year typed instead of years ({rule.year_typo_from}-{year}): replaced by {year} - value"] = int(typo.sum())
        if rule.two_digit_century is not None:
            century = rule.two_digit_century
            as_year = century + x
            short = typed & ~valid & (x >= 0) & (x <= 99) & (x == np.floor(x))
            short &= (as_year >= rule.valid_min) & (as_year <= rule.valid_max)
            values[short] = as_year[short]
            corrections[f"a year typed with two digits (0-99): replaced by {century} + value"] = int(short.sum())
        implausible = typed & np.isnan(values)
        reasons[implausible] = self.reason[self.spec.missing.implausible]
        not_a_year = "not a two-digit year" if rule.two_digit_century is not None else "not a year"
        corrections[f"outside {rule.valid_min:g}-{rule.valid_max:g} and {not_a_year}: set to {self.spec.missing.implausible}"] = int(implausible.sum())
        d = Derived(var, values=values, reasons=reasons, corrections=corrections)
        self.apply_skip_logic(rule.source, d, x)
        return d

    def age(self, var: AnalysisVariable, rule: AgeRule) -> Derived:
        source = self.derived[rule.source]
        return Derived(var, values=self.spec.wave_year - source.values, reasons=source.reasons.copy())

    def bands(self, var: AnalysisVariable, rule: BandsRule) -> Derived:
        source = self.derived[rule.source]
        x = source.values
        codes = np.searchsorted(np.asarray(rule.breaks), x, side="right").astype(np.int16)
        codes[np.isnan(x)] = -1
        return Derived(var, codes=codes, labels=rule.labels, reasons=source.reasons.copy())

    def checkbox(self, var: AnalysisVariable, rule: CheckboxRule) -> Derived:
        items = checkbox_set(rule.source, self.instrument)
        answered_set = np.logical_or.reduce([self.raw(item) == 1 for item in items])
        x = self.raw(rule.source)
        codes = np.full(self.n, -1, dtype=np.int16)
        codes[x == 1] = 0
        codes[np.isnan(x) & answered_set] = 1
        reasons = self.no_reasons()
        missing_codes = self.spec.missing.codes
        # Nothing ticked: the question was skipped. Say why from the set's missing codes (-99
        # in any option: seen but unanswered); with none, no option was ticked.
        none_ticked = np.isnan(x) & ~answered_set
        reasons[none_ticked] = self.reason[self.spec.missing.no_option_ticked]
        for item in reversed(items):  # reversed: the first option's code wins
            self.mark_missing_codes(reasons, np.where(none_ticked, self.raw(item), np.nan), missing_codes)
        self.mark_missing_codes(reasons, x, missing_codes)
        d = Derived(var, codes=codes, labels=(rule.ticked, rule.unticked), reasons=reasons)
        self.apply_skip_logic(rule.source, d, x)
        return d

    def cases(self, var: AnalysisVariable, rule: CasesRule) -> Derived:
        codes = np.full(self.n, -1, dtype=np.int16)
        open_ = np.ones(self.n, dtype=bool)
        for case in rule.cases:
            hit = evaluate(case.when, self.match) & open_
            codes[hit] = rule.levels.index(case.value)
            open_ &= ~hit
        reasons = self.no_reasons()
        for name in rule.missing_from:
            passed = self.derived[name].reasons
            take = open_ & (reasons < 0) & (passed >= 0)
            reasons[take] = passed[take]
        if rule.reason is not None:
            reasons[open_ & (reasons < 0)] = self.reason[rule.reason]
        return Derived(var, codes=codes, labels=rule.levels, reasons=reasons)

    def match(self, m: Match) -> np.ndarray:
        """Leaf evaluator: analysis variables by label, raw variables by code."""
        d = self.derived.get(m.variable)
        if d is None:
            return raw_match(self.frame, self.spec)(m)
        if m.values is None:
            return ~d.missing if m.answered else d.missing
        wanted = [d.labels.index(v) for v in m.values]
        return np.isin(d.codes, wanted)

    def derive(self, var: AnalysisVariable) -> Derived:
        method = getattr(self, var.rule.kind)
        d = method(var, var.rule)
        self.derived[var.name] = d
        return d


def derive_variables(
    frame: pd.DataFrame, spec: RecodeSpec, instrument: Instrument, *, file: str | Path | None = None
) -> tuple[pd.DataFrame, dict[str, Derived]]:
    """Derive every analysis variable from the kept raw rows, in spec order.

    Returns the cleaned frame (values, then one ``__missing`` column per variable) and the
    arrays behind it, from which the codebook counts come.
    """
    frame = frame.reset_index(drop=True)
    work = _Derivation(frame, spec, instrument, file)
    for var in spec.variables:
        work.derive(var)
    columns: dict[str, object] = {}
    for name, d in work.derived.items():
        if d.codes is not None:
            columns[name] = pd.Categorical.from_codes(d.codes, categories=list(d.labels), ordered=d.var.ordered)
        else:
            columns[name] = d.values
    reasons = list(spec.missing.reasons)
    for name, d in work.derived.items():
        if d.reasons is not None:
            columns[name + MISSING_SUFFIX] = pd.Categorical.from_codes(d.reasons, categories=reasons)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame))), work.derived


#: Units dates and times can be floored to (config privacy.date_precision), as pandas' frequencies.
DATE_UNITS = {"second": "s", "minute": "min", "hour": "h", "day": "D"}


def coarsen_dates(cleaned: pd.DataFrame, derived: dict[str, Derived], precision: str) -> pd.DataFrame:
    """The date-time analysis variables floored to ``precision`` (second, minute, hour or day),
    in the frame and in ``derived`` (so the codebook shows what the files hold).

    An exact recording time beside exact years of practice can single a respondent out;
    floored to the day, the analysis files can be shared.
    """
    if precision not in DATE_UNITS:
        raise InputError(f"date precision must be one of {', '.join(DATE_UNITS)}", value=precision)
    cleaned = cleaned.copy()
    for name, d in derived.items():
        if isinstance(d.var.rule, CopyRule) and d.var.rule.dtype == "datetime":
            d.values = pd.Series(d.values).dt.floor(DATE_UNITS[precision])
            cleaned[name] = d.values.to_numpy()
    return cleaned


# ---------------------------------------------------------------------------------------------
# Replicate weights supplied with the data


#: The column the weighting stage adds; no carried column may take its name.
WEIGHT_COLUMN = "weight"


def carry_replicate_weights(
    cleaned: pd.DataFrame, raw_rows: pd.DataFrame, columns: Sequence[str], variance: Mapping, *,
    file: str | Path | None = None,
) -> pd.DataFrame:
    """The cleaned frame with the supplied replicate weight ``columns`` of the kept raw rows
    (``raw_rows``, in the cleaned rows' order) appended as they are, as float64.

    Every analysed response must have every replicate weight, not negative, and (combined
    weights) a positive full-sample weight; the columns must not take the name of an analysis
    column or of the weighting stage's ``weight``, and a replicate weight pattern must match
    none of those (the replicate design finds its columns by the pattern).
    """
    taken = {*map(str, cleaned.columns), WEIGHT_COLUMN}
    clash = [name for name in columns if name in taken]
    if clash:
        raise InputError(f"replicate weight column has the name of a column of the cleaned data "
                         f"({'the weighting stage adds' if clash[0] == WEIGHT_COLUMN else 'an analysis variable'} "
                         "it): rename it in the export", file=file, variable=clash[0])
    pattern = variance.get("columns")
    if isinstance(pattern, str):
        matched = [name for name in sorted(taken) if re.search(pattern, name)]
        if matched:
            raise InputError("the replicate weight pattern (waves.<wave>.variance.columns) also matches a column of "
                             "the cleaned data, which the replicate design would take as a replicate weight: make "
                             "the pattern stricter", file=file, variable=matched[0], value=pattern)
    raw = raw_rows.reset_index(drop=True)
    check_replicate_values(raw, [c for c in columns if c != full_sample_weight(variance)],
                           full_sample_weight(variance), file=file, rows="analysed responses")
    carried = pd.DataFrame({name: raw[name].to_numpy(dtype="float64") for name in columns}, index=cleaned.index)
    return pd.concat([cleaned, carried], axis=1)


# ---------------------------------------------------------------------------------------------
# The codebook of the analysis variables


def _type_name(d: Derived) -> str:
    rule = d.var.rule
    if isinstance(rule, CopyRule):
        return rule.dtype
    if isinstance(rule, NUMBER_RULES):
        return "numeric"
    return "ordered categorical" if d.var.ordered else "categorical"


def _codes_text(codes: tuple[int, ...] | list[int]) -> str:
    return ", ".join(str(c) for c in codes)


def condition_words(cond: Condition, spec: RecodeSpec) -> str:
    """A condition in words, e.g. ``freq_email in {"Weekly", "Daily"}``."""
    if isinstance(cond, Match):
        if cond.values is None:
            return f"{cond.variable} {'answered' if cond.answered else 'missing'}"
        # Labels are quoted and sets braced: a label may itself contain "or" or a comma.
        shown = [f'"{v}"' if spec.is_analysis(cond.variable) else str(v) for v in cond.values]
        if len(shown) == 1:
            return f"{cond.variable} = {shown[0]}"
        return f"{cond.variable} in {{{', '.join(shown)}}}"
    if isinstance(cond, Not):
        return f"not ({condition_words(cond.item, spec)})"
    joiner = " and " if isinstance(cond, AllOf) else " or "
    return "(" + joiner.join(condition_words(c, spec) for c in cond.items) + ")"


def describe_rule(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> str:
    """The rule that makes an analysis variable, in words, for the codebook."""
    rule = var.rule
    m = spec.missing
    parts: list[str] = []

    def missing_words(codes: dict[int, str], defined: set[int] | None = None) -> None:
        # Only the codes this question can hold: 98 "don't know" is no news for Q5.
        said = [f"{c} → missing ({r})" for c, r in sorted(codes.items()) if defined is None or c in defined]
        if said:
            parts.append("Missing codes: " + "; ".join(said) + ".")

    def skip_words(source: str) -> None:
        asked_if = instrument[source].asked_if
        if asked_if:
            parent, code = asked_if
            label = instrument[parent].values.get(code, code)
            parts.append(f"Asked only if {parent} = {code} ({label}); otherwise missing ({m.not_asked}).")

    if isinstance(rule, CopyRule):
        parts.append(f"Copied from {rule.source} ({rule.dtype}).")
    elif isinstance(rule, CodeRule):
        levels = code_levels(rule, spec, instrument)
        mapping = "; ".join(f"{_codes_text(lv.codes)} → {lv.label}" for lv in levels)
        parts.append(f"{rule.source} codes as labels{' (ordered)' if rule.ordered else ''}: {mapping}.")
        missing_words({**m.codes, **rule.missing}, instrument.valid_codes(rule.source))
        parts.append(f"System-missing → missing ({m.not_asked}).")
        skip_words(rule.source)
    elif isinstance(rule, NumericRule):
        parts.append(f"{rule.source} as a number, valid from {rule.valid_min:g} to {rule.valid_max:g}.")
        if rule.year_typo_from is not None:
            parts.append(
                f"A value from {rule.year_typo_from} to {spec.wave_year} is a year typed instead of years: "
                f"it becomes {spec.wave_year} - value (if that is valid)."
            )
        if rule.two_digit_century is not None:
            parts.append(
                f"A whole number from 0 to 99 is a year typed with two digits: it becomes "
                f"{rule.two_digit_century} + value (if that is valid)."
            )
        parts.append(f"Any other value → missing ({m.implausible}).")
        missing_words({c: m.codes[c] for c in rule.missing_codes})
        parts.append(f"System-missing → missing ({m.not_asked}).")
        skip_words(rule.source)
    elif isinstance(rule, AgeRule):
        parts.append(
            f"Age reached in {spec.wave_year}: {spec.wave_year} - {rule.source}, in whole years. "
            f"Missing where {rule.source} is, with its reason."
        )
    elif isinstance(rule, BandsRule):
        edges = ["", *(f"{b:g}" for b in rule.breaks), ""]
        bands = []
        for label, lo, hi in zip(rule.labels, edges[:-1], edges[1:], strict=True):
            span = f"< {hi}" if not lo else (f">= {lo}" if not hi else f"[{lo}, {hi})")
            bands.append(f"{span} → {label}")
        parts.append(f"{rule.source} in bands: {'; '.join(bands)}. Missing where {rule.source} is, with its reason.")
    elif isinstance(rule, CheckboxRule):
        items = checkbox_set(rule.source, instrument)
        parts.append(
            f"{rule.source} ticked (1) → {rule.ticked}; not ticked while another option of "
            f"{items[0]}-{items[-1]} was ticked → {rule.unticked}; no option of the question ticked → "
            f"missing ({m.no_option_ticked})."
        )
        missing_words(m.codes, instrument.valid_codes(rule.source))
        skip_words(rule.source)
    elif isinstance(rule, CasesRule):
        parts.append("Cases tried in order, the first that holds gives the value:")
        parts += [f"{case.value} if {condition_words(case.when, spec)}." for case in rule.cases]
        otherwise = []
        if rule.missing_from:
            otherwise.append(f"the reason of the first missing of {', '.join(rule.missing_from)}")
        if rule.reason:
            otherwise.append(f"else {rule.reason}")
        parts.append("Otherwise missing, with " + ", ".join(otherwise) + ".")
    return " ".join(parts)


def _analysis_sources(var: AnalysisVariable, spec: RecodeSpec) -> list[str]:
    return [name for name in rule_inputs(var.rule) if spec.is_analysis(name)]


def _raw_sources(var: AnalysisVariable, spec: RecodeSpec, instrument: Instrument) -> list[str]:
    """Raw variables behind a variable, through the analysis variables it is derived from."""
    names = rule_raw_sources(var, spec, instrument)
    for ref in _analysis_sources(var, spec):
        names += _raw_sources(spec[ref], spec, instrument)
    order = {name: i for i, name in enumerate(instrument.names)}
    return sorted(dict.fromkeys(names), key=lambda n: (order.get(n.removesuffix("_pseudonym"), len(order)), n))


def _number(x: float) -> float | int:
    x = round(float(x), 6)
    return int(x) if x.is_integer() else x


def variable_entry(d: Derived, spec: RecodeSpec, instrument: Instrument) -> dict:
    """One analysis variable's codebook entry: what it is, where from, and its counts."""
    var = d.var
    entry: dict = {
        "name": var.name,
        "label": var.label,
        "type": _type_name(d),
        "sources": _raw_sources(var, spec, instrument),
        "derived_from": _analysis_sources(var, spec),
        "rule": describe_rule(var, spec, instrument),
        "note": var.note,
        "base": var.base,
        "required": var.required,
    }
    missing = d.missing
    entry["n_valid"] = int((~missing).sum())
    entry["n_missing"] = int(missing.sum())
    if d.codes is not None:
        counts = np.bincount(d.codes[d.codes >= 0], minlength=len(d.labels))
        entry["levels"] = [{"label": lab, "n": int(n)} for lab, n in zip(d.labels, counts, strict=True)]
    elif isinstance(var.rule, NUMBER_RULES):
        valid = d.values[~np.isnan(d.values)]
        entry["summary"] = (
            {"min": _number(valid.min()), "median": _number(np.median(valid)), "mean": _number(valid.mean()),
             "max": _number(valid.max())}
            if valid.size else None
        )
    elif isinstance(var.rule, CopyRule):
        present = d.values.dropna()
        if var.rule.dtype == "datetime":
            entry["summary"] = (
                {"min": present.min().isoformat(), "max": present.max().isoformat()} if len(present) else None
            )
        else:
            entry["summary"] = {"distinct": int(present.nunique())}
    if d.reasons is not None:
        reason_counts = np.bincount(d.reasons[d.reasons >= 0], minlength=len(spec.missing.reasons))
        entry["missing"] = {r: int(n) for r, n in zip(spec.missing.reasons, reason_counts, strict=True)}
    entry["corrections"] = [{"rule": k, "n": v} for k, v in d.corrections.items()]
    return entry


def build_codebook(
    derived: dict[str, Derived], spec: RecodeSpec, instrument: Instrument, *, wave: str, imported: ImportedWave
) -> dict:
    """The codebook of the analysis variables, as JSON-ready data (no run timestamps)."""
    n = len(next(iter(derived.values())).missing) if derived else 0
    book: dict = {}
    if imported.synthetic:
        book["notice"] = BANNER
    book |= {
        "stage": "clean",
        "wave": wave,
        "synthetic": imported.synthetic,
        "recode": {"name": spec.name, "version": spec.version, "file": spec.path.name, "sha256": spec.sha256},
        "instrument": {"name": instrument.name, "wave": instrument.wave},
        "source": {k: imported.provenance.get(k) for k in ("source", "source_sha256")},
        "n": n,
        "missing_reasons": [{"reason": r, "means": spec.missing.means.get(r, "")} for r in spec.missing.reasons],
        "variables": [variable_entry(d, spec, instrument) for d in derived.values()],
    }
    return book


def codebook_markdown(book: dict) -> str:
    """The codebook for reading: a summary table, then one section per variable."""
    out = [
        _banner(book["synthetic"]) + f"# Codebook of the analysis variables, wave {book['wave']}",
        "",
        f"Recode specification `{book['recode']['name']}` version {book['recode']['version']}, "
        f"instrument `{book['instrument']['name']}` (wave {book['instrument']['wave']}); "
        f"{book['n']:,} responses analysed. Analyses treat every missing value as missing; "
        "its reason is kept in the column `<variable>__missing`.",
        "",
        "Missing-value reasons:",
        "",
        *[f"- **{r['reason']}**: {r['means']}" for r in book["missing_reasons"]],
        "",
        "| Variable | Label | Type | Valid | Missing |",
        "|---|---|---|---:|---:|",
        *[
            f"| [`{v['name']}`](#{v['name']}) | {_md(v['label'])} | {v['type']} | {v['n_valid']:,} | {v['n_missing']:,} |"
            for v in book["variables"]
        ],
    ]
    for v in book["variables"]:
        out += ["", f"## {v['name']}", "", f"**{_md(v['label'])}** ({v['type']}{', required' if v['required'] else ''})", ""]
        out.append(f"- Sources: {', '.join(f'`{s}`' for s in v['sources'])}")
        if v["derived_from"]:
            out.append(f"- Derived from: {', '.join(f'`{s}`' for s in v['derived_from'])}")
        out.append(f"- Rule: {v['rule']}")
        if v["note"]:
            out.append(f"- Note: {v['note']}")
        if v.get("base"):
            out.append(f"- Base (of its percentages): {v['base']}")
        for c in v["corrections"]:
            out.append(f"- Correction: {c['rule']}: {c['n']:,}")
        if "levels" in v:
            out += ["", "| Level | n |", "|---|---:|", *[f"| {_md(lv['label'])} | {lv['n']:,} |" for lv in v["levels"]]]
        if v.get("summary"):
            out += ["", "| " + " | ".join(v["summary"]) + " |", "|" + "---:|" * len(v["summary"]),
                    "| " + " | ".join(f"{x:,}" if isinstance(x, int) else str(x) for x in v["summary"].values()) + " |"]
        if "missing" in v:
            rows = [(r, n) for r, n in v["missing"].items() if n]
            if rows:
                out += ["", "| Missing because | n |", "|---|---:|", *[f"| {_md(r)} | {n:,} |" for r, n in rows]]
            else:
                out += ["", "No missing values."]
    reps = book.get("replicate_weights")
    if reps:
        out += ["", "## Replicate weights", "", f"Type {reps['type']}: {len(reps['columns'])} columns, "
                + ", ".join(f"`{c}`" for c in reps["columns"])
                + (f"; full-sample weight `{reps['full_sample_weight']}`" if reps["full_sample_weight"] else "")
                + ". " + reps["note"]]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# Writing


def _write_parquet(frame: pd.DataFrame, path: Path, provenance: dict) -> None:
    """Parquet with the ``swsurvey`` provenance record beside pandas' own metadata."""
    pq.write_table(with_provenance(pa.Table.from_pandas(frame, preserve_index=False), provenance), path)


def _json_text(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def clean_wave(
    data: str | Path,
    instrument: str | Path,
    recode: str | Path,
    out_data: str | Path,
    out_codebook_json: str | Path,
    out_codebook_md: str | Path,
    out_flow_csv: str | Path,
    out_flow_md: str | Path,
    *,
    wave: str,
    recode_schema: str | Path | None = None,
    variance: Mapping | None = None,
    date_precision: str = "day",
) -> None:
    """Clean one wave as its recode spec says; write the data, codebook and exclusion flow.

    ``recode_schema`` is the JSON schema the spec is checked against (by default the one in
    the workflow the spec belongs to). ``variance`` is the wave's variance setting: with
    method ``supplied`` its replicate weight columns are carried (:func:`carry_replicate_weights`).
    Dates and times of the analysis variables are floored to ``date_precision``
    (:func:`coarsen_dates`).

    Every check runs before anything is written, and the five outputs are written to
    temporary files and moved into place together, so a failure leaves no output (and a
    previous run's outputs untouched).
    """
    inst = load_instrument(instrument)
    spec = load_recode(recode, recode_schema)
    check_recode_against_instrument(spec, inst)
    carried = carried_columns(pq.read_schema(data).names, variance, file=data) if supplied(variance) else []
    required = required_raw_variables(spec, inst)
    imported = read_import(data, list(dict.fromkeys([*required, *carried])))
    # Problems in the data are named by the raw file they came from, not only the import's copy.
    source = imported.provenance.get("source")
    raw_file = f"{source} (imported as {data})" if source else data
    check_raw(imported.frame, spec, inst, file=raw_file)
    log.info("wave %s: %d raw responses, recode spec %s %s", wave, len(imported.frame), spec.name, spec.version)

    kept, flow = apply_exclusions(imported.frame, spec, inst)
    cleaned, derived = derive_variables(imported.frame.iloc[np.flatnonzero(kept)], spec, inst, file=raw_file)
    cleaned = coarsen_dates(cleaned, derived, date_precision)
    check_cleaned(cleaned, spec, inst)
    log.info("wave %s: %d responses analysed", wave, len(cleaned))
    if carried:
        cleaned = carry_replicate_weights(cleaned, imported.frame.iloc[np.flatnonzero(kept)], carried, variance,
                                          file=raw_file)
        log.info("wave %s: carried the supplied replicate weights %s", wave, ", ".join(carried))

    synthetic = imported.synthetic
    provenance = {
        "stage": "clean",
        "wave": wave,
        "synthetic": synthetic,
        "recode": {"name": spec.name, "version": spec.version, "sha256": spec.sha256},
        "instrument": inst.name,
        "source": imported.provenance.get("source"),
        "source_sha256": imported.provenance.get("source_sha256"),
        # Variable labels travel with the data, as haven's `label` attribute does.
        "labels": {var.name: var.label for var in spec.variables},
        # Which respondents a derived flag's percentages are shares of, for the tables' note.
        "bases": {var.name: var.base for var in spec.variables if var.base},
    }
    book = build_codebook(derived, spec, inst, wave=wave, imported=imported)
    if carried:
        fsw = full_sample_weight(variance)
        replicates = {
            "columns": [c for c in carried if c != fsw],
            "full_sample_weight": fsw,
            "type": variance["type"],
            "note": "Replicate weights supplied in the raw file (waves.<wave>.variance, method supplied), carried "
                    "unchanged for the analysed responses: "
                    + ("divided by the full-sample weight, they are" if fsw else "they are")
                    + " the replicate factors of the pipeline's raked weight.",
        }
        provenance["replicate_weights"] = {k: replicates[k] for k in ("columns", "full_sample_weight", "type")}
        book["replicate_weights"] = replicates
    texts = {
        out_codebook_json: _json_text(book),
        out_codebook_md: codebook_markdown(book),
        out_flow_csv: flow_table(flow, wave=wave, synthetic=synthetic).to_csv(index=False, lineterminator="\n"),
        out_flow_md: flow_markdown(flow, wave=wave, synthetic=synthetic, spec=spec),
    }
    with contextlib.ExitStack() as stack:
        # Each atomic_path renames its file into place only when the whole block succeeds.
        _write_parquet(cleaned, stack.enter_context(atomic_path(out_data)), provenance)
        for path, text in texts.items():
            stack.enter_context(atomic_path(path)).write_text(text, encoding="utf-8", newline="\n")
