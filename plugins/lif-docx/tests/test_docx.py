"""lif-docx: the Word board paper, read back as WordprocessingML and as LibreOffice prints it.

The XML tests check what Word and LibreOffice act on (page size, language, table grids, header
rows, sections, pictures, fields, properties); the LibreOffice test converts the Croydon report
to PDF with a real ``soffice`` and reads the pages back with pypdf, as a board's reader would.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_docx import widths
from lif_docx.plugin import LANDSCAPE_TEXT, PORTRAIT_TEXT, TOC_FIELD, DocxRenderer, arrangement

from lif_core import Plugins, RenderOptions, open_board
from lif_core.charts import chart_description
from lif_core.document import (
    BulletList,
    Chart,
    Document,
    Facts,
    Figure,
    Paragraph,
    Rag,
    ReportStyle,
    Section,
    Table,
)
from lif_core.report.compose import impact_report

ROOT = Path(__file__).resolve().parents[3]
CROYDON = ROOT / "examples" / "croydon"
RIVERSIDE = ROOT / "docs" / "examples" / "riverside"
BOARD = "Croydon Safeguarding Children Board"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")


@pytest.fixture(scope="module")
def croydon() -> tuple[Document, bytes]:
    """The Croydon report as at 31 March 2019 (protected, as every renderer gets it) and its Word file."""
    os.environ.setdefault("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")
    plugins = Plugins.create()
    document = impact_report(open_board(CROYDON, plugins), plugins, dt.date(2019, 3, 31))
    return document, DocxRenderer().render(document, RenderOptions(style=ReportStyle()))


@pytest.fixture(scope="module")
def riverside() -> tuple[Document, bytes]:
    """The Riverside worked example (its own sections and templates) as at 31 March 2025."""
    os.environ.setdefault("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")
    plugins = Plugins.create()
    document = impact_report(open_board(RIVERSIDE, plugins), plugins, dt.date(2025, 3, 31))
    return document, DocxRenderer().render(document, RenderOptions(style=ReportStyle()))


def body_of(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data)).element.body


def render(*blocks: Any, options: RenderOptions | None = None, **fields: Any) -> bytes:
    fields.setdefault("title", "Annual report 2024-25")
    fields.setdefault("author", "Brookside Safeguarding Partnership")
    fields.setdefault("date", dt.date(2025, 3, 31))
    document = Document("test", subtitle="As at 31 March 2025", sections=(Section("Part", tuple(blocks)),), **fields)
    return DocxRenderer().render(document, options)


def section_of(element: Any) -> Any:
    """The ``w:sectPr`` of the section holding ``element``: the first one after it."""
    for following in element.itersiblings():
        found = following.find(f"{W}pPr/{W}sectPr")
        if found is not None:
            return found
        if following.tag == f"{W}sectPr":
            return following
    raise AssertionError("no section properties after the element")


def grid(tbl: Any) -> list[int]:
    return [int(c.get(f"{W}w")) for c in tbl.findall(f"{W}tblGrid/{W}gridCol")]


def cell_texts(tr: Any) -> list[str]:
    return ["".join(t.text or "" for t in tc.iter(f"{W}t")) for tc in tr.findall(f"{W}tc")]


# ---------------------------------------------------------------- the page, the language, styles


def test_pages_are_a4_with_2cm_margins(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    sections = body.findall(f".//{W}sectPr")
    assert len(sections) > 2  # portrait, then landscape for wide tables, then portrait again
    for sect in sections:
        size = sect.find(f"{W}pgSz")
        assert sorted((int(size.get(f"{W}w")), int(size.get(f"{W}h")))) == [11906, 16838]
        assert (size.get(f"{W}orient") == "landscape") == (int(size.get(f"{W}w")) > int(size.get(f"{W}h")))
        margins = sect.find(f"{W}pgMar")
        assert all(int(margins.get(f"{W}{side}")) == 1134 for side in ("top", "right", "bottom", "left"))
    assert sections[-1].find(f"{W}pgSz").get(f"{W}orient") is None  # back to portrait at the end


def test_the_language_is_british_english_in_the_defaults_and_styles(croydon: tuple[Document, bytes]) -> None:
    doc = docx.Document(io.BytesIO(croydon[1]))
    styles = doc.styles.element
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}val") == "en-GB"
    assert {e.get(f"{W}val") for e in styles.iter(f"{W}lang")} == {"en-GB"}
    assert doc.settings.element.find(f"{W}themeFontLang").get(f"{W}val") == "en-GB"
    assert doc.core_properties.language == "en-GB"


def test_headings_captions_and_tables_use_named_styles(croydon: tuple[Document, bytes]) -> None:
    doc = docx.Document(io.BytesIO(croydon[1]))
    names = {p.style.name for p in doc.paragraphs if p.style is not None}
    assert {"Title", "Subtitle", "Heading 1", "Heading 2", "Caption", "TOC Heading"} <= names
    assert {t.style.name for t in doc.tables} == {"Board table"}
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].text.startswith(BOARD)


def test_the_accent_colour_is_the_boards() -> None:
    data = render(Paragraph("p"), options=RenderOptions(style=ReportStyle(accent="#8a1538")))
    heading = docx.Document(io.BytesIO(data)).styles["Heading 1"]
    assert heading.font.color.rgb is not None and str(heading.font.color.rgb) == "8A1538"


# ---------------------------------------------------------------- tables


def test_every_table_has_a_fixed_grid_its_cells_follow(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    tables = body.findall(f".//{W}tbl")
    assert len(tables) > 20
    for tbl in tables:
        assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
        columns = grid(tbl)
        assert int(tbl.find(f"{W}tblPr/{W}tblW").get(f"{W}w")) == sum(columns)
        for tr in tbl.findall(f"{W}tr"):
            assert [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tr.findall(f"{W}tc")] == columns


def test_no_column_is_narrower_than_readable_and_none_runs_over_the_margins(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    for tbl in body.findall(f".//{W}tbl"):
        columns = grid(tbl)
        assert min(columns) >= widths.MIN_NARROW, columns  # a column of single words; of text, MIN_COLUMN
        texts = [cell_texts(tr) for tr in tbl.findall(f"{W}tr")[1:]]
        for j, width in enumerate(columns):
            if any(len(row[j].split()) > 1 for row in texts):
                assert width >= widths.MIN_COLUMN, (j, columns)
        landscape = section_of(tbl).find(f"{W}pgSz").get(f"{W}orient") == "landscape"
        assert sum(columns) <= (LANDSCAPE_TEXT if landscape else PORTRAIT_TEXT)


def test_header_rows_repeat_and_short_rows_do_not_split(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    for tbl in body.findall(f".//{W}tbl"):
        rows = tbl.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        assert all(r.find(f"{W}trPr/{W}tblHeader") is None for r in rows[1:])
        assert rows[0].find(f"{W}trPr/{W}cantSplit") is not None


def test_text_columns_are_wider_than_number_columns(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    scorecard = next(
        t for t in body.findall(f".//{W}tbl") if cell_texts(t.find(f"{W}tr"))[:3] == ["Measure", "Period", "Latest"]
    )
    columns = dict(zip(cell_texts(scorecard.find(f"{W}tr")), grid(scorecard), strict=True))
    assert columns["Measure"] > 2 * max(columns["Latest"], columns["Target"], columns["Period"])
    assert columns["Trend"] > columns["Latest"]


def test_column_widths_from_content() -> None:
    sentence = widths.measure("Remit", ["Drives the business plan between board meetings and reports to it"] * 4)
    count = widths.measure("Done", ["1", "12"], numeric=True)
    out = widths.widths([sentence, count, count], PORTRAIT_TEXT)
    assert sum(out) == PORTRAIT_TEXT and out[0] > 4 * out[1] and out[1] == widths.MIN_NARROW
    small = widths.widths([widths.measure("Year", ["2018-19"]), count], PORTRAIT_TEXT)
    assert sum(small) < PORTRAIT_TEXT / 2  # a small table of numbers does not stretch across the page
    many = widths.widths([count] * 30, LANDSCAPE_TEXT)
    assert sum(many) == LANDSCAPE_TEXT  # more columns than the line has minimums for: scaled to fit


def test_text_is_measured_as_arial_prints_it() -> None:
    # Helvetica's (Arial's) advance widths at 9 pt: "Feedback" in bold is 4.613 em, 41.5 pt, 831 twips.
    assert widths.text_width("Feedback", bold=True) == 831
    assert widths.text_width("Feedback") < widths.text_width("Feedback", bold=True)
    assert widths.text_width("iiii") < widths.text_width("MMMM")
    assert widths.text_width("") == 0 and widths.text_width("\u6f22\u5b57") == 360  # CJK: an em each
    # the column this header tops is at least as wide as the word, with the slack and the padding
    column = widths.measure("Feedback", ["1", "3"], numeric=True)
    assert widths.minimum(column) >= 831 + widths.PADDING


def _header_words_fit(data: bytes) -> int:
    """Check every column of every table in ``data`` is as wide as its header's longest word
    (turned headers aside) and its cells' longest word; the number of columns checked."""
    checked = 0
    for tbl in body_of(data).findall(f".//{W}tbl"):
        columns = grid(tbl)
        rows = tbl.findall(f"{W}tr")
        turned = [tc.find(f"{W}tcPr/{W}textDirection") is not None for tc in rows[0].findall(f"{W}tc")]
        texts = [cell_texts(tr) for tr in rows]
        for j, width in enumerate(columns):
            words = [w for i, row in enumerate(texts) if not (i == 0 and turned[j]) for w in row[j].split()]
            bold = [w for w in (texts[0][j].split() if not turned[j] else [])]
            need = max(
                [widths.text_width(w, bold=True) for w in bold] + [widths.text_width(w) for w in words], default=0
            )
            if need + widths.PADDING <= widths.MAX_WORD:
                assert width >= need + widths.PADDING, (texts[0], j, width, need)
                checked += 1
    return checked


