"""`edcal check --online`: Mastodon's limit as the instance states it, over 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from edcal.cli import main


def repo_for(tmp_path: Path, instance: str, text: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "calendar").mkdir(parents=True)
    (repo / "content/social").mkdir(parents=True)
    (repo / "calendar/edcal.yml").write_text(
        "timezone: Europe/Paris\nchannels:\n  toots:\n    platform: mastodon\n"
        f"    instance: {instance}\n    limit: 500\n",
        encoding="utf-8",
    )
    (repo / "content/social/a.md").write_text(
        "---\nid: a\ndate: 2026-12-01T12:30:00\nchannels: [toots]\nstatus: scheduled\n---\n"
        + text
        + "\n",
        encoding="utf-8",
    )
    return repo


def check(repo: Path, *args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["--repo", str(repo), "check", "--format", "json", *args])
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_online_check_uses_the_instances_own_limit(tmp_path: Path, server: Any) -> None:
    server.mastodon.max_characters = 1000
    repo = repo_for(tmp_path, server.url, "é" * 700)
    offline = check(repo)
    assert [p["message"][:40] for p in offline["problems"]] == [
        "text for toots is too long for mastodon:"
    ]
    assert check(repo, "--online")["problems"] == []


def test_an_unreachable_instance_is_a_warning_and_the_configured_limit_holds(
    tmp_path: Path,
) -> None:
    repo = repo_for(tmp_path, "http://127.0.0.1:9", "é" * 700)
    problems = check(repo, "--online")["problems"]
    assert sorted(p["severity"] for p in problems) == ["error", "warning"]
    assert any("could not read the instance's limit" in p["message"] for p in problems)
