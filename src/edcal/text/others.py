"""LinkedIn, Facebook and webhook (Slack/Discord) lengths.

* LinkedIn (3,000 per post) and Facebook (63,206 per post) say "characters" and
  document no unit. We count UTF-16 code units: what their web composers, JavaScript
  text fields, count (`String.length`), and the cautious choice, as it is never less
  than the number of code points or graphemes, so a text we pass fits whichever way
  the platform counts (an emoji beyond U+FFFF counts 2).
* Webhooks: Discord's 2,000-character message limit is the binding one (Slack allows
  40,000). Discord's API is Python and counts code points (Discord staff in
  discord/discord-api-docs#1315), so we count code points.
"""

from __future__ import annotations

from edcal.text.graphemes import utf16_length

LINKEDIN_LIMIT = 3000
FACEBOOK_LIMIT = 63206
WEBHOOK_LIMIT = 2000


def linkedin_length(text: str) -> int:
    """Length of a LinkedIn post's text, in UTF-16 code units."""
    return utf16_length(text)


def facebook_length(text: str) -> int:
    """Length of a Facebook post's text, in UTF-16 code units."""
    return utf16_length(text)


def webhook_length(text: str) -> int:
    """Length of a webhook message (Discord's count: code points)."""
    return len(text)
