"""Reading in batches: the fast paths (CSV blocks, column conversion, several sources from one
file, only the fields wanted) give exactly what reading a record at a time gives."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import LifError, Plugins, load_board
from lif_core.builtins import sources
from lif_core.builtins.sources import CsvAdapter
from lif_core.data import (
    DataError,
    Pseudonymiser,
    SourceReport,
    _convert_column,
    _converters,
    read_batches,
    read_source,
    read_together,
)
from lif_core.extensions import BATCH_SIZE, Batch, Record, batches_of, quiet_collector

MakeBoard = Callable[..., Path]


def test_a_batch_is_columns_with_locations() -> None:
    batch = Batch.from_rows(("a", "b"), [(1, "x"), (2, "y")], ["line 2", "line 3"], [(1, "b", "doubtful")])
    assert batch.size == 2 and batch.column("a") == [1, 2] and batch.column("missing") == [None, None]
    assert list(batch.rows()) == [(1, "x"), (2, "y")]
    assert list(batch.records()) == [
        Record("line 2", {"a": 1, "b": "x"}),
        Record("line 3", {"a": 2, "b": "y"}, (("b", "doubtful"),)),
    ]
    with pytest.raises(ValueError, match="same length"):
        Batch(("a", "b"), [[1], [1, 2]], ["line 2"])
    with pytest.raises(ValueError, match="2 names but 1 columns"):
        Batch(("a", "b"), [[1]], ["line 2"])
    with pytest.raises(ValueError):
        Batch.from_rows(("a", "b"), [(1, "x"), (2,)], ["line 2", "line 3"])  # a short row is refused
    empty = Batch.from_rows(("a",), [], [])
    assert empty.size == 0 and list(empty.records()) == []


def test_records_group_into_batches_by_size_and_columns() -> None:
    records = [Record(f"line {i}", {"a": i}) for i in range(5)] + [Record("line 9", {"b": 1}, (("b", "odd"),))]
    batches = list(batches_of(records, size=2))
    assert [b.size for b in batches] == [2, 2, 1, 1]
    assert batches[-1].names == ("b",) and batches[-1].warnings == ((0, "b", "odd"),)
    assert [r for b in batches for r in b.records()] == records


def test_the_collector_is_paused_and_left_as_found() -> None:
    assert gc.isenabled()
    with quiet_collector():
        assert not gc.isenabled()
        with quiet_collector():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner block does not restart it early
    assert gc.isenabled()
    gc.disable()
    try:
        with quiet_collector():
            pass
        assert not gc.isenabled()  # a host that turned it off keeps it off
    finally:
        gc.enable()


# --------------------------------------------------------------------------- CSV blocks

field = st.text(alphabet=st.sampled_from('ab ,"\n\r'), max_size=6)
table = st.lists(st.tuples(field, field), max_size=40)


def _write(path: Path, rows: list[tuple[str, str]], blank_lines: list[int]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["x", "y"])
    for i, row in enumerate(rows):
        if i in blank_lines:
            out.write("\r\n")
        writer.writerow(row)
    text = out.getvalue()
    path.write_bytes(text.encode("utf-8"))
    return text


@given(rows=table, blanks=st.lists(st.integers(0, 40), max_size=3))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_csv_blocks_keep_every_row_and_its_starting_line(
    tmp_path: Path, rows: list[tuple[str, str]], blanks: list[int]
) -> None:
    """Rows with quoted line breaks, blank lines: each record's location is the line it starts
    on, counted the way csv.reader counts them."""
    path = tmp_path / "t.csv"
    _write(path, rows, blanks)
    expected = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        start = reader.line_num + 1
        for row in reader:
            if row:
                expected.append((f"line {start}", tuple(row)))
            start = reader.line_num + 1
    got = [(b.location(i), r) for b in CsvAdapter().batches(path, {}) for i, r in enumerate(b.rows())]
    assert got == expected


def test_csv_blocks_are_batch_sized_and_line_numbers_continue(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    n = BATCH_SIZE * 2 + 7
    path.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(n)), encoding="utf-8")
    batches = list(CsvAdapter().batches(path, {}))
    assert [b.size for b in batches] == [BATCH_SIZE, BATCH_SIZE, 7]
    assert batches[1].location(0) == f"line {BATCH_SIZE + 2}" and batches[2].location(6) == f"line {n + 1}"
    assert batches[2].column("a")[-1] == str(n - 1)


def test_a_short_row_after_a_quoted_line_break_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('a,b\n1,"two\nlines"\n\n3\n', encoding="utf-8")
    with pytest.raises(LifError, match=r"t\.csv: line 5: 1 fields, but the header has 2"):
        list(CsvAdapter().batches(path, {}))


# --------------------------------------------------------------------------- the CSV fast path


def _csv_as_before(path: Path, delimiter: str, encoding: str, batch_size: int) -> object:
    """What the CSV adapter gave before its fast path (the csv module reading every line), as
    ``[(location, row), ...]`` per batch, or the error's message: the reference the fast path is
    held to."""
    name = path.name
    with path.open(newline="", encoding=encoding) as handle:
        reader = csv.reader(
            itertools.chain.from_iterable(iter(lambda: handle.readlines(1 << 16), [])), delimiter=delimiter
        )
        try:
            header = next(reader, None)
            if header is None:
                raise LifError(f"{name}: the file is empty; expected a header row")
            names = sources._csv_header(name, header)
            width, out = len(names), []
            while True:
                line = reader.line_num
                rows: list[list[str]] = []
                step, fits = 16, {0, width}
                while len(rows) < batch_size:
                    more = list(itertools.islice(reader, min(step, batch_size - len(rows))))
                    rows += more
                    if len(more) < step or not set(map(len, more)) <= fits:
                        break
                    step = 256
                if not rows:
                    return out
                numbers = sources._row_lines(rows, line + 1)
                kept = [(n, tuple(r)) for r, n in zip(rows, numbers, strict=True) if r]
                for number, row in kept:
                    if len(row) != width:
                        raise LifError(f"{name}: line {number}: {len(row)} fields, but the header has {width}")
                if kept:
                    out.append([(f"line {n}", r) for n, r in kept])
        except csv.Error as exc:
            return f"{name}: line {reader.line_num}: {exc}"
        except LifError as exc:
            return str(exc)
        except UnicodeDecodeError as exc:
            return f"{name}: not {encoding} text (byte {exc.start}); set the encoding option"


def _csv_now(path: Path, options: dict[str, Any]) -> object:
    try:
        return [[(b.location(i), r) for i, r in enumerate(b.rows())] for b in CsvAdapter().batches(path, options)]
    except LifError as exc:
        return str(exc)


plain_field = st.text(alphabet=st.sampled_from("ab 1/é\ufeff\u2028\x0b"), max_size=4)
any_field = st.text(alphabet=st.sampled_from('ab ,;"\n\r\x00é\ufeff'), max_size=5)


@st.composite
def csv_texts(draw: st.DrawFn) -> tuple[str, str]:
    """A delimiter and a file's text: mostly plain lines as wide as the header (the fast path's
    case), mixed with quoted fields, line breaks in quotes, blank lines, ragged rows, NUL, a
    byte-order mark, CR, LF and CRLF line endings, and a last line with or without its break."""
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|", "a", "é"]))
    width = draw(st.integers(1, 4))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    lines = [delimiter.join(f"h{i}" for i in range(width))]
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(["plain"] * 6 + ["quoted", "ragged", "blank", "junk"]))
        if kind == "plain":
            lines.append(delimiter.join(draw(st.lists(plain_field, min_size=width, max_size=width))))
        elif kind == "quoted":
            out = io.StringIO(newline="")
            csv.writer(out, delimiter=delimiter, lineterminator="").writerow(
                draw(st.lists(any_field, min_size=width, max_size=width))
            )
            lines.append(out.getvalue())
        elif kind == "ragged":
            lines.append(delimiter.join(draw(st.lists(plain_field, min_size=0, max_size=width + 2))))
        elif kind == "blank":
            lines.append("")
        else:
            lines.append(draw(any_field))
    endings = [draw(st.sampled_from([ending, ending, ending, "\n", "\r\n"])) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, endings, strict=True))
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no line break after the last line
    return delimiter, ("\ufeff" if draw(st.booleans()) else "") + text


@given(
    case=csv_texts(),
    batch_size=st.sampled_from([1, 2, 3, 5, BATCH_SIZE]),
    read_chars=st.sampled_from([1, 9, 1 << 16]),
    field_limit=st.sampled_from([3, 131_072]),
    encoding=st.sampled_from(["utf-8-sig", "utf-8"]),
)
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_csv_fast_path_reads_exactly_as_the_csv_module(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str],
    batch_size: int,
    read_chars: int,
    field_limit: int,
    encoding: str,
) -> None:
    """Every file gives the same rows, batches, locations and errors as reading every line
    with the csv module did, whatever mix of plain lines (split without it) and lines only it
    reads: quotes, line breaks inside quotes, blank lines, ragged rows, NUL, CR endings, a
    byte-order mark, fields over its size limit; in batches of any size, read any amount at a
    time."""
    delimiter, text = case
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(sources, "BATCH_SIZE", batch_size)
    monkeypatch.setattr(sources, "READ_CHARS", read_chars)
    old_limit = csv.field_size_limit(field_limit)
    try:
        expected = _csv_as_before(path, delimiter, encoding, batch_size)
        got = _csv_now(path, {"delimiter": delimiter, "encoding": encoding})
    finally:
        csv.field_size_limit(old_limit)
    assert got == expected


@given(
    lines=st.lists(st.text(alphabet=st.sampled_from('ab ,"\n\r\x00é\ufeff'), max_size=8), min_size=1, max_size=8),
    width=st.integers(1, 3),
)
@settings(max_examples=1500, deadline=None)
def test_a_block_split_without_the_csv_module_has_its_fields(lines: list[str], width: int) -> None:
    """The fast path's own check, on any text: whatever it splits, the csv module reads (the
    text split into lines as a file gives them: at LF, CRLF and CR) into the same fields, one
    record a line."""
    text = "".join(lines)
    block = io.StringIO(text, newline="").readlines()
    plain = sources._PlainLines.of(",", width)
    assert plain is not None
    columns = plain.columns(text)
    if columns is None:
        return
    rows = list(csv.reader(block))
    assert len(rows) == len(block) and all(len(r) == width for r in rows)
    assert [list(c) for c in zip(*rows, strict=True)] == columns


@pytest.mark.parametrize("offset", [50, 9_000, 100_003, 300_001])
def test_a_byte_that_is_not_the_encoding_is_named_as_before(tmp_path: Path, offset: int) -> None:
    """Text is read in pieces the file object decodes in the same blocks as when it read lines,
    so the message names the same byte as before the fast path."""
    data = bytearray(("a,b\n" + "Zoë 1,x\n" * 50_000).encode("utf-8"))
    data[offset] = 0xFF
    path = tmp_path / "bad.csv"
    path.write_bytes(bytes(data))
    expected = _csv_as_before(path, ",", "utf-8-sig", BATCH_SIZE)
    assert isinstance(expected, str) and "not utf-8-sig text (byte " in expected
    assert _csv_now(path, {}) == expected


@given(text=st.text(alphabet=st.sampled_from("ab\n"), max_size=60), count=st.integers(0, 30))
def test_the_position_after_a_count_of_lines(text: str, count: int) -> None:
    ends = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    assert sources._after_lines(text, count) == (ends[count] if count < len(ends) else len(text))


def test_plain_lines_take_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file of plain lines (LF or CRLF, with or without a last line break) never reaches the
    csv module after its header; one quoted field sends only its own batch there."""
    calls = []
    real = csv.reader

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(sources.csv, "reader", counting)
    n = BATCH_SIZE * 3 + 5
    for end, last in (("\n", "\n"), ("\r\n", "\r\n"), ("\n", "")):
        path = tmp_path / "plain.csv"
        path.write_text("a,b\n" + end.join(f"C{i},x y" for i in range(n)) + last, encoding="utf-8", newline="")
        calls.clear()
        batches = list(CsvAdapter().batches(path, {}))
        assert len(calls) == 1  # the header's
        assert [b.size for b in batches] == [BATCH_SIZE] * 3 + [5]
        assert batches[3].column("a")[-1] == f"C{n - 1}" and batches[3].location(4) == f"line {n + 1}"
    rows = [f"C{i},x" for i in range(n)]
    rows[BATCH_SIZE + 10] = 'C1,"x, y"'
    path.write_text("a,b\n" + "\n".join(rows) + "\n", encoding="utf-8")
    calls.clear()
    batches = list(CsvAdapter().batches(path, {}))
    assert len(calls) == 2 and [b.size for b in batches] == [BATCH_SIZE] * 3 + [5]
    assert batches[1].column("b")[10] == "x, y"


