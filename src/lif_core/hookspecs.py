"""Hook specifications: every way a plugin extends lif-core.

Plugins implement these with ``@lif_core.hookimpl``, in a module registered through the
``lif`` entry-point group, a builtin module, or a board's ``[plugins] local`` list. The hook
reference in ``docs/hooks.md`` is generated from the docstrings below.

Registration hooks receive a ``register`` callback: plugin code reads ``register(Thing(...))``
and lif-core records which plugin gave what, refuses duplicates, and names the plugin when
anything it gave goes wrong later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    import click

    from .extensions import (
        Check,
        DataSourceAdapter,
        Indicator,
        InspectionFramework,
        Methodology,
        Renderer,
        ReportSection,
        StoreBackend,
    )
    from .frameworks import StatutoryFramework

hookspec = pluggy.HookspecMarker("lif")

# --------------------------------------------------------------------------- statutory frameworks


@hookspec
def register_statutory_frameworks(register: Callable[[StatutoryFramework], None]) -> None:
    """Register statutory frameworks: the law and guidance boards work under (Working
    Together 2015, 2018 and 2023 in England; the 2014 Act in Wales; ...).

    A board names one in ``board.statutory_framework``. Its vocabulary (roles, function kinds,
    partner duties, review kinds with their stages, decisions and clocks, evidence and
    comparator kinds, grade scales, recurring publications) is what every such name in the
    board is checked against, its holiday calendar drives working-day clocks, and its words
    are what reports say. Most frameworks are data: register
    ``StatutoryFramework.from_toml(text)``.

    :param register: call with each :class:`lif_core.StatutoryFramework`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- case reviews


@hookspec
def register_methodologies(register: Callable[[Methodology], None]) -> None:
    """Register case-review methodologies.

    Boards name a methodology in ``reviews[].methodology``; ``lif validate`` refuses a name no
    plugin registered and runs the methodology's :meth:`~lif_core.Methodology.check` on every
    review that uses it.

    :param register: call with each :class:`lif_core.Methodology` instance to register.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- data


@hookspec
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    """Register data-source adapters that read files into records.

    Boards declare ``[[sources]]`` with ``adapter = "<name>"`` and a path inside the board
    folder; ``lif validate`` checks the adapter exists and can open the file.

    :param register: call with each :class:`lif_core.DataSourceAdapter` instance.
    :return: nothing; register through the callback.
    """


@hookspec
def register_indicators(register: Callable[[Indicator], None]) -> None:
    """Register indicators that measures compute from case-level records (re-referrals within
    12 months, placement stability, a local early-help measure...).

    A measure names one in ``indicator``, with the case-level ``source`` it reads and, for an
    indicator reading further tables, a source for each of its input roles in ``inputs``.
    Each indicator gives a fresh :class:`lif_core.indicators.Accumulator` per measure, fed
    the records a batch at a time: every file is read once for all the indicators computed
    from it, and only the fields the accumulators declare are read. What they count passes
    disclosure control before any figure is shown. lif-core's own indicators are a builtin
    plugin of this hook; ``lif validate`` refuses a measure naming one no plugin registered,
    a frequency it does not support, or a field its sources do not declare.

    :param register: call with each :class:`lif_core.extensions.Indicator`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- output


@hookspec
def register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register renderers that draw a :class:`lif_core.document.Document` in one format.

    Each renderer's ``name`` becomes a ``--format`` choice of the commands that write
    documents (``lif show``).

    :param register: call with each :class:`lif_core.Renderer` instance.
    :return: nothing; register through the callback.
    """


@hookspec
def register_report_sections(register: Callable[[ReportSection], None]) -> None:
    """Register sections reports can hold (a foreword, the dataset, independent scrutiny...).

    A report is the list of sections its report definition names: the statutory framework's
    (its yearly or annual report), or the board's own ``report.toml``, which may reorder,
    rename, drop and add sections, including those of its local plugins. Each section builds
    its part of the renderer-independent document from the board as it stood on the
    report's day; the report puts the board's own narrative for it first, then passes the
    whole document through disclosure control.

    :param register: call with each :class:`lif_core.ReportSection`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- inspection


@hookspec
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    """Register inspection frameworks (Ofsted's, Working Together editions, ...).

    Boards name a framework in ``inspection_recommendations[].framework`` and may list the
    framework's areas in ``areas``; both are checked against what is registered here.

    :param register: call with each :class:`lif_core.InspectionFramework`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- checks


@hookspec
def register_checks(register: Callable[[Check], None]) -> None:
    """Register rules that ``lif validate`` checks every board against.

    A check's ``run(board, plugins)`` returns :class:`lif_core.Problem` items: errors make
    the board invalid, warnings are shown but do not.

    :param register: call with each :class:`lif_core.Check`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- storage


@hookspec
def register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register stores that keep a board's register (reviews, recommendations, actions,
    evidence, audits, training, measures) with the history of every change.

    A board chooses one with ``settings.store`` (``sqlite``, the builtin, by default); the
    ``lif import``, ``lif export``, ``lif add``, ``lif update``, ``lif status`` ... commands
    and :class:`lif_core.store.Register` work through it.

    :param register: call with each :class:`lif_core.StoreBackend`.
    :return: nothing; register through the callback.
    """


# --------------------------------------------------------------------------- command line


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``lif`` command line.

    Called once when the CLI is built, with the installed (entry-point and builtin)
    plugins; a board's local plugins load later, when a command opens the board, and cannot
    add commands.

    :param cli: the ``lif`` click group; add commands with ``@cli.command()``.
    :return: nothing.
    """
