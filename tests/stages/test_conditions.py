"""The recode spec's conditions on raw codes: codes compared, "answered" = not missing for any reason."""

from __future__ import annotations

from import_frames import raw_frame

from swsurvey.stages.conditions import evaluate, raw_codes, raw_match
from swsurvey.study.recode import AllOf, AnyOf, Match, Not


def test_conditions_combine_matches_over_raw_codes(instrument, spec):
    frame = raw_frame(instrument, [{"Q2": 1, "Q5": 2}, {"Q2": 2, "Q5": -99}, {"Q2": 3, "Q5": None}])
    match = raw_match(frame, spec)
    assert raw_codes(frame, "Q5")[:2].tolist() == [2.0, -99.0]
    assert evaluate(Match("Q2", values=(1, 2)), match).tolist() == [True, True, False]
    # -99 (seen but unanswered) and system-missing are both not answered
    assert evaluate(Match("Q5", answered=True), match).tolist() == [True, False, False]
    assert evaluate(Match("Q5", answered=False), match).tolist() == [False, True, True]
    both = AllOf((Match("Q2", values=(1, 2)), Match("Q5", answered=True)))
    assert evaluate(both, match).tolist() == [True, False, False]
    either = AnyOf((Match("Q2", values=(3,)), Not(Match("Q5", answered=False))))
    assert evaluate(either, match).tolist() == [True, False, True]
