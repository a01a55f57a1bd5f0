"""Scorecard arithmetic (worked by hand), the Croydon scorecard, and lif data / lif measures."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from lif_core import Plugins, load_board
from lif_core.cli import make_cli
from lif_core.measures import score, scorecard, tidy_period
from lif_core.model import Comparator, Frequency, Measure, Observation, Polarity, Quadrant, Target, Unit

from .conftest import CROYDON, TEST_KEY


def measure(polarity: Polarity = Polarity.HIGHER_IS_BETTER, target: float | None = 75.0, **kw: object) -> Measure:
    return Measure(
        id="m",
        title="Practice change",
        quadrant=Quadrant.BETTER_OFF_PERCENT,
        polarity=polarity,
        unit=Unit.PERCENT,
        frequency=Frequency.ANNUAL,
        baseline=Observation(period="2016-17", value=58.0),
        target=None if target is None else Target(value=target, by="2018-19"),
        **kw,  # type: ignore[arg-type]
    )


SERIES = [("2016-17", 58.0), ("2017-18", 64.0), ("2018-19", 71.0)]


def test_scorecard_arithmetic() -> None:
    m = measure(comparators=(Comparator(kind="england", period="2018-19", value=70.0),))
    s = score(m, SERIES)
    assert s.latest == ("2018-19", 71.0)
    assert s.baseline_change == 22.4  # (71 - 58) / 58 = 0.2241
    assert s.variance == -5.3  # (71 - 75) / 75 = -0.0533
    assert s.percent_of_target == 94.7  # 71 / 75 = 0.9467
    assert (s.direction, s.run, s.trend) == ("up", 2, "improving")
    assert s.rag == "red"  # 4 short of 75 is more than 5% of it (3.75)
    assert s.comparisons == (("england", 70.0, "better"),)
    assert s.prompts == ("red: 71% in 2018-19 against a target of 75% (-5.3%)",)
    assert s.successes == ("improving for 2 periods running, to 71%", "better than england (70%)")
    assert score(measure(amber_margin=0.1), SERIES).rag == "amber"  # within 7.5 of 75
    assert score(measure(target=70.0), SERIES).rag == "green"


def test_lower_is_better_and_worsening() -> None:
    down = score(measure(Polarity.LOWER_IS_BETTER, 20.0), [("a", 24.1), ("b", 22.8), ("c", 21.5)])
    assert (down.variance, down.rag, down.trend, down.run) == (7.5, "red", "improving", 2)
    worse = score(measure(target=None), [("a", 10.0), ("b", 12.0), ("c", 11.0)])
    assert (worse.direction, worse.run, worse.trend, worse.rag) == ("down", 1, "worsening", "none")
    assert worse.prompts == ("worsening for 1 period running, to 11%",)
    empty = score(measure(), [])
    assert empty.latest is None and empty.prompts == ("no data yet: nothing shows whether it is changing",)


def test_tidy_periods() -> None:
    assert (
        tidy_period("201819") == "2018-19" and tidy_period("201899") == "201899" and tidy_period("2019-Q1") == "2019-Q1"
    )


def test_croydon_scorecard_has_every_measure() -> None:
    loaded = load_board(CROYDON)
    scores = {s.measure.id: s for s in scorecard(loaded, Plugins.create())}
    assert set(scores) == {m.id for m in loaded.board.measures}
    early = scores["m-early-help-assessments"]  # from the tidy dataset, 2014-15 to 2018-19
    assert early.series[0] == ("2014-15", 1280.0) and early.latest == ("2018-19", 2045.0)
    assert (early.direction, early.run) == ("up", 4)
    interviews = scores["m-return-interviews"]
    assert interviews.rag == "amber" and interviews.variance == -3.6  # (81.9 - 85) / 85
    rate = scores["m-referral-rate"]  # computed from the case-level extract, per 10,000 children
    assert rate.latest is not None and rate.latest[0] == "2018-19"
    for s in scores.values():
        assert s.latest is not None, s.measure.id


def test_lif_measures_shows_trend_variance_and_rag_for_every_measure() -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["measures", str(CROYDON), "-f", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    table = data["sections"][0]["blocks"][0]
    assert table["columns"][6:10] == ["Variance from target (% of target)", "% of target", "Trend", "RAG"]
    assert len(table["rows"]) == len(load_board(CROYDON).board.measures)
    assert all(row[9] in {"GREEN", "AMBER", "RED", "NONE"} and row[8] for row in table["rows"])
    text = CliRunner().invoke(make_cli(Plugins.create()), ["measures", str(CROYDON)]).stdout
    assert "Prompts where improvement is needed" in text and "Successes" in text


def test_lif_data_reports_rows_and_problems(tmp_path: Path) -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(CROYDON), "--no-progress", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {r[0]: r for r in json.loads(result.stdout)["sections"][0]["blocks"][0]["rows"]}
    assert rows["dataset"][3:7] == [16, 16, 0, 0]
    assert rows["cin-referrals"][3] > 1000 and rows["cin-referrals"][7] == "read"
    # A broken source fails the command, naming file, line and column, and the others still read.
    board = tmp_path / "b"
    board.mkdir()
    (board / "bad.csv").write_text("child,day\nA1,2019-01-01\nA2,not a date\n")
    (board / "board.toml").write_text(
        '[board]\nid = "b"\nname = "B"\narea = "A"\n[[sources]]\nid = "bad"\nadapter = "csv"\npath = "bad.csv"\n'
        'fields = { child = "child-id", day = "date" }\n'
    )
    failed = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(board), "--no-progress"])
    assert failed.exit_code == 1
    assert "bad.csv: line 3: day: 'not a date' is not a date in the form %Y-%m-%d" in failed.stdout
    assert "one or more sources could not be read" in failed.stderr
    progress = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(CROYDON), "--progress"])
    assert progress.exit_code == 0 and "cin-referrals" in progress.stderr
    assert TEST_KEY not in progress.output and not re.search(r"FAKE\d{7}", progress.output)


def test_measure_feeds_are_checked(make_board) -> None:  # type: ignore[no-untyped-def]
    from lif_core import validate_board

    root = make_board(
        '[[measures]]\nid = "m"\ntitle = "T"\nquadrant = "how-much"\npolarity = "neither"\nunit = "count"\n'
        'frequency = "annual"\nindicator = "re-referalls"\nselect = { a = "b" }\n'
    )
    assert [str(p) for p in validate_board(root, Plugins.create()).errors] == [
        "board.toml: measures[0].indicator: no indicator 're-referalls' (did you mean 're-referrals-12m'?); known: "
        "assessments-45-days, cp-plans-2-years, placement-stability-3plus, placement-stability-long-term, "
        "re-referrals-12m, referrals, repeat-cp-plans",
        "board.toml: measures[0].source: indicator and select need a source to read",
        "board.toml: measures[0].select: give either indicator (case-level) or select (aggregate), not both",
    ]
