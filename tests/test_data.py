"""Reading sources: declared fields checked and converted, identifiers pseudonymised, every
problem named by file, line and column; the builtin JSON, Excel and SQLite adapters."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lif_core import DataSourceAdapter, LifError, PluginError, Plugins, Record, hookimpl, load_board
from lif_core.builtins.sources import JsonAdapter, SqliteAdapter, XlsxAdapter
from lif_core.data import KEY_ENV, DataError, Pseudonymiser, SourceReport, board_key, looks_like_child_id, read_source

MakeBoard = Callable[..., Path]


def _csv(rows: int, bad_line: int | None = None) -> str:
    lines = ["child_id,referral_date,source"]
    for line in range(2, rows + 2):
        day = "31/02/2019" if line == bad_line else f"{(line % 28) + 1:02d}/03/2019"
        lines.append(f"C{line:05d},{day},police")
    return "\n".join(lines) + "\n"


def _board(make_board: MakeBoard, csv_text: str, on_error: str = "fail", extra: str = "") -> Path:
    return make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        f'on_error = "{on_error}"\n'
        'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y" }\n' + extra,
        **{"refs.csv": csv_text},
    )


def _read(root: Path) -> tuple[list[dict[str, object]], SourceReport]:
    loaded = load_board(root)
    report = SourceReport("refs")
    rows = list(read_source(loaded, loaded.board.sources[0], Plugins.create(), report))
    return rows, report


def test_a_bad_date_on_line_57_fails_naming_line_and_column(make_board: MakeBoard) -> None:
    root = _board(make_board, _csv(80, bad_line=57))
    with pytest.raises(DataError) as info:
        _read(root)
    assert str(info.value) == "refs.csv: line 57: referral_date: '31/02/2019' is not a date in the form %d/%m/%Y"


def test_a_bad_date_warns_and_keeps_the_record_when_configured(make_board: MakeBoard) -> None:
    rows, report = _read(_board(make_board, _csv(80, bad_line=57), on_error="warn"))
    assert len(rows) == 80 and report.rows == 80 and report.kept == 80
    assert rows[55]["referral_date"] is None  # line 57 is the 56th record
    (problem,) = report.problems
    assert str(problem) == (
        "warning: refs.csv: line 57: referral_date: '31/02/2019' is not a date in the form %d/%m/%Y; "
        "kept the record with referral_date empty"
    )
    assert (report.errors, report.warnings) == (0, 1)


def test_identifiers_are_pseudonymised_consistently(make_board: MakeBoard) -> None:
    rows, report = _read(
        _board(make_board, "child_id,referral_date,source\nC1,01/01/2019,x\nC1,02/01/2019,y\nC2,03/01/2019,z\n")
    )
    ids = [r["child_id"] for r in rows]
    assert ids[0] == ids[1] != ids[2]
    assert all(isinstance(i, str) and i.startswith("c") and len(i) == 25 and "C1" not in i for i in ids)
    assert rows[0]["referral_date"] == dt.date(2019, 1, 1)
    assert "source" not in rows[0] and report.left_out == ["'source'"]  # undeclared: not read, and said so


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "child_id: is blank: every record needs the child's identifier"),
        (" C1", "child_id: has spaces around it: fix the export (the identifier is not shown here)"),
        ("12345.0", "child_id: ends in a stray '.0': the export turned it into a number"),
    ],
)
def test_messy_identifiers_are_refused_without_being_shown(make_board: MakeBoard, value: str, message: str) -> None:
    root = _board(make_board, f"child_id,referral_date,source\n{value},01/01/2019,x\n")
    with pytest.raises(DataError) as info:
        _read(root)
    assert str(info.value) == f"refs.csv: line 2: {message}"
    if value.strip():
        assert value.strip() not in str(info.value)


def test_columns_that_look_like_identifiers_must_be_declared(make_board: MakeBoard) -> None:
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n', **{"refs.csv": "CHILD,x\nA1,1\n"}
    )
    with pytest.raises(
        DataError, match=r'column\(s\) \'CHILD\' look like children\'s identifiers .* add fields.CHILD = "child-id"'
    ):
        _read(root)
    assert (
        looks_like_child_id("LAchildID")
        and looks_like_child_id("Child Unique ID")
        and looks_like_child_id("Child-ID")
        and looks_like_child_id("NHS No.")
        and looks_like_child_id("person_ref")
        and not looks_like_child_id("MOTHER")  # SSDA903: whether the child is a mother (0/1)
        and not looks_like_child_id("children_in_need")
    )


def test_dob_postcode_drop_and_rename(make_board: MakeBoard) -> None:
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        'fields = { DOB = "dob:%d/%m/%Y", POST = "postcode", NAME = "drop", N = "int", OK = "bool" }\n'
        'rename = { DOB = "birth_month" }\n',
        **{"refs.csv": "DOB,POST,NAME,N,OK\n27/03/2008,cr0 1ab,Jane Doe,7,yes\n"},
    )
    (row,), _ = _read(root)
    assert row == {"birth_month": "2008-03", "POST": "CR0 1", "N": 7, "OK": True}


@pytest.mark.parametrize(
    ("spec", "value", "message"),
    [
        ("int", "3.0", "'3.0' is not a whole number"),
        ("number", "abc", "'abc' is not a number"),
        ("number", "nan", "'nan' is not a finite number"),
        ("number", "-Infinity", "'-Infinity' is not a finite number"),
        ("bool", "maybe", "'maybe' is not true or false (1/0, true/false, yes/no)"),
        ("postcode", "NOPE", "is not a UK postcode (the value is not shown here)"),
        ("dob", "2008/03/27", "is not a date in the form %Y-%m-%d (the value is not shown here)"),
    ],
)
def test_field_kind_errors(make_board: MakeBoard, spec: str, value: str, message: str) -> None:
    root = make_board(
        f'[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\nfields = {{ X = "{spec}" }}\n',
        **{"refs.csv": f"X\n{value}\n"},
    )
    with pytest.raises(DataError) as info:
        _read(root)
    assert str(info.value) == f"refs.csv: line 2: X: {message}"


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_day_month_year_dates_parse_exactly(day: dt.date) -> None:
    from lif_core.data import _date_parser

    assert _date_parser("%d/%m/%Y")(day.strftime("%d/%m/%Y")) == day
    assert _date_parser("%Y-%m-%d")(day.isoformat()) == day


@given(st.text(max_size=12))
def test_date_parsers_refuse_anything_else_with_valueerror(text: str) -> None:
    from lif_core.data import _date_parser

    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            parsed = _date_parser(fmt)(text)
        except ValueError:
            continue
        assert parsed.strftime(fmt) == text


def test_the_key_comes_from_the_environment_or_a_private_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert board_key(tmp_path) == os.environ[KEY_ENV].encode()
    monkeypatch.delenv(KEY_ENV)
    key = board_key(tmp_path)
    path = tmp_path / ".lif" / "pseudonym.key"
    assert len(key) == 64 and path.read_text().strip().encode() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (tmp_path / ".lif" / ".gitignore").read_text() == "*\n"
    assert board_key(tmp_path) == key  # stable
    monkeypatch.setenv(KEY_ENV, "short")
    with pytest.raises(LifError, match="too short"):
        board_key(tmp_path)


def test_pseudonyms_depend_on_the_key() -> None:
    a, b = Pseudonymiser(b"k" * 20), Pseudonymiser(b"j" * 20)
    assert a.child_id("C1") == a.child_id("C1") != b.child_id("C1")
    assert Pseudonymiser.postcode("SW1A 1AA") == "SW1A 1" and Pseudonymiser.postcode("cr01ab") == "CR0 1"


@given(key=st.binary(min_size=1, max_size=150), identifier=st.text(max_size=40))
@example(key=b"k" * 64, identifier="C1")  # exactly one block
@example(key=b"k" * 65, identifier="C1")  # one byte over: hashed first
@settings(max_examples=300, deadline=None)
def test_a_pseudonym_is_the_keyed_hash_it_always_was(key: bytes, identifier: str) -> None:
    """Pseudonyms are HMAC-SHA256 of the identifier under the board's key (hashed from the
    key's padded blocks made once, for speed): any key length, shorter or longer than a
    SHA-256 block, and any identifier give exactly the published form, so pseudonyms already
    in a board's stored outputs never change."""
    expected = "c" + hmac.digest(key, identifier.encode("utf-8"), hashlib.sha256).hex()[:24]
    pseudo = Pseudonymiser(key)
    assert pseudo.child_id(identifier) == expected and pseudo.child_id(identifier) == expected  # cached the same


