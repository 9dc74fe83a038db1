"""What code a rule runs, and its hashes (swsurvey.provenance.code)."""

from __future__ import annotations

import os
from pathlib import Path

from swsurvey.provenance import code
from swsurvey.provenance.code import code_files, code_hash


def test_code_files_of_describe_wave_include_describe_and_the_survey_modules_it_imports(repo_dir):
    files = [p.as_posix() for p in code_files("scripts/describe_wave.py", root=repo_dir)]
    for expected in [
        "scripts/describe_wave.py",
        "src/swsurvey/__init__.py",
        "src/swsurvey/stages/describe.py",
        "src/swsurvey/errors.py",
        "src/swsurvey/io/logfile.py",
        "src/swsurvey/io/files.py",
        "src/swsurvey/survey/__init__.py",
        "src/swsurvey/survey/design.py",
        "src/swsurvey/survey/ciprop.py",
        "src/swsurvey/survey/estimates.py",
        "src/swsurvey/survey/variance.py",
    ]:
        assert expected in files
    # modules describe never imports stay out, so editing them does not rerun describe_wave
    assert "src/swsurvey/stages/importing.py" not in files
    assert "src/swsurvey/cli.py" not in files
    assert files == sorted(files)
    assert all(not Path(f).is_absolute() for f in files)


def test_code_files_follow_relative_lazy_and_package_imports(tmp_path):
    pkg = tmp_path / "src" / "mypkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from . import b\n")
    (pkg / "b.py").write_text("def f():\n    from .sub.c import g  # imported only when f runs\n")
    (pkg / "sub" / "__init__.py").write_text("from ..d import VALUE\n")
    (pkg / "sub" / "c.py").write_text("import os\n")
    (pkg / "d.py").write_text("VALUE = 1\n")
    (pkg / "unused.py").write_text("")
    (tmp_path / "run.py").write_text("import json\nfrom mypkg.a import something\n")
    files = [p.as_posix() for p in code_files("run.py", package_root=pkg, root=tmp_path)]
    assert files == [
        "run.py",
        "src/mypkg/__init__.py",
        "src/mypkg/a.py",
        "src/mypkg/b.py",
        "src/mypkg/d.py",
        "src/mypkg/sub/__init__.py",
        "src/mypkg/sub/c.py",
    ]


def test_code_hash_changes_with_content_and_name_but_not_with_a_touch(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("print('a')\n")
    before = code_hash([script], root=tmp_path)
    os.utime(script, (1, 1))
    assert code_hash([script], root=tmp_path) == before
    script.write_text("print('b')\n")
    changed = code_hash([script], root=tmp_path)
    assert changed != before
    script.rename(tmp_path / "renamed.py")
    assert code_hash([tmp_path / "renamed.py"], root=tmp_path) != changed


def test_the_imports_cache_gives_the_same_files_and_follows_an_edit(tmp_path, monkeypatch):
    """With a cache file, what each module imports is kept between processes (the workflow reads
    it instead of parsing every module again); an edited module is parsed again."""
    package = tmp_path / "src" / "pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("import pkg.b\n")
    (package / "b.py").write_text("")
    (package / "c.py").write_text("")
    script = tmp_path / "script.py"
    script.write_text("from pkg import a\n")
    cache = tmp_path / "imports.json"
    found = code_files(script, package_root=package, root=tmp_path, cache=cache)
    assert [p.as_posix() for p in found] == ["script.py", "src/pkg/__init__.py", "src/pkg/a.py", "src/pkg/b.py"]
    assert cache.is_file()
    monkeypatch.setattr(code, "_CACHES", {})  # a new process: the cache is read from the file
    assert code_files(script, package_root=package, root=tmp_path, cache=cache) == found
    stat = (package / "a.py").stat()
    (package / "a.py").write_text("import pkg.c\n")  # same size, later time
    os.utime(package / "a.py", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    monkeypatch.setattr(code, "_CACHES", {})
    after = [p.as_posix() for p in code_files(script, package_root=package, root=tmp_path, cache=cache)]
    assert after == ["script.py", "src/pkg/__init__.py", "src/pkg/a.py", "src/pkg/c.py"]
