"""A file sealfile may not or cannot replace is refused in one line, every file left as it was.

- A read-only file (``chmod a-w``): its directory would let a new file take its name, and every writer
  did so, although ``>``, ``cp``, vim and SOPS all refuse to write it. Root writes any file: the cases run
  as nobody there (see :mod:`tests.cli.test_unreadable_files`).
- A pipe the command read (``cat s.yaml | sealfile rotate /dev/stdin``): the result went back into the pipe,
  lost, and the command said "rotated".
- ``edit`` of a file that cannot be saved: the editor opened, and the edit was lost when it closed.
- A file of a group the writer is not in: the new file would take the writer's group, and the group the
  file was shared with would lose it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.test_unreadable_files import SECRET, _run, work  # noqa: F401 (work: the fixture)
from tests.support.cli import run_cli
from tests.support.identities import AgeIdentity

READ_ONLY = "sealfile: error: {}: is read-only (no write permission); nothing was written (chmod u+w it to change it)\n"
WRITERS = [
    ["set", "s.yaml", "db.user", "x"],
    ["unset", "s.yaml", "db.password"],
    ["rotate", "s.yaml"],
    ["edit", "s.yaml"],
    ["encrypt", "-i", "p.yaml"],
    ["decrypt", "s.yaml", "-o", "p.yaml"],
]


@pytest.mark.parametrize("args", WRITERS, ids=" ".join)
def test_a_read_only_file_is_not_replaced(args: list[str], work: Path, age_identity: AgeIdentity) -> None:  # noqa: F811
    (work / "p.yaml").write_text("db:\n  password: plain\n")
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    target = work / ("p.yaml" if "p.yaml" in args else "s.yaml")
    target.chmod(0o444)
    before = target.read_bytes()
    done = _run(work, args, {"EDITOR": f"{sys.executable} -c 'open(1, \"w\").write(\"edited\")'"})
    assert (done.returncode, done.stderr) == (1, READ_ONLY.format(target.name))
    assert target.read_bytes() == before
    assert "edited" not in done.stdout  # edit refused before the editor opened


@pytest.mark.parametrize("args", [["rotate", "/dev/stdin"], ["set", "/dev/stdin", "db.user", "x"],
                                  ["encrypt", "-i", "/dev/stdin"]], ids=" ".join)
def test_a_pipe_it_read_is_not_written_back(args: list[str], work: Path,  # noqa: F811
                                           age_identity: AgeIdentity) -> None:
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    text = (work / "s.yaml").read_text() if args[0] != "encrypt" else "db:\n  password: plain\n"
    more = ["--age", age_identity.recipient] if args[0] == "encrypt" else []  # no rule matches /dev/stdin
    done = run_cli(*args, *more, input=text, cwd=work, env={"SEALFILE_AGE_KEY_FILE": str(work / "key.txt")})
    assert (done.returncode, done.stderr) == (1, "sealfile: error: /dev/stdin: is a pipe, not a file; nothing was "
                                                 "written (a pipe it read is not written back)\n")


@pytest.mark.parametrize("where", ["missing/s.yaml", "loop.yaml"])
def test_edit_refuses_a_file_it_could_not_save_before_the_editor_opens(where: str, work: Path,  # noqa: F811
                                                                       age_identity: AgeIdentity) -> None:
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    (work / "link.yaml").symlink_to(where)
    (work / "loop.yaml").symlink_to("loop.yaml")
    marker = work / "editor-ran"
    editor = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(\"a: 1\"); open(\"{marker}\", \"w\")'"
    done = run_cli("edit", "link.yaml", cwd=work, env={"EDITOR": editor, "VISUAL": editor,
                                                       "SEALFILE_AGE_KEY_FILE": str(work / "key.txt")})
    assert done.returncode == 1
    assert done.stderr.startswith("sealfile: error: link.yaml: cannot write (") and done.stderr.count("\n") == 1
    assert not marker.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="a file of a group one is not in: root")
def test_a_group_the_writer_is_not_in_is_not_dropped_silently(work: Path) -> None:  # noqa: F811
    """A new file takes the writer's group: the group a 0640 file was shared with lost it, unsaid."""
    shared = work / "shared"  # _run gives the files in the directory to nobody, not those below
    shared.mkdir()
    (shared / "s.yaml").write_bytes((work / "s.yaml").read_bytes())
    os.chown(shared, 65534, 65534)
    os.chown(shared / "s.yaml", 65534, 0)
    (shared / "s.yaml").chmod(0o640)
    before = (shared / "s.yaml").read_bytes()
    done = _run(work, ["set", "shared/s.yaml", "db.user", "x"], {})
    assert (done.returncode, done.stderr) == (1, "sealfile: error: shared/s.yaml: its group (id 0) would be lost: a "
                                                 "new file cannot have it, as you are not in it; nothing was written\n")
    assert (shared / "s.yaml").read_bytes() == before and (shared / "s.yaml").stat().st_gid == 0


