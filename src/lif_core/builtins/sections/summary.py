"""Report section ``summary``: the report at a glance: the day it is as at, the statutory
framework, the recurring publications (the latest and the next due), actions done and overdue,
evidence, and measures by RAG."""

from __future__ import annotations

from collections import Counter

from ...clocks import publications_due
from ...document import Facts, Section
from ...extensions import ReportSection
from ...inspection import overdue
from ...model import ActionStatus
from ...report.context import SectionContext


def _publications(context: SectionContext) -> list[tuple[str, str]]:
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for due in publications_due(context.board, context.framework, context.as_of):
        by_kind.setdefault(due.kind, []).append((f"{due.title} {due.period}", due.describe().split(": ", 1)[1]))
    return [fact for facts in by_kind.values() for fact in facts[-2:]]  # each kind's latest and next


def build(context: SectionContext) -> Section:
    board = context.board
    done = sum(a.status is ActionStatus.COMPLETED for a in board.actions)
    late = len(overdue(board.actions, context.as_of))
    rag = Counter(s.rag for s in context.scores())
    framework = context.framework
    return Section(
        "",
        (
            Facts(
                (
                    ("As at", context.as_of.isoformat()),
                    ("Reporting year", context.year_label()),
                    *((("Framework", board.board.framework),) if board.board.framework else ()),
                    ("Statutory framework", framework.title if framework else board.board.statutory_framework),
                    *_publications(context),
                    ("Actions", f"{len(board.actions)} ({done} done, {late} overdue)"),
                    ("Evidence items", str(len(board.evidence))),
                    ("Measures", ", ".join(f"{k.upper()} {v}" for k, v in sorted(rag.items())) or "none"),
                )
            ),
        ),
    )


SECTION = ReportSection(
    name="summary",
    title="Summary",
    description="The report at a glance: as at, reporting year, statutory framework, recurring publications "
    "(latest and next due), actions done and overdue, evidence items, measures by RAG.",
    build=build,
)
