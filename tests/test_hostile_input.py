"""Hostile and broken input in the builtin adapters (CSV, JSON, Excel, SQLite): every problem
is a one-line error naming the file and the place, never a value from the file, never a
traceback, a hang, unbounded memory or rows silently lost."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import LifError, Plugins, load_board
from lif_core.builtins import sources
from lif_core.builtins.sources import CsvAdapter, JsonAdapter, SqliteAdapter, XlsxAdapter
from lif_core.data import Pseudonymiser, SourceReport, read_source

MakeBoard = Callable[..., Path]
SECRET = "ZQX0000042"  # a child's identifier: it must never appear in a message
ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------- building workbooks

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>"""


def _sheet(rows: str, dimension: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def _strings(*texts: str) -> str:
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="{MAIN}">{items}</sst>'


def _xlsx(
    path: Path,
    sheet: str,
    strings: str | None = None,
    styles: str | None = STYLES,
    *,
    name: str = "Data",
    parts: dict[str, bytes | str] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
    declare_strings: bool = False,
) -> Path:
    """A minimal workbook written part by part, so any part can be made hostile (the shared
    strings and styles are related to the workbook whether written or not)."""
    rels = [
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>',
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>',
        f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/>',
    ]
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    kinds = {"workbook.xml": "sheet.main", "worksheets/sheet1.xml": "worksheet"}
    kinds.update({"sharedStrings.xml": "sharedStrings"} if strings is not None or declare_strings else {})
    kinds.update({"styles.xml": "styles"} if styles is not None else {})
    types = "".join(
        f'<Override PartName="/xl/{part}" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.{kind}+xml"/>'
        for part, kind in kinds.items()
    )
    files: dict[str, bytes | str] = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{package}">{"".join(rels)}</Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    if strings is not None:
        files["xl/sharedStrings.xml"] = strings
    if styles is not None:
        files["xl/styles.xml"] = styles
    files.update(parts or {})
    with zipfile.ZipFile(path, "w", compression) as book:
        for member, data in files.items():
            book.writestr(member, data)
    return path


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = '<row r="1">' + _inline("A1", "child_id") + _inline("B1", "referral_date") + "</row>"


def _read_xlsx(path: Path, **options: object) -> list[tuple[str, dict[str, object]]]:
    return [(r.location, r.fields) for r in XlsxAdapter().read(path, options)]  # type: ignore[arg-type]


def _refused(read: Callable[[], object], *secrets: str) -> str:
    """The one-line LifError reading gives; it must not hold any of ``secrets``."""
    with pytest.raises(LifError) as info:
        read()
    message = str(info.value)
    assert "\n" not in message
    for secret in secrets or (SECRET,):
        assert secret not in message, message
    return message


# --------------------------------------------------------------------------- Excel: cells


@pytest.mark.parametrize("kind", ["n", "b", "d", None])
def test_xlsx_a_mistyped_cell_is_named_and_never_shown(tmp_path: Path, kind: str | None) -> None:
    """A cell marked as a number, true/false or a date that holds text (an identifier) is
    refused by sheet, row, cell and column: the identifier is never repeated."""
    mark = f' t="{kind}"' if kind else ""
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + f'<row r="2"><c r="A2"{mark}><v>{SECRET}</v></c></row>'))
    message = _refused(lambda: _read_xlsx(path))
    assert message.startswith("book.xlsx: Data!row 2: cell A2 (child_id): marked as ")
    assert "format the cell as Text" in message


def test_xlsx_a_mistyped_cell_never_reaches_the_user_through_the_reader(make_board: MakeBoard) -> None:
    """Through read_source (where another exception would be wrapped with its text)."""
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "xlsx"\npath = "book.xlsx"\nfields = { child_id = "child-id" }\n'
    )
    _xlsx(root / "book.xlsx", _sheet(HEADER + f'<row r="2"><c r="A2" t="n"><v>{SECRET}</v></c></row>'))
    loaded = load_board(root)
    message = _refused(lambda: list(read_source(loaded, loaded.board.sources[0], Plugins.create())))
    assert message.startswith("book.xlsx: Data!row 2: cell A2 (child_id)")