def test_no_header_or_cell_word_is_broken(croydon: tuple[Document, bytes], riverside: tuple[Document, bytes]) -> None:
    # A reader found "Feedbac/k" and "raising/it": a column is as wide as its longest word.
    assert _header_words_fit(croydon[1]) > 150
    assert _header_words_fit(riverside[1]) > 40


def _orientations(document: Document, data: bytes) -> list[tuple[Table, bool]]:
    """Each table the document draws (a chart's figures among them) and whether it is on a
    landscape page, in reading order."""
    from lif_core.builtins.renderers import chart_table

    tables = [
        b if isinstance(b, Table) else chart_table(b)
        for _d, s in document.walk()
        for b in s.blocks
        if isinstance(b, (Table, Chart))
    ]
    elements = body_of(data).findall(f".//{W}tbl")
    assert len(elements) == len(tables)
    return [
        (t, section_of(e).find(f"{W}pgSz").get(f"{W}orient") == "landscape")
        for t, e in zip(tables, elements, strict=True)
    ]


def test_landscape_only_where_the_narrowest_columns_do_not_fit_portrait(
    croydon: tuple[Document, bytes], riverside: tuple[Document, bytes]
) -> None:
    # A reader found landscape pages chosen by the number of columns: a one-row table of nine
    # short columns turned the page. A table goes landscape only where its columns at their
    # narrowest (longest words, readable sentences) are wider than a portrait line.
    placed = _orientations(*croydon)
    for table, landscape in placed:
        assert landscape == arrangement(table)[0], table.caption
        if landscape:
            measured = [widths.measure(c, [str(r[j]) for r in table.rows]) for j, c in enumerate(table.columns)]
            assert widths.least(measured) > PORTRAIT_TEXT or any(arrangement(table)[1])
    wide = {t.caption for t, landscape in placed if landscape}
    assert any(c.startswith("Which areas of the Ofsted review") for c in wide)  # the matrix
    assert "You said, we did" not in wide and "Coverage of each inspection recommendation" not in wide
    assert len(wide) <= 3 and len(placed) > 30
    assert not any(landscape for _t, landscape in _orientations(*riverside))  # nine short columns fit portrait


