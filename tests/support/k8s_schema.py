"""A JSON schema for the parts of a Kubernetes ``v1`` ``Secret`` that sealfile writes.

Written from the Kubernetes API reference: metadata.name is a DNS-1123 subdomain, namespace a
DNS-1123 label, ``data`` keys match ``[-._a-zA-Z0-9]+`` and ``data`` values are base64.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import jsonschema
from ruamel.yaml import YAML

SECRET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "v1"},
        "kind": {"const": "Secret"},
        "type": {"type": "string"},
        "immutable": {"type": "boolean"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {
                    "type": "string", "maxLength": 253,
                    "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
                },
                "namespace": {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
            },
        },
        "data": {
            "type": "object",
            "propertyNames": {"pattern": r"^[-._a-zA-Z0-9]+$", "maxLength": 253},
            "additionalProperties": {"type": "string", "format": "base64"},
        },
        "stringData": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

_FORMATS = jsonschema.FormatChecker()


@_FORMATS.checks("base64", raises=(binascii.Error, ValueError))
def _is_base64(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return base64.b64encode(base64.b64decode(value, validate=True)).decode() == value


def validate_secret_manifest(text: str) -> dict[str, Any]:
    """Parse a manifest and raise ``jsonschema.ValidationError`` unless it is a valid Secret."""
    manifest = YAML(typ="safe").load(text)
    jsonschema.validate(manifest, SECRET_SCHEMA, format_checker=_FORMATS)
    assert isinstance(manifest, dict)
    return manifest
