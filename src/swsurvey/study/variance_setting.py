"""A wave's variance setting (config ``waves.<wave>.variance``): its methods, what can be
checked before any data is read, which columns of the data supplied replicate weights are,
and how a wave's replicates are split into jobs.

This is the setting's one home. It imports only the standard library, because the workflow
reads it when it plans the jobs (:func:`planned_chunks`), before any data exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from swsurvey.errors import InputError

#: The default method: Taylor-series linearization, no replicates.
LINEARIZATION = "linearization"

#: The variance method whose replicate weights come with the data.
SUPPLIED = "supplied"
#: The settings that belong to method "supplied" alone (null when unused).
SUPPLIED_ONLY = ("columns", "type", "full_sample_weight", "scale", "rscales")


def supplied(variance: Mapping | None) -> bool:
    """Whether a wave's variance setting uses replicate weights supplied in its data."""
    return bool(variance) and variance.get("method") == SUPPLIED


def supplied_setting(columns=None, type=None, combined_weights=True, full_sample_weight=None) -> dict | None:
    """The keys of a wave's variance setting that the import and cleaning use, as a setting
    (None when the wave has no supplied replicate weights: ``columns`` is null). The rules
    take these keys one by one, so that another change of the variance setting (the method,
    the seed, the chunk) does not rerun them."""
    if columns is None:
        return None
    return {"method": SUPPLIED, "columns": columns, "type": type, "combined_weights": combined_weights,
            "full_sample_weight": full_sample_weight}


def _setting(key: str) -> str:
    return f"waves.<wave>.variance.{key}"


def check_variance_setting(variance: Mapping) -> None:
    """The parts of a wave's variance setting that can be checked before any data is read
    (at planning time): method "supplied" has ``columns`` (a valid regular expression or a
    non-empty list of names), a ``type``, and a ``full_sample_weight`` when
    ``combined_weights`` is true; the other methods set none of the supplied-only keys."""
    if not supplied(variance):
        given = [key for key in SUPPLIED_ONLY if variance.get(key) is not None]
        if given:
            raise InputError(f"is only for variance method {SUPPLIED} (the method is {variance.get('method')}); "
                             "remove it or set method: supplied", variable=_setting(given[0]))
        return
    columns = variance.get("columns")
    if columns is None or (not isinstance(columns, str) and not list(columns)):
        raise InputError("variance method supplied needs the replicate weight columns: a regular expression "
                         "matched against the column names, or a list of names", variable=_setting("columns"))
    if isinstance(columns, str):
        try:
            re.compile(columns)
        except re.error as exc:
            raise InputError(f"is not a valid regular expression ({exc})", variable=_setting("columns"),
                             value=columns) from None
    if variance.get("type") is None:
        # which types there are, the schema says (and svrepdesign checks): R's svrepdesign type=
        raise InputError("variance method supplied needs the type the replicates were made with (as R's "
                         "svrepdesign type=: BRR, Fay, JK1, JKn, bootstrap, successive-difference, ACS, JK2 "
                         "or other)", variable=_setting("type"))
    if variance.get("combined_weights", True) and not variance.get("full_sample_weight"):
        raise InputError("combined_weights is true (the columns are replicate weights, not factors), so the "
                         "file's own full-sample weight column is needed to turn them into factors",
                         variable=_setting("full_sample_weight"))


def full_sample_weight(variance: Mapping) -> str | None:
    """The file's full-sample weight column the replicate columns are divided by (combined
    weights), or None (the columns are factors already)."""
    return variance.get("full_sample_weight") if variance.get("combined_weights", True) else None


def replicate_columns(names: Sequence[str], variance: Mapping, *, file: str | Path | None = None,
                      exclude: Sequence[str] = ()) -> list[str]:
    """The replicate weight columns among ``names`` (a file's columns): those the setting's
    regular expression matches anywhere in the name (R's ``grep``, as ``svrepdesign(repweights=)``),
    in the file's order, or the listed names in the listed order. ``exclude``: names never
    taken (the pipeline's weight). No match, or a listed name absent, is an error naming the file."""
    check_variance_setting(variance)
    columns = variance["columns"]
    if isinstance(columns, str):
        pattern = re.compile(columns)
        found = [name for name in names if pattern.search(str(name)) and name not in exclude]
        if not found:
            raise InputError("no column matches the replicate weight pattern (waves.<wave>.variance.columns)",
                             file=file, value=columns)
    else:
        found = list(columns)
        present = set(names)
        absent = [name for name in found if name not in present]
        if absent:
            raise InputError("replicate weight column (waves.<wave>.variance.columns) not in the file", file=file,
                             variable=", ".join(absent))
    fsw = full_sample_weight(variance)
    if fsw is not None and fsw in found:
        raise InputError("the full-sample weight is also taken as a replicate weight: make the replicate weight "
                         "pattern (waves.<wave>.variance.columns) leave it out", file=file, variable=fsw)
    return found


def carried_columns(names: Sequence[str], variance: Mapping, *, file: str | Path | None = None) -> list[str]:
    """The columns a supplied variance setting carries from the raw file to the weighted data:
    the replicate weights, then the full-sample weight when they are combined weights. None
    for any other method."""
    if not supplied(variance):
        return []
    found = replicate_columns(names, variance, file=file)
    fsw = full_sample_weight(variance)
    if fsw is not None and fsw not in set(names):
        raise InputError("full-sample weight column (waves.<wave>.variance.full_sample_weight) not in the file",
                         file=file, variable=fsw)
    return found + ([fsw] if fsw is not None else [])


#: Methods whose number of replicates is known before the data are read (config's
#: ``replicates``), so that they can be split into jobs; the jackknife's and BRR's follow from
#: the design (one per PSU, or a Hadamard order) and are computed in one job. Supplied
#: replicate weights are split into jobs when ``columns`` lists them by name (their number is
#: the list's length); found by a regular expression, their number is known only from the
#: data, so they are computed in one job (see :func:`sharded`).
SHARDED = ("bootstrap", "subbootstrap")


def chunk_replicates(n_replicates: int, chunk: int, size: int) -> range:
    """The replicates of chunk number ``chunk`` (0-based) when chunks hold ``size`` each."""
    return range(chunk * size, min((chunk + 1) * size, n_replicates))


def n_chunks(n_replicates: int, size: int) -> int:
    return -(-n_replicates // size)


def planned_replicates(variance: Mapping) -> int | None:
    """The number of replicates, when the config alone says it (None: known from the data)."""
    if variance["method"] in SHARDED:
        return int(variance["replicates"])
    if supplied(variance) and not isinstance(variance.get("columns"), str):
        return len(variance["columns"])
    return None


def sharded(variance: Mapping) -> bool:
    """Whether a wave's replicates are split into jobs of ``chunk`` replicates."""
    return planned_replicates(variance) is not None


def planned_chunks(variance: Mapping) -> int:
    """How many jobs a wave's replicates are split into (0 for linearization), from the
    config alone: it is called when Snakemake plans the jobs, before any data is read. The
    setting's parts that can be checked without the data are checked here, so a supplied
    setting without columns or type stops the run before any job starts."""
    check_variance_setting(variance)
    if variance["method"] == LINEARIZATION:
        return 0
    if sharded(variance):
        return n_chunks(planned_replicates(variance), int(variance["chunk"]))
    return 1


def replicates_per_chunk(variance: Mapping, n_replicates: int) -> int:
    """How many replicates each chunk job computes (all of them in one job when unsharded)."""
    return int(variance["chunk"]) if sharded(variance) else max(n_replicates, 1)
