"""Report section ``duty-audit``: partners' safeguarding self-assessments (Section 11 in
England, section 28 in Wales, under the framework's word): each agency's self-assessed and
moderated score on each standard in the latest cycle, and the change since the last."""

from __future__ import annotations

import datetime as dt

from ...document import Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Section11Audit
from ...report.context import SectionContext


def _scale(context: SectionContext, cycle: Section11Audit) -> str:
    framework = context.framework
    name = cycle.scale or (framework.self_assessment_scale if framework is not None else "")
    scale = framework.scale(name) if framework is not None and name else None
    return scale.title if scale is not None else (name or "-")


def build(context: SectionContext) -> Section:
    board = context.board
    word = context.words("duty_audit", "Partner safeguarding self-assessment")
    audits = sorted(board.section11_audits, key=lambda a: (a.date or dt.date.min, a.cycle))
    if not audits:
        return Section(word, (Paragraph(f"No {word} cycle is recorded."),))
    latest = audits[-1]
    previous: Section11Audit | None = audits[-2] if len(audits) > 1 else None
    before: dict[tuple[str, str], str] = {}
    if previous is not None:
        for ret in previous.returns:
            for s in ret.scores:
                before[(ret.partner, s.standard)] = s.moderated or s.self_assessed
    rows = []
    for ret in latest.returns:
        for s in ret.scores:
            score = s.moderated or s.self_assessed
            was = before.get((ret.partner, s.standard))
            change = "new" if was is None else ("same" if was == score else f"was {was}")
            rows.append(
                (board.get(ret.partner).name, board.get(s.standard).title, s.self_assessed, s.moderated or "-", change)
            )
    table = Table(
        ("Agency", "Standard", "Self-assessed", "Moderated", "Change since the last cycle"),
        tuple(rows),
        caption=f"{word} cycle {latest.cycle} ({_scale(context, latest)})",
    )
    return Section(word, (table,))


def missing(context: SectionContext) -> str:
    word = context.words("duty_audit", "partner safeguarding self-assessment")
    return "" if context.board.section11_audits else f"no {word} cycle is recorded"


SECTION = ReportSection(
    name="duty-audit",
    title="Partner safeguarding self-assessment",
    description="Each agency's self-assessed and moderated score on each standard in the latest cycle of "
    "partners' safeguarding self-assessments (the framework's word for them), and the change since the last.",
    build=build,
    missing=missing,
)
