"""The software and git state a job ran with (swsurvey.provenance.environment)."""

from __future__ import annotations

import shutil

from swsurvey.provenance.environment import git_state

def test_git_state_is_unknown_outside_a_checkout_and_a_commit_inside(tmp_path, repo_dir):
    assert git_state(tmp_path) == {"commit": "unknown", "dirty": "unknown"}
    if shutil.which("git") and (repo_dir / ".git").exists():
        state = git_state(repo_dir)
        assert len(state["commit"]) == 40 and isinstance(state["dirty"], bool)
