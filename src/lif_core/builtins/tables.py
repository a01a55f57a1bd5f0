"""The formats for analysts (hook: register_renderers, through :mod:`.renderers`): JSON
(``lif-document/2``), a workbook (``xlsx``: a sheet per table), CSV as a file per table in a ZIP
with a Frictionless Data Package describing them (``csv``), and the tidy CSV of one line per
table cell (``csv-tidy``).

Every format keeps a figure's number for machines beside the text readers see: a
:class:`~lif_core.document.Figure` is a number (with its unit in the column's header, its places
in the number format), a day is a date, a rating is its words (with its colour in a workbook), and
what disclosure control hid is its symbol (``c``; ``k`` for a non-zero share too small to show),
never a number. Board text is made safe for where it goes: no cell of text can become a formula
(:func:`csv_safe` in CSV; a workbook's text cells are written as text, never as formulas), and
characters a workbook's XML cannot hold are replaced.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import attrs

from ..document import (
    SMALL_SHARE,
    SUPPRESSED,
    BulletList,
    Cell,
    Chart,
    Count,
    Document,
    Facts,
    Figure,
    Paragraph,
    Rag,
    Section,
    Share,
    Table,
    cell_text,
    xml_text,
)
from ..extensions import Renderer, RenderOptions
from .renderers import ABOUT, chart_table, csv_safe

__all__ = [
    "SCHEMA",
    "CsvZipRenderer",
    "JsonRenderer",
    "TidyCsvRenderer",
    "XlsxRenderer",
    "cell_data",
    "document_to_data",
    "document_tables",
]

#: The name and version of the JSON shape (``docs/schema/lif-document-2.schema.json``).
SCHEMA = "lif-document/2"

#: What a CSV file of the ZIP writes for a missing figure: nothing, or disclosure control's symbols.
MISSING_VALUES = ("", SUPPRESSED, SMALL_SHARE)

# ---------------------------------------------------------------- the tables of a document


@attrs.frozen
class DocumentTable:
    """A table of a document as the analysts' formats publish it: where it is (the section's
    title and key), its caption, and its cells (a chart as the table of its points)."""

    number: int
    section: str
    key: str
    table: Table

    @property
    def caption(self) -> str:
        return self.table.caption or self.section or f"Table {self.number}"


def document_tables(document: Document) -> Iterator[DocumentTable]:
    """Every table and chart of the document, in reading order, numbered from 1."""
    n = 0
    for _depth, section in document.walk():
        for block in section.blocks:
            if isinstance(block, Table):
                table = block
            elif isinstance(block, Chart):
                table = chart_table(block)
            else:
                continue
            n += 1
            yield DocumentTable(n, section.title, section.key, table)


# ---------------------------------------------------------------- JSON


def _number(value: float | int | None) -> float | int | None:
    """A number JSON can hold (no NaN or infinity: those are null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cell_data(cell: Cell) -> Any:
    """A table cell in ``lif-document/2``: text, a whole number, a number or null as they are;
    a figure, a rating, a day or a hidden figure as an object with a ``type`` and the ``text``
    readers see (see ``docs/schema/lif-document-2.schema.json``)."""
    if cell is None or (isinstance(cell, (str, int)) and not isinstance(cell, bool)):
        if cell == SUPPRESSED:
            return {"type": "suppressed", "value": None, "text": SUPPRESSED}
        return cell
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float):
        return _number(cell)
    if isinstance(cell, Figure):
        data: dict[str, Any] = {
            "type": "figure",
            "value": _number(cell.value),
            "text": cell.text,
            "unit": cell.unit,
            "places": cell.places,
        }
        if cell.value is None and cell.text == SMALL_SHARE:
            data["small"] = True
        return data
    if isinstance(cell, Rag):
        return {"type": "rag", "text": cell.text, "rag": cell.level}
    if isinstance(cell, dt.date):
        day = cell.date() if isinstance(cell, dt.datetime) else cell
        return {"type": "date", "value": day.isoformat(), "text": day.isoformat()}
    if isinstance(cell, Count):
        return cell.value
    if isinstance(cell, Share):
        return {"type": "figure", "value": cell.value, "text": cell_text(cell), "unit": "%" if cell.per == 100 else ""}
    raise TypeError(f"unknown cell {type(cell).__name__}")


