"""What several builtin report sections share: how evidence, actions and measures read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...document import SUPPRESSED, Figure, Provenance, Rag
from ...inspection import CLOSED, overdue, strongest
from ...measures import Score, format_figure
from ...model import ActionStatus, Evidence, Unit
from ...report.context import readable as readable  # re-exported for the sections

#: Counts of the board's own work: published as they are (the report names the items too).
BOARD = Provenance.BOARD


def strength(evidence: list[Evidence]) -> str:
    """How many items of evidence, and the strongest (``2 (moderate)``)."""
    best = strongest(evidence)
    return f"{len(evidence)} ({best.value})" if best else "0"


def action_counts(actions: list[Any], as_of: dt.date) -> tuple[int, int, int]:
    """Done, open and overdue among ``actions`` on ``as_of``."""
    done = sum(a.status is ActionStatus.COMPLETED for a in actions)
    open_ = sum(a.status not in CLOSED for a in actions)
    return done, open_, len(overdue(actions, as_of))


def moved(score: Score | None) -> str:
    """How a measure moved, as a sentence fragment."""
    if score is None or score.latest is None:
        return "hidden by disclosure control (c)" if score is not None and score.latest_text() == "c" else "no data"
    judged = [w for w in (score.rag if score.rag != "none" else "", score.trend) if w]
    return f"{score.shown(*score.latest)} in {score.latest[0]}" + (f" ({', '.join(judged)})" if judged else "")


def rag_words(rag: str) -> str:
    """A RAG rating as a reader says it (``Red``; ``No target`` where none is set)."""
    return {"none": "No target"}.get(rag, rag.capitalize())


def rag_cell(rag: str) -> Rag:
    """A RAG rating as a table cell: the words readers see, with its level for colour."""
    return Rag(rag_words(rag), rag if rag in ("red", "amber", "green") else "none")


def places_of(text: str) -> int:
    """How many decimal places a number's text shows (``75.1%`` -> 1, ``£1,234`` -> 0)."""
    digits = text.rstrip("%").split(".")
    return len(digits[1]) if len(digits) == 2 and digits[1].isdigit() else 0


def figure_unit(unit: Unit) -> str:
    """A measure's unit as a :class:`Figure`'s: ``%`` for a percentage, else none (a rate per
    10,000, a count, days... are plain numbers; the column or measure says which)."""
    return "%" if unit is Unit.PERCENT else ""


def measure_figure(value: float, unit: Unit, text: str = "") -> Figure:
    """A measure's value as published: the number, and the text readers see (``13%``; ``text``
    where a symbol stands for it: ``k``, with no value)."""
    shown = text or format_figure(value, unit)
    if shown in (SUPPRESSED, "k"):
        return Figure(None, shown, figure_unit(unit))
    whole = float(value).is_integer() and abs(value) < 1e15
    return Figure(int(value) if whole else value, shown, figure_unit(unit), places_of(shown))


def percent(value: float, places: int = 1, *, signed: bool = False) -> Figure:
    """A percentage as published (``70.3%``; ``-35.0%`` with ``signed``)."""
    value = round(value, places)
    return Figure(value, f"{value:{'+' if signed else ''}.{places}f}%", "%", places)


def pounds_cell(amount: float) -> Figure:
    """An amount of money as published: ``£12,345`` (``£12,345.50`` where there are pence)."""
    whole = round(amount, 2) == round(amount)
    return Figure(
        round(amount) if whole else round(amount, 2),
        f"£{amount:,.0f}" if whole else f"£{amount:,.2f}",
        "£",
        0 if whole else 2,
    )


def trend_words(score: Score) -> str:
    """How a measure is moving (``improving: down for 2 periods``); ``""`` with one period."""
    if not score.direction:
        return ""
    if score.direction == "flat":
        return f"no change for {score.run} period{'s' if score.run != 1 else ''}"
    return f"{score.trend or 'moving'}: {score.direction} for {score.run} period{'s' if score.run != 1 else ''}"
