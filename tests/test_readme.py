"""Every shell and Python snippet in README.md is marked, and the ones marked runnable run as written.

A snippet's marker is the HTML comment on the line before its fence (invisible on GitHub):

    <!-- snippet: run -->                  run it; it must succeed
    <!-- snippet: run; expect: TEXT -->    ... and print TEXT (stdout or stderr)
    <!-- snippet: run; from nothing -->    run it in an empty directory (a first step, which names new files)
    <!-- snippet: run; each line -->       a reference list: each command line on its own, each in a fresh copy
                                           of the files (less the file its -o names, unless the line reads it)
    <!-- snippet: skip; REASON -->         not runnable here, and why

Runnable snippets run in a fresh directory holding the files the README's examples name (``WORLD``, sealed for
an age identity in the default key file of a private HOME, and for ``age1...``, the README's placeholder for a
recipient, here a second one) and a ``.sealfile.yaml`` naming both, with ``sealfile`` on PATH: shell with
``bash -e -o pipefail``, Python with this interpreter. A command given no value reads one from stdin; ``EDITOR``
changes nothing; a line whose command runs another program than the world's ``./manage.py`` (``kubectl``) is
left out, and one needing the OS keyring gets the tests' private Secret Service.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey, add_identity, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores import store_for
from tests.support.cli import cli_env
from tests.support.markdown import Fence, fences

README = Path(__file__).resolve().parents[1] / "README.md"
LANGUAGES = {"sh": "shell", "bash": "shell", "shell": "shell", "console": "shell", "python": "python",
             "py": "python", "pycon": "python"}
SECRETS = """\
database:
  host: db.internal
  user: app
  password: s3cret-db-password
  legacy_token: old-token-42
hosts:
  - a.internal
  - b.internal
