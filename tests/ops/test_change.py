"""Editing keeps diffs minimal, never writes plaintext, and leaves files intact on failure."""

from __future__ import annotations

import math
import os
import random
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import sealfile
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import ConcurrentEditError, FormatError, KeyPathError
from sealfile.files.locking import locked
from sealfile.kms.age import AgeKey, add_identity
from sealfile.ops import change as editing
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from sealfile.ops.values import parse_value
from tests.support.locking import lock_elsewhere

TOKEN = re.compile(r"ENC\[[A-Za-z0-9_\-=]+\]")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """An isolated HOME with one age identity; returns the environment for subprocesses."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(home / "keys.txt"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "t")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "t@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "t")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "t@example.com")
    src = str(Path(sealfile.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p))
    forget_data_keys()
    yield dict(os.environ)
    forget_data_keys()


@pytest.fixture
def recipient(env: dict[str, str]) -> str:
    return add_identity(Path(env["SEALFILE_AGE_KEY_FILE"]))


def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sealfile", *args], input=input, capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def plaintext(values: int) -> str:
    rng = random.Random(values)
    lines = ["# generated secrets", ""]
    per_group = 10
    for group in range(max(values // per_group, 1)):
        lines.append(f"group{group}:")
        lines.append(f"  # group {group}")
        for item in range(min(per_group, values)):
            lines.append(f"  key{item}: value-{group}-{item}-{rng.randrange(10**9)}")
    return "\n".join(lines) + "\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def changed_lines(repo: Path) -> list[str]:
    diff = git(repo, "diff", "--unified=0")
    return [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture
def repo(tmp_path: Path, env: dict[str, str]) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q")
    return path


def commit(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "step", "--allow-empty")


def only_value_and_mac(lines: list[str], keys: list[str]) -> None:
    """Each changed line is the MAC line or the line of one of ``keys``."""
    allowed = ("mac:", *(f"{k}:" for k in keys))
    assert lines, "expected a change"
    for line in lines:
        assert line[1:].strip().startswith(allowed), line[:80]
    assert sum(1 for line in lines if line[1:].strip().startswith("mac:")) == 2


# A large file: 10,000 values (1,000 groups) through the fast implementation; 1,000 values (100 groups,
# every shape the larger file has) through the general one, whose pure-Python parser spends about 1 ms of
# CPU per value on each of the seven commands below (at 10,000 values, a minute of CPU for this one test).
LARGE = {"fast": 10_000, "general": 1_000}


@pytest.mark.parametrize("size", ["small", pytest.param("large", marks=pytest.mark.slow)])
def test_one_value_changes_touch_only_its_line_and_the_mac(repo: Path, env: dict[str, str], recipient: str,
                                                           size: str, both_implementations: str) -> None:
    values = 10 if size == "small" else LARGE[both_implementations]
    (repo / "plain.yaml").write_text(plaintext(values))
    assert cli("encrypt", "--age", recipient, "plain.yaml", "-o", "s.enc.yaml", env=env, cwd=repo).returncode == 0
    (repo / "plain.yaml").unlink()
    commit(repo)

    result = cli("set", "s.enc.yaml", "group0.key3", "changed", env=env, cwd=repo)
    assert result.returncode == 0, result.stderr
    only_value_and_mac(changed_lines(repo), ["key3"])
    commit(repo)

    assert cli("unset", "s.enc.yaml", "group0.key4", env=env, cwd=repo).returncode == 0
    lines = changed_lines(repo)
    only_value_and_mac(lines, ["key4"])
    assert sum(1 for line in lines if line.startswith("-") and "key4:" in line) == 1
    commit(repo)

    editor = repo.parent / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\n"
        "s = open(p).read().replace('key5: value-0-5-', 'key5: edited-', 1)\nopen(p, 'w').write(s)\n"
    )
    edited = cli("edit", "s.enc.yaml", env={**env, "EDITOR": f"{sys.executable} {editor}"}, cwd=repo)
    assert edited.returncode == 0, edited.stderr
    only_value_and_mac(changed_lines(repo), ["key5"])
    commit(repo)

    # encrypt --previous: a plaintext edited elsewhere is re-sealed with every unchanged ciphertext kept
    plain = cli("decrypt", "s.enc.yaml", env=env, cwd=repo).stdout
    (repo.parent / "edited.yaml").write_text(plain.replace("key6: value-0-6-", "key6: elsewhere-", 1))
    result = cli("encrypt", "--previous", "s.enc.yaml", str(repo.parent / "edited.yaml"), "-o", "s.enc.yaml",
                 env=env, cwd=repo)
    assert result.returncode == 0, result.stderr
    only_value_and_mac(changed_lines(repo), ["key6"])
    assert cli("verify", "s.enc.yaml", env=env, cwd=repo).returncode == 0


def test_set_types_and_new_parents(tmp_path: Path, recipient: str) -> None:
    sealed = seal_text("a: 1\n", [AgeKey(recipient)])
    sealed = editing.set_value(sealed, "db.port", parse_value("5432", "int"))
    sealed = editing.set_value(sealed, "db.tls", parse_value("true", "bool"))
    sealed = editing.set_value(sealed, "db.ratio", parse_value("0.5", "float"))
    sealed = editing.set_value(sealed, "db.none", parse_value("", "null"))
    sealed = editing.set_value(sealed, '["db"]["hosts"]', parse_value("[a, b]", "yaml"))
    sealed = editing.set_value(sealed, "db.hosts.2", "c")
    sealed = editing.set_value(sealed, "db.cert", "line1\nline2\n")
    path = tmp_path / "s.enc.yaml"
    path.write_text(sealed)
    assert sealfile.load_secrets(path) == {
        "a": 1,
        "db": {"port": 5432, "tls": True, "ratio": 0.5, "none": None, "hosts": ["a", "b", "c"],
               "cert": "line1\nline2\n"},
    }
    assert "line1" not in sealed
    assert editing.set_value(sealed, "db.port", 5432) == sealed  # unchanged: same bytes
    with pytest.raises(FormatError) as info:
        parse_value("not-a-number", "int")
    assert "not-a-number" not in str(info.value)
    with pytest.raises(KeyPathError):
        editing.unset_value(sealed, "db.missing")
    with pytest.raises(KeyPathError):
        editing.set_value(sealed, "db.hosts.9", "x")


@pytest.mark.parametrize(("text", "value_type", "value"), [
    ("0x1F", "int", 31), ("0o17", "int", 15), ("-0x10", "int", -16), (" 42 ", "int", 42), ("007", "int", 7),
    (".inf", "float", math.inf), ("-.Inf", "float", -math.inf), ("+.INF", "float", math.inf), ("1e3", "float", 1000.0),
])
def test_set_reads_yaml_12_spellings_of_numbers(text: str, value_type: str, value: object) -> None:
    """``set --type int 0x1F`` was refused though YAML 1.2 (and the same value typed with --type yaml) reads 31."""
    assert parse_value(text, value_type) == value
    assert parse_value(text, "yaml") == value


def test_set_reads_yaml_12_not_a_number() -> None:
    assert math.isnan(parse_value(".NaN", "float")) and math.isnan(parse_value(".nan", "yaml"))


@pytest.mark.parametrize("text", ["0x", "0x1G", "1.5", "", "0o8"])
def test_set_refuses_what_is_no_int(text: str) -> None:
    with pytest.raises(FormatError):
        parse_value(text, "int")


@pytest.mark.parametrize(("keypath", "value", "plain"), [
    ("b", {"x": 1, "z": [1, 2]}, "a: 1\nb:\n  x: 1\n  z:\n  - 1\n  - 2"),
    ("d", "new", "a: 1\nb:\n  c: 2\nd: new"),
    ("d", "two\nlines\n", 'a: 1\nb:\n  c: 2\nd: "two\\nlines\\n"'),
    ("b.e", "x", "a: 1\nb:\n  c: 2\n  e: x"),
    ("b", None, "a: 1"),  # unset
])
def test_a_structural_edit_keeps_a_missing_final_line_break(recipient: str, keypath: str, value: object,
                                                             plain: str) -> None:
    """A file that ends without a line break keeps ending so after its last lines change (unless
    the value read that way would be another: then the line break stays)."""
    sealed = seal_text("a: 1\nb:\n  c: 2", [AgeKey(recipient)])
    changed = editing.unset_value(sealed, keypath) if value is None else editing.set_value(sealed, keypath, value)
    assert decrypt_text(changed) == plain


def test_recipient_changes_keep_values_and_rotate_changes_all(recipient: str, env: dict[str, str]) -> None:
    sealed = seal_text(plaintext(30), [AgeKey(recipient)])
    second = AgeKey(add_identity(Path(env["SEALFILE_AGE_KEY_FILE"])))
    added = editing.change_recipients(sealed, add=[second])
    assert TOKEN.findall(added.text) == TOKEN.findall(sealed)
    assert [k.key_id for k in added.added] == [second.key_id]
    removed = editing.change_recipients(added.text, remove=[second])
    assert TOKEN.findall(removed.text) == TOKEN.findall(sealed)
    assert removed.text == sealed
    with pytest.raises(FormatError):
        editing.change_recipients(sealed, remove=[AgeKey(recipient)])
    rotated = editing.rotate(added.text)
    old, new = TOKEN.findall(added.text), TOKEN.findall(rotated)
    assert len(old) == len(new) and not set(old) & set(new)
    forget_data_keys()
    from sealfile.ops.keyless import describe
    from sealfile.ops.read import verify_text

    verify_text(rotated)
    verify_text(added.text)
    assert describe(rotated).set_at == describe(added.text).set_at  # rotation keeps when values were set


def test_failed_edits_leave_the_file_byte_for_byte(tmp_path: Path, env: dict[str, str], recipient: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("password: hunter2-canary\nuser: app\n", [AgeKey(recipient)]))
    before = path.read_bytes()
    crash = tmp_path / "crash.py"
    crash.write_text("import os, sys\nopen(sys.argv[1], 'a').write('garbage: [\\n')\nos.abort()\n")
    invalid = tmp_path / "invalid.py"
    invalid.write_text("import sys\nopen(sys.argv[1], 'w').write('a: [unclosed\\n')\n")
    for editor in (crash, invalid):
        result = cli("edit", str(path), env={**env, "EDITOR": f"{sys.executable} {editor}"})
        assert result.returncode != 0
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "hunter2" not in result.stderr
        assert path.read_bytes() == before
    assert "edited text: invalid YAML at line 2" in result.stderr  # says where


def test_ctrl_c_during_edit_leaves_the_file_and_no_plaintext(tmp_path: Path, env: dict[str, str],
                                                              recipient: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("password: hunter2-canary\n", [AgeKey(recipient)]))
    before = path.read_bytes()
    ready = tmp_path / "ready"
    slow = tmp_path / "slow.py"
    # An editor that Ctrl-C ends (one that takes the key for itself, as vim does, keeps the edit going:
    # tests/files/test_edit_signals.py).
    slow.write_text("import sys, time\n"
                    f"open({str(ready)!r} + '.part', 'w').write(sys.argv[1])\n"
                    f"import os; os.rename({str(ready)!r} + '.part', {str(ready)!r})  # seen whole, or not at all\n"
                    "time.sleep(60)\n")
    # Ctrl-C's default action, even when this suite itself was started with SIGINT ignored (a
    # background job of a shell without job control): an ignored SIGINT is inherited, and respected.
    process = subprocess.Popen([sys.executable, "-m", "sealfile", "edit", str(path)],
                               env={**env, "EDITOR": f"{sys.executable} {slow}"}, stderr=subprocess.PIPE, text=True,
                               start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 30
    while not ready.exists() and time.time() < deadline:
        time.sleep(0.05)
    temp_file = Path(ready.read_text())
    assert temp_file.exists() and temp_file.stat().st_mode & 0o777 == 0o600
    assert temp_file.parent.stat().st_mode & 0o777 == 0o700
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole foreground group
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == -signal.SIGINT  # ended by it; the editor's own KeyboardInterrupt traceback first
    assert stderr.endswith("KeyboardInterrupt\nsealfile: interrupted; no file was changed\n"), stderr
    assert path.read_bytes() == before
    assert not temp_file.exists() and not temp_file.parent.exists()


def test_edit_creates_a_new_file_from_creation_rules(tmp_path: Path, env: dict[str, str], recipient: str) -> None:
    (tmp_path / ".sealfile.yaml").write_text(textwrap.dedent(f"""\
        creation_rules:
          - path_regex: prod/.*
            age: {recipient}
            encrypted_regex: ^password$
    """))
    (tmp_path / "prod").mkdir()
    editor = tmp_path / "write.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('user: app\\npassword: s3cret\\n')\n")
    result = cli("edit", "prod/new.enc.yaml", env={**env, "EDITOR": f"{sys.executable} {editor}"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "prod/new.enc.yaml").read_text()
    assert "user: app" in text and "s3cret" not in text and "encrypted_regex: ^password$" in text
    assert sealfile.load_secrets(tmp_path / "prod/new.enc.yaml") == {"user": "app", "password": "s3cret"}
    # an editor that leaves the template untouched creates nothing
    result = cli("edit", "prod/other.enc.yaml", env={**env, "EDITOR": "true"}, cwd=tmp_path)
    assert result.returncode == 0 and not (tmp_path / "prod/other.enc.yaml").exists()
    # encrypt without flags uses the rule too
    (tmp_path / "plain.yaml").write_text("password: x\n")
    result = cli("encrypt", "plain.yaml", "-o", "prod/enc.enc.yaml", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = cli("encrypt", "plain.yaml", "-o", "elsewhere.enc.yaml", env=env, cwd=tmp_path)
    assert result.returncode == 2 and "creation rule" in result.stderr


def test_edit_refuses_recipient_and_rule_options_for_a_file_that_exists(tmp_path: Path, env: dict[str, str],
                                                                        recipient: str) -> None:
    """They name a new file's recipients and rules: on a file that exists they were ignored without a word, so
    ``edit prod.enc.yaml --age NEWCOMER`` (or ``--age ME`` meant to leave the others out) seemed to work."""
    other = add_identity(Path(env["SEALFILE_AGE_KEY_FILE"]))
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    before = path.read_bytes()
    editor = tmp_path / "write.py"
    editor.write_text("import sys\nopen(sys.argv[1], 'w').write('a: 2\\n')\n")
    edit_env = {**env, "EDITOR": f"{sys.executable} {editor}"}
    for options in (("--age", other), ("--key-group", f"age:{other}"), ("--encrypted-regex", "^a$")):
        result = cli("edit", str(path), *options, env=edit_env)
        assert result.returncode == 2, result.stderr
        assert f"{options[0]} applies to a new file, and {path} exists" in result.stderr
        assert path.read_bytes() == before
    # a default for new files from the environment is not the user asking for this file
    result = cli("edit", str(path), env={**edit_env, "SEALFILE_EDIT_AGE": other})
    assert result.returncode == 0, result.stderr
    assert sealfile.load_secrets(path) == {"a": 2} and other not in path.read_text()
    new = tmp_path / "new.enc.yaml"
    assert cli("edit", str(new), "--age", other, env=edit_env).returncode == 0
    assert other in new.read_text()


def test_updatekeys_matches_the_rule(tmp_path: Path, env: dict[str, str], recipient: str) -> None:
    other = add_identity(Path(env["SEALFILE_AGE_KEY_FILE"]))
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    (tmp_path / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: .*\n    age: [{other}]\n")
    tokens = TOKEN.findall(path.read_text())
    result = cli("updatekeys", str(path), env=env)  # no tty, no -y: asks, defaults to no
    assert f"+ age {other}" in result.stderr and f"- age {recipient}" in result.stderr
    assert recipient in path.read_text()
    result = cli("updatekeys", "-y", str(path), env=env)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    # no signers, and sealed for a recipient the rule does not name, who may have chosen the data key: it goes too
    assert other in text and recipient not in text and "data key rotated" in result.stderr
    assert set(TOKEN.findall(text)).isdisjoint(tokens)


def test_a_second_writer_fails_clearly_once_its_wait_is_over(tmp_path: Path, env: dict[str, str],
                                                              recipient: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    before = path.read_bytes()
    with locked(path):
        started = time.monotonic()
        result = cli("set", str(path), "a", "2", env={**env, "SEALFILE_LOCK_WAIT": "0.5"})
        assert time.monotonic() - started >= 0.5
        assert result.returncode == 1
        assert result.stderr == (f"sealfile: error: {path}: another sealfile process is changing this file (still, "
                                 "after waiting 0.5 s; see SEALFILE_LOCK_WAIT); try again when it has finished\n")
        result = cli("set", str(path), "a", "2", env={**env, "SEALFILE_LOCK_WAIT": "0"})
        assert result.returncode == 1 and "changing this file; try again" in result.stderr
        assert isinstance(lock_elsewhere(path), ConcurrentEditError)
    assert path.read_bytes() == before
    assert cli("set", str(path), "a", "2", env=env).returncode == 0


def test_writers_started_together_on_one_file_each_wait_their_turn(tmp_path: Path, env: dict[str, str],
                                                                  recipient: str) -> None:
    """A script's ``sealfile set f kN vN &`` in a loop: every change lands, none is lost or refused."""
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    writers = [subprocess.Popen([sys.executable, "-m", "sealfile", "set", str(path), f"k{n}", f"v{n}"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(6)]
    results = [(writer.wait(timeout=120), writer.stderr.read() if writer.stderr else "") for writer in writers]
    assert results == [(0, f"{path}: k{n} set\n") for n in range(6)]
    assert sorted(decrypt_text(path.read_text()).splitlines()) == sorted(["a: 1", *(f"k{n}: v{n}" for n in range(6))])


def test_a_writer_waits_for_the_lock_and_then_reads_the_file_afresh(tmp_path: Path, env: dict[str, str],
                                                                   recipient: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    with locked(path):
        waiting = subprocess.Popen([sys.executable, "-m", "sealfile", "set", str(path), "b", "2"], env=env,
                                   stderr=subprocess.PIPE, text=True)
        time.sleep(1.0)
        assert waiting.poll() is None  # still waiting for the lock
        path.write_text(editing.set_value(path.read_text(), "a", 5))  # the holder changes it before letting go
    assert waiting.wait(timeout=60) == 0
    assert decrypt_text(path.read_text()) == 'a: 5\nb: "2"\n'  # set's value is a string unless typed


def test_the_lock_wait_setting_is_checked(tmp_path: Path, recipient: str) -> None:
    sealed = tmp_path / "x.enc.yaml"  # a file that exists: a missing one is refused before any setting is read
    sealed.write_text(seal_text("a: 0\n", [AgeKey(recipient)]))
    result = subprocess.run([sys.executable, "-m", "sealfile", "set", str(sealed), "a", "1"], capture_output=True,
                            text=True, env={**os.environ, "SEALFILE_LOCK_WAIT": "soon"})
    assert result.returncode != 0
    assert "SEALFILE_LOCK_WAIT must be a number of seconds, 0 or more (at most 3600), not 'soon'" in result.stderr


def test_multi_file_failure_leaves_each_file_whole(tmp_path: Path, env: dict[str, str], recipient: str) -> None:
    good = tmp_path / "good.enc.yaml"
    good.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    bad = tmp_path / "bad.enc.yaml"
    bad.write_text(good.read_text().replace("mac: ", "mac: AAAA"))
    bad_before = bad.read_bytes()
    result = cli("rotate", str(good), str(bad), env=env)
    assert result.returncode == 1
    assert "sealfile: rotate: 2 files: 1 ok, 1 failed" in result.stderr and "bad.enc.yaml" in result.stderr
    assert bad.read_bytes() == bad_before
    assert cli("verify", str(good), env=env).returncode == 0


def test_value_from_stdin_stays_out_of_argv(tmp_path: Path, env: dict[str, str], recipient: str) -> None:
    path = tmp_path / "s.enc.yaml"
    path.write_text(seal_text("a: 1\n", [AgeKey(recipient)]))
    assert cli("set", str(path), "token", input="from-stdin\n", env=env).returncode == 0
    assert sealfile.load_secrets(path)["token"] == "from-stdin"
