"""Report section ``themes``: the themes that keep coming back in reviews and audits, and
which of them lack a system-level response (a known barrier to learning)."""

from __future__ import annotations

from ...document import Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...learning import recurring_themes
from ...report.context import SectionContext
from ._common import BOARD


def build(context: SectionContext) -> Section:
    found = recurring_themes(context.board, context.as_of)
    table = Table(
        ("Theme", "Reviews and audits raising it", "System-level response", "Flag"),
        tuple(
            (
                r.theme.label,
                Count(r.count, BOARD),
                "; ".join(context.name(i) for i in r.responses) or "none",
                "no system-level response" if r.flagged else "",
            )
            for r in found
        ),
        caption="Recurring themes",
    )
    flagged = [r.theme.label for r in found if r.flagged]
    note = (
        "Recurring without a board-level response (a known barrier to learning): " + "; ".join(flagged)
        if flagged
        else ("Every recurring theme has a board-level response." if found else "No theme recurs in the window.")
    )
    return Section("", (table, Paragraph(note)) if found else (Paragraph(note),))


SECTION = ReportSection(
    name="themes",
    title="Recurring themes",
    description="Themes raised by two or more reviews and audits in the window, and which lack a system-level "
    "response.",
    build=build,
)
