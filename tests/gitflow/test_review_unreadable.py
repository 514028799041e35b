"""``review`` of a sealed file whose new version does not read (a dotenv layout a shell reads otherwise, broken YAML
or JSON, a broken metadata block): the change fails, naming the cause and never a value, and
nothing is told of the unread side's metadata. Its recipients were not removed, only not read: listing them as
removed ("data key NOT rotated: run 'sealfile rotate'") sent a reviewer after a key change nobody made. Real git
and age; the breaking commit is made without any key."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.git import Sandbox, seal_file, section

SECRET = "k-5e1f7"
BROKEN = {  # name -> (plaintext, how the commit breaks it, the cause review must name)
    "env": ("API_KEY=" + SECRET + "\nNOTE_unencrypted='$(id)'\n",
            lambda text: text.replace("'$(id)'", '"$(id)"'), "NOTE_unencrypted: invalid dotenv line 2: "),
    "yaml": ("api_key: " + SECRET + "\nnote_unencrypted: x\n",
             lambda text: text.replace("note_unencrypted: x", "note_unencrypted: [x"), "invalid YAML at line "),
    "json": ('{"api_key": "' + SECRET + '", "note_unencrypted": "x"}\n',
             lambda text: text.replace('"note_unencrypted":', '"note_unencrypted" x', 1), "invalid JSON at line "),
    "metadata": ("api_key: " + SECRET + "\n", lambda text: text.replace("sealfile:", "sealfile: [", 1),
                 "invalid YAML at line "),
}


def _broken(box: Sandbox, name: str, kind: str) -> None:
    plain, breaks, _ = BROKEN[kind]
    seal_file(box, name, plain)
    box.commit("base")
    path = box.repo / name
    text = path.read_text()
    assert breaks(text) != text
    path.write_text(breaks(text))
    box.commit("pushed by someone without a key")


def _name(kind: str, guarded: bool) -> str:
    suffix = {"env": "env", "json": "json"}.get(kind, "yaml")
    return f"config/app.enc.{suffix}" if guarded else f"config/app.{suffix}"


@pytest.mark.parametrize("guarded", [True, False], ids=["patterns", "outside"])
@pytest.mark.parametrize("kind", list(BROKEN))
def test_a_version_that_does_not_read_fails_review_with_its_cause_and_no_recipient_change(
        sandbox: Sandbox, kind: str, guarded: bool) -> None:
    """Under the ``sealed_files`` patterns or outside them (a file sealed where it lies, which an application may
    load): the review fails alike. Outside them it used to pass, calling the file plaintext and its recipients
    removed."""
    name, cause = _name(kind, guarded), BROKEN[kind][2]
    _broken(sandbox, name, kind)

    status, shown = sandbox.review_last()
    assert status == 3, shown
    assert re.search(rf"^  {re.escape(name)}: not a sealed file: {re.escape(cause)}", section(shown,
                     "POLICY VIOLATIONS:"), re.MULTILINE), shown
    assert "RECIPIENTS CHANGED" not in shown and "recipient removed" not in shown and "rotate" not in shown, shown
    assert "no longer sealed" not in shown and "0 recipient change(s)" in shown, shown
    assert f"  ! not a readable sealed file: {cause}" in shown, shown
    assert SECRET not in shown and "$(id)" not in shown, shown

    status, printed = sandbox.review_last("--format", "json")
    found = json.loads(printed)
    assert status == 3 and found["ok"] is False, printed
    assert found["recipient_changes"] == [] and found["data_key_replaced"] == [], printed
    [entry] = [f for f in found["files"] if f["path"] == name]
    assert [v for v in entry["violations"] if v.startswith(f"not a sealed file: {cause}")], entry
    diff = entry["diff"]
    assert diff["problem"].startswith(f"not a readable sealed file: {cause}"), diff
    assert diff["recipients_removed"] == diff["keys_removed"] == diff["recipients_added"] == [], diff
    assert diff["sealing"] is None and not diff["data_key_rotated"] and diff["seal_change"] is None, diff
    assert SECRET not in printed

    status, shown = sandbox.review_last("--fail-on-recipient-change")
    assert status == 3 and "recipients changed" not in shown, shown

