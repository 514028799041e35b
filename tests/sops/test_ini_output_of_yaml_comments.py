"""``sops decrypt --output-type ini`` (and ``--extract`` of a mapping of sections) of a SOPS YAML file prints
its comments as sops's INI store places them: a section's first comment before its header, a comment after a
key as that key's (the last one given, trimmed, before the key), none at the top level. sealfile printed no
comment at all on this path (the known gap "INI --extract keeps no comments"). Compared with the real sops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

CASES = {
    "heads and an inline": ("# the db\ndb:\n    # the user\n    user: x\n    pw: y # inline\n# web\n"
                            "web:\n    port: 80\n"),
    "two after a key": "db:\n    a: 1 # one\n    # two\n    b: 2\n    #   three  \n",
    "before a later key": "db:\n    a: 1\n    # before b\n    b: 2\nweb:\n    # first\n    # second\n    p: 1\n",
}


@pytest.mark.parametrize("text", list(CASES.values()), ids=list(CASES))
def test_ini_output_of_a_yaml_file_shows_the_comments_sops_shows(text: str, sops_identity: AgeIdentity,
                                                                 tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    (tmp_path / "plain.yaml").write_text(text)
    (tmp_path / "nested.yaml").write_text("app:\n" + "".join(f"    {line}\n" for line in text.splitlines()))
    for name, extract in (("plain.yaml", []), ("nested.yaml", ["--extract", '["app"]'])):
        sops_file = sops_encrypt(tmp_path / name, tmp_path / f"s-{name}", "--age", sops_identity.recipient, env=env)
        shown = run_sops(["decrypt", "--output-type", "ini", *extract, str(sops_file)], env)
        assert shown.returncode == 0, shown.stderr
        done = sealfile_cli("decrypt", "--output-type", "ini", *extract, str(sops_file), env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout == shown.stdout, name
