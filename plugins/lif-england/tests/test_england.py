"""lif-england: the three English frameworks register and hold together, each one's new-board
template validates as created (directly and through `lif init --framework`), the WT2023 example
is valid and speaks only its own framework's words, clocks count England's working days and a
board's closures, rapid reviews record their decisions, and the Working Together rules run only
on the edition they name."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lif_england import FRAMEWORKS
from lif_england.plugin import ENGLISH, TEMPLATE_FILES

from lif_core import LoadedBoard, Plugins, Problem, StatutoryFramework, Validation, validate_board
from lif_core.cli import make_cli
from lif_core.clocks import Clock, ClockState, board_calendar, review_clocks
from lif_core.frameworks import ReviewKindSpec
from lif_core.model import Board, BoardInfo, CaseReview, Closure, Deadline, ReviewDates, Settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

D = dt.date
ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "wt2023-partnership"

#: Words of other frameworks (an LSCB's, Wales's, the source framework's section numbers) that a
#: Working Together 2023 partnership's outputs must never use.
FOREIGN = (
    "Regulation 5",
    "LSCB",
    "Local Safeguarding Children Board",
    "serious case review",
    "Wales",
    "Section 28",
    "s.5.2",
)

#: Deprecated [board] keys, replaced by statutory_framework.
DEPRECATED = ("country", "arrangement", "working_together")

#: The sectors of the three statutory safeguarding partners, sorted.
THREE = ["health", "local-authority", "police"]

FILL = {"{{name}}": "Testshire Safeguarding Children Partnership", "{{area}}": "Testshire", "{{id}}": "testshire"}


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_DISABLE_PLUGINS", raising=False)
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")


@pytest.fixture
def plugins() -> Plugins:
    return Plugins.create()


def english(plugins: Plugins, name: str) -> StatutoryFramework:
    return plugins.statutory_frameworks.get(name)


def invoke(plugins: Plugins, *args: str) -> Result:
    return CliRunner().invoke(make_cli(plugins), list(args), catch_exceptions=False)


def write_template(framework: StatutoryFramework, target: Path, fill: dict[str, str] = FILL) -> Path:
    """The framework's new-board files, written to ``target`` with the placeholders filled."""
    target.mkdir(parents=True)
    for file_name, text in framework.templates.items():
        for placeholder, value in fill.items():
            text = text.replace(placeholder, value)
        (target / file_name).write_text(text, encoding="utf-8")
    return target


def new_board(plugins: Plugins, tmp_path: Path, name: str, register: str = "", *, board: str = "") -> Path:
    """A board made from ``name``'s template, with register entries (and board keys) appended."""
    root = write_template(english(plugins, name), tmp_path / f"{name}-{len(list(tmp_path.iterdir()))}")
    if board:
        with (root / "board.toml").open("a", encoding="utf-8") as out:
            out.write(board)
    with (root / "register.toml").open("a", encoding="utf-8") as out:
        out.write(register)
    return root


def by_path(problems: tuple[Problem, ...]) -> dict[str, str]:
    return {p.path: p.message for p in problems}


def opened(result: Validation) -> LoadedBoard:
    assert result.loaded is not None, shown(result)
    return result.loaded


def kind(framework: StatutoryFramework, name: str) -> ReviewKindSpec:
    spec = framework.review_kind(name)
    assert spec is not None, f"{framework.name} has no review kind {name!r}"
    return spec


def shown(result: Validation) -> list[str]:
    return [str(p) for p in result.problems]


# --------------------------------------------------------------------------- registration and data


def test_the_three_english_frameworks_register_from_this_plugin(plugins: Plugins) -> None:
    registry = plugins.statutory_frameworks
    assert set(ENGLISH) <= set(registry.names())
    for name in ENGLISH:
        framework = registry.get(name)
        assert registry.plugin_of(name) == "england"
        assert framework.country == "england"
        assert (framework.calendar.country, framework.calendar.subdivision) == ("GB", "ENG")
    assert english(plugins, "england-wt2015").arrangement.name == "lscb"
    assert english(plugins, "england-wt2018").arrangement.name == "safeguarding-partnership"
    assert english(plugins, "england-wt2023").arrangement.name == "safeguarding-partnership"
    assert [f.name for f in FRAMEWORKS] == list(ENGLISH)


