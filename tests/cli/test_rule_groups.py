"""Without trusted signers, writers refuse a file whose key groups or threshold let fewer of its creation rule's keys
open it than the rule asks: a group member who seals the file afresh split their way (one group of everything, a
lower threshold, a key moved so one group suffices) holds its data key, and the next value set would be theirs to
read (docs/security.md §3). Real age and SSH keys, through the ``sealfile`` command; the comparison itself is
``tests/model/test_access.py``'s."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sealfile.kms.age import generate_identity
from tests.support.cli import RunCli
from tests.support.ssh import SshKeys, ssh_keys

__all__ = ["ssh_keys"]

PLAIN = "db:\n  pw: old-secret-71\n  user: app\n"
Split = tuple[list[list[str]], int]
ALICE_AND_BOB: Split = ([["a1", "a2"], ["b"]], 2)  # alice's two keys in one group, bob's in another: both needed
THREE: Split = ([["a1"], ["b"], ["c"]], 2)
SHAPES: dict[str, tuple[Split, Split, bool]] = {
    "the same, reordered": (ALICE_AND_BOB, ([["b"], ["a2", "a1"]], 2), True),
    "one group of everything, threshold 1": (ALICE_AND_BOB, ([["a1", "a2", "b"]], 1), False),
    "threshold lowered": (ALICE_AND_BOB, ([["a1", "a2"], ["b"]], 1), False),
    "a key moved between groups": (ALICE_AND_BOB, ([["a1"], ["a2", "b"]], 2), False),
    "a group split, threshold kept": (ALICE_AND_BOB, ([["a1"], ["a2"], ["b"]], 2), False),
    "a group split, threshold raised": (ALICE_AND_BOB, ([["a1"], ["a2"], ["b"]], 3), True),
    "threshold raised": (THREE, ([["a1"], ["b"], ["c"]], 3), True),
    "two groups merged, threshold kept": (THREE, ([["a1", "b"], ["c"]], 2), True),
    "two groups merged, threshold lowered": (([["a1"], ["b"], ["c"], ["d"]], 3), ([["a1", "b"], ["c"], ["d"]], 2),
                                             False),
    "a rule of one group, the file split": (([["a1", "b"]], 1), ([["a1"], ["b"]], 2), True),
    "a key the rule names left out": (THREE, ([["a1"], ["b"]], 2), True),
    "a key left out, threshold lowered": (THREE, ([["a1"], ["b"]], 1), False),
}


class Keys:
    """Age identities for a1, a2, b, c, d, all in the victim's key file (one operator who holds every key)."""

    def __init__(self, directory: Path) -> None:
        pairs = {name: generate_identity() for name in ("a1", "a2", "b", "c", "d")}
        self.recipients = {name: recipient for name, (_, recipient) in pairs.items()}
        self.identities = {name: identity for name, (identity, _) in pairs.items()}
        self.file = directory / "keys.txt"
        self.file.write_text("".join(f"{identity}\n" for identity in self.identities.values()))
        self.file.chmod(0o600)
        self.env = {"SEALFILE_AGE_KEY_FILE": str(self.file), "SEALFILE_AGE_KEY": ""}

    def only(self, name: str) -> dict[str, str]:
        return {"SEALFILE_AGE_KEY": self.identities[name], "SEALFILE_AGE_KEY_FILE": ""}

    def spec(self, name: str) -> str:
        return self.recipients.get(name, name)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    top = tmp_path / "repo"
    top.mkdir()
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    return top


@pytest.fixture
def keys(tmp_path: Path) -> Keys:
    return Keys(tmp_path)


def kind(name: str) -> str:
    return "ssh" if name.startswith("s") else "age"


