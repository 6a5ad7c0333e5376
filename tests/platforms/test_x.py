"""The X adapter against X's HTTP API, intercepted at requests' transport by `responses`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from edcal.config import parse_config
from edcal.model import Channel
from edcal.platforms.base import AuthError, CannotTell, Delivery, Outgoing, TransientError
from edcal.platforms.x import XAdapter, make_adapter, verify
from fakeserver import fake_platforms

API = "https://api.x.com"
ENV = {
    "X_CK": "consumer-key-1111",
    "X_CS": "consumer-secret-2222",
    "X_AT": "access-token-3333",
    "X_ATS": "access-secret-4444",
}
NOW = 1_800_000_000.0
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


def x_channel(settings: str = 'account: "@atelier"') -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  x:\n"
        "    platform: x\n"
        f"    {settings}\n"
        "    credentials: {consumer_key: X_CK, consumer_secret: X_CS,"
        " access_token: X_AT, access_token_secret: X_ATS}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["x"]


def outgoing(*parts: str, media: tuple[tuple[str, str], ...] = ()) -> Outgoing:
    scheduled = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    return Outgoing("s1", "x", "key-1", scheduled, parts, media)


def adapter(channel: Channel | None = None) -> XAdapter:
    return XAdapter(channel or x_channel(), ENV, clock=lambda: NOW)


def tweet(post_id: str) -> dict[str, object]:
    return {"data": {"id": post_id, "text": "…"}}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def bodies(api: responses.RequestsMock, path: str) -> list[dict[str, object]]:
    return [
        json.loads(call.request.body or b"{}")
        for call in api.calls
        if call.request.url == API + path
    ]


def test_a_thread_goes_out_in_order_each_part_replying_to_the_one_before(
    api: responses.RequestsMock,
) -> None:
    for post_id in ("101", "102", "103"):
        api.post(f"{API}/2/tweets", json=tweet(post_id), status=201)

    delivery = adapter().post(outgoing("one", "two", "three"))

    assert delivery == Delivery("101", "https://x.com/atelier/status/101")
    assert bodies(api, "/2/tweets") == [
        {"text": "one"},
        {"text": "two", "reply": {"in_reply_to_tweet_id": "101"}},
        {"text": "three", "reply": {"in_reply_to_tweet_id": "102"}},
    ]


def test_every_call_is_signed_with_oauth1_hmac_sha1(api: responses.RequestsMock) -> None:
    api.post(f"{API}/2/tweets", json=tweet("1"), status=201)

    adapter().post(outgoing("hello"))

    header = api.calls[0].request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    assert header.startswith("OAuth ")
    assert 'oauth_consumer_key="consumer-key-1111"' in header
    assert 'oauth_token="access-token-3333"' in header
    assert 'oauth_signature_method="HMAC-SHA1"' in header
    assert 'oauth_signature="' in header
    assert "consumer-secret-2222" not in header and "access-secret-4444" not in header


def test_images_are_uploaded_with_alt_text_and_attached_to_the_first_part(
    api: responses.RequestsMock, tmp_path: Path
) -> None:
    image = tmp_path / "cat.png"
    image.write_bytes(b"\x89PNG fake image bytes")
    api.post(f"{API}/2/media/upload", json={"data": {"id": "777", "media_key": "3_777"}})
    api.post(f"{API}/2/media/metadata", json={"data": {}})
    api.post(f"{API}/2/tweets", json=tweet("201"), status=201)
    api.post(f"{API}/2/tweets", json=tweet("202"), status=201)

    adapter().post(outgoing("look", "more", media=((str(image), "A cat on a chair"),)))

    upload = api.calls[0].request
    assert upload.url == f"{API}/2/media/upload"
    assert b"fake image bytes" in upload.body
    assert b'name="media_category"' in upload.body and b"tweet_image" in upload.body
    assert str(upload.headers["Authorization"]).startswith(("OAuth ", "b'OAuth "))
    assert bodies(api, "/2/media/metadata") == [
        {"id": "777", "metadata": {"alt_text": {"text": "A cat on a chair"}}}
    ]
    assert bodies(api, "/2/tweets") == [
        {"text": "look", "media": {"media_ids": ["777"]}},
        {"text": "more", "reply": {"in_reply_to_tweet_id": "201"}},
    ]


def test_429_waits_until_x_rate_limit_reset(api: responses.RequestsMock) -> None:
    api.post(
        f"{API}/2/tweets",
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        status=429,
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW) + 90)},
    )

    with pytest.raises(TransientError) as caught:
        adapter().post(outgoing("hello"))

    assert caught.value.retry_after == 90


def test_429_on_the_daily_post_cap_waits_for_the_24_hour_reset(
    api: responses.RequestsMock,
) -> None:
    api.post(
        f"{API}/2/tweets",
        json={"title": "Too Many Requests", "status": 429},
        status=429,
        headers={
            "x-rate-limit-remaining": "40",
            "x-rate-limit-reset": str(int(NOW) + 60),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(int(NOW) + 7200),
        },
    )

    with pytest.raises(TransientError) as caught:
        adapter().post(outgoing("hello"))

    assert caught.value.retry_after == 7200


def test_a_duplicate_answer_means_the_post_is_already_there(api: responses.RequestsMock) -> None:
    api.post(f"{API}/2/tweets", json=DUPLICATE, status=403)

    assert adapter().post(outgoing("hello", "again")) == Delivery("", "")
    assert len(api.calls) == 1  # the rest of the thread is not posted under nothing


def test_401_is_an_auth_error_that_shows_no_secret(api: responses.RequestsMock) -> None:
    echo = " ".join(ENV.values())  # a server echoing credentials must not leak them
    api.post(f"{API}/2/tweets", json={"title": "Unauthorized", "detail": echo}, status=401)

    with pytest.raises(AuthError) as caught:
        adapter().post(outgoing("hello"))

    message = str(caught.value)
    assert "401" in message and "refused" in message
    assert not any(secret in message for secret in ENV.values())


def test_403_for_missing_app_permissions_is_an_auth_error(api: responses.RequestsMock) -> None:
    detail = (
        "Your client app is not configured with the appropriate oauth1 app permissions"
        " for this endpoint."
    )
    api.post(f"{API}/2/tweets", json={"title": "Forbidden", "detail": detail}, status=403)

    with pytest.raises(AuthError, match="oauth1 app permissions"):
        adapter().post(outgoing("hello"))


def test_a_server_error_or_timeout_is_transient(api: responses.RequestsMock) -> None:
    api.post(f"{API}/2/tweets", json={"title": "Service Unavailable"}, status=503)
    api.post(f"{API}/2/tweets", body=requests.exceptions.ReadTimeout("slow"))
    x = adapter()

    with pytest.raises(TransientError, match="503"):
        x.post(outgoing("hello"))
    with pytest.raises(TransientError, match="in time"):
        x.post(outgoing("hello"))


def test_a_retried_thread_resumes_without_posting_a_part_twice(
    api: responses.RequestsMock,
) -> None:
    api.post(f"{API}/2/tweets", json=tweet("301"), status=201)
    api.post(f"{API}/2/tweets", json={"title": "Service Unavailable"}, status=503)
    api.post(f"{API}/2/tweets", json=tweet("302"), status=201)
    x = adapter()

    with pytest.raises(TransientError):
        x.post(outgoing("one", "two"))
    delivery = x.post(outgoing("one", "two"))

    assert delivery.remote_id == "301"
    assert [b["text"] for b in bodies(api, "/2/tweets")] == ["one", "two", "two"]


def test_reconciling_posts_once_and_a_duplicate_answer_means_done(
    api: responses.RequestsMock,
) -> None:
    api.post(f"{API}/2/tweets", json=DUPLICATE, status=403)

    assert adapter().find_by_key(outgoing("hello")) == Delivery("", "")


def test_reconciling_that_gets_through_records_the_new_post(api: responses.RequestsMock) -> None:
    api.post(f"{API}/2/tweets", json=tweet("401"), status=201)

    found = adapter().find_by_key(outgoing("hello"))

    assert found is not None and found.remote_id == "401"


def test_reconciling_that_fails_otherwise_is_for_a_human(api: responses.RequestsMock) -> None:
    api.post(f"{API}/2/tweets", json={"title": "Service Unavailable"}, status=503)

    with pytest.raises(CannotTell, match="cannot be asked"):
        adapter().find_by_key(outgoing("hello"))


def test_api_base_moves_every_call_to_another_host(api: responses.RequestsMock) -> None:
    api.post("http://127.0.0.1:8123/2/tweets", json=tweet("9"), status=201)

    channel = x_channel("api_base: http://127.0.0.1:8123")
    delivery = XAdapter(channel, ENV).post(outgoing("local"))

    assert delivery == Delivery("9", "https://x.com/i/web/status/9")
    assert api.calls[0].request.url == "http://127.0.0.1:8123/2/tweets"


def test_the_client_never_sleeps_on_a_rate_limit() -> None:
    assert make_adapter(x_channel(), ENV).client.wait_on_rate_limit is False


def test_a_missing_variable_is_named_and_no_value_shown() -> None:
    environ = {k: v for k, v in ENV.items() if k != "X_AT"}

    with pytest.raises(AuthError, match="X_AT") as caught:
        make_adapter(x_channel(), environ)

    assert not any(secret in str(caught.value) for secret in ENV.values())


def test_verify_asks_who_the_keys_belong_to(api: responses.RequestsMock) -> None:
    api.get(f"{API}/2/users/me", json={"data": {"id": "1", "name": "A", "username": "atelier"}})

    assert verify(x_channel(), ENV) == "authenticated as @atelier"
    assert api.calls[0].request.method == "GET"


def test_verify_with_refused_keys_is_an_auth_error(api: responses.RequestsMock) -> None:
    api.get(f"{API}/2/users/me", json={"title": "Unauthorized", "status": 401}, status=401)

    with pytest.raises(AuthError, match="refused"):
        verify(x_channel(), ENV)


@pytest.fixture
def fake() -> Iterator[Any]:
    """Our fake platform server on 127.0.0.1 (scripts/fake_platforms.py)."""
    with fake_platforms().FakePlatforms() as server:
        yield server


def test_against_the_fake_server_a_thread_with_an_image_goes_out_and_a_repost_is_done(
    fake: Any, tmp_path: Path
) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG image")
    channel = x_channel(f"api_base: {fake.url}")
    thread = outgoing("first part", "second part", media=((str(image), "A workshop table"),))

    delivery = XAdapter(channel, ENV).post(thread)
    again = XAdapter(channel, ENV).find_by_key(thread)  # a later run reconciling its claim

    first, second = fake.posts("x")
    assert delivery.remote_id == first["id"] and again == Delivery("", "")
    assert (first["text"], second["in_reply_to"]) == ("first part", first["id"])
    assert [m["alt_text"] for m in first["media"]] == ["A workshop table"]
    assert all(c.headers["authorization"].startswith("OAuth ") for c in fake.calls("x"))
