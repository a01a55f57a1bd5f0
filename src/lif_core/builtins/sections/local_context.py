"""Report section ``local-context``: the place the arrangements serve. The board's own
account (``narrative/local-context.md``: the area, its children and families, what shapes the
work) first; then the facts the board's data holds: the area, how many children live there
(``settings.populations``, the latest period up to the report's year) and the partner agencies
by sector."""

from __future__ import annotations

import re
from collections import Counter

from ...document import Cell, Count, Facts, Section, Table
from ...extensions import ReportSection
from ...model import Observation, Sector
from ...report.context import SectionContext
from ._common import BOARD, readable
from .narrative import unwritten

#: How the report says a sector where the file value does not read well by itself.
SECTOR_WORDS = {
    Sector.VOLUNTARY: "Voluntary and community sector",
    Sector.CAFCASS: "Cafcass",
    Sector.LAY_MEMBER: "Lay members",
}

_YEAR = re.compile(r"^(\d{4})")


def sector_name(sector: Sector) -> str:
    """A sector as a reader says it (``Local authority``, ``Voluntary and community sector``)."""
    return SECTOR_WORDS.get(sector, readable(sector.value))


def population(context: SectionContext) -> Observation | None:
    """The latest child population estimate whose period starts no later than the report's
    year (a period the board wrote in another form counts as current)."""
    first = context.year()[0].year
    known = [
        o for o in context.board.settings.populations if (m := _YEAR.match(o.period)) is None or int(m[1]) <= first
    ]
    return max(known, key=lambda o: o.period, default=None)


def build(context: SectionContext) -> Section:
    board = context.board
    facts = [("Area", board.board.area)]
    children = population(context)
    if children is not None:
        facts.append(("Children aged 0 to 17", f"{children.value:,.0f} ({children.period} estimate)"))
    facts.append(("Partner agencies", str(len(board.partners))))
    blocks: list[Facts | Table] = [Facts(tuple(facts))]
    by_sector = Counter(p.sector for p in board.partners)
    if by_sector:
        rows: list[tuple[Cell, ...]] = [
            (
                sector_name(sector),
                Count(by_sector[sector], BOARD),
                "; ".join(p.name for p in board.partners if p.sector is sector),
            )
            for sector in Sector
            if by_sector[sector]
        ]
        rows.append(("All sectors", Count(len(board.partners), BOARD), ""))
        blocks.append(
            Table(
                ("Sector", "Agencies", "Partner agencies"),
                tuple(rows),
                caption="Partner agencies by sector",
                total_row=True,
            )
        )
    return Section("", tuple(blocks))


def missing(context: SectionContext) -> str:
    return unwritten(context, "the account of the local context (the area, its children and families)")


SECTION = ReportSection(
    name="local-context",
    title="Local context",
    description="The board's account of the area it serves, then the facts its data holds: the area, the child "
    "population (settings.populations, latest period) and the partner agencies by sector.",
    build=build,
    missing=missing,
)
