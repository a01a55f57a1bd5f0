"""Indicators computed from case-level records, with their published definitions (DfE
children's social care statistics; Working Together timescales). Each reads one pass over
streamed records and keeps only what the definition needs (a child's dates, counters per
period), never the records themselves.

An indicator is an :class:`Accumulator` fed batch by batch; measures find them by name in the
plugin host's ``indicators`` registry (hook ``register_indicators``): the ones here are
registered by the builtin plugin :mod:`lif_core.builtins.indicators`, others by plugins (the
placement stability measures of SSDA903 by lif-dfe).

Periods: ``month`` (``2019-04``), ``quarter`` (``2019-Q2``, calendar quarters) and ``year``
(the financial year the census uses, ``2018-19`` for April 2018 to March 2019).
"""

from __future__ import annotations

import abc
import bisect
import datetime as dt
import itertools
import math
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from operator import lt
from types import MappingProxyType
from typing import Any

import attrs

from .clocks import WorkingDays
from .disclosure import DEFAULT_RULE, SMALL_SHARE, SUPPRESSED, Linked, Rule
from .errors import LifError
from .extensions import Batch

__all__ = [
    "ASSESSMENT_BUCKETS",
    "Accumulator",
    "AssessmentTimeliness",
    "LongCpPlans",
    "ReReferrals",
    "ReferralCounts",
    "RepeatCpPlans",
    "IndicatorResult",
    "IndicatorRow",
    "LEFT_OUT_BY",
    "assessment_timeliness",
    "feed_all",
    "left_out_removed",
    "long_cp_plans",
    "percentage",
    "period_key",
    "protect_results",
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


#: The day working-day numbers count from (any fixed day would do).
_EPOCH = dt.date(2000, 1, 1)


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
        name / title / unit: what it is (``unit`` is ``count`` or ``percent``).
        rows: by period, then group.
        excluded: records not counted, by reason.
        detail: further figures by period (duration buckets, percentiles).
        frequency: the periods' frequency (``month``, ``quarter``, ``year``).
        parts: what the numerator and the denominator count (``re-referrals``, ``referrals``):
            figures of one source counting the same thing are the same count to disclosure
            control, whichever indicator or frequency publishes them.
        group_by: the field the groups come from, if any (the groups of a period partition
            everyone, whose row has group ``""``).
        hidden: ``(period, group)`` of each row disclosure control hides, once protected
            (:meth:`protected`, :func:`protect_results`); ``None`` before.
        rule: the rule it was protected under.
        precision: the decimal places its percentages are given to, as the figures are
            published (DfE: children in need to 1, children looked after to 0, whole numbers);
            the rows' values are rounded to it (see :func:`percentage`).
    """

    name: str
    title: str
    unit: str
    rows: tuple[IndicatorRow, ...]
    excluded: Mapping[str, int] = attrs.field(factory=dict)
    detail: Mapping[str, Mapping[str, float | int]] = attrs.field(factory=dict)
    frequency: str = ""
    parts: tuple[str, str] = ("", "")
    group_by: str = ""
    hidden: frozenset[tuple[str, str]] | None = None
    rule: Rule | None = None
    precision: int = 1

    def protected(self, rule: Rule = DEFAULT_RULE) -> IndicatorResult:
        """This result with the rows disclosure control hides under ``rule`` marked (its groups
        and their total protected together); see :func:`protect_results` for several results
        of one source at once. A result already protected under ``rule`` (or a stricter one)
        is returned as it is; one protected under a looser rule is refused, since protecting it
        again alone could undo what protecting it with others did."""
        if self.hidden is not None and self.rule is not None:
            if self.rule.stricter_or_equal(rule):
                return self
            raise LifError(
                f"{self.name}: protected under a looser disclosure rule (smallest {self.rule.smallest}) than asked "
                f"(smallest {rule.smallest}): protect the results again together with protect_results"
            )
        return protect_results([("", self)], rule)[0]

    def _shown(self, group: str, rule: Rule | None) -> tuple[IndicatorResult, Rule | None]:
        """The result to read figures from (protected under ``rule``, or this one, unprotected,
        for ``rule=None``), and the rule in force."""
        if rule is None:
            return self, None
        protected = self.protected(rule)
        return protected, protected.rule

    def series(self, group: str = "", rule: Rule | None = DEFAULT_RULE) -> list[tuple[str, float]]:
        """``(period, value)`` for one group, leaving out every period whose figure disclosure
        control hides (see :meth:`suppressed`), counts rounded as the rule says; the rule is the
        one the result was protected under where that is at least as strict as ``rule``.
        ``rule=None`` gives the unprotected figures, which must never be published."""
        result, active = self._shown(group, rule)
        hidden = result.hidden or frozenset()
        round_counts = active is not None and active.round_to > 1 and self.unit == "count"
        return [
            (r.period, float(active.rounded(r.numerator)) if round_counts and active is not None else r.value)
            for r in result.rows
            if r.group == group and r.value is not None and (r.period, r.group) not in hidden
        ]

    def suppressed(self, group: str = "", rule: Rule | None = DEFAULT_RULE) -> list[str]:
        """The periods whose figure is hidden: a count, or a share's numerator or denominator,
        below the rule's smallest (DfE's: 1 to 5), or a figure from which, with the others, such
        a count could be worked out (secondary suppression across groups and frequencies)."""
        result, _active = self._shown(group, rule)
        hidden = result.hidden or frozenset()
        return [r.period for r in result.rows if r.group == group and (r.period, r.group) in hidden]

    def labels(self, group: str = "", rule: Rule | None = DEFAULT_RULE) -> dict[str, str]:
        """Periods whose figure reads as a symbol rather than its number: ``c`` where hidden,
        ``k`` where a non-zero share rounds to 0 (DfE's symbols)."""
        result, _active = self._shown(group, rule)
        hidden = result.hidden or frozenset()
        out: dict[str, str] = {}
        for r in result.rows:
            if r.group != group:
                continue
            if (r.period, r.group) in hidden:
                out[r.period] = SUPPRESSED
            elif self.unit != "count" and r.value == 0 and r.numerator > 0:
                out[r.period] = SMALL_SHARE
        return out


_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_FINEST = {"month": 0, "quarter": 1, "year": 2}
#: The group key of everyone's row (a group is keyed by its grouping field and its name).
EVERYONE = ("", "")


def _year_of(period: str, frequency: str) -> str | None:
    """The financial year (``2018-19``) a month or quarter falls in (``None`` if it is neither)."""
    if frequency == "month":
        m = _MONTH.match(period)
        if m:
            return period_key(dt.date(int(m.group(1)), int(m.group(2)), 1), "year")
    if frequency == "quarter":
        m = _QUARTER.match(period)
        if m:
            return period_key(dt.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1), "year")
    if frequency == "year":
        return period
    return None


