"""Report section ``progress``: where there is little or no evidence of progress on the
priorities the partners agreed, as a yearly report must say. A priority of the year is listed
first where the board judged its progress ``little`` or ``none``; then, apart from those,
where the evidence does not yet show the progress the board judged (nothing, or only evidence
of activity, shows its impact; it has no measure; its actions are overdue; a measure of it is
short of its target or worsening). Each is listed with what falls short, in names, beside the
board's own judgement, so the two are never confused.

Where no priority is listed the section says so plainly: an honest "none" is an answer.
"""

from __future__ import annotations

from ...document import BulletList, Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import overdue
from ...model import Priority, Progress
from ...report.context import SectionContext
from ._common import BOARD, readable
from .priorities import actions_for, current, gaps

#: The board's judgements that put a priority on the list.
SLOW = (Progress.LITTLE, Progress.NONE)


def judged_slow(priority: Priority) -> bool:
    """The board itself judged the priority to have made little or no progress."""
    return priority.progress in SLOW


def build(context: SectionContext) -> Section:
    priorities = current(context)
    we = context.words("board", "board")
    if not priorities:
        return Section(
            "",
            (Paragraph("No business-plan priority is recorded for the year, so progress on them is not judged."),),
        )
    scores = {s.measure.id: s for s in context.scores()}
    slow = [(p, gaps(context, p, scores)) for p in priorities if judged_slow(p)]
    short = [(p, why) for p in priorities if not judged_slow(p) and (why := gaps(context, p, scores))]
    n = len(priorities)
    of = "the priority of the year" if n == 1 else f"the {n} priorities of the year"
    intro: list[str] = []
    if slow:
        intro.append(
            f"The {we} judged {len(slow)} of {of} to have made little or no progress."
            if n > 1
            else f"The {we} judged {of} to have made little or no progress."
        )
    if short:
        more = "more " if slow else ""
        what = f"the progress the {we} judged to have been made" if all(p.progress for p, _ in short) else "progress"
        intro.append(
            f"For {len(short)} {more}{'priority' if len(short) == 1 else 'priorities'}, the evidence does not yet "
            f"show {what}: what falls short is set out below."
        )
    if not intro:
        which = "The priority of the year" if n == 1 else f"Each of the {n} priorities of the year"
        return Section(
            "",
            (
                Paragraph(
                    f"{which} shows evidence of progress: none was judged to have made little or no progress, each "
                    "has a measure and evidence beyond activity, no action on them is overdue and none of their "
                    "measures is short of its target or worsening."
                ),
            ),
        )
    listed = [*slow, *short]
    rows: list[tuple[Cell, ...]] = [
        (
            p.title,
            context.name(p.lead) if p.lead else "-",
            readable(p.progress.value) if p.progress else "Not judged",
            Count(len(overdue(actions_for(context, p), context.as_of)), BOARD),
        )
        for p, _why in listed
    ]
    table = Table(
        ("Priority", "Lead", f"The {we}'s judgement of progress", "Overdue actions"),
        tuple(rows),
        caption="Priorities where progress is slow or not yet shown",
    )
    details = tuple(
        Section(
            p.title,
            (
                BulletList(tuple(why))
                if why
                else Paragraph(f"Beyond the {we}'s own judgement, the register shows no further gap."),
            ),
        )
        for p, why in listed
    )
    return Section("", (*(Paragraph(t) for t in intro), table), details)


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
