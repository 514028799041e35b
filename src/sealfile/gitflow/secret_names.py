"""Key names that almost always hold a secret: left in plaintext, they deserve a reviewer's eye.

A name is read as words (``db_password``, ``dbPassword``, ``DB-PASSWORD``, ``PGPASSWORD``) and judged by its
last word, the thing it names: ``password`` and ``api_key`` are secrets, while ``password_file``,
``secretName``, ``token_url``, ``cert_duration`` and ``author`` name something about one, or nothing of the
kind. Real configuration files (Helm values, compose files, CI workflows, OpenAPI specs) are full of the
latter; flagging them taught reviewers to skim the list, and failed a review over ``author_unencrypted``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sealfile.gitflow.look_alike import skeleton
from sealfile.model.paths import Path

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
"""``apiKey`` -> api, Key; ``APIKey`` -> API, Key; ``DB_PASSWORD2`` -> DB, PASSWORD, 2."""

_SECRET = frozenset({"password", "passwd", "passphrase", "pass", "pwd", "secret", "token", "credential",
                     "credentials", "creds", "auth", "authorization", "bearer", "dsn", "apikey", "privatekey",
                     "secretkey", "accesskey"})
"""Words that name a secret on their own (a last word, after :data:`_AFTER`)."""

_ENDINGS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "privatekey", "secretkey",
            "accesskey", "credentials")
"""Ends of one unseparated word that name a secret (``PGPASSWORD``, ``githubtoken``); ``pass`` is not one
(``bypass``, ``compass``)."""

_KEY_KINDS = frozenset({"api", "private", "secret", "access", "signing", "encryption", "master", "client", "app",
                        "hmac", "jwt", "session", "license", "account", "ssh", "deploy"})
"""A ``key`` after one of these is a secret one (``api_key``, ``secret_access_key``); a ``key`` alone is often a
name (``cache_key``, ``primary_key``)."""

_AFTER = frozenset({"unencrypted", "value", "base"})
"""Last words that add nothing to what the name holds: the suffix that keeps a value in plaintext,
``token_value``, Rails's ``secret_key_base``."""


def looks_secret(path: Path) -> bool:
    """Whether the last mapping key on ``path`` is named like a secret."""
    names = [segment for segment in path if isinstance(segment, str)]
    if len(names) > 1 and names[-2] == "permissions" and path[-1] == names[-1]:  # a CI job's scopes: id-token: write
        return False
    return bool(names) and secret_name(names[-1])


@lru_cache(maxsize=4096)  # a log's thousands of lines set a few names again and again
def secret_name(name: str) -> bool:
    """Whether ``name`` names a secret, as it reads (``p\\u0430ssword``, a Cyrillic a in it, is one:
    :mod:`.look_alike`)."""
    words = [word.lower() for word in _WORD.findall(skeleton(name))]
    while words and (words[-1].isdigit() or words[-1] in _AFTER):
        words.pop()
    if not words:
        return False
    last: str = words[-1]
    before = words[-2] if len(words) > 1 else ""
    if last == "auth" and before == "o":  # OAuth, a protocol
        return False
    if last in _SECRET or (last == "key" and before in _KEY_KINDS):
        return True
    if last in ("string", "str") and before in ("conn", "connection"):
        return True
    return last.endswith(_ENDINGS)  # never one of them: each is in _SECRET