@pytest.mark.parametrize(
    ("cells", "strings", "expected"),
    [
        ('<row r="2"><c r="A2" t="s"><v>7</v></c></row>', (), "cell A2 (child_id): refers to a shared string"),
        ('<row r="2"><c r="A2" t="s"><v>' + SECRET + "</v></c></row>", (), "cell A2 (child_id): refers to a shared"),
        ('<row r="x"><c r="A2"><v>1</v></c></row>', (), "Data: the row after row 1 has an invalid row number"),
        ('<row r="²"><c r="A2"><v>1</v></c></row>', (), "Data: the row after row 1 has an invalid row number"),
        ('<row r="2000000"><c r="A2000000"><v>1</v></c></row>', (), "beyond Excel's last row"),
        (
            '<row r="3"><c r="A3"><v>1</v></c></row><row r="2"><c r="A2"><v>2</v></c></row>',
            (),
            "the row after row 3 says it is row 2: rows out of order",
        ),
        (f'<row r="2"><c r="{SECRET}"><v>1</v></c></row>', (), "Data!row 2: the cell after the row's start has an"),
        ('<row r="2"><c r="A3"><v>1</v></c></row>', (), "Data!row 2: the cell after the row's start has an invalid"),
        ('<row r="2"><c r="B2"><v>1</v></c><c r="A2"><v>1</v></c></row>', (), "cell A2 (child_id): comes after"),
        ('<row r="2"><c r="XFE2"><v>1</v></c></row>', (), "a cell beyond Excel's last column (XFD)"),
        ('<row r="2"><c r="B2" s="1"><v>99999999999</v></c></row>', (), "cell B2 (referral_date): formatted as a date"),
        ('<row r="2"><c r="B2" s="2"><v>-5</v></c></row>', (), "cell B2 (referral_date): formatted as a date but"),
        ('<row r="2"><c r="A2" t="zz"><v>' + SECRET + "</v></c></row>", (), "cell A2 (child_id): has a cell type"),
        ('<row r="2"><c r="A2"><v>1e999</v></c></row>', (), "cell A2 (child_id): a number too large for Excel"),
        (f'<row r="2"><c r="A2" t="d"><v>2019-13-45{SECRET}</v></c></row>', (), "cell A2 (child_id): marked as a date"),
        ('<row r="2"><c r="A2"><v>1</v></c><c r="D2" t="s"><v>0</v></c></row>', (SECRET,), "values beyond the last"),
        (
            '<row r="2"><c r="A2"><f t="shared" si="0">)</f></c><c r="B2"><f t="shared" si="0"/></c></row>',
            (),
            "cell B2",
        ),
    ],
)
def test_xlsx_every_malformed_part_of_a_sheet_is_located_and_never_shown(
    tmp_path: Path, cells: str, strings: tuple[str, ...], expected: str
) -> None:
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + cells), _strings(*strings))
    message = _refused(lambda: _read_xlsx(path))
    assert message.startswith("book.xlsx: ") and expected in message


def test_xlsx_header_problems_name_columns_never_values(tmp_path: Path) -> None:
    """A sheet that has lost its header row has a child's record there: header problems name
    columns by letter."""
    row = _inline("A1", SECRET) + _inline("B1", "2008-03-01") + _inline("C1", SECRET)
    path = _xlsx(tmp_path / "book.xlsx", _sheet(f'<row r="1">{row}</row><row r="2"><c r="A2"><v>1</v></c></row>'))
    assert _refused(lambda: _read_xlsx(path), SECRET, "2008-03-01") == (
        "book.xlsx: Data!row 1: columns A, C have the same name; give each column its own name"
    )
    row = _inline("A1", SECRET) + _inline("C1", "x")
    path = _xlsx(tmp_path / "blank.xlsx", _sheet(f'<row r="1">{row}</row>'))
    assert "header has blank column(s) B" in _refused(lambda: _read_xlsx(path))
    path = _xlsx(tmp_path / "missing.xlsx", _sheet('<row r="3"><c r="A3"><v>1</v></c></row>'))
    assert "Data!row 1: the header row is blank" in _refused(lambda: _read_xlsx(path))


CELL_TYPES = st.sampled_from(["n", "s", "b", "d", "e", "str", "inlineStr", "", "x", "N"])
RAW = st.one_of(
    st.just(SECRET),
    st.text(alphabet="0123456789.eE+-ZQX :T", min_size=1, max_size=12),
    st.integers(-(10**20), 10**20).map(str),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=CELL_TYPES, raw=RAW, style=st.sampled_from(["", "0", "1", "2", "9", "x"]), formula=st.booleans())
