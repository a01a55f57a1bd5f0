"""Report section ``progress``: where there is little or no evidence of progress on the
priorities the partners agreed, as a yearly report must say. A priority of the year is listed
where the board judged its progress ``little`` or ``none``; where nothing, or only evidence of
activity, shows its impact; where it has no measure; where its actions are overdue; or where a
measure of it is short of its target (red) or worsening. Each is listed with every reason, in
names, beside the board's own judgement.

Where no priority is listed the section says so plainly: an honest "none" is an answer.
"""

from __future__ import annotations

from typing import Any

from ...document import BulletList, Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import overdue
from ...model import Priority, Progress
from ...report.context import SectionContext
from ._common import BOARD, moved, readable
from .priorities import actions_for, current, gaps

#: The board's judgements that put a priority on the list.
SLOW = (Progress.LITTLE, Progress.NONE)


def reasons(context: SectionContext, priority: Priority, scores: dict[str, Any]) -> list[str]:
    """Why ``priority`` shows little or no evidence of progress, one line each (none: it does)."""
    out = []
    if priority.progress in SLOW:
        judged = "little" if priority.progress is Progress.LITTLE else "no"
        out.append(f"the board judged it to have made {judged} progress")
    out += gaps(context, priority)
    late = overdue(actions_for(context, priority), context.as_of)
    out += [f"overdue action: {a.text} (due {a.due.isoformat() if a.due else '-'})" for a in late]
    for measure in priority.measures:
        score = scores.get(measure)
        if score is None:
            continue
        short = score.rag == "red"
        worse = score.trend == "worsening"
        if short or worse:
            how = " and ".join(w for w, on in (("short of its target", short), ("worsening", worse)) if on)
            out.append(f"measure {context.board.get(measure).title} is {how}: {moved(score)}")
    return out


def build(context: SectionContext) -> Section:
    priorities = current(context)
    if not priorities:
        return Section(
            "",
            (Paragraph("No business-plan priority is recorded for the year, so progress on them is not judged."),),
        )
    scores = {s.measure.id: s for s in context.scores()}
    listed = [(p, why) for p in priorities if (why := reasons(context, p, scores))]
    if not listed:
        which = "The priority of the year" if len(priorities) == 1 else f"Each of the {len(priorities)} priorities"
        return Section(
            "",
            (
                Paragraph(
                    f"{which} shows evidence of progress: none was judged to have made little or no progress, each "
                    "has a measure and evidence beyond activity, no action on them is overdue and none of their "
                    "measures is red or worsening."
                ),
            ),
        )
    rows: list[tuple[Cell, ...]] = [
        (
            p.title,
            context.name(p.lead) if p.lead else "-",
            readable(p.progress.value) if p.progress else "not judged",
            Count(len(overdue(actions_for(context, p), context.as_of)), BOARD),
        )
        for p, _why in listed
    ]
    table = Table(
        ("Priority", "Lead", "Board's judgement of progress", "Overdue actions"),
        tuple(rows),
        caption="Priorities with little or no evidence of progress",
    )
    intro = Paragraph(f"{_how_many(len(listed), len(priorities))} little or no evidence of progress.")
    details = tuple(Section(p.title, (BulletList(tuple(why)),)) for p, why in listed)
    return Section("", (intro, table), details)


def _how_many(listed: int, total: int) -> str:
    if total == 1:
        return "The priority of the year shows"
    if listed == total:
        return f"All {total} priorities of the year show"
    return f"{listed} of the {total} priorities of the year {'shows' if listed == 1 else 'show'}"


def missing(context: SectionContext) -> str:
    if not current(context):
        return "no business-plan priority is recorded (add [[priorities]]), so progress on priorities cannot be shown"
    return ""


SECTION = ReportSection(
    name="progress",
    title="Where progress has been slow",
    description="The priorities of the year with little or no evidence of progress: judged little or no progress, "
    "no measure, no evidence or evidence of activity only, overdue actions, measures red or worsening; with "
    "every reason, or a plain statement that there is none.",
    build=build,
    missing=missing,
)