def rule(repo: Path, keys: Keys, split: Split) -> None:
    """The creation rule in .sealfile.yaml: each group's keys under their kinds (a name starting with s: SSH)."""
    def entries(group: list[str], indent: str) -> str:
        kinds = dict.fromkeys(kind(name) for name in group)
        return indent.join(f"{k}: [{', '.join(repr(keys.spec(n)) for n in group if kind(n) == k)}]\n" for k in kinds)

    groups, threshold = split
    if len(groups) == 1:
        body = "    " + entries(groups[0], "    ")
    else:
        body = "    key_groups:\n" + "".join(f"      - {entries(group, '        ')}" for group in groups)
        body += f"    threshold: {threshold}\n"
    (repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: \\.enc\\.\n{body}")


def sealed(run_cli: RunCli, repo: Path, keys: Keys, split: Split, *, name: str = "a.enc.yaml",
           plain: str = PLAIN) -> Path:
    """What a member of one group can commit: the file sealed afresh, split as they like."""
    groups, threshold = split
    source = repo / ("plain" + Path(name).suffix)
    source.write_text(plain)
    file = repo / name
    if len(groups) == 1:
        flags = [f"--{kind(key)}={keys.spec(key)}" for key in groups[0]]
    else:
        flags = [f"--key-group={','.join(f'{kind(key)}:{keys.spec(key)}' for key in group)}" for group in groups]
        flags.append(f"--threshold={threshold}")
    done = run_cli("encrypt", source, "-o", file, *flags, env=keys.env)
    assert done.returncode == 0, done.stderr
    source.unlink()
    return file


def assert_refused(done: subprocess.CompletedProcess[str], file: Path, before: bytes) -> None:
    assert done.returncode != 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0], done.stderr
    assert str(file) in lines[0] and "old-secret" not in done.stderr + done.stdout, lines[0]
    assert file.read_bytes() == before


@pytest.mark.parametrize("shape", SHAPES)
def test_set_refuses_a_file_split_more_loosely_than_its_rule(shape: str, run_cli: RunCli, repo: Path,
                                                              keys: Keys) -> None:
    wanted, found, allowed = SHAPES[shape]
    rule(repo, keys, wanted)
    file = sealed(run_cli, repo, keys, found)
    before = file.read_bytes()
    done = run_cli("set", file, "db.pw", "new-secret-93", env=keys.env)
    if allowed:
        assert done.returncode == 0, done.stderr
        assert "new-secret-93" in run_cli("decrypt", file, env=keys.env).stdout
        return
    assert_refused(done, file, before)
    line = done.stderr
    assert "key groups let" in line and f"sealfile updatekeys --rotate {file}" in line, line
    assert "together" in line or "alone" in line, line


def editor(tmp_path: Path) -> dict[str, str]:
    program = tmp_path / "editor.py"
    program.write_text("import sys\np = sys.argv[1]\nopen(p, 'a').write('extra: added\\n')\n")
    return {"EDITOR": f"{sys.executable} {program}"}


WRITES = {
    "set": lambda file, keys, tmp: ["set", file, "db.pw", "new-secret-93"],
    "unset": lambda file, keys, tmp: ["unset", file, "db.user"],
    "rotate": lambda file, keys, tmp: ["rotate", file],
    "edit": lambda file, keys, tmp: ["edit", file],
    "recipients remove --rotate": lambda file, keys, tmp: ["recipients", "remove", "--rotate", "--age",
                                                          keys.spec("a2"), file],
    "recipients add": lambda file, keys, tmp: ["recipients", "add", "--group", "1", "--age", generate_identity()[1],
                                              file],
    "encrypt --previous": lambda file, keys, tmp: ["encrypt", "--previous", file, tmp / "new.yaml", "-o",
                                                  file.with_name("b.enc.yaml")],
}


@pytest.mark.parametrize("verb", WRITES)
def test_every_writer_refuses_and_changes_nothing(verb: str, run_cli: RunCli, repo: Path, keys: Keys,
                                                  tmp_path: Path) -> None:
    rule(repo, keys, ALICE_AND_BOB)
    file = sealed(run_cli, repo, keys, ([["a1", "a2", "b"]], 1))
    (tmp_path / "new.yaml").write_text("db:\n  pw: new-secret-93\n")
    before = file.read_bytes()
    done = run_cli(*WRITES[verb](file, keys, tmp_path), env={**keys.env, **editor(tmp_path)})
    assert_refused(done, file, before)
    assert "key groups let" in done.stderr and "updatekeys --rotate" in done.stderr, done.stderr
    assert not file.with_name("b.enc.yaml").exists()
    assert sorted(path.name for path in repo.iterdir()) == [".git", ".sealfile.yaml", "a.enc.yaml"]


