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

import contextlib
import functools
from collections.abc import Callable, Iterator
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

__all__ = [
    "as_of_day",
    "as_of_option",
    "current_plugins",
    "document_options",
    "emit",
    "format_for",
    "open_register",
]

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


def _structure(root: Path, plugins: Plugins, *, write: bool = False) -> tuple[dict[str, str], Any, Any]:
    """The board structure's ids (board.toml and its includes; the register's own records are
    checked against the store), the board's store and its statutory framework (where a plugin
    gives it)."""
    from .board import _read, noun
    from .errors import BoardInvalid, Problem
    from .frameworks import DEFAULT_FRAMEWORK
    from .model import COLLECTIONS
    from .store import REGISTER_COLLECTIONS, StoreError
    from .validate import board_framework, load_board_plugins

    reader, values, _origins = _read(root, {})  # the files only
    register_nouns = tuple(f"no {noun(c)} with id" for c in REGISTER_COLLECTIONS)
    structural = [
        p
        for p in reader.problems
        if p.path.split("[", 1)[0].split(".", 1)[0] not in REGISTER_COLLECTIONS
        and not p.message.startswith(register_nouns)  # a reference into the register is checked there
    ]
    if structural:
        raise BoardInvalid(structural, board=str(root))
    ids = {item.id: key for key in COLLECTIONS if key not in REGISTER_COLLECTIONS for item in values.get(key, ())}
    settings = values.get("settings")
    backend = plugins.stores.get(settings.store if settings is not None else "sqlite")
    local = values.get("plugins")
    loading: list[Problem] = []
    if local is not None:  # a framework may come from the board's own plugins
        loading = load_board_plugins(plugins, root, local)
    framework = board_framework(values, plugins)
    if framework is None and write:
        info = values.get("board")
        name = info.statutory_framework if info is not None else DEFAULT_FRAMEWORK
        why = "; ".join(f"{p.path}: {p.message}" for p in loading) or (
            "no installed plugin provides it (or it is disabled: LIF_DISABLE_PLUGINS, [plugins] disabled)"
        )
        raise StoreError(
            f"{root}: the board works under the statutory framework {name!r}, which is not loaded ({why}): "
            "nothing was written, since a change could not be checked against it; `lif validate` says more"
        )
    return ids, backend, framework


@contextlib.contextmanager
def open_register(
    board: Path,
    plugins: Plugins | None = None,
    *,
    who: str | None = None,
    write: bool = True,
    create: bool = False,
) -> Iterator[Any]:
    """The board's register, opened as ``lif add`` opens it, and closed after the ``with``
    block: through the board's store (``settings.store``; a store's failure names its plugin),
    every write checked against the board's structure and its statutory framework, every
    change recorded in its history under ``who`` (``LIF_USER``, else the system's user, where
    ``None``).

    :param board: the board folder (or its board.toml).
    :param plugins: the plugin host; by default the running command's (:func:`current_plugins`).
    :param write: open it to change it; ``False`` opens it only to read (which works in a
        read-only folder).
    :param create: make the store where there is none yet (``lif import`` does); without it,
        a board whose register is still in its files is refused with what to run.

    Yields an object with the methods of :class:`lif_core.Register`. An exception inside the
    block discards a store being created; changes already made stand (each is its own
    transaction unless grouped with ``register.transaction()``). The block's own exceptions
    come out as they are; an unexpected failure of the store's plugin while the register is
    opened, closed or discarded is a :class:`lif_core.PluginError` naming that plugin.

    Example::

        with open_register(board, plugins, who="ada") as register:
            version = register.version("a-1")
            register.set_status("a-1", "completed", note="audit done", expected=version)
    """
    from .board import board_root

    host = plugins if plugins is not None else current_plugins()
    root = board_root(Path(board))
    ids, backend, framework = _structure(root, host, write=write)
    blame = functools.partial(host.using, host.stores, backend.name)  # a store's failure names its plugin
    with blame():
        register, discard = _open(root, Path(board), backend, ids, framework, create=create, write=write, who=who)
    try:
        yield register  # the caller's own exceptions pass through as they are
    except BaseException:
        with blame():
            discard()
        raise
    with blame():
        register.close()


def _open(
    root: Path,
    board: Path,
    backend: Any,
    ids: dict[str, str],
    framework: Any,
    *,
    create: bool,
    write: bool,
    who: str | None,
) -> tuple[Any, Callable[[], None]]:
    """The register ``backend`` keeps, opened for :func:`open_register`, and what to do with
    it when the caller's block fails: close it, and discard a store being created."""
    from .store import Register, StoreError

    exists = getattr(backend, "exists", None)  # a store kept elsewhere (a server) answers itself
    if not create and not (exists(root) if callable(exists) else (root / backend.filename).exists()):
        raise StoreError(
            f"{board}: the register is still in the board's files: run `lif import {board}` first, "
            "then keep it with lif add, update, status, stage"
        )
    if not write:
        reader = backend.open_read_only(root)
        return reader, reader.close
    path = root / backend.filename
    existed = path.exists()
    register = backend.open(root, ids, who, create=create)
    if isinstance(register, Register):
        register.framework = framework  # writes are checked against the framework's names

    def discard() -> None:
        abandon = getattr(register, "abandon", None)
        if callable(abandon):  # a store being created is discarded: the files' register stands
            abandon()
            return
        register.close()
        if not existed:  # a store that failed to fill must not stand in for the files' register
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                leftover.unlink(missing_ok=True)

    return register, discard
