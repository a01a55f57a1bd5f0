"""A board as it stood on a past day: every record rebuilt from its dated logs and, where the
register lives in a store, from the store's history.

``lif report impact --as-of DAY`` reports on the board as it stood at the end of DAY, so a
report as at a past day is the report that would have been produced that day from the files
as they stood then. :func:`as_at` does it in two steps.

**The store's history** (:func:`stored_as_at`), where the register lives in a store (its file
is in the board folder). Every change the store records is stamped with the moment it was made
(``at``: UTC, ISO 8601, to the microsecond); the end of DAY is the first moment of the next
day in the local time of the computer (the same local day ``lif status`` and ``lif stage``
date their entries by; :func:`day_end`). Replaying the changes stamped before that moment:

- a record the store held then is taken as it stood then: an old value where it has been
  changed since, back where it has been deleted since;
- a record the store had deleted by then is left out, even where it was added again later;
- a record first stored after then was recorded after the event (brought in by ``lif
  import``, added later): it is kept as it is now, and its own dates decide (below).

The store is only read; a board without one is left as its files say.

**The dated logs** (:func:`board_as_at`). Every record says when things happened to it; only
what had happened by the end of the day is kept. A value with no date is taken as it is now:
nothing says when it changed (the board's structure in board.toml, priorities and the board's
judgement of their progress, its narrative files, a status with no log, a record with no day).

- *Case reviews* exist from the first day they record (a stage change, or any key date but the
  incident; the incident where that is all they record; undated reviews always). Their stage is
  that of the last stage change on or before the day; a review known before its first stage
  change is at its kind's first stage; a review with no stage log keeps its stage. Key dates,
  practitioner events and artefacts after the day are dropped; the decision is blank until the
  day it was decided (its ``decided`` date, else the stage change to its kind's decision
  stage); statutory plans that had not started are dropped and those still running have no end.
- *Findings* of a review exist once its report is in (report received, else board response,
  else publication; with none of these, with the review); of a Section 11 cycle, once it was
  moderated (its date); of an audit, with the audit.
- *Recommendations* exist from the day they were made (``made``; else their source's day: an
  audit's, scrutiny's or Section 11 cycle's date, a national review's or inspection's
  publication, a review's board response, else its publication, else its report); undated ones
  with their source (always, where they have none). A recommendation whose source did not yet
  exist did not either.
- *Actions* exist from their own first day (``opened``, or the first status change where that
  is earlier); undated ones with their recommendation. Their status is that of the last status
  change on or before the day, ``not-started`` before the first; an action with no status log
  keeps its status; an ``opened`` day after the day is blank. An action agreed before its
  recommendation was made loses the link until then.
- *Evidence, audits, scrutiny, feedback* exist from their date; *national reviews* and
  *inspection recommendations* from their publication; *people* from ``since`` (``until``
  after the day is blank); feedback not yet acted on by the day has no ``did`` or ``done``.
- *Section 11 cycles* exist from their first return (or their date); returns submitted after
  the day are dropped; a cycle's date is the day its returns were moderated, so before it the
  date and the moderated scores are blank.
- *Planned audits* linked to an audit done after the day lose the link, and were ``planned``
  where they are now ``completed``.
- *Training courses* exist once their period has started; evaluations after the day are
  dropped.
- *Publications* published or sent after the day are not yet.
- *Measures* keep the values, comparators and baseline of periods that had ended by the day
  (a value is known once its period is over); *child death figures* exist once their year has
  ended; *contributions* once their year has started.
- Every reference to something left out is removed with it (nested records too); a record that
  cannot be without it (a finding without its source) is left out as well.

Periods are those boards and data write (:func:`period_bounds_of`): a reporting year
(``2018-19``, also ``2018/19`` and DfE's ``201819``), a calendar year (``2018``), a month
(``2018-06``) or a calendar quarter (``2018-Q2``); a period of no known shape is always kept.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import functools
import re
import types
import weakref
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

import attrs

from .board import LoadedBoard
from .convert import structure
from .frameworks import LIFECYCLE, year_starts_of
from .model import (
    COLLECTIONS,
    REGISTER_COLLECTIONS,
    Action,
    ActionStatus,
    AuditStatus,
    Board,
    CaseReview,
    Frequency,
    ReviewDates,
    Section11Audit,
    Section11Return,
)

if TYPE_CHECKING:
    from .frameworks import StatutoryFramework

__all__ = [
    "as_at",
    "board_as_at",
    "day_end",
    "period_bounds_of",
    "period_end",
    "period_start",
    "replay",
    "review_known",
    "stored_as_at",
    "without_dangling",
]

_PAIR = re.compile(r"^(\d{4})[-/](\d{2})$")  # 2018-19, 2018/19 (a year) or 2018-06 (a month)
_DFE_YEAR = re.compile(r"^(\d{4})(\d{2})$")  # DfE's tidy layout: 201819
_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTHLY = ("monthly", "month")


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def _reporting_year(first: int, year_starts: str) -> tuple[dt.date, dt.date]:
    month, day = (int(p) for p in year_starts.split("-"))
    start = dt.date(first, month, min(day, calendar.monthrange(first, month)[1]))
    return start, _add_months(start, 12) - dt.timedelta(days=1)


def period_bounds_of(
    period: str, year_starts: str = "04-01", *, frequency: str | Frequency | None = None
) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a period as boards and data write it: a reporting year
    (``2018-19``, ``2018/19`` or DfE's ``201819``: the year starting ``year_starts``), a
    calendar year (``2018``), a month (``2018-06``) or a calendar quarter (``2018-Q2``).
    ``None`` where it is none of these.

    ``2011-12`` is both a reporting year and December 2011: a month where ``frequency`` is
    monthly (a measure's), else the year."""
    freq = frequency.value if isinstance(frequency, Frequency) else frequency
    return _bounds(period.strip(), year_starts, freq in _MONTHLY)