# --------------------------------------------------------------------------- column conversion

KINDS = ["text", "int", "number", "bool", "date", "date:%d/%m/%Y", "dob", "child-id", "child-id?", "postcode"]
value = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "",
            " ",
            "1",
            "1.0",
            "01/02/2019",
            "2019-02-01",
            "2019-02-30",
            "yes",
            "CR0 1AB",
            "A1",
            " A1",
            "7.0",
            "nan",
            "inf",
        ]
    ),
    st.text(max_size=4),
    st.integers(-3, 3),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.booleans(),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2030, 1, 1)),
    st.lists(st.integers(0, 2), max_size=2),  # JSON gives lists and objects, which cannot be looked up
    st.dictionaries(st.sampled_from("ab"), st.integers(0, 2), max_size=1),
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


text_value = st.one_of(
    st.none(), st.sampled_from(["", " ", "1", "1.0", "01/02/2019", "A1", " A1", "7.0"]), st.text(max_size=4)
)


@given(
    kind=st.sampled_from(KINDS),
    column=st.one_of(st.lists(value, max_size=30), st.lists(text_value, max_size=30)),
    seen=st.lists(value, max_size=5),
)
@settings(max_examples=400, deadline=None)
def test_a_column_converts_exactly_as_its_values_one_at_a_time(kind: str, column: list[Any], seen: list[Any]) -> None:
    """Whatever the mix of types (1, 1.0 and True are one dictionary key, never one value
    here), repeats and values already known: the same values and the same errors, per row."""
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


