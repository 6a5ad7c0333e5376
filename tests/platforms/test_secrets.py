"""Credentials come from the variables a channel names; their values never show."""

from __future__ import annotations

import pytest

from edcal.config import parse_config
from edcal.model import Channel
from edcal.platforms.base import AuthError
from edcal.platforms.secrets import credential, scrub


def channel(credentials: str = "{access_token: MASTODON_TOKEN}") -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  toots:\n"
        "    platform: mastodon\n"
        "    instance: https://mastodon.example\n"
        f"    credentials: {credentials}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["toots"]


def test_credential_reads_the_variable_the_channel_names() -> None:
    assert credential(channel(), "access_token", {"MASTODON_TOKEN": "tok-123\n"}) == "tok-123"


@pytest.mark.parametrize("environ", [{}, {"MASTODON_TOKEN": ""}, {"MASTODON_TOKEN": "  "}])
def test_a_missing_or_empty_variable_is_an_auth_error_naming_it(environ: dict[str, str]) -> None:
    with pytest.raises(AuthError) as raised:
        credential(channel(), "access_token", environ)
    assert (
        str(raised.value)
        == "toots: the environment variable MASTODON_TOKEN (access_token) is not set"
    )


def test_a_role_the_config_does_not_name_says_which_key_to_add() -> None:
    with pytest.raises(AuthError, match=r"credentials: \{access_token: VARIABLE\}"):
        credential(channel("{}"), "access_token", {"MASTODON_TOKEN": "tok-123"})


def test_scrub_masks_every_secret_longest_first() -> None:
    text = "Bearer abcd1234efgh failed; refresh abcd1234 too"
    assert scrub(text, ["abcd1234", "abcd1234efgh"]) == "Bearer *** failed; refresh *** too"


def test_scrub_leaves_text_alone_for_empty_or_tiny_values() -> None:
    assert scrub("a b c", ["", "a", "b c"]) == "a b c"
