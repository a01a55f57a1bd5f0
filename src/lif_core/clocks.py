"""Review clocks in England working days: the statutory 5-working-day notification, the
15-working-day rapid review, publication within about 6 months, and any clock a board sets.

Bank holidays come from the ``holidays`` library (England, or Wales for Welsh boards), which
computes them offline, including substitute days and one-off holidays such as coronations;
nothing is typed in by hand here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
from collections.abc import Callable

import attrs

from .model import LATEST_DATE, Board, CaseReview, Country, Deadline, ReviewKind

__all__ = ["Clock", "ClockState", "WorkingDays", "add_months", "review_clocks"]


class WorkingDays:
    """Monday to Friday, less the bank holidays of England (``ENG``) or Wales (``WLS``)."""

    def __init__(self, subdivision: str = "ENG") -> None:
        import holidays  # imported when first needed: it takes a noticeable part of start-up

        self.subdivision = subdivision
        self._holidays = holidays.country_holidays("GB", subdiv=subdivision)

    @classmethod
    @functools.cache
    def for_country(cls, country: Country) -> WorkingDays:
        return cls("WLS" if country is Country.WALES else "ENG")

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def holiday(self, day: dt.date) -> str | None:
        """The bank holiday's name on ``day``, if it is one."""
        return self._holidays.get(day)

    def add(self, start: dt.date, days: int) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is day 0). Past the
        last date lif-core accepts (:data:`~lif_core.model.LATEST_DATE`) bank holidays are not
        counted, and a count past the calendar's end stops at its last day."""
        if days < 0:
            raise ValueError("days must be 0 or more")
        day = start
        while days and day <= LATEST_DATE:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                days -= 1
        if days:  # beyond any real date: whole weeks at a time, then the days left
            weeks, days = divmod(days, 5)
            try:
                day += dt.timedelta(weeks=weeks)
                while days:
                    day += dt.timedelta(days=1)
                    if day.weekday() < 5:
                        days -= 1
            except OverflowError:
                return dt.date.max
        return day

    def counter(self) -> Callable[[dt.date, dt.date], int]:
        """A fast ``between`` for many calls: a running count of working days over the range of
        dates seen (grown a year at a time), so each answer is a subtraction."""
        lo = 0
        counts: list[int] = []

        def build(first: int, last: int) -> None:
            nonlocal lo, counts
            lo, running, counts = first, 0, []
            for ordinal in range(first, last + 1):
                if self.is_working_day(dt.date.fromordinal(ordinal)):
                    running += 1
                counts.append(running)

        def cover(first: int, last: int) -> None:
            """Make the running count span ``first`` to ``last`` (both counts share one base)."""
            if not counts:
                build(first - 366, last + 366)
            elif first < lo or last >= lo + len(counts):
                build(min(first - 366, lo), max(last + 366, lo + len(counts) - 1))

        def between(start: dt.date, end: dt.date) -> int:
            a, b = start.toordinal(), end.toordinal()
            if not counts or min(a, b) < lo or max(a, b) >= lo + len(counts):
                cover(min(a, b), max(a, b))
            return counts[b - lo] - counts[a - lo]

        return between

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier)."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for n in range(1, (end - start).days + 1) if self.is_working_day(start + dt.timedelta(days=n)))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it is shorter). Beyond the
    calendar's range (years 1 to 9999) it stops at its first or last day: a window reaching
    back past year 1 reaches back to the beginning, never an error."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class ClockState(str, enum.Enum):
    MET = "met"
    LATE = "met-late"
    RUNNING = "due"
    OVERDUE = "overdue"


@attrs.frozen
class Clock:
    """One deadline of one review.

    Attributes:
        name: what it is (``notification (5 working days)``).
        start_field / end_field: the review dates that start and stop it.
        start: when it started.
        due: when the end date is due.
        done: the end date, if it has happened.
        state: met, met late, due (running) or overdue, as at the day asked about.
        statutory: true for Working Together's clocks, false for the board's own.
    """

    name: str
    start_field: str
    end_field: str
    start: dt.date
    due: dt.date
    done: dt.date | None
    state: ClockState
    statutory: bool

    def describe(self, calendar: WorkingDays) -> str:
        if self.state is ClockState.MET:
            return f"{self.name}: met on {self.done}, due {self.due}"
        if self.state is ClockState.LATE:
            assert self.done is not None
            late = calendar.between(self.due, self.done)
            return f"{self.name}: met {late} working day(s) late on {self.done}, due {self.due}"
        if self.state is ClockState.OVERDUE:
            return f"{self.name}: overdue since {self.due}"
        return f"{self.name}: due {self.due}"


_NOTIFIED = (ReviewKind.SERIOUS_INCIDENT_NOTIFICATION, ReviewKind.RAPID_REVIEW, ReviewKind.LCSPR)
_RAPID = (ReviewKind.RAPID_REVIEW, ReviewKind.LCSPR)
_PUBLISHED = (ReviewKind.LCSPR, ReviewKind.SERIOUS_CASE_REVIEW)


def _clock(
    name: str,
    start_field: str,
    end_field: str,
    start: dt.date,
    due: dt.date,
    review: CaseReview,
    today: dt.date,
    statutory: bool,
) -> Clock:
    done = getattr(review.dates, end_field)
    if done is not None:
        state = ClockState.MET if done <= due else ClockState.LATE
    else:
        state = ClockState.OVERDUE if today > due else ClockState.RUNNING
    return Clock(name, start_field, end_field, start, due, done, state, statutory)


def review_clocks(review: CaseReview, board: Board, today: dt.date) -> list[Clock]:
    """Every clock that has started for ``review``, judged as at ``today``."""
    days = WorkingDays.for_country(board.board.country)
    dates = review.dates
    clocks: list[Clock] = []
    aware = dates.aware or dates.incident
    if review.kind in _NOTIFIED and aware is not None:
        start_field = "aware" if dates.aware else "incident"
        clocks.append(
            _clock(
                "notification to the Panel (5 working days)",
                start_field,
                "notified",
                aware,
                days.add(aware, 5),
                review,
                today,
                True,
            )
        )
    if review.kind in _RAPID and dates.notified is not None:
        clocks.append(
            _clock(
                "rapid review (15 working days from notification)",
                "notified",
                "rapid_review",
                dates.notified,
                days.add(dates.notified, 15),
                review,
                today,
                True,
            )
        )
    if review.kind in _PUBLISHED and dates.decided is not None:
        months = board.settings.publication_months
        clocks.append(
            _clock(
                f"publication ({months} months from the decision)",
                "decided",
                "published",
                dates.decided,
                add_months(dates.decided, months),
                review,
                today,
                True,
            )
        )
    for deadline in board.settings.deadlines:
        clocks += _board_clock(deadline, review, board, days, today)
    return clocks


def _board_clock(
    deadline: Deadline, review: CaseReview, board: Board, days: WorkingDays, today: dt.date
) -> list[Clock]:
    if deadline.kinds and review.kind not in deadline.kinds:
        return []
    start = getattr(review.dates, deadline.from_date)
    if start is None:
        return []
    if deadline.working_days is not None:
        due = days.add(start, deadline.working_days)
    else:
        due = start + dt.timedelta(days=deadline.days or 0)
    return [_clock(deadline.name, deadline.from_date, deadline.to_date, start, due, review, today, False)]
