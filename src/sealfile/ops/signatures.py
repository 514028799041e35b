"""Who sealed a file, and what readers and writers do about it: the one trust policy.

A MAC keyed by the data key proves only that the writer had *a* data key: anyone who can write to the repository can
seal a file of their own for the same (public) recipients. A signature (docs/format.md §9) proves who sealed it, and
anyone can check it without a key.

:class:`TrustPolicy` holds the trusted signers (an OpenSSH ``allowed_signers`` file, or ``signers:`` in
``.sealfile.yaml``) and whether the file's creation rule requires a signature. Once either is configured:

- readers (:meth:`TrustPolicy.open`) refuse a file that is unsigned, signed by a key not
  trusted, or whose signature does not verify, before its data key is unwrapped;
- writers that keep a file's data key (:meth:`TrustPolicy.changing`) refuse it on the same
  grounds unless asked to rotate it, since whoever sealed the file may hold that key;
- writers refuse to write a file unsigned, or signed by a key readers would refuse.

Where the policy comes from: :func:`for_file` (the CLI, the Git tools and ``load_secrets``:
``SEALFILE_ALLOWED_SIGNERS``, which pins the signers for CI and deployments, else the ``.sealfile.yaml`` that governs
the file), or :func:`for_application` when an application passes ``load_secrets(allowed_signers=...)`` itself. Without
any, files are read and written unsigned or signed alike (writers seal for no recipient the creation rule lacks).

The SSH modules are imported on first use: ``load_secrets`` pays for them only when a policy is
configured, ``status`` only for a signed file (start-up time is measured, benchmarks/RESULTS.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from sealfile.errors import ConfigError, SealfileError, SigningError, UntrustedSealError
from sealfile.files.pathnames import expanded
from sealfile.model.record import Record
from sealfile.ops.reader import read_document
from sealfile.ops.rule_recipients import ExpectedRecipients, expected_recipients, joined, refuse_unexpected
from sealfile.ops.sealing import signing_as
from sealfile.ops.signature_check import SignatureCheck as SignatureCheck
from sealfile.ops.signature_check import check_signature as check_signature

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from sealfile.envelope.allowed_signers import AllowedSigners
    from sealfile.envelope.signing import Signer
    from sealfile.ops.config import ProjectConfig
    from sealfile.ops.document import OpenDocument, SealedDocument
    from sealfile.stores import Store

ALLOWED_SIGNERS_ENV = "SEALFILE_ALLOWED_SIGNERS"
# A new data key shuts out whoever sealed the file, but the values and recipients stay theirs: the writer
# signs them as its own. So that is never done without being asked for (a routine 'rotate' refuses too).
_CHECK_FIRST = ("check its values and recipients first ('sealfile edit --rotate' shows them), "
                "or restore a trusted version")
RETRY_WITH_ROTATE = ("refusing to keep its data key, which whoever sealed it may hold: --rotate (or 'sealfile rotate "
                     "--adopt' first) seals the change under a new data key and signs the file's values and recipients "
                     f"as yours; {_CHECK_FIRST}")
RETRY_ADOPT_FIRST = ("refusing to keep its data key, which whoever sealed it may hold: 'sealfile rotate --adopt' first "
                     "seals it under a new data key and signs the file's values and recipients as yours; "
                     f"{_CHECK_FIRST}")
"""For a command that has no ``--rotate`` of its own (``recipients add``, ``encrypt --previous``)."""
RETRY_WITH_ADOPT = ("refusing to sign its values and recipients as yours: --adopt does that, under a new data key; "
                    f"{_CHECK_FIRST}")


class TrustPolicy(Record):
    _fields = ("signers", "require_signature", "expected")
    signers: AllowedSigners | None
    """Who may seal; ``None`` when no trusted signers are configured."""
    require_signature: bool
    """The file's creation rule requires a signature (``require_signature: true``)."""
    expected: ExpectedRecipients | None
    """Without signers, the recipients the file's creation rule names: writers seal for no other."""

    def __init__(self, signers: AllowedSigners | None = None, require_signature: bool = False,
                 expected: ExpectedRecipients | None = None) -> None:
        self._fill(signers, require_signature, None if signers is not None else expected)

    def expecting(self, also: ExpectedRecipients | None) -> TrustPolicy:
        """This policy, its writers also refusing recipients ``also``'s rules do not name (without signers)."""
        return TrustPolicy(self.signers, self.require_signature, joined(self.expected, also))

    @property
    def required(self) -> bool:
        """Whether the file must carry a signature that verifies (and, given signers, is theirs)."""
        return self.signers is not None or self.require_signature

    def check(self, document: SealedDocument) -> SignatureCheck:
        return check_signature(document, self.signers)

    def accepts(self, check: SignatureCheck) -> bool:
        if self.signers is not None:
            return check.status == "trusted"
        return check.verified or (not self.require_signature and check.status == "unsigned")

    def _who_must_sign(self) -> str:
        if self.signers is not None:
            return f"only a signer in {self.signers.source} may seal it"
        return "its creation rule in .sealfile.yaml has require_signature"

    def verdict(self, document: SealedDocument) -> str:
        """Who sealed the file, and whether readers under this policy refuse it (``status``, ``git diff``)."""
        check = self.check(document)
        if self.required and not self.accepts(check):
            return f"{self.refusal(check)} (readers refuse it)"
        return check.describe()

    def refusal(self, check: SignatureCheck) -> str:
        """Why ``check`` is not good enough, naming the signer found (one line)."""
        if check.status == "unsigned":
            return f"unsigned, but {self._who_must_sign()}"
        return check.describe()

    def enforce(self, document: SealedDocument, *, writing: bool = False) -> SignatureCheck | None:
        """For a reader, before the data key is used: the check, or :class:`UntrustedSealError`.

        A writer (``writing``: it keeps the data key, or signs the content as its own) refuses a signature that does
        not verify even without a policy: ``verify`` and ``check`` refuse that file, and a routine write must not turn
        it into one they pass."""
        if not self.required and not (writing and document.metadata.signature is not None):
            return None
        check = self.check(document)
        if not self.accepts(check):
            raise UntrustedSealError(self.refusal(check))
        return check

    def problem(self, document: SealedDocument) -> str | None:
        """For keyless checks (``check``, ``review``): why readers would refuse the file, or a
        signature that does not verify (tampering, whatever the policy); ``None`` if neither."""
        if not self.required and document.metadata.signature is None:
            return None
        check = self.check(document)
        if self.required and not self.accepts(check):
            return self.refusal(check)
        return check.describe() if check.status == "invalid" else None

    def enforce_unsignable(self, kind: str) -> None:
        """For a file that cannot carry a signature (a SOPS file): refused whenever one is required."""
        if self.required:
            raise UntrustedSealError(f"unsigned ({kind} cannot carry a sealfile signature), "
                                     f"but {self._who_must_sign()}")

    def open(self, text: str, store: Store) -> OpenDocument:
        """Read, enforce the policy, then unwrap the data key and check the MAC: what readers call."""
        document = read_document(text, store)
        self.enforce(document)
        return document.open()

    def check_reuse(self, document: SealedDocument, *, rotate: bool = False, retry: str = RETRY_WITH_ROTATE) -> None:
        """For a writer about to keep the file's data key, or to sign its content: refused for a seal
        not trusted, unless ``rotate`` (asked for by the user) replaces the key and adopts the content."""
        if rotate:
            return
        try:
            self.enforce(document, writing=True)
        except UntrustedSealError as err:
            raise UntrustedSealError(f"{err.message}; {retry}") from None

    def writer(self, environ: Mapping[str, str] | None = None) -> Signer | None:
        """The signer for a write (``SEALFILE_SIGNING_KEY``), refused if readers would refuse its files."""
        from sealfile.envelope.signing_env import SIGNING_KEY_ENV, signing_key_spec

        signer = None
        if signing_key_spec(environ):  # else the SSH modules are not needed: most writes are unsigned
            from sealfile.envelope.signing import signer_from_environment

            signer = signer_from_environment(environ)
        if signer is None:
            if self.required:
                raise SigningError(f"refusing to write it unsigned: {self._who_must_sign()}; set {SIGNING_KEY_ENV} "
                                   "to your SSH key (a private key file, or a public key whose private half is in "
                                   "ssh-agent)")
            return None
        from sealfile.envelope.sshsig import SEALFILE_NAMESPACE

        if self.signers is not None and self.signers.principal_for(signer.public_key, SEALFILE_NAMESPACE) is None:
            raise SigningError(f"your signing key {signer.fingerprint} is not a trusted signer in "
                               f"{self.signers.source}, so readers would refuse the file; add it there "
                               "(through review)")
        return signer

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Every file sealed inside is signed as this policy wants (checked before anything is done)."""
        with signing_as(self.writer()):
            yield

    def open_to_change(self, text: str, store: Store, *, rotate: bool = False) -> OpenDocument:
        """Open a sealed file whose change will be sealed later (``edit``): refused now, before any
        work, if that change could not be written (an untrusted seal without ``rotate``, no usable signer)."""
        sealed = read_document(text, store)
        refuse_unexpected(self.expected, sealed.metadata)
        self.check_reuse(sealed, rotate=rotate)
        self.writer()
        return sealed.open()

    @contextmanager
    def changing(self, text: str, store: Store, *, rotate: bool = False, adopt: bool | None = None,
                 check: Callable[[SealedDocument], object] | None = None, retry: str = RETRY_WITH_ROTATE,
                 new_recipients: bool = False) -> Iterator[OpenDocument]:
        """Open a sealed file to change it: its data key is kept only if its seal is trusted, else ``rotate`` must
        replace it (done first, so every change is sealed under the new key). A seal not trusted is changed only if
        ``adopt`` (default: ``rotate``, which the user asked for) says the writer takes its values and recipients as its
        own: ``sealfile rotate`` alone does not. ``check`` refuses a change that the file's shape and recipients already
        rule out, before a key service is asked for anything (the user's mistake is named, and nothing is audit-logged).
        ``retry``: what the refusal of an untrusted seal suggests (the command's own ``--rotate``, or another command).
        ``new_recipients``: the caller changes the recipients, and checks those it leaves against the rule's."""
        sealed = read_document(text, store)
        if check is not None:
            check(sealed)
        if not new_recipients:
            refuse_unexpected(self.expected, sealed.metadata)
        if adopt is None:
            self.check_reuse(sealed, rotate=rotate, retry=retry)
        else:
            self.check_reuse(sealed, rotate=adopt, retry=RETRY_WITH_ADOPT)
        with self.writing():
            document = sealed.open()
            if rotate:
                document.rotate()
            yield document


NO_POLICY = TrustPolicy()


def from_environment(environ: Mapping[str, str] | None = None) -> TrustPolicy:
    """The signers ``SEALFILE_ALLOWED_SIGNERS`` names (an ``allowed_signers`` file), if set."""
    environ = os.environ if environ is None else environ
    path = environ.get(ALLOWED_SIGNERS_ENV, "").strip()
    if not path:
        return NO_POLICY
    return TrustPolicy(_read_allowed_signers(path, ALLOWED_SIGNERS_ENV))


if TYPE_CHECKING:  # only in annotations: a string member compiles its text when the alias is made (~1 ms of a start)
    AllowedSignersSource = str | os.PathLike[str] | AllowedSigners | TrustPolicy | None


def for_application(allowed_signers: AllowedSignersSource = None,
                    file: str | os.PathLike[str] | None = None) -> TrustPolicy:
    """``load_secrets(allowed_signers=...)``: a path to an ``allowed_signers`` file, the parsed file,
    or a whole policy; ``None``: the policy the CLI applies to ``file`` (:func:`for_file`), so an
    application never reads a file that ``sealfile decrypt`` would refuse."""
    if allowed_signers is None:
        return from_environment() if file is None else for_file(file)
    if isinstance(allowed_signers, TrustPolicy):
        return allowed_signers
    if isinstance(allowed_signers, (str, os.PathLike)):
        name = os.fspath(allowed_signers)
        if not name:  # would read the current directory: say what was given instead
            raise ConfigError("allowed_signers: an empty name names no file")
        return TrustPolicy(_read_allowed_signers(name, "allowed_signers"))
    from sealfile.envelope.allowed_signers import AllowedSigners

    if not isinstance(allowed_signers, AllowedSigners):  # else it fails at the first signature, saying less
        raise TypeError(f"allowed_signers is the name of an allowed_signers file, its AllowedSigners or a "
                        f"TrustPolicy, not {type(allowed_signers).__name__}")
    return TrustPolicy(allowed_signers)


def for_file(file: str | os.PathLike[str]) -> TrustPolicy:
    """The CLI's and the Git tools' policy for ``file``: ``SEALFILE_ALLOWED_SIGNERS`` if set (a
    deployment's pin outranks the repository), else what the ``.sealfile.yaml`` files that govern it
    say (:func:`governing`)."""
    from sealfile.ops.config_files import governing_files
    from sealfile.ops.rule_recipients import expected_where_it_leads  # a link's writes keep its target's data key

    policy, paths = from_environment(), governing_files(file)
    if paths:  # else no creation rules to import and read: most readers
        from sealfile.ops.config import read_configs

        policy = governing(policy, read_configs(paths), file)
    return policy if policy.signers is not None else policy.expecting(expected_where_it_leads(file))


def governing(pinned: TrustPolicy, configs: list[ProjectConfig], file: str | os.PathLike[str]) -> TrustPolicy:
    """The policy of the configs between ``file`` and the top (nearest first), not of the nearest alone:
    the signers of the nearest one that has a ``signers:`` section (a config without one keeps those
    above it: anyone who can push can add a config, and a creation rule alone must not drop them; one
    with its own section replaces them for its directory, as ``review`` shows), and
    ``require_signature`` if any of their creation rules for ``file`` has it. ``pinned`` signers
    replace the configs' signers; without any, the recipients the nearest rule naming some names."""
    required = any(rule.require_signature for config in configs if (rule := config.rule_for(file)) is not None)
    if pinned.signers is not None:
        return TrustPolicy(pinned.signers, required)
    signers = next((config.signers for config in configs if config.signers is not None), None)
    return TrustPolicy(signers, required, None if signers else expected_recipients(configs, file))


def _read_allowed_signers(path: str, named_by: str) -> AllowedSigners:
    from pathlib import Path  # only when a policy names a file: most commands read none

    from sealfile.envelope.allowed_signers import AllowedSigners

    try:
        signers = AllowedSigners.from_file(Path(expanded(path)))
    except SealfileError as err:
        raise ConfigError(f"{named_by}: {err}") from None
    if not len(signers):
        raise ConfigError(f"{named_by}: {path} lists no signer, so no file could be trusted")
    return signers
