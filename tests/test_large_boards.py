"""Large boards: what keeps loading, validating and reporting one linear in its size, with the
same outcome as before (benchmarks/report.py measures the time; nothing here is timed)."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import Check, Plugins, ReportSection, validate_board
from lif_core.board import iter_refs
from lif_core.document import Paragraph, Section, Table, cell_text
from lif_core.errors import PluginError, Problem
from lif_core.history import as_at, board_as_at, without_dangling
from lif_core.model import COLLECTIONS, Board, BoardInfo
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
    record = data.draw(records(cls))
    expected = [(p, v, t[0], k) for p, v, t, k in iter_refs(record) if k in ("plugin", "term")]
    assert list(_iter_names(record)) == expected


def test_nested_records_that_name_nothing_are_not_walked() -> None:
    """A measure's values can name nothing: validation does not visit them (a large board has
    tens of thousands); its collections of plain references are not visited at all."""
    from lif_core.model import Evidence, Measure

    assert "values" not in {name for name, _kind, _where in _names_plan(Measure)}
    assert all(kind != "ref" for _name, kind, _where in _names_plan(Evidence))
    assert ("kind", "term", "evidence_kinds") in _names_plan(Evidence)


def _reference_pruned(record: Any, present: set[str]) -> Any:
    """Pruning as first written: every field of every record walked, whatever its type."""
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(record)):
        value = getattr(record, field.name)
        required = field.default is attrs.NOTHING
        if field.metadata.get("ref"):
            if isinstance(value, tuple):
                kept = tuple(v for v in value if v in present)
                if len(kept) != len(value):
                    changes[field.name] = kept
            elif value is not None and value not in present:
                if required:
                    return None
                changes[field.name] = None
        elif isinstance(value, tuple):
            items = [p for p in (_reference_pruned(v, present) if attrs.has(type(v)) else v for v in value)]
            items = [p for p in items if p is not None]
            if len(items) != len(value) or any(a is not b for a, b in zip(items, value, strict=False)):
                changes[field.name] = tuple(items)
        elif attrs.has(type(value)):
            new = _reference_pruned(value, present)
            if new is None:
                if required:
                    return None
                changes[field.name] = None
            elif new is not value:
                changes[field.name] = new
    return attrs.evolve(record, **changes) if changes else record


def _reference_without_dangling(board: Board) -> Board:
    while True:
        present = {r.id for name in COLLECTIONS for r in board.collection(name)}
        changes = {}
        for name in COLLECTIONS:
            records = board.collection(name)
            kept = tuple(p for p in (_reference_pruned(r, present) for r in records) if p is not None)
            if kept != records:
                changes[name] = kept
        if not changes:
            return board
        board = attrs.evolve(board, **changes)


@st.composite
def _dangling_boards(draw: st.DrawFn) -> Board:
    """Boards whose records refer to ids drawn at random: many refer to records not there."""
    values = {
        name: tuple(draw(st.lists(records(cls), max_size=2)))
        for name, cls in COLLECTIONS.items()
        if name not in ("section11_standards",)
    }
    return Board(board=draw(records(BoardInfo)), **values)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(board=_dangling_boards())
def test_pruning_walks_only_records_that_can_refer_and_prunes_the_same(board: Board) -> None:
    """The board as it stood drops references to records it did not yet hold: walking only the
    fields that can hold a reference (not a measure's values) prunes exactly as walking all."""
    assert without_dangling(board) == _reference_without_dangling(board)


def test_a_board_unchanged_by_its_day_is_itself(plugins: Plugins, make_board: MakeBoard) -> None:
    """Where every record stood on the day as it stands now, the board as it stood is the very
    same board, and its records come from where they were read (nothing rebuilt or copied)."""
    root = make_board(
        """
        [[recommendations]]
        id = "rec"
        kind = "system-design"
        text = "Improve"
        owners = ["police"]

        [[actions]]
        id = "act"
        text = "Do it"
        recommendation = "rec"
        owner = "police"
        """
    )
    result = validate_board(root, plugins)
    assert result.loaded is not None
    then = as_at(result.loaded, dt.date(2030, 1, 1))
    assert then.board is result.loaded.board
    assert then.origins == result.loaded.origins
    assert board_as_at(result.loaded.board, dt.date(2030, 1, 1)) is result.loaded.board
    earlier = board_as_at(result.loaded.board, dt.date(1990, 1, 1))
    assert earlier.partners is result.loaded.board.partners  # a collection unchanged is the same tuple


def test_the_sections_that_scan_the_register_find_what_they_did(plugins: Plugins, make_board: MakeBoard) -> None:
    """A statutory function's evidence of the year, each item once however often it names the
    function; a priority's actions: its own, and board-level actions on one of its themes, not
    those at other levels or on no theme of it (found through an index and sets now)."""
    root = make_board(
        """
        [settings]
        report_date = 2019-03-31

        [[functions]]
        id = "fn"
        kind = "local-arrangements"
        text = "Publish the arrangements"

        [[priorities]]
        id = "pr"
        title = "Neglect"
        themes = ["information-sharing", "cin-2c"]

        [[actions]]
        id = "own"
        text = "Own action"
        priority = "pr"

        [[actions]]
        id = "board-theme"
        text = "Board action on a theme of it"
        level = "board"
        themes = ["cin-2c"]

        [[actions]]
        id = "agency-theme"
        text = "Multi-agency action on a theme of it"
        themes = ["cin-2c"]

        [[actions]]
        id = "board-other"
        text = "Board action on another theme"
        level = "board"
        themes = ["cin-3a"]

        [[evidence]]
        id = "twice"
        title = "Named twice"
        kind = "audit"
        date = 2018-06-01
        strength = "moderate"
        supports = ["fn", "own", "fn"]

        [[evidence]]
        id = "last-year"
        title = "Before the year"
        kind = "audit"
        date = 2018-03-01
        strength = "strong"
        supports = ["fn"]

        [[evidence]]
        id = "in-year"
        title = "In the year"
        kind = "audit"
        date = 2019-01-15
        strength = "weak"
        supports = ["fn"]
        """,
        report='title = "T"\n[[sections]]\nsection = "functions"\n[[sections]]\nsection = "priorities"\n',
    )
    result = validate_board(root, plugins)
    assert result.loaded is not None, [str(p) for p in result.errors]
    document = impact_report(result.loaded, plugins, dt.date(2019, 3, 31))
    functions, priorities = document.sections
    rows = next(b for b in functions.blocks if isinstance(b, Table)).rows
    assert [cell_text(c) for c in rows[0]][1:3] == ["2 (moderate)", "Named twice; In the year"]
    summary = next(b for b in priorities.blocks if isinstance(b, Table))
    assert summary.columns[2] == "Actions" and cell_text(summary.rows[0][2]) == "2"


def test_text_and_choices_are_checked_as_before_with_each_choice_hook_made_once() -> None:
    """Every text and every choice of a large register passes through the converter: a
    choice's hook is made once per type, and text is refused for what it always was."""
    from lif_core.convert import _enum_hook, iter_errors, structure
    from lif_core.model import Evidence, Strength

    assert _enum_hook(Strength) is _enum_hook(Strength)
    raw = {"id": "e", "title": "A\u202eB", "kind": "audit", "date": "2018-01-01", "strength": "firm"}
    with pytest.raises(Exception) as caught:
        structure(raw, Evidence)
    assert dict(iter_errors(caught.value)) == {
        ("title",): "contains a bidirectional override, U+202E, at character 2: control characters (but tab and "
        "newline) and bidirectional overrides are not allowed in text",
        ("strength",): "'firm' is not one of 'weak', 'moderate', 'strong'",
    }


def test_a_board_known_whole_is_not_walked_again(
    plugins: Plugins, make_board: MakeBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A board that passed validation refers to no record it does not hold, and a board once
    pruned is whole: the board as it stood is not pruned again, record by record, for each of
    the report's checks and its sections (one walk of a large register each)."""
    from lif_core import history

    root = make_board(
        """
        [[recommendations]]
        id = "rec"
        kind = "system-design"
        text = "Improve"
        owners = ["police"]
        """
    )
    result = validate_board(root, plugins)
    assert result.loaded is not None
    board = result.loaded.board
    dangling = attrs.evolve(board, partners=())  # the recommendation's owner is gone

    def walked(*_args: object) -> None:
        raise AssertionError("walked a board known whole")

    with monkeypatch.context() as patched:
        patched.setattr(history, "_pruned", walked)
        assert without_dangling(board) is board
        assert as_at(result.loaded, dt.date(2030, 1, 1)).board is board
        with pytest.raises(AssertionError, match="walked"):
            without_dangling(dangling)
    pruned = without_dangling(dangling)
    assert pruned.recommendations[0].owners == ()
    with monkeypatch.context() as patched:
        patched.setattr(history, "_pruned", walked)
        assert without_dangling(pruned) is pruned


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=8,
)
STORED = st.one_of(
    JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))),
    st.tuples(st.sampled_from(["", " ", "\n", "\t "]), JSON_VALUES, st.sampled_from(["", " ", "\n", " x", "{}"])).map(
        lambda t: t[0] + json.dumps(t[1]) + t[2]
    ),
    st.text(alphabet='{}[]",:0123456789.eE-+ntrufalsx \\', max_size=12),
    JSON_VALUES.map(lambda v: json.dumps(v).encode("utf-8")),
)


