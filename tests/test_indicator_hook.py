"""The indicator hook (register_indicators): a third party's indicator computed for a measure end
to end (the documented example of docs/plugins.md, as a board's local plugin and installed),
failures inside a plugin's accumulator named by plugin and hook in one line, duplicate and
unknown names, and a source read once however many indicators read it, as source or as input."""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from lif_core import LifError, PluginError, Plugins, hookimpl, open_board, validate_board
from lif_core.cli import make_cli
from lif_core.extensions import Indicator
from lif_core.indicators import Accumulator, IndicatorResult, IndicatorRow, percentage, period_key
from lif_core.measures import IndicatorRequest, compute_indicators, scorecard

from .conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "indicator"
MakeBoard = Callable[..., Path]


def _load_example_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "riverside_indicators", EXAMPLE / "plugins" / "riverside_indicators.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _latest(output: str) -> dict[str, str]:
    table = json.loads(output)["sections"][0]["blocks"][0]
    column = table["columns"].index("Latest")
    return {row[0]: row[column] for row in table["rows"]}


def _needs_met_by_hand() -> dict[str, tuple[int, int]]:
    """The example's figures counted straight from its CSV, by quarter: (needs met, closed)."""
    met: Counter[str] = Counter()
    closed: Counter[str] = Counter()
    with (EXAMPLE / "data" / "early-help.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if not row["closed"]:
                continue
            day = dt.datetime.strptime(row["closed"], "%d/%m/%Y").date()
            quarter = f"{day.year}-Q{(day.month - 1) // 3 + 1}"
            closed[quarter] += 1
            met[quarter] += row["outcome"] == "needs-met"
    return {q: (met[q], closed[q]) for q in closed}


def test_the_documented_indicator_computes_its_measure_end_to_end(tmp_path: Path) -> None:
    """The example board of docs/plugins.md, its plugin local: `lif validate` accepts it and
    `lif measures` shows the figure counted by hand from the CSV."""
    board = tmp_path / "indicator"
    shutil.copytree(EXAMPLE, board)
    plugins = Plugins.create()
    checked = validate_board(board, plugins)
    assert checked.ok, [str(p) for p in checked.errors]
    result = CliRunner().invoke(make_cli(plugins), ["measures", str(board), "-f", "json"])
    assert result.exit_code == 0, result.output
    by_hand = _needs_met_by_hand()
    last = max(by_hand)
    assert _latest(result.stdout)["Early help closed with the family's needs met"] == (
        f"{percentage(*by_hand[last]):g}% ({last})"
    )
    loaded = open_board(board, plugins)
    (score,) = scorecard(loaded, plugins, disclosure_control=False)
    assert dict(score.series) == {q: percentage(m, n) for q, (m, n) in by_hand.items()}
    assert "episodes not closed yet" in " ".join(p.message for p in score.problems)
    assert plugins.indicators.plugin_of("riverside-early-help-needs-met") == "local:plugins/riverside_indicators.py"


def test_the_documented_indicator_installed(tmp_path: Path) -> None:
    """The same module registered as an installed distribution's entry point would be."""
    board = tmp_path / "indicator"
    shutil.copytree(EXAMPLE, board)
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace('local = ["plugins/riverside_indicators.py"]', "local = []")
    )
    host = Plugins.create()
    host.register(_load_example_module(), name="riverside-indicators", kind="entry-point")
    result = CliRunner().invoke(make_cli(host), ["measures", str(board), "-f", "json"])
    assert result.exit_code == 0, result.output
    by_hand = _needs_met_by_hand()
    assert _latest(result.stdout)["Early help closed with the family's needs met"].endswith(f"({max(by_hand)})")
    plugins_out = CliRunner().invoke(make_cli(host), ["plugins"])
    assert "riverside-indicators" in plugins_out.output and "register_indicators" in plugins_out.output
    # A frequency the indicator is not counted by is refused, naming the measure's key.
    toml.write_text(toml.read_text(encoding="utf-8").replace('frequency = "quarterly"', 'frequency = "monthly"'))
    errors = [str(p) for p in validate_board(board, host).errors]
    assert errors == [
        "board.toml: measures[0].frequency: indicator 'riverside-early-help-needs-met' is counted 'quarterly' or "
        "'annual' only, not 'monthly'"
    ]


