"""Hostile and broken DfE returns: the CIN census's memory stays flat whatever is in the file,
SSDA903 header problems never show a record, and Annex A workbooks are read as safely as any
other workbook."""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import pytest
from lif_dfe import AnnexAAdapter, CinCensusAdapter, Ssda903Adapter
from lif_dfe import cin as cin_module
from lif_dfe.fake import write_cin

from lif_core import LifError, Plugins, load_board
from lif_core.data import Pseudonymiser, SourceReport, read_source

SECRET = "ZQX0000042"  # a child's identifier: it must never appear in a message
DOB = "14/03/2008"
MOTHER = "MQX0000077"


def _refused(read: object, *secrets: str) -> str:
    with pytest.raises(LifError) as info:
        read()  # type: ignore[operator]
    message = str(info.value)
    assert "\n" not in message
    for secret in secrets or (SECRET,):
        assert secret not in message, message
    return message


def _board(tmp_path: Path, name: str, adapter: str, options: str) -> Path:
    board = tmp_path / "b"
    board.mkdir(exist_ok=True)
    (board / "board.toml").write_text(
        '[board]\nid = "b"\nname = "B"\narea = "A"\n[[sources]]\nid = "s"\n'
        f'adapter = "{adapter}"\npath = "{name}"\non_error = "warn"\noptions = {{ {options} }}\n'
    )
    return board


def _read_board(board: Path) -> tuple[list[dict[str, object]], SourceReport]:
    loaded = load_board(board)
    report = SourceReport("s")
    rows = list(
        read_source(loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32))
    )
    return rows, report


# --------------------------------------------------------------------------- Annex A

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _annex_a(path: Path, rows: str, dimension: str = "A1:C2", *, strings: bool = False) -> Path:
    """A workbook whose sheet "List 1" holds ``rows`` (written part by part; the shared strings
    are related to the workbook, and declared if ``strings``, but not written)."""
    header = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABC", ("Child Unique ID", "Date of Birth", "Referral Date"), strict=True)
    )
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/><sheetData>'
        f'<row r="1">{header}</row>{rows}</sheetData></worksheet>'
    )
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    spreadsheet = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{spreadsheet}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{spreadsheet}.worksheet+xml"/>'
        + (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{spreadsheet}.sharedStrings+xml"/>'
            if strings
            else ""
        )
        + "</Types>",
        "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
        '<sheet name="List 1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0"?><Relationships xmlns="{package}">'
        f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


@pytest.mark.parametrize("kind", ["n", "b", "d"])
def test_annex_a_a_mistyped_identifier_is_named_and_never_shown(tmp_path: Path, kind: str) -> None:
    board = _board(tmp_path, "annex.xlsx", "annex-a", "list = 1")
    _annex_a(board / "annex.xlsx", f'<row r="2"><c r="A2" t="{kind}"><v>{SECRET}</v></c></row>')
    message = _refused(lambda: _read_board(board))
    assert message.startswith("annex.xlsx: List 1!row 2: cell A2 (Child Unique ID): marked as ")


def test_annex_a_reads_every_row_whatever_the_dimension_says(tmp_path: Path) -> None:
    rows = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>C{n}</t></is></c></row>' for n in range(2, 12))
    path = _annex_a(tmp_path / "annex.xlsx", rows, dimension="A1:C2")
    records = list(AnnexAAdapter().read(path, {"list": 1}))
    assert [r.location for r in records] == [f"List 1!row {n}" for n in range(2, 12)]


