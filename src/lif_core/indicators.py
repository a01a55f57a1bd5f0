"""Indicators computed from case-level records, with their published definitions (DfE
children's social care statistics; Working Together timescales). Each reads one pass over
streamed records and keeps only what the definition needs (a child's dates, counters per
period), never the records themselves.

Periods: ``month`` (``2019-04``), ``quarter`` (``2019-Q2``, calendar quarters) and ``year``
(the financial year the census uses, ``2018-19`` for April 2018 to March 2019).
"""

from __future__ import annotations

import datetime as dt
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from .clocks import WorkingDays
from .disclosure import DEFAULT_RULE, Rule
from .errors import LifError

__all__ = [
    "ASSESSMENT_BUCKETS",
    "INDICATORS",
    "IndicatorResult",
    "IndicatorRow",
    "assessment_timeliness",
    "long_cp_plans",
    "period_key",
    "placement_stability",
    "rate_per_10000",
    "re_referrals",
    "referral_counts",
    "repeat_cp_plans",
]

Record = Mapping[str, Any]

#: DfE's assessment duration buckets, in working days.
ASSESSMENT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("same day", 0, 0),
    ("1-10", 1, 10),
    ("11-20", 11, 20),
    ("21-30", 21, 30),
    ("31-40", 31, 40),
    ("41-45", 41, 45),
    ("46-50", 46, 50),
    ("51-60", 51, 60),
    ("61+", 61, None),
)


def period_key(day: dt.date, frequency: str) -> str:
    if frequency == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if frequency == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if frequency == "year":
        start = day.year if day.month >= 4 else day.year - 1
        return f"{start}-{(start + 1) % 100:02d}"
    raise LifError(f"unknown period {frequency!r}: use month, quarter or year")


def _year_back(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February)."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


@attrs.frozen
class IndicatorRow:
    """One period (and group) of an indicator.

    Attributes:
        period: the period's key.
        group: the group (an agency, a referral source), or ``""`` for everyone.
        numerator: the count that meets the definition.
        denominator: the count it is out of (equal to numerator for plain counts).
        value: the indicator's value: a percentage, a count, or a rate.
    """

    period: str
    group: str
    numerator: int
    denominator: int
    value: float | None


@attrs.frozen
class IndicatorResult:
    """An indicator's rows, with what was left out and why (never silently).

    Attributes:
        name / title / unit: what it is.
        rows: by period, then group.
        excluded: records not counted, by reason.
        detail: further figures by period (duration buckets, percentiles).
    """

    name: str
    title: str
    unit: str
    rows: tuple[IndicatorRow, ...]
    excluded: Mapping[str, int] = attrs.field(factory=dict)
    detail: Mapping[str, Mapping[str, float | int]] = attrs.field(factory=dict)

    def series(self, group: str = "", rule: Rule | None = DEFAULT_RULE) -> list[tuple[str, float]]:
        """``(period, value)`` for one group, leaving out every period whose figure disclosure
        control hides (see :meth:`suppressed`); ``rule=None`` for the unsuppressed figures,
        which must never be published."""
        hidden = set(self.suppressed(group, rule)) if rule is not None else set()
        return [
            (r.period, r.value)
            for r in self.rows
            if r.group == group and r.value is not None and r.period not in hidden
        ]

    def suppressed(self, group: str = "", rule: Rule | None = DEFAULT_RULE) -> list[str]:
        """The periods whose figure is hidden: a count, or a share's numerator or denominator,
        from 1 to 5 (DfE's rule)."""
        if rule is None:
            return []
        out = []
        for r in self.rows:
            if r.group != group:
                continue
            small = (
                rule.hides_count(r.numerator) if self.unit == "count" else rule.hides_share(r.numerator, r.denominator)
            )
            if small:
                out.append(r.period)
        return out


def _rows(
    num: Mapping[tuple[str, str], int], den: Mapping[tuple[str, str], int], percent: bool
) -> tuple[IndicatorRow, ...]:
    out = []
    for key in sorted(den):
        n, d = num.get(key, 0), den[key]
        value = round(100.0 * n / d, 1) if percent and d else (float(n) if not percent else None)
        out.append(IndicatorRow(key[0], key[1], n, d, value))
    return tuple(out)


def _date(record: Record, field: str) -> dt.date | None:
    value = record.get(field)
    if value is None or isinstance(value, dt.date):
        return value
    raise LifError(f"field {field!r} holds {type(value).__name__}, not a date: declare it in the source's fields")


# --------------------------------------------------------------------------- referrals


