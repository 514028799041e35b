"""Commands over several files, each a real CLI process, with one file going wrong while the others are worked on
together: the others done (and said), the one left byte for byte as it was with one error line naming it and its
cause, a summary last, a non-zero exit; nothing left beside the files, no planted value shown.

The moments are fixed, not timed: which file a command writes first is not, so another process holds the locks of
every file but the one a change hits (``SEALFILE_LOCK_WAIT`` lets them wait), and ``c/fail_io.c`` changes that file
at its write and then ends the holder; a signal comes the instant after the K-th file is renamed into place; the
other faults hit one file only (its name, or its own directory).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.fail_io import fail_io_library
from tests.support.identities import mine_and_another

CANARY = "canary-value-5e0c"
NAMES = ["s.yaml", "t.yaml", "u.yaml"]
VERBS = {
    "rotate": "rotate",
    "updatekeys": "updatekeys -y",
    "recipients add": "recipients add --age {OTHER}",
    "recipients remove": "recipients remove --age {OTHER}",
    "export-sops": "export-sops -i",
}


@dataclass
class World:
    sealed: dict[str, dict[str, str]]  # verb -> file name -> its sealed text
    env: dict[str, str]
    mine: str
    other: str
    library: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root = tmp_path_factory.mktemp("bulk")
    me, other = mine_and_another(root / "keys.txt")
    key_file, recipient = me.path, me.recipient
    mine, both = [me.key], [me.key, AgeKey(other)]
    sealed = {verb: {name: seal_text(f"db:\n  password: {CANARY}-{name}\n", both if verb.endswith("remove") else mine)
                     for name in NAMES} for verb in VERBS}
    env = {name: value for name, value in cli_env().items() if not name.startswith(("SEALFILE_", "SOPS_", "XDG_"))}
    env.update({"SEALFILE_AGE_KEY_FILE": str(key_file), "PYTHONDONTWRITEBYTECODE": "1", "SEALFILE_LOCK_WAIT": "120"})
    return World(sealed, env, recipient, other, fail_io_library(root))


@dataclass
class Case:
    work: Path
    env: dict[str, str]
    verb: str
    before: dict[str, bytes]


@pytest.fixture(params=list(VERBS))
def case(world: World, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Case]:
    verb: str = request.param
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    for name, text in world.sealed[verb].items():
        (work / name).write_text(text)
    # the rule lists both keys (updatekeys then adds the other), but for recipients remove, which removes one
    keys = world.mine if verb.endswith("remove") else f"{world.mine}, {world.other}"
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {keys}\n")
    for name in ("tmp", "cache", "run"):
        (home / name).mkdir(parents=True)
    (home / "run").chmod(0o700)
    env = {**world.env, "HOME": str(home), "TMPDIR": str(home / "tmp"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_RUNTIME_DIR": str(home / "run")}
    yield Case(work, env, verb, _snapshot(work))


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {str(path.relative_to(directory)): path.read_bytes() for path in sorted(directory.rglob("*"))
            if path.is_file() and not path.is_symlink()}


def _run(world: World, case: Case, files: list[str], env: dict[str, str] | None = None) -> \
        subprocess.CompletedProcess[str]:
    args = [*VERBS[case.verb].replace("{OTHER}", world.other).split(), *files]
    return subprocess.run([sys.executable, "-m", "sealfile", *args], capture_output=True, text=True,
                          env={**case.env, **(env or {})}, cwd=case.work, timeout=120, stdin=subprocess.DEVNULL)


def _check(case: Case, result: subprocess.CompletedProcess[str], files: list[str], failing: dict[str, str]) -> None:
    """The contract: one error line per failing file (in the order named, with its cause), a summary last, every
    failing file as it was, every other one written (no value in it) and said; nothing else changed or left."""
    shown = result.stdout + result.stderr
    assert (result.returncode != 0) == bool(failing) and CANARY not in shown and "Traceback" not in shown, shown
    lines = result.stderr.splitlines()
    assert lines.pop().startswith(f"sealfile: {case.verb}: {len(files)} files: "), shown
    errors = [line for line in lines if line.startswith("sealfile: error: ")]
    assert [line.split(": ")[2] for line in errors] == list(failing), shown
    for line, cause in zip(errors, failing.values(), strict=True):
        assert cause in line, shown
    after = _snapshot(case.work)
    assert set(after) == set(case.before), shown  # nothing left beside the files
    for name in files:
        if name in failing:
            assert after.get(name) == case.before.get(name), f"{name} changed though it failed\n{shown}"
        else:
            assert after[name] != case.before[name] and CANARY.encode() not in after[name], shown
            assert any(f"{name}: " in line for line in lines if line not in errors), shown
    assert {name: data for name, data in after.items() if name not in files} == \
        {name: data for name, data in case.before.items() if name not in files}


def _fault(world: World, under: Path, call: str, **more: str) -> dict[str, str]:
    return {"LD_PRELOAD": str(world.library), "FAIL_IO_UNDER": str(under), "FAIL_IO_CALL": call, **more}


@pytest.mark.parametrize("moment", ["create", "fsync"])
@pytest.mark.parametrize("target", NAMES)
def test_a_file_changed_by_another_program_while_the_others_are_worked_on(world: World, case: Case, target: str,
                                                                          moment: str) -> None:
    """Another program appends to one file between the command's read and its write; the other files wait for
    locks another process holds until that change is made, so the changed file's write is the first."""
    others = [str(case.work / name) for name in NAMES if name != target]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import contextlib, sys; from sealfile.files.locking import locked\n"
         f"with contextlib.ExitStack() as stack:\n for path in {others!r}: stack.enter_context(locked(path, wait=0))\n"
         " print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=case.env)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        change = f"printf '# changed meanwhile\\n' >> {case.work / target}; kill -9 {holder.pid}"
        result = _run(world, case, NAMES, _fault(world, case.work, moment, FAIL_IO_RUN=change))
    finally:
        holder.kill()
        holder.communicate(timeout=60)
    case.before[target] += b"# changed meanwhile\n"
    _check(case, result, NAMES, {target: "changed by another program"})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(("written", "count"), [(1, 3), (2, 3), (3, 20)])  # 20: shared over processes, with cores
