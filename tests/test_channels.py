"""`edcal channels [--verify]`: the channels, their rules and credential variables, and a
check of the credentials against the platforms (our fake server on 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import RepoFactory
from edcal.channels import verify_channel
from edcal.cli import main
from edcal.config import parse_config
from fakeserver import fake_platforms

SECRETS = {
    "X_CONSUMER_KEY": "ck-value-1111",
    "X_CONSUMER_SECRET": "cs-value-2222",
    "X_ACCESS_TOKEN": "at-value-3333",
    "X_ACCESS_TOKEN_SECRET": "as-value-4444",
    "LINKEDIN_TOKEN": "li-value-5555",
    "FACEBOOK_PAGE_TOKEN": "fb-value-6666",
    "TEAM_WEBHOOK_URL": "",  # filled in with the fake server's URL
}


def config(base: str = "http://127.0.0.1:9") -> str:
    return f"""\
timezone: Europe/Paris
publish: {{target: live}}
channels:
  x:
    platform: x
    label: X (Twitter)
    account: "@atelier"
    api_base: {base}
    cadence: {{min_per_day: 1, max_per_day: 2}}
    slots: ["Mon-Fri 12:30", "Sat-Sun 10:00"]
    min_gap: 3h
    credentials:
      consumer_key: X_CONSUMER_KEY
      consumer_secret: X_CONSUMER_SECRET
      access_token: X_ACCESS_TOKEN
      access_token_secret: X_ACCESS_TOKEN_SECRET
  linkedin:
    platform: linkedin
    author: urn:li:organization:42
    base_url: {base}
    cadence: {{max_per_week: 3}}
    credentials: {{access_token: LINKEDIN_TOKEN}}
  facebook:
    platform: facebook
    page_id: "100000000000000"
    base_url: {base}
    slots: ["Mon,Wed 18:00", "Fri 09:00"]
    credentials: {{page_token: FACEBOOK_PAGE_TOKEN}}
  team:
    platform: webhook
    flavor: slack
    credentials: {{url: TEAM_WEBHOOK_URL}}
"""


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--repo", str(repo), "channels", *args], env=env or {}, catch_exceptions=False
    )


@pytest.fixture
def fake() -> Iterator[Any]:
    """Our fake platform server on 127.0.0.1 (scripts/fake_platforms.py)."""
    with fake_platforms().FakePlatforms() as server:
        yield server


def environment(fake: Any) -> dict[str, str]:
    return {**SECRETS, "TEAM_WEBHOOK_URL": f"{fake.url}/hooks/T01/B02/team-secret-path"}


def assert_no_secret(output: str, env: dict[str, str]) -> None:
    for value in filter(None, env.values()):
        assert value not in output, "a credential's value was printed"


def test_channels_lists_rules_target_and_which_variables_are_set(
    make_repo: RepoFactory,
) -> None:
    env = {k: v for k, v in SECRETS.items() if k not in ("X_ACCESS_TOKEN", "TEAM_WEBHOOK_URL")}

    result = run(make_repo(config=config()), env=env)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "x — X (Twitter), platform x, target live" in out
    assert "cadence: 1–2 per day" in out
    assert "slots: Sat-Sun 10:00, Mon-Fri 12:30; at least 3h apart" in out
    assert "X_CONSUMER_KEY set" in out and "X_ACCESS_TOKEN missing" in out
    assert "linkedin — linkedin, platform linkedin" in out and "at most 3 per week" in out
    assert "slots: Fri 09:00, Mon,Wed 18:00" in out
    assert "TEAM_WEBHOOK_URL missing" in out
    assert_no_secret(out, env)


def test_verify_names_each_missing_variable_and_exits_1(make_repo: RepoFactory) -> None:
    env = {k: v for k, v in SECRETS.items() if k != "LINKEDIN_TOKEN"}

    result = run(make_repo(config=config()), "--verify", env=env)

    assert result.exit_code == 1
    assert "✗ not set: LINKEDIN_TOKEN" in result.output
    assert "✗ not set: TEAM_WEBHOOK_URL" in result.output
    assert_no_secret(result.output, env)


def test_verify_passes_where_the_platforms_accept_the_credentials_and_posts_nothing(
    make_repo: RepoFactory, fake: Any
) -> None:
    env = environment(fake)

    result = run(make_repo(config=config(fake.url)), "--verify", env=env)

    assert result.exit_code == 0, result.output
    out = result.output
    assert "✓ authenticated as @" in out
    assert "✓ authenticated as Edcal Test" in out
    assert "✓ authenticated as the page Fake Page" in out
    assert "✓ slack webhook URL set in TEAM_WEBHOOK_URL (not called" in out
    assert "4 of 4 channel(s) passed the check" in out
    assert {call.method for call in fake.requests} == {"GET"}
    assert fake.calls("webhook") == []
    assert_no_secret(out, env)


def test_verify_reports_each_refused_credential_without_its_value(
    make_repo: RepoFactory, fake: Any
) -> None:
    fake.tokens.update({"x": "another-key", "linkedin": "another", "facebook": "another"})
    env = environment(fake)

    result = run(make_repo(config=config(fake.url)), "--verify", env=env)

    assert result.exit_code == 1
    verdicts = [line for line in result.output.splitlines() if "verify:" in line]
    assert len(verdicts) == 4
    assert sum("✗ refused" in line for line in verdicts) == 3
    assert "1 of 4 channel(s) passed the check; 3 failed" in result.output
    assert_no_secret(result.output, env)


def test_a_platform_whose_adapter_cannot_check_online_is_unchecked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "edcal.platforms.mastodon", types.ModuleType("mastodon"))
    parsed, _ = parse_config(
        "timezone: UTC\nchannels:\n  m:\n    platform: mastodon\n"
        "    instance: https://example.social\n    credentials: {access_token: M_TOKEN}\n"
    )

    found = verify_channel(parsed.channels["m"], {"M_TOKEN": "m-value-7777"})

    assert (found.status, "M_TOKEN" not in found.message) == ("unchecked", True)


def test_importing_the_cli_loads_no_platform_sdk() -> None:
    code = (
        "import sys, edcal.cli; "
        "print(sorted(m for m in ('tweepy', 'httpx', 'requests') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
