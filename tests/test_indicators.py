"""Indicators on a small hand-made extract: every expected figure below was worked out by hand
from the records listed, following the published definitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core.clocks import WorkingDays
from lif_core.indicators import (
    assessment_timeliness,
    long_cp_plans,
    percentage,
    period_key,
    rate_per_10000,
    re_referrals,
    referral_counts,
    repeat_cp_plans,
)

D = dt.date

REFERRALS: list[dict[str, Any]] = [
    {"child": "A", "referral_date": D(2018, 1, 10), "source": "police"},
    {"child": "A", "referral_date": D(2018, 6, 1), "source": "police"},
    {"child": "A", "referral_date": D(2019, 7, 1), "source": "school"},
    {"child": "B", "referral_date": D(2018, 3, 15), "source": "school"},
    {"child": "B", "referral_date": D(2019, 3, 16), "source": "school"},
    {"child": "C", "referral_date": D(2018, 6, 20), "source": "health"},
    {"child": "D", "referral_date": D(2017, 6, 1), "source": "police"},
    {"child": "D", "referral_date": D(2018, 5, 31), "source": "police"},
    {"child": None, "referral_date": D(2018, 5, 31), "source": "police"},
]


def rows(result: Any) -> dict[tuple[str, str], tuple[int, int, float | None]]:
    return {(r.period, r.group): (r.numerator, r.denominator, r.value) for r in result.rows}


def test_period_keys() -> None:
    assert period_key(D(2019, 3, 31), "year") == "2018-19" and period_key(D(2019, 4, 1), "year") == "2019-20"
    assert period_key(D(2019, 4, 1), "quarter") == "2019-Q2" and period_key(D(2019, 4, 1), "month") == "2019-04"


def test_re_referrals_within_12_months() -> None:
    result = re_referrals(REFERRALS, "year")
    # 2017-18: A 10 Jan, B 15 Mar, D 1 Jun 2017 are all first referrals.
    # 2018-19: A 1 Jun (after 10 Jan: yes), D 31 May 2018 (after 1 Jun 2017, within 12 months: yes),
    #          C (first), B 16 Mar 2019 (15 Mar 2018 is a year and a day before: no) -> 2 of 4.
    # 2019-20: A 1 Jul 2019 (1 Jun 2018 is more than 12 months before) -> 0 of 1.
    assert rows(result) == {("2017-18", ""): (0, 3, 0.0), ("2018-19", ""): (2, 4, 50.0), ("2019-20", ""): (0, 1, 0.0)}
    assert result.excluded == {"no child or referral date": 1}
    monthly = rows(re_referrals(REFERRALS, "month"))
    assert monthly[("2018-06", "")] == (1, 2, 50.0)
    grouped = rows(re_referrals(REFERRALS, "year", group_by="source"))
    assert grouped[("2018-19", "police")] == (2, 2, 100.0) and grouped[("2018-19", "school")] == (0, 1, 0.0)


def test_referral_counts_and_rates() -> None:
    # A, C, D and B, and the record with no child: a referral is counted without its child.
    assert rows(referral_counts(REFERRALS, "year"))[("2018-19", "")] == (5, 5, 5.0)
    assert rate_per_10000(250, 95_800) == 26.1  # 250 / 95,800 x 10,000 = 26.096


def test_assessments_within_45_working_days() -> None:
    records = [
        # Fri 21 Dec 2018 -> Wed 2 Jan 2019: 5 working days (Christmas, Boxing Day, New Year skipped).
        {"referral_date": D(2018, 12, 21), "authorised": D(2019, 1, 2)},
        # Same day.
        {"referral_date": D(2019, 4, 17), "authorised": D(2019, 4, 17)},
        # Fri 4 Jan -> Fri 15 Mar 2019: 19 (Jan) + 20 (Feb) + 11 (Mar) = 50 working days: late.
        {"referral_date": D(2019, 1, 4), "authorised": D(2019, 3, 15)},
        {"referral_date": D(2019, 3, 1), "authorised": D(2019, 2, 1)},
        {"referral_date": D(2019, 3, 20), "authorised": None},
    ]
    result = assessment_timeliness(records, "year", WorkingDays())
    assert rows(result) == {("2018-19", ""): (1, 2, 50.0), ("2019-20", ""): (1, 1, 100.0)}
    assert result.excluded == {"authorised before it started": 1, "not yet authorised": 1}
    detail = result.detail["2018-19"]
    assert detail["1-10"] == 1 and detail["46-50"] == 1 and detail["same day"] == 0
    assert (detail["median"], detail["p90"]) == (5, 50)
    assert result.detail["2019-20"]["same day"] == 1


PLANS: list[dict[str, Any]] = [
    {"child": "A", "start": D(2016, 5, 1), "end": D(2018, 6, 1), "previous_plans": 0},
    {"child": "A", "start": D(2018, 9, 1), "end": None, "previous_plans": 1},
    {"child": "B", "start": D(2018, 10, 1), "end": D(2019, 2, 1), "previous_plans": 0},
    {"child": "C", "start": D(2017, 1, 1), "end": D(2019, 1, 1), "previous_plans": None},
    {"child": "C", "start": D(2019, 1, 10), "end": None, "previous_plans": None},
]


def test_repeat_child_protection_plans() -> None:
    # 2016-17: A (first) and C (first) -> 0 of 2. 2018-19: A (previous_plans 1: repeat), B (first),
    # C 10 Jan 2019 (an earlier plan in the data: repeat) -> 2 of 3.
    assert rows(repeat_cp_plans(PLANS, "year")) == {("2016-17", ""): (0, 2, 0.0), ("2018-19", ""): (2, 3, 66.7)}


def test_plans_lasting_two_years_or_more() -> None:
    # Ending in 2018-19: A (1 May 2016 - 1 Jun 2018: over 2 years), B (4 months), C (1 Jan 2017 -
    # 1 Jan 2019: exactly 2 years, counts) -> 2 of 3.
    assert rows(long_cp_plans(PLANS, "year")) == {("2018-19", ""): (2, 3, 66.7)}


def test_percentages_round_half_up_to_their_published_precision() -> None:
    # 1 of 8 is 12.5% exactly: 13 to whole numbers (as published tables round), not 12 (banker's).
    assert percentage(1, 8, 0) == 13.0 and percentage(3, 8, 0) == 38.0 and percentage(1, 16, 1) == 6.3
    assert percentage(2, 3) == 66.7 and percentage(2, 3, 0) == 67.0 and percentage(0, 5) == 0.0
    assert percentage(1, 0) is None and percentage(1, 1000, 0) == 0.0  # a non-zero share reading 0: "k"


@given(st.integers(0, 10_000), st.integers(1, 10_000), st.integers(0, 3))
def test_percentage_is_the_nearest_at_its_precision(numerator: int, denominator: int, places: int) -> None:
    from fractions import Fraction

    value = percentage(numerator, denominator, places)
    assert value is not None
    exact = Fraction(100 * numerator, denominator)
    step = Fraction(1, 10**places)
    shown = Fraction(value).limit_denominator(10**places)
    assert abs(shown - exact) <= step / 2  # the nearest figure at that precision
    assert abs(shown - exact) < step / 2 or shown > exact  # a tie goes up


def test_population_must_be_positive() -> None:
    from lif_core import LifError

    with pytest.raises(LifError):
        rate_per_10000(1, 0)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.dates(min_value=D(2016, 1, 1), max_value=D(2019, 12, 31))),
        max_size=40,
    ),
    st.booleans(),
)
def test_re_referrals_agree_in_every_reading_mode(pairs: list[tuple[str, dt.date]], in_order: bool) -> None:
    """One pass over a date-ordered source, a second pass for an unordered one, or per-child
    arrays from a plain iterable: always the same figures."""
    records = [{"child": c, "referral_date": d} for c, d in (sorted(pairs, key=lambda p: p[1]) if in_order else pairs)]
    reads: list[int] = []

    def source() -> list[dict[str, Any]]:
        reads.append(1)
        return list(records)

    from_arrays = rows(re_referrals(list(records), "month"))
    assert rows(re_referrals(source, "month")) == from_arrays
    if in_order:
        assert len(reads) == 1  # read once: only each child's last referral kept


def test_disclosure_control_hides_small_numbers() -> None:
    """DfE's rule: 0 stays 0; 1 to 5 hidden; a share hidden when its numerator or denominator is."""
    from lif_core.disclosure import DEFAULT_RULE

    result = re_referrals(REFERRALS, "month")
    # Every monthly figure here rests on 1 to 5 referrals: all hidden, none published.
    assert result.series() == []
    assert result.suppressed() == [r.period for r in result.rows]
    assert result.series(rule=None)  # the unsuppressed figures exist, for the reader's own checks only
    assert not DEFAULT_RULE.hides_count(0) and DEFAULT_RULE.hides_count(1) and DEFAULT_RULE.hides_count(5)
    assert not DEFAULT_RULE.hides_count(6)
    assert DEFAULT_RULE.hides_share(0, 3) and not DEFAULT_RULE.hides_share(0, 6) and DEFAULT_RULE.hides_share(2, 40)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_no_published_share_reveals_a_small_count(numerator: int, denominator: int) -> None:
    from lif_core.disclosure import DEFAULT_RULE

    if not DEFAULT_RULE.hides_share(numerator, denominator):
        assert numerator == 0 or numerator >= 6
        assert denominator == 0 or denominator >= 6


