"""The GitHub workflows: valid, pinned, least privilege, and calling commands that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from edcal.cli import main

WORKFLOWS = sorted((Path(__file__).parent.parent / ".github" / "workflows").glob("*.yml"))


def load(path: Path) -> dict[object, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_are_check_publish_and_watch_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["check.yml", "publish.yml", "watch.yml"]


def test_workflows_validate_against_githubs_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)(.*)", path.read_text(encoding="utf-8"))
    assert uses
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action
        assert re.search(r"#\s*v\d", comment), f"{action}: say the version in a comment"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_a_timeout_on_every_job(path: Path) -> None:
    data = load(path)
    assert data["permissions"] == {}
    jobs = data["jobs"]
    assert isinstance(jobs, dict)
    for name, job in jobs.items():
        assert "timeout-minutes" in job, name
        assert "permissions" in job, name


def test_publish_runs_in_one_concurrency_group_without_cancelling() -> None:
    data = load(Path(WORKFLOWS[1]))
    assert data["concurrency"] == {"group": "edcal-publish", "cancel-in-progress": False}
    triggers = data[True]  # YAML 1.1 reads the key `on` as true
    assert set(triggers) == {"schedule", "push", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in triggers["schedule"]]
    assert cron.split()[0] == "7,22,37,52"


def edcal_commands() -> list[list[str]]:
    commands = []
    for path in WORKFLOWS:
        for job in load(path)["jobs"].values():  # type: ignore[attr-defined]
            for step in job["steps"]:
                for line in str(step.get("run", "")).splitlines():
                    line = line.split(">")[0].strip()
                    if line.startswith("edcal "):
                        commands.append(shlex.split(line)[1:])
    return commands


def test_every_edcal_command_a_workflow_runs_exists_with_those_options() -> None:
    commands = edcal_commands()
    assert {c[0] for c in commands} >= {"check", "publish", "preview", "watch"}
    for command in commands:
        options = [part.split("=")[0] for part in command[1:] if part.startswith("--")]
        result = CliRunner().invoke(main, [command[0], "--help"])
        assert result.exit_code == 0, command
        for option in options:
            assert option in result.output, f"edcal {command[0]} has no {option}"