def test_xlsx_any_cell_type_and_value_reads_or_is_refused_without_the_value(
    tmp_path: Path, kind: str, raw: str, style: str, formula: bool
) -> None:
    attrs = (f' t="{kind}"' if kind else "") + (f' s="{style}"' if style else "")
    inner = f"<f>{raw}</f>" if formula else f"<v>{raw}</v>"
    path = _xlsx(
        tmp_path / "book.xlsx", _sheet(HEADER + f'<row r="2"><c r="A2"{attrs}>{inner}</c></row>'), _strings("a", "b")
    )
    try:
        rows = _read_xlsx(path)
    except LifError as exc:
        message = str(exc)
        assert message.startswith("book.xlsx: Data!row 2: cell A2 (child_id): ")
        assert SECRET not in message
        assert len(raw) < 5 or raw not in message.replace("(1900 to 9999)", "")
    else:
        assert len(rows) <= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.sampled_from(["", "a", "b", SECRET, "2008-03-01"]), min_size=1, max_size=8),
    header_row=st.integers(1, 3),
)
def test_xlsx_any_header_layout_reads_or_is_refused_by_position(
    tmp_path: Path, names: list[str], header_row: int
) -> None:
    cells = "".join(_inline(f"{chr(65 + i)}{header_row}", n) for i, n in enumerate(names) if n)
    data = f'<row r="{header_row + 1}"><c r="A{header_row + 1}"><v>1</v></c></row>'
    path = _xlsx(tmp_path / "book.xlsx", _sheet(f'<row r="{header_row}">{cells}</row>{data}'))
    try:
        rows = _read_xlsx(path, header_row=header_row)
    except LifError as exc:
        assert SECRET not in str(exc) and "2008-03-01" not in str(exc)
    else:
        assert [r[0] for r in rows] == [f"Data!row {header_row + 1}"]


# --------------------------------------------------------------------------- Excel: what it reads


def test_xlsx_reads_every_row_whatever_the_dimension_says(tmp_path: Path) -> None:
    """A stale <dimension ref="A1:C1"> (openpyxl's read-only mode trusts it) loses no row."""
    rows = "".join(f'<row r="{n}">' + _inline(f"A{n}", f"C{n}") + "</row>" for n in range(2, 7))
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + rows, dimension="A1:C1"))
    records = _read_xlsx(path)
    assert [loc for loc, _ in records] == [f"Data!row {n}" for n in range(2, 7)]
    assert records[-1][1] == {"child_id": "C6", "referral_date": None}
    # A dimension that starts below row 1 does not shift the rows' numbers.
    path = _xlsx(tmp_path / "shifted.xlsx", _sheet(HEADER + rows, dimension="B3:C4"))
    assert [loc for loc, _ in _read_xlsx(path)] == [f"Data!row {n}" for n in range(2, 7)]


def test_xlsx_keeps_todays_reading(tmp_path: Path) -> None:
    """Header row and sheet options, formulas as written (a shared one translated to its cell),
    date-formatted numbers as dates, shared and rich strings, blank rows skipped, booleans."""
    rows = (
        '<row r="1"><c r="A1"><v>0</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="s"><v>1</v></c><c r="C3" t="s"><v>2</v></c></row>'
        '<row r="4"><c r="A4" t="s"><v>3</v></c><c r="B4" s="1"><v>43466</v></c><c r="C4" t="b"><v>1</v></c></row>'
        '<row r="5"><c r="A5"/><c r="B5" s="2"/></row>'
        '<row r="7"><c r="A7"><f t="shared" ref="A7:A8" si="0">H7+5</f><v>9</v></c><c r="B7" s="2"><v>43467.5</v></c></row>'
        '<row r="8"><c r="A8"><f t="shared" si="0"/><v>9</v></c><c r="C8"><v>2.5</v></c></row>'
    )
    strings = (
        f'<?xml version="1.0"?><sst xmlns="{MAIN}"><si><t>child_id</t></si><si><t>referral_date</t></si>'
        "<si><t>flag</t></si><si><r><t>C</t></r><r><rPr/><t>1</t></r><rPh><t>x</t></rPh></si></sst>"
    )
    path = _xlsx(tmp_path / "book.xlsx", _sheet(rows, dimension="A1:A1"), strings, name="Referrals")
    assert _read_xlsx(path, sheet="Referrals", header_row=3) == [
        ("Referrals!row 4", {"child_id": "C1", "referral_date": dt.datetime(2019, 1, 1), "flag": True}),
        ("Referrals!row 7", {"child_id": "=H7+5", "referral_date": dt.datetime(2019, 1, 2, 12), "flag": None}),
        ("Referrals!row 8", {"child_id": "=H8+5", "referral_date": None, "flag": 2.5}),
    ]
    assert "no sheet 'Nope'; sheets: Referrals" in _refused(lambda: _read_xlsx(path, sheet="Nope"))