def _batches(records: list[dict[str, Any]], size: int) -> list[Any]:
    from lif_core.extensions import Record, batches_of

    return list(batches_of((Record(f"row {i}", r) for i, r in enumerate(records)), size=size))


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("ABCDEFG"),
            st.dates(min_value=D(2016, 1, 1), max_value=D(2019, 12, 31)),
            st.sampled_from(["police", "school", None]),
        ),
        max_size=60,
    ),
    st.sampled_from(["as given", "by date", "by child"]),
    st.integers(1, 8),
    st.booleans(),
)
def test_re_referrals_from_batches_agree_whatever_the_order(
    triples: list[tuple[str, dt.date, str | None]], order: str, size: int, grouped: bool
) -> None:
    """Date order, grouped by child (as a census is), or no order; batches of any size; with or
    without groups: the accumulator gives what the plain per-child reckoning gives, and says
    when it needs a second reading (never silently wrong)."""
    from lif_core.indicators import ReReferrals, feed_all

    if order == "by date":
        triples = sorted(triples, key=lambda t: t[1])
    elif order == "by child":
        triples = sorted(triples, key=lambda t: t[0])  # stable: each child's own order kept
    records = [{"child": c, "referral_date": d, "source": s} for c, d, s in triples]
    group = "source" if grouped else None
    expected = rows(re_referrals(list(records), "month", group_by=group))
    acc = ReReferrals("month", group, ordered=True)
    feed_all(acc, _batches(records, size))
    if acc.gave_up:
        assert order == "as given" or len(records) > size  # only past the first batch
        with pytest.raises(Exception, match="no usable order"):
            acc.result()
        acc = ReReferrals("month", group)
        feed_all(acc, _batches(records, size))
    else:
        assert order != "as given" or acc.mode != "date" or records == sorted(records, key=lambda r: r["referral_date"])
    assert rows(acc.result()) == expected
    if order == "by child" and len(records) <= size:
        assert acc.mode in ("date", "child")  # a census's order needs no per-child history


