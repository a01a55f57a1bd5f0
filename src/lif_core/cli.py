"""The ``lif`` command line. Built by :func:`make_cli` around a plugin host, so plugins add
commands and tests get a fresh host. Library errors become one clean message here, never a
traceback."""

from __future__ import annotations

import datetime as dt
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click

from .board import LoadedBoard
from .builtins.renderers import terminal_safe
from .disclosure import DEFAULT_RULE, Rule, protect
from .document import Document
from .errors import LifError, Problem
from .plugins import Plugins
from .summary import board_summary
from .validate import open_board, validate_board

__all__ = ["as_of_day", "as_of_option", "emit_document", "format_option", "main", "make_cli", "output_option"]

BOARD = click.Path(file_okay=True, dir_okay=True, path_type=Path)


def _plugins(ctx: click.Context) -> Plugins:
    plugins = ctx.find_object(Plugins)
    if plugins is None:  # pragma: no cover - make_cli always provides one
        raise click.ClickException("internal error: no plugin host")
    return plugins


def _print_problems(problems: tuple[Problem, ...] | list[Problem]) -> None:
    for problem in problems:  # board text in a problem cannot drive the terminal
        click.echo(terminal_safe(str(problem)), err=True)


class LifGroup(click.Group):
    """The one place library errors become a clean CLI message (exit 1, no traceback), made
    safe for a terminal (:func:`~lif_core.builtins.renderers.terminal_safe`): an error may quote
    a board's text, a file name or an argument."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LifError as exc:
            raise click.ClickException(terminal_safe(str(exc))) from None
        except click.ClickException as exc:  # its message may quote an argument
            exc.__dict__["message"] = terminal_safe(exc.message)  # (typed Final, but set per instance)
            raise


def make_cli(plugins: Plugins | None = None) -> click.Group:
    """The ``lif`` click group, with its core commands and every plugin's commands.

    :param plugins: the plugin host; a fresh :meth:`Plugins.create` by default.
    """
    startup_error = ""
    host: Plugins | None
    try:
        host = plugins if plugins is not None else Plugins.create()
    except LifError as exc:  # a broken plugin: every command reports it, --help still works
        host, startup_error = None, str(exc)

    @click.group(name="lif", cls=LifGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(package_name="lif-core", prog_name="lif")
    @click.option(
        "--no-local-plugins",
        is_flag=True,
        help="Open boards without running their own code (the local plugins board.toml lists under "
        "[plugins] local): each is reported as a warning, and what it would provide reads as unknown. "
        "Setting LIF_NO_LOCAL_PLUGINS=1 does the same.",
    )
    @click.pass_context
    def cli(ctx: click.Context, no_local_plugins: bool) -> None:
        """Run a safeguarding children partnership's Learning and Improvement Framework.

        A board is a folder holding board.toml (its structure) and the files it includes
        (its register of reviews, recommendations, actions, evidence...). Start with
        `lif init DIR`, check it with `lif validate DIR`, look at it with `lif show DIR`.

        Plugins add review methodologies, data sources, report formats, inspection
        frameworks, checks and commands: `lif plugins` lists what is installed. A board's
        own plugins are code that runs when a command opens it: open a board you did not
        write with --no-local-plugins.
        """
        if host is None:
            raise click.ClickException(startup_error)
        if no_local_plugins:
            host.local_plugins = False
        ctx.obj = host

    @cli.command()
    @click.argument("board", type=BOARD)
    @click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 if any).")
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing when the board is valid.")
    @click.pass_context
    def validate(ctx: click.Context, board: Path, strict: bool, quiet: bool) -> None:
        """Check a board folder and list every problem found.

        Reads BOARD/board.toml and every file it includes, then checks types, unknown keys,
        cross-references (a recommendation's owner, an evidence item's target...), names
        that plugins provide (methodologies, adapters, inspection frameworks) and every
        registered check. Problems name their file and key path, e.g.

            board.toml: partners[2].sector: 'polce' is not one of 'local-authority', ...

        Exits 0 when the board is valid (warnings are shown but allowed), 1 when it has
        errors (or warnings, with --strict).
        """
        result = validate_board(board, _plugins(ctx))
        _print_problems(result.problems)
        failed = bool(result.errors) or (strict and bool(result.warnings))
        if failed:
            raise click.ClickException(f"{board}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)")
        if not quiet:
            assert result.loaded is not None
            b = result.loaded.board
            click.echo(
                f"{board}: valid ({b.board.name}: {len(b.groups)} groups, {len(b.partners)} partners, "
                f"{len(b.reviews)} reviews, {len(b.actions)} actions, {len(b.evidence)} evidence items; "
                f"{len(result.warnings)} warning(s))"
            )

    @cli.command()
    @click.argument("board", type=BOARD)
    @format_option
    @output_option
    @click.pass_context
    def show(ctx: click.Context, board: Path, fmt: str, output: Path | None) -> None:
        """Show a board's structure at a glance.

        The board, its executive and sub-groups as a tree with their chairs and remits, the
        partner agencies, principles, statutory functions and who answers for each,
        priorities, inspection recommendations and the framework sections aligned to them,
        and how much the register holds. The board must be valid (see `lif validate`).
        """
        plugins = _plugins(ctx)
        emit_document(plugins, board_summary(open_board(board, plugins)), fmt, output)

    @cli.command(name="plugins")
    @click.option("--json", "as_json", is_flag=True, help="JSON: name, kind, version, distribution, hooks.")
    @click.pass_context
    def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
        """List installed plugins and the hooks each implements.

        Builtin plugins ship with lif-core; entry-point plugins are installed distributions
        that declare the `lif` entry-point group; a board's local plugins load only when
        a command opens that board. Set LIF_DISABLE_PLUGINS=name1,name2 to skip plugins.
        """
        host = _plugins(ctx)
        infos = host.info()
        provides: dict[str, list[str]] = {}
        for kind in ("methodologies", "data_sources", "renderers", "inspection_frameworks", "checks"):
            registry = host.registry(kind)
            for name in registry.names():
                provides.setdefault(registry.plugin_of(name), []).append(f"{registry.kind}:{name}")
        if as_json:
            payload = [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "version": p.version,
                    "distribution": p.distribution,
                    "hooks": list(p.hooks),
                    "provides": provides.get(p.name, []),
                }
                for p in infos
            ]
            click.echo(json.dumps(payload, indent=2))
            return
        rows = [("NAME", "KIND", "VERSION", "HOOKS")]
        rows += [(p.name, p.kind, p.version, ", ".join(p.hooks)) for p in infos]
        widths = [max(len(r[i]) for r in rows) for i in range(3)]
        for row in rows:
            click.echo("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3])

    @cli.command()
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option(
        "--name", default="Example Safeguarding Children Partnership", show_default=True, help="The board's full name."
    )
    @click.option("--area", default="Example", show_default=True, help="The local authority area it serves.")
    @click.option("--id", "board_id", default="example", show_default=True, help="A short identifier for the board.")
    @click.pass_context
    def init(ctx: click.Context, directory: Path, name: str, area: str, board_id: str) -> None:
        """Create a new board folder from the template.

        DIRECTORY must be new or empty. The template holds a safeguarding partnership under
        Working Together 2018, its statutory functions, a sub-group structure, principles,
        a priority with a measure and an empty register file: edit them to match your board.
        The new board validates as created.
        """
        from .model import ID_PATTERN

        if not ID_PATTERN.match(board_id):
            raise click.BadParameter("use letters, digits, '-', '_' or '.'", param_hint="--id")
        if directory.exists() and any(directory.iterdir()):
            raise click.ClickException(f"{directory} is not empty: choose a new folder")
        template = resources.files("lif_core") / "templates" / "board"
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for entry in sorted(template.iterdir(), key=lambda e: e.name):
            if not entry.is_file() or entry.name.startswith((".", "_")):
                continue
            text = entry.read_text(encoding="utf-8")
            text = (
                text.replace("{{name}}", _toml_text(name))
                .replace("{{area}}", _toml_text(area))
                .replace("{{id}}", board_id)
            )
            (directory / entry.name).write_text(text, encoding="utf-8")
            written.append(entry.name)
        result = validate_board(directory, _plugins(ctx))
        if not result.ok:  # pragma: no cover - the template is tested to validate
            _print_problems(result.problems)
            raise click.ClickException("the new board does not validate: please report this")
        click.echo(f"created {directory} ({', '.join(written)}); next: lif validate {directory}")

    if host is not None:
        try:
            host.add_commands(cli)
        except LifError as exc:
            startup_error, host = str(exc), None
    return cli


def _toml_text(value: str) -> str:
    """A value safe inside a TOML basic string."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def format_option(function: Any) -> Any:
    """The ``--format`` option every document-writing command shares."""
    return click.option(
        "--format",
        "-f",
        "fmt",
        default="text",
        show_default=True,
        metavar="NAME",
        help="Output format: any installed renderer (see `lif plugins`), e.g. text, markdown, json.",
    )(function)