def test_a_small_matrix_turns_its_headers_and_stays_portrait() -> None:
    areas = tuple(f"Area {i}: the effectiveness of what partners do" for i in range(6))
    table = Table(("No.", *areas, "Gaps"), (("1", *("yes",) * 6, "none"), ("2", *("",) * 6, "no evidence")))
    assert arrangement(table) == (False, [False, *[True] * 6, False])
    tbl = body_of(render(table)).find(f".//{W}tbl")
    assert section_of(tbl).find(f"{W}pgSz").get(f"{W}orient") is None
    turned = [tc.find(f"{W}tcPr/{W}textDirection") is not None for tc in tbl.find(f"{W}tr").findall(f"{W}tc")]
    assert turned == [False, *[True] * 6, False]
    plain = Table(
        ("No.", "Recommendation", "Where our framework answers it", "Done", "Open", "Overdue", "A", "B", "C"),
        (("1", "Show how the voice of children shapes the priorities.", "", 0, 0, 0, "0", "none", "x"),),
    )
    assert arrangement(plain) == (False, [False] * 9)  # one long header over blanks is no matrix


def test_numbers_are_right_aligned_and_ratings_filled_with_their_words() -> None:
    table = Table(
        ("Measure", "Latest", "Rate", "Share", "Hidden", "RAG", "Day"),
        (
            ("Referrals", 13, 21.5, Figure(13, "13%", "%"), "c", Rag("Red", "red"), dt.date(2019, 3, 31)),
            ("Assessments", 2045, 0.5, Figure(None, "k", "%"), 4, Rag("Green", "green"), dt.date(2018, 3, 31)),
        ),
        caption="Scorecard",
    )
    tbl = body_of(render(table)).find(f".//{W}tbl")
    head, first, second = tbl.findall(f"{W}tr")
    assert cell_texts(first) == ["Referrals", "13", "21.5", "13%", "c", "Red", "2019-03-31"]

    def aligned(tr: Any) -> list[str | None]:
        return [
            (tc.find(f"{W}p/{W}pPr/{W}jc") is not None and tc.find(f"{W}p/{W}pPr/{W}jc").get(f"{W}val")) or None
            for tc in tr.findall(f"{W}tc")
        ]

    assert aligned(first) == [None, "right", "right", "right", "right", None, None]
    assert aligned(second)[:5] == [None, "right", "right", "right", "right"]
    assert aligned(head)[1:5] == ["right"] * 4  # a number column's header sits over its numbers
    fills = [tc.find(f"{W}tcPr/{W}shd") for tc in first.findall(f"{W}tc")]
    assert fills[5] is not None and fills[5].get(f"{W}fill") == "F4CDC6"
    assert second.findall(f"{W}tc")[5].find(f"{W}tcPr/{W}shd").get(f"{W}fill") == "CCE2D8"
    assert fills[0] is None


