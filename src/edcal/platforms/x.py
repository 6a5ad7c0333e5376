"""Outgoing post -> X through tweepy's v2 `Client` (OAuth 1.0a user context) -> Delivery.

Threads go out part by part, each a reply to the one before. Images go through the v2
media endpoints, which tweepy's Client lacks: `POST /2/media/upload` (multipart, signed
with requests-oauthlib's OAuth1 like tweepy signs its own calls), then
`POST /2/media/metadata` for the alt text, and the ids ride on the first part as
`media.media_ids`.

X takes no idempotency key and cannot be asked for a post by ours, but it refuses the
same text twice in a row (403 "You are not allowed to create a Tweet with duplicate
content."). That answer means the text is already on X, so it is recorded as published,
with an empty id and URL (X does not say which post holds it). Reconciling a stale claim
follows the same rule: post once more; a duplicate answer means the earlier run got
through; any other failure leaves it to a human (CannotTell).

The `api_base` setting (default https://api.x.com) moves every call, tweepy's included,
to another host, e.g. a local fake server for a trial run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import requests
import tweepy
from requests_oauthlib import OAuth1

from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Delivery,
    DeliveryError,
    Outgoing,
    PermanentError,
    TransientError,
    read_image,
)
from edcal.platforms.secrets import credential, scrub

DEFAULT_API_BASE = "https://api.x.com"
TWEEPY_HOST = "https://api.twitter.com"  # where tweepy's Client sends everything
TIMEOUT = 30.0  # seconds; tweepy sets none, and a hung publish run holds its claims
ROLES = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
ALT_TEXT_LIMIT = 1000
# The (remaining, reset) header pairs of the limits a post can hit: the 15-minute window
# and the per-user and per-app daily post caps.
LIMIT_HEADERS = (
    ("x-rate-limit-remaining", "x-rate-limit-reset"),
    ("x-user-limit-24hour-remaining", "x-user-limit-24hour-reset"),
    ("x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"),
)
# 403 details that say the keys (or the app's permissions) are wrong, not the post.
REFUSED_WORDS = ("oauth", "permission", "not permitted", "suspended", "client-not-enrolled")


class _Duplicate(Exception):
    """X already holds this exact text."""


class _RebasedSession(requests.Session):
    """A session that sends tweepy's calls to `base`, before they are signed, with a timeout."""

    def __init__(self, base: str, timeout: float = TIMEOUT) -> None:
        super().__init__()
        self.base = base.rstrip("/")
        self.timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        if isinstance(url, str) and url.startswith(TWEEPY_HOST + "/"):
            url = self.base + url[len(TWEEPY_HOST) :]
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


