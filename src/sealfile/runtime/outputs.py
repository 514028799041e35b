"""Decrypted values in the shapes deployments consume: YAML, JSON, dotenv, a Kubernetes Secret.

Input is plain data (what ``load_secrets(..., redacted=False)`` returns). ``dotenv`` and
``k8s-secret`` use the names of :mod:`sealfile.runtime.flatten` (``DATABASE_PASSWORD``), so a
container gets the same variables from ``envFrom: secretRef`` as from ``load_env``, checked as
``load_env`` checks them (:mod:`sealfile.runtime.environment`): a name such as ``LD_PRELOAD``,
``NODE_OPTIONS`` or ``HTTPS_PROXY``, or one a shell keeps for itself (``UID``, ``RANDOM``, ``COLUMNS``,
``HISTSIZE``), is refused unless a prefix is given or ``allow_env`` names it.

A dotenv value is spelled so that python-dotenv (with or without ``interpolate``), Docker Compose
and a shell (``set -a; . ./.env``) all read the same text: single-quoted where that is literal to all
three (no ``'``, no ``\\\\``, no final ``\\``), else double-quoted with only ``\\\\`` and ``\\"``
escapes, newlines kept as they are. A value none of the spellings carries for all three is an error
naming its key path: a carriage return (python-dotenv reads a line break), ``${...}`` (python-dotenv
puts a variable there), or ``$`` or a backquote in a value that must be double-quoted (a shell would
expand or run it, Compose would expand it).
``docker run --env-file`` and ``kubectl create secret --from-env-file`` read no quotes at all: use
Compose, or the Kubernetes output, there. systemd's ``EnvironmentFile=`` reads the same text (single
quotes literal; in double quotes ``\\`` and ``\"`` escapes, line breaks kept; tested with systemd's own
parser). Docker Compose v2 (compose-go, checked by hand: the suite has no Go) reads single quotes literally
and expands ``$`` and escapes in double quotes, which the output writes only where a value holds no ``$``.
Node's ``dotenv`` (npm) undoes no ``\\\\`` or ``\\"`` in double quotes: :func:`read_otherwise_by_node` names
the values it reads otherwise, for a note (the output stays as the readers above read it).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import math
import re
from collections.abc import Collection
from functools import cache
from typing import Any

from sealfile.errors import ConfigError, FormatError
from sealfile.model.paths import ListIndex, Path, format_keypath
from sealfile.model.scalars import scalar_text, time_text
from sealfile.runtime.environment import checked_variables
from sealfile.runtime.formats import FORMATS
from sealfile.stores.dotenv_lines import single_quotable, spelled_for_all
from sealfile.stores.yaml.portable import portable

MAX_SECRET_BYTES = 1 << 20
"""What the API server takes in one Secret's ``data``: its values' decoded bytes summed (``ValidateSecret``)."""
# Kubernetes object names (DNS-1123 subdomain) and namespaces (DNS-1123 label).
DNS1123_SUBDOMAIN = r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_LABEL = r"^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def render(data: Any, fmt: str, *, name: str | None = None, namespace: str | None = None, prefix: str = "",
           allow_env: Collection[str] = ()) -> str:
    """``data`` as text in ``fmt`` (one of :data:`FORMATS`); ``name``/``namespace`` for k8s; ``prefix``
    and ``allow_env`` for the outputs that become an environment (as for ``load_env``)."""
    if fmt == "yaml":
        return to_yaml(data)
    if fmt == "json":
        return to_json(data)
    if fmt == "dotenv":
        return to_dotenv(data, prefix=prefix, allow_env=allow_env)
    if fmt == "k8s-secret":
        if not name:
            raise ConfigError("a Kubernetes Secret needs a name (--name)")
        return to_k8s_secret(data, name=name, namespace=namespace, prefix=prefix, allow_env=allow_env)
    raise ConfigError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")


def to_yaml(data: Any) -> str:
    """YAML that YAML 1.2 (ruamel) and YAML 1.1 (PyYAML, Go's yaml.v2) readers read as ``data``; checked
    by reading it back before it is returned."""
    from ruamel.yaml import YAML  # its pure-Python emitter: only for this output, not for every decrypt

    from sealfile.model.scalars import same_data
    from sealfile.stores.yaml.reader import load_fast

    yaml = YAML(typ="safe", pure=True)
    yaml.Representer = _representer()
    yaml.default_flow_style = False
    yaml.width = 1 << 30
    yaml.representer.sort_base_mapping_type_on_output = False  # keep the file's order
    stream = io.StringIO()
    yaml.dump(data, stream)
    text = portable(stream.getvalue())  # a plain yes, 0o12 or 12:30 would mean otherwise to YAML 1.1 readers
    if not same_data(load_fast(text), data):
        raise FormatError("cannot write these values as YAML that reads back as the same data")
    return text


@cache
def _representer() -> type:
    from ruamel.yaml.representer import SafeRepresenter

    from sealfile.stores.yaml.reader import READ_APART

    class Representer(SafeRepresenter):
        """Strings with a character YAML readers read apart (U+0085, U+2028, U+2029, U+FEFF) double-quoted,
        where they are escapes: the emitter writes them raw in a quoted scalar, and there PyYAML reads
        a U+0085 as a line break, folded to a space."""

        def represent_str(self, data: str) -> Any:
            if not data.isascii() and any(char in data for char in READ_APART):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
            return super().represent_str(data)

    Representer.add_representer(str, Representer.represent_str)
    return Representer


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return time_text(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """JSON any JSON reader reads: NaN and infinity are refused (as Go's encoder refuses them), not
    written as the ``NaN`` Python's encoder writes and other readers reject; so are two keys of one
    mapping that JSON spells alike (``1`` and ``"1"``, ``null`` and ``"null"``), of which a reader would
    keep one. A key that is not a string is spelled as its value is (``null``, a date's RFC 3339 text)."""
    keyed = _json_keyed(data, ())
    try:
        return json.dumps(keyed, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False) + "\n"
    except ValueError:
        from sealfile.stores.json import non_finite_path

        raise FormatError("JSON cannot hold NaN or infinity", keypath=non_finite_path(data)) from None


def rounded_by_javascript(data: Any) -> list[str]:
    """Key paths, in document order, of the integers JavaScript's ``JSON.parse`` reads as another
    number (the nearest double, beyond 2**53 mostly, or ``Infinity``). JSON itself has no limit and
    Python's json, Go's ``json.Number`` and jq 1.7 read every digit, so :func:`to_json` writes them as
    they are and a caller names these."""
    found: list[str] = []
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed([((*path, key), child) for key, child in node.items()]))
        elif isinstance(node, list):
            stack.extend(reversed([((*path, ListIndex(i)), child) for i, child in enumerate(node)]))
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > 1 << 53 and not _a_double(node):
            found.append(format_keypath(path))
    return found


def _a_double(number: int) -> bool:
    try:
        return int(float(number)) == number
    except OverflowError:
        return False


def _json_keyed(node: Any, path: Path) -> Any:
    """``node`` with every mapping key as the JSON text it is written as (:func:`_json_key`); two keys
    spelled alike in one mapping, or one JSON cannot spell, refused with the key path."""
    if isinstance(node, list):
        return [_json_keyed(child, (*path, ListIndex(index))) for index, child in enumerate(node)]
    if not isinstance(node, dict):
        return node
    keyed: dict[str, Any] = {}
    spelled: dict[str, Any] = {}
    for key, child in node.items():
        text = _json_key(key, path)
        if text in spelled:
            raise FormatError(f"the keys {_shown_key(spelled[text])} and {_shown_key(key)} are both the JSON key "
                              f"{json.dumps(text, ensure_ascii=False)}", keypath=format_keypath(path) or None)
        spelled[text] = key
        keyed[text] = _json_keyed(child, (*path, key))
    return keyed


def _json_key(key: Any, path: Path) -> str:
    """The one text of a key, as :func:`~sealfile.model.scalars.scalar_text` spells its value."""
    if isinstance(key, str):
        return key
    if isinstance(key, float) and not math.isfinite(key):
        raise FormatError(f"the key {_shown_key(key)} has no JSON spelling (JSON has no NaN or infinity)",
                          keypath=format_keypath(path) or None)
    if isinstance(key, (tuple, list, dict)):
        raise FormatError("a key that is a list has no JSON spelling", keypath=format_keypath(path) or None)
    return scalar_text(key)


def _shown_key(key: Any) -> str:
    """A key as a key path names it (``[1]``, ``["1"]``, ``[null]``, ``[.inf]``); a date or binary by its text."""
    if isinstance(key, (str, int)):
        return format_keypath((key,))
    return "[null]" if key is None else f"[{scalar_text(key)}]"


def dotenv_quote(value: str, keypath: str | None = None) -> str:
    """``value`` as a dotenv value python-dotenv, Compose and a shell read back alike (module docstring)."""
    return spelled_for_all(value, keypath)


def to_dotenv(data: Any, *, prefix: str = "", allow_env: Collection[str] = ()) -> str:
    names, origins = checked_variables(data, prefix, allow_env)
    return "".join(f"{name}={dotenv_quote(value, format_keypath(origins[name]))}\n" for name, value in names.items())


def read_otherwise_by_node(data: Any, *, prefix: str = "", allow_env: Collection[str] = ()) -> list[str]:
    """Key paths, in document order, of the values of :func:`to_dotenv`'s output that Node's ``dotenv``
    (npm) reads as other text: inside double quotes it undoes no ``\\\\`` or ``\\"`` escape (it turns ``\\n``
    into a line break, nothing else), and a value single quotes cannot hold (a ``'``, a ``\\\\``, a final
    ``\\``) that holds a backslash or ``"`` has no spelling python-dotenv, a shell and Node read alike. The
    output stays as python-dotenv and a shell read it; a caller names these."""
    names, origins = checked_variables(data, prefix, allow_env)
    return [format_keypath(origins[name]) for name, value in names.items()
            if not single_quotable(value) and ("\\" in value or '"' in value)]


def check_k8s_name(name: str) -> None:
    if not re.fullmatch(DNS1123_SUBDOMAIN, name):  # match's "$" would take a final line break
        raise ConfigError(f"not a valid Kubernetes object name (lower-case DNS-1123 subdomain): {name!r}")


def check_k8s_namespace(namespace: str | None) -> None:
    if namespace is not None and not re.fullmatch(DNS1123_LABEL, namespace):
        raise ConfigError(f"not a valid Kubernetes namespace (lower-case DNS-1123 label): {namespace!r}")


def to_k8s_secret(data: Any, *, name: str, namespace: str | None = None, prefix: str = "",
                  allow_env: Collection[str] = ()) -> str:
    """A ``v1`` ``Secret`` manifest (``type: Opaque``), one ``data`` entry per flattened value: base64, so a
    value reaches the container byte for byte (``stringData`` would be read as YAML); keys and names quoted
    where YAML 1.1 readers (sigs.k8s.io/yaml) read a boolean; refused past what the API server takes."""
    check_k8s_name(name)
    check_k8s_namespace(namespace)
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    names, origins = checked_variables(data, prefix, allow_env)
    for key in names:
        if len(key) > 253:  # what the API server accepts as a data key (as for a ConfigMap's)
            raise FormatError(f"gives a name of {len(key)} characters; a Kubernetes Secret's keys hold at most 253",
                              keypath=format_keypath(origins[key]))
    encoded = {}
    total = 0
    for key, value in names.items():
        raw = value.encode("utf-8")
        total += len(raw)
        if total > MAX_SECRET_BYTES:
            raise FormatError(f"brings the Secret's values to {total:,} bytes; Kubernetes takes at most "
                              f"{MAX_SECRET_BYTES:,} in one Secret (split the file, or --extract a part)",
                              keypath=format_keypath(origins[key]))
        encoded[key] = base64.b64encode(raw).decode("ascii")
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": encoded}
    return to_yaml(manifest)


__all__ = ["FORMATS", "read_otherwise_by_node", "render", "rounded_by_javascript", "to_dotenv", "to_json",
           "to_k8s_secret", "to_yaml"]