def test_a_signal_once_some_files_are_written(world: World, case: Case, written: int, count: int,
                                              sig: signal.Signals) -> None:
    """The signal comes the instant after the ``written``-th file took its new content (from the process that
    wrote it: a worker's signal stops the command as its own does): those files (and any other finished meanwhile)
    are written whole and named, every other one is as it was, and nothing is left."""
    names = NAMES + [f"m{index:02d}.yaml" for index in range(count - len(NAMES))]
    for name in names[len(NAMES):]:
        shutil.copyfile(case.work / "s.yaml", case.work / name)
    case.before = _snapshot(case.work)
    fired = case.work.parent / "fired"
    env = _fault(world, case.work, "renamed", FAIL_IO_AFTER=str(written - 1),
                 FAIL_IO_RUN=f"touch {fired}; kill -{sig.name[3:]} $PPID")
    result = _run(world, case, names, env)
    shown = result.stdout + result.stderr
    assert fired.exists() and result.returncode != 0, shown
    assert CANARY not in shown and "Traceback" not in shown, shown
    after = _snapshot(case.work)
    assert set(after) == set(case.before), shown
    changed = [name for name in names if after[name] != case.before[name]]
    assert len(changed) >= written, shown
    interrupted = [line for line in result.stderr.splitlines() if "interrupted" in line]
    assert len(interrupted) == 1, shown
    assert f"{len(changed)} of {len(names)} file(s) written ({', '.join(changed)})" in interrupted[0], shown
    assert all(CANARY.encode() not in after[name] for name in changed)


def _plant(world: World, case: Case, kind: str) -> tuple[dict[str, str], dict[str, str]]:
    """Make t.yaml ``kind``; the failing files with their causes, and the fault's environment."""
    path = case.work / "t.yaml"
    if kind == "not sealed":
        path.write_text(f"db:\n  password: {CANARY}-plain\n")
        return {"t.yaml": "not a sealed file"}, {}
    if kind == "another's key":  # and a third (recipients remove would remove the last one otherwise)
        third = generate_identity()[1]
        path.write_text(seal_text(f"db:\n  password: {CANARY}-t\n", [AgeKey(world.other), AgeKey(third)]))
        rules = case.work / ".sealfile.yaml"  # the rule names it: the file fails for the key, not the rule
        rules.write_text(rules.read_text().rstrip("\n") + f", {third}\n")
        return {"t.yaml": "no recipient could open the data key"}, {}
    if kind == "broken symlink":
        path.unlink()
        path.symlink_to("gone.yaml")
        return {"t.yaml": "no such file"}, {}
    assert kind == "unreadable"  # as root too: the system refuses the read
    return {"t.yaml": "permission denied"}, _fault(world, path, "open", FAIL_IO_ERRNO="13")


@pytest.mark.parametrize("kind", ["not sealed", "another's key", "broken symlink", "unreadable"])
def test_one_file_that_cannot_be_worked_on(world: World, case: Case, kind: str) -> None:
    failing, env = _plant(world, case, kind)
    case.before = _snapshot(case.work)
    result = _run(world, case, NAMES, env)
    _check(case, result, NAMES, failing)
    assert result.stderr.splitlines()[-1].endswith("2 ok, 1 failed (t.yaml)"), result.stderr
    assert kind != "broken symlink" or os.readlink(case.work / "t.yaml") == "gone.yaml"


def test_a_directory_among_the_files_is_refused_before_any_work(world: World, case: Case) -> None:
    (case.work / "d.yaml").mkdir()
    result = _run(world, case, ["s.yaml", "d.yaml", "u.yaml"])
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "d.yaml" in result.stderr, result.stderr
    assert _snapshot(case.work) == case.before


