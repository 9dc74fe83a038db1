"""The run's provenance outputs in one go, for rule ``manifest``: the records gathered once
(:func:`swsurvey.provenance.manifest.gather`), then the manifest (JSON, Markdown, HTML) and the
Workflow Run RO-Crate written from them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from swsurvey.io.logfile import get_logger
from swsurvey.provenance.crate import write_crate
from swsurvey.provenance.manifest import gather, write_manifest

log = get_logger("manifest")


def write_run_provenance(
    records: Iterable[str | Path],
    *,
    out_json: str | Path,
    out_md: str | Path,
    out_html: str | Path,
    out_crate: str | Path,
    outputs_root: str | Path = "results",
) -> dict[str, Any]:
    """The run's manifest and its RO-Crate (``out_crate``: its metadata file), from the records."""
    run = gather(records, outputs_root=outputs_root)
    write_manifest(run.manifest, out_json, out_md=out_md, out_html=out_html)
    crate = write_crate(run, Path(out_crate).parent)
    if crate.resolve() != Path(out_crate).resolve():
        raise ValueError(f"the crate was written to {crate}, not {out_crate}")
    log.info("manifest: %d outputs of %d jobs; crate %s", len(run.manifest["outputs"]), len(run.records), crate)
    return run.manifest
