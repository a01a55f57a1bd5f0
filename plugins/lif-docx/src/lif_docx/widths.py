"""Column widths from a table's content, as a typesetter would choose them.

Every length here is in twentieths of a point (twips, Word's ``dxa``): 567 to the centimetre.
Text is measured by an estimate of its printed width (the average width of a character in the
table's font), which is close enough to decide which columns need room: a column of sentences
gets most of the page, a column of counts only what its longest number or header word needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

#: Twips in a centimetre.
CM = 567
#: The narrowest a column may be and stay readable (a header word and a four-digit number fit).
MIN_COLUMN = round(1.6 * CM)
#: The widest a single word may make a column before it is broken (a URL, a run of letters).
MAX_WORD = 5 * CM
#: What a cell's text may not use: the cell's left and right padding.
PADDING = 2 * 85


@attrs.frozen
class Column:
    """What a column holds, as the width calculation needs it.

    Attributes:
        longest_word: the length, in characters, of its longest unbreakable word (header included).
        mean: the mean length of its body cells' text.
        longest: the length of its longest body cell's text.
        header: the length of its header.
        numeric: true where it holds numbers (right-aligned, never wider than they need).
    """

    longest_word: int
    mean: float
    longest: int
    header: int
    numeric: bool = False


def measure(header: str, cells: Sequence[str], numeric: bool = False) -> Column:
    """The :class:`Column` of ``header`` above ``cells``."""
    words = [len(w) for text in (header, *cells) for w in text.split()]
    lengths = [len(t) for t in cells] or [0]
    return Column(
        longest_word=max(words, default=1),
        mean=sum(lengths) / len(lengths),
        longest=max(lengths),
        header=len(header),
        numeric=numeric,
    )


def minimum(column: Column, char: float) -> int:
    """The narrowest ``column`` can be without breaking a word (within :data:`MIN_COLUMN` and
    :data:`MAX_WORD`); ``char`` is the average width of a character."""
    word = round(column.longest_word * char * 1.1) + PADDING  # bold header words run wider
    return max(MIN_COLUMN, min(MAX_WORD, word))


def wanted(column: Column, char: float, available: int) -> int:
    """How wide ``column`` would like to be: its typical cell on one line (between the mean and
    the longest, so one long cell does not take the page), the header on at most two lines."""
    body = (column.mean + column.longest) / 2
    text = max(body, column.header / 2 if not column.numeric else column.header)
    return max(minimum(column, char), min(available, round(text * char) + PADDING))


def widths(columns: Sequence[Column], available: int, char: float) -> list[int]:
    """Each column's width, in twips, for a table ``available`` twips wide.

    A table whose columns all fit as they would like stays that width (a small table of numbers
    does not stretch across the page) unless it already fills most of the line, when its text
    columns take up the rest. Otherwise every column gets its minimum and the room left is
    shared in proportion to how much more each would like (text columns wide, number columns
    narrow). Only a table with more columns than the line has minimums for (more than sixteen
    on a landscape page) has them scaled below the minimum, in proportion.
    """
    if not columns:
        return []
    least = [minimum(c, char) for c in columns]
    want = [wanted(c, char, available) for c in columns]
    if sum(least) >= available:
        total = sum(least)
        return _fit([max(1, w * available // total) for w in least], available)
    if sum(want) <= available:
        if sum(want) < 0.6 * available:
            return want
        spare = available - sum(want)
        stretch = [w if not c.numeric else 0 for w, c in zip(want, columns, strict=True)]
        if not sum(stretch):
            stretch = want
        grown = [w + spare * s // sum(stretch) for w, s in zip(want, stretch, strict=True)]
        return _fit(grown, available)
    spare = available - sum(least)
    extra = [w - m for w, m in zip(want, least, strict=True)]
    grown = [m + spare * e // sum(extra) for m, e in zip(least, extra, strict=True)]
    return _fit(grown, available)


def _fit(values: list[int], available: int) -> list[int]:
    """``values`` with the rounding left over given to the widest, so they sum to ``available``."""
    values[values.index(max(values))] += available - sum(values)
    return values


def lines(text: str, width: int, char: float) -> int:
    """About how many lines ``text`` takes in a cell ``width`` twips wide."""
    per_line = max(1.0, (width - PADDING) / char)
    return sum(max(1, -(-len(part) // int(per_line))) for part in text.split("\n"))
