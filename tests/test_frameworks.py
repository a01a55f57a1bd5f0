"""Statutory frameworks: the hook, the data format, names checked against the board's framework,
lifecycles per review kind, clocks and calendars, recurring publications, a third party's
framework with no core change, `lif frameworks`, `lif init --framework` and `lif migrate`."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from lif_core import BoardInvalid, Plugins, StatutoryFramework, hookimpl, validate_board
from lif_core.cli import make_cli
from lif_core.clocks import ClockState, WorkingDays, board_calendar, publications_due, review_clocks
from lif_core.frameworks import LIFECYCLE, due_date, period_bounds
from lif_core.model import Board, BoardInfo, CaseReview, Closure, Deadline, Publication, ReviewDates, Settings

from .conftest import CROYDON, MINIMAL

D = dt.date
THIRD_PARTY = Path(__file__).parent / "third_party"
MakeBoard = Callable[..., Path]


def invoke(plugins: Plugins, *args: str) -> Result:
    return CliRunner().invoke(make_cli(plugins), list(args), catch_exceptions=False)


def framework(plugins: Plugins, name: str) -> StatutoryFramework:
    return plugins.statutory_frameworks.get(name)


# --------------------------------------------------------------------------- the hook and the format


def test_the_hook_registers_frameworks_and_names_the_plugin(plugins: Plugins) -> None:
    registry = plugins.statutory_frameworks
    assert {"england-wt2015", "england-wt2018", "england-wt2023"} <= set(registry.names())
    assert registry.plugin_of("england-wt2023") == "england"

    class Local:
        @staticmethod
        @hookimpl
        def register_statutory_frameworks(register: Callable[[object], None]) -> None:
            register("not a framework")

    plugins.register(Local(), name="broken-frameworks")
    with pytest.raises(Exception, match="expected a StatutoryFramework") as info:
        plugins.statutory_frameworks  # noqa: B018 - the registry is built on first use
    assert "broken-frameworks" in str(info.value)


MINIMAL_FRAMEWORK = """
name = "test-framework"
title = "Test framework"
country = "testland"
[arrangement]
name = "test-board"
title = "Test board"
"""


def test_a_framework_reads_from_toml_with_every_problem_named() -> None:
    found = StatutoryFramework.from_toml(MINIMAL_FRAMEWORK)
    assert found.review_kinds == () and found.calendar.country == ""
    bad = (
        'colour = "blue"'
        + MINIMAL_FRAMEWORK
        + """
[[review_kinds]]
name = "k"
title = "K"
stages = ["referral", "no-such-stage"]
[[review_kinds.clocks]]
name = "c"
start = ["nowhen"]
end = "published"
working_days = 5
"""
    )
    with pytest.raises(BoardInvalid) as info:
        StatutoryFramework.from_toml(bad, file="mine.toml")
    text = str(info.value)
    assert "mine.toml: colour: unknown key" in text
    assert "review_kinds[0].clocks[0]" in text and "'nowhen' is not a review date" in text
    with pytest.raises(BoardInvalid, match="stage 'x' is neither a lifecycle stage"):
        StatutoryFramework.from_toml(MINIMAL_FRAMEWORK + '[[review_kinds]]\nname = "k"\ntitle = "K"\nstages = ["x"]\n')
    with pytest.raises(BoardInvalid, match="'a' is listed twice"):
        StatutoryFramework.from_toml(
            MINIMAL_FRAMEWORK + '[[duties]]\nname = "a"\ntitle = "A"\n[[duties]]\nname = "a"\ntitle = "B"\n'
        )
    with pytest.raises(BoardInvalid, match="not valid TOML"):
        StatutoryFramework.from_toml("name = ")


# --------------------------------------------------------------------------- names from the framework


def test_a_name_outside_the_framework_is_an_error_with_its_key_path(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[reviews]]
        id = "r1"
        title = "Child A"
        kind = "rapid-reveiw"

        [[evidence]]
        id = "e1"
        title = "Scrutineer's report"
        kind = "independent-scrutiny"
        date = 2024-01-01
        """
    )
    result = validate_board(root, plugins)
    messages = {p.path: p.message for p in result.errors}
    assert "did you mean 'rapid-review'" in messages["reviews[0].kind"]
    assert "England: safeguarding partnership (Working Together 2018)" in messages["reviews[0].kind"]
    assert "reviews[0].kind" in messages and "evidence[0].kind" not in messages  # WT2018 has independent scrutiny
    wt2015 = root / "board.toml"
    wt2015.write_text(wt2015.read_text().replace("england-wt2018", "england-wt2015"), encoding="utf-8")
    messages = {p.path: p.message for p in validate_board(root, plugins).errors}
    assert "'independent-scrutiny' is not a evidence kind" in messages["evidence[0].kind"].replace("an ", "a ")