@functools.lru_cache(maxsize=4096)
def _bounds(text: str, year_starts: str, monthly: bool) -> tuple[dt.date, dt.date] | None:
    try:
        match = _PAIR.match(text)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            is_year = (first + 1) % 100 == second
            is_month = 1 <= second <= 12 and "/" not in text
            if is_month and (not is_year or monthly):
                return _month(first, second)
            return _reporting_year(first, year_starts) if is_year else None
        match = _DFE_YEAR.match(text)
        if match and (int(match.group(1)) + 1) % 100 == int(match.group(2)):
            return _reporting_year(int(match.group(1)), year_starts)
        match = _QUARTER.match(text)
        if match:
            start = dt.date(int(match.group(1)), 3 * int(match.group(2)) - 2, 1)
            return start, _add_months(start, 3) - dt.timedelta(days=1)
        match = _YEAR.match(text)
        if match:
            return dt.date(int(match.group(1)), 1, 1), dt.date(int(match.group(1)), 12, 31)
    except (ValueError, OverflowError):  # year 0, year 9999's next year...
        return None
    return None


def period_end(period: str, year_starts: str = "04-01", *, frequency: str | Frequency | None = None) -> dt.date | None:
    """The last day of a period (:func:`period_bounds_of`), ``None`` where it has no known shape."""
    bounds = period_bounds_of(period, year_starts, frequency=frequency)
    return bounds[1] if bounds else None


def period_start(
    period: str, year_starts: str = "04-01", *, frequency: str | Frequency | None = None
) -> dt.date | None:
    """The first day of a period (:func:`period_bounds_of`), ``None`` where it has no known shape."""
    bounds = period_bounds_of(period, year_starts, frequency=frequency)
    return bounds[0] if bounds else None


# --------------------------------------------------------------------------- the dated logs


def _after(day: dt.date | None, as_of: dt.date) -> bool:
    return day is not None and day > as_of


_REVIEW_DATES = tuple(f.name for f in attrs.fields(ReviewDates))


