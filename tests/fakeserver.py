"""Scripts from scripts/ loaded as modules, for the tests that drive them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def script_module(name: str) -> ModuleType:
    """scripts/<name>.py as a module named `name` (scripts/ is not a package)."""
    path = SCRIPTS / f"{name}.py"
    module = sys.modules.get(name)
    if module is None or getattr(module, "__file__", None) != str(path):
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up by name
        spec.loader.exec_module(module)
    return module


def fake_platforms() -> ModuleType:
    """scripts/fake_platforms.py: the local server speaking the platforms' APIs."""
    return script_module("fake_platforms")
