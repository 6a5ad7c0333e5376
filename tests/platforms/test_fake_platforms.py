"""The fake platform server itself, and the network guard every test runs under."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from netguard import ExternalConnection, is_local

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fake_platforms.py"


def call(
    server: Any,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5,
) -> tuple[int, dict[str, str], Any]:
    """One request with urllib: (status, headers, JSON body or None)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(server.url + path, data=data, method=method)
    request.add_header("Authorization", "Bearer test-token")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer_headers, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, dict(error.headers), error.read()
    return status, answer_headers, json.loads(raw) if raw else None


def test_mastodon_answers_a_repeated_idempotency_key_with_the_same_status(server: Any) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = call(server, "POST", "/api/v1/statuses", {"status": "Hello"}, key)
    again = call(server, "POST", "/api/v1/statuses", {"status": "Hello"}, key)
    other = call(
        server, "POST", "/api/v1/statuses", {"status": "Hello"}, {"Idempotency-Key": "k-2"}
    )
    assert first[0] == again[0] == 200
    assert first[2]["id"] == again[2]["id"] != other[2]["id"]
    assert [p["idempotency_key"] for p in server.posts("mastodon")] == ["k-1", "k-2"]
    recorded = server.calls("mastodon", path="/api/v1/statuses")
    assert [r.headers["idempotency-key"] for r in recorded] == ["k-1", "k-1", "k-2"]
    assert recorded[0].json == {"status": "Hello"}


def test_mastodon_instance_tells_its_character_limit(server: Any) -> None:
    server.mastodon.max_characters = 640
    status, _, body = call(server, "GET", "/api/v2/instance")
    assert status == 200
    assert body["configuration"]["statuses"]["max_characters"] == 640


def test_bluesky_refuses_a_second_record_at_the_same_key_like_the_pds(server: Any) -> None:
    _, _, session = call(
        server,
        "POST",
        "/xrpc/com.atproto.server.createSession",
        {"identifier": "a.test", "password": "p"},
    )
    auth = {"Authorization": f"Bearer {session['accessJwt']}"}
    record = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2026-12-01T00:00:00Z"}
    create = {
        "repo": session["did"],
        "collection": "app.bsky.feed.post",
        "rkey": "3abc",
        "record": record,
    }
    first = call(server, "POST", "/xrpc/com.atproto.repo.createRecord", create, auth)
    second = call(server, "POST", "/xrpc/com.atproto.repo.createRecord", create, auth)
    assert first[0] == 200 and first[2]["uri"].endswith("/app.bsky.feed.post/3abc")
    assert second[0] == 500
    query = f"?repo={session['did']}&collection=app.bsky.feed.post"
    found = call(server, "GET", f"/xrpc/com.atproto.repo.getRecord{query}&rkey=3abc")
    missing = call(server, "GET", f"/xrpc/com.atproto.repo.getRecord{query}&rkey=3abd")
    assert found[2]["value"]["text"] == "hi"
    assert (missing[0], missing[2]["error"]) == (400, "RecordNotFound")


def test_x_refuses_the_same_text_twice_and_sends_rate_headers(server: Any) -> None:
    first = call(server, "POST", "/2/tweets", {"text": "Same"})
    second = call(server, "POST", "/2/tweets", {"text": "Same"})
    assert first[0] == 201 and first[1]["x-rate-limit-remaining"] == "99"
    assert second[0] == 403 and "duplicate content" in second[2]["detail"]


def test_linkedin_needs_its_version_headers_and_answers_the_urn_in_a_header(server: Any) -> None:
    post = {
        "author": "urn:li:person:1",
        "commentary": "Hi",
        "visibility": "PUBLIC",
        "lifecycleState": "PUBLISHED",
    }
    refused = call(server, "POST", "/rest/posts", post)
    versions = {"LinkedIn-Version": "202611", "X-Restli-Protocol-Version": "2.0.0"}
    created = call(server, "POST", "/rest/posts", post, versions)
    assert refused[0] == 400
    assert created[0] == 201 and created[1]["x-restli-id"].startswith("urn:li:share:")


def test_facebook_posts_to_a_page_feed(server: Any) -> None:
    status, _, body = call(server, "POST", "/v21.0/123/feed?access_token=t", {"message": "Hi"})
    assert status == 200 and body["id"].startswith("123_")
    assert server.posts("facebook")[0]["message"] == "Hi"


def test_a_429_fault_carries_retry_after_and_the_reset_headers_then_passes(server: Any) -> None:
    server.fail("mastodon", "429", retry_after=7)
    limited = call(server, "POST", "/api/v1/statuses", {"status": "Hi"})
    passed = call(server, "POST", "/api/v1/statuses", {"status": "Hi"})
    assert limited[0] == 429
    assert limited[1]["Retry-After"] == "7" and limited[1]["X-RateLimit-Remaining"] == "0"
    assert passed[0] == 200


def test_a_fault_without_path_spares_reads(server: Any) -> None:
    server.fail("x", "500", times=2)
    assert call(server, "GET", "/2/users/me")[0] == 200
    assert call(server, "POST", "/2/tweets", {"text": "a"})[0] == 500
    assert call(server, "POST", "/2/tweets", {"text": "b"})[0] == 500
    assert call(server, "POST", "/2/tweets", {"text": "c"})[0] == 201


def test_drop_after_accept_keeps_the_post_and_never_answers(server: Any) -> None:
    server.fail("x", "drop-after-accept")
    with pytest.raises((ConnectionError, urllib.error.URLError)):
        call(server, "POST", "/2/tweets", {"text": "Kept"})
    assert [t["text"] for t in server.posts("x")] == ["Kept"]


def test_timeout_holds_the_request_past_the_clients_patience(server: Any) -> None:
    server.fail("x", "timeout", hold=3)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        call(server, "POST", "/2/tweets", {"text": "Slow"}, timeout=0.3)
    assert time.monotonic() - started < 2
    assert server.posts("x") == []


def test_an_unknown_fault_is_refused(server: Any) -> None:
    with pytest.raises(ValueError):
        server.fail("mastodon", "418")


def test_the_command_line_prints_its_url_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url + "/api/v1/instance", timeout=5) as response:
            assert json.loads(response.read())["title"] == "Fake Mastodon"
    finally:
        process.terminate()
        process.wait(timeout=5)


# -- the network guard (tests/netguard.py)


def test_the_guard_refuses_a_non_loopback_address_before_connecting(netguard: list[str]) -> None:
    # 192.0.2.1 is TEST-NET-1 (documentation only); the guard checks before the real connect,
    # so the socket is never connected and no packet leaves.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ExternalConnection):
            sock.connect(("192.0.2.1", 9))
        with pytest.raises(OSError):
            sock.getpeername()  # not connected
        with pytest.raises(ExternalConnection):
            sock.connect_ex(("192.0.2.1", 9))
    with pytest.raises(ExternalConnection):
        socket.create_connection(("192.0.2.1", 9), timeout=0.1)
    assert netguard == ["('192.0.2.1', 9)"] * 3
    netguard.clear()  # the refusals were the point of this test


def test_the_guard_lets_loopback_through(server: Any) -> None:
    assert (
        is_local(("127.0.0.1", 80)) and is_local(("::1", 80, 0, 0)) and is_local(("localhost", 1))
    )
    assert not is_local(("example.org", 443)) and not is_local(("10.0.0.1", 80))
    assert call(server, "GET", "/api/v1/instance")[0] == 200
