"""scripts/fake_platforms.py loaded as a module, for the tests that talk to it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fake_platforms.py"


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
