"""Every command that writes a file either succeeds or leaves every file as it was, and says why in
one line naming the file, with no traceback and no secret value.

The failures are real: a file with a second hard link, and a write the kernel refuses half-way
(``RLIMIT_FSIZE`` makes every write past a few bytes fail with EFBIG, as a full disk fails with ENOSPC).
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from sealfile.kms.age import generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores import store_for
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity
from tests.support.ssh import generate_key

SECRET = "planted-secret-4f1c"
PLAINTEXT = f"db:\n  password: {SECRET}\n  user: admin\n"
_, OTHER = generate_identity()

# Each command that writes, and which file it writes: S (sealed), P (plaintext) or O (a new output).
WRITERS = [
    (["set", "{S}", "db.password", "new-value"], "S"),
    (["set", "{S}", "db.port", "5432", "--type", "int"], "S"),
    (["unset", "{S}", "db.user"], "S"),
    (["rotate", "{S}"], "S"),
    (["edit", "{S}"], "S"),
    (["recipients", "add", "--age", OTHER, "{S}"], "S"),
    (["updatekeys", "-y", "{S}"], "S"),
    (["encrypt", "-i", "{P}"], "P"),
    (["encrypt", "-o", "{O}", "{P}"], "O"),
    (["decrypt", "-o", "{O}", "{S}"], "O"),
    (["export-sops", "-o", "{O}", "{S}"], "O"),
]
# OTHER is new each run: the ids name it, so that every run (and every xdist worker) collects the same tests
IDS = [" ".join(arg if arg != OTHER else "{OTHER}" for arg in args) for args, _ in WRITERS]


@pytest.fixture
def files(age_identity: AgeIdentity, tmp_path: Path) -> dict[str, Path]:
    work = tmp_path / "work"
    work.mkdir()
    sealed, plain = work / "s.yaml", work / "p.yaml"
    sealed.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    plain.write_text(PLAINTEXT)
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}, {OTHER}\n")
    return {"S": sealed, "P": plain, "O": work / "o.yaml"}


def snapshot(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    return {path.name: (path.read_bytes(), stat.S_IMODE(path.stat().st_mode), path.stat().st_ino)
            for path in sorted(directory.iterdir())}


def run(args: list[str], files: dict[str, Path], *, file_size_limit: int | None = None,
        editor: str = "sh -c 'echo added: 1 >> \"$0\"'", env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_size_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    line = [arg.format(**{name: str(path) for name, path in files.items()}) for arg in args]
    environment = cli_env({"EDITOR": editor, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})})
    environment.pop("VISUAL", None)
    return subprocess.run([sys.executable, "-m", "sealfile", *line], capture_output=True, text=True, env=environment,
                          cwd=files["S"].parent, timeout=60, preexec_fn=limit, input=stdin)


def the_one_line(result: subprocess.CompletedProcess[str], target: Path) -> str:
    assert result.returncode == 1, (result.stdout, result.stderr)
    # before it, only what the command says it is about to do (updatekeys' plan)
    errors = [line for line in result.stderr.splitlines() if line.startswith("sealfile: error:")]
    assert errors == result.stderr.splitlines()[-1:], result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stdout + result.stderr
    assert errors[0].startswith(f"sealfile: error: {target}: ")
    return errors[0]


@pytest.mark.parametrize(("args", "target"), WRITERS, ids=IDS)
def test_a_file_with_another_hard_link_is_left_as_it_was(args: list[str], target: str,
                                                         files: dict[str, Path]) -> None:
    """Replacing it would leave its other name with the old content (the old key, a removed recipient)."""
    written = files[target]
    if not written.exists():
        written.write_text("old: output\n")
    os.link(written, written.parent / "other-name.yaml")
    before = snapshot(written.parent)
    line = the_one_line(run(args, files), written)
    assert "2 hard links" in line
    assert snapshot(written.parent) == before


@pytest.mark.parametrize(("args", "target"), WRITERS, ids=IDS)
def test_a_write_the_system_refuses_leaves_every_file_as_it_was(args: list[str], target: str,
                                                                files: dict[str, Path]) -> None:
    before = snapshot(files["S"].parent)
    line = the_one_line(run(args, files, file_size_limit=16), files[target])
    assert ": cannot write " in line and "(File too large)" in line  # edit: its workspace is written first
    assert snapshot(files["S"].parent) == before


@pytest.mark.parametrize(("meanwhile", "name"), [('echo "# a comment" >> s.yaml', "s.yaml"), ("rm s.yaml", "s.yaml"),
                                                 ('echo "b: 2" > new.yaml', "new.yaml")])
def test_edit_never_saves_over_a_change_made_while_the_editor_was_open(files: dict[str, Path], meanwhile: str,
                                                                       name: str) -> None:
    """The lock keeps sealfile out, not git or another editor: their change is not lost without a word, nor is
    the edit, which is kept aside sealed under a name of the same syntax."""
    work = files["S"].parent
    twin = work.parent / "twin"  # the same files, changed by the other program alone
    shutil.copytree(work, twin)
    subprocess.run(["sh", "-c", meanwhile], cwd=twin, check=True)
    editor = f"sh -c 'echo added: 1 >> \"$0\"; cd {work} && {meanwhile}'"
    recipients = ["--age", OTHER] if name == "new.yaml" else []  # an existing file keeps its own
    result = run(["edit", *recipients, str(work / name)], files, editor=editor)
    line = the_one_line(result, work / name)
    aside = work / name.replace(".yaml", ".edited.yaml")
    assert "changed by another program while you edited it" in line and f"sealed in {aside}" in line
    assert {path.name: path.read_bytes() for path in work.iterdir() if path != aside} == \
        {path.name: path.read_bytes() for path in twin.iterdir()}
    assert b"added: 1" not in aside.read_bytes() and b"sealfile:" in aside.read_bytes()
    if name == "s.yaml":  # sealed for this test's key (the new file is for OTHER)
        opened = run(["decrypt", str(aside)], files)
        assert opened.returncode == 0 and "added: 1" in opened.stdout, opened.stderr


def test_keygen_never_leaves_half_an_identity_in_a_key_file(age_identity: AgeIdentity,
                                                             files: dict[str, Path]) -> None:
    """A key file cut in the middle of a line would make every later command fail to read it."""
    before = age_identity.path.read_bytes()
    result = run(["keygen", "-o", str(age_identity.path)], files, file_size_limit=len(before) + 20)
    assert result.returncode == 1, result.stderr
    assert result.stderr == f"sealfile: error: {age_identity.path}: cannot write (File too large)\n"
    assert age_identity.path.read_bytes() == before
    assert stat.S_IMODE(age_identity.path.stat().st_mode) == 0o600
    assert run(["keygen", "-o", str(age_identity.path)], files).returncode == 0
    assert age_identity.path.read_bytes().startswith(before) and age_identity.path.read_text().count("AGE-SECRET") == 2


@pytest.mark.parametrize("named_by", ["-o", "SEALFILE_AGE_KEY_FILE"])
def test_keygen_names_the_identity_file_whose_directory_cannot_be_made(named_by: str, files: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    """A key file's directory that cannot be made (HOME unwritable or gone, a file in the way) gave only
    the OS error about that directory, ``/nonexistent: Permission denied``, not the identity file keygen meant."""
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "not-a-directory").write_text("")
    key_file = tmp_path / "keys" / "not-a-directory" / "age" / "keys.txt"
    before = snapshot(tmp_path / "keys")
    if named_by == "-o":
        result = run(["keygen", "-o", str(key_file)], files)
    else:
        result = run(["keygen"], files, env={"SEALFILE_AGE_KEY_FILE": str(key_file)})
    line = the_one_line(result, key_file)
    assert line.endswith(f"cannot create its directory ({key_file.parent}: Not a directory); nothing was written")
    assert snapshot(tmp_path / "keys") == before


@pytest.mark.parametrize("args", [["set", "{S}", "db.password", "new-value"], ["unset", "{S}", "db.user"],
                                  ["rotate", "{S}"], ["edit", "{S}"]], ids=" ".join)
def test_a_lock_that_cannot_be_taken_names_the_file(args: list[str], files: dict[str, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The locks live in the user's cache directory (else a private one in the temporary directory); where
    neither can be made, the line names FILE and the first."""
    (tmp_path / "not-a-directory").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-directory"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (tmp_path / f"sealfile-{os.geteuid()}").write_text("")  # in the way of the second place
    before = snapshot(files["S"].parent)
    line = the_one_line(run(args, files), files["S"])
    assert line.endswith(f"cannot take its lock ({tmp_path / 'not-a-directory'}/sealfile: Not a directory); "
                         "nothing was changed")
    assert snapshot(files["S"].parent) == before


