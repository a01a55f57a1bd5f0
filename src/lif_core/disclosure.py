"""Statistical disclosure control for published figures, by DfE's rule for children's social
care statistics: 0 stays 0; a count from 1 to 5 derived from children's records is published as
``c``; a percentage or rate resting on such a count is hidden with it; a non-zero share that
rounds to 0 is shown as ``k``; and further figures are hidden (secondary suppression) so that no
hidden count can be worked out from everything published beside it.

What is protected follows where a figure comes from (:class:`~lif_core.document.Provenance`):
counts derived from children's records are; counts of the board's own work (reviews by stage,
themes raised, audits) are published as they are, since the board lists those items by name.

The mechanism is one solver, :class:`Linked`: counts, the sums that link them (a total and its
parts; a year and its months; everyone and each group) and the figures that publish them. It
hides the small counts, then asks what an attacker could work out from every figure left
visible, by exact linear algebra over the sums and by an exact integer program over the sums and
the bounds they put on each hidden count (a hidden count is at least 1, since 0 is shown): while
any hidden count can be pinned to one value, it hides one more figure (the smallest non-zero
count beside it). Tables
(:func:`protect_table`) and measures' series at several frequencies and groups
(:func:`lif_core.indicators.protect_results`) both go through it.
"""

from __future__ import annotations

import hashlib
import hmac
import operator
from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING

import attrs

from .document import SMALL_SHARE, SUPPRESSED, Cell, Chart, Count, Document, Figure, Section, Share, Table
from .errors import LifError

if TYPE_CHECKING:
    from .board import LoadedBoard

__all__ = [
    "DEFAULT_RULE",
    "SMALL_SHARE",
    "SUPPRESSED",
    "Linked",
    "Rule",
    "active_rule",
    "board_rule",
    "protect",
    "protect_table",
]


