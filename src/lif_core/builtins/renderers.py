"""Builtin renderers (hook: register_renderers): plain text, Markdown, JSON and CSV (HTML is
in :mod:`lif_core.builtins.html`).

Board text can hold anything, so each renderer makes user text safe for where its output goes:
:func:`terminal_safe` for a terminal (text, and the CLI's own messages), :func:`md_escape` for
Markdown (no markup, no links), :func:`csv_safe` for a spreadsheet (no formulas).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from typing import Any

from ..disclosure import SUPPRESSED
from ..document import (
    BulletList,
    Cell,
    Chart,
    Count,
    Document,
    Facts,
    Paragraph,
    Section,
    Table,
    cell_text,
    terminal_safe,
)
from ..extensions import Renderer, RenderOptions
from ..plugins import hookimpl

__all__ = ["ABOUT", "csv_safe", "document_to_data", "md_escape", "terminal_safe"]

#: The heading under which every format but HTML and JSON shows the document's ``meta`` (the
#: disclosure rule applied, ...): a published output always states its rule.
ABOUT = "About this document"

# ---------------------------------------------------------------- terminal safety


# Escape sequences a terminal acts on, removed whole: CSI (ESC [ or C1 0x9B: colours, cursor
# moves, screen clears), string commands up to their terminator or the next escape (OSC: window
# titles, hyperlinks, clipboard writes; DCS, SOS, PM, APC), and the other ESC sequences.
def _block_lines(
    document: Document, block_fn: Callable[[Any], list[str]], heading: Callable[[int, str], list[str]]
) -> str:
    lines: list[str] = []
    for depth, section in document.walk():
        lines += heading(depth, section.title)
        for block in section.blocks:
            lines += block_fn(block)
            lines.append("")
    if document.meta:
        lines += heading(1, ABOUT)
        lines += block_fn(Facts(document.meta))
    return "\n".join(lines).rstrip() + "\n"


class TextRenderer(Renderer):
    """Plain text for a terminal: headings underlined, tables aligned. Every piece of text is
    made safe for a terminal first (:func:`terminal_safe`)."""

    name = "text"
    title = "Plain text"
    media_type = "text/plain"
    suffix = ".txt"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        title = _line(document.title)
        head = [title, "=" * len(title)]
        if document.subtitle:
            head.append(terminal_safe(document.subtitle))
        head.append("")

        def heading(depth: int, title: str) -> list[str]:
            title = _line(title)
            return [title, ("-" if depth == 1 else "~") * len(title)]

        body = _block_lines(document, self._block, heading)
        return ("\n".join(head) + "\n" + body).encode("utf-8")

    @staticmethod
    def _block(block: Any) -> list[str]:
        if isinstance(block, Paragraph):
            return [terminal_safe(block.text)]
        if isinstance(block, BulletList):
            return [f"  - {_line(item)}" for item in block.items]
        if isinstance(block, Facts):
            pairs = [(_line(k), _line(v)) for k, v in block.pairs]
            width = max((len(k) for k, _ in pairs), default=0)
            return [f"  {k + ':':<{width + 1}} {v}" for k, v in pairs]
        if isinstance(block, Table):
            return _text_table(block)
        if isinstance(block, Chart):
            return _text_table(_chart_table(block))
        raise TypeError(f"unknown block {type(block).__name__}")


def _line(text: str) -> str:
    """Text for one line of a terminal."""
    return terminal_safe(text).replace("\n", " ")


def _chart_table(chart: Chart) -> Table:
    """A chart as the table of its points, for formats without graphics: a point disclosure
    control hid (``None``) reads ``c``, as in any table, never a number."""
    columns = ("Period", f"Value ({chart.unit})" if chart.unit else "Value")
    rows: tuple[tuple[Cell, ...], ...] = tuple((period, _point(chart, period, value)) for period, value in chart.points)
    caption = chart.title + (f" (target {cell_text(chart.target)})" if chart.target is not None else "")
    return Table(columns, rows, caption=caption)


def _point(chart: Chart, period: str, value: float | None) -> Cell:
    """A chart point as a table cell: its number, or the text shown instead (``c``, ``k``)."""
    label = chart.label(period, value)
    if value is None:
        return label or SUPPRESSED
    return value if label == cell_text(value) else label


#: Widest a text table column grows before its cells wrap onto further lines.
TEXT_COLUMN_WIDTH = 48


def _text_table(block: Table) -> list[str]:
    """An aligned table; long cells wrap within their column, so wide text stays readable."""
    header = [_line(c) for c in block.columns]
    body = [[_line(cell_text(c)) for c in row] for row in block.rows]
    widths = [min(TEXT_COLUMN_WIDTH, max(len(header[i]), *(len(r[i]) for r in body), 1)) for i in range(len(header))]
    out = [_line(block.caption)] if block.caption else []

    def emit(cells: list[str]) -> None:
        wrapped = [textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths, strict=True)]
        for n in range(max(len(w) for w in wrapped)):
            parts = [(w[n] if n < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True)]
            out.append("  " + "  ".join(parts).rstrip())

    emit(header)
    out.append("  " + "  ".join("-" * w for w in widths))
    for row in body:
        emit(row)
    if not body:
        out.append("  (none)")
    return out


# Markdown. Backslash escapes every ASCII punctuation mark that can start markup (emphasis,
# code, links and images, raw HTML, headings, tables, strikethrough, entities). Then what
# GitHub's cmark-gfm turns into links without any markup (its autolink extension) is broken up:
# the ':' of 'scheme://' and the '.' after 'www' are escaped (the parser sees no URL), and '@'
# goes in a code span (an address is found in the text after escapes are read, so an escape
# cannot stop it; a code span is a separate node it never looks into, and GitHub's @mentions
# skip code too). Spaces and tabs at either end of a line become character references, so
# they stay as written and cannot make an indented code block; a line with none has a first
# mark that would start a list item (-, +, 1.) or underline a heading (=, -) escaped.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|&~])")
_MD_URL_COLON = re.compile(r":(?=//)")
_MD_WWW_DOT = re.compile(r"(?i)(?<=www)\.")
_MD_AT = re.compile(r"@+")
# What starts a list item ('-', '+' or '1.' then a space), a thematic break ('---') or a heading
# underline (a line of '='): its first mark is escaped.
_MD_LINE_START = re.compile(r"^(?:[-+](?=[ \t]|$)|-(?=-)|=+(?=[ \t]*$)|[0-9]{1,9}(?=[.)](?:[ \t]|$)))")
_MD_SPACE = {" ": "&#32;", "\t": "&#9;"}


def md_escape(text: str, *, inline: bool = False) -> str:
    """Text made literal in Markdown: it reads back as written, and can never become markup, raw
    HTML or a link, not even a bare URL or e-mail address (GitHub-flavoured autolinks). Control
    characters and escape sequences are removed (:func:`terminal_safe`), as Markdown is often
    read in a terminal. ``inline``: for text that follows other text on its line (a heading's,
    a table cell's), where nothing can start a list."""
    return "\n".join(_md_line(line, inline) for line in terminal_safe(text).split("\n"))


def _md_line(line: str, inline: bool) -> str:
    body = line.strip(" \t")
    if not body:
        return "".join(_MD_SPACE[c] for c in line)
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    trail = line[len(line.rstrip(" \t")) :]
    out = _MD_SPECIAL.sub(r"\\\1", body)
    out = _MD_AT.sub(r"`\g<0>`", _MD_WWW_DOT.sub(r"\\.", _MD_URL_COLON.sub(r"\\:", out)))
    if not lead and not inline:
        out = _MD_LINE_START.sub(lambda m: m.group() + "\\" if m.group()[0].isdigit() else "\\" + m.group(), out)
    return "".join(_MD_SPACE[c] for c in lead) + out + "".join(_MD_SPACE[c] for c in trail)


def _md_heading(text: str) -> str:
    """Text for the rest of one line of Markdown (a heading, a fact, a caption)."""
    # lines joined by single spaces, none at either end: "*" + " 1. item" + "*" would start a list
    return " ".join(part for part in md_escape(text, inline=True).split("\n") if part.strip())


class MarkdownRenderer(Renderer):
    """GitHub-flavoured Markdown; every piece of user text escaped."""

    name = "markdown"
    title = "Markdown"
    media_type = "text/markdown"
    suffix = ".md"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        head = [f"# {_md_heading(document.title)}", ""]
        if document.subtitle:
            head += [md_escape(document.subtitle), ""]

        def heading(depth: int, title: str) -> list[str]:
            return ["#" * min(depth + 1, 6) + " " + _md_heading(title), ""]

        return ("\n".join(head) + "\n" + _block_lines(document, self._block, heading)).encode("utf-8")

    @staticmethod
    def _block(block: Any) -> list[str]:
        if isinstance(block, Paragraph):
            return [md_escape(block.text)]
        if isinstance(block, BulletList):
            return [f"- {md_escape(item)}" for item in block.items]
        if isinstance(block, Facts):
            return [f"- **{_md_heading(k)}:** {_md_heading(v)}" for k, v in block.pairs]
        if isinstance(block, Table):

            def cell(c: Any) -> str:
                return md_escape(cell_text(c), inline=True).replace("\n", "<br>")

            out = [f"*{_md_heading(block.caption)}*", ""] if block.caption else []
            if not block.rows:
                return [*out, "(none)"]
            out.append("| " + " | ".join(cell(c) for c in block.columns) + " |")
            out.append("|" + "|".join(" --- " for _ in block.columns) + "|")
            out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in block.rows]
            return out
        if isinstance(block, Chart):
            return MarkdownRenderer._block(_chart_table(block))
        raise TypeError(f"unknown block {type(block).__name__}")


