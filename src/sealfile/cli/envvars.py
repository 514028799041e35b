"""Every option can come from the environment, named after its public flag.

``SEALFILE_<COMMAND>_<OPTION>``: the command path and the long flag upper-cased, ``-`` as ``_``
(``decrypt --output-type`` -> ``SEALFILE_DECRYPT_OUTPUT_TYPE``, ``set --type`` ->
``SEALFILE_SET_TYPE``, ``recipients remove --rotate`` -> ``SEALFILE_RECIPIENTS_REMOVE_ROTATE``).
Click's own automatic names use the Python parameter name (``fmt``, ``value_type``), which users
never see; these commands use :class:`Command` and :class:`Group` so the flag names win.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import Any

import click

TYPED = "sealfile.typed_options"
"""``ctx.meta`` key: the names of the options the command line gives."""


class PublicNameOption(click.Option):
    """An option read from ``<context prefix>_<LONG FLAG>`` when not given on the command line, nor a
    rival that cannot go with it (``SEALFILE_ENCRYPT_IN_PLACE=1`` and ``-o out`` write ``out``)."""

    def public_envvars(self, ctx: click.Context) -> list[str]:
        if not self.allow_from_autoenv or ctx.auto_envvar_prefix is None:
            return []
        return [f"{ctx.auto_envvar_prefix}_{flag[2:].replace('-', '_').upper()}"
                for flag in self.opts if flag.startswith("--")]

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
        if _rivals_of(self.name) & ctx.meta.get(TYPED, frozenset()):
            return None
        explicit = click.Parameter.resolve_envvar_value(self, ctx)
        if explicit is not None:
            return explicit
        for name in self.public_envvars(ctx):
            value = os.environ.get(name)
            if value:
                return value
        return None


def _name_after_flags(params: Iterable[click.Parameter]) -> None:
    for param in params:
        if isinstance(param, click.Option) and not param.expose_value:
            param.allow_from_autoenv = False  # --version and the like act at once: never from the environment
        elif type(param) is click.Option:
            param.__class__ = PublicNameOption  # same fields; only the environment lookup differs


def _rivals_of(name: str | None) -> frozenset[str]:
    """The options that cannot go with option ``name``: ``-o``/``-i``, key groups/the other recipient flags,
    ``--output-type``/``--format``."""
    from sealfile.cli.flags import flag_param
    from sealfile.kms.registry import BUILTIN

    recipients = frozenset({"recipient_specs", *(flag_param(s.cli_flag) for s in BUILTIN.values() if s.cli_flag)})
    for one, other in ((frozenset({"output"}), frozenset({"in_place"})),
                       (frozenset({"key_groups", "threshold"}), recipients),
                       (frozenset({"output_type"}), frozenset({"legacy_format"}))):
        if name in one or name in other:
            return other if name in one else one
    return frozenset()


class Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_after_flags(self.params)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with contextlib.suppress(click.UsageError):  # click words any error in super().parse_args
            ctx.meta[TYPED] = frozenset(self.make_parser(ctx).parse_args(args=list(args))[0])
        return super().parse_args(ctx, args)


class Group(click.Group):
    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_after_flags(self.params)


Group.group_class = Group
