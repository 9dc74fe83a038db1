"""A seeded synthetic stand-in for the #socialwork raw Qualtrics SPSS exports, 2017 and 2021.

The study's microdata are confidential, so the pipeline's default run reads a SYNTHETIC
wave written here. It follows the instrument (``workflow/instruments/socialwork_2017.yaml``)
to the letter: every variable in order with its label, value labels, ``-99`` declared
user-missing on every coded question, system-missing for questions not shown, unticked
checkboxes missing, and fake but realistic personal data in the pii fields.

Two waves
    The instrument's ``wave`` picks a design (:class:`_Design`): 2017 (the module constants,
    calibrated to the published figures) or the invented 2021 follow-up
    (``workflow/instruments/socialwork_2021.yaml``, seed 20210601). The follow-up draws its
    people with the same machinery and shifted settings (a smaller sample, more informal ICT
    use, much more video, an online practice setting), in the 2017 variable names, plus its
    new items (taking part in 2017, the typed year of birth with its typos, the
    video-conferencing row); :func:`_lay_out` then renames the columns to the revised
    questionnaire's numbers by each question's ``was:``. Everything below describes 2017;
    the 2021 counts and rates are the ``_2021`` constants.

What a row is
    Every row is one response; its hidden *kind* decides what it looks like. On top of the
    eligible completes (exactly the published 2609 / 1225 / 386 / 134 per country at
    ``scale=1``) come the rows a real export carries and the cleaning stage must drop, in
    this exclusion order: non-consenters (``Q1 == 2``, nothing after Q1), country "Other"
    (``Q2 == 5``), not registered (``Q3 == 2``), no direct client contact (``Q4 == 2``),
    survey previews (``Status == 1``), tests (2) and spam (8), unfinished responses
    (``Finished == 0``, ``Progress < 100``, missing after the page where they stopped), and
    responses exported twice under one ``ResponseId`` (an identical row, or the same row
    with a later ``RecordedDate``; the earliest is the real one). Screened-out respondents
    reached Qualtrics' end-of-survey element, so they are ``Finished == 1``. Offline-app
    (16) and imported (4) responses are real responses and stay eligible.

Item-level mess
    ``-99`` (seen but unanswered) at low rates that grow towards the end of the survey and
    cluster in respondents (a per-respondent propensity), ``99`` (prefer not to say) on age
    and gender, ``98`` (don't know) on Q20, and typos in the typed years of practice Q7:
    0.6% of eligible rows typed a year (``2017 - years``, e.g. 1998) and 0.35% a stray extra
    digit (``25 -> 250``), both outside the valid 0-60 range. An empty Q7 is ``-99`` too,
    so -99 is declared user-missing on Q7 as well as on every coded question. Free text
    (Q6_4_TEXT, Q9_7_TEXT, Q25) sometimes carries an e-mail address or a phone number, as
    real comments do.

Calibration
    Outcomes are latent-index models: a linear index in the covariates (age group, years of
    practice, private practice, psychotherapy, setting, earlier answers) plus logistic or
    normal noise, cut at a threshold. The threshold is the intercept, solved on the drawn
    latent values of the calibration base (pooled Canada + US + Israel eligible completes
    who answered) so that the realised share equals the published one to the nearest
    respondent. Solving on the realised values rather than on the expected probability
    removes binomial noise (about 1.2 points on a base of 1,464), so every published figure
    holds for any seed and any scale, not only for the stored one. The covariate
    effects give the published directions: under-30s use informal ICT less, older and
    more experienced practitioners, private practice and psychotherapy more.

Population margins
    The sample is deliberately unrepresentative: relative to the generator's population of
    registered social workers (plausible invented numbers, written by
    :func:`population_margins`), it over-represents women and respondents aged 40-49, by
    a different amount in each country, so raking has real work to do. The population has
    three gender levels (the Q6 labels of codes 1-3); a respondent who self-described
    (Q6 == 4) belongs to "Non-binary / gender diverse" (see :data:`MARGIN_LEVEL_CODES`),
    while "Prefer not to say" (99) and -99 have no population counterpart: the weighting
    stage must impute them or leave them out of the gender margin (about 1% of rows).

Determinism
    Everything comes from ``numpy.random.Generator(PCG64(seed))`` in a fixed call order (the
    population from a jumped copy of the same stream); there is no global RNG, clock or
    hash-order dependence. :func:`write_wave` pins the two header fields ReadStat fills
    from the clock or its own name, so one seed gives one file, byte for byte.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyreadstat

from swsurvey.errors import InputError
from swsurvey.io.files import atomic_path
from swsurvey.study.instrument import Instrument, Variable, load_instrument

#: Seed of the stored default wave (``data/synthetic/socialwork_2017.sav``): the 2017 launch month.
DEFAULT_SEED = 20170601
#: Seed of the stored 2021 follow-up (``data/synthetic/socialwork_2021.sav``): its launch month.
FOLLOW_UP_SEED = 20210601
#: The seed of each stored wave.
SEEDS = {"2017": DEFAULT_SEED, "2021": FOLLOW_UP_SEED}

#: How the file label starts, so no one mistakes the file for real responses.
FILE_LABEL_PREFIX = "SYNTHETIC DATA"

#: The ``source`` column of the population margins.
MARGINS_SOURCE = "synthetic: the generator's population (not real figures)"
#: The date the synthetic population figures refer to: the 2017 wave's fieldwork.
MARGINS_DATE = "2017-06-01"

#: Which raw codes of Q6 / Q5 count towards each population level (for raking): a
#: self-described gender (Q6 == 4) belongs to "Non-binary / gender diverse"; 99 and -99 to none.
#: (2021 asks gender in Q7 with the same codes, and age as a year of birth: its age groups
#: are the recode's bands, with these labels.)
MARGIN_LEVEL_CODES: dict[str, dict[str, tuple[int, ...]]] = {
    "gender": {"Woman": (1,), "Man": (2,), "Non-binary / gender diverse": (3, 4)},
    "age_group": {"Under 30": (1,), "30-39": (2,), "40-49": (3,), "50-59": (4,), "60 or older": (5,)},
}
_MARGIN_SOURCE = {"gender": "Q6", "age_group": "Q5"}
_UNKNOWN_VARIABLE = "the synthetic generator does not know how to fill this variable"
#: The Qualtrics metadata columns the generator fills.
# fmt: off
_METADATA = (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration__in_seconds_", "Finished",
    "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail",
    "ExternalReference", "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage",
)
# fmt: on

# SPSS header fields that ReadStat fills with the clock and its own name (PSPP developers'
# guide, "File Header Record"): pinned so that the same seed gives the same bytes.
_PRODUCT_SPAN = (4, 64)
_DATE_SPAN = (92, 101)
_TIME_SPAN = (101, 109)
_PRODUCT = b"@(#) SPSS DATA FILE - swsurvey synthetic generator, ReadStat"
_CREATION_DATE = b"01 Jun 17"
_CREATION_TIME = b"00:00:00"
_FILE_LABEL_BYTES = 64

# -- design of the sample -------------------------------------------------------------------

#: Extra rows at full scale on top of the eligible completes: a listserv-recruited survey
#: with about 11% break-off and a few percent screened out.
_EXTRA_ROWS: dict[str, int] = {
    "no_consent": 64,
    "other_country": 47,
    "not_registered": 118,
    "no_contact": 153,
    "preview": 14,
    "test": 22,
    "spam": 7,
    "unfinished": 560,
}
_DUPLICATES = {"identical": 17, "later": 13}
#: Eligible completes that came in by the offline app (16) or as imported paper forms (4).
_REAL_NONWEB_STATUS = {16: 24, 4: 9}
#: Fewest rows of each kind of mess at any scale, so small test waves still carry all of it.
_MIN_MESS = 3

_KIND_CODES = {
    "eligible": 0,
    "no_consent": 1,
    "other_country": 2,
    "not_registered": 3,
    "no_contact": 4,
    "preview": 5,
    "test": 6,
    "spam": 7,
    "unfinished": 8,
}

#: Sample composition by country (Q2 code): true gender Woman, Man, Non-binary, Self-describe.
_SAMPLE_GENDER = {
    1: (0.875, 0.105, 0.014, 0.006),
    2: (0.895, 0.090, 0.010, 0.005),
    3: (0.925, 0.070, 0.003, 0.002),
    4: (0.865, 0.120, 0.010, 0.005),
}
#: Sample age groups (Under 30 .. 60+): middle-aged respondents answer listserv surveys most.
_SAMPLE_AGE = {
    1: (0.09, 0.24, 0.30, 0.25, 0.12),
    2: (0.08, 0.21, 0.28, 0.26, 0.17),
    3: (0.10, 0.31, 0.32, 0.19, 0.08),
    4: (0.06, 0.21, 0.33, 0.28, 0.12),
}
#: The generator's population of registered social workers: size, gender, age group.
_POPULATION_SIZE = {1: 52_000, 2: 450_000, 3: 24_000, 4: 118_000}
_POPULATION_GENDER = {
    1: (0.800, 0.190, 0.010),
    2: (0.820, 0.170, 0.010),
    3: (0.860, 0.135, 0.005),
    4: (0.790, 0.200, 0.010),
}
_POPULATION_AGE = {
    1: (0.15, 0.25, 0.23, 0.21, 0.16),
    2: (0.12, 0.22, 0.21, 0.22, 0.23),
    3: (0.17, 0.30, 0.25, 0.17, 0.11),
    4: (0.11, 0.24, 0.26, 0.25, 0.14),
}
#: Q8 degree (BSW, MSW, Doctorate, Other) by country; the UK's "Other" is the DipSW era.
_DEGREE = {
    1: (0.22, 0.70, 0.05, 0.03),
    2: (0.10, 0.83, 0.05, 0.02),
    3: (0.52, 0.42, 0.04, 0.02),
    4: (0.35, 0.40, 0.02, 0.23),
}
#: Q9 setting (private practice, hospital, agency, child welfare, school, government, other).
_SETTING = {
    1: (0.17, 0.21, 0.22, 0.10, 0.08, 0.13, 0.09),
    2: (0.26, 0.22, 0.18, 0.08, 0.10, 0.08, 0.08),
    3: (0.07, 0.20, 0.20, 0.12, 0.08, 0.27, 0.06),
    4: (0.05, 0.20, 0.15, 0.30, 0.03, 0.20, 0.07),
}
#: Q10 services ticked, by setting (rows) and service (columns Q10_1..Q10_6).
_SERVICES = np.array(
    [
        [0.92, 0.15, 0.60, 0.20, 0.15, 0.07],
        [0.45, 0.65, 0.75, 0.45, 0.25, 0.06],
        [0.55, 0.60, 0.70, 0.30, 0.50, 0.07],
        [0.25, 0.80, 0.75, 0.40, 0.30, 0.06],
        [0.60, 0.35, 0.65, 0.30, 0.30, 0.08],
        [0.30, 0.60, 0.70, 0.25, 0.35, 0.08],
        [0.45, 0.40, 0.55, 0.25, 0.35, 0.20],
    ]
)

#: Published figures (Mishna et al.; SSWR 2019 and 2021 abstracts) that the latent cuts hit.
#: Q11 by country (Canada, US, Israel, UK): Israel 74%, the pooled CA+US+IL share 78%.
_ANY_USE = {1: 0.785, 2: 0.782, 3: 0.740, 4: 0.770}
_OUTSIDE_HOURS = 0.64
_INITIATED_BY_BOTH = 0.67
_NO_TALK = 0.41
_FRIEND_REQUEST = 0.48
_SEARCHED = 0.36
_REASON_ASSESSMENT = 0.60
_REASON_CURIOSITY = 0.27
#: Q20 among answers 1-3 (always, sometimes, never): published 67% and 34% round to 101.
_APPROPRIATE = (0.080, 0.585, 0.335)
#: Q12 channel frequencies (Never .. Daily) among users: email and text lead.
_FREQUENCY = {
    "Q12_1": (0.10, 0.20, 0.22, 0.32, 0.16),
    "Q12_2": (0.20, 0.16, 0.17, 0.28, 0.19),
    "Q12_3": (0.86, 0.08, 0.035, 0.018, 0.007),
    "Q12_4": (0.72, 0.14, 0.08, 0.045, 0.015),
    "Q12_5": (0.70, 0.12, 0.08, 0.07, 0.03),
}
#: Israelis text clients over WhatsApp (instant messaging) far more than SMS.
_CHANNEL_SHIFT_ISRAEL = {"Q12_1": 0.0, "Q12_2": -0.3, "Q12_3": 0.3, "Q12_4": 0.0, "Q12_5": 1.6}
_PURPOSES = (0.82, 0.55, 0.48, 0.18, 0.12, 0.05)
#: Q21 policy (yes, no, don't know, n/a) outside private practice; Israel mostly "no".
_POLICY = {
    1: (0.36, 0.30, 0.28, 0.06),
    2: (0.40, 0.27, 0.27, 0.06),
    3: (0.20, 0.62, 0.15, 0.03),
    4: (0.48, 0.22, 0.27, 0.03),
}
_POLICY_PRIVATE = (0.05, 0.10, 0.05, 0.80)

#: Base rate of -99 per item (per checkbox set), before the respondent's propensity.
_NONRESPONSE = {
    "Q5": 0.003,
    "Q6": 0.003,
    "Q7": 0.003,
    "Q8": 0.006,
    "Q9": 0.006,
    "Q10": 0.005,
    "Q12": 0.010,
    "Q13": 0.012,
    "Q14": 0.020,
    "Q15": 0.020,
    "Q16": 0.022,
    "Q17": 0.028,
    "Q18": 0.035,
    "Q19": 0.008,
    "Q20": 0.014,
    "Q21": 0.025,
    "Q22": 0.032,
    "Q23": 0.032,
    "Q24": 0.030,
}
_PREFER_NOT_AGE = 0.012
_PREFER_NOT_GENDER = 0.008
_DONT_KNOW_Q20 = 0.026
_WAVE_YEAR = 2017.0  # a year typed into Q7 is this minus the years of practice
_Q7_YEAR_TYPO = 0.006
_Q7_DIGIT_TYPO = 0.0035
_COMMENT_RATE = 0.13

#: The questionnaire's pages: an unfinished response stops after one of them. Names are the
#: generator's (2017's, and the 2021 follow-up's new items, which 2021 asks on the same pages).
_PAGES: tuple[tuple[str, ...], ...] = (
    ("Q1",),
    ("Q2",),
    ("Q3",),
    ("Q4",),
    ("Q5", "Q6", "Q6_4_TEXT", "Q7", "Q8", "took_part_2017", "birth_year"),
    ("Q9", "Q9_7_TEXT", "Q10_"),
    ("Q11",),
    ("Q12_", "Q13_", "Q14", "Q15", "Q16"),
    ("Q17", "Q18", "Q19_", "Q20"),
    ("Q21", "Q22", "Q23", "Q24", "Q25"),
)
#: Last page seen by unfinished responses (pages 0-8): most leave in the demographics or setting.
_STOP_PAGE = (0.03, 0.02, 0.02, 0.03, 0.25, 0.20, 0.12, 0.18, 0.15)

#: Ordered scales; everything else coded is nominal.
_ORDINAL = ("Q5", "Q12_1", "Q12_2", "Q12_3", "Q12_4", "Q12_5", "Q12_6")
#: Widths of typed numbers: Q7 holds typos such as 1998; a year of birth typos such as
#: 19788; Duration up to a week in seconds.
_NUMERIC_WIDTH = {"Q7": 4, "birth_year": 5, "Duration__in_seconds_": 8}

# -- fake personal data ---------------------------------------------------------------------

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
_MEMBER_PREFIX = {1: "CASW", 2: "NASW", 3: "ISWU", 4: "BASW", 5: "EXT"}
#: (first octet, second-octet range) blocks that geolocate to each country.
_IP_BLOCKS = {
    1: ((24, 36, 37), (70, 24, 79), (99, 224, 255), (142, 112, 127), (174, 88, 95), (184, 144, 151)),
    2: ((12, 0, 255), (24, 0, 35), (50, 0, 127), (66, 0, 99), (73, 0, 255), (98, 200, 255), (107, 0, 63)),
    3: ((5, 28, 29), (31, 154, 154), (46, 116, 121), (79, 176, 183), (84, 108, 111), (109, 64, 67)),
    4: ((2, 24, 31), (31, 48, 55), (51, 6, 9), (81, 2, 2), (86, 128, 191), (90, 192, 223)),
    5: ((1, 120, 159), (49, 176, 191), (101, 160, 191), (105, 0, 63), (203, 0, 63)),
}
#: The research team's office IPs, where survey previews came from.
_TEAM_IPS = ("142.150.73.18", "142.150.73.41")
_TEAM_LOCATION = (43.6629, -79.3957)
#: Cities respondents geolocate to (lat, long); FR-CA respondents sit in Quebec.
# fmt: off
_CITIES = {
    1: ((43.65, -79.38), (49.28, -123.12), (51.05, -114.07), (45.42, -75.70), (49.90, -97.14),
        (44.65, -63.58), (53.55, -113.49), (52.13, -106.67), (42.98, -81.25), (48.43, -123.37)),
    2: ((40.71, -74.01), (34.05, -118.24), (41.88, -87.63), (29.76, -95.37), (39.95, -75.17),
        (47.61, -122.33), (33.75, -84.39), (42.36, -71.06), (39.74, -104.99), (44.98, -93.27)),
    3: ((32.09, 34.78), (31.77, 35.21), (32.79, 34.99), (31.25, 34.79), (32.33, 34.86), (31.80, 34.65)),
    4: ((51.51, -0.13), (53.48, -2.24), (52.49, -1.89), (55.86, -4.25), (53.80, -1.55),
        (51.45, -2.59), (51.48, -3.18), (54.60, -5.93)),
    5: ((-33.87, 151.21), (-36.85, 174.76), (53.35, -6.26), (-26.20, 28.05), (22.32, 114.17)),
}
# fmt: on
_QUEBEC = ((45.50, -73.57), (46.81, -71.21), (45.40, -71.89), (45.48, -75.70))
#: Fielding windows (first day, last day) by country; previews and tests came before launch.
_FIELD_WINDOW = {
    1: ("2017-03-06", "2017-06-30"),
    2: ("2017-04-03", "2017-07-28"),
    3: ("2017-05-01", "2017-08-31"),
    4: ("2017-06-05", "2017-08-31"),
    5: ("2017-03-06", "2017-08-31"),
}
_PRE_LAUNCH = ("2017-02-13", "2017-03-03")
#: Hours of the day responses start (office hours and evenings).
_HOUR_WEIGHTS = np.array([1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 7, 6, 6, 7, 8, 7, 5, 2], float)
#: Incomplete responses are closed and recorded after Qualtrics' default one week.
_EXPIRY_SECONDS = 7 * 24 * 3600

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
_SPAM_TEXT = ("asdfgh", "good good good", "Buy followers cheap http://promo-fast.example.net", "qwerty")
_AREA_CODES = {1: ("416", "647", "613", "604", "514", "403", "902"), 2: ("212", "312", "617", "206", "404", "713")}
_ALNUM = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


# -- the 2021 follow-up: an invented wave (nothing about it is published) ------------------------

#: The follow-up's eligible completes relative to 2017's (2,668 of 4,354).
_FOLLOW_UP_SIZE = 0.61
#: Extra rows at full scale: screen-outs, previews, tests and re-exports at 2017's rate per
#: eligible complete; more break-off (survey fatigue in the pandemic's second year) and more
#: spam bots; hardly any paper forms.
_EXTRA_ROWS_2021 = {kind: round(n * _FOLLOW_UP_SIZE) for kind, n in _EXTRA_ROWS.items()} | {
    "spam": 12,
    "unfinished": 395,
}
_DUPLICATES_2021 = {kind: round(n * _FOLLOW_UP_SIZE) for kind, n in _DUPLICATES.items()}
_REAL_NONWEB_STATUS_2021 = {16: round(_REAL_NONWEB_STATUS[16] * _FOLLOW_UP_SIZE), 4: 2}
#: The registered population, four years on.
_POPULATION_SIZE_2021 = {1: 55_500, 2: 472_000, 3: 26_500, 4: 121_000}
#: Q10 setting: "Virtual / online practice" (code 8, new in 2021) takes these shares by
#: country, the 2017 settings sharing the rest in their 2017 proportions.
_VIRTUAL_SHARE = {1: 0.05, 2: 0.06, 3: 0.02, 4: 0.03}
_SETTING_2021 = {c: (*(np.asarray(_SETTING[c]) * (1.0 - v)), v) for c, v in _VIRTUAL_SHARE.items()}
#: Services of an online service: mostly counselling.
_SERVICES_2021 = np.vstack([_SERVICES, [0.90, 0.20, 0.60, 0.25, 0.10, 0.06]])
#: More informal ICT use after the pandemic moved practice online, in every country.
_ANY_USE_2021 = {1: 0.905, 2: 0.912, 3: 0.872, 4: 0.893}
_OUTSIDE_HOURS_2021 = 0.69
#: Channel frequencies among users: more of every channel, much more video. Q12_6 is the new
#: video-conferencing row (2021's Q13_6); "video calls" now means calls from phone apps only.
_FREQUENCY_2021 = {
    "Q12_1": (0.06, 0.14, 0.20, 0.36, 0.24),
    "Q12_2": (0.14, 0.13, 0.16, 0.31, 0.26),
    "Q12_3": (0.82, 0.09, 0.05, 0.03, 0.01),
    "Q12_4": (0.38, 0.19, 0.16, 0.18, 0.09),
    "Q12_5": (0.58, 0.14, 0.11, 0.11, 0.06),
    "Q12_6": (0.11, 0.09, 0.14, 0.39, 0.27),
}
#: The new items' -99 rates: the 2017 participation question and the typed year of birth.
_NONRESPONSE_2021 = {**_NONRESPONSE, "took_part_2017": 0.004, "birth_year": 0.006}
#: "Did you take part in the 2017 survey?": Yes, No, Not sure.
_TOOK_PART_2017 = (0.24, 0.64, 0.12)
#: Typos in the typed year of birth, per eligible complete: a two-digit year (78), a stray
#: extra digit (19788), the survey year typed (2021).
_BIRTH_YEAR_TWO_DIGIT = 0.009
_BIRTH_YEAR_EXTRA_DIGIT = 0.003
_BIRTH_YEAR_THIS_YEAR = 0.0015
#: The follow-up was fielded on 2017's calendar, four years on.
_FIELD_WINDOW_2021 = {c: tuple(day.replace("2017", "2021") for day in days) for c, days in _FIELD_WINDOW.items()}
#: Where the generator's columns go in 2021 when not by the instrument's ``was:``: the
#: questions it draws anew (participation in 2017, year of birth) and the new grid row.
_SOURCES_2021 = {"Q5": "took_part_2017", "Q6": "birth_year", "Q13_6": "Q12_6"}


@dataclass(frozen=True)
class _Design:
    """What the generator does differently from one wave to the next.

    The generator thinks in the 2017 questionnaire: it draws every answer under its 2017
    variable name (the few items new since then under names of their own) and, for a
    renumbered instrument, then lays the columns out under the instrument's names
    (:func:`_lay_out`). Pages, scales and number widths follow each question's generator
    column (:func:`_source`), so they need no restating for a renumbered wave.
    """

    wave_year: float  # a year typed into years of practice is this minus the years
    extra_rows: dict[str, int]
    duplicates: dict[str, int]
    nonweb_status: dict[int, int]
    population_size: dict[int, int]
    setting: dict[int, tuple[float, ...]]
    services: np.ndarray
    any_use: dict[int, float]
    outside_hours: float
    frequency: dict[str, tuple[float, ...]]
    channel_shift_israel: dict[str, float]
    nonresponse: dict[str, float]
    field_window: dict[int, tuple[str, str]]
    pre_launch: tuple[str, str]
    creation_date: bytes
    margins_date: str
    #: The coded question whose labels are each population margin's levels.
    margin_sources: dict[str, str]
    #: The SPSS document lines after the first (which names the seed).
    note: tuple[str, ...]
    #: None: the instrument uses the generator's names. Else the generator column of each
    #: question not found by its ``was:`` (new questions, changed formats).
    sources: dict[str, str] | None = None
    #: Draw the follow-up's new items (2017 participation, year of birth).
    follow_up: bool = False


_DESIGNS = {
    "2017": _Design(
        wave_year=_WAVE_YEAR,
        extra_rows=_EXTRA_ROWS,
        duplicates=_DUPLICATES,
        nonweb_status=_REAL_NONWEB_STATUS,
        population_size=_POPULATION_SIZE,
        setting=_SETTING,
        services=_SERVICES,
        any_use=_ANY_USE,
        outside_hours=_OUTSIDE_HOURS,
        frequency=_FREQUENCY,
        channel_shift_israel=_CHANNEL_SHIFT_ISRAEL,
        nonresponse=_NONRESPONSE,
        field_window=_FIELD_WINDOW,
        pre_launch=_PRE_LAUNCH,
        creation_date=_CREATION_DATE,
        margins_date=MARGINS_DATE,
        margin_sources=_MARGIN_SOURCE,
        note=("a stand-in for the confidential #socialwork microdata,", "calibrated to published figures."),
    ),
}
_DESIGNS["2021"] = dataclasses.replace(
    _DESIGNS["2017"],
    wave_year=2021.0,
    extra_rows=_EXTRA_ROWS_2021,
    duplicates=_DUPLICATES_2021,
    nonweb_status=_REAL_NONWEB_STATUS_2021,
    population_size=_POPULATION_SIZE_2021,
    setting=_SETTING_2021,
    services=_SERVICES_2021,
    any_use=_ANY_USE_2021,
    outside_hours=_OUTSIDE_HOURS_2021,
    frequency=_FREQUENCY_2021,
    channel_shift_israel={**_CHANNEL_SHIFT_ISRAEL, "Q12_6": 0.0},
    nonresponse=_NONRESPONSE_2021,
    field_window=_FIELD_WINDOW_2021,
    pre_launch=tuple(day.replace("2017", "2021") for day in _PRE_LAUNCH),
    creation_date=b"01 Jun 21",
    margins_date="2021-06-01",
    margin_sources={"gender": "Q7"},
    note=(
        "a stand-in for an invented 2021 follow-up of the #socialwork survey,",
        "calibrated to 2017's published figures, with invented 2021 shifts.",
    ),
    sources=_SOURCES_2021,
    follow_up=True,
)


# -- public API -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpssMeta:
    """The metadata of the export: the arguments :func:`pyreadstat.write_sav` takes.

    String widths are not listed: ReadStat sizes each string to its longest value, which
    keeps the file small (Qualtrics writes A2000 everywhere).
    """

    column_labels: dict[str, str]
    variable_value_labels: dict[str, dict[float, str]]
    missing_ranges: dict[str, list[float]]
    variable_format: dict[str, str]
    variable_measure: dict[str, str]
    file_label: str
    note: list[str] = field(default_factory=list)

    def write_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``pyreadstat.write_sav`` (row-compressed, like SPSS itself)."""
        return {
            "file_label": self.file_label,
            "column_labels": self.column_labels,
            "variable_value_labels": self.variable_value_labels,
            "missing_ranges": self.missing_ranges,
            "variable_format": self.variable_format,
            "variable_measure": self.variable_measure,
            "note": self.note,
            "row_compress": True,
        }


