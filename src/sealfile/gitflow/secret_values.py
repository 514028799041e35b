"""Values that are credentials whatever their key is named: a password in a URL or a connection string, a
token of a well-known service by its shape, a private key's armor.

``DATABASE_URL: postgres://app:PASSWORD@db/app`` is named like a URL, not like a secret, so the names alone
(:mod:`.secret_names`) let it pass in a plaintext file beside sealed ones, or as a sealed file's plaintext
value. What is found is named by kind, never shown. Stand-ins are not credentials: a reference
(``${DB_PASSWORD}``, ``{{ .password }}``, ``<password>``), or a placeholder (``password``, ``changeme``,
``xxxx``, AWS's documented ``...EXAMPLE`` keys).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate
from typing import Any

from sealfile.gitflow.secret_names import secret_name
from sealfile.kms.found_keys import holds_marker

_USERINFO = re.compile(r"[^\s/@:]{0,256}:([^\s/@]{1,256})@[^\s@]")
"""What follows a URL's ``://`` when it holds a password: ``user:password@host``."""
_QUERY_PASSWORD = re.compile(r"(?i)[?&;](?:password|pwd)=([^&#;]{1,256})")
"""A password in a URL's query (JDBC's ``?user=app&password=...``, MongoDB's, MySQL's)."""
MAX_URL_CHARS = 2048
_CONNECTION_PASSWORD = re.compile(r"(?i)(?:^|;)\s*(?:password|pwd)\s*=\s*([^;]*)")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)=(\S*)")
"""One keyword of a libpq connection string (``host=db user=app password=...``), which spaces separate."""
_TOKENS = (
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "an AWS access key ID"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{40,}"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20}\b"), "a GitLab token"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (re.compile(r"\b[rs]k_live_[A-Za-z0-9]{20,}"), "a Stripe live key"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "an npm token"),
)
_KEY_BODY = re.compile(r"[A-Za-z0-9+/]{40}")
"""A key's armor with a key in it (an empty BEGIN/END pair is a chart's stand-in)."""
_PLACEHOLDERS = frozenset({"password", "passwd", "pass", "pwd", "secret", "changeme", "change_me", "example",
                           "redacted", "none", "null", "your_password", "yourpassword", "mypassword", "placeholder"})
_HINTS = re.compile("akia|asia|gh[pousr]_|github_pat_|glpat-|xox|k_live_|aiza|npm_|://|pass|pwd|secret|token|key=|auth|"
                    "credential|dsn=")
"""A literal that each shape above, and each credential but a private key, holds (in lower case): one search of
these is ten times faster than of the shapes, in a large text that holds none (a log, a bundle)."""
MAX_LINES_SHOWN = 20
_LONG = 4096
"""A longer value is first searched once for a hint (:data:`_HINTS`, a private key's marker): most hold none."""


def credential_in(value: Any, *, settings: bool = True) -> str | None:
    """What credential ``value`` holds, in words (``a password in a URL``), or None; never the credential.
    Without ``settings``, a bare ``password=...`` is not one (in code it is an assignment)."""
    if not isinstance(value, str) or len(value) < 8:
        return None
    # read whole, each search linear: cut at 4,096 characters, a credential past them was not named
    if len(value) > _LONG and not holds_marker(value) and _HINTS.search(value.lower()) is None:
        return None
    text = value
    if holds_marker(text) and _KEY_BODY.search(text):
        return "a private key's text"
    for pattern, kind in _TOKENS:  # every match: a documented example key ahead of a real one hid it
        if any("EXAMPLE" not in match.group(0) and len(set(match.group(0)[-16:])) > 2  # not sk_live_XXXX
               for match in pattern.finditer(text)):
            return kind
    if any(_real(password) for password in _url_passwords(text)):
        return "a password in a URL"
    if "=" in text and _real(_conninfo_password(text)):
        return "a password in a connection string"
    connection = _CONNECTION_PASSWORD.search(text) if "=" in text else None
    if connection and _real(connection.group(1).strip().strip("'\"")) and (settings or ";" in text):
        return "a password in a connection string" if ";" in text else "a password setting (password=...)"
    return None


def _url_passwords(text: str) -> list[str]:
    """The passwords of the URLs in ``text``, each read from its ``://`` on in a bounded window, so that a long
    value is read once (a pattern searched from every position reads it again from each). Every URL: sixteen
    placeholders ahead of a real password hid it."""
    found: list[str] = []
    at = text.find("://")
    while at >= 0:
        following = text.find("://", at + 3)
        if at > 0 and text[at - 1].isalnum():  # a scheme before it
            userinfo = _USERINFO.match(text, at + 3)
            if userinfo:
                found.append(userinfo.group(1))
            # up to the next URL at most: each character is searched once
            url = text[at + 3:min(following if following >= 0 else len(text), at + 3 + MAX_URL_CHARS)]
            found += [match.group(1) for match in _QUERY_PASSWORD.finditer(url.split(None, 1)[0] if url else "")]
        at = following
    return found


