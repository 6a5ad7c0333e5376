"""The Bluesky adapter: the real atproto Client over 127.0.0.1 against the fake PDS."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from edcal.config import parse_config
from edcal.model import Channel
from edcal.platforms.base import AuthError, Outgoing, PermanentError, TransientError
from edcal.platforms.bluesky import BlueskyAdapter, make_adapter, record_key, verify

PASSWORD = "abcd-efgh-ijkl-mnop"
ENV = {"EDCAL_BLUESKY_PASSWORD": PASSWORD}
KEY = "0123456789abcdef0123456789abcdef"
SCHEDULED = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")


def channel(server: Any) -> Channel:
    config, problems = parse_config(
        "timezone: UTC\n"
        "channels:\n"
        "  sky:\n"
        "    platform: bluesky\n"
        "    handle: atelier.test\n"
        f"    service: {server.url}\n"
        "    credentials: {app_password: EDCAL_BLUESKY_PASSWORD}\n"
    )
    assert [p for p in problems if p.severity == "error"] == []
    return config.channels["sky"]


def outgoing(*parts: str, media: tuple[tuple[str, str], ...] = (), key: str = KEY) -> Outgoing:
    return Outgoing("s1", "sky", key, SCHEDULED, parts or ("Hello",), media)


def adapter(server: Any, timeout: float = 5.0, cards: bool = False) -> BlueskyAdapter:
    return BlueskyAdapter(channel(server), PASSWORD, timeout=timeout, cards=cards)


def creates(server: Any) -> list[Any]:
    return server.calls("bluesky", path="com.atproto.repo.createRecord")


def sessions(server: Any) -> int:
    return len(server.calls("bluesky", path="com.atproto.server.createSession"))


def test_record_keys_are_tids_stable_per_post_and_ordered_per_part() -> None:
    keys = [record_key(KEY, n, SCHEDULED) for n in range(3)]
    assert all(TID.fullmatch(k) for k in keys)
    assert keys == [record_key(KEY, n, SCHEDULED) for n in range(3)]
    assert keys == sorted(keys) and len(set(keys)) == 3
    assert record_key("another key", 0, SCHEDULED) not in keys


def test_each_part_is_created_at_its_derived_key_as_a_reply_chain(server: Any) -> None:
    delivery = adapter(server).post(outgoing("One", "Two", "Three"))

    sent = [r.json for r in creates(server)]
    assert [s["rkey"] for s in sent] == [record_key(KEY, n, SCHEDULED) for n in range(3)]
    posts = server.posts("bluesky")
    assert [p["text"] for p in posts] == ["One", "Two", "Three"]
    first, second, third = (p["record"] for p in posts)
    assert "reply" not in first
    root = {"uri": posts[0]["uri"], "cid": posts[0]["cid"]}
    assert {k: second["reply"]["root"][k] for k in root} == root
    assert {k: second["reply"]["parent"][k] for k in root} == root
    assert third["reply"]["root"]["uri"] == posts[0]["uri"]
    assert third["reply"]["parent"]["uri"] == posts[1]["uri"]
    rkey = record_key(KEY, 0, SCHEDULED)
    assert delivery.url == f"https://bsky.app/profile/atelier.test/post/{rkey}"
    assert delivery.remote_id == posts[0]["uri"]


def test_link_facets_sit_at_utf8_byte_offsets_after_accents_and_emoji(server: Any) -> None:
    text = "Café 🎉 au programme : https://example.org/été #atelier"
    adapter(server).post(outgoing(text))

    (record,) = (p["record"] for p in server.posts("bluesky"))
    encoded = text.encode()
    spans = {
        encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]
        for f in record["facets"]
    }
    assert spans["https://example.org/été"]["uri"] == "https://example.org/été"
    assert spans["#atelier"]["tag"] == "atelier"
    link = next(f for f in record["facets"] if "uri" in f["features"][0])
    # 22 characters before the link, 26 bytes: é takes 2, 🎉 takes 4
    assert link["index"]["byteStart"] == len("Café 🎉 au programme : ".encode()) == 26


def test_a_mention_resolves_to_its_did(server: Any) -> None:
    server.bluesky.handles["camille.test"] = "did:plc:camillecamillecamilleca"
    adapter(server).post(outgoing("Merci @camille.test !"))
    (record,) = (p["record"] for p in server.posts("bluesky"))
    (facet,) = record["facets"]
    assert facet["features"][0]["did"] == "did:plc:camillecamillecamilleca"


# atproto's uploadBlob hands httpx the bytes as `data=`, which httpx deprecates.
@pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
def test_images_go_up_as_blobs_with_their_alt_text(server: Any, tmp_path: Path) -> None:
    pictures = []
    for n in range(2):
        path = tmp_path / f"p{n}.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes([n]) * 16)
        pictures.append((str(path), f"Picture {n}"))
    adapter(server).post(outgoing("Photos", "And more", media=tuple(pictures)))

    uploads = server.calls("bluesky", path="com.atproto.repo.uploadBlob")
    assert [u.body[-1] for u in uploads] == [0, 1]
    first, second = (p["record"] for p in server.posts("bluesky"))
    images = first["embed"]["images"]
    assert [i["alt"] for i in images] == ["Picture 0", "Picture 1"]
    assert all(i["image"]["ref"]["$link"] in server.bluesky.blobs for i in images)
    assert "embed" not in second


def test_a_too_large_image_is_refused_before_upload(server: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\0" * 1_000_001)
    with pytest.raises(PermanentError, match="up to 1,000,000"):
        adapter(server).post(outgoing(media=((str(big), "Big"),)))
    assert server.calls("bluesky", path="uploadBlob") == []


def test_the_first_link_gets_a_card_from_its_page(server: Any) -> None:
    server.pages["article"] = (
        "<html><head><title>Fallback</title>"
        '<meta property="og:title" content="Plan a community week">'
        '<meta property="og:description" content="How we plan, post by post."></head></html>'
    )
    adapter(server, cards=True).post(outgoing(f"New: {server.url}/pages/article"))
    (record,) = (p["record"] for p in server.posts("bluesky"))
    assert record["embed"]["external"] == {
        "$type": "app.bsky.embed.external#external",
        "uri": f"{server.url}/pages/article",
        "title": "Plan a community week",
        "description": "How we plan, post by post.",
    }


def test_a_link_whose_page_does_not_answer_gets_no_card(server: Any) -> None:
    adapter(server, cards=True).post(outgoing(f"Gone: {server.url}/pages/missing"))
    (record,) = (p["record"] for p in server.posts("bluesky"))
    assert "embed" not in record


def test_one_session_serves_every_post_of_a_run(server: Any) -> None:
    poster = adapter(server)
    poster.post(outgoing("One", key="k1"))
    poster.post(outgoing("Two", key="k2"))
    poster.find_by_key(outgoing("Three", key="k3"))
    assert sessions(server) == 1
    login = server.calls("bluesky", path="createSession")[0].json
    assert login == {"identifier": "atelier.test", "password": PASSWORD}


def test_making_the_adapter_opens_no_session(server: Any) -> None:
    make_adapter(channel(server), ENV)
    assert server.requests == []


def test_find_by_key_asks_for_the_derived_record(server: Any) -> None:
    assert adapter(server).find_by_key(outgoing("Not yet")) is None
    made = adapter(server).post(outgoing("Not yet"))
    assert adapter(server).find_by_key(outgoing("Not yet")) == made


def test_a_half_made_thread_is_not_found_and_posting_finishes_it(server: Any) -> None:
    adapter(server).post(outgoing("Only"))  # as if a run died after the first part
    thread = outgoing("Only", "Second")

    assert adapter(server).find_by_key(thread) is None
    adapter(server).post(thread)

    first, second = server.posts("bluesky")
    assert (first["text"], second["text"]) == ("Only", "Second")
    assert second["record"]["reply"]["parent"]["uri"] == first["uri"]


def test_an_answer_lost_after_the_create_then_a_retry_makes_one_record(server: Any) -> None:
    server.fail("bluesky", "drop-after-accept", path="createRecord")
    poster = adapter(server)
    delivery = poster.post(outgoing("Once"))  # the create is found at its key
    assert [p["text"] for p in server.posts("bluesky")] == ["Once"]
    assert delivery.remote_id == server.posts("bluesky")[0]["uri"]


def test_a_429_is_transient_with_the_wait_the_pds_gives(server: Any) -> None:
    server.fail("bluesky", "429", path="createRecord", retry_after=40)
    with pytest.raises(TransientError) as raised:
        adapter(server).post(outgoing())
    assert raised.value.retry_after == 40


@pytest.mark.parametrize(("kind", "uncertain"), [("500", False), ("timeout", True)])
def test_server_errors_and_timeouts_are_transient(server: Any, kind: str, uncertain: bool) -> None:
    server.fail("bluesky", kind, path="createRecord", times=2, hold=3)
    with pytest.raises(TransientError) as raised:
        adapter(server, timeout=0.5).post(outgoing())
    # A timed-out create may still be done: the next attempt looks the key up first.
    assert raised.value.uncertain is uncertain


def test_a_pds_that_cannot_be_reached_was_surely_not_posted_to(server: Any) -> None:
    with socket.socket() as probe:  # a port on this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    unreachable = replace(
        channel(server), settings={"handle": "a.test", "service": f"http://127.0.0.1:{port}"}
    )
    with pytest.raises(TransientError) as raised:
        BlueskyAdapter(unreachable, PASSWORD, timeout=2).post(outgoing())
    assert raised.value.uncertain is False


def test_a_refused_record_is_permanent(server: Any) -> None:
    server.fail("bluesky", "422", path="createRecord")
    with pytest.raises(PermanentError, match="InvalidRequest"):
        adapter(server).post(outgoing())


def test_a_refused_app_password_names_the_variable_and_never_shows_it(server: Any) -> None:
    server.tokens["bluesky"] = "the-right-app-password"
    with pytest.raises(AuthError) as raised:
        make_adapter(channel(server), ENV).post(outgoing())
    message = str(raised.value)
    assert "EDCAL_BLUESKY_PASSWORD" in message and "atelier.test" in message
    assert PASSWORD not in message
    assert server.calls("bluesky", path="createRecord") == []


def test_an_unset_variable_is_an_auth_error_before_any_request(server: Any) -> None:
    with pytest.raises(AuthError, match="EDCAL_BLUESKY_PASSWORD"):
        make_adapter(channel(server), {})
    assert server.requests == []


def test_verify_logs_in_without_posting(server: Any) -> None:
    assert verify(channel(server), ENV) == f"@atelier.test on {server.url}"
    assert creates(server) == []