def test_an_uninstalled_framework_is_one_clear_error(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(base=MINIMAL.replace("england-wt2018", "england-wt2081"))
    errors = validate_board(root, plugins).errors
    assert [p.path for p in errors] == ["board.statutory_framework"]
    assert "no statutory framework named 'england-wt2081' is installed (did you mean 'england-wt2018'?)" in (
        errors[0].message
    )


def test_checks_run_only_where_their_framework_applies(make_board: MakeBoard, plugins: Plugins) -> None:
    partnership = make_board(base=MINIMAL.replace("safeguarding_partner = true\n", "", 1))
    assert any("safeguarding partner" in p.message for p in validate_board(partnership, plugins).errors)
    lscb_text = MINIMAL.split("[[people]]")[0].replace("england-wt2018", "england-wt2015")
    lscb = make_board(base=lscb_text.replace("safeguarding_partner = true\n", ""))
    result = validate_board(lscb, plugins)
    assert result.ok, [str(p) for p in result.errors]
    sources = {p.source for p in result.problems}
    assert "wt-safeguarding-partners" not in sources and "wt2023-education" not in sources
    assert "wt2015-chair" in sources


# --------------------------------------------------------------------------- lifecycles and decisions


RAPID = """
[[reviews]]
id = "rr"
title = "Child B"
kind = "rapid-review"
stage = "{stage}"
decision = "{decision}"
stage_log = [{log}]
"""


def _log(*stages: str) -> str:
    return ", ".join(f'{{ stage = "{s}", date = 2026-12-{18 + i} }}' for i, s in enumerate(stages))


def test_a_rapid_review_decides_after_gathering_information(make_board: MakeBoard, plugins: Plugins) -> None:
    ok = make_board(
        RAPID.format(stage="decision", decision="lcspr", log=_log("referral", "information-gathering", "decision"))
    )
    assert validate_board(ok, plugins).ok
    reversed_ = make_board(RAPID.format(stage="referral", decision="", log=_log("decision", "referral")))
    errors = {p.path: p.message for p in validate_board(reversed_, plugins).errors}
    assert (
        "'referral' cannot follow 'decision': a rapid review runs referral -> information-gathering"
        in (errors["reviews[0].stage_log[1].stage"])
    )
    foreign = make_board(RAPID.format(stage="publication", decision="", log=_log("referral", "publication")))
    errors = {p.path: p.message for p in validate_board(foreign, plugins).errors}
    assert "'publication' is not a stage of a rapid review" in errors["reviews[0].stage"]
    bad = make_board(RAPID.format(stage="decision", decision="lcsrp", log=_log("referral", "decision")))
    errors = {p.path: p.message for p in validate_board(bad, plugins).errors}
    assert "'lcsrp' is not a decision of a rapid review; use one of lcspr, no-lcspr" in errors["reviews[0].decision"]
    undecided = make_board(RAPID.format(stage="closed", decision="", log=_log("referral", "decision", "closed")))
    warnings = {p.path: p.message for p in validate_board(undecided, plugins).warnings}
    assert "past its decision stage but records no decision" in warnings["reviews[0].decision"]


def test_the_stage_command_follows_the_kinds_order(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        RAPID.format(stage="information-gathering", decision="", log=_log("referral", "information-gathering"))
    )
    assert invoke(plugins, "import", str(root)).exit_code == 0
    moved = invoke(plugins, "stage", str(root), "rr", "decision", "--date", "2027-01-13")
    assert moved.exit_code == 0, moved.output
    back = CliRunner().invoke(make_cli(plugins), ["stage", str(root), "rr", "analysis"])
    assert back.exit_code != 0 and "'analysis' cannot follow 'decision'" in back.output
    foreign = CliRunner().invoke(make_cli(plugins), ["stage", str(root), "rr", "publication"])
    assert "'publication' is not a stage of this review's kind" in foreign.output


# --------------------------------------------------------------------------- clocks and calendars


def _review(**dates: dt.date) -> CaseReview:
    return CaseReview(id="rr", title="Child B", kind="rapid-review", dates=ReviewDates(**dates))


def test_a_rapid_review_notified_before_christmas_is_due_in_the_new_year(plugins: Plugins) -> None:
    board = Board(board=BoardInfo(id="t", name="T", area="T"))
    england = framework(plugins, "england-wt2023")
    # Fri 18 Dec 2026 + 15 working days: Christmas Day (Fri 25) and Boxing Day's substitute
    # (Mon 28) and New Year's Day (Fri 1 Jan) are not working days in England.
    (rapid,) = review_clocks(_review(notified=D(2026, 12, 18)), board, D(2026, 12, 18), england)
    assert rapid.due == D(2027, 1, 13) and rapid.due.strftime("%A") == "Wednesday"
    assert rapid.state is ClockState.RUNNING and rapid.statutory
    # The board's own closure days count too.
    closed = attrs.evolve(
        board,
        settings=Settings(closures=(Closure(name="Christmas closure", first=D(2026, 12, 29), last=D(2026, 12, 31)),)),
    )
    assert review_clocks(_review(notified=D(2026, 12, 18)), closed, D(2027, 1, 1), england)[-1].due == D(2027, 1, 18)
    assert board_calendar(closed, england).holiday(D(2026, 12, 28)) is not None
    # Without a framework there are no statutory clocks and no public holidays.
    assert review_clocks(_review(notified=D(2026, 12, 18)), board, D(2026, 12, 18)) == []


def test_calendars_differ_by_nation(plugins: Plugins, tmp_path: Path) -> None:
    scotland = _third_party(tmp_path, plugins)[0]
    board = Board(board=BoardInfo(id="t", name="T", area="T"))
    scottish = board_calendar(board, scotland)
    english = board_calendar(board, framework(plugins, "england-wt2023"))
    assert not scottish.is_working_day(D(2027, 1, 4))  # 2 January's substitute, Scotland only
    assert english.is_working_day(D(2027, 1, 4))
    assert WorkingDays("NIR").holiday(D(2027, 3, 17)) is not None  # St Patrick's Day


def test_board_deadlines_select_by_kind_and_methodology(plugins: Plugins) -> None:
    deadline = Deadline(
        name="terms of reference within 10 working days",
        from_date="decided",
        to_date="commissioned",
        working_days=10,
        kinds=("lcspr",),
        methodologies=("silp",),
    )
    board = Board(board=BoardInfo(id="t", name="T", area="T"), settings=Settings(deadlines=(deadline,)))
    england = framework(plugins, "england-wt2023")
    dates = ReviewDates(decided=D(2026, 3, 2))
    silp = CaseReview(id="a", title="A", kind="lcspr", methodology="silp", dates=dates)
    scie = attrs.evolve(silp, methodology="scie-learning-together")
    rapid = attrs.evolve(silp, kind="rapid-review")
    names = [[c.name for c in review_clocks(r, board, D(2026, 3, 3), england)] for r in (silp, scie, rapid)]
    assert "terms of reference within 10 working days" in names[0]
    assert all("terms of reference within 10 working days" not in n for n in names[1:])


# --------------------------------------------------------------------------- recurring publications


def test_reporting_years_and_due_dates() -> None:
    assert period_bounds("2025-26") == (D(2025, 4, 1), D(2026, 3, 31))
    assert period_bounds("2025", "01-01") == (D(2025, 1, 1), D(2025, 12, 31))
    with pytest.raises(Exception, match="write it as 2025-26"):
        period_bounds("2025")
    with pytest.raises(Exception, match="write it as 2025 "):
        period_bounds("2025-26", "01-01")
    with pytest.raises(Exception, match="the second year must follow the first"):
        period_bounds("2025-27")
    with pytest.raises(Exception, match="not a reporting year"):
        period_bounds("last year")
    plan = StatutoryFramework.from_toml(
        MINIMAL_FRAMEWORK
        + """
[[obligations]]
name = "annual-plan"
title = "Annual plan"
due = { after = "period-start", days = -1 }
[[obligations]]
name = "annual-report"
title = "Annual report"
due = { after = "period-end", months = 4 }
"""
    )
    annual_plan, annual_report = plan.obligations
    assert due_date(annual_plan, "2026-27", None) == D(2026, 3, 31)
    assert due_date(annual_report, "2025-26", None) == D(2026, 7, 31)
    board = Board(
        board=BoardInfo(id="t", name="T", area="T"),
        publications=(Publication(id="p1", kind="annual-report", period="2024-25", published=D(2025, 8, 4)),),
    )
    due = {(d.kind, d.period): d for d in publications_due(board, plan, D(2026, 12, 2))}
    assert due[("annual-report", "2024-25")].state is ClockState.LATE
    assert due[("annual-report", "2025-26")].state is ClockState.OVERDUE  # due 31 July 2026, none recorded
    assert due[("annual-plan", "2026-27")].due == D(2026, 3, 31)


def test_a_yearly_report_is_due_twelve_months_after_the_last(plugins: Plugins) -> None:
    england = framework(plugins, "england-wt2023")
    board = Board(
        board=BoardInfo(id="t", name="T", area="T"),
        publications=(Publication(id="y1", kind="yearly-report", period="2024-25", published=D(2025, 9, 30)),),
    )
    (recorded, following) = publications_due(board, england, D(2026, 12, 2))
    assert recorded.due is None and recorded.published == D(2025, 9, 30)
    assert (following.period, following.due, following.state) == ("2025-26", D(2026, 9, 30), ClockState.OVERDUE)


def test_a_publication_sent_late_is_warned_about(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[publications]]
        id = "yr-2024"
        kind = "yearly-report"
        period = "2024-25"
        published = 2025-09-30
        sent = 2025-10-20

        [[publications]]
        id = "yr-again"
        kind = "yearly-report"
        period = "2024-25"
        """
    )
    result = validate_board(root, plugins)
    warnings = {p.path: p.message for p in result.warnings}
    assert "sent 13 day(s) late" in warnings["publications[0].sent"]
    assert "is already recorded as yr-2024" in {p.path: p.message for p in result.errors}["publications[1].period"]


# --------------------------------------------------------------------------- a third party's frameworks


def _third_party(tmp_path: Path, plugins: Plugins) -> list[StatutoryFramework]:
    folder = tmp_path / "third-party-board"
    if not folder.exists():
        shutil.copytree(THIRD_PARTY, folder / "local")
    plugins.load_local(folder, ["local/plugin.py"])
    return [plugins.statutory_frameworks.get(n) for n in ("scotland-2021", "northern-ireland-2011")]


SCOTTISH_BOARD = """\
format = 1

[board]
id = "cpc"
name = "Example Child Protection Committee"
area = "Example"
statutory_framework = "scotland-2021"

[plugins]
local = ["local/plugin.py"]

[[partners]]
id = "council"
name = "Example Council"
sector = "local-authority"

[[people]]
id = "chair"
name = "Independent Chair"
role = "independent-chair"
independent = true

[[reviews]]
id = "lr1"
title = "Child C"
kind = "learning-review"
stage = "commissioning"
decision = "learning-review"
stage_log = [{ stage = "referral", date = 2026-01-05 }, { stage = "decision", date = 2026-01-20 }, { stage = "commissioning", date = 2026-02-02 }]

[[audits]]
id = "a1"
title = "Multi-agency audit"
kind = "multi-agency-case-audit"
date = 2026-03-01
grades = [{ domain = "assessment", grade = "very-good" }]
"""


def test_a_third_party_framework_needs_no_core_change(tmp_path: Path, plugins: Plugins) -> None:
    root = tmp_path / "cpc"
    shutil.copytree(THIRD_PARTY, root / "local")
    (root / "board.toml").write_text(SCOTTISH_BOARD, encoding="utf-8")
    result = validate_board(root, plugins)
    assert result.ok, [str(p) for p in result.errors]
    warned = " ".join(p.message for p in result.warnings)
    assert "expects at least 3 chief officer holder(s); none is listed" in warned
    report = invoke(plugins, "report", "impact", str(root), "--as-of", "2026-12-02")
    assert report.exit_code == 0, report.output
    assert "Partner self-evaluation" in report.output
    for english in ("Working Together", "Section 11", "Regulation 5", "LSCB", "Ofsted", "DfE"):
        assert english not in report.output
    # Names are checked against the Scottish vocabulary: an English kind is refused.
    (root / "board.toml").write_text(
        SCOTTISH_BOARD.replace('kind = "learning-review"', 'kind = "lcspr"'), encoding="utf-8"
    )
    errors = {p.path: p.message for p in validate_board(root, Plugins.create()).errors}
    assert "'lcspr' is not a review kind of Scotland" in errors["reviews[0].kind"]


# --------------------------------------------------------------------------- commands


def test_lif_frameworks_lists_and_describes(plugins: Plugins) -> None:
    listed = invoke(plugins, "frameworks")
    assert listed.exit_code == 0 and "england-wt2015" in listed.output and "england" in listed.output
    one = invoke(plugins, "frameworks", "england-wt2023")
    assert "Lead safeguarding partner" in one.output
    assert "rapid review (15 working days from notification): notified to rapid_review, 15 working days" in one.output
    missing = CliRunner().invoke(make_cli(plugins), ["frameworks", "england-wt2024"])
    assert missing.exit_code != 0 and "no statutory framework named 'england-wt2024'" in missing.output


@pytest.mark.parametrize("name", ["england-wt2015", "england-wt2018", "england-wt2023"])
def test_init_makes_a_valid_board_for_each_framework(name: str, plugins: Plugins, tmp_path: Path) -> None:
    target = tmp_path / name
    result = invoke(plugins, "init", str(target), "--framework", name, "--name", "Testshire Partnership")
    assert result.exit_code == 0, result.output
    assert f'statutory_framework = "{name}"' in (target / "board.toml").read_text()
    checked = validate_board(target, plugins)
    assert checked.ok, [str(p) for p in checked.errors]


def test_init_defaults_to_the_current_english_edition_and_refuses_unknown(plugins: Plugins, tmp_path: Path) -> None:
    assert invoke(plugins, "init", str(tmp_path / "new")).exit_code == 0
    assert 'statutory_framework = "england-wt2023"' in (tmp_path / "new" / "board.toml").read_text()
    bad = CliRunner().invoke(make_cli(plugins), ["init", str(tmp_path / "bad"), "--framework", "narnia"])
    assert bad.exit_code == 2 and "no statutory framework 'narnia' is installed" in bad.output
    assert not (tmp_path / "bad").exists()


OLD_KEYS = 'country = "england"\narrangement = "lscb"\nworking_together = "2015"'


def _old_croydon(tmp_path: Path) -> Path:
    target = tmp_path / "croydon-old"
    shutil.copytree(CROYDON, target)
    board = target / "board.toml"
    text = board.read_text(encoding="utf-8").replace('statutory_framework = "england-wt2015"', OLD_KEYS)
    board.write_text(
        text.replace('"serious-case-review", "learning-review"]', '"serious-case-review", "lcspr", "learning-review"]')
    )
    return target


def test_an_old_board_is_read_with_a_warning_naming_the_new_key(tmp_path: Path, plugins: Plugins) -> None:
    old = _old_croydon(tmp_path)
    result = validate_board(old, plugins)
    warning = next(p for p in result.warnings if p.path == "board.country")
    assert 'replaced by board.statutory_framework (read as statutory_framework = "england-wt2015")' in warning.message
    assert "lif migrate" in warning.message
    assert [p.path for p in result.errors] == ["settings.deadlines[0].kinds[1]"]  # no LCSPRs under WT2015
    both = old / "board.toml"
    both.write_text(both.read_text().replace(OLD_KEYS, OLD_KEYS + '\nstatutory_framework = "england-wt2015"'))
    errors = {p.path: p.message for p in validate_board(old, plugins).errors}
    assert "replaced by statutory_framework, which is also set: remove them" in errors["board.country"]


def test_migrate_rewrites_an_old_board_and_says_what_changed(tmp_path: Path, plugins: Plugins) -> None:
    old = _old_croydon(tmp_path)
    before = (old / "board.toml").read_text()
    dry = invoke(plugins, "migrate", str(old), "--dry-run")
    assert dry.exit_code == 0 and "would change: [board]" in dry.output
    assert (old / "board.toml").read_text() == before
    done = invoke(plugins, "migrate", str(old))
    assert done.exit_code == 0, done.output
    assert "changed: [board]: country = 'england', arrangement = 'lscb', working_together = '2015'" in done.output
    assert "review kind(s) lcspr taken out" in done.output
    after = (old / "board.toml").read_text()
    assert after == (CROYDON / "board.toml").read_text()  # comments and layout kept: the example is migrated
    assert validate_board(old, plugins).ok
    again = invoke(plugins, "migrate", str(old))
    assert "already current; nothing to change" in again.output


def test_migrate_refuses_what_it_cannot_rewrite_safely(tmp_path: Path, plugins: Plugins) -> None:
    root = tmp_path / "odd"
    root.mkdir()
    (root / "board.toml").write_text('board = { id = "x", name = "X", area = "X", country = "wales" }\n')
    result = CliRunner().invoke(make_cli(plugins), ["migrate", str(root)])
    assert result.exit_code == 1 and "change its keys by hand" in result.output
    (root / "board.toml").write_text('[board]\nid = "x"\nname = "X"\narea = "X"\ncountry = "scotland"\n')
    result = CliRunner().invoke(make_cli(plugins), ["migrate", str(root)])
    assert "'scotland' is not one of 'england', 'wales'" in result.output


def test_the_lifecycle_is_the_usual_one_for_an_unknown_kind(plugins: Plugins) -> None:
    assert framework(plugins, "england-wt2023").stages_of("no-such-kind") == LIFECYCLE


def test_a_review_that_follows_a_decision_against_it_is_warned_about(make_board: MakeBoard, plugins: Plugins) -> None:
    follows = """
[[reviews]]
id = "lcspr-b"
title = "Child B"
kind = "lcspr"
follows = "rr"
"""
    decided = make_board(RAPID.format(stage="decision", decision="lcspr", log=_log("referral", "decision")) + follows)
    assert not [p for p in validate_board(decided, plugins).warnings if p.path.endswith("follows")]
    against = make_board(
        RAPID.format(stage="decision", decision="no-lcspr", log=_log("referral", "decision")) + follows
    )
    (warning,) = [p for p in validate_board(against, plugins).warnings if p.path == "reviews[1].follows"]
    assert "follows rr, which decided 'no-lcspr'" in warning.message
    assert "a local child safeguarding practice review follows a rapid review that decided 'lcspr'" in warning.message
    selfish = make_board(follows.replace('follows = "rr"', 'follows = "lcspr-b"'))
    errors = {p.path: p.message for p in validate_board(selfish, plugins).errors}
    assert errors["reviews[0].follows"] == "a review cannot follow itself"


def test_unknown_names_are_said_in_good_english(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[partners]]
        id = "school"
        name = "A school"
        sector = "education"
        duties = ["children-act-2004-s28"]

        [[evidence]]
        id = "e1"
        title = "E"
        kind = "self-evaluation"
        date = 2024-01-01
        """
    )
    errors = {p.path: p.message for p in validate_board(root, plugins).errors}
    assert "'children-act-2004-s28' is not a partner duty of England" in errors["partners[3].duties[0]"]
    assert "its partner duties: children-act-2004-s10" in errors["partners[3].duties[0]"]
    assert "'self-evaluation' is not an evidence kind of England" in errors["evidence[0].kind"]


