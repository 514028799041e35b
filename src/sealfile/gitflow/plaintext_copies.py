"""Plaintext data files that a change commits outside the ``sealed_files`` patterns, judged without any key
(:mod:`.leaks` finds them): a **decrypted copy** of a sealed file, or values that are secret by their name or by
where they are (a Kubernetes Secret's ``data``, which base64 only encodes), in plaintext.

Every document of a file is read: Kubernetes manifests and compose overrides put several in one file, and a
copy or a Secret in the second one is as committed as in the first.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from sealfile.errors import SealfileError
from sealfile.gitflow.blob_views import Views
from sealfile.gitflow.copy_index import SealedCopies, TooManyComparisons, reference, token
from sealfile.gitflow.look_alike import skeleton
from sealfile.gitflow.sealed import keypath
from sealfile.gitflow.secret_names import looks_secret, secret_name
from sealfile.gitflow.secret_values import credential_in, credential_lines, stand_in
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import Path, iter_leaves
from sealfile.ops.sops_files import sops_kind
from sealfile.stores import Store, get_store, named_store, store_for
from sealfile.stores.base import SUFFIXES

_SECRET_ENTRIES = ("data", "stringData")
"""Where a Kubernetes Secret holds its values (``data`` base64-encoded: readable by anyone)."""


def data_store(path: str) -> Store | None:
    """The store that reads ``path`` if its name says it holds data, else ``None``: the one every command
    reads and writes it with (``.env.yaml`` is YAML: ``decrypt -o .env.yaml`` writes YAML there), else,
    for a name that says data in another case or ``.env.*``, the one that reads what it likely holds
    (``PROD.JSON``: YAML, which ``decrypt -o`` writes there and which reads JSON too; ``.env.local``,
    ``.ENV``: dotenv)."""
    name = skeleton(PurePosixPath(path).name)  # prod.y\u0430ml (a Cyrillic a) holds what prod.yaml would
    found = _named_data(name)
    stem, _, last = name.rpartition(".")  # config.json.example, settings.yml.dist: read as what they are examples of
    return found if found is not None or not stem or last.lower() not in _TEMPLATE_WORDS else _named_data(stem)


def _named_data(name: str) -> Store | None:
    exact = named_store(name)
    if exact is not None:
        return exact
    lowered = name.lower()
    if lowered == ".env" or lowered.startswith(".env.") or lowered.endswith(SUFFIXES["dotenv"]):
        return get_store("dotenv")
    if lowered.endswith(_JSON_NAMES):
        return get_store("json")
    return store_for(name) if named_store(lowered) is not None else None


_TEMPLATE_WORDS = frozenset({"example", "examples", "sample", "samples", "template", "tmpl", "tpl", "dist"})
"""Words of a file name that say it is an example to copy (``.env.example``, ``values.sample.yaml``,
``config.json.dist``): committed on purpose, with stand-ins where the values go."""


def template_name(path: str) -> bool:
    """Whether ``path``'s name says it is an example or template (a word of it, between ``.``, ``_``, ``-``)."""
    return any(word in _TEMPLATE_WORDS for word in re.split(r"[._-]", PurePosixPath(path).name.lower()))


def _stand_ins_as_references(leaves: dict[Path, Any]) -> dict[Path, Any]:
    """An example file's leaves, each stand-in (``<REQUIRED>``, ``changeme``, ``xxx``, empty) read as the reference
    it stands for: it holds no value, so an example is a copy only where every value is a real one (a decrypted
    file copied to ``.env.example``), and a stand-in under a secret's name is no finding."""
    return {p: _STANDS_FOR if isinstance(value, str) and stand_in(value) else value for p, value in leaves.items()}


_STANDS_FOR = "${stand-in}"


_JSON_NAMES = (".tfstate", ".tfstate.backup", ".har")
"""JSON by another name, holding secrets by key: Terraform's state (every resource's attributes, a database's
``password`` among them, committed by a local backend) and a browser's HAR capture (request headers)."""


def data_documents(text: str, store: Store) -> list[dict[Path, Any]] | None:
    """The leaves of each document of a plaintext data file (one for most files), or of a SOPS file (without its
    metadata; the values SOPS encrypted are its ``ENC[AES256_GCM,...]`` tokens); ``None`` if it is neither:
    unreadable, or sealed. Read in ``store``, else as YAML: ``decrypt -o prod.json`` writes the sealed file's own
    syntax, whatever the name, unless told ``--output-type``."""
    found = _documents(text, store)
    if found is None and store.name != "yaml":
        found = _documents(text, get_store("yaml"))
    return found


def _documents(text: str, store: Store) -> list[dict[Path, Any]] | None:
    try:
        kind = sops_kind(text, input_type=store.name)
        trees = store.load_documents(text) if kind is None else [_sops_data(text, kind)]
    except SealfileError:
        return None
    except Exception:  # a file a syntax's parser refuses in its own way: not data this check reads
        return None
    documents = [tree if isinstance(tree, (dict, list)) else {} for tree in trees]  # a scalar: no key paths
    if not any(documents) or any(isinstance(tree, dict) and METADATA_KEY in tree for tree in documents):
        return None
    try:  # a list document (an Ansible playbook) by index: [0].vars.db_password
        return [dict(iter_leaves(tree)) for tree in documents]
    except SealfileError:  # aliases (a GitLab CI file's anchors): not data this check reads, nor a reason to fail
        return None


def _sops_data(text: str, kind: Any) -> Any:
    from sealfile import sops
    from sealfile.sops.data import to_data

    documents, _ = sops.parse(text, kind)
    return to_data(documents[0], "json" if kind == "json" else "yaml") if documents else {}


