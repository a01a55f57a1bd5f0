"""lif-ofsted plugin (hooks: register_inspection_frameworks, register_commands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from lif_core import InspectionFramework, hookimpl, open_board
from lif_core.commands import as_of_day, current_plugins, document_options, emit

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
    @document_options(as_of=True)
    def inspection(board: Path, fmt: str | None, output: Path | None, as_of: dt.datetime | None) -> None:
        """Show how each inspection recommendation is answered and evidenced.

        For every inspection recommendation in BOARD: the framework areas it concerns, the
        framework sections and groups answering it, the recommendations and actions made in
        response (done, open, overdue as at the day given), the evidence supporting it and its
        strength, and the gaps: nothing answering it, no evidence, or evidence of activity only.
        """
        plugins = current_plugins()
        loaded = open_board(board, plugins)
        document = coverage_document(loaded, plugins, as_of_day(as_of, loaded))
        emit(document, board=loaded, fmt=fmt, output=output, plugins=plugins)
