"""Builtin renderers (hook: register_renderers): plain text, Markdown and JSON."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from typing import Any

from ..document import BulletList, Cell, Chart, Count, Document, Facts, Paragraph, Section, Table, cell_text
from ..extensions import Renderer
from ..plugins import hookimpl


def _block_lines(
    document: Document, block_fn: Callable[[Any], list[str]], heading: Callable[[int, str], list[str]]
) -> str:
    lines: list[str] = []
    for depth, section in document.walk():
        lines += heading(depth, section.title)
        for block in section.blocks:
            lines += block_fn(block)
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


class TextRenderer(Renderer):
    """Plain text for a terminal: headings underlined, tables aligned."""

    name = "text"
    title = "Plain text"
    media_type = "text/plain"
    suffix = ".txt"

    def render(self, document: Document) -> bytes:
        head = [document.title, "=" * len(document.title)]
        if document.subtitle:
            head.append(document.subtitle)
        head.append("")

        def heading(depth: int, title: str) -> list[str]:
            return [title, ("-" if depth == 1 else "~") * len(title)]

        body = _block_lines(document, self._block, heading)
        return ("\n".join(head) + "\n" + body).encode("utf-8")

    @staticmethod
    def _block(block: Any) -> list[str]:
        if isinstance(block, Paragraph):
            return [block.text]
        if isinstance(block, BulletList):
            return [f"  - {item}" for item in block.items]
        if isinstance(block, Facts):
            width = max((len(k) for k, _ in block.pairs), default=0)
            return [f"  {k + ':':<{width + 1}} {v}" for k, v in block.pairs]
        if isinstance(block, Table):
            return _text_table(block)
        if isinstance(block, Chart):
            return _text_table(_chart_table(block))
        raise TypeError(f"unknown block {type(block).__name__}")


def _chart_table(chart: Chart) -> Table:
    """A chart as the table of its points, for formats without graphics."""
    columns = ("Period", f"Value ({chart.unit})" if chart.unit else "Value")
    rows: tuple[tuple[Cell, ...], ...] = tuple((period, value) for period, value in chart.points)
    caption = chart.title + (f" (target {cell_text(chart.target)})" if chart.target is not None else "")
    return Table(columns, rows, caption=caption)


#: Widest a text table column grows before its cells wrap onto further lines.
TEXT_COLUMN_WIDTH = 48


def _text_table(block: Table) -> list[str]:
    """An aligned table; long cells wrap within their column, so wide text stays readable."""
    header = list(block.columns)
    body = [[cell_text(c).replace("\r", " ").replace("\n", " ") for c in row] for row in block.rows]
    widths = [min(TEXT_COLUMN_WIDTH, max(len(header[i]), *(len(r[i]) for r in body), 1)) for i in range(len(header))]
    out = [block.caption] if block.caption else []

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


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|])")


def md_escape(text: str) -> str:
    """Text made literal in Markdown: special characters escaped, so user text (titles,
    names, HTML) can never become markup or a link."""
    return _MD_SPECIAL.sub(r"\\\1", text)


class MarkdownRenderer(Renderer):
    """GitHub-flavoured Markdown; every piece of user text escaped."""

    name = "markdown"
    title = "Markdown"
    media_type = "text/markdown"
    suffix = ".md"

    def render(self, document: Document) -> bytes:
        head = [f"# {md_escape(document.title)}", ""]
        if document.subtitle:
            head += [md_escape(document.subtitle), ""]

        def heading(depth: int, title: str) -> list[str]:
            return ["#" * min(depth + 1, 6) + " " + md_escape(title), ""]

        return ("\n".join(head) + "\n" + _block_lines(document, self._block, heading)).encode("utf-8")

    @staticmethod
    def _block(block: Any) -> list[str]:
        if isinstance(block, Paragraph):
            return [md_escape(block.text)]
        if isinstance(block, BulletList):
            return [f"- {md_escape(item)}" for item in block.items]
        if isinstance(block, Facts):
            return [f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in block.pairs]
        if isinstance(block, Table):

            def cell(c: Any) -> str:
                return md_escape(cell_text(c)).replace("\r", " ").replace("\n", "<br>")

            out = [f"*{md_escape(block.caption)}*", ""] if block.caption else []
            if not block.rows:
                return [*out, "(none)"]
            out.append("| " + " | ".join(md_escape(c) for c in block.columns) + " |")
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
            return {
                "type": "chart",
                "title": b.title,
                "unit": b.unit,
                "target": b.target,
                "points": [list(p) for p in b.points],
            }
        raise TypeError(f"unknown block {type(b).__name__}")

    def section(s: Section) -> dict[str, Any]:
        return {"title": s.title, "blocks": [block(b) for b in s.blocks], "sections": [section(x) for x in s.sections]}

    return {
        "schema": "lif-document/1",
        "kind": document.kind,
        "title": document.title,
        "subtitle": document.subtitle,
        "meta": dict(document.meta),
        "sections": [section(s) for s in document.sections],
    }


class JsonRenderer(Renderer):
    """JSON with a stable, documented shape (``schema: lif-document/1``)."""

    name = "json"
    title = "JSON"
    media_type = "application/json"
    suffix = ".json"

    def render(self, document: Document) -> bytes:
        return (json.dumps(document_to_data(document), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


class CsvRenderer(Renderer):
    """Every table (and chart) of a document in one tidy CSV: a line per cell, as
    ``section,table,row,column,value``, so a spreadsheet or pandas can pivot any of them."""

    name = "csv"
    title = "CSV (tidy: one line per table cell)"
    media_type = "text/csv"
    suffix = ".csv"

    def render(self, document: Document) -> bytes:
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
                        writer.writerow([section.title, name, i, column, cell_text(cell)])
        return out.getvalue().encode("utf-8")


@hookimpl(trylast=True)
def register_renderers(register: Callable[[Renderer], None]) -> None:
    from .html import HtmlRenderer

    register(TextRenderer())
    register(MarkdownRenderer())
    register(JsonRenderer())
    register(CsvRenderer())
    register(HtmlRenderer())