# --------------------------------------------------------------------------- a test plugin


class Visits(Accumulator):
    """Counts home visits by period; fails where it is told to."""

    fields = ("day",)

    def __init__(self, frequency: str, fail: str = "") -> None:
        self.frequency, self.fail = frequency, fail
        self.counts: Counter[str] = Counter()

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        if self.fail == "feed":
            raise ZeroDivisionError("division by zero")
        for (day,) in rows:
            self.counts[period_key(day, self.frequency)] += 1

    def result(self) -> IndicatorResult:
        if self.fail == "result":
            raise KeyError("visits")
        if self.fail == "type":
            return {"not": "a result"}  # type: ignore[return-value]
        rows = tuple(IndicatorRow(p, "", n, n, float(n)) for p, n in sorted(self.counts.items()))
        return IndicatorResult("visits", "Visits", "count", rows, frequency=self.frequency, parts=("visits", "visits"))


def _visits(name: str, fail: str = "") -> Indicator:
    return Indicator(name, "Visits", "Home visits by the period of the visit.", "count", lambda f: Visits(f, fail))


def _plugin(*indicators: Indicator) -> object:
    class P:
        @hookimpl
        def register_indicators(self, register: Callable[[Indicator], None]) -> None:
            for indicator in indicators:
                register(indicator)

    return P()


VISITS = (
    '\n[[sources]]\nid = "visits"\nadapter = "csv"\npath = "visits.csv"\n'
    'fields = { child = "child-id", day = "date" }\n'
    '\n[[measures]]\nid = "m-visits"\ntitle = "Visits"\nquadrant = "how-much"\npolarity = "neither"\n'
    'unit = "count"\nfrequency = "annual"\nsource = "visits"\nindicator = "{name}"\n'
)
VISIT_ROWS = "child,day\n" + "".join(f"C{i},2019-{1 + i % 12:02d}-10\n" for i in range(40))


@pytest.mark.parametrize(
    ("fail", "message"),
    [
        ("feed", "ZeroDivisionError: division by zero"),
        ("result", "KeyError: 'visits'"),
        ("type", "TypeError: result() gave dict, not an IndicatorResult"),
    ],
)
def test_a_failing_accumulator_is_one_line_naming_plugin_and_hook(
    make_board: MakeBoard, fail: str, message: str
) -> None:
    root = make_board(VISITS.replace("{name}", "visits"), **{"visits.csv": VISIT_ROWS})
    plugins = Plugins.create()
    plugins.register(_plugin(_visits("visits", fail)), name="home-visits")
    result = CliRunner().invoke(make_cli(plugins), ["measures", str(root)])
    assert result.exit_code == 1
    assert result.stderr == (
        f'Error: plugin "home-visits" in hook "register_indicators (indicator \'visits\')": {message}\n'
    )
    assert "Traceback" not in result.output


def test_a_failing_accumulator_factory_is_named(make_board: MakeBoard) -> None:
    def broken(frequency: str) -> Accumulator:
        raise RuntimeError("no such table")

    root = make_board(VISITS.replace("{name}", "visits"), **{"visits.csv": VISIT_ROWS})
    plugins = Plugins.create()
    plugins.register(_plugin(Indicator("visits", "V", "d", "count", broken)), name="home-visits")
    with pytest.raises(
        PluginError,
        match=r"^plugin \"home-visits\" in hook \"register_indicators \(indicator 'visits'\)\": RuntimeError: no such",
    ):
        validate_board(root, plugins)
    plugins = Plugins.create()
    plugins.register(_plugin(Indicator("visits", "V", "d", "count", lambda f: object())), name="home-visits")
    with pytest.raises(PluginError, match=r"TypeError: accumulator\(\) gave object, not an Accumulator"):
        scorecard(open_board(root, plugins), plugins)


def test_a_plugin_indicator_counts_through_the_scorecard(make_board: MakeBoard) -> None:
    root = make_board(VISITS.replace("{name}", "visits"), **{"visits.csv": VISIT_ROWS})
    plugins = Plugins.create()
    plugins.register(_plugin(_visits("visits")), name="home-visits")
    assert validate_board(root, plugins).ok
    (score,) = scorecard(open_board(root, plugins), plugins)
    assert score.series == (("2018-19", 12.0), ("2019-20", 28.0))  # January-March 2019; April-December


