"""The fake platform server (scripts/fake_platforms.py) as a fixture, on 127.0.0.1."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fake_platforms.py"


def fake_platforms() -> ModuleType:
    """scripts/fake_platforms.py as a module (scripts/ is not a package)."""
    module = sys.modules.get("fake_platforms")
    if module is None or getattr(module, "__file__", None) != str(SCRIPT):
        spec = importlib.util.spec_from_file_location("fake_platforms", SCRIPT)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["fake_platforms"] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
    return module


@pytest.fixture
def server() -> Iterator[Any]:
    """A running FakePlatforms; closed (held requests released) after the test."""
    with fake_platforms().FakePlatforms() as fake:
        yield fake
