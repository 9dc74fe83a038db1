"""What respondents typed, and in which language: Qualtrics' UserLanguage and the free-text
answers (Q6_4_TEXT, Q9_7_TEXT, Q25), which sometimes carry an e-mail address or a phone number,
as real comments do; and a new free-text field of a revised questionnaire (:func:`typed_text`)."""

from __future__ import annotations

import numpy as np

from swsurvey.synthetic.personal import fake_person, fake_phone
from swsurvey.synthetic.sample import KIND_CODES
from swsurvey.synthetic.scalar_draws import ScalarDraws

_COMMENT_RATE = 0.13

# fmt: off
_SELF_DESCRIBE = (
    "genderqueer", "Two-Spirit", "agender", "gender fluid", "queer", "trans man",
    "non-binary femme", "woman (trans)", "cis woman", "I'd rather say human",
)
# fmt: on
# fmt: off
_OTHER_SETTING = (
    "Long-term care", "Hospice / palliative care", "University counselling centre",
    "Employee assistance program (EAP)", "Corrections / probation", "Military family services",
    "Indigenous health centre", "Private practice and hospital", "Research and teaching",
    "Faith-based agency", "Consulting - contact me at {email}", "Home care, call {phone}",
)
# fmt: on
_COMMENTS = {
    "EN": (
        "Great survey, this is an important topic.",
        "I only text clients to confirm or change appointments.",
        "Our agency has no clear policy and I would welcome guidance.",
        "I use my personal cell because the agency does not provide one.",
        "Happy to be interviewed about this. You can reach me at {email}.",
        "Please contact me if you want to discuss: {phone}",
        "My supervisor, {first} {last}, told me never to accept friend requests from clients.",
        "Some questions did not fit private practice.",
        "Clients expect to reach me by text at all hours and it is exhausting.",
        "I would like a copy of the results: {email} or {phone}",
        "Rural practice makes boundaries hard: clients are also my neighbours.",
        "Video sessions should have been a separate question.",
        "Thank you",
        "n/a",
    ),
    "FR-CA": (
        "Merci pour ce sondage, le sujet est très pertinent.",
        "Mon employeur n'a aucune politique claire sur l'usage des textos.",
        "Vous pouvez me joindre au {phone} pour une entrevue.",
        "Veuillez m'envoyer les résultats à {email}.",
        "J'utilise mon cellulaire personnel faute de mieux.",
    ),
    "HE": (
        "סקר חשוב, תודה רבה.",
        "אין במקום העבודה שלי נוהל ברור לגבי שימוש בוואטסאפ עם מטופלים.",
        "אשמח להתראיין, הטלפון שלי {phone}",
        "אשמח לקבל את התוצאות למייל {email}",
        "אני משתמשת בטלפון הפרטי שלי כי אין טלפון עבודה.",
    ),
}
#: A new free-text field's answers: short, some with contact details.
# fmt: off
_TYPED_TEXT = (
    "See my earlier answer.", "Mostly online, some in person.", "A mix of both.", "Telehealth platform",
    "It depends on the client.", "Not sure how to answer this.", "n/a", "Other",
    "Happy to explain: {email}", "Call me if useful: {phone}", "{first} {last}, team lead",
)
# fmt: on
_SPAM_TEXT = ("asdfgh", "good good good", "Buy followers cheap http://promo-fast.example.net", "qwerty")


def user_language(rng: np.random.Generator, country: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Qualtrics' UserLanguage: some Canadians in French, most Israelis in Hebrew.

    The research team previewed and tested in English.
    """
    u = rng.random(len(country))
    team = np.isin(kind, (KIND_CODES["preview"], KIND_CODES["test"]))
    french = (country == 1) & (u < 0.18) & ~team
    hebrew = (country == 3) & (u < 0.75) & ~team
    return np.where(french, "FR-CA", np.where(hebrew, "HE", "EN")).astype(object)


def _fill(rng: ScalarDraws, template: str, code: int) -> str:
    first, last, email = fake_person(rng, code)
    return template.format(email=email, phone=fake_phone(rng, code), first=first, last=last)


def free_text(
    rng: np.random.Generator, kind: np.ndarray, country: np.ndarray, language: np.ndarray, cols: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Q6_4_TEXT, Q9_7_TEXT and Q25: shown when their option is chosen (Q25: to everyone)."""
    n = len(kind)
    self_describe = np.full(n, "", dtype=object)
    other_setting = np.full(n, "", dtype=object)
    comment = np.full(n, "", dtype=object)
    writes = rng.random(n)
    describes = ((cols["Q6"] == 4) & (writes < 0.9)).tolist()
    names_other = ((cols["Q9"] == 7) & (writes < 0.85)).tolist()
    spam = (kind == KIND_CODES["spam"]).tolist()
    with ScalarDraws(rng) as draws:
        for i, code, lang in zip(range(n), country.tolist(), language.tolist(), strict=True):
            if describes[i]:
                self_describe[i] = draws.choice(_SELF_DESCRIBE)
            if names_other[i]:
                other_setting[i] = _fill(draws, draws.choice(_OTHER_SETTING), code)
            if spam[i]:
                comment[i] = draws.choice(_SPAM_TEXT)
            elif draws.random() < _COMMENT_RATE:
                comment[i] = _fill(draws, draws.choice(_COMMENTS[lang]), code)
    return {"Q6_4_TEXT": self_describe, "Q9_7_TEXT": other_setting, "Q25": comment}


def typed_text(rng: np.random.Generator, shown: np.ndarray, rate: float, country: np.ndarray) -> np.ndarray:
    """A new free-text field: written by ``rate`` of the rows it is shown to, in the manner of
    the generator's other free-text fields (short answers, some with a name, an e-mail address
    or a phone number that fits the respondent's country)."""
    n = len(country)
    text = np.full(n, "", dtype=object)
    writes = (shown & (rng.random(n) < rate)).tolist()
    with ScalarDraws(rng) as draws:
        for i, code in enumerate(country.tolist()):
            if writes[i]:
                text[i] = _fill(draws, draws.choice(_TYPED_TEXT), code)
    return text
