"""``review`` and ``check`` find a decrypted copy written as a file inside another one (:mod:`sealfile.gitflow.
embedded_texts`): a ConfigMap or Secret ``stringData`` block (what ``kubectl create configmap --from-file`` writes), a
Helm values ``config: |``, a script's or a Dockerfile's here-document; one in base32 (what ``base32``
writes); and a Helm release's values (under ``config``, gzipped and base64'd twice). Each passed both checks
without a word."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.blob_views import views_in_fresh_process
from tests.support.encoded_copies import FILE, SECRET, assert_copies_found, sealed_base, write_files
from tests.support.git import Sandbox


def _indented(copy: bytes, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in copy.decode().splitlines())


def _kubectl_configmap(copy: bytes, tmp: Path) -> bytes:
    """What ``kubectl create configmap app --from-file=prod.yaml --dry-run=client -o yaml`` writes."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    (tmp / "prod.yaml").write_bytes(copy)
    return subprocess.run(["kubectl", "create", "configmap", "app", f"--from-file={tmp / 'prod.yaml'}",
                           "--dry-run=client", "-o", "yaml"], check=True, capture_output=True, timeout=60).stdout


def _coreutils(tool: list[str], copy: bytes) -> bytes:
    if shutil.which(tool[0]) is None:
        pytest.skip(f"{tool[0]} is not installed")
    return subprocess.run(tool, input=copy, check=True, capture_output=True, timeout=60).stdout


def test_a_copy_written_as_a_file_inside_another_is_found_and_never_shown(sandbox: Sandbox, tmp_path: Path) -> None:
    copy = sealed_base(sandbox)
    files = {
        "config/configmap.yaml": _kubectl_configmap(copy, tmp_path),
        "deploy/secret.yaml": ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\nstringData:\n"
                               f"  prod.yaml: |-\n{_indented(copy, 4)}").encode(),
        "charts/app/values.yaml": f"replicaCount: 2\nconfig: |\n{_indented(copy, 2)}image:\n  tag: 1.4.2\n".encode(),
        "scripts/deploy.sh": ("#!/bin/sh\nset -eu\nmkdir -p /etc/app\ncat > /etc/app/prod.yaml <<'EOF'\n"
                              f"{copy.decode()}EOF\nexec app --config /etc/app/prod.yaml\n").encode(),
        "Dockerfile": f"FROM alpine:3.20\nCOPY <<-EOF /etc/app/prod.yaml\n{_indented(copy, 1)}EOF\n".replace(
            "\n ", "\n\t").encode(),
    }
    write_files(sandbox, files)
    assert_copies_found(sandbox, {"config/configmap.yaml": "block prod.yaml on lines 4-7",
                                  "deploy/secret.yaml": "block prod.yaml on lines 8-11",
                                  "charts/app/values.yaml": "block config on lines 3-6",
                                  "scripts/deploy.sh": "here-document EOF on lines 5-8",
                                  "Dockerfile": "here-document EOF on lines 3-6"}, [SECRET])


def _helm_release(values: dict[str, object]) -> str:
    """The ``release`` Helm 3 keeps in a Secret: its JSON (``config``: the values given at install, those ``helm
    secrets`` decrypted among them), gzipped, base64'd by Helm, then base64'd again as a Secret's data."""
    release = {"name": "app", "namespace": "prod", "version": 3,
               "info": {"status": "deployed", "description": "Upgrade complete"},
               "chart": {"metadata": {"name": "app", "version": "1.4.2", "apiVersion": "v2"},
                         "values": {"replicaCount": 1, "db": {"host_unencrypted": "", "user": ""}}},
               "config": {"replicaCount": 2, **values},
               "manifest": "---\n# Source: app/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\n"}
    helm = base64.b64encode(gzip.compress(json.dumps(release).encode())).decode()
    return base64.b64encode(helm.encode()).decode()