@pytest.mark.parametrize("spelling", ["sub/../s.yaml", "link.yaml", "s.yaml"])
def test_one_file_named_twice_is_worked_on_once(world: World, case: Case, spelling: str) -> None:
    """A second name of a file (another spelling, a symbolic link to it, the same name again) is not a second
    file: worked on once (a second worker would rotate it again, or wait for the first's lock), and said."""
    (case.work / "sub").mkdir()
    (case.work / "link.yaml").symlink_to("s.yaml")
    files = ["s.yaml", "t.yaml", spelling]
    result = _run(world, case, files)
    shown = result.stdout + result.stderr
    assert result.returncode == 0, shown
    lines = result.stderr.splitlines()
    once = [line for line in lines if "worked on once" in line]
    assert len(once) == 1 and once[0].startswith(f"{spelling}: "), shown
    worked = [[line for line in lines if f"{name}: " in line and line not in once] for name in ("s.yaml", "t.yaml")]
    assert len(worked[0]) == len(worked[1]) > 0, shown  # s.yaml's work was done, and once, as t.yaml's
    assert result.stderr.splitlines()[-1].endswith("3 files: 3 ok"), shown
    after = _snapshot(case.work)
    assert after["s.yaml"] != case.before["s.yaml"] and after["t.yaml"] != case.before["t.yaml"], shown


def test_a_hard_link_is_refused_under_both_names(world: World, case: Case) -> None:
    os.link(case.work / "s.yaml", case.work / "h.yaml")
    case.before = _snapshot(case.work)
    result = _run(world, case, ["s.yaml", "t.yaml", "h.yaml"])
    _check(case, result, ["s.yaml", "t.yaml", "h.yaml"], {"s.yaml": "hard links", "h.yaml": "s.yaml"})


def test_a_full_disk_on_one_file(world: World, case: Case) -> None:
    """The write of sub/t.yaml finds no space (its own directory, so that the fault hits that file only)."""
    (case.work / "sub").mkdir()
    shutil.move(case.work / "t.yaml", case.work / "sub" / "t.yaml")
    case.before = _snapshot(case.work)
    files = ["s.yaml", "sub/t.yaml", "u.yaml"]
    result = _run(world, case, files, _fault(world, case.work / "sub", "write", FAIL_IO_ERRNO="28"))
    _check(case, result, files, {"sub/t.yaml": "No space left on device"})
    assert all(stat.S_ISREG((case.work / name).stat().st_mode) for name in files)


@pytest.fixture(scope="module")
def kms() -> Iterator[tuple[dict[str, str], object, object]]:
    """moto's KMS on 127.0.0.1 behind the fault-injecting proxy (the real AWS SDK reaches it), its variables, an
    admin client and the proxy."""
    import boto3

    from tests.fakes.aws_kms_proxy import KmsProxy, start_moto

    server, url = start_moto()
    proxy = KmsProxy(url).start()
    env = {"AWS_ENDPOINT_URL": proxy.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1"}
    yield env, boto3.client("kms", region_name="us-east-1", endpoint_url=url, aws_access_key_id="admin",
                            aws_secret_access_key="admin"), proxy
    proxy.stop()
    server.stop()


@pytest.mark.parametrize("verb", ["rotate", "recipients add", "updatekeys"])
def test_a_key_service_refusing_one_file(world: World, kms: tuple[dict[str, str], object, object], tmp_path: Path,
                                         verb: str) -> None:
    """The key service refuses to unwrap t.yaml's data key (its key disabled) while it serves s.yaml's and
    u.yaml's, all in flight together."""
    from sealfile.kms.aws.client import forget_clients
    from sealfile.kms.aws.key import AwsKmsKey
    from tests.fakes.aws_kms_proxy import KmsProxy

    env, admin, proxy = kms
    assert isinstance(proxy, KmsProxy)
    good, bad = (admin.create_key(Description=name)["KeyMetadata"]["Arn"]  # type: ignore[attr-defined]
                 for name in ("good", "bad"))
    work = tmp_path / "work"
    work.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        forget_clients()
        for name in NAMES:
            key = AwsKmsKey(bad if name == "t.yaml" else good)
            (work / name).write_text(seal_text(f"db:\n  password: {CANARY}-{name}\n", [key]))
        forget_clients()
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - aws_kms: {good},{bad}\n    age: {world.other}\n")
    proxy.fail("Decrypt", "DisabledException", f"{bad} is disabled.", key_id=bad)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    case = Case(work, {**world.env, **env, "HOME": str(home), "XDG_CACHE_HOME": str(home)}, verb, _snapshot(work))
    try:
        result = _run(world, case, NAMES)
    finally:
        proxy.reset()
    _check(case, result, NAMES, {"t.yaml": "is disabled"})
