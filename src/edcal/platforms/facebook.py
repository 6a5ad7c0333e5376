"""Outgoing post -> a Facebook Page through the Graph API (over httpx) -> Delivery.

Text goes to `POST /{graph_version}/{page_id}/feed` as `message`. Images are uploaded
first to `POST /{page_id}/photos` with `published=false` and their `alt_text_custom`,
then attached to the feed post as `attached_media[i]={"media_fbid": …}`. The Page access
token travels in the `Authorization: Bearer` header only, never in a URL (URLs end up in
logs and exception texts). The answer's `id` is `<page id>_<post id>`; the post's public
page is `https://www.facebook.com/<page id>/posts/<post id>`.

Facebook has no threads (the parts become one post, separated by blank lines) and cannot
be asked whether a post with our key exists, so a stale claim goes to a human
(CannotTell). Error code 506 ("duplicate post") means the same text is already on the
Page: it is recorded as published, with an empty id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

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
    read_image,
)
from edcal.platforms.http import send
from edcal.platforms.secrets import credential, scrub

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_GRAPH_VERSION = "v25.0"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # photo uploads can be slow
# Graph API error codes (developers.facebook.com/docs/graph-api/guides/error-handling).
AUTH_CODES = frozenset({102, 190, 10}) | frozenset(range(200, 300))
# Throttling (4, 17, 32, 341, 613, 80001) and temporary trouble (1, 2, 368): wait, retry.
TRANSIENT_CODES = frozenset({4, 17, 32, 341, 613, 80001, 1, 2, 368})
DUPLICATE_CODE = 506


class _Duplicate(Exception):
    """The Page already shows this text."""


class FacebookAdapter:
    """Posts on one Facebook Page; see the module docstring."""

    def __init__(
        self,
        channel: Channel,
        environ: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.channel = channel
        self.token = credential(channel, "page_token", environ)
        self.page_id = str(channel.settings.get("page_id") or "")
        base_url = str(channel.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        version = str(channel.settings.get("graph_version") or DEFAULT_GRAPH_VERSION).strip("/")
        self.client = httpx.Client(
            base_url=f"{base_url}/{version}",
            timeout=TIMEOUT,
            transport=transport,
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def post(self, outgoing: Outgoing) -> Delivery:
        """Publish the parts as one Page post, with its photos; a duplicate counts as done."""
        if not self.page_id:
            raise PermanentError(
                f"{self.channel.name}: set `page_id:` for this channel in calendar/edcal.yml"
            )
        try:
            data: dict[str, str] = {"message": "\n\n".join(outgoing.parts)}
            for index, (path, alt) in enumerate(outgoing.media):
                photo = self._upload(path, alt)
                data[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo})
            answer = self._call("POST", f"/{self.page_id}/feed", data=data)
        except _Duplicate:
            return Delivery("", "")
        post_id = str(answer.get("id") or "")
        if not post_id:
            raise TransientError(f"{self.channel.name}: Facebook gave no post id")
        return Delivery(post_id, self.url(post_id))

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """Facebook cannot be asked for a post by our key: a human must look."""
        raise CannotTell(
            f"Facebook cannot be asked whether {outgoing.item_id} went out; check the Page"
            " and record it by hand"
        )

    def verify(self) -> str:
        """Check the token with `GET /me` (a Page token answers as the Page); posts nothing."""
        try:
            me = self._call("GET", "/me", params={"fields": "id,name"})
        except _Duplicate:
            raise PermanentError("unexpected duplicate answer") from None
        who, name = str(me.get("id") or ""), str(me.get("name") or "?")
        if self.page_id and who and who != self.page_id:
            raise AuthError(
                f"{self.channel.name}: the token belongs to {name} ({who}), not to page"
                f" {self.page_id}: use that Page's access token"
            )
        return f"authenticated as the page {name}"

    def url(self, post_id: str) -> str:
        """The public page of a post id `<page id>_<post id>`."""
        page, _, number = post_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{number or page}"

    def _upload(self, path: str, alt: str) -> str:
        """One unpublished photo with its alt text; its id, to attach to the post."""
        image = read_image(self.channel.name, path)
        fields = {"published": "false"}
        if alt:
            fields["alt_text_custom"] = alt
        answer = self._call(
            "POST",
            f"/{self.page_id}/photos",
            data=fields,
            files={"source": (image.name, image.data, image.media_type)},
        )
        photo = str(answer.get("id") or "")
        if not photo:
            raise TransientError(f"{self.channel.name}: Facebook gave no photo id")
        return photo

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        who = f"{self.channel.name}: Facebook"
        response = send(self.client, method, path, who=who, clean=self._clean, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code < 400 and isinstance(body, dict) and "error" not in body:
            return body
        raise self._failure(response.status_code, body, response.text)

    def _failure(self, status: int, body: object, text: str) -> Exception:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {"message": text[:200]}
        code = error.get("code")
        message = str(error.get("message") or "")
        described = f"{self.channel.name}: Facebook answered {status}"
        if code is not None:
            described += f" (code {code})"
        described = self._clean(f"{described}: {message}".rstrip(": "))
        failure: DeliveryError
        if code == DUPLICATE_CODE:
            return _Duplicate()
        if code in AUTH_CODES or status == 401:
            failure = AuthError(f"{described} — the Page token was refused or lacks a permission")
        elif code in TRANSIENT_CODES or error.get("is_transient") or status == 429 or status >= 500:
            failure = TransientError(described)
        else:
            failure = PermanentError(described)
        return failure

    def _clean(self, text: str) -> str:
        return scrub(text, (self.token,))


def make_adapter(
    channel: Channel, environ: Mapping[str, str], transport: httpx.BaseTransport | None = None
) -> FacebookAdapter:
    """The Facebook adapter for a channel; AuthError naming the variable when it is missing."""
    return FacebookAdapter(channel, environ, transport)


def verify(
    channel: Channel, environ: Mapping[str, str], transport: httpx.BaseTransport | None = None
) -> str:
    """Check the channel's Page token with `GET /me`; posts nothing."""
    return FacebookAdapter(channel, environ, transport).verify()