def generate_wave(
    instrument: Instrument, seed: int, scale: float = 1.0, wave: str | None = None
) -> tuple[pd.DataFrame, SpssMeta]:
    """Generate a raw Qualtrics-style export of the wave, and the metadata to write it with.

    Pure: the same instrument, seed and scale give the same frame. ``scale`` shrinks every
    count (eligible completes to ``round(n * scale)`` per country, each kind of mess to at
    least a few rows) for fast test data; ``scale=1`` gives the published sample sizes (the
    instrument's ``countries_synthetic_n`` for a wave with none published). The instrument's
    wave picks the design: 2017, or the 2021 follow-up with its revised questionnaire.
    ``wave`` is the wave the file stands in for, named in its file label (by default the
    instrument's wave); a wave other than the instrument's is said in the file's notes too,
    with the design it was generated from.
    """
    design = _design_of(instrument)
    _check_instrument(instrument, design)
    if not scale > 0:
        raise InputError("scale must be a positive number", value=scale)
    rng = np.random.Generator(np.random.PCG64(seed))
    kind, country = _row_plan(rng, instrument, design, scale)
    cols = _lay_out(instrument, design, _answers(rng, design, kind, country))
    _apply_skip_logic(instrument, cols)
    stop = _screen_and_break_off(rng, cols, kind, _pages(instrument, design))
    cols.update(_metadata(rng, design, kind, country, stop, cols["UserLanguage"], scale))
    order = _duplicate_and_sort(rng, design, cols, kind, scale)
    data = _frame(instrument, cols, order)
    return data, _spss_meta(instrument, design, seed, wave or instrument.wave)