def document_to_data(document: Document) -> dict[str, Any]:
    """The documented JSON shape of a document (see docs/renderers.md)."""

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
                "rows": [[c.value if isinstance(c, Count) else c for c in r] for r in b.rows],
            }
        if isinstance(b, Chart):
            # A point disclosure control hid is null, with the text shown for it ("c") in labels.
            return {
                "type": "chart",
                "title": b.title,
                "unit": b.unit,
                "target": b.target,
                "points": [list(p) for p in b.points],
                "labels": {p: b.label(p, v) for p, v in b.points if v is None or b.label(p, v) != cell_text(v)},
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
        "schema": "lif-document/1",
        "kind": document.kind,
        "title": document.title,
        "subtitle": document.subtitle,
        "meta": dict(document.meta),
        "sections": [section(s) for s in document.sections],
    }
    if document.snapshot:
        data["snapshot"] = [
            {"kind": kind, "id": ident, "name": name, "state": state} for kind, ident, name, state in document.snapshot
        ]
    return data


class JsonRenderer(Renderer):
    """JSON with a stable, documented shape (``schema: lif-document/1``)."""

    name = "json"
    title = "JSON"
    media_type = "application/json"
    suffix = ".json"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        return (json.dumps(document_to_data(document), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# What makes a spreadsheet read a cell as a formula (OWASP, CSV injection): '=', '+', '-', '@'
# (and their full-width forms, which some spreadsheets treat alike), tab and carriage return.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# A plain number (-3, +2.5, -1,234, -35.0%, 1e-3): a spreadsheet reads it as that number and
# nothing else, so it is left as it is (a prefix would turn a figure into text).
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?")


def csv_safe(text: str) -> str:
    """A CSV cell a spreadsheet can never run: text starting (after any spaces) with a formula
    character is prefixed with ``'``, which spreadsheets show as text and do not display. Plain
    numbers (``-35.0%``) and a lone ``-`` (the tables' "none") are left as they are: neither
    can hold a formula. A carriage return becomes a newline (which the writer quotes), so no
    reader can take it for the end of a row."""
    if text.lstrip(" ").startswith(_FORMULA_START) and text != "-" and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


class CsvRenderer(Renderer):
    """Every table (and chart) of a document in one tidy CSV: a line per cell, as
    ``section,table,row,column,value``, so a spreadsheet or pandas can pivot any of them; then
    the document's ``meta`` (the disclosure rule applied) as one row of section
    ``About this document``. Every cell is made safe from formula injection (:func:`csv_safe`)."""

    name = "csv"
    title = "CSV (tidy: one line per table cell)"
    media_type = "text/csv"
    suffix = ".csv"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        import csv
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["section", "table", "row", "column", "value"])
        for _depth, section in document.walk():
            for n, block in enumerate(section.blocks, start=1):
                table = _chart_table(block) if isinstance(block, Chart) else block
                if not isinstance(table, Table):
                    continue
                name = table.caption or f"table {n}"
                for i, row in enumerate(table.rows, start=1):
                    for column, cell in zip(table.columns, row, strict=True):
                        writer.writerow([csv_safe(t) for t in (section.title, name, str(i), column, cell_text(cell))])
        for label, value in document.meta:
            writer.writerow([csv_safe(t) for t in (ABOUT, ABOUT, "1", label, value)])
        return out.getvalue().encode("utf-8")


@hookimpl(trylast=True)
def register_renderers(register: Callable[[Renderer], None]) -> None:
    from .html import HtmlRenderer

    register(TextRenderer())
    register(MarkdownRenderer())
    register(JsonRenderer())
    register(CsvRenderer())
    register(HtmlRenderer())
