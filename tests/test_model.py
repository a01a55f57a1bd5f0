"""Validators of the domain model: each names the field and says what to do."""

from __future__ import annotations

import datetime as dt

import pytest

from lif_core import model
from lif_core.model import FieldError

D = dt.date


def test_identifiers_are_checked() -> None:
    with pytest.raises(FieldError, match="not a valid identifier") as info:
        model.Partner(id="has space", name="P", sector=model.Sector.POLICE)
    assert info.value.parts == ("id",)
    model.Partner(id="a.b_c-1", name="P", sector=model.Sector.POLICE)


def test_blank_required_text_is_refused() -> None:
    with pytest.raises(FieldError, match="must not be blank"):
        model.Partner(id="p", name="   ", sector=model.Sector.POLICE)


def test_review_stage_must_match_its_log_and_dates_run_forward() -> None:
    log = (
        model.StageChange(stage=model.ReviewStage.REFERRAL, date=D(2018, 1, 1)),
        model.StageChange(stage=model.ReviewStage.DECISION, date=D(2018, 1, 20)),
    )
    model.CaseReview(
        id="r", title="Child A", kind=model.ReviewKind.RAPID_REVIEW, stage=model.ReviewStage.DECISION, stage_log=log
    )
    with pytest.raises(FieldError, match="last stage_log entry is 'decision'") as info:
        model.CaseReview(
            id="r", title="Child A", kind=model.ReviewKind.RAPID_REVIEW, stage=model.ReviewStage.REPORT, stage_log=log
        )
    assert info.value.parts == ("stage",)
    with pytest.raises(FieldError, match="'referral' cannot follow 'decision'") as info:
        model.CaseReview(
            id="r",
            title="Child A",
            kind=model.ReviewKind.RAPID_REVIEW,
            stage=model.ReviewStage.REFERRAL,
            stage_log=log[::-1],
        )
    assert info.value.parts == ("stage_log", 1, "stage")
    backwards = (log[0], model.StageChange(stage=model.ReviewStage.DECISION, date=D(2017, 12, 31)))
    with pytest.raises(FieldError, match="2017-12-31 is before the previous stage's date 2018-01-01") as info:
        model.CaseReview(
            id="r",
            title="Child A",
            kind=model.ReviewKind.RAPID_REVIEW,
            stage=model.ReviewStage.DECISION,
            stage_log=backwards,
        )
    assert info.value.parts == ("stage_log", 1, "date")


def test_action_status_must_match_its_log() -> None:
    log = (model.StatusChange(status=model.ActionStatus.IN_PROGRESS, date=D(2018, 1, 1)),)
    with pytest.raises(FieldError, match="add a dated status_log entry"):
        model.Action(id="a", text="t", status=model.ActionStatus.COMPLETED, status_log=log)


def test_section11_scores_must_be_on_the_scale() -> None:
    ret = model.Section11Return(
        partner="p", scores=(model.StandardScore(standard="s1", self_assessed="green", moderated="purple"),)
    )
    with pytest.raises(FieldError, match="'purple' is not on the rag scale") as info:
        model.Section11Audit(id="s", cycle="2017-20", scale=model.Section11Scale.RAG, returns=(ret,))
    assert info.value.parts == ("returns", 0, "scores", 0, "moderated")
    score = model.StandardScore(standard="s1", self_assessed="2")
    model.Section11Audit(
        id="s",
        cycle="c",
        scale=model.Section11Scale.SCORE_0_3,
        returns=(model.Section11Return(partner="p", scores=(score,)),),
    )


def test_measure_periods_are_unique() -> None:
    obs = model.Observation(period="2017-18", value=1.0)
    with pytest.raises(FieldError, match=r"already has a value at values\[0\]"):
        model.Measure(
            id="m",
            title="t",
            quadrant=model.Quadrant.HOW_MUCH,
            polarity=model.Polarity.NEITHER,
            unit=model.Unit.COUNT,
            frequency=model.Frequency.ANNUAL,
            values=(obs, obs),
        )


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "../outside.csv", "data/../../x.csv", "C:/x.csv", "\\\\server\\x.csv", " "]
)
def test_source_paths_stay_inside_the_board(path: str) -> None:
    with pytest.raises(FieldError):
        model.Source(id="s", adapter="csv", path=path)


def test_counts_are_not_negative() -> None:
    with pytest.raises(FieldError, match="must be 0 or more"):
        model.Course(id="c", title="t", attended=-1)


def test_board_lookups() -> None:
    board = model.Board(
        board=model.BoardInfo(id="b", name="B", area="A"),
        partners=(model.Partner(id="p", name="P", sector=model.Sector.POLICE),),
    )
    assert board.get("p").name == "P"
    assert board.index()["p"][0] == "partners"
    assert board.where("partners", lambda p: p.sector is model.Sector.POLICE)[0].id == "p"
    with pytest.raises(KeyError):
        board.collection("nonsense")
