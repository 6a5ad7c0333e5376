"""A plan -> a terminal table by day (rich), in the calendar's time zone."""

from __future__ import annotations

from itertools import groupby
from typing import IO

from rich.text import Text

from edcal.plan import Entry, Plan

OUTCOME_MARKS = {
    "published": "✓",
    "imported": "✓",
    "missed": "✗missed:",
    "failed": "!failed:",
    "flagged": "⚑check:",
    "claimed": "…",
}
KIND_LABELS = {"post": "article", "social": "social", "announce": "announce", "task": "task"}


def write_plan(plan: Plan, stream: IO[str], color: bool, width: int | None = None) -> None:
    """One table per day: time, kind, channels, status, title."""
    from rich.console import Console
    from rich.table import Table

    console = Console(
        file=stream, force_terminal=color, no_color=not color, width=width or 120, highlight=False
    )
    tz = plan.timezone
    if not plan.entries:
        console.print("Nothing planned in this window.")
    for day, entries in groupby(plan.entries, key=lambda e: e.start.astimezone(tz).date()):
        table = Table(
            title=f"{day:%A %d %B %Y}", title_justify="left", expand=True, show_edge=False
        )
        table.add_column("time", width=5, no_wrap=True)
        table.add_column("kind", width=8, no_wrap=True)
        table.add_column("channels", width=18)
        table.add_column("status", width=9, no_wrap=True)
        table.add_column("title", ratio=1)
        for entry in entries:
            table.add_row(*_row(entry, plan))
        console.print(table)
    for problem in plan.problems:
        console.print(Text(str(problem), style="yellow"))
    console.print(
        f"{sum(1 for e in plan.entries if e.kind != 'task')} items,"
        f" {sum(1 for e in plan.entries if e.kind == 'task')} task occurrences"
        f" ({tz.key})"
    )


def _row(entry: Entry, plan: Plan) -> tuple[str, str, str, str, Text]:
    local = entry.start.astimezone(plan.timezone)
    title = entry.title + (" (queued)" if entry.queued else "")
    published = "".join(
        f" {OUTCOME_MARKS.get(state, state)}{channel}" for channel, state in entry.outcomes.items()
    )
    return (
        f"{local:%H:%M}",
        KIND_LABELS[entry.kind],
        ", ".join(entry.channels) or "—",
        "" if entry.kind == "task" else entry.status + published,
        Text(title),  # a title is the user's text, never rich markup
    )
