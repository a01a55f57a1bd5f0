"""The learning loop's analyses: each review's status and clocks, recurring themes and whether
the board has answered them at system level (repeated practice themes left unanswered are a
known barrier to learning), and where partners' planned audits could join up."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import attrs

from .board import LoadedBoard
from .clocks import Clock, ClockState, add_months, review_clocks
from .errors import Problem
from .frameworks import LIFECYCLE
from .model import (
    ActionStatus,
    AuditStatus,
    Board,
    CaseReview,
    PlannedAudit,
    RecommendationLevel,
    Theme,
)
from .plugins import Plugins

__all__ = [
    "JoinUp",
    "RecurringTheme",
    "ReviewStatus",
    "audit_join_ups",
    "recurring_themes",
    "review_date",
    "review_statuses",
]


# --------------------------------------------------------------------------- reviews


def review_date(review: CaseReview) -> dt.date | None:
    """When a review belongs in time: its incident, else when the agency became aware, was
    notified or decided, else its first recorded stage."""
    d = review.dates
    for value in (d.incident, d.aware, d.notified, d.decided):
        if value is not None:
            return value
    return review.stage_log[0].date if review.stage_log else None


@attrs.frozen
class ReviewStatus:
    """Where a review is: its clocks, what is due next, what is overdue, and the methodology's
    verdict on how it is being run."""

    review: CaseReview
    clocks: tuple[Clock, ...]
    problems: tuple[Problem, ...]
    next_stage: str | None

    @property
    def overdue(self) -> tuple[Clock, ...]:
        return tuple(c for c in self.clocks if c.state is ClockState.OVERDUE)

    @property
    def next_due(self) -> Clock | None:
        running = [c for c in self.clocks if c.state is ClockState.RUNNING]
        return min(running, key=lambda c: c.due, default=None)

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)


def review_statuses(loaded: LoadedBoard, plugins: Plugins, today: dt.date) -> list[ReviewStatus]:
    """The status of every review as at ``today``."""
    out = []
    for review in loaded.board.reviews:
        problems: list[Problem] = []
        if review.methodology is not None:
            methodology = plugins.methodologies.get(review.methodology)
            with plugins.using(plugins.methodologies, review.methodology):
                problems = list(methodology.check(review, loaded))
        stages = loaded.framework.stages_of(review.kind) if loaded.framework is not None else LIFECYCLE
        index = stages.index(review.stage) if review.stage in stages else len(stages)
        following = stages[index + 1] if index + 1 < len(stages) else None
        clocks = review_clocks(review, loaded.board, today, loaded.framework)
        out.append(ReviewStatus(review, tuple(clocks), tuple(problems), following))
    return out


# --------------------------------------------------------------------------- recurring themes


@attrs.frozen
class RecurringTheme:
    """A theme raised by several reviews and audits within the window.

    Attributes:
        theme: the theme.
        sources: ids of the reviews and audits that raised it (directly or in their findings);
            a review that follows another (the LCSPR after its rapid review) is the same case,
            named by the first review of it.
        responses: ids of board-level actions and priorities tagged with it (the system-level response).
    """

    theme: Theme
    sources: tuple[str, ...]
    responses: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.sources)

    @property
    def flagged(self) -> bool:
        """Recurring with no system-level response: a known barrier to learning."""
        return not self.responses


def _raised(board: Board, first: dt.date, last: dt.date) -> dict[str, set[str]]:
    by_theme: dict[str, set[str]] = {}
    dated: dict[str, dt.date | None] = {r.id: review_date(r) for r in board.reviews}
    dated.update({a.id: a.date for a in board.audits})
    tagged: list[tuple[str, Iterable[str]]] = [(r.id, r.themes) for r in board.reviews]
    tagged += [(a.id, a.themes) for a in board.audits]
    tagged += [(f.source, f.themes) for f in board.findings if f.source in dated]
    follows = {r.id: r.follows for r in board.reviews if r.follows}
    for source, themes in tagged:
        when = dated[source]
        if when is None or not first <= when <= last:
            continue
        case, seen = source, {source}
        while case in follows and follows[case] in dated and follows[case] not in seen:
            case = follows[case] or case
            seen.add(case)
        for theme in themes:
            by_theme.setdefault(theme, set()).add(case)
    return by_theme


def recurring_themes(
    board: Board, today: dt.date, *, window_months: int | None = None, minimum: int | None = None
) -> list[RecurringTheme]:
    """Themes raised by at least ``minimum`` reviews and audits dated within the
    ``window_months`` before ``today`` (the board's settings by default), most frequent first."""
    window = board.settings.recurring_theme_window_months if window_months is None else window_months
    least = board.settings.recurring_theme_minimum if minimum is None else minimum
    raised = _raised(board, add_months(today, -window), today)
    themes = {t.id: t for t in board.themes}
    out = []
    for theme_id, sources in raised.items():
        if len(sources) < least:
            continue
        responses = [p.id for p in board.priorities if theme_id in p.themes]
        responses += [
            a.id
            for a in board.actions
            if a.level is RecommendationLevel.BOARD and theme_id in a.themes and a.status is not ActionStatus.CANCELLED
        ]
        out.append(RecurringTheme(themes[theme_id], tuple(sorted(sources)), tuple(responses)))
    return sorted(out, key=lambda r: (-r.count, r.theme.id))


# --------------------------------------------------------------------------- audits


@attrs.frozen
class JoinUp:
    """Two partners' planned single-agency audits that share themes and could be done together."""

    first: PlannedAudit
    second: PlannedAudit
    themes: tuple[str, ...]


def audit_join_ups(board: Board, *, within_months: int = 6) -> list[JoinUp]:
    """Pairs of open planned audits by different partners sharing a theme, due within
    ``within_months`` of each other (or either undated)."""
    open_audits = [p for p in board.planned_audits if p.status in (AuditStatus.PLANNED, AuditStatus.IN_PROGRESS)]
    out = []
    for i, a in enumerate(open_audits):
        for b in open_audits[i + 1 :]:
            shared = tuple(sorted(set(a.themes) & set(b.themes)))
            if a.partner == b.partner or not shared:
                continue
            if a.due and b.due and abs((a.due - b.due).days) > within_months * 31:
                continue
            out.append(JoinUp(a, b, shared))
    return out
