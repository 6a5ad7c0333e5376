"""Fixture repositories built in tmp_path: a small config and the files a test names."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from repos import BASE_CONFIG

pytest_plugins = ["netguard"]
RepoFactory = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> RepoFactory:
    """`make_repo(socials={"a.md": social()}, posts={...}, config=...)` -> the repo's path."""

    def build(
        socials: Mapping[str, str | bytes] | None = None,
        posts: Mapping[str, str | bytes] | None = None,
        config: str | None = BASE_CONFIG,
        files: Mapping[str, str | bytes] | None = None,
    ) -> Path:
        repo = tmp_path / "repo"
        repo.mkdir(exist_ok=True)
        everything: dict[str, str | bytes] = {}
        if config is not None:
            everything["calendar/edcal.yml"] = config
        for name, text in (socials or {}).items():
            everything[f"content/social/{name}"] = text
        for name, text in (posts or {}).items():
            everything[f"content/blog/posts/{name}"] = text
        everything.update(files or {})
        for name, data in everything.items():
            path = repo / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        return repo

    return build