class XAdapter:
    """Posts and threads on one X account; see the module docstring."""

    def __init__(
        self, channel: Channel, environ: Mapping[str, str], clock: Callable[[], float] = time.time
    ) -> None:
        keys = {role: credential(channel, role, environ) for role in ROLES}
        self.channel = channel
        self.secrets = tuple(keys.values())
        self.base = str(channel.settings.get("api_base") or DEFAULT_API_BASE).rstrip("/")
        self.account = str(channel.settings.get("account") or "").strip().lstrip("@")
        self.clock = clock
        self.client = tweepy.Client(
            consumer_key=keys["consumer_key"],
            consumer_secret=keys["consumer_secret"],
            access_token=keys["access_token"],
            access_token_secret=keys["access_token_secret"],
            wait_on_rate_limit=False,  # a run decides how long it waits (Retry-After budget)
        )
        self.session = _RebasedSession(self.base)
        self.client.session = self.session
        self.auth = OAuth1(
            keys["consumer_key"],
            client_secret=keys["consumer_secret"],
            resource_owner_key=keys["access_token"],
            resource_owner_secret=keys["access_token_secret"],
        )
        # Within one run a retried post resumes where it stopped: the parts already out
        # (and the uploaded images) are kept by key, so no part goes out twice.
        self._posted: dict[str, list[str]] = {}
        self._media: dict[str, list[str]] = {}

    def post(self, outgoing: Outgoing) -> Delivery:
        """Post the parts in order as a thread; a duplicate first part counts as published."""
        if not outgoing.parts:
            raise PermanentError(f"{self.channel.name}: nothing to post")
        done = self._posted.setdefault(outgoing.key, [])
        media_ids: list[str] | None = None
        if not done and outgoing.media:
            if outgoing.key not in self._media:
                self._media[outgoing.key] = [
                    self._upload(path, alt) for path, alt in outgoing.media
                ]
            media_ids = self._media[outgoing.key]
        for index in range(len(done), len(outgoing.parts)):
            try:
                post_id = self._create(
                    outgoing.parts[index],
                    reply_to=done[-1] if done else None,
                    media_ids=media_ids if index == 0 else None,
                )
            except _Duplicate:
                if not done:
                    return Delivery("", "")  # already on X; X does not say under which id
                break  # this part is already there, and without its id the thread ends here
            done.append(post_id)
        return Delivery(done[0], self.url(done[0]))

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """Post once more: a duplicate answer means the earlier run posted it (DESIGN.md)."""
        try:
            return self.post(outgoing)
        except AuthError:
            raise
        except DeliveryError as error:
            raise CannotTell(
                f"X cannot be asked by key, and posting once more to find out failed: {error}"
            ) from None

    def verify(self) -> str:
        """Who the credentials belong to (`GET /2/users/me`); posts nothing."""
        try:
            response = self.client.get_me(user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as error:
            raise _delivery_error(self._failure(error)) from None
        username = getattr(response.data, "username", None) or "?"
        return f"authenticated as @{username}"

    def url(self, post_id: str) -> str:
        """The public URL of a post."""
        if self.account:
            return f"https://x.com/{self.account}/status/{post_id}"
        return f"https://x.com/i/web/status/{post_id}"

    def _create(self, text: str, reply_to: str | None, media_ids: list[str] | None) -> str:
        try:
            response = self.client.create_tweet(
                text=text, in_reply_to_tweet_id=reply_to, media_ids=media_ids, user_auth=True
            )
        except (tweepy.TweepyException, requests.RequestException) as error:
            raise self._failure(error) from None
        return str(response.data["id"])

    def _upload(self, path: str, alt: str) -> str:
        """Upload one image (`POST /2/media/upload`) and set its alt text; the media id."""
        image = read_image(self.channel.name, path)
        answer = self._call(
            "media upload",
            f"{self.base}/2/media/upload",
            files={"media": (image.name, image.data, image.media_type)},
            data={"media_category": "tweet_image", "media_type": image.media_type},
        )
        media_id = str((answer.get("data") or {}).get("id") or "")
        if not media_id:
            raise PermanentError(f"{self.channel.name}: X gave no media id for {image.name}")
        if alt:
            self._call(
                "media metadata",
                f"{self.base}/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": alt[:ALT_TEXT_LIMIT]}}},
            )
        return media_id

    def _call(self, what: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.session.post(url, auth=self.auth, **kwargs)
        except requests.RequestException as error:
            raise _delivery_error(self._failure(error)) from None
        if not 200 <= response.status_code < 300:
            failure = self._status_failure(
                response.status_code, _detail(response), response.headers
            )
            raise _delivery_error(failure)
        try:
            answer: dict[str, Any] = response.json()
        except ValueError:
            raise TransientError(f"{self.channel.name}: X's {what} answer is not JSON") from None
        return answer

    def _failure(self, error: Exception) -> Exception:
        """A DeliveryError (or _Duplicate) for what tweepy or requests raised; no secrets."""
        if isinstance(error, tweepy.HTTPException):
            response = error.response
            detail = "; ".join(str(m) for m in error.api_messages) or str(error)
            return self._status_failure(response.status_code, detail, response.headers)
        if isinstance(error, requests.Timeout):
            return TransientError(f"{self.channel.name}: X did not answer in time")
        if isinstance(error, requests.RequestException):
            return TransientError(f"{self.channel.name}: cannot reach X ({type(error).__name__})")
        return DeliveryError(self._clean(f"{self.channel.name}: X client error: {error}"))

    def _status_failure(self, status: int, detail: str, headers: Mapping[str, str]) -> Exception:
        text = self._clean(f"{self.channel.name}: X answered {status}: {detail}".rstrip(": "))
        if status == 429:
            return TransientError(text, retry_after=self._retry_after(headers))
        if status == 401:
            return AuthError(f"{text} — the X credentials were refused")
        if status == 403:
            lowered = detail.lower()
            if "duplicate" in lowered:
                return _Duplicate()
            if any(word in lowered for word in REFUSED_WORDS):
                return AuthError(text)
            return PermanentError(text)
        if status >= 500:
            return TransientError(text)
        return PermanentError(text)

    def _retry_after(self, headers: Mapping[str, str]) -> float | None:
        """Seconds until the exhausted limit resets (`x-rate-limit-reset` is epoch seconds)."""
        resets = []
        for remaining, reset in LIMIT_HEADERS:
            if headers.get(remaining) == "0" and headers.get(reset, "").isdigit():
                resets.append(int(headers[reset]))
        if not resets and headers.get("x-rate-limit-reset", "").isdigit():
            resets.append(int(headers["x-rate-limit-reset"]))
        if resets:
            return max(0.0, max(resets) - self.clock())
        retry = headers.get("retry-after", "")
        return float(retry) if retry.isdigit() else None

    def _clean(self, text: str) -> str:
        return scrub(text, self.secrets)


def _delivery_error(failure: Exception) -> Exception:
    """Outside posting text, a "duplicate" answer is just a refusal."""
    return PermanentError("X refused a duplicate") if isinstance(failure, _Duplicate) else failure


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if not isinstance(body, dict):
        return str(body)[:200]
    errors = body.get("errors") or []
    messages = [
        str(e.get("message") or e.get("detail") or "") for e in errors if isinstance(e, dict)
    ]
    return "; ".join(m for m in [*messages, str(body.get("detail") or "")] if m)[:300]


def make_adapter(channel: Channel, environ: Mapping[str, str]) -> XAdapter:
    """The X adapter for a channel; AuthError naming the variable when one is missing."""
    return XAdapter(channel, environ)


def verify(channel: Channel, environ: Mapping[str, str]) -> str:
    """Check the channel's credentials with `GET /2/users/me`; posts nothing."""
    return XAdapter(channel, environ).verify()
