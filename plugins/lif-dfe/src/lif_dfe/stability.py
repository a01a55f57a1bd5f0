"""Placement stability of children looked after, to DfE's published definitions (Children
looked after in England; Stability measures for children looked after in England), from the
SSDA903 episodes table and, for the long-term measure, the header's month of birth.

Both are counted for each year ending 31 March, on the children looked after on that day:

- **Short term** (``placement-stability-3plus``): children looked after at 31 March with 3 or
  more placements during the year ending then.
- **Long term** (``placement-stability-long-term``): children under 16 at 31 March who had been
  looked after continuously for at least 2.5 years, and who had been living with the same
  carer(s) for at least 2 years.

How the SSDA903 episodes are read (DfE publishes the definitions in words; these are the
choices that make them exact, each tested in ``tests/test_stability.py``):

- Episodes under legal status ``V3`` or ``V4`` (an agreed series of short-term placements:
  short breaks) are left out before anything else, as DfE leaves out children looked after
  under them; they are counted in ``excluded``.
- An episode runs from ``DECOM`` to ``DEC`` (open where ``DEC`` is blank). A child is looked
  after at 31 March when an episode started on or before that day and had not ceased by it
  (``DEC`` blank or later: a child who ceased on 31 March is not counted).
- Placements during the year: the first episode that started by 31 March and had not ceased
  before 1 April counts as one; each later one starting a new placement counts again: reason
  for new episode (``RNE``) ``S`` (started to be looked after), ``P`` (placement and carer
  change), ``B`` (legal status, placement and carer change), ``T`` (placement change, same
  carer) or ``U`` (legal status and placement change, same carer). ``L`` (legal status only)
  does not. (A code outside the return's six counts as a new placement, and as new carers
  below: an invalid code never makes the figures look better.)
- Continuously looked after: the episode current at 31 March and each earlier one ending the
  day the next starts (``DEC`` of one = ``DECOM`` of the next) are one period of care; for at
  least 2.5 years where it started on or before 30 September two and a half years before (a
  period of 30 months reached on its anniversary, as a child's age is: 30 September 2016 for
  31 March 2019).
- Same carer(s): from the episode current at 31 March back through the period of care, an
  episode with ``RNE`` ``L``, ``T`` or ``U`` keeps the carer(s) of the one before it; ``S``,
  ``P`` and ``B`` (and any other code) bring new carer(s). For at least 2 years where the
  carer(s) were the child's on or before 31 March two years before.
- Under 16 at 31 March, judged on the month of birth (the SSDA903 adapter keeps only the
  year and month of ``DOB``): a child whose 16th birthday falls in March or earlier of that
  year is 16 (born March 2003: 16 at 31 March 2019).
- Percentages as DfE publishes them for children looked after: whole numbers (half up).
- The years counted: an extract of the return holds the episodes open at any time during the
  years it covers, so those years run from the year of the earliest ceasing (``DEC``) to the
  year of the latest start (``DECOM``): a year before would lack the children who left care in
  it, and one after is not in the data yet (a ``DEC`` after the last 31 March only says the
  child was still looked after on it).
- The long-term measure needs each child's episodes back to the start of the period of care
  (``RNE`` ``S``), as DfE's longitudinal data hold them. Where the first episode given is not
  ``S`` and the answer depends on what came before it (the period of care or the time with
  the carer might have begun earlier), the child is left out and counted in ``excluded``,
  never guessed: give several years' returns together for full histories.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from lif_core import Accumulator, IndicatorResult, IndicatorRow, LifError, feed_all, percentage

__all__ = [
    "LONG_TERM",
    "SHORT_TERM",
    "LongTermStability",
    "ShortTermStability",
    "placement_stability",
]

SHORT_TERM = "placement-stability-3plus"
LONG_TERM = "placement-stability-long-term"

#: Legal statuses of an agreed series of short-term placements (short breaks): left out.
SHORT_BREAKS = frozenset({"V3", "V4"})
#: The reason for a new episode that keeps the placement: a change of legal status only (every
#: other reason, S, P, B, T or U, starts a new placement).
LEGAL_STATUS_ONLY = "L"
#: Reasons for a new episode that keep the carer(s) of the episode before.
SAME_CARER = frozenset({"L", "T", "U"})
#: The reason for the first episode of a period of care: started to be looked after.
STARTED = "S"
#: Decimal places of DfE's percentages for children looked after.
PRECISION = 0

_EPISODE_FIELDS = ("CHILD", "DECOM", "DEC", "RNE", "LS")
_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])\Z")

#: Why episodes or children are left out (``excluded``).
SHORT_BREAK_EPISODES = "episodes under an agreed series of short-term placements (legal status V3 or V4)"
NO_CHILD_OR_START = "episodes with no child or no start date (DECOM)"
ENDS_BEFORE_START = "episodes ceasing (DEC) before they start (DECOM)"


def no_birth_month(year: int) -> str:
    """Why a child is left out of the long-term measure of the year ending 31 March ``year``:
    no month of birth."""
    return f"children looked after at 31 March {year} with no date of birth in the header (long term)"


def history_missing(year: int) -> str:
    """Why a child is left out of the long-term measure of the year ending 31 March ``year``:
    the episodes before the first one given would decide it."""
    return (
        f"children under 16 looked after at 31 March {year} whose earlier episodes are not in the data (the "
        "period of care, or the time with the carer, began before the first episode given: long term)"
    )


#: An episode: (start, end or ``None`` while open, RNE), days as ordinals.
Episode = tuple[int, int | None, str]


def _date(value: Any, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    raise LifError(
        f"field {field!r} holds {type(value).__name__}, not a date: read the episodes with the ssda903 adapter, "
        f"or declare {field} a date in the source's fields"
    )


def _birth_month(value: Any) -> tuple[int, int] | None:
    """``(year, month)`` of a month of birth (``2008-05``, as the ``dob`` field kind keeps it,
    or a date); ``None`` where blank."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.year, value.month
    m = _MONTH.match(str(value))
    if m is None:
        raise LifError(
            "field 'DOB' holds something other than a month of birth: read the header with the ssda903 adapter, "
            'or declare DOB as fields.DOB = "dob:%d/%m/%Y"'
        )
    return int(m.group(1)), int(m.group(2))