def test_a_pseudonym_is_pinned() -> None:
    """One value pinned as lif has always written it, whatever the implementation."""
    key = b"3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb"
    assert Pseudonymiser(key).child_id("FAKE0041905") == "c94f30a509eadd1f5b42171d0"


# --------------------------------------------------------------------------- builtin adapters


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=30), st.none(), st.booleans()), max_size=4
        ),
        max_size=20,
    )
)
def test_json_arrays_stream_back_exactly(
    tmp_path_factory: pytest.TempPathFactory, items: list[dict[str, object]]
) -> None:
    path = tmp_path_factory.mktemp("json") / "items.json"
    path.write_text(json.dumps(items, indent=1))
    assert [r.fields for r in JsonAdapter().read(path, {})] == items
    lines = path.with_suffix(".jsonl")
    lines.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    assert [r.fields for r in JsonAdapter().read(lines, {})] == items


def test_json_problems_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[\n{"a": 1},\n{"a": 2}\n{"a": 3}\n]')
    with pytest.raises(LifError, match=r"bad\.json: line 4: expected ',' or ']' after item 2"):
        list(JsonAdapter().read(bad, {}))
    scalar = tmp_path / "scalar.json"
    scalar.write_text("[1, 2]")
    with pytest.raises(LifError, match=r"scalar\.json: item 1 \(line 1\): expected an object, got int"):
        list(JsonAdapter().read(scalar, {}))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(LifError, match=r"broken\.jsonl: line 2: not JSON"):
        list(JsonAdapter().read(broken, {}))