def test_init_suggests_the_framework_meant(plugins: Plugins, tmp_path: Path) -> None:
    result = CliRunner().invoke(make_cli(plugins), ["init", str(tmp_path / "b"), "--framework", "england-wt2032"])
    assert "no statutory framework 'england-wt2032' is installed (did you mean 'england-wt2023'?)" in result.output
    made = invoke(plugins, "init", str(tmp_path / "lscb"), "--framework", "england-wt2015", "--area", "Testshire")
    assert made.exit_code == 0
    assert 'name = "Testshire Local Safeguarding Children Board"' in (tmp_path / "lscb" / "board.toml").read_text()


def test_statutory_plans_are_the_frameworks(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[reviews]]
        id = "r1"
        title = "Child W"
        kind = "learning-review"
        statutory_plans = [{ kind = "care-and-support-plan", start = 2024-01-01 }]
        """
    )
    (error,) = validate_board(root, plugins).errors
    assert error.path == "reviews[0].statutory_plans[0].kind"
    assert "is not a statutory plan kind of England" in error.message and "child-in-need-plan" in error.message


def test_lif_plugins_says_what_each_framework_plugin_gives_and_where_checks_run(plugins: Plugins) -> None:
    import json

    data = {p["name"]: p["provides"] for p in json.loads(invoke(plugins, "plugins", "--json").stdout)}
    assert "statutory framework:england-wt2023" in data["england"]
    assert "check:wt2015-chair (under england-wt2015 only)" in data["england"]
    assert "check:review-lifecycle" in data["lif_core.builtins.statutory"]


def test_the_shipped_themes_a_board_loads_are_its_frameworks(tmp_path: Path, plugins: Plugins) -> None:
    from lif_core import load_board
    from lif_core.board import default_themes

    cin = next(iter(default_themes(("cin-assessment-factors",))))
    practice = next(iter(default_themes(("practice-system",))))
    root = tmp_path / "wales"
    assert invoke(plugins, "init", str(root), "--framework", "wales-2014-act").exit_code == 0
    board = root / "board.toml"
    board.write_text(board.read_text().replace('default_themes = ["practice-system"]', ""), encoding="utf-8")
    assert "default_themes" not in board.read_text()
    loaded = validate_board(root, plugins).loaded
    assert loaded is not None
    ids = {t.id for t in loaded.board.themes}
    assert practice in ids and cin not in ids  # England's CIN census factors are not Wales's
    assert cin in {t.id for t in load_board(root).board.themes}  # no framework known: every taxonomy
    england = tmp_path / "england"
    assert invoke(plugins, "init", str(england), "--framework", "england-wt2023").exit_code == 0
    loaded = validate_board(england, plugins).loaded
    assert loaded is not None and {cin, practice} <= {t.id for t in loaded.board.themes}