def test_the_coverage_matrix_is_on_a_landscape_page_between_portrait_ones(croydon: tuple[Document, bytes]) -> None:
    body = body_of(croydon[1])
    matrix = next(t for t in body.findall(f".//{W}tbl") if len(grid(t)) == 14)
    size = section_of(matrix).find(f"{W}pgSz")
    assert size.get(f"{W}orient") == "landscape" and int(size.get(f"{W}w")) == 16838
    assert sum(grid(matrix)) == LANDSCAPE_TEXT
    turned = [tc.find(f"{W}tcPr/{W}textDirection") for tc in matrix.find(f"{W}tr").findall(f"{W}tc")]
    assert sum(t is not None for t in turned) == 11  # the eleven areas' long names, over their ticks
    narrow = next(t for t in body.findall(f".//{W}tbl") if len(grid(t)) == 2)
    assert section_of(narrow).find(f"{W}pgSz").get(f"{W}orient") is None


# ---------------------------------------------------------------- charts, contents, properties, pages

CHART = Chart(
    "Re-referrals within 12 months",
    (("2016-17", 21.5), ("2017-18", None), ("2018-19", 19.0)),
    unit="percent",
    target=20.0,
    references=(("England 2018-19", 22.6),),
    polarity="lower",
)


def test_each_chart_is_a_picture_with_its_description_a_caption_and_its_figures() -> None:
    other = Chart("Early help assessments", (("2017-18", 1690.0), ("2018-19", 2045.0)), unit="count")
    doc = docx.Document(io.BytesIO(render(CHART, Paragraph("between"), other)))
    pictures = doc.element.body.findall(f".//{WP}inline")
    assert len(pictures) == 2 and len(doc.inline_shapes) == 2
    assert [p.find(f"{WP}docPr").get("descr") for p in pictures] == [
        " ".join(chart_description(CHART).split()),
        " ".join(chart_description(other).split()),
    ]
    assert "target" in pictures[0].find(f"{WP}docPr").get("descr").lower()
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    # the unit with the target and the comparator, said once (the picture draws the title again)
    assert captions[0] == "Figure 1: Re-referrals within 12 months (target 20%; England 2018-19 22.6%; lower is better)"
    assert captions[1] == "Figures for figure 1"
    assert captions[2] == "Figure 2: Early help assessments"
    figures = doc.tables[0]
    assert [c.text for c in figures.rows[0].cells] == ["Period", "Percentage", "Target"]
    assert [c.text for c in figures.rows[1].cells] == ["2016-17", "21.5%", "20%"]
    assert [c.text for c in figures.rows[2].cells] == ["2017-18", "c", "20%"]  # a hidden point reads c, never a number
    assert [c.text for c in doc.tables[1].rows[0].cells] == ["Period", "Number"]
    for row in figures.rows:  # the figures right-aligned under right-aligned headings
        assert [c.paragraphs[0].alignment for c in row.cells][1:] == [2, 2]
    image = doc.inline_shapes[0]
    assert 13.5 < image.width.cm < 14.5