def test_xlsx_rows_and_problems(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["child", "referral_date", "value"])
    sheet.append(["A1", dt.datetime(2019, 1, 2), 3])
    sheet.append([None, None, None])
    sheet.append(["A2", "=B2+5", 4])
    path = tmp_path / "book.xlsx"
    book.save(path)
    records = list(XlsxAdapter().read(path, {"sheet": "Data"}))
    assert [r.location for r in records] == ["Data!row 2", "Data!row 4"]
    assert records[1].fields["referral_date"] == "=B2+5"  # a formula is never taken as a value
    with pytest.raises(LifError, match="no sheet 'Nope'; sheets: Data"):
        list(XlsxAdapter().read(path, {"sheet": "Nope"}))
    not_a_book = tmp_path / "fake.xlsx"
    not_a_book.write_text("hello")
    with pytest.raises(LifError, match=r"fake\.xlsx: not a readable \.xlsx workbook"):
        list(XlsxAdapter().read(not_a_book, {}))


def test_xlsx_formula_in_a_date_field_is_reported(make_board: MakeBoard) -> None:
    import openpyxl

    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "xlsx"\npath = "book.xlsx"\non_error = "warn"\n'
        'fields = { referral_date = "date" }\n'
    )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["referral_date"])
    sheet.append(["=A1+1"])
    book.save(root / "book.xlsx")
    rows, report = _read(root)
    assert rows == [{"referral_date": None}]
    assert str(report.problems[0]).startswith(
        "warning: book.xlsx: Sheet!row 2: referral_date: '=A1+1' is not a date in the form %Y-%m-%d"
    )