@pytest.mark.parametrize("verb", WRITES)
def test_every_writer_goes_on_with_the_rule_s_split_in_another_order(verb: str, run_cli: RunCli, repo: Path, keys: Keys,
                                                    tmp_path: Path) -> None:
    rule(repo, keys, ALICE_AND_BOB)
    file = sealed(run_cli, repo, keys, ([["b"], ["a2", "a1"]], 2))
    (tmp_path / "new.yaml").write_text("db:\n  pw: new-secret-93\n")
    done = run_cli(*WRITES[verb](file, keys, tmp_path), env={**keys.env, **editor(tmp_path)})
    assert done.returncode == 0, done.stderr


SYNTAXES = {
    "json": ("a.enc.json", '{"db": {"pw": "old-secret-71", "user": "app"}}\n'),
    "dotenv": ("a.enc.env", "DB_PW=old-secret-71\nDB_USER=app\n"),
    "yaml stream": ("a.enc.yaml", "db:\n  pw: old-secret-71\n---\ndb:\n  pw: old-secret-72\n"),
}


@pytest.mark.parametrize("syntax", SYNTAXES)
def test_every_syntax(syntax: str, run_cli: RunCli, repo: Path, keys: Keys) -> None:
    name, plain = SYNTAXES[syntax]
    rule(repo, keys, ALICE_AND_BOB)
    key = {"json": "db.pw", "dotenv": "DB_PW", "yaml stream": "[1].db.pw"}[syntax]
    loose = sealed(run_cli, repo, keys, ([["a1"], ["a2", "b"]], 2), name=name, plain=plain)
    before = loose.read_bytes()
    assert_refused(run_cli("set", loose, key, "new-secret-93", env=keys.env), loose, before)
    strict = sealed(run_cli, repo, keys, ([["a2", "a1"], ["b"]], 2), name="b" + name[1:], plain=plain)
    done = run_cli("set", strict, key, "new-secret-93", env=keys.env)
    assert done.returncode == 0, done.stderr


def test_ssh_keys_in_the_groups(run_cli: RunCli, repo: Path, keys: Keys, ssh_keys: SshKeys) -> None:
    """alice's SSH key and age key in one group, bob's SSH key in the other; the file moves her age key to his."""
    alice, bob = ssh_keys.get("ed25519", "alice"), ssh_keys.get("ed25519", "bob")
    keys.recipients.update(s1=alice.pub_path.read_text().strip(), s2=bob.pub_path.read_text().strip())
    rule(repo, keys, ([["s1", "a1"], ["s2"]], 2))
    file = sealed(run_cli, repo, keys, ([["s1"], ["a1", "s2"]], 2))
    before = file.read_bytes()
    refused = run_cli("set", file, "db.pw", "new-secret-93", env={**keys.env, "SEALFILE_SSH_KEY_FILE": str(alice.path)})
    assert_refused(refused, file, before)
    assert f"age {keys.spec('a1')}" in refused.stderr and "ssh " in refused.stderr, refused.stderr
    rule(repo, keys, ([["s1"], ["a1", "s2"]], 2))  # the rule says so: the same file is written
    done = run_cli("set", file, "db.pw", "new-secret-93", env={**keys.env, "SEALFILE_SSH_KEY_FILE": str(alice.path)})
    assert done.returncode == 0, done.stderr


def by_hand(text: str, how: str) -> str:
    """A sealed file with two key groups changed as sealfile never writes one."""
    first, second = text.index("    -   - type:"), text.index("    -   - type:", text.index("    -   - type:") + 1)
    end = text.index("  threshold:")
    if how == "a key in two groups":
        return text[:end] + text[first:second].replace("    -   - type:", "        - type:") + text[end:]
    if how == "an empty group":
        return text[:end] + "    - []\n" + text[end:]
    return text.replace("  threshold: 2\n", "  threshold: 3\n")  # more groups than there are