@pytest.mark.parametrize("name", ENGLISH)
def test_each_frameworks_data_holds_together(plugins: Plugins, name: str) -> None:
    framework = english(plugins, name)
    stages = set(framework.stage_names())
    kinds = set(framework.names("review_kinds"))
    every_kind = {k for f in FRAMEWORKS for k in f.names("review_kinds")}
    for kind in framework.review_kinds:
        assert kind.stages and set(kind.stages) <= stages, kind.name
        assert len(set(kind.stages)) == len(kind.stages), kind.name
        assert bool(kind.decisions) == bool(kind.decision_stage), kind.name
        if kind.decision_stage:
            assert kind.decision_stage in kind.stages
        for decision in kind.decisions:
            # a decision naming a kind of review ("lcspr", "no-serious-case-review") names one
            # this framework has: an LSCB's rapid review never decides on an LCSPR
            named = decision.name.removeprefix("no-")
            if named in every_kind:
                assert named in kinds, f"{name}: {kind.name} decision {decision.name!r} names a kind it lacks"
        for clock in kind.clocks:
            assert clock.start and clock.end
        if kind.ended is not None or kind.replaced_by:
            assert kind.ended is not None and kind.replaced_by in kinds, kind.name
    assert framework.audit_scale in framework.names("grade_scales")
    assert set(framework.report_functions) <= set(framework.names("function_kinds"))
    for role in framework.roles:
        assert not role.delegates_to or role.delegates_to in framework.names("roles")
    assert framework.obligations, "every English edition has a yearly publication"
    for obligation in framework.obligations:
        assert obligation.due.after == "previous" and obligation.due.months == 12
    installed = set(plugins.inspection_frameworks.names())
    assert set(framework.inspection_frameworks) <= installed
    assert "section11" in framework.names("evidence_kinds")
    assert "children-act-2004-s11" in framework.names("duties")


def test_what_each_edition_has_of_its_own(plugins: Plugins) -> None:
    wt2015, wt2018, wt2023 = (english(plugins, n) for n in ENGLISH)
    rapid = ("referral", "information-gathering", "practitioner-involvement", "analysis", "decision", "closed")
    for framework in (wt2015, wt2018, wt2023):
        spec = kind(framework, "rapid-review")
        assert spec.stages == rapid and spec.decision_stage == "decision"
        assert [(c.start, c.end, c.working_days) for c in spec.clocks] == [
            (("aware", "incident"), "notified", 5),
            (("notified",), "rapid_review", 15),
        ]
    # an LSCB: serious case reviews, no LCSPRs; an independent chair; Regulation 5 functions
    assert "lcspr" not in wt2015.names("review_kinds")
    assert [d.name for d in kind(wt2015, "rapid-review").decisions] == [
        "serious-case-review",
        "no-serious-case-review",
        "national-review",
    ]
    assert kind(wt2015, "serious-case-review").ended is None
    assert wt2015.term("function_kinds", "regulation-5").minimum == 4
    assert wt2015.term("roles", "independent-chair").independent
    assert wt2015.names("obligations") == ("annual-report",)
    # since 2018: LCSPRs follow rapid reviews; serious case reviews ended in 2019
    for framework in (wt2018, wt2023):
        assert [d.name for d in kind(framework, "rapid-review").decisions][:2] == ["lcspr", "no-lcspr"]
        scr = kind(framework, "serious-case-review")
        assert scr.ended == D(2019, 9, 28) and scr.replaced_by == "lcspr"
        assert kind(framework, "lcspr").published
        assert framework.names("obligations") == ("yearly-report",)
        assert framework.term("obligations", "yearly-report").sent_within_days == 7
        assert framework.term("roles", "independent-scrutineer").independent
        assert "regulation-5" not in framework.names("function_kinds")
    assert "What Works Centre" in wt2018.term("obligations", "yearly-report").sent_to
    assert "Department for Education" in wt2023.term("obligations", "yearly-report").sent_to
    # 2023: lead safeguarding partners, one for each of the three, who may delegate
    lead = wt2023.term("roles", "lead-safeguarding-partner")
    assert (lead.holder, lead.minimum, lead.delegates_to) == ("person", 3, "delegated-safeguarding-partner")
    assert lead.sectors == ("local-authority", "health", "police")
    assert {"partnership-chair", "education-partner", "relevant-agency"} <= set(wt2023.names("roles"))
    assert "lead-safeguarding-partner" not in wt2018.names("roles")


