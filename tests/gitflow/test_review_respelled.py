"""``review`` of plaintext values re-spelled by hand so that YAML 1.1 readers read them otherwise
(``sealfile.gitflow.read_otherwise``): the seal covers data, not spelling, so the file still verifies."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.cli import cli_env
from tests.support.git import Sandbox, seal_file

FILE = "config/prod.enc.yaml"
PLAIN = ('db:\n  password: s3cret-a91\n  port_unencrypted: 12\n  tls_unencrypted: "no"\n'
         'on_unencrypted: "12:30"\nsteps_unencrypted:\n  - "on"\n')



def _attention(shown: str) -> list[str]:
    if "NEEDS ATTENTION:" not in shown:
        return []
    return [line.strip() for line in shown.split("NEEDS ATTENTION:")[1].split("CHANGES:")[0].strip().splitlines()]


def test_a_plaintext_value_re_spelled_for_yaml_1_1_readers_is_shown(sandbox: Sandbox) -> None:
    seal_file(sandbox, FILE, PLAIN)
    sandbox.commit("base")
    path = sandbox.repo / FILE
    text = path.read_text()
    for old, new in (("port_unencrypted: 12", "port_unencrypted: 012"), ('"no"', "no"), ('"12:30"', "12:30"),
                     ('- "on"', "- on")):
        text = text.replace(old, new)
    path.write_text(text)
    sandbox.commit("no value changed, to sealfile")
    assert "OK" in sandbox.sealfile("verify", FILE).stdout  # the seal holds: only the spelling changed
    decrypted = yaml.safe_load(sandbox.sealfile("decrypt", FILE).stdout)
    assert decrypted["db"]["port_unencrypted"] == 10 and decrypted["db"]["tls_unencrypted"] is False
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert [line.split(": re-spelled")[0] for line in _attention(shown)] == [
        f"{FILE}: db.port_unencrypted", f"{FILE}: db.tls_unencrypted", f"{FILE}: on_unencrypted",
        f"{FILE}: steps_unencrypted.0"]
    assert "YAML 1.1 readers" in shown and "s3cret" not in shown


def test_a_spelling_the_base_already_had_is_not_shown_again(sandbox: Sandbox) -> None:
    """A GitHub-style ``on:`` key or a ``yes`` the team wrote is theirs: only what the change brings is shown."""
    seal_file(sandbox, FILE, "on: push\nenabled_unencrypted: yes\ndb:\n  password: s3cret-a91\n")
    sandbox.commit("base")
    sandbox.sealfile("set", FILE, "db.password", "other-value")
    sandbox.commit("a new password")
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert not [line for line in _attention(shown) if "re-spelled" in line]


def test_a_dotenv_value_re_spelled_for_a_shell_to_run_is_shown(sandbox: Sandbox) -> None:
    """python-dotenv reads ``'$(cmd)'`` and ``"$(cmd)"`` alike; a shell sourcing decrypt's output runs the latter. The
    seal does not cover a plaintext value's quotes: every reader refuses the re-spelled file, and review says so."""
    marker = sandbox.repo.parent / "CODE-RAN"
    name = "api/.env.enc"
    seal_file(sandbox, name, f"API_KEY=k-123\nNOTE_unencrypted='$(touch {marker})'\nMODE_unencrypted='fast'\n")
    sandbox.commit("base")
    path = sandbox.repo / name
    path.write_text(path.read_text().replace(f"'$(touch {marker})'", f'"$(touch {marker})"')
                    .replace("'fast'", "fast"))
    sandbox.commit("no value changed, to sealfile")
    for command in ("verify", "decrypt"):
        refused = sandbox.sealfile(command, name, check=False)
        assert refused.returncode != 0 and not refused.stdout, (command, refused)
        assert refused.stderr.count("\n") == 1 and "NOTE_unencrypted: invalid dotenv line 2" in refused.stderr
        assert "touch" not in refused.stderr and "CODE-RAN" not in refused.stderr
    assert not marker.exists()
    status, shown = sandbox.review_last()
    assert status != 0 and f"  {name}: not a sealed file: NOTE_unencrypted: invalid dotenv line 2: " in shown, shown
    assert "touch" not in shown and "CODE-RAN" not in shown


def test_an_alias_bomb_is_refused_before_any_reading_for_yaml_1_1(tmp_path: Path) -> None:
    """Both readings expand aliases: they come after the sealed-file reader has bounded them."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True))
    script = ("import sys; from sealfile.gitflow.review import review_file; "
              "print(review_file('x.enc.yaml', None, sys.stdin.read()).attention)")
    done = subprocess.run([sys.executable, "-c", script], input=bomb, capture_output=True, text=True,
                          env=cli_env(None), timeout=60)
    assert done.returncode == 0, done.stderr
    assert "re-spelled" not in done.stdout


def test_the_two_readings_are_compared_as_sealfile_compares_data() -> None:
    """Types and keys as values (``same_data``), not Python's ``==``: ``(1,)`` is not ``(True,)``, ``-0.0`` is not
    ``0.0``. No text read twice gives these pairs today; the comparison is the project's one notion of "the same"."""
    from sealfile.gitflow.read_otherwise import _differences

    assert list(_differences([{(1,): "x"}], [{(True,): "x"}], ())) == [(0, (1,))]
    assert list(_differences({"k": -0.0}, {"k": 0.0}, ())) == [("k",)]
    assert list(_differences({"k": [1.5, float("nan")]}, {"k": [1.5, float("nan")]}, ())) == []


def test_a_dotenv_value_spelled_so_that_a_shell_reads_it_alike_is_not_shown(sandbox: Sandbox) -> None:
    """The owner's own edit, in spellings a shell sourcing decrypt's output reads as sealfile does (bash says so
    here): nothing to look at. Review's second reading of dotenv spellings flagged each ("reads another value ... or
    runs it"); one reading decides now, the one every reader refuses a file by (``stores/dotenv_shell.py``)."""
    name = "app.enc.env"
    seal_file(sandbox, name, "API_KEY=k-123\nPCT_unencrypted='50'\nMSG_unencrypted='hi'\nCOLOR_unencrypted='fff'\n"
                             "MULTI_unencrypted='a'\n")
    sandbox.commit("base")
    editor = sandbox.root / "respell.py"
    respelled = [("'50'", "50%"), ("'hi'", "hi!"), ("'fff'", "#fff"), ("'a'", '"a\nb"')]
    editor.write_text(f"import sys\ntext = open(sys.argv[1]).read()\nfor old, new in {respelled!r}:\n"
                      "    text = text.replace(old, new)\nopen(sys.argv[1], 'w').write(text)\n")
    sandbox.sealfile("edit", name, env={**sandbox.env, "EDITOR": f"{sys.executable} {editor}", "VISUAL": ""})
    assert "PCT_unencrypted=50%\n" in (sandbox.repo / name).read_text()  # the owner's spelling, kept
    sandbox.commit("the owner's edit")
    printed = sandbox.root / "printed.env"
    sandbox.sealfile("decrypt", name, "-o", str(printed))
    shell = subprocess.run(["bash", "-c", f'set -a; . "{printed}"; printf "[%s]" "$PCT_unencrypted" '
                            '"$MSG_unencrypted" "$COLOR_unencrypted" "$MULTI_unencrypted"'],
                           capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, cwd=sandbox.root)
    assert shell.stdout == "[50%][hi!][#fff][a\nb]", shell
    status, shown = sandbox.review_last()
    assert status == 0, shown
    assert "re-spelled" not in shown and not _attention(shown), shown
