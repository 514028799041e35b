"""Load an example's module by file path (``examples/`` is not a package) and seal its demo file."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(relative: str, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def seal_example(relative: str, key: AgeKey, target: Path) -> Path:
    """Seal an example's plaintext demo file the way its README says, into ``target``."""
    plaintext = (EXAMPLES / relative).read_text(encoding="utf-8")
    target.write_text(seal_text(plaintext, [key]), encoding="utf-8")
    return target


def subprocess_env(**extra: str) -> dict[str, str]:
    """The current environment, with this checkout's ``sealfile`` importable in a child process."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p), **extra}
