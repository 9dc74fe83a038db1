"""The code a rule runs: its script and every module of the package the script imports, and
the hashes of that code.

A rule lists the code it runs as an input named ``code``::

    # workflow/rules/common.smk
    from swsurvey.provenance.code import code_files

    rule describe_wave:
        input:
            data="results/{wave}/weight/responses.parquet",
            code=code_files("scripts/describe_wave.py"),
        ...

As inputs they make Snakemake rerun the rule when the *content* of code it runs changes
(Snakemake checksums small inputs, so touching a file does not rerun anything). The workflow
asks for the code of every rule when it is read, so this module imports nothing heavy (the
standard library, and the package's own light modules); the job's record
(:mod:`swsurvey.provenance.records`) hashes the same files.
"""

from __future__ import annotations

import ast
import functools
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from swsurvey.io.files import sha256_file, write_json
from swsurvey.provenance.documents import sha256_json
from swsurvey.provenance.paths import relative_path, resolve, working_dir

#: The package whose modules :func:`code_files` follows: the one this process imported.
PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: The package's folder in a checkout, relative to the checkout (where code_files finds modules).
CHECKOUT_PACKAGE = "src/swsurvey"


def code_files(
    script: str | Path,
    package_root: str | Path = PACKAGE_DIR,
    root: str | Path | None = None,
    cache: str | Path | None = None,
) -> list[Path]:
    """The entry script and every module of the package it imports, transitively.

    Imports are read with :mod:`ast` (nothing is executed): ``import swsurvey.x``,
    ``from swsurvey.x import y`` (``y`` too when it is a module), ``from swsurvey import x``
    and relative imports inside the package, including imports inside functions. Each
    package's ``__init__`` on the way is included, since importing a module runs it. Paths are
    relative to ``root`` (the working directory unless given), sorted.

    With ``cache`` (a JSON file; the workflow uses :data:`IMPORTS_CACHE`), what each file
    imports is kept there between processes, keyed by the file's path, modification time and
    size, so reading the workflow parses only the files that changed since the last read.
    """
    root_path = working_dir(root)
    package_root = Path(package_root).resolve()
    package = package_root.name
    # Plain strings and os calls, not Path objects: reading the workflow lists the code of
    # every rule, some 800 files, and pathlib's parsing took most of that time.
    seen: set[str] = set()
    todo: list[tuple[str, str | None]] = [(str(resolve(script, root_path)), None)]
    known = _cached_imports(Path(cache)) if cache is not None else {}
    added = False
    while todo:
        file, module = todo.pop()
        if file in seen:
            continue
        seen.add(file)
        stat = os.stat(file)
        key = f"{file}|{module or ''}|{package}"
        entry = known.get(key)
        if entry is None or entry[:2] != [stat.st_mtime_ns, stat.st_size]:
            entry = [stat.st_mtime_ns, stat.st_size, list(_imported_modules(Path(file), stat.st_mtime_ns, stat.st_size,
                                                                              module, package))]
            known[key], added = entry, True
        for imported in entry[2]:
            todo.extend(_module_files(imported, package_root))
    if added and cache is not None:
        write_json(cache, known)
    inside = str(root_path).rstrip(os.sep) + os.sep
    relative = (os.path.normpath(file) for file in seen)
    return [Path(path) for path in sorted(path.removeprefix(inside) for path in relative)]


#: Where the workflow keeps, between runs, what each module of the package imports.
IMPORTS_CACHE = Path(".snakemake/swsurvey/imports.json")
_CACHES: dict[Path, dict[str, list]] = {}


def _cached_imports(cache: Path) -> dict[str, list]:
    """The cache file's entries, read once per process (an unreadable file is an empty cache)."""
    path = cache.resolve()
    if path not in _CACHES:
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            loaded = {}
        _CACHES[path] = loaded if isinstance(loaded, dict) else {}
    return _CACHES[path]