def test_a_census_grouped_by_child_is_counted_child_by_child() -> None:
    from lif_core.indicators import ReReferrals

    records = [
        {"child": "A", "referral_date": D(2019, 5, 1)},
        {"child": "A", "referral_date": D(2018, 9, 1)},  # A's own referrals out of date order
        {"child": "B", "referral_date": D(2017, 1, 1)},
        {"child": "B", "referral_date": D(2017, 6, 1)},
    ]
    acc = ReReferrals("month", ordered=True)
    (batch,) = _batches(records, 10)
    acc.feed(batch)
    assert acc.mode == "child" and not acc.gave_up
    assert rows(acc.result()) == rows(re_referrals(records, "month"))
    later = ReReferrals("month", ordered=True)
    first, second = _batches([*records, {"child": "A", "referral_date": D(2019, 6, 1)}], 4)
    later.feed(first)
    later.feed(second)  # A again, after B: the order broke after the first batch
    assert later.gave_up


def test_each_builtin_indicator_agrees_with_its_function() -> None:
    from lif_core import Plugins
    from lif_core.indicators import feed_all

    functions = {
        "referrals": ("referrals", referral_counts),
        "re-referrals-12m": ("referrals", re_referrals),
        "assessments-45-days": ("assessments", assessment_timeliness),
        "repeat-cp-plans": ("cp-plans", repeat_cp_plans),
        "cp-plans-2-years": ("cp-plans", long_cp_plans),
    }
    tables: dict[str, list[dict[str, Any]]] = {
        "referrals": REFERRALS,
        "assessments": [
            {"referral_date": D(2019, 1, 7), "start": D(2019, 1, 8), "authorised": D(2019, 3, 1)},
            {"referral_date": None, "start": D(2019, 2, 1), "authorised": D(2019, 2, 1)},
            {"referral_date": D(2019, 2, 1), "start": None, "authorised": None},
        ],
        "cp-plans": [
            {"child": "A", "start": D(2016, 1, 1), "end": D(2018, 2, 1), "previous_plans": 0},
            {"child": "A", "start": D(2018, 6, 1), "end": None, "previous_plans": None},
            {"child": "B", "start": D(2018, 7, 1), "end": D(2018, 12, 1), "previous_plans": 2},
        ],
    }
    registry = Plugins.create(entry_points=False).indicators
    builtin = [n for n in registry.names() if registry.plugin_of(n) == "lif_core.builtins.indicators"]
    assert sorted(builtin) == sorted(functions)
    for name, (table, function) in functions.items():
        indicator = registry.get(name)
        acc = indicator.accumulator("month")
        feed_all(acc, _batches(tables[table], 2))
        again = acc.again()
        if again is not None:  # out of order after its first batch: counted again from the start
            acc = again
            feed_all(acc, _batches(tables[table], 2))
        result = acc.result()
        assert result == function(tables[table], "month"), name
        assert result.unit == indicator.unit and result.name == name


