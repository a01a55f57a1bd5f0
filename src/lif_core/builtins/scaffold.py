"""Builtin ``lif new`` commands (hook: register_commands): start a plugin package from the
template. Filled in by issue 15's work."""

from __future__ import annotations

import click

from ..plugins import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.group("new")
    def new() -> None:
        """Start something new from a template: a plugin package."""
