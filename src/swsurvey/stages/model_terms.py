"""The terms of a fitted model in words, from the cleaned wave's codebook.

A coefficient's raw name is the variable's name and the level glued together, as R's
``model.matrix`` writes it (``age_group60 or older``); a reader sees "Age group: 60 or older
(ref. Under 30)". The reference level is the one the model was given (``infer.models.<model>.
reference``), or else the codebook's first level of the variable that has no coefficient (and
lies in the model's domain, when the domain restricts that variable).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

#: A logical response, ``I(var == "level")``.
_INDICATOR = re.compile(r'^I\(\s*(\w+)\s*==\s*["\'](.*)["\']\s*\)$')


def codebook_variables(codebook: Mapping) -> dict[str, dict]:
    """Each variable of a cleaned codebook: its label and its levels, in the codebook's order."""
    return {
        v["name"]: {"label": v.get("label") or v["name"], "levels": [level["label"] for level in v.get("levels") or []]}
        for v in codebook["variables"]
    }


def variable_label(variables: Mapping[str, dict], name: str) -> str:
    return variables.get(name, {}).get("label", name)


def formula_parts(formula: str) -> tuple[str, list[str]]:
    """The response and the predictors of a formula, as written."""
    response, _, terms = formula.partition("~")
    return response.strip(), [t.strip() for t in terms.split("+") if t.strip()]


def response_label(response: str, variables: Mapping[str, dict]) -> str:
    """'Weekly use: Yes' for ``I(weekly_use == "Yes")``; the variable's label otherwise."""
    match = _INDICATOR.match(response)
    if match:
        return f"{variable_label(variables, match.group(1))}: {match.group(2)}"
    return variable_label(variables, response)


def split_term(term: str, predictors: Sequence[str]) -> tuple[str, str] | None:
    """(variable, level) of a coefficient's name: the longest predictor it starts with."""
    for name in sorted(predictors, key=len, reverse=True):
        if term.startswith(name):
            return name, term[len(name):]
    return None


def reference_level(variable: str, fitted_levels: Iterable[str], variables: Mapping[str, dict],
                    reference: Mapping[str, str], domain: Mapping[str, Sequence[str]]) -> str | None:
    """The level a variable's coefficients are compared with (None when it cannot be told)."""
    if variable in reference:
        return str(reference[variable])
    fitted = set(fitted_levels)
    allowed = set(map(str, domain[variable])) if variable in domain else None
    for level in variables.get(variable, {}).get("levels", []):
        if level not in fitted and (allowed is None or level in allowed):
            return level
    return None


def term_labels(terms: Sequence[tuple[str, str]], formula: str, variables: Mapping[str, dict],
                reference: Mapping[str, str] | None = None,
                domain: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """Each (term, kind) of one model in words: the intercept, a cut-point of an ordinal model
    ("Never | Less than monthly"), a level against its reference, or a numeric predictor's label."""
    reference, domain = reference or {}, domain or {}
    _, predictors = formula_parts(formula)
    fitted: dict[str, list[str]] = {}
    for term, kind in terms:
        split = split_term(term, predictors) if kind == "coefficient" else None
        if split:
            fitted.setdefault(split[0], []).append(split[1])
    labels = {}
    for term, kind in terms:
        if kind == "cut-point":
            labels[term] = "Cut-point: " + " | ".join(term.split("|"))
            continue
        if term == "(Intercept)":
            labels[term] = "Intercept"
            continue
        split = split_term(term, predictors)
        if split is None:
            labels[term] = term
            continue
        name, level = split
        label = variable_label(variables, name)
        if not level:
            labels[term] = label
            continue
        ref = reference_level(name, fitted.get(name, []), variables, reference, domain)
        labels[term] = f"{label}: {level}" + (f" (ref. {ref})" if ref is not None else "")
    return labels
