"""Content -> the same content with limits read from the platforms (`edcal check --online`)."""

from __future__ import annotations

import os
from dataclasses import replace

from edcal.model import Content, Problem
from edcal.platforms.base import DeliveryError


def with_live_limits(content: Content) -> tuple[Content, list[Problem]]:
    """Each Mastodon channel's limit as its instance states it; a failed lookup is a warning.

    Instances set their own limit (500 by default, thousands on some): the config's
    `limit` is a guess until the instance is asked.
    """
    channels = dict(content.config.channels)
    problems = []
    for name, channel in channels.items():
        if channel.platform != "mastodon":
            continue
        from edcal.platforms.mastodon import instance_limit

        try:
            limit = instance_limit(channel, os.environ)
        except DeliveryError as error:
            problems.append(
                Problem(
                    channel.source,
                    "warning",
                    f"{name}: could not read the instance's limit ({error})",
                    f"checked against the configured limit of {channel.limit}",
                    "online",
                )
            )
            continue
        channels[name] = replace(channel, limit=limit)
    config = replace(content.config, channels=channels)
    return replace(content, config=config), problems