def _year_key(year: int) -> str:
    """The period key of the year ending 31 March ``year`` (``2018-19``)."""
    return f"{year - 1}-{year % 100:02d}"


def _year_of(day: dt.date) -> int:
    """The year ending 31 March that ``day`` falls in (2019 for 1 April 2018 to 31 March 2019)."""
    return day.year + 1 if day.month >= 4 else day.year


def _years_back(day: dt.date, years: int, months: int = 0) -> dt.date:
    """The day ``years`` and ``months`` before ``day``, a month's last day where ``day``'s does
    not exist in it (31 March less 6 months is 30 September)."""
    total = day.year * 12 + day.month - 1 - years * 12 - months
    year, month = divmod(total, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class _Episodes(Accumulator):
    """The episodes of each child (short breaks left out), kept as three small values each."""

    fields = _EPISODE_FIELDS

    def __init__(self, frequency: str = "year") -> None:
        if frequency != "year":
            raise LifError(
                f"placement stability is counted for years ending 31 March only (a measure's frequency "
                f"'annual'), not by {frequency}"
            )
        self.frequency = frequency
        self.episodes: dict[str, list[Episode]] = {}
        self.excluded: Counter[str] = Counter()
        self.first_end: int | None = None  # the earliest ceasing (DEC)
        self.latest_start: int | None = None  # the latest start (DECOM)

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        episodes, excluded = self.episodes, self.excluded
        first_end, latest_start = self.first_end, self.latest_start
        for child, start, end, rne, legal_status in rows:
            if legal_status in SHORT_BREAKS:
                excluded[SHORT_BREAK_EPISODES] += 1
                continue
            start, end = _date(start, "DECOM"), _date(end, "DEC")
            if not child or start is None:
                excluded[NO_CHILD_OR_START] += 1
                continue
            began = start.toordinal()
            ended = end.toordinal() if end is not None else None
            if ended is not None and ended < began:
                excluded[ENDS_BEFORE_START] += 1
                continue
            episodes.setdefault(child, []).append((began, ended, str(rne or "").strip().upper()))
            if latest_start is None or began > latest_start:
                latest_start = began
            if ended is not None and (first_end is None or ended < first_end):
                first_end = ended
        self.first_end, self.latest_start = first_end, latest_start

    def years(self) -> range:
        """The years (by the 31 March ending each) the episodes cover: from the year of the
        earliest ceasing to the year of the latest start (the latest start's alone where no
        episode has ceased)."""
        if self.latest_start is None:
            return range(0)
        last = _year_of(dt.date.fromordinal(self.latest_start))
        first = _year_of(dt.date.fromordinal(self.first_end)) if self.first_end is not None else last
        return range(min(first, last), last + 1)

    def each_child_at_31_march(self) -> Iterable[tuple[int, str, list[Episode], int]]:
        """``(year, child, episodes in order, index of the episode current at 31 March)`` for
        each child looked after at 31 March of each year."""
        years = self.years()
        for child, items in self.episodes.items():
            items.sort(key=lambda e: (e[0], e[1] if e[1] is not None else float("inf")))
            starts = [e[0] for e in items]
            first_year = _year_of(dt.date.fromordinal(starts[0]))
            for year in years:
                if year < first_year:
                    continue
                day = dt.date(year, 3, 31).toordinal()
                current = bisect_right(starts, day) - 1
                if current < 0:
                    continue
                ended = items[current][1]
                if ended is not None and ended <= day:
                    continue  # ceased by 31 March: not looked after on it
                yield year, child, items, current

    def _result(
        self,
        name: str,
        title: str,
        counts: tuple[Counter[int], Counter[int]],
        parts: tuple[str, str],
        excluded: Mapping[str, int] | None = None,
    ) -> IndicatorResult:
        num, den = counts
        rows = tuple(
            IndicatorRow(_year_key(year), "", num[year], den[year], percentage(num[year], den[year], PRECISION))
            for year in sorted(den)
        )
        return IndicatorResult(
            name,
            title,
            "percent",
            rows,
            dict(self.excluded if excluded is None else excluded),
            frequency="year",
            parts=parts,
            precision=PRECISION,
        )


def placements_in_year(items: list[Episode], current: int, year: int) -> int:
    """The placements of a child during the year ending 31 March ``year``: the first episode
    that started by 31 March and had not ceased before 1 April, and each later one starting a
    new placement (``items`` in order, ``current`` the episode current at 31 March)."""
    first_day = dt.date(year - 1, 4, 1).toordinal()
    count = 0
    for _began, ended, rne in items[: current + 1]:
        if ended is not None and ended < first_day:
            continue
        if count == 0 or rne != LEGAL_STATUS_ONLY:  # any other code, even an invalid one: never flattering
            count += 1
    return count


class ShortTermStability(_Episodes):
    """Children looked after at 31 March with 3 or more placements during the year."""

    def result(self) -> IndicatorResult:
        num: Counter[int] = Counter()
        den: Counter[int] = Counter()
        for year, _child, items, current in self.each_child_at_31_march():
            den[year] += 1
            if placements_in_year(items, current, year) >= 3:
                num[year] += 1
        return self._result(
            SHORT_TERM,
            "Children looked after at 31 March with 3 or more placements during the year",
            (num, den),
            ("looked-after-3-plus-placements", "looked-after-31-march"),
        )


def care_and_carer(items: list[Episode], current: int) -> tuple[int, int]:
    """The first episode (index) of the child's period of care, and the one its time with its
    carer(s) began with, from the episode current at 31 March back."""
    first = current
    while first > 0 and items[first - 1][1] == items[first][0]:
        first -= 1
    carer = current
    while carer > first and items[carer][2] in SAME_CARER:
        carer -= 1
    return first, carer


class LongTermStability(_Episodes):
    """Children under 16 at 31 March looked after continuously for at least 2.5 years, living
    with the same carer(s) for at least 2 years; reads the header (``CHILD``, ``DOB``) as its
    input ``header``."""

    input_fields: Mapping[str, tuple[str | None, ...]] = {"header": ("CHILD", "DOB")}

    def __init__(self, frequency: str = "year") -> None:
        super().__init__(frequency)
        self.births: dict[str, tuple[int, int]] = {}

    def add_input_rows(self, role: str, rows: Iterable[tuple[Any, ...]]) -> None:
        if role != "header":
            super().add_input_rows(role, rows)
            return
        births = self.births
        for child, born in rows:
            month = _birth_month(born)
            if child and month is not None:
                births[child] = month

    def result(self) -> IndicatorResult:
        num: Counter[int] = Counter()
        den: Counter[int] = Counter()
        excluded = Counter(self.excluded)
        for year, child, items, current in self.each_child_at_31_march():
            first, carer = care_and_carer(items, current)
            # Where the period of care does not begin with S (started to be looked after), its
            # earlier episodes are not in the data: it began earlier, and so, where the first
            # episode given keeps its carer(s) (L, T, U), did the time with them.
            care_known = items[first][2] == STARTED
            carer_known = carer != first or items[first][2] not in SAME_CARER
            year_end = dt.date(year, 3, 31)
            long_enough = items[first][0] <= _years_back(year_end, 2, 6).toordinal()
            if not long_enough and care_known:
                continue  # looked after continuously for less than 2.5 years
            born = self.births.get(child)
            if born is None:
                excluded[no_birth_month(year)] += 1
                continue
            if (born[0] + 16, born[1]) <= (year, 3):
                continue  # 16 or over at 31 March
            same_carer = items[carer][0] <= _years_back(year_end, 2).toordinal()
            if not long_enough or (not same_carer and not carer_known):
                excluded[history_missing(year)] += 1
                continue
            den[year] += 1
            if same_carer:
                num[year] += 1
        return self._result(
            LONG_TERM,
            "Children under 16 looked after for 2.5 years or more, with the same carer for 2 years or more",
            (num, den),
            ("under-16-same-carer-2-years", "under-16-looked-after-2.5-years"),
            excluded,
        )


def placement_stability(
    episodes: Iterable[Mapping[str, Any]], header: Iterable[Mapping[str, Any]]
) -> tuple[IndicatorResult, IndicatorResult]:
    """Both placement stability measures from SSDA903 episodes and header records (as read by
    the ``ssda903`` adapter: dates as dates, ``DOB`` as ``YYYY-MM``), for every year ending 31
    March the episodes reach: ``(short term, long term)``."""
    episodes = list(episodes)
    short, long = ShortTermStability(), LongTermStability()
    feed_all(short, episodes)
    feed_all(long, episodes)
    long.add_input_rows("header", ((r.get("CHILD"), r.get("DOB")) for r in header))
    return short.result(), long.result()