CELL_VALUES = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=20).filter(
        lambda t: not t.startswith("=")
    ),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
    st.sampled_from(["=A1+1", "=SUM(B2:B3)", '="x"&"y"']),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL_VALUES, min_size=3, max_size=3), max_size=6))
def test_xlsx_reads_what_openpyxl_writes_as_openpyxl_reads_it(tmp_path: Path, rows: list[list[object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["a", "b", "c"])
    for row in rows:
        sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    expected = []
    reference = openpyxl.load_workbook(path, read_only=True)
    for number, values in enumerate(reference["Data"].iter_rows(min_row=2, values_only=True), start=2):
        if any(v is not None for v in values):
            expected.append((f"Data!row {number}", dict(zip("abc", values, strict=True))))
    reference.close()
    assert _read_xlsx(path) == expected


def test_xlsx_memory_stays_flat_on_a_long_sheet(tmp_path: Path) -> None:
    def peak(rows: int) -> int:
        body = "".join(
            f'<row r="{n}">' + _inline(f"A{n}", f"C{n:07d}") + f'<c r="B{n}" s="1"><v>43466</v></c></row>'
            for n in range(2, rows + 2)
        )
        path = _xlsx(tmp_path / f"book{rows}.xlsx", _sheet(HEADER + body))
        tracemalloc.start()
        try:
            for _batch in XlsxAdapter().batches(path, {}):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(2_000), peak(20_000)
    assert large < 2 * small + (1 << 20)


# --------------------------------------------------------------------------- Excel: bombs


def test_xlsx_a_shared_strings_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """100 MB of shared strings in under a megabyte: refused from the zip's declared sizes, in
    a subprocess held to 1 GiB of memory (the old reader loaded them whole)."""
    path = _xlsx(
        tmp_path / "bomb.xlsx", _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'), declare_strings=True
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as book, book.open("xl/sharedStrings.xml", "w") as part:
        part.write(f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode())
        block = b"<si><t>a</t></si>" * 65536
        for _ in range(100 * 1024 * 1024 // len(block)):
            part.write(block)
        part.write(b"</sst>")
    assert path.stat().st_size < 1 << 20
    result = _run_limited(f"list(XlsxAdapter().read(Path({str(path)!r}), {{}}))")
    assert "bomb.xlsx: xl/sharedStrings.xml: refused: the shared strings would unpack to 104," in result


def _run_limited(statement: str, timeout: float = 60, memory: int = 1 << 30) -> str:
    """Run ``statement`` in a fresh interpreter held to ``memory`` bytes and ``timeout``
    seconds; what it printed (the LifError's message), or why it failed."""
    code = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
        from pathlib import Path
        from lif_core import LifError
        from lif_core.builtins.sources import SqliteAdapter, XlsxAdapter
        try:
            {statement}
        except LifError as exc:
            print(exc)
        """
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout} s"
    return done.stdout.strip() or done.stderr.strip()[-500:]


@pytest.mark.parametrize(
    ("limit", "value", "expected"),
    [
        ("XLSX_MAX_STRINGS_PART", 1 << 20, "xl/sharedStrings.xml: refused: the shared strings would unpack to"),
        ("XLSX_MAX_SHEET", 1 << 20, "xl/worksheets/sheet1.xml: refused: the sheet would unpack to"),
        ("XLSX_MAX_TOTAL", 1 << 20, "book.xlsx: refused: its parts would unpack to"),
        ("XLSX_MAX_STRINGS", 1000, "xl/sharedStrings.xml: refused: more than 1,000 shared strings"),
        ("XLSX_MAX_MEMBERS", 5, "book.xlsx: refused: the zip lists 7 files"),
    ],
)
def test_xlsx_limits_on_a_workbook_are_refused_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, expected: str
) -> None:
    many = [f"s{i}" for i in range(70_000)]
    body = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>{n}</v></c></row>' for n in range(2, 40_000))
    strings = _strings(*many)
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + body), strings)
    monkeypatch.setattr(sources, limit, value)
    assert expected in _refused(lambda: _read_xlsx(path))


def test_xlsx_a_member_compressed_like_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    rows = '<row r="2"><c r="A2"><v>1</v></c></row>' + "<!---->" * (4 << 20)
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + rows))
    message = _refused(lambda: _read_xlsx(path))
    assert "xl/worksheets/sheet1.xml: refused: the sheet is compressed more than 200 to 1" in message


@pytest.mark.parametrize(
    "part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "_rels/.rels"]
)
@pytest.mark.parametrize("attack", ["laughs", "external"])
def test_xlsx_entity_bombs_and_external_entities_are_refused_in_every_part(
    tmp_path: Path, part: str, attack: str
) -> None:
    """openpyxl read through defusedxml; this reader refuses any DTD as it begins."""
    dtd = (
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        if attack == "laughs"
        else f'<!DOCTYPE x [<!ENTITY c SYSTEM "file://{ROOT / "README.md"}">]>'
    )
    base = tmp_path / "base.xlsx"
    _xlsx(base, _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'), _strings("&amp;"))
    with zipfile.ZipFile(base) as book:
        text = book.read(part).decode()
    head, _, rest = text.partition("?>")
    hostile = head + "?>" + dtd + rest.replace("&amp;", "&c;")
    path = _xlsx(
        tmp_path / "book.xlsx",
        _sheet(HEADER + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'),
        _strings("&amp;"),
        parts={part: hostile},
    )
    assert f"book.xlsx: {part}: refused: declares a DTD or entities" in _refused(lambda: _read_xlsx(path))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<x>" * 100 + "</x>" * 100, "elements nested more than 64 deep"),
        ('<row r="2"><c r="A2" ' + "a" * (2 << 20) + '="1"><v>1</v></c></row>', "a tag, comment or declaration longer"),
        ('<row r="2"><c r="A2"><v>1</v>', "line 2, column 245: not well-formed XML (mismatched tag)"),
        ('<row r="2"><c r="A2" t="inlineStr"><is><t>' + "x" * 200_000 + "</t></is></c></row>", "longer than 131,072"),
    ],
)
def test_xlsx_malformed_xml_is_refused_with_its_place(tmp_path: Path, body: str, expected: str) -> None:
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + body), compression=zipfile.ZIP_STORED)
    message = _refused(lambda: _read_xlsx(path))
    assert message.startswith("book.xlsx: ") and expected in message


def test_xlsx_a_compression_excel_never_uses_is_refused(tmp_path: Path) -> None:
    """bzip2 or LZMA can unpack a whole bomb from one small read; workbooks use deflate."""
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER), compression=zipfile.ZIP_BZIP2)
    assert "compressed in a way Excel never uses" in _refused(lambda: _read_xlsx(path))


def test_xlsx_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + '<row r="2"><c r="A2"><v>1</v></c></row>' * 50))
    data = bytearray(path.read_bytes())
    at = data.find(b"xl/worksheets/sheet1.xml") + 40
    data[at : at + 20] = b"\x00" * 20  # the sheet's compressed bytes
    path.write_bytes(bytes(data))
    assert "book.xlsx: " in _refused(lambda: _read_xlsx(path))
    (tmp_path / "old.xlsx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)  # an .xls, or password-protected
    assert "not a readable .xlsx workbook" in _refused(lambda: _read_xlsx(tmp_path / "old.xlsx"))


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_xlsx_a_damaged_workbook_is_read_or_refused_never_anything_else(
    tmp_path: Path, compression: int, data: st.DataObject
) -> None:
    """Bytes changed anywhere in a workbook (its zip structure, compressed data or XML): the
    rows, or a one-line LifError; never another exception."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="s"><v>{n % 3}</v></c><c r="B{n}" s="1"><v>4346{n}</v></c>'
        f'<c r="C{n}"><f t="shared" si="0" ref="C2:C9">A{n}+1</f></c></row>'
        for n in range(2, 10)
    )
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER + rows), _strings("x", "y", SECRET), compression=compression)
    damaged = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 4))):
        damaged[data.draw(st.integers(0, len(damaged) - 1))] = data.draw(
            st.sampled_from(list(b'<>/"=&;x09 \x00\xff!?-tsv'))
        )
    path.write_bytes(bytes(damaged))
    try:
        _read_xlsx(path)
    except LifError as exc:
        assert "\n" not in str(exc) and SECRET not in str(exc)