def test_a_stored_record_reads_back_as_json_loads_reads_it(tmp_path: Path) -> None:
    """The store decodes each record's JSON without json.loads' checks around it (a large
    register is tens of thousands): whatever a record's text, it reads back as json.loads reads
    it, and a text json.loads refuses is a clear "corrupt" error naming the record, as before."""
    from lif_core.store import Register, StoreError

    with Register.open(tmp_path / "register.sqlite", {}, who="test") as register:

        @settings(max_examples=500, deadline=None)
        @given(text=STORED)
        def reads_back(text: Any) -> None:
            try:
                expected = json.loads(text)
            except (ValueError, RecursionError):
                with pytest.raises(StoreError, match=r"corrupt: record 'r1' does not read back"):
                    register._load(text, "r1")
            else:
                assert register._load(text, "r1") == expected

        reads_back()


def test_an_import_fingerprints_each_record_as_digest_does(tmp_path: Path) -> None:
    """The fingerprint of a record brought in is taken from the record as checked, not by
    checking it a second time: it is the digest of the file's record, so the loader tells the
    files' records as imported from those edited since, as before."""
    from lif_core.convert import digest
    from lif_core.store import Register

    items = [
        ("recommendations", {"id": "rec", "kind": "system-design", "text": "Improve", "due": "2019-01-31"}),
        ("actions", {"id": "act", "text": "Do it", "recommendation": "rec", "status": "in-progress"}),
        (
            "evidence",
            {"id": "ev", "title": "Audit", "kind": "audit", "date": "2019-02-01", "supports": ["act", "rec"]},
        ),
    ]
    with Register.open(tmp_path / "register.sqlite", {}, who="test") as register:
        assert register.import_records(items) == (3, 0, 0)
        assert register.imported() == {data["id"]: digest(key, data) for key, data in items}
        assert register.import_records(items) == (0, 0, 3)


