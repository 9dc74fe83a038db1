"""The raw data contract of a survey wave: variables, codes, labels, skip logic, personal data.

An instrument file (``workflow/instruments/*.yaml``) says what a raw Qualtrics SPSS export
of one wave carries. The generator writes to it, the import stage uses it to find personal
data, and the cleaning stage checks raw codes against it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from swsurvey.errors import InputError

#: Condition syntax used by ``asked_if`` in instrument files: ``Q11 == 1``.
_CONDITION = re.compile(r"^\s*(\w+)\s*==\s*(-?\d+)\s*$")


@dataclass(frozen=True)
class Variable:
    """One raw variable of the export."""

    name: str
    label: str
    kind: str  # "numeric", "string" or "datetime"
    section: str | None = None
    values: dict[int, str] = field(default_factory=dict)
    pii: bool = False
    free_text: bool = False
    checkbox: bool = False
    asked_if: tuple[str, int] | None = None
    value_range: tuple[float, float] | None = None
    note: str | None = None
    metadata: bool = False
    #: The name this question had in the wave before (``was:``), for a revised instrument.
    was: str | None = None

    @property
    def coded(self) -> bool:
        """A question answered by picking a code (labelled values or a checkbox)."""
        return not self.metadata and (bool(self.values) or self.checkbox)

    @property
    def personal(self) -> bool:
        """Personal data: never leaves the import stage."""
        return self.pii or self.free_text


@dataclass(frozen=True)
class Revision:
    """What a revised instrument revises (``revises:``): the earlier wave, and its instrument
    file, whose variable names the questions' ``was:`` keys give. The path is as written,
    relative to the folder the workflow runs in (like the config's paths)."""

    wave: str
    instrument: Path


@dataclass(frozen=True)
class Instrument:
    """A wave's instrument: its variables in file order and the export's missing-value codes."""

    name: str
    wave: str
    path: Path
    variables: tuple[Variable, ...]
    user_missing: dict[int, str]
    not_substantive: dict[int, str]
    published_n: dict[str, int]
    eligibility: str = ""
    fielded: str = ""
    #: Eligible completes per country of the synthetic stand-in, for a wave with none published.
    synthetic_n: dict[str, int] = field(default_factory=dict)
    #: The wave and instrument this one revises (``revises:``); None for an instrument that
    #: revises none (its ``was:`` keys, if any, name the generator's 2017 variables).
    revises: Revision | None = None

    @cached_property
    def by_name(self) -> dict[str, Variable]:
        return {v.name: v for v in self.variables}

    def __getitem__(self, name: str) -> Variable:
        try:
            return self.by_name[name]
        except KeyError:
            raise InputError("not defined by the instrument", file=self.path, variable=name) from None

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    @property
    def personal_names(self) -> list[str]:
        """Variables marked pii or free text."""
        return [v.name for v in self.variables if v.personal]

    @property
    def renamed_from(self) -> dict[str, str]:
        """Each question's name in the wave before (``was:``), where the instrument gives one."""
        return {v.name: v.was for v in self.variables if v.was is not None}

    def checkbox_sets(self) -> dict[str, list[str]]:
        """Checkbox items grouped into their question (``Q10_1``, ``Q10_2`` -> ``Q10``)."""
        sets: dict[str, list[str]] = {}
        for v in self.variables:
            if v.checkbox:
                sets.setdefault(v.name.rsplit("_", 1)[0], []).append(v.name)
        return sets

    def valid_codes(self, name: str) -> set[int]:
        """Codes a coded variable may take, including the declared user-missing codes."""
        var = self[name]
        if var.checkbox:
            return {1, *self.user_missing}
        return {*var.values, *self.user_missing}


def _variable(raw: dict, scales: dict, metadata: bool, path: Path) -> Variable:
    name = raw["name"]
    values = raw.get("values") or {}
    if "scale" in raw:
        try:
            values = scales[raw["scale"]]
        except KeyError:
            raise InputError(f"unknown scale {raw['scale']!r}", file=path, variable=name) from None
    kind = raw.get("type", "numeric")
    if kind not in {"numeric", "string", "datetime"}:
        raise InputError(f"unknown type {kind!r}", file=path, variable=name)
    asked_if = None
    if "asked_if" in raw:
        match = _CONDITION.match(str(raw["asked_if"]))
        if not match:
            raise InputError(
                "asked_if must read 'VARIABLE == CODE'", file=path, variable=name, value=raw["asked_if"]
            )
        asked_if = (match.group(1), int(match.group(2)))
    value_range = tuple(raw["range"]) if "range" in raw else None
    was = raw.get("was")
    if was is not None and not (isinstance(was, str) and re.fullmatch(r"\w+", was)):
        raise InputError("was must name the question's earlier variable", file=path, variable=name, value=was)
    return Variable(
        name=name,
        label=str(raw.get("label", "")),
        kind=kind,
        section=raw.get("section"),
        values={int(k): str(v) for k, v in values.items()},
        pii=bool(raw.get("pii", False)),
        free_text=bool(raw.get("free_text", False)),
        checkbox=bool(raw.get("checkbox", False)),
        asked_if=asked_if,
        value_range=value_range,
        note=raw.get("note"),
        metadata=metadata,
        was=was,
    )


def _revision(raw: object, path: Path) -> Revision | None:
    """``revises: {wave: "2021", instrument: <path>}``, or None when the key is absent."""
    if raw is None:
        return None
    if (
        not isinstance(raw, dict)
        or set(raw) != {"wave", "instrument"}
        or not isinstance(raw["wave"], (str, int))
        or not str(raw["wave"]).strip()
        or not isinstance(raw["instrument"], str)
        or not raw["instrument"].strip()
    ):
        raise InputError(
            "revises must read {wave: <the earlier wave's id>, instrument: <its instrument file>}",
            file=path,
            variable="revises",
            value=raw,
        )
    return Revision(wave=str(raw["wave"]), instrument=Path(raw["instrument"]))


def load_instrument(path: str | Path) -> Instrument:
    """Read an instrument YAML file and check that its skip logic refers to real variables.

    A revised instrument may give each question's name in the wave before (``was:``) and the
    wave and instrument file it revises (``revises:``), and a wave with nothing published the synthetic stand-in's sample (``countries_synthetic_n``).
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("instrument file not found", file=path) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", file=path) from None
    scales = {k: {int(c): str(lab) for c, lab in v.items()} for k, v in (doc.get("scales") or {}).items()}
    variables = [_variable(v, scales, True, path) for v in doc.get("metadata", [])]
    variables += [_variable(v, scales, False, path) for v in doc.get("questions", [])]
    names = [v.name for v in variables]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise InputError("variable defined twice", file=path, variable=", ".join(dup))
    known = set(names)
    for v in variables:
        if v.asked_if and v.asked_if[0] not in known:
            raise InputError(
                f"asked_if refers to unknown variable {v.asked_if[0]}", file=path, variable=v.name
            )
    codes = doc.get("missing_codes") or {}
    return Instrument(
        name=str(doc.get("instrument", path.stem)),
        wave=str(doc.get("wave", "")),
        path=path,
        variables=tuple(variables),
        user_missing={int(k): str(v) for k, v in (codes.get("user_missing") or {}).items()},
        not_substantive={int(k): str(v) for k, v in (codes.get("not_substantive") or {}).items()},
        published_n={str(k): int(v) for k, v in (doc.get("countries_published_n") or {}).items()},
        eligibility=str(doc.get("eligibility", "")),
        fielded=str(doc.get("fielded", "")),
        synthetic_n={str(k): int(v) for k, v in (doc.get("countries_synthetic_n") or {}).items()},
        revises=_revision(doc.get("revises"), path),
    )
