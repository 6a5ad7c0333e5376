"""`edcal publish` with `target: live` to Mastodon and Bluesky (the fake server), in git.

The crash and race tests of tests/publish/test_publish.py, with the real adapters and
client libraries posting over 127.0.0.1: whatever happens to a run, each post is accepted
by the platform exactly once. Runs that must die (SIGKILL at a step) or race each other
are subprocesses; the others run in this process, where the network guard watches them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from edcal.cli import main
from edcal.ledger import read_ledger
from edcal.publish import CRASH_POINTS, PublishOptions, Report, publish
from gitrepos import clone, git, make_origin
from repos import social

PARIS = ZoneInfo("Europe/Paris")
SECRETS = {
    "EDCAL_TEST_MASTODON_TOKEN": "mastodon-token-value-7c1f",
    "EDCAL_TEST_BLUESKY_PASSWORD": "bsky-app-password-9d2e",
}
CONFIG = """\
timezone: Europe/Paris
site_url: https://example.org/
publish: {{target: live, max_delay: 6h, claim_timeout: 10m}}
channels:
  mastodon:
    platform: mastodon
    instance: {url}
    credentials: {{access_token: EDCAL_TEST_MASTODON_TOKEN}}
  bluesky:
    platform: bluesky
    handle: atelier.test
    service: {url}
    credentials: {{app_password: EDCAL_TEST_BLUESKY_PASSWORD}}