@attrs.frozen
class Rule:
    """A disclosure control rule.

    Attributes:
        smallest: the smallest non-zero count from children's records that may be published
            (6 under DfE's rule; a board may raise it, never lower it).
        round_to: round every published count from children's records to the nearest multiple
            of this (DfE rounds England and regional totals to 10); 0 or 1 for no rounding.
    """

    smallest: int = 6
    round_to: int = 0

    def rounded(self, count: int) -> int:
        """``count`` rounded to the nearest ``round_to`` (halves up); a non-zero count never to
        0, since a published 0 says there were none."""
        if self.round_to > 1 and count:
            return max(self.round_to, (count + self.round_to // 2) // self.round_to * self.round_to)
        return count

    def describe(self) -> str:
        text = (
            f"counts from children's records from 1 to {self.smallest - 1} are shown as '{SUPPRESSED}', with further "
            "figures hidden where a total, a group, another period or a percentage would reveal them, and a non-zero "
            f"share that rounds to 0 as '{SMALL_SHARE}'; counts of "
            "the board's own work are shown as they are"
        )
        if self.round_to > 1:
            text += f"; published counts from children's records are rounded to the nearest {self.round_to}"
        return text

    def describe_briefly(self) -> str:
        rounding = f", rounded to {self.round_to}" if self.round_to > 1 else ""
        return f"smallest {self.smallest}{rounding}"

    def hides_count(self, count: int) -> bool:
        """True for a count that must not be published (1 to ``smallest - 1``)."""
        return 0 < count < self.smallest

    def hides_share(self, numerator: int, denominator: int) -> bool:
        """True for a percentage or rate that would reveal a suppressed count."""
        return self.hides_count(numerator) or self.hides_count(denominator)

    def stricter_or_equal(self, other: Rule) -> bool:
        """True where this rule hides at least what ``other`` hides."""
        return self.smallest >= other.smallest and (other.round_to <= 1 or self.round_to == other.round_to)


DEFAULT_RULE = Rule()


def active_rule(loaded: LoadedBoard, rule: Rule | None, disclosure_control: bool) -> Rule | None:
    """The rule a builder applies: ``rule`` if given, else the board's; ``None`` where the
    caller asked by name for the unprotected figures (``disclosure_control=False``)."""
    return (rule or board_rule(loaded)) if disclosure_control else None


def board_rule(loaded: LoadedBoard) -> Rule:
    """The board's own rule (``settings.disclosure_smallest``, ``settings.disclosure_round_to``):
    DfE's by default, stricter where the board says so, never looser."""
    settings = loaded.board.settings  # its bounds are checked when the board is read (model.Settings)
    return Rule(smallest=settings.disclosure_smallest, round_to=settings.disclosure_round_to)


# --------------------------------------------------------------------------- the solver

Key = Hashable


class Linked:
    """Counts linked by sums, and the figures that publish them: the one place that decides
    which figures disclosure control hides.

    Add counts with :meth:`count`, the sums that link them with :meth:`sum` (a total equals the
    sum of its parts), and each published figure with :meth:`publish` (the counts it lets a
    reader know: a count publishes itself, a percentage both of its counts). :meth:`protect`
    returns the figures to hide:

    - every figure resting on a count from children's records from 1 to ``smallest - 1``;
    - then, while any hidden count (or any small count, published or not) could be worked out
      exactly from the figures left visible, one more figure: the smallest non-zero visible
      count in a sum that gives it away (a part before a total; ties broken by a keyed hash
      where a ``salt`` is given, so which of equal counts was hidden cannot be foreseen).

    "Worked out" is judged as an attacker would: exact linear algebra over every sum (a
    hidden count fixed by some combination of the sums: a lone hidden cell in a line, a hidden
    month from its year and the other months), then an exact integer program over the sums
    with the bounds a reader knows (a hidden count is at least 1, since 0 is shown as 0; so
    two hidden cells beside a total that leaves 2 are both 1, and a cycle of hidden cells in a
    table with totals can be pinned by its margins). Counts that no sum or figure links are
    solved apart, so a large board's many series cost no more than each one does.
    """

    def __init__(self) -> None:
        self._values: dict[Key, int] = {}
        self._sensitive: dict[Key, bool] = {}
        self._sums: list[tuple[Key, tuple[Key, ...]]] = []
        self._figures: dict[Key, tuple[Key, ...]] = {}

    def count(self, key: Key, value: int, *, sensitive: bool = True) -> None:
        """A count (``sensitive``: from children's records). Adding a key twice keeps the first
        value and raises if the second differs: one key is one count."""
        value = operator.index(value)
        if key in self._values:
            if self._values[key] != value:
                raise ValueError(f"count {key!r} given twice with different values")
            self._sensitive[key] = self._sensitive[key] or sensitive
            return
        self._values[key] = value
        self._sensitive[key] = sensitive

    def has(self, key: Key) -> bool:
        return key in self._values

    def value(self, key: Key) -> int:
        return self._values[key]

    def sum(self, total: Key, parts: Iterable[Key]) -> bool:
        """``total`` is the sum of ``parts`` (each already added as a count). A sum the counts
        do not satisfy (a table whose totals do not add up) is no sum a reader can use: it is
        left out, and ``False`` returned."""
        members = tuple(parts)
        for key in (total, *members):
            if key not in self._values:
                raise KeyError(f"no count {key!r}: add it before the sum")
        if self._values[total] != sum(self._values[k] for k in members):
            return False
        self._sums.append((total, members))
        return True

    def publish(self, figure: Key, keys: Iterable[Key]) -> None:
        """A published figure and the counts a reader learns from it."""
        self._figures[figure] = tuple(keys)

    # -- solving -----------------------------------------------------------------------

    def protect(self, rule: Rule = DEFAULT_RULE, *, salt: bytes = b"") -> set[Key]:
        """The figures to hide under ``rule`` (``salt``: see the class)."""
        values, sensitive = self._values, self._sensitive
        hidden: set[Key] = {k for k, v in values.items() if sensitive[k] and rule.hides_count(v)}
        for component in self._components():
            sums = [self._sums[i] for i in component.sums]
            if not sums or hidden.isdisjoint(component.keys):
                continue  # no sum to work a hidden count out from, or nothing hidden
            _Solver(values, sums, [self._figures[f] for f in component.figures], salt).protect(hidden)
        return {f for f, keys in self._figures.items() if any(k in hidden for k in keys)}

    def _components(self) -> list[_Component]:
        """The counts, sums and figures that link each other, apart from the rest."""
        parent: dict[Key, Key] = {}

        def find(key: Key) -> Key:
            root = key
            while parent.get(root, root) != root:
                root = parent[root]
            while key != root:
                parent[key], key = root, parent.get(key, key)
            return root

        def join(keys: Sequence[Key]) -> None:
            first = find(keys[0])
            for other in keys[1:]:
                root = find(other)
                if root != first:
                    parent[root] = first

        for total, parts in self._sums:
            join((total, *parts))
        for keys in self._figures.values():
            if keys:
                join(keys)
        groups: dict[Key, _Component] = {}
        for key in self._values:
            groups.setdefault(find(key), _Component()).keys.add(key)
        for index, (total, _parts) in enumerate(self._sums):
            groups[find(total)].sums.append(index)
        for figure, keys in self._figures.items():
            if keys:
                groups[find(keys[0])].figures.append(figure)
        return list(groups.values())


@attrs.define
class _Component:
    keys: set[Key] = attrs.field(factory=set)
    sums: list[int] = attrs.field(factory=list)
    figures: list[Key] = attrs.field(factory=list)


class _Solver:
    """Secondary suppression for one component: hides counts (adding to ``hidden``) until no
    hidden count can be pinned from the figures left visible."""

    def __init__(
        self,
        values: Mapping[Key, int],
        sums: Sequence[tuple[Key, tuple[Key, ...]]],
        figures: Sequence[tuple[Key, ...]],
        salt: bytes,
    ) -> None:
        self.values, self.sums, self.figures, self.salt = values, sums, figures, salt
        self.order = {k: i for i, k in enumerate(dict.fromkeys(k for t, p in sums for k in (t, *p)))}
        self.totals = {total for total, _parts in sums}
        self.sums_of: dict[Key, list[int]] = {}
        for index, (total, parts) in enumerate(sums):
            for key in (total, *parts):
                self.sums_of.setdefault(key, []).append(index)

    def protect(self, hidden: set[Key]) -> None:
        while True:
            known = self._known(hidden)
            exposed = self._exposed(known, hidden)
            if not exposed:
                return
            extra = self._secondary(exposed, known, hidden)
            if extra is None:
                # Nothing visible shares a sum with it: every visible count linked to it goes.
                linked = {k for k in self._linked(exposed[0]) if k in known and self.values[k] > 0}
                if not linked:  # pragma: no cover - a pinned count always has a visible count behind it
                    raise RuntimeError(f"disclosure control: cannot protect {exposed[0]!r}")
                hidden |= linked
            else:
                hidden.add(extra)

    def _known(self, hidden: set[Key]) -> set[Key]:
        """The counts a reader learns from every figure left visible."""
        known: set[Key] = set()
        for keys in self.figures:
            if hidden.isdisjoint(keys):
                known.update(keys)
        return known

    def _equations(self, known: set[Key]) -> list[tuple[dict[Key, int], int]]:
        """Each sum as ``coefficients over the unknown counts, constant``."""
        out = []
        for total, parts in self.sums:
            coefficients: dict[Key, int] = {}
            constant = 0
            for key, sign in ((total, 1), *((p, -1) for p in parts)):
                if key in known:
                    constant -= sign * self.values[key]
                else:
                    coefficients[key] = coefficients.get(key, 0) + sign
            coefficients = {k: c for k, c in coefficients.items() if c}
            if coefficients:
                out.append((coefficients, constant))
        return out

    def _exposed(self, known: set[Key], hidden: set[Key]) -> list[Key]:
        """Hidden counts (in the order of the sums) that a reader can pin to one value: first
        those the sums fix by linear algebra alone (a lone hidden cell in a line, a month from
        its year and the other months); failing those, one that the sums and the bounds
        together leave a single whole number for (two hidden cells beside a total that leaves
        2), found by an exact integer program."""
        targets = sorted((k for k in hidden if k in self.order and k not in known), key=self.order.__getitem__)
        if not targets:
            return []
        equations = self._equations(known)
        if not equations:
            return []
        reduced = _reduce(equations)
        determined = {next(iter(row)) for row, _c in reduced if len(row) == 1}
        exposed = [k for k in targets if k in determined]
        if exposed:
            return exposed
        lower = {k: (1 if k in hidden else 0) for row, _c in equations for k in row}
        pinned = _integer_pinned(equations, lower, [k for k in targets if k in lower], self.values)
        return [] if pinned is None else [pinned]

    def _rank(self, key: Key) -> tuple[bool, int, str]:
        """How willingly a visible count is hidden next: a part before a total, the smallest
        first, then by a keyed hash (or, without a salt, by its name)."""
        tie = hmac.new(self.salt, repr(key).encode("utf-8"), hashlib.sha256).hexdigest() if self.salt else repr(key)
        return (key in self.totals, self.values[key], tie)

    def _secondary(self, exposed: list[Key], known: set[Key], hidden: set[Key]) -> Key | None:
        """The visible count to hide next: in the sums holding an exposed count, the one
        :meth:`_rank` puts first, searching outwards through linked sums if those hold none."""
        frontier = set(exposed)
        seen: set[Key] = set()
        while frontier:
            candidates: set[Key] = set()
            next_frontier: set[Key] = set()
            for index in {i for key in frontier for i in self.sums_of.get(key, ())}:
                total, parts = self.sums[index]
                for key in (total, *parts):
                    if key in known and key not in hidden and self.values[key] > 0:
                        candidates.add(key)
                    elif key not in seen:
                        next_frontier.add(key)
            if candidates:
                return min(candidates, key=self._rank)
            seen |= frontier
            frontier = next_frontier - seen
        return None

    def _linked(self, start: Key) -> set[Key]:
        """Every count linked to ``start`` through sums."""
        linked, frontier = {start}, [start]
        while frontier:
            for index in self.sums_of.get(frontier.pop(), ()):
                total, parts = self.sums[index]
                for other in (total, *parts):
                    if other not in linked:
                        linked.add(other)
                        frontier.append(other)
        return linked


def _reduce(equations: Sequence[tuple[Mapping[Key, int], int]]) -> list[tuple[dict[Key, Fraction], Fraction]]:
    """The equations in reduced row echelon form (exact, with fractions); each row a sparse
    mapping of unknowns to coefficients and its constant."""
    order = {k: i for i, k in enumerate(dict.fromkeys(k for row, _c in equations for k in row))}
    rows: list[tuple[dict[Key, Fraction], Fraction]] = []
    pivots: dict[Key, int] = {}  # pivot unknown -> row index
    for coefficients, constant in equations:
        row = {k: Fraction(c) for k, c in coefficients.items()}
        value = Fraction(constant)
        for key, index in pivots.items():  # eliminate existing pivots
            factor = row.get(key)
            if factor:
                other, other_value = rows[index]
                _subtract(row, factor, other)
                value -= factor * other_value
        if not row:
            continue
        pivot = min(row, key=order.__getitem__)
        scale = row[pivot]
        row = {k: c / scale for k, c in row.items()}
        value /= scale
        for index, (other, other_value) in enumerate(rows):  # clear the new pivot elsewhere
            factor = other.get(pivot)
            if factor:
                _subtract(other, factor, row)
                rows[index] = (other, other_value - factor * value)
        pivots[pivot] = len(rows)
        rows.append((row, value))
    return rows


def _subtract(row: dict[Key, Fraction], factor: Fraction, other: Mapping[Key, Fraction]) -> None:
    """``row -= factor * other``, in place, keeping the row sparse (no zero coefficients)."""
    for key, coefficient in other.items():
        updated = row.get(key, Fraction(0)) - factor * coefficient
        if updated:
            row[key] = updated
        else:
            row.pop(key, None)


def _integer_pinned(
    equations: Sequence[tuple[Mapping[Key, int], int]],
    lower: Mapping[Key, int],
    targets: Sequence[Key],
    values: Mapping[Key, int],
) -> Key | None:
    """The first target whose value is the only whole number the equations and the lower
    bounds allow (the true values being one solution), or ``None``.

    Each target's least and greatest possible values come from an exact mixed-integer program
    (HiGHS, through SciPy: imported only here, when a table or series has hidden counts linked
    by sums). A bound-by-bound search misses pins that only a combination of sums gives."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    unknowns = list(lower)
    index = {k: i for i, k in enumerate(unknowns)}
    matrix = np.zeros((len(equations), len(unknowns)))
    constants = np.zeros(len(equations))
    for r, (row, constant) in enumerate(equations):
        for key, c in row.items():
            matrix[r, index[key]] = c
        constants[r] = constant
    constraint = LinearConstraint(matrix, constants, constants)
    bounds = Bounds([lower[k] for k in unknowns], np.inf)
    integral = np.ones(len(unknowns))
    for target in targets:
        value = values[target]
        pinned = True
        # The least it can be (where the truth is not its lower bound already), then the most.
        for direction in (1, -1) if value > lower[target] else (-1,):
            objective = np.zeros(len(unknowns))
            objective[index[target]] = direction
            solved = milp(objective, constraints=constraint, integrality=integral, bounds=bounds)
            if solved.status in (3, 4):  # unbounded (the true counts are a solution): it can be anything
                pinned = False
                break
            if not solved.success:  # pragma: no cover - the true counts always solve the sums
                raise RuntimeError(f"disclosure control: the integer program failed ({solved.message})")
            if round(float(solved.x[index[target]])) != value:
                pinned = False
                break
        if pinned:
            return target
    return None


# --------------------------------------------------------------------------- documents


def _share_figure(share: Share) -> Figure | str:
    """A share as published: its rounded value with the text readers see (``k``, with no
    value, for a non-zero share that rounds to 0); an empty cell where the denominator is 0."""
    value = share.value
    if value is None:
        return ""
    unit = "%" if share.per == 100 else ""
    if value == 0 and share.numerator > 0:
        return Figure(None, SMALL_SHARE, unit, share.places)
    return Figure(value, f"{value:.{share.places}f}", unit, share.places)


def _whole(denominator: int | float) -> int:
    try:
        return operator.index(denominator)  # type: ignore[arg-type]
    except TypeError:
        raise ValueError(
            f"a share's denominator {denominator!r} is not a whole number: a count of children is one; mark a "
            "population estimate with denominator_public=True"
        ) from None


def _beside(table: Table, i: int, share: Share) -> list[Key]:
    """The counts of row ``i`` a share gives away with its denominator: those its ``columns``
    name (a percentage and its denominator give the numerator), else, not knowing which, every
    count in the row."""
    row = table.rows[i]
    if share.columns is None:
        return [(i, j) for j, cell in enumerate(row) if isinstance(cell, Count)]
    keys: list[Key] = []
    for name in share.columns:
        j = table.columns.index(name) if name in table.columns else -1
        if j < 0 or not isinstance(row[j], Count):
            raise ValueError(f"table {table.caption!r}: a share names column {name!r}, which holds no count in row {i}")
        keys.append((i, j))
    return keys


def protect_table(table: Table, rule: Rule = DEFAULT_RULE) -> Table:
    """The table as it may be published under ``rule``: counts from children's records from 1
    to ``smallest - 1`` and the shares resting on them shown as ``c``, with further cells hidden
    where the table's totals (``total_row``, ``total_column``) would reveal them, and a share
    hidden with the counts beside it that it would give away (see :attr:`Share.columns`); visible
    counts from children's records rounded as the rule says; shares as :class:`~lif_core.document.Figure` (``k`` for a
    non-zero share that rounds to 0); counts of the board's own work as they are."""
    linked = Linked()
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            if isinstance(cell, Count):
                linked.count((i, j), cell.value, sensitive=cell.sensitive)
                linked.publish((i, j), [(i, j)])
            elif isinstance(cell, Share):
                keys = [(i, j, "n"), (i, j, "d")]
                linked.count(keys[0], cell.numerator, sensitive=cell.sensitive)
                if cell.denominator_public:
                    linked.count(keys[1], 0, sensitive=False)  # a population estimate: nothing to protect
                else:
                    linked.count(keys[1], _whole(cell.denominator), sensitive=cell.sensitive)
                linked.publish((i, j), keys + _beside(table, i, cell))
    last_row, last_column = len(table.rows) - 1, len(table.columns) - 1
    if table.total_column and last_column > 0:
        for i, row in enumerate(table.rows):
            if isinstance(row[last_column], Count):
                parts = [(i, j) for j in range(last_column) if isinstance(row[j], Count)]
                linked.sum((i, last_column), parts)
    if table.total_row and last_row > 0:
        for j in range(len(table.columns)):
            if isinstance(table.rows[last_row][j], Count):
                parts = [(i, j) for i in range(last_row) if isinstance(table.rows[i][j], Count)]
                linked.sum((last_row, j), parts)
    hidden = linked.protect(rule)
    out: list[tuple[Cell, ...]] = []
    for i, row in enumerate(table.rows):
        cells: list[Cell] = []
        for j, cell in enumerate(row):
            if (i, j) in hidden:
                cells.append(SUPPRESSED)
            elif isinstance(cell, Count):
                cells.append(rule.rounded(cell.value) if cell.sensitive else cell.value)
            elif isinstance(cell, Share):
                cells.append(_share_figure(cell))
            else:
                cells.append(cell)
        out.append(tuple(cells))
    return attrs.evolve(table, rows=tuple(out))


def _check_chart(chart: Chart) -> Chart:
    """Charts carry figures already protected where they were computed (a measure's series);
    one holding an unprotected count or share is refused rather than drawn, and a point its
    labels say is hidden (``c``) is made a gap whatever number was left in it, so no drawing,
    description or table of the chart can show it."""
    for _period, value in chart.points:
        if value is not None and not isinstance(value, (int, float)):
            raise TypeError(f"chart {chart.title!r}: points must be numbers or None, not {type(value).__name__}")
    hidden = {period for period, label in chart.labels if label == SUPPRESSED}
    if any(value is not None and period in hidden for period, value in chart.points):
        chart = attrs.evolve(chart, points=tuple((p, None if p in hidden else v) for p, v in chart.points))
    return chart


def protect(document: Document, rule: Rule = DEFAULT_RULE) -> Document:
    """``document`` as it may be published under ``rule``: every table protected (see
    :func:`protect_table`) and the rule recorded, in the document's ``rule`` and in its meta
    ("Disclosure control"), before any renderer sees it.

    A document already protected under ``rule`` (or a stricter one) is returned as it is; one
    protected under a looser rule cannot be made stricter (its hidden counts are gone) and is
    refused: build it again with the stricter rule.
    """
    if document.rule is not None:
        if document.rule.stricter_or_equal(rule):
            return document
        raise LifError(
            f"this {document.kind} was protected with a looser disclosure rule than the one asked for "
            f"({document.rule.describe_briefly()}, not {rule.describe_briefly()}): build it again with that rule"
        )

    def section(s: Section) -> Section:
        blocks = tuple(
            protect_table(b, rule) if isinstance(b, Table) else _check_chart(b) if isinstance(b, Chart) else b
            for b in s.blocks
        )
        return attrs.evolve(s, blocks=blocks, sections=tuple(section(x) for x in s.sections))

    return attrs.evolve(
        document,
        sections=tuple(section(s) for s in document.sections),
        meta=(*(m for m in document.meta if m[0] != "Disclosure control"), ("Disclosure control", rule.describe())),
        rule=rule,
    )
