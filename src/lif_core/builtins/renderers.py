"""Builtin renderers (hook: register_renderers): plain text and Markdown (HTML is in
:mod:`lif_core.builtins.html`; JSON, CSV and the xlsx workbook for analysts in
:mod:`lif_core.builtins.tables`).

Board text can hold anything, so each renderer makes user text safe for where its output goes:
:func:`terminal_safe` for a terminal (text, and the CLI's own messages), :func:`md_escape` for
Markdown (no markup, no links), :func:`csv_safe` for a spreadsheet (no formulas).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from typing import Any, ClassVar

from ..disclosure import SMALL_SHARE, SUPPRESSED
from ..document import (
    BulletList,
    Cell,
    Chart,
    Document,
    Facts,
    Figure,
    Paragraph,
    Rag,
    Table,
    cell_text,
    terminal_safe,
)
from ..extensions import Renderer, RenderOptions
from ..plugins import hookimpl

__all__ = ["ABOUT", "chart_table", "csv_safe", "md_escape", "terminal_safe"]

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
    """Plain text for a terminal: headings underlined, tables aligned and fitted to the
    terminal's width (:attr:`RenderOptions.width`: a table too wide for it even with its cells
    wrapped is shown a row at a time, as ``column: value`` lines), ratings in colour where the
    terminal takes it (:attr:`RenderOptions.colour`; the words are always there too). Every
    piece of text is made safe for a terminal first (:func:`terminal_safe`)."""

    name = "text"
    title = "Plain text"
    media_type = "text/plain"
    suffix = ".txt"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        options = options or RenderOptions()
        paint = _Paint(options.colour)
        titles = _caption(document.title, options.width)
        head = [*(paint.bold(line) for line in titles), "=" * max(map(len, titles))]
        if document.subtitle:
            head.append(terminal_safe(document.subtitle))
        head.append("")

        def heading(depth: int, title: str) -> list[str]:
            lines = _caption(title, options.width)
            return [*(paint.bold(line) for line in lines), ("-" if depth == 1 else "~") * max(map(len, lines))]

        def block(b: Any) -> list[str]:
            return _text_block(b, options.width, paint)

        body = _block_lines(document, block, heading)
        return ("\n".join(head) + "\n" + body).encode("utf-8")


class _Paint:
    """ANSI colour for a terminal that takes it; plain text otherwise. Only lif-core's own
    escapes are ever written: board text has had every escape removed (:func:`terminal_safe`)."""

    RAG: ClassVar[dict[str, str]] = {"red": "\x1b[1;31m", "amber": "\x1b[1;33m", "green": "\x1b[1;32m"}

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.colour and text else text

    def cell(self, text: str, cell: Cell) -> str:
        """``text`` in the colour of its rating, if it is one."""
        if not self.colour:
            return text
        if isinstance(cell, Rag) and cell.level in self.RAG:
            return f"{self.RAG[cell.level]}{text}\x1b[0m"
        if cell == SUPPRESSED:
            return f"\x1b[2m{text}\x1b[0m"
        return text


def _text_block(block: Any, width: int | None, paint: _Paint) -> list[str]:
    if isinstance(block, Paragraph):
        text = terminal_safe(block.text)
        if width is None:
            return [text]
        return [wrapped for line in text.split("\n") for wrapped in (textwrap.wrap(line, max(width, 20)) or [""])]
    if isinstance(block, BulletList):
        if width is None:
            return [f"  - {_line(item)}" for item in block.items]
        return [
            line
            for item in block.items
            for line in textwrap.wrap(
                _line(item), max(width, 20), initial_indent="  - ", subsequent_indent="    ", break_on_hyphens=False
            )
        ]
    if isinstance(block, Facts):
        pairs = [(_line(k), _line(v)) for k, v in block.pairs]
        label = max((len(k) for k, _ in pairs), default=0)
        if width is not None and label + 4 > width // 2:
            label = 0  # labels too long to align: each value follows its own label
        lines = []
        for k, v in pairs:
            first = f"  {k + ':':<{label + 1}} "
            if width is None:
                lines.append(first + v)
            else:
                lines += textwrap.wrap(
                    v,
                    max(width, len(first) + 20),
                    initial_indent=first,
                    subsequent_indent=" " * min(len(first), width // 2),
                    break_on_hyphens=False,
                ) or [first.rstrip()]
        return lines
    if isinstance(block, Table):
        return _text_table(block, width, paint)
    if isinstance(block, Chart):
        return _text_table(chart_table(block), width, paint)
    raise TypeError(f"unknown block {type(block).__name__}")


def _line(text: str) -> str:
    """Text for one line of a terminal."""
    return terminal_safe(text).replace("\n", " ")


def chart_table(chart: Chart) -> Table:
    """A chart as the table of its figures, for formats without graphics and beside a drawn
    chart: ``Period`` and the values under a readable heading (``Percentage``, ``Rate per 10,000
    children``), each a :class:`Figure` (its number for machines, the text readers see), and a
    ``Target`` column where the chart has a target. A point disclosure control hid (``None``)
    reads ``c``, as in any table, never a number; a share too small to show ``k``. The caption
    gives the target, the reference lines and which way is better, as the drawn chart does."""
    from ..charts import figure_text, unit_title

    symbol = "%" if chart.unit in ("percent", "%") else "£" if chart.unit in ("£", "pounds") else ""
    bare = chart.unit in ("rate-per-10000", "days")  # the heading says the unit: not in every cell

    def figure(value: float) -> Figure:
        whole = float(value).is_integer()
        shown = figure_text(value, "" if bare else chart.unit)
        places = 0 if whole else len(shown.rstrip("%").rpartition(".")[2]) if "." in shown else 0
        return Figure(int(value) if whole and abs(value) < 1e15 else value, shown, symbol, places)

    target = (figure(chart.target),) if chart.target is not None else ()
    rows: list[tuple[Cell, ...]] = []
    for period, value in chart.points:
        label = chart.label(period, value)
        if value is None:
            point: Cell = label or SUPPRESSED
        elif label in (SUPPRESSED, SMALL_SHARE):
            point = Figure(None, label, symbol)
        else:
            point = figure(value)
        rows.append((period, point, *target))
    notes = [f"target {figure_text(chart.target, chart.unit)}"] if chart.target is not None else []
    notes += [f"{label} {figure_text(value, chart.unit)}" for label, value in chart.references]
    if chart.polarity in ("higher", "lower", "higher-is-better", "lower-is-better"):
        notes.append(f"{chart.polarity.split('-')[0]} is better")
    caption = chart.title + (f" ({'; '.join(notes)})" if notes else "")
    columns = ("Period", unit_title(chart.unit), *(("Target",) if target else ()))
    return Table(columns, tuple(rows), caption=caption)


#: Widest a text table column grows before its cells wrap onto further lines.
TEXT_COLUMN_WIDTH = 48
#: Narrowest a column is squeezed to when a table is fitted to a terminal...
TEXT_COLUMN_MIN = 6
#: ... or, where its longest word is longer, that word's length up to this.
TEXT_COLUMN_WORD = 12
_INDENT, _GAP = 2, 2


def _fit(natural: list[int], floor: list[int], width: int) -> list[int] | None:
    """Column widths that fit ``width`` columns of terminal: each column gets its floor, and
    the room left is shared in proportion to how much more each would take (so a column of
    long text keeps more than a column of short words); ``None`` where even the floors do not
    fit."""
    room = width - _INDENT - _GAP * (len(natural) - 1)
    if sum(floor) > room:
        return None
    if sum(natural) <= room:
        return list(natural)
    wants = [n - f for n, f in zip(natural, floor, strict=True)]
    spare = room - sum(floor)
    widths = [f + spare * w // sum(wants) for f, w in zip(floor, wants, strict=True)]
    for i in sorted(range(len(widths)), key=lambda i: wants[i], reverse=True)[: room - sum(widths)]:
        widths[i] += 1  # what rounding down left over, to the columns that want most
    return widths


def _text_table(block: Table, width: int | None = None, paint: _Paint | None = None) -> list[str]:
    """An aligned table; long cells wrap within their column, so wide text stays readable.
    Given a terminal ``width``, the columns are narrowed to fit it (the widest first); a table
    that cannot fit even so is shown a row at a time (:func:`_record_table`). Numbers are
    right-aligned."""
    paint = paint or _Paint(False)
    header = [_line(c) for c in block.columns]
    body = [[_line(cell_text(c)) for c in row] for row in block.rows]
    natural = [min(TEXT_COLUMN_WIDTH, max(len(header[i]), *(len(r[i]) for r in body), 1)) for i in range(len(header))]
    widths = natural
    if width is not None:
        words = [
            max((len(w) for c in [h, *(r[i] for r in body)] for w in c.split()), default=1)
            for i, h in enumerate(header)
        ]
        floor = [min(n, max(TEXT_COLUMN_MIN, min(w, TEXT_COLUMN_WORD))) for n, w in zip(natural, words, strict=True)]
        fitted = _fit(natural, floor, width)
        if fitted is None:
            return _record_table(block, header, body, width, paint)
        widths = fitted
    numeric = [
        bool(block.rows) and all(_is_number(row[i]) or cell_text(row[i]) in ("", SUPPRESSED) for row in block.rows)
        for i in range(len(header))
    ]
    out = _caption(block.caption, width) if block.caption else []

    def emit(cells: list[str], raw: tuple[Cell, ...] | None) -> None:
        wrapped = [_wrap(c, w) for c, w in zip(cells, widths, strict=True)]
        for n in range(max(len(w) for w in wrapped)):
            parts = []
            for i, (w, cw) in enumerate(zip(wrapped, widths, strict=True)):
                text = w[n] if n < len(w) else ""
                padded = text.rjust(cw) if numeric[i] and raw is not None else text.ljust(cw)
                if raw is not None and text:  # the colour on the words, not the padding
                    padded = padded.replace(text, paint.cell(text, raw[i]), 1)
                parts.append(padded)
            out.append(" " * _INDENT + (" " * _GAP).join(parts).rstrip())

    emit(header, None)
    out.append(" " * _INDENT + (" " * _GAP).join("-" * w for w in widths))
    for row, raw in zip(body, block.rows, strict=True):
        emit(row, raw)
    if not body:
        out.append("  (none)")
    return out


def _record_table(block: Table, header: list[str], body: list[list[str]], width: int, paint: _Paint) -> list[str]:
    """A table too wide for the terminal, a row at a time: each cell on its own line after
    its column's name, rows apart."""
    out = _caption(block.caption, width) if block.caption else []
    room = max(width - _INDENT - 2, 20)
    for row, raw in zip(body, block.rows, strict=True):
        for name, text, cell in zip(header, row, raw, strict=True):
            lines = textwrap.wrap(f"{name}: {text}", room, subsequent_indent="  ", break_on_hyphens=False)
            for n, line in enumerate(lines or [f"{name}:"]):
                out.append(" " * _INDENT + (paint.cell(line, cell) if n == 0 and text else line))
        out.append("")
    if not body:
        out.append("  (none)")
    return out[:-1] if out and out[-1] == "" else out


