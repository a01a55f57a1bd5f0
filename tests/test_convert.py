"""The converter: exact types, unknown keys refused, key paths in errors, lossless round trips."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import attrs
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import model
from lif_core.convert import MAX_TEXT, iter_errors, structure, to_json, unstructure
from lif_core.errors import format_path

from .strategies import records

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ALL_TYPES = sorted(
    (v for v in vars(model).values() if isinstance(v, type) and attrs.has(v) and v.__module__ == model.__name__),
    key=lambda c: c.__name__,
)


def errors_of(data: Any, tp: type) -> list[str]:
    try:
        structure(data, tp)
    except Exception as exc:  # noqa: BLE001 - any structuring failure is the subject
        return [f"{format_path(p)}: {m}" for p, m in iter_errors(exc, (), tp)]
    raise AssertionError("no error raised")


def test_every_model_type_is_listed() -> None:
    assert model.Board in ALL_TYPES and model.CaseReview in ALL_TYPES and len(ALL_TYPES) >= 35


@pytest.mark.parametrize("tp", ALL_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_round_trip_toml_and_json(tp: type, data: st.DataObject) -> None:
    """loads(dumps(x)) == x, through real TOML text and real JSON text, for every record type."""
    value = data.draw(records(tp))
    plain = unstructure(value)
    toml_text = tomli_w.dumps({"x": plain})
    assert structure(tomllib.loads(toml_text)["x"], tp) == value
    json_text = to_json(plain)
    assert structure(json.loads(json_text), tp) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [("no", "expected true or false, got text 'no'"), (1, "expected true or false, got a number 1"), ("true", "text")],
)
def test_booleans_are_never_coerced(value: object, expected: str) -> None:
    (message,) = errors_of({"id": "p", "name": "P", "sector": "police", "illustrative": value}, model.Partner)
    assert message.startswith("illustrative: expected true or false") and expected in message


@given(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.lists(st.booleans(), max_size=2)))
def test_any_non_boolean_is_refused_for_a_boolean(value: object) -> None:
    (message,) = errors_of({"id": "p", "name": "P", "sector": "police", "illustrative": value}, model.Partner)
    assert message.startswith("illustrative: expected true or false")


@given(st.one_of(st.integers(), st.booleans(), st.floats(allow_nan=False), st.dates()))
def test_non_text_is_refused_for_text(value: object) -> None:
    messages = errors_of({"id": "p", "name": value, "sector": "police"}, model.Partner)
    assert messages == [f"name: expected text, got {messages[0].split('got ', 1)[1]}"]


def test_a_string_is_not_a_list() -> None:
    assert errors_of(
        {"id": "p", "name": "P", "sector": "police", "duties": "children-act-2004-s11"}, model.Partner
    ) == ["duties: expected a list, got text 'children-act-2004-s11'"]


def test_whole_numbers_refuse_floats_and_booleans() -> None:
    messages = errors_of({"id": "c", "title": "T", "sessions": True, "attended": 2.0}, model.Course)
    assert messages == [
        "sessions: expected a whole number, got true/false True",
        "attended: expected a whole number, got a number 2.0",
    ]


def test_enum_errors_list_the_choices() -> None:
    (message,) = errors_of({"id": "p", "name": "P", "sector": "polce"}, model.Partner)
    assert message.startswith("sector: 'polce' is not one of 'local-authority', 'health', 'police'")


def test_unknown_and_missing_keys_are_named() -> None:
    messages = errors_of({"id": "p", "sector": "police", "colour": "blue"}, model.Partner)
    assert "name: required key is missing" in messages
    assert any(m.startswith("colour: unknown key; allowed keys here are: id, name, sector") for m in messages)


def test_nested_paths_reach_list_items() -> None:
    data = {
        "id": "a",
        "text": "t",
        "status_log": [
            {"status": "in-progress", "date": dt.date(2018, 1, 1)},
            {"status": "done", "date": "2018-13-01"},
        ],
    }
    messages = errors_of(data, model.Action)
    assert (
        "status_log[1].status: 'done' is not one of 'not-started', 'in-progress', 'completed', 'blocked', 'cancelled'"
        in messages
    )
    assert "status_log[1].date: expected a date as YYYY-MM-DD, got '2018-13-01'" in messages


def test_validator_messages_keep_their_words_and_field() -> None:
    data = {
        "id": "a",
        "text": "t",
        "status": "completed",
        "status_log": [{"status": "in-progress", "date": "2018-02-01"}, {"status": "completed", "date": "2018-01-01"}],
    }
    (message,) = errors_of(data, model.Action)
    assert message.startswith("status_log[1].date: 2018-01-01 is before the previous entry's date 2018-02-01")


def test_datetimes_are_not_dates() -> None:
    (message,) = errors_of(
        {"id": "e", "title": "t", "kind": "data", "date": dt.datetime(2018, 1, 1, 9, 0)}, model.Evidence
    )
    assert message.startswith("date: expected a date without a time")


def test_huge_text_is_refused_not_truncated() -> None:
    (message,) = errors_of({"id": "p", "name": "x" * (MAX_TEXT + 1), "sector": "police"}, model.Partner)
    assert message == f"name: text is {MAX_TEXT + 1:,} characters long; the limit is {MAX_TEXT:,}"


def test_non_finite_numbers_are_refused() -> None:
    (message,) = errors_of({"period": "2018", "value": float("inf")}, model.Observation)
    assert message == "value: expected a finite number, got inf"


def test_option_values_keep_their_types() -> None:
    source = structure(
        {"id": "s", "adapter": "csv", "path": "a.csv", "options": {"a": 1, "b": "x", "c": True, "d": 1.5}}, model.Source
    )
    assert source.options == {"a": 1, "b": "x", "c": True, "d": 1.5}
    (message,) = errors_of({"id": "s", "adapter": "csv", "path": "a.csv", "options": {"a": [1]}}, model.Source)
    assert message == "options.a: expected text, a number or true/false, got a list"


def test_unstructure_omits_defaults() -> None:
    assert unstructure(model.Partner(id="p", name="P", sector=model.Sector.POLICE)) == {
        "id": "p",
        "name": "P",
        "sector": "police",
    }
