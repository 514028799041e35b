"""The order of ``review``'s sections: what fails the review first, then who can read the files (recipients),
then who sealed them (data keys replaced, trusted signers, trusted hosts), then the rest; the same in text,
Markdown and JSON (key order), and the summary line counts in that order. The violations used to come after
every warning block, below a summary line that counted them first."""

from __future__ import annotations

import json

from sealfile.gitflow.file_review import FileReview
from sealfile.gitflow.review import Review, render
from sealfile.gitflow.semantic_diff import FileDiff

TEXT_ORDER = ["POLICY VIOLATIONS:", "!!! RECIPIENTS CHANGED !!!", "!!! DATA KEY REPLACED !!!",
              "!!! SIGNERS CHANGED !!!", "!!! TRUST CHANGED !!!", "NEEDS ATTENTION:", "CHANGES:"]
MARKDOWN_ORDER = ["### :x: Policy violations", "### :warning: Recipients changed", "### :warning: Data key replaced",
                  "### :warning: Signers changed", "### :warning: Trust changed", "### Needs attention",
                  "### Changes"]
JSON_ORDER = ["ok", "violations", "recipient_changes", "data_key_replaced", "signer_changes", "trust_changes"]


def _everything() -> Review:
    result = Review("main", "feature")
    diff = FileDiff("prod.enc.yaml", "modified", recipients_added=["age age1stranger"])
    result.files.append(FileReview("prod.enc.yaml", diff, violations=["NOT SEALED"], attention=["format changed"],
                                   sealed_by="unsigned (before: unsigned)", data_key_replaced=True))
    result.signer_changes.append(".sealfile.yaml: ADDED signer mallory")
    result.trust_changes.append(".sealfile.yaml: ADDED trust host vault.attacker.example")
    return result


def _positions(shown: str, titles: list[str]) -> list[int]:
    lines = shown.splitlines()
    return [lines.index(title) for title in titles]


def test_sections_come_in_order_of_urgency_in_text_and_markdown() -> None:
    result = _everything()
    for fmt, titles in (("text", TEXT_ORDER), ("markdown", MARKDOWN_ORDER)):
        shown = render(result, fmt)
        positions = _positions(shown, titles)
        assert positions == sorted(positions), (fmt, shown)
        assert "1 policy violation(s), 1 recipient change(s), 1 sealed file(s) changed." in shown, shown


def test_json_keys_come_in_the_same_order() -> None:
    keys = list(json.loads(render(_everything(), "json")))
    assert keys[:len(JSON_ORDER)] == JSON_ORDER, keys
