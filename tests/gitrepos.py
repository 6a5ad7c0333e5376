"""Real git repositories for ledger tests: a bare `origin` and as many clones as needed."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

IDENTITY = ("-c", "user.name=Test", "-c", "user.email=test@example.org")


def git(cwd: Path, *args: str) -> str:
    """Run git in `cwd` and return its output; fail the test on error."""
    done = subprocess.run(
        ["git", *IDENTITY, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def make_origin(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """A bare repository holding one commit with `files`, on branch main."""
    seed = root / "seed"
    seed.mkdir(parents=True)
    git(seed, "init", "-q", "-b", "main")
    for name, data in {".gitignore": "outbox/\nsite/\n", **files}.items():
        path = seed / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "calendar")
    origin = root / "origin.git"
    git(root, "clone", "-q", "--bare", str(seed), str(origin))
    return origin


def clone(origin: Path, target: Path) -> Path:
    """A working clone of `origin` whose commits carry a test identity."""
    git(origin.parent, "clone", "-q", str(origin), str(target))
    git(target, "config", "user.name", "Runner")
    git(target, "config", "user.email", "runner@example.org")
    return target


def origin_files(origin: Path, folder: str) -> list[str]:
    """The files under `folder` on origin's main branch."""
    out = git(origin, "ls-tree", "-r", "--name-only", "main", "--", folder)
    return out.split()