def review_known(review: CaseReview) -> dt.date | None:
    """The first day a review's record says it existed: its first stage change or key date
    (the incident aside: it happened before anyone knew), else the incident; ``None`` where it
    records no date at all."""
    days = [c.date for c in review.stage_log[:1]]
    days += [d for name in _REVIEW_DATES if name != "incident" and (d := getattr(review.dates, name)) is not None]
    return min(days, default=review.dates.incident)


def _report_day(review: CaseReview) -> dt.date | None:
    """When a review's findings were known: its report received, else its board response,
    else its publication."""
    d = review.dates
    return d.report_received or d.board_response or d.published


@attrs.frozen
class _Kinds:
    """What a review's kind says about its stages (the framework's, else the usual lifecycle)."""

    framework: StatutoryFramework | None

    def first_stage(self, kind: str) -> str:
        stages = self.framework.stages_of(kind) if self.framework is not None else LIFECYCLE
        return stages[0] if stages else LIFECYCLE[0]

    def decision_stage(self, kind: str) -> str:
        if self.framework is None:
            return "decision"
        spec = self.framework.review_kind(kind)
        return spec.decision_stage if spec is not None else "decision"


def _review(review: CaseReview, as_of: dt.date, kinds: _Kinds) -> CaseReview | None:
    if _after(review_known(review), as_of):
        return None
    changes: dict[str, Any] = {}
    log = tuple(c for c in review.stage_log if c.date <= as_of)
    if len(log) != len(review.stage_log):
        changes["stage_log"] = log
        changes["stage"] = log[-1].stage if log else kinds.first_stage(review.kind)
    if any(_after(getattr(review.dates, n), as_of) for n in _REVIEW_DATES):
        changes["dates"] = ReviewDates(
            **{n: (None if _after(d := getattr(review.dates, n), as_of) else d) for n in _REVIEW_DATES}
        )
    if review.decision:
        decided = review.dates.decided
        if decided is None:
            wanted = kinds.decision_stage(review.kind)
            decided = next((c.date for c in review.stage_log if wanted and c.stage == wanted), None)
        if _after(decided, as_of):
            changes["decision"] = ""
    if any(e.date > as_of for e in review.practitioner_events):
        changes["practitioner_events"] = tuple(e for e in review.practitioner_events if e.date <= as_of)
    if any(_after(a.date, as_of) for a in review.artefacts):
        changes["artefacts"] = tuple(a for a in review.artefacts if not _after(a.date, as_of))
    if any(p.start > as_of or _after(p.end, as_of) for p in review.statutory_plans):
        changes["statutory_plans"] = tuple(
            attrs.evolve(p, end=None) if _after(p.end, as_of) else p for p in review.statutory_plans if p.start <= as_of
        )
    return attrs.evolve(review, **changes) if changes else review


def _action_known(action: Action) -> dt.date | None:
    """An action's own first day: ``opened``, or its first status change where earlier."""
    days = [action.opened] if action.opened is not None else []
    days += [c.date for c in action.status_log[:1]]
    return min(days, default=None)


def _action(action: Action, as_of: dt.date) -> Action:
    changes: dict[str, Any] = {}
    log = tuple(c for c in action.status_log if c.date <= as_of)
    if len(log) != len(action.status_log):
        changes["status"] = log[-1].status if log else ActionStatus.NOT_STARTED
        changes["status_log"] = log
    if _after(action.opened, as_of):  # agreed after its first status change: not yet
        changes["opened"] = None
    return attrs.evolve(action, **changes) if changes else action


def _source_day(board: Board, source: str | None) -> dt.date | None:
    """The day a recommendation's source made it: an audit's, scrutiny's or Section 11 cycle's
    date, a national review's or inspection's publication, a review's board response (else its
    publication, else its report)."""
    if source is None:
        return None
    found = board.index().get(source)
    if found is None:
        return None
    collection, record = found
    if collection == "reviews":
        d = record.dates
        return d.board_response or d.published or d.report_received  # type: ignore[no-any-return]
    if collection in ("national_reviews", "inspection_recommendations"):
        return record.published  # type: ignore[no-any-return]
    day = getattr(record, "date", None)
    return day if isinstance(day, dt.date) else None


