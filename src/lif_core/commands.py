"""Writing a ``lif`` command that prints a document: the options every such command shares, and
one way to emit a document, protected by the board's own disclosure rule in every format.

A plugin adds commands with the ``register_commands`` hook; a command that prints figures
builds a :class:`~lif_core.document.Document` and hands it to :func:`emit`::

    import click
    from lif_core import hookimpl, open_board
    from lif_core.commands import as_of_day, current_plugins, document_options, emit

    @hookimpl
    def register_commands(cli):
        @cli.command()
        @click.argument("board", type=click.Path(path_type=Path))
        @document_options(as_of=True)
        def huddles(board, fmt, output, as_of):
            \"\"\"Learning huddles held, by month.\"\"\"
            loaded = open_board(board, current_plugins())
            emit(huddles_document(loaded, as_of_day(as_of, loaded)), board=loaded, fmt=fmt, output=output)

:func:`emit` always applies disclosure control under the board's rule (its
``settings.disclosure_smallest`` and ``settings.disclosure_round_to``; DfE's by default): there is
no argument that turns it off, and a rule passed in is used only where it is at least as strict
as the board's. Mark each count's provenance in the document (``Count(n)`` for a count from
children's records, which the rule protects; ``Count(n, Provenance.BOARD)`` for a count of the
board's own work) and give percentages as ``Share(numerator, denominator)``.

The output goes where ``--output`` says (written atomically, never onto the board's own files or
its register), else to the terminal; the format is ``--format``'s, else the one ``--output``'s
ending names (``.html``: html), else ``text``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import click

from .cli import as_of_day, as_of_option, emit_document
from .disclosure import Rule, board_rule
from .plugins import Plugins

if TYPE_CHECKING:
    from .board import LoadedBoard
    from .document import Document
    from .extensions import RenderOptions

__all__ = ["as_of_day", "as_of_option", "current_plugins", "document_options", "emit", "format_for"]

F = TypeVar("F", bound=Callable[..., Any])


def _format_option(function: F) -> F:
    return click.option(
        "--format",
        "-f",
        "fmt",
        default=None,
        metavar="NAME",
        help="Output format: any installed renderer (see `lif plugins`), e.g. text, markdown, html, json. "
        "Default: the one --output's ending names (.md, .html, .json...), else text.",
    )(function)


def _output_option(function: F) -> F:
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of the terminal (never onto the board's own files).",
    )(function)


@overload
def document_options(function: F, /) -> F: ...


@overload
def document_options(*, as_of: bool = False) -> Callable[[F], F]: ...


def document_options(function: F | None = None, /, *, as_of: bool = False) -> Any:
    """Add the options of a command that prints a document, as lif's own have them:
    ``--format``/``-f NAME`` (passed as ``fmt``: a renderer's name or alias, or ``None``) and
    ``--output``/``-o FILE`` (passed as ``output``: a :class:`~pathlib.Path` or ``None``); with
    ``as_of=True`` also ``--as-of YYYY-MM-DD`` (passed as ``as_of``: a datetime or ``None``;
    :func:`as_of_day` turns it into the day to report as at). Use it bare
    (``@document_options``) or with arguments (``@document_options(as_of=True)``)."""

    def decorate(command: F) -> F:
        if as_of:
            command = as_of_option(command)
        return _format_option(_output_option(command))  # --format, --output, then --as-of in --help

    return decorate(function) if function is not None else decorate


def current_plugins() -> Plugins:
    """The plugin host of the ``lif`` command running now (inside a command's function)."""
    ctx = click.get_current_context(silent=True)
    host = ctx.find_object(Plugins) if ctx is not None else None
    if host is None:
        raise RuntimeError("current_plugins() is for use inside a running lif command; pass plugins= elsewhere")
    return host


def format_for(plugins: Plugins, output: Path | None) -> str:
    """The format a document is written in where ``--format`` is not given: the renderer whose
    usual ending ``output`` has (lif-core's own first where two share one), else ``text``."""
    if output is not None and output.suffix:
        suffix = output.suffix.lower()
        names = [r.name for r in plugins.renderers if r.suffix == suffix]
        if names:
            return min(names, key=lambda n: (not plugins.renderers.plugin_of(n).startswith("lif_core."), n))
    return "text"


def emit(
    document: Document,
    *,
    board: LoadedBoard,
    fmt: str | None = None,
    output: Path | None = None,
    rule: Rule | None = None,
    options: RenderOptions | None = None,
    plugins: Plugins | None = None,
) -> None:
    """Protect ``document`` with the board's disclosure rule, render it and write it.

    :param document: what to print; every ``Count`` and ``Share`` in it passes disclosure
        control before any renderer sees it (a document already protected under a rule at least
        as strict is used as it is).
    :param board: the board the figures are about: its rule is applied, and ``output`` is
        refused where it would overwrite one of its files or its register.
    :param fmt: a renderer's name (``--format``); ``None``: :func:`format_for` ``output``.
    :param output: the file to write (``--output``); ``None``: the terminal.
    :param rule: a rule stricter than the board's, for this document only; one that is looser
        is refused (``ValueError``): nothing is ever published under less than the board's rule.
    :param options: what the renderer is told beyond the document (house style); the
        terminal's width and colour are filled in when the output goes to one.
    :param plugins: the plugin host; by default the running command's (:func:`current_plugins`).
    """
    host = plugins if plugins is not None else current_plugins()
    own = board_rule(board)
    if rule is None:
        rule = own
    elif not rule.stricter_or_equal(own):
        raise ValueError(
            f"emit(rule=...): {rule.describe_briefly()} is looser than the board's own rule "
            f"({own.describe_briefly()}): pass a stricter rule, or none"
        )
    emit_document(host, document, fmt or format_for(host, output), output, rule, options=options, board=board.root)
