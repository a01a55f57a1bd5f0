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
from typing import TYPE_CHECKING, TypeVar

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

F = TypeVar("F", bound=Callable[..., object])


class LifDeprecationWarning(DeprecationWarning):
    """Something a plugin or program uses that lif-core will remove (docs/stability.md): a
    hook, a hook's argument or a public name. It keeps working until the release named."""


def deprecation(what: str, *, since: str, removal: str, instead: str) -> LifDeprecationWarning:
    """The warning for ``what``, deprecated in lif-core ``since`` and removed in ``removal``
    (at least two minor releases and six months later), saying what to use ``instead``."""
    return LifDeprecationWarning(
        f"{what} is deprecated since lif-core {since} and will be removed in {removal}: {instead}"
    )


def deprecated_hookspec(*, since: str, removal: str, instead: str) -> Callable[[F], F]:
    """Mark a hook spec deprecated: a plugin implementing it still works, and registering it
    warns (pluggy's ``warn_on_impl``) with a :class:`LifDeprecationWarning` that points at the
    plugin's function. Use it in place of ``@hookspec``::

        @deprecated_hookspec(since="0.3", removal="0.5", instead="implement register_checks")
        def register_rules(register): ...
    """

    def mark(func: F) -> F:
        warning = deprecation(f"the hook {func.__name__}", since=since, removal=removal, instead=instead)
        marked: F = hookspec(warn_on_impl=warning)(func)
        return marked

    return mark