# --------------------------------------------------------------------------- templates


@pytest.mark.parametrize("name", ENGLISH)
def test_each_template_validates_as_created(plugins: Plugins, name: str, tmp_path: Path) -> None:
    framework = english(plugins, name)
    assert sorted(framework.templates) == sorted(TEMPLATE_FILES)
    for text in framework.templates.values():
        assert "{{" not in text.replace("{{name}}", "").replace("{{area}}", "").replace("{{id}}", "")
    root = write_template(framework, tmp_path / "new")
    for file_name in TEMPLATE_FILES:
        assert "{{" not in (root / file_name).read_text(encoding="utf-8")
    result = validate_board(root, plugins)
    assert result.ok, shown(result)
    # A new board warns only for the report sections its framework requires and it has not
    # yet filled (tests/test_england_report.py holds each set).
    assert result.warnings and {w.source for w in result.warnings} == {"report-content"}, shown(result)
    info = tomllib.loads((root / "board.toml").read_text(encoding="utf-8"))["board"]
    assert info["statutory_framework"] == name
    assert not set(DEPRECATED) & set(info)
    board = opened(result).board
    assert board.board.name == FILL["{{name}}"] and board.board.area == "Testshire" and board.board.id == "testshire"
    assert any(g.kind.value == "board" for g in board.groups)
    assert any(g.kind.value == "sub-group" for g in board.groups)
    assert board.principles and board.priorities and board.measures
    assert all(p.measures for p in board.priorities)
    for collection in ("reviews", "actions", "evidence", "publications"):
        assert board.collection(collection) == ()


def test_each_template_holds_its_editions_arrangements(plugins: Plugins, tmp_path: Path) -> None:
    boards = {
        name: opened(validate_board(write_template(english(plugins, name), tmp_path / name), plugins)).board
        for name in ENGLISH
    }
    lscb = boards["england-wt2015"]
    assert sum(f.kind == "regulation-5" for f in lscb.functions) >= 4
    assert [p.role for p in lscb.people if p.independent] == ["independent-chair"]
    assert all(p.roles == ("board-partner",) for p in lscb.partners if p.sector.value != "local-authority")
    wt2018 = boards["england-wt2018"]
    assert {p.sector.value for p in wt2018.partners if "safeguarding-partner" in p.roles} == {
        "local-authority",
        "health",
        "police",
    }
    assert any("relevant-agency" in p.roles for p in wt2018.partners)
    assert [p.role for p in wt2018.people if p.independent] == ["independent-scrutineer"]
    wt2023 = boards["england-wt2023"]
    leads = {p.id: p for p in wt2023.people if p.role == "lead-safeguarding-partner"}
    partners = {p.id: p for p in wt2023.partners}
    assert sorted(partners[str(p.partner)].sector.value for p in leads.values()) == THREE
    delegates = [p for p in wt2023.people if p.role == "delegated-safeguarding-partner"]
    assert sorted(str(p.delegate_of) for p in delegates) == sorted(leads)
    assert all(p.partner == leads[str(p.delegate_of)].partner for p in delegates)
    assert [p.role for p in wt2023.people if p.independent] == ["independent-scrutineer"]
    assert any(p.role == "partnership-chair" for p in wt2023.people)
    assert any(p.sector.value == "education" and "education-partner" in p.roles for p in wt2023.partners)
    assert any("relevant-agency" in p.roles for p in wt2023.partners)
    kinds = {f.kind for f in wt2023.functions}
    assert {"local-arrangements", "practice-reviews", "independent-scrutiny", "yearly-report"} <= kinds


@pytest.mark.parametrize("name", ["england-wt2018", "england-wt2023"])
def test_a_partnerships_template_speaks_no_lscb_words(plugins: Plugins, name: str, tmp_path: Path) -> None:
    root = write_template(english(plugins, name), tmp_path / "new")
    for text in english(plugins, name).templates.values():
        for word in FOREIGN:
            assert word not in text, word
    for fmt in ("text", "json"):
        shown_board = invoke(plugins, "show", str(root), "-f", fmt)
        assert shown_board.exit_code == 0, shown_board.output
        for word in FOREIGN:
            assert word not in shown_board.output, (fmt, word)


