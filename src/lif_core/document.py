"""A renderer-independent document: what lif-core produces and renderer plugins draw.

Plain, frozen data: a title, sections, and inside them paragraphs, lists, key-value pairs and
tables. Every output (``lif show`` now, the impact report later) is built as a Document, so a
renderer written once draws all of them.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

__all__ = ["Block", "BulletList", "Cell", "Chart", "Count", "Document", "Facts", "Paragraph", "Section", "Table"]


@attrs.frozen
class Count:
    """A count that disclosure control may hide: ``sensitive`` counts (about children: derived
    from case-level records, case reviews or audits) from 1 to 5 are published as ``c``."""

    value: int
    sensitive: bool = True


#: A table cell: text, a whole number, a number, a count under disclosure control, or nothing.
Cell = str | int | float | Count | None


@attrs.frozen
class Paragraph:
    text: str


@attrs.frozen
class BulletList:
    items: tuple[str, ...]


@attrs.frozen
class Facts:
    """Label and value pairs (``Chair: Jane Doe``)."""

    pairs: tuple[tuple[str, str], ...]


def _check_rows(
    inst: Table, _a: attrs.Attribute[tuple[tuple[Cell, ...], ...]], rows: tuple[tuple[Cell, ...], ...]
) -> None:
    for i, row in enumerate(rows):
        if len(row) != len(inst.columns):
            raise ValueError(f"table {inst.caption!r}: row {i} has {len(row)} cells, expected {len(inst.columns)}")


@attrs.frozen
class Table:
    """Rows under named columns. ``total_column`` / ``total_row`` mark a last column or row
    that totals the others, so disclosure control can stop a hidden cell being worked out
    by subtraction (secondary suppression)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...] = attrs.field(validator=_check_rows)
    caption: str = ""
    total_column: bool = False
    total_row: bool = False


@attrs.frozen
class Chart:
    """A measure's series for a trend chart: ``points`` are ``(period, value)``; renderers
    without graphics show it as a small table."""

    title: str
    points: tuple[tuple[str, float], ...]
    unit: str = ""
    target: float | None = None


Block = Paragraph | BulletList | Facts | Table | Chart


@attrs.frozen
class Section:
    title: str
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()

    def walk(self, depth: int = 1) -> Iterator[tuple[int, Section]]:
        yield depth, self
        for sub in self.sections:
            yield from sub.walk(depth + 1)


@attrs.frozen
class Document:
    """A titled document of sections.

    Attributes:
        kind: what it is (``board-summary``); renderers may use it, JSON records it.
        title: the document's title.
        subtitle: a line under the title.
        sections: the content.
        meta: label and value pairs about the document itself (the disclosure rule applied...).
    """

    kind: str
    title: str
    subtitle: str = ""
    sections: tuple[Section, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()

    def walk(self) -> Iterator[tuple[int, Section]]:
        """Every section with its depth (1 for top-level), in reading order."""
        for section in self.sections:
            yield from section.walk()


def cell_text(cell: Cell) -> str:
    """How a cell reads as text (numbers without a trailing ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, Count):
        return str(cell.value)
    if isinstance(cell, float):
        return f"{cell:g}" if cell != int(cell) else str(int(cell))
    return str(cell)
