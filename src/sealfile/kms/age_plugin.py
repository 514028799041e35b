"""age plugins (``age1yubikey1...``, ``age1tpm1...``: any ``age1<name>1...`` recipient), through
pyrage's plugin support, so hardware keys work wherever their plugin is installed.

The plugin is the program ``age-plugin-<name>`` on PATH, as age runs it. Its identities are the
``AGE-PLUGIN-<NAME>-1...`` lines of the age identity files (the same places as X25519 identities).
Unwrapping runs a plugin only for the identities the user has for it, so a sealed file cannot
make sealfile run a plugin the user did not set up; and no plugin runs from a relative PATH directory
(the current directory may be the repository a file came from). What a plugin asks for: messages ("touch your
key") go to stderr; a PIN or passphrase is asked on the terminal, and refused without one.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import pyrage

from sealfile.errors import ConfigError, ProviderError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from typing import Any


def plugin_name(recipient: str) -> str | None:
    """The plugin a recipient needs (``yubikey`` for ``age1yubikey1...``), or ``None`` for X25519."""
    if not recipient.startswith("age1") or recipient.rfind("1") <= len("age1"):
        return None
    try:
        name: str = pyrage.plugin.Recipient.from_str(recipient).plugin()
    except pyrage.RecipientError:
        raise ConfigError(f"not an age recipient: {recipient!r}") from None
    return name


def program(name: str) -> str:
    return f"age-plugin-{name}"


def refuse_relative_program(name: str) -> None:
    """Refuse to run a plugin that PATH finds through a relative directory (:mod:`sealfile.files.programs`):
    the file names the plugin (``age1<name>1...``). pyrage finds the program as that does, the first
    executable file along PATH."""
    from sealfile.files.programs import absolute_program  # only when a plugin is to run

    absolute_program(program(name), "the age plugin program")


class _Callbacks:
    """What pyrage calls when a plugin talks to the user."""

    def display_message(self, message: str) -> None:
        print(f"age-plugin: {message}", file=sys.stderr)

    def confirm(self, message: str, yes: str, no: str | None) -> bool:
        print(f"age-plugin: {message} ({yes})", file=sys.stderr)
        return True

    def request_public_string(self, description: str) -> str | None:
        return self._ask(description, hidden=False)

    def request_passphrase(self, description: str) -> str | None:
        return self._ask(description, hidden=True)

    def _ask(self, description: str, *, hidden: bool) -> str | None:
        # without an answer the plugin fails, and says it needed one
        prompt = f"age-plugin: {description}: "
        if hidden:
            from sealfile.kms import passphrase

            return passphrase.read_hidden(prompt) if passphrase.terminal_present() else None
        if not sys.stdin.isatty():
            return None
        from sealfile.files.terminal import read_line

        typed = read_line(prompt, echo=True)  # Ctrl-C ends it at any moment, as input()'s read may not
        return typed if typed is not None else input(prompt)


def wrap(recipient: str, name: str, data_key: bytes) -> str:
    refuse_relative_program(name)
    try:  # creating the plugin's recipient looks for its program already
        target = pyrage.plugin.RecipientPluginV1(name, [pyrage.plugin.Recipient.from_str(recipient)], [],
                                                 _Callbacks())
        armored: bytes = pyrage.encrypt(data_key, [target], armored=True)
    except pyrage.EncryptError as err:
        raise ProviderError(explain(err, name)) from None
    return armored.decode("ascii")


def unwrap(name: str, identities: Sequence[Any], wrapped: str) -> bytes:
    """The data key, opened by the plugin with the user's identities for it."""
    mine = [identity for identity in identities if identity.plugin() == name]
    if not mine:
        raise ProviderError(f"no identity for the age plugin '{name}' (add its AGE-PLUGIN-{name.upper()}-1... "
                            "line to your age identity file or SEALFILE_AGE_KEY)")
    refuse_relative_program(name)
    try:
        plugin = pyrage.plugin.IdentityPluginV1(name, mine, _Callbacks())
        return bytes(pyrage.decrypt(wrapped.encode("ascii"), [plugin]))
    except pyrage.DecryptError as err:
        raise ProviderError(explain(err, name)) from None
    except UnicodeEncodeError:
        raise ProviderError("the wrapped data key is corrupt") from None


def explain(error: Exception, name: str) -> str:
    # rage wraps names in Unicode isolation marks (U+2068, U+2069): drop them before matching or showing
    text = " ".join(str(error).replace("\u2068", "").replace("\u2069", "").split())
    if "Could not find" in text and program(name) in text:
        return f"the age plugin program '{program(name)}' is not installed (not found on PATH)"
    if "no matching keys" in text.lower():
        return "the wrapped data key was not made for this recipient"
    if "Unknown age format" in text or "header" in text.lower():
        return "the wrapped data key is corrupt"
    return f"the age plugin '{program(name)}' failed: {text[:200]}"
