"""A team moving a repository from SOPS to sealfile file by file, and back, with the real tools throughout: sops
3.11 under a ``.sops.yaml`` (path_regex rules; key groups with a shamir threshold over age, real gpg and AWS KMS
served by moto; encrypted_regex with mac_only_encrypted, unencrypted_suffix), real git with sealfile's drivers.

Each step is one a team takes: ``import-sops`` beside the SOPS file, ``load_secrets`` reading both kinds in one
repository, ``export-sops`` back over the SOPS file (which ``sops`` then decrypts with each pair of key groups,
``updatekeys`` to a changed rule and ``rotate``s), and merges where one branch converted a file and the other
still changed it with ``sops``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from tests.fakes.aws_kms_proxy import start_moto
from tests.sops.conftest import AgeIdentity, make_identity, tool
from tests.support.gpg import gnupg_home, make_key

__all__ = ["gnupg_home"]  # the fixture, used by name

REGION = "eu-west-1"
FILES = {  # (path, sops's type flag, plaintext)
    "secrets/prod/db.yaml": ("yaml", "db:\n  host: db.internal\n  password: p-1\n  token: t-1\n"
                                     "list:\n  - key: k-1\n    name: n1\n"),
    "secrets/dev/app.json": ("json", '{"api": {"key": "k-2", "url_public": "http://x"}, "n": 5, "ok": true}\n'),
    "secrets/prod.env": ("dotenv", "DB_PASS=p-3\nUSER=u\n"),
}
SEALED = {"secrets/prod/db.yaml": "secrets/prod/db.enc.yaml", "secrets/dev/app.json": "secrets/dev/app.enc.json",
          "secrets/prod.env": "secrets/prod.env.enc"}


@dataclass
class Team:
    repo: Path
    env: dict[str, str]
    age: list[AgeIdentity]
    config: str

    def run(self, *args: str, env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        program = [sys.executable, "-m", "sealfile", *args[1:]] if args[0] == "sealfile" else list(args)
        program[0] = tool("sops") if args[0] == "sops" else program[0]
        done = subprocess.run(program, cwd=self.repo, env={**self.env, **(env or {})}, capture_output=True,
                              text=True, timeout=180)
        assert not check or done.returncode == 0, f"{' '.join(args)}: {done.returncode}: {done.stderr}"
        return done

    def commit(self, message: str) -> None:
        self.run("git", "add", "-A")
        self.run("git", "commit", "-q", "-m", message)

    def sops_data(self, path: str, **env: str) -> object:
        kind = FILES.get(path, ("yaml",))[0]
        done = self.run("sops", "decrypt", "--input-type", kind, "--output-type", "json", path, env=env)
        return json.loads(done.stdout)

    def sealed_data(self, path: str) -> object:
        return json.loads(self.run("sealfile", "decrypt", "--output-type", "json", path).stdout)


@pytest.fixture
def team(gnupg_home: Path, tmp_path: Path) -> Iterator[Team]:
    server, url = start_moto()
    try:
        arn = boto3.client("kms", region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
                           aws_secret_access_key="testing").create_key()["KeyMetadata"]["Arn"]
        fingerprint = make_key(gnupg_home, "Team <team@example.com>")
        age = [make_identity(tmp_path / f"age{n}") for n in range(3)]
        keys = tmp_path / "keys.txt"
        keys.write_text(age[0].key_file.read_text() + age[1].key_file.read_text())
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "SEALFILE_", "SOPS_", "AWS_"))},
               "GNUPGHOME": str(gnupg_home), "SOPS_AGE_KEY_FILE": str(keys), "SEALFILE_AGE_KEY_FILE": str(keys),
               "AWS_ENDPOINT_URL_KMS": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": str(tmp_path / "none"),
               "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"), "HOME": str(tmp_path)}
        (tmp_path / "gitconfig").write_text("[user]\n\tname = T\n\temail = t@example.com\n"
                                            "[init]\n\tdefaultBranch = main\n")
        config = (f"creation_rules:\n  - path_regex: secrets/prod/.*\\.yaml$\n    shamir_threshold: 2\n"
                  f"    encrypted_regex: ^(password|token|key)$\n    mac_only_encrypted: true\n    key_groups:\n"
                  f"      - age: [{age[0].recipient}]\n      - pgp: [{fingerprint}]\n"
                  f"      - kms:\n          - arn: {arn}\n            context: {{team: core}}\n"
                  f"  - path_regex: secrets/dev/.*\\.json$\n    unencrypted_suffix: _public\n"
                  f"    age: {age[0].recipient},{age[1].recipient}\n    kms: {arn}\n"
                  f"  - path_regex: .*\\.env(\\.enc)?$\n    pgp: {fingerprint}\n    age: {age[0].recipient}\n")
        repo = tmp_path / "repo"
        repo.mkdir()
        box = Team(repo, env, age, config)
        box.run("git", "init", "-q")
        (repo / ".sops.yaml").write_text(config)
        for path, (kind, text) in FILES.items():
            (repo / path).parent.mkdir(parents=True, exist_ok=True)
            (repo / path).write_text(text)
            box.run("sops", "encrypt", "--input-type", kind, "--output-type", kind, "-i", path)
        box.run("sealfile", "git", "install")
        box.commit("secrets, as sops wrote them")
        yield box
    finally:
        server.stop()


def test_file_by_file_there_and_back(team: Team) -> None:
    """Imported beside, both read alike; exported back over the SOPS file, sops opens it with any two key groups
    of three, follows ``.sops.yaml`` with ``updatekeys`` and ``rotate``s it; and the result imports again."""
    for path, sealed in SEALED.items():
        kind = FILES[path][0]
        team.run("sealfile", "import-sops", "--input-type", kind, path, "-o", sealed)
        assert team.sealed_data(sealed) == team.sops_data(path), path
    loaded = subprocess.run([sys.executable, "-c", "import json, sys; from sealfile import load_secrets; "
                             "print(json.dumps([load_secrets(p).to_dict() for p in sys.argv[1:]]))",
                             *[p for pair in SEALED.items() for p in pair]], cwd=team.repo, env=team.env,
                            capture_output=True, text=True, timeout=180)
    assert loaded.returncode == 0, loaded.stderr
    values = json.loads(loaded.stdout)
    assert values[0::2] == values[1::2] and values[0]["db"]["password"] == "p-1"
    team.commit("imported beside")
    for path, sealed in SEALED.items():
        before = team.sops_data(path)
        team.run("sealfile", "export-sops", "--output-type", FILES[path][0], sealed, "-o", path)
        assert team.sops_data(path) == before, path
    # the prod file's three key groups, any two: without age, without KMS, without gpg
    prod = "secrets/prod/db.yaml"
    for missing in ({"SOPS_AGE_KEY_FILE": "/nonexistent"}, {"AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:9"},
                    {"GNUPGHOME": str(team.repo / "no-gnupg")}):
        assert team.sops_data(prod, **missing) == team.sealed_data(SEALED[prod]), missing
    (team.repo / ".sops.yaml").write_text(team.config.replace(f"[{team.age[0].recipient}]",
                                                              f"[{team.age[0].recipient}, {team.age[2].recipient}]"))
    for path in SEALED:
        kind = FILES[path][0]
        expected = team.sops_data(path)
        team.run("sops", "updatekeys", "-y", "--input-type", kind, path)
        team.run("sops", "rotate", "-i", "--input-type", kind, "--output-type", kind, path)
        assert team.sops_data(path) == expected == team.sealed_data(path), path
        team.run("sealfile", "import-sops", "--input-type", kind, path, "-o", SEALED[path])
        assert team.sealed_data(SEALED[path]) == expected, path
    third = team.age[2].key_file
    alone = team.sops_data(prod, SOPS_AGE_KEY_FILE=str(third), GNUPGHOME=str(team.repo / "none"))
    assert alone == team.sealed_data(SEALED[prod])
    assert team.age[2].recipient in (team.repo / SEALED[prod]).read_text()


@pytest.mark.parametrize("converted_on", ["theirs", "ours"])
@pytest.mark.parametrize("path", ["secrets/prod/app.enc.yaml", "secrets/dev/c.enc.json", "secrets/prod.env.enc"])
def test_merges_mid_migration(team: Team, path: str, converted_on: str) -> None:
    """A SOPS file under a name the drivers cover: one branch converts it (``import-sops -i``) and sets a value
    with sealfile, the other changes another value with ``sops set``; the merge is sealed and holds both."""
    kind = "dotenv" if path.endswith(".env.enc") else "json" if path.endswith(".json") else "yaml"
    first, second = ("DB_PASS", "TOKEN") if kind == "dotenv" else ("password", "token")
    plain = {"yaml": "db:\n  password: p-1\n  token: t-1\n", "json": '{"db": {"password": "p-1", "token": "t-1"}}\n',
             "dotenv": "DB_PASS=p-1\nTOKEN=t-1\n"}[kind]
    (team.repo / path).write_text(plain)
    types = ("--input-type", kind, "--output-type", kind)
    team.run("sops", "encrypt", *types, "-i", path)
    team.commit("a sops file")
    where = (lambda key: f'["{key}"]') if kind == "dotenv" else (lambda key: f'["db"]["{key}"]')
    dotted = first if kind == "dotenv" else f"db.{first}"

    def convert() -> None:
        team.run("sealfile", "import-sops", "--input-type", kind, "-i", path)
        team.run("sealfile", "set", path, dotted, "from-sealfile")

    def sops_side() -> None:
        team.run("sops", "set", *types, path, where(second), '"from-sops"')

    team.run("git", "checkout", "-q", "-b", "other")
    (convert if converted_on == "theirs" else sops_side)()
    team.commit("other")
    team.run("git", "checkout", "-q", "main")
    (sops_side if converted_on == "theirs" else convert)()
    team.commit("main")
    merged = team.run("git", "merge", "--no-edit", "other", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    data = team.sealed_data(path)
    values = data if kind == "dotenv" else data["db"]  # type: ignore[index]
    assert values == {first: "from-sealfile", second: "from-sops"}, data
    text = (team.repo / path).read_text()
    assert "ENC[gAAAA" in text and "ENC[AES256_GCM" not in text and "from-s" not in text, text
