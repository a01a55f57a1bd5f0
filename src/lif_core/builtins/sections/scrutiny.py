"""Report section ``scrutiny``: the independent scrutiny of the arrangements reported in the
twelve months to the report's day: for each piece, who scrutinised and how, what it found, the
partnership's response and the scrutineer's longer account (``scrutiny[].narrative``); then the
recommendations it made, with the progress of the actions taken on them."""

from __future__ import annotations

from typing import Any

from ...clocks import add_months
from ...document import BulletList, Cell, Facts, Paragraph, Section, Table
from ...extensions import ReportSection
from ...inspection import overdue
from ...model import Scrutiny
from ...report.context import SectionContext
from ...report.narrative import read_narrative
from ._common import readable


def in_year(context: SectionContext) -> list[Scrutiny]:
    """The scrutiny reported in the twelve months to the report's day, oldest first."""
    since = add_months(context.as_of, -12)
    return sorted((s for s in context.board.scrutiny if since < s.date <= context.as_of), key=lambda s: s.date)


def scrutineer(context: SectionContext, item: Scrutiny) -> str:
    """Who scrutinised: the person the board records, and the scrutineer as written."""
    names = [context.name(item.person)] if item.person else []
    if item.scrutineer and item.scrutineer not in names:
        names.append(item.scrutineer)
    return "; ".join(names)


def _recommendations(context: SectionContext, item: Scrutiny) -> Table | None:
    recs = [r for r in context.board.recommendations if r.source == item.id]
    if not recs:
        return None
    rows: list[tuple[Cell, ...]] = []
    for r in recs:
        actions = context.index().actions_by_recommendation.get(r.id, [])
        late = overdue(actions, context.as_of)
        if not actions:
            rows.append((r.text, "no action recorded yet", "", None, ""))
        rows += [
            (
                r.text,
                a.text,
                context.name(a.owner) if a.owner else "-",
                a.due,
                readable(a.status.value) + (" (overdue)" if a in late else ""),
            )
            for a in actions
        ]
    return Table(
        ("Recommendation", "Action", "Owner", "Due", "Progress"),
        tuple(rows),
        caption="Its recommendations and the actions taken",
    )


def _part(context: SectionContext, item: Scrutiny) -> Section:
    facts = [("Reported", item.date.isoformat())]
    who = scrutineer(context, item)
    if who:
        facts.append(("Scrutineer", who))
    if item.method:
        facts.append(("How", item.method))
    blocks: list[Any] = [Facts(tuple(facts))]
    blocks.append(BulletList(item.findings) if item.findings else Paragraph("No finding is recorded."))
    blocks.append(Paragraph(f"Response: {item.response}" if item.response else "Response: not yet recorded."))
    recs = _recommendations(context, item)
    if recs is not None:
        blocks.append(recs)
    sections: tuple[Section, ...] = ()
    if item.narrative:
        story, parts = read_narrative(context.loaded.root, item.narrative)
        sections = (Section("The scrutineer's account", story, parts),) if story or parts else ()
    return Section(item.title, tuple(blocks), sections)


def build(context: SectionContext) -> Section:
    items = in_year(context)
    if not items:
        earlier = max(
            (s for s in context.board.scrutiny if s.date <= context.as_of), key=lambda s: s.date, default=None
        )
        text = f"No independent scrutiny is recorded in the twelve months to {context.as_of.isoformat()}."
        if earlier is not None:
            text += f" The latest recorded is {earlier.title}, reported {earlier.date.isoformat()}."
        return Section("", (Paragraph(text),))
    return Section("", (), tuple(_part(context, s) for s in items))


def missing(context: SectionContext) -> str:
    if in_year(context):
        return ""
    return "no independent scrutiny is recorded in the twelve months to the report's day (add [[scrutiny]])"


SECTION = ReportSection(
    name="scrutiny",
    title="Independent scrutiny",
    description="Independent scrutiny reported in the twelve months to the report's day: who, how, the findings, "
    "the response, the scrutineer's account, and the recommendations with their actions' progress.",
    build=build,
    missing=missing,
)
