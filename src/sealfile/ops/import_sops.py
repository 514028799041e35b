"""``import-sops``: a SOPS file becomes a sealed sealfile file for the same recipients.

The SOPS file is verified first (its MAC, every value). Its age and AWS KMS entries become
our recipients (a KMS entry keeps its ARN, encryption context, role and profile), its rule
becomes ours (``encrypted_suffix`` as an anchored ``encrypted_regex``), and its plaintext
(with comments, for YAML) is sealed afresh under a new data key: SOPS's key is not reused.
Entries we have no provider for (PGP, GCP, Azure, Vault) are reported, not silently kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from sealfile.errors import FormatError
from sealfile.kms.base import MasterKey
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza
from sealfile.ops.seal import seal_plaintext
from sealfile.ops.signatures import TrustPolicy
from sealfile.sops import sniff
from sealfile.sops.render import plaintext, same_data, to_yaml_tree
from sealfile.stores import get_store
from sealfile.stores.yaml import roundtrip as yaml_store
from sealfile.stores.yaml.reader import load_fast


@dataclass(frozen=True)
class Imported:
    sealed: str
    """The sealed sealfile YAML text."""
    skipped: list[str]
    """SOPS key types present in the file that the sealed file does not carry over."""


def recipient_key(stanza: Stanza) -> MasterKey:
    """Our provider for a SOPS entry (its wrapped key is not used: a new data key is wrapped)."""
    return key_for(stanza)


def import_sops(text: str, *, path: str | None = None, policy: TrustPolicy | None = None) -> Imported:
    """Convert a SOPS file's text (``path`` only picks YAML or JSON) to a sealed file's text, signed
    as ``policy`` wants."""
    found = sniff(text, path)
    if found is None:
        raise FormatError("not a SOPS file (no top-level 'sops' mapping with a 'mac')")
    tree, fmt = found
    rendered, opened = plaintext(text, tree, fmt=fmt)
    if fmt == "json":
        rendered = yaml_store.dump_roundtrip(to_yaml_tree(opened.data))
    try:
        unchanged = same_data(load_fast(rendered), opened.data)
    except FormatError:
        unchanged = False
    if not unchanged:
        raise FormatError("the SOPS file's data cannot be written as YAML without change")
    keys = [recipient_key(stanza) for stanza in opened.meta.recipients]
    if not keys:
        raise FormatError(f"none of the SOPS file's recipients ({', '.join(opened.meta.unsupported)}) "
                          "is a kind sealfile supports")
    sealed = seal_plaintext(rendered, get_store("yaml"), keys, opened.meta.sealfile_rules(), policy=policy)
    return Imported(sealed, list(opened.meta.unsupported))
