"""The Mastodon adapter: real Mastodon.py over 127.0.0.1 against the fake instance."""

from __future__ import annotations

import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from edcal.config import parse_config
from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.platforms.mastodon import (
    MastodonAdapter,
    instance_limit,
    make_adapter,
    part_key,
    verify,
)

TOKEN = "mastodon-secret-token-4242"
ENV = {"EDCAL_MASTODON_TOKEN": TOKEN}
KEY = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 12, 1, 11, 40, tzinfo=UTC)


def channel(server: Any) -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  toots:\n"
        "    platform: mastodon\n"
        f"    instance: {server.url}\n"
        "    credentials: {access_token: EDCAL_MASTODON_TOKEN}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["toots"]


def outgoing(*parts: str, media: tuple[tuple[str, str], ...] = ()) -> Outgoing:
    scheduled = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    return Outgoing("s1", "toots", KEY, scheduled, parts or ("Hello",), media)


def adapter(server: Any, now: datetime = NOW, timeout: float = 5.0) -> MastodonAdapter:
    return MastodonAdapter(channel(server), TOKEN, timeout=timeout, clock=lambda: now, poll=0.01)


def statuses(server: Any) -> list[Any]:
    return server.calls("mastodon", method="POST", path="/api/v1/statuses")


def test_every_status_carries_the_ledger_key_as_idempotency_key(server: Any) -> None:
    delivery = adapter(server).post(outgoing("One", "Two", "Three"))

    sent = statuses(server)
    assert [r.headers["idempotency-key"] for r in sent] == [KEY, f"{KEY}-1", f"{KEY}-2"]
    posts = server.posts("mastodon")
    assert [p["text"] for p in posts] == ["One", "Two", "Three"]
    assert [p["in_reply_to_id"] for p in posts] == [None, posts[0]["id"], posts[1]["id"]]
    assert delivery.remote_id == posts[0]["id"] and delivery.url == posts[0]["url"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in sent)


def test_posting_again_returns_the_same_statuses(server: Any) -> None:
    first = adapter(server).post(outgoing("One", "Two"))
    again = adapter(server).post(outgoing("One", "Two"))
    assert first == again
    assert len(server.posts("mastodon")) == 2
    assert part_key(KEY, 0) == KEY and part_key(KEY, 3) == f"{KEY}-3"


def test_media_goes_up_with_its_alt_text_and_on_the_first_part_only(
    server: Any, tmp_path: Path
) -> None:
    image = tmp_path / "tools.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    adapter(server).post(outgoing("Look", "More", media=((str(image), "A shelf of tools"),)))

    (upload,) = server.calls("mastodon", path="/api/v2/media")
    assert upload.form["description"] == ["A shelf of tools"]
    assert upload.files["file"].data.startswith(b"\x89PNG")
    first, second = statuses(server)
    assert first.form["media_ids[]"] == list(server.mastodon.media)
    assert "media_ids[]" not in second.form
    assert server.posts("mastodon")[0]["media"] == [{"description": "A shelf of tools"}]


def test_media_still_processing_is_waited_for(server: Any, tmp_path: Path) -> None:
    server.mastodon.async_media = True
    image = tmp_path / "big.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    adapter(server).post(outgoing("Big", media=((str(image), "Alt"),)))
    assert len(server.calls("mastodon", method="GET", path="/api/v1/media/")) == 1
    assert len(server.posts("mastodon")) == 1


def test_a_missing_image_is_refused_without_retry(server: Any, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match=r"gone\.png"):
        adapter(server).post(outgoing(media=((str(tmp_path / "gone.png"), "Alt"),)))


def test_a_429_is_transient_with_the_wait_until_the_reset(server: Any) -> None:
    server.fail("mastodon", "429", path="/api/v1/statuses", retry_after=30)
    with pytest.raises(TransientError) as raised:
        adapter(server).post(outgoing())
    assert raised.value.retry_after is not None and 27 <= raised.value.retry_after <= 31


@pytest.mark.parametrize(("kind", "uncertain"), [("500", False), ("timeout", True)])
def test_server_errors_and_timeouts_are_transient(server: Any, kind: str, uncertain: bool) -> None:
    server.fail("mastodon", kind, path="/api/v1/statuses", hold=3)
    with pytest.raises(TransientError) as raised:
        adapter(server, timeout=0.5).post(outgoing())
    # A timed-out request may have been done: publish looks it up before trying again.
    assert raised.value.uncertain is uncertain


def test_an_instance_that_cannot_be_reached_was_surely_not_posted_to(server: Any) -> None:
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = channel(server)
    unreachable = replace(config, settings={"instance": f"http://127.0.0.1:{port}"})
    with pytest.raises(TransientError) as raised:
        MastodonAdapter(unreachable, TOKEN, timeout=2).post(outgoing())
    assert raised.value.uncertain is False


