"""The scaffold `edcal init` writes, and this repository's example, which is that scaffold.

`edcal check` enforces the content rules on any calendar; these tests hold the scaffold to
them by construction (for several start dates, across daylight saving changes), without
depending on `check`, so that a broken template or data edit shows up here first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import emoji
import frontmatter
import pytest
import regex
import yaml

from edcal.scaffold import SOURCE_INSTALL, first_monday, write_scaffold

REPO = Path(__file__).resolve().parents[1]
EXAMPLE_START = date(2026, 11, 30)
TZ = ZoneInfo("Europe/Paris")
ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
THREAD_SPLIT = re.compile(r"^---$", re.MULTILINE)
THREADED = {"x", "mastodon", "bluesky"}
# A Monday, a start that crosses into summer time, one that crosses into winter time, a
# non-Monday (Wednesday) before a leap day; the example's own start comes first.
STARTS = [EXAMPLE_START, date(2027, 3, 22), date(2027, 10, 25), date(2028, 2, 16)]


@dataclass(frozen=True)
class Written:
    root: Path
    paths: list[Path]
    monday: date
    config: dict[str, object]
    posts: dict[Path, frontmatter.Post]
    socials: dict[Path, frontmatter.Post]


@pytest.fixture(scope="module", params=STARTS, ids=str)
def written(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Written:
    root = tmp_path_factory.mktemp("scaffold")
    paths = write_scaffold(root, request.param)
    config = yaml.safe_load((root / "calendar/edcal.yml").read_text(encoding="utf-8"))
    posts = {p: frontmatter.load(p) for p in sorted((root / "content/blog/posts").glob("*.md"))}
    socials = {p: frontmatter.load(p) for p in sorted((root / "content/social").glob("*.md"))}
    return Written(root, paths, first_monday(request.param), config, posts, socials)


def local(value: object) -> datetime:
    """A front-matter date -> aware local time (naive means the calendar's zone)."""
    assert isinstance(value, datetime), f"{value!r} is not a datetime (quoted?)"
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


def x_events(w: Written) -> list[datetime]:
    """Every X item: social posts on x, and articles announced on x at their time."""
    items = [local(p["date"]) for p in w.socials.values() if "x" in p["channels"]]
    return items + [local(p["date"]) for p in w.posts.values() if "x" in p["channels"]]


def facebook_events(w: Written) -> list[datetime]:
    every = [*w.socials.values(), *w.posts.values()]
    return [local(p["date"]) for p in every if "facebook" in p["channels"]]


# --- files and front-matter --------------------------------------------------------------


def test_files_are_where_expected(written: Written) -> None:
    root = written.root
    on_disk = sorted(p for p in root.rglob("*") if p.is_file())
    assert written.paths == on_disk, "returns every written path, sorted"
    for name in ["calendar/edcal.yml", "content/index.md", "content/blog/index.md"]:
        assert (root / name).is_file(), name
    assert (root / "content/blog/.authors.yml").is_file()
    assert (root / "content/blog/index.md").read_text(encoding="utf-8") == "# Blog\n"
    for path in on_disk:
        relative = path.relative_to(root).as_posix()
        project = (".gitignore", "mkdocs.yml", "calendar/edcal.yml")
        assert relative.startswith(("content/", ".github/workflows/")) or relative in project
        if relative.startswith("content/blog/posts/"):
            assert re.fullmatch(r"content/blog/posts/\d{4}-\d\d-\d\d-[a-z0-9-]+\.md", relative)
        elif relative.startswith("content/social/media/"):
            assert path.suffix == ".png"
        elif relative.startswith("content/social/"):
            assert re.fullmatch(r"content/social/\d{4}-\d\d-\d\d-\d{4}-[a-z0-9-]+\.md", relative)
    assert len(written.posts) == 4
    assert len(written.socials) >= 28


def test_file_names_match_front_matter(written: Written) -> None:
    for path, post in written.posts.items():
        when = local(post["date"])
        assert path.name == f"{when:%Y-%m-%d}-{post['slug']}.md"
        assert post["id"] == f"post-{when:%Y-%m-%d}-{post['slug']}"
    for path, social in written.socials.items():
        when = local(social["date"])
        assert path.name.startswith(f"{when:%Y-%m-%d-%H%M}-")
        assert social["id"] == f"social-{when:%Y-%m-%d}-{path.stem[16:]}"


def test_front_matter_has_the_contract_keys(written: Written) -> None:
    for path, post in written.posts.items():
        assert {"id", "title", "date", "authors", "categories", "status", "channels"} <= set(
            post.keys()
        ), path
        assert post["status"] in {"idea", "draft", "review", "scheduled"}
        text = path.read_text(encoding="utf-8")
        # The blog plugin reads naive dates as UTC and rejects strings: offset, unquoted.
        assert re.search(r"^date: \d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d$", text, re.M), path
        assert "<!-- more -->" in post.content
        words = len(post.content.split("<!-- more -->")[1].split())
        assert 150 <= words <= 400, f"{path.name}: {words} words after the excerpt"
    for path, social in written.socials.items():
        assert "queue" not in social
        assert isinstance(social["date"], datetime) and social["date"].tzinfo is None, path
        assert social["status"] in {"idea", "draft", "review", "scheduled"}
        assert social.content.strip(), path


def test_every_author_is_declared(written: Written) -> None:
    authors_file = written.root / "content/blog/.authors.yml"
    declared = yaml.safe_load(authors_file.read_text(encoding="utf-8"))["authors"]
    for author in declared.values():
        # The mkdocs-material blog plugin requires all three.
        assert {"name", "description", "avatar"} <= set(author)
    used = {name for post in written.posts.values() for name in post["authors"]}
    assert used <= set(declared)


def test_ids_are_unique_and_well_formed(written: Written) -> None:
    ids = [p["id"] for p in [*written.posts.values(), *written.socials.values()]]
    assert all(ID.match(i) for i in ids), ids
    assert len(ids) == len(set(ids))


# --- the month's rhythm -------------------------------------------------------------------


def test_dates_fall_in_the_four_weeks(written: Written) -> None:
    first = datetime.combine(written.monday, time(), TZ)
    end = first + timedelta(days=28)
    for post in [*written.posts.values(), *written.socials.values()]:
        assert first <= local(post["date"]) < end, post["id"]
    assert written.monday.weekday() == 0


def test_one_article_every_friday_at_nine(written: Written) -> None:
    fridays = [written.monday + timedelta(days=4 + 7 * week) for week in range(4)]
    whens = sorted(local(p["date"]) for p in written.posts.values())
    assert whens == [datetime.combine(day, time(9), TZ) for day in fridays]
    for post in written.posts.values():
        assert {"x", "facebook"} <= set(post["channels"])


def test_x_every_day_once_or_twice_three_hours_apart(written: Written) -> None:
    events = sorted(x_events(written))
    per_day = Counter(event.date() for event in events)
    for offset in range(28):
        day = written.monday + timedelta(days=offset)
        assert 1 <= per_day[day] <= 2, f"{day}: {per_day[day]} X items"
    for before, after in pairwise(events):
        assert after - before >= timedelta(hours=3), (before, after)


def test_facebook_two_or_three_per_week_a_day_apart(written: Written) -> None:
    events = sorted(facebook_events(written))
    per_week = Counter(event.isocalendar()[:2] for event in events)
    assert len(per_week) == 4
    assert all(2 <= count <= 3 for count in per_week.values()), per_week
    for before, after in pairwise(events):
        assert after - before >= timedelta(days=1), (before, after)


def test_x_and_facebook_rhythm_holds_without_unconfirmed_items(written: Written) -> None:
    """Draft, review and idea items may not count for cadence; the rhythm holds anyway."""
    confirmed = Written(
        written.root,
        written.paths,
        written.monday,
        written.config,
        {k: v for k, v in written.posts.items() if v["status"] == "scheduled"},
        {k: v for k, v in written.socials.items() if v["status"] == "scheduled"},
    )
    days = Counter(event.date() for event in x_events(confirmed))
    assert all(days[written.monday + timedelta(days=n)] >= 1 for n in range(28))
    weeks = Counter(event.isocalendar()[:2] for event in facebook_events(confirmed))
    assert len(weeks) == 4 and min(weeks.values()) >= 2


def test_workload_per_day(written: Written) -> None:
    workload = written.config["workload"]
    assert isinstance(workload, dict)
    per_day = Counter(
        local(p["date"]).date() for p in [*written.posts.values(), *written.socials.values()]
    )
    assert max(per_day.values()) <= workload["max_per_day"]


def test_socials_hit_a_slot_of_each_channel(written: Written) -> None:
    channels = written.config["channels"]
    assert isinstance(channels, dict)
    for social in written.socials.values():
        when = local(social["date"])
        for name in social["channels"]:
            assert name in channels, name
            slots = [parse_slot(text) for text in channels[name]["slots"]]
            hits = [when.isoweekday() in days and when.time() == at for days, at in slots]
            assert any(hits), f"{social['id']} at {when:%a %H:%M} is not a {name} slot"


def test_a_mix_of_statuses_and_features(written: Written) -> None:
    socials = list(written.socials.values())
    statuses = Counter(s["status"] for s in socials)
    assert statuses["scheduled"] > len(socials) * 3 // 4
    assert statuses["draft"] + statuses["review"] >= 2
    assert any(THREAD_SPLIT.search(s.content) for s in socials), "a thread"
    assert any(s.get("media") for s in socials), "a post with media"
    assert any(s.get("variants") for s in socials), "a post with variants"
    assert any(s.get("link") for s in socials), "a post linking to an article"
    texts = [p.content for p in [*written.posts.values(), *socials]]
    french = [t for t in texts if re.search(r"\b(les|une|pour|avec)\b", t)]
    english = [t for t in texts if re.search(r"\b(the|and|with|you)\b", t)]
    assert len(french) >= 10 and len(english) >= 10, "a bilingual community"


# --- texts ---------------------------------------------------------------------------------

URL = re.compile(r"https?://\S+")
# twitter-text v3: these code points weigh 1, everything else 2; URLs weigh 23.
X_LIGHT = [(0, 4351), (8192, 8205), (8208, 8223), (8242, 8247)]
ARTICLE_URL = "https://atelier-libre.example.org/blog/2026/12/04/a-fairly-long-article-slug/"


def x_weight(text: str) -> int:
    text = URL.sub("u" * 23, text)
    weight = 2 * emoji.emoji_count(text)
    for char in emoji.replace_emoji(text, replace=""):
        weight += 1 if any(lo <= ord(char) <= hi for lo, hi in X_LIGHT) else 2
    return weight


def rendered(text: str) -> list[str]:
    """The text as posted: `{{ url }}` filled in, split into thread parts."""
    text = text.replace("{{ url }}", ARTICLE_URL)
    return [part.strip() for part in THREAD_SPLIT.split(text)]


def test_texts_fit_each_platform(written: Written) -> None:
    for social in written.socials.values():
        for channel in social["channels"]:
            text = social.get("variants", {}).get(channel, social.content)
            parts = rendered(text)
            if channel not in THREADED:
                assert len(parts) == 1, f"{social['id']}: no thread on {channel}"
            for part in parts:
                assert part, f"{social['id']}: empty thread part"
                if channel == "x":
                    assert x_weight(part) <= 280, (social["id"], x_weight(part))
                elif channel == "mastodon":
                    assert len(URL.sub("u" * 23, part)) <= 500, social["id"]
                elif channel == "bluesky":
                    assert len(regex.findall(r"\X", part)) <= 300, social["id"]
        assert set(social.get("variants", {})) <= set(social["channels"])
    for post in written.posts.values():
        for channel, text in post.get("announce", {}).items():
            assert channel in post["channels"]
            assert "{{ url }}" in text
            if channel == "x":
                assert x_weight(rendered(text)[0]) <= 280, post["id"]


def test_links_and_media_resolve(written: Written) -> None:
    content = written.root / "content"
    for path, social in written.socials.items():
        if social.get("link"):
            article = content / social["link"]
            assert article.is_file(), social["link"]
            assert local(social["date"]) >= local(frontmatter.load(article)["date"])
            assert "{{ url }}" in social.content
        for item in social.get("media", []):
            image = path.parent / item["path"]
            assert image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), item["path"]
            assert item["alt"].strip()


