"""Statistical disclosure control for published figures, by DfE's rule for children's social
care statistics: 0 stays 0; any count from 1 to 5 is suppressed and shown as ``c``; a rate or
percentage whose numerator or denominator is from 1 to 5 is suppressed with it, since it would
reveal the count.

Tables of counts get secondary suppression too: where a row or column has a total, a second
cell is hidden beside a lone hidden one, so no hidden count can be worked out by subtraction.
"""

from __future__ import annotations

import attrs

from .document import Cell, Count, Document, Section, Table

__all__ = ["DEFAULT_RULE", "SUPPRESSED", "Rule", "protect", "protect_table"]

#: The symbol DfE publishes in place of a suppressed figure.
SUPPRESSED = "c"


@attrs.frozen
class Rule:
    """A disclosure control rule.

    Attributes:
        smallest: the smallest non-zero count that may be published (6 under DfE's rule).
        round_to: round every published sensitive count to the nearest multiple of this
            (DfE rounds England and regional totals to 10); 0 or 1 for no rounding.
    """

    smallest: int = 6
    round_to: int = 0

    def rounded(self, count: int) -> int:
        if self.round_to > 1:
            return round(count / self.round_to) * self.round_to
        return count

    def describe(self) -> str:
        text = (
            f"counts about children from 1 to {self.smallest - 1} are shown as '{SUPPRESSED}', with further cells "
            "hidden where a total would reveal them (DfE's rule for children's social care statistics)"
        )
        if self.round_to > 1:
            text += f"; published counts rounded to the nearest {self.round_to}"
        return text

    def hides_count(self, count: int) -> bool:
        """True for a count that must not be published (1 to ``smallest - 1``)."""
        return 0 < count < self.smallest

    def hides_share(self, numerator: int, denominator: int) -> bool:
        """True for a percentage or rate that would reveal a suppressed count."""
        return self.hides_count(numerator) or self.hides_count(denominator)


DEFAULT_RULE = Rule()


def _line_cells(table: Table, index: int, *, row: bool) -> list[tuple[int, int]]:
    """Positions of the counts in one row (or column), total last."""
    if row:
        return [(index, j) for j in range(len(table.columns)) if isinstance(table.rows[index][j], Count)]
    return [(i, index) for i in range(len(table.rows)) if isinstance(table.rows[i][index], Count)]


def protect_table(table: Table, rule: Rule = DEFAULT_RULE) -> Table:
    """The table with every sensitive count from 1 to 5 published as ``c``, and, where the table
    has totals, further counts hidden (secondary suppression) so that no hidden count can be
    worked out by subtracting the visible ones from a visible total. Non-sensitive counts (not
    about children) are published as they are."""
    cells: list[list[Cell]] = [list(r) for r in table.rows]
    hidden: set[tuple[int, int]] = set()
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            if isinstance(cell, Count) and cell.sensitive and rule.hides_count(cell.value):
                hidden.add((i, j))
    lines = []
    if table.total_column:
        lines += [_line_cells(table, i, row=True) for i in range(len(table.rows))]
    if table.total_row:
        lines += [_line_cells(table, j, row=False) for j in range(len(table.columns))]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if len(line) < 2:
                continue
            parts, total = line[:-1], line[-1]
            hidden_parts = [p for p in parts if p in hidden]
            if total in hidden or len(hidden_parts) != 1:
                continue
            # One hidden part beside a visible total: hide the smallest other part too (the
            # smallest non-zero one, so as little as possible is lost), else the total.
            candidates = sorted(
                (p for p in parts if p not in hidden and _value(table, p) > 0), key=lambda p: _value(table, p)
            )
            hidden.add(candidates[0] if candidates else total)
            changed = True
    for i, j in hidden:
        cells[i][j] = SUPPRESSED
    for i, line_cells in enumerate(cells):
        for j, cell in enumerate(line_cells):
            if isinstance(cell, Count):
                cells[i][j] = rule.rounded(cell.value) if cell.sensitive else cell.value
    return attrs.evolve(table, rows=tuple(tuple(r) for r in cells))


def _value(table: Table, position: tuple[int, int]) -> int:
    cell = table.rows[position[0]][position[1]]
    assert isinstance(cell, Count)
    return cell.value


def protect(document: Document, rule: Rule = DEFAULT_RULE) -> Document:
    """Every table of ``document`` protected (see :func:`protect_table`), and the rule recorded
    in the document's meta, before any renderer sees it."""

    def section(s: Section) -> Section:
        blocks = tuple(protect_table(b, rule) if isinstance(b, Table) else b for b in s.blocks)
        return attrs.evolve(s, blocks=blocks, sections=tuple(section(x) for x in s.sections))

    return attrs.evolve(
        document,
        sections=tuple(section(s) for s in document.sections),
        meta=(*document.meta, ("Disclosure control", rule.describe())),
    )
