"""Qualtrics' metadata columns: dates, status, progress, IDs, contacts and location.

Start times fall in each country's fielding window (previews and tests before launch); the
IP addresses and their geolocation fit the respondent's country; respondents invited by
e-mail carry a fake name, address and membership number.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from swsurvey.synthetic.design import Design
from swsurvey.synthetic.draws import by_code, pick, scaled
from swsurvey.synthetic.personal import fake_person
from swsurvey.synthetic.questionnaire import PAGES
from swsurvey.synthetic.sample import KIND_CODES
from swsurvey.synthetic.scalar_draws import ScalarDraws, bounded_integers

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

#: Hours of the day responses start (office hours and evenings).
_HOUR_WEIGHTS = np.array([1, 1, 0, 0, 0, 1, 2, 4, 7, 9, 9, 8, 8, 9, 9, 8, 7, 6, 6, 7, 8, 7, 5, 2], float)
#: Incomplete responses are closed and recorded after Qualtrics' default one week.
_EXPIRY_SECONDS = 7 * 24 * 3600

_ALNUM = np.array(list("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))


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


def metadata_columns(
    rng: np.random.Generator,
    design: Design,
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
    k = KIND_CODES
    eligible = kind == k["eligible"]
    unfinished = kind == k["unfinished"]
    status = np.zeros(n)
    status[kind == k["preview"]] = 1
    status[kind == k["test"]] = 2
    status[kind == k["spam"]] = 8
    free = eligible & np.isin(country, (1, 2))
    for code, n_full in design.nonweb_status.items():
        rows = pick(rng, free, scaled(n_full, scale, floor=1))
        status[rows] = code
        free &= ~rows

    pre_launch = np.isin(kind, (k["preview"], k["test"]))
    window = by_code({c: [_epoch(day) for day in days] for c, days in design.field_window.items()}, country)
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
    duration = np.where(unfinished, duration * (stop + 1) / len(PAGES), duration)
    duration = np.maximum(np.floor(duration), 5.0)
    end = start + duration
    recorded = np.where(unfinished, start + _EXPIRY_SECONDS, end + rng.integers(0, 3, n))
    progress = np.where(unfinished, np.floor(100.0 * (stop + 1) / len(PAGES)), 100.0)

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
    with ScalarDraws(rng) as draws:
        for i, code, number in zip(emailed.tolist(), country[emailed].tolist(), member[emailed].tolist(), strict=True):
            first[i], last[i], mail[i] = fake_person(draws, code)
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
    with ScalarDraws(rng) as draws:
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
    codes = bounded_integers(rng, ranges).reshape(n, 15)
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
