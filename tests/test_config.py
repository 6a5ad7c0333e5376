"""calendar/edcal.yml: what a valid file gives, and the message each mistake produces."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from edcal.config import load_config, parse_config, parse_slot
from edcal.model import Slot, Source
from repos import BASE_CONFIG

CORPUS = Path(__file__).parent / "corpus" / "config"

# Each bad config in the corpus, with the line and the words its error must carry.
EXPECTED = {
    "bad-duration.yml": (5, "'two hours' is not a duration — write e.g. 15m"),
    "bad-rrule.yml": (6, "is not valid RFC 5545"),
    "bad-slot.yml": (5, "unknown day 'mon-fry'"),
    "cadence-min-above-max.yml": (5, "min_per_week (5) is above max (3)"),
    "malformed.yml": (4, "invalid YAML"),
    "secret-in-config.yml": (6, "must name an environment variable"),
    "unknown-platform.yml": (4, "unknown platform 'twitter'"),
    "unknown-timezone.yml": (1, "did you mean `Europe/Paris`?"),
    "unknown-top-key.yml": (2, "unknown key `chanels` in the top level — did you mean `channels`?"),
}


def test_every_bad_config_in_the_corpus_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.yml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_config_names_the_line_and_the_fix(name: str) -> None:
    line, words = EXPECTED[name]
    _, problems = parse_config((CORPUS / name).read_text(encoding="utf-8"))
    shown = [str(p) for p in problems]
    assert any(
        p.source == Source("calendar/edcal.yml", line) and words in str(p) for p in problems
    ), shown


def test_a_secret_value_is_never_repeated_in_the_message() -> None:
    _, problems = parse_config((CORPUS / "secret-in-config.yml").read_text(encoding="utf-8"))
    assert problems
    assert all("abcdEFGHijkl" not in str(p) for p in problems)


def test_the_base_config_is_valid_and_typed() -> None:
    config, problems = parse_config(BASE_CONFIG)
    assert problems == []
    assert config.timezone.key == "Europe/Paris"
    assert config.site_url == "https://example.org/"
    x = config.channels["x"]
    assert (x.platform, x.limit, x.min_gap) == ("x", 280, timedelta(hours=2))
    assert x.cadence.max_per_day == 2
    assert config.channels["mastodon"].limit == 500
    assert config.tasks[0].start.isoformat() == "2026-01-02T00:00:00+01:00"
    assert config.publish.max_delay == timedelta(hours=6)


def test_a_missing_config_says_how_to_create_one(tmp_path: Path) -> None:
    _, problems = load_config(tmp_path)
    assert [p.hint for p in problems] == [
        "run `edcal init` or create calendar/edcal.yml (see the README)"
    ]


def test_site_url_gets_its_trailing_slash() -> None:
    config, _ = parse_config(
        "timezone: UTC\nsite_url: https://a.example\nchannels: {x: {platform: x}}"
    )
    assert config.site_url == "https://a.example/"


@pytest.mark.parametrize(
    ("text", "days", "at"),
    [
        ("Mon-Fri 09:00", {1, 2, 3, 4, 5}, time(9)),
        ("Tue,Thu 18:00", {2, 4}, time(18)),
        ("daily 12:30", {1, 2, 3, 4, 5, 6, 7}, time(12, 30)),
        ("Fri-Mon 7:05", {5, 6, 7, 1}, time(7, 5)),
        ("saturday 10:00", {6}, time(10)),
    ],
)
def test_slots_read_like_a_shop_sign(text: str, days: set[int], at: time) -> None:
    slot = parse_slot(text, Source("calendar/edcal.yml", 3))
    assert isinstance(slot, Slot)
    assert (slot.weekdays, slot.at) == (frozenset(days), at)


@pytest.mark.parametrize("text", ["Mon-Fri", "Mon 25:00", "Someday 09:00", "09:00"])
def test_a_slot_that_is_not_understood_is_an_error(text: str) -> None:
    assert not isinstance(parse_slot(text, Source("calendar/edcal.yml", 3)), Slot)


def test_every_problem_of_a_broken_config_is_reported_together() -> None:
    text = BASE_CONFIG.replace("min_gap: 2h", "min_gap: soon").replace("limit: 500", "limit: many")
    _, problems = parse_config(text.replace("platform: linkedin", "platform: linkdin"))
    messages = " | ".join(p.message for p in problems)
    assert "'soon' is not a duration" in messages
    assert "`limit` must be a whole number" in messages
    assert "unknown platform 'linkdin'" in messages


@pytest.mark.parametrize(
    ("setting", "said"),
    [
        ("timezone: Europe/" + "é" * 300, "unknown time zone"),  # too long for a file name
        ("publish: {max_delay: 100000000000000000000000000000}", "longer than a year"),
        ("publish: {max_delay: 400d}", "longer than a year"),
    ],
)
def test_absurd_settings_are_problems_on_their_line_not_crashes(setting: str, said: str) -> None:
    text = BASE_CONFIG.replace("timezone: Europe/Paris\n", "") + setting + "\n"
    line = text.count("\n")
    _, problems = parse_config(text)
    assert [p.source.line for p in problems if said in p.message] == [line], problems
