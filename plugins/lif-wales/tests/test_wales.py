"""The Welsh framework: it loads and registers; the West Glamorgan example validates; reviews move
through their kind's stages with concise or extended decisions; the Board's clocks count the
bank holidays of England and Wales; the Welsh rules never run on an English board nor the
English ones on a Welsh board; and nothing the Welsh example prints uses English wording."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result
from lif_methodologies import METHODOLOGIES
from lif_wales import CHECKS, FRAMEWORK, INSPECTION_FRAMEWORKS

from lif_core import Plugins, validate_board
from lif_core.clocks import board_calendar, review_clocks
from lif_core.frameworks import due_date
from lif_core.model import Deadline, StatutoryPlan

ROOT = Path(__file__).resolve().parents[3]
WALES = ROOT / "examples" / "wales-regional"
CROYDON = ROOT / "examples" / "croydon"
D = dt.date
#: Words a Welsh board's outputs must never use: English law, guidance, bodies and review kinds.
#: "Working Together to Safeguard People" is the Welsh Government's own guidance and may be cited;
#: any other "Working Together" is England's.
ENGLISH = re.compile(
    r"working together(?! to safeguard people)|section 11|\bofsted\b|\blscbs?\b|regulation 5\b|\bdfe\b"
    r"|\blcsprs?\b|safeguarding partnership",
    re.IGNORECASE,
)
WELSH_CHECKS = {c.name for c in CHECKS}


@pytest.fixture
def plugins() -> Plugins:
    return Plugins.create()


@pytest.fixture
def wales(tmp_path: Path) -> Callable[..., Path]:
    """A private copy of the Welsh example, with text replaced: ``wales((old, new), ...)``; each
    ``old`` must be found exactly once in board.toml or register.toml."""

    made: list[Path] = []

    def copy(*changes: tuple[str, str]) -> Path:
        target = tmp_path / f"wales-{len(made)}"
        made.append(target)
        shutil.copytree(WALES, target)
        for old, new in changes:
            hits = [f for f in ("board.toml", "register.toml") if (target / f).read_text(encoding="utf-8").count(old)]
            assert len(hits) == 1, f"{old!r} found in {hits}"
            path = target / hits[0]
            text = path.read_text(encoding="utf-8")
            assert text.count(old) == 1, f"{old!r} is not unique in {hits[0]}"
            path.write_text(text.replace(old, new), encoding="utf-8")
        return target

    return copy


def problems(path: Path, plugins: Plugins) -> list[str]:
    result = validate_board(path, plugins)
    return [f"{p.severity}: {p.source}: {p.path}: {p.message}" for p in result.problems]


# --------------------------------------------------------------------------- the framework


def test_framework_loads_and_registers(plugins: Plugins) -> None:
    assert "wales-2014-act" in plugins.statutory_frameworks
    assert plugins.statutory_frameworks.plugin_of("wales-2014-act") == "wales"
    framework = plugins.statutory_frameworks.get("wales-2014-act")
    assert framework == FRAMEWORK
    assert (framework.country, framework.arrangement.name) == ("wales", "regional-safeguarding-children-board")
    assert (framework.calendar.country, framework.calendar.subdivision) == ("GB", "WLS")
    assert framework.words.duty_audit == "Section 28"
    assert framework.names("review_kinds") == (
        "child-practice-review",
        "multi-agency-professional-forum",
        "learning-review",
        "multi-agency-case-audit",
    )
    cpr = framework.review_kind("child-practice-review")
    assert cpr is not None and cpr.published and cpr.decision_stage == "decision"
    assert [d.name for d in cpr.decisions] == ["concise", "extended"]
    mapf = framework.review_kind("multi-agency-professional-forum")
    assert mapf is not None and not mapf.published and not mapf.decisions
    assert "children-act-2004-s28" in framework.names("duties")
    assert "children-act-2004-s11" not in framework.names("duties")
    role = framework.term("roles", "safeguarding-board-partner")
    assert role.holder == "agency" and {"local-authority", "police", "health"} <= set(role.sectors)
    assert framework.term("roles", "chair").holder == "person"
    # Audits are graded on a plain four-point scale, not an inspectorate's.
    assert framework.audit_scale == "four-point" and "ofsted" not in framework.names("grade_scales")
    assert {"wales", "region"} <= set(framework.names("comparator_kinds"))
    assert "section28" in framework.names("evidence_kinds")
    # Every vocabulary item that is law cites its source.
    for vocabulary in ("roles", "duties", "review_kinds", "obligations"):
        for item in getattr(framework, vocabulary):
            assert item.source, f"{vocabulary} {item.name} has no source"
    # Inspection frameworks and rules, from the same plugin.
    assert set(framework.inspection_frameworks) == {f.name for f in INSPECTION_FRAMEWORKS}
    for name in framework.inspection_frameworks:
        assert plugins.inspection_frameworks.plugin_of(name) == "wales"
    for check in CHECKS:
        assert check.frameworks == ("wales-2014-act",)
        assert plugins.checks.plugin_of(check.name) == "wales"


def test_annual_plan_and_report_are_due_as_section_136_says() -> None:
    plan = FRAMEWORK.term("obligations", "annual-plan")
    report = FRAMEWORK.term("obligations", "annual-report")
    # The plan before the financial year it covers begins; the report before 31 July after it ends.
    assert due_date(plan, "2025-26", None) == D(2025, 3, 31)
    assert due_date(report, "2024-25", None) == D(2025, 7, 30)
    assert due_date(report, "2025-26", None) == D(2026, 7, 30)


# --------------------------------------------------------------------------- the example


def test_the_example_validates_with_no_errors_or_warnings(plugins: Plugins) -> None:
    result = validate_board(WALES, plugins)
    assert [f"{p.path}: {p.message}" for p in result.problems] == []
    assert result.loaded is not None and result.loaded.framework is not None
    assert result.loaded.framework.name == "wales-2014-act"
    board = result.loaded.board
    assert {r.kind for r in board.reviews} == {"child-practice-review", "multi-agency-professional-forum"}
    assert {r.decision for r in board.reviews if r.kind == "child-practice-review"} == {"concise", "extended"}
    assert [p.kind for p in board.publications] == ["annual-plan", "annual-report"]
    assert all(c.kind in ("wales", "region") for m in board.measures for c in m.comparators)
    assert any(c.kind == "wales" for m in board.measures for c in m.comparators)
    assert [c.scale for c in board.section11_audits] == ["rag"]
    assert any(p.role == "chair" for p in board.people)


def test_validate_through_the_command_line(plugins: Plugins) -> None:
    from lif_core.cli import make_cli

    result = CliRunner().invoke(make_cli(plugins), ["validate", str(WALES)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{WALES}: valid (West Glamorgan Safeguarding Board (children):")
    assert "0 warning(s)" in result.stdout


# --------------------------------------------------------------------------- the review lifecycle


def test_a_child_practice_review_records_concise_or_extended(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(('decision = "concise"', 'decision = "short"'))
    assert (
        "error: review-lifecycle: reviews[0].decision: 'short' is not a decision of a child practice review; use one "
        "of concise, extended"
    ) in problems(board, plugins)


def test_a_review_past_its_decision_stage_records_its_decision(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(('decision = "extended"\n', ""))
    assert (
        "warning: review-lifecycle: reviews[1].decision: the review is past its decision stage but records no "
        "decision (concise, extended)"
    ) in problems(board, plugins)


def test_a_forum_records_no_decision(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(
        (
            'kind = "multi-agency-professional-forum"\n',
            'kind = "multi-agency-professional-forum"\ndecision = "concise"\n',
        )
    )
    assert (
        "error: review-lifecycle: reviews[2].decision: a multi-agency professional forum records no decision; leave "
        "decision out"
    ) in problems(board, plugins)


def test_stages_follow_the_kinds_order(wales: Callable[..., Path], plugins: Plugins) -> None:
    # A forum has no board-response or publication stage; a review's stages never go back.
    forum = wales(
        ('{ stage = "dissemination", date = 2025-07-16', '{ stage = "publication", date = 2025-07-16'),
        (
            'stage = "dissemination"\ncommissioned_by = "practice-review-group"\nagencies = ["swansea-council", "sbuhb"',
            'stage = "publication"\ncommissioned_by = "practice-review-group"\nagencies = ["swansea-council", "sbuhb"',
        ),
    )
    lifecycle = (
        "'publication' is not a stage of a multi-agency professional forum; its stages are referral -> decision -> "
        "information-gathering -> practitioner-involvement -> analysis -> report -> dissemination -> closed"
    )
    found = problems(forum, plugins)
    assert f"error: review-lifecycle: reviews[2].stage: {lifecycle}" in found
    assert f"error: review-lifecycle: reviews[2].stage_log[6].stage: {lifecycle}" in found
    backwards = wales(
        (
            '{ stage = "information-gathering", date = 2025-04-14 },\n'
            '  { stage = "practitioner-involvement", date = 2025-06-18, note = "Facilitated learning event" },',
            '{ stage = "practitioner-involvement", date = 2025-04-14 },\n'
            '  { stage = "information-gathering", date = 2025-06-18 },',
        )
    )
    assert any(
        p.startswith(
            "error: review-lifecycle: reviews[1].stage_log[4].stage: 'information-gathering' cannot follow "
            "'practitioner-involvement': a child practice review runs referral -> decision -> commissioning"
        )
        for p in problems(backwards, plugins)
    )


def test_the_welsh_methodology_reads_the_decision(wales: Callable[..., Path], plugins: Plugins) -> None:
    # Child A had no child protection plan and was not looked after: the 6-month rule makes it concise.
    board = wales(('decision = "concise"', 'decision = "extended"'))
    expected = (
        ": reviews[0].decision: [Welsh CPR: concise or extended (6-month rule)] declared 'extended' but the 6-month "
        "rule makes it 'concise' (no child protection plan and not looked after in the 6 months before the incident)"
    )
    assert [p for p in problems(board, plugins) if p.startswith("error: ") and p.endswith(expected)]


def test_the_welsh_methodology_still_reads_an_older_boards_variant(plugins: Plugins) -> None:
    loaded = validate_board(WALES, plugins).loaded
    assert loaded is not None
    methodology = next(m for m in METHODOLOGIES if m.name == "welsh-cpr")
    review = loaded.board.get("cpr-child-b")
    older = attrs.evolve(review, decision="", options={"variant": "concise"})
    messages = [f"{p.path}: {p.message}" for p in methodology.check(older, loaded)]
    assert messages == [
        "reviews[1].options: [Welsh CPR: concise or extended (6-month rule)] declared 'concise' but the 6-month rule "
        "makes it 'extended' (a child protection plan or being looked after in the 6 months before the incident)"
    ]
    assert list(methodology.check(attrs.evolve(review, decision="", options={}), loaded)) == []


def test_a_forums_clocks_are_not_a_child_practice_reviews(plugins: Plugins) -> None:
    loaded = validate_board(WALES, plugins).loaded
    assert loaded is not None and loaded.framework is not None
    board, framework, day = loaded.board, loaded.framework, D(2025, 9, 30)
    cpr = review_clocks(board.get("cpr-child-a"), board, day, framework)
    forum = review_clocks(board.get("mapf-family-c"), board, day, framework)
    panel = "review panel's first meeting within 20 working days of the decision"
    assert panel in {c.name for c in cpr}
    assert panel not in {c.name for c in forum}
    assert [c.name for c in forum] == ["Board response within 30 working days of the report"]
    # No statutory clock is claimed for either kind: none could be sourced.
    assert [c for c in (*cpr, *forum) if c.statutory] == []


# --------------------------------------------------------------------------- the calendar


def test_welsh_bank_holidays_drive_working_days(plugins: Plugins) -> None:
    loaded = validate_board(WALES, plugins).loaded
    assert loaded is not None and loaded.framework is not None
    board, framework = loaded.board, loaded.framework
    days = board_calendar(attrs.evolve(board, settings=attrs.evolve(board.settings, closures=())), framework)
    assert days.holiday(D(2025, 12, 25)) and days.holiday(D(2025, 12, 26)) and days.holiday(D(2026, 1, 1))
    assert days.holiday(D(2026, 4, 6))  # Easter Monday: a bank holiday in Wales, not in Scotland
    assert days.holiday(D(2026, 8, 31))  # the late summer bank holiday of England and Wales
    assert days.is_working_day(D(2026, 1, 2))  # 2 January: Scotland's, not Wales's
    assert days.is_working_day(D(2026, 8, 3))  # Scotland's summer bank holiday, not Wales's
    # Five working days from Friday 19 December 2025: 22, 23, 24, (25 and 26 are bank holidays) 29, 30.
    assert days.add(D(2025, 12, 19), 5) == D(2025, 12, 30)

    # Through a board deadline on a review, with the Board's own Christmas closure (24 December to
    # 1 January) too: 22, 23, then 2, 5 and 6 January.
    deadline = Deadline(name="test clock", from_date="decided", to_date="commissioned", working_days=5)
    settings = attrs.evolve(board.settings, deadlines=(deadline,))
    review = attrs.evolve(
        board.get("cpr-child-b"),
        dates=attrs.evolve(board.get("cpr-child-b").dates, decided=D(2025, 12, 19), commissioned=None),
    )
    clocks = review_clocks(review, attrs.evolve(board, settings=settings), D(2025, 12, 31), framework)
    assert [(c.name, c.due) for c in clocks] == [("test clock", D(2026, 1, 6))]
    without = attrs.evolve(board, settings=attrs.evolve(settings, closures=()))
    assert [c.due for c in review_clocks(review, without, D(2025, 12, 31), framework)] == [D(2025, 12, 30)]


# --------------------------------------------------------------------------- rules by nation


def test_welsh_rules_never_run_on_an_english_board(plugins: Plugins, tmp_path: Path) -> None:
    english = [plugins.statutory_frameworks.get(n) for n in ("england-wt2015", "england-wt2018", "england-wt2023")]
    for check in plugins.checks:
        if check.name in WELSH_CHECKS:
            assert not any(check.applies_to(f) for f in english)
            assert check.applies_to(FRAMEWORK)
    croydon = validate_board(CROYDON, plugins)
    assert croydon.ok, [p.message for p in croydon.errors]
    assert not [p for p in croydon.problems if p.source in WELSH_CHECKS]
    # A board with none of the Welsh roles, which every Welsh rule would report.
    (tmp_path / "board.toml").write_text(
        'format = 1\n[board]\nid = "e"\nname = "E"\narea = "E"\nstatutory_framework = "england-wt2023"\n'
        '[[partners]]\nid = "c"\nname = "Council"\nsector = "local-authority"\n',
        encoding="utf-8",
    )
    found = validate_board(tmp_path, plugins).problems
    assert any(p.source == "wt2023-education" for p in found)  # the English rules did run
    assert not [p for p in found if p.source in WELSH_CHECKS]


def test_english_rules_never_run_on_the_welsh_board(wales: Callable[..., Path], plugins: Plugins) -> None:
    english = [c for c in plugins.checks if plugins.checks.plugin_of(c.name) == "england"]
    assert english
    for check in english:
        assert not check.applies_to(FRAMEWORK)
    # No chair recorded: Working Together 2015's rule would report it; the Welsh board hears of the
    # role it is missing in its own words.
    board = wales(('chair = "Co-chairs from the statutory partners"\nnotes', "notes"))
    found = validate_board(board, plugins).problems
    assert not [p for p in found if p.source in {c.name for c in english}]
    assert not [p for p in found if ENGLISH.search(p.message)]


# --------------------------------------------------------------------------- the Welsh rules


def test_the_statutory_board_partners_are_there(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(
        (
            'name = "South Wales Police"\nsector = "police"\nsafeguarding_partner = true\nroles = ["safeguarding-board-partner"]',
            'name = "South Wales Police"\nsector = "police"\nroles = ["represented-body"]',
        ),
    )
    assert (
        "error: wales-board-partners: partners: Social Services and Well-being (Wales) Act 2014 s.134(2): no police "
        'partner is a Safeguarding Board partner (set roles = ["safeguarding-board-partner"]); the Board includes a '
        "representative of each local authority, the police, the Local Health Board and NHS Trusts, and probation"
    ) in problems(board, plugins)


def test_the_lead_partner_is_a_board_partner(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(
        (
            'roles = ["represented-body"]\nduties = ["children-act-2004-s28"]',
            'roles = ["represented-body", "lead-partner"]\nduties = ["children-act-2004-s28"]',
        )
    )
    found = problems(board, plugins)
    assert (
        "error: wales-lead-partner: partners[6].roles: Social Services and Well-being (Wales) Act 2014 s.134(3)(a): "
        'the lead partner is one of the Safeguarding Board partners; add "safeguarding-board-partner" to its roles'
    ) in found
    assert any(
        p.startswith("warning: wales-lead-partner: partners: ") and "2 partners hold the role" in p for p in found
    )


def test_statutory_partners_hold_the_section_28_duty(wales: Callable[..., Path], plugins: Plugins) -> None:
    board = wales(
        (
            'name = "South Wales Police"\nsector = "police"\nsafeguarding_partner = true\nroles = ["safeguarding-board-partner"]\nduties = ["children-act-2004-s28", ',
            'name = "South Wales Police"\nsector = "police"\nsafeguarding_partner = true\nroles = ["safeguarding-board-partner"]\nduties = [',
        )
    )
    assert (
        "warning: wales-section-28: partners[2].duties: a police Safeguarding Board partner has the Children Act 2004 "
        's.28 duty to safeguard and promote the welfare of children: add "children-act-2004-s28" to its duties'
    ) in problems(board, plugins)


def test_a_decision_against_the_six_month_rule_is_warned_about(wales: Callable[..., Path], plugins: Plugins) -> None:
    # Without the welsh-cpr methodology (which reports it as an error itself), the rule warns.
    board = wales(
        ('methodology = "welsh-cpr"\ndecision = "concise"', 'decision = "concise"'),
        (
            'statutory_plans = [{ kind = "care-and-support-plan", start = 2023-11-06, end = 2024-02-19 }]',
            'statutory_plans = [{ kind = "looked-after", start = 2023-11-06, end = 2024-02-19 }]',
        ),
    )
    found = problems(board, plugins)
    assert (
        "warning: wales-cpr-decision: reviews[0].decision: decided 'concise', but by its statutory_plans and incident "
        "date it is 'extended': the child had a child protection plan or was looked after in the 6 months before the "
        "incident (Safeguarding Boards (Functions and Procedures) (Wales) Regulations 2015)"
    ) in found
    # Where it agrees, nothing is said; the welsh-cpr methodology's reviews are left to it.
    assert not [p for p in problems(WALES, plugins) if "wales-cpr-decision" in p]


def test_an_extended_review_without_two_reviewers_is_warned_about(plugins: Plugins) -> None:
    loaded = validate_board(WALES, plugins).loaded
    assert loaded is not None
    check = next(c for c in CHECKS if c.name == "wales-cpr-decision")
    review = attrs.evolve(loaded.board.get("cpr-child-b"), methodology=None)
    one = attrs.evolve(review, reviewers=review.reviewers[:1])
    board = attrs.evolve(loaded.board, reviews=(loaded.board.reviews[0], one, loaded.board.reviews[2]))
    messages = [p.message for p in check.run(attrs.evolve(loaded, board=board), plugins)]
    assert messages == [
        "an extended child practice review is undertaken by two reviewers; 1 listed (Working Together to Safeguard "
        "People, Volume 2)"
    ]
    agrees = attrs.evolve(board, reviews=(loaded.board.reviews[0], review, loaded.board.reviews[2]))
    assert list(check.run(attrs.evolve(loaded, board=agrees), plugins)) == []
    # A plan ending more than 6 months before the incident makes it concise: the rule now says so.
    old_plan = (StatutoryPlan(kind=review.statutory_plans[0].kind, start=D(2023, 1, 1), end=D(2024, 6, 1)),)
    concise = attrs.evolve(
        board,
        reviews=(loaded.board.reviews[0], attrs.evolve(review, statutory_plans=old_plan), loaded.board.reviews[2]),
    )
    assert ["decided 'extended'" in p.message for p in check.run(attrs.evolve(loaded, board=concise), plugins)] == [
        True
    ]


# --------------------------------------------------------------------------- what a reader sees


@pytest.fixture
def run(plugins: Plugins) -> Callable[..., Result]:
    from lif_core.cli import make_cli

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(make_cli(plugins), list(args), catch_exceptions=False)

    return invoke


def _text(path: Path) -> str:
    """The words a format holds: a zip's XML, CSV and JSON members (Word, a workbook, the CSV
    files), a PDF's text, else the file as UTF-8."""
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return "\n".join(
                archive.read(n).decode("utf-8", "replace")
                for n in archive.namelist()
                if n.endswith((".xml", ".csv", ".json"))
            )
    if data.startswith(b"%PDF"):
        from pypdf import PdfReader

        return "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return data.decode("utf-8")


