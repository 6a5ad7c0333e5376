"""Publishing through the outbox with a real git origin: exactly once, under faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from edcal.ledger import read_ledger
from edcal.publish import CRASH_POINTS, PublishOptions, publish
from gitrepos import clone, git, make_origin, origin_files
from repos import BASE_CONFIG, article, social

PARIS = ZoneInfo("Europe/Paris")
CONFIG = BASE_CONFIG + "publish: {max_delay: 6h, claim_timeout: 10m}\n"


def calendar_files(count: int = 3, channels: str = "[x, mastodon]") -> dict[str, str]:
    """A config and `count` social posts at 12:30 on consecutive December days."""
    files = {"calendar/edcal.yml": CONFIG}
    for day in range(1, count + 1):
        files[f"content/social/s{day}.md"] = social(
            id=f"s{day}", date=f"2026-12-{day:02d}T12:30:00", channels=channels, text=f"Post {day}"
        )
    return files


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def outbox_lines(folder: Path) -> list[dict[str, object]]:
    lines = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            lines.append(json.loads(line))
    return lines


def posted(folder: Path) -> Counter[tuple[str, str]]:
    return Counter((str(r["id"]), str(r["channel"])) for r in outbox_lines(folder))


@pytest.fixture
def outbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "outbox"
    monkeypatch.setenv("EDCAL_OUTBOX_DIR", str(folder))
    return folder


def run_cli(
    repo: Path, now: str, *args: str, crash: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "EDCAL_TEST_CRASH_AT"}
    if crash:
        env["EDCAL_TEST_CRASH_AT"] = crash
    return subprocess.run(
        [sys.executable, "-m", "edcal", "--repo", str(repo), "--now", now, "publish", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_due_post_goes_out_once_and_the_ledger_reaches_origin(
    tmp_path: Path, outbox: Path
) -> None:
    origin = make_origin(tmp_path, calendar_files(2))
    repo = clone(origin, tmp_path / "runner")
    report = publish(repo, PublishOptions(now=at("2026-12-01T12:35:00")))
    assert sorted((o.item_id, o.channel, o.kind) for o in report.outcomes) == [
        ("s1", "mastodon", "published"),
        ("s1", "x", "published"),
    ]
    assert posted(outbox) == {("s1", "x"): 1, ("s1", "mastodon"): 1}
    assert origin_files(origin, "calendar/ledger") == [
        "calendar/ledger/s1/mastodon.json",
        "calendar/ledger/s1/x.json",
    ]
    again = publish(repo, PublishOptions(now=at("2026-12-01T12:50:00")))
    assert again.outcomes == ()
    assert posted(outbox) == {("s1", "x"): 1, ("s1", "mastodon"): 1}


def test_nothing_goes_out_before_its_time(tmp_path: Path, outbox: Path) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(1)), tmp_path / "runner")
    publish(repo, PublishOptions(now=at("2026-12-01T12:29:59")))
    assert posted(outbox) == {}


def test_dry_run_shows_what_would_go_out_and_changes_nothing(tmp_path: Path, outbox: Path) -> None:
    origin = make_origin(tmp_path, calendar_files(1))
    repo = clone(origin, tmp_path / "runner")
    head = git(repo, "rev-parse", "HEAD")
    report = publish(repo, PublishOptions(now=at("2026-12-01T13:00:00"), dry_run=True))
    assert {o.kind for o in report.outcomes} == {"would publish"}
    assert posted(outbox) == {}
    assert git(repo, "rev-parse", "HEAD") == head
    assert not (repo / "calendar/ledger").exists()


def test_an_item_later_than_max_delay_is_reported_missed_once(tmp_path: Path, outbox: Path) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(1, "[x]")), tmp_path / "runner")
    report = publish(repo, PublishOptions(now=at("2026-12-01T18:31:00")))
    assert [(o.kind, o.detail) for o in report.outcomes] == [
        ("missed", "6.0 h late, over max_delay: not posted stale")
    ]
    assert posted(outbox) == {}
    assert publish(repo, PublishOptions(now=at("2026-12-01T19:00:00"))).outcomes == ()


def test_a_first_run_with_import_past_records_the_past_without_posting(
    tmp_path: Path, outbox: Path
) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(3, "[x]")), tmp_path / "runner")
    report = publish(repo, PublishOptions(now=at("2026-12-02T13:00:00"), import_past=True))
    assert sorted((o.item_id, o.kind) for o in report.outcomes) == [
        ("s1", "imported"),
        ("s2", "imported"),
    ]
    publish(repo, PublishOptions(now=at("2026-12-03T12:31:00")))
    assert posted(outbox) == {("s3", "x"): 1}


def test_max_caps_a_run_and_the_rest_follows_next_run(tmp_path: Path, outbox: Path) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(3, "[x]")), tmp_path / "runner")
    now = at("2026-12-03T13:00:00")
    files = calendar_files(3, "[x]")
    for name in ("content/social/s1.md", "content/social/s2.md"):
        (repo / name).write_text(
            files[name].replace("2026-12-0", "2026-12-03T1").replace("T12:30:00", "")
        )
    # all three are now due within max_delay
    git(repo, "commit", "-qam", "move")
    git(repo, "push", "-q")
    first = publish(repo, PublishOptions(now=now, max_items=2))
    assert Counter(o.kind for o in first.outcomes) == {"published": 2, "waiting": 1}
    publish(repo, PublishOptions(now=now + timedelta(minutes=15), max_items=2))
    assert sum(posted(outbox).values()) == 3


def test_editing_or_renaming_a_published_file_never_reposts(tmp_path: Path, outbox: Path) -> None:
    origin = make_origin(tmp_path, calendar_files(1, "[x]"))
    repo = clone(origin, tmp_path / "runner")
    publish(repo, PublishOptions(now=at("2026-12-01T12:31:00")))
    source = repo / "content/social/s1.md"
    text = source.read_text().replace("Post 1", "Post 1, with a typo fixed")
    source.unlink()
    (repo / "content/social/renamed.md").write_text(text.replace("12:30:00", "12:45:00"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "edit and rename")
    git(repo, "push", "-q")
    publish(repo, PublishOptions(now=at("2026-12-01T13:00:00")))
    assert posted(outbox) == {("s1", "x"): 1}


@pytest.mark.parametrize("step", CRASH_POINTS)
def test_a_crash_at_any_step_then_a_normal_run_posts_exactly_once(
    step: str, tmp_path: Path, outbox: Path
) -> None:
    origin = make_origin(tmp_path, calendar_files(2))
    repo = clone(origin, tmp_path / "runner")
    crashed = run_cli(repo, "2026-12-02T12:31:00+01:00", crash=step)
    assert crashed.returncode == -9, crashed.stderr
    # The next scheduled run, 15 minutes later (past the 10-minute claim timeout).
    done = run_cli(repo, "2026-12-02T12:46:00+01:00")
    assert done.returncode == 0, done.stdout + done.stderr
    assert posted(outbox) == {("s2", "x"): 1, ("s2", "mastodon"): 1}, done.stdout
    # s1 was more than max_delay late at the first run: missed, never posted.
    states = {k: r.state for k, r in read_ledger(repo).records.items()}
    assert states[("s1", "x")] == "missed"
    assert states[("s2", "x")] == "published"


def test_a_fresh_claim_of_another_runner_is_left_alone(tmp_path: Path, outbox: Path) -> None:
    origin = make_origin(tmp_path, calendar_files(1, "[x]"))
    first = clone(origin, tmp_path / "first")
    second = clone(origin, tmp_path / "second")
    crashed = run_cli(first, "2026-12-01T12:31:00+01:00", crash="after-push")
    assert crashed.returncode == -9
    waiting = publish(second, PublishOptions(now=at("2026-12-01T12:35:00")))
    assert [(o.kind, o.detail) for o in waiting.outcomes] == [("waiting", "claimed by another run")]
    assert posted(outbox) == {}
    publish(second, PublishOptions(now=at("2026-12-01T12:45:00")))
    assert posted(outbox) == {("s1", "x"): 1}


def test_two_publishers_started_together_never_duplicate_nor_lose(
    tmp_path: Path, outbox: Path
) -> None:
    files = calendar_files(6)
    origin = make_origin(tmp_path, files)
    runners = [clone(origin, tmp_path / f"runner{n}") for n in range(2)]
    for day in range(1, 7):
        now = f"2026-12-{day:02d}T12:31:00+01:00"
        started = [
            subprocess.Popen(
                [sys.executable, "-m", "edcal", "--repo", str(r), "--now", now, "publish"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for r in runners
        ]
        for process in started:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, out + err
    assert posted(outbox) == {(f"s{d}", c): 1 for d in range(1, 7) for c in ("x", "mastodon")}


def test_announcements_wait_until_the_article_is_in_the_feed(tmp_path: Path, outbox: Path) -> None:
    files = {"calendar/edcal.yml": CONFIG, "content/blog/posts/a.md": article(channels="[x]")}
    repo = clone(make_origin(tmp_path, files), tmp_path / "runner")
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Old</title><link>https://example.org/blog/2026/11/27/old/</link></item>"
        "</channel></rss>"
    )
    now = at("2026-12-04T09:05:00")
    waiting = publish(repo, PublishOptions(now=now, feed=str(feed)))
    assert [(o.kind, o.detail) for o in waiting.outcomes] == [
        ("waiting", "the article is not live on the site yet")
    ]
    feed.write_text(
        feed.read_text().replace(
            "</channel>",
            "<item><title>An article</title>"
            "<link>https://example.org/blog/2026/12/04/an-article/</link></item></channel>",
        )
    )
    publish(repo, PublishOptions(now=now + timedelta(minutes=15), feed=str(feed)))
    (line,) = outbox_lines(outbox)
    assert line["id"] == "a1:announce"
    assert line["text"] == "An article https://example.org/blog/2026/12/04/an-article/"


def test_without_a_remote_a_local_repository_commits_the_ledger(
    tmp_path: Path, outbox: Path
) -> None:
    repo = tmp_path / "local"
    repo.mkdir()
    for name, text in calendar_files(1, "[x]").items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "calendar")
    publish(repo, PublishOptions(now=at("2026-12-01T12:31:00")))
    assert posted(outbox) == {("s1", "x"): 1}
    assert "edcal: record 1 result(s)" in git(repo, "log", "--format=%s")


def test_plan_shows_each_entry_outcome_from_the_ledger(tmp_path: Path, outbox: Path) -> None:
    from click.testing import CliRunner

    from edcal.cli import main

    repo = clone(make_origin(tmp_path, calendar_files(2, "[x]")), tmp_path / "runner")
    publish(repo, PublishOptions(now=at("2026-12-02T12:31:00")))
    result = CliRunner().invoke(main, ["--repo", str(repo), "plan", "--json"])
    outcomes = {e["id"]: e["outcomes"] for e in json.loads(result.output) if e["kind"] == "social"}
    assert outcomes == {"s1": {"x": "missed"}, "s2": {"x": "published"}}
    (s2,) = [e for e in json.loads(result.output) if e["id"] == "s2"]
    assert s2["published"]["x"].startswith("file://")


def test_idle_runs_leave_their_time_hourly_and_otherwise_change_nothing(
    tmp_path: Path, outbox: Path
) -> None:
    origin = make_origin(tmp_path, calendar_files(1, "[x]"))
    repo = clone(origin, tmp_path / "runner")
    log = lambda: git(origin, "log", "--format=%s", "main").splitlines()  # noqa: E731
    publish(repo, PublishOptions(now=at("2026-11-30T08:00:00")))
    assert log()[0].startswith("edcal: publish run")
    publish(repo, PublishOptions(now=at("2026-11-30T08:15:00")))
    publish(repo, PublishOptions(now=at("2026-11-30T08:30:00")))
    assert len(log()) == 2  # the calendar's commit and one heartbeat
    publish(repo, PublishOptions(now=at("2026-11-30T09:00:00")))
    assert len(log()) == 3
    assert read_ledger(repo).last_run() == at("2026-11-30T09:00:00")


def test_late_or_missing_runs_are_reported_by_publish_and_plan(
    tmp_path: Path, outbox: Path
) -> None:
    from click.testing import CliRunner

    from edcal.cli import main

    repo = clone(make_origin(tmp_path, calendar_files(1, "[x]")), tmp_path / "runner")
    publish(repo, PublishOptions(now=at("2026-11-30T08:00:00")))
    late = publish(repo, PublishOptions(now=at("2026-11-30T11:30:00")))
    assert any("the last publish run was 3.5 hours ago" in note for note in late.notes)
    result = CliRunner().invoke(
        main, ["--repo", str(repo), "--now", "2026-11-30T15:00:00+01:00", "plan"]
    )
    assert "warning: the last publish run was 3.5 hours ago" in result.output


def test_a_repository_without_human_commits_hears_about_githubs_60_days(
    tmp_path: Path, outbox: Path
) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(1, "[x]")), tmp_path / "runner")
    authored = datetime.fromtimestamp(int(git(repo, "log", "-1", "--format=%ct").strip()), PARIS)
    report = publish(repo, PublishOptions(now=authored + timedelta(days=55)))
    assert any("no commit by a person for 55 days" in note for note in report.notes)
    fresh = publish(repo, PublishOptions(now=authored + timedelta(days=55, hours=2)))
    assert any("for 55 days" in note for note in fresh.notes)  # edcal commits do not count


def test_a_team_channel_hears_once_what_goes_out_soon_then_gets_the_digest(
    tmp_path: Path, outbox: Path
) -> None:
    files = calendar_files(1, "[x]")
    files["calendar/edcal.yml"] = CONFIG.replace(
        "  linkedin:\n    platform: linkedin\n",
        "  linkedin:\n    platform: linkedin\n  team:\n    platform: webhook\n    purpose: team\n",
    )
    repo = clone(make_origin(tmp_path, files), tmp_path / "runner")
    publish(repo, PublishOptions(now=at("2026-12-01T12:05:00")))
    publish(repo, PublishOptions(now=at("2026-12-01T12:20:00")))
    team = [str(r["text"]) for r in outbox_lines(outbox) if r["channel"] == "team"]
    assert len(team) == 1
    assert team[0].startswith("Goes out in the next 30 minutes:")
    assert "12:30 (in 25 min) — social on x: Post 1" in team[0]
    publish(repo, PublishOptions(now=at("2026-12-01T12:31:00")))
    team = [str(r["text"]) for r in outbox_lines(outbox) if r["channel"] == "team"]
    assert len(team) == 2
    assert team[1].startswith("edcal: 1 published")
    assert posted(outbox)[("s1", "x")] == 1


def test_the_feed_is_read_only_while_an_announcement_waits(tmp_path: Path, outbox: Path) -> None:
    files = {"calendar/edcal.yml": CONFIG, "content/blog/posts/a.md": article(channels="[x]")}
    repo = clone(make_origin(tmp_path, files), tmp_path / "runner")
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>An article</title>"
        "<link>https://example.org/blog/2026/12/04/an-article/</link></item></channel></rss>"
    )
    publish(repo, PublishOptions(now=at("2026-12-04T09:05:00"), feed=str(feed)))
    assert posted(outbox) == {("a1:announce", "x"): 1}
    later = publish(
        repo, PublishOptions(now=at("2026-12-04T09:20:00"), feed=str(tmp_path / "gone"))
    )
    assert later.notes == ()  # the missing feed was never opened


def test_a_run_with_nothing_due_imports_no_platform_client(tmp_path: Path, outbox: Path) -> None:
    repo = clone(make_origin(tmp_path, calendar_files(1, "[x, mastodon]")), tmp_path / "runner")
    code = (
        "import sys\nfrom edcal.cli import main\n"
        "try:\n    main(['--repo', sys.argv[1], '--now', '2026-11-30T06:00:00+01:00',"
        " 'publish', '--no-push'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'tweepy', 'mastodon', 'atproto', 'atproto_client', 'httpx', 'requests',"
        " 'feedparser', 'jinja2', 'edcal.text.x', 'edcal.text.mastodon'}\n"
        "print(sorted(m for m in sys.modules if m in heavy or m.split('.')[0] in heavy))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(repo)], capture_output=True, text=True, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr
