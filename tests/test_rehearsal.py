"""scripts/rehearse.py: the publish and check workflows, rehearsed over a simulated morning.

One full rehearsal runs per module (about half a minute); each test reads one fact of
its result, so a failure says which tick or which promise broke. The last test sabotages
a short rehearsal to show that the rehearsal does fail when posts do not go out.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from fakeserver import script_module
from netguard import is_local

REPAIR_CAFE = "Tomorrow, 14:00–18:00: repair café!"


def rehearse_module() -> ModuleType:
    """scripts/rehearse.py as a module."""
    return script_module("rehearse")


def guarded(run: Callable[[], Any]) -> tuple[Any, list[str]]:
    """`run()` with this process's connections to anything but loopback refused."""
    refused: list[str] = []
    real = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address):
            refused.append(repr(address))
            raise ConnectionRefusedError(f"test_rehearsal: loopback only, not {address!r}")
        return real(self, address)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", connect)
        return run(), refused


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    module = rehearse_module()
    folder = tmp_path_factory.mktemp("rehearsal")
    result, refused = guarded(lambda: module.rehearse(folder))
    assert refused == []
    yield result


def tick(rehearsal: Any, hour_minute: str) -> Any:
    (found,) = [t for t in rehearsal.ticks if f"{t.now:%H:%M}" == hour_minute]
    return found


def test_every_expectation_holds(rehearsal: Any) -> None:
    assert rehearsal.ok, rehearse_module().report(rehearsal)
    assert rehearsal.network == []
    assert [f"{t.now:%H:%M}" for t in rehearsal.ticks] == [
        "00:00",
        "08:45",
        "09:02",
        "09:05",
        "12:40",
        "12:55",
    ]


def test_the_workflows_run_steps_ran_as_written(rehearsal: Any) -> None:
    for each in rehearsal.ticks:
        ran = {s.name for s in each.steps if s.how == "ran"}
        assert {"Build the site as of now", "Publish what is due"} <= ran
        assert all(s.code == 0 for s in each.steps if s.how == "ran")
        skipped = {s.name: s.detail for s in each.steps if s.how == "skipped"}
        assert set(skipped) == {"Install edcal"}  # edcal is already installed here
    first = rehearsal.ticks[0]
    publish = next(s for s in first.steps if s.name == "Publish what is due")
    assert "edcal publish --import-past" in publish.detail
    later = next(s for s in rehearsal.ticks[1].steps if s.name == "Publish what is due")
    assert later.detail == "edcal publish"


def test_the_first_run_imports_the_past_without_posting(rehearsal: Any) -> None:
    first = tick(rehearsal, "00:00")
    assert first.requests == 0 and first.received == {}
    assert first.commits and not first.heartbeat_only
    assert all(path.startswith("calendar/ledger/") for path in first.changed)


def test_before_nine_the_article_is_not_on_the_site_and_nothing_goes_out(
    rehearsal: Any,
) -> None:
    early = tick(rehearsal, "08:45")
    assert early.live == ()
    assert early.requests == 0 and early.received == {}
    assert early.heartbeat_only  # at most a record that a run happened


def test_announcements_wait_while_the_deployed_feed_lacks_the_article(rehearsal: Any) -> None:
    held = tick(rehearsal, "09:02")
    assert held.live == ()
    assert held.feed_reads >= 1  # the run looked at the deployed feed …
    assert held.requests == 0 and held.commits == ()  # … and neither posted nor claimed


def test_once_live_the_article_is_announced_on_x_and_facebook(rehearsal: Any) -> None:
    nine = tick(rehearsal, "09:05")
    (article,) = nine.live
    assert article.startswith(rehearsal.site_url) and article.endswith("/community-time/")
    assert nine.newly_live == (article,)
    assert sorted(nine.received) == ["facebook", "x"]
    for texts in nine.received.values():
        (text,) = texts
        assert article in text
    assert any("claim 2 post(s)" in c for c in nine.commits)
    assert any("record 2 result(s)" in c for c in nine.commits)


def test_the_1230_post_goes_out_once_on_each_of_its_channels(rehearsal: Any) -> None:
    noon = tick(rehearsal, "12:40")
    assert sorted(noon.received) == ["bluesky", "mastodon", "x"]
    for texts in noon.received.values():
        (text,) = texts
        assert text.startswith(REPAIR_CAFE)
    assert noon.writes >= 3


def test_a_tick_with_nothing_due_changes_nothing(rehearsal: Any) -> None:
    late = tick(rehearsal, "12:55")
    assert late.requests == 0 and late.writes == 0
    assert late.commits == () and late.changed == ()
    assert len(late.live) == 1


def test_the_pull_request_preview_shows_the_move(rehearsal: Any) -> None:
    preview = rehearsal.preview
    assert preview is not None
    assert preview.moved == rehearse_module().PR_MOVE
    assert "2026-12-10T12:30:00 -> date: 2026-12-11T12:30:00" in preview.change
    assert not any(line.startswith("::error") for line in preview.annotations)
    (row,) = [line for line in preview.preview.splitlines() if "**moved**" in line]
    assert preview.moved in row and "Fri 11 Dec 12:30" in row
    skipped = {s.name for s in preview.steps if s.how == "skipped"}
    assert skipped == {"Install edcal", "Keep one preview comment on the pull request"}


def test_the_rehearsal_fails_when_posts_do_not_reach_the_platforms(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = rehearse_module()
    real = module.rewrite_config

    def still_outbox(*args: str) -> tuple[str, set[str]]:
        text, webhooks = real(*args)
        return text.replace("target: live", "target: outbox"), webhooks

    monkeypatch.setattr(module, "rewrite_config", still_outbox)
    first, nine = module.TICKS[0], module.TICKS[3]
    result = module.rehearse(tmp_path, ticks=(first, nine), pull_request=False)
    assert not result.ok
    assert any("x never got 'New on the blog" in f for f in result.failures), result.failures
    assert "FAILED" in module.report(result)