def document_to_data(document: Document) -> dict[str, Any]:
    """The documented JSON shape of a document, ``lif-document/2`` (see
    ``docs/schema/lif-document-2.schema.json``)."""

    def block(b: Any) -> dict[str, Any]:
        if isinstance(b, Paragraph):
            return {"type": "paragraph", "text": b.text}
        if isinstance(b, BulletList):
            return {"type": "list", "items": list(b.items)}
        if isinstance(b, Facts):
            return {"type": "facts", "pairs": [{"label": k, "value": v} for k, v in b.pairs]}
        if isinstance(b, Table):
            return {
                "type": "table",
                "caption": b.caption,
                "columns": list(b.columns),
                "rows": [[cell_data(c) for c in r] for r in b.rows],
                "total_row": b.total_row,
                "total_column": b.total_column,
            }
        if isinstance(b, Chart):
            # A point disclosure control hid is null, with the text shown for it ("c") in labels.
            return {
                "type": "chart",
                "title": b.title,
                "unit": b.unit,
                "target": _number(b.target),
                "polarity": b.polarity,
                # a point labelled hidden is null, whatever number a section left in it
                "points": [[p, None if b.label(p, v) == SUPPRESSED else _number(v)] for p, v in b.points],
                "labels": {p: b.label(p, v) for p, v in b.points if v is None or b.label(p, v) != cell_text(v)},
                "references": [{"label": label, "value": _number(value)} for label, value in b.references],
            }
        raise TypeError(f"unknown block {type(b).__name__}")

    def section(s: Section) -> dict[str, Any]:
        data: dict[str, Any] = {"title": s.title}
        if s.key:
            data["section"] = s.key
        data["blocks"] = [block(b) for b in s.blocks]
        data["sections"] = [section(x) for x in s.sections]
        return data

    data: dict[str, Any] = {
        "schema": SCHEMA,
        "kind": document.kind,
        "title": document.title,
        "subtitle": document.subtitle,
        "author": document.author,
        "date": document.date.isoformat() if document.date else None,
        "meta": dict(document.meta),
        "sections": [section(s) for s in document.sections],
    }
    if document.snapshot:
        data["snapshot"] = [
            {"kind": kind, "id": ident, "name": name, "state": state} for kind, ident, name, state in document.snapshot
        ]
    return data


class JsonRenderer(Renderer):
    """JSON with a stable, documented shape (``schema: lif-document/2``): numbers as numbers
    with the text readers see beside them."""

    name = "json"
    title = "JSON"
    media_type = "application/json"
    suffix = ".json"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        text = json.dumps(document_to_data(document), indent=2, ensure_ascii=False, allow_nan=False)
        return (text + "\n").encode("utf-8")


# ---------------------------------------------------------------- CSV: one line per cell


class TidyCsvRenderer(Renderer):
    """Every table (and chart) of a document in one tidy CSV: a line per cell, as
    ``section,table,row,column,value``, so a spreadsheet or pandas can pivot any of them; then
    the document's ``meta`` (the disclosure rule applied) as one row of section
    ``About this document``. Every cell is made safe from formula injection (:func:`csv_safe`)."""

    name = "csv-tidy"
    title = "CSV (tidy: one line per table cell)"
    media_type = "text/csv"
    suffix = ".csv"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "table", "row", "column", "value"])
        for _depth, section in document.walk():
            for n, block in enumerate(section.blocks, start=1):
                table = chart_table(block) if isinstance(block, Chart) else block
                if not isinstance(table, Table):
                    continue
                name = table.caption or f"table {n}"
                for i, row in enumerate(table.rows, start=1):
                    for column, cell in zip(table.columns, row, strict=True):
                        writer.writerow([csv_safe(t) for t in (section.title, name, str(i), column, cell_text(cell))])
        for label, value in document.meta:
            writer.writerow([csv_safe(t) for t in (ABOUT, ABOUT, "1", label, value)])
        return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- columns and their types


def _missing(cell: Cell) -> bool:
    """A cell with no value for machines: empty, a hidden figure, a symbol instead of a number."""
    if cell is None or cell == "" or cell == SUPPRESSED:
        return True
    return isinstance(cell, Figure) and cell.value is None


@attrs.frozen
class Column:
    """A table's column as the typed formats publish it: its name, its Table Schema type
    (``integer``, ``number``, ``date`` or ``string``) and the unit its figures share."""

    name: str
    type: str
    unit: str = ""

    @property
    def header(self) -> str:
        """The header with the unit (``Latest (%)``), where the column is of figures in one."""
        said = f"({self.unit}" in self.name  # the header names its unit already: "Variance (% of target)"
        if self.unit and self.type in ("integer", "number") and not said:
            return f"{self.name} ({self.unit})"
        return self.name


def _is_int(cell: Cell) -> bool:
    return isinstance(cell, int) and not isinstance(cell, bool)


