"""Private keys committed beside sealed files (``sealfile.gitflow.committed_keys``): the identity of a recipient
fails ``review`` and the pre-commit ``check``; any other private key is named for a person to judge; no key's
text is ever shown. Real keys from the real ``age-keygen``, ``ssh-keygen`` and ``openssl``."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import SupportsIndex

import pytest

from sealfile.kms.found_keys import found_keys
from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"


def _ssh_key(directory: Path, name: str, *options: str) -> tuple[str, str]:
    """(private key text, public key line) from the real ssh-keygen."""
    path = directory / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-C", "dev@example.com", "-f", str(path), *options],
                   check=True, capture_output=True)
    return path.read_text(), path.with_suffix(".pub").read_text().strip()


def _secret_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if len(line.strip()) > 12 and "-----" not in line
            and not line.startswith("#")]


def test_each_kind_of_key_is_found_with_the_recipient_it_opens(tmp_path: Path) -> None:
    age_keys = tmp_path / "keys.txt"
    subprocess.run([shutil.which("age-keygen") or "age-keygen", "-o", str(age_keys)], check=True,
                   capture_output=True)
    recipient = next(line.split(": ")[1] for line in age_keys.read_text().splitlines() if "public key" in line)
    plain, plain_public = _ssh_key(tmp_path, "plain", "-N", "")
    locked, locked_public = _ssh_key(tmp_path, "locked", "-N", "a passphrase")
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                    str(tmp_path / "tls.pem")], check=True, capture_output=True)
    placeholder = "AGE-SECRET-KEY-1" + "Q" * 58  # no valid checksum: documentation, not a key
    text = (f"# keys\n{age_keys.read_text()}{plain}\nnote: |\n  {locked.replace(chr(10), chr(10) + '  ')}\n"
            f"{(tmp_path / 'tls.pem').read_text()}{placeholder}\n")
    found = found_keys(text)
    assert [(k.kind, k.opens, k.protected) for k in found] == [
        ("an age identity", recipient, False),
        ("an OpenSSH private key", " ".join(plain_public.split()[:2]), False),
        ("an OpenSSH private key", " ".join(locked_public.split()[:2]), True),
        ("a private key", None, False),
    ]
    lines = text.splitlines()
    assert [k.line for k in found][:2] == [4, 5]
    assert all("AGE-SECRET-KEY-1" in lines[k.line - 1] or "-----BEGIN " in lines[k.line - 1] for k in found)
    described = " ".join(k.describe() for k in found)
    assert "passphrase-protected" in found[2].describe() and "SHA256:" in found[1].describe()
    for line in _secret_lines(text):
        assert line.strip() not in described


def _base(box: Sandbox) -> None:
    (box.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {box.recipient}\n")
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n")
    box.commit("base")



def test_a_recipients_identity_committed_fails_the_review_and_other_keys_are_named(sandbox: Sandbox) -> None:
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt").write_text(own)  # 'git add .' with the key file in the tree
    other = subprocess.run(["age-keygen"], check=True, capture_output=True, text=True).stdout
    (sandbox.repo / "fixtures").mkdir()
    (sandbox.repo / "fixtures" / "test-key.txt").write_text(other)
    deploy, _ = _ssh_key(sandbox.root, "deploy", "-N", "")
    (sandbox.repo / "deploy_key").write_text(deploy)
    sandbox.commit("keys")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    violations, attention = shown.split("NEEDS ATTENTION:")
    assert (f"keys.txt: line 2: an age identity (of {sandbox.recipient}), a recipient of the creation rules of "
            ".sealfile.yaml: whoever reads the repository can open it;") in violations
    assert "fixtures/test-key.txt: line 3: an age identity (of age1" in attention  # age-keygen's 3 lines
    assert "deploy_key: line 1: an OpenSSH private key (of ssh-ed25519 SHA256:" in attention
    for line in _secret_lines(own + other + deploy):
        assert line.strip() not in shown


def test_the_identity_of_a_sealed_files_ssh_recipient_fails_even_passphrase_protected(sandbox: Sandbox) -> None:
    private, public = _ssh_key(sandbox.root, "id_ed25519", "-N", "a passphrase")
    seal_file(sandbox, FILE, "db:\n  password: s3cret-a91\n")
    sandbox.sealfile("recipients", "add", FILE, "--ssh", public)
    sandbox.commit("base")
    (sandbox.repo / "ops").mkdir()
    (sandbox.repo / "ops" / "id_ed25519").write_text(private)
    sandbox.commit("key")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert ("ops/id_ed25519: line 1: an OpenSSH private key (of ssh-ed25519 SHA256:") in shown
    assert f"passphrase-protected), a recipient of {FILE}: whoever reads the repository can open it" in shown
    checked = sandbox.sealfile("check", "ops/id_ed25519", check=False)  # the sealed files git tracks are read
    assert checked.returncode == 3 and f"passphrase-protected), a recipient of {FILE}" in checked.stderr


def test_a_key_pasted_into_a_sealed_files_comment_is_named_never_shown(sandbox: Sandbox) -> None:
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    identity = next(line for line in own.splitlines() if line.startswith("AGE-SECRET-KEY-"))
    sealed = sandbox.repo / FILE
    sealed.write_text(f"# the key, for CI: {identity}\n" + sealed.read_text())
    sandbox.commit("comment")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert f"{FILE}: line 1: an age identity (of {sandbox.recipient}), a recipient of" in shown
    assert "comment added: (not shown: it holds a private key's text)" in shown
    assert identity not in shown


def test_a_key_the_base_already_held_is_not_reported_again(sandbox: Sandbox) -> None:
    other = subprocess.run(["age-keygen"], check=True, capture_output=True, text=True).stdout
    _base(sandbox)
    (sandbox.repo / "fixture.txt").write_text(other)
    sandbox.commit("fixture")
    (sandbox.repo / "fixture.txt").write_text(other + "# used by the tests\n")
    sandbox.commit("comment")
    status, shown = sandbox.review_last()
    assert status == 0 and "fixture.txt" not in shown, shown


def test_the_pre_commit_check_refuses_a_recipients_identity_and_warns_of_other_keys(sandbox: Sandbox) -> None:
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt").write_text(own)
    deploy, _ = _ssh_key(sandbox.root, "deploy", "-N", "")
    (sandbox.repo / "deploy_key").write_text(deploy)
    done = sandbox.sealfile("check", "keys.txt", "deploy_key", FILE, check=False)
    assert done.returncode == 3, done.stderr
    assert (f"sealfile: error: keys.txt: line 2: an age identity (of {sandbox.recipient}), a recipient of {FILE}: "
            "whoever reads the repository can open it") in done.stderr
    alone = sandbox.sealfile("check", "keys.txt", check=False)  # the creation rules, then every sealed file
    assert alone.returncode == 3 and f"(of {sandbox.recipient}), a recipient of the creation rules" in alone.stderr
    assert "sealfile: warning: deploy_key: line 1: an OpenSSH private key (of ssh-ed25519 SHA256:" in done.stderr
    warned = sandbox.sealfile("check", "deploy_key", check=False)
    assert warned.returncode == 0 and "warning: deploy_key" in warned.stderr
    sandbox.git("add", "-A")
    everything = sandbox.sealfile("check", check=False)  # every tracked file: found by git grep
    assert everything.returncode == 3 and "error: keys.txt: line 2: an age identity" in everything.stderr
    for line in _secret_lines(own + deploy):
        assert line.strip() not in done.stderr + everything.stderr


@pytest.mark.parametrize("count", [200])
def test_a_text_of_many_keys_is_bounded_work(count: int) -> None:
    """A hostile change can paste thousands of armors: only the first few are parsed for their recipient."""
    body = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "A" * 70 + "\n-----END OPENSSH PRIVATE KEY-----\n"
    found = found_keys(body * count)
    assert len(found) == count and all(k.opens is None for k in found)  # not parsed: no valid header either


class _CountingText(str):
    """A text that counts the characters searched for an armor's END."""

    searched = 0

    def find(self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None) -> int:
        first, last = int(start or 0), min(len(self), int(end) if end is not None else len(self))
        _CountingText.searched += max(0, last - first)
        return str.find(self, sub, start, end)


