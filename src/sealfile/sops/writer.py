"""Writing a SOPS file: SOPS's tree encrypted as sops.go ``Tree.Encrypt`` does, with its metadata.

Every value the rule selects is encrypted under a fresh data key with its path as associated
data, comments included; the MAC is SHA-512 over the values in Go's spelling, encrypted with
``lastmodified`` as associated data. The text is read back through this package's reader with
the same data key before it is returned, and must hold exactly the tree it was made from, and the
recipients in the same key groups with the same threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.sops import Kind, parse
from sealfile.sops.cipher import MacHasher, encrypt_value, mac_bytes, path_aad, verify_mac
from sealfile.sops.format import METADATA_KEY, parse_metadata
from sealfile.sops.gojson import json_text
from sealfile.sops.gonum import json_keeps_int
from sealfile.sops.gotime import GoTime, utc_seconds
from sealfile.sops.nodes import Branch, Comment, Item
from sealfile.sops.render import dotenv_text, yaml_text
from sealfile.sops.rules import SopsRule
from sealfile.sops.tree import decrypt_branches

Entry = tuple[str, Branch]
"""``(sops metadata key, entry)`` for one recipient: ``("age", {recipient, enc})``, ``("pgp", {...})``..."""

SOPS_VERSION = "3.11.0"
"""The SOPS release whose format is written (``sops.version`` is informational to SOPS)."""


@dataclass
class _Encrypt:
    rule: SopsRule
    data_key: bytes
    hasher: MacHasher

    def branch(self, branch: Branch, keys: tuple[str, ...], stack: list[list[str]]) -> Branch:
        stack = [*stack, []]
        out = Branch()
        for item in branch:
            if isinstance(item.key, Comment):
                stack[-1].append(item.key.text)
                sealed = self.leaf(item.key, keys, stack)
                out.append(Item(sealed if isinstance(sealed, Comment) else Comment(sealed)))
                continue
            out.append(Item(item.key, self.value(item.value, (*keys, item.key), stack)))
            stack[-1] = []
        return out

    def value(self, node: Any, keys: tuple[str, ...], stack: list[list[str]]) -> Any:
        if isinstance(node, Branch):
            return self.branch(node, keys, stack)
        if isinstance(node, list):
            stack = [*stack, []]
            out = []
            for item in node:
                if isinstance(item, Comment):
                    stack[-1].append(item.text)
                out.append(self.value(item, keys, stack))
                if not isinstance(item, Comment):
                    stack[-1] = []
            return out
        return None if node is None else self.leaf(node, keys, stack)

    def leaf(self, value: Any, keys: tuple[str, ...], stack: list[list[str]]) -> Any:
        is_comment = isinstance(value, Comment)
        encrypted = self.rule.encrypts(keys, stack, is_comment)
        if not is_comment:
            self.hasher.add(mac_bytes(value))
        if not encrypted:
            return value
        return encrypt_value(self.data_key, value, path_aad(keys))


def _emit(document: Branch, kind: Kind) -> str:
    if kind == "json":
        return json_text(document)
    if kind == "dotenv":
        *data, meta = document  # the metadata is the last item: a data key "sops" is data to SOPS's dotenv store
        return dotenv_text(Branch(data), shown=False) + _flat_metadata(meta.value)  # names under sealfile's MAC
    return yaml_text([document], sops_file=True)


def _flat_metadata(meta: Branch) -> str:
    """The metadata as SOPS's dotenv store writes it: ``sops_`` keys, flattened and sorted."""
    flat: dict[str, str] = {}

    def visit(node: Any, name: str) -> None:
        if isinstance(node, Branch):
            for key, value in node.entries():
                visit(value, f"{name}__map_{key}" if name else key)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                visit(value, f"{name}__list_{index}")
        elif node is not None:
            flat[name] = ("true" if node else "false") if isinstance(node, bool) else str(node)

    visit(meta, "")
    return "".join(f"sops_{key}={flat[key].replace(chr(10), chr(92) + 'n')}\n" for key in sorted(flat))


def write_sops(document: Branch, *, kind: Kind, data_key: bytes, rule: SopsRule,
               groups: Sequence[Sequence[Entry]], threshold: int = 1, now: dt.datetime | None = None) -> str:
    """The SOPS file text for ``document`` (Go values, comments), read back before it is returned.

    ``groups``: per key group, ``(metadata key, entry)`` per recipient (``("age", {recipient, enc})``...);
    one group is written as SOPS's flat lists, several as ``key_groups`` that ``threshold`` of open."""
    if kind not in ("yaml", "json", "dotenv"):
        raise FormatError(f"export-sops writes SOPS YAML, JSON or dotenv files, not {kind}")
    hasher = MacHasher(only_encrypted=False)
    sealed = _Encrypt(rule, data_key, hasher).branch(document, (), [])
    lastmodified = utc_seconds(now or dt.datetime.now(dt.UTC))
    meta = Branch(_key_metadata(groups, threshold))
    meta.append(Item("lastmodified", lastmodified))
    meta.append(Item("mac", encrypt_value(data_key, hasher.hexdigest(), lastmodified.encode())))
    meta.append(Item(rule.kind, rule.pattern))
    meta.append(Item("version", SOPS_VERSION))
    text = _emit(Branch([*sealed, Item(METADATA_KEY, meta)]), kind)
    _read_back(text, kind, data_key, document, groups, threshold)
    return text