"""


# Real, recent times: the Mastodon adapter reconciles a stale claim by posting again under
# the same key only while the item was due less than 55 minutes ago by the real clock
# (Mastodon keeps a key for an hour), so fixed dates would stop working once past.
BASE = (datetime.now(PARIS) - timedelta(minutes=2)).replace(second=0, microsecond=0)


def when(days_before: int = 0, minutes: int = 0) -> datetime:
    """A moment `days_before` days before BASE, plus `minutes`."""
    return BASE - timedelta(days=days_before) + timedelta(minutes=minutes)


def calendar_files(url: str, days: int, per_day: int = 1) -> dict[str, str]:
    """A live config and `per_day` posts (5 minutes apart) on each of `days` days to BASE.

    Day `d` of `days` is `days - d` days before BASE; its posts are s<d>, s<d>a, s<d>b …
    """
    files = {"calendar/edcal.yml": CONFIG.format(url=url)}
    for day in range(1, days + 1):
        for n in range(per_day):
            name = f"s{day}" + ("" if n == 0 else chr(ord("a") + n - 1))
            files[f"content/social/{name}.md"] = social(
                id=name,
                date=when(days - day, 5 * n).strftime("%Y-%m-%dT%H:%M:%S"),
                channels="[mastodon, bluesky]",
                text=f"Post {name}",
            )
    return files


def crashing_run(repo: Path, now: datetime, step: str) -> subprocess.CompletedProcess[str]:
    """A run in a subprocess that kills itself (SIGKILL) at `step`."""
    env = {**os.environ, **SECRETS, "EDCAL_TEST_CRASH_AT": step}
    return subprocess.run(
        [sys.executable, "-m", "edcal", "--repo", str(repo), "--now", now.isoformat(), "publish"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)


def run(repo: Path, now: datetime) -> Report:
    """A normal run in this process; back-off waits are skipped."""
    options = PublishOptions(now=now)
    return publish(repo, options, sleep=lambda seconds: None)


def posted(server: Any) -> Counter[tuple[str, str]]:
    """(text, platform) of everything the platforms hold."""
    return Counter(
        (str(p["text"]), platform)
        for platform in ("mastodon", "bluesky")
        for p in server.posts(platform)
    )


def both(*names: str) -> dict[tuple[str, str], int]:
    return {(f"Post {n}", platform): 1 for n in names for platform in ("mastodon", "bluesky")}


def statuses(server: Any) -> list[Any]:
    return server.calls("mastodon", method="POST", path="/api/v1/statuses")


def sessions(server: Any) -> int:
    return len(server.calls("bluesky", path="com.atproto.server.createSession"))


def test_a_live_run_posts_once_per_platform_and_records_the_urls(
    tmp_path: Path, server: Any
) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(server.url, 1, per_day=2)), tmp_path / "r")
    report = run(repo, when(0, 10))
    assert {o.kind for o in report.outcomes} == {"published"}, report
    assert posted(server) == both("s1", "s1a")
    assert sessions(server) == 1  # one session for the run's two Bluesky posts
    ledger = read_ledger(repo).records
    toot = next(p for p in server.posts("mastodon") if p["text"] == "Post s1")
    assert ledger[("s1", "mastodon")].events[-1].url == toot["url"]
    sky_url = ledger[("s1", "bluesky")].events[-1].url
    assert sky_url.startswith("https://bsky.app/profile/atelier.test/post/")
    sent = {r.form["status"][0]: r for r in statuses(server)}
    assert sent["Post s1"].headers["idempotency-key"] == ledger[("s1", "mastodon")].key
    assert run(repo, when(0, 25)).outcomes == ()
    assert posted(server) == both("s1", "s1a")


def test_a_run_with_nothing_due_sends_nothing_and_opens_no_session(
    tmp_path: Path, server: Any
) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(server.url, 1)), tmp_path / "r")
    assert run(repo, when(0, -1)).outcomes == ()
    assert server.requests == []


@pytest.mark.parametrize("step", CRASH_POINTS)
def test_a_crash_at_any_step_then_a_normal_run_posts_exactly_once(
    step: str, tmp_path: Path, server: Any
) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(server.url, 2)), tmp_path / "r")
    crashed = crashing_run(repo, when(0, 1), step)
    assert crashed.returncode == -9, crashed.stderr
    # The next scheduled run, 15 minutes later (past the 10-minute claim timeout).
    report = run(repo, when(0, 16))
    assert not report.failed, report
    assert posted(server) == both("s2")
    states = {k: r.state for k, r in read_ledger(repo).records.items()}
    assert states[("s1", "mastodon")] == states[("s1", "bluesky")] == "missed"
    assert states[("s2", "mastodon")] == states[("s2", "bluesky")] == "published"


def test_an_answer_lost_after_the_post_then_the_runs_retry_posts_once(
    tmp_path: Path, server: Any
) -> None:
    server.fail("mastodon", "drop-after-accept", path="/api/v1/statuses")
    server.fail("bluesky", "drop-after-accept", path="createRecord")
    repo = clone(make_origin(tmp_path, calendar_files(server.url, 1)), tmp_path / "r")
    report = run(repo, when(0, 1))
    assert not report.failed, report
    assert posted(server) == both("s1")
    states = {k: r.state for k, r in read_ledger(repo).records.items()}
    assert set(states.values()) == {"published"}


def test_two_publishers_started_together_post_each_item_once(tmp_path: Path, server: Any) -> None:
    days = 3
    origin = make_origin(tmp_path, calendar_files(server.url, days))
    runners = [clone(origin, tmp_path / f"runner{n}") for n in range(2)]
    for day in range(1, days + 1):
        now = when(days - day, 1).isoformat()
        env = {k: v for k, v in os.environ.items() if k != "EDCAL_TEST_CRASH_AT"}
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "edcal", "--repo", str(r), "--now", now, "publish"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=env,
            )
            for r in runners
        ]
        for process in started:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, out + err
    assert posted(server) == both(*(f"s{d}" for d in range(1, days + 1)))
    # Not only what the platforms kept: each post was sent once (no run relied on the
    # platform's idempotency to hide a second attempt).
    keys = Counter(
        r.headers["idempotency-key"] for r in server.calls("mastodon", "POST", "/statuses")
    )
    rkeys = Counter(r.json["rkey"] for r in server.calls("bluesky", "POST", "createRecord"))
    assert set(keys.values()) == set(rkeys.values()) == {1}


def test_refused_credentials_give_one_clear_line_and_never_show_the_secrets(
    tmp_path: Path, server: Any
) -> None:
    server.tokens.update(mastodon="the-right-token", bluesky="the-right-password")
    repo = clone(make_origin(tmp_path, calendar_files(server.url, 1)), tmp_path / "r")
    args = ["--repo", str(repo), "--now", when(0, 1).isoformat(), "publish"]
    done = CliRunner().invoke(main, args, env=SECRETS)
    assert done.exit_code == 1, done.output
    output = done.output
    failed = [line for line in output.splitlines() if line.startswith("| failed |")]
    assert len(failed) == 2
    assert "EDCAL_TEST_MASTODON_TOKEN" in output and "EDCAL_TEST_BLUESKY_PASSWORD" in output
    # Nowhere: not in the output, nor in any file of the clone (ledger, a stray outbox),
    # nor in anything committed.
    written = "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in repo.rglob("*")
        if path.is_file() and ".git" not in path.parts
    )
    history = git(repo, "log", "-p", "--all")
    assert "calendar/ledger/s1/mastodon.json" in history
    for secret in SECRETS.values():
        assert secret not in output
        assert secret not in written
        assert secret not in history
    assert posted(server) == Counter()