def test_a_retry_after_a_lost_answer_reposts_the_same_key_even_for_a_late_item(
    server: Any,
) -> None:
    # Posted two hours after its time: the keys are as old as this run's own first try.
    late = adapter(server, now=NOW + timedelta(hours=2), timeout=0.5)
    server.fail("mastodon", "timeout", path="/api/v1/statuses", hold=3)
    with pytest.raises(TransientError) as raised:
        late.post(outgoing("Late"))
    assert raised.value.uncertain
    assert late.find_by_key(outgoing("Late")) is not None
    assert [p["text"] for p in server.posts("mastodon")] == ["Late"]


def test_a_refused_post_is_permanent(server: Any) -> None:
    server.fail("mastodon", "422", path="/api/v1/statuses")
    with pytest.raises(PermanentError, match="422 Validation failed"):
        adapter(server).post(outgoing())


@pytest.mark.parametrize("kind", ["401", "403-duplicate"])
def test_a_refused_token_names_the_variable_and_never_shows_the_token(
    server: Any, kind: str
) -> None:
    server.fail("mastodon", kind, path="/api/v1/statuses")
    with pytest.raises(AuthError) as raised:
        make_adapter(channel(server), ENV).post(outgoing())
    message = str(raised.value)
    assert "EDCAL_MASTODON_TOKEN" in message and TOKEN not in message
    assert TOKEN not in repr(raised.value.__cause__) + repr(raised.value.__context__)


def test_an_unset_variable_is_an_auth_error_before_any_request(server: Any) -> None:
    with pytest.raises(AuthError, match="EDCAL_MASTODON_TOKEN"):
        make_adapter(channel(server), {})
    assert server.requests == []


def test_making_the_adapter_sends_nothing(server: Any) -> None:
    make_adapter(channel(server), ENV)
    assert server.requests == []


def test_an_answer_lost_after_the_post_then_a_retry_makes_one_status(server: Any) -> None:
    server.fail("mastodon", "drop-after-accept", path="/api/v1/statuses")
    poster = adapter(server)
    with pytest.raises(TransientError) as raised:
        poster.post(outgoing("Once"))
    assert raised.value.uncertain
    poster.post(outgoing("Once"))
    assert [p["text"] for p in server.posts("mastodon")] == ["Once"]


def test_reconciling_within_the_hour_finds_the_status_by_posting_the_same_key(
    server: Any,
) -> None:
    made = adapter(server).post(outgoing("Thread", "part"))
    found = adapter(server, now=NOW + timedelta(minutes=15)).find_by_key(outgoing("Thread", "part"))
    assert found == made
    assert len(server.posts("mastodon")) == 2


def test_reconciling_within_the_hour_posts_what_never_went_out(server: Any) -> None:
    found = adapter(server).find_by_key(outgoing("Never sent"))
    assert found is not None
    assert [p["text"] for p in server.posts("mastodon")] == ["Never sent"]


def test_reconciling_after_the_hour_cannot_tell(server: Any) -> None:
    late = adapter(server, now=datetime(2026, 12, 1, 12, 25, tzinfo=UTC))
    with pytest.raises(CannotTell, match="an hour"):
        late.find_by_key(outgoing())
    assert statuses(server) == []


def test_reconciling_counts_the_hour_from_the_claim_not_from_the_schedule(server: Any) -> None:
    """An item claimed late (an hour after its time) is still safe to look up by key."""
    late = adapter(server, now=datetime(2026, 12, 1, 12, 25, tzinfo=UTC))
    claimed = replace(
        outgoing("Claimed late"), first_attempt=datetime(2026, 12, 1, 12, 10, tzinfo=UTC)
    )
    assert late.find_by_key(claimed) is not None
    assert [p["text"] for p in server.posts("mastodon")] == ["Claimed late"]


def test_verify_names_the_account_and_instance_limit_reads_the_instance(server: Any) -> None:
    server.mastodon.max_characters = 1000
    assert verify(channel(server), ENV) == f"@edcal on {server.url}"
    assert instance_limit(channel(server), {}) == 1000
    (probe,) = server.calls("mastodon", path="/api/v2/instance", method="GET")[-1:]
    assert "authorization" not in probe.headers


def test_verify_with_a_wrong_token_is_an_auth_error(server: Any) -> None:
    server.tokens["mastodon"] = "the-right-token"
    with pytest.raises(AuthError, match="EDCAL_MASTODON_TOKEN") as raised:
        verify(channel(server), ENV)
    assert TOKEN not in str(raised.value)
