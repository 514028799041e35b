"""The faults test_failure_matrix.py leaves out, tabulated over the commands they reach, each a real process:
a file reached through a symbolic link with an odd mode (set-group-id, read-only), a name with a line break or
bytes that are not UTF-8 on a full disk, standard output closed, full or a pipe whose reader left, standard input
closed, and ``git install`` interrupted the instant a file of its was written. The contract is the matrix's: one
line naming the file (and key path), no value anywhere, every file as it was or done whole.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys

import pytest

from sealfile.kms.age import AgeKey
from tests.reliability import test_failure_matrix as matrix
from tests.reliability.test_failure_matrix import CANARY, Case, World

world, case = matrix.world, matrix.case  # the matrix's fixtures: its files, keys and directories

IN_PLACE = {  # command -> the file it writes in place
    "set": ("set {F} db.password new-value", "s"), "unset": ("unset {F} db.user", "s"), "edit": ("edit {F}", "s"),
    "rotate": ("rotate {F}", "s"), "recipients add": ("recipients add --age {OTHER} {F}", "s"),
    "recipients remove": ("recipients remove --age {OTHER} {F}", "u"), "encrypt -i": ("encrypt -i {F}", "p"),
    "import-sops -i": ("import-sops -i {F}", "sops"), "export-sops -i": ("export-sops -i {F}", "s"),
}
ODD_NAMES = {"line break": "a\nb.yaml", "not UTF-8": os.fsdecode(b"a\xff.yaml")}
TO_STDOUT = {"decrypt": "decrypt --output-type json s.yaml", "encrypt": "encrypt p.yaml",
             "export-sops": "export-sops s.yaml"}


def _cli(world: World, case: Case, command: str, file: str = "", *, shell: str = "{CMD}",
         preexec: object = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``sealfile COMMAND`` (``{F}``: ``file``) in ``case.work``, inside ``shell`` (a redirection) when given."""
    args = [file if word == "{F}" else word.replace("{OTHER}", world.other) for word in command.split()]
    line = " ".join(["'{}'".format(arg.replace("'", "'\\''")) for arg in [sys.executable, "-m", "sealfile", *args]])
    return subprocess.run(["bash", "-c", shell.replace("{CMD}", line)], capture_output=True,
                          env={**case.env, **(env or {})}, cwd=case.work, timeout=120, stdin=subprocess.DEVNULL,
                          preexec_fn=preexec)  # type: ignore[arg-type]


def _no_value(result: subprocess.CompletedProcess[bytes]) -> str:
    shown = (result.stdout + result.stderr).decode("utf-8", "surrogateescape")
    assert CANARY not in shown and "Traceback" not in shown, shown
    return "".join(line for line in result.stderr.decode("utf-8", "surrogateescape").splitlines(keepends=True)
                   if not line.startswith("sealfile: note: "))  # what export-sops says SOPS cannot keep


@pytest.mark.parametrize("verb", IN_PLACE)
def test_a_linked_file_with_an_odd_mode_is_written_through_the_link_keeping_its_mode(world: World, case: Case,
                                                                                     verb: str) -> None:
    """``s.yaml -> real/s.yaml``, mode 2440 (set-group-id, read-only): the link stays, the file it names is
    written, whole, with its mode."""
    command, stem = IN_PLACE[verb]
    name = f"{stem}.yaml"
    (case.work / "real").mkdir()
    target = case.work / "real" / name
    (case.work / name).rename(target)
    (case.work / name).symlink_to(f"real/{name}")
    target.chmod(0o2440)
    before = target.read_bytes()
    result = _cli(world, case, command, name)
    assert result.returncode == 0, _no_value(result)
    _no_value(result)
    assert os.readlink(case.work / name) == f"real/{name}"
    assert target.read_bytes() != before and CANARY.encode() not in target.read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o2440, oct(target.stat().st_mode)
    assert sorted(path.name for path in (case.work / "real").iterdir()) == [name]  # nothing left beside it