@pytest.mark.parametrize("command", [("report", "impact"), ("show",)])
def test_no_english_wording_in_any_format(
    run: Callable[..., Result], plugins: Plugins, tmp_path: Path, command: tuple[str, ...]
) -> None:
    formats = plugins.renderers.names()
    assert {"markdown", "html", "json", "csv", "text"} <= set(formats)
    for fmt in formats:
        out = tmp_path / f"out-{'-'.join(command)}.{fmt}"
        result = run(*command, str(WALES), "--format", fmt, "--output", str(out))
        assert result.exit_code == 0, result.output
        text = _text(out)
        assert fmt in ("csv", "csv-tidy") or "West Glamorgan" in text  # a CSV holds the tables alone
        assert len(text) > 500
        # Not even the Welsh guidance's title: the report and the summary never say "Working Together".
        found = sorted({m.group(0) for m in (*ENGLISH.finditer(text), *re.finditer("working together", text, re.I))})
        assert found == [], f"{' '.join(command)} --format {fmt}: {found}"
    assert not ENGLISH.search(run("reviews", str(WALES)).stdout)


def test_the_report_speaks_of_the_board_and_section_28(run: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    assert run("report", "impact", str(WALES), "--output", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "Section 28" in text
    assert "Child practice review" in text
    assert "Annual report" in text and "Annual plan" in text


def test_init_makes_a_welsh_board_that_validates(run: Callable[..., Result], plugins: Plugins, tmp_path: Path) -> None:
    target = tmp_path / "new-board"
    made = run(
        "init", str(target), "--framework", "wales-2014-act", "--name", "Example Board", "--area", "Exampleshire"
    )
    assert made.exit_code == 0, made.output
    assert sorted(p.name for p in target.iterdir()) == ["board.toml", "register.toml"]
    result = validate_board(target, plugins)
    # Only the annual report's required sections a new board has not yet written.
    assert result.ok and {p.source for p in result.problems} == {"report-content"}
    assert result.loaded is not None and result.loaded.framework == FRAMEWORK
    shown = run("show", str(target))
    assert shown.exit_code == 0 and "Exampleshire Council" in shown.stdout
    assert not ENGLISH.search(shown.stdout)
    assert not ENGLISH.search((target / "board.toml").read_text(encoding="utf-8"))
