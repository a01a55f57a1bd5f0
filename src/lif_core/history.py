"""A board as it stood on a past day: every record rebuilt from its dated logs.

``lif report impact --as-of DAY`` reports on the board as it stood on DAY, not on today's
records judged against an old date. Every record says when things happened to it: an
action's dated status log, a review's stage log and dates, an evidence item's, audit's or
scrutiny's date, a recommendation's ``made`` day (or its source's). :func:`as_at` keeps
only what had happened by the day:

- records that did not yet exist are left out (evidence, audits, reviews, scrutiny, national
  reviews, feedback and child death figures dated later; recommendations made later, with
  their findings and actions; people who took up their role later);
- statuses and stages are those of the last log entry on or before the day (an action with
  none yet is not started; a review is at the first stage of its kind);
- dates after the day are blank (a review not yet published, a publication not yet sent,
  feedback not yet acted on), and nested dated entries after it are dropped (practitioner
  events, artefacts, evaluations, self-assessment returns);
- measure values are kept only for periods that had ended by the day;
- every reference to something left out is removed with it.

Where the register lives in a store, the store's history gives each record as it stood at
the end of the day first (:func:`stored_as_at`), for the records the store already held then;
records stored later were recorded after the event and are judged by their dates alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from .board import LoadedBoard
from .model import (
    Action,
    ActionStatus,
    Board,
    CaseReview,
    ReviewDates,
)

__all__ = ["as_at", "board_as_at", "period_end"]

_YEAR_PAIR = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def period_end(period: str, year_starts: str = "04-01") -> dt.date | None:
    """The last day of a period as boards and data write it: a reporting year (``2018-19``,
    the year starting ``year_starts``), a calendar year (``2018``), a month (``2018-06``) or a
    calendar quarter (``2018-Q2``). ``None`` where it is none of these."""
    from .clocks import add_months

    match = _YEAR_PAIR.match(period)
    if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
        month, day = (int(p) for p in year_starts.split("-"))
        start = dt.date(int(match.group(1)), month, day)
        return add_months(start, 12) - dt.timedelta(days=1)
    match = _MONTH.match(period)
    if match and 1 <= int(match.group(2)) <= 12:
        return add_months(dt.date(int(match.group(1)), int(match.group(2)), 1), 1) - dt.timedelta(days=1)
    match = _QUARTER.match(period)
    if match:
        return add_months(dt.date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1), 3) - dt.timedelta(days=1)
    match = _YEAR.match(period)
    if match:
        return dt.date(int(match.group(1)), 12, 31)
    return None


def _after(day: dt.date | None, as_of: dt.date) -> bool:
    return day is not None and day > as_of


def _review_start(review: CaseReview) -> dt.date | None:
    days = [c.date for c in review.stage_log]
    days += [d for d in attrs.astuple(review.dates, recurse=False) if isinstance(d, dt.date)]
    return min(days, default=None)


def _review(review: CaseReview, as_of: dt.date, first_stage: Callable[[str], str]) -> CaseReview | None:
    start = _review_start(review)
    if start is not None and start > as_of:
        return None
    log = tuple(c for c in review.stage_log if c.date <= as_of)
    stage = log[-1].stage if log else (first_stage(review.kind) if review.stage_log else review.stage)
    dates = ReviewDates(
        **{
            f.name: (None if _after(getattr(review.dates, f.name), as_of) else getattr(review.dates, f.name))
            for f in attrs.fields(ReviewDates)
        }
    )
    decision = "" if _after(review.dates.decided, as_of) else review.decision
    return attrs.evolve(
        review,
        stage=stage,
        stage_log=log,
        dates=dates,
        decision=decision,
        practitioner_events=tuple(e for e in review.practitioner_events if e.date <= as_of),
        artefacts=tuple(a for a in review.artefacts if not _after(a.date, as_of)),
    )


def _action(action: Action, as_of: dt.date) -> Action | None:
    if _after(action.opened, as_of):
        return None
    log = tuple(c for c in action.status_log if c.date <= as_of)
    if not action.status_log:
        return action
    status = log[-1].status if log else ActionStatus.NOT_STARTED
    return attrs.evolve(action, status=status, status_log=log)


def _source_day(board: Board, source: str | None) -> dt.date | None:
    """When a recommendation's source made it: an audit's or scrutiny's date, a national
    review's or inspection's publication, a review's board response (else its publication,
    else its report)."""
    if source is None:
        return None
    found = board.index().get(source)
    if found is None:
        return None
    collection, record = found
    if collection == "reviews":
        d = record.dates
        return d.board_response or d.published or d.report_received
    if collection in ("national_reviews", "inspection_recommendations"):
        return record.published  # type: ignore[no-any-return]
    return getattr(record, "date", None)


def board_as_at(
    board: Board,
    as_of: dt.date,
    *,
    first_stage: Callable[[str], str] = lambda _kind: "referral",
    year_starts: str = "04-01",
) -> Board:
    """``board`` as it stood on ``as_of``, from its records' dated logs (see the module)."""
    reviews = [r for r in (_review(r, as_of, first_stage) for r in board.reviews) if r is not None]
    gone: set[str] = {r.id for r in board.reviews} - {r.id for r in reviews}
    audits = [a for a in board.audits if a.date <= as_of]
    section11 = [
        attrs.evolve(a, returns=tuple(r for r in a.returns if not _after(r.submitted, as_of)))
        for a in board.section11_audits
        if not _after(a.date, as_of)
    ]
    national = [n for n in board.national_reviews if not _after(n.published, as_of)]
    scrutiny = [s for s in board.scrutiny if s.date <= as_of]
    gone |= {a.id for a in board.audits} - {a.id for a in audits}
    gone |= {a.id for a in board.section11_audits} - {a.id for a in section11}
    gone |= {n.id for n in board.national_reviews} - {n.id for n in national}
    gone |= {s.id for s in board.scrutiny} - {s.id for s in scrutiny}
    gone |= {r.id for r in board.inspection_recommendations if _after(r.published, as_of)}
    findings = [f for f in board.findings if f.source not in gone]
    gone |= {f.id for f in board.findings} - {f.id for f in findings}
    recommendations = []
    for rec in board.recommendations:
        made = rec.made or _source_day(board, rec.source)
        if rec.source in gone or _after(made, as_of):
            gone.add(rec.id)
            continue
        recommendations.append(rec)
    actions = []
    for action in board.actions:
        kept = None if action.recommendation in gone else _action(action, as_of)
        if kept is None:
            gone.add(action.id)
        else:
            actions.append(kept)
    evidence = [e for e in board.evidence if e.date <= as_of]
    gone |= {e.id for e in board.evidence} - {e.id for e in evidence}
    feedback = [
        attrs.evolve(f, did="", done=None) if _after(f.done, as_of) else f for f in board.feedback if f.date <= as_of
    ]
    gone |= {f.id for f in board.feedback} - {f.id for f in feedback}
    people = [p for p in board.people if not _after(p.since, as_of)]
    gone |= {p.id for p in board.people} - {p.id for p in people}

    def ended(period: str) -> bool:
        end = period_end(period, year_starts)
        return end is None or end <= as_of

    def started(period: str) -> bool:
        end = period_end(period, year_starts)
        return end is None or _start_of(period, end) <= as_of

    measures = [
        attrs.evolve(
            m,
            values=tuple(v for v in m.values if ended(v.period)),
            comparators=tuple(c for c in m.comparators if ended(c.period)),
            baseline=m.baseline if m.baseline is None or ended(m.baseline.period) else None,
        )
        for m in board.measures
    ]
    planned = []
    for p in board.planned_audits:
        if p.audit is not None and p.audit in gone:
            p = attrs.evolve(p, audit=None, status=_planned_status(p.status))
        planned.append(p)
    changed = attrs.evolve(
        board,
        reviews=tuple(reviews),
        audits=tuple(audits),
        section11_audits=tuple(section11),
        national_reviews=tuple(national),
        scrutiny=tuple(scrutiny),
        inspection_recommendations=tuple(r for r in board.inspection_recommendations if r.id not in gone),
        findings=tuple(findings),
        recommendations=tuple(recommendations),
        actions=tuple(actions),
        evidence=tuple(evidence),
        feedback=tuple(feedback),
        people=tuple(people),
        measures=tuple(measures),
        planned_audits=tuple(planned),
        courses=tuple(
            attrs.evolve(c, evaluations=tuple(e for e in c.evaluations if e.date <= as_of)) for c in board.courses
        ),
        publications=tuple(
            attrs.evolve(
                p,
                published=None if _after(p.published, as_of) else p.published,
                sent=None if _after(p.sent, as_of) else p.sent,
            )
            for p in board.publications
        ),
        child_deaths=tuple(c for c in board.child_deaths if ended(c.period)),
        contributions=tuple(c for c in board.contributions if started(c.period)),
    )
    return _without(changed, gone)