def test_xlsx_a_header_name_that_differs_is_refused_without_quoting_the_file(tmp_path: Path) -> None:
    """zipfile's own message quotes the local header's name and the bytes after it (which can
    hold the shared strings, a child's identifier among them): found by the test above."""
    path = _xlsx(tmp_path / "book.xlsx", _sheet(HEADER), _strings("x", "y", SECRET))
    data = bytearray(path.read_bytes())
    at = data.index(b"xl/workbook.xml")  # the first (local header) copy of the name
    data[at : at + 2] = b"XL"
    path.write_bytes(bytes(data))
    message = _refused(lambda: _read_xlsx(path), SECRET, "XL/workbook", "<?xml")
    assert "a file name in the directory and in its header differ" in message


# --------------------------------------------------------------------------- CSV


def _csv_read(path: Path) -> list[dict[str, object]]:
    return [r.fields for r in CsvAdapter().read(path, {})]


def test_csv_a_header_wider_than_excel_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(30_000)) + "\n" + ",".join("1" * 30_000) + "\n")
    assert _refused(lambda: _csv_read(path)) == (
        "wide.csv: line 1: 30,000 columns, more than 16,384 (Excel's limit); check the delimiter option, or that "
        "this is the right file"
    )


class _CountedName(str):
    """A column name that counts every comparison and hash made of it (``_CountedName.made``):
    work on a header that grows with the square of its width shows as that many comparisons,
    whatever the machine's speed."""

    made: ClassVar[list[int]] = [0]

    def __eq__(self, other: object) -> bool:
        _CountedName.made[0] += 1
        return str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        _CountedName.made[0] += 1
        return str.__ne__(self, other)

    def __lt__(self, other: str) -> bool:
        _CountedName.made[0] += 1
        return str.__lt__(self, other)

    def __hash__(self) -> int:
        _CountedName.made[0] += 1
        return str.__hash__(self)

    def strip(self, chars: str | None = None) -> str:
        return _CountedName(str.strip(self, chars))