def output_option(function: Any) -> Any:
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of the terminal.",
    )(function)


def as_of_option(function: Any) -> Any:
    return click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        default=None,
        help="The day to judge clocks and windows against (YYYY-MM-DD; default: the board's report_date, else today).",
    )(function)


def as_of_day(as_of: dt.datetime | None, loaded: LoadedBoard) -> dt.date:
    """The ``--as-of`` day, else the board's ``settings.report_date``, else today."""
    if as_of is not None:
        return as_of.date()
    return loaded.board.settings.report_date or dt.date.today()


def emit_document(
    plugins: Plugins, document: Document, fmt: str, output: Path | None = None, rule: Rule = DEFAULT_RULE
) -> None:
    """Protect ``document`` with disclosure control, then render it with the ``fmt`` renderer
    to ``output`` or the terminal, blaming the renderer's plugin for any failure. No renderer
    ever sees a count that disclosure control has not passed."""
    renderer = plugins.renderers.get(fmt)
    protected = protect(document, rule)
    with plugins.using(plugins.renderers, fmt):
        data = renderer.render(protected)
    _write(data, output, renderer.binary)


def _write(data: bytes, output: Path | None, binary: bool) -> None:
    if output is None:
        if binary:
            raise click.ClickException("this format is binary: write it to a file with --output")
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``lif`` console script."""
    cli = make_cli()
    try:
        return cli.main(args=argv, prog_name="lif", standalone_mode=True)
    except LifError as exc:  # pragma: no cover - standalone_mode converts ClickException only
        click.echo(f"Error: {terminal_safe(str(exc))}", err=True)
        sys.exit(1)
