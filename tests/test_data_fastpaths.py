"""Column conversion's fast paths give exactly what converting one value at a time gives: a
column of runs of equal values converted a run at a time (dates in an extract in date order),
and a column with a few values not known yet filled in where they are."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lif_core import data
from lif_core.data import Pseudonymiser, _convert_column, _converters

KINDS = ["text", "int", "number", "bool", "date", "date:%d/%m/%Y", "dob", "child-id", "child-id?", "postcode"]

#: Values as CSV and XML give them (text, or None), good and bad for each kind, and a few others.
text_value = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "1", "1.0", "01/02/2019", "31/02/2019", "2019-02-01", "yes", "CR0 1AB", "A1", " A1"]),
    st.text(max_size=3),
)
other_value = st.one_of(
    st.integers(-2, 2),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.lists(st.integers(0, 2), max_size=2),
)


def _one_at_a_time(column: list[Any], convert: Callable[[Any], Any]) -> tuple[list[Any], list[tuple[int, str]]]:
    out: list[Any] = []
    bad: list[tuple[int, str]] = []
    for row, raw in enumerate(column):
        try:
            out.append(convert(raw))
        except ValueError as exc:
            out.append(None)
            bad.append((row, str(exc)))
    return out, bad


@st.composite
def run_columns(draw: st.DrawFn) -> list[Any]:
    """Runs of equal values (a value may come back in a later run), sometimes with a stray
    value of another type or a value breaking a run: long enough for the run path to try."""
    runs = draw(st.lists(st.tuples(text_value, st.integers(1, 80)), min_size=1, max_size=8))
    column: list[Any] = []
    for value, length in runs:
        column += [value] * length
    # equal values as distinct objects, as a reader makes them
    column = [v if not isinstance(v, str) else "".join(list(v)) for v in column]
    for _ in range(draw(st.integers(0, 2))):
        if column:
            at = draw(st.integers(0, len(column) - 1))
            column[at] = draw(st.one_of(text_value, other_value))
    return column


def _check(kind: str, column: list[Any], seen: list[Any]) -> None:
    name, _, fmt = kind.partition(":")
    pseudo = Pseudonymiser(b"k" * 32)
    convert, known = _converters(name, fmt, pseudo)
    for raw in seen:  # some values known before the column arrives
        with contextlib.suppress(ValueError, TypeError):
            convert(raw)
    expected_values, expected_bad = _one_at_a_time(column, convert)
    values, bad = _convert_column(column, convert, known)
    assert [(type(v), v) for v in values] == [(type(v), v) for v in expected_values]
    assert [(row, str(exc)) for row, exc in bad] == expected_bad


@given(kind=st.sampled_from(KINDS), column=run_columns(), seen=st.lists(text_value, max_size=5))
@settings(max_examples=500, deadline=None)
def test_a_column_of_runs_converts_as_its_values_one_at_a_time(kind: str, column: list[Any], seen: list[Any]) -> None:
    _check(kind, column, seen)


IDS = ["A1", "B2", "C3", "D4", "E5"]


@st.composite
def mostly_known(draw: st.DrawFn) -> list[Any]:
    """Identifiers known from earlier batches, with a few others among them: new, repeated,
    blank, bad or of other types (1, 1.0 and True among them, which a dictionary takes for one)."""
    column: list[Any] = draw(st.lists(st.sampled_from(IDS), min_size=8, max_size=80))
    tricky = st.sampled_from(["N1", "N2", " N1", 1, 1.0, True, 0, False])
    strays = draw(st.lists(st.one_of(tricky, tricky, text_value, other_value), min_size=1, max_size=6))
    for stray in strays:
        column.insert(draw(st.integers(0, len(column))), stray)
    return ["".join(list(v)) if isinstance(v, str) else v for v in column]


@given(kind=st.sampled_from(["child-id", "child-id?"]), column=mostly_known())
@example(kind="child-id", column=[*IDS * 8, 1, "N1", True, "N1", 1.0])
@settings(max_examples=500, deadline=None)
def test_a_column_with_a_few_new_identifiers_converts_as_one_at_a_time(kind: str, column: list[Any]) -> None:
    """Filled in where they are (or, where many are new, the column converted by value)."""
    _check(kind, column, IDS)


def test_the_run_path_takes_a_date_column_in_date_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """A day's referrals as one run each: converted a run at a time, never by hashing each row."""
    column = [f"{day:02d}/03/2019" for day in range(1, 10) for _ in range(300)]
    column = ["".join(list(v)) for v in column]  # distinct objects, as read
    convert, known = _converters("date", "%d/%m/%Y", Pseudonymiser(b"k" * 32))
    assert data._runs(column) is not None

    def no_grouping(*_args: Any) -> Any:
        raise AssertionError("grouped by value")

    monkeypatch.setattr(data, "_each_converted", no_grouping)
    values, bad = _convert_column(column, convert, known)
    assert values == [dt.date(2019, 3, d) for d in range(1, 10) for _ in range(300)] and bad == []
    bad_column = column[:600] + ["31/02/2019"] * 40 + column[600:]
    values, bad = _convert_column(bad_column, convert, known)
    assert [row for row, _exc in bad] == list(range(600, 640)) and values[600:640] == [None] * 40


def test_the_run_path_gives_up_on_a_column_of_different_values() -> None:
    assert data._runs([f"{d:02d}/03/2019" for d in range(1, 29)] * 3) is None
    assert data._runs(["a"] * 40 + [1] * 40) is None  # a run of a value that is not text
    # a value recurring inside what looks like one run is caught by the rebuilding
    assert data._converted_by_runs(["a"] * 20 + ["b"] + ["a"] * 20, str) is None


def test_a_value_whose_comparison_fails_leaves_the_run_path() -> None:
    """A value that cannot be compared with text (as an array is not) is converted as before,
    not a crash in the run path."""

    class Awkward:
        def __eq__(self, other: object) -> bool:
            raise ValueError("the truth value is ambiguous")

        __hash__ = object.__hash__

    column: list[Any] = ["01/03/2019"] * 40 + [Awkward()] + ["02/03/2019"] * 40
    assert data._converted_by_runs(column, str) is None


def test_a_few_new_identifiers_are_filled_in_where_they_are() -> None:
    pseudo = Pseudonymiser(b"k" * 32)
    convert, known = _converters("child-id", "", pseudo)
    for raw in ("A1", "B2"):
        convert(raw)
    column = ["A1", "B2"] * 20 + ["N1", "A1", "N1", " X"]
    values, bad = _convert_column(column, convert, known)
    assert values[:-1] == [pseudo.child_id(v) for v in column[:-1]] and values[-1] is None
    assert [row for row, _exc in bad] == [len(column) - 1]
