"""lif-england's report definitions: each edition's yearly (annual) report names only installed
sections, marks required exactly what its guidance asks the report to contain, and a new
board from `lif init --framework` validates with one warning per required section it has not
filled, each gone once the board fills it; `lif report impact` follows the definition."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lif_england.plugin import ENGLISH

from lif_core import Plugins, validate_board
from lif_core.cli import make_cli
from lif_core.frameworks import ReportPart
from lif_core.report.definition import definition_problems

#: The sections each edition's guidance requires its report to cover.
REQUIRED = {
    # Children Act 2004 s.14A and Working Together 2015 ch.3 (and ch.5 for child deaths).
    "england-wt2015": {
        "effectiveness",
        "dataset",
        "progress",
        "reviews",
        "duty-audit",
        "training",
        "child-deaths",
        "funding",
    },
    # Working Together 2018 ch.3: what was done and how effective, impact (training among it),
    # little or no progress, local and national reviews' recommendations, feedback.
    "england-wt2018": {
        "priorities",
        "progress",
        "effectiveness",
        "dataset",
        "reviews",
        "recommendations",
        "training",
        "feedback",
    },
    # Working Together 2023 ch.2: the same, and independent scrutiny.
    "england-wt2023": {
        "priorities",
        "progress",
        "effectiveness",
        "dataset",
        "reviews",
        "recommendations",
        "training",
        "feedback",
        "scrutiny",
    },
}

#: What a new board from each template has not filled (its priority has no story; the
#: template's measure fills the dataset, its priority the progress analysis; a year with no
#: practice review is a year with none, so the reviews section is never unfilled).
UNFILLED = {
    "england-wt2015": {"effectiveness", "duty-audit", "training", "child-deaths", "funding"},
    "england-wt2018": {"priorities", "effectiveness", "recommendations", "training", "feedback"},
    "england-wt2023": {"priorities", "effectiveness", "recommendations", "training", "feedback", "scrutiny"},
}

REPORT_DAY = "\n[settings]\nreport_date = 2024-03-31\n"
WARNING = re.compile(
    r'^report: "(?P<title>[^"]+)" \(required in the (?P<framework>[a-z0-9-]+) (yearly|annual) report\): '
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


def new_board(plugins: Plugins, name: str, target: Path) -> Path:
    """A board from ``lif init --framework name``, judged as at 31 March 2024."""
    made = invoke(plugins, "init", str(target), "--framework", name, "--area", "Testshire", "--id", "testshire")
    assert made.exit_code == 0, made.output
    board = target / "board.toml"
    text = board.read_text(encoding="utf-8")
    assert "[settings]" not in text
    board.write_text(text + REPORT_DAY, encoding="utf-8")
    return target


def unfilled(plugins: Plugins, root: Path) -> dict[str, str]:
    """The report-content warnings, by section title: each section warned about once."""
    result = validate_board(root, plugins)
    assert result.ok, [str(p) for p in result.problems if p.is_error]
    found: dict[str, str] = {}
    for problem in result.problems:
        if problem.source != "report-content":
            continue
        assert problem.severity == "warning"
        match = WARNING.match(problem.message)
        assert match is not None, problem.message
        assert match["title"] not in found, f"warned twice: {match['title']}"
        found[match["title"]] = problem.message
    return found


def heading(plugins: Plugins, part: ReportPart) -> str:
    """A part's heading in the report: its own title, else its section's."""
    return part.title or plugins.report_sections.get(part.section).title


def titles(plugins: Plugins, name: str, sections: set[str]) -> set[str]:
    report = plugins.statutory_frameworks.get(name).report
    assert report is not None
    return {heading(plugins, p) for p in report.sections if p.section in sections}


# --------------------------------------------------------------------------- the definitions


@pytest.mark.parametrize("name", ENGLISH)
def test_each_edition_defines_its_report_from_installed_sections(plugins: Plugins, name: str) -> None:
    report = plugins.statutory_frameworks.get(name).report
    assert report is not None
    assert report.title == ("Annual report" if name == "england-wt2015" else "Yearly report")
    sections = [p.section for p in report.sections]
    assert len(set(sections)) == len(sections)
    assert set(sections) <= set(plugins.report_sections.names())
    assert {"foreword", "summary", "arrangements", "next-year"} <= set(sections)
    headings = [heading(plugins, p) for p in report.sections]
    assert all(headings) and len(set(headings)) == len(headings)
    assert not any(p.narrative for p in report.sections)  # a framework names no file in a board's folder
    assert {p.section for p in report.sections if p.required} == REQUIRED[name]
    edition = name.removeprefix("england-wt")
    for part in report.sections:
        if part.required:
            assert part.guidance.endswith(".") and part.guidance.count(". ") == 0, part.guidance
            assert f"Working Together {edition}" in part.guidance or "Children Act 2004" in part.guidance
        else:
            assert not part.guidance


@pytest.mark.parametrize("name", ENGLISH)
def test_a_new_board_has_the_framework_report_with_no_definition_problem(
    plugins: Plugins, name: str, tmp_path: Path
) -> None:
    root = new_board(plugins, name, tmp_path / "board")
    loaded = validate_board(root, plugins).loaded
    assert loaded is not None and loaded.framework is not None and loaded.framework.report is not None
    assert definition_problems(loaded, plugins, loaded.framework.report) == []


# --------------------------------------------------------------------------- lif validate


@pytest.mark.parametrize("name", ENGLISH)
def test_a_new_board_warns_once_per_unfilled_required_section(plugins: Plugins, name: str, tmp_path: Path) -> None:
    root = new_board(plugins, name, tmp_path / "board")
    checked = invoke(plugins, "validate", str(root))
    assert checked.exit_code == 0, checked.output
    warnings = unfilled(plugins, root)
    assert set(warnings) == titles(plugins, name, UNFILLED[name])
    report = plugins.statutory_frameworks.get(name).report
    assert report is not None
    for part in report.sections:
        title = heading(plugins, part)
        if title in warnings:
            assert warnings[title].endswith(f"; the guidance: {part.guidance}")
            assert f'warning: report: "{title}"' in checked.output


def test_filling_each_section_of_a_wt2023_board_clears_its_warning(plugins: Plugins, tmp_path: Path) -> None:
    name = "england-wt2023"
    root = new_board(plugins, name, tmp_path / "board")
    expected = set(UNFILLED[name])
    assert set(unfilled(plugins, root)) == titles(plugins, name, expected)
    board, register = root / "board.toml", root / "register.toml"
    narrative = root / "narrative"
    narrative.mkdir()

    def fill(section: str) -> None:
        expected.discard(section)
        assert set(unfilled(plugins, root)) == titles(plugins, name, expected), section

    # The foreword is not required: writing it changes no warning.
    (narrative / "foreword.md").write_text("A year of learning together.\n", encoding="utf-8")
    fill("foreword")
    (narrative / "effectiveness.md").write_text("## Our judgement\n\nEffective, with gaps.\n", encoding="utf-8")
    fill("effectiveness")
    (narrative / "right-help.md").write_text("We rebuilt the front door.\n", encoding="utf-8")
    text = board.read_text(encoding="utf-8")
    board.write_text(
        text.replace('id = "prio-right-help"\n', 'id = "prio-right-help"\nnarrative = "narrative/right-help.md"\n'),
        encoding="utf-8",
    )
    fill("priorities")
    with register.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[courses]]\nid = "course-1"\ntitle = "Neglect: seeing the child"\nperiod = "2023-24"\nsessions = 4\n'
        )
    fill("training")
    with register.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[feedback]]\nid = "fb-1"\ndate = 2023-11-20\ngiven_by = "young-people"\nhow = "Youth forum"\n'
            'said = "Workers change too often."\ndid = "Named worker for every child on a plan."\n'
        )
    fill("feedback")
    with register.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[scrutiny]]\nid = "scr-1"\ntitle = "Scrutiny of the front door"\ndate = 2024-02-14\n'
            'scrutineer = "Independent scrutineer"\nfindings = ["Thresholds are understood"]\n'
        )
    fill("scrutiny")
    # A local review's recommendation is not yet enough: the guidance asks for national ones too.
    with register.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[recommendations]]\nid = "rec-1"\ntext = "Share the learning on neglect"\nkind = "knowledge-and-skill"\n'
            "made = 2023-09-01\n"
        )
    assert set(unfilled(plugins, root)) == titles(plugins, name, expected)
    assert "no response to a national review" in unfilled(plugins, root)["Acting on local and national reviews"]
    with register.open("a", encoding="utf-8") as out:
        out.write(
            '\n[[national_reviews]]\nid = "nr-1"\ntitle = "Child Protection in England"\n'
            'publisher = "Child Safeguarding Practice Review Panel"\npublished = 2022-05-25\n'
            '\n[[recommendations]]\nid = "rec-2"\ntext = "Strengthen multi-agency child protection practice"\n'
            'kind = "system-design"\nsource = "nr-1"\nmade = 2023-06-01\n'
        )
    fill("recommendations")
    assert unfilled(plugins, root) == {}
    checked = invoke(plugins, "validate", "--strict", str(root))
    assert checked.exit_code == 0, checked.output


def test_a_board_report_toml_replaces_the_framework_report(plugins: Plugins, tmp_path: Path) -> None:
    root = new_board(plugins, "england-wt2023", tmp_path / "board")
    (root / "report.toml").write_text('title = "Our story"\n[[sections]]\nsection = "summary"\n', encoding="utf-8")
    assert unfilled(plugins, root) == {}
    shown = invoke(plugins, "report", "impact", str(root), "-f", "json")
    assert shown.exit_code == 0, shown.output
    assert [s["section"] for s in json.loads(shown.output)["sections"]] == ["summary"]


# --------------------------------------------------------------------------- lif report impact


@pytest.mark.parametrize("name", ENGLISH)
def test_report_impact_on_a_new_board_follows_the_definition(plugins: Plugins, name: str, tmp_path: Path) -> None:
    root = new_board(plugins, name, tmp_path / "board")
    shown = invoke(plugins, "report", "impact", str(root), "-f", "json")
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    report = plugins.statutory_frameworks.get(name).report
    assert report is not None
    assert [s["section"] for s in document["sections"]] == [p.section for p in report.sections]
    assert [s["title"] for s in document["sections"]] == [heading(plugins, p) for p in report.sections]
    # lif init names the board after its area and its arrangement, as a name is written.
    arrangement = plugins.statutory_frameworks.get(name).arrangement.title.title()
    assert document["title"] == f"Testshire {arrangement}: {report.title} 2023-24"
