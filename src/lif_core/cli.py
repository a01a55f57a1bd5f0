"""The ``lif`` command line. Built by :func:`make_cli` around a plugin host, so plugins add
commands and tests get a fresh host. Library errors become one clean message here, never a
traceback."""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import textwrap
import unicodedata
from pathlib import Path
from typing import Any

import attrs
import click

from .board import BOARD_FILE, LoadedBoard, UnreadableFile, describe_os_error, read_data_file
from .disclosure import DEFAULT_RULE, Rule, protect
from .document import Document, terminal_safe
from .errors import LifError, Problem
from .extensions import RenderOptions
from .frameworks import DEFAULT_FRAMEWORK
from .plugins import Plugins, installed_version
from .summary import board_summary
from .validate import open_board, validate_board

__all__ = [
    "as_of_day",
    "as_of_option",
    "default_format",
    "emit_document",
    "format_option",
    "main",
    "make_cli",
    "output_option",
    "terminal_options",
]

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
        except (click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError):  # click ends these quietly
            raise
        except Exception as exc:  # lif-core's own command failed (a plugin's is blamed on it)
            command = f"lif {ctx.invoked_subcommand}" if ctx.invoked_subcommand else "lif"
            message = " ".join(f"{type(exc).__name__}: {exc}".split())
            raise click.ClickException(
                terminal_safe(f"{command}: {message}; a bug in lif-core: please report it")
            ) from exc


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``lif --version``, as click's own option prints it; the version is read only when asked
    for, from lif-core's metadata folder (click's option would import importlib.metadata)."""
    if value and not ctx.resilient_parsing:
        click.echo(f"lif, version {installed_version('lif-core') or '0+unknown'}", color=ctx.color)
        ctx.exit()


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
    @click.option(
        "--version",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_show_version,
        help="Show the version and exit.",
    )
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

        A board works under a statutory framework (board.statutory_framework: Working
        Together 2015, 2018 or 2023 in England, the 2014 Act in Wales...), which gives it
        its vocabulary, review lifecycles and clocks: `lif frameworks` lists those installed.
        Plugins add statutory frameworks, review methodologies, data sources, report formats,
        inspection frameworks, checks and commands: `lif plugins` lists what is installed. A board's
        own plugins are code that runs when a command opens it: open a board you did not
        write with --no-local-plugins.
        """
        if host is None:
            raise click.ClickException(startup_error)
        if ctx.invoked_subcommand != "plugins":  # which lists a failed plugin, and why
            host.check()
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

    from .commands import document_options, emit  # (which build on this module)

    @cli.command()
    @click.argument("board", type=BOARD)
    @document_options
    @click.pass_context
    def show(ctx: click.Context, board: Path, fmt: str | None, output: Path | None) -> None:
        """Show a board's structure at a glance.

        The board, its executive and sub-groups as a tree with their chairs and remits, the
        partner agencies, principles, statutory functions and who answers for each,
        priorities, inspection recommendations and the framework sections aligned to them,
        and how much the register holds. The board must be valid (see `lif validate`).
        """
        plugins = _plugins(ctx)
        loaded = open_board(board, plugins)
        emit(board_summary(loaded), board=loaded, fmt=fmt, output=output, plugins=plugins)

    @cli.command(name="plugins")
    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="JSON: name, kind, version, distribution, hooks, provides, status, error.",
    )
    @click.pass_context
    def plugins_cmd(ctx: click.Context, as_json: bool) -> None:
        """List installed plugins, the hooks each implements and what each provides.

        Builtin plugins ship with lif-core; entry-point plugins are installed distributions
        that declare the `lif` entry-point group; a board's local plugins load only when
        a command opens that board. Under each plugin, what it provides (command:reviews,
        renderer:markdown, ...). A plugin that could not be imported or registered is listed
        as failed, with why; then this command exits 1 (every other command stops at it).
        Set LIF_DISABLE_PLUGINS=name1,name2 to skip plugins.
        """
        host = _plugins(ctx)
        infos = host.info()
        provides: dict[str, list[str]] = {}
        for info in infos:
            provides[info.name] = [f"command:{c}" for c in host.commands_of(info.name)]
        kinds = ("statutory_frameworks", "methodologies", "data_sources", "renderers", "inspection_frameworks")
        for kind in (*kinds, "report_sections", "checks", "stores", "indicators"):
            registry = host.registry(kind, strict=False)  # a failed plugin's registrations left out
            for name in registry.names():
                scope = getattr(registry.get(name), "frameworks", ())
                under = f" (under {', '.join(scope)} only)" if scope else ""
                provides.setdefault(registry.plugin_of(name), []).append(f"{registry.kind}:{name}{under}")
        failed = [p for p in infos if p.error]
        if as_json:
            payload = [
                {
                    "name": p.name,
                    "kind": p.kind,
                    "version": p.version,
                    "distribution": p.distribution,
                    "hooks": list(p.hooks),
                    "provides": provides.get(p.name, []),
                    "status": p.status,
                    "error": terminal_safe(p.error),
                }
                for p in infos
            ]
            click.echo(json.dumps(payload, indent=2))
        else:
            rows = [("NAME", "KIND", "VERSION", "STATUS", "HOOKS")]
            rows += [(p.name, p.kind, p.version, p.status, ", ".join(p.hooks)) for p in infos]
            widths = [max(len(r[i]) for r in rows) for i in range(4)]
            width = max(60, shutil.get_terminal_size().columns)
            for row, shown in zip(rows, (None, *infos), strict=True):
                click.echo("  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4])
                if shown is not None and provides.get(shown.name):
                    text = ", ".join(provides[shown.name])
                    lines = textwrap.wrap(
                        text,
                        width,
                        initial_indent="    provides: ",
                        subsequent_indent=" " * 6,
                        break_long_words=False,
                        break_on_hyphens=False,
                    )
                    click.echo("\n".join(lines))
        for info in failed:
            click.echo(f"Error: {terminal_safe(info.error)}", err=True)
        if failed:
            ctx.exit(1)

    @cli.command()
    @click.argument("board", type=BOARD)
    @click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
    @click.pass_context
    def migrate(ctx: click.Context, board: Path, dry_run: bool) -> None:
        """Rewrite BOARD's board.toml in today's keys, keeping its comments.

        A board written before statutory frameworks names its country, arrangement and
        Working Together edition; they become the one board.statutory_framework they meant
        (an LSCB under Working Together 2015: england-wt2015). Review kinds in
        settings.deadlines that the framework does not have are taken out. Each change is
        printed; nothing else in the file changes (the rewrite is checked), and a board
        already current is left as it is.
        """
        from .migrate import migrate_board

        plugins = _plugins(ctx)
        registry = plugins.statutory_frameworks
        target, migration = migrate_board(board, {f.name: f for f in registry})
        for note in migration.notes:
            click.echo(f"note: {note}")
        if not migration.changes:
            click.echo(f"{target}: already current; nothing to change")
            return
        if not dry_run:
            try:
                write_atomically(target, migration.text.encode("utf-8"))
            except OSError as exc:
                raise LifError(f"cannot write {target}: {describe_os_error(exc, target)}; nothing changed") from None
        for change in migration.changes:
            click.echo(f"{'would change' if dry_run else 'changed'}: {change}")
        if not dry_run:
            click.echo(f"{target}: rewritten; next: lif validate {board}")

    @cli.command()
    @click.argument("name", required=False)
    @format_option
    @output_option
    @click.pass_context
    def frameworks(ctx: click.Context, name: str | None, fmt: str, output: Path | None) -> None:
        """List the statutory frameworks installed, or show one's vocabulary.

        Without NAME: each framework's name (what a board writes in
        board.statutory_framework), title and the plugin that provides it. With NAME: what
        the framework gives a board: its arrangement and roles, function kinds, partner
        duties, review kinds with their stages, decisions and clocks, evidence and comparator
        kinds, grade scales, recurring publications, holiday calendar and sources.
        """
        from .frameworks import framework_document, frameworks_document

        plugins = _plugins(ctx)
        registry = plugins.statutory_frameworks
        if name is None:
            document = frameworks_document([(f, registry.plugin_of(f.name)) for f in registry])
        else:
            document = framework_document(registry.get(name), registry.plugin_of(name))
        emit_reference(plugins, document, fmt, output)

    @cli.command()
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    @click.option(
        "--name",
        help="The board's full name (default: the area and the framework's arrangement, e.g. "
        "'Example Local Safeguarding Children Board').",
    )
    @click.option("--area", default="Example", show_default=True, help="The local authority area it serves.")
    @click.option("--id", "board_id", default="example", show_default=True, help="A short identifier for the board.")
    @click.option(
        "--framework",
        default=DEFAULT_FRAMEWORK,
        show_default=True,
        help="The statutory framework the board works under (`lif frameworks` lists those installed).",
    )
    @click.pass_context
    def init(ctx: click.Context, directory: Path, name: str | None, area: str, board_id: str, framework: str) -> None:
        """Create a new board folder from a statutory framework's template.

        DIRECTORY must be new or empty. The plugin that provides the framework supplies the
        template: the arrangement and its roles, its statutory functions, partners with their
        duties, a sub-group structure, principles, a priority with a measure and a register
        file, all in that framework's words (england-wt2015, england-wt2018 and
        england-wt2023 come with lif-england; wales-2014-act with lif-wales). Edit them to
        match your board. The new board validates as created.
        """
        from .model import ID_PATTERN

        for option, value in (("--name", name or ""), ("--area", area)):
            if option == "--name" and name is None:
                continue
            wrong = _bad_name(value)
            if wrong:
                raise click.BadParameter(wrong, param_hint=option)
        if not ID_PATTERN.fullmatch(board_id):
            raise click.BadParameter("use letters, digits, '-', '_' or '.'", param_hint="--id")
        frameworks = _plugins(ctx).statutory_frameworks
        if framework not in frameworks:
            import difflib

            installed = ", ".join(frameworks.names()) or "none"
            close = (
                difflib.get_close_matches(framework.lower(), frameworks.names(), n=1, cutoff=0.75)
                or [n for n in frameworks.names() if n.startswith(framework.lower() + "-")][:1]
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise click.BadParameter(
                f"no statutory framework {framework!r} is installed{hint}; installed: {installed}",
                param_hint="--framework",
            )
        chosen = frameworks.get(framework)
        if "board.toml" not in chosen.templates:
            raise click.BadParameter(
                f"{chosen.title} ({framework}) comes with no board template: its plugin "
                f"{frameworks.plugin_of(framework)!r} gives none",
                param_hint="--framework",
            )
        if name is None:
            # "Brookside Local Safeguarding Partnership": the arrangement's title as a name.
            name = f"{area} {' '.join(w[:1].upper() + w[1:] for w in chosen.arrangement.title.split())}"
            wrong = _bad_name(name)
            if wrong:
                raise click.BadParameter(wrong, param_hint="--area")
        target = new_folder(directory)
        written = []
        # Built in a hidden folder beside the target, checked, then moved into place: a failure
        # (or a kill) never leaves a half-written board.
        building = _make_building_folder(directory, target)
        try:
            values = {"name": _toml_text(name), "area": _toml_text(area), "id": board_id}
            for file_name, text in sorted(chosen.templates.items()):
                if not _TEMPLATE_NAME.fullmatch(file_name):
                    raise LifError(f"{framework}: template file name {file_name!r} is not a plain .toml name")
                # one pass: a placeholder inside a value given (--name '{{id}}') stays as typed
                text = re.sub(r"\{\{(name|area|id)\}\}", lambda m: values[m.group(1)], text)
                (building / file_name).write_text(text, encoding="utf-8")
                written.append(file_name)
            result = validate_board(building, _plugins(ctx))
            if not result.ok:  # a framework plugin's template is its own to test
                _print_problems(result.problems)
                raise click.ClickException(
                    f"the new board from {framework}'s template does not validate: report this to the "
                    f"{frameworks.plugin_of(framework)!r} plugin"
                )
            _move_into_place(building, target, directory)
        except OSError as exc:
            raise LifError(f"cannot create {directory}: {describe_os_error(exc, directory)}") from None
        finally:
            shutil.rmtree(building, ignore_errors=True)
        click.echo(f"created {directory} ({', '.join(written)}) under {chosen.title}; next: lif validate {directory}")

    if host is not None:
        try:
            host.add_commands(cli)  # a plugin that fails here is named by every command but `lif plugins`
        except LifError as exc:
            startup_error, host = str(exc), None
    return cli


_TEMPLATE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,60}\.toml")


def _toml_text(value: str) -> str:
    """A value safe inside a TOML basic string."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


#: The longest board name or area ``lif init`` takes.
_NAME_LIMIT = 200
#: Characters that would break a name onto several lines or reorder it on screen.
_BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _bad_name(value: str) -> str | None:
    """Why ``value`` will not do as a board's name or area, or None."""
    if not value.strip():
        return "must not be blank"
    if len(value) > _NAME_LIMIT:
        return f"is {len(value):,} characters long; keep it to {_NAME_LIMIT}"
    for char in value:
        if unicodedata.category(char) == "Cs":
            return "holds bytes that are not UTF-8 text: type it again as plain text"
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI_CONTROLS:
            return f"holds a control character ({char!r}): write it as plain text on one line"
    return None


def new_folder(directory: Path, *, or_else: str = "") -> Path:
    """Where a command may create something (``lif init``'s board, ``lif new``'s package): a
    new folder, or an empty one (through a link to it); a clear error otherwise, ending with
    ``or_else`` where the folder is not empty (``" (or --directory)"``)."""
    if directory.is_symlink() and not directory.exists():
        raise click.ClickException(
            f"{directory} is a link to a missing folder: remove the link, or choose a new folder"
        )
    if directory.exists():
        if not directory.is_dir():
            raise click.ClickException(f"{directory} is a file: choose a new folder")
        try:
            occupied = any(directory.iterdir())
        except OSError as exc:
            raise LifError(f"cannot read {directory}: {describe_os_error(exc, directory)}") from None
        if occupied:
            raise click.ClickException(f"{directory} is not empty: choose a new folder{or_else}")
    return directory.resolve()


def _make_building_folder(directory: Path, target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.lif-init-", dir=target.parent))
    except OSError as exc:
        raise LifError(f"cannot create {directory}: {describe_os_error(exc, target.parent)}") from None


def _move_into_place(building: Path, target: Path, directory: Path) -> None:
    """Rename the finished board folder onto ``target`` (new, or an empty folder it replaces)."""
    if target.is_dir():
        os.chmod(building, stat.S_IMODE(target.stat().st_mode))
    else:
        os.chmod(building, 0o777 & ~_umask())
    try:
        os.rename(building, target)  # on POSIX, atomically replaces an empty folder
    except OSError as exc:
        if target.is_dir() and not any(target.iterdir()) and os.name == "nt":  # pragma: no cover
            target.rmdir()
            os.rename(building, target)
        elif target.exists():
            raise click.ClickException(
                f"{directory} was created by something else meanwhile and is not empty: choose a new folder"
            ) from None
        else:
            raise exc


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
    """The ``--output`` option: written with :func:`write_output` (atomically; never onto the
    board's own files or its register)."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of the terminal.",
    )(function)


class Day(click.DateTime):
    """A day as YYYY-MM-DD within the dates lif-core accepts
    (:data:`lif_core.model.EARLIEST_DATE` to :data:`~lif_core.model.LATEST_DATE`): the type of
    every date option (``--as-of``, ``--date``). Converts to a ``datetime`` at midnight."""

    def __init__(self) -> None:
        super().__init__(formats=["%Y-%m-%d"])

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .model import date_out_of_range

        converted = super().convert(value, param, ctx)
        if isinstance(converted, dt.datetime):
            why = date_out_of_range(converted.date())
            if why is not None:
                self.fail(f"{converted.date()} {why}", param, ctx)
        return converted


#: The type of every date option.
DAY = Day()


def as_of_option(function: Any) -> Any:
    """The ``--as-of YYYY-MM-DD`` option (passed as ``as_of``: a datetime at midnight, or
    ``None``), a day within the dates lif-core accepts; :func:`as_of_day` gives the day meant."""
    return click.option(
        "--as-of",
        "as_of",
        type=DAY,
        default=None,
        help="The day to judge clocks and windows against (YYYY-MM-DD; default: the board's report_date, else today).",
    )(function)


def as_of_day(as_of: dt.datetime | None, loaded: LoadedBoard) -> dt.date:
    """The ``--as-of`` day, else the board's ``settings.report_date``, else today."""
    from .model import date_out_of_range

    if as_of is not None:
        day = as_of.date()
        why = date_out_of_range(day)
        if why is not None:
            raise LifError(f"--as-of: {day} {why}")
        return day
    report_date = loaded.board.settings.report_date
    if report_date is not None:
        why = date_out_of_range(report_date)
        if why is not None:
            raise LifError(f"{BOARD_FILE}: settings.report_date: {report_date} {why}")
        return report_date
    return dt.date.today()


def emit_document(
    plugins: Plugins,
    document: Document,
    fmt: str,
    output: Path | None = None,
    rule: Rule = DEFAULT_RULE,
    *,
    for_publication: bool = True,
    options: RenderOptions | None = None,
    board: Path | None = None,
) -> None:
    """Protect ``document`` with disclosure control under ``rule`` (pass the board's own,
    :func:`lif_core.disclosure.board_rule`), then render it with the ``fmt`` renderer to
    ``output`` or the terminal, blaming the renderer's plugin for any failure. No renderer ever
    sees a count that disclosure control has not passed.

    ``options``: what the renderer is told beyond the document (the board's house style); the
    terminal's width and whether it takes colour are filled in here when the output goes to one
    (:func:`terminal_options`). ``board``: the board folder whose files ``output`` must not
    overwrite (by default the command's ``board`` argument; :func:`write_output`).

    ``for_publication=False`` is for a data owner's own check (``lif data``'s counts of records
    read): the document is rendered as it is, and says in its meta that it is not for
    publication."""
    renderer = plugins.renderers.get(fmt)
    if for_publication:
        ready = protect(document, rule)
    else:
        notice = ("Disclosure control", "not applied: the data owner's check, not for publication")
        ready = attrs.evolve(document, meta=(*(m for m in document.meta if m[0] != notice[0]), notice))
    with plugins.using(plugins.renderers, fmt):
        data = renderer.render(ready, terminal_options(options, output))
    _write(data, output, renderer.binary, board)


def emit_reference(
    plugins: Plugins, document: Document, fmt: str, output: Path | None = None, *, options: RenderOptions | None = None
) -> None:
    """Render a document that holds no figures at all (a reference page: ``lif frameworks``),
    with no disclosure note; a document with any count, share or chart is refused here and
    must go through :func:`emit_document`."""
    from .document import Chart, Count, Share, Table

    for _depth, section in document.walk():
        for block in section.blocks:
            cells = [c for row in block.rows for c in row] if isinstance(block, Table) else []
            if isinstance(block, Chart) or any(isinstance(c, (Count, Share)) for c in cells):
                raise LifError("internal error: a document with figures must be emitted with disclosure control")
    renderer = plugins.renderers.get(fmt)
    with plugins.using(plugins.renderers, fmt):
        data = renderer.render(document, terminal_options(options, output))
    _write(data, output, renderer.binary)


def default_format(plugins: Plugins, output: Path | None) -> str:
    """The format a command writes where ``--format`` is not given: the renderer whose usual
    ending ``--output`` has (``report.pdf``: ``pdf``; the builtin renderers first where two
    share one; a file with no ending: ``markdown``), else ``text`` to a terminal and
    ``markdown`` to a pipe. An ending no renderer writes is refused."""
    if output is not None:
        suffix = output.suffix.lower()
        if not suffix:
            return "markdown"
        names = [r.name for r in plugins.renderers if r.suffix == suffix]
        if not names:
            endings = ", ".join(sorted({r.suffix for r in plugins.renderers}))
            raise LifError(
                f"--output {output.name}: no installed format writes {suffix} files; name one with --format, "
                f"or end the file with one of: {endings}"
            )
        return min(names, key=lambda n: (not plugins.renderers.plugin_of(n).startswith("lif_core."), n))
    return "text" if sys.stdout.isatty() else "markdown"


def terminal_options(options: RenderOptions | None, output: Path | None) -> RenderOptions:
    """``options`` with what the terminal tells: where the output goes to standard output, its
    width (the terminal's, or ``COLUMNS`` where set: output piped on keeps its natural width
    otherwise) and whether colour may be used: only on a terminal, never where ``NO_COLOR`` is
    set to anything (https://no-color.org) or ``TERM`` is ``dumb``."""
    options = options or RenderOptions()
    if output is not None:
        return options
    tty = sys.stdout.isatty()
    width = options.width
    if width is None and (tty or os.environ.get("COLUMNS", "").strip().isdigit()):
        width = shutil.get_terminal_size().columns
    colour = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    return attrs.evolve(options, width=width, colour=options.colour or colour)


def _write(data: bytes, output: Path | None, binary: bool, board: Path | None = None) -> None:
    if output is None:
        if binary:
            raise click.ClickException("this format is binary: write it to a file with --output")
        click.echo(data.decode("utf-8"), nl=False)
        return
    write_output(output, data, board=board)
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


def write_output(output: Path, data: bytes, *, board: Path | str | None = None) -> None:
    """Write a command's ``--output`` file: every ``--output`` goes through here.

    Refused (see :func:`refuse_board_output`) where it would overwrite the board's own files or
    its register; ``board`` is the command's board, by default its ``board`` argument. Written
    atomically (:func:`write_atomically`): a failure leaves any earlier file as it was."""
    if board is None:
        ctx = click.get_current_context(silent=True)
        named = ctx.params.get("board") if ctx is not None else None
        board = named if isinstance(named, (str, Path)) else None
    if board is not None:
        refuse_board_output(output, Path(board))
    write_atomically(output, data)


def _fold(path: Path) -> str:
    """A path compared without regard to case (refusing a little more on a case-sensitive
    disk, rather than missing a file on a case-insensitive one)."""
    return os.path.normcase(str(path)).casefold()


def _board_files(root: Path) -> tuple[list[tuple[Path, bool, str]], list[tuple[str, str]]]:
    """The board's own files, as ``(resolved path, whole folder?, what it is)``, and its
    file patterns ``(pattern, what)`` (its ``include`` patterns): board.toml, included files,
    data sources, local plugins, ``.lif/`` and the register with its companions."""
    from .store import STORE_FILE

    base = root.resolve()
    files: list[tuple[Path, bool, str]] = [
        (base / BOARD_FILE, False, "the board's board.toml"),
        (base / ".lif", True, "the board's private folder .lif/"),
    ]
    stores = {STORE_FILE}
    patterns: list[tuple[str, str]] = []
    try:
        data = read_data_file(root / BOARD_FILE, "toml", name=BOARD_FILE)
    except UnreadableFile:
        data = {}
    if isinstance(data, dict):
        include = data.get("include", [])
        included = [p for p in include if isinstance(p, str)] if isinstance(include, list) else []
        for pattern in included:
            patterns.append((pattern, f"a file the board would read as part of itself (include = {pattern!r})"))
            with contextlib.suppress(OSError, ValueError):
                matches = base.glob(pattern) if any(c in pattern for c in "*?[") else [base / pattern]
                files += [(m.resolve(), False, f"an included file of the board ({pattern})") for m in matches]
        sources = data.get("sources", [])
        for source in sources if isinstance(sources, list) else []:
            if isinstance(source, dict) and isinstance(source.get("path"), str):
                where = (base / source["path"]).resolve()
                files.append((where, True, f"a data source of the board ({source['path']})"))
        plugins = data.get("plugins", {})
        local = plugins.get("local", []) if isinstance(plugins, dict) else []
        for rel in local if isinstance(local, list) else []:
            if isinstance(rel, str):
                files.append(((base / rel).resolve(), True, f"a local plugin of the board ({rel})"))
        settings = data.get("settings", {})
        store = settings.get("store") if isinstance(settings, dict) else None
        ctx = click.get_current_context(silent=True)
        host = ctx.find_object(Plugins) if ctx is not None else None
        if isinstance(store, str) and host is not None and store in host.stores.names():
            stores.add(host.stores.get(store).filename)
    for name in stores:
        files.append((base / name, False, "the board's register"))
        files += [(base / f"{name}{c}", False, "the board's register") for c in ("-wal", "-shm", "-journal")]
        patterns.append((f".{name}.*", "the board's register (being created)"))
    return files, patterns


def refuse_board_output(output: Path, board: Path) -> None:
    """Refuse an output path that is one of ``board``'s own files (board.toml, included files
    and anything its include patterns would read, data source files, local plugin files,
    anything under ``.lif/``) or its register (with its ``-wal``, ``-shm`` and ``-journal``),
    however it is named: through a link, ``..`` or another case."""
    root = board.parent if board.name == BOARD_FILE else board
    if not (root / BOARD_FILE).is_file():
        return
    base = root.resolve()
    target = Path(os.path.abspath(output)).resolve()
    files, patterns = _board_files(root)
    try:
        status = target.stat()
        same = {(status.st_dev, status.st_ino)}
    except OSError:
        same = set()

    def refuse(what: str) -> None:
        raise LifError(
            f"{output}: refused: that is {what}, which writing here would overwrite: choose a file "
            "outside the board's own files (e.g. a reports/ folder)"
        )

    for path, tree, what in files:
        if _fold(target) == _fold(path) or (tree and _fold(target).startswith(_fold(path) + os.sep.casefold())):
            refuse(what)
        with contextlib.suppress(OSError):
            status = path.stat()
            if (status.st_dev, status.st_ino) in same:
                refuse(what)
    if target.is_relative_to(base):
        rel = target.relative_to(base).as_posix()
        for pattern, what in patterns:
            if fnmatch.fnmatch(rel.casefold(), pattern.casefold()):
                refuse(what)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (through a link, to its file) by writing a temporary file
    beside it, syncing it and renaming it over the old one: a failure (a full disk, a kill)
    never leaves a truncated or half-written file. A device or a pipe (``/dev/stdout``) is
    written as it is. Errors are one clear :class:`LifError`."""
    if path.exists() and not path.is_file() and not path.is_dir():  # /dev/stdout, /dev/null, a pipe
        try:
            with open(path, "wb") as handle:
                handle.write(data)
        except OSError as exc:
            raise LifError(f"cannot write {path}: {describe_os_error(exc, path)}") from None
        return
    target = Path(os.path.abspath(path)).resolve()
    if target.is_dir():
        raise LifError(f"cannot write {path}: it is a folder: name a file")
    if not target.parent.is_dir():
        raise LifError(
            f"cannot write {path}: the folder {path.parent} does not exist: create it first, or choose another"
        )
    existed = target.exists()
    unchanged = "the file is unchanged" if existed else "nothing was written"
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".lif-tmp", dir=target.parent)
    except OSError as exc:
        raise LifError(f"cannot write {path}: {describe_os_error(exc, path)}; {unchanged}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(target.stat().st_mode) if existed else 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise LifError(f"cannot write {path}: {describe_os_error(exc, path)}; {unchanged}") from None
        raise
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the ``lif`` console script."""
    cli = make_cli()
    try:
        return cli.main(args=argv, prog_name="lif", standalone_mode=True)
    except LifError as exc:  # pragma: no cover - standalone_mode converts ClickException only
        click.echo(f"Error: {terminal_safe(str(exc))}", err=True)
        sys.exit(1)
