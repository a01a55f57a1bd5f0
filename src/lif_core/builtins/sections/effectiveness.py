"""Report section ``effectiveness``: the board's own judgement of how effective its
arrangements have been over the year, and nothing else: the board writes it in
``narrative/effectiveness.md`` (or the file its report definition names). The other sections
give the evidence; this one is the board's reading of it."""

from __future__ import annotations

from ...document import Section
from ...extensions import ReportSection
from ...report.context import SectionContext
from .narrative import unwritten


def build(context: SectionContext) -> Section:
    return Section("")


def missing(context: SectionContext) -> str:
    return unwritten(context, "the board's judgement of how effective the arrangements have been")


SECTION = ReportSection(
    name="effectiveness",
    title="How effective the arrangements have been",
    description="The board's own judgement of the arrangements' effectiveness over the year, from its narrative "
    "file; 'Not yet written.' until it writes it.",
    build=build,
    missing=missing,
    narrative_only=True,
)
