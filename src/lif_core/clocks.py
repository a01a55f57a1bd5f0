"""Review clocks in working days: the statutory clocks each review kind of the board's
framework declares (England: the 5-working-day notification, the 15-working-day rapid review,
publication within about 6 months), any clock a board sets, and the dates recurring
publications are due.

Public holidays come from the ``holidays`` library for the framework's calendar (England,
Wales, Scotland, Northern Ireland...), which computes them offline, including substitute days
and one-off holidays such as coronations; a board adds its own closure days
(``settings.closures``). Nothing is typed in by hand here.

Importing the library and computing a calendar take a noticeable part of a short command's
time, so a calendar's holidays for every year lif-core takes a date in (1900 to 2100) are
computed once and cached per user (:func:`~lif_core.files.user_cache_dir`), one JSON file per
calendar, library version and language: holiday dates and names only, never a board's data.
A missing, corrupt or stale file is computed again; a day outside those years, or a cache
that cannot be used, is the library's answer as before.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
import functools
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs

from .errors import LifError
from .files import read_text, user_cache_dir, write_cache_file
from .frameworks import ClockRule, StatutoryFramework, due_date, period_bounds
from .model import EARLIEST_DATE, LATEST_DATE, Board, CaseReview, Deadline, Publication
from .plugins import installed_version

__all__ = [
    "Clock",
    "ClockState",
    "PublicationDue",
    "WorkingDays",
    "add_months",
    "board_calendar",
    "publications_due",
    "review_clocks",
]


#: The years whose public holidays are cached: every year lif-core takes a date in.
_YEARS = range(EARLIEST_DATE.year, LATEST_DATE.year + 1)
#: Changed whenever what a cache file holds changes, so older files are never read.
_CACHE_FORMAT = 1


def _cache_key(country: str, subdivision: str) -> dict[str, Any] | None:
    """What a calendar's cached holidays depend on: the ``holidays`` library's version, the
    calendar, the years, and the language the library names holidays in (where none is given,
    gettext's, from the environment). ``None`` (no cache) where the version cannot be read."""
    library = _library_version()
    if library is None:  # pragma: no cover - holidays is a dependency
        return None
    language = next((v for v in map(os.environ.get, ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")) if v), "")
    return {
        "cache": "lif-core public holidays",
        "format": _CACHE_FORMAT,
        "holidays": library,
        "country": country,
        "subdivision": subdivision,
        "language": language,
        "years": [_YEARS[0], _YEARS[-1]],
    }


@functools.cache
def _library_version() -> str | None:
    """The ``holidays`` library's version, read once (a board's calendars each ask for it)."""
    return installed_version("holidays")


def _cache_path(key: dict[str, Any]) -> Path | None:
    """The cache file of ``key``'s holidays (its country named, for whoever looks), if any."""
    folder, country = user_cache_dir(), key["country"]
    if folder is None or not (country.isascii() and country.isalnum()):
        return None
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return folder / f"holidays-{country}-{digest}.json"


def _read_cache(path: Path, key: dict[str, Any]) -> dict[dt.date, str] | None:
    """The cached holidays in ``path`` if it holds exactly ``key``'s; ``None`` for a missing,
    unreadable, corrupt or stale file (then built again)."""
    try:
        text = read_text(path, limit=1024 * 1024)
    except LifError:
        return None
    seen = (text, json.dumps(key, sort_keys=True))
    if seen in _READ:  # the same text read before, for the same key: the same dates
        return _READ[seen]
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("dates"), dict):
            return None
        dates = {dt.date.fromisoformat(day): name for day, name in data["dates"].items()}
    except (ValueError, TypeError):
        return None
    first, last = _YEARS[0], _YEARS[-1]
    if not all(isinstance(name, str) and first <= day.year <= last for day, name in dates.items()):
        return None
    if len(_READ) >= 8:
        _READ.clear()
    _READ[seen] = dates  # never changed: shared by the calendars read from it
    return dates


#: The holidays read from a cache file's text, by that text and the key it was read for: a
#: board's calendars (one per set of closure days) and its framework's read one file once.
_READ: dict[tuple[str, str], dict[dt.date, str]] = {}


def _write_cache(path: Path, key: dict[str, Any], dates: dict[dt.date, str]) -> None:
    text = json.dumps({"key": key, "dates": {day.isoformat(): name for day, name in sorted(dates.items())}})
    write_cache_file(path, text)


class WorkingDays:
    """Monday to Friday, less the public holidays of one calendar (by default England's:
    country ``GB``, subdivision ``ENG``) and any closure days given."""

    def __init__(self, subdivision: str = "ENG", *, country: str = "GB", closures: Iterable[dt.date] = ()) -> None:
        self.country = country
        self.subdivision = subdivision
        self.closures = frozenset(closures)
        self._library: Any = None
        # The public holidays from self._first to self._last by date; any other day's from the
        # library when first asked about.
        self._dates: dict[dt.date, str] = {}
        self._first, self._last = dt.date.min, dt.date.max
        if country:
            key = _cache_key(country, subdivision)
            path = _cache_path(key) if key is not None else None
            dates = _read_cache(path, key) if path is not None and key is not None else None
            if dates is None and path is not None and key is not None:
                dates = self._from_library(_YEARS)  # (refuses a calendar the library does not know)
                _write_cache(path, key, dates)
            if dates is None:  # no cache: every year from the library
                self._first, self._last = dt.date.max, dt.date.min
                self._holidays()
            else:
                self._dates, self._first, self._last = dates, dt.date(_YEARS[0], 1, 1), dt.date(_YEARS[-1], 12, 31)

    def _holidays(self) -> Any:
        """The ``holidays`` library's calendar (imported when first needed: importing it
        takes a noticeable part of start-up), its years computed as they are asked about."""
        if self._library is None:
            import holidays

            try:
                self._library = holidays.country_holidays(self.country, subdiv=self.subdivision or None)
            except (NotImplementedError, KeyError, ValueError, AttributeError, TypeError):
                where = f"{self.country}-{self.subdivision}" if self.subdivision else self.country
                raise LifError(
                    f"{where!r} is not a holiday calendar the holidays library knows: give an ISO 3166 country "
                    "code and one of its subdivisions (GB-ENG, GB-WLS, GB-SCT, GB-NIR)"
                ) from None
        return self._library

    def _from_library(self, years: range) -> dict[dt.date, str]:
        """The library's public holidays in ``years``, by date."""
        library = self._holidays()
        for year in years:
            library.get(dt.date(year, 1, 1))  # computes the year
        return {day: str(name) for day, name in library.items() if day.year in years}

    @classmethod
    @functools.cache
    def for_calendar(cls, country: str, subdivision: str, closures: frozenset[dt.date] = frozenset()) -> WorkingDays:
        """One shared calendar per country, subdivision and set of closures."""
        return cls(subdivision, country=country, closures=closures)

    def is_working_day(self, day: dt.date) -> bool:
        if day.weekday() >= 5 or day in self.closures:
            return False
        if self._first <= day <= self._last:
            return day not in self._dates
        return day not in self._holidays()

    def holiday(self, day: dt.date) -> str | None:
        """The public holiday's name on ``day``, if it is one."""
        if self._first <= day <= self._last:
            return self._dates.get(day)
        name = self._holidays().get(day)
        return str(name) if name is not None else None

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

    @functools.cached_property
    def _days_off(self) -> frozenset[int]:
        """The ordinals of the public holidays from ``_first`` to ``_last`` and the closures."""
        return frozenset(day.toordinal() for day in (*self._dates, *self.closures))

    def counter(self) -> Callable[[dt.date, dt.date], int]:
        """A fast ``between`` for many calls: a running count of working days over the range of
        dates seen (grown a year at a time), so each answer is a subtraction."""
        lo = 0
        counts: list[int] = []

        def build(first: int, last: int) -> None:
            nonlocal lo, counts
            days = range(first, last + 1)
            if self._first.toordinal() <= first and last <= self._last.toordinal():
                # Within the cached years, by ordinal (day 1 was a Monday: a Saturday's ordinal
                # is 6 modulo 7, a Sunday's 0), without making a date of each day: the week's
                # pattern repeated over the range, and the days off in it taken out.
                week = [int(ordinal % 7 not in (0, 6)) for ordinal in range(first, first + 7)]
                working = (week * (len(days) // 7 + 1))[: len(days)]
                for ordinal in self._days_off:
                    if first <= ordinal <= last:
                        working[ordinal - first] = 0
            else:
                working = [int(self.is_working_day(dt.date.fromordinal(ordinal))) for ordinal in days]
            lo, counts = first, list(itertools.accumulate(working))

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
    """Where a deadline stands: met in time, met late, still running (due) or overdue."""

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
        statutory: true for the framework's clocks, false for the board's own.
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


def board_calendar(board: Board, framework: StatutoryFramework | None) -> WorkingDays:
    """The working days a board's clocks count: its framework's public holidays (none without
    a framework) and the board's own closure days."""
    closures = frozenset(day for closure in board.settings.closures for day in closure.days())
    if framework is None:
        return WorkingDays.for_calendar("", "", closures)
    cal = framework.calendar
    return WorkingDays.for_calendar(cal.country, cal.subdivision, closures)


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


def _statutory_clock(
    rule: ClockRule, review: CaseReview, board: Board, days: WorkingDays, today: dt.date
) -> Clock | None:
    start_field = next((f for f in rule.start if getattr(review.dates, f) is not None), None)
    if start_field is None:
        return None
    start: dt.date = getattr(review.dates, start_field)
    name = rule.name
    if rule.working_days is not None:
        due = days.add(start, rule.working_days)
    elif rule.days is not None:
        due = _add_days(start, rule.days)
    else:
        months = rule.months or 0
        if rule.setting:
            setting = getattr(board.settings, rule.setting, None)
            if isinstance(setting, int) and setting != months:
                months = setting
                name = name.replace(f"{rule.months} months", f"{months} months")
        due = add_months(start, months)
    return _clock(name, start_field, rule.end, start, due, review, today, True)


def _add_days(start: dt.date, days: int) -> dt.date:
    try:
        return start + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max


def review_clocks(
    review: CaseReview, board: Board, today: dt.date, framework: StatutoryFramework | None = None
) -> list[Clock]:
    """Every clock that has started for ``review``, judged as at ``today``: the clocks its
    kind has under ``framework`` (none without one), then the board's own deadlines."""
    days = board_calendar(board, framework)
    clocks: list[Clock] = []
    spec = framework.review_kind(review.kind) if framework is not None else None
    for rule in spec.clocks if spec is not None else ():
        clock = _statutory_clock(rule, review, board, days, today)
        if clock is not None:
            clocks.append(clock)
    for deadline in board.settings.deadlines:
        clocks += _board_clock(deadline, review, days, today)
    return clocks


def _board_clock(deadline: Deadline, review: CaseReview, days: WorkingDays, today: dt.date) -> list[Clock]:
    if not deadline.selects(review):
        return []
    start = getattr(review.dates, deadline.from_date)
    if start is None:
        return []
    if deadline.working_days is not None:
        due = days.add(start, deadline.working_days)
    else:
        due = _add_days(start, deadline.days or 0)
    return [_clock(deadline.name, deadline.from_date, deadline.to_date, start, due, review, today, False)]


@attrs.frozen
class PublicationDue:
    """A recurring publication's clock for one reporting year.

    Attributes:
        kind: the obligation's name; title: how reports say it.
        period: the reporting year.
        due: when it is due (None where it runs from a previous publication and there is none).
        published: when it was published, if it was.
        state: met, met late, due or overdue as at the day asked about (None without a due date).
        record: the board's ``[[publications]]`` entry, if there is one.
    """

    kind: str
    title: str
    period: str
    due: dt.date | None
    published: dt.date | None
    state: ClockState | None
    record: Publication | None

    def describe(self) -> str:
        what = f"{self.title} {self.period}"
        if self.due is None:
            return f"{what}: published {self.published}" if self.published else f"{what}: not yet published"
        if self.state is ClockState.MET:
            return f"{what}: published on {self.published}, due {self.due}"
        if self.state is ClockState.LATE:
            return f"{what}: published late on {self.published}, due {self.due}"
        if self.state is ClockState.OVERDUE:
            return f"{what}: overdue (due {self.due}, not recorded as published)"
        return f"{what}: due {self.due}"


def publications_due(board: Board, framework: StatutoryFramework | None, today: dt.date) -> list[PublicationDue]:
    """For each recurring publication the framework requires: every reporting year the board
    has recorded, and the year whose publication is next due as at ``today``."""
    if framework is None:
        return []
    out: list[PublicationDue] = []
    for kind in framework.obligations:
        records = sorted(
            (p for p in board.publications if p.kind == kind.name and _reporting_year(p.period, kind.year_starts)),
            key=lambda p: period_bounds(p.period, kind.year_starts),
        )
        previous: dt.date | None = None
        periods = {p.period for p in records}
        for record in records:
            due = due_date(kind, record.period, previous)
            out.append(_publication(kind.name, kind.title, record.period, due, record.published, today, record))
            previous = record.published or previous
        # the year whose publication comes next: after the last one recorded; with none, the
        # year that started most recently (its plan is due before it starts), or the one before
        # it (a report is due after its year ends)
        if records:
            year = period_bounds(records[-1].period, kind.year_starts)[0].year + 1
        else:
            month, day = (int(x) for x in kind.year_starts.split("-"))
            year = today.year if (today.month, today.day) >= (month, day) else today.year - 1
            if kind.due.after != "period-start":
                year -= 1
        period = _period_name(year, kind.year_starts)
        waiting = kind.due.after == "previous" and records and records[-1].published is None
        if period not in periods and 1900 <= year <= 2099 and not waiting:
            due = due_date(kind, period, previous)
            if due is not None:
                out.append(_publication(kind.name, kind.title, period, due, None, today, None))
    return out


def _reporting_year(period: str, year_starts: str) -> bool:
    """True where ``period`` names a reporting year (a bad one is reported by lif validate)."""
    try:
        period_bounds(period, year_starts)
    except LifError:
        return False
    return True


def _period_name(year: int, year_starts: str) -> str:
    """A reporting year's name: ``2025`` for a calendar year, ``2025-26`` for one that spans two."""
    return str(year) if year_starts == "01-01" else f"{year}-{(year + 1) % 100:02d}"


def _publication(
    kind: str,
    title: str,
    period: str,
    due: dt.date | None,
    published: dt.date | None,
    today: dt.date,
    record: Publication | None,
) -> PublicationDue:
    state: ClockState | None
    if due is None:
        state = None
    elif published is not None:
        state = ClockState.MET if published <= due else ClockState.LATE
    else:
        state = ClockState.OVERDUE if today > due else ClockState.RUNNING
    return PublicationDue(kind, title, period, due, published, state, record)