@pytest.fixture
def read_only_mount(work: Path) -> Iterator[Path]:  # noqa: F811
    """``work`` seen through a read-only bind mount (a read-only volume, a CI checkout mounted so)."""
    import shutil
    import subprocess
    import tempfile

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a bind mount needs root")
    mounted = Path(tempfile.mkdtemp(prefix="sealfile-read-only-"))
    if subprocess.run(["mount", "--bind", str(work), str(mounted)], capture_output=True).returncode != 0:
        mounted.rmdir()
        pytest.skip("mounts are not allowed here")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True, capture_output=True)
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True, capture_output=True)
        mounted.rmdir()


@pytest.mark.parametrize("args", WRITERS, ids=" ".join)
def test_a_file_on_a_read_only_file_system_is_refused_for_that_cause(args: list[str], work: Path,  # noqa: F811
                                                                     read_only_mount: Path,
                                                                     age_identity: AgeIdentity) -> None:
    """The cause said was 'no write permission (chmod u+w it)': no chmod helps on a read-only mount."""
    (work / "p.yaml").write_text("db:\n  password: plain\n")
    (work / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    target = read_only_mount / ("p.yaml" if "p.yaml" in args else "s.yaml")
    before = target.read_bytes()
    done = run_cli(*args, cwd=read_only_mount, env={"SEALFILE_AGE_KEY_FILE": str(work / "key.txt"),
                                                   "EDITOR": "true", "VISUAL": "true"})
    assert (done.returncode, done.stderr) == (1, f"sealfile: error: {target.name}: is on a read-only file system; "
                                                 "nothing was written\n")
    assert target.read_bytes() == before


@pytest.fixture
def small_file_system(age_identity: AgeIdentity, tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs holding a sealed file: a disk that the user can fill while an editor is open."""
    import shutil
    import subprocess
    import tempfile

    from sealfile.ops.seal import seal_text

    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a mount needs root")
    mounted = Path(tempfile.mkdtemp(prefix="sealfile-small-"))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mounted)],
                      capture_output=True).returncode != 0:
        mounted.rmdir()
        pytest.skip("mounts are not allowed here")
    try:
        (mounted / "s.yaml").write_text(seal_text(f"db:\n  password: {SECRET}\n", [age_identity.key]))
        yield mounted
    finally:
        subprocess.run(["umount", str(mounted)], check=True, capture_output=True)
        mounted.rmdir()


def test_an_edit_that_cannot_be_saved_on_a_full_disk_is_kept_sealed(small_file_system: Path, tmp_path: Path,
                                                                    age_identity: AgeIdentity) -> None:
    """The disk filled while the editor was open: the save failed, and the workspace was wiped with the only
    copy of what was typed. It is kept, sealed, where there is room, and the message says where."""
    sealed = small_file_system / "s.yaml"
    before = sealed.read_bytes()
    fill = f"dd if=/dev/zero of={small_file_system / 'filler'} bs=4k 2>/dev/null"
    done = run_cli("edit", sealed, env={"EDITOR": f"sh -c 'echo typed: by-hand >> \"$0\"; {fill}; true'",
                                        "XDG_CACHE_HOME": str(tmp_path / "cache"),
                                        "SEALFILE_AGE_KEY_FILE": str(age_identity.path)})
    kept = tmp_path / "cache" / "sealfile" / "kept" / "s.edited.yaml"
    assert (done.returncode, done.stderr) == (
        1, f"sealfile: error: {sealed}: cannot write (No space left on device); your edit is kept, sealed, in "
           f"{kept}: move it over {sealed} once that can be written\n")
    assert sealed.read_bytes() == before
    shown = run_cli("decrypt", kept, env={"SEALFILE_AGE_KEY_FILE": str(age_identity.path)})
    assert shown.stdout == f"db:\n  password: {SECRET}\ntyped: by-hand\n"
