"""Items -> the exact text each channel will carry: article URLs, `{{ url }}`, threads."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from edcal.model import Config, Post, SocialPost

if TYPE_CHECKING:
    import jinja2

THREAD_BREAK = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)
TEMPLATES_DIR = "calendar/templates"
DEFAULT_ANNOUNCEMENT = "{{ title }} {{ url }}"
THREAD_PLATFORMS = frozenset({"x", "mastodon", "bluesky"})


class RenderError(ValueError):
    """A text whose `{{ … }}` placeholders cannot be filled."""


def slugify(title: str) -> str:
    """A title -> the slug the mkdocs-material blog plugin gives it by default.

    Same steps as Python-Markdown's `toc.slugify`, the blog plugin's default
    (`post_slugify`); repeated here so that `check` needs no MkDocs import.
    """
    value = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value).strip().lower()
    return re.sub(r"[-\s]+", "-", value)


def article_url(config: Config, post: Post) -> str:
    """The public URL of an article, as the blog plugin lays it out: blog/YYYY/MM/DD/slug/."""
    slug = post.slug or slugify(post.title)
    day = post.date.strftime("%Y/%m/%d") if post.date else "draft"
    return f"{config.site_url}blog/{day}/{slug}/"


def split_thread(text: str) -> tuple[str, ...]:
    """A body -> its thread parts (a line holding only `---` separates two parts)."""
    if "---" not in text:
        return (text.strip(),)
    parts = tuple(part.strip() for part in THREAD_BREAK.split(text))
    return tuple(part for part in parts if part) or ("",)


def fill(text: str, **values: str) -> str:
    """Fill `{{ name }}` placeholders (Jinja2, strict); plain text is returned untouched."""
    if "{{" not in text and "{%" not in text:
        return text
    simple = _simple_fill(text, values)
    if simple is not None:
        return simple
    import jinja2

    try:
        return _compile(text).render(**values)
    except jinja2.TemplateError as error:
        raise RenderError(str(error)) from None


_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def _simple_fill(text: str, values: dict[str, str]) -> str | None:
    """`{{ name }}` placeholders alone, filled without Jinja; None for anything else.

    Most texts hold only `{{ url }}` or `{{ title }}`; compiling a Jinja template for each
    of thousands of posts would dominate `edcal check`. Same result as Jinja's (no
    autoescape, strict undefined), which handles every other case.
    """
    rest = _PLACEHOLDER.sub("", text)
    if "{{" in rest or "{%" in rest or "{#" in rest or "}}" in rest:
        return None
    names = _PLACEHOLDER.findall(text)
    if any(name not in values for name in names):
        return None  # let Jinja raise its own "undefined" error
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


@lru_cache(maxsize=1024)
def _compile(text: str) -> jinja2.Template:
    import jinja2

    # Texts here go to social platforms, not into HTML, so escaping would corrupt them.
    environment = jinja2.Environment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
    )
    return environment.from_string(text)


def social_parts(social: SocialPost, channel: str, url: str) -> tuple[str, ...]:
    """The thread parts a social post sends to `channel`, with `{{ url }}` filled in."""
    return split_thread(fill(social.text_for(channel), url=url))


def load_templates(repo: Path) -> dict[str, str]:
    """The announcement templates in `calendar/templates/` (`<channel>.txt`, `announce.txt`)."""
    folder = repo / TEMPLATES_DIR
    if not folder.is_dir():
        return {}
    return {path.stem: path.read_text(encoding="utf-8").strip() for path in folder.glob("*.txt")}


def announcement_text(
    config: Config, templates: Mapping[str, str], post: Post, channel: str
) -> str:
    """The announcement of an article on `channel`.

    Taken from the article's `announce` entry, else the template `<channel>.txt`, else
    `announce.txt`, else a built-in "title url".
    """
    template = post.announce.get(channel)
    if template is None:
        template = templates.get(channel, templates.get("announce", DEFAULT_ANNOUNCEMENT))
    return fill(template, url=article_url(config, post), title=post.title)


CALENDAR_DIR = "calendar"  # where the site's calendar pages live, under the site root


def entry_anchor(entry_id: str) -> str:
    """The HTML id of an entry on the calendar pages (ids may hold `:` and `@`)."""
    return "entry-" + re.sub(r"[^a-z0-9_-]+", "-", entry_id.lower()).strip("-")


def month_page(moment: datetime, tz: ZoneInfo) -> str:
    """The site path of the month page showing `moment`: `calendar/2026-12/`."""
    return f"{CALENDAR_DIR}/{moment.astimezone(tz):%Y-%m}/"


def entry_url(config: Config, entry_id: str, start: datetime) -> str:
    """The public URL of an entry on its month page (for .ics URL fields and links)."""
    return f"{config.site_url}{month_page(start, config.timezone)}#{entry_anchor(entry_id)}"
