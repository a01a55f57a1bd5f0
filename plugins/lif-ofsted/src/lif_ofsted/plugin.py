"""lif-ofsted plugin (hooks: register_inspection_frameworks, register_commands)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import click

from lif_core import InspectionFramework, Plugins, hookimpl, open_board

from .coverage import coverage_document
from .frameworks import FRAMEWORKS


@hookimpl
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    for framework in FRAMEWORKS:
        register(framework)


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option(
        "--format",
        "-f",
        "fmt",
        default="text",
        show_default=True,
        metavar="NAME",
        help="Output format: any installed renderer (text, markdown, json, ...).",
    )
    @click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The date actions are judged overdue against (YYYY-MM-DD; default today).",
    )
    @click.pass_context
    def inspection(ctx: click.Context, board: Path, fmt: str, as_of: dt.datetime | None) -> None:
        """Show how each inspection recommendation is answered and evidenced.

        For every inspection recommendation in BOARD: the framework areas it concerns, the
        framework sections and groups answering it, the recommendations and actions made in
        response (done, open, overdue), the evidence supporting it and its strength, and the
        gaps: nothing answering it, no evidence, or evidence of activity only.
        """
        plugins = ctx.find_object(Plugins)
        assert plugins is not None
        loaded = open_board(board, plugins)
        renderer = plugins.renderers.get(fmt)
        day = as_of.date() if as_of else dt.date.today()
        with plugins.using(plugins.renderers, fmt):
            data = renderer.render(coverage_document(loaded, plugins, day))
        if renderer.binary:
            raise click.ClickException("this format is binary; use a text format")
        click.echo(data.decode("utf-8"), nl=False)
