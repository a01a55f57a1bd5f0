"""A renderer-independent document: what lif-core produces and renderer plugins draw.

Plain, frozen data: a title, sections, and inside them paragraphs, lists, key-value pairs and
tables. Every output (``lif show`` now, the impact report later) is built as a Document, so a
renderer written once draws all of them.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from .disclosure import Rule

__all__ = [
    "Block",
    "BulletList",
    "Cell",
    "Chart",
    "Count",
    "Document",
    "Facts",
    "Figure",
    "Paragraph",
    "Rag",
    "ReportStyle",
    "Provenance",
    "SMALL_SHARE",
    "SUPPRESSED",
    "Section",
    "Share",
    "Table",
    "terminal_safe",
    "xml_text",
]


#: DfE's symbol for a figure disclosure control hides.
SUPPRESSED = "c"
#: DfE's symbol for a non-zero share that rounds to 0.
SMALL_SHARE = "k"


class Provenance(str, enum.Enum):
    """Where a figure comes from, which decides whether disclosure control applies to it.

    ``children``: derived from children's records (case-level sources, counts of children):
    protected. ``board``: a count of the board's own work (reviews by stage, themes its reviews
    raised, audits, actions, training places), which the board publishes item by item anyway:
    shown as it is.
    """

    CHILDREN = "children"
    BOARD = "board"


@attrs.frozen
class Count:
    """A count with its provenance. Counts derived from children's records below the board's
    smallest publishable count (DfE's rule: 1 to 5) are published as ``c``, with further cells
    hidden where a total would reveal them; counts of the board's own work are published as
    they are."""

    value: int
    provenance: Provenance = Provenance.CHILDREN

    @property
    def sensitive(self) -> bool:
        """True where disclosure control applies (the count comes from children's records)."""
        return self.provenance is Provenance.CHILDREN


@attrs.frozen
class Share:
    """A percentage (``per = 100``) or a rate (``per = 10_000``: per 10,000 children) worked
    out from two counts, to ``places`` decimal places. Disclosure control treats it as
    publishing both counts: it is hidden (``c``) where either count is, and shown as ``k``
    where a non-zero numerator rounds to 0. ``denominator_public`` marks a denominator that is
    not a count of children (a population estimate), which needs no protection itself."""

    numerator: int
    denominator: int | float
    per: int = 100
    places: int = 1
    provenance: Provenance = Provenance.CHILDREN
    denominator_public: bool = False
    #: In a table: the columns of the same row holding the numerator and denominator counts,
    #: if they are published beside it (the share is then those very counts to disclosure
    #: control). Without it, a share is hidden whenever any count in its row is.
    columns: tuple[str, str] | None = None

    @property
    def value(self) -> float | None:
        """The share, rounded; ``None`` where the denominator is 0."""
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator * self.per, self.places)

    @property
    def sensitive(self) -> bool:
        return self.provenance is Provenance.CHILDREN


@attrs.frozen
class Figure:
    """A number as it is published: ``value`` for machines (spreadsheets, JSON), ``text`` as
    readers see it (``13%``, ``£228,000``, ``-35.0%``). ``value`` is ``None`` where the text is
    a symbol (``k``: a non-zero share too small to show). ``unit`` says what the number is:
    ``"%"`` (a percentage: 13 means 13%), ``"£"`` (pounds), or ``""`` (a plain number); ``places``
    how many decimal places the text shows."""

    value: int | float | None
    text: str
    unit: str = ""
    places: int = 0


@attrs.frozen
class Rag:
    """A red, amber or green rating as published: ``text`` as readers see it (``Green``,
    ``No target``), ``level`` one of ``red``, ``amber``, ``green`` or ``none``, which formats
    with colour use (never colour alone: the text is always shown)."""

    text: str
    level: str = "none"


#: A table cell: text, a whole number, a number, a day, a count or a share under disclosure
#: control, a published figure, a rating, or nothing. After disclosure control
#: (:func:`lif_core.disclosure.protect`) no count or share remains: a hidden figure reads ``c``,
#: a share becomes a :class:`Figure` (``k`` where too small to show).
Cell = str | int | float | dt.date | Count | Share | Figure | Rag | None


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
    """A measure's series for a trend chart: ``points`` are ``(period, value)``, a value of
    ``None`` being a point disclosure control hid (drawn as a gap, never plotted); renderers
    without graphics show it as a small table. ``labels`` give the text shown instead of the
    number for some periods: ``c`` for a hidden point, ``k`` for a share too small to show."""

    title: str
    points: tuple[tuple[str, float | None], ...]
    unit: str = ""
    target: float | None = None
    labels: tuple[tuple[str, str], ...] = ()
    #: Comparators drawn as labelled reference lines: ``(label, value)`` (``England 2018-19``).
    references: tuple[tuple[str, float], ...] = ()
    #: Which way is better: ``higher``, ``lower``, or ``""`` (neither, or not known).
    polarity: str = ""

    def label(self, period: str, value: float | None) -> str:
        """How the point of ``period`` reads as text."""
        for p, text in self.labels:
            if p == period:
                return text
        return SUPPRESSED if value is None else cell_text(value)


Block = Paragraph | BulletList | Facts | Table | Chart


@attrs.frozen
class ReportStyle:
    """A board's house style for what it publishes, read from its folder and checked
    (:func:`lif_core.report.style.read_style`): renderers that draw a designed page (HTML, PDF,
    Word) use it; the rest ignore it.

    Attributes:
        logo: the logo's bytes (PNG or JPEG), or ``None``.
        logo_type: its media type (``image/png``, ``image/jpeg``).
        logo_text: the logo's text alternative (the board's name, by default).
        accent: the main colour, ``#rrggbb`` (headings' rules, links, chart lines).
        templates: ``(name, source)`` of the board's own templates overriding lif-core's
            (``report.html``, ``cover.html``...), as read from its ``report/templates/`` folder.
        css: the board's own stylesheet, added after lif-core's.
        source: where it was read from, for messages.
    """

    logo: bytes | None = None
    logo_type: str = ""
    logo_text: str = ""
    accent: str = "#1d70b8"
    templates: tuple[tuple[str, str], ...] = ()
    css: str = ""
    source: str = ""


@attrs.frozen
class Section:
    """A titled part of a document. ``key`` names what built it (a report section's
    registered name, ``foreword``) for machine formats; readers see only the title."""

    title: str
    blocks: tuple[Block, ...] = ()
    sections: tuple[Section, ...] = ()
    key: str = ""

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
        rule: the disclosure control rule the document has passed (``None`` until it has):
            see :func:`lif_core.disclosure.protect`.
        author: who publishes it (the board's name).
        date: the day the document is as at.
        snapshot: for machines only: ``(kind, id, name, state)`` of each record whose state a
            later report compares against (``lif report impact --previous``). Machine formats
            (JSON) write it; formats for readers never show it.
    """

    kind: str
    title: str
    subtitle: str = ""
    sections: tuple[Section, ...] = ()
    meta: tuple[tuple[str, str], ...] = ()
    rule: Rule | None = None
    snapshot: tuple[tuple[str, str, str, str], ...] = ()
    #: Who publishes it (the board's name): Word's author property, the PDF's running header.
    author: str = ""
    #: The day it is as at: the date formats that carry one record (Word, PDF, the header).
    date: dt.date | None = None

    def walk(self) -> Iterator[tuple[int, Section]]:
        """Every section with its depth (1 for top-level), in reading order."""
        for section in self.sections:
            yield from section.walk()


def cell_text(cell: Cell) -> str:
    """How a cell reads as text (numbers without a trailing ``.0``, days as ``2019-03-31``)."""
    if cell is None:
        return ""
    if isinstance(cell, (Figure, Rag)):
        return cell.text
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, Count):
        return str(cell.value)
    if isinstance(cell, Share):
        value = cell.value
        return "" if value is None else f"{value:.{cell.places}f}"
    if isinstance(cell, float):
        if not cell.is_integer():  # also NaN and the infinities, which have no whole value
            return f"{cell:g}"
        return str(int(cell))
    return str(cell)


# ---------------------------------------------------------------- terminal safety

# Escape sequences a terminal acts on, removed whole: CSI (ESC [ or C1 0x9B: colours, cursor
# moves, screen clears), string commands up to their terminator or the next escape (OSC: window
# titles, hyperlinks, clipboard writes; DCS, SOS, PM, APC), and the other ESC sequences.
_TERMINAL_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b) [0-?]* [ -/]* [@-~]?
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?
    | \x1b [ -/]* [0-~]?
    """,
    re.VERBOSE,
)
# What is left that a terminal (or a reader) could be fooled by: C0 controls but tab and newline,
# DEL, C1 controls, and the bidirectional overrides and isolates that make text display in an
# order other than the one it is stored in ("Trojan Source").
_TERMINAL_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# What XML 1.0 cannot hold (Word and workbook files refuse it): the C0 controls but tab, newline
# and carriage return, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML cannot hold replaced by U+FFFD, so a reader sees that
    something was there: for the formats written as XML (Word, a workbook)."""
    return _NOT_XML.sub("\ufffd", text)


def terminal_safe(text: str) -> str:
    """``text`` safe to print to a terminal: escape sequences (ESC, CSI, OSC...) removed whole,
    then every other control character but newline and tab (C0, DEL, C1) and every bidirectional
    override or isolate removed; a carriage return becomes a newline, so nothing can overwrite
    what was printed before it. Used by the text renderer and for every message the CLI prints."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _TERMINAL_CONTROL.sub("", _TERMINAL_SEQUENCE.sub("", text))
