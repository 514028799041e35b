"""The same commit checked in clones whose git settings differ as machines' do: what the work tree holds
may not be what git stores, and ``check`` names that cause instead of the symptom."""

from __future__ import annotations

from tests.support.git import Sandbox, seal_file


def _clone(box: Sandbox, name: str, *settings: str) -> Sandbox:
    where = box.root / name
    box.git("clone", "-q", *(arg for setting in settings for arg in ("-c", setting)), str(box.repo), str(where))
    return Sandbox(box.root, where, box.env, box.recipient)


def test_a_link_at_a_sealed_path_checked_out_as_a_file_is_named_for_what_it_is(sandbox: Sandbox) -> None:
    """With core.symlinks=false (git for Windows' default) git writes a link as a file holding the name
    it leads to: the sealed file is not there, and 'the top level must be a mapping' said nothing of why."""
    seal_file(sandbox, "dev.enc.yaml", "password: d-1\n")
    (sandbox.repo / "prod.enc.yaml").symlink_to("dev.enc.yaml")
    sandbox.commit("a link")
    assert sandbox.sealfile("check", env=sandbox.keyless_env()).returncode == 0  # read through the link

    windows = _clone(sandbox, "no-links", "core.symlinks=false")
    assert (windows.repo / "prod.enc.yaml").read_text() == "dev.enc.yaml"
    for args in ((), ("prod.enc.yaml",)):
        done = windows.sealfile("check", *args, check=False, env=windows.keyless_env())
        assert done.returncode == 3, done.stderr
        errors = [line for line in done.stderr.splitlines() if "error" in line]
        assert errors == [
            "sealfile: error: prod.enc.yaml: a symbolic link in git (to dev.enc.yaml), which this clone "
            "(core.symlinks=false) checks out as a file holding only that name: nothing here opens it; commit "
            "the sealed file itself, not a link ('sealfile review' refuses a link at a sealed path)"]


def test_a_link_to_a_checked_sealed_file_does_not_repeat_its_findings_under_the_links_name(sandbox: Sandbox) -> None:
    """check reads a link through to its file: each finding about that file came twice, the second with a fix
    naming the link (``git checkout -m prod.enc.yaml``, which git cannot do: the link is not unmerged)."""
    sealed = seal_file(sandbox, "dev.enc.yaml", "password: d-1\n")
    (sandbox.repo / "prod.enc.yaml").symlink_to("dev.enc.yaml")
    sandbox.commit("a link")
    text = sealed.read_text()
    sealed.write_text(f"<<<<<<< ours\n{text}=======\n{text}>>>>>>> theirs\n")
    done = sandbox.sealfile("check", check=False, env=sandbox.keyless_env())
    assert done.returncode == 3, done.stderr
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith("sealfile: error: dev.enc.yaml: git merged this sealed file "
                                                     "as text and left conflict markers"), errors
    alone = sandbox.sealfile("check", "prod.enc.yaml", check=False, env=sandbox.keyless_env())
    assert alone.returncode == 3 and "prod.enc.yaml: git merged" in alone.stderr  # given alone, read through
