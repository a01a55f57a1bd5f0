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
    # The order of stages belongs to the review's kind (its framework): see test_frameworks.py.
    log = (
        model.StageChange(stage="referral", date=D(2018, 1, 1)),
        model.StageChange(stage="decision", date=D(2018, 1, 20)),
    )
    model.CaseReview(id="r", title="Child A", kind="rapid-review", stage="decision", stage_log=log)
    with pytest.raises(FieldError, match="last stage_log entry is 'decision'") as info:
        model.CaseReview(id="r", title="Child A", kind="rapid-review", stage="report", stage_log=log)
    assert info.value.parts == ("stage",)
    backwards = (log[0], model.StageChange(stage="decision", date=D(2017, 12, 31)))
    with pytest.raises(FieldError, match="2017-12-31 is before the previous stage's date 2018-01-01") as info:
        model.CaseReview(id="r", title="Child A", kind="rapid-review", stage="decision", stage_log=backwards)
    assert info.value.parts == ("stage_log", 1, "date")
    with pytest.raises(FieldError, match="not a valid identifier"):
        model.StageChange(stage="no stage", date=D(2018, 1, 1))


def test_action_status_must_match_its_log() -> None:
    log = (model.StatusChange(status=model.ActionStatus.IN_PROGRESS, date=D(2018, 1, 1)),)
    with pytest.raises(FieldError, match="add a dated status_log entry"):
        model.Action(id="a", text="t", status=model.ActionStatus.COMPLETED, status_log=log)


def test_closures_run_forward_and_are_bounded() -> None:
    with pytest.raises(FieldError, match="is before first") as info:
        model.Settings(closures=(model.Closure(name="Christmas", first=D(2026, 12, 24), last=D(2026, 12, 20)),))
    assert info.value.parts == ("closures", 0, "last")
    with pytest.raises(FieldError, match="at most a year"):
        model.Settings(closures=(model.Closure(name="x", first=D(2026, 1, 1), last=D(2028, 1, 1)),))
    closure = model.Closure(name="Christmas", first=D(2026, 12, 29), last=D(2026, 12, 31))
    assert closure.days() == [D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31)]


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