def test_sqlite_reads_a_query_read_only(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    with sqlite3.connect(path) as db:
        db.execute("create table referrals(child text, day text)")
        db.executemany("insert into referrals values (?, ?)", [("A", "2019-01-01"), ("B", "2019-02-01")])
    records = list(SqliteAdapter().read(path, {"query": "select child, day from referrals order by day"}))
    assert [(r.location, r.fields) for r in records] == [
        ("row 1", {"child": "A", "day": "2019-01-01"}),
        ("row 2", {"child": "B", "day": "2019-02-01"}),
    ]
    with pytest.raises(LifError, match="must be a SELECT"):
        list(SqliteAdapter().read(path, {"query": "drop table referrals"}))
    with pytest.raises(LifError, match="the query failed"):
        list(SqliteAdapter().read(path, {"query": "select nothing from nowhere"}))
    with pytest.raises(LifError, match="option query is required"):
        list(SqliteAdapter().read(path, {}))
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from referrals").fetchone() == (2,)


def test_sources_resolve_inside_the_board(make_board: MakeBoard) -> None:
    root = make_board('[[sources]]\nid = "s"\nadapter = "json"\npath = "link.json"\n')
    outside = root.parent / "outside.json"
    outside.write_text("[]")
    (root / "link.json").symlink_to(outside)
    loaded = load_board(root)
    with pytest.raises(LifError, match="points outside the board folder"):
        list(read_source(loaded, loaded.board.sources[0], Plugins.create()))


# --------------------------------------------------------------------------- adapter errors


class _Failing(DataSourceAdapter):
    """An adapter failing at its second record with ``failure``."""

    name = "failing"
    suffixes = (".txt",)

    def __init__(self, failure: Exception) -> None:
        self.failure = failure

    def read(self, path: Path, options: Mapping[str, object]) -> Iterator[Record]:
        yield Record("line 1", {"n": "1"})
        raise self.failure


def _failing_board(make_board: MakeBoard, failure: Callable[[Path], Exception]) -> tuple[Path, Plugins]:
    """A board with a source read by an adapter failing with ``failure(the file's path)``."""
    board = make_board(
        '[[sources]]\nid = "extract"\nadapter = "failing"\npath = "data/extract.txt"\nfields = { n = "text" }\n',
        **{"data__extract.txt": "anything\n"},
    )

    class Gives:
        @hookimpl
        def register_data_sources(self, register: Callable[[DataSourceAdapter], None]) -> None:
            register(_Failing(failure(board / "data" / "extract.txt")))

    host = Plugins.create()
    host.register(Gives(), name="agency-export", kind="entry-point")
    return board, host


@pytest.mark.parametrize(
    "said",
    [
        "line 2: a record with no case number",  # as the convention asks: the host names the file
        "extract.txt: line 2: a record with no case number",  # the file's name: not named twice
        "data/extract.txt: line 2: a record with no case number",  # as the board names it
        "{path}: line 2: a record with no case number",  # its full path
    ],
)
def test_an_adapters_error_names_the_file_once_in_every_command(make_board: MakeBoard, said: str) -> None:
    from click.testing import CliRunner

    from lif_core.cli import make_cli

    board, host = _failing_board(make_board, lambda path: LifError(said.format(path=path)))
    expected = "data/extract.txt: line 2: a record with no case number"
    loaded = load_board(board)
    with pytest.raises(DataError) as info:
        list(read_source(loaded, loaded.board.sources[0], host))
    assert str(info.value) == expected
    data = CliRunner().invoke(make_cli(host), ["data", str(board), "-f", "markdown"])
    assert data.exit_code == 1
    assert f"- {expected}\n" in data.stdout and data.stdout.count("extract.txt: line 2") == 1


def test_an_adapter_that_crashes_is_blamed_naming_the_file_once(make_board: MakeBoard) -> None:
    board, host = _failing_board(
        make_board, lambda _: ValueError("invalid literal for int() with base 10: 'ZQX0000042'")
    )
    loaded = load_board(board)
    with pytest.raises(PluginError) as info:
        list(read_source(loaded, loaded.board.sources[0], host))
    assert str(info.value) == (
        'plugin "agency-export" in hook "register_data_sources (adapter \'failing\')": data/extract.txt: '
        "ValueError: invalid literal for int() with base …: '…' (words that might quote the data are left out)"
    )


@given(
    message=st.text(min_size=1, max_size=60).filter(lambda m: not m.startswith(("data/", "extract.txt", "/"))),
    named=st.sampled_from(["", "extract.txt: ", "data/extract.txt: ", "/boards/riverside/data/extract.txt: "]),
)
def test_name_file_names_the_file_once_however_the_adapter_said_it(message: str, named: str) -> None:
    from lif_core.data import name_file

    path = Path("/boards/riverside/data/extract.txt")
    assert name_file(named + message, "data/extract.txt", path) == f"data/extract.txt: {message}"
