"""Report section ``child-deaths``: the child death review partners' figures for each year
recorded up to the report's: deaths notified, reviews completed and reviews that found
modifiable factors, what the reviews found (as the board's themes) and the learning.

These are counts of children: disclosure control hides the small ones (``c``), with the share
worked out from them. A year's figures exist once the year has ended (a report is as the board
stood on its day): the year the section expects is the one the report covers
(:func:`~lif_core.builtins.sections.funding.covered_year`), the latest ended by its day.
"""

from __future__ import annotations

from typing import Any

from ...document import Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import ChildDeathFigures
from ...report.context import SectionContext
from .funding import covered_year

#: Reviews completed are the sum of those with and without modifiable factors: one table with
#: its total column, so disclosure control can stop a hidden count being worked out by
#: subtraction (8 reviewed, 6 with modifiable factors: 2 without).
COLUMNS = ("Year", "With modifiable factors", "Without modifiable factors", "Reviews completed")


def figures(context: SectionContext) -> list[ChildDeathFigures]:
    return sorted(context.board.child_deaths, key=lambda f: f.period)


def build(context: SectionContext) -> Section:
    items = figures(context)
    if not items:
        return Section("", (Paragraph("No child death review figures are recorded."),))
    notified = Table(
        ("Year", "Deaths notified"),
        tuple((f.period, Count(f.notified)) for f in items),
        caption="Deaths of children notified, by year",
    )
    rows: list[tuple[Cell, ...]] = [
        (f.period, Count(f.modifiable), Count(f.reviewed - f.modifiable), Count(f.reviewed)) for f in items
    ]
    table = Table(COLUMNS, tuple(rows), caption="Child death reviews completed, by year", total_column=True)
    details = []
    for f in reversed(items):
        blocks: list[Any] = []
        if f.summary:
            blocks.append(Paragraph(f.summary))
        if f.themes:
            blocks.append(Paragraph("Themes: " + "; ".join(context.name(t) for t in f.themes) + "."))
        if blocks:
            details.append(Section(f"What the reviews found, {f.period}", tuple(blocks)))
    return Section("", (notified, table), tuple(details))


def missing(context: SectionContext) -> str:
    year = covered_year(context)
    if any(f.period == year for f in context.board.child_deaths):
        return ""
    return f'no child death review figures are recorded for {year} (add [[child_deaths]] with period = "{year}")'


SECTION = ReportSection(
    name="child-deaths",
    title="Child death reviews",
    description="The child death review partners' figures by year: deaths notified, reviews completed, reviews "
    "with modifiable factors (counts of children, under disclosure control), what they found and the learning.",
    build=build,
    missing=missing,
)
