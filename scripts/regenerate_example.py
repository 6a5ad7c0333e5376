"""Regenerate this repository's example calendar from the scaffold `edcal init` writes.

The example (`content/`, `calendar/edcal.yml`, `mkdocs.yml` and `.github/workflows/`) is
the scaffold's output for the four weeks from Monday 2026-11-30, with workflows that install
this source tree; tests/test_scaffold.py fails when the two drift apart. Edit the templates,
`src/edcal/scaffold_files/month.yml` or `src/edcal/scaffold_files/project/`, then run:

    .venv/bin/python scripts/regenerate_example.py

It replaces `content/` entirely (every file there is generated) and
`calendar/edcal.yml`, and leaves every other file under `calendar/` (the ledger…) alone.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from edcal.scaffold import SOURCE_INSTALL, write_scaffold

REPO = Path(__file__).resolve().parents[1]
START = date(2026, 11, 30)


def main() -> int:
    """Write the scaffold to a temporary folder, then swap it in; print what changed."""
    with tempfile.TemporaryDirectory() as tmp:
        # Render first, so that a broken template leaves the repository untouched.
        fresh = {
            path.relative_to(tmp).as_posix(): path.read_bytes()
            for path in write_scaffold(Path(tmp), START, install=SOURCE_INSTALL)
        }
    fresh.pop(".gitignore")  # this repository keeps its own, with the developers' entries
    outside = [name for name in fresh if not _generated(name)]
    if outside:
        print(f"refusing: the scaffold wrote outside content/: {outside}", file=sys.stderr)
        return 1
    old = {
        path.relative_to(REPO).as_posix(): path.read_bytes()
        for path in [*(REPO / "content").rglob("*"), *SINGLE_FILES]
        if path.is_file()
    }
    shutil.rmtree(REPO / "content", ignore_errors=True)
    for path in SINGLE_FILES:
        path.unlink(missing_ok=True)
    for name, data in fresh.items():
        target = REPO / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    added = sorted(fresh.keys() - old.keys())
    removed = sorted(old.keys() - fresh.keys())
    changed = sorted(name for name in fresh.keys() & old.keys() if fresh[name] != old[name])
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        for name in names:
            print(f"{label:8} {name}")
    print(
        f"{len(fresh)} files from the scaffold for {START}; {len(changed)} changed,"
        f" {len(added)} added, {len(removed)} removed"
    )
    return 0


SINGLE_FILES = [
    REPO / "calendar/edcal.yml",
    REPO / "mkdocs.yml",
    *(REPO / ".github/workflows" / name for name in ("check.yml", "publish.yml", "watch.yml")),
]


def _generated(name: str) -> bool:
    return name.startswith("content/") or (REPO / name) in SINGLE_FILES


if __name__ == "__main__":
    sys.exit(main())