def test_every_croydon_chart_is_a_picture(croydon: tuple[Document, bytes]) -> None:
    document, data = croydon
    charts = sum(isinstance(b, Chart) for _d, s in document.walk() for b in s.blocks)
    pictures = body_of(data).findall(f".//{WP}inline")
    assert charts == 7 and len(pictures) == charts
    assert all(p.find(f"{WP}docPr").get("descr") for p in pictures)
    doc = docx.Document(io.BytesIO(data))
    headers = {c.text for t in doc.tables for c in t.rows[0].cells}
    assert not any(h.startswith("Value") for h in headers)  # no "Value (rate-per-10000)"
    assert {"Percentage", "Rate per 10,000 children"} <= headers
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption" and p.text.startswith("Figure ")]
    assert any("(target 85%" in c for c in captions) and not any(
        re.search(r"target \d+(\.\d+)?[;)]", c) for c in captions
    )


def test_the_contents_is_a_toc_field_already_filled_with_the_headings(croydon: tuple[Document, bytes]) -> None:
    doc = docx.Document(io.BytesIO(croydon[1]))
    codes = [t.text for t in doc.element.body.iter(f"{W}instrText")]
    assert TOC_FIELD in codes and 'TOC \\o "1-3" \\h \\z \\u' in TOC_FIELD
    entries = [p.text for p in doc.paragraphs if p.style.name.startswith("toc ")]
    headings = [p.text for p in doc.paragraphs if p.style.name in ("Heading 1", "Heading 2", "Heading 3")]
    assert entries == [" ".join(h.split()) for h in headings] and "About this document" in entries
    anchors = {h.get(f"{W}anchor") for h in doc.element.body.iter(f"{W}hyperlink")}
    bookmarks = {b.get(f"{W}name") for b in doc.element.body.iter(f"{W}bookmarkStart")}
    assert anchors <= bookmarks and len(anchors) == len(entries)
    assert doc.settings.element.find(f"{W}updateFields").get(f"{W}val") == "true"


