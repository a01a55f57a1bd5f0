"""The five methodologies: each accepts a correctly run review from the Croydon example and
rejects a wrongly run one with a message naming the rule broken."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner
from lif_methodologies import METHODOLOGIES, welsh_variant

from lif_core import LoadedBoard, Plugins, load_board
from lif_core.cli import make_cli
from lif_core.model import (
    Artefact,
    CaseReview,
    Involvement,
    PlanKind,
    StatutoryPlan,
)

CROYDON = Path(__file__).resolve().parents[3] / "examples" / "croydon"
D = dt.date


@pytest.fixture(scope="module")
def croydon() -> LoadedBoard:
    return load_board(CROYDON)


def check(loaded: LoadedBoard, review_id: str, **changes: Any) -> list[str]:
    """The methodology's verdict on the review, changed as given (findings=... replaces the board's)."""
    findings = changes.pop("findings", None)
    board = loaded.board
    review = attrs.evolve(board.get(review_id), **changes)
    reviews = tuple(review if r.id == review_id else r for r in board.reviews)
    board = attrs.evolve(board, reviews=reviews, **({"findings": findings} if findings is not None else {}))
    edited = attrs.evolve(loaded, board=board)
    methodology = next(m for m in METHODOLOGIES if m.name == review.methodology)
    return [f"{p.severity}: {p.path}: {p.message}" for p in methodology.check(review, edited)]


def test_all_five_are_registered_through_the_entry_point() -> None:
    plugins = Plugins.create()
    assert {"silp", "scie-learning-together", "welsh-cpr", "root-cause-analysis", "appreciative-inquiry"} <= set(
        plugins.methodologies.names()
    )
    assert plugins.methodologies.plugin_of("silp") == "methodologies"
    result = CliRunner().invoke(make_cli(plugins), ["plugins", "--json"])
    entry = next(p for p in json.loads(result.stdout) if p["name"] == "methodologies")
    assert entry["kind"] == "entry-point" and entry["hooks"] == ["register_methodologies"]
    assert len([p for p in entry["provides"] if p.startswith("methodology:")]) == 5
    for m in METHODOLOGIES:
        assert m.title and m.description and m.stages and m.roles and m.participants and m.artefacts


@pytest.mark.parametrize(
    "review_id", ["scr-child-f", "lr-young-person-k", "cpr-child-s", "rca-child-t", "ai-early-help"]
)
def test_croydon_reviews_are_run_correctly(croydon: LoadedBoard, review_id: str) -> None:
    assert check(croydon, review_id) == []


def test_silp_rules(croydon: LoadedBoard) -> None:
    review = croydon.board.get("scr-child-f")
    no_recall = tuple(e for e in review.practitioner_events if e.kind.value != "recall-day")
    assert check(croydon, "scr-child-f", practitioner_events=no_recall) == [
        "error: reviews[0].practitioner_events: [SILP: recall day] no recall day has been held "
        "(practitioner_events kind 'recall-day')"
    ]
    unaccredited = tuple(attrs.evolve(r, accredited_by="") for r in review.reviewers)
    assert check(croydon, "scr-child-f", reviewers=unaccredited) == [
        "error: reviews[0].reviewers: [SILP: accredited lead reviewer] needs a lead reviewer independent and "
        "accredited by SILP; has 0"
    ]


def test_scie_rules(croydon: LoadedBoard) -> None:
    review = croydon.board.get("lr-young-person-k")
    assert check(croydon, "lr-young-person-k", reviewers=review.reviewers[:1]) == [
        "error: reviews[1].reviewers: [SCIE: two accredited reviewers] needs 2 lead reviewers independent and "
        "accredited by SCIE; has 1"
    ]
    imr = (Artefact(kind="individual-management-review"),)
    assert check(croydon, "lr-young-person-k", artefacts=imr) == [
        "error: reviews[1].artefacts: [SCIE: no individual management reviews] Learning Together does not use "
        "individual management reviews: work through the review team"
    ]


def _welsh(croydon: LoadedBoard, **changes: Any) -> CaseReview:
    return attrs.evolve(croydon.board.get("cpr-child-s"), **changes)


def test_welsh_six_month_rule(croydon: LoadedBoard) -> None:
    # Incident 3 Sep 2018: the window is 3 Mar 2018 to 3 Sep 2018.
    assert welsh_variant(_welsh(croydon)) == "extended"  # a plan until 10 May 2018
    assert welsh_variant(_welsh(croydon, statutory_plans=())) == "concise"
    ended_on_window_start = (
        StatutoryPlan(kind=PlanKind.CHILD_PROTECTION_PLAN, start=D(2017, 1, 1), end=D(2018, 3, 3)),
    )
    assert welsh_variant(_welsh(croydon, statutory_plans=ended_on_window_start)) == "extended"
    ended_before = (StatutoryPlan(kind=PlanKind.CHILD_PROTECTION_PLAN, start=D(2017, 1, 1), end=D(2018, 3, 2)),)
    assert welsh_variant(_welsh(croydon, statutory_plans=ended_before)) == "concise"
    looked_after = (StatutoryPlan(kind=PlanKind.LOOKED_AFTER, start=D(2018, 8, 1)),)
    assert welsh_variant(_welsh(croydon, statutory_plans=looked_after)) == "extended"
    cin_plan_only = (StatutoryPlan(kind=PlanKind.CHILD_IN_NEED_PLAN, start=D(2018, 8, 1)),)
    assert welsh_variant(_welsh(croydon, statutory_plans=cin_plan_only)) == "concise"
    started_after = (StatutoryPlan(kind=PlanKind.CHILD_PROTECTION_PLAN, start=D(2018, 9, 4)),)
    assert welsh_variant(_welsh(croydon, statutory_plans=started_after)) == "concise"


def test_welsh_concise_review_with_one_reviewer_is_fine(croydon: LoadedBoard) -> None:
    review = croydon.board.get("cpr-child-s")
    assert (
        check(
            croydon, "cpr-child-s", statutory_plans=(), options={"variant": "concise"}, reviewers=review.reviewers[:1]
        )
        == []
    )


def test_welsh_extended_needs_two_reviewers_and_the_right_variant(croydon: LoadedBoard) -> None:
    review = croydon.board.get("cpr-child-s")
    assert check(croydon, "cpr-child-s", reviewers=review.reviewers[:1]) == [
        "error: reviews[3].reviewers: [Welsh CPR: concise or extended (6-month rule)] an extended review is "
        "undertaken by two reviewers; has 1"
    ]
    assert check(croydon, "cpr-child-s", options={"variant": "concise"}) == [
        "error: reviews[3].options: [Welsh CPR: concise or extended (6-month rule)] declared 'concise' but the "
        "6-month rule makes it 'extended' (a child protection plan or being looked after in the 6 months before "
        "the incident)"
    ]
    assert check(croydon, "cpr-child-s", statutory_plans=(), options={"variant": "extended"}) == [
        "error: reviews[3].options: [Welsh CPR: concise or extended (6-month rule)] declared 'extended' but the "
        "6-month rule makes it 'concise' (no child protection plan and not looked after in the 6 months before "
        "the incident)"
    ]
    assert check(croydon, "cpr-child-s", options={"variant": "long"}) == [
        "error: reviews[3].options.variant: 'long' is not one of 'concise', 'extended'",
        "error: reviews[3].options: [Welsh CPR: concise or extended (6-month rule)] declared 'long' but the "
        "6-month rule makes it 'extended' (a child protection plan or being looked after in the 6 months before "
        "the incident)",
    ]
    no_incident = attrs.evolve(review.dates, incident=None)
    assert (
        "[Welsh CPR: concise or extended (6-month rule)] the incident date is needed"
        in check(croydon, "cpr-child-s", dates=no_incident)[0]
    )
    assert check(croydon, "cpr-child-s", artefacts=review.artefacts[:1]) == [
        "error: reviews[3].artefacts: [Welsh CPR: summary timeline] the summary-timeline is missing "
        "(artefacts kind 'summary-timeline')"
    ]


def test_root_cause_analysis_needs_6m_categories(croydon: LoadedBoard) -> None:
    findings = tuple(attrs.evolve(f, category="money") if f.id == "f-rca-t-1" else f for f in croydon.board.findings)
    assert check(croydon, "rca-child-t", findings=findings) == [
        "error: reviews[4].id: [RCA: fishbone (6M categories)] finding f-rca-t-1: category 'money' is not one of "
        "the 6M: people, process, equipment, environment, materials, management"
    ]
    uncategorised = tuple(attrs.evolve(f, category="") for f in croydon.board.findings)
    assert check(croydon, "rca-child-t", findings=uncategorised) == [
        "error: reviews[4].id: [RCA: fishbone (6M categories)] no finding is placed in a fishbone category "
        "(set findings[].category to one of the 6M)"
    ]


def test_appreciative_inquiry_rules(croydon: LoadedBoard) -> None:
    assert check(croydon, "ai-early-help", options={}) == [
        "error: reviews[5].options: [AI: affirmative topic] set options.affirmative_topic: the positive question "
        "the inquiry explores"
    ]
    topic = croydon.board.get("ai-early-help").options["affirmative_topic"]
    assert check(croydon, "ai-early-help", options={"affirmative_topic": topic, "phase": "dreaming", "x": 1}) == [
        "error: reviews[5].options.phase: 'dreaming' is not one of 'discovery', 'dream', 'design', 'destiny'",
        "error: reviews[5].options.x: Appreciative Inquiry (4-D) has no option 'x'; its options: affirmative_topic, "
        "phase",
    ]
    at_analysis = check(croydon, "ai-early-help", stage="analysis", stage_log=())
    assert at_analysis == [
        "error: reviews[5].practitioner_events: [practitioners' experience informs the review] "
        "front-line practitioners have not been involved",
        "error: reviews[5].artefacts: [AI: single-agency chronologies] the chronology is missing "
        "(artefacts kind 'chronology')",
        "error: reviews[5].practitioner_events: [AI: whole-system session] no whole-system session has been held "
        "(practitioner_events kind 'whole-system-session')",
    ]


def test_shared_principles_and_conduct_rules(croydon: LoadedBoard) -> None:
    review = croydon.board.get("rca-child-t")
    not_independent = tuple(attrs.evolve(r, independent=False) for r in review.reviewers)
    assert check(croydon, "rca-child-t", reviewers=not_independent) == [
        "error: reviews[4].reviewers: [independent lead reviewer] no lead reviewer independent of the case "
        "and of the agencies reviewed"
    ]
    assert check(
        croydon, "rca-child-t", child_views=Involvement.NOT_SOUGHT, family_involvement=Involvement.NOT_YET_SOUGHT
    ) == [
        "error: reviews[4].child_views: [the child's views are sought] the child's views have not been "
        "sought (not-sought)",
        "warning: reviews[4].family_involvement: [family involvement (quality marker 12)] the family has not been "
        "invited to contribute",
    ]
    no_good_practice = tuple(attrs.evolve(f, good_practice=False) for f in croydon.board.findings)
    assert check(croydon, "rca-child-t", findings=no_good_practice) == [
        "warning: reviews[4].id: [good practice identified and celebrated] no finding identifies good "
        "practice to share and celebrate"
    ]
    # Rules wait for their stage: at commissioning, no practitioner event is needed yet.
    assert check(croydon, "rca-child-t", stage="commissioning", stage_log=(), practitioner_events=()) == []
    embedding = check(croydon, "scr-child-f", stage="evaluation", stage_log=(), artefacts=())
    assert embedding == [
        "error: reviews[0].artefacts: [learning cascaded] no briefing cascades the learning "
        "(e.g. a seven-minute-briefing artefact)",
        "error: reviews[0].artefacts: [SILP: agency reports] the agency-report is missing "
        "(artefacts kind 'agency-report')",
    ]


def test_a_wrongly_run_review_fails_validation_naming_review_field_and_rule(tmp_path: Path) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    register = board / "register.toml"
    text = register.read_text()
    text = text.replace('accredited_by = "SCIE" },\n]', 'accredited_by = "" },\n]', 1)
    register.write_text(text)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(board)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "register.toml: reviews[1].reviewers: [SCIE: two accredited reviewers] needs 2 lead reviewers independent "
        "and accredited by SCIE; has 1"
    )