def test_a_helm_release_secret_holding_the_decrypted_values_is_found(sandbox: Sandbox) -> None:
    """``kubectl get secret sh.helm.release.v1.app.v3 -o yaml`` kept as a backup: the release's ``config`` holds
    every key path of the sealed file under one key, which no copy check matched."""
    sealed_base(sandbox)
    values = {"db": {"password": SECRET, "user": "app", "host_unencrypted": "db.local"}}
    write_files(sandbox, {"config/release-backup.yaml": (
        "apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\nmetadata:\n  name: sh.helm.release.v1.app.v3\n"
        "  namespace: prod\n  labels:\n    owner: helm\n    status: deployed\n"
        f"data:\n  release: {_helm_release(values)}\n"
    ).encode()})
    assert_copies_found(sandbox, {"config/release-backup.yaml": "gzip of base64 on line 1 in base64 in data.release"},
                        [SECRET])


def test_a_base32_copy_is_found_padded_or_not_upper_or_lower_case(sandbox: Sandbox) -> None:
    copy = sealed_base(sandbox)
    wrapped = _coreutils(["base32"], copy)  # 76 columns, '=' padding
    assert wrapped.count(b"\n") > 1, wrapped
    unpadded = _coreutils(["base32", "-w0"], copy).rstrip(b"=\n").decode()
    files = {
        "config/prod.b32": wrapped,
        "deploy/job.yaml": f"env:\n  - name: CONFIG_B32\n    value: {unpadded.lower()}\n".encode(),
        "scripts/restore.sh": f"echo {unpadded} | base32 -d > prod.yaml\n".encode(),
    }
    write_files(sandbox, files)
    assert_copies_found(sandbox, {"config/prod.b32": "base32 on lines 1-2",
                                  "deploy/job.yaml": "base32 in env.value",
                                  "scripts/restore.sh": "base32 on line 1"},
                        [SECRET, wrapped.decode().splitlines()[0]])