def column_types(table: Table) -> list[Column]:
    """Each column's type, from its cells (those with no value left out): ``integer`` where
    every one is a whole number, ``number`` where every one is a number or a figure, ``date``
    where every one is a day, else ``string``."""
    out = []
    for j, name in enumerate(table.columns):
        cells = [row[j] for row in table.rows if not _missing(row[j])]
        units = {c.unit for c in (row[j] for row in table.rows) if isinstance(c, Figure)}
        unit = units.pop() if len(units) == 1 else ""
        if not cells:
            kind = "number" if units or unit else "string"
        elif all(_is_int(c) for c in cells):
            kind = "integer"
        elif all(_is_int(c) or isinstance(c, (float, Figure)) for c in cells):
            kind = "number"
        elif all(isinstance(c, dt.date) for c in cells):
            kind = "date"
        else:
            kind = "string"
        out.append(Column(name, kind, unit if kind in ("integer", "number") else ""))
    return out


def _plain(value: float | int) -> str:
    """A number as CSV writes it: unformatted (``13.0``, ``228000``), never an exponent."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return ""
    text = repr(value)
    if "e" in text or "E" in text:
        text = f"{value:.15f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text
    return text


def _csv_cell(cell: Cell, column: Column) -> str:
    if column.type in ("integer", "number", "date"):
        if cell is None:
            return ""
        if isinstance(cell, Figure):
            if cell.value is None:
                return cell.text if cell.text in MISSING_VALUES else ""
            return _plain(cell.value)
        if isinstance(cell, (int, float)) and not isinstance(cell, bool):
            return _plain(cell)
        if isinstance(cell, dt.date):
            return (cell.date() if isinstance(cell, dt.datetime) else cell).isoformat()
        return cell_text(cell) if cell_text(cell) in MISSING_VALUES else ""
    return csv_safe(cell_text(cell))


# ---------------------------------------------------------------- CSV: a file per table in a ZIP

#: Every file of a ZIP is dated the same (the earliest day ZIP holds), so one document gives one ZIP.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def slug(text: str, limit: int = 50) -> str:
    """A file or resource name from text: lower-case ASCII letters, digits and hyphens."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return words[:limit].rstrip("-") or "table"


