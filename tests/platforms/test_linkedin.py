"""The LinkedIn adapter against the Posts API, through an httpx MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from edcal.config import parse_config
from edcal.model import Channel
from edcal.platforms.base import (
    AuthError,
    CannotTell,
    Delivery,
    Outgoing,
    PermanentError,
    TransientError,
)
from edcal.platforms.linkedin import DEFAULT_VERSION, LinkedInAdapter, little_text, verify
from fakeserver import fake_platforms

TOKEN = "li-token-5555-secret"
ENV = {"LINKEDIN_TOKEN": TOKEN}
Handler = Callable[[httpx.Request], httpx.Response]


def li_channel(settings: str = "author: urn:li:organization:42") -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  linkedin:\n"
        "    platform: linkedin\n"
        f"    {settings}\n"
        "    credentials: {access_token: LINKEDIN_TOKEN}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["linkedin"]


def outgoing(*parts: str, media: tuple[tuple[str, str], ...] = ()) -> Outgoing:
    scheduled = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    return Outgoing("s1", "linkedin", "key-1", scheduled, parts, media)


def recording(handler: Handler) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


def created(urn: str = "urn:li:share:123") -> Handler:
    return lambda request: httpx.Response(201, headers={"x-restli-id": urn})


def test_a_post_carries_the_version_restli_and_bearer_headers_and_the_posts_body() -> None:
    transport, seen = recording(created())

    delivery = LinkedInAdapter(li_channel(), ENV, transport).post(outgoing("Hello LinkedIn"))

    assert delivery == Delivery(
        "urn:li:share:123", "https://www.linkedin.com/feed/update/urn:li:share:123/"
    )
    (request,) = seen
    assert (request.method, str(request.url)) == ("POST", "https://api.linkedin.com/rest/posts")
    assert request.headers["LinkedIn-Version"] == DEFAULT_VERSION
    assert request.headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "author": "urn:li:organization:42",
        "commentary": "Hello LinkedIn",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }


def test_base_url_and_version_come_from_the_settings_and_parts_become_one_post() -> None:
    transport, seen = recording(created())
    channel = li_channel(
        'author: urn:li:person:7\n    base_url: http://127.0.0.1:9000\n    version: "202511"'
    )

    LinkedInAdapter(channel, ENV, transport).post(outgoing("first", "second"))

    assert str(seen[0].url) == "http://127.0.0.1:9000/rest/posts"
    assert seen[0].headers["LinkedIn-Version"] == "202511"
    assert json.loads(seen[0].content)["commentary"] == "first\n\nsecond"


def test_little_text_escapes_markup_but_keeps_urls_and_hashtags() -> None:
    text = "Read (this) now! #Community @team [1] a_b https://ex.org/a_(b)#c"

    assert little_text(text) == (
        r"Read \(this\) now! #Community \@team \[1\] a\_b https://ex.org/a_(b)#c"
    )


def test_images_are_registered_uploaded_and_attached_with_alt_text(tmp_path: Path) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(b"png bytes")

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rest/images":
            value = {"uploadUrl": "https://upload.example/img/1", "image": "urn:li:image:C1"}
            return httpx.Response(200, json={"value": value})
        if request.method == "PUT":
            return httpx.Response(201)
        return httpx.Response(201, headers={"x-restli-id": "urn:li:share:9"})

    transport, seen = recording(handler)

    LinkedInAdapter(li_channel(), ENV, transport).post(
        outgoing("With a chart", media=((str(image), "Bar chart of members"),))
    )

    init, put, post = seen
    assert init.url.params["action"] == "initializeUpload"
    assert json.loads(init.content) == {
        "initializeUploadRequest": {"owner": "urn:li:organization:42"}
    }
    assert (put.method, str(put.url), put.content) == (
        "PUT",
        "https://upload.example/img/1",
        b"png bytes",
    )
    assert json.loads(post.content)["content"] == {
        "media": {"id": "urn:li:image:C1", "altText": "Bar chart of members"}
    }


def test_a_duplicate_post_is_published_under_the_urn_linkedin_names() -> None:
    body = {
        "message": "com.linkedin.content.common.exception.BadRequestResponseException:"
        " Content is a duplicate of urn:li:share:7141138937766391808",
        "errorDetails": {"inputErrors": [{"code": "DUPLICATE_POST"}]},
        "status": 422,
    }
    transport, _ = recording(lambda request: httpx.Response(422, json=body))

    delivery = LinkedInAdapter(li_channel(), ENV, transport).post(outgoing("again"))

    assert delivery.remote_id == "urn:li:share:7141138937766391808"


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (401, {}, AuthError),
        (403, {}, AuthError),
        (422, {}, PermanentError),
        (400, {}, PermanentError),
        (429, {"Retry-After": "7"}, TransientError),
        (500, {}, TransientError),
        (503, {}, TransientError),
    ],
)
def test_errors_map_to_the_right_exception_without_the_token(
    status: int, headers: dict[str, str], expected: type[Exception]
) -> None:
    # A server echoing the token (or a proxy's error page doing so) must not leak it.
    body = {"message": f"failed for Bearer {TOKEN}", "status": status}
    transport, _ = recording(lambda request: httpx.Response(status, json=body, headers=headers))

    with pytest.raises(expected) as caught:
        LinkedInAdapter(li_channel(), ENV, transport).post(outgoing("hello"))

    assert TOKEN not in str(caught.value)
    assert str(status) in str(caught.value)
    if status == 429:
        assert isinstance(caught.value, TransientError) and caught.value.retry_after == 7


def test_a_timeout_is_transient() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(TransientError, match="in time"):
        LinkedInAdapter(li_channel(), ENV, httpx.MockTransport(slow)).post(outgoing("hello"))


def test_no_author_is_a_clear_refusal_before_any_call() -> None:
    transport, seen = recording(created())

    with pytest.raises(PermanentError, match="author"):
        LinkedInAdapter(li_channel("label: LinkedIn"), ENV, transport).post(outgoing("hi"))

    assert seen == []


def test_linkedin_cannot_be_asked_by_key() -> None:
    transport, seen = recording(created())

    with pytest.raises(CannotTell):
        LinkedInAdapter(li_channel(), ENV, transport).find_by_key(outgoing("hello"))

    assert seen == []  # never re-posted


def test_a_missing_token_names_its_variable() -> None:
    with pytest.raises(AuthError, match="LINKEDIN_TOKEN"):
        LinkedInAdapter(li_channel(), {})


def test_verify_reads_userinfo_and_posts_nothing() -> None:
    transport, seen = recording(lambda request: httpx.Response(200, json={"name": "Camille"}))

    assert verify(li_channel(), ENV, transport) == "authenticated as Camille"
    assert [(r.method, r.url.path) for r in seen] == [("GET", "/v2/userinfo")]


def test_verify_with_a_refused_token_is_an_auth_error() -> None:
    transport, _ = recording(lambda request: httpx.Response(401, json={"message": "Expired"}))

    with pytest.raises(AuthError, match="refused or has expired"):
        verify(li_channel(), ENV, transport)


@pytest.fixture
def fake() -> Iterator[Any]:
    """Our fake platform server on 127.0.0.1 (scripts/fake_platforms.py)."""
    with fake_platforms().FakePlatforms() as server:
        yield server


def test_against_the_fake_server_a_post_and_its_duplicate(fake: Any) -> None:
    channel = li_channel(f"author: urn:li:organization:42\n    base_url: {fake.url}")

    delivery = LinkedInAdapter(channel, ENV).post(outgoing("Hello (LinkedIn)"))
    again = LinkedInAdapter(channel, ENV).post(outgoing("Hello (LinkedIn)"))

    assert delivery.remote_id.startswith("urn:li:") and again.remote_id == delivery.remote_id
    assert len(fake.posts("linkedin")) == 1
