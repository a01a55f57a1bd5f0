"""Report section ``priorities``: each business-plan priority of the year, what was done
for it, the evidence, the measures and how they moved, and the gaps; with the story behind
each priority where the board wrote one (``priorities[].narrative``)."""

from __future__ import annotations

from typing import Any

from ...document import BulletList, Cell, Count, Facts, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import overdue, strongest
from ...model import Priority, RecommendationLevel, Strength
from ...report.context import SectionContext
from ...report.narrative import read_narrative
from ._common import BOARD, action_counts, moved, readable, strength


def current(context: SectionContext) -> list[Priority]:
    """The priorities of the report's year: all but those whose period starts after it."""
    from .next_year import is_ahead

    return [p for p in context.board.priorities if not is_ahead(p, context)]


def actions_for(context: SectionContext, priority: Priority) -> list[Any]:
    """The priority's own actions, and board-level actions on its themes."""
    themes = frozenset(priority.themes)
    board_level = RecommendationLevel.BOARD
    return [
        a
        for a in context.board.actions
        if a.priority == priority.id or (themes and a.level is board_level and not themes.isdisjoint(a.themes))
    ]


def gaps(context: SectionContext, priority: Priority, scores: dict[str, Any] | None = None) -> list[str]:
    """Where the evidence does not yet show the priority's progress, one sentence each: no
    measure, no evidence or evidence of activity only, overdue actions, measures short of their
    target or worsening. Empty where it shows progress."""
    if scores is None:
        scores = {s.measure.id: s for s in context.scores()}
    actions = actions_for(context, priority)
    recs = {a.recommendation for a in actions if a.recommendation}
    evidence = context.index().evidence([priority.id, *(a.id for a in actions), *recs])
    out = []
    if not priority.measures:
        out.append("No measure shows whether it made a difference")
    if not evidence:
        out.append("No evidence is recorded")
    elif strongest(evidence) is Strength.WEAK:
        out.append("The evidence shows activity, not yet impact")
    for a in overdue(actions, context.as_of):
        out.append(f"Overdue: {a.text.rstrip('.')} (due {a.due.isoformat() if a.due else '-'})")
    for measure in priority.measures:
        score = scores.get(measure)
        if score is None:
            continue
        short, worse = score.rag == "red", score.trend == "worsening"
        if short or worse:
            how = " and ".join(w for w, on in (("short of its target", short), ("worsening", worse)) if on)
            out.append(f"{context.board.get(measure).title} is {how}: {moved(score)}")
    return out


def build(context: SectionContext) -> Section:
    board = context.board
    scores = {s.measure.id: s for s in context.scores()}
    rows: list[tuple[Cell, ...]] = []
    details = []
    priorities = current(context)
    if not priorities:
        return Section("", (Paragraph("No business-plan priority is recorded for the year."),))
    for p in priorities:
        actions = actions_for(context, p)
        recs = {a.recommendation for a in actions if a.recommendation}
        evidence = context.index().evidence([p.id, *(a.id for a in actions), *recs])
        done, open_, late = action_counts(actions, context.as_of)
        lead = board.get(p.lead).name if p.lead else ""
        rows.append(
            (
                p.title,
                lead,
                Count(len(actions), provenance=BOARD),
                Count(done, provenance=BOARD),
                Count(open_, provenance=BOARD),
                Count(late, provenance=BOARD),
                strength(evidence),
                readable(p.progress.value) if p.progress else "-",
                "; ".join(gaps(context, p, scores)) or "none",
            )
        )
        blocks: list[Any] = []
        sections: tuple[Section, ...] = ()
        if p.narrative:
            story, sections = read_narrative(context.loaded.root, p.narrative)
            blocks += story
        elif p.description:
            blocks.append(Paragraph(p.description))
        blocks.append(Facts((("Period", p.period or "-"), ("Lead", lead or "-"))))
        measures = [f"{board.get(m).title}: {moved(scores.get(m))}" for m in p.measures]
        blocks.append(BulletList(tuple(measures) or ("No measure.",)))
        details.append(Section(p.title, tuple(blocks), sections))
    table = Table(
        (
            "Priority",
            "Lead",
            "Actions",
            "Done",
            "Open",
            "Overdue",
            "Evidence",
            f"{context.words('board', 'board').capitalize()}'s judgement",
            "Where the evidence falls short",
        ),
        tuple(rows),
        caption="Business-plan priorities",
    )
    return Section("", (table,), tuple(details))


def missing(context: SectionContext) -> str:
    if not current(context):
        return "no business-plan priority is recorded (add [[priorities]])"
    untold = [p.title for p in current(context) if not p.narrative and not p.description]
    if untold:
        return "priorities with no story of what was done (priorities[].narrative): " + "; ".join(untold)
    return ""


SECTION = ReportSection(
    name="priorities",
    title="Business-plan priorities",
    description="Each priority of the year: the story behind it, actions done, open and overdue, the evidence "
    "and its strength, the board's judgement of progress, the measures and how they moved, and the gaps.",
    build=build,
    missing=missing,
)