def _quarter_of(period: str) -> str | None:
    m = _MONTH.match(period)
    return period_key(dt.date(int(m.group(1)), int(m.group(2)), 1), "quarter") if m else None


def _variants(results: Sequence[tuple[Hashable, IndicatorResult]]) -> list[tuple[str, str]]:
    """For each result, the names its numerator and denominator go by to disclosure control.

    Results of one family that count the same thing (``referrals``) are one count, whichever
    indicator or frequency publishes it, unless they count it differently (re-referrals leave
    out referrals with no child, a count of referrals does not): results whose counts agree,
    year by year, share the name; each way of counting that differs gets its own."""
    names = [r.parts if all(r.parts) else (f"{r.name}/n", f"{r.name}/d") for _f, r in results]
    # (family, name, definition) -> (frequency level, yearly totals for everyone), finest first
    best: dict[tuple[Hashable, str, str], tuple[int, dict[str, int]]] = {}
    for (family, result), (numerator, denominator) in zip(results, names, strict=True):
        level = _FINEST.get(result.frequency, len(_FINEST))
        roles = [(numerator, True)] + ([(denominator, False)] if result.unit != "count" else [])
        for name, is_numerator in roles:
            slot = (family, name, result.name)
            if slot in best and best[slot][0] <= level:
                continue
            yearly: dict[str, int] = {}
            for row in result.rows:
                year = None if row.group else _year_of(row.period, result.frequency)
                if year is not None:
                    yearly[year] = yearly.get(year, 0) + (row.numerator if is_numerator else row.denominator)
            best[slot] = (level, yearly)
    definitions: dict[tuple[Hashable, str], dict[str, dict[str, int]]] = {}
    for (family, name, definition), (_level, yearly) in best.items():
        definitions.setdefault((family, name), {})[definition] = yearly
    out = []
    for (family, result), pair in zip(results, names, strict=True):
        renamed = []
        for name in pair:
            counted = definitions.get((family, name), {})
            agreeing = sorted(d for d, yearly in counted.items() if yearly == counted.get(result.name))
            if len(agreeing) == len(counted):
                renamed.append(name)  # every way of counting it agrees: one count
            else:  # those that agree share a name: the first of them
                renamed.append(f"{name}@{agreeing[0] if agreeing else result.name}")
        out.append((renamed[0], renamed[1]))
    return out