def _section11(cycle: Section11Audit, as_of: dt.date) -> Section11Audit | None:
    days = [cycle.date] if cycle.date is not None else []
    days += [r.submitted for r in cycle.returns if r.submitted is not None]
    if _after(min(days, default=None), as_of):
        return None
    returns: tuple[Section11Return, ...] = tuple(r for r in cycle.returns if not _after(r.submitted, as_of))
    if not _after(cycle.date, as_of):
        return cycle if len(returns) == len(cycle.returns) else attrs.evolve(cycle, returns=returns)
    returns = tuple(attrs.evolve(r, scores=tuple(attrs.evolve(s, moderated="") for s in r.scores)) for r in returns)
    return attrs.evolve(cycle, date=None, returns=returns)


def board_as_at(board: Board, as_of: dt.date, *, framework: StatutoryFramework | None = None) -> Board:
    """``board`` as it stood at the end of ``as_of``, from its records' dated logs (see the
    module for the rules). ``framework`` (the board's statutory framework) gives each review
    kind's first and decision stages and the reporting year; without it, the usual lifecycle
    and a year from 1 April."""
    kinds = _Kinds(framework)
    year_starts = year_starts_of(framework)

    over: dict[tuple[str, Frequency | None], bool] = {}  # a period recurs across many measures

    def ended(period: str, frequency: Frequency | None = None) -> bool:
        found = over.get((period, frequency))
        if found is None:
            end = period_end(period, year_starts, frequency=frequency)
            found = over[(period, frequency)] = end is None or end <= as_of
        return found

    def started(period: str) -> bool:
        start = period_start(period, year_starts)
        return start is None or start <= as_of

    reviews = tuple(r for r in (_review(r, as_of, kinds) for r in board.reviews) if r is not None)
    audits = tuple(a for a in board.audits if a.date <= as_of)
    section11 = tuple(c for c in (_section11(c, as_of) for c in board.section11_audits) if c is not None)
    national = tuple(n for n in board.national_reviews if not _after(n.published, as_of))
    scrutiny = tuple(s for s in board.scrutiny if s.date <= as_of)
    inspection = tuple(r for r in board.inspection_recommendations if not _after(r.published, as_of))
    sources = _ids(reviews) | _ids(audits) | _ids(section11) | _ids(national) | _ids(scrutiny) | _ids(inspection)
    # a review's findings come with its report; a Section 11 cycle's with its moderation
    found: dict[str, dt.date | None] = {r.id: _report_day(r) for r in board.reviews}
    found.update((c.id, c.date) for c in board.section11_audits)
    findings = tuple(f for f in board.findings if f.source in sources and not _after(found.get(f.source), as_of))
    recommendations = []
    for rec in board.recommendations:
        if rec.source is not None and rec.source not in sources:
            continue
        if not _after(rec.made or _source_day(board, rec.source), as_of):
            recommendations.append(rec)
    made = _ids(recommendations)
    actions = []
    for action in board.actions:
        known = _action_known(action)
        if known is None:
            if action.recommendation is None or action.recommendation in made:
                actions.append(action)  # undated: with its recommendation, its status as now
        elif known <= as_of:
            actions.append(_action(action, as_of))
    planned = []
    done = _ids(audits)
    for p in board.planned_audits:
        if p.audit is not None and p.audit not in done:
            status = AuditStatus.PLANNED if p.status is AuditStatus.COMPLETED else p.status
            p = attrs.evolve(p, audit=None, status=status)
        planned.append(p)
    measures = []
    for m in board.measures:
        values = tuple(v for v in m.values if ended(v.period, m.frequency))
        comparators = tuple(c for c in m.comparators if ended(c.period, m.frequency))
        baseline = m.baseline if m.baseline is None or ended(m.baseline.period, m.frequency) else None
        if (len(values), len(comparators), baseline) != (len(m.values), len(m.comparators), m.baseline):
            m = attrs.evolve(m, values=values, comparators=comparators, baseline=baseline)
        measures.append(m)
    then: dict[str, tuple[Any, ...]] = dict(
        reviews=reviews,
        audits=audits,
        section11_audits=section11,
        national_reviews=national,
        scrutiny=scrutiny,
        inspection_recommendations=inspection,
        findings=findings,
        recommendations=tuple(recommendations),
        actions=tuple(actions),
        evidence=tuple(e for e in board.evidence if e.date <= as_of),
        feedback=tuple(
            attrs.evolve(f, did="", done=None) if _after(f.done, as_of) else f
            for f in board.feedback
            if f.date <= as_of
        ),
        people=tuple(
            attrs.evolve(p, until=None) if _after(p.until, as_of) else p
            for p in board.people
            if not _after(p.since, as_of)
        ),
        measures=tuple(measures),
        planned_audits=tuple(planned),
        courses=tuple(
            attrs.evolve(c, evaluations=tuple(e for e in c.evaluations if e.date <= as_of))
            if any(e.date > as_of for e in c.evaluations)
            else c
            for c in board.courses
            if started(c.period)
        ),
        publications=tuple(
            attrs.evolve(
                p,
                published=None if _after(p.published, as_of) else p.published,
                sent=None if _after(p.sent, as_of) else p.sent,
            )
            if _after(p.published, as_of) or _after(p.sent, as_of)
            else p
            for p in board.publications
        ),
        child_deaths=tuple(c for c in board.child_deaths if ended(c.period)),
        contributions=tuple(c for c in board.contributions if started(c.period)),
    )
    # a collection as it was where every record is: the board itself where all are
    changes: dict[str, Any] = {n: records for n, records in then.items() if not _same(records, board.collection(n))}
    return without_dangling(attrs.evolve(board, **changes) if changes else board)


