"""Inspection coverage: for each inspection recommendation, what answers it (framework
sections, groups, recommendations and actions), the evidence that supports it and its strength,
and the gaps; and the coverage matrix of recommendation x framework area x evidence."""

from __future__ import annotations

import datetime as dt

import attrs

from .board import LoadedBoard
from .model import Action, ActionStatus, Evidence, InspectionRecommendation, Strength
from .plugins import Plugins

__all__ = ["Coverage", "coverage", "strongest"]

CLOSED = (ActionStatus.COMPLETED, ActionStatus.CANCELLED)
RANK = {Strength.WEAK: 0, Strength.MODERATE: 1, Strength.STRONG: 2}


def strongest(evidence: tuple[Evidence, ...] | list[Evidence]) -> Strength | None:
    return max((e.strength for e in evidence), key=RANK.__getitem__, default=None)


def overdue(actions: tuple[Action, ...] | list[Action], as_of: dt.date) -> tuple[Action, ...]:
    return tuple(a for a in actions if a.status not in CLOSED and a.due is not None and a.due < as_of)


@attrs.frozen
class Coverage:
    """How one inspection recommendation is answered and evidenced.

    Attributes:
        framework_areas: every area of the recommendation's framework, with whether it concerns it.
    """

    recommendation: InspectionRecommendation
    framework_title: str
    framework_areas: tuple[tuple[str, str, bool], ...]
    sections: tuple[str, ...]
    groups: tuple[str, ...]
    recommendations: tuple[str, ...]
    actions: tuple[Action, ...]
    evidence: tuple[Evidence, ...]
    as_of: dt.date

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(title for _, title, hit in self.framework_areas if hit)

    @property
    def overdue(self) -> tuple[Action, ...]:
        return overdue(self.actions, self.as_of)

    @property
    def done(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if a.status is ActionStatus.COMPLETED)

    @property
    def strongest(self) -> Strength | None:
        return strongest(self.evidence)

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
            late = len(self.overdue)
            out.append(f"{late} action{'s' if late != 1 else ''} overdue")
        return tuple(out)


def coverage(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> list[Coverage]:
    """Coverage of every inspection recommendation of the board, as at ``as_of``."""
    board = loaded.board
    inspection = board.inspection_recommendations
    # Who answers each inspection recommendation, found in one pass over each collection (a
    # board has thousands of recommendations and actions and tens of thousands of evidence
    # items): by id, the inspection recommendations (their positions) a record is linked to.
    answering: dict[str | None, list[int]] = {}
    linked: dict[str, list[int]] = {}
    for i, rec in enumerate(inspection):
        answering.setdefault(rec.id, []).append(i)
        linked.setdefault(rec.id, []).append(i)
    recs: list[list[str]] = [[] for _ in inspection]
    for r in board.recommendations:
        for i in answering.get(r.source, ()):
            recs[i].append(r.id)
            linked.setdefault(r.id, []).append(i)
    by_rec: dict[str, list[int]] = {}
    for i, ids in enumerate(recs):
        for rec_id in dict.fromkeys(ids):
            by_rec.setdefault(rec_id, []).append(i)
    actions: list[list[Action]] = [[] for _ in inspection]
    for a in board.actions:
        for i in by_rec.get(a.recommendation, ()) if a.recommendation is not None else ():
            actions[i].append(a)
            linked.setdefault(a.id, []).append(i)
    evidence: list[list[Evidence]] = [[] for _ in inspection]
    named = linked.keys()
    for e in board.evidence:
        if named.isdisjoint(e.supports):  # most evidence answers none
            continue
        for i in sorted({i for target in e.supports for i in linked.get(target, ())}):
            evidence[i].append(e)
    out = []
    for i, rec in enumerate(inspection):
        framework = plugins.inspection_frameworks.get(rec.framework)
        groups = [g.name for g in board.groups if rec.id in g.responsible_for]
        if rec.owner is not None:
            owner = board.get(rec.owner).name
            if owner not in groups:
                groups.insert(0, owner)
        out.append(
            Coverage(
                recommendation=rec,
                framework_title=framework.title,
                framework_areas=tuple((a.id, a.title, a.id in rec.areas) for a in framework.areas),
                sections=tuple(f"{s.number} {s.title}" for s in board.sections if rec.id in s.supports),
                groups=tuple(groups),
                recommendations=tuple(recs[i]),
                actions=tuple(actions[i]),
                evidence=tuple(evidence[i]),
                as_of=as_of,
            )
        )
    return out
