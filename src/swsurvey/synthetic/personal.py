"""Fake but realistic personal data: names, e-mail addresses and phone numbers that fit the
respondent's country (fictional numbers only: 555-01xx, Ofcom's drama ranges, 555 in Israel)."""

from __future__ import annotations

import unicodedata

from swsurvey.synthetic.scalar_draws import ScalarDraws

# fmt: off
_FIRST = (
    "Sarah", "Jennifer", "Emily", "Jessica", "Amanda", "Melissa", "Rachel", "Laura", "Nicole",
    "Megan", "Stephanie", "Michelle", "Lisa", "Karen", "Heather", "Catherine", "Julie", "Marie",
    "Sophie", "Isabelle", "Nathalie", "Geneviève", "Chantal", "Mélanie", "Noa", "Tamar", "Michal",
    "Yael", "Shira", "Orly", "Ayelet", "Rivka", "David", "Michael", "James", "Daniel", "Mark",
    "Paul", "Jean", "François", "Yossi", "Avi", "Omar", "Fatima", "Priya", "Aisha", "Mei",
    "Grace", "Hannah", "Olivia", "Chloe", "Emma", "Claire", "Fiona", "Siobhan", "Aoife",
    "Kwame", "Carlos", "Maria", "Ana",
)
# fmt: on
# fmt: off
_LAST = (
    "Smith", "Brown", "Tremblay", "Martin", "Roy", "Gagnon", "Lee", "Wilson", "Johnson",
    "Williams", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Taylor", "Anderson",
    "Thomas", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Cohen",
    "Levi", "Mizrahi", "Peretz", "Biton", "Friedman", "Katz", "Goldberg", "Patel", "Singh",
    "Nguyen", "Chen", "Wong", "Kim", "O'Brien", "MacDonald", "Campbell", "Stewart", "Evans",
    "Hughes", "Roberts", "Côté", "Bouchard", "Gauthier", "Morin", "Lavoie", "Fortin",
)
# fmt: on
_MAIL_DOMAINS = {
    1: (
        "gmail.com",
        "hotmail.com",
        "yahoo.ca",
        "rogers.com",
        "sympatico.ca",
        "outlook.com",
        "bell.net",
        "videotron.ca",
    ),
    2: ("gmail.com", "yahoo.com", "aol.com", "hotmail.com", "outlook.com", "comcast.net", "icloud.com"),
    3: ("gmail.com", "walla.co.il", "hotmail.com", "013net.net", "bezeqint.net"),
    4: ("gmail.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "outlook.com", "nhs.net"),
    5: ("gmail.com", "hotmail.com", "outlook.com"),
}

_AREA_CODES = {1: ("416", "647", "613", "604", "514", "403", "902"), 2: ("212", "312", "617", "206", "404", "713")}


def fake_person(rng: ScalarDraws, code: int) -> tuple[str, str, str]:
    """A fake first name, last name and e-mail address that fits the country."""
    first = str(rng.choice(_FIRST))
    last = str(rng.choice(_LAST))
    user = _ascii(f"{first}.{last}" if rng.random() < 0.6 else f"{first[0]}{last}").lower().replace("'", "")
    if rng.random() < 0.3:
        user += str(rng.integers(1, 99))
    return first, last, f"{user}@{rng.choice(_MAIL_DOMAINS[code])}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def fake_phone(rng: ScalarDraws, code: int) -> str:
    """A fictional phone number in a local style (555-01xx, Ofcom's drama ranges, 555 in Israel)."""
    if code in (1, 2, 5):
        area = rng.choice(_AREA_CODES[1 if code == 5 else code])
        line = f"01{rng.integers(0, 100):02d}"
        style = rng.integers(0, 4)
        return (f"({area}) 555-{line}", f"{area}-555-{line}", f"+1 {area} 555 {line}", f"{area}555{line}")[style]
    if code == 4:
        tail = f"{rng.integers(0, 1000):03d}"
        return (f"07700 900{tail}", f"+44 7700 900{tail}", f"020 7946 0{tail}")[rng.integers(0, 3)]
    tail = f"{rng.integers(0, 10000):04d}"
    return (f"054-555{tail}", f"+972-52-555{tail}", f"050-555-{tail}")[rng.integers(0, 3)]
