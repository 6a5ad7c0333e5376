"""Helpers of the site tests: where the repository is, and `mkdocs build --strict` as of a time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEMO_NOW = "2026-12-07T10:00:00+01:00"


def mkdocs_build(config_file: Path, site_dir: Path, now: str) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` as of `now`, in a fresh interpreter; fails the test on a warning.

    It runs from site_dir's parent so that plugin caches (mkdocs-rss-plugin's `.cache/`)
    land in tmp_path, not in the repository.
    """
    env = {**os.environ, "EDCAL_NOW": now, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config_file)]
    command += ["-d", str(site_dir)]
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, cwd=site_dir.parent, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result