def _by_kind(entries: Sequence[Entry]) -> list[Item]:
    """One list per entry kind, in the order the kinds first come: SOPS's layout of a key group."""
    return [Item(name, [entry for key, entry in entries if key == name])
            for name in dict.fromkeys(name for name, _ in entries)]


def _key_metadata(groups: Sequence[Sequence[Entry]], threshold: int) -> list[Item]:
    if not groups or not all(groups):
        raise ValueError("every key group needs at least one recipient entry")
    if len(groups) == 1:
        return _by_kind(groups[0])
    return [Item("shamir_threshold", threshold), Item("key_groups", [Branch(_by_kind(group)) for group in groups])]


def _read_back(text: str, kind: Kind, data_key: bytes, intended: Branch,
               groups: Sequence[Sequence[Entry]], threshold: int) -> None:
    documents, raw_meta = parse(text, kind, comments=True)
    meta = parse_metadata(raw_meta)
    read = [len(group) for group in meta.groups]
    unopenable = any(not stanza.wrapped.strip() for group in meta.groups for stanza in group)  # sops reads, never opens
    if meta.unsupported or read != [len(group) for group in groups] or meta.threshold != threshold or unopenable:
        raise FormatError("SOPS would read the recipients or key groups back otherwise; it is not exported",
                          keypath=f"{METADATA_KEY}.key_groups" if len(groups) > 1 else METADATA_KEY)
    opened, computed = decrypt_branches(documents, meta, data_key)
    difference = _first_difference(opened[0], intended, (), json_numbers=kind == "json")
    if difference is not None:
        where, got, want = difference
        raise FormatError(f"SOPS would read this value back differently ({_cause(got, want, kind)}); it is not "
                          "exported", keypath=format_keypath(where) or None)
    verify_mac(data_key, meta.mac, computed, meta.lastmodified)


def _same_leaf(ours: Any, intended: Any, json_numbers: bool) -> bool:
    """The same Go value; in JSON a plaintext number is a float64 and a plaintext time a string,
    which SOPS hashes and prints as it does the int or the time; in YAML a whole plaintext float
    reads back as the int SOPS hashes and prints as it does the float."""
    if type(ours) is type(intended):  # a float as Go spells it: NaN is NaN, -0.0 is not 0.0 (``==`` says both wrong)
        return mac_bytes(ours) == mac_bytes(intended) if type(ours) is float else bool(ours == intended)
    if json_numbers and isinstance(ours, float) and isinstance(intended, int) and not isinstance(intended, bool):
        return ours == intended and json_keeps_int(intended)
    if isinstance(ours, int) and not isinstance(ours, bool) and isinstance(intended, float):
        # yaml.v3 prints a whole plaintext float64 as "1", read back as an int: SOPS hashes and
        # prints the two alike (a -0.0 it does not: "-0" reads back as 0)
        return ours == intended and mac_bytes(ours) == mac_bytes(intended)
    return json_numbers and isinstance(intended, GoTime) and ours == intended.text


def _cause(got: Any, want: Any, kind: Kind) -> str:
    """Why a value reads back otherwise, by kind and type only (never the value: it may be a secret)."""
    if kind == "json" and isinstance(got, float) and isinstance(want, int) and not isinstance(want, bool):
        return "a JSON number is a float64 to SOPS, which does not keep this integer's digits"
    if kind in ("dotenv", "ini") and isinstance(got, str) and not isinstance(want, str):
        return f"a {kind} value is text to SOPS: this {_kind_name(want)} would come back as a string"
    return f"a {_kind_name(want)} would come back as a {_kind_name(got)}"


def _kind_name(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", Branch: "mapping", list: "list"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


Difference = tuple[Path, Any, Any]


def _first_difference(ours: Any, intended: Any, where: Path, *, json_numbers: bool) -> Difference | None:
    if isinstance(intended, Branch):
        if not isinstance(ours, Branch) or len(ours) != len(intended):
            return where, ours, intended
        for got, want in zip(ours, intended, strict=True):
            if got.key != want.key:
                return where, ours, intended
            found = _first_difference(got.value, want.value, (*where, str(want.key)), json_numbers=json_numbers)
            if found is not None:
                return found
        return None
    if isinstance(intended, list):
        if not isinstance(ours, list) or len(ours) != len(intended):
            return where, ours, intended
        for index, (got, want) in enumerate(zip(ours, intended, strict=True)):
            found = _first_difference(got, want, (*where, ListIndex(index)), json_numbers=json_numbers)
            if found is not None:
                return found
        return None
    return None if _same_leaf(ours, intended, json_numbers) else (where, ours, intended)
