"""Every error message that names a line counts lines as an editor shows them: broken at LF, CRLF or a CR alone
(YAML and dotenv break lines at each). The same mistake on line 3 of a file is named line 3 whichever break the
file uses; counting LFs alone named line 1 of a CR file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sealfile.errors import SealfileError
from sealfile.files.io import not_utf8
from sealfile.model.conflicts import refuse_conflict_markers
from sealfile.sops import checked_kind
from sealfile.sops import parse as sops_parse
from sealfile.stores import get_store


def _not_utf8(text: str) -> None:
    raw = text.replace("?", "\udcff").encode("utf-8", "surrogateescape")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise SealfileError(not_utf8(raw, err)) from None


READS: dict[str, tuple[Callable[[str], object], str, str]] = {
    "yaml raw line separator": (get_store("yaml").load_editable, "a: 1\nb: 2\nc: x\u2028y\n", "line 3, column 5"),
    "yaml control character": (get_store("yaml").load_editable, "a: 1\nb: 2\nc: x\x01y\n", "line 3, column 5"),
    "yaml parser": (get_store("yaml").load_editable, "a: 1\nb: 2\nc: [1\n", "line 4"),
    "yaml directive": (get_store("yaml").load_editable, "a: 1\n...\n%YAML 1.1\n---\nb: 2\n", "(line 3)"),
    "json duplicate": (get_store("json").load_editable, '{\n"a": 1,\n"a": 2\n}\n', "line 3: duplicate key"),
    "json syntax": (get_store("json").load_editable, '{\n"a": 1,\n"b" 2\n}\n', "line 3, column 5"),
    "sops json syntax": (lambda text: sops_parse(text, checked_kind("json")), '{\n"a": 1,\n"b" 2\n}\n',
                         "line 3, column 5"),
    "dotenv blanks": (get_store("dotenv").load_editable, "A=1\nB=2\nC=" + " " * 70 + "x\n", "dotenv line 3"),
    "conflict markers": (refuse_conflict_markers, "a: 1\nb: 2\n<<<<<<< ours\nc: 1\n=======\nc: 2\n>>>>>>> theirs\n",
                         "line 3"),
    "not utf-8": (_not_utf8, "a: 1\nb: 2\nc: ?\n", "line 3"),
}


@pytest.mark.parametrize("break_", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
@pytest.mark.parametrize("case", list(READS))
def test_the_line_named_is_the_editors_line(case: str, break_: str) -> None:
    read, text, named = READS[case]
    with pytest.raises(SealfileError) as refused:
        read(text.replace("\n", break_))
    assert named in str(refused.value)
