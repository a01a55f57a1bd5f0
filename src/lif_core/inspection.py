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
                framework_areas=tuple((a.id, a.title, a.id in rec.areas) for a in framework.areas),
                sections=tuple(f"{s.number} {s.title}" for s in board.sections if rec.id in s.supports),
                groups=tuple(groups),
                recommendations=recs,
                actions=actions,
                evidence=tuple(e for e in board.evidence if linked & set(e.supports)),
                as_of=as_of,
            )
        )
    return out
