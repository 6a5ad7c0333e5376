"""A git ref + the working tree -> what the change adds, moves, edits or removes, and when.

`preview(repo, base, now)` plans both trees as of the same `now` and compares their
articles, social posts and announcements by id; `preview_markdown` is the table a pull
request shows, `preview_json` the same data for scripts. The base tree is read from git
(`git archive` of `content/` and `calendar/` into a temporary folder), so the user's
working tree, index and HEAD are never touched.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Literal
from zoneinfo import ZoneInfo

from edcal.check import check_content
from edcal.layout import CONTENT_DIR
from edcal.load import load_content
from edcal.model import Config, Content, EntryKind, Post, Problem, SocialPost, Status
from edcal.plan import Entry, History, Plan, build_plan
from edcal.render import (
    RenderError,
    announcement_text,
    article_url,
    load_templates,
    social_parts,
)
from edcal.text import measure

ChangeKind = Literal["added", "moved", "edited", "removed"]
PREVIEW_KINDS = frozenset({"post", "social", "announce"})
MATERIALIZED = ("content", "calendar")  # all that loading and checking a calendar reads
_KIND_ORDER = {"post": 0, "announce": 1, "social": 2}
_KIND_LABELS = {"post": "article", "announce": "announcement", "social": "social"}


class PreviewError(Exception):
    """The base cannot be read: not a git repository, or no such ref."""


@dataclass(frozen=True)
class Part:
    """One text as it goes out (a post, or one part of a thread) and its measured length."""

    text: str
    length: int | None  # None on a channel the config does not define
    limit: int | None
    valid: bool

    @property
    def label(self) -> str:
        """`212/280`, as the platform counts."""
        return f"{self.length}/{self.limit}" if self.length is not None else ""


@dataclass(frozen=True)
class ChannelText:
    """What one channel will carry for one entry."""

    channel: str
    platform: str  # "" when the channel is unknown
    parts: tuple[Part, ...]
    error: str = ""  # the text could not be rendered (a bad placeholder)


@dataclass(frozen=True)
class Version:
    """One entry as planned in one tree."""

    start: datetime
    title: str
    status: Status
    channels: tuple[str, ...]
    texts: tuple[ChannelText, ...]
    url: str  # the article's public URL (articles, announcements, linked social posts)
    source: str  # path:line
    digest: str  # of what else goes out: the article body, the images


@dataclass(frozen=True)
class Change:
    """One entry the change adds, moves (new time), edits (same time) or removes."""

    change: ChangeKind
    id: str
    kind: EntryKind
    old: Version | None
    new: Version | None
    edits: tuple[str, ...] = ()  # what differs: title, status, channels, text, content

    @property
    def current(self) -> Version:
        """The version that will be planned after the change (the old one if removed)."""
        version = self.new or self.old
        assert version is not None  # a change has at least one side
        return version


@dataclass(frozen=True)
class Preview:
    """Every change to what goes out, and the problems the change brings."""

    base: str
    base_commit: str
    now: datetime
    timezone: ZoneInfo
    changes: tuple[Change, ...]
    problems: tuple[Problem, ...]  # present in the new tree, not in the base


@dataclass(frozen=True)
class _Tree:
    """One side, loaded and checked."""

    repo: Path
    content: Content
    problems: tuple[Problem, ...]
    templates: Mapping[str, str]


def preview(repo: Path, base: str, now: datetime, history: History | None = None) -> Preview:
    """Compare the working tree's plan with the plan at git ref `base`, both as of `now`.

    `history` (the ledger, read by the caller) is applied to both sides, so that queued
    posts already out stay pinned and only the content's changes show.
    """
    with tempfile.TemporaryDirectory(prefix="edcal-preview-") as folder:
        base_repo = Path(folder)
        commit = materialize(repo, base, base_repo)
        old = _load(base_repo)
        new = _load(repo)
        old_plan, new_plan = _plans(old, new, now, history)
        old_problems = (*old.problems, *old_plan.problems)
        new_problems = (*new.problems, *new_plan.problems)
        changes = compare(_versions(old, old_plan), _versions(new, new_plan))
    return Preview(
        base,
        commit,
        now,
        new.content.config.timezone,
        tuple(changes),
        tuple(fresh_problems(old_problems, new_problems)),
    )


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, check=False)
    except FileNotFoundError:
        raise PreviewError("git is not installed") from None


def materialize(repo: Path, ref: str, target: Path) -> str:
    """Write `content/` and `calendar/` as they are at `ref` into `target`; the commit id.

    Reads only (rev-parse, ls-tree, archive): no checkout, no worktree, no index update.
    A ref without those folders (e.g. the first commit) gives an empty calendar.
    """
    found = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        inside = _git(repo, "rev-parse", "--is-inside-work-tree")
        if inside.returncode != 0:
            raise PreviewError(f"{repo} is not inside a git repository")
        raise PreviewError(f"no commit named {ref!r} (fetch it first, e.g. `git fetch origin`)")
    commit = found.stdout.decode().strip()
    # --repo may be a folder inside the git repository: read the same folder at `ref`.
    # Pathspecs are relative to git's working folder, so git runs from the top.
    prefix = _git(repo, "rev-parse", "--show-prefix").stdout.decode().strip().rstrip("/")
    top = Path(_git(repo, "rev-parse", "--show-toplevel").stdout.decode().strip())
    tree = f"{commit}:{prefix}" if prefix else commit
    listed = _git(top, "ls-tree", "--name-only", "-z", tree)
    present = listed.stdout.decode().split("\0") if listed.returncode == 0 else []
    names = [name for name in MATERIALIZED if name in present]
    if names:
        _unpack(top, ref, ["archive", "--format=tar", tree, "--", *names], target)
    return commit


def _unpack(top: Path, ref: str, args: list[str], target: Path) -> None:
    # Streamed, so that a calendar with many images is never held in memory at once.
    with subprocess.Popen(
        ["git", *args], cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as tar:
                # The "data" filter refuses absolute paths and links leaving the folder.
                tar.extractall(target, filter="data")
            process.stdout.read()  # the archive's end padding, so that git can exit
        except tarfile.TarError as error:
            process.kill()
            raise PreviewError(f"cannot unpack {ref}: {error}") from None
        message = process.stderr.read().decode(errors="replace").strip()
    if process.returncode != 0:
        raise PreviewError(f"git archive {ref} failed: {message}")


def _load(repo: Path) -> _Tree:
    content = load_content(repo)
    return _Tree(repo, content, tuple(check_content(repo, content)), load_templates(repo))


def _plans(old: _Tree, new: _Tree, now: datetime, history: History | None) -> tuple[Plan, Plan]:
    """Both plans over one window, the union of both trees' dated items.

    With each tree's own window, a post added a month ahead would make every empty day
    in between a "new" cadence finding; over the same window both sides see those days.
    """
    first = [build_plan(tree.repo, tree.content, now, history=history) for tree in (old, new)]
    starts = [plan.start for plan in first if plan.start is not None]
    ends = [plan.end for plan in first if plan.end is not None]
    if not starts or not ends:
        return first[0], first[1]
    start, end = min(starts), max(ends)
    old_plan, new_plan = (
        build_plan(tree.repo, tree.content, now, start, end, history) for tree in (old, new)
    )
    return old_plan, new_plan


def _versions(tree: _Tree, plan: Plan) -> dict[str, tuple[Entry, Version]]:
    content = tree.content
    posts: dict[str, Post] = {}
    for post in content.posts:
        posts.setdefault(post.id, post)
    socials: dict[str, SocialPost] = {}
    for social in content.socials:
        socials.setdefault(social.id, social)
    articles = {
        PurePosixPath(post.source.path).relative_to(CONTENT_DIR).as_posix(): post
        for post in content.posts
    }
    found: dict[str, tuple[Entry, Version]] = {}
    for entry in plan.entries:
        if entry.kind not in PREVIEW_KINDS or entry.id in found:
            continue  # a duplicate id is an error `check` reports; the first one stands
        item_id = entry.id.removesuffix(":announce") if entry.kind == "announce" else entry.id
        if entry.kind == "social" and item_id in socials:
            social = socials[item_id]
            linked = articles.get(social.link.removeprefix("/")) if social.link else None
            url = article_url(content.config, linked) if linked else ""
            texts = tuple(_social_text(content.config, social, c, url) for c in entry.channels)
            media = "\n".join(f"{m.path}\n{m.alt}" for m in social.media)
            version = _version(entry, texts, url, media)
        elif entry.kind in ("post", "announce") and item_id in posts:
            post = posts[item_id]
            url = article_url(content.config, post)
            texts = tuple(
                _announcement(content.config, tree.templates, post, c) for c in entry.channels
            )
            version = _version(entry, texts, url, post.body if entry.kind == "post" else "")
        else:
            continue
        found[entry.id] = (entry, version)
    return found


def _version(entry: Entry, texts: tuple[ChannelText, ...], url: str, other: str) -> Version:
    return Version(
        entry.start,
        entry.title,
        entry.status,
        entry.channels,
        texts,
        url,
        str(entry.source),
        hashlib.sha256(other.encode()).hexdigest()[:16],
    )


def _measured(config: Config, channel: str, texts: Iterable[str], error: str = "") -> ChannelText:
    spec = config.channels.get(channel)
    if spec is None:
        parts = tuple(Part(text, None, None, False) for text in texts)
        return ChannelText(channel, "", parts, error)
    measured = []
    for text in texts:
        length = measure(spec.platform, text, spec.limit)
        measured.append(Part(text, length.length, length.limit, length.valid))
    return ChannelText(channel, spec.platform, tuple(measured), error)


def _social_text(config: Config, social: SocialPost, channel: str, url: str) -> ChannelText:
    try:
        parts = social_parts(social, channel, url or "{{ url }}")
    except RenderError as error:
        return _measured(config, channel, (), str(error))
    return _measured(config, channel, parts)


def _announcement(
    config: Config, templates: Mapping[str, str], post: Post, channel: str
) -> ChannelText:
    try:
        text = announcement_text(config, templates, post, channel)
    except RenderError as error:
        return _measured(config, channel, (), str(error))
    return _measured(config, channel, (text,))


def compare(
    old: Mapping[str, tuple[Entry, Version]], new: Mapping[str, tuple[Entry, Version]]
) -> list[Change]:
    """Entries by id -> the changes, in the order they will happen."""
    changes = []
    for entry_id, (entry, version) in new.items():
        if entry_id not in old:
            changes.append(Change("added", entry_id, entry.kind, None, version))
            continue
        before = old[entry_id][1]
        edits = _edits(entry.kind, before, version)
        if before.start != version.start:
            changes.append(Change("moved", entry_id, entry.kind, before, version, edits))
        elif edits:
            changes.append(Change("edited", entry_id, entry.kind, before, version, edits))
    for entry_id, (entry, version) in old.items():
        if entry_id not in new:
            changes.append(Change("removed", entry_id, entry.kind, version, None))
    changes.sort(key=lambda c: (c.current.start, _KIND_ORDER[c.kind], c.id))
    return changes


def _edits(kind: EntryKind, old: Version, new: Version) -> tuple[str, ...]:
    def words(version: Version) -> dict[str, tuple[str, ...]]:
        return {t.channel: (t.error, *(p.text for p in t.parts)) for t in version.texts}

    before, after = words(old), words(new)
    text = any(before[c] != after[c] for c in before.keys() & after.keys())
    checks = (
        # A social post's title is its first words unless it has its own: saying "title"
        # when the text changed would only repeat it.
        ("title", old.title != new.title and not (kind == "social" and text)),
        ("status", old.status != new.status),
        ("channels", old.channels != new.channels),
        ("text", text),
        ("content", old.digest != new.digest),
    )
    return tuple(name for name, differs in checks if differs)


def fresh_problems(old: Sequence[Problem], new: Sequence[Problem]) -> list[Problem]:
    """The problems of the new tree that the base did not have, matched by message.

    Line numbers move with every edit, so the message decides; a message found more
    often than before counts its extra occurrences as new, preferring other files.
    """
    budget = Counter(p.message for p in old)
    same_file = Counter((p.source.path, p.message) for p in old)
    rest = []
    for problem in new:
        key = (problem.source.path, problem.message)
        if same_file[key] and budget[problem.message]:
            same_file[key] -= 1
            budget[problem.message] -= 1
        else:
            rest.append(problem)
    fresh = []
    for problem in rest:
        if budget[problem.message]:
            budget[problem.message] -= 1
        else:
            fresh.append(problem)
    return sorted(fresh, key=lambda p: (p.source.path, p.source.line, p.message))


def when(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`Fri 04 Dec 09:00` in the team's time zone (with the year when it is not now's)."""
    local = moment.astimezone(tz)
    year = f" {local.year}" if local.year != now.astimezone(tz).year else ""
    return f"{local:%a %d %b}{year} {local:%H:%M}"


