"""Ledger and watch files for the site tests: what publish runs and `edcal watch` leave."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from edcal.ledger import Event, Ledger, Record, idempotency_key
from edcal.watch import Mention, write_seen

LIVE_URL = "https://x.example/@atelier/1"
EVIL = "<script>alert(1)</script>"


def record(repo: Path, item_id: str, channel: str, scheduled: str, *events: Event) -> None:
    """Write one (item, channel) record as a publish run does."""
    key = idempotency_key(item_id, channel, datetime.fromisoformat(scheduled))
    Ledger(repo).write(Record(item_id, channel, key, scheduled, events))


def write_history(repo: Path) -> None:
    """`pub` went out on X (https URL) and to the outbox on Mastodon; `late` was missed on X
    and flagged on Facebook; the last run was at 06:00 on 7 December."""
    at = "2026-12-01T12:31:00+01:00"
    record(
        repo,
        "pub",
        "x",
        "2026-12-01T12:30:00+01:00",
        Event("claimed", at, "r1"),
        Event("published", at, "r1", remote_id="1", url=LIVE_URL),
    )
    record(
        repo,
        "pub",
        "mastodon",
        "2026-12-01T12:30:00+01:00",
        Event("published", at, "r1", remote_id="m:1", url="file:///runner/outbox/m.jsonl#1"),
    )
    late = "2026-12-03T12:30:00+01:00"
    record(repo, "late", "x", late, Event("missed", "2026-12-07T06:00:00+01:00", "r2"))
    record(repo, "late", "facebook", late, Event("flagged", "2026-12-07T06:00:00+01:00", "r2"))


def write_mentions(repo: Path) -> None:
    """A seen file holding two mentions, one whose title and link are hostile."""
    seen_at = datetime.fromisoformat("2026-12-06T08:00:00+01:00")
    mentions = {
        "https://news.example/1": Mention(
            "News",
            "L'Atelier Libre ouvre",
            "https://news.example/1",
            datetime.fromisoformat("2026-12-05T07:12:00+00:00"),
            ("atelier libre",),
        ),
        "urn:evil": Mention(
            "Toots", f"Atelier libre {EVIL}", "javascript:alert(2)", None, ("atelierlibre",)
        ),
    }
    write_seen(repo, {"https://news.example/1": seen_at, "urn:evil": seen_at}, mentions)
