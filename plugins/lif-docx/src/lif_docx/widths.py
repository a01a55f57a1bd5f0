"""Column widths from a table's content, as a typesetter would choose them.

Every length here is in twentieths of a point (twips, Word's ``dxa``): 567 to the centimetre.
Text is measured with the widths of Arial's characters (Helvetica's metrics, which Arial and
LibreOffice's Liberation Sans share), the header in bold, so a column is never narrower than its
longest word: a column of sentences gets most of the page, a column of counts only what its
longest number or header word needs.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import attrs

#: Twips in a centimetre.
CM = 567
#: The narrowest a column of text may be and stay readable (a header word and a four-digit number
#: fit, a sentence wraps to a few words a line).
MIN_COLUMN = round(1.6 * CM)
#: The narrowest any column may be: one whose every cell is a single word or number (counts,
#: dates, codes, ticks), which never wraps, needs only its longest word, down to this.
MIN_NARROW = round(1.2 * CM)
#: A column of sentences is at least as wide as puts its typical (mean) cell on this many lines...
PROSE_LINES = 10
#: ... up to this width: wider than this, a table takes what room is left rather than a landscape page.
PROSE_MAX = round(3.5 * CM)
#: The widest a single word may make a column before it is broken (a URL, a run of letters).
MAX_WORD = 5 * CM
#: What a cell's text may not use: the cell's left and right padding.
PADDING = 2 * 85
#: Table text size, in points.
SIZE = 9.0
#: Room left beside a measured word for what the metrics do not know (kerning, a substitute font's
#: rounding): a word measured to fill its column exactly would break in one program or another.
SLACK = 1.06

# Advance widths (thousandths of an em) of the printable ASCII characters, space to tilde, in
# Helvetica, whose metrics Arial and Liberation Sans share: regular and bold.
_REGULAR = (
    "278 278 355 556 556 889 667 222 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 222 556 556 500 556 556 278 556 "
    "556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
)
_BOLD = (
    "278 333 474 556 556 889 722 278 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 "
    "556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 "
    "667 778 722 667 611 722 667 944 667 667 611 333 278 333 584 556 278 556 611 556 611 556 333 611 "
    "611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500 389 280 389 584"
)
_WIDTHS = {
    False: dict(zip(map(chr, range(32, 127)), map(int, _REGULAR.split()), strict=True)),
    True: dict(zip(map(chr, range(32, 127)), map(int, _BOLD.split()), strict=True)),
}


def _char(c: str, bold: bool) -> int:
    known = _WIDTHS[bold].get(c)
    if known is not None:
        return known
    if unicodedata.combining(c) or unicodedata.category(c) in ("Cc", "Cf"):
        return 0
    return 1000 if unicodedata.east_asian_width(c) in ("W", "F") else 667  # wider than most: safe


def text_width(text: str, *, bold: bool = False, size: float = SIZE) -> int:
    """How wide ``text`` prints on one line, in twips, in Arial of ``size`` points."""
    return math.ceil(sum(_char(c, bold) for c in text) * size * 20 / 1000)


@attrs.frozen
class Column:
    """What a column holds, as the width calculation needs it (lengths in twips, as printed).

    Attributes:
        word: the width of its longest unbreakable word (its header's in bold).
        mean: the mean width of its body cells' text, on one line.
        longest: the width of its longest body cell's text, on one line.
        header: the width of its header, in bold, on one line.
        numeric: true where it holds numbers (right-aligned, never wider than they need).
        single: true where every body cell is one word or empty: nothing in it wraps.
    """

    word: int
    mean: float
    longest: int
    header: int
    numeric: bool = False
    single: bool = False


def measure(header: str, cells: Sequence[str], numeric: bool = False) -> Column:
    """The :class:`Column` of ``header`` (bold) above ``cells``."""
    words = [text_width(w, bold=True) for w in header.split()]
    words += [text_width(w) for text in cells for w in text.split()]
    lengths = [max((text_width(line) for line in t.split("\n")), default=0) for t in cells] or [0]
    return Column(
        word=max(words, default=0),
        mean=sum(lengths) / len(lengths),
        longest=max(lengths),
        header=text_width(header, bold=True),
        numeric=numeric,
        single=all(len(t.split()) <= 1 for t in cells),
    )


def minimum(column: Column) -> int:
    """The narrowest ``column`` can be and stay readable: no word (its header's or a cell's) broken
    (up to :data:`MAX_WORD`), a column of sentences wide enough for its typical cell on
    :data:`PROSE_LINES` lines (up to :data:`PROSE_MAX`), and none under :data:`MIN_COLUMN`
    (:data:`MIN_NARROW` for a column of single words, which never wraps)."""
    if column.single:
        floor = MIN_NARROW
    else:
        floor = max(MIN_COLUMN, min(PROSE_MAX, math.ceil(column.mean * SLACK / PROSE_LINES) + PADDING))
    return max(floor, min(MAX_WORD, math.ceil(column.word * SLACK) + PADDING))


def wanted(column: Column, available: int) -> int:
    """How wide ``column`` would like to be: its typical cell on one line (between the mean and
    the longest, so one long cell does not take the page), the header on at most two lines (on
    one over numbers)."""
    body = (column.mean + column.longest) / 2
    text = max(body, column.header / 2 if not column.numeric else column.header)
    return max(minimum(column), min(available, math.ceil(text * SLACK) + PADDING))


def least(columns: Sequence[Column]) -> int:
    """The narrowest a table of ``columns`` can be without breaking a word."""
    return sum(minimum(c) for c in columns)


def widths(columns: Sequence[Column], available: int) -> list[int]:
    """Each column's width, in twips, for a table ``available`` twips wide.

    A table whose columns all fit as they would like stays that width (a small table of numbers
    does not stretch across the page) unless it already fills most of the line, when its text
    columns take up the rest. Otherwise every column gets its minimum (its longest word) and the
    room left is shared in proportion to how much more each would like (text columns wide,
    number columns narrow). Only a table whose minimums do not fit the line (more columns of
    long words than even a landscape page holds) has them scaled below, in proportion.
    """
    if not columns:
        return []
    floor = [minimum(c) for c in columns]
    want = [wanted(c, available) for c in columns]
    if sum(floor) >= available:
        total = sum(floor)
        return _fit([max(1, w * available // total) for w in floor], available)
    if sum(want) <= available:
        if sum(want) < 0.6 * available:
            return want
        spare = available - sum(want)
        stretch = [w if not c.numeric else 0 for w, c in zip(want, columns, strict=True)]
        if not sum(stretch):
            stretch = want
        grown = [w + spare * s // sum(stretch) for w, s in zip(want, stretch, strict=True)]
        return _fit(grown, available)
    spare = available - sum(floor)
    extra = [w - m for w, m in zip(want, floor, strict=True)]
    grown = [m + spare * e // sum(extra) for m, e in zip(floor, extra, strict=True)]
    return _fit(grown, available)


def _fit(values: list[int], available: int) -> list[int]:
    """``values`` with the rounding left over given to the widest, so they sum to ``available``."""
    values[values.index(max(values))] += available - sum(values)
    return values


def lines(text: str, width: int) -> int:
    """About how many lines ``text`` takes in a cell ``width`` twips wide."""
    room = max(1, width - PADDING)
    return sum(max(1, math.ceil(text_width(part) * SLACK / room)) for part in text.split("\n"))
