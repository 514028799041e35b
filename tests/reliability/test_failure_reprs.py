"""What the library raises when a write fails holds no value anywhere a program could print it: not its text,
its ``repr``, its ``args``, nor any exception chained to it (``__cause__``, and ``__context__`` even where
``from None`` hides it from a traceback: a logger, Sentry or ``traceback.print_exception(..., chain=True)`` on an
exception caught and re-raised shows it), nor the traceback ``--debug`` would print.

The failures are those a writing command meets before its write (tests/reliability/test_failure_matrix.py
checks the written files): no key to open the file, a file changed by hand, an editor that wrote invalid text,
a key path that does not fit, a write the system refuses.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sealfile import load_secrets
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import SealfileError
from sealfile.files.atomic import atomic_write
from sealfile.files.io import read_text
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.change import (
    change_recipients,
    plaintext_for_editing,
    reseal_edited,
    rotate,
    seal_new,
    set_value,
    unset_value,
)
from sealfile.ops.export_sops import export_sops
from sealfile.ops.import_sops import import_sops
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store

CANARY = "canary-repr-9b3e"
PLAINTEXT = f"db:\n  password: {CANARY}-pw\n  user: {CANARY}-user\n  list: [{CANARY}-item]\n"
IDENTITY, RECIPIENT = generate_identity()
_, OTHER = generate_identity()
SEALED = seal_text(PLAINTEXT, [AgeKey(RECIPIENT)])
YAML = get_store("yaml")


def _tampered() -> str:
    """One ciphertext changed by a byte: the MAC fails."""
    line = next(line for line in SEALED.splitlines() if "password:" in line)
    value = line.split("password: ")[1]
    return SEALED.replace(value, value[:-6] + ("A" if value[-6] != "A" else "B") + value[-5:])


def _full_disk(tmp: Path) -> None:
    def refuse(fd: int, data: Any) -> int:
        raise OSError(28, os.strerror(28))

    write = os.write
    os.write = refuse  # type: ignore[assignment]
    try:
        atomic_write(tmp / "s.yaml", PLAINTEXT, private=True, replacing=None)
    finally:
        os.write = write


FAILURES: dict[str, Callable[[Path], Any]] = {
    "set, no key": lambda _: set_value(SEALED, "db.password", "x", YAML),
    "unset, no key": lambda _: unset_value(SEALED, "db.user", YAML),
    "rotate, no key": lambda _: rotate(SEALED, YAML),
    "recipients add, no key": lambda _: change_recipients(SEALED, add=[AgeKey(OTHER)], store=YAML),
    "edit, no key": lambda _: plaintext_for_editing(SEALED, YAML),
    "export-sops, no key": lambda _: export_sops(SEALED, YAML, kind="yaml"),
    "load, tampered": lambda _: load_secrets(_tampered_file(_)),
    "set, tampered": lambda _: set_value(_tampered(), "db.password", "x", YAML),
    "rotate, tampered": lambda _: rotate(_tampered(), YAML),
    "set under a value": lambda _: set_value(SEALED, "db.password.deeper", "x", YAML),
    "set over a list": lambda _: set_value(SEALED, "db.list", "x", YAML, replace=False),
    "unset missing": lambda _: unset_value(SEALED, "db.nothere", YAML),
    "edit: unclosed flow": lambda _: reseal_edited(SEALED, f"db:\n  password: [{CANARY}-new\n", YAML),
    "edit: bad indent": lambda _: reseal_edited(SEALED, f"db:\n  password: {CANARY}-a\n   bad: {CANARY}-b\n x\n", YAML),
    "edit: tab": lambda _: reseal_edited(SEALED, f"db:\n\tpassword: {CANARY}-tab\n", YAML),
    "edit: duplicate key": lambda _: reseal_edited(SEALED, f"a: {CANARY}-1\na: {CANARY}-2\n", YAML),
    "edit: control char": lambda _: reseal_edited(SEALED, f"a: {CANARY}\x00-nul\n", YAML),
    "edit: bad alias": lambda _: reseal_edited(SEALED, f"a: *{CANARY}\n", YAML),
    "encrypt: bad quote": lambda _: seal_new(f'a: "{CANARY}\n', [AgeKey(RECIPIENT)], None, YAML),
    "encrypt json": lambda _: seal_new(f'{{"a": "{CANARY}", }}', [AgeKey(RECIPIENT)], None, get_store("json")),
    "encrypt dotenv": lambda _: seal_new(f"A={CANARY}\nB C={CANARY}\n", [AgeKey(RECIPIENT)], None,
                                         get_store("dotenv")),
    "full disk": _full_disk,
    "encrypt -i, not UTF-8": lambda tmp: read_text(_latin1_file(tmp)),
    "sops json": lambda _: import_sops(f'{{"a": "{CANARY}", }}', input_type="json"),
}
NEEDS_KEY = {name for name in FAILURES if "no key" not in name}


def _latin1_file(tmp: Path) -> Path:
    """A plaintext saved in Latin-1: its bytes were in the UnicodeDecodeError, the whole file."""
    (tmp / "p.yaml").write_bytes(f"a: {CANARY}\nb: caf\xe9 {CANARY}\n".encode("latin-1"))
    return tmp / "p.yaml"


def _tampered_file(tmp: Path) -> Path:
    (tmp / "t.yaml").write_text(_tampered())
    return tmp / "t.yaml"


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [err]
    while todo:
        one = todo.pop()
        if id(one) in seen:
            continue
        seen.add(id(one))
        yield one
        todo += [link for link in (one.__cause__, one.__context__) if link is not None]
        todo += [arg for arg in one.args if isinstance(arg, BaseException)]
        todo += [value for value in getattr(one, "__dict__", {}).values() if isinstance(value, BaseException)]


def _shown(err: BaseException) -> list[str]:
    texts = ["".join(traceback.format_exception(err, chain=True))]
    for one in _chain(err):
        texts += [repr(one), str(one), repr(one.args), repr(getattr(one, "__dict__", {})), *map(str, one.args)]
        texts += [repr(note) for note in getattr(one, "__notes__", [])]
    return texts


@pytest.mark.parametrize("name", FAILURES)
def test_a_failed_write_raises_nothing_holding_a_value(name: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in [variable for variable in os.environ if variable.startswith(("SEALFILE_AGE", "SOPS_AGE"))]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    if name in NEEDS_KEY:
        monkeypatch.setenv("SEALFILE_AGE_KEY", IDENTITY)
    forget_data_keys()
    with pytest.raises(BaseException) as caught:
        FAILURES[name](tmp_path)
    assert isinstance(caught.value, SealfileError), repr(caught.value)  # an error of its own, not a crash
    for text in _shown(caught.value):
        assert CANARY not in text, f"{name}: {text}"
    planted = {"load, tampered": ["t.yaml"], "encrypt -i, not UTF-8": ["p.yaml"]}.get(name, [])
    assert sorted(path.name for path in tmp_path.glob("*.yaml")) == planted  # the full disk left nothing
