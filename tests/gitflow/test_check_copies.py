"""``check`` (the pre-commit hook) stops a decrypted copy of a sealed file before it is committed, as
``review`` fails it once pushed: ``decrypt -o`` in any syntax, a ``.env`` the README's deploy step
writes (names flattened, with or without ``--prefix``), without any key."""

from __future__ import annotations

import pytest

from tests.gitflow.test_pre_commit import LOCAL, _pre_commit, hooked
from tests.support.git import Sandbox, seal_file

__all__ = ["hooked"]

FILE = "config/prod.enc.yaml"
FIX = "keep it out of git: git rm --cached {name}, and list it in .gitignore"


def _base(box: Sandbox) -> None:
    seal_file(box, FILE, "db:\n  password: s3cret-a91\n  user: app\n  host_unencrypted: db.local\napi:\n  token: t-7\n")
    (box.repo / "config" / "settings.yaml").write_text("password_min_length: 12\nlisten: 8080\n")
    box.commit("base")


@pytest.mark.parametrize("args", [
    ("-o", "config/prod.yaml"),
    ("--output-type", "json", "-o", "config/prod.json"),
    ("--output-type", "dotenv", "-o", "config/.env"),
    ("--output-type", "dotenv", "--prefix", "APP_", "-o", "config/.env.local"),
])
def test_check_refuses_a_decrypted_copy_staged_beside_its_sealed_file(sandbox: Sandbox, args: tuple[str, ...]) -> None:
    _base(sandbox)
    name = args[-1]
    sandbox.sealfile("decrypt", FILE, *args)
    sandbox.git("add", "-f", name)
    keyless = sandbox.keyless_env()
    done = sandbox.sealfile("check", name, "config/settings.yaml", check=False, env=keyless)
    assert done.returncode == 3, done.stderr
    assert (f"sealfile: error: {name}: holds every key path of {FILE} in plaintext: a decrypted copy ('sealfile "
            f"decrypt -o')? {FIX.format(name=name)}") in done.stderr
    assert "settings.yaml" not in done.stderr and "s3cret" not in done.stderr
    whole = sandbox.sealfile("check", check=False, env=keyless)  # every tracked file, as CI runs it
    assert whole.returncode == 3 and f"error: {name}: holds every key path of {FILE}" in whole.stderr

    (sandbox.repo / name).write_text("listen: 8080\n")  # the commit still takes what was staged
    staged = sandbox.sealfile("check", name, check=False, env=keyless)
    assert staged.returncode == 3 and f"error: {name} (staged version): holds every key path" in staged.stderr


def test_a_file_with_only_some_of_the_names_is_no_copy(sandbox: Sandbox) -> None:
    _base(sandbox)
    (sandbox.repo / "config" / ".env").write_text("DB_PASSWORD=local\nAPI_TOKEN=dev\n")
    (sandbox.repo / "config" / "other.yaml").write_text("db:\n  password: x\n  user: y\n")
    sandbox.git("add", "-f", "config")
    done = sandbox.sealfile("check", "config/.env", "config/other.yaml", FILE, check=False)
    assert done.returncode == 0, done.stderr


def test_the_readme_hook_stops_the_commit_of_a_dotenv_the_deploy_step_wrote(hooked: Sandbox) -> None:
    (hooked.repo / ".pre-commit-config.yaml").write_text(LOCAL)
    assert _pre_commit(hooked, "install").returncode == 0
    _base(hooked)
    hooked.sealfile("decrypt", "--output-type", "dotenv", "-o", "config/.env", FILE)
    hooked.git("add", "-f", "config/.env")
    refused = hooked.git("commit", "-q", "-m", "oops", check=False)
    assert refused.returncode != 0
    assert f"error: config/.env: holds every key path of {FILE} in plaintext" in refused.stdout + refused.stderr
    assert hooked.git("rev-list", "--count", "HEAD").stdout.strip() == "1"


def test_review_fails_a_dotenv_copy_whose_names_are_flattened(sandbox: Sandbox) -> None:
    _base(sandbox)
    sandbox.sealfile("decrypt", "--output-type", "dotenv", "--prefix", "APP_", "-o", "config/.env", FILE)
    sandbox.git("add", "-f", "config/.env")
    sandbox.git("commit", "-q", "-m", "oops")
    done = sandbox.sealfile("review", "HEAD~1", "HEAD", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stdout
    assert (f"config/.env: holds every key path of {FILE} in plaintext: a decrypted copy ('sealfile decrypt -o')? "
            "remove it from the history and rotate its values") in done.stdout
