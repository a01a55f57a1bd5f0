"""Report section ``next-year``: the priorities for the year ahead (those whose period
starts after the report's year), with the board's narrative on why they were chosen."""

from __future__ import annotations

import re

from ...document import Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Priority
from ...report.context import SectionContext

_YEAR = re.compile(r"^(\d{4})")


def is_ahead(priority: Priority, context: SectionContext) -> bool:
    """True where the priority's period (``2019-20``, ``2019-21``) starts after the reporting
    year the report's day falls in (a report as at 2019-03-31 is on 2018-19)."""
    match = _YEAR.match(priority.period)
    if match is None:
        return False
    return int(match.group(1)) > context.year()[0].year


def ahead(context: SectionContext) -> list[Priority]:
    return [p for p in context.board.priorities if is_ahead(p, context)]


def build(context: SectionContext) -> Section:
    board = context.board
    rows = tuple((p.title, p.period, board.get(p.lead).name if p.lead else "", p.description) for p in ahead(context))
    if not rows:
        return Section("", (Paragraph("No priority for the year ahead is recorded yet."),))
    return Section("", (Table(("Priority", "Period", "Lead", "What it means"), rows, caption="Priorities"),))


def missing(context: SectionContext) -> str:
    return (
        ""
        if ahead(context)
        else "no priority for the year ahead is recorded (a priority whose period starts next year)"
    )


SECTION = ReportSection(
    name="next-year",
    title="Priorities for the year ahead",
    description="The priorities whose period starts after the report's year, with the board's narrative on why.",
    build=build,
    missing=missing,
)
