"""Report section ``training``: multi-agency training's reach (sessions, attendance,
no-shows) and evaluation (Kirkpatrick levels, confidence before and after, practice change)."""

from __future__ import annotations

from ...document import Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...report.context import SectionContext
from ._common import BOARD, percent


def build(context: SectionContext) -> Section:
    board = context.board
    if not board.courses:
        return Section("", (Paragraph("No training course is recorded."),))
    rows: list[tuple[Cell, ...]] = []
    for c in board.courses:
        levels = sorted({e.level for e in c.evaluations})
        confidence = [e for e in c.evaluations if e.confidence_before is not None and e.confidence_after is not None]
        change = f"{confidence[-1].confidence_before:g} -> {confidence[-1].confidence_after:g}" if confidence else "-"
        follow = [e for e in c.evaluations if e.practice_change is not None and e.respondents]
        practice: Cell = (
            percent(100 * follow[-1].practice_change / follow[-1].respondents, 0)  # type: ignore[operator]
            if follow
            else "-"
        )
        rows.append(
            (
                c.title,
                Count(c.sessions, provenance=BOARD),
                Count(c.attended, provenance=BOARD),
                Count(c.no_shows, provenance=BOARD),
                ", ".join(str(v) for v in levels) or "-",
                change,
                practice,
            )
        )
    table = Table(
        ("Course", "Sessions", "Attended", "No-shows", "Kirkpatrick levels evaluated", "Confidence", "Practice change"),
        tuple(rows),
        caption="Multi-agency training: reach and evaluation",
    )
    return Section("", (table,))


def missing(context: SectionContext) -> str:
    return "" if context.board.courses else "no training course is recorded (add [[courses]])"


SECTION = ReportSection(
    name="training",
    title="Training",
    description="Multi-agency training: sessions, attendance, no-shows, the Kirkpatrick levels evaluated, "
    "confidence before and after, and the share reporting a change in practice.",
    build=build,
    missing=missing,
)
