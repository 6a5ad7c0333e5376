"""The Facebook Page adapter against the Graph API, through an httpx MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
from edcal.platforms.facebook import DEFAULT_GRAPH_VERSION, FacebookAdapter, verify
from fakeserver import fake_platforms

TOKEN = "EAAB-page-token-6666"
ENV = {"FACEBOOK_PAGE_TOKEN": TOKEN}
PAGE = "100000000000000"
Handler = Callable[[httpx.Request], httpx.Response]


def fb_channel(settings: str = f'page_id: "{PAGE}"') -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  facebook:\n"
        "    platform: facebook\n"
        f"    {settings}\n"
        "    credentials: {page_token: FACEBOOK_PAGE_TOKEN}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["facebook"]


def outgoing(*parts: str, media: tuple[tuple[str, str], ...] = ()) -> Outgoing:
    scheduled = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    return Outgoing("s2", "facebook", "key-2", scheduled, parts, media)


def recording(handler: Handler) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return handler(request)

    return httpx.MockTransport(record), seen


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode())


def graph_error(code: int, message: str = "An error", **extra: object) -> dict[str, object]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


def test_a_post_goes_to_the_page_feed_with_the_token_in_a_header_never_the_url() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json={"id": f"{PAGE}_99"}))

    delivery = FacebookAdapter(fb_channel(), ENV, transport).post(outgoing("Hello", "readers"))

    assert delivery == Delivery(f"{PAGE}_99", f"https://www.facebook.com/{PAGE}/posts/99")
    (request,) = seen
    assert str(request.url) == f"https://graph.facebook.com/{DEFAULT_GRAPH_VERSION}/{PAGE}/feed"
    assert TOKEN not in str(request.url)
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert form(request) == {"message": ["Hello\n\nreaders"]}


def test_photos_are_uploaded_unpublished_with_alt_text_then_attached(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jpg", tmp_path / "b.png"
    first.write_bytes(b"jpeg bytes")
    second.write_bytes(b"png bytes")
    photo_ids = iter(["501", "502"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/photos"):
            return httpx.Response(200, json={"id": next(photo_ids)})
        return httpx.Response(200, json={"id": f"{PAGE}_77"})

    transport, seen = recording(handler)

    FacebookAdapter(fb_channel(), ENV, transport).post(
        outgoing("Two photos", media=((str(first), "A workshop"), (str(second), "")))
    )

    upload_a, upload_b, feed = seen
    assert upload_a.url.path == f"/{DEFAULT_GRAPH_VERSION}/{PAGE}/photos"
    assert b'name="published"\r\n\r\nfalse' in upload_a.content
    assert b'name="alt_text_custom"\r\n\r\nA workshop' in upload_a.content
    assert b"jpeg bytes" in upload_a.content
    assert b"alt_text_custom" not in upload_b.content  # no alt: none sent
    assert form(feed) == {
        "message": ["Two photos"],
        "attached_media[0]": [json.dumps({"media_fbid": "501"})],
        "attached_media[1]": [json.dumps({"media_fbid": "502"})],
    }


def test_error_506_duplicate_post_means_it_is_already_on_the_page() -> None:
    body = graph_error(506, "Duplicate status message")
    transport, _ = recording(lambda r: httpx.Response(400, json=body))

    assert FacebookAdapter(fb_channel(), ENV, transport).post(outgoing("again")) == Delivery("", "")


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, graph_error(190, "Error validating access token: Session has expired"), AuthError),
        (403, graph_error(200, "Requires pages_manage_posts permission"), AuthError),
        (400, graph_error(100, "Invalid parameter"), PermanentError),
        (422, {"error": {"message": "Unprocessable"}}, PermanentError),
        (400, graph_error(4, "Application request limit reached"), TransientError),
        (400, graph_error(32, "Page request limit reached"), TransientError),
        (429, {"error": {"message": "Too many calls"}}, TransientError),
        (500, graph_error(2, "Service temporarily unavailable", is_transient=True), TransientError),
    ],
)
def test_errors_map_to_the_right_exception_without_the_token(
    status: int, body: dict[str, object], expected: type[Exception]
) -> None:
    echoed = json.loads(json.dumps(body).replace('"message": "', f'"message": "{TOKEN} '))
    transport, _ = recording(lambda r: httpx.Response(status, json=echoed))

    with pytest.raises(expected) as caught:
        FacebookAdapter(fb_channel(), ENV, transport).post(outgoing("hello"))

    assert TOKEN not in str(caught.value)
    assert str(status) in str(caught.value)


def test_a_timeout_is_transient() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(TransientError, match="in time"):
        FacebookAdapter(fb_channel(), ENV, httpx.MockTransport(slow)).post(outgoing("hello"))


def test_facebook_cannot_be_asked_by_key() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json={"id": "x"}))

    with pytest.raises(CannotTell):
        FacebookAdapter(fb_channel(), ENV, transport).find_by_key(outgoing("hello"))

    assert seen == []


def test_a_missing_page_token_names_its_variable() -> None:
    with pytest.raises(AuthError, match="FACEBOOK_PAGE_TOKEN"):
        FacebookAdapter(fb_channel(), {})


def test_base_url_and_graph_version_come_from_the_settings() -> None:
    transport, seen = recording(lambda r: httpx.Response(200, json={"id": f"{PAGE}_1"}))
    channel = fb_channel(
        f'page_id: "{PAGE}"\n    base_url: http://127.0.0.1:9001\n    graph_version: v21.0'
    )

    FacebookAdapter(channel, ENV, transport).post(outgoing("local"))

    assert str(seen[0].url) == f"http://127.0.0.1:9001/v21.0/{PAGE}/feed"


def test_verify_asks_me_and_posts_nothing() -> None:
    me = {"id": PAGE, "name": "Atelier Libre"}
    transport, seen = recording(lambda r: httpx.Response(200, json=me))

    assert verify(fb_channel(), ENV, transport) == "authenticated as the page Atelier Libre"
    assert [(r.method, r.url.path) for r in seen] == [("GET", f"/{DEFAULT_GRAPH_VERSION}/me")]
    assert TOKEN not in str(seen[0].url)


def test_verify_refuses_a_token_of_another_page_or_user() -> None:
    transport, _ = recording(lambda r: httpx.Response(200, json={"id": "123", "name": "Camille"}))

    with pytest.raises(AuthError, match="not to page"):
        verify(fb_channel(), ENV, transport)


@pytest.fixture
def fake() -> Iterator[Any]:
    """Our fake platform server on 127.0.0.1 (scripts/fake_platforms.py)."""
    with fake_platforms().FakePlatforms() as server:
        yield server


def test_against_the_fake_server_a_post_with_a_photo(fake: Any, tmp_path: Path) -> None:
    image = tmp_path / "a.jpg"
    image.write_bytes(b"jpeg")
    channel = fb_channel(f'page_id: "{PAGE}"\n    base_url: {fake.url}')

    delivery = FacebookAdapter(channel, ENV).post(outgoing("Hello", media=((str(image), "Alt"),)))

    assert delivery.remote_id.startswith(f"{PAGE}_")
    assert all(TOKEN not in call.path and not call.query for call in fake.calls("facebook"))
    assert [c.method for c in fake.calls("facebook")] == ["POST", "POST"]