def test_properties_name_the_board_and_the_as_at_day(croydon: tuple[Document, bytes]) -> None:
    document, data = croydon
    props = docx.Document(io.BytesIO(data)).core_properties
    assert props.author == BOARD and props.last_modified_by == BOARD
    assert props.title == document.title and props.subject == "As at 31 March 2019"
    assert props.created == props.modified == dt.datetime(2019, 3, 31, tzinfo=dt.timezone.utc)
    assert props.revision == 1 and props.comments == ""
    with io.BytesIO(data) as f:
        import zipfile

        with zipfile.ZipFile(f) as z:
            names = z.namelist()
            everything = b"".join(z.read(n) for n in names if n.endswith(".xml") or n.endswith(".rels"))
    assert b"python-docx" not in everything and b"2013" not in everything and b"Macintosh Word" not in everything
    assert not any("thumbnail" in n for n in names)


def test_header_footer_and_cover(croydon: tuple[Document, bytes]) -> None:
    doc = docx.Document(io.BytesIO(croydon[1]))
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    assert section.header.paragraphs[0].text == f"{BOARD} \u00b7 As at 31 March 2019"
    footer = section.footer._element
    assert [t.text.strip() for t in footer.iter(f"{W}instrText")] == ["PAGE", "NUMPAGES"]
    assert "".join(t.text for t in footer.iter(f"{W}t")).startswith("Page ")
    assert not "".join(section.first_page_header._element.itertext()).strip()
    assert [p.text for p in doc.paragraphs[:3]] == [doc.core_properties.title, "As at 31 March 2019", BOARD]


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x1d\x70\xb8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_the_logo_is_on_the_cover_with_its_text() -> None:
    style = ReportStyle(logo=_png(40, 10), logo_type="image/png", logo_text="Brookside partnership logo")
    doc = docx.Document(io.BytesIO(render(Paragraph("p"), options=RenderOptions(style=style))))
    first = doc.sections[0].first_page_header._element
    pictures = first.findall(f".//{WP}inline")
    assert len(pictures) == 1 and pictures[0].find(f"{WP}docPr").get("descr") == "Brookside partnership logo"
    assert not doc.sections[0].header._element.findall(f".//{WP}inline")  # the cover only
    broken = ReportStyle(logo=b"not an image", logo_type="image/png", logo_text="Logo text")
    doc = docx.Document(io.BytesIO(render(Paragraph("p"), options=RenderOptions(style=broken))))
    assert doc.sections[0].first_page_header.paragraphs[0].text == "Logo text"


# ---------------------------------------------------------------- hostile text