def _same(records: tuple[Any, ...], before: tuple[Any, ...]) -> bool:
    """Whether ``records`` are the very records ``before`` holds, in its order."""
    return len(records) == len(before) and all(a is b for a, b in zip(records, before, strict=True))


def _ids(records: Iterable[Any]) -> set[str]:
    return {r.id for r in records}


# --------------------------------------------------------------------------- references


def _nested(tp: Any) -> bool:
    """Whether a field of type ``tp`` may hold records (a record, a tuple or optional of them)."""
    if attrs.has(tp):
        return True
    origin = get_origin(tp)
    if origin in (tuple, Union, types.UnionType):
        return any(_nested(a) for a in get_args(tp) if a is not Ellipsis)
    return False


def _records_in(tp: Any) -> Iterator[Any]:
    """The record types a field of type ``tp`` may hold (in a tuple, an optional...)."""
    if attrs.has(tp):
        yield tp
    elif get_origin(tp) in (tuple, Union, types.UnionType):
        for arg in get_args(tp):
            if arg is not Ellipsis:
                yield from _records_in(arg)


@functools.cache
def _plan(cls: Any) -> tuple[tuple[str, bool, bool], ...]:
    """For a record type: its fields holding references or records that may (at any depth), as
    ``(name, is a reference, required)``. Records that can refer to nothing (a measure's
    values) are not walked: a large board has tens of thousands."""
    return _referring(cls, frozenset())


def _referring(cls: Any, seen: frozenset[Any]) -> tuple[tuple[str, bool, bool], ...]:
    seen = seen | {cls}
    plan = []
    for field in attrs.fields(cls):
        if field.metadata.get("ref"):
            plan.append((field.name, True, field.default is attrs.NOTHING))
        elif _nested(field.type):
            inner = list(_records_in(field.type))
            if any(t in seen or _referring(t, seen) for t in inner):  # a type holding itself: walked
                plan.append((field.name, False, field.default is attrs.NOTHING))
    return tuple(plan)


