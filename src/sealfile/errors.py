"""Every error sealfile raises on purpose derives from :class:`SealfileError`.

Messages never contain a secret value. An error may carry the file and key path it
concerns; ``str(err)`` renders ``FILE: KEYPATH: cause`` so the CLI can print one line.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import ParamSpec, TypeVar
    P = ParamSpec("P")
    R = TypeVar("R")


class SealfileError(Exception):
    """Base class: catch this to handle any sealfile failure."""

    def __init__(self, message: str, *, file: str | None = None, keypath: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.keypath = keypath
        replaced = sys.exc_info()[1]  # becomes __context__ (``from None`` only hides it from tracebacks)
        if replaced is not None and not isinstance(replaced, SealfileError):
            forget_input(replaced)

    def in_file(self, file: str) -> SealfileError:
        """Attach the file name if no deeper layer did; returns self for ``raise err.in_file(p)``."""
        if self.file is None:
            self.file = file
        return self

    def __str__(self) -> str:
        # the message too: it may quote what a file names (a recipient's key id, a plug-in's or an SDK's text)
        parts = [one_line(p) for p in (self.file, self.keypath) if p]
        return ": ".join([*parts, one_line(self.message)])


def forget_input(err: BaseException) -> None:
    """Drop the input a parser's exception carries: a ``JSONDecodeError``'s whole document, a
    ``UnicodeDecodeError``'s whole file, a YAML mark's buffer. Chained to the error that replaces it, it
    reached whatever shows an exception's chain or ``repr`` (a logger, an error reporter) with every value."""
    if isinstance(err, UnicodeDecodeError):
        err.object = b""
        err.args = (err.encoding, b"", err.start, err.end, err.reason)
    if isinstance(getattr(err, "doc", None), str):
        err.doc = ""  # type: ignore[attr-defined]
    for name in ("problem_mark", "context_mark"):
        mark = getattr(err, name, None)
        if mark is not None and getattr(mark, "buffer", None) is not None:
            mark.buffer = None


def one_line(text: str) -> str:
    """``text`` with each character a terminal would not show as itself (a line break in a key, an escape sequence,
    one fonts draw blank: :func:`drawn_as_nothing`) written as its escape, so a file name or key path never breaks
    or forges a line, nor commands a CI runner reading the log: ``##`` as ``#\\x23`` (Azure's agent acts on
    ``##vso[``, GitHub's on ``##[``, anywhere in a line), a leading ``::`` as ``\\x3a:`` (GitHub's ``::add-mask::``)."""
    if not text.isprintable() or (not text.isascii() and drawn_as_nothing().search(text)):
        text = "".join(c if c.isprintable() and not drawn_as_nothing().match(c) else ascii(c)[1:-1] for c in text)
    text = text.replace("##", "#\\x23")
    blank = len(text) - len(text.lstrip(" "))
    return f"{text[:blank]}\\x3a{text[blank + 1:]}" if text.startswith("::", blank) else text


# Hangul fillers, a Braille blank, variation selectors; compiled on first use (~3 M instructions of every start else)
drawn_as_nothing = functools.cache(functools.partial(re.compile, "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2800"
                                                     "\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"))


CAUSE_LIMIT = 1000
KEY_ID_LIMIT = 500
"""Characters of a master key's cause and identity an error shows (a real key id is under 500: an Azure key URL
with a 253-character host). A stanza's fields are the file's: an error quoting a 100,000-character ARN or key
name printed it whole, once per stanza."""


