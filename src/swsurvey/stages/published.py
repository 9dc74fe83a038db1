"""The reproduction check: the pipeline's unweighted percentages beside the published ones.

The published figures of a wave (``workflow/published/*.yaml``) are unweighted shares of a
pooled domain; the descriptive stage's unweighted estimates of that domain, summed over the
figure's levels, should land near them (within rounding for the real data; within the
generator's calibration tolerance for the synthetic wave).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from swsurvey.errors import InputError
from swsurvey.io.document import Banner
from swsurvey.io.files import atomic_path
from swsurvey.io.html_document import html_page
from swsurvey.io.table_text import BANNER
from swsurvey.stages.study_sections import published_table


def load_published(path: str | Path) -> dict:
    """A published-figures file: its domain and figures (id, label, variable, levels, pct)."""
    path = Path(path)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("domain", "figures"):
        if key not in doc:
            raise InputError("published-figures file lacks a key", file=path, variable=key)
    return doc


def reproduction_table(estimates: pd.DataFrame, published: dict) -> pd.DataFrame:
    """One row per published figure: published %, reproduced %, difference, base n."""
    domain = published["domain"]
    unweighted = estimates[(estimates["weighting"] == "unweighted") & (estimates["domain"] == domain)]
    rows = []
    for fig in published["figures"]:
        cells = unweighted[(unweighted["variable"] == fig["variable"]) & unweighted["level"].isin(fig["levels"])]
        found = set(cells["level"])
        if found != set(fig["levels"]):
            missing = sorted(set(fig["levels"]) - found)
            raise InputError(
                f"no unweighted estimate in domain {domain!r} (is the variable in a table?)",
                variable=fig["variable"],
                value=missing[0] if missing else None,
            )
        reproduced = float(cells["estimate"].sum())
        rows.append(
            {
                "figure": fig["id"],
                "label": fig["label"],
                "published_pct": float(fig["pct"]),
                "reproduced_pct": reproduced,
                "difference": reproduced - float(fig["pct"]),
                "base_n": int(cells["base_n"].iloc[0]),
                "published_base": fig.get("base", ""),
            }
        )
    return pd.DataFrame(rows)


def reproduction_markdown(table: pd.DataFrame, *, wave: str, domain: str, synthetic: bool) -> str:
    lines = [f"> **{BANNER}**", ""] if synthetic else []
    lines += [
        f"# Published figures reproduced, wave {wave}",
        "",
        f"Unweighted percentages of {domain}, as published, beside the pipeline's.",
        "",
        "| Figure | Published % | Reproduced % | Difference | Base n | Published base |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['label']} | {r['published_pct']:.0f} | {r['reproduced_pct']:.1f} | "
            f"{r['difference']:+.1f} | {r['base_n']:,} | {r['published_base']} |"
        )
    return "\n".join(lines) + "\n"


def reproduce_wave(estimates: str | Path, published: str | Path, out_csv: str | Path, out_md: str | Path,
                   out_html: str | Path, *, wave: str) -> None:
    """Write the reproduction table of one wave: CSV, Markdown, and the page the Snakemake
    report shows (the study report's table, :func:`swsurvey.stages.study_sections.published_table`)."""
    est = pd.read_csv(estimates)
    doc = load_published(published)
    table = reproduction_table(est, doc)
    synthetic = bool(est["synthetic"].all()) if "synthetic" in est else False
    table.insert(0, "wave", wave)
    table["synthetic"] = synthetic
    banner = [Banner(f"{BANNER} (wave {wave})")] if synthetic else []
    page = html_page(f"Published figures reproduced, wave {wave}", [*banner, published_table(str(wave), table)])
    with atomic_path(out_csv) as tmp_csv, atomic_path(out_md) as tmp_md, atomic_path(out_html) as tmp_html:
        table.to_csv(tmp_csv, index=False, float_format="%.6g")
        tmp_md.write_text(
            reproduction_markdown(table, wave=wave, domain=doc["domain"], synthetic=synthetic), encoding="utf-8"
        )
        tmp_html.write_text(page, encoding="utf-8", newline="\n")