def relative(moment: datetime, now: datetime) -> str:
    """`in 3 days`, `2 hours ago`, `now`."""
    seconds = (moment - now).total_seconds()
    size = abs(seconds)
    minutes, hours, days = round(size / 60), round(size / 3600), round(size / 86400)
    if minutes < 1:
        return "now"
    if minutes < 60:
        amount, unit = minutes, "minute"
    elif hours < 24:
        amount, unit = hours, "hour"
    else:
        amount, unit = days, "day"
    words = f"{amount} {unit}{'s' * (amount != 1)}"
    return f"in {words}" if seconds > 0 else f"{words} ago"


def _cell(text: str) -> str:
    # A table cell is one line: `|` would end it and raw HTML would render.
    escaped = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return "<br>".join(line for line in escaped.splitlines()) or " "


def _change_label(change: Change) -> str:
    label = f"**{change.change}**"
    return f"{label}: {', '.join(change.edits)}" if change.edits else label


def _item_label(change: Change) -> str:
    version = change.current
    text = f"{_KIND_LABELS[change.kind]} `{change.id}` {_cell(version.title)}"
    if version.status != "scheduled":
        text += f" ({version.status}: not published)"
    return text


def _when_label(change: Change, now: datetime, tz: ZoneInfo) -> str:
    version = change.current
    at = when(version.start, now, tz)
    if change.change == "moved" and change.old is not None:
        at = f"{when(change.old.start, now, tz)} → {at}"
    if change.change == "removed":
        return f"~~{at}~~"
    return f"{at} ({relative(version.start, now)})"


