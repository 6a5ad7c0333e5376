"""Post length as Bluesky checks it.

The `app.bsky.feed.post` lexicon limits `text` twice: `maxGraphemes: 300` (extended
grapheme clusters) and `maxLength: 3000`, which for atproto strings counts UTF-8
bytes. A post must satisfy both; links count in full (the facet keeps the URL).
"""

from __future__ import annotations

from edcal.text.graphemes import count_graphemes, utf8_length

MAX_GRAPHEMES = 300
MAX_BYTES = 3000

__all__ = ["MAX_BYTES", "MAX_GRAPHEMES", "count_graphemes", "utf8_length"]
