"""No leaks: a secret value never appears in an error, ``--debug`` traceback, log, repr or left file.

Canary values (unique per run) go through every command, on success and failure paths, with
and without ``--debug`` (which re-raises, so a traceback is printed: it must not quote a value
either). Some canaries are shaped to trip the parsers: an unquoted ``*canary`` is a YAML alias
and ``!canary`` a tag, so a parser error that quotes its input would print them. Everything the
commands printed (stdout too, except where printing plaintext is the command's job) and every
file left under the test's directories is scanned.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile import load_secrets, redact_logs
from sealfile.envelope.datakey import forget_data_keys
from sealfile.errors import SealfileError
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.kms.base import Recipient
from sealfile.ops.reader import read_document
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.reliability.forkrun import Job, run_jobs
from tests.support.sealing import tamper

TAG = uuid.uuid4().hex[:12]
PLAIN = f"canary-plain-{TAG}"
STAR = f"canarystar{TAG}"  # written unquoted after '*': an alias to YAML
BANG = f"canarybang{TAG}"  # written unquoted after '!': a tag to YAML
BLOCK = f"canary-block-{TAG}"
NEW = f"canary-set-{TAG}"
EDITED = f"canary-edited-{TAG}"
CANARIES = [PLAIN, STAR, BANG, BLOCK, NEW, EDITED]
PLAINTEXT = (f"db:\n  password: {PLAIN}\n  star: '*{STAR}'\n  bang: '!{BANG}'\n"
             f"cert: |\n  -----BEGIN-----\n  {BLOCK}\n  -----END-----\nport: 5432\n")


def leaks(text: str) -> list[str]:
    return [c for c in CANARIES if c in text]


@dataclass
class World:
    root: Path
    repo: Path
    ram: Path
    secrets: Path
    env: dict[str, str]
    key: AgeKey


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    home, repo, tmp = tmp_path / "home", tmp_path / "repo", tmp_path / "tmp"
    for directory in (home, repo, tmp):
        directory.mkdir(exist_ok=True)
    ram = Path(tempfile.mkdtemp(prefix="sealfile-leaks-", dir="/dev/shm"))
    identity, recipient = generate_identity()
    key_file = home / "keys.txt"
    key_file.write_text(identity + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("SEALFILE_AGE_KEY_FILE", str(key_file))
    monkeypatch.delenv("SEALFILE_AGE_KEY", raising=False)
    forget_data_keys()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update({"HOME": str(home), "TMPDIR": str(tmp), "XDG_RUNTIME_DIR": str(ram),
                "SEALFILE_AGE_KEY_FILE": str(key_file), "EDITOR": "true", "VISUAL": "true"})
    secrets = repo / "secrets.enc.yaml"
    yield World(tmp_path, repo, ram, secrets, env, AgeKey(recipient))
    shutil.rmtree(ram, ignore_errors=True)
    forget_data_keys()


def editor(world: World, text: str, name: str) -> str:
    """An EDITOR that appends ``text`` to the file; the script lives outside the scanned dirs."""
    scripts = world.root / "editors"
    scripts.mkdir(exist_ok=True)
    script = scripts / f"{name}.py"
    script.write_text(f"import sys\nopen(sys.argv[1], 'a').write({text!r})\n")
    return f"{sys.executable} {script}"


def test_no_command_prints_or_leaves_a_secret(world: World) -> None:
    repo, secrets = world.repo, world.secrets
    plain = repo / "secrets.enc.yaml"
    plain.write_text(PLAINTEXT)
    bad_plain = repo / "bad.enc.yaml"  # unquoted *alias / !tag: both are parse errors
    bad_plain.write_text(f"a: *{STAR}\n")
    bad_tag = repo / "tag.enc.yaml"
    bad_tag.write_text(f"a: !{BANG} x\n")
    no_key = {**world.env, "SEALFILE_AGE_KEY_FILE": str(world.root / "none.txt")}
    broken_editor = {**world.env, "VISUAL": editor(world, f"\nbroken: *{STAR}\n", "broken")}
    tag_editor = {**world.env, "VISUAL": editor(world, f"\ntagged: !{BANG}\n", "tag")}
    dup_editor = {**world.env, "VISUAL": editor(world, f"\ncert: {EDITED}\n", "dup")}
    good_editor = {**world.env, "VISUAL": editor(world, f"\nedited: {EDITED}\n", "good")}

    # (args, env, stdin, may print plaintext on stdout, must succeed)
    steps: list[tuple[list[str], dict[str, str], str, bool, bool]] = [
        (["encrypt", "--age", world.key.recipient, "-i", str(plain)], world.env, "", False, True),
        (["encrypt", "--age", world.key.recipient, str(bad_plain)], world.env, "", False, False),
        (["encrypt", "--age", world.key.recipient, str(bad_tag)], world.env, "", False, False),
        (["set", str(secrets), "token"], world.env, NEW, False, True),
        (["set", str(secrets), "token"], world.env, NEW, False, True),  # unchanged
        (["set", "--type", "int", str(secrets), "port", PLAIN], world.env, "", False, False),
        (["set", "--type", "yaml", str(secrets), "x", f"*{STAR}"], world.env, "", False, False),
        (["set", "--type", "yaml", str(secrets), "x", f"!{BANG} y"], world.env, "", False, False),
        (["set", "--type", "bool", str(secrets), "x"], world.env, PLAIN, False, False),
        (["edit", str(secrets)], broken_editor, "", False, False),
        (["edit", str(secrets)], tag_editor, "", False, False),
        (["edit", str(secrets)], dup_editor, "", False, False),
        (["edit", str(secrets)], good_editor, "", False, True),
        (["decrypt", str(secrets)], world.env, "", True, True),
        (["decrypt", "--extract", "db.password", str(secrets)], world.env, "", True, True),
        (["decrypt", "--extract", "db.nothing", str(secrets)], world.env, "", False, False),
        (["decrypt", "--output-type", "dotenv", str(secrets)], world.env, "", True, True),
        (["decrypt", "--output-type", "k8s-secret", "--name", "app", str(secrets)], world.env, "", True, True),
        (["decrypt", "-o", str(world.root / "out.yaml"), str(secrets)], world.env, "", False, True),
        (["decrypt", str(secrets)], no_key, "", False, False),
        (["verify", str(secrets)], world.env, "", False, True),
        (["status", str(secrets)], world.env, "", False, True),
        (["rotate", str(secrets)], world.env, "", False, True),
        (["recipients", "list", str(secrets)], world.env, "", False, True),
        (["exec", str(secrets), "--", "sh", "-c", "test -n \"$DB_PASSWORD\""], world.env, "", False, True),
        (["exec", str(secrets), "--", "sh", "-c", "exit 3"], world.env, "", False, False),
    ]
    jobs: list[Job] = []
    for args, env, stdin, _, _ in steps:
        jobs.append(Job(args, env=env, cwd=str(repo), stdin=stdin))
    results = run_jobs(jobs)
    tampered = repo / "tampered.enc.yaml"
    shutil.copy(secrets, tampered)
    tamper(tampered)
    failing_debug = [
        ["decrypt", str(tampered)], ["verify", str(tampered)], ["set", str(tampered), "a", "b"],
        ["decrypt", str(secrets)], ["encrypt", "--age", world.key.recipient, str(bad_plain)],
        ["encrypt", "--age", world.key.recipient, str(bad_tag)],
        ["set", "--type", "yaml", str(secrets), "x", f"*{STAR}"],
    ]
    debug_envs = [world.env, world.env, world.env, no_key, world.env, world.env, world.env]
    results += run_jobs([Job(["--debug", *args], env=env, cwd=str(repo))
                         for args, env in zip(failing_debug, debug_envs, strict=True)])
    steps += [(["--debug", *args], env, "", False, False) for args, env in zip(failing_debug, debug_envs, strict=True)]

    problems = []
    for (args, _, _, prints_plaintext, must_succeed), result in zip(steps, results, strict=True):
        name = " ".join(a for a in args if not a.startswith("/"))[:60]
        if must_succeed != (result.status == 0):
            problems.append(f"{name}: exit {result.status}: {result.stderr[-300:]}")
        if "internal error" in result.stderr:
            problems.append(f"{name}: {result.stderr[-300:]}")
        if "--debug" in args and "Traceback" not in result.stderr:
            problems.append(f"{name}: --debug printed no traceback")
        shown = result.stderr + ("" if prints_plaintext else result.stdout)
        if leaks(shown):
            problems.append(f"{name}: printed {leaks(shown)}: {shown[-400:]}")
    assert problems == [], "\n".join(problems)
    # the decrypt outputs really held the plaintext: the scan above could not pass by accident
    assert PLAIN in results[13].stdout and EDITED in results[13].stdout and NEW in results[13].stdout

    for ours in (world.root / "out.yaml", bad_plain, bad_tag):  # the plaintext we asked for, or wrote
        ours.unlink()
    left = files_with_canaries([world.root, world.ram, Path("/dev/shm")])
    assert left == [], left


def files_with_canaries(roots: list[Path]) -> list[str]:
    hits = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            if "editors" in Path(dirpath).parts:
                continue
            for name in names:
                path = Path(dirpath) / name
                try:
                    data = path.read_text(errors="replace") if path.stat().st_size < 10_000_000 else ""
                except OSError:
                    continue
                hits += [f"{path}: {c}" for c in leaks(data)]
    return hits


def test_library_errors_reprs_and_logs_hold_no_value(world: World) -> None:
    sealed = seal_text(PLAINTEXT, [world.key])
    world.secrets.write_text(sealed)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        secrets = load_secrets(world.secrets)
        plain = load_secrets(world.secrets, redacted=False)
        redact_logs(plain)
        logging.getLogger("app").warning("connecting with %s", plain["db"]["password"])
        logging.getLogger("app").info(f"config: {plain}")
        opened = read_document(sealed, get_store("yaml")).open()
        meta, reuse = opened.metadata, opened.reuse()
        data_key = reuse.data_key
        shown = [repr(secrets), str(secrets), repr(secrets["db"]), repr(meta), repr(reuse), repr(world.key),
                 repr(Recipient(world.key, meta.recipients[0].wrapped)), repr(opened), stream.getvalue()]
        tamper(world.secrets)
        forget_data_keys()
        with pytest.raises(SealfileError) as info:
            load_secrets(world.secrets)
        shown.append(str(info.value))
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    assert PLAIN in str(plain)  # the plain view really holds the values
    assert plain["db"]["password"] == PLAIN
    for text in shown:
        assert leaks(text) == [], text
        assert data_key.hex() not in text and repr(data_key) not in text
    assert "connecting with" in stream.getvalue()


def test_a_value_starting_with_star_or_bang_is_not_echoed_by_any_store(world: World) -> None:
    from sealfile.stores import get_store

    for text in (f"a: *{STAR}\n", f"a: !{BANG} x\n", f"a: !{BANG}\n", f"a:\n  - *{STAR}\n"):
        for load in (get_store("yaml").load_fast, get_store("yaml").load_editable):
            with pytest.raises(SealfileError) as info:
                load(text)
            assert leaks(str(info.value)) == [], str(info.value)



@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from(["*", "!", "&", "!!", "@", "%", "`", "|", ">", "'", '"', "? ", "- "]),
       secret=st.text(alphabet="Ss3cr'\"!*&:{}[]#\\qx ", min_size=6, max_size=16))
def test_no_yaml_error_quotes_an_unquoted_secret(prefix: str, secret: str) -> None:
    """Whatever an unquoted value starting with a YAML indicator parses as, an error never shows it."""
    from sealfile.stores import get_store

    marked = f"Zq{secret}Zq"  # a run of text no fixed message contains
    for load in (get_store("yaml").load_fast, get_store("yaml").load_editable):
        try:
            load(f"a: {prefix}{marked}\nb: 1\n")
        except SealfileError as err:
            assert "Zq" not in str(err), str(err)
