"""Names that read as other names: key names and file names written with look-alike characters.

Why: a reviewer reads names, and whoever writes a change chooses every character of them. ``p\\u0430ssword`` with a
Cyrillic ``a`` is no secret's name to a check that compares letters, and ``db.\\u04bbost`` added where ``db.host`` was
removed reads as nothing changed; ``prod.enc.y\\u0430ml`` reads as a sealed file that no ``sealed_files`` pattern
covers. A name is compared by its *skeleton*: compatibility forms folded (fullwidth and mathematical letters),
accents dropped, the Cyrillic, Greek and Latin letters drawn like ASCII ones mapped to them, and characters drawn
as nothing removed. A name whose skeleton is another name's, or a secret's, is judged as that name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable

from sealfile.errors import drawn_as_nothing
from sealfile.model.paths import Path, format_keypath

_PAIRS = (
    "\u0430a\u0441c\u0501d\u0435e\u04bbh\u0456i\u0458j\u04cfl"
    "\u043eo\u0440p\u051bq\u0455s\u051dw\u0445x\u0443y\u044cb"
    "\u0410A\u0412B\u0421C\u0415E\u041dH\u0406I\u0408J\u041aK"
    "\u041cM\u041eO\u0420P\u0405S\u0422T\u051cW\u0425X\u04aeY"  # Cyrillic
    "\u03b1a\u03bfo\u03c1p\u03bdv\u03b9i\u03bak\u03c4t\u03c5u"
    "\u03c7x\u03b5e\u0391A\u0392B\u0395E\u0396Z\u0397H\u0399I"
    "\u039aK\u039cM\u039dN\u039fO\u03a1P\u03a4T\u03a5Y\u03a7X"  # Greek
    "\u0131i\u0237j\u0251a\u0261g\u0269i\u029fL\u2113l\u01c0l"  # Latin letters drawn as others
    "\u1d00a\u0299b\u1d04c\u1d05d\u1d07e\u0262g\u029ch\u026ai\u1d0aj\u1d0bk\u1d0dm\u0274n\u1d0fo"
    "\u1d18p\u0280r\ua731s\u1d1bt\u1d1cu\u1d20v\u1d21w\u028fy\u1d22z"  # Latin small capitals
    "\u0585o\u057du\u0570h\u0581g\u0578n\u0566q\u054fS\u0555O\u054dU"  # Armenian
    "\u13aaA\u13f4B\u13dfC\u13a0D\u13acE\u13c0G\u13bbH\u13abJ\u13e6K\u13deL\u13b7M\u13e2P\u13a1R"
    "\u13daS\u13a2T\u13d9V\u13b3W\u13c3Z"  # Cherokee
    "\ua4eeA\ua4d0B\ua4daC\ua4d3D\ua4f0E\ua4ddF\ua4d6G\ua4e7H\ua4f2I\ua4d9J\ua4d7K\ua4e1L\ua4dfM"
    "\ua4e0N\ua4f3O\ua4d1P\ua4e3R\ua4e2S\ua4d4T\ua4f4U\ua4e6V\ua4eaW\ua4ebX\ua4ecY\ua4dcZ"  # Lisu
    "\u2c9fo\u2c9eO"  # Coptic
)
"""Each non-ASCII letter followed by the ASCII letter it is drawn as."""
_LOOK_ALIKE = str.maketrans(_PAIRS[0::2], _PAIRS[1::2])


def skeleton(name: str) -> str:
    """What ``name`` reads as: compared with another name's skeleton, equal when a reader cannot tell them apart."""
    if name.isascii():  # every ASCII character reads as itself (a log's lines name thousands of variables)
        return name
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    kept = (c for c in drawn_as_nothing().sub("", folded) if unicodedata.category(c) not in ("Mn", "Me", "Cf"))
    return "".join(kept).translate(_LOOK_ALIKE)


def disguised(name: str) -> bool:
    """Whether ``name`` reads as an ASCII name it is not (a name in another script, ``пароль``, reads as itself)."""
    if name.isascii():
        return False
    reads_as = skeleton(name)
    return (reads_as != name and reads_as.isascii()) or any(
        _mixed(word) for word in _WORD.findall(unicodedata.normalize("NFKC", name)))


def _mixed(word: str) -> bool:
    """A word of ASCII letters and letters of another script than Latin (``passw\u0585rd``): no table of look-alikes
    is complete, and a word is written in one script (``user_\u540d\u524d`` is two words; ``stra\u00dfe`` Latin)."""
    return any(c.isascii() for c in word) and any(not unicodedata.name(c, "").startswith("LATIN")
                                                  for c in word if not c.isascii())


_WORD = re.compile(r"[^\W\d_]+")
"""A run of letters."""


_SEALED_WORD = re.compile(r"(?:^|[._-])(?:enc|sops|sealed?)(?:[._-]|$)|secret|credential|passw|vault")
"""What makes a file name read as a sealed or secret file's (``prod.enc.yaml``, ``.env.enc``, ``secrets/``)."""


def disguised_file(path: str, covered: Callable[[str], bool]) -> tuple[str | None, str | None]:
    """``(violation, attention)`` for a file ``path`` named with characters that read as others (``covered``: a
    ``sealed_files`` pattern names that path). Outside the patterns, one that reads as a covered name, or mixes
    scripts and reads as a sealed or secret file's name (``pr\u043ed.enc.yaml``, ``s\u0435crets.yaml``), is a
    violation: it looks sealed to a reviewer, and nothing checks that it is. Covered, it is checked as sealed, but
    readers asked for the name it reads as do not open it: shown."""
    reads_as = skeleton(path)
    looks = any(disguised(segment) for segment in path.split("/")) and bool(_SEALED_WORD.search(reads_as.casefold()))
    if covered(path):
        return None, (f"named with characters that look like others (it reads as {reads_as})" if looks else None)
    if looks or (reads_as != path and covered(reads_as)):
        return (f"{path}: named like a sealed file (it reads as {reads_as}), but no sealed_files pattern covers it: "
                "nothing checks that it is sealed"), None
    return None, None


def look_alike_keys(before: Iterable[Path], after: Iterable[Path]) -> tuple[list[str], list[str]]:
    """``(violations, attention)`` for the key paths ``after`` adds that are named with characters that read as
    others: one that reads as another key path of either version is a violation (a reader cannot tell the two
    apart, nor which one a change touched); any other is shown."""
    old, new = list(before), list(after)
    known = set(old)
    plain = {_read(p): p for p in [*old, *new] if not _disguised(p)}
    violations, attention = [], []
    for path in (p for p in new if p not in known and _disguised(p)):
        reads_as, other = _read(path), plain.get(_read(path))
        line = f"{format_keypath(path)}: named with characters that look like others (it reads as {reads_as})"
        if other is not None:
            violations.append(f"{line}, as the key {format_keypath(other)} does: a reader cannot tell the two apart")
        else:
            attention.append(line)
    return violations, attention


def _disguised(path: Path) -> bool:
    return any(isinstance(segment, str) and disguised(segment) for segment in path)


def _read(path: Path) -> str:
    return format_keypath(tuple(skeleton(s) if isinstance(s, str) else s for s in path))