@functools.lru_cache(maxsize=4096)
def _imported_modules(file: Path, mtime_ns: int, size: int, module: str | None, package: str) -> tuple[str, ...]:
    """Names of the package's modules (or candidates) that ``file`` imports. Each file is
    parsed once per version (its modification time and size are part of the cache key): the
    workflow asks for the code of every rule when it is read, and the rules share modules."""
    return tuple(_imports_of(ast.parse(file.read_bytes(), filename=str(file)), file, module, package))


def _imports_of(tree: ast.AST, file: Path, module: str | None, package: str) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == package or alias.name.startswith(package + "."):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute_module(node, file, module)
            if base is None or not (base == package or base.startswith(package + ".")):
                continue
            yield base
            for alias in node.names:
                if alias.name != "*":
                    yield f"{base}.{alias.name}"


def _absolute_module(node: ast.ImportFrom, file: Path, module: str | None) -> str | None:
    if node.level == 0:
        return node.module
    if module is None:  # a relative import in a script cannot name the package
        return None
    parts = module.split(".")
    if file.name != "__init__.py":
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
    return ".".join(parts + ([node.module] if node.module else []))


@functools.lru_cache(maxsize=4096)
def _module_files(module: str, package_root: Path) -> tuple[tuple[str, str], ...]:
    """The files importing ``module`` runs: each package ``__init__`` and the module itself.

    Empty when ``module`` is not a module of the package (``from swsurvey.x import func``).
    Looked up once per process, in the package's files listed once per process: the rules
    share most of their modules, and reading the workflow asks for the code of every rule.
    """
    parts = module.split(".")[1:]
    files_of = _package_files(package_root)
    target = os.path.join(package_root, *parts)
    if os.path.join(target, "__init__.py") in files_of:
        found = os.path.join(target, "__init__.py")
    elif target + ".py" in files_of and parts:
        found = target + ".py"
    else:
        return ()
    files = [(found, module)]
    for depth in range(len(parts)):
        init = os.path.join(package_root, *parts[:depth], "__init__.py")
        if init in files_of:
            files.append((init, ".".join(module.split(".")[: depth + 1])))
    return tuple(files)


@functools.lru_cache(maxsize=16)
def _package_files(package_root: Path) -> frozenset[str]:
    """Every file under the package's folder (a symbolic link to a file counts, as for
    :meth:`Path.is_file`), listed once per process."""
    files: set[str] = set()
    folders = [str(package_root)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif entry.is_file():
                    files.add(entry.path)
    return frozenset(files)


# -- hashing the code --------------------------------------------------------------------


def code_entries(files: Iterable[str | Path], root: str | Path | None = None) -> list[dict[str, str]]:
    """Each code file's repo-relative path and SHA-256, sorted by path."""
    entries = {relative_path(file, root): sha256_file(resolve(file, root)) for file in files}
    return [{"path": path, "sha256": entries[path]} for path in sorted(entries)]


def combined_code_hash(entries: Iterable[Mapping[str, str]]) -> str:
    """SHA-256 over the sorted (relative path, file SHA-256) pairs of :func:`code_entries`."""
    return sha256_json(sorted([entry["path"], entry["sha256"]] for entry in entries))


def code_hash(files: Iterable[str | Path], root: str | Path | None = None) -> str:
    """One hash of the code a rule runs: a change to any file's content or name changes it."""
    return combined_code_hash(code_entries(files, root))


def imported_package(code: Iterable[str | Path], root: str | Path | None = None) -> dict[str, Any]:
    """The ``swsurvey`` package this process imported: its folder, and the SHA-256 there of each
    module of the checkout's package (:data:`CHECKOUT_PACKAGE`) that ``code`` lists, by the
    checkout path. They equal ``code``'s own hashes when the job ran this checkout's code; an
    editable install of another checkout, or an older installed copy, gives others."""
    package = PACKAGE_DIR
    files = []
    for path in sorted({relative_path(file, root) for file in code}):
        inside = Path(path).relative_to(CHECKOUT_PACKAGE) if path.startswith(CHECKOUT_PACKAGE + "/") else None
        if inside is not None:
            on_disk = package / inside
            files.append({"path": path, "sha256": sha256_file(on_disk) if on_disk.is_file() else None})
    return {"package": relative_path(package, root), "files": files}