def protect_results(
    results: Sequence[tuple[Hashable, IndicatorResult]], rule: Rule = DEFAULT_RULE, *, salt: bytes = b""
) -> list[IndicatorResult]:
    """Indicator results protected together under ``rule``, each given with its family (what
    it was computed from: results of different families are unrelated; the scorecard names
    the file, adapter and options, so two sources reading one file are one family).

    Within a family, a count is the same count to disclosure control wherever it is published
    (the referrals of April 2019 are a monthly count, part of the 2019-Q2 and the 2019-20
    counts, everyone's count beside the groups', and the denominator of April's re-referral
    rate, where that rate counts the same referrals), and the sums linking them are known to a
    reader: a year is the sum of its months and of its quarters, a quarter of its months,
    everyone of the groups. Every row whose figure rests on a small count, or would let a
    hidden one be worked out from the rows published beside it, is hidden. ``salt`` (secret:
    the scorecard gives one made from the board's key) breaks ties between equal counts when
    choosing which to hide next, so a reader cannot tell which hidden figure was hidden second.
    """
    linked = Linked()
    figures: list[list[tuple[Hashable, tuple[str, str]]]] = []
    # family, part -> frequency -> (period, group) -> count key
    tree: dict[tuple[Hashable, str], dict[str, dict[tuple[str, tuple[str, str]], Hashable]]] = {}
    for index, ((family, result), names) in enumerate(zip(results, _variants(results), strict=True)):
        mine: list[tuple[Hashable, tuple[str, str]]] = []
        for row in result.rows:
            keys = []
            pairs = [(names[0], row.numerator)]
            if result.unit != "count":
                pairs.append((names[1], row.denominator))
            group = (result.group_by, row.group) if row.group else EVERYONE  # everyone is everyone, grouped or not
            for part, value in pairs:
                base = (family, part, result.frequency, row.period, group)
                key: Hashable = base
                if linked.has(base) and linked.value(base) != value:
                    part = f"{part}#{index}"  # counted differently again: this result's own counts
                    key = (family, part, result.frequency, row.period, group)
                linked.count(key, value)
                keys.append(key)
                tree.setdefault((family, part), {}).setdefault(result.frequency, {}).setdefault(
                    (row.period, group), key
                )
            figure = (index, row.period, row.group)
            linked.publish(figure, keys)
            mine.append((figure, (row.period, row.group)))
        figures.append(mine)
    for by_frequency in tree.values():
        for slots in by_frequency.values():  # everyone = the sum of each grouping's groups, in each period
            groups: dict[tuple[str, str], list[Hashable]] = {}
            for (period, group), key in slots.items():
                if group != EVERYONE:
                    groups.setdefault((period, group[0]), []).append(key)
            for (period, _grouping), parts in groups.items():
                total = slots.get((period, EVERYONE))
                if total is not None:
                    linked.sum(total, parts)
        # a year = its months = its quarters; a quarter = its months (group by group)
        links: list[tuple[str, str, Callable[[str], str | None]]] = [
            ("month", "year", lambda p: _year_of(p, "month")),
            ("quarter", "year", lambda p: _year_of(p, "quarter")),
            ("month", "quarter", _quarter_of),
        ]
        for small, large, whole_of in links:
            if small not in by_frequency or large not in by_frequency:
                continue
            members: dict[tuple[str, tuple[str, str]], list[Hashable]] = {}
            for (period, group), key in by_frequency[small].items():
                whole = whole_of(period)
                if whole is not None:
                    members.setdefault((whole, group), []).append(key)
            for whole_slot, parts in members.items():
                total = by_frequency[large].get(whole_slot)
                if total is not None:
                    linked.sum(total, parts)
    hidden = linked.protect(rule, salt=salt)
    return [
        attrs.evolve(
            result,
            hidden=frozenset(where for figure, where in mine if figure in hidden),
            rule=rule,
        )
        for (_family, result), mine in zip(results, figures, strict=True)
    ]


