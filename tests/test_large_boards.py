"""Large boards: what keeps loading, validating and reporting one linear in its size, with the
same outcome as before (benchmarks/report.py measures the time; nothing here is timed)."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import Check, Plugins, ReportSection, validate_board
from lif_core.board import iter_refs
from lif_core.document import Paragraph, Section
from lif_core.errors import PluginError, Problem
from lif_core.plugins import hookimpl
from lif_core.report import SectionContext, impact_report

from .strategies import model_types, records

MakeBoard = Callable[..., Path]


@pytest.fixture
def collector() -> Iterator[None]:
    """The collector as a host normally has it (on), whatever a test does to it."""
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:  # pragma: no cover - pytest runs with it on
        gc.disable()


def _watching(plugins: Plugins, seen: list[tuple[str, bool]]) -> None:
    """A check and a report section that note whether the cycle collector runs while they do."""

    def check(_loaded: object, _plugins: object) -> list[Problem]:
        seen.append(("check", gc.isenabled()))
        return []

    def build(_context: SectionContext) -> Section:
        seen.append(("section", gc.isenabled()))
        return Section("", (Paragraph("watched"),))

    class Watcher:
        @hookimpl
        def register_checks(self, register: Callable[[Check], None]) -> None:
            register(Check("gc-watch", "notes the collector", check))

        @hookimpl
        def register_report_sections(self, register: Callable[[ReportSection], None]) -> None:
            register(ReportSection(name="gc-watch", title="Watch", description="notes the collector", build=build))

    plugins.register(Watcher(), name="gc-watcher")


@pytest.mark.usefixtures("collector")
def test_loading_and_reporting_pause_the_cycle_collector_and_restore_it(
    plugins: Plugins, make_board: MakeBoard
) -> None:
    """A board's records and a report's tables are many objects and no cycles: the collector
    waits while they are made (its repeated sweeps of them made a large board's time grow
    faster than its size), and runs again after, on success and on failure alike."""
    seen: list[tuple[str, bool]] = []
    _watching(plugins, seen)
    root = make_board("", report='title = "Watched"\n[[sections]]\nsection = "gc-watch"\n')
    result = validate_board(root, plugins)
    assert result.ok, [str(p) for p in result.errors]
    assert gc.isenabled()
    assert result.loaded is not None
    impact_report(result.loaded, plugins, dt.date(2019, 3, 31))
    assert gc.isenabled()
    assert ("check", False) in seen and ("section", False) in seen
    assert all(not enabled for _where, enabled in seen)

    def broken(_context: SectionContext) -> Section:
        raise RuntimeError("a section plugin failed")

    class Broken:
        @hookimpl
        def register_report_sections(self, register: Callable[[ReportSection], None]) -> None:
            register(ReportSection(name="broken", title="Broken", description="fails", build=broken))

    plugins.register(Broken(), name="broken-section")
    (root / "report.toml").write_text('title = "Broken"\n[[sections]]\nsection = "broken"\n', encoding="utf-8")
    broken_result = validate_board(root, plugins)
    assert broken_result.loaded is not None
    with pytest.raises(PluginError, match="a section plugin failed"):
        impact_report(broken_result.loaded, plugins, dt.date(2019, 3, 31))
    assert gc.isenabled()


@pytest.mark.usefixtures("collector")
def test_a_host_that_turned_the_collector_off_keeps_it_off(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board("")
    gc.disable()
    result = validate_board(root, plugins)
    assert result.loaded is not None
    impact_report(result.loaded, plugins, dt.date(2019, 3, 31))
    assert not gc.isenabled()


@pytest.mark.parametrize("cls", model_types(), ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_names_validation_checks_are_the_references_iter_refs_gives(cls: type, data: st.DataObject) -> None:
    """The names a plugin provides or the framework defines, found without walking record
    references and values (a large register is mostly those): exactly what iter_refs gives,
    in its order, for every record type."""
    from lif_core.validate import _iter_names

    record = data.draw(records(cls))
    expected = [(p, v, t[0], k) for p, v, t, k in iter_refs(record) if k in ("plugin", "term")]
    assert list(_iter_names(record)) == expected


def test_nested_records_that_name_nothing_are_not_walked() -> None:
    """A measure's values can name nothing: validation does not visit them (a large board has
    tens of thousands); its collections of plain references are not visited at all."""
    from lif_core.model import Evidence, Measure
    from lif_core.validate import _names_plan

    assert "values" not in {name for name, _kind, _where in _names_plan(Measure)}
    assert all(kind != "ref" for _name, kind, _where in _names_plan(Evidence))
    assert ("kind", "term", "evidence_kinds") in _names_plan(Evidence)
