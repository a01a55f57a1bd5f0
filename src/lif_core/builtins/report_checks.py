"""Builtin checks of a board's report (hook: register_checks): its report definition, and
the sections its definition requires that the board has not yet filled.

- ``report-definition``: the board's ``report.toml``, where it has one, is a report
  definition (every problem with its key path) naming installed sections and narrative files
  inside the folder, with a house style (``[style]``) the report can use; a statutory
  framework's own definition names installed sections (a warning: the board is sound, but its
  report cannot be built here); every narrative file the report would read can be read.
- ``report-content``: a warning for each part of the board's report definition marked
  ``required`` that the board has not filled, as the section judges it on the report's day
  (``settings.report_date``, else today), from the board as it stood then: what is missing,
  and what the guidance asks of it.

Neither raises on a bad board: everything wrong is a problem.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import attrs

from ..errors import BoardInvalid, LifError, Problem, Severity
from ..extensions import Check
from ..frameworks import ReportPart
from ..model import COLLECTIONS, date_out_of_range
from ..plugins import hookimpl
from ..report.definition import (
    REPORT_FILE,
    default_narrative,
    definition_problems,
    narrative_file,
    read_definition,
    with_framework_titles,
)

if TYPE_CHECKING:
    from ..board import LoadedBoard
    from ..document import Block, Section
    from ..frameworks import ReportDefinition
    from ..plugins import Plugins

WARNING = Severity.WARNING


@attrs.frozen
class _Found:
    """The board's report definition: its own ``report.toml`` (``own``), else its framework's;
    ``definition`` is ``None`` where it has neither (lif-core's default requires nothing) or
    where its ``report.toml`` cannot be read (``problems``)."""

    definition: ReportDefinition | None
    own: bool
    where: str
    problems: tuple[Problem, ...] = ()


def _find(loaded: LoadedBoard) -> _Found:
    try:
        own = read_definition(loaded)
    except BoardInvalid as exc:
        return _Found(None, True, REPORT_FILE, exc.problems)
    except LifError as exc:
        return _Found(None, True, REPORT_FILE, (Problem(REPORT_FILE, "", str(exc)),))
    if own is not None:
        return _Found(with_framework_titles(own, loaded.framework), True, REPORT_FILE)
    framework = loaded.framework
    if framework is not None and framework.report is not None:
        return _Found(framework.report, False, f"the {framework.name} {framework.report.title.lower()}")
    return _Found(None, False, "")


def _narrative(
    loaded: LoadedBoard, part: ReportPart, year: str = ""
) -> tuple[str, tuple[Block, ...], tuple[Section, ...], str]:
    """The part's narrative file for a report on ``year`` (``""`` where none), its blocks and
    sections, and why it cannot be read (``""`` where it can)."""
    from ..report.narrative import read_narrative

    relative = narrative_file(loaded, part, year)
    if not relative:
        return "", (), (), ""
    try:
        blocks, sections = read_narrative(loaded.root, relative)
    except LifError as exc:
        return relative, (), (), str(exc).removeprefix(f"{relative}: ")
    return relative, blocks, sections, ""


def _style_problems(loaded: LoadedBoard) -> Iterator[Problem]:
    """What is wrong with the board's house style (``[style]`` in its ``report.toml``: logo,
    colour, templates, stylesheet), as ``lif report impact`` would refuse it."""
    from ..report.style import read_style

    try:
        read_style(loaded)
    except BoardInvalid as exc:
        yield from exc.problems
    except LifError as exc:
        yield Problem(REPORT_FILE, "style", str(exc))


def report_definition_check(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """The board's ``report.toml`` parses and names installed sections and narrative files
    inside the folder; its framework's report names installed sections; the narrative files
    the report reads can be read."""
    yield from _record_narratives(loaded)
    found = _find(loaded)
    if found.problems:
        yield from found.problems
        return
    yield from _style_problems(loaded)
    definition = found.definition
    if definition is None:
        return
    registry = plugins.report_sections
    if found.own:
        problems = definition_problems(loaded, plugins, definition)
        yield from problems
        if problems:
            return
        if not definition.sections:
            yield Problem(
                REPORT_FILE,
                "sections",
                "lists no section, so the report would hold nothing: add [[sections]] (lif plugins --json lists "
                "them), or remove report.toml to use the framework's report",
                WARNING,
            )
        framework = loaded.framework
        if framework is not None and framework.report is not None:
            listed = {p.section for p in definition.sections}
            left_out = [p for p in framework.report.sections if p.required and p.section not in listed]
            if left_out:
                what = "; ".join(f"{p.title or p.section} ({p.section})" for p in left_out)
                yield Problem(
                    REPORT_FILE,
                    "sections",
                    f"leaves out what {framework.title}'s {framework.report.title.lower()} requires: {what}; "
                    "list each (under any title), or the published report will not cover it",
                    WARNING,
                )
    elif loaded.framework is not None:  # the definition is the board's framework's
        framework = loaded.framework
        for i, part in enumerate(definition.sections):
            if part.section not in registry:
                plugin = plugins.statutory_frameworks.plugin_of(framework.name) or "its plugin"
                yield loaded.problem(
                    None,
                    ("board", "statutory_framework"),
                    f"{framework.title}: its {definition.title.lower()} names section {part.section!r} "
                    f"(report.sections[{i}]), which no installed plugin registers, so the report cannot be built "
                    f"here: install the plugin that registers it, or write a {REPORT_FILE} without it "
                    f"(the framework comes from {plugin!r}; installed sections: {', '.join(registry.names())})",
                    severity=WARNING,
                )
    seen: set[str] = set()
    year = _year_label(loaded)
    for part in definition.sections:
        relative, _blocks, _sections, unreadable = _narrative(loaded, part, year)
        if unreadable and relative not in seen:
            seen.add(relative)
            yield Problem(relative, "", unreadable)


#: The collections whose records name narrative files, with those fields (priorities'
#: ``narrative``, scrutiny's ``narrative``): worked out once, so no other record is walked.
_NARRATIVE_FIELDS = {
    name: fields
    for name, cls in COLLECTIONS.items()
    if (fields := tuple(f.name for f in attrs.fields(cls) if f.metadata.get("narrative")))
}


def _record_narratives(loaded: LoadedBoard) -> Iterator[Problem]:
    """Every narrative file a record names (a priority's story, a scrutineer's account) can be
    read: the report reads each one, and would stop at a missing one."""
    from ..report.narrative import read_narrative

    for collection, fields in _NARRATIVE_FIELDS.items():
        for record in loaded.board.collection(collection):
            for field in fields:
                relative = getattr(record, field)
                if not relative:
                    continue
                try:
                    read_narrative(loaded.root, relative)
                except LifError as exc:
                    why = str(exc).removeprefix(f"{relative}: ").split(" (a narrative file")[0]
                    yield loaded.problem(record.id, field, f"{relative!r}: {why}: write the file, or correct the path")


def _year_label(loaded: LoadedBoard) -> str:
    """The reporting year of the report's day (``""`` where the board's date is no real date)."""
    from ..report.context import year_label

    day = _report_day(loaded)
    if day is None:
        return ""
    return year_label(loaded, day)


def _report_day(loaded: LoadedBoard) -> dt.date | None:
    """The day the report is judged at: ``settings.report_date``, else today; ``None`` where the
    board's date is no real date (reported where the date is read)."""
    day = loaded.board.settings.report_date
    if day is None:
        return dt.date.today()
    return None if date_out_of_range(day) is not None else day


