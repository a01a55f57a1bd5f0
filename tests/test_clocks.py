"""Working-day clocks. Every expected date below was counted by hand on a calendar, naming the
bank holidays skipped, so the tests check the arithmetic and the holiday data together."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lif_core import Plugins, load_board
from lif_core.clocks import ClockState, WorkingDays, add_months, review_clocks
from lif_core.validate import with_framework

from .conftest import CROYDON

D = dt.date
ENGLAND = WorkingDays("ENG")


@pytest.mark.parametrize(
    ("start", "days", "due", "why"),
    [
        # Christmas 2018: Tue 25 and Wed 26 Dec, Tue 1 Jan are bank holidays.
        (D(2018, 12, 21), 5, D(2019, 1, 2), "Mon 24, Thu 27, Fri 28, Mon 31, Wed 2"),
        # Christmas 2020: Fri 25 Dec, Boxing Day Sat 26 substituted on Mon 28 Dec, Fri 1 Jan.
        (D(2020, 12, 23), 5, D(2021, 1, 4), "Thu 24, Tue 29, Wed 30, Thu 31, Mon 4"),
        # Easter 2019: Good Friday 19 Apr, Easter Monday 22 Apr.
        (D(2019, 4, 17), 5, D(2019, 4, 26), "Thu 18, Tue 23, Wed 24, Thu 25, Fri 26"),
        # Easter 2024: Good Friday 29 Mar, Easter Monday 1 Apr.
        (D(2024, 3, 27), 3, D(2024, 4, 3), "Thu 28, Tue 2, Wed 3"),
        # August bank holiday 2019: Mon 26 Aug.
        (D(2019, 8, 22), 5, D(2019, 8, 30), "Fri 23, Tue 27, Wed 28, Thu 29, Fri 30"),
        # August bank holiday 2023: Mon 28 Aug.
        (D(2023, 8, 25), 1, D(2023, 8, 29), "Tue 29"),
        # Rapid review: 15 working days from a notification on Fri 4 Jan 2019, no holidays.
        (D(2019, 1, 4), 15, D(2019, 1, 25), "7-11, 14-18, 21-25 Jan"),
        # 15 working days across Christmas 2018 from Wed 12 Dec.
        (D(2018, 12, 12), 15, D(2019, 1, 7), "13,14,17-21,24,27,28,31 Dec, 2,3,4,7 Jan"),
        (D(2019, 1, 4), 0, D(2019, 1, 4), "day 0 is the start"),
    ],
)
def test_working_days_across_holidays(start: dt.date, days: int, due: dt.date, why: str) -> None:
    assert ENGLAND.add(start, days) == due, why
    if days:
        assert ENGLAND.between(start, due) == days


def test_bank_holidays_come_from_the_library() -> None:
    assert ENGLAND.holiday(D(2019, 8, 26)) == "Late Summer Bank Holiday"
    assert ENGLAND.holiday(D(2023, 5, 8)) == "Coronation of Charles III"  # a one-off, not in any fixed rule
    assert ENGLAND.holiday(D(2020, 12, 28)) == "Boxing Day (observed)"
    assert not ENGLAND.is_working_day(D(2019, 4, 19)) and not ENGLAND.is_working_day(D(2019, 4, 20))
    assert ENGLAND.is_working_day(D(2019, 4, 23))


@given(st.dates(min_value=D(2000, 1, 1), max_value=D(2040, 1, 1)), st.integers(min_value=0, max_value=60))
def test_add_and_between_agree(start: dt.date, days: int) -> None:
    end = ENGLAND.add(start, days)
    assert ENGLAND.between(start, end) == days
    assert days == 0 or ENGLAND.is_working_day(end)
    assert ENGLAND.between(end, start) == -days


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2018, 8, 31), 6, D(2019, 2, 28)),
        (D(2019, 8, 31), 6, D(2020, 2, 29)),
        (D(2018, 9, 3), -6, D(2018, 3, 3)),
        (D(2017, 2, 8), 6, D(2017, 8, 8)),
        (D(2018, 12, 15), 1, D(2019, 1, 15)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


def _croydon():  # type: ignore[no-untyped-def]
    loaded = with_framework(load_board(CROYDON), Plugins.create())
    assert loaded.framework is not None and loaded.framework.name == "england-wt2015"
    return loaded.board, loaded.framework


def test_the_rapid_review_clocks_of_baby_m() -> None:
    board, framework = _croydon()
    review = next(r for r in board.reviews if r.id == "rr-baby-m")
    # Aware Thu 20 Dec 2018: Fri 21, Mon 24, Thu 27, Fri 28, Mon 31 -> due Mon 31 Dec; notified Fri 4 Jan.
    notification, rapid = review_clocks(review, board, D(2019, 1, 20), framework)
    assert (notification.start_field, notification.due, notification.state) == (
        "aware",
        D(2018, 12, 31),
        ClockState.LATE,
    )
    assert "met 3 working day(s) late on 2019-01-04" in notification.describe(ENGLAND)  # Wed 2, Thu 3, Fri 4
    # 15 working days from Fri 4 Jan 2019 -> Fri 25 Jan: running on the 20th, overdue on the 28th.
    assert (rapid.due, rapid.state) == (D(2019, 1, 25), ClockState.RUNNING)
    assert review_clocks(review, board, D(2019, 1, 25), framework)[1].state is ClockState.RUNNING
    assert review_clocks(review, board, D(2019, 1, 28), framework)[1].state is ClockState.OVERDUE


def test_publication_and_board_deadlines_of_child_f() -> None:
    board, framework = _croydon()
    review = next(r for r in board.reviews if r.id == "scr-child-f")
    publication, response = review_clocks(review, board, D(2019, 3, 31), framework)
    # Decided 8 Feb 2017 + 6 months = 8 Aug 2017; published 22 Jan 2018.
    assert (publication.due, publication.done, publication.state) == (D(2017, 8, 8), D(2018, 1, 22), ClockState.LATE)
    # The board's own clock: report received Mon 2 Oct 2017 + 20 working days (no holidays) = Mon 30 Oct.
    assert (response.due, response.state, response.statutory) == (D(2017, 10, 30), ClockState.LATE, False)


def test_welsh_boards_count_welsh_bank_holidays() -> None:
    wales = WorkingDays("WLS")
    assert wales.add(D(2019, 8, 23), 1) == D(2019, 8, 27)  # Wales shares the August bank holiday
    assert WorkingDays("SCT").is_working_day(D(2019, 8, 26))  # Scotland does not: the calendar matters


@given(
    st.lists(
        st.tuples(st.dates(min_value=D(2000, 1, 1), max_value=D(2030, 1, 1)), st.integers(0, 800)),
        min_size=1,
        max_size=30,
    )
)
def test_the_fast_counter_agrees_with_counting_day_by_day(pairs: list[tuple[dt.date, int]]) -> None:
    """Whatever order dates arrive in (the running count grows both ways), answers never change."""
    counter = ENGLAND.counter()
    for start, span in pairs:
        end = start + dt.timedelta(days=span)
        assert counter(start, end) == ENGLAND.between(start, end)
