"""review and the redacted diff name a change of an application's YAML tag (docs/format.md §1.3) at its key path:
a legitimate re-seal that only adds, removes, changes or moves a tag changes no value, and was shown as nothing."""

from __future__ import annotations

import pytest

from sealfile.gitflow.file_review import review_file
from sealfile.gitflow.semantic_diff import diff_texts, render_text
from sealfile.ops.change import reseal_edited
from sealfile.ops.read import decrypt_text
from sealfile.ops.seal import seal_text
from tests.support.identities import AgeIdentity

BEFORE = "a: !Ref one\nb: !GetAtt two\nc: !include\n  d: three\ne: [!Sub x, y]\nf: five\n"
RETAGGINGS = [  # (the plaintext after, the lines the change shows)
    (BEFORE.replace("a: !Ref", "a: !Sub"), ["~ a: tag !Ref -> !Sub"]),
    (BEFORE.replace("f: five", "f: !secret five"), ["~ f: tag (none) -> !secret"]),
    (BEFORE.replace("a: !Ref one", "a: one"), ["~ a: tag !Ref -> (none)"]),
    (BEFORE.replace("a: !Ref one\nb: !GetAtt two", "a: !GetAtt one\nb: !Ref two"),
     ["~ a: tag !Ref -> !GetAtt", "~ b: tag !GetAtt -> !Ref"]),
    (BEFORE.replace("c: !include\n  d:", "c:\n  d: !include"), ["~ c.d: tag (none) -> !include",  # the new order
                                                               "~ c: tag !include -> (none)"]),
    (BEFORE.replace("[!Sub x, y]", "[x, !Sub y]"), ["~ e.1: tag (none) -> !Sub", "~ e.0: tag !Sub -> (none)"]),
]


@pytest.mark.parametrize(("after", "shown"), RETAGGINGS)
@pytest.mark.parametrize("fast", ["1", "0"])
def test_a_tag_only_change_is_named_at_its_key_path(age_identity: AgeIdentity, after: str, shown: list[str],
                                                      fast: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_FAST_PATH", fast)
    old = seal_text(BEFORE, [age_identity.key])
    new = reseal_edited(old, after)
    assert decrypt_text(new) == after
    diff = diff_texts("app.enc.yaml", old, new)
    assert diff.status == "modified"
    assert [line.strip() for line in render_text(diff)[1:]] == shown
    reviewed = review_file("app.enc.yaml", old, new)
    assert [line.strip() for line in render_text(reviewed.diff)[1:]] == shown
    assert diff_texts("app.enc.yaml", old, old).status == "unchanged"


def test_a_value_and_its_tag_changed_show_one_line_each(age_identity: AgeIdentity) -> None:
    old = seal_text(BEFORE, [age_identity.key])
    new = reseal_edited(old, BEFORE.replace("a: !Ref one", "a: !Sub uno"))
    lines = [line.strip() for line in render_text(diff_texts("app.enc.yaml", old, new, reveal=True))[1:]]
    assert lines == ['~ a: "one" -> "uno"', "~ a: tag !Ref -> !Sub"]
