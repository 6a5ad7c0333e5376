"""Publishing when platforms misbehave: retries, Retry-After, bad credentials, a month of chaos.

`FlakyPlatform` is a test platform behind the adapter protocol: it stores posts in the
real outbox and raises the errors real platforms raise, on demand or at random.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edcal.ledger import read_ledger
from edcal.model import Channel, Target
from edcal.platforms.base import AuthError, Delivery, Outgoing, TransientError
from edcal.platforms.outbox import OutboxAdapter
from edcal.publish import PublishOptions, publish
from repos import BASE_CONFIG, social

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class FlakyPlatform:
    """The outbox, plus scripted or random failures, and the run's `now` of each post."""

    folder: Path
    script: dict[str, list[Exception]] = field(default_factory=dict)  # channel -> next errors
    failure_rate: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    now: datetime | None = None
    posted_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)

    def factory(self) -> Callable[[Channel, Target, Path], FlakyAdapter]:
        return lambda channel, _target, _repo: FlakyAdapter(self, channel.name)


@dataclass
class FlakyAdapter:
    platform: FlakyPlatform
    channel: str

    def post(self, outgoing: Outgoing) -> Delivery:
        self.platform.calls[self.channel] += 1
        queued = self.platform.script.get(self.channel)
        if queued:
            raise queued.pop(0)
        if self.platform.rng.random() < self.platform.failure_rate:
            raise TransientError("503 Service Unavailable")
        assert self.platform.now is not None
        self.platform.posted_at[(outgoing.item_id, outgoing.channel)] = self.platform.now
        return OutboxAdapter(self.platform.folder, self.channel).post(outgoing)

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        return OutboxAdapter(self.platform.folder, self.channel).find_by_key(outgoing)


def write_repo(root: Path, posts: dict[str, str]) -> Path:
    (root / "calendar").mkdir(parents=True)
    (root / "calendar/edcal.yml").write_text(BASE_CONFIG, encoding="utf-8")
    (root / "content/social").mkdir(parents=True)
    for item_id, when in posts.items():
        text = social(id=item_id, date=when, channels="[x, mastodon]", text=f"Post {item_id}")
        (root / f"content/social/{item_id}.md").write_text(text, encoding="utf-8")
    return root


def run(repo: Path, platform: FlakyPlatform, now: datetime, waits: list[float] | None = None):  # type: ignore[no-untyped-def]
    platform.now = now
    sleep = waits.append if waits is not None else lambda seconds: None
    return publish(repo, PublishOptions(now=now), platform.factory(), sleep)


NOW = datetime(2026, 12, 1, 12, 31, tzinfo=PARIS)