def _rows(change: Change) -> list[tuple[str, str, str]]:
    """(channel, length, text) per channel; an article itself shows its URL."""
    version = change.current
    if change.kind == "post":
        return [("blog", "", version.url)]
    rows = []
    for text in version.texts:
        if text.error:
            rows.append((text.channel, "", f"cannot render: {text.error}"))
            continue
        total = len(text.parts)
        lengths = " + ".join(
            part.label + ("" if part.valid or part.length is None else " ✗") for part in text.parts
        )
        body = "\n".join(
            (f"[{number}/{total}] " if total > 1 else "") + part.text
            for number, part in enumerate(text.parts, start=1)
        )
        channel = text.channel if text.platform else f"{text.channel} (unknown channel)"
        rows.append((channel, lengths, body))
    return rows or [("", "", "")]


def preview_markdown(p: Preview) -> str:
    """The preview as Markdown for a pull request: one table row per entry and channel."""
    tz = p.timezone
    lines = [
        f"## edcal preview — against `{p.base}` ({p.base_commit[:7]})",
        "",
    ]
    counts = Counter(change.change for change in p.changes)
    summary = ", ".join(
        f"{counts[kind]} {kind}" for kind in ("added", "moved", "edited", "removed") if counts[kind]
    )
    lines.append(
        f"{summary or 'No change to what will be published'}."
        f" Times in {tz.key}, as of {when(p.now, p.now, tz)}."
    )
    if p.changes:
        lines += [
            "",
            "| change | item | when | channel | length | text |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for change in p.changes:
            head = (_change_label(change), _item_label(change), _when_label(change, p.now, tz))
            for number, (channel, length, text) in enumerate(_rows(change)):
                first = head if number == 0 else ("", "", "")
                cells = (*first, _cell(channel), length, _cell(text))
                lines.append("| " + " | ".join(cell or " " for cell in cells) + " |")
    lines.append("")
    if p.problems:
        errors = sum(1 for problem in p.problems if problem.severity == "error")
        warnings = len(p.problems) - errors
        lines.append(f"**New problems:** {errors} error(s), {warnings} warning(s)")
        lines.append("")
        for problem in p.problems:
            mark = "✗" if problem.severity == "error" else "⚠"
            hint = f" — {problem.hint}" if problem.hint else ""
            lines.append(f"- {mark} {problem.severity} `{problem.source}`: {problem.message}{hint}")
    else:
        lines.append("No new problems.")
    return "\n".join(lines) + "\n"


def _version_json(version: Version | None, now: datetime, tz: ZoneInfo) -> object:
    if version is None:
        return None
    return {
        "start": version.start.astimezone(tz).isoformat(),
        "relative": relative(version.start, now),
        "title": version.title,
        "status": version.status,
        "channels": list(version.channels),
        "url": version.url,
        "source": version.source,
        "texts": [
            {
                "channel": text.channel,
                "platform": text.platform or None,
                "error": text.error or None,
                "parts": [
                    {"text": p.text, "length": p.length, "limit": p.limit, "valid": p.valid}
                    for p in text.parts
                ],
            }
            for text in version.texts
        ],
    }


def preview_json(p: Preview) -> str:
    """The preview as one JSON object: `{base, base_commit, now, timezone, changes, problems}`."""
    tz = p.timezone
    document = {
        "base": p.base,
        "base_commit": p.base_commit,
        "now": p.now.astimezone(tz).isoformat(),
        "timezone": tz.key,
        "changes": [
            {
                "change": c.change,
                "id": c.id,
                "kind": c.kind,
                "edits": list(c.edits),
                "old": _version_json(c.old, p.now, tz),
                "new": _version_json(c.new, p.now, tz),
            }
            for c in p.changes
        ],
        "problems": [
            {
                "path": problem.source.path,
                "line": problem.source.line,
                "severity": problem.severity,
                "message": problem.message,
                "hint": problem.hint,
                "code": problem.code,
            }
            for problem in p.problems
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)