def test_problems_in_a_batch_are_reported_in_file_order(make_board: MakeBoard) -> None:
    text = "child_id,referral_date\nA,01/01/2019\nB, \n,02/01/2019\nC,99/99/2019\n"
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\non_error = "warn"\n'
        'fields = { child_id = "child-id?", referral_date = "date:%d/%m/%Y" }\n',
        **{"refs.csv": text},
    )
    loaded = load_board(root)
    report = SourceReport("refs")
    rows = list(read_source(loaded, loaded.board.sources[0], Plugins.create(), report))
    assert [r["referral_date"] for r in rows] == [dt.date(2019, 1, 1), None, dt.date(2019, 1, 2), None]
    assert [p.path for p in report.problems] == ["line 5: referral_date"]


# --------------------------------------------------------------------------- several sources, few fields

CIN_BOARD = """
[[sources]]
id = "refs"
adapter = "cin-census"
path = "cin-2019.xml"
options = { table = "referrals" }

[[sources]]
id = "assess"
adapter = "cin-census"
path = "cin-2019.xml"
options = { table = "assessments" }
"""


def _cin_board(make_board: MakeBoard, children: int = 300) -> Path:
    from lif_dfe.fake import write_cin

    root = make_board(CIN_BOARD)
    write_cin(root / "cin-2019.xml", children, 2019, seed=5)
    return root


