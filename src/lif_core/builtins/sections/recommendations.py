"""Report section ``recommendations``: what the board decided and did on the recommendations
of local reviews and audits, of national reviews and of inspections, with the improvements
shown by evidence of impact; then every overdue action."""

from __future__ import annotations

from typing import Any

from ...document import Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import overdue
from ...model import Recommendation, Strength
from ...report.context import SectionContext
from ._common import BOARD, action_counts, readable, strength

#: Where recommendations come from, as the report groups them: collection -> heading.
GROUPS = (
    (("reviews", "audits", "section11_audits", "scrutiny"), "Local reviews, audits and scrutiny"),
    (("national_reviews",), "National reviews"),
    (("inspection_recommendations",), "Inspections"),
    ((), "The board's own"),
)


def _group(context: SectionContext, rec: Recommendation) -> str:
    collection = context.board.index()[rec.source][0] if rec.source else ""
    for collections, heading in GROUPS:
        if collection in collections or not collections:
            return heading
    return GROUPS[-1][1]  # pragma: no cover - the last group takes everything


def _table(context: SectionContext, recs: list[Recommendation]) -> Table:
    rows: list[tuple[Cell, ...]] = []
    for r in recs:
        actions = context.index().actions_by_recommendation.get(r.id, [])
        evidence = context.index().evidence([r.id, *(a.id for a in actions)])
        done, open_, late = action_counts(actions, context.as_of)
        impact = [e for e in evidence if e.strength is not Strength.WEAK]
        rows.append(
            (
                r.text,
                context.name(r.source, 240) if r.source else "-",
                readable(r.kind.value),
                Count(done, provenance=BOARD),
                Count(open_, provenance=BOARD),
                Count(late, provenance=BOARD),
                strength(evidence),
                "; ".join(e.title for e in impact) or "no evidence of impact yet",
            )
        )
    return Table(
        ("Recommendation", "From", "Kind", "Actions done", "Open", "Overdue", "Evidence", "Improvement shown"),
        tuple(rows),
        caption="Recommendations, the actions taken and the evidence of impact",
    )


def build(context: SectionContext) -> Section:
    board = context.board
    if not board.recommendations:
        return Section("", (Paragraph("No recommendation is recorded."),))
    grouped: dict[str, list[Recommendation]] = {}
    for rec in board.recommendations:
        grouped.setdefault(_group(context, rec), []).append(rec)
    subsections = [
        Section(heading, (_table(context, grouped[heading]),)) for _, heading in GROUPS if heading in grouped
    ]
    late_actions = overdue(board.actions, context.as_of)
    blocks: list[Any] = []
    if late_actions:
        blocks.append(
            Table(
                ("Overdue action", "Owner", "Due", "Status"),
                tuple(
                    (
                        a.text,
                        board.get(a.owner).name if a.owner else "",
                        a.due,
                        readable(a.status.value),
                    )
                    for a in late_actions
                ),
                caption="Actions past their due date",
            )
        )
    else:
        blocks.append(Paragraph("No action is past its due date."))
    subsections.append(Section("Overdue actions", tuple(blocks)))
    return Section("", (), tuple(subsections))


def missing(context: SectionContext) -> str:
    board = context.board
    if not board.recommendations:
        return "no recommendation from a review, audit or national review is recorded"
    national = [r for r in board.recommendations if _group(context, r) == "National reviews"]
    if not national:
        return (
            "no response to a national review's recommendations is recorded (add [[national_reviews]] and "
            "recommendations whose source is one)"
        )
    return ""


SECTION = ReportSection(
    name="recommendations",
    title="Recommendations and actions",
    description="Recommendations of local and national reviews, audits, scrutiny and inspections: the actions "
    "taken (done, open, overdue), the evidence and the improvement it shows; every overdue action.",
    build=build,
    missing=missing,
)