def test_annex_a_a_shared_strings_bomb_is_refused(tmp_path: Path) -> None:
    """100 MB of shared strings, under a megabyte zipped: refused from the declared sizes."""
    bomb = _annex_a(tmp_path / "bomb.xlsx", '<row r="2"><c r="A2" t="s"><v>0</v></c></row>', strings=True)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as book, book.open("xl/sharedStrings.xml", "w") as part:
        part.write(f'<sst xmlns="{MAIN}">'.encode())
        block = b"<si><t>a</t></si>" * 65536
        for _ in range(100 * 1024 * 1024 // len(block)):
            part.write(block)
        part.write(b"</sst>")
    message = _refused(lambda: list(AnnexAAdapter().read(bomb, {"list": 1})))
    assert message.startswith("bomb.xlsx: xl/sharedStrings.xml: refused: the shared strings would unpack to ")


# --------------------------------------------------------------------------- SSDA903

RECORD = f"{SECRET},1,{DOB},A1,UQX0000042,{MOTHER},02/02/1990"


def test_ssda903_a_missing_header_row_is_named_and_no_record_is_shown(tmp_path: Path) -> None:
    """``table = "header"`` on a file without its header row: its first record would have been
    printed as "unexpected column(s) ..."."""
    path = tmp_path / "header.csv"
    path.write_text(f"{RECORD}\n{RECORD.replace('42', '43')}\n")
    message = _refused(lambda: list(Ssda903Adapter().read(path, {"table": "header"})), SECRET, DOB, MOTHER, "A1")
    assert message == (
        "header.csv: line 1: none of the SSDA903 header table's columns (CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, "
        "MC_DOB) is there: the header row looks missing; add it as the first line (or check option table)"
    )


def test_ssda903_a_lone_record_without_a_header_is_not_silently_dropped(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text(f"{RECORD}\n")
    assert "the header row looks missing" in _refused(
        lambda: list(Ssda903Adapter().read(path, {"table": "header"})), SECRET, DOB, MOTHER
    )


def test_ssda903_unexpected_columns_are_named_only_as_near_misses(tmp_path: Path) -> None:
    path = tmp_path / "episodes.csv"
    names = "CHILD,DECOMM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
    path.write_text(f"{names},{SECRET},{DOB}\n" + ",".join(["x"] * 15) + "\n")
    message = _refused(lambda: list(Ssda903Adapter().read(path, {"table": "episodes"})), SECRET, DOB)
    assert message == (
        "episodes.csv: line 1: not the SSDA903 episodes table: unexpected column 2 'DECOMM' (did you mean DECOM?) "
        "and 2 other column(s) the table does not have; missing column(s) DECOM"
    )


def test_ssda903_an_enormous_first_line_is_never_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("CHILD," + "x" * (24 << 20) + "\n")
    tracemalloc.start()
    try:
        message = _refused(lambda: list(Ssda903Adapter().read(path, {})))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == "big.csv: line 1: the header matches no SSDA903 table; set option table"
    assert peak < 12 << 20


# --------------------------------------------------------------------------- the CIN census


def _census(
    tmp_path: Path, name: str, *, before: str = "", header: str = "", inside: str = "", after: str = "", child: str = ""
) -> Path:
    """A fake census (three children) with text put before <Children>, in the header, among the
    children, after </Children>, or in the first child."""
    base = tmp_path / "base-2019.xml"
    if not base.exists():
        write_cin(base, 3, 2019, seed=1)
    text = base.read_text(encoding="utf-8")
    text = text.replace("<Children>", before + "<Children>" + inside, 1)
    text = text.replace("</Header>", header + "</Header>", 1)
    text = text.replace("</Children>", "</Children>" + after, 1)
    text = text.replace("</Child>", child + "</Child>", 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _peak(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, object]:
    """The peak memory reading every table of ``path`` takes (streamed, as a large file is), and
    the rows read (or the error)."""
    monkeypatch.setattr(cin_module, "SMALL_FILE", 0)
    tracemalloc.start()
    try:
        rows = sum(b.size for _i, b in CinCensusAdapter().batches_for(path, [{"table": t} for t in cin_module.TABLES]))
        result: object = rows
    except LifError as exc:
        result = str(exc)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, result


@pytest.mark.parametrize("where", ["before", "inside", "after", "junk"])
def test_cin_memory_stays_flat_whatever_is_outside_the_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """Ten times the elements before <Children>, among the children, after them, or inside a
    junk element at the root take no more memory (every element outside a child used to stay)."""

    def peak(count: int) -> tuple[int, object]:
        junk = "<Extra><Item>x</Item></Extra>" * count
        place = {"before": {"before": junk}, "inside": {"inside": junk}, "after": {"after": junk}}
        extra = place.get(where, {"before": f"<Junk>{junk}</Junk>"})
        return _peak(_census(tmp_path, f"{where}-{count}-2019.xml", **extra), monkeypatch)

    (small, small_rows), (large, large_rows) = peak(8_000), peak(80_000)
    assert small_rows == large_rows and isinstance(small_rows, int) and small_rows > 0
    assert large < 2 * small + (1 << 20)


def test_cin_a_child_with_too_many_elements_is_refused_with_flat_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (small, message), (large, _) = (
        _peak(_census(tmp_path, f"child-{n}-2019.xml", child="<Note/>" * n), monkeypatch) for n in (40_000, 400_000)
    )
    assert message == (
        "child-40000-2019.xml: Message/Children[1]/Child[1]: more than 20,000 elements in one <Child>; a census "
        "child is a few KB: check that this is the census return, or split the file"
    )
    assert large < 2 * small + (1 << 20)


def test_cin_a_child_of_too_many_bytes_or_one_enormous_text_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = _census(tmp_path, "big-2019.xml", child=("<N>" + "y" * 200 + "</N>") * 6000)
    peak, message = _peak(big, monkeypatch)
    assert message == (
        "big-2019.xml: Message/Children[1]/Child[1]: more than 1,048,576 bytes of XML in one <Child>; a census "
        "child is a few KB: check that this is the census return, or split the file"
    )
    text = _census(tmp_path, "text-2019.xml", child="<Note>" + "x" * (8 << 20) + "</Note>")
    peak, message = _peak(text, monkeypatch)
    assert message == (
        "text-2019.xml: Message/Children[1]/Child[1]: more than 1,048,576 bytes with no element starting (an "
        "enormous tag, text or comment); a census child is a few KB: check that this is the census return, or "
        "split the file"
    )
    assert peak < 6 << 20


def test_cin_a_huge_header_is_refused_and_a_long_prologue_goes_to_the_event_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _census(tmp_path, "header-2019.xml", header="<Note/>" * 30_000)
    assert _peak(path, monkeypatch)[1] == (
        "header-2019.xml: Message/Header: more than 20,000 elements in one <Header>; a census child is a few KB: "
        "check that this is the census return, or split the file"
    )
    long = _census(tmp_path, "long-2019.xml", before="<Extra/>" * 20_000)
    assert cin_module._layout(long) is None  # more than MAX_HEAD before <Children>: not read into memory whole
    assert _peak(long, monkeypatch)[1] == _peak(_census(tmp_path, "plain-2019.xml"), monkeypatch)[1]


def test_cin_deep_nesting_outside_the_children_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _census(tmp_path, "deep-2019.xml", after="<a>" * 20_000 + "</a>" * 20_000)
    message = _peak(path, monkeypatch)[1]
    assert isinstance(message, str) and "elements nested more than 10,000 deep" in message


@pytest.mark.parametrize("small", [True, False])
def test_cin_an_unknown_encoding_is_refused_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small: bool
) -> None:
    path = _census(tmp_path, "enc-2019.xml")
    path.write_bytes(path.read_bytes().replace(b'encoding="utf-8"', b'encoding="utf-5"', 1))
    assert b"utf-5" in path.read_bytes()
    if not small:
        monkeypatch.setattr(cin_module, "SMALL_FILE", 0)
    assert _refused(lambda: list(CinCensusAdapter().read(path, {}))) == (
        "enc-2019.xml: its XML declaration names an encoding Python does not know; save it as UTF-8"
    )
