"""Channel + environment -> credentials; text -> the same text with every secret blanked.

Tokens live only in the environment variables a channel's `credentials:` names. An
adapter asks `credential(channel, role, environ)` for each one (a missing variable is an
AuthError naming the variable, never a value) and passes every message it builds from a
client library's exception through `scrub`, since those often echo request headers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from edcal.model import Channel
from edcal.platforms.base import AuthError

MASK = "***"
MIN_SECRET = 4  # shorter values would blank ordinary words and still hide nothing


def credential(channel: Channel, role: str, environ: Mapping[str, str]) -> str:
    """The value of the environment variable the channel names for `role`.

    Raises AuthError when the config names no variable for the role, or the variable is
    unset or empty; the message names the variable, never a value.
    """
    variable = channel.credentials.get(role)
    if not variable:
        raise AuthError(
            f"{channel.name}: no `credentials: {{{role}: VARIABLE}}` in calendar/edcal.yml"
            f" (the {channel.platform} adapter needs a {role})"
        )
    value = environ.get(variable, "").strip()
    if not value:
        raise AuthError(f"{channel.name}: the environment variable {variable} ({role}) is not set")
    return value


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret (longest first, so no part of one survives) replaced by ***."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