@pytest.mark.parametrize("how", ["a key in two groups", "an empty group", "a threshold past the groups"])
@pytest.mark.parametrize("verb", ["set", "rotate", "updatekeys"])
def test_a_split_made_by_hand_is_refused(how: str, verb: str, run_cli: RunCli, repo: Path, keys: Keys) -> None:
    rule(repo, keys, ALICE_AND_BOB)
    file = sealed(run_cli, repo, keys, ALICE_AND_BOB)
    file.write_text(by_hand(file.read_text(), how))
    before = file.read_bytes()
    args = {"set": ["set", file, "db.pw", "new-secret-93"], "rotate": ["rotate", file],
            "updatekeys": ["updatekeys", "-y", "--rotate", file]}[verb]
    assert_refused(run_cli(*args, env=keys.env), file, before)


def test_updatekeys_shows_and_fixes_a_regrouped_file(run_cli: RunCli, repo: Path, keys: Keys) -> None:
    rule(repo, keys, ALICE_AND_BOB)
    file = sealed(run_cli, repo, keys, ([["a1"], ["a2", "b"]], 2))  # alice's two keys open it without bob
    assert "old-secret-71" in run_cli("decrypt", file, env={**keys.only("a1"), "SEALFILE_AGE_KEY": "\n".join(
        (keys.identities["a1"], keys.identities["a2"]))}).stdout
    asked = run_cli("updatekeys", file, input="n\n", env=keys.env)
    assert asked.returncode == 0, asked.stderr
    assert f"! age {keys.spec('a1')}, age {keys.spec('a2')} together open it now" in asked.stderr, asked.stderr
    assert "any 2 of 2 key groups" in asked.stderr and "skipped" in asked.stderr
    fixed = run_cli("updatekeys", "-y", "--rotate", file, env=keys.env)
    assert fixed.returncode == 0 and "data key rotated" in fixed.stderr, fixed.stderr
    assert run_cli("set", file, "db.pw", "new-secret-93", env=keys.env).returncode == 0
    alice_alone = run_cli("decrypt", file, env={**keys.only("a1"), "SEALFILE_AGE_KEY": "\n".join(
        (keys.identities["a1"], keys.identities["a2"]))})
    assert alice_alone.returncode != 0 and "new-secret-93" not in alice_alone.stdout
    assert "new-secret-93" in run_cli("decrypt", file, env=keys.env).stdout
    assert "recipients already match" in run_cli("updatekeys", file, env=keys.env).stderr


def test_updatekeys_without_rotate_warns(run_cli: RunCli, repo: Path, keys: Keys) -> None:
    rule(repo, keys, ALICE_AND_BOB)
    file = sealed(run_cli, repo, keys, ([["a1", "a2", "b"]], 1))
    done = run_cli("updatekeys", "-y", file, env=keys.env)
    assert done.returncode == 0 and "key groups changed" in done.stderr and "run 'sealfile rotate'" in done.stderr


def test_a_sops_file_split_loosely_is_refused_at_import(run_cli: RunCli, repo: Path, keys: Keys) -> None:
    """A SOPS file, written by the real sops with alice's second key moved to bob's group (sops refuses a threshold
    of 1 with groups): its key groups are outside SOPS's MAC, so ``import-sops`` refuses to seal under groups looser
    than the rule's (whoever split it so could read what is written), and writes nothing."""
    from tests.support.sops_binary import run_sops

    rule(repo, keys, ALICE_AND_BOB)
    (repo / ".sops.yaml").write_text(
        "creation_rules:\n  - shamir_threshold: 2\n    key_groups:\n"
        f"      - age: ['{keys.spec('a1')}']\n      - age: ['{keys.spec('a2')}', '{keys.spec('b')}']\n")
    (repo / "plain.yaml").write_text(PLAIN)
    sops_env = {"SOPS_AGE_KEY_FILE": str(keys.file)}
    written = run_sops(["--encrypt", "--config", str(repo / ".sops.yaml"), "--output", str(repo / "s.enc.yaml"),
                        str(repo / "plain.yaml")], sops_env)
    assert written.returncode == 0, written.stderr
    file = repo / "a.enc.yaml"
    refused = run_cli("import-sops", repo / "s.enc.yaml", "-o", file, env=keys.env)
    assert refused.returncode != 0 and not file.exists()
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert f"age {keys.spec('a1')}, age {keys.spec('a2')} together open it" in refused.stderr, refused.stderr
    assert "outside its MAC" in refused.stderr and "old-secret-71" not in refused.stderr