def _pruned(record: Any, present: set[str] | frozenset[str]) -> Any:
    """``record`` without its references to ids not ``present`` (nested records too; an entry
    of a list that needs a missing record is left out); ``None`` where it needs one itself."""
    changes: dict[str, Any] = {}
    cls: Any = type(record)
    for name, is_ref, required in _plan(cls):
        value = getattr(record, name)
        if is_ref:
            if isinstance(value, tuple):
                if not present.issuperset(value):
                    changes[name] = tuple(v for v in value if v in present)
            elif value is not None and value not in present:
                if required:
                    return None
                changes[name] = None
        elif isinstance(value, tuple):
            items = []
            for item in value:
                new = _pruned(item, present) if attrs.has(type(item)) else item
                if new is not None:
                    items.append(new)
            if len(items) != len(value) or any(a is not b for a, b in zip(items, value, strict=False)):
                changes[name] = tuple(items)
        elif attrs.has(type(value)):
            new = _pruned(value, present)
            if new is None:
                if required:
                    return None
                changes[name] = None
            elif new is not value:
                changes[name] = new
    return attrs.evolve(record, **changes) if changes else record


#: Boards known to refer to no record they do not hold (pruned here, or checked whole by
#: :func:`lif_core.validate.validate_board`), by identity, while they live: pruning one again
#: would walk every record of a large register and change nothing.
_WHOLE: weakref.WeakValueDictionary[int, Board] = weakref.WeakValueDictionary()


def known_whole(board: Board) -> None:
    """Record that every reference in ``board`` names a record it holds (as a board that passed
    validation does), so :func:`without_dangling` gives it back without walking it."""
    _WHOLE[id(board)] = board


def without_dangling(board: Board) -> Board:
    """``board`` with every reference to a record it does not hold removed (in nested records
    too), and every record that cannot be without one left out, until none is left."""
    if _WHOLE.get(id(board)) is board:
        return board
    while True:
        present = {r.id for name in COLLECTIONS for r in board.collection(name)}
        changes: dict[str, Any] = {}
        for name in COLLECTIONS:
            if not _plan(COLLECTIONS[name]):
                continue
            records = board.collection(name)
            kept = tuple(p for p in (_pruned(r, present) for r in records) if p is not None)
            if len(kept) != len(records) or any(a is not b for a, b in zip(kept, records, strict=False)):
                changes[name] = kept
        if not changes:
            known_whole(board)
            return board
        board = attrs.evolve(board, **changes)


# --------------------------------------------------------------------------- the store's history


def day_end(day: dt.date) -> str:
    """The store moment that ends ``day``: the first moment of the next day in this computer's
    local time, in UTC, written as the store stamps its changes (``at``: ISO 8601 with
    microseconds), so moments compare as text. A change stamped before it was made on or
    before ``day``."""
    following = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=1)
    try:
        moment = following.astimezone()  # naive: read as local time, with that day's offset
    except (OverflowError, OSError, ValueError):  # pragma: no cover - outside the platform's clock
        moment = following.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


#: A store's records at a moment, as :meth:`lif_core.store.Register.records_at` lists them, by
#: id: ``(collection, data as it stood then, changed since)``; ``data`` is ``None`` where the
#: record was deleted by then, or where it has not changed since (it is as it is now).
Stored = Mapping[str, tuple[str, Mapping[str, Any] | None, bool]]


def replay(board: Board, stored: Stored) -> Board:
    """``board`` with its register records as a store held them at a moment (``stored``): each
    held then as it stood then (restored where deleted since), those deleted by then left out,
    those first stored later as they are now; in the order the store then listed them, those
    stored later after them. A stored version that no longer reads as a record (written by an
    older lif-core) leaves the record as it is now."""
    changes: dict[str, Any] = {}
    by_collection: dict[str, list[tuple[str, Mapping[str, Any] | None, bool]]] = {}
    for record_id, (collection, data, changed) in stored.items():
        by_collection.setdefault(collection, []).append((record_id, data, changed))
    for name in REGISTER_COLLECTIONS:
        now = board.collection(name)
        then = by_collection.get(name, [])
        if not then:  # none of them stored by then: every one as it is now
            continue
        current = {r.id: r for r in now}
        held: list[Any] = []
        for record_id, data, changed in then:
            record: Any = current.get(record_id)  # unchanged since: as now (absent: deleted then and now)
            if changed:
                if data is None:  # deleted by then
                    continue
                with contextlib.suppress(Exception):  # an old version that no longer reads: as now
                    record = structure(dict(data), COLLECTIONS[name])
            if record is not None:
                held.append(record)
        rebuilt = (*held, *(r for r in now if r.id not in stored))
        if len(rebuilt) != len(now) or any(a is not b for a, b in zip(rebuilt, now, strict=False)):
            changes[name] = rebuilt
    if not changes:  # the store held every record as it is now
        return board
    return without_dangling(attrs.evolve(board, **changes))


