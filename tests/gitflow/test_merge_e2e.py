"""``git merge`` of sealed files through the installed merge driver, with real git."""

from __future__ import annotations

import re

from tests.support.git import Sandbox, scan_for, scan_git_objects, seal_file

FILE = "secrets.enc.yaml"


def _thousand_values() -> str:
    lines = []
    for i in range(100):
        lines.append(f"service_{i}:")
        lines += [f"  key_{j}: value-{i}-{j}" for j in range(10)]
    return "\n".join(lines) + "\n"


def _changed_lines(box: Sandbox, rev: str) -> list[str]:
    """The +/- lines of the raw (no textconv) diff between ``rev`` and HEAD."""
    out = box.git("diff", "--no-textconv", "-U0", rev, "HEAD", "--", FILE).stdout
    return [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_changes_to_different_keys_merge_without_conflict(installed: Sandbox) -> None:
    box = installed
    seal_file(box, FILE, _thousand_values())
    box.commit("a thousand secrets")
    box.diverge(lambda: box.sealfile("set", FILE, "service_3.key_4", "from-feature"),
                lambda: box.sealfile("set", FILE, "service_97.key_2", "from-main"))

    merged = box.git("merge", "-q", "--no-edit", "feature")
    assert "CONFLICT" not in merged.stdout + merged.stderr

    plaintext = box.sealfile("decrypt", FILE).stdout  # verifies the MAC and every value first
    expected = _thousand_values().replace("key_4: value-3-4", "key_4: from-feature")
    assert plaintext == expected.replace("key_2: value-97-2", "key_2: from-main")

    # Against each parent, only the other branch's value line and the MAC line differ.
    for parent, key in (("HEAD^1", "key_4"), ("HEAD^2", "key_2")):
        lines = _changed_lines(box, parent)
        assert len(lines) == 4, lines
        assert sorted(line[0] + line[1:].split(":")[0].strip() for line in lines) == [
            f"+{key}", "+mac", f"-{key}", "-mac"]


def test_same_key_changed_on_both_sides_stops_without_plaintext(installed: Sandbox) -> None:
    box = installed
    canaries = ["CANARY-base-4f1d", "CANARY-ours-9a2c", "CANARY-theirs-77be", "CANARY-other-e3a0"]
    seal_file(box, FILE, f"db:\n  password: {canaries[0]}\n  user: app\napi: {{token: {canaries[3]}}}\n")
    box.commit("base")
    box.diverge(lambda: (box.sealfile("set", FILE, "db.password", canaries[2]),
                         box.sealfile("set", FILE, "db.user", "feature-user")),
                lambda: box.sealfile("set", FILE, "db.password", canaries[1]))

    merge = box.git("merge", "--no-edit", "feature", check=False)
    assert merge.returncode != 0
    output = merge.stdout + merge.stderr
    assert "CONFLICT at db.password" in output
    assert "sealfile edit" in output
    assert not any(c in output for c in canaries)
    assert "UU secrets.enc.yaml" in box.git("status", "--porcelain").stdout

    # The working file is still sealed: ours at the conflict, theirs' other change applied.
    box.sealfile("verify", FILE)
    assert box.sealfile("decrypt", FILE, "--extract", "db.password").stdout == canaries[1]
    assert box.sealfile("decrypt", FILE, "--extract", "db.user").stdout == "feature-user"
    assert scan_for(box.root, canaries) == []
    assert scan_git_objects(box, canaries) == []


def test_a_side_without_a_usable_key_keeps_ours_and_says_why(installed: Sandbox) -> None:
    box = installed
    seal_file(box, FILE, "a: 1\nb: 2\n")
    box.commit("base")
    box.diverge(lambda: box.sealfile("set", FILE, "a", "10"), lambda: box.sealfile("set", FILE, "b", "20"))
    ours = (box.repo / FILE).read_text()

    merge = box.git("merge", "--no-edit", "feature", check=False, env=box.keyless_env())
    assert merge.returncode != 0
    assert re.search(r"cannot merge automatically: cannot open the common ancestor: no recipient could open",
                     merge.stderr), merge.stderr
    assert (f"sealfile: {FILE}: kept our version; once the cause is fixed, merge it again with: git checkout -m "
            f"{FILE}; or combine the changes by hand: sealfile edit {FILE}") in merge.stderr
    assert (box.repo / FILE).read_text() == ours

    box.git("checkout", "-m", FILE)  # with the key back, as the message says
    assert box.sealfile("decrypt", FILE).stdout == 'a: "10"\nb: "20"\n'


def test_a_file_added_on_both_branches_merges(installed: Sandbox) -> None:
    box = installed
    box.diverge(lambda: seal_file(box, "new.enc.yaml", "from_feature: 1\n"),
                lambda: seal_file(box, "new.enc.yaml", "from_main: 2\n"))
    box.git("merge", "-q", "--no-edit", "feature")
    assert box.sealfile("decrypt", "new.enc.yaml").stdout == "from_feature: 1\nfrom_main: 2\n"


def test_a_conflict_resolved_differently_on_two_branches_is_a_conflict_again_when_they_meet(installed: Sandbox
                                                                                            ) -> None:
    """A criss-cross merge: git first merges the two merge bases into a virtual one. Through the sealfile
    driver that inner merge keeps one side's value at its conflict, and the outer merge then sees only the
    other branch changing it: the conflict was settled silently. The binary driver for inner merges
    (``merge.sealfile.recursive``) gives git the bases' own ancestor, as its text merge would by markers."""
    box = installed
    seal_file(box, FILE, "z: zero\nother: same\n")
    box.commit("secrets")
    for branch, value in (("p", "from-p"), ("q", "from-q")):
        box.git("checkout", "-q", "-b", branch, "main")
        box.sealfile("set", FILE, "z", value)
        box.commit(branch)
    for branch, other in (("p", "q"), ("q", "p~1")):  # each merges the other's first commit, keeping its value
        box.git("checkout", "-q", branch)
        assert box.git("merge", "-q", "--no-edit", other, check=False).returncode == 1
        box.sealfile("set", FILE, "z", f"from-{branch}")
        box.commit(f"{branch} keeps its value")
    assert len(box.git("merge-base", "--all", "p", "q").stdout.split()) == 2

    box.git("checkout", "-q", "p")
    merged = box.git("merge", "--no-edit", "q", check=False)
    assert merged.returncode == 1 and "CONFLICT" in merged.stdout, merged.stdout + merged.stderr
    assert "sealfile: secrets.enc.yaml: CONFLICT at z" in merged.stderr
    assert box.sealfile("decrypt", FILE, "--extract", "z").stdout == "from-p"  # ours, still sealed
