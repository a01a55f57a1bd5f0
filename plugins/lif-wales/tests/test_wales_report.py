"""lif-wales's report definition: the Board's annual report names only installed sections and
marks required what the Act (s.136(2)) and the Safeguarding Boards (General) (Wales)
Regulations 2015 ask it to contain; a new board from `lif init --framework wales-2014-act`
validates with one warning per required section it has not filled, each gone once filled;
the annual plan's priorities show under the year ahead; `lif report impact` follows the
definition; nothing in it uses English wording."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins, validate_board
from lif_core.cli import make_cli
from lif_core.report.definition import definition_problems

NAME = "wales-2014-act"
REQUIRED = {
    "arrangements",  # the Board's membership
    "priorities",  # action taken to achieve its objectives; how far the annual plan was implemented
    "reviews",  # child practice reviews: how it exercised its functions
    "recommendations",  # advice from the Welsh Ministers and the National Independent Safeguarding Board
    "themes",  # underlying themes in how it exercised its functions
    "effectiveness",  # how far each agency contributed to its effectiveness
    "narrative",  # collaboration with other bodies; requests for information under s.137
    "feedback",  # when and how children took part in its work
    "training",  # learning disseminated, training recommended or provided
    "funding",  # how it used its resources
}
#: What a new Welsh board has not filled (the template records the Board's membership; the
#: themes and reviews sections are never unfilled: a year may have none).
UNFILLED = {"priorities", "recommendations", "effectiveness", "narrative", "feedback", "training", "funding"}
REPORT_DAY = "\nreport_date = 2024-03-31\n"
WARNING = re.compile(r'^report: "(?P<title>[^"]+)" \(required in the wales-2014-act annual report\): ')
ENGLISH = re.compile(
    r"working together(?! to safeguard people)|section 11|\bofsted\b|\blscbs?\b|regulation 5\b|\bdfe\b"
    r"|\blcsprs?\b|safeguarding partnership",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_DISABLE_PLUGINS", raising=False)
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")


@pytest.fixture
def plugins() -> Plugins:
    return Plugins.create()


def invoke(plugins: Plugins, *args: str) -> Result:
    result = CliRunner().invoke(make_cli(plugins), list(args))
    assert "Traceback" not in result.output
    return result


def new_board(plugins: Plugins, target: Path) -> Path:
    """A board from ``lif init --framework wales-2014-act``, judged as at 31 March 2024."""
    made = invoke(plugins, "init", str(target), "--framework", NAME, "--area", "Exampleshire", "--id", "example")
    assert made.exit_code == 0, made.output
    board = target / "board.toml"
    text = board.read_text(encoding="utf-8")
    assert text.count("[settings]\n") == 1
    board.write_text(text.replace("[settings]\n", "[settings]" + REPORT_DAY, 1), encoding="utf-8")
    return target


def unfilled(plugins: Plugins, root: Path) -> dict[str, str]:
    result = validate_board(root, plugins)
    assert result.ok, [str(p) for p in result.problems if p.is_error]
    found: dict[str, str] = {}
    for problem in result.problems:
        if problem.source == "report-content":
            match = WARNING.match(problem.message)
            assert match is not None and problem.severity == "warning", problem.message
            assert match["title"] not in found
            found[match["title"]] = problem.message
    return found


def titles(plugins: Plugins, sections: set[str]) -> set[str]:
    report = plugins.statutory_frameworks.get(NAME).report
    assert report is not None
    return {p.title or plugins.report_sections.get(p.section).title for p in report.sections if p.section in sections}


def test_the_annual_report_is_defined_from_installed_sections(plugins: Plugins) -> None:
    report = plugins.statutory_frameworks.get(NAME).report
    assert report is not None and report.title == "Annual report"
    sections = [p.section for p in report.sections]
    assert len(set(sections)) == len(sections)
    assert set(sections) <= set(plugins.report_sections.names())
    assert {p.section for p in report.sections if p.required} == REQUIRED
    assert not {"scrutiny", "child-deaths"} & set(sections)  # England's independent scrutiny and CDOP
    assert not any(p.narrative for p in report.sections)
    for part in report.sections:
        if part.required:
            assert part.title, part.section  # said in the regulations' words
            assert "Wales" in part.guidance and part.guidance.endswith("."), part.guidance
        text = f"{part.title} {part.guidance}"
        assert not ENGLISH.search(text), text
    year_ahead = next(p for p in report.sections if p.section == "next-year")
    assert year_ahead.title == "The annual plan for the year ahead" and not year_ahead.required


def test_a_new_welsh_board_warns_once_per_unfilled_required_section(plugins: Plugins, tmp_path: Path) -> None:
    root = new_board(plugins, tmp_path / "board")
    loaded = validate_board(root, plugins).loaded
    assert loaded is not None and loaded.framework is not None and loaded.framework.report is not None
    assert definition_problems(loaded, plugins, loaded.framework.report) == []
    checked = invoke(plugins, "validate", str(root))
    assert checked.exit_code == 0, checked.output
    assert not ENGLISH.search(checked.output), checked.output
    warnings = unfilled(plugins, root)
    assert set(warnings) == titles(plugins, UNFILLED)
    assert (
        "write it in narrative/working-with-other-bodies-and-requests-for-information.md"
        in warnings["Working with other bodies, and requests for information"]
    )


def test_writing_the_boards_own_words_clears_their_warnings(plugins: Plugins, tmp_path: Path) -> None:
    root = new_board(plugins, tmp_path / "board")
    narrative = root / "narrative"
    narrative.mkdir()
    (narrative / "effectiveness.md").write_text("Each agency played its part.\n", encoding="utf-8")
    (narrative / "working-with-other-bodies-and-requests-for-information.md").write_text(
        "## Working with other bodies\n\nWith the regional partnership board.\n\n## Requests under s.137\n\nNone.\n",
        encoding="utf-8",
    )
    with (root / "register.toml").open("a", encoding="utf-8") as out:
        out.write(
            '\n[[contributions]]\nid = "c-1"\nperiod = "2023-24"\npartner = "local-authority"\namount = 50000\n'
            '\n[[feedback]]\nid = "fb-1"\ndate = 2023-10-02\ngiven_by = "children"\nhow = "Junior board"\n'
            'said = "We want to be asked."\n'
        )
    assert set(unfilled(plugins, root)) == titles(
        plugins, UNFILLED - {"effectiveness", "narrative", "funding", "feedback"}
    )


def test_the_annual_plans_priorities_show_under_the_year_ahead(plugins: Plugins, tmp_path: Path) -> None:
    root = new_board(plugins, tmp_path / "board")
    with (root / "register.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[priorities]]\nid = "plan-2024"\ntitle = "Children missing education"\nperiod = "2024-25"\n')
    shown = invoke(plugins, "report", "impact", str(root), "-f", "json")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    report = plugins.statutory_frameworks.get(NAME).report
    assert report is not None
    assert [s["section"] for s in document["sections"]] == [p.section for p in report.sections]
    assert document["title"].endswith(": Annual report 2023-24")
    year_ahead = next(s for s in document["sections"] if s["section"] == "next-year")
    assert year_ahead["title"] == "The annual plan for the year ahead"
    assert "Children missing education" in json.dumps(year_ahead)
    markdown = invoke(plugins, "report", "impact", str(root), "-f", "markdown")
    assert not ENGLISH.search(markdown.output), ENGLISH.findall(markdown.output)