def referral_counts(
    records: Iterable[Record], frequency: str = "month", group_by: str | None = None
) -> IndicatorResult:
    """Referrals to children's social care, counted by the period of the referral date."""
    counts: Counter[tuple[str, str]] = Counter()
    excluded: Counter[str] = Counter()
    for r in records:
        day = _date(r, "referral_date")
        if day is None:
            excluded["no referral date"] += 1
            continue
        key = period_key(day, frequency)
        counts[(key, "")] += 1
        if group_by:
            counts[(key, str(r.get(group_by) or "unknown"))] += 1
    return IndicatorResult("referrals", "Referrals", "count", _rows(counts, counts, False), dict(excluded))


def _in_date_order(
    records: Iterable[Record], frequency: str, group_by: str | None
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]], Counter[str]] | None:
    """One pass for records in date order, keeping only each child's last referral: memory
    grows with children, not rows. None as soon as a record comes out of order."""
    last: dict[str, int] = {}
    num: Counter[tuple[str, str]] = Counter()
    den: Counter[tuple[str, str]] = Counter()
    excluded: Counter[str] = Counter()
    days: dict[object, tuple[int, tuple[str, str], int]] = {}  # day -> (number, period slot, limit)
    latest = 0
    for r in records:
        child = r.get("child")
        day = r.get("referral_date")
        info = days.get(day)
        if info is None:
            if day is not None and not isinstance(day, dt.date):
                day = _date(r, "referral_date")
            if day is None:
                excluded["no child or referral date"] += 1
                continue
            info = days[day] = (day.toordinal(), (period_key(day, frequency), ""), _year_back(day).toordinal())
        if not child:
            excluded["no child or referral date"] += 1
            continue
        ordinal, slot, limit = info
        if ordinal < latest:
            return None
        latest = ordinal
        previous = last.get(child)
        last[child] = ordinal
        den[slot] += 1
        hit = previous is not None and previous >= limit
        if hit:
            num[slot] += 1
        if group_by:
            group = (slot[0], str(r.get(group_by) or "unknown"))
            den[group] += 1
            if hit:
                num[group] += 1
    return num, den, excluded


def re_referrals(
    records: Iterable[Record] | Callable[[], Iterable[Record]], frequency: str = "month", group_by: str | None = None
) -> IndicatorResult:
    """Re-referrals within 12 months: the percentage of referrals in the period made within 12
    months of a previous referral of the same child (DfE CIN statistics definition).

    Needs ``child`` and ``referral_date``; records without either are counted in ``excluded``.
    ``records`` may be a function returning a fresh iterator (a source that can be read
    again): then an extract in date order, as extracts usually are, is read once keeping only
    each child's last referral, and only an extract out of order is read a second time. A plain
    iterable is read once into compact per-child day arrays (4 bytes a referral).
    """
    if callable(records):
        ordered = _in_date_order(records(), frequency, group_by)
        if ordered is not None:
            num, den, excluded = ordered
            return IndicatorResult(
                "re-referrals-12m",
                "Re-referrals within 12 months of a previous referral",
                "percent",
                _rows(num, den, True),
                dict(excluded),
            )
        records = records()
    by_child: dict[str, array[int]] = {}
    groups: dict[tuple[str, int], str] = {}
    excluded = Counter()
    for r in records:
        child = r.get("child")
        day = r.get("referral_date")
        if day is not None and not isinstance(day, dt.date):
            day = _date(r, "referral_date")
        if not child or day is None:
            excluded["no child or referral date"] += 1
            continue
        ordinal = day.toordinal()
        dates = by_child.get(child)
        if dates is None:
            dates = by_child[child] = array("I")
        dates.append(ordinal)
        if group_by:
            groups[(child, ordinal)] = str(r.get(group_by) or "unknown")
    num = Counter()
    den = Counter()
    days: dict[int, tuple[str, int]] = {}  # day number -> (period, limit): worked out once a day
    for child, unsorted in by_child.items():
        ordinals = sorted(unsorted)
        previous: int | None = None
        for ordinal in ordinals:
            found = days.get(ordinal)
            if found is None:
                day = dt.date.fromordinal(ordinal)
                found = days[ordinal] = (period_key(day, frequency), _year_back(day).toordinal())
            key, limit = found
            hit = previous is not None and previous >= limit
            slots = [(key, "")]
            if group_by:
                slots.append((key, groups[(child, ordinal)]))
            for slot in slots:
                den[slot] += 1
                if hit:
                    num[slot] += 1
            previous = ordinal
    return IndicatorResult(
        "re-referrals-12m",
        "Re-referrals within 12 months of a previous referral",
        "percent",
        _rows(num, den, True),
        dict(excluded),
    )


# --------------------------------------------------------------------------- assessments


