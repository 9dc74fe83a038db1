"""The config every test runs with, stated here once and never read from the user's config.yaml.

A researcher edits ``config.yaml`` (a third wave, another model, a different ``min_n``); the
tests must not follow: they build their own config from :data:`TEST_CONFIG_YAML`, the shipped
defaults (the two stored synthetic waves with their raw files and SHA-256, and the study's
settings), and write it into each test run's folder. Only ``test_config.py`` reads the shipped
``config.yaml``, deliberately, to check it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

#: The two stored synthetic waves and the study's settings, as the workflow is shipped.
TEST_CONFIG_YAML = """\
waves:
  "2017":
    raw: data/synthetic/socialwork_2017.sav
    sha256: 44e75de63337db72bd55f5e210213da2b98fadf5e90434edc9cf2a858afd360b
    instrument: workflow/instruments/socialwork_2017.yaml
    recode: workflow/recode/socialwork_2017.yaml
    targets: data/synthetic/population_margins_2017.csv
    published: workflow/published/socialwork_2017.yaml
  "2021":
    raw: data/synthetic/socialwork_2021.sav
    sha256: 0cc26ea638d4cfa2fcfb96675c6d0bfbf29e4b66dcb4f6ed1ed34f68bff59916
    instrument: workflow/instruments/socialwork_2021.yaml
    recode: workflow/recode/socialwork_2021.yaml
    targets: data/synthetic/population_margins_2021.csv
    published: null
privacy:
  drop_instrument_pii: true
  drop_unlisted_strings: true
  keep_strings: [DistributionChannel, UserLanguage]
  drop: []
  pseudonymise: [ResponseId]
  pseudonym_key_file: .secrets/pseudonym.key
  date_precision: day
weighting:
  stratum: country
  margins: [gender, age_group]
  level_map: {}
  unknown_level: Not stated
  epsilon: 1.0e-10
  maxit: 100
  trim: null
describe:
  # The tables' domains: each level of this variable (and the pooled sets below).
  by: country
  tables:
    "1. Sample characteristics": [age_group, gender, experience_band, degree, setting, private_practice, psychotherapy]
    "2. Informal ICT use": [any_ict_use, weekly_use, freq_overall, freq_email, freq_text, freq_social_media, freq_video,
                            freq_videoconf, freq_im, purpose_scheduling, purpose_updates, purpose_resources,
                            purpose_crisis, purpose_therapeutic, purpose_other, initiator, outside_hours, accounts]
    "3. Boundaries": [friend_request, searched_online, search_reason_assessment, search_reason_curiosity,
                      search_reason_safety, search_reason_other, search_appropriate, search_appropriate_any]
    "4. Policy, supervision, consultation and training": [workplace_policy, talk_supervisor, talk_peers, talk_neither,
                                                          training]
  pooled:
    "All four countries": [Canada, United States, Israel, United Kingdom]
    "Canada, United States and Israel": [Canada, United States, Israel]
  min_n: 10
  main_results:
    any_ict_use: "Yes"
    weekly_use: "Yes"
    outside_hours: "Yes"
    friend_request: "Yes"
    searched_online: "Yes"
    search_appropriate: Never appropriate
    workplace_policy: "Yes"
    talk_supervisor: "Yes"
    freq_videoconf: Weekly
  numeric: [years_practice, age]
infer:
  items: [any_ict_use, weekly_use, outside_hours, initiator, friend_request, searched_online,
          search_appropriate, workplace_policy, talk_supervisor, talk_peers]
  models:
    weekly_use:
      formula: 'I(weekly_use == "Yes") ~ age_group + experience_band + gender + private_practice + psychotherapy + country'
      family: quasibinomial
      reference: {private_practice: "No", psychotherapy: "No"}
    frequency:
      formula: "freq_overall ~ age_group + experience_band + gender + private_practice + psychotherapy + country"
      family: ordinal
      reference: {private_practice: "No", psychotherapy: "No"}
    supervision:
      formula: 'I(talk_supervisor == "Yes") ~ workplace_policy + setting + age_group'
      family: quasibinomial
      reference: {workplace_policy: "No"}
      domain:
        country: [Canada]
        setting: ["Hospital / health care", "Community or social service agency", "Child welfare",
                  "School / education", "Government / public service", "Other"]
        talk_supervisor: ["Yes", "No"]
sensitivity:
  schemes:
    unweighted: {label: Unweighted, method: none}
    joint: {label: "Raked to gender x age group (joint)", margins: [[gender, age_group]]}
    trimmed_5: {label: "Trimmed at 5x the median", trim: {upper: 5}}
    poststratified: {label: "Post-stratified on country x gender", method: poststratify, margins: [gender]}
figures:
  any_use_by_country: {}
  frequency_by_channel: {domain: All four countries}
  purposes_heatmap: {}
  exclusion_flow: {}
  odds_ratios: {model: weekly_use}
  weighting_shift: {domains: [Canada, United States, Israel, United Kingdom, All four countries]}
synthetic:
  instrument: workflow/instruments/socialwork_2017.yaml
  seed: 20170601
  scale: 1.0
"""


def base_config() -> dict:
    """A fresh copy of the tests' config (callers may change it)."""
    return yaml.safe_load(TEST_CONFIG_YAML)


def write_test_config(folder: Path, config: dict | None = None) -> Path:
    """Write ``config`` (the tests' config when None) as ``folder/config.yaml``, where the
    workflow reads it; its path."""
    path = Path(folder) / "config.yaml"
    path.write_text(yaml.safe_dump(base_config() if config is None else config, sort_keys=False), encoding="utf-8")
    return path


#: The repository the tests run from.
REPO = Path(__file__).resolve().parents[1]
#: The study's shared reference material, beside the repository (never in it).
SHARED = REPO.parent / "shared"
#: How a test that needs ../shared says it skipped (the test summary counts them).
SHARED_ABSENT = "shared material is not part of the repository"
#: The config's ``weighting`` settings, as the describe and infer rules take them.
WEIGHTING_CONFIG = base_config()["weighting"]
#: The weighting stage's default settings (the tests' config), for tests that need weighted data
#: (``variance`` is not one: it is how the later stages' SEs treat the weights).
WEIGHTING = {("unknown" if key == "unknown_level" else key): value for key, value in WEIGHTING_CONFIG.items()
             if key != "variance"}
