"""Variables given the way R's survey package takes them: a one-sided formula string
(``"~api00 + stype"``) or a list of names, everywhere a function takes variables.

R's calls say ``svymean(~api00 + stype, design)``, ``svyby(~api00, ~stype + sch.wide, ...)``,
``svydesign(ids=~dnum + snum, strata=~stype, fpc=~fpc1 + fpc2, weights=~pw)``,
``calibrate(design, ~stype + sch.wide, population)``; every function of
:mod:`swsurvey.survey` takes the same strings, or a name, or a list of names (each of which
may itself be a formula, as R's ``list(~stype, ~sch.wide)`` of raking margins). ``~1`` and
``~0`` name no variable (R's ``ids=~1``: each row its own PSU). ``I(x == value)``, R's
indicator expression, is read by :func:`indicator` (for ``svyciprop``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

import numpy as np

from swsurvey.errors import InputError

__all__ = ["Indicator", "indicator", "terms", "variable_names"]

_NAME = re.compile(r"^[A-Za-z._][A-Za-z0-9._]*$")
_INDICATOR = re.compile(r"^I\(\s*([A-Za-z._][A-Za-z0-9._]*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*\)$")


def _rhs(text: str) -> str:
    """The right side of a one-sided formula (``"~a + b"``), or the text itself."""
    text = text.strip()
    if "~" not in text:
        return text
    lhs, _, rhs = text.partition("~")
    if lhs.strip() or "~" in rhs:
        raise InputError("a variables formula is one-sided, as R's ~a + b", value=text)
    return rhs.strip()


def terms(spec, what: str = "variables") -> list[tuple[str, ...]]:
    """The terms of ``spec`` in order, each a tuple of variable names (``"~a:b"`` is the
    interaction ``("a", "b")``); ``1``, ``0`` and ``-1`` name nothing. ``spec`` is a formula
    string (starting with ``~``), a name (taken verbatim), or a sequence of those (a tuple of names inside a list is an
    interaction, as the library's older calls wrote it)."""
    if spec is None:
        return []
    if isinstance(spec, str) and "~" not in spec:
        return [(spec,)]  # a name, verbatim (whatever characters the data's column has)
    if isinstance(spec, str):
        out: list[tuple[str, ...]] = []
        rhs = _rhs(spec)
        if not rhs:
            raise InputError(f"no {what} in the formula", value=spec)
        for token in rhs.replace(" ", "").split("+"):
            token = token.removeprefix("-") if token in ("-1", "-0") else token
            if token in ("1", "0"):
                continue
            parts = tuple(token.split(":")) if token else ()
            if not parts or not all(_NAME.match(p) for p in parts):
                raise InputError(
                    f"unsupported term in the {what}: only variable names joined by '+' "
                    "(and ':' for an interaction) are read; make a new column for anything else "
                    "(update(design, name=...))",
                    value=spec,
                )
            if parts not in out:
                out.append(parts)
        return out
    if isinstance(spec, Iterable) and not isinstance(spec, (bytes, bytearray, Mapping)):
        out = []
        for item in spec:  # a list, tuple, pandas Index, array of names...
            if isinstance(item, tuple) and all(isinstance(v, str) for v in item):
                found = [tuple(item)]
            elif isinstance(item, (str, np.str_)):
                found = terms(str(item), what)
            else:
                raise InputError(f"{what} must be names or formula strings", value=repr(item))
            out.extend(t for t in found if t not in out)
        return out
    raise InputError(f"{what} must be a formula string ('~a + b'), a name or a list of names", value=repr(spec))


def variable_names(spec, what: str = "variables") -> list[str]:
    """The variable names of ``spec`` (a formula string ``"~a + b"``, a name, or a list of
    either), in order and without repeats; an interaction is an error here."""
    out: list[str] = []
    for term in terms(spec, what):
        if len(term) != 1:
            raise InputError(f"the {what} take variables, not interactions", value=":".join(term))
        if term[0] not in out:
            out.append(term[0])
    return out


class Indicator(tuple):
    """R's ``I(variable op value)``: ``(variable, op, value)``."""

    __slots__ = ()

    @property
    def variable(self) -> str:
        return self[0]


def indicator(spec: str) -> Indicator | None:
    """``~I(stype == "E")`` (or without the ``~``) as ``(variable, op, value)``; None when
    ``spec`` is not an indicator expression. The value is a quoted string or a number, the
    comparison one of ``== != < <= > >=``, as R evaluates it."""
    match = _INDICATOR.match(_rhs(spec))
    if not match:
        return None
    variable, op, literal = match.groups()
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        raise InputError("the comparison needs a quoted string or a number, as I(stype == \"E\")", value=spec) from None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InputError("the comparison needs a quoted string or a number", value=spec)
    return Indicator((variable, op, value))