api_key: key-1234567890
"""
WORLD = {
    "secrets.enc.yaml": SECRETS,
    "secrets/app.enc.yaml": "token: app-token-1\n",
    "secrets/db.enc.yaml": "password: db-password-2\n",
    "values.enc.yaml": "resources:\n  # limits:\n  #   cpu: 1\n",
    ".env.enc": "LOG.LEVEL=info\nAPI_KEY=key-3\n",
}
"""The sealed files the README's examples name, by plaintext; ``secrets.yaml`` and ``edited-elsewhere.yaml``
are plaintexts beside them."""
PLACEHOLDER = "age1..."
PROGRAM_AFTER_DASHES = " -- "


def snippets(text: str) -> list[Fence]:
    """Every shell and Python fence (the languages a reader would paste into a shell or Python)."""
    return [replace(f, language=LANGUAGES[f.language]) for f in fences(text) if f.language in LANGUAGES]


def _name(snippet: Fence) -> str:
    return f"README.md:{snippet.line}"


ALL = snippets(README.read_text(encoding="utf-8"))
RUNNABLE = [s for s in ALL if s.mode == "run"]
FROM_NOTHING, EACH_LINE = "from nothing", "each line"


def test_every_shell_and_python_snippet_is_marked() -> None:
    assert len(ALL) >= 15 and len(RUNNABLE) >= 10
    unmarked = [_name(s) for s in ALL if s.mode is None]
    assert unmarked == [], "mark each snippet <!-- snippet: run --> or <!-- snippet: skip; REASON -->"
    assert [_name(s) for s in ALL if s.mode == "skip" and not s.arg] == [], "a skipped snippet says why"
    assert [_name(s) for s in RUNNABLE if not all(part in (FROM_NOTHING, EACH_LINE) or part.startswith("expect: ")
                                                   for part in _parts(s))] == []
    assert [_name(s) for s in RUNNABLE if EACH_LINE in _parts(s) and s.language != "shell"] == []


def _parts(snippet: Fence) -> list[str]:
    return snippet.arg.split("; ") if snippet.arg else []


def test_the_extractor_sees_indented_fences_and_markers() -> None:
    text = "- item\n\n  <!-- snippet: skip; why -->\n  ```sh\n  echo hi\n  ```\n```yaml\na: 1\n```\n"
    assert snippets(text) == [Fence(4, "shell", "echo hi\n", "skip", "why")]


def _lines(snippet: Fence) -> list[str]:
    """The command lines of a reference list (a line ending in a backslash goes on), comments kept."""
    lines: list[str] = []
    for line in snippet.text.replace("\\\n", " ").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            lines.append(line)
    return lines


def test_each_line_reads_commands_and_continuations() -> None:
    fence = Fence(1, "shell", "a x \\\n  y   # note\n\n# only a comment\nb\n", "run", EACH_LINE)
    assert _lines(fence) == ["a x    y   # note", "b"]


@dataclass(frozen=True)
class Sandbox:
    work: Path
    env: dict[str, str]
    world: Path
    """What ``work`` holds at the start, to copy afresh for each line of a reference list."""


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    home, world, bin_dir = tmp_path / "readme-home", tmp_path / "world", tmp_path / "bin"
    for directory in (home, world, bin_dir):
        directory.mkdir()
    mine = add_identity(home / ".config" / "sealfile" / "age" / "keys.txt")
    other = generate_identity()[1]
    for name, plaintext in WORLD.items():
        (world / name).parent.mkdir(exist_ok=True)
        (world / name).write_text(seal_text(plaintext, [AgeKey(mine), AgeKey(other)] if name == "secrets.enc.yaml"
                                            else [AgeKey(mine)], store=store_for(name)))
    (world / "secrets.yaml").write_text(SECRETS)
    (world / "edited-elsewhere.yaml").write_text(SECRETS.replace("user: app", "user: app2"))
    (world / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: \\.enc\\b\n    age: [{mine}, {other}]\n")
    (world / "manage.py").write_text('#!/bin/sh\n[ -n "$DATABASE_PASSWORD" ]\n')
    (world / "manage.py").chmod(0o755)
    launcher = bin_dir / "sealfile"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    launcher.chmod(0o755)
    env = {k: v for k, v in cli_env().items() if not k.startswith(("SEALFILE_", "XDG_", "MYAPP_"))}
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", EDITOR="true", PLACEHOLDER=other)
    work = tmp_path / "work"
    shutil.copytree(world, work)
    return Sandbox(work, env, world)


def _start(snippet: Fence, text: str, sandbox: Sandbox, cwd: Path) -> subprocess.Popen[str]:
    command = (["bash", "-e", "-o", "pipefail", "-c", text] if snippet.language == "shell"
               else [sys.executable, "-c", text])
    stdin = cwd.with_name(f"{cwd.name}.stdin")
    stdin.write_text("new-value-7\n")
    with stdin.open() as given:
        return subprocess.Popen(command, cwd=cwd, env=sandbox.env, stdin=given, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def _fresh(sandbox: Sandbox, line: str, index: int) -> Path:
    """A copy of the world for one line, less the file it writes with -o, unless it also reads it (--previous)."""
    work = sandbox.work.with_name(f"line-{index}")
    shutil.copytree(sandbox.world, work)
    words = shlex.split(line, comments=True)
    for at, word in enumerate(words[:-1]):
        if word in ("-o", "--output") and words.count(words[at + 1]) == 1:
            (work / words[at + 1]).unlink(missing_ok=True)
    return work


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[_name(s) for s in RUNNABLE])
def test_runnable_snippets_run_as_written(snippet: Fence, sandbox: Sandbox, request: pytest.FixtureRequest) -> None:
    if FROM_NOTHING in _parts(snippet):
        shutil.rmtree(sandbox.work)
        sandbox.work.mkdir()
    if "--keyring" in snippet.text:
        sandbox.env["DBUS_SESSION_BUS_ADDRESS"] = request.getfixturevalue("secret_service")
    if EACH_LINE in _parts(snippet):  # the lines at once, each in its own directory: they share nothing
        lines = [line for line in _lines(snippet) if PROGRAM_AFTER_DASHES not in line or _runs_here(line)]
        runs = [(line, _start(snippet, line.replace(PLACEHOLDER, '"$PLACEHOLDER"'), sandbox, _fresh(sandbox, line, i)))
                for i, line in enumerate(lines)]
    else:
        runs = [("", _start(snippet, snippet.text.replace(PLACEHOLDER, '"$PLACEHOLDER"'), sandbox, sandbox.work))]
    for line, started in runs:
        out, err = started.communicate(timeout=120)
        assert started.returncode == 0, f"{_name(snippet)} {line} failed:\n{out}\n{err}"
        for expected in (part.removeprefix("expect: ") for part in _parts(snippet) if part.startswith("expect: ")):
            assert expected in out + err, f"{_name(snippet)} did not print {expected!r}"


def _runs_here(line: str) -> bool:
    """A command sealfile runs (`exec FILE -- PROGRAM`) is run if it is one of the world's (``./manage.py``):
    another (``kubectl apply``) needs a world of its own."""
    return shlex.split(line.split(PROGRAM_AFTER_DASHES, 1)[1], comments=True)[0].startswith("./")


def _shape(sealed: str) -> list[str]:
    """A sealed YAML text with what differs from one sealing to the next masked: tokens, recipients, the MAC,
    the wrapped key's and the signature's lines, and the metadata's comments (a page's notes)."""
    shown: list[str] = []
    block_at: int | None = None
    data, metadata = sealed.split("\nsealfile:\n", 1)
    for line in [*data.splitlines(), "sealfile:", *(re.sub(r"\s+# .*", "", m) for m in metadata.splitlines())]:
        indent = len(line) - len(line.lstrip())
        if block_at is not None and indent > block_at:
            continue
        block_at = indent if line.lstrip().startswith(("wrapped:", "signature:")) else None
        line = re.sub(r"ENC\[[^]]*\]", "ENC[]", line)
        shown.append(re.sub(r"(recipient|mac): .*", r"\1: ...", line))
    return shown


SEALED_SAMPLES = [(page, fence) for page in (README, README.parent / "docs" / "format.md")
                  for fence in fences(page.read_text(encoding="utf-8"))
                  if fence.language == "yaml" and "\nsealfile:\n  version:" in f"\n{fence.text}"]


@pytest.mark.parametrize("page, example", SEALED_SAMPLES, ids=[f"{p.name}:{f.line}" for p, f in SEALED_SAMPLES])
def test_each_sealed_file_shown_is_what_sealfile_writes(page: Path, example: Fence, tmp_path: Path) -> None:
    """A page's sealed YAML example (the README's first, format.md's), its values set to any plaintext, sealed
    again (signed where it shows a signature): the same lines, the metadata keys in the writer's order."""
    from sealfile.envelope.signing import Signer
    from sealfile.ops.sealing import signing_as
    from tests.support.ssh import generate_key

    assert len(SEALED_SAMPLES) == 2
    plaintext = re.sub(r"ENC\[[^]]*\]", "value", example.text.split("sealfile:\n", 1)[0])
    signer = (Signer.from_private_key_file(generate_key(tmp_path, "ed25519", "alice").path)
              if "\n  signature:" in example.text else None)
    with signing_as(signer):
        sealed = seal_text(plaintext, [AgeKey(generate_identity()[1])])
    assert _shape(example.text) == _shape(sealed)
