"""Report section ``inspection``: how each inspection recommendation is answered and
evidenced, with the coverage matrix of recommendation x inspection-framework area."""

from __future__ import annotations

from typing import Any

from ...document import BulletList, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import coverage
from ...report.context import SectionContext
from ._common import BOARD, strength


def build(context: SectionContext) -> Section:
    rows = coverage(context.loaded, context.plugins, context.as_of)
    if not rows:
        return Section("", (Paragraph(f"{context.we.capitalize()} has no inspection recommendations to answer."),))
    summary = Table(
        (
            "No.",
            "Recommendation",
            "Where our framework answers it",
            "Responsible",
            "Done",
            "Open",
            "Overdue",
            "Evidence",
            "Gaps",
        ),
        tuple(
            (
                c.recommendation.number,
                c.recommendation.text,
                ", ".join(s.split(" ", 1)[0] for s in c.sections),
                ", ".join(c.groups),
                Count(len(c.done), provenance=BOARD),
                Count(len(c.actions) - len(c.done), provenance=BOARD),
                Count(len(c.overdue), provenance=BOARD),
                strength(list(c.evidence)),
                "; ".join(c.gaps) or "none",
            )
            for c in rows
        ),
        caption="Coverage of each inspection recommendation",
    )
    subsections = []
    by_framework: dict[str, list[Any]] = {}
    for c in rows:
        by_framework.setdefault(c.framework_title, []).append(c)
    for title, items in by_framework.items():
        areas = [(a_id, a_title) for a_id, a_title, _ in items[0].framework_areas]
        matrix = Table(
            ("No.", *(a_title for _, a_title in areas), "Evidence", "Gaps"),
            tuple(
                (
                    c.recommendation.number,
                    *("yes" if hit else "" for _, _, hit in c.framework_areas),
                    strength(list(c.evidence)),
                    "; ".join(c.gaps) or "none",
                )
                for c in items
            ),
            caption=f"Which areas of the {title} each recommendation concerns, and its evidence",
        )
        subsections.append(Section(f"Coverage matrix: {title}", (matrix,)))
    for c in rows:
        blocks: list[Any] = []
        if c.evidence:
            blocks.append(
                Table(
                    ("Evidence", "Kind", "Date", "Strength"),
                    tuple(
                        (e.title, context.term("evidence_kinds", e.kind), e.date, e.strength.value) for e in c.evidence
                    ),
                )
            )
        blocks.append(BulletList(tuple(f"Gap: {g}" for g in c.gaps) or ("No gaps.",)))
        subsections.append(Section(f"Recommendation {c.recommendation.number}: the evidence", tuple(blocks)))
    return Section("", (summary,), tuple(subsections))


def missing(context: SectionContext) -> str:
    return "" if context.board.inspection_recommendations else "no inspection recommendations are recorded"


SECTION = ReportSection(
    name="inspection",
    title="Inspection recommendations",
    description="Each inspection recommendation: what answers it, actions done, open and overdue, the evidence "
    "and its strength, the gaps; and the coverage matrix of recommendation x framework area.",
    build=build,
    missing=missing,
)