def _header_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> int:
    """The comparisons and hashes of column names made reading a file ``width`` columns wide
    (its header checked, its record read), the names counting from the header check on."""
    real = sources._csv_header

    def counted(file: str, header: list[str]) -> list[str]:
        return [_CountedName(n) for n in real(file, [_CountedName(h) for h in header])]

    monkeypatch.setattr(sources, "_csv_header", counted)
    path = tmp_path / f"w{width}.csv"
    path.write_text(",".join(f"column {i}" for i in range(width)) + "\n" + ",".join(["1"] * width) + "\n")
    _CountedName.made[0] = 0
    assert len(_csv_read(path)) == 1
    return _CountedName.made[0]


def test_csv_header_handling_is_linear(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ten times the columns makes about ten times the work on their names, not a hundred (the
    old header check counted every name against every other). Counted, not timed."""
    small, large = _header_work(tmp_path, monkeypatch, 1_600), _header_work(tmp_path, monkeypatch, 16_000)
    assert small >= 1_600  # each name is looked at
    assert large <= 15 * small


def test_csv_header_work_counted_catches_a_quadratic_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count above fails on a header check that compares every name with every other."""

    def quadratic(names: list[str]) -> list[list[int]]:
        return [[i for i, m in enumerate(names) if m == n] for n in names if names.count(n) > 1]

    monkeypatch.setattr(sources, "_repeated", quadratic)
    small, large = _header_work(tmp_path, monkeypatch, 160), _header_work(tmp_path, monkeypatch, 1_600)
    assert large > 50 * small


def test_csv_header_problems_never_quote_the_header(tmp_path: Path) -> None:
    """A file without its header row has a child's record there: two equal dates of birth are
    named by position."""
    path = tmp_path / "refs.csv"
    path.write_text(f"{SECRET},2008-03-01,2008-03-01\n{SECRET},2008-03-01,2008-03-01\n")
    assert _refused(lambda: _csv_read(path), SECRET, "2008-03-01") == (
        "refs.csv: line 1: columns 2 and 3 have the same name; give each column its own name (if line 1 is not a "
        "header row, add one)"
    )
    path.write_text(f"{SECRET},,x,\n1,2,3,4\n")
    assert "column(s) 2 and 4 have no name" in _refused(lambda: _csv_read(path))


@pytest.mark.parametrize(
    ("encoding", "newline", "unit"),
    [("utf-8", "\n", "bytes"), ("utf-8", "\r\n", "bytes"), ("cp1252", "\r", "bytes"), ("utf-16", "\n", "characters")],
)
def test_csv_an_enormous_line_is_refused_without_reading_it_whole(
    tmp_path: Path, encoding: str, newline: str, unit: str
) -> None:
    path = tmp_path / "long.csv"
    path.write_text(newline.join(["a,b", "1,2", "3,4", "x" * (12 << 20), "5,6"]), encoding=encoding, newline="")
    tracemalloc.start()
    try:
        message = _refused(lambda: [r.fields for r in CsvAdapter().read(path, {"encoding": encoding})])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith(f"long.csv: line 4: longer than 1,048,576 {unit}")
    assert peak < 8 << 20


def test_csv_a_record_running_on_over_many_lines_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Quoted fields spanning lines, one after another, make one record of any size: refused
    once a block holds BLOCK_CHARS_LIMIT characters (lowered here), never held whole."""
    monkeypatch.setattr(sources, "BLOCK_CHARS_LIMIT", 1 << 20)
    path = tmp_path / "open.csv"
    path.write_text("a,b\n1,2\n" + '"x\n",' * 400_000 + "3\n")
    message = _refused(lambda: _csv_read(path))
    assert message.startswith("open.csv: line ") and "more than 1,048,576 characters in a few records" in message


def test_csv_wide_rows_do_not_pile_up(tmp_path: Path) -> None:
    """Rows of thousands of fields under a narrow header: refused at the first, with memory the
    same for a hundred such rows as for four hundred."""

    def peak(rows: int) -> int:
        path = tmp_path / f"wide{rows}.csv"
        with path.open("w") as out:
            out.write("a,b,c\n")
            for _ in range(rows):
                out.write("," * 40_000 + "\n")
        tracemalloc.start()
        try:
            assert "line 2: 40001 fields, but the header has 3" in _refused(lambda: _csv_read(path))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(100), peak(400)
    assert large < 1.5 * small + (2 << 20)


# --------------------------------------------------------------------------- JSON


def test_json_an_enormous_record_is_read_in_linear_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The text handed to the decoder, over all its attempts, stays in proportion to the
    record (the old reader decoded the whole growing buffer after every 64 KiB)."""
    record = {"child": "x", "notes": ["y" * 100] * 40_000}
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"a": 1}, record, {"b": 2}], indent=1))
    scanned = 0
    decode = json.JSONDecoder.raw_decode

    def counting(self: json.JSONDecoder, s: str, idx: int = 0) -> tuple[object, int]:
        nonlocal scanned
        scanned += len(s) - idx
        return decode(self, s, idx)

    monkeypatch.setattr(json.JSONDecoder, "raw_decode", counting)
    records = list(JsonAdapter().read(path, {}))
    assert [r.location for r in records] == ["item 1 (line 2)", "item 2 (line 5)", "item 3 (line 40010)"]
    assert records[1].fields == record
    assert scanned < 4 * path.stat().st_size