def test_two_tables_of_one_census_come_from_one_reading(make_board: MakeBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    from lif_dfe import cin

    root = _cin_board(make_board)
    loaded = load_board(root)
    plugins = Plugins.create()
    pseudo = Pseudonymiser(b"k" * 32)
    alone = {
        s.id: [r for b in read_batches(loaded, s, plugins, pseudonymiser=pseudo) for r in b.records()]
        for s in loaded.board.sources
    }
    monkeypatch.setattr(cin, "SMALL_FILE", 0)  # stream it, as a large return is
    readings = []
    real = cin.CinCensusAdapter._parse

    def counting(self: Any, *args: Any) -> Any:
        readings.append(args[1])
        return real(self, *args)

    monkeypatch.setattr(cin.CinCensusAdapter, "_parse", counting)
    together: dict[str, list[Record]] = {"refs": [], "assess": []}
    for source, batch in read_together(loaded, loaded.board.sources, plugins, pseudonymiser=pseudo):
        together[source.id].extend(batch.records())
    assert readings == [("referrals", "assessments")]  # one pass for both tables
    assert together == alone and len(alone["refs"]) > 300 and alone["assess"]


def test_only_the_fields_asked_for_are_read_and_checked(make_board: MakeBoard) -> None:
    text = "child_id,referral_date,age\nA,01/01/2019,x\nB,02/01/2019,y\n"
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y", age = "int" }\n'
        'rename = { child_id = "child" }\n',
        **{"refs.csv": text},
    )
    loaded = load_board(root)
    source = loaded.board.sources[0]
    with pytest.raises(DataError, match="line 2: age"):
        list(read_together(loaded, [source], Plugins.create(), pseudonymiser=Pseudonymiser(b"k" * 32)))
    ((_, batch),) = read_together(
        loaded, [source], Plugins.create(), pseudonymiser=Pseudonymiser(b"k" * 32), columns=[{"child", "referral_date"}]
    )
    assert batch.names == ("child", "referral_date")  # the bad ages are neither read nor reported
    assert batch.column("referral_date") == [dt.date(2019, 1, 1), dt.date(2019, 1, 2)]


