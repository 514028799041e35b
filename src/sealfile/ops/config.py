"""``.sealfile.yaml``: creation rules that say who can open which files, and how to seal them.

Found by walking up from the sealed file's directory (SOPS walks up from the working directory instead:
docs/sops-compat.md §8)::

    creation_rules:
      - path_regex: prod/.*\\.enc\\.yaml$
        aws_kms:
          - arn: arn:aws:kms:eu-west-1:111122223333:key/...
            context: {team: payments}
        age: [age1...]
        encrypted_regex: ^(password|token|key)$
      - path_regex: ^prod/
        key_groups:                    # any `threshold` groups open a file (default: all of them)
          - age: [age1ops...]
          - pgp: [FINGERPRINT]
          - aws_kms: [arn:aws:kms:...]
        threshold: 2
      - path_regex: .*\\.enc\\.yaml$
        age: age1..., age1...          # a list, or one comma-separated string
    sealed_files: ["*.enc.yaml"]       # what `check` and the Git drivers treat as sealed (at any depth)
    signers:                           # who may seal (sealfile.ops.signers); readers refuse anyone else
      alice: ssh-ed25519 AAAA...
    trust:                             # what recipients read from sealed files may make sealfile use
      hosts: ["*.vault.example.internal"]
      roles: ["arn:aws:iam::111122223333:role/sealfile-*"]
      profiles: [deploy]

Each recipient kind is named by its provider ``type_id`` (the registry); an entry is the CLI
value as a string (the key itself: never a file to read, such as an SSH ``.pub`` file), or a
mapping of the provider's fields. The first rule whose ``path_regex``
matches the file's path (relative to the config's directory, ``/``-separated) applies.
A rule with ``require_signature: true`` makes writers of its files refuse to write them unsigned.

``trust`` adds to what a sealed file's recipients may name (:mod:`sealfile.kms.trust`); the hosts,
roles and profiles of the creation rules' keys are trusted as well. Open files by path inside
:func:`trust_near` so that a file's own configuration counts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sealfile.errors import ConfigError, SealfileError, one_line
from sealfile.files.pathnames import resolved
from sealfile.kms import trust
from sealfile.model.record import Record
from sealfile.ops.config_files import find_config, named_path, submodule_holding
from sealfile.ops.creation_rules import CreationRule, creation_rules
from sealfile.ops.signers import SIGNERS_KEY, signers_from_config

if TYPE_CHECKING:  # the providers are imported only to read creation rules: readers need none
    from pathlib import Path  # nor pathlib: most commands find no config

    from sealfile.envelope.allowed_signers import AllowedSigners

DEFAULT_SEALED_PATTERNS = ("*.enc.yaml", "*.enc.yml", "*.enc.json", "*.enc.env", "*.env.enc", ".env.enc",
                           ".env.*.enc")
"""Sealed files of every syntax by the names the docs and ``encrypt`` suggest (``.env.*.enc``: a sealed
``.env.production``; ``.env.enc``, matched by ``*.env.enc`` too, is listed for readers of ``.gitattributes``)."""
TOP_LEVEL = ("creation_rules", "sealed_files", SIGNERS_KEY, "trust")
ALIAS_ALLOWANCE = 10_000
"""Values a config's aliases may add to the nodes its text writes (a shared list of keys, aliased in each rule)."""
MAX_CONFIG_CHARS = 256 * 1024
"""Longest config read, and most characters the configs governing one file hold together. Anyone who
can push may write them, and every reader of the files they govern reads them whole (each rule's
patterns compiled, its keys parsed): about 2 s of work at this size, over a minute at the 8 MiB a
sealed file may have. A real config is a few KiB."""


class ProjectConfig(Record):
    _fields = ("path", "creation_rules", "sealed_patterns", "signers", "trusted")
    path: Path | None
    creation_rules: list[CreationRule]
    sealed_patterns: tuple[str, ...]
    signers: AllowedSigners | None
    """The trusted signers of ``signers:`` (docs/format.md §9), ``None`` when it names none."""
    trusted: trust.Trusted
    """The ``trust`` section and the targets of every creation rule's keys."""

    def __init__(self, path: Path | None, creation_rules: list[CreationRule] | None = None,
                 sealed_patterns: tuple[str, ...] = DEFAULT_SEALED_PATTERNS, signers: AllowedSigners | None = None,
                 trusted: trust.Trusted | None = None) -> None:
        self._fill(path, [] if creation_rules is None else creation_rules, sealed_patterns, signers,
                   trust.Trusted() if trusted is None else trusted)

    @property
    def root(self) -> Path:
        from pathlib import Path

        return self.path.parent if self.path else Path.cwd()

    def rule_for(self, file: str | os.PathLike[str]) -> CreationRule | None:
        """The first creation rule whose ``path_regex`` matches ``file``'s path relative to this config's
        directory, as it is named (:func:`~sealfile.ops.config_files.named_path`: through a link, the
        link's path, as the signers that judge it are the link place's)."""
        if not self.creation_rules:  # no config, as usual with recipients on the command line: no work
            return None
        from sealfile.model.linear_regex import compile_linear

        relative = _relative(named_path(file), resolved(self.root))
        for rule in self.creation_rules:
            if compile_linear(rule.path_regex).search(relative):
                return rule
        return None


def _relative(absolute: str, root: str) -> str:
    """``absolute`` relative to ``root``, ``/``-separated; ``absolute`` itself outside it."""
    try:
        inside = os.path.commonpath([absolute, root]) == root
    except ValueError:  # another drive
        inside = False
    return (os.path.relpath(absolute, root) if inside else absolute).replace(os.sep, "/")


