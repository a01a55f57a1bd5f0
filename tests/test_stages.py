"""Stage gating (lif_core.stages): a review's stages are ordered by its kind under its framework,
not by the order ReviewStage is defined in."""

from __future__ import annotations

import attrs
from hypothesis import given
from hypothesis import strategies as st

from lif_core import (
    LIFECYCLE,
    CaseReview,
    ReviewStage,
    StatutoryFramework,
    stage_order,
    stage_passed,
    stage_reached,
    stages_from,
)

FRAMEWORK = StatutoryFramework.from_toml(
    """
name = "test-2015"
title = "Test framework"
country = "test"
edition = "2015"
arrangement = { name = "board", title = "Board" }

[[stages]]
name = "panel"
title = "Panel"

[[review_kinds]]
name = "scr"
title = "Serious case review"
# As under Working Together 2015: the decision comes after the analysis.
stages = ["referral", "information-gathering", "analysis", "decision", "closed"]

[[review_kinds]]
name = "custom"
title = "A review with a stage of the framework's own"
stages = ["referral", "panel", "report", "closed"]
"""
)


def review(stage: str, kind: str = "scr") -> CaseReview:
    return CaseReview(id="r1", title="Child A", kind=kind, stage=stage)


@attrs.frozen
class Board:
    """Enough of a LoadedBoard for the helpers: its framework."""

    framework: StatutoryFramework | None


def test_the_kinds_order_decides_not_the_enums() -> None:
    board = Board(FRAMEWORK)
    at_analysis = review("analysis")
    # In ReviewStage's (and LIFECYCLE's) order decision comes before analysis; for this kind after.
    assert not stage_reached(at_analysis, ReviewStage.DECISION, board)
    assert stage_reached(at_analysis, ReviewStage.DECISION)  # the usual lifecycle, without a board
    assert stage_reached(review("decision"), "analysis", board)
    assert stage_passed(review("decision"), "analysis", board)
    assert not stage_passed(review("decision"), "decision", board)
    assert stage_reached(review("decision"), "decision", board)


def test_order_from_a_board_a_framework_a_sequence_or_nothing() -> None:
    assert stage_order("scr", Board(FRAMEWORK)) == (
        "referral",
        "information-gathering",
        "analysis",
        "decision",
        "closed",
    )
    assert stage_order("scr", FRAMEWORK) == stage_order("scr", Board(FRAMEWORK))
    assert stage_order("unknown-kind", FRAMEWORK) == LIFECYCLE
    assert stage_order("scr", None) == LIFECYCLE
    assert stage_order("scr", Board(None)) == LIFECYCLE
    order = ("referral", "analysis", "decision")
    assert not stage_reached(review("analysis"), "decision", order)


def test_a_stage_the_kind_skips_is_placed_by_the_usual_lifecycle() -> None:
    board = Board(FRAMEWORK)
    # "report" is not a stage of this kind: a review at closed is past it, one at analysis not.
    assert stage_reached(review("closed"), "report", board)
    assert not stage_reached(review("analysis"), "report", board)


def test_a_frameworks_own_stage_is_placed_after_the_usual_stage_before_it() -> None:
    board = Board(FRAMEWORK)
    at_panel = review("panel", kind="custom")
    assert stage_reached(at_panel, "referral", board)
    assert stage_passed(at_panel, "referral", board)
    assert not stage_reached(at_panel, "analysis", board)
    assert stage_reached(review("report", kind="custom"), "panel", board)


def test_an_unplaceable_stage_is_never_reached() -> None:
    assert not stage_reached(review("panel", kind="custom"), "nonesuch", Board(FRAMEWORK))
    assert not stage_reached(review("referral"), "nonesuch")


def test_stages_from() -> None:
    order = FRAMEWORK.stages_of("scr")
    assert stages_from("analysis", order) == ("analysis", "decision", "closed")
    assert stages_from(ReviewStage.REPORT, order) == ("closed",)
    assert stages_from("referral") == LIFECYCLE
    assert stages_from("nonesuch", order) == ()


@given(st.permutations(LIFECYCLE), st.data())
def test_reached_agrees_with_the_position_in_any_order(order: list[str], data: st.DataObject) -> None:
    current = data.draw(st.sampled_from(order))
    stage = data.draw(st.sampled_from(order))
    r = review(current)
    assert stage_reached(r, stage, order) == (order.index(current) >= order.index(stage))
    assert stage_passed(r, stage, order) == (order.index(current) > order.index(stage))
    assert (current in stages_from(stage, order)) == stage_reached(r, stage, order)