CALLS: list[int] = []


def counted(function: Callable[..., Any]) -> Callable[..., Any]:
    CALLS.clear()

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        CALLS.append(1)
        return function(*args, **kwargs)

    return wrapper


def test_indicators_are_worked_out_together_and_read_again_only_when_needed(
    make_board: MakeBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lif_dfe import cin

    from lif_core.clocks import WorkingDays
    from lif_core.indicators import AssessmentTimeliness, ReReferrals, assessment_timeliness, re_referrals
    from lif_core.measures import compute_indicators

    root = _cin_board(make_board)
    loaded = load_board(root)
    refs, assess = loaded.board.sources
    plugins = Plugins.create()
    pseudo = Pseudonymiser(b"k" * 32)
    monkeypatch.setattr(cin, "SMALL_FILE", 0)
    monkeypatch.setattr(cin.CinCensusAdapter, "batches_for", counted(cin.CinCensusAdapter.batches_for))
    results = compute_indicators(
        loaded,
        [(refs, ReReferrals("month", ordered=True)), (assess, AssessmentTimeliness("month", WorkingDays()))],
        plugins,
        pseudonymiser=pseudo,
    )
    assert CALLS == [1]  # one reading of the census for both
    (referrals, refs_report), (timely, assess_report) = results
    assert referrals == re_referrals(read_source(loaded, refs, plugins, pseudonymiser=pseudo), "month")
    assert timely == assessment_timeliness(read_source(loaded, assess, plugins, pseudonymiser=pseudo), "month")
    assert refs_report.rows > 300 and assess_report.rows > 0


def test_an_extract_out_of_order_after_its_first_batch_is_read_a_second_time(make_board: MakeBoard) -> None:
    from lif_core.indicators import ReReferrals, re_referrals
    from lif_core.measures import compute_indicators

    n = BATCH_SIZE + 50
    days = [dt.date(2018, 1, 1) + dt.timedelta(days=i // 20) for i in range(n)]
    days[-1] = dt.date(2017, 6, 1)  # the last record, in the second batch, is out of date order
    text = "child_id,referral_date\n" + "".join(f"K{i % 300},{d:%d/%m/%Y}\n" for i, d in enumerate(days))
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y" }\nrename = { child_id = "child" }\n',
        **{"refs.csv": text},
    )
    loaded = load_board(root)
    (source,) = loaded.board.sources
    pseudo = Pseudonymiser(b"k" * 32)
    ((result, report),) = compute_indicators(
        loaded, [(source, ReReferrals("month", ordered=True))], Plugins.create(), pseudonymiser=pseudo
    )
    expected = re_referrals(list(read_source(loaded, source, Plugins.create(), pseudonymiser=pseudo)), "month")
    assert result == expected and report.rows == n  # the report is the second, complete reading's


def test_an_adapters_warnings_and_bad_values_are_reported_in_file_order(make_board: MakeBoard) -> None:
    xml = (
        "<Message><Children>"
        "<Child><ChildIdentifiers><LAchildID>A1</LAchildID></ChildIdentifiers><CINdetails>"
        "<CINreferralDate>2019-13-01</CINreferralDate><Assessments><AssessmentFactors>1A</AssessmentFactors>"
        "</Assessments></CINdetails></Child>"
        "<Child><ChildIdentifiers><LAchildID>A2</LAchildID></ChildIdentifiers><CINdetails>"
        "<CINreferralDate>2019-01-01</CINreferralDate><Assessments><AssessmentFactors>ZZ</AssessmentFactors>"
        "</Assessments></CINdetails></Child>"
        "<Child><ChildIdentifiers><LAchildID>A3</LAchildID></ChildIdentifiers><CINdetails>"
        "<CINreferralDate>2019-02-30</CINreferralDate><Assessments/></CINdetails></Child>"
        "</Children></Message>"
    )
    root = make_board(
        '[[sources]]\nid = "a"\nadapter = "cin-census"\npath = "cin-2019.xml"\non_error = "warn"\n'
        'options = { table = "assessments" }\n',
        **{"cin-2019.xml": xml},
    )
    loaded = load_board(root)
    report = SourceReport("a")
    rows = list(
        read_source(loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32))
    )
    assert len(rows) == 3
    assert [p.path for p in report.problems] == [
        "Message/Children[1]/Child[1]/CINdetails[1]/Assessments[1]: referral_date",
        "Message/Children[1]/Child[2]/CINdetails[1]/Assessments[1]: factors",
        "Message/Children[1]/Child[3]/CINdetails[1]/Assessments[1]: referral_date",
    ]


def test_failing_at_a_bad_value_passes_on_the_records_before_it(make_board: MakeBoard) -> None:
    """As a reader going a record at a time: the 55 records before line 57 come through, then
    the error; the report says 56 read and 55 kept."""
    lines = ["child_id,referral_date"] + [f"C{i},{(i % 28) + 1:02d}/03/2019" for i in range(2, 82)]
    lines[56] = "C57,31/02/2019"  # line 57 of the file
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y" }\n',
        **{"refs.csv": "\n".join(lines) + "\n"},
    )
    loaded = load_board(root)
    report = SourceReport("refs")
    got = []
    with pytest.raises(DataError, match="line 57: referral_date"):
        for record in read_source(loaded, loaded.board.sources[0], Plugins.create(), report):
            got.append(record)
    assert len(got) == 55 and report.rows == 56 and report.kept == 55 and report.failed


