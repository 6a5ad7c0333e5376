"""Articles + now -> which the blog may show, with front-matter dates read as edcal reads them.

mkdocs-material's blog plugin reads a naive `date` as UTC (and puts the day of whatever
offset was written into the post's URL), while edcal reads a naive date in the calendar's
time zone. `aligned_front_matter` rewrites an article's `date` to the aware date edcal
computed, in the calendar's zone, so the blog, its feed and the calendar agree on the
hour and the day.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import yaml

from edcal.times import TimeError, to_aware

if TYPE_CHECKING:
    from edcal.model import Post

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_due(post: Post, now: datetime) -> bool:
    """Whether the article belongs on the site at `now`: scheduled, and its time has come."""
    return post.status == "scheduled" and post.date is not None and post.date <= now


def aligned_front_matter(text: str, local: datetime) -> str | None:
    """The article's text with `date` written as edcal reads it (`local`: the article's
    date in the calendar's zone), or None if already so.

    A date that already carries the calendar's offset is left alone, so an example written
    the recommended way (`2026-12-04T09:00:00+01:00`) is read straight from its file.
    """
    # The pattern the blog plugin finds front-matter with. Imported here: the MkDocs
    # build calls this and has it loaded; the helper process never needs it.
    from mkdocs.utils.meta import YAML_RE

    tz = local.tzinfo
    if not isinstance(tz, ZoneInfo):
        raise ValueError(f"{local} is not in a calendar's zone")
    match = YAML_RE.match(text.removeprefix("\ufeff"))
    if match is None:
        return None
    try:
        meta = yaml.load(match.group(1), Loader=_Loader)
    except yaml.YAMLError:
        return None  # the blog plugin reports a broken front-matter itself
    if not isinstance(meta, dict):
        return None
    value = meta.get("date")
    created = value.get("created") if isinstance(value, Mapping) else value
    if (
        isinstance(created, datetime)
        and created.tzinfo is not None
        and created.utcoffset() == local.utcoffset()
    ):
        return None
    if isinstance(value, Mapping):
        meta["date"] = {key: _aware(item, tz) for key, item in value.items()}
        meta["date"]["created"] = local
    else:
        meta["date"] = local
    body = text.removeprefix("\ufeff")[match.end() :]
    dumped = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{dumped}---\n{body}"


def _aware(value: object, tz: ZoneInfo) -> object:
    if not isinstance(value, date):
        return value
    try:
        return to_aware(value, tz)
    except TimeError:
        return value  # `edcal check` reports a date inside a DST change