def percentage(numerator: int, denominator: int, precision: int = 1) -> float | None:
    """``numerator`` as a percentage of ``denominator`` to ``precision`` decimal places (half
    away from zero, as published tables round: 12.5 reads 13); ``None`` for a denominator of 0."""
    if denominator <= 0:
        return None
    scale: int = 10**precision
    whole, rest = divmod(100 * scale * numerator, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return round(whole / scale, precision)


def _rows(
    num: Mapping[tuple[str, str], int], den: Mapping[tuple[str, str], int], percent: bool, precision: int = 1
) -> tuple[IndicatorRow, ...]:
    """Rows by (period, group): percentages of ``num`` over ``den``, or counts (``den``'s)."""
    out = []
    for key in sorted(den):
        n, d = num.get(key, 0), den[key]
        value = percentage(n, d, precision) if percent else float(n)
        out.append(IndicatorRow(key[0], key[1], n, d, value))
    return tuple(out)


def _checked_date(value: Any, field: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    raise LifError(f"field {field!r} holds {type(value).__name__}, not a date: declare it in the source's fields")


# --------------------------------------------------------------------------- feeding

Records = Iterable[Record] | Iterable[Batch]

#: The field in which an adapter names the data-quality check that left a record out (the
#: check's name, as its warning's ``[check: left out]`` tag gives it; empty for a record kept).
#: No indicator counts such a record, nor counts it among its own exclusions ("no start date"):
#: the check reported it, and ``lif data`` and the measure's problems count it by check.
LEFT_OUT_BY = "left_out_by"


def left_out_removed(batch: Batch) -> Batch:
    """``batch`` without the records a data-quality check left out (:data:`LEFT_OUT_BY`);
    the batch itself where there are none."""
    if LEFT_OUT_BY not in batch.names:
        return batch
    flags = batch.column(LEFT_OUT_BY)
    if not any(flags):
        return batch
    keep = [row for row, flag in enumerate(flags) if not flag]
    return Batch(
        batch.names, [[column[row] for row in keep] for column in batch.columns], list(map(batch.location, keep))
    )


def _left_out(record: Any) -> bool:
    return bool(record.get(LEFT_OUT_BY))


def _zipped(batch: Batch, fields: Sequence[str | None]) -> Iterator[tuple[Any, ...]]:
    # Rows are unpacked in each loop's header, so zip reuses one tuple for every row.
    columns = (batch.column(f) if f is not None else itertools.repeat(None, batch.size) for f in fields)
    return zip(*columns, strict=True)


class Accumulator(abc.ABC):
    """An indicator worked out a batch at a time, keeping only what its definition needs.

    Push batches of the measure's source in with :meth:`feed` (or tuples of :attr:`fields`
    with :meth:`add_rows`), batches of each further input with :meth:`feed_input`, in any
    order, then ask for :meth:`result`. Several accumulators can be fed from one reading of a
    file (:func:`lif_core.measures.compute_indicators`); the functions below
    (:func:`re_referrals` and the rest) feed one from records or batches.

    Subclass it for an indicator of your own (hook ``register_indicators``): set
    :attr:`fields` (and :attr:`input_fields` for further tables), implement :meth:`add_rows`
    (and :meth:`add_input_rows`) and :meth:`result`. Keep per child only what the definition
    needs: a source can hold millions of records.
    """

    #: The fields each row needs, in the order :meth:`add_rows` takes them (``None`` for one
    #: not asked for this time, such as an unused grouping: always ``None`` in the row).
    fields: tuple[str | None, ...] = ()
    #: For an indicator reading further tables: each input role's fields, in the order
    #: :meth:`add_input_rows` takes them (``{"header": ("CHILD", "DOB")}``). The roles are the
    #: indicator's ``inputs``; a measure names a source for each.
    input_fields: Mapping[str, tuple[str | None, ...]] = MappingProxyType({})

    def feed(self, batch: Batch) -> None:
        """Count a batch of the measure's source."""
        self.add_rows(_zipped(batch, self.fields))

    def feed_input(self, role: str, batch: Batch) -> None:
        """Take in a batch of the further input ``role``."""
        if role not in self.input_fields:
            raise LifError(f"{type(self).__name__} reads no input {role!r}")
        self.add_input_rows(role, _zipped(batch, self.input_fields[role]))

    @abc.abstractmethod
    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Count rows of :attr:`fields` values."""

    def add_input_rows(self, role: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """Take in rows of the input ``role``'s :attr:`input_fields` values (an accumulator
        with inputs implements this)."""
        raise LifError(f"{type(self).__name__} reads no input {role!r}")

    def again(self) -> Accumulator | None:
        """A fresh accumulator to count everything again from a second reading of the sources,
        where this one could not count in one reading (records in an order it relied on
        and did not find); ``None`` (the default) when its result stands."""
        return None

    @abc.abstractmethod
    def result(self) -> IndicatorResult:
        """The indicator over everything fed so far."""


def feed_all(acc: Accumulator, records: Records) -> None:
    """Feed ``records`` (dictionaries, or batches) to ``acc``."""
    iterator = iter(records)
    first = next(iterator, None)
    if first is None:
        return
    if isinstance(first, Batch):
        acc.feed(left_out_removed(first))
        for batch in iterator:
            if not isinstance(batch, Batch):
                raise LifError("records mix batches and single records: give one or the other")
            acc.feed(left_out_removed(batch))
        return
    names = acc.fields
    rows = itertools.filterfalse(_left_out, itertools.chain((first,), iterator))
    acc.add_rows(tuple(r.get(n) if n is not None else None for n in names) for r in rows)  # type: ignore[attr-defined]


def _run(acc: Accumulator, records: Records) -> IndicatorResult:
    feed_all(acc, records)
    return acc.result()


class _Periods:
    """Counts by (period, group), with each day's period worked out once."""

    def __init__(self, frequency: str) -> None:
        period_key(dt.date(2000, 1, 1), frequency)  # an unknown frequency is refused now
        self.frequency = frequency
        self.num: Counter[tuple[str, str]] = Counter()
        self.den: Counter[tuple[str, str]] = Counter()
        self.excluded: Counter[str] = Counter()

    def rows(self, percent: bool) -> tuple[IndicatorRow, ...]:
        return _rows(self.num, self.den, percent)


# --------------------------------------------------------------------------- referrals


class ReferralCounts(Accumulator, _Periods):
    """Accumulator of :func:`referral_counts`."""

    def __init__(self, frequency: str = "month", group_by: str | None = None) -> None:
        _Periods.__init__(self, frequency)
        self.group_by = group_by
        self.fields = ("referral_date", group_by)

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        counts, frequency = self.den, self.frequency
        slots: dict[object, tuple[str, str]] = {}
        for day, group in rows:
            slot = slots.get(day)
            if slot is None:
                if _checked_date(day, "referral_date") is None:
                    self.excluded["no referral date"] += 1
                    continue
                slot = slots[day] = (period_key(day, frequency), "")
            counts[slot] += 1
            if self.group_by:
                counts[(slot[0], str(group or "unknown"))] += 1

    def result(self) -> IndicatorResult:
        return IndicatorResult(
            "referrals",
            "Referrals",
            "count",
            _rows(self.den, self.den, False),
            dict(self.excluded),
            frequency=self.frequency,
            parts=("referrals", "referrals"),
            group_by=self.group_by or "",
        )


def referral_counts(records: Records, frequency: str = "month", group_by: str | None = None) -> IndicatorResult:
    """Referrals to children's social care, counted by the period of the referral date."""
    return _run(ReferralCounts(frequency, group_by), records)


class ReReferrals(Accumulator, _Periods):
    """Accumulator of :func:`re_referrals`, keeping as little as the order of the records allows.

    ``ordered=True`` tries, on the first batch fed, the ways that need no per-child history:
    records in date order (as extracts usually are) keep only each child's last referral;
    records grouped by child (as in the CIN census, one ``<Child>`` at a time) count each child
    when the next begins, keeping only a hash of the children done. If neither fits that batch,
    every referral is kept (4 bytes each). If the order breaks after the first batch, counting
    stops and :attr:`gave_up` is set: read the source again into ``ReReferrals(ordered=False)``,
    which keeps every referral from the start.
    """

    def __init__(self, frequency: str = "month", group_by: str | None = None, *, ordered: bool = False) -> None:
        _Periods.__init__(self, frequency)
        self.group_by = group_by
        self.fields = ("child", "referral_date", group_by)
        self.ordered = ordered
        self.mode = "date" if ordered else "any"
        self.gave_up = False
        self._batches = 0
        self._days: dict[object, tuple[int, int, list[int], str]] = {}  # see _day
        self._cells: dict[str, list[int]] = {}  # period -> [re-referrals, referrals]
        self._last: dict[str, int] = {}  # date order: each child's last referral
        self._latest = 0
        self._child: str | None = None  # by child: the child being read, its referrals, the children done
        self._referrals: list[tuple[tuple[int, int, list[int], str], object]] = []
        self._done: set[int] = set()
        self._by_child: dict[str, int | array[int]] = {}  # any order: each child's referral days
        self._grouped: dict[str, list[tuple[int, str]]] = {}  # ... and with their groups, if asked for

    def _restart(self, mode: str) -> None:
        self.__init__(self.frequency, self.group_by, ordered=self.ordered)  # type: ignore[misc]
        self.mode = mode

    def feed(self, batch: Batch) -> None:
        self._batches += 1
        plain = self.mode == "date" and not self.group_by and not self.gave_up
        if plain and self._feed_day_runs(batch.column("child"), batch.column("referral_date")):
            return
        super().feed(batch)
        # Out of order within the first batch: try the next way on that batch again.
        for mode in ("child", "any"):
            if not (self.gave_up and self._batches == 1):
                break
            self._restart(mode)
            self._batches = 1
            super().feed(batch)

    def _day(self, day: Any) -> tuple[int, int, list[int], str] | None:
        """A referral day's number, the number of the day a year before, its period's
        ``[re-referrals, referrals]`` counts and the period (worked out once a day)."""
        info = self._days.get(day)
        if info is None:
            if _checked_date(day, "referral_date") is None:
                return None
            period = period_key(day, self.frequency)
            cell = self._cells.setdefault(period, [0, 0])
            info = self._days[day] = (day.toordinal(), _year_back(day).toordinal(), cell, period)
        return info

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.gave_up:
            return
        if self.mode == "date":
            self._add_in_date_order(rows)
        elif self.mode == "child":
            self._add_by_child(rows)
        else:
            self._add_any(rows)

    def _count(self, hit: bool, cell: list[int], period: str, group: object) -> None:
        cell[1] += 1
        if hit:
            cell[0] += 1
        if self.group_by:
            self._count_group(hit, period, group)

    def _count_group(self, hit: bool, period: str, group: object) -> None:
        by_group = (period, str(group or "unknown"))
        self.den[by_group] += 1
        if hit:
            self.num[by_group] += 1

    def _add_in_date_order(self, rows: Iterable[tuple[Any, ...]]) -> None:
        # The loop every row of a large extract runs: counts live in small lists, a child
        # never referred before reads as day 0 (before any limit), and groups are looked at
        # only when asked for.
        last, days, day_info = self._last, self._days, self._day
        latest, group_by = self._latest, self.group_by
        for child, day, group in rows:
            info = (days.get(day) or day_info(day)) if child else None  # a period only for what is counted
            if info is None:
                self.excluded["no child or referral date"] += 1
                continue
            ordinal, limit, cell, period = info
            if ordinal < latest:
                self.gave_up = True
                return
            latest = ordinal
            hit = last.get(child, 0) >= limit
            last[child] = ordinal
            cell[1] += 1
            if hit:
                cell[0] += 1
            if group_by:
                self._count_group(hit, period, group)
        self._latest = latest

    def _feed_day_runs(self, children: list[Any], days: list[Any]) -> bool:
        """The date-order count of a batch a day at a time, in C loops rather than a Python
        loop per row: ``True`` once counted, ``False`` (nothing counted or changed) for a batch
        whose days are not plain (a missing date, a value that is not a date, days out of
        order), which the row loop then reads, to the same figures. A record without a child
        (or one that is no dictionary key) is found among its day's first referrals, which it
        always is: the row loop counts the batch from that day on.

        Within one day's run the referrals share a day and its limit: a child's first referral
        of the day is a re-referral when its last earlier one is on or after the limit, and
        each further referral of the child that day is one (its previous is that same day)."""
        if not days:
            return True
        # The batch's days as runs of one day each, found by bisection and proved by rebuilding
        # the column from them, in increasing order (days out of order fail the proof; None, or
        # values that do not compare with dates, fail the bisection or the type check).
        runs: list[tuple[dt.date, int, int]] = []
        size, start = len(days), 0
        try:
            while start < size:
                day = days[start]
                if type(day) is not dt.date or (runs and not runs[-1][0] < day):
                    return False
                end = bisect.bisect_right(days, day, start)  # past start: day is not below itself
                runs.append((day, start, end))
                start = end
        except TypeError:
            return False
        rebuilt: list[Any] = []
        for day, start, end in runs:
            rebuilt += [day] * (end - start)
        if rebuilt != days or runs[0][0].toordinal() < self._latest:
            return False
        facts, day_info = self._days, self._day
        last, zeros, repeat, compress = self._last, itertools.repeat(0), itertools.repeat, itertools.compress
        ordinal = self._latest
        for day, start, end in runs:
            info = facts.get(day)
            limit = info[1] if info is not None else _year_back(day).toordinal()
            run = children[start:end]
            # The run's referrals whose child has no referral since the limit before this day
            # (a child twice in the run is there twice: only its first referral is not a
            # re-referral, the second's previous being the first). A missing child is never
            # stored, so it is always here.
            try:
                first = list(compress(run, map(lt, map(last.get, run, zeros), repeat(limit))))
            except TypeError:  # a child that is no dictionary key (a JSON list)
                first = [None]
            if not all(first):
                self._latest = ordinal
                self._add_in_date_order(zip(children[start:], days[start:], repeat(None), strict=False))
                return True
            if info is None:  # the day's period opened only now, for referrals counted in it
                info = day_info(day)
                assert info is not None  # a date, checked above
            ordinal, cell = info[0], info[2]
            cell[0] += end - start - (len(set(first)) if first else 0)
            cell[1] += end - start
            last.update(zip(run, repeat(ordinal), strict=False))
        self._latest = ordinal
        return True

    def _add_by_child(self, rows: Iterable[tuple[Any, ...]]) -> None:
        days, day_info, done = self._days, self._day, self._done
        current, referrals = self._child, self._referrals
        for child, day, group in rows:
            info = (days.get(day) or day_info(day)) if child else None  # a period only for what is counted
            if info is None:
                self.excluded["no child or referral date"] += 1
                continue
            if child != current:
                self._finish_child()
                key = hash(child)  # a collision only costs a second reading, never a wrong count
                if key in done:
                    self.gave_up = True
                    return
                done.add(key)
                current = self._child = child
            referrals.append((info, group))

    def _finish_child(self) -> None:
        """Count the referrals of the child just read."""
        self._count_child(self._referrals)
        self._referrals.clear()

    def _count_child(self, referrals: list[tuple[tuple[int, int, list[int], str], object]]) -> None:
        """Count one child's referrals (each with its day's facts and group), in date order."""
        if len(referrals) == 1:  # most children: one referral, never a re-referral
            (_ordinal, _limit, cell, period), group = referrals[0]
            cell[1] += 1
            if self.group_by:
                self._count_group(False, period, group)
        elif referrals:
            previous = 0
            for (ordinal, limit, cell, period), group in sorted(referrals, key=lambda r: r[0][0]):
                self._count(previous >= limit, cell, period, group)
                previous = ordinal

    def _add_any(self, rows: Iterable[tuple[Any, ...]]) -> None:
        by_child, grouped, group_by = self._by_child, self._grouped, self.group_by
        for child, day, group in rows:
            if day is not None and type(day) is not dt.date:
                day = _checked_date(day, "referral_date")
            if not child or day is None:
                self.excluded["no child or referral date"] += 1
                continue
            ordinal = day.toordinal()
            if group_by:
                grouped.setdefault(child, []).append((ordinal, str(group or "unknown")))
                continue
            dates = by_child.get(child)
            if dates is None:
                by_child[child] = ordinal  # most children have one referral: a plain number
            elif isinstance(dates, int):
                by_child[child] = array("I", (dates, ordinal))
            else:
                dates.append(ordinal)

    def again(self) -> ReReferrals | None:
        """Where the records' order broke after the first batch: a fresh count keeping every
        referral (``ordered=False``), for a second reading."""
        return ReReferrals(self.frequency, self.group_by) if self.gave_up else None

    def result(self) -> IndicatorResult:
        if self.gave_up:
            raise LifError("re-referrals: the records were in no usable order; read them again with ordered=False")
        if self.mode == "any":
            self._count_any()
        elif self.mode == "child":
            self._finish_child()
        for period, (hits, referrals) in self._cells.items():
            self.num[(period, "")], self.den[(period, "")] = hits, referrals
        return IndicatorResult(
            "re-referrals-12m",
            "Re-referrals within 12 months of a previous referral",
            "percent",
            self.rows(True),
            dict(self.excluded),
            frequency=self.frequency,
            parts=("re-referrals", "referrals"),
            group_by=self.group_by or "",
        )

    def _count_any(self) -> None:
        facts: dict[int, tuple[int, int, list[int], str]] = {}  # day number -> _day's facts

        def day(ordinal: int) -> tuple[int, int, list[int], str]:
            found = facts.get(ordinal)
            if found is None:
                found = self._day(dt.date.fromordinal(ordinal))
                assert found is not None
                facts[ordinal] = found
            return found

        for days in self._by_child.values():
            ordinals = (days,) if isinstance(days, int) else days
            self._count_child([(day(o), None) for o in ordinals])
        for referrals in self._grouped.values():
            self._count_child([(day(o), group) for o, group in referrals])  # stable sort: same-day order kept
        self._by_child, self._grouped = {}, {}


def re_referrals(
    records: Records | Callable[[], Records], frequency: str = "month", group_by: str | None = None
) -> IndicatorResult:
    """Re-referrals within 12 months: the percentage of referrals in the period made within 12
    months of a previous referral of the same child (DfE CIN statistics definition).

    Needs ``child`` and ``referral_date``; records without either are counted in ``excluded``.
    ``records`` (dictionaries or batches) may be a function returning a fresh iterator (a
    source that can be read again): then an extract in date order, as extracts usually are, is
    read once keeping only each child's last referral, and only an extract out of order past
    its first batch is read a second time. A plain iterable is read once into compact per-child
    day arrays (4 bytes a referral).
    """
    if callable(records):
        acc = ReReferrals(frequency, group_by, ordered=True)
        feed_all(acc, records())
        if not acc.gave_up:
            return acc.result()
        records = records()
    return _run(ReReferrals(frequency, group_by), records)


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


class AssessmentTimeliness(Accumulator, _Periods):
    """Accumulator of :func:`assessment_timeliness`."""

    def __init__(
        self,
        frequency: str = "month",
        calendar: WorkingDays | None = None,
        *,
        start_field: str = "referral_date",
        limit: int = 45,
    ) -> None:
        _Periods.__init__(self, frequency)
        self.fields = (start_field, "start", "authorised")
        self.start_field, self.limit = start_field, limit
        self._counter = (calendar or WorkingDays()).counter()
        # Per day seen: its working-day number (working days since 1 January 2000), its
        # period, and that period's [within the limit, all] counts and durations.
        self._days: dict[object, tuple[int, str, list[int], dict[int, int]]] = {}
        self._cells: dict[str, tuple[list[int], dict[int, int]]] = {}

    def _day(self, day: dt.date) -> tuple[int, str, list[int], dict[int, int]]:
        period = period_key(day, self.frequency)
        cell, durations = self._cells.setdefault(period, ([0, 0], {}))
        info = self._days[day] = (self._counter(_EPOCH, day), period, cell, durations)
        return info

    @property
    def durations(self) -> dict[str, Counter[int]]:
        """Each period's durations in working days, counted."""
        return {period: Counter(durations) for period, (_cell, durations) in self._cells.items()}

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        excluded, days, day_facts = self.excluded, self._days, self._day
        limit, start_field = self.limit, self.start_field
        for start, own_start, done in rows:
            given = start is not None
            if start is None:
                start = own_start
            if done is None:
                excluded["not yet authorised"] += 1
                continue
            if type(done) is not dt.date:
                _checked_date(done, "authorised")
            if start is None:
                excluded["no start date"] += 1
                continue
            if type(start) is not dt.date:
                _checked_date(start, start_field if given else "start")
            if done < start:
                excluded["authorised before it started"] += 1
                continue
            began = days.get(start) or day_facts(start)
            ended = days.get(done) or day_facts(done)
            took = ended[0] - began[0]  # working days after the start, up to and including the end
            cell, durations = ended[2], ended[3]
            cell[1] += 1
            if took <= limit:
                cell[0] += 1
            durations[took] = durations.get(took, 0) + 1

    def result(self) -> IndicatorResult:
        for period, (cell, durations) in self._cells.items():
            if durations:
                self.num[(period, "")], self.den[(period, "")] = cell
        detail: dict[str, dict[str, float | int]] = {}
        for period, counts in sorted(self.durations.items()):
            if not counts:
                continue
            buckets = Counter({label: 0 for label, _, _ in ASSESSMENT_BUCKETS})
            for days, n in counts.items():
                buckets[_bucket(days)] += n
            detail[period] = {**buckets, "median": _percentile(counts, 0.5), "p90": _percentile(counts, 0.9)}
        return IndicatorResult(
            "assessments-45-days",
            f"Assessments completed within {self.limit} working days",
            "percent",
            self.rows(True),
            dict(self.excluded),
            detail,
            frequency=self.frequency,
            parts=(f"assessments-within-{self.limit}-from-{self.start_field}", "assessments-authorised"),
        )


def assessment_timeliness(
    records: Records,
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
    return _run(AssessmentTimeliness(frequency, calendar, start_field=start_field, limit=limit), records)


# --------------------------------------------------------------------------- child protection


class RepeatCpPlans(Accumulator, _Periods):
    """Accumulator of :func:`repeat_cp_plans`."""

    fields = ("child", "start", "previous_plans")

    def __init__(self, frequency: str = "year") -> None:
        _Periods.__init__(self, frequency)
        self.plans: dict[str, list[tuple[int, int | None]]] = defaultdict(list)

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for child, start, previous in rows:
            start = _checked_date(start, "start")
            if not child or start is None:
                self.excluded["no child or start date"] += 1
                continue
            self.plans[child].append((start.toordinal(), previous if isinstance(previous, int) else None))

    def result(self) -> IndicatorResult:
        num: Counter[tuple[str, str]] = Counter()
        den: Counter[tuple[str, str]] = Counter()
        for items in self.plans.values():
            items = sorted(items)
            for i, (ordinal, previous) in enumerate(items):
                key = (period_key(dt.date.fromordinal(ordinal), self.frequency), "")
                den[key] += 1
                earlier = any(o < ordinal for o, _ in items[:i])
                if earlier or (previous is not None and previous > 0):
                    num[key] += 1
        return IndicatorResult(
            "repeat-cp-plans",
            "Child protection plans that are a second or subsequent plan",
            "percent",
            _rows(num, den, True),
            dict(self.excluded),
            frequency=self.frequency,
            parts=("repeat-cp-plans-started", "cp-plans-started"),
        )


def repeat_cp_plans(records: Records, frequency: str = "year") -> IndicatorResult:
    """Child protection plans starting in the period for a child who had a plan before, however
    long ago: from ``previous_plans`` where given, or an earlier plan in the same data."""
    return _run(RepeatCpPlans(frequency), records)


class LongCpPlans(Accumulator, _Periods):
    """Accumulator of :func:`long_cp_plans`."""

    fields = ("start", "end")

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for start, end in rows:
            start, end = _checked_date(start, "start"), _checked_date(end, "end")
            if end is None:
                continue  # still open: not a plan ending in any period
            if start is None or end < start:
                self.excluded["no start date, or ends before it starts"] += 1
                continue
            key = (period_key(end, self.frequency), "")
            self.den[key] += 1
            two_years = (
                start.replace(year=start.year + 2)
                if not (start.month == 2 and start.day == 29)
                else dt.date(start.year + 2, 3, 1)
            )
            if end >= two_years:
                self.num[key] += 1

    def result(self) -> IndicatorResult:
        return IndicatorResult(
            "cp-plans-2-years",
            "Child protection plans ending that had lasted 2 years or more",
            "percent",
            self.rows(True),
            dict(self.excluded),
            frequency=self.frequency,
            parts=("cp-plans-ended-after-2-years", "cp-plans-ended"),
        )


def long_cp_plans(records: Records, frequency: str = "year") -> IndicatorResult:
    """Child protection plans ending in the period that had lasted 2 years or more."""
    return _run(LongCpPlans(frequency), records)


def rate_per_10000(count: int | float, population: int | float) -> float:
    """A count per 10,000 children aged 0-17, to 1 decimal place."""
    if population <= 0:
        raise LifError("the population must be more than 0")
    return round(count / population * 10_000, 1)
