"""``updatekeys`` without ``--yes`` shows each file's recipient change and asks: what it then writes is the change
the user confirmed. Another writer may change the file while the question waits (a teammate's ``recipients add``
landed, exit 0): applied to the file as it now is, "make recipients match the rule" also removed that recipient,
a change never shown, and the other command's update was lost. Refused instead, with one line; a change that
leaves the planned recipient change as shown (a value set meanwhile) is still applied."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli, cli_env
from tests.support.identities import AgeIdentity, write_identity


def _confirm_after(sealed: Path, meanwhile: list[str], run_cli: RunCli) -> subprocess.CompletedProcess[str]:
    """``updatekeys`` on ``sealed``; ``meanwhile`` runs (and must succeed) while its question waits, then: yes."""
    asking = subprocess.Popen([sys.executable, "-m", "sealfile", "updatekeys", str(sealed)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(), cwd=sealed.parent)
    assert asking.stderr is not None
    shown = b""
    while b"? [y/N]" not in shown:
        chunk = os.read(asking.stderr.fileno(), 4096)
        assert chunk, shown
        shown += chunk
    done = run_cli(*meanwhile)
    assert done.returncode == 0, done.stderr
    out, err = asking.communicate(b"y\n", timeout=60)
    return subprocess.CompletedProcess(asking.args, asking.returncode, out.decode(), (shown + err).decode())


def test_a_recipient_added_while_updatekeys_asks_is_not_removed_unasked(
    tmp_path: Path, age_identity: AgeIdentity, run_cli: RunCli,
) -> None:
    ruled, other = write_identity(tmp_path / "k2.txt"), write_identity(tmp_path / "k3.txt")
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: .*\n    age: [{age_identity.recipient}, {ruled.recipient}]\n")
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    done = _confirm_after(sealed, ["recipients", "add", "--age", other.recipient, sealed], run_cli)
    assert f"+ age {ruled.recipient}" in done.stderr and other.recipient not in done.stderr.split("Update")[0]
    assert done.returncode == 1, done.stderr
    assert done.stderr.split("[y/N]: ")[1] == (
        f"sealfile: error: {sealed}: changed by another program while its recipient change awaited your answer, and "
        "now needs another change than the one shown; nothing was written (run the command again to see it)\n")
    text = sealed.read_text()
    assert other.recipient in text and ruled.recipient not in text  # the other command's change kept; none made


def test_a_value_set_while_updatekeys_asks_keeps_the_confirmed_change(
    tmp_path: Path, age_identity: AgeIdentity, run_cli: RunCli,
) -> None:
    ruled = write_identity(tmp_path / "k2.txt")
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: .*\n    age: [{age_identity.recipient}, {ruled.recipient}]\n")
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    done = _confirm_after(sealed, ["set", sealed, "b", "2"], run_cli)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith(f"{sealed}: added age {ruled.recipient}\n")
    text = sealed.read_text()
    assert ruled.recipient in text and decrypt_text(text) == 'a: 1\nb: "2"\n'
