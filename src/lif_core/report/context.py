"""What a report section is built from: :class:`SectionContext`.

One context per section of a report: the board as it stood on the report's day, the plugin
host, the day, the section's part of the report definition and the board's narrative for it.
Work more than one section needs (the scorecard, who points at what) is done once per report
and shared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import attrs

from ..board import LoadedBoard
from ..document import Block, Section
from ..frameworks import ReportPart, StatutoryFramework, year_starts_of
from ..model import Board, Evidence
from ..plugins import Plugins

__all__ = ["Index", "SectionContext", "Shared"]

#: The longest a record's text is shown where it stands for the record (in a table cell).
NAME_LENGTH = 90


class Index:
    """Who points at what, built once per report so no section scans the register per item."""

    def __init__(self, board: Board) -> None:
        self.actions_by_recommendation: dict[str, list[Any]] = {}
        for a in board.actions:
            if a.recommendation:
                self.actions_by_recommendation.setdefault(a.recommendation, []).append(a)
        self.evidence_by_target: dict[str, list[Evidence]] = {}
        for e in board.evidence:
            for target in e.supports:
                self.evidence_by_target.setdefault(target, []).append(e)

    def evidence(self, ids: Iterable[str]) -> list[Evidence]:
        seen: dict[str, Evidence] = {}
        for i in ids:
            for e in self.evidence_by_target.get(i, ()):
                seen.setdefault(e.id, e)
        return list(seen.values())


@attrs.define
class Shared:
    """Work done once per report, for every section."""

    loaded: LoadedBoard
    plugins: Plugins
    rule: Any
    cache: dict[str, Any] = attrs.field(factory=dict)


def reporting_year(day: dt.date, year_starts: str) -> tuple[dt.date, dt.date]:
    """The first and last day of the reporting year (starting ``year_starts``, ``MM-DD``)
    that ``day`` falls in."""
    from ..clocks import add_months

    month, first = (int(p) for p in year_starts.split("-"))
    start = dt.date(day.year, month, min(first, 28) if month == 2 else first)
    if start > day:
        start = start.replace(year=start.year - 1)
    return start, add_months(start, 12) - dt.timedelta(days=1)


def year_label(loaded: LoadedBoard, day: dt.date) -> str:
    """The reporting year a report as at ``day`` is on, as boards write it (``2018-19``;
    ``2018`` for calendar years)."""
    start, end = reporting_year(day, year_starts_of(loaded.framework))
    return str(start.year) if start.year == end.year else f"{start.year}-{str(end.year)[2:]}"


def human_date(day: dt.date) -> str:
    """A day as readers write it: ``31 March 2019``."""
    return f"{day.day} {day:%B %Y}"


def shorten(text: str, length: int = NAME_LENGTH) -> str:
    """``text`` on one line, cut at a word before ``length`` characters with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    cut = flat[: length - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:.") + "…"


@attrs.frozen
class SectionContext:
    """What one report section is built from.

    Attributes:
        loaded: the board as it stood on ``as_of`` (:func:`lif_core.history.as_at`), with its
            statutory framework.
        plugins: the plugin host.
        as_of: the report's day.
        part: the section's entry in the report definition (its title, options...).
        narrative: the board's own text for the section, as document blocks (empty where it
            wrote none); the report puts it before what ``build`` returns.
        narrative_sections: the narrative's own headed parts, as subsections.
        previous: the previous report's snapshot (``lif report impact --previous``), as
            ``(snapshot rows, where it came from)``, else ``None``.
    """

    loaded: LoadedBoard
    plugins: Plugins
    as_of: dt.date
    part: ReportPart
    narrative: tuple[Block, ...] = ()
    narrative_sections: tuple[Section, ...] = ()
    previous: tuple[tuple[Any, ...], str] | None = None
    shared: Shared | None = attrs.field(default=None, repr=False, eq=False)

    @property
    def board(self) -> Board:
        return self.loaded.board

    @property
    def framework(self) -> StatutoryFramework | None:
        return self.loaded.framework

    @property
    def year_starts(self) -> str:
        """The month and day the board's reporting year starts (``MM-DD``): its framework's
        recurring publications' (April in England and Wales), else April."""
        return year_starts_of(self.framework)

    def year(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the reporting year the report's day falls in: the year
        the report is on (a report as at 2019-03-31 is on 2018-19; to report on a year that
        has ended, report as at its last day)."""
        return reporting_year(self.as_of, self.year_starts)

    def year_label(self) -> str:
        """The reporting year the report is on, as boards write it (``2018-19``; ``2018`` for
        calendar years)."""
        return year_label(self.loaded, self.as_of)

    def option(self, key: str, default: Any = None) -> Any:
        """One of the section's ``options`` in the report definition."""
        return self.part.options.get(key, default)

    def _cached(self, key: str, make: Any) -> Any:
        if self.shared is None:
            return make()
        if key not in self.shared.cache:
            self.shared.cache[key] = make()
        return self.shared.cache[key]

    @property
    def rule(self) -> Any:
        """The disclosure rule the report is published under (``None``: unprotected)."""
        return self.shared.rule if self.shared is not None else None

    def scores(self) -> list[Any]:
        """The scorecard (:class:`lif_core.measures.Score` per measure), computed under the
        report's disclosure rule once per report."""
        from ..measures import scorecard

        rule = self.rule
        return self._cached(  # type: ignore[no-any-return]
            "scores",
            lambda: scorecard(
                self.loaded, self.plugins, rule=rule, disclosure_control=rule is not None, as_of=self.as_of
            ),
        )

    def index(self) -> Index:
        """Who points at what: actions by recommendation, evidence by what it supports."""
        return self._cached("index", lambda: Index(self.board))  # type: ignore[no-any-return]

    def name(self, record_id: str, length: int = NAME_LENGTH) -> str:
        """How a reader knows a record: its title, name, label or (shortened) text; never its
        id, unless the board has no such record."""
        found = self.board.index().get(record_id)
        if found is None:
            return record_id
        return record_name(found[1], length)

    def term(self, vocabulary: str, name: str) -> str:
        """How the report says a name from the framework's vocabulary."""
        return self.framework.title_of(vocabulary, name) if self.framework is not None else name

    @staticmethod
    def readable(value: str) -> str:
        """A value as files write it (``knowledge-and-skill``) as a reader says it
        (``Knowledge and skill``)."""
        return readable(value)

    @property
    def we(self) -> str:
        """What the report calls the arrangements in a sentence: the framework's word (``the
        partnership``, ``the Board``), else ``the board``."""
        return "the " + self.words("board", "board")

    def words(self, key: str, default: str) -> str:
        """One of the framework's :class:`~lif_core.frameworks.Words`, else ``default``."""
        if self.framework is None:
            return default
        return str(getattr(self.framework.words, key, default) or default)


def readable(value: str) -> str:
    """A value as files write it (``knowledge-and-skill``) as a reader says it
    (``Knowledge and skill``)."""
    text = value.replace("-", " ").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def record_name(record: Any, length: int = NAME_LENGTH) -> str:
    """A record's readable name: its title, name, label, or text shortened to ``length``."""
    for attribute in ("title", "name", "label"):
        value = getattr(record, attribute, "")
        if isinstance(value, str) and value:
            return shorten(value, length)
    text = getattr(record, "text", "")
    if isinstance(text, str) and text:
        return shorten(text, length)
    return str(getattr(record, "id", record))
