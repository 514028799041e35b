"""Structure-aware inputs for :mod:`tests.fuzz.fuzz_readers`: the fuzzer's bytes choose a sealed file's
metadata rather than its characters, so wrong types, huge numbers, deep nesting and provider fields
naming hosts, paths and plugins reach the code past the parser.

Two shapes (the first byte picks): a file *forged* as anyone who can push can write it (values sealed
under a data key of the writer's choosing, recipient stanzas of any type and fields, key groups and
threshold, a valid MAC), so the readers go on to the providers; and a valid file whose metadata
block was *rewritten* with one node replaced by any value (the MAC no longer holds: the metadata
reader must refuse it in one line).
"""

from __future__ import annotations

import json
import os
from typing import Any

TYPES = ["age", "ssh", "keyring", "pgp", "aws_kms", "gcp_kms", "azure_kv", "hc_vault_transit", "evil", ""]
FIELDS = ["recipient", "name", "fingerprint", "arn", "region", "context", "profile", "role", "resource", "aad",
          "key", "url", "version", "uri", "vault_address", "engine_path", "key_name", "key_version", "endpoint",
          "plugin", "path", "type", "wrapped", "threshold", "mac", "signature", "version", "recipients"]
TEXTS = ["age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq", "age1yubikey1qqqqqqqqq",
         "age1evil1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqsxyz", "http://127.0.0.1:9",
         "https://attacker.example", "https://x.vault.azure.net/keys/k", "https://x.vault.azure.net/keys/k/v1",
         "arn:aws:kms:us-east-1:111122223333:key/k", "arn:aws:kms:x.attacker.example:111122223333:key/k",
         "arn:aws:iam::111122223333:role/x", "projects/p/locations/l/keyRings/r/cryptoKeys/k",
         "0123456789ABCDEF0123456789ABCDEF01234567", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbb x",
         "../../../../etc/passwd", "/dev/zero", "$(touch /tmp/pwned)", "-----BEGIN AGE ENCRYPTED FILE-----\nAAAA\n"
         "-----END AGE ENCRYPTED FILE-----\n", "vault:v1:AAAA", "AAAA", "", " ", "\x00", "\u202e", "x" * 20_000]


def value(fdp: Any, depth: int = 0) -> Any:
    """Any JSON value, with a leaning towards what metadata readers meet."""
    choice = fdp.ConsumeIntInRange(0, 12 if depth < 4 else 7)
    if choice == 0:
        return fdp.PickValueInList(TEXTS)
    if choice == 1:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    if choice == 2:
        return fdp.PickValueInList([0, 1, 2, -1, 3, 16, 17, 64, 65, 2**31, 2**63, 10**30, -(10**30)])
    if choice == 3:
        return fdp.PickValueInList([True, False, None, 1.5, 1e308, -0.0])
    if choice == 4:
        return fdp.ConsumeInt(8)
    if choice == 5:
        return "[" * fdp.ConsumeIntInRange(0, 3000)
    if choice == 6:
        nested: Any = 1
        for _ in range(fdp.ConsumeIntInRange(0, 150)):  # the readers refuse past 100 (deeper: the writer here)
            nested = [nested]
        return nested
    if choice == 7:
        return fdp.PickValueInList(FIELDS)
    if choice in (8, 9):
        return [value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    return {fdp.PickValueInList(FIELDS): value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))}


def stanza(fdp: Any) -> dict[str, Any]:
    fields = {fdp.PickValueInList(FIELDS): value(fdp) for _ in range(fdp.ConsumeIntInRange(0, 4))}
    fields = {k: v for k, v in fields.items() if k not in ("type", "wrapped")}
    return {"type": fdp.PickValueInList(TYPES), **fields, "wrapped": fdp.PickValueInList(TEXTS)}


def forged_file(fdp: Any, plaintext: str, store_name: str) -> str:
    """A file anyone who can push can write: any stanzas in any groups, a valid MAC."""
    from sealfile.model.metadata import Stanza
    from sealfile.ops.document import Reuse
    from sealfile.ops.seal import seal_plaintext
    from sealfile.stores import get_store

    groups = []
    for _ in range(fdp.ConsumeIntInRange(1, 4)):
        groups.append(tuple(Stanza.from_mapping(stanza(fdp)) for _ in range(fdp.ConsumeIntInRange(1, 4))))
    threshold = fdp.ConsumeIntInRange(1, len(groups))
    reuse = Reuse(os.urandom(32), tuple(groups), {}, threshold)
    return seal_plaintext(plaintext, get_store(store_name), [], None, reuse=reuse)


def _replace(node: Any, fdp: Any) -> Any:
    """``node`` with one of its nodes (or itself) replaced by any value."""
    if isinstance(node, dict) and node and fdp.ConsumeBool():
        key = fdp.PickValueInList(sorted(node))
        return {**node, key: _replace(node[key], fdp)}
    if isinstance(node, list) and node and fdp.ConsumeBool():
        index = fdp.ConsumeIntInRange(0, len(node) - 1)
        return [*node[:index], _replace(node[index], fdp), *node[index + 1:]]
    if isinstance(node, dict) and fdp.ConsumeBool():
        return {**node, fdp.PickValueInList(FIELDS): value(fdp)}
    return value(fdp)


def rewritten_file(fdp: Any, sealed_yaml: str, sealed_json: str) -> tuple[str, str]:
    """A valid file (YAML or JSON) whose metadata has one node replaced; returns (name, text)."""
    from sealfile.stores.yaml.reader import load_fast

    if fdp.ConsumeBool():
        document = json.loads(sealed_json)
        document["sealfile"] = _replace(document["sealfile"], fdp)
        return "secrets.enc.json", json.dumps(document)
    body, _, block = sealed_yaml.partition("\nsealfile:\n")
    meta = json.loads(json.dumps(load_fast("sealfile:\n" + block)["sealfile"]))
    return "secrets.enc.yaml", body + "\nsealfile: " + json.dumps(_replace(meta, fdp)) + "\n"