def test_429_with_retry_after_waits_that_long_then_posts(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    platform = FlakyPlatform(tmp_path / "out", {"x": [TransientError("429", retry_after=7)]})
    waits: list[float] = []
    report = run(repo, platform, NOW, waits)
    assert waits == [7]
    assert {(o.channel, o.kind) for o in report.outcomes} == {
        ("x", "published"),
        ("mastodon", "published"),
    }


def test_a_retry_after_longer_than_a_run_leaves_the_item_due(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    platform = FlakyPlatform(tmp_path / "out", {"x": [TransientError("429", retry_after=900)]})
    waits: list[float] = []
    first = run(repo, platform, NOW, waits)
    assert waits == []
    assert {(o.channel, o.kind) for o in first.outcomes} == {
        ("x", "failed"),
        ("mastodon", "published"),
    }
    assert first.failed
    second = run(repo, platform, NOW + timedelta(minutes=15))
    assert [(o.channel, o.kind) for o in second.outcomes] == [("x", "published")]


def test_timeouts_are_retried_with_back_off_then_given_up(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    timeouts = [TransientError("timed out") for _ in range(3)]
    platform = FlakyPlatform(tmp_path / "out", {"mastodon": timeouts})
    waits: list[float] = []
    report = run(repo, platform, NOW, waits)
    assert waits == [2.0, 4.0]
    failed = [o for o in report.outcomes if o.kind == "failed"]
    assert [(o.channel, o.detail) for o in failed] == [
        ("mastodon", "gave up for this run: timed out")
    ]
    assert read_ledger(repo).get("s1", "mastodon").state == "failed"  # type: ignore[union-attr]


def test_a_bad_credential_fails_its_channel_only_and_is_not_retried(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00", "s2": "2026-12-01T12:00:00"})
    refused = [AuthError("401 Unauthorized: check MASTODON_ACCESS_TOKEN")]
    platform = FlakyPlatform(tmp_path / "out", {"mastodon": refused})
    report = run(repo, platform, NOW)
    kinds = sorted((o.item_id, o.channel, o.kind) for o in report.outcomes)
    assert kinds == [
        ("s1", "mastodon", "failed"),
        ("s1", "x", "published"),
        ("s2", "mastodon", "failed"),
        ("s2", "x", "published"),
    ]
    assert platform.calls["mastodon"] == 1  # the second post was not even tried


def test_one_channel_down_never_blocks_another(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    down = [TransientError("502 Bad Gateway") for _ in range(10)]
    platform = FlakyPlatform(tmp_path / "out", {"x": down})
    report = run(repo, platform, NOW)
    assert {(o.channel, o.kind) for o in report.outcomes} == {
        ("x", "failed"),
        ("mastodon", "published"),
    }


def test_a_simulated_month_of_late_dropped_runs_and_a_flaky_platform(tmp_path: Path) -> None:
    """Every 15 minutes a run, like GitHub's scheduler: some dropped, some late, one long
    outage; the platform fails one post in four. Every item goes out once and never
    early, or is reported missed when no run came within max_delay."""
    rng = random.Random(2026)
    start = datetime(2026, 12, 1, tzinfo=PARIS)
    posts = {}
    for day in range(28):
        minute = rng.randrange(8 * 60, 20 * 60)
        when = start + timedelta(days=day, minutes=minute)
        posts[f"p{day:02d}"] = when.replace(tzinfo=None).isoformat()
    repo = write_repo(tmp_path / "r", posts)
    platform = FlakyPlatform(tmp_path / "out", failure_rate=0.25, rng=random.Random(7))
    outage = (start + timedelta(days=10, hours=6), start + timedelta(days=11, hours=6))
    ran: list[datetime] = []
    missed: set[tuple[str, str]] = set()
    now = start
    for tick in range(29 * 24 * 4):
        scheduled = start + timedelta(minutes=15 * tick)
        if rng.random() < 0.15 or outage[0] <= scheduled < outage[1]:
            continue  # a dropped run
        now = max(now, scheduled + timedelta(minutes=rng.choice([0, 0, 3, 12, 40])))
        report = run(repo, platform, now)
        ran.append(now)
        missed |= {(o.item_id, o.channel) for o in report.outcomes if o.kind == "missed"}
    lines = Counter((r["id"], r["channel"]) for r in _outbox(tmp_path / "out"))
    assert all(count == 1 for count in lines.values()), lines
    every = {(item, channel) for item in posts for channel in ("x", "mastodon")}
    assert set(lines) | missed == every  # nothing silent
    assert not set(lines) & missed
    for (item, channel), when in platform.posted_at.items():
        due = datetime.fromisoformat(posts[item]).replace(tzinfo=PARIS)
        assert due <= when < due + timedelta(hours=6), (item, channel, when)
    for item, _channel in missed:
        due = datetime.fromisoformat(posts[item]).replace(tzinfo=PARIS)
        assert outage[0] - timedelta(hours=6) <= due <= outage[1], (item, due)
    assert missed  # the outage did cost something, and it was reported


def _outbox(folder: Path) -> list[dict[str, str]]:
    import json

    return [json.loads(line) for path in folder.glob("*.jsonl") for line in path.open()]


@pytest.fixture(autouse=True)
def _no_git_above(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # These repositories are plain folders: stop git from finding a repository above tmp.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


@dataclass
class DroppingPlatform(FlakyPlatform):
    """Takes every post, but drops the connection before answering the first one."""

    def factory(self) -> Callable[[Channel, Target, Path], FlakyAdapter]:
        return lambda channel, _target, _repo: DroppingAdapter(self, channel.name)


@dataclass
class DroppingAdapter(FlakyAdapter):
    def post(self, outgoing: Outgoing) -> Delivery:
        delivery = super().post(outgoing)
        if sum(self.platform.calls.values()) == 1:
            raise TransientError("connection dropped after sending", uncertain=True)
        return delivery


def test_a_post_whose_answer_was_lost_is_looked_up_not_posted_again(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    platform = DroppingPlatform(tmp_path / "out")
    report = run(repo, platform, NOW)
    assert {(o.channel, o.kind) for o in report.outcomes} == {
        ("x", "published"),
        ("mastodon", "published"),
    }
    assert Counter(r["channel"] for r in _outbox(tmp_path / "out")) == {"x": 1, "mastodon": 1}


@dataclass
class BlindPlatform(FlakyPlatform):
    """A platform that cannot be asked what it holds (like LinkedIn or Facebook)."""

    def factory(self) -> Callable[[Channel, Target, Path], FlakyAdapter]:
        return lambda channel, _target, _repo: BlindAdapter(self, channel.name)


@dataclass
class BlindAdapter(FlakyAdapter):
    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        from edcal.platforms.base import CannotTell

        raise CannotTell("this platform cannot be asked")


def test_an_uncertain_outcome_on_a_blind_platform_is_flagged_never_reposted(tmp_path: Path) -> None:
    repo = write_repo(tmp_path / "r", {"s1": "2026-12-01T12:30:00"})
    timeout = TransientError("read timed out", uncertain=True)
    platform = BlindPlatform(tmp_path / "out", {"x": [timeout]})
    report = run(repo, platform, NOW)
    outcomes = {(o.channel, o.kind) for o in report.outcomes}
    assert outcomes == {("x", "flagged"), ("mastodon", "published")}
    assert platform.calls["x"] == 1
    later = run(repo, platform, NOW + timedelta(minutes=15))
    assert later.outcomes == ()  # flagged is final: a person decides
