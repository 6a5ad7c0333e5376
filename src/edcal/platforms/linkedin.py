"""Outgoing post -> LinkedIn's versioned Posts API (`POST /rest/posts`, over httpx) -> Delivery.

Every call carries `LinkedIn-Version: YYYYMM` (setting `version`), `X-Restli-Protocol-Version:
2.0.0` and the member's or organization's bearer token; the post's author is the URN in
the `author` setting (`urn:li:organization:…` or `urn:li:person:…`). LinkedIn answers 201
with the new post's URN in the `x-restli-id` header; its public page is
`https://www.linkedin.com/feed/update/<urn>/`.

LinkedIn has no threads: the parts go out as one post, separated by blank lines. The
commentary is in LinkedIn's "little" text format, where `\\ | { } @ [ ] ( ) < > # * _ ~`
are markup; they are escaped (URLs and #hashtags are left alone), or LinkedIn silently
cuts the post at the first one. Images go through the Images API
(`/rest/images?action=initializeUpload`, then a PUT of the bytes) and ride on the post
with their alt text.

LinkedIn cannot be asked whether a post with our key exists, so reconciling a stale claim
is for a human (CannotTell). It does refuse the same content twice (422 DUPLICATE_POST,
"Content is a duplicate of urn:li:share:…"): that answer is recorded as published under
the URN it names, which also makes a retry after a lost answer safe.
"""

from __future__ import annotations

import re
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

DEFAULT_BASE_URL = "https://api.linkedin.com"
DEFAULT_VERSION = "202609"  # LinkedIn keeps each monthly version for about a year
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RESERVED = frozenset("\\|{}@[]()<>#*_~")
URL = re.compile(r"https?://\S+")
HASHTAG = re.compile(r"#\w")
URN = re.compile(r"urn:li:[A-Za-z]+:[\w-]+")


def little_text(text: str) -> str:
    """Plain text -> LinkedIn "little" text: markup characters escaped, URLs and #tags kept."""
    out: list[str] = []
    position = 0
    for match in URL.finditer(text):
        out.append(_escape(text[position : match.start()]))
        out.append(match.group())
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


def _escape(text: str) -> str:
    escaped = []
    for index, char in enumerate(text):
        if char in RESERVED and not (char == "#" and HASHTAG.match(text, index)):
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


class LinkedInAdapter:
    """Posts on one LinkedIn member or organization page; see the module docstring."""

    def __init__(
        self,
        channel: Channel,
        environ: Mapping[str, str],
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.channel = channel
        self.token = credential(channel, "access_token", environ)
        self.author = str(channel.settings.get("author") or "")
        base_url = str(channel.settings.get("base_url") or DEFAULT_BASE_URL).rstrip("/")
        version = str(channel.settings.get("version") or DEFAULT_VERSION)
        self.client = httpx.Client(
            base_url=base_url,
            timeout=TIMEOUT,
            transport=transport,
            headers={
                "Authorization": f"Bearer {self.token}",
                "LinkedIn-Version": version,
                "X-Restli-Protocol-Version": "2.0.0",
            },
        )

    def post(self, outgoing: Outgoing) -> Delivery:
        """Publish the parts as one post (with its images); the URN from `x-restli-id`."""
        if not self.author.startswith("urn:li:"):
            raise PermanentError(
                f"{self.channel.name}: set `author: urn:li:organization:<id>` (or"
                " urn:li:person:<id>) for this channel in calendar/edcal.yml"
            )
        body: dict[str, Any] = {
            "author": self.author,
            "commentary": little_text("\n\n".join(outgoing.parts)),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        images = [(self._upload(path), alt) for path, alt in outgoing.media]
        if len(images) == 1:
            body["content"] = {"media": {"id": images[0][0], "altText": images[0][1]}}
        elif images:
            body["content"] = {
                "multiImage": {"images": [{"id": urn, "altText": alt} for urn, alt in images]}
            }
        response = self._send("POST", "/rest/posts", json=body)
        if response.status_code == 422 and "DUPLICATE_POST" in response.text:
            found = URN.search(_message(response))
            urn = found.group() if found else ""
            return Delivery(urn, post_url(urn) if urn else "")
        self._raise_for(response)
        urn = response.headers.get("x-restli-id", "")
        if not urn:
            raise TransientError(f"{self.channel.name}: LinkedIn gave no post id (x-restli-id)")
        return Delivery(urn, post_url(urn))

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """LinkedIn cannot be asked for a post by our key: a human must look."""
        raise CannotTell(
            f"LinkedIn cannot be asked whether {outgoing.item_id} went out; check the page"
            " and record it by hand"
        )

    def verify(self) -> str:
        """Check the token with `GET /v2/userinfo`; posts nothing."""
        response = self._send("GET", "/v2/userinfo")
        if response.status_code == 403:
            # The token authenticated; only the OpenID profile scope is missing.
            return "token accepted (userinfo needs the openid/profile scopes to show the name)"
        self._raise_for(response)
        try:
            name = response.json().get("name") or response.json().get("sub") or "?"
        except ValueError:
            name = "?"
        return f"authenticated as {name}"

    def _upload(self, path: str) -> str:
        """Register an image, PUT its bytes to the upload URL; the image URN."""
        data = read_image(self.channel.name, path).data
        response = self._send(
            "POST",
            "/rest/images",
            params={"action": "initializeUpload"},
            json={"initializeUploadRequest": {"owner": self.author}},
        )
        self._raise_for(response)
        try:
            value = response.json()["value"]
            upload_url, urn = str(value["uploadUrl"]), str(value["image"])
        except (ValueError, KeyError, TypeError):
            raise TransientError(
                f"{self.channel.name}: LinkedIn's image upload answer has no uploadUrl"
            ) from None
        self._raise_for(self._send("PUT", upload_url, content=data))
        return urn

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        who = f"{self.channel.name}: LinkedIn"
        return send(self.client, method, url, who=who, clean=self._clean, **kwargs)

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        text = self._clean(
            f"{self.channel.name}: LinkedIn answered {status}: {_message(response)}".rstrip(": ")
        )
        error: DeliveryError
        if status == 401:
            error = AuthError(f"{text} — the access token was refused or has expired")
        elif status == 403:
            error = AuthError(f"{text} — the token may not post as {self.author or 'the author'}")
        elif status == 429:
            error = TransientError(text, retry_after=_retry_after(response))
        elif status >= 500:
            error = TransientError(text)
        else:
            error = PermanentError(text)
        raise error

    def _clean(self, text: str) -> str:
        return scrub(text, (self.token,))


def post_url(urn: str) -> str:
    """The public page of a post."""
    return f"https://www.linkedin.com/feed/update/{urn}/"


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error_description") or "")[:300]
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def make_adapter(
    channel: Channel, environ: Mapping[str, str], transport: httpx.BaseTransport | None = None
) -> LinkedInAdapter:
    """The LinkedIn adapter for a channel; AuthError naming the variable when it is missing."""
    return LinkedInAdapter(channel, environ, transport)


def verify(
    channel: Channel, environ: Mapping[str, str], transport: httpx.BaseTransport | None = None
) -> str:
    """Check the channel's token with `GET /v2/userinfo`; posts nothing."""
    return LinkedInAdapter(channel, environ, transport).verify()