def _bucket(days: int) -> str:
    for label, low, high in ASSESSMENT_BUCKETS:
        if days >= low and (high is None or days <= high):
            return label
    return ASSESSMENT_BUCKETS[-1][0]


def _percentile(counts: Counter[int], share: float) -> int:
    """The nearest-rank percentile of the durations held as counts."""
    total = sum(counts.values())
    rank = max(1, math.ceil(share * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    return max(counts)


def assessment_timeliness(
    records: Iterable[Record],
    frequency: str = "month",
    calendar: WorkingDays | None = None,
    *,
    start_field: str = "referral_date",
    limit: int = 45,
) -> IndicatorResult:
    """Assessments completed within 45 working days of the referral (Working Together), by the
    period of authorisation, with DfE's duration buckets and the median and 90th percentile.

    Duration is counted in working days from ``start_field`` (the referral, by default; the
    assessment's own start where the referral date is absent) to the authorisation date.
    """
    calendar = calendar or WorkingDays()
    num: Counter[tuple[str, str]] = Counter()
    den: Counter[tuple[str, str]] = Counter()
    durations: dict[str, Counter[int]] = defaultdict(Counter)
    excluded: Counter[str] = Counter()
    counter = calendar.counter()
    for r in records:
        start = _date(r, start_field) or _date(r, "start")
        done = _date(r, "authorised")
        if done is None:
            excluded["not yet authorised"] += 1
            continue
        if start is None:
            excluded["no start date"] += 1
            continue
        if done < start:
            excluded["authorised before it started"] += 1
            continue
        days = counter(start, done)
        key = (period_key(done, frequency), "")
        den[key] += 1
        if days <= limit:
            num[key] += 1
        durations[key[0]][days] += 1
    detail: dict[str, dict[str, float | int]] = {}
    for period, counts in sorted(durations.items()):
        buckets = Counter({label: 0 for label, _, _ in ASSESSMENT_BUCKETS})
        for days, n in counts.items():
            buckets[_bucket(days)] += n
        detail[period] = {**buckets, "median": _percentile(counts, 0.5), "p90": _percentile(counts, 0.9)}
    return IndicatorResult(
        "assessments-45-days",
        f"Assessments completed within {limit} working days",
        "percent",
        _rows(num, den, True),
        dict(excluded),
        detail,
    )


# --------------------------------------------------------------------------- child protection


def repeat_cp_plans(records: Iterable[Record], frequency: str = "year") -> IndicatorResult:
    """Child protection plans starting in the period for a child who had a plan before, however
    long ago: from ``previous_plans`` where given, or an earlier plan in the same data."""
    plans: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
    excluded: Counter[str] = Counter()
    for r in records:
        child = r.get("child")
        start = _date(r, "start")
        if not child or start is None:
            excluded["no child or start date"] += 1
            continue
        previous = r.get("previous_plans")
        plans[child].append((start.toordinal(), previous if isinstance(previous, int) else None))
    num: Counter[tuple[str, str]] = Counter()
    den: Counter[tuple[str, str]] = Counter()
    for items in plans.values():
        items.sort()
        for i, (ordinal, previous) in enumerate(items):
            key = (period_key(dt.date.fromordinal(ordinal), frequency), "")
            den[key] += 1
            earlier = any(o < ordinal for o, _ in items[:i])
            if earlier or (previous is not None and previous > 0):
                num[key] += 1
    return IndicatorResult(
        "repeat-cp-plans",
        "Child protection plans that are a second or subsequent plan",
        "percent",
        _rows(num, den, True),
        dict(excluded),
    )


def long_cp_plans(records: Iterable[Record], frequency: str = "year") -> IndicatorResult:
    """Child protection plans ending in the period that had lasted 2 years or more."""
    num: Counter[tuple[str, str]] = Counter()
    den: Counter[tuple[str, str]] = Counter()
    excluded: Counter[str] = Counter()
    for r in records:
        start, end = _date(r, "start"), _date(r, "end")
        if end is None:
            continue  # still open: not a plan ending in any period
        if start is None or end < start:
            excluded["no start date, or ends before it starts"] += 1
            continue
        key = (period_key(end, frequency), "")
        den[key] += 1
        two_years = (
            start.replace(year=start.year + 2)
            if not (start.month == 2 and start.day == 29)
            else dt.date(start.year + 2, 3, 1)
        )
        if end >= two_years:
            num[key] += 1
    return IndicatorResult(
        "cp-plans-2-years",
        "Child protection plans ending that had lasted 2 years or more",
        "percent",
        _rows(num, den, True),
        dict(excluded),
    )


# --------------------------------------------------------------------------- children looked after

_NEW_PLACEMENT = {"S", "P", "B", "T", "U"}


def placement_stability(
    episodes: Iterable[Record], header: Iterable[Record], years: Iterable[int]
) -> tuple[IndicatorResult, IndicatorResult]:
    """Placement stability from SSDA903 episodes (``CHILD``, ``DECOM``, ``DEC``, ``RNE``) and
    the header (``CHILD``, ``DOB`` as year-month), for financial years ending 31 March of each
    year in ``years``:

    - short term: children looked after on 31 March with 3 or more placements during the year
      (an episode starting a new placement, ``RNE`` S, P, B, T or U, or the first episode of the
      year, counts; a change of legal status only, ``L``, does not);
    - long term: children under 16 on 31 March looked after continuously for 2.5 years or
      more, who have been in the same placement for 2 years or more.
    """
    by_child: dict[str, list[tuple[int, int | None, str]]] = defaultdict(list)
    excluded: Counter[str] = Counter()
    for r in episodes:
        child, start, end = r.get("CHILD"), _date(r, "DECOM"), _date(r, "DEC")
        if not child or start is None:
            excluded["no child or start date"] += 1
            continue
        by_child[child].append((start.toordinal(), end.toordinal() if end else None, str(r.get("RNE") or "")))
    births: dict[str, str] = {}
    for r in header:
        if r.get("CHILD") and r.get("DOB"):
            births[r["CHILD"]] = r["DOB"]
    short_num: Counter[tuple[str, str]] = Counter()
    short_den: Counter[tuple[str, str]] = Counter()
    long_num: Counter[tuple[str, str]] = Counter()
    long_den: Counter[tuple[str, str]] = Counter()
    for year in years:
        year_end = dt.date(year, 3, 31)
        first = dt.date(year - 1, 4, 1).toordinal()
        last = year_end.toordinal()
        key = (f"{year - 1}-{year % 100:02d}", "")
        for child, items in by_child.items():
            items.sort()
            current = [e for e in items if e[0] <= last and (e[1] is None or e[1] > last)]
            if not current:
                continue  # not looked after on 31 March
            overlapping = [e for e in items if e[0] <= last and (e[1] is None or e[1] >= first)]
            placements = sum(1 for i, e in enumerate(overlapping) if i == 0 or e[2] in _NEW_PLACEMENT)
            short_den[key] += 1
            if placements >= 3:
                short_num[key] += 1
            born = births.get(child)
            if born is None:
                excluded["no date of birth (long-term stability)"] += 1
                continue
            birth_year, birth_month = int(born[:4]), int(born[5:7])
            # Under 16 on 31 March, judged on the month of birth (the day is not kept).
            if (year, 3) >= (birth_year + 16, birth_month):
                continue
            run_start = current[0][0]
            for e in reversed([e for e in items if e[0] < current[0][0]]):
                if e[1] == run_start:
                    run_start = e[0]
                else:
                    break
            if run_start > (year_end - dt.timedelta(days=913)).toordinal():  # 2.5 years
                continue
            long_den[key] += 1
            placement_start = current[0][0]
            for e in reversed([e for e in items if e[0] < current[0][0] and e[0] >= run_start]):
                if current[0][2] in _NEW_PLACEMENT:
                    break
                placement_start = e[0]
                if e[2] in _NEW_PLACEMENT:
                    break
            if placement_start <= (year_end - dt.timedelta(days=730)).toordinal():
                long_num[key] += 1
    return (
        IndicatorResult(
            "placement-stability-3plus",
            "Children looked after at 31 March with 3 or more placements in the year",
            "percent",
            _rows(short_num, short_den, True),
            dict(excluded),
        ),
        IndicatorResult(
            "placement-stability-long-term",
            "Under 16s looked after 2.5 years or more, in the same placement for 2 years or more",
            "percent",
            _rows(long_num, long_den, True),
            dict(excluded),
        ),
    )


def rate_per_10000(count: int | float, population: int | float) -> float:
    """A count per 10,000 children aged 0-17, to 1 decimal place."""
    if population <= 0:
        raise LifError("the population must be more than 0")
    return round(count / population * 10_000, 1)


#: Indicators a measure can name, with the record table each reads.
INDICATORS: dict[str, tuple[str, Callable[..., IndicatorResult]]] = {
    "referrals": ("referrals", referral_counts),
    "re-referrals-12m": ("referrals", re_referrals),
    "assessments-45-days": ("assessments", assessment_timeliness),
    "repeat-cp-plans": ("cp-plans", repeat_cp_plans),
    "cp-plans-2-years": ("cp-plans", long_cp_plans),
}