def test_duplicate_names_are_refused_naming_both_plugins() -> None:
    plugins = Plugins.create()
    plugins.register(_plugin(_visits("visits")), name="first")
    plugins.register(_plugin(_visits("visits")), name="second")
    with pytest.raises(PluginError) as info:
        plugins.indicators  # noqa: B018 - built on first use
    message = str(info.value)  # the one registering it second is blamed, the other named
    assert "in hook \"register_indicators\": indicator 'visits' is already registered by plugin" in message
    blamed = message.split('"')[1]
    other = {"first": "second", "second": "first"}[blamed]
    assert f"is already registered by plugin '{other}'" in message
    clash = Plugins.create()
    clash.register(_plugin(_visits("re-referrals-12m")), name="clash")
    with pytest.raises(PluginError, match="indicator 're-referrals-12m' is already registered by plugin"):
        clash.indicators  # noqa: B018


def test_names_are_identifiers_in_lower_case_and_declarations_are_checked() -> None:
    upper = Plugins.create()
    upper.register(_plugin(_visits("Visits")), name="upper")
    with pytest.raises(PluginError, match="indicator name 'Visits' must be lower case"):
        upper.indicators  # noqa: B018
    with pytest.raises(ValueError, match="an indicator's unit is percent or count, not 'rate'"):
        Indicator("x", "X", "d", "rate", Visits)
    with pytest.raises(ValueError, match="frequencies are one or more of month, quarter, year"):
        Indicator("x", "X", "d", "count", Visits, frequencies=("weekly",))
    with pytest.raises(ValueError, match="input role 'two words' is not a valid identifier"):
        Indicator("x", "X", "d", "count", Visits, inputs={"two words": "x"})

    class Bad:
        @hookimpl
        def register_indicators(self, register: Callable[[Indicator], None]) -> None:
            register(Indicator("x", "X", "d", "rate", Visits))

    bad = Plugins.create()
    bad.register(Bad(), name="bad")
    with pytest.raises(PluginError, match='plugin "bad" in hook "register_indicators": ValueError: an indicator'):
        bad.indicators  # noqa: B018


def test_unknown_indicators_are_named_with_the_known_ones(make_board: MakeBoard) -> None:
    root = make_board(VISITS.replace("{name}", "re-referals-12m"), **{"visits.csv": VISIT_ROWS})
    plugins = Plugins.create()
    errors = [str(p) for p in validate_board(root, plugins).errors]
    assert errors == [
        "board.toml: measures[0].indicator: no indicator 're-referals-12m' (did you mean 're-referrals-12m'?); "
        "known: assessments-45-days, cp-plans-2-years, placement-stability-3plus, placement-stability-long-term, "
        "re-referrals-12m, referrals, repeat-cp-plans"
    ]
    result = CliRunner().invoke(make_cli(plugins), ["measures", str(root)])
    assert result.exit_code == 1 and "no indicator 're-referals-12m'" in result.stderr
    inputs = make_board(
        '\n[[measures]]\nid = "m"\ntitle = "M"\nquadrant = "how-much"\npolarity = "neither"\nunit = "count"\n'
        'frequency = "annual"\nvalues = [{ period = "2019-20", value = 1 }]\ninputs = { header = "x" }\n'
    )
    assert [str(p) for p in validate_board(inputs, plugins).errors] == [
        "board.toml: measures[0].inputs: only an indicator reads inputs: name one, or drop them"
    ]


# --------------------------------------------------------------------------- several inputs, one reading


