"""Report section ``foreword``: the board's own opening words (by its chair or its lead
partners), and nothing else: the board writes it in ``narrative/foreword.md`` (or the file its
report definition names)."""

from __future__ import annotations

from ...document import Section
from ...extensions import ReportSection
from ...report.context import SectionContext
from .narrative import unwritten


def build(context: SectionContext) -> Section:
    return Section("")


def missing(context: SectionContext) -> str:
    return unwritten(context, "the foreword")


SECTION = ReportSection(
    name="foreword",
    title="Foreword",
    description="The board's own opening words, from its narrative file; 'Not yet written.' until it writes them.",
    build=build,
    missing=missing,
    narrative_only=True,
)
