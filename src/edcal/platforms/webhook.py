"""Text -> a Slack- or Discord-compatible incoming webhook (over httpx) -> Delivery.

For team channels: the same adapter posts a social item's text (when a channel of
platform `webhook` is listed on it) and the team's own notes, built here by two pure
functions: `heads_up(entries, now)` (what goes out in the next 30 minutes) and
`digest(report)` (what a publish run did). Send either with `make_adapter(...).send(text)`.

The webhook URL is the secret: it comes from the variable that `credentials: {url: …}`
names and never appears in a message. Setting `flavor: slack | discord` picks the body,
`{"text": …}` or `{"content": …}` (default: discord when the URL is Discord's, else
slack). Slack answers 200 `ok` and no id; Discord, asked with `?wait=true`, answers with
the message, whose id is recorded. A webhook cannot be asked what it holds, so a stale
claim goes to a human (CannotTell).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Delivery,
    DeliveryError,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.platforms.http import send
from edcal.platforms.secrets import credential, scrub

if TYPE_CHECKING:
    from edcal.plan import Entry
    from edcal.publish import Report

FLAVORS = ("slack", "discord")
DISCORD_LIMIT = 2000  # characters in one Discord message
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
HEADS_UP_WINDOW = timedelta(minutes=30)
GOING_OUT = ("post", "social", "announce")
DIGEST_ORDER = ("published", "failed", "flagged", "missed")
DIGEST_MARKS = {"published": "✓", "failed": "✗", "flagged": "⚑", "missed": "–"}


class WebhookAdapter:
    """Posts text to one team channel's incoming webhook; see the module docstring."""

    def __init__(
        self,
        channel: Channel,
        environ: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.channel = channel
        self.url = webhook_url(channel, environ)
        self.secrets = _secrets_of(self.url)
        flavor = channel.settings.get("flavor")
        if flavor is None:
            flavor = "discord" if "discord" in (urlsplit(self.url).hostname or "") else "slack"
        if flavor not in FLAVORS:
            raise AuthError(
                f"{channel.name}: `flavor` must be slack or discord, not {flavor!r}"
                " (calendar/edcal.yml)"
            )
        self.flavor = str(flavor)
        self.client = httpx.Client(timeout=TIMEOUT, transport=transport)

    def post(self, outgoing: Outgoing) -> Delivery:
        """Send the parts as one message (blank lines between them)."""
        return self.send("\n\n".join(outgoing.parts))

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """A webhook cannot be asked what it holds: a human must look."""
        raise CannotTell(
            f"a webhook cannot be asked whether {outgoing.item_id} went out; check the"
            " team channel and record it by hand"
        )

    def send(self, text: str) -> Delivery:
        """Post `text`; Discord messages over 2,000 characters are split at line ends."""
        if not text.strip():
            raise PermanentError(f"{self.channel.name}: nothing to send")
        if self.flavor == "slack":
            self._request({"text": _slack_escape(text)})
            return Delivery("", "")
        first: dict[str, Any] | None = None
        for chunk in _chunks(text, DISCORD_LIMIT):
            # Post text must never ping @everyone or a role by accident.
            body = {"content": chunk, "allowed_mentions": {"parse": []}}
            message = self._request(body, params={"wait": "true"})
            first = first or message
        message_id = str((first or {}).get("id") or "")
        return Delivery(message_id, _discord_link(first or {}))

    def verify(self) -> str:
        """The URL is set and looks like one; calling it would post, so it is not called."""
        variable = self.channel.credentials.get("url", "the variable")
        return f"{self.flavor} webhook URL set in {variable} (not called: a call would post)"

    def _request(
        self, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> dict[str, Any]:
        who = f"{self.channel.name}: the webhook"
        response = send(
            self.client, "POST", self.url, who=who, clean=self._clean, json=body, params=params
        )
        if response.status_code < 400:
            try:
                answer = response.json()
            except ValueError:
                return {}  # Slack's plain "ok", Discord's 204
            return answer if isinstance(answer, dict) else {}
        raise self._failure(response)

    def _failure(self, response: httpx.Response) -> DeliveryError:
        status = response.status_code
        detail = response.text[:200].strip()
        try:
            body = response.json()
            if isinstance(body, dict):
                detail = str(body.get("message") or detail)
        except ValueError:
            body = None
        text = self._clean(f"{self.channel.name}: the webhook answered {status}: {detail}")
        variable = self.channel.credentials.get("url", "the variable")
        if status in (401, 403, 404, 410):
            return AuthError(f"{text} — the URL in {variable} is revoked or wrong")
        if status == 429:
            return TransientError(text, retry_after=_retry_after(response, body))
        if status >= 500:
            return TransientError(text)
        return PermanentError(text)

    def _clean(self, text: str) -> str:
        return scrub(text, self.secrets)


def webhook_url(channel: Channel, environ: Mapping[str, str]) -> str:
    """The webhook URL from the channel's `url` variable; AuthError if unset or not a URL."""
    url = credential(channel, "url", environ)
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        variable = channel.credentials.get("url", "the variable")
        raise AuthError(f"{channel.name}: {variable} does not hold an http(s) webhook URL")
    return url


def heads_up(entries: Iterable[Entry], now: datetime, window: timedelta = HEADS_UP_WINDOW) -> str:
    """What goes out in the next 30 minutes, as a message; "" when nothing does."""
    soon = sorted(
        (
            e
            for e in entries
            if e.kind in GOING_OUT and e.status == "scheduled" and now < e.start <= now + window
        ),
        key=lambda e: (e.start, e.id),
    )
    if not soon:
        return ""
    minutes = int(window.total_seconds() // 60)
    lines = [f"Goes out in the next {minutes} minutes:"]
    for entry in soon:
        left = max(1, round((entry.start - now).total_seconds() / 60))
        where = ", ".join(entry.channels) if entry.channels else "the site"
        what = "article" if entry.kind == "post" else entry.kind
        lines.append(f"• {entry.start:%H:%M} (in {left} min) — {what} on {where}: {entry.title}")
    return "\n".join(lines)


def digest(report: Report) -> str:
    """What a publish run did, as a message: counts, then one line per item that matters."""
    shown = [o for o in report.outcomes if o.kind in DIGEST_ORDER]
    if not shown:
        return ""
    counts = {kind: sum(1 for o in shown if o.kind == kind) for kind in DIGEST_ORDER}
    lines = ["edcal: " + ", ".join(f"{n} {kind}" for kind, n in counts.items() if n)]
    for outcome in sorted(shown, key=lambda o: (DIGEST_ORDER.index(o.kind), o.scheduled)):
        mark = DIGEST_MARKS[outcome.kind]
        line = f"{mark} {outcome.channel} — {outcome.item_id}"
        if outcome.kind == "published":
            line += f": {outcome.url}" if outcome.url else ""
        elif outcome.detail:
            line += f": {outcome.kind}: {outcome.detail}"
        lines.append(line)
    return "\n".join(lines)


def _chunks(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:  # one line longer than a message: cut it hard
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            chunks.append(current)
            current = ""
        current += line
    if current.strip():
        chunks.append(current)
    return [chunk.rstrip("\n") for chunk in chunks if chunk.strip()]


def _slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup in message text (its formatting rules)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _discord_link(message: Mapping[str, Any]) -> str:
    guild, channel, message_id = (message.get(k) for k in ("guild_id", "channel_id", "id"))
    if guild and channel and message_id:
        return f"https://discord.com/channels/{guild}/{channel}/{message_id}"
    return ""


def _retry_after(response: httpx.Response, body: object) -> float | None:
    if isinstance(body, dict) and isinstance(body.get("retry_after"), int | float):
        return float(body["retry_after"])
    value = response.headers.get("retry-after", "")
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _secrets_of(url: str) -> tuple[str, ...]:
    """The URL and its path: either gives away the webhook."""
    path = urlsplit(url).path
    return (url, path) if len(path) > 1 else (url,)


def make_adapter(
    channel: Channel, environ: Mapping[str, str], transport: httpx.BaseTransport | None = None
) -> WebhookAdapter:
    """The webhook adapter for a channel; AuthError naming the variable when it is missing."""
    return WebhookAdapter(channel, environ, transport)


def verify(channel: Channel, environ: Mapping[str, str]) -> str:
    """Only that the URL is set and is a URL: calling a webhook would post."""
    return WebhookAdapter(channel, environ).verify()
