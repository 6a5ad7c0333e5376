"""The `outbox` target: every channel posts to `<outbox>/<channel>.jsonl` on disk.

It behaves like a platform without idempotency keys that can be asked what it holds:
a post appends one JSON line, and `find_by_key` reads the lines back. Several clones
pointed at one folder (`EDCAL_OUTBOX_DIR`) act like runners posting to one platform.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from edcal.platforms.base import Delivery, Outgoing

OUTBOX_ENV = "EDCAL_OUTBOX_DIR"


def outbox_dir(repo: Path) -> Path:
    """`$EDCAL_OUTBOX_DIR`, else `outbox/` in the repository."""
    folder = os.environ.get(OUTBOX_ENV)
    return Path(folder) if folder else repo / "outbox"


class OutboxAdapter:
    """An adapter writing one JSON line per post into the channel's outbox file."""

    def __init__(self, folder: Path, channel: str) -> None:
        self.file = folder.resolve() / f"{channel}.jsonl"
        self.lock = FileLock(str(self.file) + ".lock")

    def post(self, outgoing: Outgoing) -> Delivery:
        """Append the post (all thread parts in one line) and return its line number as id."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "id": outgoing.item_id,
            "channel": outgoing.channel,
            "key": outgoing.key,
            "scheduled": outgoing.scheduled.isoformat(),
            "text": outgoing.parts[0] if outgoing.parts else "",
            "thread": list(outgoing.parts[1:]),
            "media": [{"path": Path(path).name, "alt": alt} for path, alt in outgoing.media],
            "posted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        # The lock keeps two runners from interleaving half lines; the fsync makes a post
        # that returned survive a crash of the run right after it (like a platform's).
        with self.lock, self.file.open("a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())
            number = sum(1 for _ in self.file.open(encoding="utf-8"))
        return Delivery(f"{outgoing.channel}:{number}", f"{self.file.as_uri()}#{number}")

    def find_by_key(self, outgoing: Outgoing) -> Delivery | None:
        """The line holding this key, if the outbox has one."""
        if not self.file.exists():
            return None
        with self.lock, self.file.open(encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn line from a killed writer is not a post
                if record.get("key") == outgoing.key:
                    return Delivery(
                        f"{outgoing.channel}:{number}", f"{self.file.as_uri()}#{number}"
                    )
        return None