def population_margins(instrument: Instrument, seed: int) -> pd.DataFrame:
    """The generator's population of registered social workers as tidy raking margins.

    One row per country x variable (``gender``, ``age_group``) x level, with the count and
    share of the country's population, and the source and date of each figure (as every
    targets file of the weighting stage must give). The counts are a multinomial draw of each country's
    population size around fixed shares (from a stream of its own, so the wave's draws do
    not move them); the shares sum to one per country and variable.
    """
    design = _design_of(instrument)
    _check_instrument(instrument, design)
    rng = np.random.Generator(np.random.PCG64(seed).jumped())
    rows = []
    for code, name in _country_names(instrument).items():
        size = design.population_size[code]
        for variable, shares in (("gender", _POPULATION_GENDER[code]), ("age_group", _POPULATION_AGE[code])):
            counts = rng.multinomial(size, np.asarray(shares) / sum(shares))
            for label, count in zip(MARGIN_LEVEL_CODES[variable], counts, strict=True):
                rows.append((name, variable, label, int(count), count / size, MARGINS_SOURCE, design.margins_date))
    return pd.DataFrame(
        rows, columns=["country", "variable", "level", "population_count", "population_share", "source", "date"]
    ).astype({"country": "str", "variable": "str", "level": "str", "source": "str", "date": "str"})