def test_a_text_of_armors_without_ends_is_read_once() -> None:
    """Each armor's END was looked for up to 64 KiB on: 8 MB of BEGIN lines took 6 s, and grew with each KiB."""
    text = _CountingText("-----BEGIN RSA PRIVATE KEY-----\n" * 250_000)
    assert found_keys(text) == []
    assert _CountingText.searched <= len(text)


def test_the_armors_name_alone_is_no_key() -> None:
    """Code and documentation name the armor (``if b"-----BEGIN OPENSSH PRIVATE KEY-----" in data``)."""
    assert found_keys('if b"-----BEGIN OPENSSH PRIVATE KEY-----" in data:\n    pass\n') == []
    assert found_keys("key: |\n  -----BEGIN RSA PRIVATE KEY-----\n  -----END RSA PRIVATE KEY-----\n") == []


@pytest.mark.parametrize("hidden", ["a NUL byte", "Latin-1 in a comment", "a binary attribute", "padding"])
def test_a_recipients_identity_is_found_in_a_file_git_calls_binary_or_too_large(sandbox: Sandbox, hidden: str) -> None:
    """Bytes that are no UTF-8 text, an attribute that makes git call the file binary, or a file padded past the
    size sealfile reads: the key in it is still the recipient's, and check and review fail."""
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text().encode()
    data = {"a NUL byte": own + b"\0", "Latin-1 in a comment": "# caf\xe9\n".encode("latin-1") + own,
            "a binary attribute": own, "padding": b"#" * 20000 + b"\n" + own}[hidden]
    if hidden == "a binary attribute":
        (sandbox.repo / ".gitattributes").write_text("keys.txt -diff binary\n")
    (sandbox.repo / "keys.txt").write_bytes(data)
    env = {**sandbox.env, "SEALFILE_MAX_FILE_MB": "0.01"}
    sandbox.git("add", "-A")
    for args in (("check", "keys.txt"), ("check",)):  # as pre-commit names it, and every tracked file
        done = sandbox.sealfile(*args, check=False, env=env)
        assert done.returncode == 3 and "error: keys.txt: " in done.stderr, (args, done.stderr)
    sandbox.git("commit", "-q", "-m", "keys")
    reviewed = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env={**sandbox.keyless_env(),
                                                                              "SEALFILE_MAX_FILE_MB": "0.01"})
    assert reviewed.returncode == 3 and "keys.txt: " in reviewed.stdout.split("NEEDS ATTENTION:")[0], reviewed.stdout
    expected = ("a private key's marker in a file larger than" if hidden == "padding"
                else f"an age identity (of {sandbox.recipient})")
    assert expected in done.stderr and expected in reviewed.stdout
    for line in _secret_lines(own.decode()):
        assert line not in done.stderr + reviewed.stdout


