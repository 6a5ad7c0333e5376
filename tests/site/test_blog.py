"""Which articles the blog may show, and article dates rewritten as edcal reads them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from edcal.model import Post, Source
from edcal.site.blog import aligned_front_matter, is_due

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 7, 10, tzinfo=PARIS)


def _post(when: datetime | None, status: str = "scheduled") -> Post:
    return Post(
        id="a",
        title="A",
        date=when,
        status=status,  # type: ignore[arg-type]
        channels=(),
        body="",
        source=Source("content/blog/posts/a.md"),
    )


@pytest.mark.parametrize(
    ("when", "status", "due"),
    [
        (datetime(2026, 12, 4, 9, tzinfo=PARIS), "scheduled", True),
        (NOW, "scheduled", True),
        (datetime(2026, 12, 7, 10, 0, 1, tzinfo=PARIS), "scheduled", False),
        (datetime(2026, 12, 4, 9, tzinfo=PARIS), "draft", False),
        (datetime(2026, 12, 4, 9, tzinfo=PARIS), "review", False),
        (None, "scheduled", False),
    ],
)
def test_an_article_is_due_once_scheduled_and_its_time_has_come(
    when: datetime | None, status: str, due: bool
) -> None:
    assert is_due(_post(when, status), NOW) is due


def _meta(text: str) -> dict[str, object]:
    front = text.split("---\n")[1]
    data = yaml.safe_load(front)
    assert isinstance(data, dict)
    return data


def test_a_date_with_the_calendar_offset_is_left_alone() -> None:
    text = "---\ntitle: A\ndate: 2026-12-04T09:00:00+01:00\n---\n\nBody\n"
    assert aligned_front_matter(text, datetime(2026, 12, 4, 9, tzinfo=PARIS)) is None


def test_a_naive_date_gets_the_calendar_offset_and_the_body_is_kept() -> None:
    body = "\n# A\n\nBody with --- and {{ url }}\n"
    text = f"---\ntitle: Réparer\ndate: 2026-12-04T09:00:00\nauthors: [camille]\n---\n{body}"
    aligned = aligned_front_matter(text, datetime(2026, 12, 4, 9, tzinfo=PARIS))
    assert aligned is not None
    assert aligned.endswith("---\n" + body)
    meta = _meta(aligned)
    assert meta["date"] == datetime(2026, 12, 4, 9, tzinfo=PARIS)
    assert str(meta["date"]).endswith("+01:00")
    assert meta["title"] == "Réparer"
    assert meta["authors"] == ["camille"]


def test_another_offset_is_moved_into_the_calendar_zone() -> None:
    # 23:30 UTC is the next day in Paris: the blog's URL must carry the Paris day.
    text = "---\ndate: 2026-12-05T23:30:00+00:00\n---\nBody\n"
    when = datetime(2026, 12, 6, 0, 30, tzinfo=PARIS)
    aligned = aligned_front_matter(text, when.astimezone(PARIS))
    assert aligned is not None
    assert "2026-12-06 00:30:00+01:00" in aligned


def test_the_mapping_form_aligns_created_and_updated() -> None:
    text = "---\ndate:\n  created: 2026-12-04T09:00:00\n  updated: 2026-12-05\n---\nBody\n"
    aligned = aligned_front_matter(text, datetime(2026, 12, 4, 9, tzinfo=PARIS))
    assert aligned is not None
    dates = _meta(aligned)["date"]
    assert dates == {
        "created": datetime(2026, 12, 4, 9, tzinfo=PARIS),
        "updated": datetime(2026, 12, 5, tzinfo=PARIS),
    }