def stored_as_at(loaded: LoadedBoard, as_of: dt.date, plugins: Any) -> Board:
    """The board with its register as its store held it at the end of ``as_of`` (see the
    module): ``loaded.board`` itself where the register lives in no store (the board's
    ``settings.store`` is not installed, or its file is not in the board folder). The store is
    opened read-only; one that cannot give its records at a moment (``records_at``) is read
    record by record through its ``history``, which cannot bring back records deleted since."""
    board = loaded.board
    name = board.settings.store
    registry = getattr(plugins, "stores", None)
    if registry is None or name not in registry:
        return board
    backend = registry.get(name)
    exists = getattr(backend, "exists", None)  # a store kept elsewhere (a server) answers itself
    filename = getattr(backend, "filename", "")
    if not (exists(loaded.root) if callable(exists) else bool(filename) and (loaded.root / filename).exists()):
        return board
    moment = day_end(as_of)
    with plugins.using(registry, name):
        register = backend.open_read_only(loaded.root)
        try:
            if hasattr(register, "records_at"):
                stored: dict[str, tuple[str, Mapping[str, Any] | None, bool]] = {
                    record_id: (collection, data, changed)
                    for record_id, collection, data, changed in register.records_at(moment)
                }
            else:
                stored = _from_history(register, board, moment)
        finally:
            register.close()
    return replay(board, stored)


def _from_history(register: Any, board: Board, moment: str) -> dict[str, tuple[str, Mapping[str, Any] | None, bool]]:
    """A store's records at ``moment`` (as :data:`Stored`) from each current record's history."""
    stored: dict[str, tuple[str, Mapping[str, Any] | None, bool]] = {}
    for name in REGISTER_COLLECTIONS:
        for record in board.collection(name):
            changes = register.history(record.id)
            before = [c for c in changes if c.at < moment]
            if before:
                changed = len(before) < len(changes)
                stored[record.id] = (before[-1].collection, before[-1].new if changed else None, changed)
    return stored


def as_at(loaded: LoadedBoard, as_of: dt.date, plugins: Any = None) -> LoadedBoard:
    """The board ``loaded`` as it stood at the end of ``as_of``: from its store's history
    where its register lives in a store (given the plugin host that finds the store), then
    from every record's dated logs (see the module)."""
    board = stored_as_at(loaded, as_of, plugins) if plugins is not None else loaded.board
    then = board_as_at(board, as_of, framework=loaded.framework)
    return attrs.evolve(loaded, board=then, origins=_origins(loaded, then))


def _origins(loaded: LoadedBoard, board: Board) -> dict[tuple[str, int], tuple[str, int]]:
    """Where each record of ``board`` came from, by its id in the board ``loaded`` read."""
    before = loaded.board
    if board is before:
        return dict(loaded.origins)
    origins: dict[tuple[str, int], tuple[str, int]] = {}
    by_id: dict[str, tuple[str, int]] | None = None
    for name in COLLECTIONS:
        records = board.collection(name)
        if records is before.collection(name):  # the same records in the same places
            for i in range(len(records)):
                where = loaded.origins.get((name, i))
                if where is not None:
                    origins[(name, i)] = where
            continue
        if by_id is None:
            by_id = {}
            for other in COLLECTIONS:
                for i, record in enumerate(before.collection(other)):
                    where = loaded.origins.get((other, i))
                    if where is not None:
                        by_id[record.id] = where
        for i, record in enumerate(records):
            found = by_id.get(record.id)
            if found is not None:
                origins[(name, i)] = found
    return origins