def deprecated_arguments(*, since: str, removal: str, **instead: str) -> Callable[[F], F]:
    """Mark arguments of a hook spec deprecated (pluggy's ``warn_on_impl_args``): a plugin
    whose implementation takes one of them is warned when it registers; ``instead`` maps each
    argument to what to use instead. Use it in place of ``@hookspec``."""

    def mark(func: F) -> F:
        warnings = {
            name: deprecation(
                f"the argument {name!r} of the hook {func.__name__}", since=since, removal=removal, instead=use
            )
            for name, use in instead.items()
        }
        marked: F = hookspec(warn_on_impl_args=warnings)(func)
        return marked

    return mark


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

    Example::

        from lif_core import StatutoryFramework, hookimpl

        ISLAND = '''
        name = "island-2024"
        title = "Island: safeguarding partnership (2024 guidance)"
        country = "island"
        edition = "2024"
        arrangement = { name = "partnership", title = "Safeguarding partnership" }

        [[review_kinds]]
        name = "learning-review"
        title = "Learning review"
        stages = ["referral", "decision", "analysis", "report", "closed"]
        '''


        @hookimpl
        def register_statutory_frameworks(register):
            register(StatutoryFramework.from_toml(ISLAND))
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

    Example::

        from lif_core import Methodology, hookimpl, stage_reached


        class Huddle(Methodology):
            name = "huddle"
            title = "Practice huddle"
            description = "A short facilitated conversation with the practitioners involved."
            stages = ("huddle", "write-up")
            roles = ("facilitator",)
            artefacts = ("huddle-notes",)

            def check(self, review, board):
                # From the report stage on, in the order of the review's kind under its framework.
                notes = any(a.kind == "huddle-notes" for a in review.artefacts)
                if stage_reached(review, "report", board) and not notes:
                    yield board.problem(review.id, "artefacts", "no huddle-notes artefact", severity="warning")


        @hookimpl
        def register_methodologies(register):
            register(Huddle())
    """


# --------------------------------------------------------------------------- data


@hookspec
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    """Register data-source adapters that read files into records.

    Boards declare ``[[sources]]`` with ``adapter = "<name>"`` and a path inside the board
    folder; ``lif validate`` checks the adapter exists and can open the file.

    :param register: call with each :class:`lif_core.DataSourceAdapter` instance.
    :return: nothing; register through the callback.

    Example::

        import json

        from lif_core import DataSourceAdapter, LifError, Record, hookimpl


        class ContactsJsonLines(DataSourceAdapter):
            name = "contacts-jsonl"
            title = "Contacts, one JSON object a line"
            suffixes = (".jsonl",)

            def read(self, path, options):
                with path.open(encoding="utf-8") as lines:
                    for number, line in enumerate(lines, start=1):
                        try:
                            fields = json.loads(line)
                        except ValueError:
                            fields = None
                        if not isinstance(fields, dict):
                            # Say where in the file; never repeat the value (it may identify a child).
                            raise LifError(f"{path.name}: line {number}: not a JSON object")
                        yield Record(f"line {number}", fields)


        @hookimpl
        def register_data_sources(register):
            register(ContactsJsonLines())
    """


@hookspec
def register_indicators(register: Callable[[Indicator], None]) -> None:
    """Register indicators that measures compute from case-level records (re-referrals within
    12 months, placement stability, a local early-help measure...).

    A measure names one in ``indicator``, with the case-level ``source`` it reads and, for an
    indicator reading further tables, a source for each of its input roles in ``inputs``.
    Each indicator gives a fresh :class:`lif_core.Accumulator` per measure, fed
    the records a batch at a time: every file is read once for all the indicators computed
    from it, and only the fields the accumulators declare are read. What they count passes
    disclosure control before any figure is shown. lif-core's own indicators are a builtin
    plugin of this hook; ``lif validate`` refuses a measure naming one no plugin registered,
    a frequency it does not support, or a field its sources do not declare.

    :param register: call with each :class:`lif_core.Indicator`.
    :return: nothing; register through the callback.

    Example::

        from lif_core import Accumulator, Indicator, IndicatorResult, IndicatorRow, hookimpl, period_key


        class ContactCount(Accumulator):
            fields = ("date",)  # the only field read from the measure's source

            def __init__(self, frequency):
                self.frequency = frequency
                self.counts = {}

            def add_rows(self, rows):
                for (day,) in rows:
                    if day is not None:
                        key = period_key(day, self.frequency)
                        self.counts[key] = self.counts.get(key, 0) + 1

            def result(self):
                rows = tuple(IndicatorRow(p, "", n, n, n) for p, n in sorted(self.counts.items()))
                return IndicatorResult("contacts", "Contacts", "count", rows, frequency=self.frequency)


        @hookimpl
        def register_indicators(register):
            register(
                Indicator(
                    name="contacts",
                    title="Contacts",
                    description="Contacts received, by the period of their date.",
                    unit="count",
                    accumulator=ContactCount,
                )
            )
    """


# --------------------------------------------------------------------------- output


@hookspec
def register_renderers(register: Callable[[Renderer], None]) -> None:
    r"""Register renderers that draw a :class:`lif_core.Document` in one format.

    Each renderer's ``name`` becomes a ``--format`` choice of the commands that write
    documents (``lif show``).

    :param register: call with each :class:`lif_core.Renderer` instance.
    :return: nothing; register through the callback.

    Example::

        from lif_core import Chart, Renderer, Table, cell_text, hookimpl


        class TabSeparated(Renderer):
            name = "tsv"
            title = "Tab-separated tables"
            media_type = "text/tab-separated-values"
            suffix = ".tsv"

            def render(self, document, options=None):
                # The document has passed disclosure control: hidden figures already read "c".
                lines = []
                for _depth, section in document.walk():
                    for block in section.blocks:
                        if isinstance(block, Table):
                            lines.append("\t".join(block.columns))
                            lines += ["\t".join(cell_text(c) for c in row) for row in block.rows]
                        elif isinstance(block, Chart):
                            lines += [f"{period}\t{block.label(period, value)}" for period, value in block.points]
                return "".join(line + "\n" for line in lines).encode("utf-8")


        @hookimpl
        def register_renderers(register):
            register(TabSeparated())
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

    Example::

        from lif_core import Count, Provenance, ReportSection, Section, Table, hookimpl


        def build(context):
            # context.board is the board as it stood on the report's day.
            start, end = context.year()
            held = [a for a in context.board.audits if start <= a.date <= end]
            cases = Count(sum(a.cases for a in held), provenance=Provenance.BOARD)
            return Section("", (Table(("Audits", "Cases"), ((len(held), cases),)),))


        @hookimpl
        def register_report_sections(register):
            register(
                ReportSection(
                    name="audit-totals",
                    title="Audits this year",
                    description="How many audits the board held in the reporting year, and their cases.",
                    build=build,
                )
            )
    """


# --------------------------------------------------------------------------- inspection


@hookspec
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    """Register inspection frameworks (Ofsted's, Working Together editions, ...).

    Boards name a framework in ``inspection_recommendations[].framework`` and may list the
    framework's areas in ``areas``; both are checked against what is registered here.

    :param register: call with each :class:`lif_core.InspectionFramework`.
    :return: nothing; register through the callback.

    Example::

        from lif_core import Area, InspectionFramework, hookimpl


        @hookimpl
        def register_inspection_frameworks(register):
            register(
                InspectionFramework(
                    name="peer-review-2024",
                    title="Regional peer review",
                    body="Regional safeguarding partnerships",
                    edition="2024",
                    areas=(Area("voice", "The voice of the child"), Area("learning", "Learning from reviews")),
                )
            )
    """


# --------------------------------------------------------------------------- checks


@hookspec
def register_checks(register: Callable[[Check], None]) -> None:
    """Register rules that ``lif validate`` checks every board against.

    A check's ``run(board, plugins)`` returns :class:`lif_core.Problem` items: errors make
    the board invalid, warnings are shown but do not.

    :param register: call with each :class:`lif_core.Check`.
    :return: nothing; register through the callback.

    Example::

        from lif_core import Check, hookimpl


        def scrutineer_named(loaded, plugins):
            if not any(p.role == "independent-scrutineer" for p in loaded.board.people):
                yield loaded.problem(None, "people", "no independent scrutineer is recorded", severity="warning")


        @hookimpl
        def register_checks(register):
            register(Check("scrutineer-named", "The board records its independent scrutineer.", scrutineer_named))
    """


# --------------------------------------------------------------------------- storage


@hookspec
def register_stores(register: Callable[[StoreBackend], None]) -> None:
    """Register stores that keep a board's register (reviews, recommendations, actions,
    evidence, audits, training, measures) with the history of every change.

    A board chooses one with ``settings.store`` (``sqlite``, the builtin, by default); the
    ``lif import``, ``lif export``, ``lif add``, ``lif update``, ``lif status`` ... commands
    and :class:`lif_core.Register` work through it.

    A store whose register lives in a file beside board.toml names it in ``filename``; one
    kept elsewhere (a database server: the ``postgres`` store of the lif-postgres plugin) names
    the file that says where, and answers :meth:`StoreBackend.exists` itself. A store in another
    database gives :class:`lif_core.Register` that database (``Register.in_database`` with a
    ``lif_core.store.Database``): the register's checks, history, versions and migrations are
    then lif-core's own, not a copy.

    :param register: call with each :class:`lif_core.StoreBackend`.
    :return: nothing; register through the callback.

    Example::

        from lif_core import Register, StoreBackend, hookimpl


        class SharedDriveStore(StoreBackend):
            # The builtin SQLite register, kept under another file name.

            name = "shared-drive"
            title = "SQLite register named for the shared drive"
            filename = "register-shared.sqlite"

            def open(self, root, known_ids, who=None, *, create=True):
                return Register.open(root / self.filename, known_ids, who, create=create)


        @hookimpl
        def register_stores(register):
            register(SharedDriveStore())
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

    Example::

        import click

        from lif_core import hookimpl


        @hookimpl
        def register_commands(cli):
            @cli.command("hello")
            @click.argument("name")
            def hello(name):
                '''Greet NAME.'''
                click.echo(f"Hello, {name}")
    """
