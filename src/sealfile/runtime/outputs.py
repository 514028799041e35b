"""Decrypted values in the shapes deployments consume: YAML, JSON, dotenv, a Kubernetes Secret.

Input is plain data (what ``load_secrets(..., redacted=False)`` returns). ``dotenv`` and
``k8s-secret`` use the names of :mod:`sealfile.runtime.flatten` (``DATABASE_PASSWORD``), so a
container gets the same variables from ``envFrom: secretRef`` as from ``load_env``.

dotenv syntax is the one python-dotenv and Docker Compose read: a value without ``'`` or
``\\`` is single-quoted (newlines included; Compose takes it literally); any other value is
double-quoted with ``\\\\``, ``\\"``, ``\\n``, ``\\r`` and ``\\t`` escapes. python-dotenv expands
``${NAME}`` in every value, quoted or not: load with ``interpolate=False`` to get the values
back exactly. ``docker run --env-file`` does not read quotes at all: use Compose or the
Kubernetes output instead.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from typing import Any

from sealfile.errors import ConfigError, FormatError
from sealfile.runtime.flatten import flatten
from sealfile.runtime.formats import FORMATS
from sealfile.stores.yaml.portable import portable

# Kubernetes object names (DNS-1123 subdomain) and namespaces (DNS-1123 label).
DNS1123_SUBDOMAIN = r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_LABEL = r"^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


def render(data: Any, fmt: str, *, name: str | None = None, namespace: str | None = None, prefix: str = "") -> str:
    """``data`` as text in ``fmt`` (one of :data:`FORMATS`); ``name``/``namespace`` for k8s."""
    if fmt == "yaml":
        return to_yaml(data)
    if fmt == "json":
        return to_json(data)
    if fmt == "dotenv":
        return to_dotenv(data, prefix=prefix)
    if fmt == "k8s-secret":
        if not name:
            raise ConfigError("a Kubernetes Secret needs a name (--name)")
        return to_k8s_secret(data, name=name, namespace=namespace, prefix=prefix)
    raise ConfigError(f"unknown output format {fmt!r} (choose from {', '.join(FORMATS)})")


def to_yaml(data: Any) -> str:
    from ruamel.yaml import YAML  # its pure-Python emitter: only for this output, not for every decrypt
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 1 << 30
    yaml.representer.sort_base_mapping_type_on_output = False  # keep the file's order
    stream = io.StringIO()
    yaml.dump(data, stream)
    return portable(stream.getvalue())  # a plain yes, 0o12 or 12:30 would mean otherwise to YAML 1.1 readers


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def to_json(data: Any) -> str:
    """JSON any JSON reader reads: NaN and infinity are refused (as Go's encoder refuses them), not
    written as the ``NaN`` Python's encoder writes and other readers reject."""
    try:
        return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default, allow_nan=False) + "\n"
    except ValueError:
        from sealfile.stores.json import non_finite_path

        raise FormatError("JSON cannot hold NaN or infinity", keypath=non_finite_path(data)) from None


_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def dotenv_quote(value: str) -> str:
    if "'" not in value and "\\" not in value:
        return f"'{value}'"
    return '"' + "".join(_DOUBLE_ESCAPES.get(char, char) for char in value) + '"'


def to_dotenv(data: Any, *, prefix: str = "") -> str:
    return "".join(f"{key}={dotenv_quote(value)}\n" for key, value in flatten(data, prefix).items())


def to_k8s_secret(data: Any, *, name: str, namespace: str | None = None, prefix: str = "") -> str:
    """A ``v1`` ``Secret`` manifest (``type: Opaque``), one ``data`` entry per flattened value."""
    if not re.match(DNS1123_SUBDOMAIN, name):
        raise ConfigError(f"not a valid Kubernetes object name (lower-case DNS-1123 subdomain): {name!r}")
    if namespace is not None and not re.match(DNS1123_LABEL, namespace):
        raise ConfigError(f"not a valid Kubernetes namespace (lower-case DNS-1123 label): {namespace!r}")
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    encoded = {
        key: base64.b64encode(value.encode("utf-8", "surrogatepass")).decode("ascii")
        for key, value in flatten(data, prefix).items()
    }
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": "Opaque", "data": encoded}
    return to_yaml(manifest)


__all__ = ["FORMATS", "render", "to_dotenv", "to_json", "to_k8s_secret", "to_yaml"]
