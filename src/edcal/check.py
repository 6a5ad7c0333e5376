"""Loaded content -> problems: ids, channels, text lengths, media, links (never the network)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath

from edcal.hints import did_you_mean
from edcal.layout import CONTENT_DIR
from edcal.model import Content, Item, Post, Problem, SocialPost
from edcal.render import (
    THREAD_PLATFORMS,
    RenderError,
    announcement_text,
    article_url,
    load_templates,
    social_parts,
)
from edcal.text import measure

# Per-platform media rules from each API's documentation: (most images, bytes per image).
MEDIA_LIMITS = {
    "x": (4, 5 * 1024 * 1024),
    "mastodon": (4, 16 * 1024 * 1024),
    "bluesky": (4, 1_000_000),
    "linkedin": (9, 36 * 1024 * 1024),
    "facebook": (10, 10 * 1024 * 1024),
    "webhook": (0, 0),
}
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".gif", ".webp")


def check_content(repo: Path, content: Content) -> list[Problem]:
    """Every problem with the loaded content, load's own first; sorted by file and line."""
    problems = list(content.problems)
    problems += duplicate_ids(content)
    articles = {_content_path(post.source.path): post for post in content.posts}
    templates = load_templates(repo)
    for post in content.posts:
        problems += _channels(content, post)
        problems += _announcements(templates, content, post)
    root = repo.resolve()
    for social in content.socials:
        problems += _channels(content, social)
        problems += _social_texts(content, social, articles)
        if social.media:
            problems += _media(root, content, social)
    return sorted(problems, key=lambda p: (p.source.path, p.source.line, p.message))


def duplicate_ids(content: Content) -> Iterator[Problem]:
    """An id used by two files: the second names the first, and the first the second."""
    first: dict[str, Item] = {}
    for item in (*content.posts, *content.socials):
        if not item.id:
            continue
        if item.id not in first:
            first[item.id] = item
            continue
        other = first[item.id]
        for here, there in ((item, other), (other, item)):
            yield Problem(
                here.line_of("id"),
                "error",
                f"id `{item.id}` is also used by {there.line_of('id')}",
                "ids must be unique: give one of them a new id (only if it was never published)",
                "id",
            )


def _channels(content: Content, item: Post | SocialPost) -> Iterator[Problem]:
    known = content.config.channels
    for name in item.channels:
        if name not in known:
            yield Problem(
                item.line_of("channels"),
                "error",
                f"unknown channel `{name}`",
                did_you_mean(name, known)
                + f" (channels are defined in {content.config.source.path})",
                "channel",
            )
    per_channel = item.announce if isinstance(item, Post) else item.variants
    key = "announce" if isinstance(item, Post) else "variants"
    for name in per_channel:
        if name not in item.channels:
            yield Problem(
                item.line_of(key),
                "error",
                f"`{key}` has a text for `{name}`, which is not in this item's `channels`",
                f"add `{name}` to `channels` or remove its text",
                "channel",
            )


def _announcements(templates: Mapping[str, str], content: Content, post: Post) -> Iterator[Problem]:
    for name in post.channels:
        channel = content.config.channels.get(name)
        if channel is None:
            continue
        key = "announce" if name in post.announce else "channels"
        try:
            text = announcement_text(content.config, templates, post, name)
        except RenderError as error:
            yield Problem(
                post.line_of(key),
                "error",
                f"announcement for {name}: {error}",
                "only {{ url }} and {{ title }} exist",
                "text",
            )
            continue
        yield from _lengths(
            post, key, f"announcement on {name}", channel.platform, channel.limit, (text,)
        )


