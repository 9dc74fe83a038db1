"""Writing output files so that a failure never leaves a partial file behind."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

#: Parquet schema-metadata key of the pipeline's provenance record (stage, wave, synthetic...).
PROVENANCE_KEY = b"swsurvey"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    The temporary file lives in the same folder, so the final rename is atomic on POSIX. On
    any exception the temporary file is removed and ``path`` is left as it was (absent, for
    a fresh run).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600); outputs get the usual mode under the umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically, with Unix newlines whatever the platform."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_json(path: str | Path, obj: Any) -> None:
    """Write JSON atomically, with sorted keys only where the caller sorted them (stable order)."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file's bytes, read in chunks (constant memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


#: Where the raw files' checksums are cached between reads of the workflow.
SHA256_CACHE = Path(".snakemake/swsurvey/raw_sha256.json")


def stat_key(path: str | Path) -> list[int]:
    """What says a file is unchanged without reading it: its size, mtime and inode."""
    st = Path(path).stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def cached_sha256(path: str | Path, cache_file: Path = SHA256_CACHE) -> str:
    """SHA-256 of ``path``, from the cache while the file's size, mtime and inode are the same."""
    path = Path(path)
    key = os.path.abspath(path)
    stat = stat_key(path)
    try:
        cache = json.loads(Path(cache_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    hit = cache.get(key)
    if isinstance(hit, dict) and hit.get("stat") == stat and isinstance(hit.get("sha256"), str):
        return hit["sha256"]
    digest = sha256_file(path)
    cache[key] = {"stat": stat, "sha256": digest}
    try:
        write_json(cache_file, cache)
    except OSError:
        pass  # a read-only checkout still works, it only hashes again next time
    return digest


def with_provenance(table, provenance: dict):
    """A pyarrow Table carrying ``provenance`` (JSON, sorted keys) beside its other metadata."""
    metadata = dict(table.schema.metadata or {})
    metadata[PROVENANCE_KEY] = json.dumps(provenance, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return table.replace_schema_metadata(metadata)


def read_stage(path: str | Path, stage: str, description: str, columns: Sequence[str] | None = None):
    """Read a Parquet file a given stage wrote: (pyarrow Table, provenance record).

    Any other file (another stage's, or one without the record) is an error naming the file,
    so a stage never runs on the wrong input. ``columns``: read only those of them the file
    has (in the file's order), not the whole table.
    """
    import pyarrow.parquet as pq

    from swsurvey.errors import InputError

    if columns is not None:
        wanted = set(columns)
        columns = [name for name in pq.read_schema(path).names if name in wanted]
    table = pq.read_table(path, columns=columns)
    try:
        provenance = json.loads((table.schema.metadata or {}).get(PROVENANCE_KEY, b"{}"))
    except json.JSONDecodeError:
        raise InputError(f"the '{PROVENANCE_KEY.decode()}' metadata is not JSON", file=path) from None
    if provenance.get("stage") != stage:
        raise InputError(f"not a file written by the {description}", file=path)
    return table, provenance