def test_without_a_usable_home_writes_still_take_one_lock(files: dict[str, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A container run as a user with no home (HOME unset or /nonexistent, a read-only one) refused every
    write, for want of a lock directory: the locks go to a private directory in the temporary one instead,
    where a second writer still waits for the first."""
    from sealfile.files.locking import locked

    monkeypatch.setenv("XDG_CACHE_HOME", str(files["S"]))  # a file: no directory can be made under it
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run(["set", "{S}", "db.password", "first"], files).returncode == 0
    assert (tmp_path / f"sealfile-{os.geteuid()}" / "locks").is_dir()
    before = snapshot(files["S"].parent)
    with locked(files["S"], wait=0):
        line = the_one_line(run(["set", "{S}", "db.password", "second"], files, env={"SEALFILE_LOCK_WAIT": "0"}),
                            files["S"])
    assert "another sealfile process is changing this file" in line
    assert snapshot(files["S"].parent) == before


@pytest.mark.parametrize("command", ["verify", "status", "recipients list"])
def test_a_reader_gone_from_a_pipe_is_no_files_failure(files: dict[str, Path], command: str) -> None:
    """``sealfile verify *.yaml | head -1``: the broken pipe ends the command quietly (141, as the
    boundary answers it), instead of each later file being reported as failing with 'Broken pipe'."""
    line = [sys.executable, "-m", "sealfile", *command.split(), *[str(files["S"])] * 4]
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first line written fails with EPIPE
    try:
        done = subprocess.run(line, stdout=writer, stderr=subprocess.PIPE, text=True, env=cli_env(), timeout=60)
    finally:
        os.close(writer)
    assert "Broken pipe" not in done.stderr and "failed" not in done.stderr, done.stderr
    assert done.returncode == 141


CHANGED_MEANWHILE = ["set {S} db.password new-value", "unset {S} db.user", "rotate {S}", "edit {S}",
                     "recipients add --age {OTHER} {S}", "export-sops -i {S}"]


@pytest.mark.parametrize("args", CHANGED_MEANWHILE)
def test_a_change_another_program_makes_while_a_key_is_asked_for_is_not_lost(args: str, tmp_path: Path) -> None:
    """Between reading a file and writing it a command waits for a passphrase (or a key service), a
    while in which git or an editor may change the file: the lock keeps only sealfile out. The SSH
    passphrase prompt here changes the file as it answers, and the write must not replace that change."""
    work = tmp_path / "meanwhile"
    key = generate_key(tmp_path, "ed25519", "protected", passphrase="pass phrase")
    sealed, plain = work / "s.yaml", work / "p.yaml"
    work.mkdir()
    plain.write_text(PLAINTEXT)
    assert run(["encrypt", "--ssh", str(key.pub_path), str(plain), "-o", str(sealed)], {"S": sealed}).returncode == 0
    askpass = tmp_path / "askpass"
    change = f"printf '# changed meanwhile\\n' >> {shlex.quote(str(sealed))}"
    askpass.write_text(f"#!/bin/sh\n{change}\necho 'pass phrase'\n")
    askpass.chmod(0o700)
    expected = sealed.read_bytes() + b"# changed meanwhile\n"
    env = {"SEALFILE_SSH_KEY_FILE": str(key.path), "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
    line = args.format(S=sealed, OTHER=OTHER).split()
    result = run(line, {"S": sealed}, env=env)
    edited = line[0] == "edit"  # the user's edit is kept aside, sealed, not lost
    said = "while you edited it" if edited else "changed by another program while sealfile was working on it"
    assert said in the_one_line(result, sealed)
    assert sealed.read_bytes() == expected
    assert sorted(path.name for path in work.iterdir()) == ["p.yaml", *(["s.edited.yaml"] if edited else []),
                                                            "s.yaml"]


def _document(values: dict[str, str], syntax: str) -> str:
    if syntax == "json":
        return json.dumps(values)
    return "".join(f"{key}{'=' if syntax == 'env' else ': '}{value}\n" for key, value in values.items())


@pytest.mark.parametrize("syntax", ["yaml", "json", "env"])
@pytest.mark.parametrize("command", ["encrypt -o {O} {P}", "encrypt {P}", "set {S} big"])
def test_a_result_too_large_for_any_reader_is_not_written(command: str, syntax: str, age_identity: AgeIdentity,
                                                           tmp_path: Path) -> None:
    """Sealing makes a file about twice as large as its plaintext: a result past the size every reader
    accepts (SEALFILE_MAX_FILE_MB) would be a file no command opens again."""
    work = tmp_path / "big"
    work.mkdir()
    plain, sealed, output = work / f"p.{syntax}", work / f"s.{syntax}", work / f"o.{syntax}"
    values = {f"k{index}": f"value number {index}" for index in range(300)}
    plain.write_text(_document(values, syntax))
    sealed.write_text(seal_text(_document({"small": "x"}, syntax), [age_identity.key], store=store_for(sealed)))
    # the plaintext fits, and so does set's value (1.4 times as large): not what they seal to
    limit = {"SEALFILE_MAX_FILE_MB": str(1.5 * plain.stat().st_size / (1024 * 1024))}
    before = snapshot(work)
    name, *rest = command.format(O=output, P=plain, S=sealed).split()
    recipient = ["--age", age_identity.recipient] if name == "encrypt" else []
    result = run([name, *recipient, *rest], {"S": sealed}, env=limit,
                 stdin=(" ".join(values.values()) * 3)[:int(1.4 * plain.stat().st_size)] if name == "set" else None)
    target = output if "-o" in rest else sealed if name == "set" else Path("-")
    assert "any sealfile command reads; nothing was written" in the_one_line(result, target)
    assert result.stdout == ""
    assert snapshot(work) == before


OUTPUTS = [["decrypt", "-o", "{T}", "{S}"], ["encrypt", "--age", "{R}", "-o", "{T}", "{P}"],
           ["export-sops", "-o", "{T}", "{S}"]]


def _not_a_file(kind: str, where: Path) -> Path:
    """A socket (anyone may make one) or a character device like /dev/null (root may make one here)."""
    if kind == "socket":
        import socket

        server = socket.socket(socket.AF_UNIX)
        server.bind(str(where))
        server.close()  # the name stays, a socket
    else:
        try:
            os.mknod(where, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # the null device's numbers
        except PermissionError:
            pytest.skip("making a device node needs root")
    return where


@pytest.mark.parametrize("kind", ["socket", "device"])
@pytest.mark.parametrize("args", OUTPUTS, ids=lambda args: args[0])
def test_a_device_or_socket_is_never_replaced_by_a_file(args: list[str], kind: str, files: dict[str, Path],
                                                        age_identity: AgeIdentity) -> None:
    """``-o /dev/null`` replaced /dev/null with a regular file holding the plaintext."""
    target = _not_a_file(kind, files["S"].parent.parent / "target")  # beside the snapshotted directory
    before = snapshot(files["S"].parent)
    line = [arg.format(T=target, S=files["S"], P=files["P"], R=age_identity.recipient) for arg in args]
    result = run(line, files)
    assert the_one_line(result, target).endswith(f"is a {kind}, not a file; nothing was written (- writes to "
                                                 "standard output)")
    assert snapshot(files["S"].parent) == before
    assert (stat.S_ISSOCK if kind == "socket" else stat.S_ISCHR)(target.lstat().st_mode)


def test_a_named_pipe_is_written_into_not_replaced(files: dict[str, Path]) -> None:
    """``-o /dev/stdout`` into a pipe, or a named pipe: the output streams into it, as into stdout."""
    fifo = files["S"].parent / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    result = run(["decrypt", "-o", str(fifo), str(files["S"])], files)
    assert (result.returncode, result.stderr) == (0, "")
    assert reader.communicate(timeout=60)[0] == PLAINTEXT
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


@pytest.mark.parametrize("existing", [True, False])
@pytest.mark.parametrize(("output_type", "name"), [("dotenv", ".env"), ("yaml", "plain.yaml")])
def test_plaintext_is_never_written_through_a_link_a_clone_holds(existing: bool, output_type: str, name: str,
                                                                files: dict[str, Path]) -> None:
    """A repository can hold '.env' as a symbolic link to anywhere (a directory a CI job publishes, the
    user's ~/.bashrc): 'decrypt --output-type dotenv -o .env', as the README shows, put the plaintext there."""
    published = files["S"].parent.parent / "public"
    published.mkdir()
    if existing:
        (published / "robots.txt").write_text("User-agent: *\n")
    link = files["S"].parent / name
    link.symlink_to("../public/robots.txt")
    before = snapshot(published) if existing else {}
    result = run(["decrypt", "--output-type", output_type, "-o", name, str(files["S"])], files)
    assert result.returncode == 1 and result.stderr == (
        f"sealfile: error: {name}: is a symbolic link (to ../public/robots.txt); nothing was written through it, as a "
        "link a repository holds could point anywhere (name the file it points to, if that is what you mean)\n")
    assert snapshot(published) == before and link.is_symlink()
    shown = run(["decrypt", "--output-type", output_type, "-o", "/dev/stdout", str(files["S"])], files)
    assert shown.returncode == 0 and SECRET in shown.stdout  # /dev/stdout is a link too, and still works


def test_plaintext_is_never_written_through_a_directory_link_a_clone_holds(files: dict[str, Path]) -> None:
    """'-o config/.env' with 'config' a committed link to a published directory: the same as a link '.env'."""
    published = files["S"].parent.parent / "public"
    published.mkdir()
    (files["S"].parent / "config").symlink_to("../public")
    result = run(["decrypt", "--output-type", "dotenv", "-o", "config/.env", str(files["S"])], files)
    assert result.returncode == 1 and result.stderr == (
        "sealfile: error: config/.env: is reached through config, a symbolic link (to ../public); nothing was "
        "written through it, as a link a repository holds could point anywhere (name the file it points to, if that "
        "is what you mean)\n")
    assert list(published.iterdir()) == []
    real = run(["decrypt", "--output-type", "dotenv", "-o", str(published / ".env"), str(files["S"])], files)
    assert real.returncode == 0 and SECRET in (published / ".env").read_text()  # named as it is: written


def test_export_sops_that_cannot_write_says_only_that(files: dict[str, Path]) -> None:
    """Its notes (set-at times not kept, comments encrypted) describe a SOPS file: printed before the write,
    they came with the error although no file was written, three lines for one failure."""
    files["S"].write_text(files["S"].read_text().replace("  user:", "  # a comment\n  user:"))  # a note to print
    before = snapshot(files["S"].parent)
    result = run(["export-sops", "-o", "missing/out.yaml", "{S}"], files)
    assert (result.returncode, result.stderr) == (
        1, "sealfile: error: missing/out.yaml: cannot write (No such file or directory)\n")
    assert snapshot(files["S"].parent) == before
    done = run(["export-sops", "-o", "out.yaml", "{S}"], files)
    assert done.returncode == 0 and "sealfile: note: " in done.stderr  # the notes are for a file written


@pytest.mark.parametrize("env", [{}, {"SEALFILE_SET_TYPE": "str"}], ids=["fast", "click"])
def test_a_value_on_stdin_is_read_within_the_size_limit(files: dict[str, Path], env: dict[str, str]) -> None:
    """'yes | sealfile set' read without end: a 200 MB value took 4 GB and minutes before its result was
    refused. Standard input is read as every input is, up to SEALFILE_MAX_FILE_MB."""
    before = snapshot(files["S"].parent)
    result = run(["set", "{S}", "db.password"], files, env={"SEALFILE_MAX_FILE_MB": "0.015625", **env},
                 stdin="x" * 20_000)
    assert (result.returncode, result.stderr) == (1, "sealfile: error: -: input is larger than 0.015625 MiB (see "
                                                     "SEALFILE_MAX_FILE_MB)\n")
    assert snapshot(files["S"].parent) == before


@pytest.mark.parametrize("args", [["decrypt", "{S}", "-o", "{S}"], ["decrypt", "{S}", "-o", "./s.yaml"],
                                  ["decrypt", "{S}", "{S2}", "-o", "{S2}"], ["decrypt", "{S}", "-o", "{L}"]])
def test_decrypt_does_not_write_the_plaintext_over_the_sealed_file(args: list[str], files: dict[str, Path]) -> None:
    """'decrypt s.yaml -o s.yaml' replaced the sealed file with its plaintext under its sealed name: one slip and
    the file is gone from every recipient (and the plaintext is where the sealed file is committed)."""
    second = files["S"].parent / "s2.yaml"
    shutil.copy(files["S"], second)
    link = files["S"].parent / "l.yaml"
    link.symlink_to(files["S"].name)
    before = snapshot(files["S"].parent)
    done = run(args, {**files, "S2": second, "L": link})
    target = Path(args[-1].format(S=files["S"], S2=second, L=link))
    assert "-o names the file the plaintext comes from" in the_one_line(done, target)
    assert snapshot(files["S"].parent) == before


def another_sealed_file(output: str, files: dict[str, Path], tmp_path: Path) -> Path:
    """A second sealed file beside FILE: a copy of it, or (``*.sops.yaml``) one the real sops sealed."""
    other = files["S"].parent / output
    if output.endswith(".sops.yaml"):
        from tests.sops.conftest import make_identity, sops_encrypt

        (tmp_path / "plain.yaml").write_text("token: t0ken\n")
        sops_encrypt(tmp_path / "plain.yaml", other, "--age", make_identity(tmp_path).recipient)
    else:
        shutil.copy(files["S"], other)
    return other


@pytest.mark.parametrize("output", ["other.enc.yaml", "other.sops.yaml"])
def test_decrypt_does_not_write_the_plaintext_over_another_sealed_file(output: str, files: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    """'decrypt a.enc.yaml -o b.enc.yaml' (a slip of the name, a shell's completion) replaced another sealed
    file with this one's plaintext: b's values gone for every recipient, plaintext under a sealed name."""
    other = another_sealed_file(output, files, tmp_path)
    before = snapshot(files["S"].parent)
    done = run(["decrypt", "{S}", "-o", str(other)], files)
    assert "-o names a sealed file: written there, the plaintext would replace its sealed values" in \
        the_one_line(done, other)
    assert snapshot(files["S"].parent) == before
    other.write_text("plain: 1\n")  # a file that is not sealed is an output like any other
    assert run(["decrypt", "{S}", "-o", str(other)], files).returncode == 0


@pytest.mark.parametrize("output", ["other.enc.yaml", "other.sops.yaml"])
def test_encrypt_does_not_seal_over_another_sealed_file(output: str, files: dict[str, Path], tmp_path: Path) -> None:
    """'encrypt new.yaml -o secrets.enc.yaml' replaced an existing sealed file like cp: its values and
    recipients gone, though only a reseal of that file (--previous) or a new name was meant."""
    other = another_sealed_file(output, files, tmp_path)
    before = snapshot(files["S"].parent)
    for flags in ([], ["--previous", "{S}"]):  # --previous names another file: still not this one
        done = run(["encrypt", "{P}", *flags, "-o", str(other)], files)
        assert "-o names a sealed file: sealing over it would replace its values and recipients" in \
            the_one_line(done, other)
        assert snapshot(files["S"].parent) == before
    if output.endswith(".enc.yaml"):  # the file itself as --previous: a reseal, meant
        assert run(["encrypt", "{P}", "--previous", str(other), "-o", str(other)], files).returncode == 0
    other.write_text("plain: 1\n")  # a file that is not sealed is an output like any other
    assert run(["encrypt", "{P}", "-o", str(other)], files).returncode == 0


@pytest.mark.parametrize("env", [{}, {"SEALFILE_SET_TYPE": "str"}], ids=["fast", "click"])
def test_set_refuses_an_empty_standard_input(env: dict[str, str], files: dict[str, Path]) -> None:
    """'vault read ... | sealfile set FILE KEY' whose producer failed set the secret to "": blanked, unsaid."""
    before = snapshot(files["S"].parent)
    done = run(["set", "{S}", "db.password"], files, env=env, stdin="")
    assert "db.password: standard input is empty" in the_one_line(done, files["S"])
    assert snapshot(files["S"].parent) == before
    assert run(["set", "{S}", "db.password"], files, env=env, stdin="\n").returncode == 0  # a line: an empty value
