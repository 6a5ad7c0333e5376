"""The command line as users and CI call it: exit codes, formats, `new`, `init`, `count`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner, Result

from conftest import RepoFactory
from edcal.cli import main
from repos import article, social


def run(repo: Path, *args: str, now: str | None = "2026-11-30T08:00:00+01:00") -> Result:
    options = ["--repo", str(repo)] + (["--now", now] if now else [])
    return CliRunner().invoke(main, [*options, *args], catch_exceptions=False)


def test_check_of_a_clean_repository_exits_0(make_repo: RepoFactory) -> None:
    result = run(make_repo(socials={"a.md": social()}), "check")
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_check_lists_every_error_grouped_by_file_and_exits_1(make_repo: RepoFactory) -> None:
    repo = make_repo(
        socials={
            "a.md": social(channels="[twiter]"),
            "b.md": social(id="b", text="x" * 300),
        }
    )
    result = run(repo, "check")
    assert result.exit_code == 1
    assert (
        "content/social/a.md:4: error: unknown channel `twiter` — expected one of: bluesky,"
        in result.output
    )
    assert (
        "content/social/b.md:7: error: text for x is too long for x: 300 weighted characters"
        in result.output
    )
    assert "2 errors" in result.output
    assert "Traceback" not in result.output


def test_check_json_is_machine_readable(make_repo: RepoFactory) -> None:
    result = run(
        make_repo(socials={"a.md": social(channels="[nope]")}), "check", "--format", "json"
    )
    data = json.loads(result.output)
    assert data["errors"] == 1
    (problem,) = data["problems"]
    assert problem["path"] == "content/social/a.md"
    assert problem["line"] == 4
    assert problem["code"] == "channel"


def test_check_github_format_gives_workflow_annotations(make_repo: RepoFactory) -> None:
    result = run(
        make_repo(socials={"a.md": social(channels="[nope]")}), "check", "--format", "github"
    )
    assert result.output.startswith("::error file=content/social/a.md,line=4,title=edcal channel::")
    assert result.exit_code == 1


def test_a_bad_now_is_a_usage_error_not_a_traceback(make_repo: RepoFactory) -> None:
    result = run(make_repo(), "plan", now="next tuesday")
    assert result.exit_code == 2
    assert "--now / EDCAL_NOW" in result.output


def test_plan_json_lists_entries_in_the_window(make_repo: RepoFactory) -> None:
    repo = make_repo(
        posts={"a.md": article()},
        socials={"a.md": social(), "b.md": social(id="b", date="2026-12-20T10:00:00")},
    )
    result = run(repo, "plan", "--from", "2026-12-01", "--to", "2026-12-04", "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)
    assert [(e["id"], e["kind"]) for e in entries] == [
        ("s1", "social"),
        ("a1", "post"),
        ("a1:announce", "announce"),
        ("weekly-article@2026-12-04T09:00", "task"),
    ]


def test_plan_can_show_one_channel(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(), "b.md": social(id="b", channels="[facebook]")})
    entries = json.loads(run(repo, "plan", "--channel", "facebook", "--json").output)
    assert [e["id"] for e in entries] == ["b"]
    assert run(repo, "plan", "--channel", "facebok").exit_code == 2


def test_plan_text_shows_days_and_times(make_repo: RepoFactory) -> None:
    result = run(make_repo(socials={"a.md": social()}), "plan")
    assert "Tuesday 01 December 2026" in result.output
    assert "12:30" in result.output
    assert "Hello from the calendar" in result.output


def test_count_prints_the_platform_length_as_json() -> None:
    result = CliRunner().invoke(
        main, ["count", "--platform", "x", "--json", "Hi https://example.com"]
    )
    assert json.loads(result.output) == {"platform": "x", "length": 26, "limit": 280, "valid": True}


def test_count_reads_standard_input_and_exits_1_when_too_long() -> None:
    result = CliRunner().invoke(main, ["count", "--platform", "bluesky"], input="b" * 301 + "\n")
    assert result.exit_code == 1
    assert result.output.startswith("301/300")


def test_new_social_takes_the_next_free_slot_and_passes_check(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(date="2026-12-01T12:30:00")})
    now = "2026-11-30T13:00:00+01:00"
    result = run(repo, "new", "social", "Open evening on Thursday", now=now)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    post = frontmatter.load(path)
    assert str(post["date"]) == "2026-12-02 12:30:00+01:00"  # Tue 12:30 is taken
    assert post["status"] == "draft"
    assert post["channels"] == ["x"]
    assert str(post["id"]).startswith("open-evening-on-thursday-")
    assert path.name == "2026-12-02-1230-open-evening-on-thursday.md"
    assert run(repo, "check", now=now).exit_code == 0


def test_new_post_with_a_date_writes_an_unquoted_date_with_offset(make_repo: RepoFactory) -> None:
    repo = make_repo()
    result = run(
        repo, "new", "post", "Why we plan", "--date", "2026-12-11T09:00", "--channels", "x,facebook"
    )
    assert result.exit_code == 0, result.output
    text = Path(result.output.strip()).read_text()
    assert "\ndate: 2026-12-11T09:00:00+01:00\n" in text
    assert "channels:\n- x\n- facebook\n" in text or "channels: [x, facebook]" in text
    assert run(repo, "check").exit_code == 0


def test_new_refuses_an_unknown_channel(make_repo: RepoFactory) -> None:
    result = run(make_repo(), "new", "social", "Hi", "--channels", "twitter")
    assert result.exit_code == 1
    assert "unknown channel 'twitter'" in result.output


def test_init_makes_a_repository_that_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "calendar-repo"
    result = CliRunner().invoke(main, ["--now", "2027-02-10T10:00:00+01:00", "init", str(target)])
    assert result.exit_code == 0, result.output
    assert "starting Monday 2027-02-15" in result.output
    check = run(target, "check", now="2027-02-10T10:00:00+01:00")
    assert check.exit_code == 0, check.output
    again = CliRunner().invoke(main, ["init", str(target)])
    assert again.exit_code == 1
    assert "already has a calendar; nothing was changed" in again.output


def test_the_console_script_starts_without_platform_sdks(tmp_path: Path) -> None:
    code = (
        "import sys; from edcal.cli import main\n"
        "try:\n    main(['--repo', sys.argv[1], 'check'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'tweepy', 'mastodon', 'atproto', 'requests', 'httpx', 'mkdocs', 'jinja2'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar/edcal.yml").write_text("timezone: UTC\nchannels: {x: {platform: x}}\n")
    env = {**os.environ, "EDCAL_NOW": "2026-12-01T00:00:00Z"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout + done.stderr


@pytest.mark.parametrize("command", ["check", "plan", "new", "init", "count"])
def test_every_command_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_plan_text_shows_titles_as_written_even_with_brackets(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"a.md": social(extra="title: '[bold]Release[/bold] v2'")})
    result = run(repo, "plan")
    assert "[bold]Release[/bold] v2" in result.output
