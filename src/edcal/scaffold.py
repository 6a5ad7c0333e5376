"""`edcal init`: write a new calendar repository's config and a month of example content.

The month (`scaffold_files/month.yml`) is stored relative to its first Monday, so the same data
gives a plausible calendar whatever day `init` runs; the templates in
`scaffold_files/templates/` turn it into `calendar/edcal.yml` and the Markdown files under
`content/`. This repository's own example is this function's output for 2026-11-30
(`scripts/regenerate_example.py`), and a test keeps the two identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath
from urllib.parse import quote
from zoneinfo import ZoneInfo

import jinja2
import yaml

from edcal.times import localize

TIMEZONE = "Europe/Paris"
SITE_URL = "https://atelier-libre.example.org/"
WEEKS = 4
CONFIG_PATH = PurePosixPath("calendar/edcal.yml")
POSTS_DIR = PurePosixPath("content/blog/posts")
SOCIAL_DIR = PurePosixPath("content/social")
MEDIA_DIR = "media"  # relative to SOCIAL_DIR, as social posts name their media

# The templates and the month's data ship in the wheel as package data.
_DATA: Traversable = files("edcal").joinpath("scaffold_files")


def first_monday(start: date) -> date:
    """`start` if it is a Monday, else the Monday after it (the month begins on a Monday)."""
    return start + timedelta(days=-start.weekday() % 7)


# The project files are copied as they are (GitHub's `${{ }}` would clash with Jinja); only
# the install step changes: this repository installs itself, a new calendar the release.
SOURCE_INSTALL = "python -m pip install ."
PROJECT_FILES = {
    "mkdocs.yml": "mkdocs.yml",
    "gitignore": ".gitignore",
    "workflows/check.yml": ".github/workflows/check.yml",
    "workflows/publish.yml": ".github/workflows/publish.yml",
    "workflows/watch.yml": ".github/workflows/watch.yml",
}


def release_install() -> str:
    """The install line a new calendar's workflows use: this edcal's release."""
    from importlib.metadata import version

    return f'python -m pip install "edcal=={version("edcal")}"'


def project_files(install: str) -> Iterator[tuple[PurePosixPath, bytes]]:
    """mkdocs.yml, .gitignore and the GitHub workflows, with `install` as the install step."""
    for source, target in PROJECT_FILES.items():
        text = _DATA.joinpath("project", source).read_text(encoding="utf-8")
        yield PurePosixPath(target), text.replace(SOURCE_INSTALL, install).encode("utf-8")


def write_scaffold(target: Path, start: date, install: str | None = None) -> list[Path]:
    """Write a new calendar into `target`: config, four weeks of articles and social posts.

    The four weeks begin on `start` when it is a Monday, otherwise on the next Monday, so
    that the weekly rhythm (article on Friday, agenda post on Monday…) lines up. Raises
    `FileExistsError`, before writing anything, when `target/calendar/edcal.yml` or any
    other file it would write already exists. Returns the written paths, sorted.
    """
    config = target / CONFIG_PATH
    if config.exists():
        raise FileExistsError(f"{config} already exists: this folder already has a calendar")
    files_out = dict(render_scaffold(first_monday(start)))
    files_out.update(project_files(install or release_install()))
    clashes = sorted(str(target / path) for path in files_out if (target / path).exists())
    if clashes:
        raise FileExistsError("would overwrite existing files: " + ", ".join(clashes))
    written: list[Path] = []
    for relative, content in files_out.items():
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        # Bytes, not text: the example in the repository must equal this output byte for
        # byte on every OS, so no newline translation.
        path.write_bytes(content)
        written.append(path)
    return sorted(written)


def render_scaffold(monday: date) -> Iterator[tuple[PurePosixPath, bytes]]:
    """Every file of the scaffold for the four weeks from `monday`: (relative path, bytes)."""
    month = _load_month()
    env = _environment()
    tz = ZoneInfo(TIMEZONE)

    def render(template: str, **context: object) -> bytes:
        return env.get_template(template).render(**context).encode("utf-8")

    yield (
        CONFIG_PATH,
        render("edcal.yml.j2", timezone=TIMEZONE, site_url=SITE_URL, start=monday.isoformat()),
    )
    yield PurePosixPath("content/index.md"), render("index.md.j2")
    yield PurePosixPath("content/blog/index.md"), render("blog_index.md.j2")
    authors = {
        key: {**author, "avatar": _avatar(author["initials"], author["color"])}
        for key, author in month.authors.items()
    }
    yield PurePosixPath("content/blog/.authors.yml"), render("authors.yml.j2", authors=authors)

    articles: dict[str, tuple[datetime, str]] = {}  # slug -> (aware time, path under content/)
    for post in month.posts:
        when = localize(datetime.combine(monday + timedelta(days=post.day), post.at), tz)
        day = when.date().isoformat()
        path = POSTS_DIR / f"{day}-{post.slug}.md"
        articles[post.slug] = (when, str(path.relative_to("content")))
        yield (
            path,
            render(
                "post.md.j2",
                id=f"post-{day}-{post.slug}",
                date=when.isoformat(),  # explicit offset: the blog plugin reads naive as UTC
                **post.fields,
            ),
        )

    for social in month.socials:
        when = localize(datetime.combine(monday + timedelta(days=social.day), social.at), tz)
        day = when.date().isoformat()
        link = None
        if social.link is not None:
            article_time, link = articles[social.link]
            if when < article_time:
                raise ValueError(
                    f"social {social.slug!r} links to {social.link!r} before it is out"
                )
        media = [
            {"path": f"{MEDIA_DIR}/{item['file']}", "alt": item["alt"]} for item in social.media
        ]
        yield (
            SOCIAL_DIR / f"{day}-{when:%H%M}-{social.slug}.md",
            render(
                "social.md.j2",
                id=f"social-{day}-{social.slug}",
                date=when.replace(tzinfo=None).isoformat(),  # naive: the calendar's time zone
                link=link,
                media=media,
                **social.fields,
            ),
        )
        for item in social.media:
            yield (
                SOCIAL_DIR / MEDIA_DIR / item["file"],
                _DATA.joinpath("media", item["file"]).read_bytes(),
            )


# --- the month's data -------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """One article or social post of `month.yml`: when it falls, and what the template gets."""

    slug: str
    day: int
    at: time
    fields: Mapping[str, object]  # the remaining keys, passed to the template as they are
    link: str | None = None
    media: tuple[Mapping[str, str], ...] = ()


@dataclass(frozen=True)
class _Month:
    authors: Mapping[str, Mapping[str, str]]
    posts: tuple[_Entry, ...]
    socials: tuple[_Entry, ...]


def _load_month() -> _Month:
    # The data ships with the package, so a mistake in it is a bug of ours: fail loudly,
    # naming the entry, rather than write a calendar that `edcal check` would reject.
    data = yaml.safe_load(_DATA.joinpath("month.yml").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("scaffold_files/month.yml: expected a mapping")
    posts = tuple(_entry(raw, "post") for raw in data["posts"])
    socials = tuple(_entry(raw, "social") for raw in data["socials"])
    slugs = [entry.slug for entry in (*posts, *socials)]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        raise ValueError(f"scaffold_files/month.yml: duplicate slugs {duplicates}")
    known = {post.slug for post in posts}
    for social in socials:
        if social.link is not None and social.link not in known:
            raise ValueError(
                f"scaffold_files/month.yml: {social.slug!r} links to unknown {social.link!r}"
            )
    authors: dict[str, Mapping[str, str]] = {
        str(key): {str(k): str(v) for k, v in value.items()}
        for key, value in data["authors"].items()
    }
    return _Month(authors=authors, posts=posts, socials=socials)


def _entry(raw: object, kind: str) -> _Entry:
    if not isinstance(raw, dict):
        raise ValueError(f"scaffold_files/month.yml: each {kind} must be a mapping, not {raw!r}")
    fields = dict(raw)
    slug = str(fields.pop("slug"))
    day = fields.pop("day")
    if not isinstance(day, int) or not 0 <= day < 7 * WEEKS:
        raise ValueError(f"scaffold_files/month.yml: {slug!r}: day must be 0..{7 * WEEKS - 1}")
    at = fields.pop("time")
    if not isinstance(at, str):
        raise ValueError(f'scaffold_files/month.yml: {slug!r}: quote the time, e.g. "12:30"')
    link = fields.pop("link", None)
    # Optional keys default to empty so that the templates can test them under
    # StrictUndefined (which rejects even `{% if missing %}`).
    fields.setdefault("announce" if kind == "post" else "variants", {})
    media = tuple(
        {"file": str(item["file"]), "alt": str(item["alt"])} for item in fields.pop("media", [])
    )
    return _Entry(
        slug=slug,
        day=day,
        at=time.fromisoformat(at),
        fields={"slug": slug, **fields},
        link=None if link is None else str(link),
        media=media,
    )


# --- templating -------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        # autoescape stays off on purpose: these templates write YAML and Markdown, where
        # HTML entities would corrupt the text ("&amp;" in a post). YAML quoting is done
        # explicitly by the `yaml` and `block` filters below.
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yaml"] = _yaml_scalar
    env.filters["block"] = _yaml_block
    return env


def _template_source(name: str) -> str:
    # Read through importlib.resources so that templates load from any installed form
    # of the package, not only from a folder on disk.
    return _DATA.joinpath("templates", name).read_text(encoding="utf-8")


_FLOW_INDICATORS = frozenset(",[]{}")


def _yaml_scalar(value: object, in_flow: bool = False) -> str:
    """One-line text -> a YAML scalar: plain when that reads back the same, else quoted.

    Plain where possible keeps the front-matter readable for the people editing it; the
    quoted form is JSON, which is valid YAML and escapes exactly what must be escaped.
    Inside a flow list (`[a, b]`, say `in_flow=True`) commas and brackets need quotes too.
    """
    text = str(value)
    if "\n" in text:
        raise ValueError(f"use the `block` filter for multi-line text: {text[:40]!r}")
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1_000_000)
    plain = dumped.removesuffix("\n...\n").removesuffix("\n")
    if plain != text or (in_flow and _FLOW_INDICATORS & set(text)):
        return json.dumps(text, ensure_ascii=False)
    return plain


def _yaml_block(value: object, indent: int) -> str:
    """Multi-line text -> a YAML literal block (`|-`), indented `indent` spaces."""
    text = str(value).rstrip("\n")
    if text[:1].isspace():
        # A leading space would be read as the block's indentation, not as text.
        raise ValueError(f"a block cannot start with white space: {text[:40]!r}")
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


def _avatar(initials: str, color: str) -> str:
    """A round avatar with initials, as a data: URL.

    The blog plugin requires an avatar per author; a data URL keeps `content/` free of
    image files that nothing else would use, and mkdocs leaves URLs with a scheme as is.
    """
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 64'>"
        f"<circle cx='32' cy='32' r='32' fill='{color}'/>"
        "<text x='32' y='41' text-anchor='middle' font-family='sans-serif' font-size='24'"
        f" font-weight='bold' fill='#fff'>{initials}</text></svg>"
    )
    return "data:image/svg+xml," + quote(svg, safe="/:='")
