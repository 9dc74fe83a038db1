"""A small, explicit model formula and the model matrix it builds (R's ``model.frame`` /
``model.matrix`` for main-effects models), shared by :mod:`~swsurvey.survey.glm` and
:mod:`~swsurvey.survey.olr`.

Syntax (a deliberate subset of R's)::

    response ~ term + term + ...        intercept included
    response ~ term + ... - 1           no intercept (also ``0 + term + ...``)

A term is a variable name of the design's data (dots allowed: ``sch.wide``). A numeric
variable enters as one column named as the variable; a categorical one (a pandas
Categorical, strings/objects, booleans) as treatment dummies for every level but the
reference, named like R: variable name then level (``stypeH``, ``sch.wideYes``,
``privateTRUE``). Level order is R's: a Categorical's categories, FALSE/TRUE for booleans,
sorted distinct values for strings (code-point order, where R uses the locale's collation:
pass a Categorical when the order matters); levels with no complete row are dropped, as R's
``glm`` does (``drop.unused.levels``). The reference is the first level unless
``reference={"variable": level}`` names another (R's ``relevel``).

The response is a variable name, or ``I(variable == value)`` (also ``!=``, ``<``, ``<=``,
``>``, ``>=``) with a quoted string or a number, which gives a 0/1 response (missing where
the variable is missing), exactly as R evaluates it. Interactions, transformations and
other R syntax are not supported: they are an :class:`~swsurvey.errors.InputError`.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from swsurvey.errors import InputError
from swsurvey.survey.design import SurveyDesign

__all__ = [
    "Formula",
    "ModelFrame",
    "aliased_columns",
    "covariate_patterns",
    "design_rows",
    "factor_codes",
    "level_label",
    "model_frame",
    "parse_formula",
]

_NAME = re.compile(r"^[A-Za-z._][A-Za-z0-9._]*$")
_RESPONSE_EXPR = re.compile(r"^I\(\s*([A-Za-z._][A-Za-z0-9._]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*\)$")
_OPS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


@dataclass(frozen=True)
class Formula:
    """A parsed formula: the response (a variable, optionally compared with a literal),
    the terms (variable names, in order) and whether there is an intercept."""

    text: str
    response: str
    response_var: str
    comparison: tuple[str, object] | None
    terms: tuple[str, ...]
    intercept: bool = True

    @property
    def variables(self) -> tuple[str, ...]:
        """Every variable the model uses: the response's, then the terms'."""
        return (self.response_var, *self.terms)


def parse_formula(text: str) -> Formula:
    """Parse ``"y ~ a + b"`` (see the module docstring for the accepted syntax)."""
    if not isinstance(text, str) or text.count("~") != 1:
        raise InputError("a model formula needs exactly one '~', as 'y ~ a + b'", value=text)
    lhs, rhs = (part.strip() for part in text.split("~"))
    if not lhs:
        raise InputError("the formula has no response (left of '~')", value=text)
    match = _RESPONSE_EXPR.match(lhs)
    if match:
        var, op, literal = match.groups()
        try:
            value = ast.literal_eval(literal)
        except (ValueError, SyntaxError):
            raise InputError(
                "the response comparison needs a quoted string or a number, as I(awards == \"Yes\")",
                value=lhs,
            ) from None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputError("the response comparison needs a quoted string or a number", value=lhs)
        comparison: tuple[str, object] | None = (op, value)
    elif _NAME.match(lhs):
        var, comparison = lhs, None
    else:
        raise InputError(
            "unsupported response: use a variable name or I(variable == value)", value=lhs
        )
    intercept = True
    terms: list[str] = []
    # split on + and - at the top level (no parentheses are allowed in terms)
    tokens = re.findall(r"[+-]|[^+-]+", rhs.replace(" ", ""))
    sign = "+"
    expect_term = True
    for tok in tokens:
        if tok in "+-":
            if not expect_term and tok in "+-":
                sign = tok
                expect_term = True
                continue
            if tok == "-" and expect_term:
                sign = "-"
                continue
            raise InputError("malformed formula", value=text)
        if not expect_term:
            raise InputError("malformed formula", value=text)
        expect_term = False
        if tok in ("1", "0"):
            if (tok == "1" and sign == "-") or tok == "0":
                intercept = False
            continue
        if sign == "-":
            raise InputError("removing a term with '-' is only supported for the intercept ('- 1')", value=text)
        if not _NAME.match(tok):
            raise InputError(
                "unsupported term: only variable names are allowed (no interactions or "
                "transformations; make a new column instead)",
                value=tok,
            )
        if tok in terms:
            raise InputError("a term appears twice in the formula", value=tok)
        terms.append(tok)
        sign = "+"
    if expect_term and tokens:
        raise InputError("malformed formula", value=text)
    if var in terms:
        raise InputError("the response is also a predictor", variable=var)
    return Formula(
        text=text, response=lhs, response_var=var, comparison=comparison, terms=tuple(terms), intercept=intercept
    )


# -- categorical coding ---------------------------------------------------------------------------


def is_categorical(values: pd.Series) -> bool:
    dtype = values.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def level_label(level) -> str:
    """How R prints a level inside a coefficient name (TRUE/FALSE for booleans)."""
    if isinstance(level, (bool, np.bool_)):
        return "TRUE" if level else "FALSE"
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def factor_codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """Integer codes (-1 = missing) and levels in R's order: a Categorical's categories,
    FALSE/TRUE for booleans, sorted distinct values otherwise (R's ``factor``)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(dtype=np.int64), list(values.cat.categories)
    if pd.api.types.is_bool_dtype(values.dtype):
        missing = values.isna().to_numpy()
        codes = np.where(missing, -1, values.fillna(False).to_numpy(dtype=bool).astype(np.int64))
        return codes, [False, True]
    try:
        codes, uniques = pd.factorize(values, sort=True)
    except TypeError:  # mixed types cannot be sorted
        raise InputError("categorical variable mixes types that cannot be ordered", variable=str(values.name)) from None
    return codes.astype(np.int64), list(uniques)


def design_rows(design: SurveyDesign) -> np.ndarray:
    """The rows R's design object holds (``nrow(design)``).

    R's ``subset()`` of an uncalibrated design drops the rows outside the domain, while a
    calibrated (raked, post-stratified) design keeps every row with zero weight. Here a
    domain is always zero weights, so the rows R would hold are the domain's when the
    design has no calibration, all rows otherwise. (A subset taken *before* calibration is
    counted as R counts a subset taken after it; that order is not recorded.) These rows
    define R's weight rescaling in ``svyglm``, ``svyolr``'s starting values and
    ``svychisq``'s table total and degrees of freedom.
    """
    if design.domain is None or design.calibration:
        return np.ones(design.n, dtype=bool)
    return np.asarray(design.domain, dtype=bool).copy()


# -- the model frame ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """How one term enters the model matrix: a numeric variable, or the dummy codes of a
    categorical one (``dummies``: the level codes that get a column)."""

    term: str
    values: np.ndarray  # floats (numeric, NaN = missing) or int codes (categorical, -1 = missing)
    dummies: tuple[int, ...] | None = None


@dataclass(frozen=True, eq=False)
class ModelFrame:
    """A formula evaluated on a design's data.

    :meth:`matrix` builds the model matrix for any rows, with columns ``names``; ``assign``
    gives each column's term (0 = intercept, i = ``terms[i-1]``, as R's ``attr(,
    "assign")``). ``y`` is the response as floats (NaN = missing), or integer codes 0..K-1
    (-1 = missing) with ``response_levels`` for a categorical response. ``complete`` marks
    the rows where every model variable is present; ``missing`` counts per variable the
    rows (of the design's rows) where it is missing. ``levels`` gives each categorical
    term's levels as used (reference first).
    """

    formula: Formula
    names: tuple[str, ...]
    assign: np.ndarray
    y: np.ndarray
    complete: np.ndarray
    columns: tuple[_Column, ...] = ()
    missing: dict[str, int] = field(default_factory=dict)
    levels: dict[str, list] = field(default_factory=dict)
    response_levels: list | None = None

    @property
    def terms(self) -> tuple[str, ...]:
        return self.formula.terms

    def matrix(self, index: np.ndarray | None = None) -> np.ndarray:
        """The model matrix (len(index) x p, Fortran order) for rows ``index`` (all rows
        when None); missing values are 0 (such rows are not complete)."""
        n = len(self.y) if index is None else len(index)
        X = np.empty((n, len(self.names)), order="F")
        j = 0
        if self.formula.intercept:
            X[:, 0] = 1.0
            j = 1
        for col in self.columns:
            values = col.values if index is None else col.values[index]
            if col.dummies is None:
                X[:, j] = values
                np.nan_to_num(X[:, j], copy=False, nan=0.0)
                j += 1
            else:
                for code in col.dummies:
                    X[:, j] = values == code
                    j += 1
        return X

    def term_codes(self, index: np.ndarray) -> list[np.ndarray]:
        """Per term, integer codes of its values on rows ``index`` (equal codes = equal
        model-matrix entries), for grouping rows into covariate patterns."""
        out = []
        for col in self.columns:
            values = col.values[index]
            if col.dummies is None:
                codes, _ = pd.factorize(values)
                out.append(codes.astype(np.int64))
            else:
                out.append(values.astype(np.int64, copy=False))
        return out


def covariate_patterns(codes: list[np.ndarray], n: int, max_fraction: float = 0.5):
    """Group ``n`` rows by identical codes in every array of ``codes``.

    Returns ``(inverse, first)``: each row's pattern (0..P-1, in order of first
    appearance) and each pattern's first row; or None when there would be more than
    ``max_fraction * n`` patterns (grouping would not pay). Models depend on rows only
    through their pattern and weight, so sums over rows equal weighted sums over patterns:
    this is how a model on 1,000,000 rows of categorical data is fitted on a few thousand.
    """
    combined = np.zeros(n, dtype=np.int64)
    size = 1
    limit = int(max_fraction * n)
    for c in codes:
        k = int(c.max()) + 1 if len(c) else 1
        if k > limit:
            return None
        if size * k > 2**62:
            combined, uniques = pd.factorize(combined)
            size = len(uniques)
            if size > limit:
                return None
        combined = combined * k + c
        size *= k
    inverse, uniques = pd.factorize(combined)
    if len(uniques) > limit:
        return None
    inverse = inverse.astype(np.int64)
    # codes are numbered in order of first appearance: their running maximum rises exactly there
    first = np.flatnonzero(np.diff(np.maximum.accumulate(inverse), prepend=-1) > 0)
    return inverse, first


def _response(data: pd.DataFrame, formula: Formula, categorical: bool):
    name = formula.response_var
    if name not in data:
        raise InputError("response variable not in the design's data", variable=name)
    values = data[name]
    if categorical:
        if formula.comparison is not None:
            raise InputError("an ordinal model needs a categorical response, not a comparison", value=formula.response)
        if not isinstance(values.dtype, pd.CategoricalDtype):
            raise InputError(
                "the response of an ordinal model must be a pandas Categorical whose category "
                "order is the outcome order (R needs a factor)",
                variable=name,
            )
        codes, levels = factor_codes(values)
        return codes, levels
    if formula.comparison is not None:
        op, literal = formula.comparison
        if isinstance(literal, str):
            if not is_categorical(values):
                raise InputError("compared with a string, but the variable is not categorical", variable=name)
            if op not in ("==", "!="):
                raise InputError("a string can only be compared with == or !=", value=formula.response)
            codes, levels = factor_codes(values)
            hit = np.array([level_label(v) == literal for v in levels] + [False], dtype=bool)[codes]
            if op == "!=":
                hit = ~hit
            return np.where(codes < 0, np.nan, hit.astype(float)), None
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            raise InputError("compared with a number, but the variable is not numeric", variable=name)
        num = values.to_numpy(dtype=float, na_value=np.nan)
        out = np.where(np.isnan(num), np.nan, _OPS[op](num, float(literal)).astype(float))
        return out, None
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan), None
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, levels = factor_codes(values)
        if len(levels) != 2:
            raise InputError(
                f"a categorical response needs exactly two levels (the first is failure), not "
                f"{len(levels)}; use I(variable == \"level\")",
                variable=name,
            )
        # R's binomial family: a factor response is "not the first level"
        return np.where(codes < 0, np.nan, (codes > 0).astype(float)), levels
    if is_categorical(values):
        raise InputError(
            "a text response is ambiguous: use I(variable == \"level\") or a Categorical with "
            "two levels (the first is failure)",
            variable=name,
        )
    if not pd.api.types.is_numeric_dtype(values.dtype):
        raise InputError(f"response has unsupported type {values.dtype}", variable=name)
    return values.to_numpy(dtype=float, na_value=np.nan), None


def model_frame(
    design: SurveyDesign,
    formula: str | Formula,
    reference: Mapping[str, object] | None = None,
    categorical_response: bool = False,
) -> ModelFrame:
    """Evaluate ``formula`` on the design's data (see the module docstring).

    Levels of categorical terms are those present on the complete rows R's design holds
    (:func:`design_rows`), whatever their weight, as R's ``model.frame`` with
    ``drop.unused.levels=TRUE``. ``reference`` maps a categorical term to its reference
    level. ``categorical_response`` asks for a categorical (ordinal) response.
    """
    if not isinstance(formula, Formula):
        formula = parse_formula(formula)
    data = design.data
    reference = dict(reference or {})
    for name in reference:
        if name not in formula.terms:
            raise InputError("a reference level is given for a variable that is not a term", variable=name)
    rows = design_rows(design)
    y, response_levels = _response(data, formula, categorical_response)
    y_missing = (y < 0) if categorical_response else np.isnan(y)
    complete = ~y_missing
    missing = {formula.response_var: int((y_missing & rows).sum())}
    coded: list[tuple[str, object]] = []
    for term in formula.terms:
        if term not in data:
            raise InputError("variable not in the design's data", variable=term)
        values = data[term]
        if is_categorical(values):
            codes, levels = factor_codes(values)
            na = codes < 0
            coded.append((term, (codes, levels)))
        elif pd.api.types.is_numeric_dtype(values.dtype):
            num = values.to_numpy(dtype=float, na_value=np.nan)
            na = np.isnan(num)
            if np.isinf(num).any():
                raise InputError("variable has infinite values", variable=term, count=int(np.isinf(num).sum()))
            coded.append((term, num))
        else:
            raise InputError(f"variable has unsupported type {values.dtype}", variable=term)
        missing[term] = int((na & rows).sum())
        complete &= ~na
    used = complete & rows
    specs: list[_Column] = []
    names: list[str] = []
    assign: list[int] = []
    levels_used: dict[str, list] = {}
    full_coded = False
    if formula.intercept:
        names.append("(Intercept)")
        assign.append(0)
    for index, (term, value) in enumerate(coded, start=1):
        if isinstance(value, tuple):
            codes, levels = value
            present = np.bincount(codes[used & (codes >= 0)], minlength=len(levels)) > 0
            keep = [i for i in range(len(levels)) if present[i]]
            if term in reference:
                ref = reference[term]
                matches = [i for i in keep if levels[i] == ref or level_label(levels[i]) == str(ref)]
                if not matches:
                    raise InputError(
                        "reference level is not a level of the variable with data", variable=term, value=ref
                    )
                keep.remove(matches[0])
                keep.insert(0, matches[0])
            if len(keep) < 2 and (formula.intercept or full_coded):
                raise InputError(
                    "categorical term has a single level among the rows used (R: contrasts can be "
                    "applied only to factors with 2 or more levels)",
                    variable=term,
                    value=[level_label(levels[i]) for i in keep],
                )
            levels_used[term] = [levels[i] for i in keep]
            # without an intercept the first categorical term is coded in full, as R does
            dummies = keep if not (formula.intercept or full_coded) else keep[1:]
            full_coded = True
            specs.append(_Column(term, codes, tuple(dummies)))
            for code in dummies:
                names.append(f"{term}{level_label(levels[code])}")
                assign.append(index)
        else:
            specs.append(_Column(term, value))
            names.append(term)
            assign.append(index)
    return ModelFrame(
        formula=formula,
        names=tuple(names),
        assign=np.asarray(assign, dtype=np.int64),
        y=y,
        complete=complete,
        columns=tuple(specs),
        missing=missing,
        levels=levels_used,
        response_levels=response_levels,
    )


def aliased_columns(gram: np.ndarray, tol: float = 1e-10) -> list[int]:
    """Columns that are (numerically) linear combinations of earlier columns.

    A Cholesky factorisation of the weighted cross-product matrix, in column order, that
    skips a column whose squared residual norm after projection on the kept earlier columns
    is below ``tol`` times its squared norm (relative residual norm 1e-5): R's ``glm``
    declares such columns aliased (its QR pivots them out, its coefficients are NA).
    """
    k = gram.shape[0]
    kept: list[int] = []
    L = np.zeros((k, k))
    aliased = []
    for j in range(k):
        diag = gram[j, j]
        if not diag > 0:
            aliased.append(j)
            continue
        if kept:
            idx = np.asarray(kept)
            # solve L[kept,kept] l = gram[kept, j]
            m = len(kept)
            lk = np.linalg.solve(L[:m, :m], gram[idx, j])
            resid = diag - float(lk @ lk)
        else:
            lk = np.zeros(0)
            resid = diag
        if resid <= tol * diag:
            aliased.append(j)
            continue
        m = len(kept)
        L[m, :m] = lk
        L[m, m] = np.sqrt(resid)
        kept.append(j)
    return aliased