class Linked(Accumulator):
    """Visits to children who have a plan: the visits (source) joined to the plans (input)."""

    fields = ("child", "day")
    input_fields = {"plans": ("child",)}  # noqa: RUF012 - read-only by convention

    def __init__(self, frequency: str) -> None:
        self.frequency = frequency
        self.visits: list[tuple[str, dt.date]] = []
        self.planned: set[str] = set()

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.visits += [(child, day) for child, day in rows]

    def add_input_rows(self, role: str, rows: Iterable[tuple[Any, ...]]) -> None:
        assert role == "plans"
        self.planned |= {child for (child,) in rows}

    def result(self) -> IndicatorResult:
        num: Counter[str] = Counter()
        den: Counter[str] = Counter()
        for child, day in self.visits:
            period = period_key(day, self.frequency)
            den[period] += 1
            num[period] += child in self.planned
        rows = tuple(IndicatorRow(p, "", num[p], d, percentage(num[p], d)) for p, d in sorted(den.items()))
        return IndicatorResult("linked", "Linked", "percent", rows, frequency=self.frequency, parts=("a", "b"))


def test_a_source_is_read_once_for_every_indicator_reading_it(
    make_board: MakeBoard, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two measures on the visits (one of them reading the plans as an input) and one counting
    the plans: each file is read once, and the joined figure is right."""
    from lif_core.builtins.sources import CsvAdapter

    plans = "child,start\n" + "".join(f"C{i},2019-01-01\n" for i in range(0, 40, 4))
    root = make_board(
        VISITS.replace("{name}", "visits") + '\n[[sources]]\nid = "plans"\nadapter = "csv"\npath = "plans.csv"\n'
        'fields = { child = "child-id", start = "date" }\n'
        '\n[[measures]]\nid = "m-linked"\ntitle = "Linked"\nquadrant = "how-well"\npolarity = "neither"\n'
        'unit = "percent"\nfrequency = "annual"\nsource = "visits"\nindicator = "linked"\n'
        'inputs = { plans = "plans" }\n'
        '\n[[measures]]\nid = "m-plans"\ntitle = "Plans"\nquadrant = "how-much"\npolarity = "neither"\n'
        'unit = "count"\nfrequency = "annual"\nsource = "plans"\nindicator = "plan-days"\n',
        **{"visits.csv": VISIT_ROWS, "plans.csv": plans},
    )
    plugins = Plugins.create()
    plan_days = Indicator("plan-days", "Plans", "d", "count", lambda f: _Renamed(f))
    linked = Indicator("linked", "Linked", "d", "percent", Linked, inputs={"plans": "the plans table (child)"})
    plugins.register(_plugin(_visits("visits"), linked, plan_days), name="home-visits")
    checked = validate_board(root, plugins)
    assert checked.ok, [str(p) for p in checked.errors]
    loaded = open_board(root, plugins)  # (its check that each source opens reads a little of each)
    reads: Counter[str] = Counter()
    original = CsvAdapter.batches

    def counted(self: CsvAdapter, path: Path, *args: Any, **kwargs: Any) -> Any:
        reads[path.name] += 1
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(CsvAdapter, "batches", counted)
    scores = {s.measure.id: s for s in scorecard(loaded, plugins, disclosure_control=False)}
    assert reads == {"visits.csv": 1, "plans.csv": 1}
    # Visits in January to March 2019 fall in 2018-19, the rest in 2019-20; C0, C4, ... have plans.
    early = [i for i in range(40) if 1 + i % 12 <= 3]
    late = [i for i in range(40) if 1 + i % 12 > 3]
    assert scores["m-linked"].series == (
        ("2018-19", percentage(sum(i % 4 == 0 for i in early), len(early))),
        ("2019-20", percentage(sum(i % 4 == 0 for i in late), len(late))),
    )
    assert scores["m-plans"].series == (("2018-19", 10.0),)


class _Renamed(Visits):
    fields = ("start",)


def test_compute_indicators_checks_a_requests_inputs(make_board: MakeBoard) -> None:
    root = make_board(VISITS.replace("{name}", "visits"), **{"visits.csv": VISIT_ROWS})
    plugins = Plugins.create()
    plugins.register(_plugin(_visits("visits")), name="home-visits")
    loaded = open_board(root, plugins)
    (source,) = loaded.board.sources
    with pytest.raises(LifError, match="Linked reads input\\(s\\) plans, but was given none"):
        compute_indicators(loaded, [(source, Linked("year"))], plugins)
    ((result, report),) = compute_indicators(loaded, [IndicatorRequest(source, Visits("year"))], plugins)
    assert [r.numerator for r in result.rows] == [12, 28] and report.rows == 40
