"""Review input errors name the review and field; lif reviews and lif audits; review checks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import BoardInvalid, Plugins, load_board, validate_board
from lif_core.cli import make_cli

from .conftest import CROYDON

MakeBoard = Callable[..., Path]

REVIEW = """
[[reviews]]
id = "rv"
title = "Child Q"
kind = "learning-review"
"""


def errors(root: Path) -> list[str]:
    with pytest.raises(BoardInvalid) as info:
        load_board(root)
    return [str(p) for p in info.value.problems]


def test_a_stage_out_of_order_names_the_review_and_field(make_board: MakeBoard) -> None:
    root = make_board(
        REVIEW + 'stage = "decision"\n'
        'stage_log = [{ stage = "analysis", date = 2019-01-01 }, { stage = "decision", date = 2019-02-01 }]\n'
    )
    # The order is the review kind's, from the board's statutory framework: checked with plugins.
    (problem,) = validate_board(root, Plugins.create()).errors
    assert str(problem).startswith(
        "board.toml: reviews[0].stage_log[1].stage: 'decision' cannot follow 'analysis': a learning review runs "
        "referral -> decision"
    )


def test_a_date_before_its_predecessor_names_the_review_and_field(make_board: MakeBoard) -> None:
    root = make_board(
        REVIEW + 'stage = "decision"\n'
        'stage_log = [{ stage = "referral", date = 2019-02-01 }, { stage = "decision", date = 2019-01-15 }]\n'
    )
    assert errors(root) == [
        "board.toml: reviews[0].stage_log[1].date: 2019-01-15 is before the previous stage's date 2019-02-01: "
        "stage changes must be in date order"
    ]
    dates = make_board(REVIEW + "dates = { incident = 2019-03-01, notified = 2019-02-27 }\n")
    result = validate_board(dates, Plugins.create())
    assert [str(p) for p in result.errors] == [
        "board.toml: reviews[0].dates.notified: 2019-02-27 is before incident (2019-03-01): check both dates"
    ]


def test_an_unknown_methodology_names_the_review_and_field(make_board: MakeBoard) -> None:
    root = make_board(REVIEW + 'methodology = "silpp"\n')
    (problem,) = validate_board(root, Plugins.create()).problems
    assert str(problem).startswith(
        "board.toml: reviews[0].methodology: no methodology named 'silpp' is installed (did you mean 'silp'?); "
        "installed: appreciative-inquiry, root-cause-analysis, scie-learning-together, silp, welsh-cpr"
    )


def test_quality_markers_are_checked(make_board: MakeBoard) -> None:
    root = make_board(
        REVIEW + 'quality = [{ marker = "referral", rating = "met" }, { marker = "referral", rating = "met" }, '
        '{ marker = "speed", rating = "met" }]\n'
    )
    assert [str(p) for p in validate_board(root, Plugins.create()).errors] == [
        "board.toml: reviews[0].quality[1].marker: 'referral' is assessed twice",
        "board.toml: reviews[0].quality[2].marker: 'speed' is not one of the 18 quality markers: advising-board-members, "
        "analysis, assembling-information, board-written-response, clarity-of-purpose, commissioning, decision-making, "
        "family-involvement, governance, implementation-and-evaluation, improvement-action, informing-the-family, "
        "management, parallel-processes, practitioner-involvement, publication, referral, report",
    ]


def test_too_many_recommendations_warn(make_board: MakeBoard) -> None:
    recs = "".join(
        f'[[recommendations]]\nid = "r{i}"\nsource = "rv"\nkind = "professional-action"\ntext = "Update procedure {i}"\n'
        for i in range(4)
    )
    root = make_board(REVIEW + recs + "[settings]\nrecommendation_warning = 3\n")
    (warning,) = validate_board(root, Plugins.create()).warnings
    assert str(warning).startswith(
        "warning: board.toml: reviews[0].id: 4 recommendations (the board's limit is 3): many recommendations"
    )
    assert warning.source == "recommendation-count"


def test_reviews_command() -> None:
    cli = make_cli(Plugins.create())
    result = CliRunner().invoke(cli, ["reviews", str(CROYDON)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "As at 2019-03-31; clocks in working days (Monday to Friday, less England's bank holidays)" in out
    assert "rapid_review (due 2019-01-25)" in out  # Baby M's rapid review is overdue
    assert "notification to the Panel (5 working days): met 3 working day(s) late on 2019-01-04, due 2018-12-31" in out
    assert "met 4/18, partly 1, not met 1, not yet assessed 12" in out  # Child F's quality checklist
    one = CliRunner().invoke(cli, ["reviews", str(CROYDON), "cpr-child-s", "--as-of", "2018-10-01", "-f", "json"])
    data = json.loads(one.stdout)
    (row,) = data["sections"][0]["blocks"][0]["rows"]
    assert row[:4] == ["cpr-child-s", "Learning review", "welsh-cpr", "analysis"]
    missing = CliRunner().invoke(cli, ["reviews", str(CROYDON), "nope"])
    assert missing.exit_code == 1 and "no review 'nope' in this board" in missing.stderr


def test_reviews_command_shows_a_wrongly_run_review(tmp_path: Path) -> None:
    import shutil

    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    register = board / "register.toml"
    register.write_text(
        register.read_text().replace('{ kind = "recall-day", date = 2017-07-03, attendees = 14 },\n', "")
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["reviews", str(board), "scr-child-f"])
    assert result.exit_code == 0, result.output
    assert "1 error(s), 0 warning(s)" in result.stdout
    assert "[SILP: recall day] no recall day has been held" in result.stdout


def test_audits_command() -> None:
    cli = make_cli(Plugins.create())
    result = CliRunner().invoke(cli, ["audits", str(CROYDON), "-f", "json"])
    assert result.exit_code == 0, result.output
    completed, planned, joins = json.loads(result.stdout)["sections"]
    (maca,) = completed["blocks"][0]["rows"]
    assert maca[5].startswith("recognition: good; assessment: requires-improvement")
    assert len(planned["blocks"][0]["rows"]) == 3
    assert joins["blocks"][0]["items"] == [
        "croydon-health-services (Recording the voice of the child in health visiting records) and "
        "lbc-childrens-services (Children's participation in child protection conferences) share voice-of-the-child: "
        "consider one joint audit"
    ]
    assert CliRunner().invoke(cli, ["audits", str(CROYDON)]).exit_code == 0
