"""Every option can come from the environment, named after its public flag.

``SEALFILE_<COMMAND>_<OPTION>``: the command path and the long flag upper-cased, ``-`` as ``_``
(``decrypt --output-type`` -> ``SEALFILE_DECRYPT_OUTPUT_TYPE``, ``set --type`` ->
``SEALFILE_SET_TYPE``, ``recipients remove --rotate`` -> ``SEALFILE_RECIPIENTS_REMOVE_ROTATE``).
Click's own automatic names use the Python parameter name (``fmt``, ``value_type``), which users
never see; these commands use :class:`Command` and :class:`Group` so the flag names win.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import click


class PublicNameOption(click.Option):
    """An option read from ``<context prefix>_<LONG FLAG>`` when not given on the command line."""

    def public_envvars(self, ctx: click.Context) -> list[str]:
        if not self.allow_from_autoenv or ctx.auto_envvar_prefix is None:
            return []
        return [f"{ctx.auto_envvar_prefix}_{flag[2:].replace('-', '_').upper()}"
                for flag in self.opts if flag.startswith("--")]

    def resolve_envvar_value(self, ctx: click.Context) -> str | None:
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


class Command(click.Command):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_after_flags(self.params)


class Group(click.Group):
    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _name_after_flags(self.params)


Group.group_class = Group