def test_a_delete_is_refused_for_exactly_the_records_that_refer_to_it(tmp_path: Path) -> None:
    """Deleting a record looks only at records holding its id as text (found by SQLite), then
    checks those: one naming it in a title, or an id that merely starts the same, is no user."""
    from lif_core.store import Register, StoreError

    items = [
        ("recommendations", {"id": "rec", "kind": "system-design", "text": "Improve"}),
        ("actions", {"id": "a5", "text": "Do it", "recommendation": "rec"}),
        ("actions", {"id": "a50", "text": "a5", "recommendation": "rec"}),
        ("evidence", {"id": "e1", "title": "a5", "kind": "audit", "date": "2019-02-01", "supports": ["a50"]}),
        ("evidence", {"id": "e2", "title": "Audit", "kind": "audit", "date": "2019-02-01", "supports": ["rec", "a5"]}),
        ("evidence", {"id": "e3", "title": "Audit", "kind": "audit", "date": "2019-02-02", "supports": ["a5"]}),
    ]
    with Register.open(tmp_path / "register.sqlite", {}, who="test") as register:
        register.import_records(items)
        with pytest.raises(StoreError, match=r"^refused: e2, e3 refer to 'a5': change them first$"):
            register.delete("a5")
        register.delete("e2")
        register.delete("e3")
        register.delete("a5")
        assert "a5" not in register.ids()
        with pytest.raises(StoreError, match=r"^refused: e1 refers to 'a50'"):
            register.delete("a50")


@pytest.mark.usefixtures("collector")
def test_a_broken_record_leaves_nothing_for_the_cycle_collector() -> None:
    """cattrs keeps each field's error in a list in the frame that caught it, which the error's
    traceback holds: a cycle per error. Loading runs with the collector paused, so a board of
    thousands of broken records would hold them all (a 50,000-record board: 729 MB, not 177):
    structuring clears those frames, and the errors are freed as soon as they are read."""
    from lif_core.convert import iter_errors, structure
    from lif_core.model import Evidence

    raw = {"id": "e", "title": 5, "kind": "audit", "date": "no", "strength": "x", "supports": [1, 2], "extra": True}
    gc.collect()
    gc.disable()
    try:
        for _ in range(200):
            try:
                structure(dict(raw), Evidence)
            except Exception as exc:  # noqa: BLE001 - read as the loader reads it
                assert len(list(iter_errors(exc))) == 6
        assert gc.collect() < 50  # none here; before: 74 objects in cycles per broken record
    finally:
        gc.enable()


def _iter_names(record: object) -> list[tuple[object, ...]]:
    """The names validation checks in a record: ``(path, value, registry or vocabulary, kind)``."""
    from lif_core.board import refs_of
    from lif_core.validate import NAMES

    return [(p, v, t[0], k) for p, v, t, k in refs_of(record, NAMES)]


def _names_plan(cls: type) -> list[tuple[str, str, str]]:
    """The fields validation visits for names: ``(field, kind, registry or vocabulary)``."""
    from lif_core.board import ref_plan_of
    from lif_core.validate import NAMES

    return [(name, kind, where[0] if where else "") for name, kind, where in ref_plan_of(cls, NAMES)]