def test_re_referrals_by_referral_source_on_the_example() -> None:
    """The docs' example: by group, every referral counted once in its group and once overall."""
    from lif_core.indicators import re_referrals

    board = load_board(Path(__file__).resolve().parents[1] / "examples" / "croydon")
    source = next(s for s in board.board.sources if s.id == "cin-referrals")
    pseudo = Pseudonymiser(b"k" * 32)
    result = re_referrals(
        lambda: read_batches(board, source, Plugins.create(), pseudonymiser=pseudo), "year", group_by="referral_source"
    )
    overall = {r.period: (r.numerator, r.denominator) for r in result.rows if r.group == ""}
    for period, (hits, referrals) in overall.items():
        groups = [r for r in result.rows if r.period == period and r.group]
        assert sum(r.numerator for r in groups) == hits and sum(r.denominator for r in groups) == referrals
    assert result.series("6") and overall


def test_a_column_converts_when_the_pseudonym_memory_fills_midway(monkeypatch: pytest.MonkeyPatch) -> None:
    """A value known at the first lookup, then dropped from the pseudonyms' memory as it
    filled up with the column's new values, is converted again (it was a KeyError)."""
    from lif_core import data

    monkeypatch.setattr(data, "CACHE_SIZE", 4)
    pseudo = Pseudonymiser(b"k" * 32)
    convert, known = _converters("child-id", "", pseudo)
    convert("A")  # seen in an earlier batch
    column = ["A"] + [f"N{i}" for i in range(10)]
    values, bad = _convert_column(column, convert, known)
    assert values == [pseudo.child_id(v) for v in column] and bad == []