class _RowLoopOnly:
    """A ReReferrals that never takes the by-day-runs fast path (the simple row loop)."""

    @staticmethod
    def make() -> Any:
        from lif_core.indicators import ReReferrals

        class Slow(ReReferrals):
            def _feed_day_runs(self, children: list[Any], days: list[Any]) -> bool:
                return False

        return Slow("month", ordered=True)


def test_date_order_by_day_runs_with_a_child_that_is_no_key_as_the_row_loop() -> None:
    """A child read as an empty list (JSON) is no child, in the row loop and the fast path
    alike; a child read as a non-empty list is refused alike (TypeError), never counted."""
    from lif_core.indicators import ReReferrals

    records: list[dict[str, Any]] = [
        {"child": c, "referral_date": D(2019, 1, d)} for d, c in [(1, "A"), (1, "B"), (2, "A"), (2, []), (3, "B")]
    ]
    fast, slow = ReReferrals("month", ordered=True), _RowLoopOnly.make()
    for batch in _batches(records, 5):
        fast.feed(batch)
        slow.feed(batch)
    assert rows(fast.result()) == rows(slow.result()) and fast.excluded == slow.excluded
    assert sum(fast.excluded.values()) == 1
    bad = [{"child": "A", "referral_date": D(2019, 1, 1)}, {"child": ["x"], "referral_date": D(2019, 1, 2)}]
    for acc in (ReReferrals("month", ordered=True), _RowLoopOnly.make()):
        with pytest.raises(TypeError):
            for batch in _batches(bad, 5):
                acc.feed(batch)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.sampled_from("ABCDEFGH"), st.sampled_from([None, ""])),
            st.one_of(st.dates(min_value=D(2016, 1, 1), max_value=D(2018, 12, 31)), st.none()),
        ),
        max_size=80,
    ),
    st.integers(1, 20),
    st.sampled_from(["by date", "mostly by date", "as given"]),
)
def test_date_order_by_day_runs_count_as_the_row_loop(
    pairs: list[tuple[str | None, dt.date | None]], size: int, order: str
) -> None:
    """The date-order fast path (a batch counted a day at a time in C loops) gives exactly what
    the row loop gives on the same batches: same-day repeats of a child, records with no child
    or date, and days out of order included. A plain batch (every child and date given, in date
    order, none before the last batch's) is counted by it; anything else is left to the row loop."""
    from lif_core.indicators import ReReferrals

    if order != "as given":
        pairs = sorted(pairs, key=lambda p: p[1] or D(2016, 1, 1))
    if order == "mostly by date" and len(pairs) > 2:
        pairs[1], pairs[-1] = pairs[-1], pairs[1]
    records = [{"child": c, "referral_date": d} for c, d in pairs]
    fast, slow = ReReferrals("month", ordered=True), _RowLoopOnly.make()
    taken = 0
    for batch in _batches(records, size):
        children, days = batch.column("child"), batch.column("referral_date")
        plain = all(children) and None not in days and days == sorted(days)
        plain = plain and fast.mode == "date" and not fast.gave_up and days[0].toordinal() >= fast._latest
        if plain:
            taken += 1
            assert fast._feed_day_runs(children, days)
            fast._batches += 1
        else:
            fast.feed(batch)
        slow.feed(batch)
    if order == "by date" and all(c for c, _d in pairs) and all(d for _c, d in pairs):
        assert taken == len(_batches(records, size))  # every batch of a plain extract: the fast path
    assert (fast.gave_up, fast.mode) == (slow.gave_up, slow.mode)
    if not fast.gave_up:
        assert rows(fast.result()) == rows(slow.result())
        assert fast.excluded == slow.excluded
        assert rows(fast.result()) == rows(re_referrals(list(records), "month"))
