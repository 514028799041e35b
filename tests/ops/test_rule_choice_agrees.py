"""One creation rule per file, whichever command asks and however the file is named: relative, absolute,
``./x``, through ``..``, from another working directory, or through a symbolic link (judged at the link's
place, as SOPS judges the path it is given). ``encrypt``, ``edit`` (a new file) and ``updatekeys`` pick the
rule each way; the real ``sops`` picks the same one from the same rules in a ``.sops.yaml``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.sops.conftest import make_identity, run_sops
from tests.support.cli import run_cli

RULES = ("^prod/", "^\\./", "^/", "")  # the first matching rule applies; the last matches every file
FORMS = [  # (how the file is named, the working directory below the repository, the rule it falls under)
    ("prod/{}", ".", 0), ("./prod/{}", ".", 0), ("{root}/prod/{}", ".", 0), ("sub/../prod/{}", ".", 0),
    ("../prod/{}", "sub", 0), ("{root}/prod/{}", "..", 0), ("{root}//prod/./{}", "sub", 0),
    ("lnk/{}", ".", 3), ("{root}/lnk/{}", "sub", 3),
]


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], Path]:
    root = tmp_path_factory.mktemp("choice") / "repo"
    (root / "prod").mkdir(parents=True)
    (root / "sub").mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    identities = [make_identity(root.parent / f"id{index}") for index in range(len(RULES))]
    rules = "".join(f"  - path_regex: '{pattern}'\n    age: {identity.recipient}\n"
                    for pattern, identity in zip(RULES, identities, strict=True))
    for name in (".sealfile.yaml", ".sops.yaml"):
        (root / name).write_text(f"creation_rules:\n{rules}", encoding="utf-8")
    (root / "lnk").symlink_to("prod")
    (root / "prod" / "plain.yaml").write_text("a: 1\n", encoding="utf-8")
    keys = root.parent / "all-keys.txt"
    keys.write_text("".join(identity.key_file.read_text() for identity in identities), encoding="utf-8")
    return root, [identity.recipient for identity in identities], keys


def _rule_of(text: str, recipients: list[str]) -> list[int]:
    return [index for index, recipient in enumerate(recipients) if recipient in text]


@pytest.mark.parametrize(("form", "cwd", "expected"), FORMS)
def test_every_command_picks_the_same_rule(form: str, cwd: str, expected: int,
                                           repository: tuple[Path, list[str], Path]) -> None:
    root, recipients, keys = repository
    work = (root / cwd).resolve()
    env = {"SEALFILE_AGE_KEY_FILE": str(keys), "SOPS_AGE_KEY_FILE": str(keys)}
    named = form.format("plain.yaml", root=root)
    picked = {}
    done = run_cli("encrypt", named, env=env, cwd=work)
    assert done.returncode == 0, done.stderr
    picked["encrypt"] = _rule_of(done.stdout, recipients)
    new = form.format(f"new{FORMS.index((form, cwd, expected))}.enc.yaml", root=root)
    edited = run_cli("edit", new, env={**env, "EDITOR": "sh -c 'echo b: 2 > \"$1\"' sh"}, cwd=work)
    assert edited.returncode == 0, edited.stderr
    picked["edit"] = _rule_of((work / new).read_text("utf-8"), recipients)
    (work / new).unlink()
    sealed = root / "prod" / "sealed.enc.yaml"
    sealed.write_text(done.stdout, encoding="utf-8")
    update = run_cli("updatekeys", form.format("sealed.enc.yaml", root=root), input="n\n", env=env, cwd=work)
    picked["updatekeys"] = [expected] if "recipients already match" in update.stderr else update.stderr
    if os.path.commonpath([work, root.resolve()]) == str(root.resolve()):  # sops finds .sops.yaml from the cwd
        theirs = run_sops(["encrypt", named], {**os.environ, **env, "PWD": str(work)}, cwd=work)
        assert theirs.returncode == 0, theirs.stderr
        picked["sops"] = _rule_of(theirs.stdout, recipients)
    assert picked == {command: [expected] for command in picked}