def _social_texts(
    content: Content, social: SocialPost, articles: dict[str, Post]
) -> Iterator[Problem]:
    url = ""
    if social.link is not None:
        article = articles.get(social.link.removeprefix("/"))
        if article is None:
            yield Problem(
                social.line_of("link"),
                "error",
                f"`link` names no article: {social.link}",
                _link_hint(social.link, articles),
                "link",
            )
        else:
            url = article_url(content.config, article)
            yield from _not_before_article(social, article)
    # text -> its parts and whether they still hold {{ url }}: channels often share a text.
    rendered: dict[str, tuple[tuple[str, ...], bool]] = {}
    for name in social.channels:
        channel = content.config.channels.get(name)
        if channel is None:
            continue
        key = "variants" if name in social.variants else "body"
        try:
            text = social.text_for(name)
            if text not in rendered:
                parts = social_parts(social, name, url or "{{ url }}")
                rendered[text] = parts, any("{{ url }}" in part for part in parts)
            parts, has_url = rendered[text]
        except RenderError as error:
            yield Problem(
                social.line_of(key),
                "error",
                f"text for {name}: {error}",
                "the only placeholder is {{ url }}",
                "text",
            )
            continue
        if len(parts) > 1 and channel.platform not in THREAD_PLATFORMS:
            yield Problem(
                social.line_of(key),
                "error",
                f"{channel.platform} has no threads, but the text for {name}"
                f" has {len(parts)} parts",
                f"remove the `---` lines or give `variants: {{{name}: …}}` a single text",
                "thread",
            )
            continue
        if social.link is None and has_url:
            yield Problem(
                social.line_of(key),
                "error",
                "the text uses {{ url }} but the post has no `link`",
                "add `link: blog/posts/….md`",
                "link",
            )
        yield from _lengths(social, key, f"text for {name}", channel.platform, channel.limit, parts)


def _lengths(
    item: Item, key: str, what: str, platform: str, limit: int, parts: tuple[str, ...]
) -> Iterator[Problem]:
    for number, part in enumerate(parts, start=1):
        if not part.strip():
            continue  # an empty text is reported once, by `load`
        counted = measure(platform, part, limit)  # type: ignore[arg-type]
        if counted.valid:
            continue
        label = f"{what}, part {number} of {len(parts)}" if len(parts) > 1 else what
        reason = counted.reason or f"{counted.length} {counted.unit}, limit {counted.limit}"
        yield Problem(
            item.line_of(key),
            "error",
            f"{label} is too long for {platform}: {reason}",
            "shorten it, split it into a thread with a `---` line, or give this channel a variant",
            "length",
        )


def _not_before_article(social: SocialPost, article: Post) -> Iterator[Problem]:
    if social.date and article.date and social.date < article.date:
        yield Problem(
            social.line_of("date"),
            "error",
            f"the post links to {article.source.path}, which goes live later"
            f" ({article.date.isoformat()})",
            f"schedule the post at or after {article.date.isoformat()}",
            "link",
        )
    if article.status != "scheduled" and social.status == "scheduled":
        yield Problem(
            social.line_of("link"),
            "warning",
            f"the linked article is still `{article.status}`",
            "schedule the article too, or the link will not be live",
            "link",
        )


def _media(root: Path, content: Content, social: SocialPost) -> Iterator[Problem]:
    platforms = {
        content.config.channels[name].platform
        for name in social.channels
        if name in content.config.channels
    }
    for platform in sorted(platforms):
        most, _ = MEDIA_LIMITS[platform]
        if len(social.media) > most:
            yield Problem(
                social.line_of("media"),
                "error",
                f"{platform} takes at most {most} images per post,"
                f" this one has {len(social.media)}",
                "remove some images or post them on another channel",
                "media",
            )
    for media in social.media:
        target = (root / media.path).resolve()
        if not target.is_relative_to(root):
            yield Problem(
                media.source,
                "error",
                f"the image {media.path} lies outside the repository",
                "put it next to the post, e.g. in content/social/media/",
                "media",
            )
            continue
        if not target.is_file():
            yield Problem(
                media.source,
                "error",
                f"the image {media.path} does not exist",
                "check the name; the path is relative to the post's folder",
                "media",
            )
            continue
        if target.suffix.lower() not in IMAGE_TYPES:
            yield Problem(
                media.source,
                "error",
                f"{target.name} is not an image type the platforms take",
                "use " + ", ".join(IMAGE_TYPES),
                "media",
            )
        size = target.stat().st_size
        for platform in sorted(platforms):
            _, biggest = MEDIA_LIMITS[platform]
            if size > biggest:
                yield Problem(
                    media.source,
                    "error",
                    f"{target.name} is {size:,} bytes, over {platform}'s {biggest:,}",
                    "export it smaller (e.g. 1600 px wide, JPEG quality 80)",
                    "media",
                )


def _link_hint(link: str, articles: Mapping[str, Post]) -> str:
    hint = did_you_mean(link, articles)
    if hint.startswith("did you mean"):
        return hint
    return "write the article's path under content/, e.g. blog/posts/2026-12-04-slug.md"


def _content_path(path: str) -> str:
    return PurePosixPath(path).relative_to(CONTENT_DIR).as_posix()
