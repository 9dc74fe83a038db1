"""A job's log: what to_logfile writes, and the error the console reads back from it."""

from __future__ import annotations

import warnings

import pytest

from swsurvey.errors import InputError
from swsurvey.io.logfile import error_lines, get_logger, to_logfile


def test_an_expected_error_is_one_record_in_the_log_and_not_on_stderr(tmp_path, capfd):
    log = tmp_path / "job.log"
    with pytest.raises(SystemExit) as stop, to_logfile(log):
        get_logger("import").info("reading")
        raise InputError("no rows", file="data/raw/x.sav")
    assert stop.value.code == 1
    assert capfd.readouterr().err == ""  # the console shows it, once, at the end of the run
    assert error_lines(log) == ["swsurvey: error: data/raw/x.sav: no rows"]


def test_a_bug_s_error_ends_with_the_exception_its_traceback_names(tmp_path):
    log = tmp_path / "job.log"

    def deep(n):
        if n == 0:
            raise ZeroDivisionError("division by zero in the weights")
        deep(n - 1)

    with pytest.raises(ZeroDivisionError), to_logfile(log):
        deep(30)  # a traceback longer than the console shows
    lines = error_lines(log, limit=6)
    assert len(lines) == 6
    assert lines[0] == "swsurvey: error: ZeroDivisionError: division by zero in the weights"
    assert lines[-1] == "ZeroDivisionError: division by zero in the weights"


def test_warnings_of_the_package_go_to_stderr_too_and_python_s_to_the_log_only(tmp_path, capfd):
    log = tmp_path / "job.log"
    with to_logfile(log):
        get_logger("import").warning("x.sav is SYNTHETIC DATA")
        warnings.warn("some design effects are not defined", UserWarning, stacklevel=1)
    assert capfd.readouterr().err == "WARNING: x.sav is SYNTHETIC DATA\n"
    text = log.read_text()
    assert "WARNING swsurvey.import: x.sav is SYNTHETIC DATA" in text
    assert "UserWarning: some design effects are not defined" in text
    assert error_lines(log) == []


def test_a_missing_log_has_no_error(tmp_path):
    assert error_lines(tmp_path / "none.log") == []
