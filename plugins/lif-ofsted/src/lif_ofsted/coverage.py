"""Inspection coverage: for each inspection recommendation, what answers it, what evidence
supports it, and where the gaps are."""

from __future__ import annotations

import datetime as dt

import attrs

from lif_core import Document, LoadedBoard, Plugins
from lif_core.document import BulletList, Facts, Paragraph, Section, Table
from lif_core.model import Action, ActionStatus, Evidence, InspectionRecommendation, Strength

_CLOSED = (ActionStatus.COMPLETED, ActionStatus.CANCELLED)
_RANK = {Strength.WEAK: 0, Strength.MODERATE: 1, Strength.STRONG: 2}


@attrs.frozen
class Coverage:
    """How one inspection recommendation is answered and evidenced."""

    recommendation: InspectionRecommendation
    framework_title: str
    areas: tuple[str, ...]
    sections: tuple[str, ...]
    groups: tuple[str, ...]
    recommendations: tuple[str, ...]
    actions: tuple[Action, ...]
    evidence: tuple[Evidence, ...]
    as_of: dt.date

    @property
    def overdue(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.status not in _CLOSED and a.due is not None and a.due < self.as_of)

    @property
    def done(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.status is ActionStatus.COMPLETED)

    @property
    def strongest(self) -> Strength | None:
        return max((e.strength for e in self.evidence), key=_RANK.__getitem__, default=None)

    @property
    def gaps(self) -> tuple[str, ...]:
        out = []
        if not (self.sections or self.groups or self.recommendations or self.actions):
            out.append("nothing answers it: no framework section, group, recommendation or action")
        if not self.evidence:
            out.append("no evidence")
        elif self.strongest is Strength.WEAK:
            out.append("evidence of activity only: nothing moderate or strong shows impact")
        if self.overdue:
            out.append(f"{len(self.overdue)} action(s) overdue")
        return tuple(out)


def coverage(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> list[Coverage]:
    board = loaded.board
    out = []
    for rec in board.inspection_recommendations:
        framework = plugins.inspection_frameworks.get(rec.framework)
        recs = tuple(r.id for r in board.recommendations if r.source == rec.id)
        actions = tuple(a for a in board.actions if a.recommendation in recs)
        linked = {rec.id, *recs, *(a.id for a in actions)}
        groups = [g.name for g in board.groups if rec.id in g.responsible_for]
        if rec.owner is not None:
            owner = board.get(rec.owner).name
            if owner not in groups:
                groups.insert(0, owner)
        out.append(
            Coverage(
                recommendation=rec,
                framework_title=framework.title,
                areas=tuple(a.title for a in (framework.area(x) for x in rec.areas) if a is not None),
                sections=tuple(f"{s.number} {s.title}" for s in board.sections if rec.id in s.supports),
                groups=tuple(groups),
                recommendations=recs,
                actions=actions,
                evidence=tuple(e for e in board.evidence if linked & set(e.supports)),
                as_of=as_of,
            )
        )
    return out


def coverage_document(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> Document:
    rows = coverage(loaded, plugins, as_of)
    table = Table(
        ("No.", "Areas", "Sections", "Responsible", "Actions done/open/overdue", "Evidence", "Gaps"),
        tuple(
            (
                c.recommendation.number,
                "; ".join(c.areas),
                ", ".join(s.split(" ", 1)[0] for s in c.sections),
                ", ".join(c.groups),
                f"{len(c.done)}/{len(c.actions) - len(c.done)}/{len(c.overdue)}",
                f"{len(c.evidence)} ({c.strongest.value})" if c.strongest else "0",
                "; ".join(c.gaps) or "none",
            )
            for c in rows
        ),
    )
    detail = []
    for c in rows:
        facts = [
            ("Framework", c.framework_title),
            ("Inspection", c.recommendation.inspection or "-"),
            ("Framework sections", ", ".join(c.sections) or "-"),
            ("Responsible", ", ".join(c.groups) or "-"),
            ("Recommendations made in response", ", ".join(c.recommendations) or "-"),
        ]
        blocks: list[Paragraph | Facts | BulletList | Table] = [Paragraph(c.recommendation.text), Facts(tuple(facts))]
        if c.evidence:
            blocks.append(
                Table(
                    ("Evidence", "Kind", "Date", "Strength"),
                    tuple((e.title, e.kind.value, e.date.isoformat(), e.strength.value) for e in c.evidence),
                )
            )
        if c.gaps:
            blocks.append(BulletList(tuple(f"Gap: {g}" for g in c.gaps)))
        detail.append(Section(f"[{c.recommendation.number}]", tuple(blocks)))
    return Document(
        kind="inspection-coverage",
        title=f"{loaded.board.board.name}: inspection recommendations",
        subtitle=f"Coverage as at {as_of.isoformat()}",
        sections=(Section("Coverage", (table,)), Section("Each recommendation", (), tuple(detail))),
    )
