"""What several builtin report sections share: how evidence, actions and measures read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...document import Provenance
from ...inspection import CLOSED, overdue, strongest
from ...measures import Score
from ...model import ActionStatus, Evidence
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


def trend_words(score: Score) -> str:
    """How a measure is moving (``improving: down for 2 periods``); ``""`` with one period."""
    if not score.direction:
        return ""
    if score.direction == "flat":
        return f"no change for {score.run} period{'s' if score.run != 1 else ''}"
    return f"{score.trend or 'moving'}: {score.direction} for {score.run} period{'s' if score.run != 1 else ''}"