def _conninfo_password(text: str) -> str:
    """The password of a libpq connection string (every word a ``keyword=value``, two at least), or ``""``."""
    words = text.split()
    if len(words) < 2:
        return ""
    pairs = [_PAIR.fullmatch(word) for word in words]
    if not all(pairs):
        return ""
    return next((pair.group(2).strip("'\"") for pair in pairs if pair and pair.group(1).lower() in ("password", "pwd")),
                "")


def stand_in(value: str) -> bool:
    """Whether ``value`` is a reference, a template's stand-in or a placeholder (``<REQUIRED>``, ``changeme``)."""
    return not _real(value.strip().strip("\"'"))


def _real(password: str) -> bool:
    """Not a reference, a template's stand-in or a placeholder."""
    if not password or password[0] in "$<{%[*" or set(password) <= set("x*.X-_"):
        return False
    return password.lower() not in _PLACEHOLDERS


_NETRC_PASSWORD = re.compile(r"(?:^|\s)password\s+(\S{1,256})")
"""A ``.netrc`` entry's password (``machine h login u password p``, or alone on a line as Heroku's CLI writes it):
what curl, git, ftp, pip and Heroku read."""
_NPM_AUTH = re.compile(r"(?:^|[\s:/])_(authToken|auth|password)\s*=\s*(\S{1,4096})")
"""An npm registry credential (``//registry.npmjs.org/:_authToken=...``; ``_auth``: base64 of
``user:password``; ``_password``: base64 of the password)."""
_YARN_AUTH = re.compile(r"(?:^|[\s:/])_(authToken|auth|password)\"?\s+\"?([^\s\"]{1,4096})")
"""Yarn 1's ``.yarnrc`` (``"//registry.npmjs.org/:_authToken" "..."``, ``_authToken ...``): a name and a value
separated by blanks, either quoted."""
_FILE_CREDENTIALS = (((".netrc", "_netrc"), _NETRC_PASSWORD, 1, "a .netrc password"),
                     ((".npmrc",), _NPM_AUTH, 2, "an npm registry credential (_{0})"),
                     ((".yarnrc",), _YARN_AUTH, 2, "a Yarn registry credential (_{0})"))
"""Files whose own syntax names a credential: (names, pattern, its value's group, what it is)."""

SETTINGS_FILES = (".properties", ".ini", ".cfg", ".conf", ".cnf", ".npmrc", ".pypirc", ".toml", ".tfvars")
"""Files whose lines are settings: there ``password=...`` is a password; elsewhere (code) an assignment."""


def may_hold_credential(text: str) -> bool:
    """Whether ``text`` may have a line :func:`credential_lines` names: it holds a hint and a shape of one. Two
    searches of the whole text spare reading the lines of most files."""
    text = joined_lines(text)[0]  # a value a shell continuation splits has a credential's shape only joined
    return _HINTS.search(text.lower()) is not None and _SHAPES_IN_FILES.search(text) is not None


def credential_lines(path: str, text: str, before: str | None) -> list[str]:
    """``line N: KIND`` for each line of ``text`` (the file ``path``, of no data syntax: a script, ``.npmrc``, a
    properties file) that ``before`` did not hold and that holds a credential; at most :data:`MAX_LINES_SHOWN`.
    Only the lines one search of the text finds a credential's shape in are judged, each distinct line once: a log
    of a million lines setting ``TOKEN=abc`` was a million judgments (seconds)."""
    settings = path.lower().endswith(SETTINGS_FILES)
    kind = _file_kind(path)
    shapes = _SHAPES_IN_FILES if kind else _SHAPES
    text, first = joined_lines(text)
    earlier = Counter(joined_lines(before or "")[0].splitlines())
    lines = text.splitlines()
    ends = list(accumulate(map(len, text.splitlines(True))))  # where each line ends, its line break included
    judged: dict[str, str | None] = {}
    found: list[str] = []
    at = 0
    while len(found) < MAX_LINES_SHOWN and (shape := shapes.search(text, at)) is not None:
        number = bisect_right(ends, shape.start())
        at, line = ends[number], lines[number]
        if earlier[line]:
            earlier[line] -= 1
            continue
        if line not in judged:
            judged[line] = _line_credential(line, settings, kind)
        if judged[line] is not None:
            found.append(f"line {first[number] + 1 if first else number + 1}: {judged[line]}, in plaintext")
    return found