def clipped(text: str, limit: int = CAUSE_LIMIT) -> str:
    """``text``, or its start and how long it was when longer than ``limit`` characters."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


class FormatError(SealfileError, ValueError):
    """The input is not a well-formed plaintext or sealed document."""


class ConflictMarkersError(FormatError):
    """Git merged a sealed file as text and left conflict markers: this clone has no sealfile merge driver."""

    def __init__(self, line: int):
        super().__init__(f"git merged this sealed file as text and left conflict markers (line {line}): the "
                         "sealfile merge driver did not run (is it set up in this clone? an octopus or -s resolve "
                         "merge runs none)")
        self.line = line
        self.how: str | None = None
        """The fix for the state git is in (:func:`sealfile.gitflow.merge_again.markers_recovery`), once asked."""

    def __str__(self) -> str:
        return f"{super().__str__()}; {self.how or self.recovery(self.file)}"

    @staticmethod
    def recovery(file: str | None) -> str:
        """The commands that merge ``file`` again, through the driver, while git holds both sides of its merge
        (the fix in other states needs git: :mod:`sealfile.gitflow.merge_again`)."""
        import shlex  # only here: the one error whose message is a command to paste

        name = shlex.quote(file) if file else "FILE"
        return f"to merge it again with the driver, run 'sealfile git install', then: git checkout -m {name}"


class NotSealedError(FormatError):
    """A document with no ``sealfile`` metadata: most often the plaintext, given where its sealed file goes."""

    STRIPPED = (", yet it holds sealed values (ENC[...]): a sealed file cut short or stripped of its metadata? "
                "restore it (git), do not seal it again")

    def __init__(self, *, stripped: bool = False) -> None:
        super().__init__("not a sealed file (no 'sealfile' metadata key)" + (self.STRIPPED if stripped else ""))
        self.stripped = stripped  # it holds ENC[...] tokens: sealing it again would seal them as the values

    def __str__(self) -> str:
        if self.stripped or not self.file or self.file == "-":
            return super().__str__()
        import shlex  # only here: a message that is a command to paste

        return (f"{super().__str__()}; if it holds plaintext, seal it: sealfile encrypt --age age1... -i "
                f"{one_line(shlex.quote(self.file))}")


class UnsupportedVersionError(FormatError):
    """The sealed file declares a format version this sealfile does not read."""


class IntegrityError(SealfileError):
    """A MAC or a value's authentication failed: the file was altered or a key is wrong.

    Deliberately opaque (like Fernet's ``InvalidToken``): it does not say which check failed.
    """


class KeyPathError(SealfileError, LookupError):
    """A key path does not exist in the document or cannot be parsed."""


class ConfigError(SealfileError, ValueError):
    """A recipient specification or ``.sealfile.yaml`` is invalid."""


class NoHomeDirectory(ConfigError, RuntimeError):
    """A ``~`` or ``~user`` file name with no home directory to stand for (``HOME`` unset, no such user).
    Also the ``RuntimeError`` pathlib raises for it, so code that catches that keeps working."""


class ProviderError(SealfileError):
    """A master-key provider failed."""


class ProviderDown(ProviderError):
    """A cause that concerns every key of a kind here, not one key (the OS keyring is locked, no Vault
    token, the SDK or gpg is missing): met once, a file's other keys of that kind are not tried (each
    would ask again: one unlock prompt per keyring stanza)."""


class ProviderUnavailable(ProviderDown, ImportError):
    """The provider's SDK is not installed; the message names the extra to install."""


class WrapError(ProviderError):
    """A master key could not wrap the data key."""

    def __init__(self, message: str, *, type_id: str, key_id: str):
        message = clipped(message)
        super().__init__(f"{type_id} {clipped(key_id, KEY_ID_LIMIT)}: {message}")
        self.type_id, self.key_id, self.cause = type_id, key_id, message


class UnwrapError(ProviderError):
    """A master key could not unwrap the data key (absent, denied, wrong key, unreachable...).
    ``kind_wide``: the cause concerns every key of its kind (or of its credentials) here (:class:`ProviderDown`)."""

    def __init__(self, message: str, *, type_id: str, key_id: str, kind_wide: bool = False):
        message = clipped(message)
        super().__init__(f"{type_id} {clipped(key_id, KEY_ID_LIMIT)}: {message}")
        self.type_id, self.key_id, self.cause = type_id, key_id, message
        self.kind_wide = kind_wide


class NoUsableKeyError(SealfileError):
    """No recipient of the file could be unwrapped; lists every attempt and why it failed."""

    def __init__(self, attempts: Sequence[UnwrapError]):
        self.attempts = list(attempts)
        super().__init__(f"no recipient could open the data key ({_grouped(self.attempts)})" if attempts
                         else "the file has no recipients")