def test_no_stray_files_in_content(written: Written) -> None:
    for path in (written.root / "content").rglob("*"):
        if path.is_file():
            assert path.suffix == ".md" or path.name == ".authors.yml" or "media" in path.parts


# --- the config -----------------------------------------------------------------------------


def test_config_has_every_contract_key(written: Written) -> None:
    config = written.config
    assert config["timezone"] == "Europe/Paris"
    assert str(config["site_url"]).endswith("/")
    for key in ["workload", "check", "publish", "channels", "tasks", "watch"]:
        assert key in config, key
    channels = config["channels"]
    assert isinstance(channels, dict)
    assert set(channels) == {"x", "facebook", "mastodon", "bluesky"}
    for name, channel in channels.items():
        assert {"platform", "label", "color", "slots", "credentials"} <= set(channel), name
        assert re.fullmatch(r"#[0-9a-f]{6}", channel["color"])
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", v) for v in channel["credentials"].values())
    tasks = config["tasks"]
    assert isinstance(tasks, list)
    assert {task["id"] for task in tasks} == {
        "check-mentions",
        "write-friday-article",
        "monthly-review",
    }
    assert all(task["start"] == written.monday for task in tasks)


WEEKDAYS = {name: n for n, name in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], 1)}


def parse_slot(text: str) -> tuple[set[int], time]:
    """`Mon-Fri 12:30`, `Tue,Thu 17:30`, `daily 09:00` -> (ISO weekdays, time)."""
    spec, at = text.split()
    days: set[int] = set()
    for part in spec.split(","):
        if part == "daily":
            days |= set(range(1, 8))
        elif "-" in part:
            first, last = (WEEKDAYS[p] for p in part.split("-"))
            days |= set(range(first, last + 1))
        else:
            days.add(WEEKDAYS[part])
    return days, time.fromisoformat(at)


