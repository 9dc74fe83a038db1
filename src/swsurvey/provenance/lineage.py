"""Where one published number came from: an estimate traced back to the raw export.

:func:`explain` finds one cell of a wave's long estimates file
(``results/<wave>/describe/estimates.csv``: table x variable x level x domain x weighting) and
walks back through the provenance records (:mod:`swsurvey.provenance.records`): the record that made
the estimates file names its inputs (the weighted data), the record that made those names
theirs (the cleaned data and the targets file), and so on to the files no job made (the
recode specification, the instrument, the raw SPSS export). Every file comes with its path,
the SHA-256 the run recorded and whether the file on disk still has it; every job with its
rule, code files and hashes, and settings.

``swsurvey explain --wave 2017 --table "2. Informal ICT use" --variable any_ict_use
--level Yes --domain Canada`` prints :meth:`Lineage.render`; so does the cell's compact id,
``swsurvey explain 2017/T2/any_ict_use/Yes/Canada/weighted`` (:mod:`swsurvey.io.explain_ids`,
the id the study report puts on every estimate; :func:`explain_id`). The report's other
numbers carry the id of their row in their result table (a coefficient, a country test, a
margin...), which :func:`explain_row` traces the same way, from that file back.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from swsurvey.errors import InputError
from swsurvey.io.explain_ids import CellId, RowId, parse_id
from swsurvey.io.files import sha256_file
from swsurvey.provenance.documents import canonical_json
from swsurvey.provenance.paths import relative_path, resolve
from swsurvey.provenance.records import find_records, read_record

#: The columns that pick one cell of the estimates file, in the order they narrow it.
CELL_KEYS = ("table", "variable", "level", "domain", "weighting")


@dataclass
class TracedFile:
    """A file in the lineage: as recorded, and whether it still is on disk."""

    role: str | None
    path: str
    sha256: str
    status: str  # "unchanged", "modified" or "missing"
    made_by: str | None = None
    rows: int | None = None

    def render(self) -> str:
        role = f"{self.role}: " if self.role else ""
        rows = f", {self.rows:,} rows" if self.rows is not None else ""
        origin = f", made by rule {self.made_by}" if self.made_by else ""
        status = "" if self.status == "unchanged" else f"  ** {self.status.upper()} since the run **"
        return f"{role}{self.path} (sha256 {self.sha256}{rows}{origin}){status}"


@dataclass
class Step:
    """One job on the way back: what it made, from what, with which code and settings."""

    rule: str
    wildcards: dict[str, str]
    record: str
    started: str
    made: list[TracedFile]
    inputs: list[TracedFile]
    code: list[dict[str, str]]
    code_sha256: str
    params: dict[str, Any]


@dataclass
class Lineage:
    """One estimate and the chain of jobs and files behind it, newest first."""

    cell: dict[str, Any]
    estimates: TracedFile
    steps: list[Step] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        """The lineage as text, from the estimate (or the row of another result table) back to the raw file."""
        c = self.cell
        if "ci_method" in c and all(key in c for key in CELL_KEYS):
            lines = [
                f"Estimate: {c['table']} / {c['variable']} ({c.get('variable_label', '')}) = {c['level']!r}, "
                f"domain {c['domain']}, {c['weighting']}",
                f"  {c['estimate']} (SE {c['se']}, 95% CI {c['ci_lower']} to {c['ci_upper']}, {c['ci_method']}), "
                f"n {c['n']} of base {c['base_n']}, deff {c['deff']}, small base {c['small_base']}",
            ]
        else:
            lines = ["Row: " + ", ".join(f"{key} {value}" for key, value in c.items() if value != "")]
        lines.append(f"  in {self.estimates.render()}")
        for number, step in enumerate(self.steps, 1):
            wildcards = ", ".join(f"{k} {v}" for k, v in step.wildcards.items())
            lines += [
                "",
                f"{number}. rule {step.rule}" + (f" ({wildcards})" if wildcards else "") + f", run {step.started}",
                f"   record: {step.record}",
                *(f"   made {made.render()}" for made in step.made),
                *(f"   from {source.render()}" for source in step.inputs),
                f"   code (sha256 {step.code_sha256}):",
                *(f"     {entry['path']} {entry['sha256']}" for entry in step.code),
            ]
            if step.params:
                lines.append("   settings:")
                lines += [f"     {name} = {_brief(value)}" for name, value in step.params.items()]
        return "\n".join(lines) + "\n"


def _brief(value: Any, width: int = 100) -> str:
    text = canonical_json(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _status(path: str, sha256: str, root: Path) -> str:
    on_disk = resolve(path, root)
    if not on_disk.is_file():
        return "missing"
    return "unchanged" if sha256_file(on_disk) == sha256 else "modified"


def find_cell(estimates: Path, wave: str, **cell: str) -> dict[str, str]:
    """The one row of the estimates file with these table, variable, level, domain and weighting.

    A value that matches nothing is an error naming it and the closest values that exist
    (among the rows that match the keys before it).
    """
    if not estimates.is_file():
        raise InputError(f"no estimates file for wave {wave}", file=estimates)
    frame = pd.read_csv(estimates, dtype=str, keep_default_na=False)
    rows = frame
    for key in CELL_KEYS:
        wanted = str(cell[key])
        matched = rows[rows[key] == wanted]
        if matched.empty:
            choices = list(dict.fromkeys(rows[key]))
            close = difflib.get_close_matches(wanted, choices, n=5, cutoff=0.4) or choices[:10]
            narrowed = ", ".join(f"{k} {cell[k]!r}" for k in CELL_KEYS[: CELL_KEYS.index(key)])
            where = f" with {narrowed}" if narrowed else ""
            raise InputError(
                f"no estimate{where} has this {key}; close matches: {', '.join(map(repr, close))}",
                file=estimates,
                variable=key,
                value=wanted,
            )
        rows = matched
    return rows.iloc[0].to_dict()  # as the file writes it, numbers included


def _producers(results_root: Path, root: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every output path recorded under the results folder -> (record path, record)."""
    made: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in find_records(results_root):
        record = read_record(path)
        for entry in record["outputs"]:
            made[entry["path"]] = (relative_path(path, root), record)
    return made