def _grouped(attempts: list[UnwrapError]) -> str:
    """``A, B: reason; C: other reason``: recipients that failed the same way share one reason."""
    by_cause: dict[str, list[str]] = {}
    for attempt in attempts:
        by_cause.setdefault(attempt.cause, []).append(f"{attempt.type_id} {clipped(attempt.key_id, KEY_ID_LIMIT)}")
    return "; ".join(f"{', '.join(names)}: {cause}" for cause, names in by_cause.items())


class NotEnoughGroupsError(NoUsableKeyError):
    """Fewer key groups opened than the file's threshold: how many parts were recovered of how many
    needed, and every recipient of the groups that did not open, with why."""

    def __init__(self, failed: Sequence[tuple[int, UnwrapError]], *, recovered: int, needed: int, groups: int):
        self.attempts = [attempt for _, attempt in failed]
        self.recovered, self.needed = recovered, needed
        detail = "; ".join(f"group {number}: {attempt}" for number, attempt in failed)
        SealfileError.__init__(self, f"recovered {recovered} of the {needed} key-group parts needed to open the "
                                     f"data key ({groups} groups; {detail or 'no other group has a recipient'})")


class ConcurrentEditError(SealfileError):
    """Another sealfile process is writing the same file."""


class ChangedMeanwhile(ConcurrentEditError):
    """Another program (git, an editor) changed the file since the command read it; nothing was written."""


class SignatureError(IntegrityError):
    """A signature is malformed or does not verify; deliberately opaque, like :class:`IntegrityError`."""


class UntrustedSignerError(SealfileError):
    """A signature verifies, but its key is not an allowed signer (for this namespace, or at this time)."""

    def __init__(self, message: str, *, fingerprint: str):
        super().__init__(message)
        self.fingerprint = fingerprint


class UntrustedSealError(SealfileError):
    """A file's seal is not one the configured trusted signers vouch for: unsigned, signed by a key
    they do not list, or a signature that does not verify. Raised before its data key is used."""


class HistoryUnreadable(SealfileError):
    """git could not read a version the command needs: a partial clone's remote holds it and cannot be reached.
    Never to be taken for "nothing there": a search that read nothing would pass what it was to find."""


class SigningError(SealfileError):
    """No signature could be made: the signing key is unusable, or ssh-agent is absent, refuses or lacks it."""


def detached(err: BaseException) -> BaseException:
    """``err`` without the frames it was raised through and without the exceptions it replaced, as are the
    exceptions it carries (``attempts``). Those frames' local variables hold what the failed call had
    decrypted (the values, a data key, a passphrase), and error reporters send each frame's locals (Sentry
    does by default) and each chained exception. sealfile's messages say all there is to say; for any
    other exception (a bug) the places it went through are kept as a note, without their variables."""
    for inner in [err, *getattr(err, "attempts", ())]:
        if not isinstance(inner, (SealfileError, Warning)) and inner.__traceback__ is not None:
            import traceback  # only for a bug: not a cost of every start

            inner.__notes__ = [*getattr(inner, "__notes__", ()),
                               "raised inside sealfile at:\n" + "".join(traceback.format_tb(inner.__traceback__))]
        inner.__traceback__ = inner.__cause__ = inner.__context__ = None
        inner.__suppress_context__ = True
    return err


def raises_detached(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` for applications: what it raises is :func:`detached`, so the caller's error reporter
    sees the message, never a decrypted value through a frame of sealfile's."""
    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except (Exception, KeyboardInterrupt) as err:  # a warning made an error too (SecretAgeWarning under -W
            # error); Ctrl-C too, whose traceback a debugger, IPython or rich shows with each frame's variables
            raise detached(err) from None

    return call


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn_caller(message: str, category: type[Warning]) -> None:
    """Warn as from the first frame outside sealfile: the application's line that called it. A count of frames given as
    ``stacklevel`` changes with every call added inside, and with Python's version (a comprehension is a frame of its
    own before 3.12), and then names sealfile's line or the caller's caller."""
    frame, level = sys._getframe(0), 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    import warnings  # loaded by cli (its filters) but not by every library use
    warnings.warn(one_line(message), category, stacklevel=level)  # a key path may hold '##vso[' (one_line)
