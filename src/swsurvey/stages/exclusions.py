"""The exclusions in the recode spec's order, and their flow per country.

:func:`apply_exclusions` applies the steps in order, counting at each the responses it
excludes and those remaining, per study country (the exclusion flow); :func:`flow_table` and
:func:`flow_markdown` write the flow for machines and for reading.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from swsurvey.io.logfile import get_logger
from swsurvey.io.table_text import markdown_banner, markdown_cell
from swsurvey.stages.conditions import evaluate, raw_codes, raw_match
from swsurvey.study.instrument import Instrument
from swsurvey.study.recode import END_STEP, START_STEP, Deduplicate, RecodeSpec
from swsurvey.study.validation import raw_variable

log = get_logger("cleaning")

#: The flow's last column: every group together.
TOTAL = "Total"


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

def flow_markdown(flow: ExclusionFlow, *, wave: str, synthetic: bool, spec: RecodeSpec) -> str:
    """The flow as a readable table with a note on the order of the steps."""
    head = ["#", "Step", "Description", *flow.groups]
    lines = [
        markdown_banner(synthetic) + f"# Exclusion flow, wave {wave}",
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
            step, desc = f"**{row.step}**", f"**{markdown_cell(row.description)}**"
        else:
            cells = [f"−{e:,} → {n:,}" if e else f"0 → {n:,}" for e, n in zip(row.excluded, row.remaining, strict=True)]
            step, desc = f"`{row.step}`", markdown_cell(row.description)
        lines.append("| " + " | ".join([str(i), step, desc, *cells]) + " |")
    return "\n".join(lines) + "\n"