def test_the_lscb_template_speaks_no_partnership_words(plugins: Plugins) -> None:
    text = "\n".join(english(plugins, "england-wt2015").templates.values()).lower()
    for word in (
        "lead safeguarding partner",
        "delegated safeguarding partner",
        "relevant agenc",
        "independent scrutin",
    ):
        assert word not in text, word
    assert "lcspr" not in text and "local child safeguarding practice review" not in text


def test_the_templates_ship_inside_the_package() -> None:
    package = ROOT / "plugins" / "lif-england" / "src" / "lif_england"
    for edition in ("wt2015", "wt2018", "wt2023"):
        for file_name in TEMPLATE_FILES:
            assert (package / "templates" / edition / file_name).is_file()
    pyproject = tomllib.loads((ROOT / "plugins" / "lif-england" / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/lif_england"]


@pytest.mark.parametrize("name", ENGLISH)
def test_lif_init_writes_each_template_and_it_validates(plugins: Plugins, name: str, tmp_path: Path) -> None:
    target = tmp_path / "new board"
    made = invoke(
        plugins,
        "init",
        str(target),
        "--framework",
        name,
        "--name",
        'Oak "Vale" \\ Safeguarding Children Partnership',
        "--area",
        "Oak Vale",
        "--id",
        "oak-vale",
    )
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in target.iterdir()) == sorted(TEMPLATE_FILES)
    checked = invoke(plugins, "validate", str(target))
    assert checked.exit_code == 0, checked.output
    assert all(line.startswith("warning: report: ") for line in checked.stderr.splitlines()), checked.stderr
    board = opened(validate_board(target, plugins)).board
    assert board.board.name == 'Oak "Vale" \\ Safeguarding Children Partnership'
    assert board.board.statutory_framework == name and board.board.id == "oak-vale"
    assert any(p.name == "Oak Vale Council" for p in board.partners)


# --------------------------------------------------------------------------- the WT2023 example


def test_the_wt2023_example_is_valid(plugins: Plugins) -> None:
    result = validate_board(EXAMPLE, plugins)
    assert result.ok, shown(result)
    board = opened(result).board
    assert board.board.statutory_framework == "england-wt2023"
    info = tomllib.loads((EXAMPLE / "board.toml").read_text(encoding="utf-8"))["board"]
    assert not set(DEPRECATED) & set(info)
    partners = {p.id: p for p in board.partners}
    leads = {p.id: p for p in board.people if p.role == "lead-safeguarding-partner"}
    assert sorted(partners[str(p.partner)].sector.value for p in leads.values()) == THREE
    delegates = [p for p in board.people if p.role == "delegated-safeguarding-partner"]
    assert sorted(str(p.delegate_of) for p in delegates) == sorted(leads)
    assert [p.role for p in board.people if p.independent] == ["independent-scrutineer"]
    assert any(p.role == "partnership-chair" for p in board.people)
    assert any("relevant-agency" in p.roles for p in board.partners)
    assert any("education-partner" in p.roles and p.sector.value == "education" for p in board.partners)
    assert {f.kind for f in board.functions} == {
        "local-arrangements",
        "practice-reviews",
        "independent-scrutiny",
        "yearly-report",
    }
    rapid = next(r for r in board.reviews if r.kind == "rapid-review" and r.decision == "lcspr")
    assert [s.stage for s in rapid.stage_log][-2:] == ["decision", "closed"]
    lcspr = next(r for r in board.reviews if r.kind == "lcspr")
    assert lcspr.follows == rapid.id
    for field in ("incident", "aware", "notified", "rapid_review", "decided"):
        assert getattr(rapid.dates, field) == getattr(lcspr.dates, field), field
    assert any(e.kind == "independent-scrutiny" for e in board.evidence)
    report = next(p for p in board.publications if p.kind == "yearly-report")
    assert report.period == "2024-25" and report.published and report.sent
    assert 0 <= (report.sent - report.published).days <= 7
    assert board.measures and board.section11_audits


def test_the_wt2023_examples_clocks(plugins: Plugins) -> None:
    result = validate_board(EXAMPLE, plugins)
    loaded = opened(result)
    board, framework, today = loaded.board, loaded.framework, loaded.board.settings.report_date
    assert today is not None
    states = {
        review.id: {c.end_field: c.state for c in review_clocks(review, board, today, framework)}
        for review in board.reviews
    }
    assert states["rr-baby-w"] == {"notified": ClockState.MET, "rapid_review": ClockState.MET}
    assert states["lcspr-baby-w"]["published"] is ClockState.LATE  # said in its stage log: criminal proceedings
    assert states["lcspr-baby-w"]["board_response"] is ClockState.MET  # the board's own deadline
    assert states["rr-child-y"]["rapid_review"] is ClockState.RUNNING


@pytest.mark.parametrize("command", [("show",), ("reviews",), ("report", "impact")])
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_the_wt2023_examples_outputs_use_no_other_frameworks_words(
    plugins: Plugins, command: tuple[str, ...], fmt: str
) -> None:
    result = invoke(plugins, *command, str(EXAMPLE), "-f", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "json":
        json.loads(result.stdout)
    for word in FOREIGN:
        assert word not in result.output, word
    assert "Leeds Safeguarding Children Partnership" in result.output


# --------------------------------------------------------------------------- clocks


def _rapid_review(**dates: dt.date) -> CaseReview:
    return CaseReview(id="rr", title="Child B", kind="rapid-review", dates=ReviewDates(**dates))


def _board(**settings: object) -> Board:
    info = BoardInfo(id="t", name="Test partnership", area="Testshire", statutory_framework="england-wt2023")
    return Board(board=info, settings=Settings(**settings))  # type: ignore[arg-type]


def _due(clocks: list[Clock], end: str) -> dt.date:
    return next(c.due for c in clocks if c.end_field == end)


def test_a_rapid_review_notified_before_christmas_is_due_on_13_january(plugins: Plugins) -> None:
    framework = english(plugins, "england-wt2023")
    review = _rapid_review(aware=D(2026, 12, 16), notified=D(2026, 12, 18))
    assert D(2026, 12, 18).strftime("%A") == "Friday"
    clocks = review_clocks(review, _board(), D(2027, 1, 4), framework)
    # 15 working days: not Christmas Day, Boxing Day's substitute (Monday 28th) or New Year's Day
    due = _due(clocks, "rapid_review")
    assert due == D(2027, 1, 13) and due.strftime("%A") == "Wednesday"
    assert _due(clocks, "notified") == D(2026, 12, 23)
    assert {c.end_field: c.state for c in clocks} == {"notified": ClockState.MET, "rapid_review": ClockState.RUNNING}
    late = review_clocks(_rapid_review(notified=D(2026, 12, 18)), _board(), D(2027, 1, 14), framework)
    assert [c.state for c in late] == [ClockState.OVERDUE]


def test_the_boards_closure_days_push_the_rapid_review_later(plugins: Plugins) -> None:
    framework = english(plugins, "england-wt2023")
    review = _rapid_review(notified=D(2026, 12, 18))
    closed = _board(closures=(Closure(name="Christmas closure", first=D(2026, 12, 29), last=D(2026, 12, 31)),))
    # three working days closed (Tuesday 29th to Thursday 31st): due three working days later
    due = _due(review_clocks(review, closed, D(2027, 1, 4), framework), "rapid_review")
    assert due == D(2027, 1, 18)
    days = board_calendar(_board(), framework)
    assert days.between(D(2027, 1, 13), due) == 3
    weekend = _board(
        closures=(Closure(name="a weekend and a bank holiday", first=D(2026, 12, 26), last=D(2026, 12, 28)),)
    )
    assert _due(review_clocks(review, weekend, D(2027, 1, 4), framework), "rapid_review") == D(2027, 1, 13)


def test_a_boards_deadline_runs_only_on_the_reviews_it_selects(plugins: Plugins) -> None:
    framework = english(plugins, "england-wt2023")
    both = Deadline(
        name="terms of reference within 10 working days",
        from_date="decided",
        to_date="commissioned",
        working_days=10,
        kinds=("lcspr",),
        methodologies=("silp",),
    )
    method_only = Deadline(
        name="recall day within 30 days",
        from_date="decided",
        to_date="report_received",
        days=30,
        methodologies=("silp",),
    )
    board = _board(deadlines=(both, method_only))
    dates = ReviewDates(incident=D(2026, 3, 2), notified=D(2026, 3, 4), decided=D(2026, 3, 20))

    def own(kind: str, methodology: str | None) -> list[str]:
        review = CaseReview(id="r", title="Child C", kind=kind, methodology=methodology, dates=dates)
        return [c.name for c in review_clocks(review, board, D(2026, 4, 1), framework) if not c.statutory]

    assert own("lcspr", "silp") == [both.name, method_only.name]
    assert own("lcspr", "scie-learning-together") == []
    assert own("learning-review", "silp") == [method_only.name]
    assert own("rapid-review", None) == []
    lcspr = CaseReview(id="r", title="Child C", kind="lcspr", methodology="silp", dates=dates)
    clock = next(c for c in review_clocks(lcspr, board, D(2026, 4, 1), framework) if c.name == both.name)
    assert clock.due == D(2026, 4, 7) and clock.state is ClockState.RUNNING  # Good Friday and Easter Monday
    everything = _board(deadlines=(Deadline(name="any", from_date="decided", to_date="published", days=180),))
    assert [c.name for c in review_clocks(lcspr, everything, D(2026, 4, 1), framework) if not c.statutory] == ["any"]


# --------------------------------------------------------------------------- decisions and stages

RAPID = """
[[reviews]]
id = "{id}"
title = "Child {id} (test)"
kind = "rapid-review"
stage = "{stage}"
decision = "{decision}"
stage_log = [{log}]
"""


def _log(*stages: str) -> str:
    return ", ".join(f'{{ stage = "{s}", date = 2026-12-{10 + i} }}' for i, s in enumerate(stages))


def _rapid(review_id: str, stage: str, decision: str, *log: str) -> str:
    return RAPID.format(id=review_id, stage=stage, decision=decision, log=_log(*log))


def test_a_rapid_reviews_decision_is_checked(plugins: Plugins, tmp_path: Path) -> None:
    register = (
        _rapid("a", "decision", "lcspr", "referral", "information-gathering", "decision")
        + _rapid("b", "decision", "lcsrp", "referral", "decision")
        + _rapid("c", "information-gathering", "", "referral", "analysis", "information-gathering")
        + _rapid("d", "closed", "", "referral", "decision", "closed")
        + _rapid("e", "closed", "no-lcspr", "referral", "information-gathering", "decision", "closed")
    )
    result = validate_board(new_board(plugins, tmp_path, "england-wt2023", register), plugins)
    errors = by_path(result.errors)
    assert not [p for p in errors if p.startswith("reviews[0]")]  # decision after information-gathering: fine
    assert (
        "'lcsrp' is not a decision of a rapid review; use one of lcspr, no-lcspr, national-review"
        in errors["reviews[1].decision"]
    )
    assert "'information-gathering' cannot follow 'analysis'" in errors["reviews[2].stage_log[2].stage"]
    assert set(errors) == {"reviews[1].decision", "reviews[2].stage_log[2].stage"}
    # The errors above are reported with the other names, before the checks; warnings then come
    # from a board with no errors.
    sound = _rapid("d", "closed", "", "referral", "decision", "closed") + _rapid(
        "e", "closed", "no-lcspr", "referral", "information-gathering", "decision", "closed"
    )
    result = validate_board(new_board(plugins, tmp_path, "england-wt2023", sound), plugins)
    warnings = by_path(result.warnings)
    assert result.ok and "past its decision stage but records no decision" in warnings["reviews[0].decision"]
    assert not [p for p in warnings if p.startswith("reviews[1]")]


def test_a_kind_without_decisions_takes_none_and_an_lscbs_rapid_review_decides_on_an_scr(
    plugins: Plugins, tmp_path: Path
) -> None:
    lcspr = """
[[reviews]]
id = "l"
title = "Child L (test)"
kind = "lcspr"
decision = "lcspr"
"""
    errors = by_path(validate_board(new_board(plugins, tmp_path, "england-wt2023", lcspr), plugins).errors)
    assert "records no decision; leave decision out" in errors["reviews[0].decision"]
    lscb = _rapid("s", "closed", "serious-case-review", "referral", "decision", "closed")
    assert validate_board(new_board(plugins, tmp_path, "england-wt2015", lscb), plugins).ok
    wrong = _rapid("s", "closed", "lcspr", "referral", "decision", "closed")
    errors = by_path(validate_board(new_board(plugins, tmp_path, "england-wt2015", wrong), plugins).errors)
    assert "use one of serious-case-review, no-serious-case-review, national-review" in errors["reviews[0].decision"]


# --------------------------------------------------------------------------- the Working Together rules


def test_the_working_together_rules_name_the_edition_they_run_on(plugins: Plugins) -> None:
    checks = {c.name: c for c in plugins.checks}
    expected = {
        "wt2015-chair": {"england-wt2015"},
        "wt-safeguarding-partners": {"england-wt2018", "england-wt2023"},
        "wt2023-education": {"england-wt2023"},
    }
    frameworks = [plugins.statutory_frameworks.get(n) for n in plugins.statutory_frameworks.names()]
    for name, runs_on in expected.items():
        assert {f.name for f in frameworks if checks[name].applies_to(f)} == runs_on, name
        assert not checks[name].applies_to(None)


def _sources(result: Validation) -> set[str]:
    return {p.source for p in result.problems}


def test_the_education_rule_runs_on_wt2023_boards_only(plugins: Plugins, tmp_path: Path) -> None:
    def without_education(name: str) -> Validation:
        root = new_board(plugins, tmp_path, name)
        text = (root / "board.toml").read_text(encoding="utf-8")
        text = text.replace('sector = "education"', 'sector = "other"')
        (root / "board.toml").write_text(text, encoding="utf-8")
        return validate_board(root, plugins)

    wt2023 = without_education("england-wt2023")
    warning = next(p for p in wt2023.warnings if p.source == "wt2023-education")
    assert "education is a strategic partner" in warning.message
    for name in ("england-wt2015", "england-wt2018"):
        assert "wt2023-education" not in _sources(without_education(name)), name


def test_the_lscb_and_partnership_rules_stay_on_their_own_editions(plugins: Plugins, tmp_path: Path) -> None:
    # an LSCB with no chair is warned; a 2023 partnership with no board.chair is not (its chair is a person)
    def without_chair(name: str) -> Validation:
        root = new_board(plugins, tmp_path, name)
        text = (root / "board.toml").read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.startswith("chair = "))
        text = text.replace('role = "independent-chair"', 'role = "lay-member"').replace("independent = true\n", "")
        (root / "board.toml").write_text(text, encoding="utf-8")
        return validate_board(root, plugins)

    assert "wt2015-chair" in _sources(without_chair("england-wt2015"))
    assert "wt2015-chair" not in _sources(without_chair("england-wt2023"))
    # the three safeguarding partners are held to under WT2018, never on an LSCB
    lscb = validate_board(new_board(plugins, tmp_path, "england-wt2015"), plugins)
    assert "wt-safeguarding-partners" not in _sources(lscb)
    root = new_board(plugins, tmp_path, "england-wt2018")
    text = (root / "board.toml").read_text(encoding="utf-8")
    (root / "board.toml").write_text(text.replace('sector = "police"', 'sector = "other"'), encoding="utf-8")
    partners = next(p for p in validate_board(root, plugins).errors if p.source == "wt-safeguarding-partners")
    assert "no police partner is a safeguarding partner" in partners.message


SCR = """
[[reviews]]
id = "{id}"
title = "Child {id} (test)"
kind = "serious-case-review"
stage = "decision"
stage_log = [{{ stage = "referral", date = {referred} }}, {{ stage = "decision", date = {decided} }}]
dates = {{ decided = {decided} }}
"""


def test_a_serious_case_review_decided_after_2019_is_warned_about_under_wt2018(
    plugins: Plugins, tmp_path: Path
) -> None:
    register = SCR.format(id="late", referred="2020-02-10", decided="2020-03-02") + SCR.format(
        id="early", referred="2019-05-20", decided="2019-06-03"
    )
    result = validate_board(new_board(plugins, tmp_path, "england-wt2018", register), plugins)
    assert result.ok, shown(result)
    warnings = by_path(result.warnings)
    message = warnings["reviews[0].kind"]
    assert "decided on 2020-03-02: serious case reviews ended on 2019-09-28" in message
    assert 'kind = "lcspr"' in message and "local child safeguarding practice review" in message
    assert "reviews[1].kind" not in warnings
    lscb = validate_board(new_board(plugins, tmp_path, "england-wt2015", register), plugins)
    assert "reviews[0].kind" not in by_path(lscb.problems)  # an LSCB's own kind of review