@pytest.mark.parametrize("verb", ["set", "encrypt -i", "export-sops -i"])
@pytest.mark.parametrize("odd", ODD_NAMES)
def test_a_name_with_a_line_break_or_bytes_not_utf8_is_named_in_one_line(world: World, case: Case, verb: str,
                                                                         odd: str) -> None:
    """A full disk (RLIMIT_FSIZE) under a file name that could break or forge a line."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16, 16))

    command, stem = IN_PLACE[verb]
    name = ODD_NAMES[odd]
    (case.work / f"{stem}.yaml").rename(case.work / name)
    before = (case.work / name).read_bytes()
    result = _cli(world, case, command, name, preexec=limit)
    lines = _no_value(result).splitlines()
    assert result.returncode == 1 and len(lines) == 1, lines
    shown = name.encode("unicode_escape").decode("ascii").replace("\\xff", "\\udcff")  # as one_line writes it
    assert lines[0].startswith(f"sealfile: error: {shown}: ") and "File too large" in lines[0], lines
    assert (case.work / name).read_bytes() == before
    assert {path.name for path in case.work.iterdir()} == {*case.before, name} - {f"{stem}.yaml"}


@pytest.mark.parametrize("how", ["closed", "full", "reader gone"])
@pytest.mark.parametrize("verb", TO_STDOUT)
def test_standard_output_closed_full_or_left_by_its_reader(world: World, case: Case, verb: str, how: str) -> None:
    """``>&-``, ``>/dev/full``, ``| head -c 1`` with more than a pipe holds: one line (none when the reader had
    what it wanted, as ``cat`` does), no value, no file changed."""
    big = "db:\n" + "".join(f"  k{index}: {CANARY}-{index}-{'x' * 40}\n" for index in range(2000))
    from sealfile.ops.seal import seal_text

    sealed = seal_text(big, [AgeKey(_recipient(case))])
    (case.work / "s.yaml").write_text(sealed)
    (case.work / "p.yaml").write_text(big)
    before = {path.name: path.read_bytes() for path in case.work.iterdir()}
    shell = {"closed": "{CMD} >&-", "full": "{CMD} >/dev/full",
             "reader gone": "set -o pipefail; {CMD} | head -c 1 >/dev/null"}[how]
    result = _cli(world, case, TO_STDOUT[verb], shell=shell)
    lines = _no_value(result).splitlines()
    if how == "reader gone":
        assert result.returncode == 0 and lines == [], lines
    else:
        assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith("sealfile: error: -: "), lines
        assert ("closed" if how == "closed" else "No space left on device") in lines[0], lines
    assert {path.name: path.read_bytes() for path in case.work.iterdir()} == before


def _recipient(case: Case) -> str:
    """Mine: the first the template's creation rule names."""
    return (case.work / ".sealfile.yaml").read_text().split("age: ")[1].split(",")[0]


STDIN = {  # how standard input is given -> (command, shell, the error's start)
    "set, closed": ("set {F} db.password", "{CMD} <&-", "s.yaml: db.password: standard input is empty"),
    "encrypt -, closed": ("encrypt -", "{CMD} <&-", "-: the input is empty"),
    # '-' is standard input to every other command: the secret piped in was dropped, '-' sealed, "set" said
    "set -, closed": ("set {F} db.password -", "{CMD} <&-", "s.yaml: db.password: VALUE - is the text '-'"),
    "set -, piped": ("set {F} db.password -", f"printf {CANARY} | {{CMD}}", "s.yaml: db.password: VALUE - is"),
}


@pytest.mark.parametrize("given", STDIN)
def test_standard_input_closed_or_given_as_dash(world: World, case: Case, given: str) -> None:
    command, shell, said = STDIN[given]
    result = _cli(world, case, command, "s.yaml", shell=shell)
    lines = _no_value(result).splitlines()
    assert result.returncode == 1 and len(lines) == 1 and lines[0].startswith(f"sealfile: error: {said}"), lines
    assert {path.name: path.read_bytes() for path in case.work.iterdir()} == \
        {name: text for name, (text, _) in case.before.items()}


@pytest.mark.parametrize(("attributes", "moment"), [(None, "link"), (b"*.md text\n", "rename"), (None, "fsync")],
                         ids=["new", "existing", "before-the-write"])
def test_git_install_interrupted_leaves_the_attributes_and_config_as_they_were(world: World, case: Case,
                                                                               moment: str,
                                                                               attributes: bytes | None) -> None:
    """SIGTERM the instant before .gitattributes is named (link: a new file; rename: one replaced): the signal
    is held through the write and lands after it, and the block must not stay without the drivers' config
    (git would then merge sealed files as text) nor be said written."""
    subprocess.run(["git", "init", "-q"], cwd=case.work, check=True, env=case.env)
    if attributes is not None:
        (case.work / ".gitattributes").write_bytes(attributes)
    config = (case.work / ".git" / "config").read_bytes()
    under = case.work / ("" if moment == "fsync" else ".gitattributes")
    hook = {"LD_PRELOAD": str(world.library), "FAIL_IO_UNDER": str(under), "FAIL_IO_CALL": moment,
            "FAIL_IO_RUN": "kill -TERM $PPID"}
    result = _cli(world, case, "git install", env={**hook, "GIT_CONFIG_NOSYSTEM": "1"})
    stderr = _no_value(result)
    assert result.returncode != 0, stderr
    assert (case.work / ".git" / "config").read_bytes() == config, stderr
    if attributes is None:
        assert not (case.work / ".gitattributes").exists(), stderr
    else:
        assert (case.work / ".gitattributes").read_bytes() == attributes, stderr
    assert stderr.splitlines()[-1] == "sealfile: interrupted; no file was changed", stderr
