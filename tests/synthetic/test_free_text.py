"""What respondents typed, and in which language (swsurvey.synthetic.free_text)."""

from __future__ import annotations

import pandas as pd
from raw_wave import raw, wave  # noqa: F401 (fixtures)


def test_languages_follow_the_country(raw):
    assert set(raw["UserLanguage"]) == {"EN", "FR-CA", "HE"}
    assert (raw.loc[raw["UserLanguage"] == "FR-CA", "Q2"].dropna() == 1).all()
    assert (raw.loc[raw["UserLanguage"] == "HE", "Q2"].dropna() == 3).all()


def test_free_text_sometimes_holds_an_email_address_and_a_phone_number(raw):
    text = pd.concat([raw["Q25"], raw["Q9_7_TEXT"], raw["Q6_4_TEXT"]])
    written = text[text != ""]
    assert len(written) > 100
    emails = written.str.contains(r"[\w.]+@[\w-]+\.[\w.]+")
    phones = written.str.contains(r"\(?\+?\d[\d ()-]{8,}\d")
    assert 0 < emails.sum() < 0.5 * len(written)
    assert 0 < phones.sum() < 0.5 * len(written)
    assert (raw["Q6_4_TEXT"] != "").sum() > 0 and (raw["Q9_7_TEXT"] != "").sum() > 0