def test_a_recipients_key_pasted_between_armor_lines_the_change_keeps_fails_the_review(sandbox: Sandbox) -> None:
    """A fixture's stand-in key (the armor lines and a dummy body) made real by replacing its body: no line the
    change adds holds a marker, and the key is a recipient's all the same."""
    _base(sandbox)
    key, public = _ssh_key(sandbox.root, "deploy", "-N", "")
    sandbox.sealfile("recipients", "add", FILE, "--ssh", public)
    lines = key.splitlines()
    (sandbox.repo / "deploy [ci] key").write_text("\n".join([lines[0], *["A" * 70] * (len(lines) - 2), lines[-1], ""]))
    sandbox.commit("a stand-in key")
    assert "deploy [ci] key" not in sandbox.review_last()[1].split("NEEDS ATTENTION:")[0]
    (sandbox.repo / "deploy [ci] key").write_text(key)
    sandbox.commit("the real one")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert "deploy [ci] key: line 1: an OpenSSH private key (of ssh-ed25519 SHA256:" in shown
    assert f"a recipient of {FILE}: whoever reads the repository can open it" in shown
    for line in _secret_lines(key):
        assert line not in shown


@pytest.mark.parametrize("then", ["deleted", "emptied"])
def test_the_pre_commit_check_reads_a_key_that_is_staged_but_gone_from_the_working_tree(sandbox: Sandbox,
                                                                                          then: str) -> None:
    """``git add .`` with keys.txt in the tree, then the file removed by hand (not ``git rm``): the commit takes
    the staged key, which a plain hook (no stash of unstaged changes) does not see in the working tree."""
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt").write_text(own)
    sandbox.git("add", "-A")
    if then == "deleted":
        (sandbox.repo / "keys.txt").unlink()
    else:
        (sandbox.repo / "keys.txt").write_text("")
    for args in (("check", "keys.txt"), ("check",)):
        done = sandbox.sealfile(*args, check=False)
        assert done.returncode == 3, (args, done.stderr)
        assert f"error: keys.txt: as staged: line 2: an age identity (of {sandbox.recipient})" in done.stderr
        for line in _secret_lines(own):
            assert line not in done.stderr