def _caption(text: str, width: int | None) -> list[str]:
    """A title or caption on one line, or wrapped to the terminal's ``width``."""
    line = _line(text)
    return [line] if width is None else _wrap(line, max(width, 20))


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _is_number(cell: Cell) -> bool:
    return (isinstance(cell, (int, float)) and not isinstance(cell, bool)) or (
        isinstance(cell, Figure) and cell.value is not None
    )


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


# Text none of the escapes below would change (a table's words and numbers, almost always):
# no mark that can start markup, no '@' or ':', no control character (so no line break or
# escape sequence), no bidirectional override or isolate, nothing blank at either end. A '.'
# is plain but after 'www', and a list mark or digit at the start of a line that is not inline.
_NOT_PLAIN = r"\\`*_{}\[\]<>#|&~@:\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_MD_PLAIN = re.compile(rf"(?:[^\s{_NOT_PLAIN}](?:[^{_NOT_PLAIN}]*[^\s{_NOT_PLAIN}])?)?")


def md_escape(text: str, *, inline: bool = False) -> str:
    """Text made literal in Markdown: it reads back as written, and can never become markup, raw
    HTML or a link, not even a bare URL or e-mail address (GitHub-flavoured autolinks). Control
    characters and escape sequences are removed (:func:`terminal_safe`), as Markdown is often
    read in a terminal. ``inline``: for text that follows other text on its line (a heading's,
    a table cell's), where nothing can start a list."""
    if (
        _MD_PLAIN.fullmatch(text) is not None
        and (inline or text[:1] not in "-+=0123456789")
        and _MD_WWW_DOT.search(text) is None
    ):
        return text  # nothing to escape (a large report's table cells are mostly words and numbers)
    return _md_escape(text, inline)


