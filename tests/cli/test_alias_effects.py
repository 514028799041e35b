"""A ``set`` or ``unset`` of a key in an anchored mapping or list also changes it where an alias names it or ``<<``
merges it: the YAML is right, and the user is told which other key paths changed (stderr, key paths only, never a
value). Before, ``unset base.k`` also removed ``child.k`` without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLAIN = ("base: &b\n  k: hunter2\n  j: swordfish\nchild:\n  <<: *b\n  own: x1\ncopy: *b\nlst: &l [p1, p2]\n"
         "other: *l\nopen_unencrypted: &o {k: plain1}\nseen_unencrypted: {<<: *o}\n")
TOLD = "also changed where YAML aliases or merge keys (<<) read it: "

# (command after the file, the key paths told; none: no line)
CASES = [
    (("unset", "base.k"), "child.k, copy.k"),
    (("set", "base.j", "new"), "child.j, copy.j"),
    (("set", "--rotate", "base.j", "new"), "child.j, copy.j"),  # every token renewed: only the aliases' named
    (("set", "base.added", "new"), "child.added, copy.added"),
    (("unset", "lst[0]"), "other.0, other.1"),
    (("set", "lst[2]", "new"), "other.2"),
    (("set", "open_unencrypted.k", "new"), "seen_unencrypted.k"),
    (("set", "child.j", "new"), None),  # child's own key now, over the merged one: nothing else changes
    (("set", "child.own", "new"), None),
    (("unset", "copy"), None),  # the alias itself goes; what it named stays
]


@pytest.mark.parametrize(("args", "told"), CASES, ids=[" ".join(args) for args, _ in CASES])
def test_what_else_changed_through_aliases_is_named(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path,
                                                    args: tuple[str, ...], told: str | None) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(PLAIN)
    assert run_cli("encrypt", "-i", "--age", age_identity.recipient, path).returncode == 0
    verb, *flags = [a for a in args if a.startswith("-") or a in ("set", "unset")]
    rest = [a for a in args if not a.startswith("-") and a not in ("set", "unset")]
    done = run_cli(verb, *flags, path, *rest)
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("sealfile: warning:")]
    assert warnings == ([] if told is None else [f"sealfile: warning: {path}: {rest[0]}: {TOLD}{told}"])
    for secret in ("hunter2", "swordfish", "plain1", "p1", "p2", "new"):
        assert secret not in done.stderr.replace(str(path), "")


def test_a_json_file_is_told_nothing(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    path = tmp_path / "values.json"
    path.write_text('{"a": {"k": "v"}, "b": "&x"}\n')
    assert run_cli("encrypt", "-i", "--age", age_identity.recipient, path).returncode == 0
    done = run_cli("unset", path, "a.k")
    assert done.returncode == 0 and "warning" not in done.stderr
