"""The recipient and rule flags (``--age``, ``--aws-kms``, ``--encrypted-regex``...) read without click, for
the click commands and the fast path alike. A value no key or rule can be made of is a wrong command line."""

from __future__ import annotations

from collections.abc import Callable

from sealfile.cli.boundary import UsageProblem
from sealfile.errors import ConfigError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any

    from sealfile.kms.base import MasterKey
    from sealfile.model.rules import EncryptionRules


def flag_param(flag: str) -> str:
    """The parameter a provider's own recipient flag fills (``--aws-kms`` -> ``aws_kms``)."""
    return flag.lstrip("-").replace("-", "_")


def flag_keys(params: dict[str, Any]) -> list[MasterKey]:
    """The recipients each provider's own flag names (``--age``, ``--aws-kms``...), taken out of
    ``params`` in the providers' order."""
    from sealfile.kms.registry import BUILTIN, key_from_cli

    keys = []
    for spec in BUILTIN.values():
        for value in (params.pop(flag_param(spec.cli_flag), ()) or ()) if spec.cli_flag else ():
            try:
                keys.append(key_from_cli(spec.type_id, value))
            except ConfigError as err:
                cause = _key_file_hint(spec.type_id, value) or err.message
                raise UsageProblem(f"Invalid value for '{spec.cli_flag}': {cause}") from None
    return keys


def _key_file_hint(type_id: str, value: str) -> str | None:
    """What to type instead when ``--age`` names a file (the key file ``keygen`` wrote, most likely)."""
    import os
    import shlex

    from sealfile.errors import one_line

    if type_id != "age" or not os.path.isfile(value):
        return None
    return (f"{one_line(value)} is a file; --age takes a recipient (age1...): a key file's recipients are its "
            f"'# public key:' lines (grep 'public key' {one_line(shlex.quote(value))})")


def flag_rules(params: dict[str, Any]) -> EncryptionRules | None:
    """The encryption rule the rule flags name (``--unencrypted-suffix``...), taken out of ``params``."""
    from sealfile.model.rules import RULE_NAMES, EncryptionRules

    given = {name: params.pop(name, None) for name in RULE_NAMES}
    if all(v is None for v in given.values()):
        return None
    try:
        return EncryptionRules.configured(given)
    except ConfigError as err:
        flags = ", ".join(f"'--{name.replace('_', '-')}'" for name, v in given.items() if v is not None)
        raise UsageProblem(f"Invalid value for {flags}: {err.message}") from None


def check_option_values(*, prefix: str = "", extract: str | None = None,
                        k8s: tuple[str | None, str | None] | None = None) -> None:
    """``--prefix``, ``--extract`` and (``k8s``: for ``--output-type k8s-secret``) ``--name`` and
    ``--namespace``, checked before any file is read: a wrong one is a wrong command line (exit 2)."""
    from sealfile.errors import KeyPathError
    from sealfile.model.keypath_syntax import parse_keypath
    from sealfile.runtime.flatten import check_prefix

    if k8s is not None and not k8s[0]:
        raise UsageProblem("--output-type k8s-secret needs --name")
    checks: list[tuple[str, Callable[[str], object], str | None]] = [
        ("--prefix", check_prefix, prefix), ("--extract", parse_keypath, extract)]
    if k8s is not None:
        from sealfile.runtime.outputs import check_k8s_name, check_k8s_namespace  # its renderers: only for k8s

        checks += [("--name", check_k8s_name, k8s[0]), ("--namespace", check_k8s_namespace, k8s[1])]
    for flag, check, value in checks:
        try:
            if value:
                check(value)
        except (ConfigError, KeyPathError) as err:
            raise UsageProblem(f"Invalid value for '{flag}': {err.message}") from None