def test_json_many_records_keep_their_lines(tmp_path: Path) -> None:
    items = [{"n": i, "text": "a\nb" * (i % 3)} for i in range(20_000)]
    path = tmp_path / "many.json"
    path.write_text("[\n" + ",\n".join(json.dumps(i) for i in items) + "\n]\n")
    records = list(JsonAdapter().read(path, {}))
    assert [r.fields for r in records] == items
    assert records[-1].location == "item 20000 (line 20001)"


def test_json_lines_never_reads_an_enormous_line_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_JSON_RECORD", 1 << 20)
    path = tmp_path / "big.jsonl"
    path.write_text('{"a": 1}\n{"b": "' + "x" * (32 << 20) + '"}\n')
    tracemalloc.start()
    try:
        message = _refused(lambda: list(JsonAdapter().read(path, {})))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == "big.jsonl: line 2: longer than 1,048,576 characters"
    assert peak < 12 << 20


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": ' + "9" * 5000 + "}", "a number with too many digits to read"),
        ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "a record nested too deeply to read"),
    ],
)
def test_json_records_beyond_the_decoders_limits_are_refused(
    tmp_path: Path, suffix: str, text: str, expected: str
) -> None:
    path = tmp_path / f"r{suffix}"
    path.write_text(text if suffix == ".jsonl" else f"[\n{text}\n]")
    message = _refused(lambda: list(JsonAdapter().read(path, {})))
    assert message.startswith(f"r{suffix}: line ") and expected in message


