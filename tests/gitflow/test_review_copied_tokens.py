"""review's check for tokens copied by hand does work linear in the places a token sits: a sealed file
holding one token at 4,000 key paths (a flow list written by hand) held review for 27 s, 60,000 for hours."""

from __future__ import annotations

import re
import time

from sealfile.gitflow.tampering import hand_edits, token_locations
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.ops.seal import seal_text
from sealfile.stores import get_store

COPIES = 4_000


def test_one_token_copied_to_thousands_of_paths_is_reported_quickly() -> None:
    old = seal_text("a: x\nlist: [1]\n", [AgeKey(generate_identity()[1])], store=get_store("yaml"))
    token = re.search(r'"(ENC\[[^\]]+\])"', old)
    assert token is not None
    new = old.replace("list: [", "list: [" + f'"{token[1]}", ' * COPIES, 1)
    locations = token_locations([("s.enc.yaml", new)])
    started = time.monotonic()
    violations, _ = hand_edits("s.enc.yaml", old, new, locations)
    assert time.monotonic() - started < 5
    copies = [line for line in violations if "holds the ciphertext sealed for list.0" in line]
    assert len(copies) == COPIES
