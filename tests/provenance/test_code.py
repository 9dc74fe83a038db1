"""What code a rule runs, and its hashes (swsurvey.provenance.code)."""

from __future__ import annotations

import os
from pathlib import Path

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
