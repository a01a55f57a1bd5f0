"""lif-docx plugin (hook: register_renderers): documents as Word files."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from lif_core import Renderer, RenderOptions, hookimpl
from lif_core.document import BulletList, Chart, Document, Facts, Paragraph, Section, Table, cell_text

#: The heading of the document's ``meta`` (the disclosure rule applied), as in text and Markdown.
ABOUT = "About this document"
#: Longest a core property (the title) may be: Word's limit, which python-docx enforces.
MAX_PROPERTY = 255

# What XML 1.0 cannot hold (python-docx refuses it with a ValueError): the C0 controls but tab,
# newline and carriage return, lone surrogates, U+FFFE and U+FFFF. Each becomes U+FFFD, so the
# reader sees that something was there.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _property(text: str) -> str:
    """A core property: XML-safe, on one line, and at most :data:`MAX_PROPERTY` characters."""
    text = " ".join(xml_text(text).split())
    return text if len(text) <= MAX_PROPERTY else text[: MAX_PROPERTY - 1] + "\u2026"


def _table(doc: Any, table: Table) -> None:
    if table.caption:
        doc.add_paragraph(xml_text(table.caption), style="Caption")
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = xml_text(name)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    if not table.rows:
        grid.add_row().cells[0].text = "(none)"
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = xml_text(cell_text(value))


def _facts(doc: Any, pairs: tuple[tuple[str, str], ...]) -> None:
    for label, value in pairs:
        p = doc.add_paragraph()
        p.add_run(f"{xml_text(label)}: ").bold = True
        p.add_run(xml_text(value))


def _section(doc: Any, section: Section, depth: int) -> None:
    doc.add_heading(xml_text(section.title), level=min(depth, 9))
    for block in section.blocks:
        if isinstance(block, Paragraph):
            doc.add_paragraph(xml_text(block.text))
        elif isinstance(block, BulletList):
            for item in block.items:
                doc.add_paragraph(xml_text(item), style="List Bullet")
        elif isinstance(block, Facts):
            _facts(doc, block.pairs)
        elif isinstance(block, Table):
            _table(doc, block)
        elif isinstance(block, Chart):
            # A point disclosure control hid (None) reads "c", never a number.
            columns = ("Period", f"Value ({block.unit})" if block.unit else "Value")
            caption = block.title + (f" (target {cell_text(block.target)})" if block.target is not None else "")
            rows = tuple((p, block.label(p, v)) for p, v in block.points)
            _table(doc, Table(columns, rows, caption=caption))
    for sub in section.sections:
        _section(doc, sub, depth + 1)


class DocxRenderer(Renderer):
    """A Word document: the title, then every section as a heading with its content."""

    name = "docx"
    title = "Word document (.docx)"
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    suffix = ".docx"
    binary = True

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        import docx  # imported on use: python-docx (and lxml) are slow to import on every lif command

        doc = docx.Document()
        doc.core_properties.title = _property(document.title)
        doc.add_heading(xml_text(document.title), level=0)
        if document.subtitle:
            doc.add_paragraph(xml_text(document.subtitle), style="Subtitle")
        for section in document.sections:
            _section(doc, section, 1)
        if document.meta:  # the disclosure rule is stated in every published output
            doc.add_heading(ABOUT, level=1)
            _facts(doc, document.meta)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(DocxRenderer())