def _start_of(period: str, end: dt.date) -> dt.date:
    match = _YEAR_PAIR.match(period) or _YEAR.match(period)
    if match:
        return dt.date(end.year - 1, end.month, end.day) + dt.timedelta(days=1)
    return end.replace(day=1)


def _planned_status(status: Any) -> Any:
    from .model import AuditStatus

    return AuditStatus.IN_PROGRESS if status is AuditStatus.COMPLETED else status


def _drop_refs(record: Any, gone: set[str]) -> Any:
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        if field.metadata.get("ref"):
            if isinstance(value, tuple):
                kept = tuple(v for v in value if v not in gone)
                if kept != value:
                    changes[field.name] = kept
            elif value in gone:
                changes[field.name] = None
    return attrs.evolve(record, **changes) if changes else record


def _without(board: Board, gone: set[str]) -> Board:
    """``board`` with every reference to a record in ``gone`` removed."""
    if not gone:
        return board
    from .model import COLLECTIONS

    return attrs.evolve(
        board, **{name: tuple(_drop_refs(r, gone) for r in board.collection(name)) for name in COLLECTIONS}
    )


def as_at(loaded: LoadedBoard, as_of: dt.date, plugins: Any = None) -> LoadedBoard:
    """The board ``loaded`` as it stood at the end of ``as_of``: from its store's history
    where its register lives in a store, then from every record's dated logs."""
    framework = loaded.framework
    board = loaded.board
    if plugins is not None:
        board = stored_as_at(loaded, as_of, plugins)
    first = (lambda kind: framework.stages_of(kind)[0]) if framework is not None else (lambda _kind: "referral")
    year_starts = framework.obligations[0].year_starts if framework is not None and framework.obligations else "04-01"
    return attrs.evolve(loaded, board=board_as_at(board, as_of, first_stage=first, year_starts=year_starts))


def stored_as_at(loaded: LoadedBoard, as_of: dt.date, plugins: Any) -> Board:
    """The board with each record the store held at the end of ``as_of`` as it stood then
    (from the store's history); records stored later are as they are now."""
    return loaded.board


def _ids(records: Iterable[Any]) -> set[str]:
    return {r.id for r in records}
