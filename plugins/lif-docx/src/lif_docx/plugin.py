"""lif-docx plugin (hook: register_renderers): documents as Word board papers.

The document is written as WordprocessingML a board can circulate, edit and restyle: A4 in
British English, a cover, a contents field, named heading, caption and table styles, tables
whose columns are as wide as their content needs (sentences wide, numbers narrow), wide tables
on landscape pages, charts as pictures with their description as alternative text, the board
and the as-at day in the header and the document's properties, and "Page X of Y" in the footer.

python-docx supplies the package (parts, relationships, pictures, properties); the body is built
element by element, appended in front of the final section properties, which keeps a long report
linear to write (python-docx's own ``add_paragraph`` searches the body on every call).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from lif_core import (
    SMALL_SHARE,
    SUPPRESSED,
    Block,
    BulletList,
    Cell,
    Chart,
    Count,
    Document,
    Facts,
    Figure,
    Paragraph,
    Rag,
    Renderer,
    RenderOptions,
    Section,
    Share,
    Table,
    cell_text,
    hookimpl,
    xml_text,
)

from . import styles, widths

#: The heading of the document's ``meta`` (the disclosure rule applied), as in text and Markdown.
ABOUT = "About this document"
#: Longest a core property (the title) may be: Word's limit, which python-docx enforces.
MAX_PROPERTY = 255
#: The contents field Word fills: headings 1 to 3, as hyperlinks, without page numbers in web view,
#: from the outline levels.
TOC_FIELD = ' TOC \\o "1-3" \\h \\z \\u '

#: A4 in twips, and its margins (2 cm).
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN = 1134
PORTRAIT_TEXT = PAGE_WIDTH - 2 * MARGIN  # 17 cm
LANDSCAPE_TEXT = PAGE_HEIGHT - 2 * MARGIN  # 25.7 cm
#: A row of at most this many lines is kept on one page; a longer one may break across two.
KEEP_ROW_LINES = 12
#: A table of at most this many lines of text (about 7 cm) is kept on one page where it fits.
KEEP_TABLE_LINES = 18
#: Table text size in points.
TABLE_SIZE_PT = styles.TABLE_SIZE / 2
#: How wide a chart is drawn, in centimetres: two charts with their figures fit on a page.
CHART_WIDTH_CM = 14.0

#: Fills and text colours for ratings: GOV.UK's tag colours, light enough for black text to read
#: and told apart in greyscale by their words (the text is always shown).
RAG_COLOURS = {"red": ("F4CDC6", "942514"), "amber": ("FCD6C3", "6E3619"), "green": ("CCE2D8", "005A30")}

_NUMBER_SYMBOLS = frozenset({SUPPRESSED, SMALL_SHARE})


def _property(text: str) -> str:
    """A core property: XML-safe, on one line, and at most :data:`MAX_PROPERTY` characters."""
    text = " ".join(xml_text(text).split())
    return text if len(text) <= MAX_PROPERTY else text[: MAX_PROPERTY - 1] + "\u2026"


def human_date(day: dt.date) -> str:
    """``31 March 2019``."""
    return f"{day.day} {day:%B %Y}"


def is_number(cell: Cell) -> bool:
    """True for a cell that is a number as published (right-aligned): a whole number, a number, a
    figure, a count or share, or the symbol of a hidden one (``c``, ``k``)."""
    if isinstance(cell, bool):
        return False
    if isinstance(cell, (int, float, Figure, Count, Share)):
        return True
    return isinstance(cell, str) and cell in _NUMBER_SYMBOLS


# ---------------------------------------------------------------- WordprocessingML elements


def _el(tag: str, attrs: dict[str, str] | None = None, *children: Any) -> Any:
    """An element ``tag`` (``w:p``) with ``attrs`` (``{"w:val": "x"}``) and ``children``."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag, {qn(k): v for k, v in (attrs or {}).items()})
    for child in children:
        if child is not None:
            element.append(child)
    return element


def _val(tag: str, value: str) -> Any:
    return _el(tag, {"w:val": value})


