"""A wave's passing check remembered between reads of the workflow, so that reading an unchanged
workflow (every run, and on a cluster every job) neither runs :func:`swsurvey.study.wave_check.check_wave`
nor imports what it reads (the instrument, the recode and its schema, the export's dictionary):
the check is kept in ``.snakemake/swsurvey/wave_check.json`` under the stat keys of every file it
reads and the config values it uses, and made again when any of them changed.

Standard library and :mod:`swsurvey.io.files` only: :func:`swsurvey.preflight.run` imports this
module whenever the workflow is read; :mod:`swsurvey.study.wave_check` is imported only when the
check has to be made.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from swsurvey.io.files import stat_key, write_json

#: Where passing checks are remembered between reads of the workflow.
CHECK_CACHE = Path(".snakemake/swsurvey/wave_check.json")


def _check_key(config: Mapping, wave: str, root: Path) -> str:
    """What a passing check depends on: the stat keys of the files it reads (the wave's and
    the other waves' recodes, the code of the check) and the config values it uses."""
    here = Path(__file__).with_name("wave_check.py")
    code = ("config_variables.py", "dictionary.py", "instrument.py", "recode_codes.py", "recode_instrument.py",
            "recode_years.py", "recode.py", "recode.schema.yaml", "review_marks.py", "targets_check.py",
            "targets_format.py", "wave_year.py")
    files = [here, *(here.with_name(name) for name in code), here.parent.parent / "io" / "spss_header.py"]
    for other, setting in (config.get("waves") or {}).items():
        if not isinstance(setting, Mapping):
            continue
        keys = ("raw", "instrument", "recode", "targets") if other == wave else ("recode",)
        files += [root / str(setting[key]) for key in keys if setting.get(key) is not None]
    stats = []
    for path in files:
        try:
            stats.append([str(path), stat_key(path)])
        except OSError:
            stats.append([str(path), None])
    used = {
        "wave": config["waves"][wave],
        "waves": sorted(config.get("waves") or {}),
        "describe": config.get("describe"),
        "infer": config.get("infer"),
        "sensitivity": config.get("sensitivity"),
        "privacy": config.get("privacy"),
    }
    text = json.dumps([stats, used], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cached_check_wave(config: Mapping, wave: str, root: str | Path = ".", cache_file: Path = CHECK_CACHE) -> list[str]:
    """:func:`swsurvey.study.wave_check.check_wave`, skipped while nothing it depends on changed
    since it last passed."""
    root = Path(root)
    key = _check_key(config, wave, root)
    try:
        cache = json.loads(Path(cache_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        cache = {}
    if cache.get(wave) == key:
        return []
    from swsurvey.study.wave_check import check_wave  # only when the check has to be made

    problems = check_wave(config, wave, root)
    if not problems:
        cache[wave] = key
        try:
            write_json(cache_file, cache)
        except OSError:
            pass  # a read-only checkout still works, it only checks again next time
    return problems
