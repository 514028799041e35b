"""``review`` and ``check`` find a decrypted copy of a sealed file however the commit encodes it
(:mod:`sealfile.gitflow.blob_views`): UTF-16 and UTF-32 text, base64 (a Kubernetes Secret's ``data``, a file
``base64`` wrapped), gzip, zip and tar members, a notebook's output, JSON escapes, percent-encoding. Read as UTF-8
text, each passed both checks without a word."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tarfile
from collections.abc import Callable

from tests.support.archives import zip_bytes
from tests.support.encoded_copies import FILE, SECRET, assert_copies_found, sealed_base, write_files
from tests.support.git import Sandbox


def _tar_gz(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        member = tarfile.TarInfo(name)
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return out.getvalue()


def _secret_from_file(copy: bytes) -> bytes:
    """What ``kubectl create secret generic app --from-file=prod.yaml -o yaml`` writes."""
    encoded = base64.b64encode(copy).decode()
    return f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  prod.yaml: {encoded}\n".encode()


def _notebook(copy: bytes) -> bytes:
    cell = {"cell_type": "code", "source": ["print(open('prod.yaml').read())"], "metadata": {},
            "outputs": [{"output_type": "stream", "name": "stdout", "text": copy.decode().splitlines(True)}]}
    return json.dumps({"cells": [cell], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}, indent=1).encode()


def _wrapped(copy: bytes) -> bytes:
    encoded = base64.b64encode(copy).decode()
    return "".join(encoded[at:at + 76] + "\n" for at in range(0, len(encoded), 76)).encode()


ENCODINGS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "config/prod.reg": (lambda c: c.decode().encode("utf-16"), "UTF-16 text"),
    "config/out-le.txt": (lambda c: c.decode().encode("utf-16-le"), "UTF-16 text"),
    "config/out-be.txt": (lambda c: b"\xfe\xff" + c.decode().encode("utf-16-be"), "UTF-16 text"),
    "config/out32.txt": (lambda c: c.decode().encode("utf-32"), "UTF-32 text"),
    "deploy/secret.yaml": (_secret_from_file, "base64 in data.prod.yaml"),
    "config/prod.b64": (_wrapped, "base64 on lines 1-"),
    "config/prod.b64url": (lambda c: base64.urlsafe_b64encode(c) + b"\n", "base64 on line 1"),
    "config/prod.yaml.gz": (gzip.compress, "gzip of config/prod.yaml.gz"),
    "config/backup.zip": (lambda c: zip_bytes({"readme.txt": b"hello\n", "etc/prod.yaml": c}),
                          "member etc/prod.yaml of config/backup.zip"),
    "config/backup.tar.gz": (lambda c: _tar_gz("prod.yaml", c),
                             "member prod.yaml of gzip of config/backup.tar.gz"),
    "notebooks/explore.ipynb": (_notebook, "output of cell 1 of the notebook"),
    "logs/app.jsonl": (lambda c: json.dumps({"msg": c.decode()}).encode() + b"\n",
                       "JSON string on line 1"),
    "logs/curl.txt": (lambda c: b"curl -d 'config=" + c.replace(b"\n", b"%0A").replace(b":", b"%3A")
                      .replace(b" ", b"%20") + b"'\n", "URL-encoded text on line 1"),
}


def test_a_decrypted_copy_is_found_in_every_encoding_and_never_shown(sandbox: Sandbox) -> None:
    copy = sealed_base(sandbox)
    write_files(sandbox, {path: encode(copy) for path, (encode, _) in ENCODINGS.items()})
    assert_copies_found(sandbox, {path: where for path, (_, where) in ENCODINGS.items()},
                        [SECRET, base64.b64encode(SECRET.encode()).decode()[:8]])


def test_a_kubernetes_secrets_base64_values_are_read_for_credentials(sandbox: Sandbox) -> None:
    sealed_base(sandbox)
    url = base64.b64encode(b"postgres://app:Tr0ub4dor-x9@db:5432/app").decode()
    (sandbox.repo / "deploy").mkdir()
    (sandbox.repo / "deploy" / "db.yaml").write_text(
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  DATABASE_URL: {url}\n")
    sandbox.commit("a secret")
    status, shown = sandbox.review_last()
    assert status == 0, shown  # attention, not a failure (nor a crash)
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "deploy/db.yaml: base64 in data.DATABASE_URL: line 1: a password in a URL, in plaintext" in attention
    assert "Tr0ub4dor" not in shown


def test_an_lfs_pointer_and_a_submodule_are_named_as_not_checked(sandbox: Sandbox) -> None:
    sealed_base(sandbox)
    (sandbox.repo / "backup.sql").write_text("version https://git-lfs.github.com/spec/v1\n"
                                            f"oid sha256:{'a' * 64}\nsize 123456\n")
    sandbox.git("add", "backup.sql")
    sandbox.git("update-index", "--add", "--cacheinfo", f"160000,{'b' * 40},vendor/lib")
    sandbox.git("commit", "-q", "-m", "lfs and a submodule")
    status, shown = sandbox.review_last()
    assert status == 0, shown  # attention, not a failure (nor a crash)
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "backup.sql: a Git LFS pointer: the file's content is not in this repository" in attention
    assert "vendor/lib: a submodule: its files are in another repository, and were not checked" in attention


def test_a_zip_bomb_and_a_deep_nest_are_named_unread_not_expanded(sandbox: Sandbox) -> None:
    sealed_base(sandbox)
    bomb = zip_bytes({"zeros.txt": b"\0" * (20 * 1024 * 1024)})
    nest = b"db:\n  password: x\n"
    for depth in range(6):
        nest = zip_bytes({f"level{depth}.zip" if depth else "prod.yaml": nest})
    (sandbox.repo / "bomb.zip").write_bytes(bomb)
    (sandbox.repo / "nest.zip").write_bytes(nest)
    sandbox.commit("hostile archives")
    status, shown = sandbox.review_last()
    assert status == 0, shown  # attention, not a failure (nor a crash)
    attention = shown.split("NEEDS ATTENTION:")[1]
    assert "bomb.zip: expands past 8 MiB (SEALFILE_MAX_FILE_MB): not opened" in attention, shown
    assert ("nest.zip: member level2.zip of member level3.zip of member level4.zip of member level5.zip of nest.zip: "
            "more than 3 archives or encodings deep: not opened") in attention


def test_a_recipients_private_key_in_base64_fails_the_review(sandbox: Sandbox) -> None:
    """git's search of the change's lines finds a key's armor as written; a Secret's ``data`` holds it in base64."""
    sealed_base(sandbox)
    identity = (sandbox.root / "home" / "keys.txt").read_bytes()
    (sandbox.repo / "deploy").mkdir()
    (sandbox.repo / "deploy" / "sealfile-key.yaml").write_text(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: key\ndata:\n"
        f"  keys.txt: {base64.b64encode(identity).decode()}\n")
    sandbox.commit("the key for the cluster")
    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert any(line.strip().startswith("deploy/sealfile-key.yaml: base64 in data.keys.txt: line ")
               and FILE in line for line in shown.splitlines()), shown
    assert "AGE-SECRET-KEY" not in shown


def test_hostile_lines_end_the_review_in_time_linear_in_them(sandbox: Sandbox) -> None:
    """Lines that made the decoding layer's patterns backtrack (minutes to hours a line): review still ends, and a
    copy on the same commit is still found."""
    import subprocess
    import sys

    copy = sealed_base(sandbox)
    (sandbox.repo / "logs").mkdir()
    (sandbox.repo / "logs" / "app.jsonl").write_text('["' + '\\"' * 300_000 + "\n")
    (sandbox.repo / "logs" / "curl.txt").write_text("x" + "%" * 600_000 + "\n")
    (sandbox.repo / "values.yaml").write_text("a: " + '"' * 60_000 + "x\n")
    # the byte dump, Java escape and JSON-lines readers: one long line each, and many short ones
    (sandbox.repo / "logs" / "dump.txt").write_text("00000000: " + "4141 " * 200_000 + "\n" + "0000 ab\n" * 50_000)
    (sandbox.repo / "logs" / "app.properties").write_text("a=" + "\\u0041" * 200_000 + "\n" + "\\n\\:" * 200_000)
    (sandbox.repo / "logs" / "many.jsonl").write_text("".join(f'{{"a": {{"b{n}": {n}}}}}\n' for n in range(50_000)))
    (sandbox.repo / "config" / "copy.jsonl").write_bytes(json.dumps({"msg": copy.decode()}).encode() + b"\n")
    sandbox.commit("hostile lines")
    done = subprocess.run([sys.executable, "-m", "sealfile", "review", "HEAD~1", "HEAD"], cwd=sandbox.repo,
                          env=sandbox.keyless_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "config/copy.jsonl: JSON string on line 1" in done.stdout
    assert SECRET not in done.stdout


def test_a_notebook_that_does_not_read_is_named_not_a_crash(sandbox: Sandbox) -> None:
    """A notebook nested past Python's stack (``json.loads`` raised RecursionError: review and check ended in an
    internal error), or damaged, keeps its copy's lines in one string each: named as not read, not passed."""
    copy = sealed_base(sandbox)
    text = _notebook(copy).decode()
    (sandbox.repo / "notebooks").mkdir()
    (sandbox.repo / "notebooks" / "deep.ipynb").write_text(text.replace('"metadata": {}', '"metadata": ' + "[" * 5000
                                                                        + "]" * 5000, 1))
    (sandbox.repo / "notebooks" / "damaged.ipynb").write_text(text + "}")
    sandbox.commit("notebooks")
    status, shown = sandbox.review_last()
    assert status == 0, shown  # attention, not a failure (nor a crash)
    attention = shown.split("NEEDS ATTENTION:")[1]
    for name in ("deep", "damaged"):
        assert (f"notebooks/{name}.ipynb: the notebook: does not read as a notebook (damaged, or nested too deep): "
                "its cells were not read") in attention, shown
    checked = sandbox.sealfile("check", "notebooks/deep.ipynb", check=False, env=sandbox.keyless_env())
    assert "internal error" not in checked.stderr, checked.stderr
