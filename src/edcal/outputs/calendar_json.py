"""Plan + config -> `calendar.json`: the plan's entries with their calendar-page URLs."""

from __future__ import annotations

import json

from edcal.model import Config
from edcal.plan import Plan
from edcal.render import entry_url


def calendar_json(config: Config, plan: Plan) -> str:
    """The plan as JSON for scripts and the site's pages.

    `{"timezone", "generated_for": {"start", "end"}, "channels": {name: {label, color,
    platform}}, "entries": [Entry.to_json() + {"url"}]}`; the same plan gives the same text.
    """
    document = {
        "timezone": config.timezone.key,
        "generated_for": {
            "start": plan.start.isoformat() if plan.start else None,
            "end": plan.end.isoformat() if plan.end else None,
        },
        "channels": {
            name: {"label": channel.label, "color": channel.color, "platform": channel.platform}
            for name, channel in config.channels.items()
        },
        "entries": [
            {**entry.to_json(), "url": entry_url(config, entry.id, entry.start)}
            for entry in plan.entries
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