def _runs(text: str, rpr: Callable[[], Any] | None = None) -> list[Any]:
    """Runs of ``text``, its line breaks as ``w:br`` and tabs as ``w:tab``; ``rpr`` makes each
    run's properties."""
    from docx.oxml.ns import qn

    out = []
    for i, line in enumerate(xml_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        run = _el("w:r", None, rpr() if rpr else None)
        if i:
            run.append(_el("w:br"))
        for j, piece in enumerate(line.split("\t")):
            if j:
                run.append(_el("w:tab"))
            if piece:
                t = _el("w:t")
                t.text = piece
                t.set(qn("xml:space"), "preserve")
                run.append(t)
        out.append(run)
    return out


def _rpr(*, bold: bool = False, colour: str = "") -> Callable[[], Any]:
    def make() -> Any:
        rpr = _el("w:rPr")
        if bold:
            rpr.append(_el("w:b"))
            rpr.append(_el("w:bCs"))
        if colour:
            rpr.append(_val("w:color", colour))
        return rpr

    return make


def _ppr(
    style: str = "",
    *,
    keep_next: bool = False,
    keep_lines: bool = False,
    align: str = "",
    spacing: dict[str, str] | None = None,
) -> Any:
    ppr = _el("w:pPr")
    if style:
        ppr.append(_val("w:pStyle", style))
    if keep_next:
        ppr.append(_el("w:keepNext"))
    if keep_lines:
        ppr.append(_el("w:keepLines"))
    if spacing:
        ppr.append(_el("w:spacing", spacing))
    if align:
        ppr.append(_val("w:jc", align))
    return ppr


def _paragraph(text: str = "", style: str = "", *, bold: bool = False, colour: str = "", **ppr: Any) -> Any:
    p = _el("w:p", None, _ppr(style, **ppr))
    if text:
        for run in _runs(text, _rpr(bold=bold, colour=colour) if bold or colour else None):
            p.append(run)
    return p


def _field(instruction: str, result: str = "") -> list[Any]:
    """The runs of a complex field: ``instruction`` with ``result`` shown until it is updated."""
    begin = _el("w:r", None, _el("w:fldChar", {"w:fldCharType": "begin"}))
    code = _el("w:instrText", {"xml:space": "preserve"})
    code.text = instruction
    return [
        begin,
        _el("w:r", None, code),
        _el("w:r", None, _el("w:fldChar", {"w:fldCharType": "separate"})),
        *_runs(result),
        _el("w:r", None, _el("w:fldChar", {"w:fldCharType": "end"})),
    ]


def _insert_ppr_child(ppr: Any, child: Any) -> None:
    """Put ``child`` (``w:pageBreakBefore``) where the schema orders it: after style and keeps."""
    from docx.oxml.ns import qn

    leading = {qn("w:pStyle"), qn("w:keepNext"), qn("w:keepLines")}
    index = 0
    for i, existing in enumerate(ppr):
        if existing.tag in leading:
            index = i + 1
    ppr.insert(index, child)


# ---------------------------------------------------------------- tables


def _matrix(table: Table) -> list[bool]:
    """Which columns of ``table`` are a matrix's: ticks or short codes (at most four characters)
    under a long header (more than twelve), whose header may be turned on its side. A table
    with fewer than three such columns is not a matrix: none is turned."""
    columns = [
        len(" ".join(name.split())) > 12 and all(len(cell_text(row[j]).strip()) <= 4 for row in table.rows)
        for j, name in enumerate(table.columns)
    ]
    return columns if sum(columns) >= 3 else [False] * len(columns)


def _measured(table: Table, turned: Sequence[bool]) -> list[widths.Column]:
    """Each column of ``table`` measured for :mod:`widths` (a turned header takes no width)."""
    out = []
    for j, name in enumerate(table.columns):
        cells = [row[j] for row in table.rows]
        filled = [c for c in cells if c is not None and cell_text(c) != ""]
        number = bool(filled) and all(is_number(c) for c in filled) and any(not isinstance(c, str) for c in filled)
        header = "" if turned[j] else xml_text(name)
        out.append(widths.measure(header, [xml_text(cell_text(c)) for c in cells], number))
    return out


def arrangement(table: Table) -> tuple[bool, list[bool]]:
    """Whether ``table`` needs a landscape page, and which of its headers are turned on their
    side. A table goes on a landscape page only where its columns at their narrowest
    (:func:`widths.minimum`: each as wide as its longest word, a column of sentences wide enough
    to read) do not fit a portrait page's line, never for its number of columns; a matrix's long
    headers are turned first, and it stays portrait if it then fits."""
    plain = [False] * len(table.columns)
    if widths.least(_measured(table, plain)) <= PORTRAIT_TEXT:
        return False, plain
    turned = _matrix(table)
    return widths.least(_measured(table, turned)) > PORTRAIT_TEXT, turned


def wants_landscape(table: Table) -> bool:
    """True for a table too wide for a portrait page: one whose columns at their narrowest
    (their longest words) do not fit its line, even with a matrix's headers turned."""
    return arrangement(table)[0]


def _table_layout(table: Table, available: int) -> tuple[list[int], list[bool], list[bool]]:
    """Column widths (twips) for ``table`` in ``available`` twips, which columns hold numbers,
    and which headers are turned on their side."""
    turned = arrangement(table)[1]
    measured = _measured(table, turned)
    return widths.widths(measured, available), [m.numeric for m in measured], turned


def _header_height(table: Table, column_widths: Sequence[int], rotated: Sequence[bool]) -> int:
    """How tall (twips) the header row must be for its turned headers to fit on their lines."""
    line = round(TABLE_SIZE_PT * 20 * 1.2)
    tallest = 0
    for name, width, turned in zip(table.columns, column_widths, rotated, strict=True):
        if turned:
            lines = max(1, (width - widths.PADDING) // line)
            text = xml_text(" ".join(name.split()))
            long = widths.text_width(text, bold=True) * 1.25 / lines  # a quarter lost to line breaks
            word = max((widths.text_width(w, bold=True) for w in text.split()), default=0) * widths.SLACK
            tallest = max(tallest, round(max(long, word)) + 2 * 60)
    return min(tallest, 8 * widths.CM)


def _cell(
    text: str,
    width: int,
    *,
    header: bool = False,
    align: str = "",
    fill: str = "",
    colour: str = "",
    turned: bool = False,
    keep_next: bool = False,
) -> Any:
    tcpr = _el("w:tcPr", None, _el("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
    if fill:
        tcpr.append(_el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": fill}))
    if turned:
        tcpr.append(_val("w:textDirection", "btLr"))
    p = _el("w:p", None, _ppr("TableHeading" if header else "TableText", align=align, keep_next=keep_next))
    for run in _runs(text, _rpr(bold=header, colour=colour) if header or colour else None):
        p.append(run)
    return _el("w:tc", None, tcpr, p)


def _table_element(table: Table, available: int, accent: str) -> Any:
    """``table`` as a ``w:tbl``: fixed layout, its grid and every cell's width from its content,
    the header row repeated on each page and shaded, numbers right-aligned, ratings filled."""
    column_widths, numeric, rotated = _table_layout(table, available)
    total = sum(column_widths)
    border = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": styles.BORDER}
    tblpr = _el(
        "w:tblPr",
        None,
        _val("w:tblStyle", styles.TABLE_STYLE_ID),
        _el("w:tblW", {"w:w": str(total), "w:type": "dxa"}),
        _el(
            "w:tblBorders",
            None,
            *(_el(f"w:{side}", border) for side in ("top", "left", "bottom", "right", "insideH", "insideV")),
        ),
        _el("w:tblLayout", {"w:type": "fixed"}),
        _el(
            "w:tblLook",
            {
                "w:val": "04A0",
                "w:firstRow": "1",
                "w:lastRow": "0",
                "w:firstColumn": "0",
                "w:lastColumn": "0",
                "w:noHBand": "1",
                "w:noVBand": "1",
            },
        ),
    )
    if table.caption:
        tblpr.append(_val("w:tblCaption", _property(table.caption)))
    grid = _el("w:tblGrid", None, *(_el("w:gridCol", {"w:w": str(w)}) for w in column_widths))
    tbl = _el("w:tbl", None, tblpr, grid)

    fill = styles.tint(accent)
    header_row = _el("w:trPr", None, _el("w:cantSplit"))
    if any(rotated):
        height = _header_height(table, column_widths, rotated)
        header_row.append(_el("w:trHeight", {"w:val": str(height), "w:hRule": "atLeast"}))
    header_row.append(_el("w:tblHeader"))
    rows: Sequence[Sequence[Cell]] = table.rows or [("(none)",) + ("",) * (len(table.columns) - 1)]
    texts = [[xml_text(cell_text(c)) for c in row] for row in rows]
    heights = [max(widths.lines(t, w) for t, w in zip(row, column_widths, strict=True)) for row in texts]
    # A short table is kept on one page (each row's paragraphs kept with the next row), which Word
    # and LibreOffice both honour; a longer one flows on, its header row repeated.
    keep = sum(heights) + len(heights) <= KEEP_TABLE_LINES
    header = _el(
        "w:tr",
        None,
        header_row,
        *(
            _cell(xml_text(name), w, header=True, align="right" if n else "", fill=fill, turned=t, keep_next=True)
            for name, w, n, t in zip(table.columns, column_widths, numeric, rotated, strict=True)
        ),
    )
    tbl.append(header)
    for i, (row, row_texts, height) in enumerate(zip(rows, texts, heights, strict=True)):
        tr = _el("w:tr", None, _el("w:trPr", None, _el("w:cantSplit")) if height <= KEEP_ROW_LINES else None)
        last = i == len(rows) - 1
        for value, text, w in zip(row, row_texts, column_widths, strict=True):
            rag_fill, rag_text = RAG_COLOURS.get(value.level, ("", "")) if isinstance(value, Rag) else ("", "")
            align = "right" if is_number(value) else ""
            tr.append(_cell(text, w, align=align, fill=rag_fill, colour=rag_text, keep_next=keep and not last))
        tbl.append(tr)
    return tbl


# ---------------------------------------------------------------- the document


class _Writer:
    """Appends a document's body, section by section, to a python-docx Document."""

    def __init__(self, doc: Any, document: Document, accent: str) -> None:
        self.doc = doc
        self.document = document
        self.accent = accent
        self.end = doc.element.body.sectPr  # the last section's properties: the body ends here
        self.landscape = False
        self.sections = 0  # section breaks made so far
        self.page_break = False  # the next block starts a page
        self.figures = 0
        self.bookmarks: dict[int, str] = {}
        self._bookmark_id = 0

    # -- appending

    def add(self, element: Any) -> None:
        from docx.oxml.ns import qn

        if self.page_break:
            self.page_break = False
            if element.tag == qn("w:p"):
                _insert_ppr_child(element.get_or_add_pPr(), _el("w:pageBreakBefore"))
            else:
                self.end.addprevious(_paragraph("", keep_next=True))
                _insert_ppr_child(self.end.getprevious().get_or_add_pPr(), _el("w:pageBreakBefore"))
        self.end.addprevious(element)

    def orient(self, landscape: bool) -> None:
        """Start a new section (on a new page) if ``landscape`` is not the current orientation."""
        from docx.oxml.ns import qn

        if landscape == self.landscape:
            return
        last = self.end.getprevious()
        if last is None or last.tag != qn("w:p") or last.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            last = _paragraph("", spacing={"w:before": "0", "w:after": "0", "w:line": "20", "w:lineRule": "exact"})
            self.end.addprevious(last)
        closing = copy.deepcopy(self.end)
        self._set_orientation(closing, self.landscape, first=self.sections == 0)
        last.get_or_add_pPr().append(closing)
        self.sections += 1
        self.landscape = landscape
        self.page_break = False

    def finish(self) -> None:
        self._set_orientation(self.end, self.landscape, first=self.sections == 0)

    @staticmethod
    def _set_orientation(sectpr: Any, landscape: bool, *, first: bool) -> None:
        from docx.oxml.ns import qn

        size = sectpr.find(qn("w:pgSz"))
        width, height = (PAGE_HEIGHT, PAGE_WIDTH) if landscape else (PAGE_WIDTH, PAGE_HEIGHT)
        size.set(qn("w:w"), str(width))
        size.set(qn("w:h"), str(height))
        if landscape:
            size.set(qn("w:orient"), "landscape")
        elif qn("w:orient") in size.attrib:
            del size.attrib[qn("w:orient")]
        title_page = sectpr.find(qn("w:titlePg"))
        if not first and title_page is not None:
            sectpr.remove(title_page)

    # -- blocks

    def cover(self, style: Any) -> None:
        document = self.document
        self.add(
            _paragraph(
                document.title, "Title", spacing={"w:before": str(4 * widths.CM), "w:after": "240"}, keep_next=True
            )
        )
        if document.subtitle:
            self.add(_paragraph(document.subtitle, "Subtitle"))
        if document.author:
            self.add(_paragraph(document.author, "Subtitle", spacing={"w:before": str(widths.CM)}))

    def contents(self, headings: Sequence[tuple[int, str, str]]) -> None:
        """The contents: Word's TOC field, its result already the headings (each a link to its
        heading), so it reads before Word updates it (and adds the page numbers) and in
        LibreOffice, which shows a field's last result."""
        shown = [h for h in headings if h[0] <= 3]
        if not shown:
            return
        self.page_break = True
        self.add(_paragraph("Contents", "TOCHeading"))
        for i, (depth, title, bookmark) in enumerate(shown):
            p = _el("w:p", None, _ppr(f"TOC{depth}"))
            if i == 0:
                for run in _field(TOC_FIELD)[:3]:  # begin, instruction, separate: the result follows
                    p.append(run)
            link = _el("w:hyperlink", {"w:anchor": bookmark, "w:history": "1"})
            for run in _runs(" ".join(title.split())):
                link.append(run)
            p.append(link)
            if i == len(shown) - 1:
                p.append(_el("w:r", None, _el("w:fldChar", {"w:fldCharType": "end"})))
            self.add(p)
        self.page_break = True

    def heading(self, title: str, depth: int, bookmark: str) -> None:
        p = _el("w:p", None, _ppr(f"Heading{min(depth, 9)}"))
        self._bookmark_id += 1
        number = str(self._bookmark_id)
        p.append(_el("w:bookmarkStart", {"w:id": number, "w:name": bookmark}))
        for run in _runs(title):
            p.append(run)
        p.append(_el("w:bookmarkEnd", {"w:id": number}))
        self.add(p)

    def facts(self, pairs: Sequence[tuple[str, str]]) -> None:
        for label, value in pairs:
            p = _el("w:p", None, _ppr(spacing={"w:after": "60"}))
            for run in _runs(f"{label}: ", _rpr(bold=True)):
                p.append(run)
            for run in _runs(value):
                p.append(run)
            self.add(p)
        last = self.end.getprevious()
        if pairs and last is not None:
            last.get_or_add_pPr().get_or_add_spacing().set(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}after", "160"
            )

    def table(self, table: Table) -> None:
        if table.caption:
            self.add(_paragraph(table.caption, "Caption"))
        self.add(_table_element(table, LANDSCAPE_TEXT if self.landscape else PORTRAIT_TEXT, self.accent))
        self.add(_paragraph("", spacing={"w:before": "0", "w:after": "120", "w:line": "240", "w:lineRule": "auto"}))

    def chart(self, chart: Chart) -> None:
        """The chart as a picture (its description the alternative text) under a numbered caption,
        and its figures as a small table (``lif_core.builtins.renderers.chart_table``: figures
        with their unit, right-aligned; a hidden point reads ``c``). The caption is the table's:
        the title with the target, the comparators and which way is better, each with its unit,
        said once (the picture draws the title and the lines; the table the points)."""
        from lif_core import chart_table

        self.figures += 1
        figures = chart_table(chart)
        p = _el("w:p", None, _ppr("Caption", keep_next=True))
        for run in [
            *_runs("Figure "),
            *_field(" SEQ Figure \\* ARABIC ", str(self.figures)),
            *_runs(f": {figures.caption or chart.title}"),
        ]:
            p.append(run)
        self.add(p)
        picture = _el("w:r", None, self._picture(chart))
        self.add(_el("w:p", None, _ppr(keep_next=True, spacing={"w:after": "80"}), picture))
        self.table(attrs.evolve(figures, caption=f"Figures for figure {self.figures}"))

    def _picture(self, chart: Chart) -> Any:
        """A ``w:drawing`` of ``chart`` drawn by lif-core (matplotlib), its description (the
        target and comparators among it) the picture's alternative text."""
        from docx.shared import Cm

        from lif_core import chart_description, chart_png

        png = chart_png(chart, width_cm=CHART_WIDTH_CM, accent=f"#{self.accent}")
        inline = self.doc.part.new_pic_inline(io.BytesIO(png), Cm(CHART_WIDTH_CM), None)
        inline.docPr.set("descr", _property_long(chart_description(chart)))
        inline.docPr.set("title", _property(chart.title))
        inline.docPr.set("name", f"Figure {self.figures}")
        return _el("w:drawing", None, inline)

    def block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            self.add(_paragraph(block.text))
        elif isinstance(block, BulletList):
            for item in block.items:
                self.add(_paragraph(item, "ListBullet"))
        elif isinstance(block, Facts):
            self.facts(block.pairs)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Chart):
            self.chart(block)


def _property_long(text: str) -> str:
    """Alternative text: XML-safe, spaces collapsed (a description may run to a few sentences)."""
    return " ".join(xml_text(text).split())


def _plan(document: Document) -> list[tuple[Section, int, str, bool]]:
    """Each section in reading order with its depth, its heading's bookmark, and whether it starts
    on a landscape page: where its first content (past any headings) is a wide table, so a
    heading never stays behind at the foot of a portrait page."""
    walked = list(document.walk())
    starts = []
    for i, (depth, section) in enumerate(walked):
        first: Any = None
        for _later_depth, later in walked[i:]:
            if later.blocks:
                first = later.blocks[0]
                break
        wide = isinstance(first, Table) and wants_landscape(first)
        starts.append((section, depth, f"_Toc{i + 1:05d}", wide))
    return starts


def _header_footer(doc: Any, document: Document, style: Any) -> None:
    """A running header (the board, the as-at day) and "Page X of Y" in the footer, on every
    page but the cover, whose header carries the logo where the board has one."""
    section = doc.sections[0]
    section.different_first_page_header_footer = True
    running = " \u00b7 ".join(
        part
        for part in (
            xml_text(document.author),
            f"As at {human_date(document.date)}" if document.date else xml_text(document.subtitle),
        )
        if part
    )
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    if running:
        header.add_run(running)
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    p = footer._p
    for run in [*_runs("Page "), *_field(" PAGE ", "1"), *_runs(" of "), *_field(" NUMPAGES ", "1")]:
        p.append(run)
    first = section.first_page_header.paragraphs[0]
    first.style = doc.styles["Normal"]
    section.first_page_footer.paragraphs[0].style = doc.styles["Normal"]
    logo = getattr(style, "logo", None)
    if logo:
        _logo(first, logo, xml_text(getattr(style, "logo_text", "") or document.author or "Logo"))


def _logo(paragraph: Any, data: bytes, text: str) -> None:
    """The board's logo, 2.5 cm high (at most 8 cm wide), with ``text`` as its alternative text."""
    from docx.image.exceptions import UnrecognizedImageError
    from docx.image.image import Image
    from docx.shared import Cm

    try:
        image = Image.from_blob(data)
    except (UnrecognizedImageError, ValueError, IndexError, KeyError):  # checked when read; text if not an image
        paragraph.add_run(text)
        return
    height = Cm(2.5)
    ratio = image.px_width / max(1, image.px_height)
    if height * ratio > Cm(8):
        picture = paragraph.add_run().add_picture(io.BytesIO(data), width=Cm(8))
    else:
        picture = paragraph.add_run().add_picture(io.BytesIO(data), height=height)
    picture._inline.docPr.set("descr", _property_long(text))


def _properties(doc: Any, document: Document) -> None:
    """Title, the board as author, the as-at day as created and modified (at midnight), British
    English, revision 1; nothing left from the template (python-docx's name, its 2013 date)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    day = document.date or dt.date.today()
    moment = dt.datetime(day.year, day.month, day.day)
    props = doc.core_properties
    props.title = _property(document.title)
    props.subject = _property(document.subtitle)
    props.author = _property(document.author)
    props.last_modified_by = _property(document.author)
    props.created = moment
    props.modified = moment
    props.language = styles.LANGUAGE
    props.revision = 1
    props.comments = ""
    props.keywords = ""
    props.category = ""
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rid)
        elif rel.reltype == RT.EXTENDED_PROPERTIES:
            company = _property(document.author).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            rel.target_part._blob = (
                "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
                '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                f"<Application>lif-docx</Application><Company>{company}</Company></Properties>"
            ).encode()


def _settings(doc: Any) -> None:
    """Word refreshes the fields (contents, page numbers) when it opens the document; British
    English is the theme's language; no preview picture."""
    from docx.oxml.ns import qn

    settings = doc.settings.element
    for tag in ("w:savePreviewPicture", "w:updateFields"):
        for old in settings.findall(qn(tag)):
            settings.remove(old)
    compat = settings.find(qn("w:compat"))
    update = _val("w:updateFields", "true")
    if compat is not None:
        compat.addprevious(update)
    else:
        settings.append(update)
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), styles.LANGUAGE)


def _page(doc: Any) -> None:
    """A4 portrait with 2 cm margins, the header and footer 1 cm from the edge."""
    from docx.oxml.ns import qn

    sectpr = doc.sections[0]._sectPr
    size = sectpr.find(qn("w:pgSz"))
    size.set(qn("w:w"), str(PAGE_WIDTH))
    size.set(qn("w:h"), str(PAGE_HEIGHT))
    margins = sectpr.find(qn("w:pgMar"))
    for side in ("top", "right", "bottom", "left"):
        margins.set(qn(f"w:{side}"), str(MARGIN))
    margins.set(qn("w:header"), "567")
    margins.set(qn("w:footer"), "567")


class DocxRenderer(Renderer):
    """A Word board paper: a cover, the contents, every section as a heading with its content,
    and what the document is (the disclosure rule applied) at the end."""

    name = "docx"
    title = "Word document (.docx)"
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    suffix = ".docx"
    binary = True

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        import docx  # imported on use: python-docx (and lxml) are slow to import on every lif command

        style = options.style if options is not None else None
        accent = styles.accent_of(style.accent if style is not None else None)
        doc = docx.Document()
        body = doc.element.body
        for child in list(body):
            if child is not body.sectPr:
                body.remove(child)
        _page(doc)
        styles.apply(doc, accent, PORTRAIT_TEXT)
        _properties(doc, document)
        _settings(doc)
        _header_footer(doc, document, style)

        writer = _Writer(doc, document, accent)
        writer.cover(style)
        plan = _plan(document)
        headings = [(depth, section.title, bookmark) for section, depth, bookmark, _wide in plan]
        about = "_Toc00000"
        if document.meta:
            headings.append((1, ABOUT, about))
        writer.contents(headings)
        for section, depth, bookmark, wide in plan:
            writer.orient(wide)
            writer.heading(section.title, depth, bookmark)
            for block in section.blocks:  # a wide table on a landscape page, the rest on portrait ones
                writer.orient(isinstance(block, Table) and wants_landscape(block))
                writer.block(block)
        if document.meta:  # the disclosure rule is stated in every published output
            writer.orient(False)
            writer.heading(ABOUT, 1, about)
            writer.facts(document.meta)
        writer.finish()
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(DocxRenderer())
