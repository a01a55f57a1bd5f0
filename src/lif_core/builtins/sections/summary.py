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
from ...report.context import SectionContext, human_date


def _publications(context: SectionContext) -> list[tuple[str, str]]:
    """Each recurring publication's latest that was published by the report's day (what is
    merely due is the board's business, not its published report's)."""
    latest: dict[str, tuple[str, str]] = {}
    for due in publications_due(context.board, context.framework, context.as_of):
        if due.published is not None:
            latest[due.kind] = (f"{due.title} {due.period}", f"published on {human_date(due.published)}")
    return list(latest.values())


def _measures(rag: Counter[str]) -> str:
    """``4 red, 1 amber, 1 green, 2 with no target``."""
    words = [f"{rag[k]} {k}" for k in ("red", "amber", "green") if rag[k]]
    if rag["none"]:
        words.append(f"{rag['none']} with no target")
    return ", ".join(words) or "none"


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
                    ("As at", human_date(context.as_of)),
                    ("Reporting year", context.year_label()),
                    *(
                        (("Learning and improvement framework", board.board.framework),)
                        if board.board.framework
                        else ()
                    ),
                    ("Statutory framework", framework.title if framework else board.board.statutory_framework),
                    *_publications(context),
                    ("Actions", f"{len(board.actions)} ({done} done, {late} overdue)"),
                    ("Evidence items", str(len(board.evidence))),
                    ("Measures", _measures(rag)),
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