def test_a_base32hex_or_crockford_copy_is_found(sandbox: Sandbox) -> None:
    """``basenc --base32hex`` (padded, wrapped) and Crockford's alphabet (a ULID's: no padding, no I L O U), in
    capitals or not: their digits 0, 1, 8, 9 made them no base32 the reader knew."""
    copy = sealed_base(sandbox)
    wrapped = _coreutils(["basenc", "--base32hex"], copy)
    assert wrapped.count(b"\n") > 1, wrapped
    hexed = _coreutils(["basenc", "--base32hex", "-w0"], copy).rstrip(b"=\n").decode()
    crockford = base64.b32encode(copy).decode().rstrip("=").translate(
        str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ"))
    write_files(sandbox, {
        "config/prod.b32hex": wrapped,
        "scripts/restore.sh": f"echo {hexed.lower()} | basenc -d --base32hex > prod.yaml\n".encode(),
        "deploy/job.yaml": f"env:\n  - name: CONFIG_ID\n    value: {crockford}\n".encode(),
    })
    assert_copies_found(sandbox, {"config/prod.b32hex": "base32 on lines 1-2",
                                  "scripts/restore.sh": "base32 on line 1",
                                  "deploy/job.yaml": "base32 in env.value"},
                        [SECRET, hexed, crockford])


def test_a_copy_in_a_yaml_double_quoted_value_folded_over_lines_is_found(sandbox: Sandbox) -> None:
    """As PyYAML (``kubectl``, Ansible) writes a text of lines ending in a blank: double-quoted, ``\\n`` escapes,
    folded at 80 columns with escaped line breaks; or on one line. No line of the file holds a key path whole."""
    import yaml

    copy = sealed_base(sandbox).decode() + "# end \n"
    folded = yaml.safe_dump({"kind": "ConfigMap", "data": {"prod.yaml": copy}}, width=40)
    assert folded.count("\\\n") >= 2, folded  # folded over lines, its breaks escaped
    write_files(sandbox, {
        "deploy/configmap.yaml": folded.encode(),
        "charts/values.yml": f"config:\n  - {json.dumps(copy)}\n".encode(),
    })
    first = folded.splitlines().index(next(line for line in folded.splitlines() if "prod.yaml" in line)) + 1
    assert_copies_found(sandbox, {"deploy/configmap.yaml": f"double-quoted text on lines {first}-",
                                  "charts/values.yml": "double-quoted text on line 2"}, [SECRET])


def test_a_double_quoted_value_too_long_to_decode_is_named_as_not_decoded(sandbox: Sandbox) -> None:
    """Past 1 MiB a value is not decoded (YAML's reader takes seconds a megabyte): that went unsaid."""
    copy = sealed_base(sandbox).decode().replace("\n", "\\n")  # decoded, it would be named as a copy
    write_files(sandbox, {"deploy/configmap.yaml": f'data:\n  big: "{copy}{"x" * (1 << 20)}"\n'.encode()})
    sandbox.commit("configmap")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    attention = shown.split("NEEDS ATTENTION:")[1]
    said = "deploy/configmap.yaml: double-quoted text on line 2: more than 1 MiB: not decoded"
    assert said in attention, shown
    report = json.loads(sandbox.sealfile("review", "HEAD~1", "HEAD", "--format", "json").stdout)
    assert said in report["plaintext_notes"]


def test_a_block_of_the_files_own_lines_is_judged_for_copies_not_again_for_credentials(sandbox: Sandbox) -> None:
    """A workflow's ``run: |`` with a URL's password is said once, for the file, not again for its block."""
    sealed_base(sandbox)
    password = "Zq8v" + "T1mPx0rLk2"
    write_files(sandbox, {".github/workflows/ci.yml": (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n"
        f"          git clone https://ci:{password}@git.example.com/app.git\n          make test\n").encode()})
    sandbox.commit("workflow")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    said = [line for line in shown.splitlines() if "a password in a URL" in line]
    assert len(said) == 1 and "block run" not in said[0], shown
    assert password not in shown and FILE not in shown


HOSTILE = {  # each shape made a naive reader scan the rest of the file again from every line
    "chart.yaml": "".join(" " * n + "k: |\n\n\n" for n in range(3000)) + "x: 1\n" * 100_000,  # blocks in blocks
    "build.sh": "cat <<EOF\n" * 200_000 + "EOF\n",  # here-documents that all end at the last line
    "run.sh": "cat <<NEVER\n" * 100_000 + "x: |\n" * 100_000,  # openers never closed, one-line blocks
    "wrapped.b32": "7" * 8_000_000 + "\n",  # base32 of no text, as long as a file may be
    "ids.b32hex": "0" * 8_000_000 + "\n",  # base32hex and Crockford's (both decode it), of no text
    "words.txt": "01ARZ3NDEKTSV4RR " * 400_000 + "\n",  # short words of both alphabets, each tried
    "quoted.yaml": 'a: "\\n' + "x \\\n" * 1_000_000,  # a double-quoted value never closed, its lines escaped
    "quotes.yaml": 'a: "\\n' + '\\"' * 3_000_000 + "\n",  # escaped quotes, each counted once
    "many.yaml": 'k: "a\\nb"\n' * 400_000,  # more double-quoted texts than are read
    "hashes.txt": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 " * 120_000 + "\n",  # lower case
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_blocks_here_documents_and_base32_are_read_in_time_linear_in_the_file(name: str, tmp_path: Path) -> None:
    """In a fresh process given a minute, which must use a few seconds of CPU (about 3 for the slowest here; each
    shape took hours when it was read again from every line) and memory a few times the file's (8 MB here: one
    regular expression kept 600 MB for a line of base32, and a review on a busy machine ran out of time)."""
    (tmp_path / name).write_text(HOSTILE[name])
    ran = views_in_fresh_process(tmp_path / name, "len(found.found)")
    assert ran.seconds < 15 and ran.peak_mb < 250, ran


def test_past_the_bound_on_embedded_texts_the_rest_is_named_as_not_read() -> None:
    from sealfile.gitflow.blob_views import views
    from sealfile.gitflow.embedded_texts import MAX_TEXTS

    found = views("values.yaml", ("k: |\n  a: 1\n  b: 2\n" * (MAX_TEXTS + 5)).encode())
    assert f"the file: more than {MAX_TEXTS:,} block scalars or here-documents: the rest not read" in found.not_read


def test_base32_of_a_long_text_is_decoded_whatever_character_its_first_hundred_bytes_cut() -> None:
    """Only the first 100 bytes are decoded before the rest: a character of two bytes cut there is still text."""

    from sealfile.gitflow.blob_views import views

    text = ("x" * 99 + "é\n" + "ünïcode: välue\n" * 20).encode()
    assert text[99:101] == "é".encode()
    encoded = base64.b32encode(text).decode()
    wrapped = "".join(encoded[at:at + 76] + "\n" for at in range(0, len(encoded), 76))
    assert [view.text for view in views("notes.b32", wrapped.encode()).found if view.where] == [text.decode()]
