"""`check`: the bad-input corpus, each file with the message it must produce, and the rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import RepoFactory
from edcal.check import check_content
from edcal.load import load_content
from edcal.model import Problem
from repos import BASE_CONFIG, article, social

CORPUS = Path(__file__).parent / "corpus"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201e2b1b6f30000000049454e44ae426082"
)

# file -> (line, words the message must contain); every file of the corpus is listed.
EXPECTED: dict[str, list[tuple[int, str]]] = {
    "social/malformed-yaml.md": [(5, "invalid YAML")],
    "social/list-not-mapping.md": [(2, "the front-matter is a list, not a mapping")],
    "social/invalid-utf8.md": [(7, "not valid UTF-8 (byte 0xe9) — save the file as UTF-8")],
    "social/empty-body.md": [(6, "the post has no text")],
    "social/wrong-types.md": [
        (4, "`channels` must be a list of names"),
        (6, "`queue` must be true or false"),
    ],
    "social/unknown-key.md": [
        (4, "unknown key `chanels` in a social post — did you mean `channels`?")
    ],
    "social/dst-gap.md": [
        (3, "2026-03-29 02:30 does not exist in Europe/Paris"),
        (3, "write 2026-03-29T03:30:00+02:00"),
    ],
    "social/dst-overlap.md": [
        (3, "2026-10-25 02:30 happens twice in Europe/Paris"),
        (3, "2026-10-25T02:30:00+02:00 for the first or 2026-10-25T02:30:00+01:00 for the second"),
    ],
    "social/too-long-x.md": [(7, "text for x is too long for x: 281")],
    "social/too-long-mastodon.md": [(7, "text for mastodon is too long for mastodon: 501")],
    "social/too-long-bluesky.md": [(7, "text for bluesky is too long for bluesky: 301 graphemes")],
    "social/too-many-bytes-bluesky.md": [(7, "3,025 UTF-8 bytes, over Bluesky's 3,000")],
    "social/too-long-linkedin.md": [
        (7, "text for linkedin is too long for linkedin: 3,001 characters, over LinkedIn's 3,000")
    ],
    "social/thread-part-too-long.md": [(7, "text for x, part 2 of 2 is too long for x: 300")],
    "social/thread-on-facebook.md": [
        (7, "facebook has no threads, but the text for facebook has 2")
    ],
    "social/missing-media.md": [(7, "the image content/social/media/nowhere.png does not exist")],
    "social/escaping-media.md": [(7, "lies outside the repository")],
    "social/media-without-alt.md": [(7, "an image needs alt text")],
    "social/link-before-article.md": [
        (3, "the post links to content/blog/posts/article.md, which goes live later"),
        (3, "schedule the post at or after 2026-12-04T09:00:00+01:00"),
    ],
    "social/link-to-nothing.md": [(6, "`link` names no article: blog/posts/nope.md")],
    "social/duplicate-id-a.md": [
        (2, "id `twin` is also used by content/social/duplicate-id-b.md:2")
    ],
    "social/duplicate-id-b.md": [
        (2, "id `twin` is also used by content/social/duplicate-id-a.md:2")
    ],
    "social/no-front-matter.md": [(1, "no front-matter: the file must start with a `---` line")],
    "social/missing-id.md": [(1, "missing `id`"), (1, "add `id: missing-id`")],
    "social/unknown-status.md": [(5, "unknown status 'schedulled' — did you mean `scheduled`?")],
    "social/unknown-channel.md": [(4, "unknown channel `twiter`")],
    "social/date-without-time.md": [(3, "`date: 2026-12-01` has no time of day")],
    "social/year-out-of-range.md": [
        (3, "9999-12-31T23:59:59 is outside the years a calendar plans (1900–2999)"),
    ],
    "social/impossible-date.md": [
        (3, "'2026-02-30T12:30:00' is not a possible date (day is out of range for month)"),
        (3, "write a date that exists, e.g. 2026-12-04T09:00:00+01:00"),
    ],
    "posts/article.md": [],
    "posts/quoted-date.md": [
        (4, "the blog plugin rejects quoted dates"),
        (4, "write it unquoted with seconds: `date: 2026-12-11T09:00:00+01:00`"),
    ],
    "posts/updated-without-created.md": [(4, "`date` has no `created` entry")],
    "posts/announce-too-long.md": [(7, "announcement on x is too long for x: 324")],
    "posts/announce-not-in-channels.md": [
        (7, "`announce` has a text for `facebook`, which is not in this item's `channels`")
    ],
}


@pytest.fixture(scope="module")
def corpus_problems(tmp_path_factory: pytest.TempPathFactory) -> list[Problem]:
    repo = tmp_path_factory.mktemp("corpus")
    (repo / "calendar").mkdir()
    (repo / "calendar/edcal.yml").write_text(BASE_CONFIG, encoding="utf-8")
    shutil.copytree(CORPUS / "social", repo / "content/social")
    shutil.copytree(CORPUS / "posts", repo / "content/blog/posts")
    (repo / "content/social/media").mkdir()
    (repo / "content/social/media/pixel.png").write_bytes(PNG)
    return check_content(repo, load_content(repo))


def test_every_file_in_the_corpus_has_an_expectation() -> None:
    files = {p.relative_to(CORPUS).as_posix() for p in CORPUS.glob("[sp]*/*.md")}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gives_its_message_at_its_line(name: str, corpus_problems: list[Problem]) -> None:
    folder, file = name.split("/")
    path = ("content/social/" if folder == "social" else "content/blog/posts/") + file
    found = [p for p in corpus_problems if p.source.path == path]
    shown = "\n".join(str(p) for p in found)
    for line, words in EXPECTED[name]:
        assert any(p.source.line == line and words in str(p) for p in found), shown
    if not EXPECTED[name]:
        assert found == [], shown


def test_errors_are_sorted_by_file_and_line(corpus_problems: list[Problem]) -> None:
    keys = [(p.source.path, p.source.line) for p in corpus_problems]
    assert keys == sorted(keys)


def test_a_clean_repository_has_no_problem(make_repo: RepoFactory) -> None:
    repo = make_repo(posts={"a.md": article()}, socials={"a.md": social()})
    assert check_content(repo, load_content(repo)) == []


def test_a_link_fills_url_with_the_article_address(make_repo: RepoFactory) -> None:
    # 255 characters of words, then the URL: X counts the URL as 23 (278, fits), Bluesky
    # counts https://example.org/blog/2026/12/04/an-article/ in full (302, too long).
    repo = make_repo(
        posts={"a.md": article()},
        socials={
            "s.md": social(
                date="2026-12-04T12:30:00",
                channels="[x, bluesky]",
                text="word " * 51 + "{{ url }}",
                extra="link: blog/posts/a.md",
            )
        },
    )
    problems = check_content(repo, load_content(repo))
    assert [p.message for p in problems] == [
        "text for bluesky is too long for bluesky: 302 graphemes, over Bluesky's 300"
    ]


def test_a_url_placeholder_without_link_is_an_error(make_repo: RepoFactory) -> None:
    repo = make_repo(socials={"s.md": social(text="See {{ url }}")})
    messages = [p.message for p in check_content(repo, load_content(repo))]
    assert messages == ["the text uses {{ url }} but the post has no `link`"]


def test_too_many_images_for_the_platform(make_repo: RepoFactory) -> None:
    media = "media:\n" + "".join(f"  - {{path: m/p.png, alt: image {n}}}\n" for n in range(5))
    repo = make_repo(socials={"s.md": social(extra=media)}, files={"content/social/m/p.png": PNG})
    messages = [p.message for p in check_content(repo, load_content(repo))]
    assert messages == ["x takes at most 4 images per post, this one has 5"]


def test_an_oversized_image_names_the_platform_limit(make_repo: RepoFactory) -> None:
    media = "media: [{path: big.png, alt: A big picture}]"
    repo = make_repo(
        socials={"s.md": social(channels="[bluesky]", extra=media)},
        files={"content/social/big.png": PNG + b"\0" * 1_000_000},
    )
    messages = [p.message for p in check_content(repo, load_content(repo))]
    assert messages == ["big.png is 1,000,070 bytes, over bluesky's 1,000,000"]