def _zip_write(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


class CsvZipRenderer(Renderer):
    """A ZIP of a CSV file per table (and chart) of the document, each with a header row and
    typed columns (numbers unformatted with the unit in the header: ``Latest (%)``, days as
    ``2018-07-12``, what disclosure control hid as ``c``), and ``datapackage.json``: a
    Frictionless Data Package giving each file's Table Schema (field names and types, the
    missing values ``""``, ``c`` and ``k``) and the document's ``meta`` (the disclosure rule
    applied). Every text cell is made safe from formula injection (:func:`csv_safe`); the ZIP is
    the same bytes for the same document."""

    name = "csv"
    title = "CSV (a file per table, in a ZIP with a Data Package)"
    media_type = "application/zip"
    suffix = ".zip"
    binary = True

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        out = io.BytesIO()
        resources: list[dict[str, Any]] = []
        with zipfile.ZipFile(out, "w") as archive:
            for item in document_tables(document):
                columns = column_types(item.table)
                headers = _unique([csv_safe(c.header) for c in columns])
                text = io.StringIO()
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(headers)
                for row in item.table.rows:
                    writer.writerow([_csv_cell(cell, c) for cell, c in zip(row, columns, strict=True)])
                name = f"{item.number:02d}-{slug(item.caption)}"
                _zip_write(archive, f"{name}.csv", text.getvalue().encode("utf-8"))
                resources.append(
                    {
                        "name": name,
                        "path": f"{name}.csv",
                        "profile": "tabular-data-resource",
                        "title": item.caption,
                        "description": f"Section: {item.section}" if item.section else "",
                        "format": "csv",
                        "mediatype": "text/csv",
                        "encoding": "utf-8",
                        "schema": {
                            "fields": [
                                {"name": h, "type": c.type, **({"unit": c.unit} if c.unit else {})}
                                for h, c in zip(headers, columns, strict=True)
                            ],
                            "missingValues": list(MISSING_VALUES),
                        },
                    }
                )
            package = {
                "profile": "tabular-data-package",
                "name": slug(document.title, 80),
                "title": document.title,
                "description": "; ".join(f"{k}: {v}" for k, v in document.meta),
                **({"created": document.date.isoformat()} if document.date else {}),
                "contributors": [{"title": document.author, "role": "publisher"}] if document.author else [],
                "lif": {
                    "schema": SCHEMA,
                    "kind": document.kind,
                    "subtitle": document.subtitle,
                    "meta": dict(document.meta),
                },
                "resources": resources,
            }
            data = json.dumps(package, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
            _zip_write(archive, "datapackage.json", data.encode("utf-8"))
        return out.getvalue()


def _unique(names: list[str]) -> list[str]:
    """Names made unique (a second ``Total`` is ``Total (2)``): a Table Schema's fields must be."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{name} ({n})"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


# ---------------------------------------------------------------- xlsx

#: What a sheet's name may not hold, and its longest (Excel's rules).
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_LIMIT = 31
#: Longest text a workbook's cell holds.
CELL_LIMIT = 32_767
#: Fills of a rating's cell (light, so its words stay readable): the words are always there too.
RAG_FILLS = {"red": "F4CCCC", "amber": "FFE599", "green": "D9EAD3"}
#: What a symbol in a cell means, said once on the contents sheet and on each sheet using one.
SYMBOL_NOTE = (
    f"'{SUPPRESSED}': hidden by disclosure control (a small count, or one that would reveal it); "
    f"'{SMALL_SHARE}': a non-zero figure that rounds to 0."
)


def xml_safe(text: str) -> str:
    """Text a workbook can hold: characters its XML cannot are replaced (by U+FFFD), and the
    text is cut to a cell's limit."""
    text = xml_text(text)
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - 1] + "\u2026"


def sheet_names(captions: list[str], reserved: tuple[str, ...] = ("Contents",)) -> list[str]:
    """A valid, unique sheet name for each caption: at most 31 characters, none of ``[]:*?/\\``,
    not starting or ending with an apostrophe, unique whatever the case, and none of
    ``reserved`` (nor Excel's own ``History``)."""
    taken = {r.lower() for r in (*reserved, "History")}
    out = []
    for n, caption in enumerate(captions, start=1):
        base = " ".join(SHEET_FORBIDDEN.sub(" ", xml_text(caption).replace("\ufffd", "")).split()).strip("'").strip()
        base = base or f"Table {n}"
        name = base[:SHEET_NAME_LIMIT].rstrip().rstrip("'")
        k = 1
        while not name or name.lower() in taken:
            k += 1
            suffix = f" ({k})"
            name = base[: SHEET_NAME_LIMIT - len(suffix)].rstrip().rstrip("'") + suffix
        taken.add(name.lower())
        out.append(name)
    return out


def number_format(figure: Figure) -> str:
    """A figure's number format: places as its text shows them, a percentage as Excel's own
    (the cell holds 0.13, shown ``13%``, so formulas on it work as a spreadsheet user expects),
    ``£`` before money, a sign where the text has one."""
    decimals = "." + "0" * figure.places if figure.places > 0 else ""
    body = f"#,##0{decimals}"
    if figure.unit == "%":
        body = f"0{decimals}%"  # Excel's own percentage: the cell holds 0.13
    elif figure.unit == "£":
        body = f'"£"#,##0{decimals}'
    if figure.text.startswith("+"):
        return f"+{body};-{body};{body}"
    return body


class XlsxRenderer(Renderer):
    """An Excel workbook (``.xlsx``, written by openpyxl): a ``Contents`` sheet (title, board,
    as-at day, the disclosure rule and the document's other ``meta``, and a link to each table's
    sheet with its caption and section), then a sheet per table and chart: its caption and
    section in the first rows, a bold header row that stays in view (frozen) with a filter, and
    typed cells: numbers as numbers with number formats (``13%`` is 0.13 shown ``13%``,
    ``£228,000`` is 228000), days as dates, ratings as their words with a fill, and what
    disclosure control hid as its symbol (``c``, ``k``), as text. No text cell can become a
    formula."""

    name = "xlsx"
    title = "Excel workbook (a sheet per table)"
    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    suffix = ".xlsx"
    binary = True

    #: The row of each table sheet holding the column headers (the caption and section above it).
    HEADER_ROW = 4

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Font, PatternFill

        tables = list(document_tables(document))
        names = sheet_names([t.caption for t in tables])
        book = Workbook()
        contents = book.active
        assert contents is not None
        contents.title = "Contents"
        bold = Font(bold=True)
        book.properties.title = xml_safe(document.title)[:255]
        book.properties.creator = xml_safe(document.author or "lif-core")[:255]
        when = dt.datetime.combine(document.date or dt.date(2000, 1, 1), dt.time())
        book.properties.created = book.properties.modified = when

        def text(cell: Any, value: str) -> None:
            cell.value = xml_safe(value)
            cell.data_type = "s"  # never a formula, whatever it starts with

        text(contents.cell(1, 1), document.title)
        contents.cell(1, 1).font = Font(bold=True, size=14)
        row = 2
        if document.subtitle:
            text(contents.cell(row, 1), document.subtitle)
            row += 1
        row += 1
        facts = [("Board", document.author)] if document.author else []
        if document.date:
            facts.append(("As at", document.date.isoformat()))
        facts += [(k, v) for k, v in document.meta if not (k == "Board" and document.author)]
        facts.append(("Symbols", SYMBOL_NOTE))
        seen: set[str] = set()
        for label, fact in facts:
            if label in seen:
                continue
            seen.add(label)
            text(contents.cell(row, 1), label)
            contents.cell(row, 1).font = bold
            text(contents.cell(row, 2), fact)
            contents.cell(row, 2).alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
        row += 1
        for j, heading in enumerate(("Sheet", "Table", "Section"), start=1):
            text(contents.cell(row, j), heading)
            contents.cell(row, j).font = bold
        for item, sheet in zip(tables, names, strict=True):
            row += 1
            link = contents.cell(row, 1)
            text(link, sheet)
            quoted = sheet.replace("'", "''")  # a sheet name's apostrophe is doubled in a reference
            link.hyperlink = f"#'{quoted}'!A1"
            link.style = "Hyperlink"
            text(contents.cell(row, 2), item.caption)
            text(contents.cell(row, 3), item.section)
        contents.column_dimensions["A"].width = 34
        contents.column_dimensions["B"].width = 90
        contents.column_dimensions["C"].width = 40

        for item, sheet_name in zip(tables, names, strict=True):
            ws = book.create_sheet(sheet_name)
            table = item.table
            text(ws.cell(1, 1), item.caption)
            ws.cell(1, 1).font = Font(bold=True, size=12)
            text(ws.cell(2, 1), f"Section: {item.section}" if item.section else "")
            if any(_missing(c) and cell_text(c) in (SUPPRESSED, SMALL_SHARE) for r in table.rows for c in r):
                text(ws.cell(3, 1), SYMBOL_NOTE)
            head = self.HEADER_ROW
            columns = column_types(table)
            widths = [len(c.header) for c in columns]
            for j, column in enumerate(columns, start=1):
                cell = ws.cell(head, j)
                text(cell, column.name)
                cell.font = bold
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            for i, values in enumerate(table.rows, start=head + 1):
                for j, value in enumerate(values, start=1):
                    cell = ws.cell(i, j)
                    shown = cell_text(value)
                    widths[j - 1] = max(widths[j - 1], max((len(line) for line in shown.split("\n")), default=0))
                    if value is None:
                        continue
                    if isinstance(value, Figure):
                        if value.value is None or not math.isfinite(value.value):
                            text(cell, value.text)
                        else:
                            cell.value = value.value / 100 if value.unit == "%" else value.value
                            cell.number_format = number_format(value)
                    elif isinstance(value, bool):
                        text(cell, str(value))
                    elif isinstance(value, int):
                        cell.value = value
                        cell.number_format = "#,##0"
                    elif isinstance(value, float):
                        if math.isfinite(value):
                            cell.value = value
                        else:
                            text(cell, shown)
                    elif isinstance(value, dt.date):
                        cell.value = value
                        cell.number_format = "yyyy-mm-dd"
                    elif isinstance(value, Rag):
                        text(cell, value.text)
                        if value.level in RAG_FILLS:
                            fill = RAG_FILLS[value.level]
                            cell.fill = PatternFill(start_color=fill, end_color=fill, fill_type="solid")
                    else:
                        text(cell, shown)
                        if value in (SUPPRESSED, SMALL_SHARE):
                            cell.alignment = Alignment(horizontal="right")
                        elif len(shown) > 60 or "\n" in shown:
                            cell.alignment = Alignment(wrap_text=True, vertical="top")
            from openpyxl.utils import get_column_letter

            for j, width in enumerate(widths, start=1):
                ws.column_dimensions[get_column_letter(j)].width = min(max(width, 6), 60) + 2
            # A row as tall as its longest wrapped cell (spreadsheets do not always grow one themselves).
            for i, values in enumerate(table.rows, start=head + 1):
                lines = max(
                    (
                        sum(-(-max(len(line), 1) // (min(max(w, 6), 60) + 2)) for line in cell_text(v).split("\n"))
                        for v, w in zip(values, widths, strict=True)
                    ),
                    default=1,
                )
                if lines > 1:
                    ws.row_dimensions[i].height = 15 * min(lines, 20)
            ws.freeze_panes = ws.cell(head + 1, 1)
            last = get_column_letter(len(columns))
            ws.auto_filter.ref = f"A{head}:{last}{head + max(len(table.rows), 1)}"
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
