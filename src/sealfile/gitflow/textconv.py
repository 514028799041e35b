"""The text ``git diff`` shows for a sealed file, or a SOPS file (git's ``textconv`` hook).

Someone whose local key (age, OS keyring) opens the file sees the decrypted YAML; anyone else
sees the file with each token replaced by a short fingerprint and the metadata reduced to
recipients and rule. No network service is ever contacted (:func:`sealfile.kms.trust.offline`):
``git log -p`` on a file whose recipients name cloud keys (or an attacker's host) stays offline
and costs no KMS call per revision. This never raises: a failing textconv makes ``git diff``
and ``git log -p`` fail outright.
Never set ``diff.sealfile.cachetextconv``: git would store the decrypted view in its notes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sealfile.errors import FormatError, IntegrityError, NoUsableKeyError, SealfileError, UntrustedSealError, one_line
from sealfile.gitflow import sops_view
from sealfile.gitflow.sealed import fingerprint, keyless_read, recipient_ids, rules_text
from sealfile.kms.trust import offline
from sealfile.model.metadata import METADATA_KEY
from sealfile.model.paths import iter_leaves
from sealfile.model.scalars import is_sealed
from sealfile.ops.read import decrypt_text
from sealfile.ops.reader import yaml_engine
from sealfile.ops.signatures import TrustPolicy, from_environment
from sealfile.ops.sops_files import sops_kind
from sealfile.ops.tree_leaves import replace_leaf
from sealfile.stores import Store, get_store
from sealfile.stores.yaml.restore import redacted
from sealfile.stores.yaml.sealed import scan_sealed_yaml


def textconv(text: str, *, decrypt: bool = True, store: Store | None = None, policy: TrustPolicy | None = None,
             path: str | None = None) -> str:
    """The diffable view of one version of a sealed or SOPS file; the input unchanged if it is neither.

    Like every reader, it decrypts only a file whose seal ``policy`` (default: ``SEALFILE_ALLOWED_SIGNERS``)
    accepts, and it says who sealed it: a forged file is shown redacted, not as a trusted change."""
    store = store or get_store("yaml")
    kind = sops_kind(text, path)  # the name picks a SOPS file's store, as for sops (git keeps it on a temp file)
    if kind is not None:
        return _sops_view(text, kind, decrypt, policy, path)
    try:
        document = keyless_read(text, store)
    except Exception:
        return text
    meta = document.metadata
    footer = ["# --- sealfile ---", f"# rule: {rules_text(meta.rules)}", "# recipients:"]
    # each recipient's wrapped key by fingerprint: a rotation changes no value, and 'git log -p' would show
    # nothing where the data key changed
    stanzas = [stanza for group in meta.groups for stanza in group]
    footer += [f"#   {r} (stanza #{fingerprint(stanza.wrapped)})"
               for r, stanza in zip(recipient_ids(meta), stanzas, strict=True)]
    try:
        policy = policy or from_environment()
        footer.append(f"# signature: {policy.verdict(document)}")
    except SealfileError as err:  # a broken SEALFILE_ALLOWED_SIGNERS: nothing can be trusted, so nothing is decrypted
        footer.append(f"# signature: cannot be checked: {err}")
        decrypt = False
    return _view(text, footer, decrypt, lambda: decrypt_text(text, store=store, policy=policy),
                 lambda: redact(text, store))


def _sops_view(text: str, kind: Any, decrypt: bool, policy: TrustPolicy | None, path: str | None) -> str:
    """A SOPS file: what ``sops decrypt`` prints, else without its metadata (:mod:`~sealfile.gitflow.sops_view`)."""
    try:
        footer = sops_view.footer(text, kind)
    except Exception:  # not one SOPS reads: shown as it is
        return text
    return _view(text, footer, decrypt, lambda: decrypt_text(text, path=path, policy=policy),
                 lambda: sops_view.redact(text, kind))


def _view(text: str, footer: list[str], decrypt: bool, decrypted: Callable[[], str],
          redacted: Callable[[], str]) -> str:
    """The decrypted view if ``decrypt`` and a local key opens the file, else the redacted one; never raises."""
    if decrypt:
        try:
            with offline():
                return _with_footer(decrypted(), [*footer, "# (decrypted view)"])
        except UntrustedSealError:
            note = "# (redacted view: not decrypted, as readers refuse this seal: see the signature line)"
        except NoUsableKeyError:
            note = "# (redacted view: no local key to decrypt; ENC#... is a fingerprint of each sealed value)"
        except IntegrityError as err:
            note = f"# (redacted view: INTEGRITY CHECK FAILED: {err})"
        except SealfileError as err:
            note = f"# (redacted view: cannot decrypt: {err})"
        except Exception as err:
            note = f"# (redacted view: cannot decrypt: {type(err).__name__})"
    else:
        note = "# (redacted view; ENC#... is a fingerprint of each sealed value)"
    try:
        body = redacted()
    except Exception:  # a failing textconv fails 'git diff' and 'git log -p' outright, for everyone
        body, note = text, "# (the file as written: it cannot be redacted)"
    return _with_footer(body, [*footer, note])


def strictest(text: str, store: Store, policies: list[TrustPolicy]) -> TrustPolicy:
    """Of ``policies`` (at least one), the first whose readers would refuse this version's seal, else the
    first that names trusted signers (to name who sealed it), else the first: a version that any of them
    refuses is shown redacted, with that refusal."""
    try:
        document = keyless_read(text, store)
    except Exception:  # not a sealed file: textconv shows it as it is, whatever the policy
        return policies[0]
    for policy in policies:
        if policy.required and not policy.accepts(policy.check(document)):
            return policy
    return next((policy for policy in policies if policy.signers is not None), policies[0])


def redact(text: str, store: Store | None = None) -> str:
    """The file as written, each token replaced by its fingerprint, the metadata block removed
    (cut as ``decrypt`` cuts it); a text that is not a sealed file, unchanged."""
    if store is not None and store.name != "yaml":
        document = store.load_editable(text)
        document.pop(METADATA_KEY, None)
        for path, value in list(iter_leaves(document)):
            if is_sealed(value):
                replace_leaf(document, path, _stand_in(value))
        return store.dump(document, like=text)
    try:
        bom, body, scanned, _ = scan_sealed_yaml(text, yaml_engine())
        return bom + redacted(body, scanned, _stand_in)
    except FormatError:  # a file its reader refuses (hand-made, hostile): shown as it is, ciphertext and all
        return text


def _stand_in(token: str) -> str:
    return f"ENC#{fingerprint(token)}"


def _with_footer(body: str, footer: list[str]) -> str:
    """The footer's names, rule and messages come from the file (its escapes decoded): one line each.
    It follows the body's last line as it is: a blank line cut or added there would change a block
    scalar that keeps its final line breaks (``|+``)."""
    return body + ("" if body.endswith("\n") else "\n") + "\n".join(one_line(line) for line in footer) + "\n"