def explain(
    results_root: str | Path,
    wave: str,
    table: str,
    variable: str,
    level: str,
    domain: str,
    weighting: str = "weighted",
    *,
    root: str | Path | None = None,
) -> Lineage:
    """The lineage of one estimate, from the estimates file back to the raw export.

    Paths in the records are relative to ``root``: by default the folder holding the results
    folder (the repository). A record that lists an input made by another job leads to that
    job's record; the walk ends at files no job made.
    """
    results_root = Path(results_root)
    estimates_path = results_root / wave / "describe" / "estimates.csv"
    cell = find_cell(
        estimates_path, wave, table=table, variable=variable, level=level, domain=domain, weighting=weighting
    )
    return trace(results_root, estimates_path, cell, root=root)


def trace(results_root: str | Path, path: Path, cell: dict[str, Any], *, root: str | Path | None = None) -> Lineage:
    """The lineage of one row (``cell``) of a result file made by a job of the run: the job that
    made the file, the jobs that made its inputs, back to the files no job made."""
    results_root = Path(results_root)
    root_path = (results_root.resolve().parent if root is None else Path(root)).resolve()
    producers = _producers(results_root, root_path)
    start = relative_path(path.resolve(), root_path)
    if start not in producers:
        raise InputError("no provenance record lists this file as an output", file=path)

    def traced(entry: Mapping[str, Any], role: str | None = None) -> TracedFile:
        made_by = producers.get(entry["path"], (None, {}))[1].get("rule")
        return TracedFile(
            role=role if role is not None else entry.get("name"),
            path=entry["path"],
            sha256=entry["sha256"],
            status=_status(entry["path"], entry["sha256"], root_path),
            made_by=made_by,
            rows=entry.get("rows"),
        )

    record_path, record = producers[start]
    estimates_entry = next(e for e in record["outputs"] if e["path"] == start)
    lineage = Lineage(cell=cell, estimates=traced(estimates_entry, role=""))
    queue, done = [start], set()
    while queue:
        path = queue.pop(0)
        if path not in producers:
            continue
        record_path, record = producers[path]
        if record_path in done:
            continue
        done.add(record_path)
        lineage.steps.append(
            Step(
                rule=record["rule"],
                wildcards=record["wildcards"],
                record=record_path,
                started=record["started"],
                made=[traced(e) for e in record["outputs"] if e["path"] == path],
                inputs=[traced(e) for e in record["inputs"]],
                code=record["code"]["files"],
                code_sha256=record["code"]["sha256"],
                params=record["params"],
            )
        )
        queue += [e["path"] for e in record["inputs"] if e["path"] in producers]
    return lineage


def find_row(path: Path, columns: tuple[str, ...], key: tuple[str, ...]) -> dict[str, str]:
    """The one row of a result file whose key columns have these values (as the file writes them);
    a value that matches nothing is an error naming it and the closest values there are."""
    if not path.is_file():
        raise InputError("no such result file", file=path)
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    for column, wanted in zip(columns, key):
        matched = rows[rows[column] == wanted]
        if matched.empty:
            choices = list(dict.fromkeys(rows[column]))
            close = difflib.get_close_matches(wanted, choices, n=5, cutoff=0.4) or choices[:10]
            raise InputError(f"no row has this {column}; close matches: {', '.join(map(repr, close))}",
                             file=path, variable=column, value=wanted)
        rows = matched
    return rows.iloc[0].to_dict()


def explain_row(results_root: str | Path, row: RowId, *, root: str | Path | None = None) -> Lineage:
    """The lineage of one row of a result table other than the estimates (a coefficient, a
    country test, a margin, a step of the exclusion flow, a change between waves...)."""
    path = Path(results_root) / row.path()
    return trace(results_root, path, find_row(path, row.columns(), row.key), root=root)


def explain_id(results_root: str | Path, text: str, *, root: str | Path | None = None) -> Lineage:
    """The lineage of the number an id names: an estimate (``2017/T2/any_ict_use/Yes/Canada/weighted``,
    ``T2`` the second table of the wave's estimates file, in the file's order) or a row of another
    result table (``2017/coefficients/weekly_use/age_group60 or older/weighted``)."""
    cell = parse_id(text)
    if isinstance(cell, RowId):
        return explain_row(results_root, cell, root=root)
    assert isinstance(cell, CellId)
    table, number = cell.table, cell.table_number()
    if number is not None:
        estimates = Path(results_root) / cell.wave / "describe" / "estimates.csv"
        if not estimates.is_file():
            raise InputError(f"no estimates file for wave {cell.wave}", file=estimates)
        tables = list(dict.fromkeys(pd.read_csv(estimates, dtype=str, keep_default_na=False, usecols=["table"])["table"]))
        if not 1 <= number <= len(tables):
            raise InputError(f"the wave has tables T1 to T{len(tables)}", file=estimates, value=cell.table)
        table = tables[number - 1]
    return explain(results_root, cell.wave, table=table, variable=cell.variable, level=cell.level,
                   domain=cell.domain, weighting=cell.weighting, root=root)