# --- refusing, and the repository's example ----------------------------------------------


def test_start_moves_to_the_next_monday() -> None:
    assert first_monday(date(2026, 11, 30)) == date(2026, 11, 30)
    assert first_monday(date(2026, 12, 1)) == date(2026, 12, 7)
    assert first_monday(date(2026, 12, 6)) == date(2026, 12, 7)


def test_refuses_an_existing_calendar(tmp_path: Path) -> None:
    write_scaffold(tmp_path, EXAMPLE_START)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(FileExistsError, match=r"edcal\.yml"):
        write_scaffold(tmp_path, date(2027, 1, 4))
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_refuses_to_overwrite_any_file(tmp_path: Path) -> None:
    index = tmp_path / "content/index.md"
    index.parent.mkdir(parents=True)
    index.write_text("# My own home page\n", encoding="utf-8")
    with pytest.raises(FileExistsError, match=r"index\.md"):
        write_scaffold(tmp_path, EXAMPLE_START)
    assert index.read_text(encoding="utf-8") == "# My own home page\n"
    assert not (tmp_path / "calendar").exists(), "nothing written when refusing"


def test_repository_example_is_the_scaffold(tmp_path: Path) -> None:
    fresh = {
        p.relative_to(tmp_path).as_posix(): p.read_bytes()
        for p in write_scaffold(tmp_path, EXAMPLE_START, install=SOURCE_INSTALL)
    }
    fresh.pop(".gitignore")  # the repository keeps its own
    workflows = [REPO / ".github/workflows" / n for n in ("check.yml", "publish.yml", "watch.yml")]
    generated = [REPO / "calendar/edcal.yml", REPO / "mkdocs.yml", *workflows]
    example = {
        p.relative_to(REPO).as_posix(): p.read_bytes()
        for p in [*(REPO / "content").rglob("*"), *generated]
        if p.is_file()
    }
    fix = "run `.venv/bin/python scripts/regenerate_example.py` and commit the result"
    differ = sorted(name for name in fresh.keys() & example.keys() if fresh[name] != example[name])
    assert not differ, f"the example differs from the scaffold in {differ}: {fix}"
    missing = sorted(fresh.keys() - example.keys())
    assert not missing, f"missing from the example: {missing}: {fix}"
    extra = sorted(example.keys() - fresh.keys())
    assert not extra, f"in the example but not made by the scaffold: {extra}: {fix}"


def test_a_new_calendar_gets_the_site_and_workflows_installing_the_release(tmp_path: Path) -> None:
    from importlib.metadata import version

    write_scaffold(tmp_path, EXAMPLE_START)
    publish = (tmp_path / ".github/workflows/publish.yml").read_text(encoding="utf-8")
    assert f'python -m pip install "edcal=={version("edcal")}"' in publish
    assert "pip install .\n" not in publish
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8").startswith("# The example site")
    assert "outbox/" in (tmp_path / ".gitignore").read_text(encoding="utf-8")
