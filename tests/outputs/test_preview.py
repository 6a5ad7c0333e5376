"""The pull-request preview: what a branch adds, moves, edits or removes, read from real git."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from conftest import RepoFactory
from edcal.cli import main
from edcal.model import Problem, Source
from edcal.outputs.preview import (
    Change,
    Preview,
    PreviewError,
    fresh_problems,
    preview,
    preview_markdown,
    relative,
)
from gitrepos import git
from repos import article, social

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=PARIS)  # a Monday


def commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def git_repo(make_repo: RepoFactory, **files: dict[str, str]) -> Path:
    """A repository whose `main` branch holds the given socials/posts, on a branch `change`."""
    repo = make_repo(**files)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "calendar")
    git(repo, "checkout", "-q", "-b", "change")
    return repo


def write(repo: Path, name: str, text: str) -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def by_id(result: Preview) -> dict[str, Change]:
    return {change.id: change for change in result.changes}


def rows(markdown: str) -> list[list[str]]:
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in table[2:]]


def test_a_moved_post_shows_moved_with_both_times(make_repo: RepoFactory) -> None:
    repo = git_repo(make_repo, socials={"s.md": social(id="s1", date="2026-12-01T12:30:00")})
    write(repo, "content/social/s.md", social(id="s1", date="2026-12-02T12:30:00"))
    commit(repo)
    result = preview(repo, "main", NOW)
    change = by_id(result)["s1"]
    assert (change.change, change.edits) == ("moved", ())
    assert change.old is not None and change.new is not None
    assert change.old.start == datetime(2026, 12, 1, 12, 30, tzinfo=PARIS)
    assert change.new.start == datetime(2026, 12, 2, 12, 30, tzinfo=PARIS)
    assert rows(preview_markdown(result)) == [
        [
            "**moved**",
            "social `s1` Hello from the calendar",
            "Tue 01 Dec 12:30 → Wed 02 Dec 12:30 (in 2 days)",
            "x",
            "23/280",
            "Hello from the calendar",
        ]
    ]


def test_added_edited_and_removed_posts_with_their_new_lengths(make_repo: RepoFactory) -> None:
    repo = git_repo(
        make_repo,
        socials={
            "edit.md": social(id="edit", date="2026-12-01T12:30:00", channels="[x, mastodon]"),
            "gone.md": social(id="gone", date="2026-12-03T12:30:00"),
        },
    )
    longer = "Hello from the calendar, now with a link https://example.org/a/very/long/path"
    write(
        repo,
        "content/social/edit.md",
        social(id="edit", date="2026-12-01T12:30:00", channels="[x, mastodon]", text=longer),
    )
    (repo / "content/social/gone.md").unlink()
    write(repo, "content/social/new.md", social(id="new", date="2026-12-05T10:00:00", text="Hi"))
    # Left uncommitted: the preview reads the working tree, not HEAD.
    result = preview(repo, "main", NOW)
    changes = by_id(result)
    assert [(c.id, c.change) for c in result.changes] == [
        ("edit", "edited"),
        ("gone", "removed"),
        ("new", "added"),
    ]
    assert changes["edit"].edits == ("text",)
    assert result.problems == ()
    table = rows(preview_markdown(result))
    assert table[0][:5] == [
        "**edited**: text",
        "social `edit` Hello from the calendar, now with a link https://example.or…",
        "Tue 01 Dec 12:30 (in 1 day)",
        "x",
        "64/280",  # X counts every URL as 23
    ]
    assert table[1] == ["", "", "", "mastodon", "64/500", longer]
    assert table[2][:4] == [
        "**removed**",
        "social `gone` Hello from the calendar",
        "~~Thu 03 Dec 12:30~~",
        "x",
    ]
    assert table[3] == [
        "**added**",
        "social `new` Hi",
        "Sat 05 Dec 10:00 (in 5 days)",
        "x",
        "2/280",
        "Hi",
    ]


def test_an_article_and_its_announcements_are_previewed(make_repo: RepoFactory) -> None:
    repo = git_repo(make_repo)
    write(repo, "content/blog/posts/a.md", article(id="a1", title="Planning a week"))
    result = preview(repo, "main", NOW)
    assert [(c.id, c.kind, c.change) for c in result.changes] == [
        ("a1", "post", "added"),
        ("a1:announce", "announce", "added"),
    ]
    table = rows(preview_markdown(result))
    assert table[0][3:] == ["blog", "", "https://example.org/blog/2026/12/04/planning-a-week/"]
    announce = "Planning a week https://example.org/blog/2026/12/04/planning-a-week/"
    assert table[1][3:] == ["x", "39/280", announce]
    assert table[2][3:] == ["facebook", f"{len(announce)}/63206", announce]


def test_a_fourth_facebook_post_in_a_week_is_a_new_cadence_warning(
    make_repo: RepoFactory,
) -> None:
    days = ("2026-12-01", "2026-12-02", "2026-12-03")
    repo = git_repo(
        make_repo,
        socials={
            f"fb{n}.md": social(id=f"fb{n}", date=f"{day}T18:00:00", channels="[facebook]")
            for n, day in enumerate(days)
        },
    )
    write(
        repo,
        "content/social/fb3.md",
        social(id="fb3", date="2026-12-04T18:00:00", channels="[facebook]"),
    )
    result = preview(repo, "main", NOW)
    assert [(c.id, c.change) for c in result.changes] == [("fb3", "added")]
    assert [(p.severity, p.message) for p in result.problems] == [
        (
            "warning",
            "facebook: 4 posts in week 2026-W49, the cadence allows at most 3 per week",
        )
    ]
    markdown = preview_markdown(result)
    assert "**New problems:** 0 error(s), 1 warning(s)" in markdown
    assert "- ⚠ warning `content/social/fb3.md:3`: facebook: 4 posts in week 2026-W49" in markdown


def test_a_new_error_is_shown_and_an_old_one_is_not(make_repo: RepoFactory) -> None:
    repo = git_repo(make_repo, socials={"old.md": social(id="old", channels="[twiter]")})
    write(repo, "content/social/long.md", social(id="long", text="y" * 300))
    result = preview(repo, "main", NOW)
    assert [p.message for p in result.problems] == [
        "text for x is too long for x: 300 weighted characters, over X's 280"
    ]
    change = by_id(result)["long"]
    assert change.new is not None and not change.new.texts[0].parts[0].valid
    assert "| 300/280 ✗ |" in preview_markdown(result)


def test_a_base_without_a_calendar_shows_everything_as_added(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo, "README.md", "# Our calendar\n")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "first commit")
    make_repo(socials={"s.md": social(id="s1")})
    result = preview(repo, "main", NOW)
    assert [(c.id, c.change) for c in result.changes] == [("s1", "added")]
    assert result.problems == ()


def test_preview_changes_neither_the_working_tree_nor_the_index_nor_head(
    make_repo: RepoFactory,
) -> None:
    repo = git_repo(make_repo, socials={"s.md": social(id="s1")})
    write(repo, "content/social/s.md", social(id="s1", date="2026-12-02T12:30:00"))
    git(repo, "add", "content/social/s.md")
    write(repo, "content/social/t.md", social(id="t1", date="2026-12-03T12:30:00"))
    before = (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain"))
    files = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    index = hashlib.sha256((repo / ".git/index").read_bytes()).hexdigest()
    preview(repo, "main", NOW)
    assert hashlib.sha256((repo / ".git/index").read_bytes()).hexdigest() == index
    assert (git(repo, "rev-parse", "HEAD"), git(repo, "status", "--porcelain")) == before
    after = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == files
    assert git(repo, "worktree", "list").count("\n") == 1


def test_a_calendar_in_a_subfolder_is_compared_with_the_same_folder(
    make_repo: RepoFactory, tmp_path: Path
) -> None:
    repo = make_repo(socials={"s.md": social(id="s1")})
    git(tmp_path, "init", "-q", "-b", "main")
    commit(tmp_path)
    write(repo, "content/social/s.md", social(id="s1", text="Edited"))
    result = preview(repo, "main", NOW)
    assert [(c.id, c.change, c.edits) for c in result.changes] == [("s1", "edited", ("text",))]


def test_an_unknown_ref_is_a_clear_error(make_repo: RepoFactory, tmp_path: Path) -> None:
    repo = git_repo(make_repo)
    with pytest.raises(PreviewError, match="no commit named 'origin/nope'"):
        preview(repo, "origin/nope", NOW)
    with pytest.raises(PreviewError, match="not inside a git repository"):
        preview(tmp_path.parent, "main", NOW)


def run(repo: Path, *args: str) -> Result:
    options = ["--repo", str(repo), "--now", NOW.isoformat(), "preview"]
    return CliRunner().invoke(main, [*options, *args])


def test_the_command_prints_markdown_or_a_stable_json_object(make_repo: RepoFactory) -> None:
    repo = git_repo(make_repo, socials={"s.md": social(id="s1")})
    write(repo, "content/social/s.md", social(id="s1", date="2026-12-02T12:30:00"))
    markdown = run(repo, "--base", "main")
    assert markdown.exit_code == 0, markdown.output
    assert markdown.stdout.startswith("## edcal preview — against `main` (")
    assert "1 moved. Times in Europe/Paris, as of Mon 30 Nov 08:00." in markdown.stdout
    document = json.loads(run(repo, "--base", "main", "--format", "json").stdout)
    assert list(document) == ["base", "base_commit", "now", "timezone", "changes", "problems"]
    assert document["now"] == "2026-11-30T08:00:00+01:00"
    (change,) = document["changes"]
    assert change["change"] == "moved" and change["edits"] == []
    assert change["old"]["start"] == "2026-12-01T12:30:00+01:00"
    assert change["new"] == {
        "start": "2026-12-02T12:30:00+01:00",
        "relative": "in 2 days",
        "title": "Hello from the calendar",
        "status": "scheduled",
        "channels": ["x"],
        "url": "",
        "source": "content/social/s.md:3",
        "texts": [
            {
                "channel": "x",
                "platform": "x",
                "error": None,
                "parts": [
                    {"text": "Hello from the calendar", "length": 23, "limit": 280, "valid": True}
                ],
            }
        ],
    }
    bad = run(repo, "--base", "nope")
    assert bad.exit_code == 1
    assert "no commit named 'nope'" in bad.stderr


def test_no_change_says_so(make_repo: RepoFactory) -> None:
    repo = git_repo(make_repo, socials={"s.md": social(id="s1")})
    markdown = preview_markdown(preview(repo, "main", NOW))
    assert "No change to what will be published." in markdown
    assert "No new problems." in markdown
    assert "| change |" not in markdown


def test_problems_are_matched_by_message_not_by_line() -> None:
    def problem(path: str, line: int, message: str) -> Problem:
        return Problem(Source(path, line), "error", message)

    old = [problem("a.md", 3, "unknown channel `twiter`")]
    new = [
        problem("b.md", 9, "unknown channel `twiter`"),
        problem("a.md", 5, "unknown channel `twiter`"),
        problem("c.md", 1, "missing `id`"),
    ]
    assert [(p.source.path, p.message) for p in fresh_problems(old, new)] == [
        ("b.md", "unknown channel `twiter`"),
        ("c.md", "missing `id`"),
    ]


def test_relative_times_read_naturally() -> None:
    assert relative(NOW + timedelta(days=3, hours=2), NOW) == "in 3 days"
    assert relative(NOW - timedelta(hours=2), NOW) == "2 hours ago"
    assert relative(NOW + timedelta(minutes=1), NOW) == "in 1 minute"
    assert relative(NOW + timedelta(seconds=20), NOW) == "now"
    assert relative(NOW + timedelta(hours=23, minutes=50), NOW) == "in 1 day"