def load_config(near: str | os.PathLike[str]) -> ProjectConfig:
    """The config that governs ``near`` (a file or directory), or an empty one if there is none."""
    path = find_config(near)
    return ProjectConfig(None) if path is None else read_config(path)


def read_config(path: Path) -> ProjectConfig:
    """One config file, validated; errors name the file and the key path."""
    from sealfile.files.io import read_text

    return _own_trust(config_from_text(read_text(path), path))


def read_configs(paths: list[Path]) -> list[ProjectConfig]:
    """Every config that governs a file (``config_files``, nearest first), read and validated; together
    within :data:`MAX_CONFIG_CHARS`, so that a config in each directory of a deep tree does not multiply
    the work of every reader (each reads them all: see ``signatures.governing``)."""
    from sealfile.files.io import read_text

    texts: list[tuple[str, Path]] = []
    for path in paths:  # the size is checked as each is read: the next might be 8 MiB
        texts.append((read_text(path), path))
        within_budget(texts)
    return [_own_trust(config_from_text(text, path)) for text, path in texts]


def _own_trust(config: ProjectConfig) -> ProjectConfig:
    """A config read from disk, refused if it names signers, hosts, roles or profiles from inside a submodule's
    checkout: that is another repository's, which the superproject's review never sees (only the commit id),
    and its signers replaced the superproject's for the files there (anyone who can push could make prod/ a
    submodule whose config names their key 'alice'). Refused rather than skipped, which would silently drop
    what it asks of its own repository's files; one with creation rules and patterns alone still serves them."""
    if (config.signers is None and not any(config.trusted.patterns.values())) or config.path is None:
        return config
    checkout = submodule_holding(config.path)
    if checkout is not None:
        raise ConfigError(f"not used: it is inside the checkout of the submodule {checkout}, another repository "
                          "whose files this one's review does not see, and names trusted signers, hosts, roles or "
                          "profiles; put them in a .sealfile.yaml of this repository").in_file(str(config.path))
    return config


def within_budget(texts: list[tuple[str, Path]]) -> None:
    """Refuse configs (text, path) that together are longer than one config may be."""
    if sum(len(text) for text, _ in texts) > MAX_CONFIG_CHARS and len(texts) > 1:
        raise ConfigError(f"with the {len(texts) - 1} .sealfile.yaml file(s) below it, longer than "
                          f"{MAX_CONFIG_CHARS // 1024} Ki characters: every reader of the files they govern reads "
                          "them all").in_file(str(texts[-1][1]))


def parsed_config(text: str) -> Any:
    """A config's text as plain dicts and lists, within the bounds every reader of it needs: its length,
    and the values its aliases copy."""
    from sealfile.stores.node_limit import yaml_bound
    from sealfile.stores.yaml.scan import plain_data

    if len(text) > MAX_CONFIG_CHARS:
        raise ConfigError(f"longer than {MAX_CONFIG_CHARS // 1024} Ki characters: every reader of the files it "
                          "governs would read it whole (a real config is a few KiB)")
    raw = plain_data(text)
    _refuse_expansion(raw, yaml_bound(text) + ALIAS_ALLOWANCE)
    return raw


def config_from_text(text: str, path: Path) -> ProjectConfig:
    """A config's text, as if read from ``path`` (``review`` reads it from a revision)."""
    try:
        raw = parsed_config(text) or {}
        if not isinstance(raw, Mapping):
            raise ConfigError("the top level must be a mapping")
        unknown = sorted(one_line(str(key)) for key in raw if key not in TOP_LEVEL)
        if unknown:  # 'signer:' for 'signers:' would leave readers trusting anyone, without a word
            raise ConfigError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join(TOP_LEVEL)})")
        rules = creation_rules(raw.get("creation_rules"))
        named = trust.Trusted.exactly(target for rule in rules for key in rule.keys for target in key.targets())
        return ProjectConfig(path, rules, sealed_patterns(raw),
                             signers_from_config(raw.get(SIGNERS_KEY), f"the signers of {path}"),
                             trust.Trusted.from_mapping(raw.get("trust")).merged(named))
    except SealfileError as err:
        raise err.in_file(str(path)) from None


def _refuse_expansion(raw: Any, limit: int) -> None:
    """Refuse a config whose aliases copy more than ``limit`` values (counted without copying, stopping past
    it): a text's nodes are bounded, but an alias of a rule of 64 keys, written 60,000 times in 256 Ki
    characters, had every reader parse four million keys."""
    count, pending = 0, [raw]
    while pending:
        node = pending.pop()
        count += 1
        if count > limit:
            raise ConfigError(f"YAML aliases here would expand it to more than {limit:,} values: write the values "
                              "out, or alias fewer times")
        if isinstance(node, Mapping):
            pending += [*node.keys(), *node.values()]
        elif isinstance(node, list):
            pending += node


@contextmanager
def trust_near(file: str | os.PathLike[str]) -> Iterator[None]:
    """Inside, recipients read from files may also use what the config governing ``file`` trusts
    (read only if a recipient needs it, so a file that names nothing unusual never reads it)."""
    with trust.configured(lambda: load_config(file).trusted):
        yield


def sealed_patterns(raw: Mapping[str, Any]) -> tuple[str, ...]:
    """The ``sealed_files`` globs of a parsed config (the defaults when it names none)."""
    patterns = raw.get("sealed_files", list(DEFAULT_SEALED_PATTERNS))
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError("sealed_files must be a list of glob patterns", keypath="sealed_files")
    return tuple(patterns)
