"""The team-channel webhook adapter (Slack and Discord bodies) and its two message builders."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from edcal.config import parse_config
from edcal.model import Channel, Source
from edcal.plan import Entry
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Delivery,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.platforms.webhook import DISCORD_LIMIT, WebhookAdapter, digest, heads_up, verify
from edcal.publish import Outcome, Report
from fakeserver import fake_platforms

SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/sEcReTsEcReT"
DISCORD_URL = "https://discord.com/api/webhooks/123456/tOkEnToKeNtOkEn"
NOW = datetime(2026, 12, 4, 8, 45, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def team_channel(settings: str = "purpose: team") -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  team:\n"
        "    platform: webhook\n"
        f"    {settings}\n"
        "    credentials: {url: TEAM_WEBHOOK_URL}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["team"]


def outgoing(*parts: str) -> Outgoing:
    return Outgoing("s3", "team", "key-3", NOW, parts)


def recording(handler: Handler) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


def test_slack_gets_a_text_body_with_its_markup_characters_escaped() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, text="ok"))
    team = WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": SLACK_URL}, transport)

    delivery = team.post(outgoing("Tips & tricks <3", "part two"))

    assert delivery == Delivery("", "")
    assert str(seen[0].url) == SLACK_URL
    assert json.loads(seen[0].content) == {"text": "Tips &amp; tricks &lt;3\n\npart two"}


def test_discord_gets_a_content_body_without_pings_and_the_message_id_back() -> None:
    message = {"id": "900", "channel_id": "55", "guild_id": "11", "content": "Hello"}
    transport, seen = recording(lambda r: httpx.Response(200, json=message))
    # No `flavor:` setting: a discord.com URL is enough to pick Discord's body.
    team = WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": DISCORD_URL}, transport)

    delivery = team.post(outgoing("Hello @everyone"))

    assert delivery == Delivery("900", "https://discord.com/channels/11/55/900")
    assert seen[0].url.params["wait"] == "true"
    assert json.loads(seen[0].content) == {
        "content": "Hello @everyone",
        "allowed_mentions": {"parse": []},
    }


def test_a_long_discord_message_is_split_at_line_ends() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json={"id": str(len(seen))}))
    team = WebhookAdapter(
        team_channel("flavor: discord"), {"TEAM_WEBHOOK_URL": DISCORD_URL}, transport
    )
    lines = [f"line {n:04d} " + "x" * 90 for n in range(60)]

    team.send("\n".join(lines))

    sent = [json.loads(r.content)["content"] for r in seen]
    assert len(sent) > 1 and all(len(chunk) <= DISCORD_LIMIT for chunk in sent)
    assert "\n".join(sent) == "\n".join(lines)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"message": "Unknown Webhook", "code": 10015}, AuthError),
        (403, "invalid_token", AuthError),
        (410, "channel_is_archived", AuthError),
        (400, "invalid_payload", PermanentError),
        (500, "server error", TransientError),
    ],
)
def test_errors_map_to_the_right_exception_and_never_show_the_url(
    status: int, body: object, expected: type[Exception]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # Some servers echo the request URL in their error text.
        if isinstance(body, dict):
            return httpx.Response(status, json={**body, "url": str(request.url)})
        return httpx.Response(status, text=f"{body} for {request.url}")

    for url in (SLACK_URL, DISCORD_URL):
        team = WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": url}, recording(handler)[0])
        with pytest.raises(expected) as caught:
            team.send("hello")
        message = str(caught.value)
        assert "sEcReT" not in message and "tOkEn" not in message
        assert str(status) in message


def test_a_rate_limit_gives_discords_retry_after() -> None:
    body = {"message": "You are being rate limited.", "retry_after": 1.5, "global": False}
    transport, _ = recording(lambda r: httpx.Response(429, json=body))
    team = WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": DISCORD_URL}, transport)

    with pytest.raises(TransientError) as caught:
        team.send("hello")

    assert caught.value.retry_after == 1.5


def test_a_timeout_is_transient_and_does_not_show_the_url() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out on {request.url}", request=request)

    team = WebhookAdapter(
        team_channel(), {"TEAM_WEBHOOK_URL": SLACK_URL}, httpx.MockTransport(slow)
    )

    with pytest.raises(TransientError) as caught:
        team.send("hello")

    assert "sEcReT" not in str(caught.value)


def test_the_variable_is_named_when_unset_or_not_a_url_and_its_value_never_shown() -> None:
    with pytest.raises(AuthError, match="TEAM_WEBHOOK_URL"):
        WebhookAdapter(team_channel(), {})
    with pytest.raises(AuthError, match="TEAM_WEBHOOK_URL") as caught:
        WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": "sEcReT-not-a-url"})
    assert "sEcReT" not in str(caught.value)


def test_an_unknown_flavor_is_refused() -> None:
    with pytest.raises(AuthError, match="slack or discord"):
        WebhookAdapter(team_channel("flavor: teams"), {"TEAM_WEBHOOK_URL": SLACK_URL})


def test_a_webhook_cannot_be_asked_by_key() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, text="ok"))
    team = WebhookAdapter(team_channel(), {"TEAM_WEBHOOK_URL": SLACK_URL}, transport)

    with pytest.raises(CannotTell):
        team.find_by_key(outgoing("hello"))

    assert seen == []


def test_verify_only_checks_the_variable_since_a_call_would_post() -> None:
    message = verify(team_channel(), {"TEAM_WEBHOOK_URL": SLACK_URL})

    assert "TEAM_WEBHOOK_URL" in message and "not called" in message
    assert "sEcReT" not in message


def entry(
    start: datetime, kind: str = "social", status: str = "scheduled", title: str = "A post"
) -> Entry:
    return Entry(
        id=f"{kind}-{start:%H%M}",
        kind=kind,  # type: ignore[arg-type]
        title=title,
        start=start,
        channels=("x", "facebook") if kind != "post" else (),
        status=status,  # type: ignore[arg-type]
        source=Source("content/social/a.md", 1),
    )


def test_heads_up_lists_what_goes_out_in_the_next_30_minutes() -> None:
    entries = [
        entry(NOW + timedelta(minutes=40), title="Too late for this one"),
        entry(NOW + timedelta(minutes=15), kind="post", title="The Friday article"),
        entry(NOW + timedelta(minutes=10), title="Workshop reminder"),
        entry(NOW + timedelta(minutes=5), kind="task", title="Write the newsletter"),
        entry(NOW + timedelta(minutes=20), status="draft", title="Not ready"),
        entry(NOW, title="Already out"),
    ]

    assert heads_up(entries, NOW) == (
        "Goes out in the next 30 minutes:\n"
        "• 08:55 (in 10 min) — social on x, facebook: Workshop reminder\n"
        "• 09:00 (in 15 min) — article on the site: The Friday article"
    )


def test_heads_up_is_empty_when_nothing_is_due() -> None:
    assert heads_up([entry(NOW + timedelta(hours=2))], NOW) == ""


def test_digest_says_what_went_out_and_what_needs_a_look() -> None:
    report = Report(
        (
            Outcome("s1", "x", NOW, "published", url="https://x.com/a/status/1"),
            Outcome("s1", "facebook", NOW, "failed", "refused: 400 Invalid parameter"),
            Outcome("s2", "linkedin", NOW, "flagged", "an earlier run may have posted it"),
            Outcome("s3", "x", NOW, "waiting", "claimed by another run"),
        )
    )

    assert digest(report) == (
        "edcal: 1 published, 1 failed, 1 flagged\n"
        "✓ x — s1: https://x.com/a/status/1\n"
        "✗ facebook — s1: failed: refused: 400 Invalid parameter\n"
        "⚑ linkedin — s2: flagged: an earlier run may have posted it"
    )
    assert digest(Report(())) == ""


@pytest.fixture
def fake() -> Iterator[Any]:
    """Our fake platform server on 127.0.0.1 (scripts/fake_platforms.py)."""
    with fake_platforms().FakePlatforms() as server:
        yield server


def test_against_the_fake_server_discord_answers_with_the_message_id(fake: Any) -> None:
    url = f"{fake.url}/hooks/123/tOkEn"
    team = WebhookAdapter(team_channel("flavor: discord"), {"TEAM_WEBHOOK_URL": url})

    delivery = team.send("Heads up: the Friday article goes out at 09:00")

    (received,) = fake.posts("webhook")
    assert delivery.remote_id == received["id"]
    assert received["body"]["content"].startswith("Heads up")
