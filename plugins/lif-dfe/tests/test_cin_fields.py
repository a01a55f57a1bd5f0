"""A small return read for only some fields (as the indicators ask for them) gives the records a
large return's reading gives for the same fields: the same values, places and warnings, and
the same records left out by the data-quality checks; and a reading of every field shares
one parse with any later reading."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_dfe import CinCensusAdapter
from lif_dfe import cin as cin_module
from lif_dfe.fake import write_cin

CIN = CinCensusAdapter()
TABLES = ("referrals", "assessments", "section47", "cp-plans", "cin-plans", "children")
FIELDS = sorted({c for t in TABLES for c in cin_module.COLUMNS[t]})


def _read(path: Path, tables: list[str], hints: list[frozenset[str] | None], *, small: bool) -> object:
    saved = cin_module.SMALL_FILE
    cin_module.SMALL_FILE = saved if small else 0
    cin_module._parsed.cache_clear()
    try:
        out: dict[int, list[object]] = {}
        for index, batch in CIN.batches_for(path, [{"table": t} for t in tables], hints):
            out.setdefault(index, []).extend(batch.records())
        return out
    finally:
        cin_module.SMALL_FILE = saved
        cin_module._parsed.cache_clear()


@pytest.fixture(scope="module")
def census(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cin") / "cin-census-2019.xml"
    write_cin(path, 120, 2019, seed=7, clean=False)  # with faults the checks find
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    readings=st.lists(
        st.tuples(st.sampled_from(TABLES), st.frozensets(st.sampled_from(FIELDS))), min_size=1, max_size=4
    )
)
def test_a_small_return_read_for_some_fields_reads_as_a_large_one(
    census: Path, readings: list[tuple[str, frozenset[str]]]
) -> None:
    tables = [t for t, _h in readings]
    hints: list[frozenset[str] | None] = [h for _t, h in readings]
    small = _read(census, tables, hints, small=True)
    assert small == _read(census, tables, hints, small=False)
    assert small or set(tables) <= {"section47", "cin-plans"}  # (the fake census has none of those)


def test_every_field_is_parsed_once_for_every_later_reading(census: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parses: list[tuple[str, ...]] = []
    real = CinCensusAdapter._parse

    def counted(self: CinCensusAdapter, path: Path, tables: tuple[str, ...], *args: object) -> object:
        parses.append(tables)
        return real(self, path, tables, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(CinCensusAdapter, "_parse", counted)
    cin_module._parsed.cache_clear()
    try:
        for _ in range(2):
            list(CIN.batches_for(census, [{"table": "referrals"}, {"table": "assessments"}], [None, None]))
            list(CIN.batches_for(census, [{"table": "cp-plans"}], [None]))
        assert parses == [cin_module.TABLES]  # every table, once
        for _ in range(2):  # some fields of some tables: those, once
            list(CIN.batches_for(census, [{"table": "referrals"}], [frozenset({"child"})]))
        assert parses == [cin_module.TABLES, ("referrals",)]
    finally:
        cin_module._parsed.cache_clear()