def write_wave(
    instrument_path: str | Path,
    out_sav: str | Path,
    out_margins: str | Path,
    seed: int,
    scale: float = 1.0,
    wave: str | None = None,
) -> None:
    """Write the synthetic wave (.sav) and its population margins (.csv), both atomically.

    ``wave``: the wave the file stands in for, named in its label (default: the instrument's).

    The .sav's creation date/time and product string are pinned after writing, so the same
    seed gives the same bytes on every run; the file is read back (metadata only) before it
    replaces anything, and neither output is replaced unless both were written.
    """
    instrument = load_instrument(instrument_path)
    data, meta = generate_wave(instrument, seed, scale, wave)
    margins = population_margins(instrument, seed)
    # pyreadstat writes cell by cell: from plain Python strings, not Arrow-backed ones (an
    # Arrow string cell costs it microseconds), the same bytes.
    for name, dtype in data.dtypes.items():
        if pd.api.types.is_string_dtype(dtype):
            data[name] = data[name].astype(object)
    with atomic_path(out_sav) as sav_tmp, atomic_path(out_margins) as csv_tmp:
        pyreadstat.write_sav(data, sav_tmp, **meta.write_kwargs())
        _pin_sav_header(sav_tmp, _design_of(instrument).creation_date)
        _check_readable(sav_tmp, data, meta)
        csv_tmp.write_text(margins.to_csv(index=False, lineterminator="\n"), encoding="utf-8", newline="\n")


def _pin_sav_header(path: str | Path, creation_date: bytes = _CREATION_DATE) -> None:
    """Overwrite the clock-dependent creation date/time and the product name of a .sav header."""
    with open(path, "r+b") as handle:
        head = handle.read(_TIME_SPAN[1])
        if head[:4] not in (b"$FL2", b"$FL3"):
            raise InputError("is not an SPSS system file; cannot pin its header", file=path)
        for (start, end), value in (
            (_PRODUCT_SPAN, _PRODUCT.ljust(_PRODUCT_SPAN[1] - _PRODUCT_SPAN[0], b" ")),
            (_DATE_SPAN, creation_date),
            (_TIME_SPAN, _CREATION_TIME),
        ):
            handle.seek(start)
            handle.write(value)


# -- helpers: counts and exact draws ----------------------------------------------------------


def _design_of(instrument: Instrument) -> _Design:
    """The design of the instrument's wave; a wave the generator has none for is refused."""
    try:
        return _DESIGNS[instrument.wave]
    except KeyError:
        raise InputError(
            f"the synthetic generator has no design for wave {instrument.wave!r} "
            f"(it writes waves {', '.join(_DESIGNS)})",
            file=instrument.path,
        ) from None


def _check_instrument(instrument: Instrument, design: _Design) -> None:
    """Refuse an instrument the generator was not written for (it fills variables by name)."""
    for var in instrument.variables:
        if var.metadata and var.name not in _METADATA:
            raise InputError(_UNKNOWN_VARIABLE, variable=var.name)
        if not var.metadata:
            source = _source(var, design)
            if source is None:
                raise InputError(_UNKNOWN_VARIABLE + " (a new question)", variable=var.name)
            _page_of(source)
    for variable, name in design.margin_sources.items():
        levels = MARGIN_LEVEL_CODES[variable]
        source = instrument[name]
        if [source.values.get(codes[0]) for codes in levels.values()] != list(levels):
            raise InputError("its labels are not the population margins' levels", variable=source.name)


def _eligible_n(instrument: Instrument) -> dict[str, int]:
    """Eligible completes per country: the published ones, else the synthetic stand-in's."""
    counts = instrument.published_n or instrument.synthetic_n
    if not counts:
        raise InputError(
            "gives no eligible completes per country (countries_published_n or countries_synthetic_n)",
            file=instrument.path,
        )
    return counts


def _country_names(instrument: Instrument) -> dict[int, str]:
    """Q2 codes 1-4 and their labels: the four study countries."""
    return {code: instrument["Q2"].values[code] for code in (1, 2, 3, 4)}


def _scaled(n: int, scale: float, floor: int = 0) -> int:
    """``n * scale`` rounded half up, at least ``floor`` (so small waves keep every kind of row)."""
    return max(floor, int(np.floor(n * scale + 0.5)))


def _allocate(shares: Sequence[float], n: int) -> np.ndarray:
    """Split n into integer counts proportional to shares (largest remainder)."""
    p = np.asarray(shares, float) / np.sum(shares)
    raw = p * n
    counts = np.floor(raw).astype(int)
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def _exact_categories(rng: np.random.Generator, shares: Sequence[float], n: int) -> np.ndarray:
    """Category indices 0..K-1 in exactly the proportions of shares, in random order."""
    out = np.repeat(np.arange(len(shares)), _allocate(shares, n))
    rng.shuffle(out)
    return out