COMMITTED_COPY = "remove it from the history and rotate its values"
"""What to do about a decrypted copy a commit holds."""


def plaintext_findings(path: str, text: str, sealed: SealedCopies,
                       fix: str = COMMITTED_COPY) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for a changed file outside the patterns; ``sealed``: the sealed files it may
    copy; ``fix``: what to do about a decrypted copy."""
    store = data_store(path)
    documents = data_documents(text, store) if store is not None else None
    if not documents:
        return [], []
    attention = []
    template = template_name(path)
    if template:  # committed on purpose (not to keep out of git): its values are to be stand-ins
        then = ", remove its values from the history and rotate them" if fix == COMMITTED_COPY else " before committing"
        fix = f"an example file holds stand-ins, not values: put them back{then}"
    for number, leaves in enumerate(documents, 1):
        which = f"document {number}: " if len(documents) > 1 else ""
        leaves = _stand_ins_as_references(leaves) if template else leaves
        try:
            source = sealed.copied_by(leaves)
        except TooManyComparisons as err:
            return [str(err)], []
        if source is not None:
            return [f"{which}holds every key path of {source} in plaintext: a decrypted copy ('sealfile decrypt "
                    f"-o')? {fix}"], []
        secret = _secret_entries(leaves)
        for p, value in leaves.items():
            if not _filled(value) or token(value):
                continue
            why = ("in a Kubernetes Secret" if p in secret else "named like a secret" if looks_secret(p)
                   else "the value of a variable named like a secret" if _named_pair(leaves, p)
                   else credential_in(value))
            if why is not None:
                attention.append(f"{which}{keypath(p)}: {why}, in plaintext in a file no sealed_files pattern covers")
    return [], attention


_PAIR_NAMES = ("name", "key")
"""The key naming a ``value`` beside it: a Kubernetes container's ``env``, a Postman variable, a HAR header."""


def _named_pair(leaves: dict[Path, Any], path: Path) -> bool:
    """Whether ``path`` is the ``value`` of a ``{name: DB_PASSWORD, value: ...}`` pair whose name names a secret."""
    if not path or path[-1] != "value" or stand_in(str(leaves[path])):  # a chart's 'value: <REQUIRED>'
        return False
    return any(isinstance(named := leaves.get((*path[:-1], key)), str) and secret_name(named) for key in _PAIR_NAMES)


def _secret_entries(leaves: dict[Path, Any]) -> set[Path]:
    """The values of a Kubernetes Secret (``kind: Secret``): secret whatever their names."""
    if leaves.get(("kind",)) != "Secret":
        return set()
    return {p for p in leaves if len(p) == 2 and p[0] in _SECRET_ENTRIES}


def _filled(value: Any) -> bool:
    """A string that may be a secret: not empty, not a reference (``${DB_PASSWORD}``, ``{{ .token }}``)."""
    return isinstance(value, str) and bool(value.strip()) and not reference(value)


_AS_DATA = ("copy.yaml", "copy.env")
_AS_JSON = ("copy.json",)
"""For a decoded text that opens as JSON (joined JSON-lines records, an escaped document): read as JSON, ten times
faster than YAML's reader on a large one, and as YAML if it is no JSON (:func:`data_documents`); never as dotenv,
whose reader, failing, read it as YAML again."""
"""How a decoded text that no name says the syntax of is read for a decrypted copy: as YAML (JSON too), as dotenv."""


def decoded_findings(found: Views, sealed: SealedCopies, fix: str = COMMITTED_COPY,
                     said: frozenset[str] = frozenset()) -> tuple[list[str], list[str]]:
    """``(violations, attention)``, each ``"WHERE: ..."``, for the texts :func:`~.blob_views.views` decoded from a
    file (not the file itself as UTF-8, which :func:`plaintext_findings` judges): a decrypted copy in any of them;
    what is secret by its name in those a name says are data, credentials in the others; and what was not read.
    ``said``: the findings of the file itself, not repeated for a decoded text that says the same."""
    violations: list[str] = []
    attention = list(found.not_read)
    copied_already: set[str] = set()  # one text found twice (a notebook's output, its JSON string) said once
    credited: list[str] = []  # the lines of decoded texts a credential was said for
    for view in found.found:
        if not view.where:
            continue
        named = view.name is not None and data_store(view.name) is not None
        copied: list[str] = []
        guesses = _AS_JSON if view.text.lstrip().startswith("{") else _AS_DATA
        for name in [view.name] if named and view.name is not None else guesses if _may_be_data(view.text) else ():
            copied, noted = plaintext_findings(name, view.text, sealed, fix)
            violations += [f"{view.where}: {line}" for line in copied if line not in copied_already]
            attention += [f"{view.where}: {line}" for line in noted if named and line not in said]
            copied_already.update(copied)
            if copied:
                break
        if not named and not copied and not view.as_written:
            attention += [f"{view.where}: {line}" for line in _new_credentials(view.name or "", view.text, credited)
                          if "private key" not in line]  # a key is judged for whose it is (committed_keys)
    return violations, attention


def _new_credentials(name: str, text: str, credited: list[str]) -> list[str]:
    """:func:`credential_lines` of a decoded text, but for the lines an earlier text of the file was said for
    (``credited``, added to): a notebook's output and its JSON string, one URL-encoded value on many lines."""
    lines = text.splitlines()
    found = credential_lines(name, text, "\n".join(credited))
    credited += [lines[int(line.split(":", 1)[0].removeprefix("line ")) - 1] for line in found]
    return found


def _may_be_data(text: str) -> bool:
    """Whether a text may hold two key paths: lines, or one line of JSON (a value alone is no copy)."""
    return "\n" in text.strip() or text.lstrip().startswith("{")
