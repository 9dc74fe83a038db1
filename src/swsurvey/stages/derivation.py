"""The analysis variables derived from the kept raw rows, as the recode spec's rules say.

:func:`derive_variables` derives every variable in spec order, one method per rule kind, as
labelled (ordered) categoricals or numbers, keeping for every missing value its reason in
``<variable>__missing`` (haven's tagged NA, as a column). All derivations are column-wise NumPy
on code arrays, so a million rows cost seconds. :func:`coarsen_dates` floors the date-time
variables to the configured precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.stages.conditions import evaluate, raw_codes, raw_match
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import (
    AgeRule,
    AnalysisVariable,
    BandsRule,
    CasesRule,
    CheckboxRule,
    CodeRule,
    CopyRule,
    Match,
    NumericRule,
    RecodeSpec,
    code_levels,
)
from swsurvey.study.validation import MISSING_SUFFIX, checkbox_set


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
