"""Recorded paths: relative to the checkout, absolute outside it (swsurvey.provenance.paths)."""

from __future__ import annotations

from swsurvey.provenance.paths import relative_path, resolve, working_dir


def test_paths_inside_the_root_are_relative_and_outside_it_absolute(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    assert relative_path(root / "results" / ".." / "data" / "x.sav", root) == "data/x.sav"
    assert relative_path("results/a.csv", root) == "results/a.csv"
    assert relative_path(tmp_path / "elsewhere.csv", root) == (tmp_path / "elsewhere.csv").as_posix()
    assert resolve("results/a.csv", root) == working_dir(root) / "results/a.csv"
    assert resolve(tmp_path / "elsewhere.csv", root) == tmp_path / "elsewhere.csv"
