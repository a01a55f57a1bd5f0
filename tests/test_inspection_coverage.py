"""Inspection coverage, found in one pass over each collection: the same recommendations,
actions and evidence, in the board's order, as asking of every record for each inspection
recommendation in turn."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import Plugins
from lif_core.board import LoadedBoard
from lif_core.inspection import coverage
from lif_core.model import (
    Action,
    Board,
    BoardInfo,
    Evidence,
    InspectionRecommendation,
    Partner,
    Recommendation,
    RecommendationKind,
)

PLUGINS = Plugins.create()


def _board(rnd: random.Random) -> Board:
    """A board whose records link at random: recommendations from inspection recommendations
    or elsewhere, actions on some of them, evidence naming any of them, some more than once."""
    inspection = tuple(
        InspectionRecommendation(id=f"ir{i}", framework="ofsted-ilacs-2018", number=str(i), text="T")
        for i in range(rnd.randint(0, 4))
    )
    sources = [r.id for r in inspection] + ["p"]
    recommendations = tuple(
        Recommendation(id=f"rec{i}", source=rnd.choice(sources), kind=RecommendationKind.SYSTEM_DESIGN, text="R")
        for i in range(rnd.randint(0, 8))
    )
    actions = tuple(
        Action(id=f"a{i}", text="A", recommendation=rnd.choice([None, *(r.id for r in recommendations)]))
        for i in range(rnd.randint(0, 12))
    )
    ids = [*sources, *(r.id for r in recommendations), *(a.id for a in actions)]
    evidence = tuple(
        Evidence(
            id=f"e{i}",
            title=f"E{i}",
            kind="audit",
            date=dt.date(2018, 1, 1),
            supports=tuple(rnd.choice(ids) for _ in range(rnd.randint(0, 3))),
        )
        for i in range(rnd.randint(0, 20))
    )
    return Board(
        board=BoardInfo(id="b", name="B", area="A"),
        partners=(Partner(id="p", name="P", sector="police"),),
        inspection_recommendations=inspection,
        recommendations=recommendations,
        actions=actions,
        evidence=evidence,
    )


@settings(max_examples=200, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_coverage_is_what_each_inspection_recommendation_asks_of_every_record(rnd: random.Random) -> None:
    board = _board(rnd)
    found = coverage(LoadedBoard(board=board, root=Path(".")), PLUGINS, dt.date(2019, 3, 31))
    assert [c.recommendation for c in found] == list(board.inspection_recommendations)
    for c in found:
        recs = tuple(r.id for r in board.recommendations if r.source == c.recommendation.id)
        actions = tuple(a for a in board.actions if a.recommendation in recs)
        linked = {c.recommendation.id, *recs, *(a.id for a in actions)}
        assert c.recommendations == recs
        assert c.actions == actions
        assert c.evidence == tuple(e for e in board.evidence if linked & set(e.supports))
