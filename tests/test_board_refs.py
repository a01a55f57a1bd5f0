"""The loader's walk of record references: only fields that can hold one (a large board's
register is mostly references and values), exactly what iter_refs gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core.board import RECORD_REFS, iter_refs, ref_plan_of, refs_of
from lif_core.model import Measure

from .strategies import model_types, records


def _record_refs(record: object) -> list[tuple[object, ...]]:
    """The record references the board's reading checks: ``(path, value, targets)``."""
    return [(p, v, t) for p, v, t, _ in refs_of(record, RECORD_REFS)]


def _record_ref_plan(cls: type) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return ref_plan_of(cls, RECORD_REFS)


@pytest.mark.parametrize("cls", model_types(), ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_references_checked_are_those_iter_refs_gives(cls: type, data: st.DataObject) -> None:
    record = data.draw(records(cls))
    assert list(_record_refs(record)) == [(p, v, t) for p, v, t, k in iter_refs(record) if k == "ref"]


def test_a_measures_values_are_not_walked() -> None:
    assert "values" not in {name for name, _kind, _where in _record_ref_plan(Measure)}