def test_control_characters_long_words_and_huge_tables_never_crash() -> None:
    word = "x" * 5000
    huge = Table(
        tuple(f"Column {i}\x00" for i in range(30)),
        tuple(tuple(f"{r}\x1b{word[:r]}" for _ in range(30)) for r in range(300)),
    )
    data = render(
        Paragraph(f"nul\x00 esc\x1b \ufffe {word}\nline\ttab"),
        BulletList(("item\x01", "")),
        Facts((("label\x02", "value\x03"),)),
        Table(("Text", "N"), ((word, 1),), caption="caption\x06"),
        huge,
        Table(("Empty",), ()),
        Chart("Nothing shown\x07", (("2018-19", None),)),
        title="Child \x00 \x1b[31m review " + "y" * 400,
        author="Board\x00",
    )
    doc = docx.Document(io.BytesIO(data))
    assert len(doc.core_properties.title) == 255 and doc.core_properties.author == "Board\ufffd"
    tables = doc.element.body.findall(f".//{W}tbl")
    assert sum(grid(tables[0])) <= PORTRAIT_TEXT and sum(grid(tables[1])) == LANDSCAPE_TEXT
    assert cell_texts(tables[2].findall(f"{W}tr")[1])[0] == "(none)"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.text(max_size=60), min_size=1, max_size=9),
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=80), st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
            min_size=9,
            max_size=9,
        ),
        max_size=6,
    ),
)
def test_any_text_in_any_table_renders(columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(tuple(columns), tuple(tuple(r[: len(columns)]) for r in rows), caption=columns[0])
    data = render(Paragraph(columns[-1]), table)
    tbl = body_of(data).find(f".//{W}tbl")
    assert len(grid(tbl)) == len(columns) and len(tbl.findall(f"{W}tr")) == max(1, len(rows)) + 1


# ---------------------------------------------------------------- as LibreOffice prints it

#: The Croydon report printed well, re-derived when landscape pages became a matter of width (not
#: of the number of columns) and columns as wide as their longest word: LibreOffice 7 printed 28
#: pages (pdfinfo on `lif report impact examples/croydon -f docx` converted with soffice): a cover,
#: two pages of contents, the sections' text and tables, the seven charts with their figures two
#: to a page (pages 10-13), and three landscape pages, for the only tables whose narrowest
#: readable columns are wider than a portrait line (the business-plan priorities, the inspection
#: recommendations' actions and the coverage matrix). It was 28 before too, with five landscape
#: pages, one mostly blank; 42 US Letter pages of equal-width columns before that. The bound
#: leaves two pages for small changes in the text and LibreOffice's fonts, no more: a chart a
#: page, or a table of sentences squeezed to a word a line, fails it.
MAX_PAGES = 30


@pytest.fixture(scope="module")
def printed(croydon: tuple[Document, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("libreoffice")
    source = folder / "croydon.docx"
    source.write_bytes(croydon[1])
    profile = (folder / "profile").as_uri()  # a private profile: no clash with another soffice running
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        timeout=240,
        capture_output=True,
    )
    return folder / "croydon.pdf"


def test_libreoffice_prints_the_croydon_report_as_a_board_paper(printed: Path, croydon: tuple[Document, bytes]) -> None:
    from pypdf import PdfReader

    pdf = PdfReader(str(printed))
    pages = pdf.pages
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages]
    assert set(sizes) == {(595, 842), (842, 595)}, set(sizes)  # A4, portrait and landscape
    assert 20 <= len(pages) <= MAX_PAGES, len(pages)
    texts = [p.extract_text() or "" for p in pages]
    assert f"Page 2 of {len(pages)}" in texts[1]
    assert f"Page {len(pages)} of {len(pages)}" in texts[-1]
    assert "Page" not in texts[0]  # the cover has no header or footer
    matrix = next(i for i, t in enumerate(texts) if "Coverage matrix" in t and i > 3)
    assert sizes[matrix] == (842, 595) and sizes[matrix + 1] == (595, 842)
    images = sum(len(p.images) for p in pages)
    charts = sum(isinstance(b, Chart) for _d, s in croydon[0].walk() for b in s.blocks)
    assert images >= charts
    assert "Contents" in texts[1] and "Introduction by the Independent Chair" in texts[1]
    assert pdf.metadata is not None and pdf.metadata.author == BOARD
    every = "\n".join(texts)
    assert not re.search(r"\n\w{1,3}\n\w{1,3}\n\w{1,3}\n", every)  # no column of word fragments
