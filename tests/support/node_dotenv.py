"""Node's ``dotenv`` (npm) as it reads a file, for the tests of the dotenv output: the suite has no Node."""

from __future__ import annotations

import re

# npm dotenv 16's parser (lib/main.js): line breaks made LF, this pattern, the value trimmed and unquoted,
# and in double quotes only \n and \r turned into a line feed and a carriage return.
_NODE_LINE = re.compile(r"""(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)"""
                        r"""(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|"""
                        r"""\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)""", re.MULTILINE)


def node_reads(text: str) -> dict[str, str]:
    """``NAME -> value`` as npm's ``dotenv.parse`` returns them."""
    read = {}
    for match in _NODE_LINE.finditer(re.sub(r"\r\n?", "\n", text)):
        value = (match.group(2) or "").strip()
        quote = value[:1]
        value = re.sub(r"^(['\"`])([\s\S]*)\1$", r"\2", value, flags=re.MULTILINE)
        if quote == '"':
            value = value.replace("\\n", "\n").replace("\\r", "\r")
        read[match.group(1)] = value
    return read
