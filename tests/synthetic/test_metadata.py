"""Qualtrics' metadata columns (swsurvey.synthetic.metadata): identifiers, contacts and
locations that look real."""

from __future__ import annotations

from raw_wave import mess_counts, raw, wave  # noqa: F401 (fixtures)


def test_identifiers_and_contacts_look_real(raw):
    assert raw["ResponseId"].str.fullmatch(r"R_[0-9A-Za-z]{15}").all()
    counts = mess_counts(raw)
    copies = counts["duplicates_identical"] + counts["duplicates_later_recorded"]
    assert raw["ResponseId"].nunique() == len(raw) - copies  # unique but for the re-exports
    online = raw["Status"].isin([0, 1, 8])
    octets = raw.loc[online, "IPAddress"].str.split(".", expand=True).astype(int)
    assert octets.shape[1] == 4 and ((octets >= 0) & (octets <= 255)).all().all()
    assert (raw.loc[raw["Status"].isin([2, 4, 16]), "IPAddress"] == "").all()
    email = raw["DistributionChannel"] == "email"
    assert email.sum() > 100
    assert raw.loc[email, "RecipientEmail"].str.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}").all()
    assert (raw.loc[email, ["RecipientFirstName", "RecipientLastName", "ExternalReference"]] != "").all().all()
    personal = ["RecipientFirstName", "RecipientLastName", "RecipientEmail", "ExternalReference"]
    assert (raw.loc[~email, personal] == "").all().all()
    assert set(raw["DistributionChannel"]) == {"anonymous", "email", "preview"}


def test_locations_fall_in_the_respondents_country(raw):
    boxes = {1: (41, 61, -141, -52), 2: (24, 50, -125, -66), 3: (29, 34, 34, 36), 4: (49, 61, -9, 2)}
    located = raw[(raw["LocationLatitude"] != "") & (raw["Status"] == 0)]
    for code, (lat_lo, lat_hi, lon_lo, lon_hi) in boxes.items():
        here = located[located["Q2"] == code]
        lat = here["LocationLatitude"].astype(float)
        lon = here["LocationLongitude"].astype(float)
        assert len(here) and lat.between(lat_lo, lat_hi).all() and lon.between(lon_lo, lon_hi).all(), code
