"""lif-docx plugin (hook: register_renderers): documents as Word files."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from lif_core import Renderer, hookimpl
from lif_core.document import BulletList, Chart, Document, Facts, Paragraph, Section, Table, cell_text


def _table(doc: Any, table: Table) -> None:
    if table.caption:
        doc.add_paragraph(table.caption, style="Caption")
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.bold = True
    if not table.rows:
        grid.add_row().cells[0].text = "(none)"
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = cell_text(value)


def _section(doc: Any, section: Section, depth: int) -> None:
    doc.add_heading(section.title, level=min(depth, 9))
    for block in section.blocks:
        if isinstance(block, Paragraph):
            doc.add_paragraph(block.text)
        elif isinstance(block, BulletList):
            for item in block.items:
                doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Facts):
            for label, value in block.pairs:
                p = doc.add_paragraph()
                p.add_run(f"{label}: ").bold = True
                p.add_run(value)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Chart):
            columns = ("Period", f"Value ({block.unit})" if block.unit else "Value")
            caption = block.title + (f" (target {cell_text(block.target)})" if block.target is not None else "")
            _table(doc, Table(columns, tuple((p, v) for p, v in block.points), caption=caption))
    for sub in section.sections:
        _section(doc, sub, depth + 1)


class DocxRenderer(Renderer):
    """A Word document: the title, then every section as a heading with its content."""

    name = "docx"
    title = "Word document (.docx)"
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    suffix = ".docx"
    binary = True

    def render(self, document: Document) -> bytes:
        import docx  # imported on use: python-docx (and lxml) are slow to import on every lif command
        from docx.enum.text import WD_BREAK

        doc = docx.Document()
        doc.core_properties.title = document.title
        doc.add_heading(document.title, level=0)
        if document.subtitle:
            doc.add_paragraph(document.subtitle, style="Subtitle")
        for section in document.sections:
            _section(doc, section, 1)
        if document.meta:
            doc.add_paragraph().add_run().add_break(WD_BREAK.LINE)
            for label, value in document.meta:
                p = doc.add_paragraph()
                p.add_run(f"{label}: ").italic = True
                p.add_run(value).italic = True
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(DocxRenderer())
