"""A report, composed: the sections its report definition names, each built by the plugin
that registers it from the board as it stood on the report's day, with the board's own
narrative first; then disclosure control over the whole document.

The flow, one way: the board (as at the day: :func:`lif_core.history.as_at`) -> each
section's content (:class:`lif_core.ReportSection`) -> one renderer-independent
:class:`~lif_core.document.Document` -> disclosure control
(:func:`lif_core.disclosure.protect`) -> a renderer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs

from ..board import LoadedBoard
from ..disclosure import Rule, active_rule, protect
from ..document import Document, Paragraph, Section
from ..errors import BoardInvalid, LifError
from ..extensions import quiet_collector
from ..frameworks import ReportDefinition, ReportPart
from ..plugins import Plugins
from ..validate import with_framework
from .context import SectionContext, Shared, human_date, year_label
from .definition import REPORT_FILE, definition_problems, report_definition, with_framework_titles
from .narrative import read_narrative
from .snapshot import Snapshot, snapshot_rows

__all__ = ["impact_report"]

Progress = Callable[[str], None]

#: What a narrative-only section shows while the board has not written it.
NOT_WRITTEN = "Not yet written."


def impact_report(
    loaded: LoadedBoard,
    plugins: Plugins,
    as_of: dt.date,
    *,
    previous: tuple[Snapshot, str] | None = None,
    progress: Progress | None = None,
    rule: Rule | None = None,
    disclosure_control: bool = True,
    definition: ReportDefinition | None = None,
) -> Document:
    """The board's report as at ``as_of``, as its report definition lays it out (the board's
    ``report.toml``, else its statutory framework's yearly or annual report, else lif-core's
    default), built from the board as it stood on that day.

    The document comes protected: every figure from children's records has passed disclosure
    control under ``rule`` (the board's own rule by default), and the rule is recorded in it.
    ``disclosure_control=False`` gives the unprotected document, for the data owner's own
    checks; it must never be published.

    Raises:
        LifError: a section the definition names is not installed, or a narrative file it
            names cannot be read.
        BoardInvalid: the board's ``report.toml`` is not a report definition.
    """
    with quiet_collector():  # the board as it stood, and tables of thousands of rows: no cycle among them
        return _impact_report(loaded, plugins, as_of, previous, progress, rule, disclosure_control, definition)


def _impact_report(
    loaded: LoadedBoard,
    plugins: Plugins,
    as_of: dt.date,
    previous: tuple[Snapshot, str] | None,
    progress: Progress | None,
    rule: Rule | None,
    disclosure_control: bool,
    definition: ReportDefinition | None,
) -> Document:
    from ..history import as_at

    loaded = with_framework(loaded, plugins)
    loaded = as_at(loaded, as_of, plugins)
    active = active_rule(loaded, rule, disclosure_control)
    step = progress or (lambda _label: None)
    source = "the report definition"
    if definition is None:
        definition, source = report_definition(loaded)
        if source == REPORT_FILE:
            definition = with_framework_titles(definition, loaded.framework)
    # What lif validate refuses in a definition, the report refuses too: never a report built
    # from a definition the board was told is wrong.
    problems = [p for p in definition_problems(loaded, plugins, definition, source) if p.is_error]
    if problems:
        raise BoardInvalid(problems, board=str(loaded.root))
    parts = list(definition.sections)
    if previous is not None and not any(p.section == "changes" for p in parts):
        parts.append(ReportPart(section="changes"))
    shared = Shared(loaded, plugins, active)
    year = year_label(loaded, as_of)
    registry = plugins.report_sections
    sections = []
    for part in parts:
        if part.section not in registry:
            raise LifError(
                f"the report names section {part.section!r}, which no installed plugin registers; "
                f"installed: {', '.join(registry.names())} (check report.toml, or install the plugin)"
            )
        step(part.section)
        where = (
            f"{REPORT_FILE}: sections[{definition.sections.index(part)}]"
            if source == REPORT_FILE and part in definition.sections
            else f"section {part.section!r}"
        )
        sections.append(_build(registry.get(part.section), part, loaded, plugins, as_of, previous, shared, year, where))
    board = loaded.board
    document = Document(
        kind="impact-report",
        title=f"{board.board.name}: {definition.title} {year}",
        subtitle=f"As at {human_date(as_of)}",
        sections=tuple(sections),
        meta=(("Board", board.board.name), ("As at", as_of.isoformat())),
        author=board.board.name,
        date=as_of,
        snapshot=snapshot_rows(loaded, SectionContext(loaded, plugins, as_of, parts[0], shared=shared).scores())
        if parts
        else (),
    )
    if active is None:
        return document
    protected = protect(document, active)
    source = loaded.framework.words.disclosure_rule if loaded.framework is not None else ""
    if not source:
        return protected
    return attrs.evolve(protected, meta=(*protected.meta, ("Disclosure rule", f"in line with {source}")))


def _build(
    spec: Any,
    part: ReportPart,
    loaded: LoadedBoard,
    plugins: Plugins,
    as_of: dt.date,
    previous: tuple[Snapshot, str] | None,
    shared: Shared,
    year: str,
    where: str,
) -> Section:
    from .definition import narrative_file

    relative = narrative_file(loaded, part, year)
    blocks: tuple[Any, ...] = ()
    sections: tuple[Section, ...] = ()
    if relative:
        try:
            blocks, sections = read_narrative(loaded.root, relative)
        except LifError as exc:  # where it is named, as lif validate says it
            raise LifError(f"{where}: narrative: {exc}") from None
    context = SectionContext(loaded, plugins, as_of, part, blocks, sections, previous, shared)
    with plugins.using(plugins.report_sections, part.section):
        built = spec.build(context)
        if not isinstance(built, Section):
            raise TypeError(f"build() returned {type(built).__name__}, not a lif_core.document.Section")
    title = part.title or built.title or spec.title
    own = built.blocks
    if spec.narrative_only and not blocks and not sections and not own:
        own = (Paragraph(NOT_WRITTEN),)
    return Section(title, (*blocks, *own), (*sections, *built.sections), key=part.section)
