"""lif-ofsted plugin (hooks: register_inspection_frameworks, register_commands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from lif_core import InspectionFramework, Plugins, board_rule, hookimpl, open_board
from lif_core.cli import as_of_day, as_of_option, emit_document, format_option, output_option

from .coverage import coverage_document
from .frameworks import FRAMEWORKS
from .working_together import EDITIONS


@hookimpl
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    for framework in (*FRAMEWORKS, *EDITIONS):
        register(framework)


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @as_of_option
    @format_option
    @output_option
    @click.pass_context
    def inspection(ctx: click.Context, board: Path, as_of: dt.datetime | None, fmt: str, output: Path | None) -> None:
        """Show how each inspection recommendation is answered and evidenced.

        For every inspection recommendation in BOARD: the framework areas it concerns, the
        framework sections and groups answering it, the recommendations and actions made in
        response (done, open, overdue as at the day given), the evidence supporting it and its
        strength, and the gaps: nothing answering it, no evidence, or evidence of activity only.
        """
        plugins = ctx.find_object(Plugins)
        assert plugins is not None
        loaded = open_board(board, plugins)
        document = coverage_document(loaded, plugins, as_of_day(as_of, loaded))
        emit_document(plugins, document, fmt, output, board_rule(loaded))