def test_a_key_one_commit_adds_and_a_later_one_removes_is_still_named(sandbox: Sandbox) -> None:
    """``git add .`` with the key file, then "remove the key": the change as a whole no longer holds it, but
    whoever fetches the branch has it in the commit that added it."""
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    deploy, _ = _ssh_key(sandbox.root, "deploy", "-N", "")
    (sandbox.repo / "keys.txt").write_text(own)
    (sandbox.repo / "deploy_key").write_text(deploy)
    (sandbox.repo / "notes.txt").write_text("nothing\n")
    sandbox.commit("oops")
    added = sandbox.git("rev-parse", "HEAD").stdout.strip()
    (sandbox.repo / "keys.txt").unlink()
    (sandbox.repo / "deploy_key").unlink()
    sandbox.commit("remove the keys")
    done = sandbox.sealfile("review", "HEAD~2", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    violations, attention = done.stdout.split("NEEDS ATTENTION:")
    assert (f"keys.txt: in commit {added[:12]}, removed since but in the history this change pushes: line 2: an age "
            f"identity (of {sandbox.recipient}), a recipient of the creation rules of .sealfile.yaml") in violations
    assert f"deploy_key: in commit {added[:12]}, removed since" in attention
    assert "an OpenSSH private key (of ssh-ed25519 SHA256:" in attention
    for line in _secret_lines(own + deploy):
        assert line.strip() not in done.stdout
    assert sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env()).returncode == 0