def joined_lines(text: str) -> tuple[str, list[int]]:
    """``text`` with each line continued by a backslash joined to the next, as a shell reads it (``export
    API_TOKEN=Zq9x\\`` then ``Lm3kP2w`` sets one variable), and the number (from 0) of each joined line's first line
    in ``text``; ``(text, [])`` if it continues none. Linear: one pass over the lines."""
    if "\\\n" not in text and "\\\r" not in text:
        return text, []
    joined: list[str] = []
    first: list[int] = []
    pending: list[str] = []
    for number, line in enumerate(text.splitlines(True)):
        if not pending:
            first.append(number)
        body = line.rstrip("\r\n")
        if body != line and (len(body) - len(body.rstrip("\\"))) % 2 == 1:
            pending.append(body[:-1])
            continue
        joined.append("".join(pending) + line)
        pending = []
    if pending:
        joined.append("".join(pending))
    return "".join(joined), first


def _line_credential(line: str, settings: bool, kind: _FileKind | None) -> str | None:
    """What credential one line of a file of no data syntax holds (``kind``: the file's own syntax), or None."""
    if not _HINTS.search(line.lower()) and "PRIVATE KEY" not in line:  # no credential to look for
        return None
    in_value = credential_in(line.strip(), settings=settings) if _IN_VALUE.search(line) else None
    return in_value or _file_credential(kind, line) or _assigned(line)


_BLANK = r"[^\S\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
"""A blank that is no line break (as :meth:`str.splitlines` splits): a shape found never spans two lines."""
_VALUE_SHAPES = ("PRIVATE KEY|AKIA|ASIA|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|rk_live_|sk_live_|AIza|npm_|"
                 r"://[^\s/@:]*:[^\s/@]+@|A(?i:ge-secret-key-1)|a(?i:ge-secret-key-1)|"
                 f"P(?i:assword|wd){_BLANK}*=|p(?i:assword|wd){_BLANK}*=")
"""What a value :func:`credential_in` names holds at least (a token's prefix, ``://user:pass@``, ``password=``).
Each alternative starts with a plain character, so a search skips any other (a few times faster)."""
_IN_VALUE = re.compile(_VALUE_SHAPES)
_LINE_SHAPES = _VALUE_SHAPES + r"|=\S{6}"
"""And a variable set to six characters or more: what a line :func:`_line_credential` names holds at least."""
_SHAPES = re.compile(_LINE_SHAPES)
_SHAPES_IN_FILES = re.compile(_LINE_SHAPES + "|password" + _BLANK + "|_auth|_password")
"""With the shapes of ``.netrc``, ``.npmrc`` and ``.yarnrc`` lines."""


_ASSIGNMENT = re.compile(r"\s*(?:[+$#>]+\s*)?(?:export\s+|ENV\s+|set\s+)?([A-Z][A-Z0-9_]{0,127})=(\S{1,4096})")
"""A shell variable set at a line's start (a script, ``.bash_history``, a CI log's ``set -x`` trace ``+ export``, a
Dockerfile's ``ENV``): in capitals, as environment variables are named; code's ``password=...`` is not one."""


def _assigned(line: str) -> str | None:
    """What a line setting a variable named like a secret to a literal value holds (``export DB_PASSWORD=...``)."""
    match = _ASSIGNMENT.match(line)
    if match is None:
        return None
    value = match.group(2).strip("\"'")
    if len(value) < 6 or not _real(value) or value[0] in "`(" or "$(" in value or not secret_name(match.group(1)):
        return None
    return "a variable named like a secret set to a literal value"


_FileKind = tuple[tuple[str, ...], re.Pattern[str], int, str]


def _file_kind(path: str) -> _FileKind | None:
    """The entry of :data:`_FILE_CREDENTIALS` the file ``path`` is of, if any."""
    name = path.rsplit("/", 1)[-1].lower()
    return next((kind for kind in _FILE_CREDENTIALS if name in kind[0] or name.endswith(kind[0])), None)


def _file_credential(kind: _FileKind | None, line: str) -> str | None:
    """What credential ``line`` holds in the syntax of its file (``kind``: ``.netrc``, ``.npmrc``), or None."""
    if kind is None:
        return None
    _, pattern, group, said = kind
    match = pattern.search(line)
    return said.format(*match.groups()) if match and _real(match.group(group).strip("\"'")) else None