def _categories(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One independent categorical draw per row of a (rows x K) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _pick(rng: np.random.Generator, mask: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask of exactly min(k, available) rows drawn at random from mask."""
    out = np.zeros(len(mask), bool)
    idx = np.flatnonzero(mask)
    out[rng.choice(idx, size=min(k, len(idx)), replace=False)] = True
    return out


def _cut(latent: np.ndarray, pool: np.ndarray, k: int) -> float:
    """The threshold with exactly k of ``latent[pool]`` above it: the solved intercept."""
    values = np.sort(latent[pool])[::-1]
    if len(values) == 0:
        return 0.0
    if k <= 0:
        return values[0] + 1.0
    if k >= len(values):
        return values[-1] - 1.0
    return (values[k - 1] + values[k]) / 2.0


def _share_cut(latent: np.ndarray, pool: np.ndarray, share: float, base: int | None = None) -> float:
    """The threshold that puts ``share`` of a base (default: the pool) above it."""
    n = int(pool.sum()) if base is None else base
    return _cut(latent, pool, int(np.floor(share * n + 0.5)))


def _ordinal(latent: np.ndarray, pool: np.ndarray, shares: Sequence[float]) -> np.ndarray:
    """Codes 1..K cutting latent so that the pool falls into the categories in these shares."""
    n = int(pool.sum())
    upper = np.cumsum(shares[::-1])[:-1]  # shares above each cut, from the top category down
    cuts = [_cut(latent, pool, int(np.floor(s * n + 0.5))) for s in upper]
    return 1.0 + sum((latent > c).astype(float) for c in cuts)


def _by_code(table: dict[int, Any], codes: np.ndarray) -> np.ndarray:
    """``np.array([table[c] for c in codes])`` without a Python loop over the rows."""
    keys = np.unique(codes)
    rows = np.array([table[int(c)] for c in keys])
    return rows[np.searchsorted(keys, codes)]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# -- fast exact draws: the same numbers as numpy's, without its per-call cost -------------------

_MASK32 = 0xFFFFFFFF
_UNIFORM = 1.0 / 9007199254740992.0  # 2**-53: numpy's double from the top 53 bits of a word


class _ScalarDraws:
    """The Generator's scalar ``random()``, ``integers(lo, hi)`` and ``choice(seq)``, in Python.

    Row-by-row generation (names, e-mail addresses, phone numbers, free text) makes a few
    scalar draws per row; numpy spends about a microsecond on each call's overhead, which
    dominates a million-row wave. This replays numpy's own algorithms on the bit generator's
    raw 64-bit words (read in blocks): a double is the top 53 bits of one word; a bounded
    integer is Lemire's method on 32-bit halves, the second half of a word kept for the next
    one, as PCG64 does. On leaving the ``with`` block the bit generator is put exactly where
    numpy's own calls would have left it (:meth:`close`), so every later draw is unchanged.
    """

    _BLOCK = 4096

    def __init__(self, rng: np.random.Generator) -> None:
        self._bits = rng.bit_generator
        self._saved = self._bits.state
        self._has_half = self._saved["has_uint32"]
        self._half = self._saved["uinteger"]
        self._words: list[int] = []
        self._next = 0
        self._used = 0

    def __enter__(self) -> _ScalarDraws:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _word(self) -> int:
        if self._next == len(self._words):
            self._words = self._bits.random_raw(self._BLOCK).tolist()
            self._next = 0
        word = self._words[self._next]
        self._next += 1
        self._used += 1
        return word

    def _uint32(self) -> int:
        if self._has_half:
            self._has_half = 0
            return self._half
        word = self._word()
        self._has_half, self._half = 1, word >> 32
        return word & _MASK32

    def random(self) -> float:
        """As ``Generator.random()``."""
        return (self._word() >> 11) * _UNIFORM

    def below(self, n: int) -> int:
        """As ``Generator.integers(0, n)`` for 1 <= n <= 2**32 (Lemire's method, as numpy)."""
        if n == 1:
            return 0
        m = self._uint32() * n
        if (m & _MASK32) < n:
            threshold = (0x100000000 - n) % n
            while (m & _MASK32) < threshold:
                m = self._uint32() * n
        return m >> 32

    def integers(self, low: int, high: int) -> int:
        """As ``Generator.integers(low, high)`` (a scalar)."""
        return low + self.below(high - low)

    def choice(self, options: Sequence[Any]) -> Any:
        """As ``Generator.choice(options)`` (one element, uniform)."""
        return options[self.below(len(options))]

    def close(self) -> None:
        """Leave the bit generator exactly where numpy's own scalar calls would have."""
        self._bits.state = self._saved
        self._bits.advance(self._used)
        state = self._bits.state
        state["has_uint32"], state["uinteger"] = self._has_half, self._half
        self._bits.state = state


def _bounded_integers(rng: np.random.Generator, n: np.ndarray) -> np.ndarray:
    """``[rng.integers(0, k) for k in n]`` (each 2 <= k < 2**32), vectorised, the same numbers.

    numpy draws each from one 32-bit half-word by Lemire's method, rejecting a half-word
    (probability below k / 2**32) and taking the next; a rejection shifts the rest by one.
    """
    n = np.asarray(n, np.uint64)
    threshold = (np.uint64(1 << 32) - n) % n
    out = np.empty(len(n), np.uint64)
    done = 0
    raw = rng.integers(0, 1 << 32, size=len(n), dtype=np.uint32).astype(np.uint64)
    while done < len(n):
        m = raw * n[done:]
        rejected = (m & np.uint64(_MASK32)) < threshold[done:]
        if not rejected.any():
            out[done:] = m >> np.uint64(32)
            break
        j = int(np.argmax(rejected))
        out[done : done + j] = m[:j] >> np.uint64(32)
        done += j
        more = rng.integers(0, 1 << 32, size=1, dtype=np.uint32).astype(np.uint64)
        raw = np.concatenate([raw[j + 1 :], more])
    return out.astype(np.int64)


# -- the rows -----------------------------------------------------------------------------------


def _row_plan(
    rng: np.random.Generator, instrument: Instrument, design: _Design, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each base row's kind and true country (Q2 code; 5 = Other)."""
    names = _country_names(instrument)
    target = _eligible_n(instrument)
    eligible = {code: _scaled(target[name], scale, floor=1) for code, name in names.items()}
    total = sum(eligible.values())
    shares = [eligible[c] / total for c in names]
    kinds, countries = [], []
    for code, n in eligible.items():
        kinds.append(np.full(n, _KIND_CODES["eligible"]))
        countries.append(np.full(n, code))
    for name, n_full in design.extra_rows.items():
        n = _scaled(n_full, scale, floor=_MIN_MESS)
        kinds.append(np.full(n, _KIND_CODES[name]))
        if name == "other_country":
            countries.append(np.full(n, 5))
        elif name in ("preview", "test"):
            # the research team previewed mostly from Canada, but tried each country branch
            countries.append(rng.choice([1, 1, 2, 3, 4], size=n))
        else:
            countries.append(rng.choice(list(names), size=n, p=shares))
    return np.concatenate(kinds), np.concatenate(countries)


@dataclass(frozen=True)
class _People:
    """What the latent models condition on, one entry per row."""

    country: np.ndarray
    eligible: np.ndarray
    pooled: np.ndarray  # the calibration base: eligible completes in Canada, the US, Israel
    age: np.ndarray  # true age group 1-5 (also behind a "prefer not to say")
    years: np.ndarray
    setting: np.ndarray
    pp: np.ndarray  # private practice, 0/1
    psy: np.ndarray  # provides psychotherapy, 0/1
    propensity: np.ndarray  # a respondent's tendency to skip items (mean 1)
    nonresponse: dict[str, float]  # the wave's base rate of -99 per item

    @property
    def n(self) -> int:
        return len(self.country)

    def skips(self, rng: np.random.Generator, item: str) -> np.ndarray:
        """Rows that leave ``item`` unanswered (-99): at the item's rate, clustered in people."""
        return rng.random(self.n) < 1.0 - np.exp(-self.nonresponse[item] * self.propensity)


def _answers(rng: np.random.Generator, design: _Design, kind: np.ndarray, country: np.ndarray) -> dict[str, np.ndarray]:
    """All answers every row would give if it saw every question (masked afterwards).

    Columns are named as in 2017, plus the follow-up's new items (see :data:`_SOURCES_2021`).
    """
    n = len(kind)
    eligible = kind == _KIND_CODES["eligible"]
    demo = _demographics(rng, design, eligible, country)
    people = _People(
        country=country,
        eligible=eligible,
        pooled=eligible & np.isin(country, (1, 2, 3)),
        age=demo["age_group"],
        years=demo["years"],
        setting=demo["setting"],
        pp=(demo["setting"] == 1).astype(float),
        psy=demo["services"][:, 0].astype(float),
        propensity=rng.gamma(0.5, 2.0, n),
        nonresponse=design.nonresponse,
    )
    nr = {item: people.skips(rng, item) for item in design.nonresponse if item != "Q12"}
    # Screening: every row passes here; screen-outs get their failing answer later.
    cols: dict[str, np.ndarray] = {"Q1": np.ones(n), "Q2": country.astype(float), "Q3": np.ones(n), "Q4": np.ones(n)}
    cols.update(_demographic_columns(rng, design, demo, eligible, nr))
    use, ticks, intensity, social = _ict_use(rng, design, people, nr)
    cols.update(use)
    boundaries, ticks["Q19"] = _boundaries(rng, people, nr, user=cols["Q11"] == 1, social=social)
    cols.update(boundaries)
    cols.update(_policy(rng, people, nr, user=cols["Q11"] == 1, intensity=intensity))
    ticks["Q10"] = demo["services"]
    for prefix, ticked in ticks.items():
        for j in range(ticked.shape[1]):
            cols[f"{prefix}_{j + 1}"] = np.where(nr[prefix], -99.0, np.where(ticked[:, j], 1.0, np.nan))
    for item in ("Q14", "Q15", "Q16", "Q17", "Q18", "Q20", "Q21", "Q22", "Q23", "Q24"):
        cols[item] = np.where(nr[item], -99.0, cols[item])
    cols["UserLanguage"] = _language(rng, country, kind)
    cols.update(_free_text(rng, kind, country, cols["UserLanguage"], cols))
    if design.follow_up:
        cols.update(_follow_up_items(rng, design.wave_year, demo["age"], eligible, nr))
    return cols


def _ict_use(
    rng: np.random.Generator, design: _Design, p: _People, nr: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Section 3: Q11 any use, Q12 channel frequencies, Q13 purposes (ticks), Q14-Q16.

    Also returns each row's ICT intensity index and whether they use social media with
    clients, which later sections condition on.
    """
    n, country = p.n, p.country
    # Q11 is cut per country (Israel lower), so country rates are exact as well as the pool.
    age_use = np.array([-0.55, 0.0, 0.1, 0.2, 0.3])[p.age - 1]
    eta = age_use + 0.015 * (p.years - 15) + 0.9 * p.pp + 0.45 * p.psy + rng.logistic(size=n)
    user = np.zeros(n, bool)
    for code, target in design.any_use.items():
        here = country == code
        user[here] = eta[here] > _share_cut(eta, p.eligible & here, target)
    # Other-country respondents never get this far; Canada's cut keeps their answers plausible.
    other = country == 5
    user[other] = eta[other] > _share_cut(eta, p.eligible & (country == 1), design.any_use[1])
    cols = {"Q11": np.where(user, 1.0, 2.0)}

    # Q12: one intensity index drives every channel; the young use ICT less often.
    intensity = np.array([-0.4, 0.0, 0.1, 0.2, 0.3])[p.age - 1] + 0.3 * p.pp + 0.3 * p.psy + rng.normal(size=n)
    frequency, shift = design.frequency, design.channel_shift_israel
    skipped = np.column_stack([p.skips(rng, "Q12") for _ in frequency])
    z = np.column_stack(
        [intensity + np.where(country == 3, shift[k], 0.0) + rng.normal(0, 0.9, n) for k in frequency]
    )
    freq = np.column_stack(
        [_ordinal(z[:, j], p.pooled & user & ~skipped[:, j], s) for j, s in enumerate(frequency.values())]
    )
    # A user who answered every channel "Never" contradicts Q11; lift their likeliest channel.
    all_never = (np.where(skipped, 1.0, freq) == 1).all(axis=1) & ~skipped.all(axis=1)
    lift = np.argmax(np.where(skipped, -np.inf, z), axis=1)
    freq[all_never, lift[all_never]] = 2.0
    for j, item in enumerate(frequency):
        cols[item] = np.where(skipped[:, j], -99.0, freq[:, j])

    logit = np.log(np.array(_PURPOSES) / (1 - np.array(_PURPOSES)))
    purposes = rng.random((n, len(_PURPOSES))) < _sigmoid(logit[None, :] + 0.5 * intensity[:, None])
    purposes[~purposes.any(axis=1), 0] = True  # whoever answers ticks something

    base = p.pooled & user
    lat = 0.5 * intensity + 0.3 * p.pp + rng.logistic(size=n)
    both = lat > _share_cut(lat, base & ~nr["Q14"], _INITIATED_BY_BOTH)
    cols["Q14"] = np.where(both, 3.0, np.where(rng.random(n) < 0.6, 1.0, 2.0))  # else mostly the client
    texting_weekly = (freq[:, 1] >= 4).astype(float)
    lat = 0.6 * intensity + 0.6 * p.pp + 0.3 * texting_weekly + rng.logistic(size=n)
    cols["Q15"] = np.where(lat > _share_cut(lat, base & ~nr["Q15"], design.outside_hours), 1.0, 2.0)
    accounts = np.where(p.pp[:, None] == 1, [0.25, 0.35, 0.40], [0.45, 0.15, 0.40])
    cols["Q16"] = 1.0 + _categories(rng, accounts)
    return cols, {"Q13": purposes}, intensity, (freq[:, 2] >= 2) & user


def _boundaries(
    rng: np.random.Generator, p: _People, nr: dict[str, np.ndarray], user: np.ndarray, social: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Section 4: Q17 friend requests, Q18 searching, Q19 reasons (ticks), Q20 appropriateness."""
    n = p.n
    out = {}
    # Friend requests follow social-media contact with clients; the young get more.
    lat = 1.2 * social + 0.3 * user - 0.15 * (p.age - 2) + rng.logistic(size=n)
    out["Q17"] = np.where(lat > _share_cut(lat, p.pooled & ~nr["Q17"], _FRIEND_REQUEST), 1.0, 2.0)
    lat = 0.4 * user + 0.5 * (p.setting == 4) + 0.1 * (p.age <= 2) + rng.logistic(size=n)
    searched = lat > _share_cut(lat, p.pooled & ~nr["Q18"], _SEARCHED)
    out["Q18"] = np.where(searched, 1.0, 2.0)

    # Q19 shares are of everyone who searched (the published base) but only answerers tick.
    searchers = p.pooled & searched & ~nr["Q18"]
    answered = searchers & ~nr["Q19"]
    reasons = np.zeros((n, 4), bool)
    lat = 0.6 * np.isin(p.setting, (2, 4, 6)) + rng.logistic(size=n)
    reasons[:, 0] = lat > _share_cut(lat, answered, _REASON_ASSESSMENT, base=int(searchers.sum()))
    lat = -0.2 * (p.age - 2) + rng.logistic(size=n)
    reasons[:, 1] = lat > _share_cut(lat, answered, _REASON_CURIOSITY, base=int(searchers.sum()))
    reasons[:, 2] = rng.random(n) < np.where(p.setting == 4, 0.55, 0.30)
    reasons[:, 3] = rng.random(n) < 0.05
    reasons[~reasons.any(axis=1), 2] = True

    # Q20: searchers find searching more appropriate; "don't know" and -99 are off the base.
    n_dont_know = _scaled(int(p.eligible.sum()) * _DONT_KNOW_Q20, 1.0, 2)
    dont_know = _pick(rng, p.eligible & ~nr["Q20"], n_dont_know) | (~p.eligible & (rng.random(n) < _DONT_KNOW_Q20))
    lat = 1.0 * searched + 0.2 * user + rng.logistic(size=n)
    appropriate = _ordinal(lat, p.pooled & ~nr["Q20"] & ~dont_know, _APPROPRIATE[::-1])
    out["Q20"] = np.where(dont_know, 98.0, 4.0 - appropriate)  # the lowest latent is "Never" (3)
    return out, reasons


def _policy(
    rng: np.random.Generator, p: _People, nr: dict[str, np.ndarray], user: np.ndarray, intensity: np.ndarray
) -> dict[str, np.ndarray]:
    """Section 5: Q21 policy, Q22/Q23 talking with a supervisor or peers, Q24 training."""
    n = p.n
    probs = _by_code({c: _POLICY.get(c, _POLICY[1]) for c in np.unique(p.country).tolist()}, p.country)
    probs[p.pp == 1] = _POLICY_PRIVATE
    policy = 1.0 + _categories(rng, probs)
    has_policy = policy == 1
    # Silence about ICT use is likelier where there is no policy (Sewell et al.) and in
    # private practice, where most have no supervisor.
    has_supervisor = rng.random(n) >= np.where(p.pp == 1, 0.65, 0.05)
    lat = 0.9 * ~has_policy + 0.9 * ~user - 0.3 * intensity + 0.2 * p.pp + rng.logistic(size=n)
    silent = lat > _share_cut(lat, p.pooled & ~nr["Q22"] & ~nr["Q23"], _NO_TALK)
    talked = _categories(rng, np.tile([0.45, 0.25, 0.30], (n, 1)))  # both / supervisor only / peers only
    q22 = np.where(has_supervisor, np.where(talked == 2, 2.0, 1.0), 3.0)
    q23 = np.where(has_supervisor, np.where(talked == 1, 2.0, 1.0), 1.0)
    return {
        "Q21": policy,
        "Q22": np.where(silent, np.where(has_supervisor, 2.0, 3.0), q22),
        "Q23": np.where(silent, 2.0, q23),
        "Q24": np.where(rng.random(n) < _sigmoid(-1.4 + 1.1 * has_policy + 0.2 * user), 1.0, 2.0),
    }


def _demographics(
    rng: np.random.Generator, design: _Design, eligible: np.ndarray, country: np.ndarray
) -> dict[str, np.ndarray]:
    """True age group, age, years of practice, gender, degree, setting and services.

    Eligible rows get each country's sample composition exactly (so the gap to the
    population margins is the designed one); other rows draw from the same shares.
    """
    n = len(country)
    age = np.zeros(n, int)
    gender = np.zeros(n, int)
    for code in (1, 2, 3, 4, 5):
        c = 1 if code == 5 else code  # other-country respondents look Canadian
        for out, shares in ((age, _SAMPLE_AGE[c]), (gender, _SAMPLE_GENDER[c])):
            here = eligible & (country == code)
            out[here] = 1 + _exact_categories(rng, shares, int(here.sum()))
            rest = ~eligible & (country == code)
            out[rest] = 1 + rng.choice(len(shares), size=int(rest.sum()), p=shares)
    lower = np.array([23, 30, 40, 50, 60])[age - 1]
    span = np.array([7, 10, 10, 10, 1])[age - 1]
    years_old = np.where(age == 5, np.minimum(rng.exponential(5.0, n), 17.0), 0.0)
    age_years = lower + np.floor(rng.random(n) * span + years_old)
    start = 22.0 + rng.gamma(1.3, 3.5, n)
    gap = np.where(rng.random(n) < 0.3, rng.uniform(0, 8, n), 0.0)
    years = np.clip(np.floor(age_years - start - gap), 0, 55)
    c4 = np.where(country == 5, 1, country)
    degree = 1 + _categories(rng, _by_code(_DEGREE, c4))
    setting_p = _by_code(design.setting, c4)
    # Private practice is a later-career move.
    setting_p[:, 0] *= np.exp(0.35 * (age - 3))
    setting = 1 + _categories(rng, setting_p)
    services = rng.random((n, design.services.shape[1])) < design.services[setting - 1]
    services[~services.any(axis=1), 2] = True
    return {
        "age_group": age,
        "age": age_years,
        "years": years,
        "gender": gender,
        "degree": degree,
        "setting": setting,
        "services": services,
    }


def _demographic_columns(
    rng: np.random.Generator,
    design: _Design,
    demo: dict[str, np.ndarray],
    eligible: np.ndarray,
    nr: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Q5-Q9 as reported: with -99, prefer-not-to-say and mistyped years of practice."""
    n = len(eligible)
    n_elig = int(eligible.sum())
    out = {}
    for item, true, rate in (("Q5", demo["age_group"], _PREFER_NOT_AGE), ("Q6", demo["gender"], _PREFER_NOT_GENDER)):
        prefer_not = _pick(rng, eligible & ~nr[item], _scaled(n_elig * rate, 1.0, 2))
        prefer_not |= ~eligible & (rng.random(n) < rate)
        out[item] = np.where(nr[item], -99.0, np.where(prefer_not, 99.0, true.astype(float)))
    years = demo["years"].astype(float)
    year_typo = _pick(rng, eligible, _scaled(n_elig * _Q7_YEAR_TYPO, 1.0, 2))
    digit_typo = _pick(rng, eligible & ~year_typo & (years >= 7), _scaled(n_elig * _Q7_DIGIT_TYPO, 1.0, 2))
    q7 = np.where(year_typo, design.wave_year - years, years)
    q7 = np.where(digit_typo, years * 10 + rng.integers(0, 10, n), q7)
    # A typed number left empty is exported as -99 too (the recode spec reads it so).
    out["Q7"] = np.where(nr["Q7"] & ~year_typo & ~digit_typo, -99.0, q7)
    out["Q8"] = np.where(nr["Q8"], -99.0, demo["degree"].astype(float))
    out["Q9"] = np.where(nr["Q9"], -99.0, demo["setting"].astype(float))
    return out


def _follow_up_items(
    rng: np.random.Generator, wave_year: float, age: np.ndarray, eligible: np.ndarray, nr: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """The 2021 follow-up's new items: taking part in 2017, and the typed year of birth.

    The year of birth is ``wave_year - age`` (so the recode's age bands give the true age
    group), with -99 for an empty field and, among eligible completes, typos at fixed rates:
    a two-digit year (1978 -> 78), a stray extra digit (19788), the survey year (2021).
    """
    n, n_elig = len(eligible), int(eligible.sum())
    took_part = 1.0 + rng.choice(len(_TOOK_PART_2017), size=n, p=_TOOK_PART_2017)
    year = wave_year - age
    typed = eligible & ~nr["birth_year"]
    two_digit = _pick(rng, typed, _scaled(n_elig * _BIRTH_YEAR_TWO_DIGIT, 1.0, 2))
    extra_digit = _pick(rng, typed & ~two_digit, _scaled(n_elig * _BIRTH_YEAR_EXTRA_DIGIT, 1.0, 2))
    this_year = _pick(rng, typed & ~two_digit & ~extra_digit, _scaled(n_elig * _BIRTH_YEAR_THIS_YEAR, 1.0, 1))
    typo = np.where(two_digit, year % 100, np.where(extra_digit, year * 10 + rng.integers(0, 10, n), year))
    typo = np.where(this_year, wave_year, typo)
    return {
        "took_part_2017": np.where(nr["took_part_2017"], -99.0, took_part),
        "birth_year": np.where(nr["birth_year"], -99.0, typo),
    }


def _language(rng: np.random.Generator, country: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Qualtrics' UserLanguage: some Canadians in French, most Israelis in Hebrew.

    The research team previewed and tested in English.
    """
    u = rng.random(len(country))
    team = np.isin(kind, (_KIND_CODES["preview"], _KIND_CODES["test"]))
    french = (country == 1) & (u < 0.18) & ~team
    hebrew = (country == 3) & (u < 0.75) & ~team
    return np.where(french, "FR-CA", np.where(hebrew, "HE", "EN")).astype(object)


def _fake_person(rng: _ScalarDraws, code: int) -> tuple[str, str, str]:
    """A fake first name, last name and e-mail address that fits the country."""
    first = str(rng.choice(_FIRST))
    last = str(rng.choice(_LAST))
    user = _ascii(f"{first}.{last}" if rng.random() < 0.6 else f"{first[0]}{last}").lower().replace("'", "")
    if rng.random() < 0.3:
        user += str(rng.integers(1, 99))
    return first, last, f"{user}@{rng.choice(_MAIL_DOMAINS[code])}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _fake_phone(rng: _ScalarDraws, code: int) -> str:
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


def _fill(rng: _ScalarDraws, template: str, code: int) -> str:
    first, last, email = _fake_person(rng, code)
    return template.format(email=email, phone=_fake_phone(rng, code), first=first, last=last)


def _free_text(
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
    spam = (kind == _KIND_CODES["spam"]).tolist()
    with _ScalarDraws(rng) as draws:
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


def _page_of(name: str) -> int:
    """The page a generator column is on (``Q10_`` stands for every item of Q10)."""
    for page, names in enumerate(_PAGES):
        if name in names or any(p.endswith("_") and name.startswith(p) for p in names):
            return page
    raise InputError(_UNKNOWN_VARIABLE, variable=name)


def _lay_out(instrument: Instrument, design: _Design, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The generator's columns under the instrument's question names (a renumbered wave).

    A question comes from the column its design names (new questions, changed formats), else
    from its 2017 name (``was:``); columns no question takes (2017's age bands in 2021) go.
    """
    if design.sources is None:
        return cols
    out = {}
    for var in instrument.variables:
        if not var.metadata:
            source = _source(var, design)
            if source not in cols:
                raise InputError(_UNKNOWN_VARIABLE, variable=var.name, value=source)
            out[var.name] = cols[source]
    out["UserLanguage"] = cols["UserLanguage"]
    return out


def _source(var: Variable, design: _Design) -> str | None:
    """The generator column behind a variable: its own name, unless the wave renames questions."""
    if var.metadata or design.sources is None:
        return var.name
    return design.sources.get(var.name, var.was)


def _pages(instrument: Instrument, design: _Design) -> dict[str, int]:
    """The page each question of the instrument is on (its generator column's)."""
    return {var.name: _page_of(_source(var, design)) for var in instrument.variables if not var.metadata}


def _apply_skip_logic(instrument: Instrument, cols: dict[str, np.ndarray]) -> None:
    """Blank every question whose ``asked_if`` is false, straight from the instrument."""
    for var in instrument.variables:
        if var.asked_if is not None:
            source, code = var.asked_if
            values = cols[var.name]
            values[cols[source] != code] = "" if values.dtype == object else np.nan


def _screen_and_break_off(
    rng: np.random.Generator, cols: dict[str, np.ndarray], kind: np.ndarray, page: dict[str, int]
) -> np.ndarray:
    """Give screen-outs their failing answer and blank everything after the page they left on.

    ``page`` is each question's page (:func:`_pages`). Returns each row's last page seen (the
    last page for everyone who got to the end).
    """
    n = len(kind)
    stop = np.full(n, len(_PAGES) - 1)
    screened = {
        "no_consent": ("Q1", 2.0),
        "other_country": ("Q2", 5.0),
        "not_registered": ("Q3", 2.0),
        "no_contact": ("Q4", 2.0),
    }
    for name, (item, code) in screened.items():
        rows = kind == _KIND_CODES[name]
        cols[item][rows] = code
        stop[rows] = page[item]
    unfinished = kind == _KIND_CODES["unfinished"]
    stop[unfinished] = rng.choice(len(_STOP_PAGE), size=int(unfinished.sum()), p=_STOP_PAGE)
    # Even the smallest wave has unfinished rows that passed screening (caught by Finished).
    forced = np.flatnonzero(unfinished)[:3]
    stop[forced] = page["Q4"] + 1 + 2 * np.arange(len(forced))
    for name, values in cols.items():
        if name == "UserLanguage":
            continue
        values[stop < page[name]] = "" if values.dtype == object else np.nan
    return stop


def _random_times(rng: np.random.Generator, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Start times (epoch seconds) between two days: most near launch and the reminder."""
    n = len(start)
    length = (end - start) / 86400.0
    u = rng.random(n)
    day = np.where(
        u < 0.55,
        rng.exponential(6.0, n),
        np.where(u < 0.85, 21.0 + rng.exponential(5.0, n), rng.random(n) * length),
    )
    day = np.floor(np.minimum(day, length))
    hour = rng.choice(24, size=n, p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    return start + day * 86400 + hour * 3600 + rng.integers(0, 3600, n)


def _epoch(day: str) -> int:
    return int(np.datetime64(day, "s").astype(np.int64))


def _metadata(
    rng: np.random.Generator,
    design: _Design,
    kind: np.ndarray,
    country: np.ndarray,
    stop: np.ndarray,
    language: np.ndarray,
    scale: float,
) -> dict[str, np.ndarray]:
    """Qualtrics' metadata columns: dates, status, progress, IDs, contacts and location.

    ``stop`` is each row's last page seen (for Progress and Duration); ``language`` places
    French-Canadian respondents in Quebec.
    """
    n = len(kind)
    k = _KIND_CODES
    eligible = kind == k["eligible"]
    unfinished = kind == k["unfinished"]
    status = np.zeros(n)
    status[kind == k["preview"]] = 1
    status[kind == k["test"]] = 2
    status[kind == k["spam"]] = 8
    free = eligible & np.isin(country, (1, 2))
    for code, n_full in design.nonweb_status.items():
        rows = _pick(rng, free, _scaled(n_full, scale, floor=1))
        status[rows] = code
        free &= ~rows

    pre_launch = np.isin(kind, (k["preview"], k["test"]))
    window = _by_code({c: [_epoch(day) for day in days] for c, days in design.field_window.items()}, country)
    lo, hi = window[:, 0].astype(float), window[:, 1].astype(float)
    lo[pre_launch], hi[pre_launch] = _epoch(design.pre_launch[0]), _epoch(design.pre_launch[1])
    start = _random_times(rng, lo, hi)
    screened = np.isin(kind, (k["no_consent"], k["other_country"], k["not_registered"], k["no_contact"]))
    duration = np.where(
        screened,
        rng.lognormal(np.log(45), 0.5, n),
        np.where(kind == k["spam"], rng.uniform(15, 60, n), rng.lognormal(np.log(840), 0.5, n)),
    )
    # Some leave the tab open and finish hours later.
    duration = np.where(
        ~screened & (kind != k["spam"]) & (rng.random(n) < 0.04), rng.uniform(3600, 30 * 3600, n), duration
    )
    duration = np.where(unfinished, duration * (stop + 1) / len(_PAGES), duration)
    duration = np.maximum(np.floor(duration), 5.0)
    end = start + duration
    recorded = np.where(unfinished, start + _EXPIRY_SECONDS, end + rng.integers(0, 3, n))
    progress = np.where(unfinished, np.floor(100.0 * (stop + 1) / len(_PAGES)), 100.0)

    has_ip = np.isin(status, (0, 8))
    channel = np.where(pre_launch, "preview", "anonymous").astype(object)
    email_p = np.select([country == 1, country == 2, country == 3, country == 4], [0.30, 0.25, 0.05, 0.20], 0.1)
    channel[has_ip & (kind != k["spam"]) & (rng.random(n) < email_p)] = "email"
    ip = _ip_addresses(rng, country, has_ip)
    ip[kind == k["preview"]] = rng.choice(_TEAM_IPS, size=int((kind == k["preview"]).sum()))
    lat, lon = _locations(rng, country, language, ip != "")
    lat[kind == k["preview"]] = _coordinate(_TEAM_LOCATION[0])
    lon[kind == k["preview"]] = _coordinate(_TEAM_LOCATION[1])
    first, last, mail, ref = (np.full(n, "", dtype=object) for _ in range(4))
    member = rng.integers(1, 1_000_000, n)
    emailed = np.flatnonzero(channel == "email")
    with _ScalarDraws(rng) as draws:
        for i, code, number in zip(emailed.tolist(), country[emailed].tolist(), member[emailed].tolist(), strict=True):
            first[i], last[i], mail[i] = _fake_person(draws, code)
            ref[i] = f"{_MEMBER_PREFIX[code]}-{number:06d}"
    return {
        "StartDate": start,
        "EndDate": end,
        "Status": status,
        "IPAddress": ip,
        "Progress": progress,
        "Duration__in_seconds_": duration,
        "Finished": np.where(unfinished, 0.0, 1.0),
        "RecordedDate": recorded,
        "ResponseId": _response_ids(rng, n),
        "RecipientLastName": last,
        "RecipientFirstName": first,
        "RecipientEmail": mail,
        "ExternalReference": ref,
        "LocationLatitude": lat,
        "LocationLongitude": lon,
        "DistributionChannel": channel,
    }


def _ip_addresses(rng: np.random.Generator, country: np.ndarray, has_ip: np.ndarray) -> np.ndarray:
    """IPv4 addresses from blocks that geolocate to each country; some share a workplace NAT."""
    n = len(country)
    out = np.full(n, "", dtype=object)
    octets = rng.integers(1, 255, (n, 2))
    pick = rng.random(n)
    rows = np.flatnonzero(has_ip)
    first, second = np.zeros(n, np.int64), np.zeros(n, np.int64)
    for code, blocks in _IP_BLOCKS.items():
        here = rows[country[rows] == code]
        block = np.array(blocks)[(pick[here] * len(blocks)).astype(np.int64)]
        first[here] = block[:, 0]
        second[here] = block[:, 1] + octets[here, 0] % (block[:, 2] - block[:, 1] + 1)
    fourth = (octets[:, 0] * 7) % 254 + 1
    out[rows] = [
        f"{a}.{b}.{c}.{d}"
        for a, b, c, d in zip(
            first[rows].tolist(), second[rows].tolist(), octets[rows, 1].tolist(), fourth[rows].tolist(), strict=True
        )
    ]
    shared = np.flatnonzero(has_ip & (rng.random(n) < 0.03))
    mates = {code: np.flatnonzero(has_ip & (country == code)) for code in np.unique(country[shared]).tolist()}
    with _ScalarDraws(rng) as draws:
        for i, code in zip(shared.tolist(), country[shared].tolist(), strict=True):  # in order: a copy may be copied
            out[i] = out[mates[code][draws.below(len(mates[code]))]]
    return out


def _coordinate(value: float) -> str:
    """A coordinate as Qualtrics writes it: a float32's exact decimal expansion."""
    return str(Decimal(float(np.float32(value))))


def _locations(
    rng: np.random.Generator, country: np.ndarray, language: np.ndarray, located: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """IP geolocation strings near a city of the respondent's country ("" when no IP)."""
    n = len(country)
    lat = np.full(n, "", dtype=object)
    lon = np.full(n, "", dtype=object)
    jitter = rng.normal(0, 0.08, (n, 2))
    pick = rng.random(n)
    rows = np.flatnonzero(located)
    quebec = language[rows] == "FR-CA"
    where = np.zeros((len(rows), 2))
    for cities, here in [(_QUEBEC, quebec)] + [(c, ~quebec & (country[rows] == code)) for code, c in _CITIES.items()]:
        where[here] = np.array(cities)[(pick[rows[here]] * len(cities)).astype(np.int64)]
    lat[rows] = _coordinates(where[:, 0] + jitter[rows, 0])
    lon[rows] = _coordinates(where[:, 1] + jitter[rows, 1])
    return lat, lon


def _coordinates(values: np.ndarray) -> list[str]:
    """:func:`_coordinate` of each value (each distinct float32 written once)."""
    distinct, index = np.unique(values.astype(np.float32), return_inverse=True)
    text = [_coordinate(v) for v in distinct.tolist()]
    return [text[i] for i in index.tolist()]


def _response_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique Qualtrics response IDs: "R_" + 15 alphanumerics (the first one 1-3, as Qualtrics')."""
    state = rng.bit_generator.state
    # All at once: a leading digit 1-3 and 14 alphanumerics per ID, drawn in numpy's order.
    ranges = np.tile(np.r_[3, np.full(14, len(_ALNUM))], n)
    codes = _bounded_integers(rng, ranges).reshape(n, 15)
    chars = np.concatenate([np.array(list("123")), _ALNUM])[codes + np.r_[0, np.full(14, 3)]]
    ids = np.char.add("R_", chars.view("<U15").ravel())
    if len(np.unique(ids)) == n:
        return ids.astype(object)
    # A repeated ID (about 1e-14 at a million rows): redraw it, one by one as ever.
    rng.bit_generator.state = state
    seen: set[str] = set()
    out = np.empty(n, dtype=object)
    for i in range(n):
        while True:
            rid = "R_" + str(rng.integers(1, 4)) + "".join(rng.choice(_ALNUM, 14))
            if rid not in seen:
                break
        seen.add(rid)
        out[i] = rid
    return out


def _duplicate_and_sort(
    rng: np.random.Generator, design: _Design, cols: dict[str, np.ndarray], kind: np.ndarray, scale: float
) -> np.ndarray:
    """Append re-exported copies of eligible completes, then order rows by RecordedDate.

    Returns the row order; ``cols`` grows by the copies (a later RecordedDate for some).
    """
    n = len(kind)
    n_copies = sum(_scaled(v, scale, _MIN_MESS) for v in design.duplicates.values())
    sources = np.flatnonzero(_pick(rng, kind == _KIND_CODES["eligible"], n_copies))
    rng.shuffle(sources)
    n_identical = _scaled(design.duplicates["identical"], scale, _MIN_MESS)
    later = np.zeros(len(sources), bool)
    later[n_identical:] = True
    for name in cols:
        cols[name] = np.concatenate([cols[name], cols[name][sources]])
    cols["RecordedDate"][n:][later] += rng.integers(3600, 20 * 86400, int(later.sum()))
    return np.lexsort((np.arange(len(cols["RecordedDate"])), cols["ResponseId"].astype(str), cols["RecordedDate"]))


def _frame(instrument: Instrument, cols: dict[str, np.ndarray], order: np.ndarray) -> pd.DataFrame:
    """The export as a DataFrame in instrument order, with the dtypes pyreadstat reads back."""
    data = {}
    for var in instrument.variables:
        values = cols[var.name][order]
        if var.kind == "datetime":
            # datetime64[s] is written as 1970 by pyreadstat 1.3.7; microseconds are safe.
            data[var.name] = pd.Series(values.astype("int64").astype("datetime64[s]").astype("datetime64[us]"))
        elif var.kind == "string":
            data[var.name] = pd.Series(values, dtype="str")
        else:
            data[var.name] = pd.Series(values.astype(float))
    return pd.DataFrame(data)


# -- metadata ---------------------------------------------------------------------------------


def _option_text(var: Variable) -> str:
    """A checkbox column's option text: what follows " - " in its label (as Qualtrics labels 1)."""
    return var.label.rsplit(" - ", 1)[-1]


def _numeric_format(var: Variable, source: str, user_missing: dict[int, str]) -> str:
    """F<w>.0 just wide enough for the variable's codes (Qualtrics writes F40.0).

    ``source`` is the variable's generator column, whose typed numbers may need more width.
    """
    if source in _NUMERIC_WIDTH:
        width = _NUMERIC_WIDTH[source]
    elif var.value_range:
        width = len(str(int(max(abs(v) for v in var.value_range))))
    else:
        codes = list(var.values) + (list(user_missing) if var.coded else []) + ([1] if var.checkbox else [])
        width = max(len(str(c)) for c in codes) if codes else 8
    return f"F{width}.0"


def _measure(var: Variable, source: str) -> str:
    if var.kind == "string":
        return "nominal"
    if var.kind == "datetime" or not (var.values or var.checkbox):
        return "scale"
    return "ordinal" if source in _ORDINAL else "nominal"


def _file_label(wave: str, seed: int) -> str:
    """The SPSS file label (at most 64 bytes), always starting with "SYNTHETIC DATA", naming
    the wave the file stands in for when it fits."""
    for label in (
        f"{FILE_LABEL_PREFIX} - #socialwork {wave} stand-in, seed {seed}",
        f"{FILE_LABEL_PREFIX} - #socialwork {wave} stand-in",
        f"{FILE_LABEL_PREFIX} - seed {seed}",
    ):
        if len(label.encode("utf-8")) <= _FILE_LABEL_BYTES:
            return label
    return FILE_LABEL_PREFIX


def _spss_meta(instrument: Instrument, design: _Design, seed: int, wave: str) -> SpssMeta:
    """Labels, value labels, -99 declarations, formats and measures from the instrument."""
    labels, value_labels, missing, formats, measures = {}, {}, {}, {}, {}
    for var in instrument.variables:
        labels[var.name] = var.label
        source = _source(var, design)
        measures[var.name] = _measure(var, source)
        if var.kind == "datetime":
            formats[var.name] = "DATETIME20"
        elif var.kind == "numeric":
            formats[var.name] = _numeric_format(var, source, instrument.user_missing)
        codes = {float(c): lab for c, lab in var.values.items()}
        if var.checkbox:
            codes = {1.0: _option_text(var)}
        if var.coded:
            codes.update({float(c): lab for c, lab in instrument.user_missing.items()})
        # Every question Qualtrics can record as "seen but unanswered": coded or typed numbers.
        if not var.metadata and var.kind == "numeric":
            missing[var.name] = [float(c) for c in instrument.user_missing]
        if codes:
            value_labels[var.name] = codes
    # SPSS document lines hold at most 80 bytes each.
    note = [f"SYNTHETIC DATA from swsurvey.synthetic, seed {seed}. Not real responses:", *design.note]
    if wave != instrument.wave:
        note.append(f"Stands in for wave {wave}; generated on the wave {instrument.wave} design.")
    return SpssMeta(labels, value_labels, missing, formats, measures, _file_label(wave, seed), note)


def _check_readable(path: Path, data: pd.DataFrame, meta: SpssMeta) -> None:
    """Read the written file's metadata back: the pinned header must not break the file."""
    try:
        _, read_meta = pyreadstat.read_sav(str(path), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own types; say which file failed
        raise InputError(f"the written synthetic wave cannot be read back: {exc}", file=path) from exc
    if read_meta.number_rows != len(data) or read_meta.file_label != meta.file_label:
        raise InputError("the written synthetic wave does not read back as written", file=path)