def _md_escape(text: str, inline: bool) -> str:
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
    aliases = ("md",)
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
            return MarkdownRenderer._block(chart_table(block))
        raise TypeError(f"unknown block {type(block).__name__}")


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


@hookimpl(trylast=True)
def register_renderers(register: Callable[[Renderer], None]) -> None:
    from .html import HtmlRenderer
    from .tables import CsvZipRenderer, JsonRenderer, TidyCsvRenderer, XlsxRenderer

    register(TextRenderer())
    register(MarkdownRenderer())
    register(JsonRenderer())
    register(CsvZipRenderer())
    register(TidyCsvRenderer())
    register(XlsxRenderer())
    register(HtmlRenderer())


#: Names that moved to :mod:`lif_core.builtins.tables`, still importable from here: the
#: analysts' formats (``CsvRenderer`` is the tidy CSV it always was, now ``csv-tidy``).
_MOVED = {
    "JsonRenderer": "JsonRenderer",
    "document_to_data": "document_to_data",
    "CsvRenderer": "TidyCsvRenderer",
    "TidyCsvRenderer": "TidyCsvRenderer",
    "CsvZipRenderer": "CsvZipRenderer",
    "XlsxRenderer": "XlsxRenderer",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from . import tables

        return getattr(tables, _MOVED[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
