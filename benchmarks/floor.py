"""The floor a Python reader of a sealed file cannot go below: start, import the C YAML parser,
``cryptography`` and pyrage, parse the file, unwrap the data key for one age identity and
Fernet-decrypt every value. No MAC, no layout, no checks: what ``decrypt`` is measured against.

    python benchmarks/floor.py FILE AGE_KEY_FILE
"""

import base64
import sys

import pyrage
from cryptography.fernet import Fernet
from ruamel.yaml import YAML


def tokens(node: object) -> list[str]:
    if isinstance(node, dict):
        return [t for value in node.values() for t in tokens(value)]
    if isinstance(node, list):
        return [t for value in node for t in tokens(value)]
    return [node[4:-1]] if isinstance(node, str) and node.startswith("ENC[") else []


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        tree = YAML(typ="safe").load(handle.read())  # the C loader (ruamel.yaml.clib)
    meta = tree.pop("sealfile")
    with open(sys.argv[2], encoding="utf-8") as handle:
        identity = next(pyrage.x25519.Identity.from_str(line.strip()) for line in handle
                        if line.startswith("AGE-SECRET-KEY-"))
    data_key = pyrage.decrypt(meta["recipients"][0]["wrapped"].encode(), [identity])
    fernet = Fernet(base64.urlsafe_b64encode(data_key))
    out = [fernet.decrypt(token) for token in tokens(tree)]
    sys.stdout.write(f"{len(out)}\n")


if __name__ == "__main__":
    main()
