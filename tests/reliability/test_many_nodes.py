"""A file of millions of tiny values within the size limit (8 MiB of ``[1,1,1,...]``) is refused by every reader
after work bounded by the node limit (docs/format.md §1.2), and left as it was.

Before the limit, ``status`` of such a sealed YAML file took 28 s and 2.6 GB, ``decrypt`` 40 s and 4.2 GB,
``encrypt`` of its plaintext 70 s and 4.3 GB, ``decrypt`` of a SOPS YAML one 13 s and 1.1 GB; now each refusal
is a fraction of a second of CPU and a few tens of MB, asserted here with a wide margin.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store
from tests.reliability.forkrun import Job, run_jobs
from tests.support.sops_binary import run_sops

MAX_CPU_SECONDS = 3.0
MAX_RSS_KB = 200_000
ITEMS = 3_000_000
"""Values in each hostile file: twelve times the limit, under 8 MiB in every syntax."""
REFUSAL = "more than 250,000 keys and values (lists and mappings counted) to read; not a secrets file? (see " \
          "SEALFILE_MAX_NODES)"


def _ones(separator: str = ",") -> str:
    return separator.join(["1"] * ITEMS)


def _sealed_files(key: AgeKey) -> dict[str, str]:
    """Each syntax's worst case: a small sealed file with the hostile values added (a hand edit: the MAC
    would fail, but only after they were all read)."""
    yaml_sealed = seal_text("secret: x\n", [key])
    json_sealed = seal_text('{"secret": "x"}\n', [key], store=get_store("json"))
    dotenv_sealed = seal_text("SECRET=x\n", [key], store=get_store("dotenv"))
    return {
        "flow.enc.yaml": f"list_unencrypted: [{_ones()}]\n" + yaml_sealed,
        "block.enc.yaml": "list_unencrypted:\n" + "- 1\n" * (ITEMS // 2) + yaml_sealed,
        "mapping.enc.yaml": "map_unencrypted:\n" + "".join(f" {n:x}: 1\n" for n in range(ITEMS // 4)) + yaml_sealed,
        "aliases.enc.yaml": "a_unencrypted: &a 1\nlist_unencrypted: [" + ",".join(["*a"] * (ITEMS // 2)) + "]\n"
                            + yaml_sealed,
        "list.enc.json": json_sealed.replace("{", f'{{"list_unencrypted": [{_ones()}],', 1),
        "stanza.enc.env": dotenv_sealed + f"sealfile_recipient_1=[{_ones()}]\n",
    }


def _sops_files(recipient: str, directory: Path) -> dict[str, str]:
    """SOPS files the real sops wrote, with the hostile values added."""
    small = {"s.yaml": "secret: x\n", "s.json": '{"secret": "x"}\n', "s.env": "SECRET=x\n", "s.ini": "[s]\nk = x\n"}
    made = {}
    for name, text in small.items():
        (directory / name).write_text(text)
        done = run_sops(["encrypt", "--age", recipient, str(directory / name)])
        assert done.returncode == 0, done.stderr
        made[name] = done.stdout
    return {
        "sops.yaml": f"list_unencrypted: [{_ones()}]\n" + made["s.yaml"],
        "sops.json": made["s.json"].replace("{", f'{{"list": [{_ones()}],', 1),
        "sops.env": "A=1\n" * (ITEMS // 2) + made["s.env"],
        "sops.ini": made["s.ini"].replace("[s]\n", "[s]\n" + "".join(f"{n:x}=1\n" for n in range(ITEMS // 4)), 1),
    }


def _commands(name: str) -> list[list[str]]:
    if name.startswith("plain."):
        return [["encrypt", "--age", "{recipient}", name, "-o", name + ".out"]]
    if name.startswith("sops."):
        return [["decrypt", name], ["status", name], ["import-sops", name, "-o", name + ".enc"]]
    return [["status", name], ["recipients", "list", name], ["decrypt", name], ["set", name, "secret", "y"],
            ["git", "textconv", name]]


def test_every_reader_refuses_millions_of_values_quickly(tmp_path: Path) -> None:
    secret, recipient = generate_identity()
    key_file = tmp_path / "keys.txt"
    key_file.write_text(secret + "\n")
    key_file.chmod(0o600)
    files = {**_sealed_files(AgeKey(recipient)), **_sops_files(recipient, tmp_path),
             "plain.yaml": f"secret: x\nlist: [{_ones()}]\n", "plain.json": f'{{"secret": "x", "l": [{_ones()}]}}'}
    for name, text in files.items():
        assert len(text.encode()) < 8 * 1024 * 1024, name
        (tmp_path / name).write_text(text)
    before = sorted(tmp_path.iterdir())
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update(SEALFILE_AGE_KEY_FILE=str(key_file), SOPS_AGE_KEY_FILE=str(key_file), HOME=str(tmp_path))
    jobs = [Job([arg.format(recipient=recipient) for arg in argv], env=env, cwd=str(tmp_path), timeout=60,
                memory_limit=3 * 1024**3) for name in files for argv in _commands(name)]
    problems = []
    for job, result in zip(jobs, run_jobs(jobs), strict=True):
        name = next(arg for arg in job.args if arg in files)
        if job.args[:2] == ["git", "textconv"]:  # git shows a file it cannot read as it is
            ok = result.status == 0 and len(result.stdout) == len(files[name])
        else:
            ok = (result.status == 1 and result.stderr.count("\n") == 1 and name in result.stderr
                  and REFUSAL in result.stderr)
        if not ok or result.cpu_seconds > MAX_CPU_SECONDS or result.maxrss_kb > MAX_RSS_KB:
            problems.append(f"{' '.join(job.args[:2])} {name}: exit {result.status}, {result.cpu_seconds:.1f} s CPU, "
                            f"{result.maxrss_kb // 1024} MB: {result.stderr[-300:]}")
    assert problems == [], "\n".join(problems)
    for name, text in files.items():  # every refusal left the file as it was, and wrote nothing beside it
        assert (tmp_path / name).read_text() == text, name
    assert sorted(tmp_path.iterdir()) == before
    shutil.rmtree(tmp_path, ignore_errors=True)
