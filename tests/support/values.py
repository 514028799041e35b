"""Small helpers shared by test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sealfile.kms.base import MasterKey
from sealfile.ops.seal import seal_text


def typed(value: Any) -> Any:
    """A comparable form that keeps types apart: 1 != True != 1.0 != "1"."""
    if isinstance(value, dict):
        return ("map", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("seq", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    for base in (bool, int, float, str):  # ruamel's subclasses (ScalarInt...) compare as their base
        if isinstance(value, base):
            return (base.__name__, base(value))
    return (type(value).__name__, value)


def safe_load(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def seal_file(tmp_path: Path, plaintext: str, keys: list[MasterKey], name: str = "secrets.enc.yaml",
              **kwargs: Any) -> Path:
    path = tmp_path / name
    path.write_text(seal_text(plaintext, keys, **kwargs), encoding="utf-8")
    return path
