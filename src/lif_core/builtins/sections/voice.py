"""Report section ``voice``: whether children's views were sought in reviews and audits, and
the evidence that records children's and families' own voices."""

from __future__ import annotations

from typing import Any

from ...document import BulletList, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Involvement
from ...report.context import SectionContext
from ._common import BOARD, readable

#: How each answer reads in the report.
WORDS = {
    Involvement.SOUGHT_AND_INCLUDED: "Sought and included",
    Involvement.SOUGHT_DECLINED: "Sought, but the child declined",
    Involvement.NOT_YET_SOUGHT: "Not yet sought",
    Involvement.NOT_SOUGHT: "Not sought",
    Involvement.NOT_APPLICABLE: "Not applicable",
}

ORDER = (
    Involvement.SOUGHT_AND_INCLUDED,
    Involvement.SOUGHT_DECLINED,
    Involvement.NOT_YET_SOUGHT,
    Involvement.NOT_SOUGHT,
    Involvement.NOT_APPLICABLE,
)


def build(context: SectionContext) -> Section:
    board = context.board
    views = {v: sum(r.child_views is v for r in board.reviews) for v in ORDER}
    audit_views = {v: sum(a.child_views is v for a in board.audits) for v in ORDER}
    table = Table(
        ("Child's views", "Case reviews", "Audits", "All"),
        (
            *(
                (
                    WORDS.get(v, readable(v.value)),
                    Count(views[v], BOARD),
                    Count(audit_views[v], BOARD),
                    Count(views[v] + audit_views[v], BOARD),
                )
                for v in ORDER
            ),
            (
                "All",
                Count(len(board.reviews), BOARD),
                Count(len(board.audits), BOARD),
                Count(len(board.reviews) + len(board.audits), BOARD),
            ),
        ),
        caption="Whether children's views were sought, in reviews and audits",
        total_column=True,
        total_row=True,
    )
    kinds = context.framework.voice_evidence_kinds if context.framework is not None else ()
    voice = [e for e in board.evidence if e.kind in kinds]
    blocks: list[Any] = [table]
    blocks.append(
        BulletList(tuple(f"{e.title} ({e.date})" for e in voice))
        if voice
        else Paragraph(
            "No evidence item records children's or families' voices directly"
            + (
                f" (evidence of the kind {' or '.join(context.term('evidence_kinds', k) for k in kinds)})."
                if kinds
                else "."
            )
        )
    )
    return Section("", tuple(blocks))


SECTION = ReportSection(
    name="voice",
    title="Participation and the voice of the child",
    description="Whether children's views were sought in reviews and audits, and the evidence recording "
    "children's and families' own voices.",
    build=build,
)