# --------------------------------------------------------------------------- SQLite

FOREVER = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT {} FROM r"


@pytest.mark.parametrize("select", ["n", "count(*)"])
def test_sqlite_a_query_that_never_ends_is_stopped_at_its_time_limit(tmp_path: Path, select: str) -> None:
    """Whether it streams rows forever or never gives one: stopped after time_limit seconds of
    SQLite's own time (run in a subprocess, so a hang fails the test rather than hanging it)."""
    path = tmp_path / "cases.db"
    sqlite3.connect(path).close()
    query = FOREVER.format(select)
    statement = f"for _ in SqliteAdapter().read(Path({str(path)!r}), {{'query': {query!r}, 'time_limit': 0.5}}): pass"
    assert _run_limited(statement, timeout=40) == (
        "cases.db: the query ran for more than 0.5 seconds and was stopped; make it faster, or raise the source's "
        "time_limit option"
    )


def test_sqlite_time_the_reader_spends_on_rows_is_not_counted(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t(n)")
        db.executemany("insert into t values (?)", [(i,) for i in range(4)])
    rows = []
    for record in SqliteAdapter().read(path, {"query": "select n from t", "time_limit": 0.5}):
        rows.append(record.fields["n"])
        time.sleep(0.3)
    assert rows == [0, 1, 2, 3]


def test_sqlite_options_and_limits(tmp_path: Path) -> None:
    path = tmp_path / "cases.db"
    with sqlite3.connect(path) as db:
        db.execute("create table t(a, b)")
        db.execute("insert into t values (1, 2)")
    read = SqliteAdapter().read
    for bad in (0, -1, True, "10", 10**6):
        assert "option time_limit must be a number of seconds" in _refused(
            lambda bad=bad: list(read(path, {"query": "select a from t", "time_limit": bad}))
        )
    assert "string or blob too big" in _refused(lambda: list(read(path, {"query": "select zeroblob(100000000)"})))
    assert "two or more columns named 'a'" in _refused(lambda: list(read(path, {"query": "select a, a from t"})))
    assert "the query failed" in _refused(
        lambda: list(
            read(path, {"query": "with x as (select 1) select * from pragma_table_info('t'), x where 0; drop table t"})
        )
    )
    with sqlite3.connect(path) as db:
        assert db.execute("select count(*) from t").fetchone() == (1,)


# --------------------------------------------------------------------------- through the reader


@pytest.mark.parametrize("adapter", ["csv", "json", "xlsx"])
def test_no_value_from_a_hostile_file_reaches_any_message(make_board: MakeBoard, adapter: str) -> None:
    files: dict[str, str] = {
        "csv": f"child_id,dob\n{SECRET},{SECRET}\n",
        "json": json.dumps([{"child_id": SECRET, "dob": SECRET}]),
    }
    root = make_board(
        f'[[sources]]\nid = "s"\nadapter = "{adapter}"\npath = "data.{adapter}"\non_error = "warn"\n'
        'fields = { child_id = "child-id", dob = "dob" }\n'
    )
    if adapter == "xlsx":
        cells = _inline("A1", "child_id") + _inline("B1", "dob")
        _xlsx(
            root / "data.xlsx", _sheet(f'<row r="1">{cells}</row><row r="2"><c r="A2" t="b"><v>{SECRET}</v></c></row>')
        )
    else:
        (root / f"data.{adapter}").write_text(files[adapter])
    loaded = load_board(root)
    report = SourceReport("s")
    try:
        list(
            read_source(
                loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32)
            )
        )
    except LifError as exc:
        assert str(exc).startswith(f"data.{adapter}: ") and SECRET not in str(exc)
    else:
        assert report.problems
    assert all(SECRET not in str(p) for p in report.problems)
