"""The fake platform server (scripts/fake_platforms.py) as a fixture, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakeserver import fake_platforms


@pytest.fixture
def server() -> Iterator[Any]:
    """A running FakePlatforms; closed (held requests released) after the test."""
    with fake_platforms().FakePlatforms() as fake:
        yield fake
