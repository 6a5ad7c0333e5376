"""Markdown files + config -> typed, immutable items; every problem keeps its file and line."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar, cast
from zoneinfo import ZoneInfo

from frontmatter.default_handlers import YAMLHandler

from edcal.config import load_config
from edcal.hints import did_you_mean
from edcal.layout import POSTS_DIR, SOCIAL_DIR
from edcal.model import (
    STATUSES,
    Config,
    Content,
    Media,
    Post,
    Problem,
    SocialPost,
    Source,
    Status,
)
from edcal.times import TimeError, parse_datetime, to_aware
from edcal.yamlfile import Parsed, YamlSyntaxError, parse_yaml

COMMON_KEYS = ("id", "title", "date", "status", "channels")
# mkdocs-material's blog and page metadata: valid in an article even though edcal ignores them.
MATERIAL_KEYS = (
    "authors",
    "categories",
    "tags",
    "slug",
    "draft",
    "readtime",
    "pin",
    "links",
    "description",
    "hide",
    "template",
    "icon",
    "search",
    "subtitle",
    "comments",
)
POST_KEYS = (*COMMON_KEYS, "announce", *MATERIAL_KEYS)
SOCIAL_KEYS = (*COMMON_KEYS, "queue", "link", "media", "variants")
MEDIA_KEYS = ("path", "alt")
ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)

_SPLITTER = YAMLHandler()
T = TypeVar("T", Post, SocialPost)


def load_content(repo: Path) -> Content:
    """Read the config and every article and social post under `repo`."""
    config, problems = load_config(repo)
    posts: list[Post] = []
    socials: list[SocialPost] = []
    # Relative paths by slicing strings: Path.relative_to costs more than a small file's parse.
    prefix = len(str(repo / "x")) - 1  # Path(".") / "x" is "x": no prefix to cut
    for path in markdown_files(repo, POSTS_DIR):
        post = _read(str(path)[prefix:], path, config, problems, _post)
        if post is not None:
            posts.append(post)
    for path in markdown_files(repo, SOCIAL_DIR):
        social = _read(str(path)[prefix:], path, config, problems, _social)
        if social is not None:
            socials.append(social)
    return Content(config, tuple(posts), tuple(socials), tuple(problems))


def markdown_files(repo: Path, folder: str) -> list[Path]:
    """The Markdown files under `repo/folder`, in a stable order."""
    root = repo / folder
    return sorted(root.rglob("*.md")) if root.is_dir() else []


@dataclass
class _File:
    """One Markdown file being read: where it is and what is wrong with it so far."""

    path: str
    meta: Mapping[str, object]
    parsed: Parsed
    body: str
    body_line: int
    config: Config
    problems: list[Problem] = field(default_factory=list)

    def source(self, *key: str | int) -> Source:
        if key == ("body",):
            return Source(self.path, self.body_line)
        return Source(self.path, self.parsed.line(*key) if key else 1)

    def error(self, message: str, hint: str = "", *key: str | int, code: str = "schema") -> None:
        self.problems.append(Problem(self.source(*key), "error", message, hint, code))

    def warning(self, message: str, hint: str = "", *key: str | int, code: str = "schema") -> None:
        self.problems.append(Problem(self.source(*key), "warning", message, hint, code))

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(f"`{key}` must be text, not {_kind(value)}", 'e.g. `key: "some text"`', key)
            return None
        return str(value)

    def names(self, key: str) -> tuple[str, ...]:
        value = self.meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(f"`{key}` must be a list of names", f"e.g. `{key}: [x, facebook]`", key)
            return ()
        return tuple(cast(list[str], value))

    def texts_by_channel(self, key: str) -> dict[str, str]:
        value = self.meta.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(f"`{key}` must map channels to texts", f'e.g. `{key}: {{x: "…"}}`', key)
            return {}
        result = {}
        for channel, text in value.items():
            if not isinstance(text, str):
                self.error(f"`{key}.{channel}` must be text", "quote it", key, str(channel))
            else:
                result[str(channel)] = text.strip()
        return result


def _read(
    relative: str,
    path: Path,
    config: Config,
    problems: list[Problem],
    build: Callable[[_File], T],
) -> T | None:
    if os.sep != "/":
        relative = relative.replace(os.sep, "/")
    file = _parse_file(path, relative, config, problems)
    if file is None:
        return None
    item = build(file)
    problems.extend(file.problems)
    return item


def _parse_file(path: Path, relative: str, config: Config, problems: list[Problem]) -> _File | None:
    def fail(line: int, message: str, hint: str, code: str = "file") -> None:
        problems.append(Problem(Source(relative, line), "error", message, hint, code))

    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        fail(line, f"not valid UTF-8 (byte {raw[error.start]:#04x})", "save the file as UTF-8")
        return None
    text = text.removeprefix("\ufeff")
    # python-frontmatter's own boundary pattern; one split tells all three cases apart.
    pieces = _SPLITTER.FM_BOUNDARY.split(text, 2)
    if pieces[0] or len(pieces) == 1:
        fail(
            1,
            "no front-matter: the file must start with a `---` line",
            "begin with ---, then `id:`, `date:`, `status:` lines, then ---",
        )
        return None
    if len(pieces) == 2:
        fail(1, "the front-matter is not closed", "end it with a line holding only ---")
        return None
    _, front, body = pieces
    try:
        parsed = parse_yaml(front, first_line=1)
    except YamlSyntaxError as error:
        hint = error.hint or "check the indentation and quoting of this line"
        fail(error.line, error.message, hint, "yaml")
        return None
    if not isinstance(parsed.data, Mapping):
        what = "empty" if parsed.data is None else _kind(parsed.data)
        fail(2, f"the front-matter is {what}, not a mapping", "write `key: value` lines", "yaml")
        return None
    closing_line = front.count("\n") + 1
    text_start = body.lstrip("\n")
    return _File(
        relative,
        cast(Mapping[str, object], parsed.data),
        parsed,
        text_start.rstrip(),
        closing_line + len(body) - len(text_start),  # the first line of text after it
        config,
    )


def _common(file: _File, allowed: tuple[str, ...], kind: str) -> dict[str, object]:
    for key in file.meta:
        if key not in allowed:
            file.error(
                f"unknown key `{key}` in a {kind}", did_you_mean(str(key), allowed), str(key)
            )
    item_id = file.text("id") or ""
    if not item_id:
        file.error(
            "missing `id`: every item needs a stable id so that renaming it never re-posts it",
            f"add `id: {_suggest_id(file.path)}`",
            code="id",
        )
    elif not ID.match(item_id):
        file.error(
            f"id {item_id!r} may hold only lower-case letters, digits, `.`, `_` and `-`",
            f"e.g. `id: {_suggest_id(file.path)}`",
            "id",
            code="id",
        )
    status = file.meta.get("status", "draft")
    if "status" not in file.meta:
        file.warning(
            "no `status`: treated as draft and never published",
            "add `status: scheduled` once it is ready (idea, draft, review, scheduled)",
        )
    elif status not in STATUSES:
        file.error(f"unknown status {status!r}", did_you_mean(str(status), STATUSES), "status")
        status = "draft"
    lines = file.parsed.key_lines()
    lines["body"] = file.body_line
    return {
        "id": item_id,
        "status": cast(Status, status),
        "channels": file.names("channels"),
        "source": Source(file.path, 1),
        "lines": lines,
        "body": file.body,
    }


def _post(file: _File) -> Post:
    fields = _common(file, POST_KEYS, "blog post")
    heading = HEADING.search(file.body)
    title = file.text("title") or (heading.group(1) if heading else "")
    if not title:
        file.error("the article has no title", "add `title:` or a first `# Heading`")
    return Post(
        title=title,
        date=_post_date(file),
        slug=file.text("slug") or "",
        announce=file.texts_by_channel("announce"),
        **fields,  # type: ignore[arg-type]
    )


def _post_date(file: _File) -> datetime | None:
    value = file.meta.get("date")
    key: tuple[str, ...] = ("date",)
    if isinstance(value, Mapping):
        # The blog plugin accepts {created, updated}, and crashes without `created`.
        if "created" not in value:
            file.error(
                "`date` has no `created` entry (the blog plugin needs one)",
                "write `date: {created: 2026-12-04T09:00:00+01:00}`",
                "date",
            )
            return None
        value, key = value["created"], ("date", "created")
    if value is None:
        file.error(
            "the article has no `date` (the blog plugin needs one)",
            "add e.g. `date: 2026-12-04T09:00:00+01:00`",
            "date",
        )
        return None
    if isinstance(value, str):
        # The blog plugin rejects quoted dates, so a string is an error even if it parses.
        example = _example(value, file.config.timezone)
        file.error(
            f"`date` is the text {value!r}, not a date (the blog plugin rejects quoted dates)",
            f"write it unquoted with seconds: `date: {example}`",
            *key,
        )
        return None
    if not isinstance(value, date):
        file.error(f"`date` must be a date and time, not {_kind(value)}", "", *key)
        return None
    return _aware(file, value, key)


def _social(file: _File) -> SocialPost:
    fields = _common(file, SOCIAL_KEYS, "social post")
    queue = file.meta.get("queue", False)
    if not isinstance(queue, bool):
        file.error("`queue` must be true or false", "write `queue: true`", "queue")
        queue = False
    value = file.meta.get("date")
    when: datetime | None = None
    if queue and value is not None:
        file.error(
            "a post has either a `date` or `queue: true`, not both",
            "remove one of them",
            "queue",
        )
    elif value is None and not queue:
        file.error(
            "the post has no `date`",
            "add e.g. `date: 2026-12-04T12:30:00`, or `queue: true` to take the next free slot",
        )
    elif isinstance(value, str):
        try:
            when = parse_datetime(value, file.config.timezone)
        except TimeError as error:
            file.error(error.message, error.hint, "date")
    elif isinstance(value, datetime):
        when = _aware(file, value, ("date",))
    elif isinstance(value, date):
        file.error(
            f"`date: {value}` has no time of day",
            f"write e.g. `date: {value}T12:30:00`",
            "date",
        )
    elif value is not None:
        file.error(f"`date` must be a date and time, not {_kind(value)}", "", "date")
    title = file.text("title") or _first_words(file.body)
    if not file.body.strip() and not file.meta.get("variants"):
        file.error("the post has no text", "write the text below the closing ---", "body")
    return SocialPost(
        title=title,
        date=when,
        queue=queue,
        link=file.text("link"),
        media=_media(file),
        variants=file.texts_by_channel("variants"),
        **fields,  # type: ignore[arg-type]
    )


def _media(file: _File) -> tuple[Media, ...]:
    value = file.meta.get("media")
    if value is None:
        return ()
    if not isinstance(value, list):
        file.error("`media` must be a list", "e.g. `media: [{path: a.png, alt: …}]`", "media")
        return ()
    folder = Path(file.path).parent
    found = []
    for index, entry in enumerate(value):
        key = ("media", index)
        if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
            file.error("each media entry needs a `path`", "e.g. `- path: photo.png`", *key)
            continue
        for name in entry:
            if name not in MEDIA_KEYS:
                file.error(f"unknown key `{name}` in media", did_you_mean(name, MEDIA_KEYS), *key)
        alt = entry.get("alt")
        if not isinstance(alt, str) or not alt.strip():
            file.error(
                "an image needs alt text for people who cannot see it",
                "add `alt: a short description of the image`",
                *key,
                code="media",
            )
            alt = ""
        path = (folder / entry["path"]).as_posix()
        found.append(Media(path, alt.strip(), file.source(*key)))
    return tuple(found)


def _aware(file: _File, value: datetime | date, key: tuple[str, ...]) -> datetime | None:
    try:
        return to_aware(value, file.config.timezone)
    except TimeError as error:
        file.error(error.message, error.hint, *key, code="dst")
        return None


def _example(text: str, tz: ZoneInfo) -> str:
    try:
        return parse_datetime(text, tz).isoformat()
    except TimeError:
        return "2026-12-04T09:00:00+01:00"


def _suggest_id(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-") or "my-post"


def _first_words(body: str, size: int = 60) -> str:
    # Only the first non-blank line matters: no need to split the whole body.
    line = body.lstrip().split("\n", 1)[0].strip()
    return line if len(line) <= size else line[: size - 1].rstrip() + "…"


def _kind(value: object) -> str:
    names = {list: "a list", dict: "a mapping", bool: "true/false", int: "a number"}
    return names.get(type(value), type(value).__name__)