def test_a_key_the_change_keeps_is_named_once(sandbox: Sandbox) -> None:
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    (sandbox.repo / "keys.txt").write_text(own)
    sandbox.commit("oops")
    (sandbox.repo / "keys.txt").write_text("# the identity, for CI\n" + own)
    sandbox.commit("a comment")
    done = sandbox.sealfile("review", "HEAD~2", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3 and done.stdout.count("an age identity") == 1, done.stdout
    assert "removed since" not in done.stdout


def test_the_history_is_read_a_commit_at_a_time_not_a_file_at_a_time(sandbox: Sandbox,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A commit adding a key's marker to many files (a hostile change) costs git processes per commit."""
    from sealfile.gitflow import history_keys
    from sealfile.gitflow.committed_keys import key_findings

    _base(sandbox)
    other = subprocess.run(["age-keygen"], check=True, capture_output=True, text=True).stdout
    for index in range(40):
        (sandbox.repo / f"k{index}.txt").write_text(other)
    sandbox.commit("many")
    for index in range(40):
        (sandbox.repo / f"k{index}.txt").unlink()
    sandbox.commit("none")
    reads: list[int] = []
    for name in ("show_many", "read_at"):  # each one git process
        counted = getattr(history_keys, name)
        monkeypatch.setattr(history_keys, name, lambda rev, paths, root, counted=counted: reads.append(len(paths)) or
                            counted(rev, paths, root))
    past, _ = history_keys.added_then_removed("HEAD~2", "HEAD", sandbox.repo)
    assert [len(paths) for _, _, paths in past] == [40]
    _, attention = history_keys.history_findings(past, "HEAD", lambda text, before: key_findings(text, {}, before),
                                                 "HEAD~2", sandbox.repo, "too large")
    assert len(reads) == 4 and len(attention) == 40  # head and base, then the commit and its parent


@pytest.mark.parametrize("decoys", ["placeholders", "other keys"])
def test_a_recipients_identity_after_many_decoys_fails_check_and_review(sandbox: Sandbox, decoys: str) -> None:
    """Only the first keys of a text are parsed for their recipient (bounded work): sixteen placeholders (no valid
    checksum) or keys of no one's, then the recipient's own identity, passed as "a private key" to look at."""
    _base(sandbox)
    own = Path(sandbox.env["SEALFILE_AGE_KEY_FILE"]).read_text()
    decoy = (["AGE-SECRET-KEY-1" + "Q" * 58 + "\n"] * 16 if decoys == "placeholders" else
             [subprocess.run(["age-keygen"], check=True, capture_output=True, text=True).stdout for _ in range(16)])
    (sandbox.repo / "keys.txt").write_text("".join(decoy) + own)
    sandbox.git("add", "-A")
    done = sandbox.sealfile("check", "keys.txt", check=False)
    assert done.returncode == 3 and "error: keys.txt: " in done.stderr, done.stderr
    sandbox.git("commit", "-q", "-m", "keys")
    status, shown = sandbox.review_last()
    assert status == 3 and "keys.txt: line " in shown.split("NEEDS ATTENTION:")[0], shown
    assert "whose recipient is not worked out" in shown
    for line in _secret_lines(own):
        assert line not in done.stderr + shown


def _tls_key(directory: Path, name: str) -> str:
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                    str(directory / name)], check=True, capture_output=True)
    return (directory / name).read_text()


def test_a_key_of_no_recipient_replacing_another_is_named(sandbox: Sandbox) -> None:
    """A TLS key names no recipient: the fixture's key replaced by the production one was taken for the key the
    file held before (same kind), and the change passed without a word."""
    _base(sandbox)
    fixture, real = _tls_key(sandbox.root, "fixture.pem"), _tls_key(sandbox.root, "real.pem")
    (sandbox.repo / "tls.pem").write_text(fixture)
    sandbox.commit("a test key")
    (sandbox.repo / "tls.pem").write_text(real)
    sandbox.commit("the real one")
    _, shown = sandbox.review_last()
    assert "tls.pem: line 1: a private key: a private key, readable by whoever" in shown, shown
    (sandbox.repo / "tls.pem").write_text("# the same key\n" + real.replace("\n", "\r\n"))
    sandbox.commit("a comment")
    assert "tls.pem" not in sandbox.review_last()[1]  # the key it held, on other lines
    for line in _secret_lines(real):
        assert line not in shown


def test_check_knows_the_recipients_of_every_config_above_a_file_not_only_the_nearest(sandbox: Sandbox) -> None:
    """A key named only by the root's rule, committed below a nested config: an error, as at the root (the nearest
    config alone was read, so it was a warning)."""
    _base(sandbox)
    keys = subprocess.run(["age-keygen"], check=True, capture_output=True, text=True).stdout
    recipient = next(line.split(": ")[1] for line in keys.splitlines() if "public key" in line)
    (sandbox.repo / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: ^ops/\n    age: {recipient}\n"
                                                 f"  - age: {sandbox.recipient}\n")
    (sandbox.repo / "ops").mkdir()
    (sandbox.repo / "ops" / ".sealfile.yaml").write_text(f"creation_rules:\n  - path_regex: ^x$\n"
                                                         f"    age: {sandbox.recipient}\n")
    (sandbox.repo / "ops" / "keys.txt").write_text(keys)
    done = sandbox.sealfile("check", "ops/keys.txt", check=False)
    assert done.returncode == 3, done.stderr
    assert f"(of {recipient}), a recipient of the creation rules of" in done.stderr
    assert all(line.strip() not in done.stderr for line in _secret_lines(keys))
