"""Report section ``feedback``: "you said, we did": what children, young people, parents and
carers, families, practitioners and the community told the partnership in the twelve months to
the report's day, how it was sought, what the partnership did about it (or that it has not yet
acted), and the priorities, recommendations and actions it informed; with older feedback still
not acted on, so it is not lost."""

from __future__ import annotations

from ...clocks import add_months
from ...document import Cell, Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Feedback, FeedbackFrom
from ...report.context import SectionContext
from ._common import BOARD, readable

#: Feedback from these is feedback from children and families.
CHILDREN_AND_FAMILIES = (
    FeedbackFrom.CHILDREN,
    FeedbackFrom.YOUNG_PEOPLE,
    FeedbackFrom.PARENTS_AND_CARERS,
    FeedbackFrom.FAMILIES,
)

NOT_ACTED = "not yet acted on"


def shown(context: SectionContext) -> list[Feedback]:
    """The feedback the section shows: given in the twelve months to the report's day, or
    earlier and not yet acted on; oldest first."""
    since = add_months(context.as_of, -12)
    return sorted(
        (f for f in context.board.feedback if f.date <= context.as_of and (f.date > since or not f.did)),
        key=lambda f: f.date,
    )


def build(context: SectionContext) -> Section:
    items = shown(context)
    if not items:
        return Section(
            "", (Paragraph("No feedback from children, families or practitioners is recorded for the year."),)
        )
    rows: list[tuple[Cell, ...]] = [
        (
            readable(f.given_by.value),
            f.date,
            f.how or "-",
            f.said,
            f.did or NOT_ACTED,
            f.done,
            "; ".join(context.name(i) for i in f.supports) or "-",
        )
        for f in items
    ]
    said = Table(
        ("Who", "When", "How it was sought", "What they said", "What we did", "Done", "What it informed"),
        tuple(rows),
        caption="You said, we did",
    )
    counts: list[tuple[Cell, ...]] = []
    for who in FeedbackFrom:
        mine = [f for f in items if f.given_by is who]
        if mine:
            counts.append((readable(who.value), Count(len(mine), BOARD), Count(sum(bool(f.did) for f in mine), BOARD)))
    counts.append(("All", Count(len(items), BOARD), Count(sum(bool(f.did) for f in items), BOARD)))
    by_who = Table(
        ("Who gave it", "Feedback", "Acted on"),
        tuple(counts),
        caption="Feedback by who gave it",
        total_row=True,
    )
    return Section("", (by_who, said))


def missing(context: SectionContext) -> str:
    if any(f.given_by in CHILDREN_AND_FAMILIES for f in shown(context)):
        return ""
    return (
        "no feedback from children or families is recorded for the year (add [[feedback]] with given_by "
        + ", ".join(w.value for w in CHILDREN_AND_FAMILIES)
        + ")"
    )


SECTION = ReportSection(
    name="feedback",
    title="What children and families told us, and what changed",
    description="You said, we did: feedback of the twelve months to the report's day (and older feedback not yet "
    "acted on): who gave it, how it was sought, what they said, what was done and when, what it informed; "
    "with counts by who gave it.",
    build=build,
    missing=missing,
)
