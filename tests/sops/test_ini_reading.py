"""SOPS INI files are read in one pass: every line used to copy the list of the lines after it, so a file's
reading took time quadratic in its lines (120,000 keys, within the node limit: a minute)."""

from __future__ import annotations

import time

from sealfile.sops.initree import read_ini
from sealfile.sops.nodes import plain


def test_a_long_ini_file_is_read_in_linear_time() -> None:
    keys = 100_000
    text = ("[s]\n" + "".join(f"k{n} = {n}\n" for n in range(keys)) + '[t]\nq = """one\ntwo"""\nr = `x\ny`\n'
            "[sops]\nversion = 3.11.0\n")
    started = time.process_time()
    branch, metadata = read_ini(text)
    assert time.process_time() - started < 3.0
    data = plain(branch)
    assert len(data["s"]) == keys and data["s"]["k99999"] == "99999"
    assert data["t"] == {"q": "one\ntwo", "r": "x\ny"}  # a quoted value still takes the lines it runs over
    assert metadata == {"version": "3.11.0"}