def report_content(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """A warning for each required part of the board's report definition the board has not
    filled: what the section's own ``missing`` says on the report's day (given the board's
    narrative for it), or, for a section that is the board's own text and has no ``missing``,
    that no narrative is written. A section with neither is taken as filled."""
    from ..disclosure import active_rule
    from ..history import as_at
    from ..report.context import SectionContext, Shared, year_label

    found = _find(loaded)
    definition = found.definition
    if definition is None or (found.own and definition_problems(loaded, plugins, definition)):
        return  # nothing required, or reported by report-definition: the report cannot be built as it stands
    registry = plugins.report_sections
    required = [(i, p) for i, p in enumerate(definition.sections) if p.required and p.section in registry]
    day = _report_day(loaded)
    if not required or day is None:
        return
    try:
        then = as_at(loaded, day, plugins)
    except LifError as exc:
        yield Problem("", "", f"report: the board as it stood on {day} cannot be rebuilt to check its report: {exc}")
        return
    shared = Shared(then, plugins, active_rule(then, None, True))
    year = year_label(then, day)
    for i, part in required:
        spec = registry.get(part.section)
        _relative, blocks, sections, unreadable = _narrative(then, part, year)
        if unreadable:
            continue  # reported by report-definition
        if spec.missing is not None:
            context = SectionContext(then, plugins, day, part, blocks, sections, shared=shared)
            with plugins.using(registry, part.section):
                missing = spec.missing(context)
        elif spec.narrative_only and not (blocks or sections):
            written_in = default_narrative(part)
            missing = f"nothing is written yet (write it in {written_in})"
        else:
            continue  # filled whenever the board wrote for it or the register holds what it shows
        if not missing:
            continue
        title = part.title or spec.title
        guidance = f"; the guidance: {part.guidance}" if part.guidance else ""
        if found.own:
            yield Problem(REPORT_FILE, f"sections[{i}]", f'"{title}" is required: {missing}{guidance}', WARNING)
        else:
            message = f'report: "{title}" (required in {found.where}): {missing}{guidance}'
            yield Problem("", "", message, WARNING)


CHECKS = (
    Check(
        "report-definition",
        "the board's report.toml is a report definition naming installed sections and narrative files in the "
        "folder; the framework's report names installed sections; the report's narrative files can be read",
        report_definition_check,
    ),
    Check(
        "report-content",
        "every section the report definition marks required is filled on the report's day",
        report_content,
    ),
)


@hookimpl(trylast=True)
def register_checks(register: Callable[[Check], None]) -> None:
    for check in CHECKS:
        register(check)
