"""`make demo`'s publishing step: the example calendar published to the outbox, as of a time.

It works in `.demo/`, a scratch git repository holding a copy of the example, so the
demo's ledger commits never land in your own clone. The first time, it records
everything before the demo morning as done (`--import-past`, what a team does on its
first run), then publishes what is due at `--now`. Run it again: nothing new goes out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import datetime, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDENTITY = ["-c", "user.name=edcal demo", "-c", "user.email=demo@example.org"]


def edcal(demo: Path, *args: str) -> None:
    """Run the edcal command line in the scratch repository, showing its output."""
    command = [sys.executable, "-m", "edcal", "--repo", str(demo), *args]
    subprocess.run(command, check=False)


def prepare(demo: Path) -> bool:
    """Create `.demo/` from the example; False when it already exists."""
    if (demo / ".git").is_dir():
        return False
    demo.mkdir(exist_ok=True)
    shutil.copytree(ROOT / "content", demo / "content", dirs_exist_ok=True)
    (demo / "calendar").mkdir(exist_ok=True)
    shutil.copy2(ROOT / "calendar/edcal.yml", demo / "calendar/edcal.yml")
    (demo / ".gitignore").write_text("outbox/\n", encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "demo"]):
        subprocess.run(["git", *IDENTITY, "-C", str(demo), *args], check=True)
    return True


def show_outbox(demo: Path) -> None:
    """One line per post the outbox holds."""
    for path in sorted((demo / "outbox").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            post = json.loads(line)
            text = post["text"].replace("\n", " ")
            print(f"  {post['channel']:<9} {post['scheduled'][:16]}  {text[:70]}")


def main() -> None:
    """Publish the demo as of `--now` and show the outbox."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--now", required=True)
    parser.add_argument("--feed", required=True, help="the built site's feed")
    parser.add_argument("--dir", type=Path, default=ROOT / ".demo", help="the scratch copy")
    options = parser.parse_args()
    demo = options.dir.resolve()
    if prepare(demo):
        morning = datetime.combine(datetime.fromisoformat(options.now).date(), time(0))
        print(f"First demo run: the past (before {morning:%Y-%m-%d %H:%M}) is recorded, not sent.")
        edcal(demo, "--now", morning.isoformat(), "publish", "--import-past")
    edcal(demo, "--now", options.now, "publish", "--feed", str(Path(options.feed).resolve()))
    print(f"\nThe outbox ({demo / 'outbox'}):")
    show_outbox(demo)
    print(f"The ledger: {demo / 'calendar/ledger'} ('git -C {demo} log' shows its commits)")


if __name__ == "__main__":
    main()
