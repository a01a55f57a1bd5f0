"""The report's checks (lif_core.builtins.report_checks): a board's report.toml is checked
with its key paths, never with a traceback; the narrative files a report reads must be
readable; a framework's report naming a section nobody installed is a warning; and every
required section the board has not filled is one warning, gone once it is filled."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins, ReportSection, hookimpl, validate_board
from lif_core.builtins.report_checks import report_content, report_definition_check
from lif_core.cli import make_cli
from lif_core.document import Paragraph, Section
from lif_core.frameworks import ReportDefinition, ReportPart
from lif_core.report import SectionContext

MakeBoard = Callable[..., Path]

REPORT_DAY = """
[settings]
report_date = 2024-03-31
"""


def invoke(plugins: Plugins, *args: str) -> Result:
    return CliRunner().invoke(make_cli(plugins), list(args))


def validate_output(plugins: Plugins, root: Path) -> tuple[int, str]:
    result = invoke(plugins, "validate", str(root))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def report_problems(plugins: Plugins, root: Path, *, left_out: bool = True) -> list[str]:
    """The problems the two report checks found, as lif validate prints them; without
    ``left_out``, leaving aside the warning that a board's report.toml leaves out sections its
    framework requires (tests about one section's warning write a report.toml of a few)."""
    result = validate_board(root, plugins)
    return [
        str(p)
        for p in result.problems
        if p.source in ("report-definition", "report-content") and (left_out or "leaves out what" not in p.message)
    ]


# --------------------------------------------------------------------------- report.toml


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            '[[sections]]\nsection = "forword"\n',
            "report.toml: sections[0].section: no report section 'forword' (did you mean 'foreword'?)",
            id="unknown-section",
        ),
        pytest.param(
            '[[sections]]\nsection = "summary"\n[[sections]]\nsection = "foreword"\nnarrative = "../outside.md"\n',
            "report.toml: sections[1].narrative: '../outside.md' points outside the board folder",
            id="narrative-outside",
        ),
        pytest.param(
            '[[sections]]\nsection = "foreword"\nnarrative = "narrative/none.md"\n',
            "report.toml: sections[0].narrative: 'narrative/none.md': no such file in the board folder",
            id="narrative-missing",
        ),
        pytest.param(
            '[[sections]]\nsection = "foreword"\nnarrative = "narrative/foreword.txt"\n',
            "report.toml: sections[0].narrative: 'narrative/foreword.txt' must be a Markdown file",
            id="narrative-not-markdown",
        ),
        pytest.param("[[sections]\nsection = 'summary'\n", "report.toml: not valid TOML", id="toml-syntax"),
        pytest.param(
            '[[sections]]\nsection = "summary"\nrequired = "yes"\n',
            "report.toml: sections[0].required: expected true or false",
            id="wrong-type",
        ),
        pytest.param("title = 3\n", "report.toml: title: expected text", id="title-type"),
        pytest.param('sections = "summary"\n', "report.toml: sections: expected a list", id="sections-type"),
        pytest.param(
            'titel = "Annual report"\n', "report.toml: titel: unknown key; a report definition has", id="unknown-key"
        ),
        pytest.param(
            '[[sections]]\nsection = "Summary!"\n',
            "report.toml: sections[0].section: 'Summary!' is not a name",
            id="name",
        ),
        pytest.param(
            '[[sections]]\nsection = "summary"\n[[sections]]\nsection = "summary"\n',
            "report.toml: sections[1]: section 'summary' is listed twice (also sections[0])",
            id="twice",
        ),
    ],
)
def test_a_bad_report_toml_is_an_error_naming_the_file_and_key(
    plugins: Plugins, make_board: MakeBoard, text: str, expected: str
) -> None:
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text(text, encoding="utf-8")
    code, output = validate_output(plugins, root)
    assert code == 1
    assert expected in output
    found = report_problems(plugins, root)
    assert any(expected in p for p in found), found
    assert not [p for p in validate_board(root, plugins).problems if p.source == "report-content"]


def test_a_report_toml_that_cannot_be_read_is_an_error(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_bytes(b"\xff\xfe[[sections]]")
    code, output = validate_output(plugins, root)
    assert code == 1 and "report.toml: not UTF-8 text" in output
    (root / "report.toml").unlink()
    (root / "report.toml").mkdir()
    code, output = validate_output(plugins, root)
    assert code == 1 and "report.toml: cannot read" in output


def test_a_report_toml_outside_the_folder_is_refused(plugins: Plugins, make_board: MakeBoard, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('[[sections]]\nsection = "summary"\n', encoding="utf-8")
    root = make_board(REPORT_DAY, report=None)
    (root / "report.toml").symlink_to(outside)
    code, output = validate_output(plugins, root)
    assert code == 1 and "points outside the board folder" in output


def test_an_empty_report_toml_is_a_warning(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text("# nothing yet\n", encoding="utf-8")
    code, output = validate_output(plugins, root)
    assert code == 0
    assert "warning: report.toml: sections: lists no section" in output


def test_a_narrative_file_the_report_reads_must_be_readable(plugins: Plugins, make_board: MakeBoard) -> None:
    """A default narrative file (narrative/<section>.md) that is not UTF-8, or is a link out of
    the folder, would stop the report: lif validate says so first, naming the file."""
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text('[[sections]]\nsection = "foreword"\nrequired = true\n', encoding="utf-8")
    (root / "narrative").mkdir()
    (root / "narrative" / "foreword.md").write_bytes(b"\xffnot text")
    code, output = validate_output(plugins, root)
    assert code == 1
    assert "narrative/foreword.md: not UTF-8 text" in output
    assert "is required" not in output  # the unreadable file is the problem, not an unfilled section
    (root / "narrative" / "foreword.md").unlink()
    (root / "narrative" / "foreword.md").symlink_to(Path(__file__))
    code, output = validate_output(plugins, root)
    assert code == 1 and "narrative/foreword.md: 'narrative/foreword.md' points outside the board folder" in output


# --------------------------------------------------------------------------- required sections


def _own_sections_host() -> Plugins:
    """A host with two extra sections: one with no ``missing`` (taken as filled), one that is
    the board's own text with no ``missing`` (unfilled until its narrative is written)."""

    def build(_context: SectionContext) -> Section:
        return Section("", (Paragraph("From the register."),))

    class P:
        @hookimpl
        def register_report_sections(self, register: Callable[[ReportSection], None]) -> None:
            register(ReportSection(name="from-register", title="From the register", description="-", build=build))
            register(
                ReportSection(
                    name="own-words",
                    title="Our own words",
                    description="-",
                    build=lambda _c: Section(""),
                    narrative_only=True,
                )
            )

    host = Plugins.create()
    host.register(P(), name="test-sections")
    return host


def test_a_board_report_toml_warns_for_each_required_section_unfilled(make_board: MakeBoard) -> None:
    host = _own_sections_host()
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text(
        'title = "Our report"\n'
        '[[sections]]\nsection = "summary"\nrequired = true\n'
        '[[sections]]\nsection = "from-register"\nrequired = true\n'
        '[[sections]]\nsection = "own-words"\ntitle = "In our words"\nrequired = true\nguidance = "Say it plainly."\n'
        '[[sections]]\nsection = "foreword"\n'
        '[[sections]]\nsection = "effectiveness"\nrequired = true\nnarrative = "story/judgement.md"\n'
        '[[sections]]\nsection = "training"\nrequired = true\n',
        encoding="utf-8",
    )
    (root / "story").mkdir()
    (root / "story" / "judgement.md").write_text("", encoding="utf-8")
    code, output = validate_output(host, root)
    assert code == 0, output
    assert report_problems(host, root, left_out=False) == [
        'warning: report.toml: sections[2]: "In our words" is required: nothing is written yet '
        "(write it in narrative/own-words.md); the guidance: Say it plainly.",
        'warning: report.toml: sections[4]: "How effective the arrangements have been" is required: the board\'s '
        "judgement of how effective the arrangements have been is not yet written (write it in story/judgement.md)",
        'warning: report.toml: sections[5]: "Training and its impact" is required: no training course is recorded '
        "(add [[courses]])",
    ]
    (root / "narrative").mkdir()
    (root / "narrative" / "own-words.md").write_text("# Why\n\nBecause.\n", encoding="utf-8")
    (root / "story" / "judgement.md").write_text("Effective, on the evidence below.\n", encoding="utf-8")
    assert [p for p in report_problems(host, root, left_out=False) if "sections[5]" not in p] == []


def test_a_board_report_toml_leaving_out_a_required_section_is_a_warning(
    plugins: Plugins, make_board: MakeBoard
) -> None:
    """A board's report.toml replaces its framework's report whole: leaving out a section the
    framework requires is allowed, but said, so a partnership does not lose statutory content
    without knowing."""
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text('[[sections]]\nsection = "summary"\n', encoding="utf-8")
    (warning,) = [p for p in report_problems(plugins, root) if "leaves out" in p]
    assert warning.startswith(
        "warning: report.toml: sections: leaves out what England: safeguarding partnership (Working Together 2018)'s "
        "yearly report requires: What we did: our priorities (priorities); "
    )
    assert warning.endswith("list each (under any title), or the published report will not cover it")


def test_a_framework_report_naming_an_uninstalled_section_is_a_warning(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board(REPORT_DAY, report=None)
    result = validate_board(root, plugins)
    loaded = result.loaded
    assert loaded is not None and loaded.framework is not None
    report = ReportDefinition(
        title="Yearly report",
        sections=(ReportPart(section="summary"), ReportPart(section="not-installed", required=True)),
    )
    board = attrs.evolve(loaded, framework=attrs.evolve(loaded.framework, report=report))
    problems = list(report_definition_check(board, plugins))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == "warning"
    assert (problem.file, problem.path) == ("board.toml", "board.statutory_framework")
    assert "names section 'not-installed' (report.sections[1]), which no installed plugin registers" in problem.message
    assert list(report_content(board, plugins)) == []  # a section that is not there is not judged


def test_records_after_the_report_day_do_not_fill_a_section(plugins: Plugins, make_board: MakeBoard) -> None:
    """The board is judged as it stood on its report day: scrutiny reported later does not
    fill the scrutiny section of the report as at 31 March 2024."""
    root = make_board(REPORT_DAY)
    (root / "report.toml").write_text('[[sections]]\nsection = "scrutiny"\nrequired = true\n', encoding="utf-8")
    scrutiny = '\n[[scrutiny]]\nid = "scr-1"\ntitle = "Scrutiny of the front door"\ndate = {day}\n'
    board = root / "board.toml"
    text = board.read_text(encoding="utf-8")
    board.write_text(text + scrutiny.format(day="2024-05-01"), encoding="utf-8")
    assert [p for p in report_problems(plugins, root) if "Independent scrutiny" in p]
    board.write_text(text + scrutiny.format(day="2024-02-01"), encoding="utf-8")
    assert report_problems(plugins, root, left_out=False) == []


def test_the_report_day_is_today_without_a_report_date(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board("")
    (root / "report.toml").write_text('[[sections]]\nsection = "scrutiny"\nrequired = true\n', encoding="utf-8")
    board = root / "board.toml"
    today = dt.date.today().isoformat()
    board.write_text(
        board.read_text(encoding="utf-8") + f'\n[[scrutiny]]\nid = "s"\ntitle = "Scrutiny"\ndate = {today}\n',
        encoding="utf-8",
    )
    assert report_problems(plugins, root, left_out=False) == []


def test_a_record_naming_a_narrative_file_that_is_missing_or_outside_is_an_error(
    plugins: Plugins, make_board: MakeBoard, tmp_path: Path
) -> None:
    """A priority's story or a scrutineer's account the report would read must be there: lif
    validate says which record names it, before lif report stops on it."""
    root = make_board(
        REPORT_DAY
        + '[[priorities]]\nid = "p1"\ntitle = "Babies"\nnarrative = "narrative/babies.md"\n'
        + '[[scrutiny]]\nid = "s1"\ntitle = "Scrutiny"\ndate = 2025-01-10\nnarrative = "narrative/s1.md"\n'
    )
    (tmp_path / "outside.md").write_text("secret", encoding="utf-8")
    (root / "narrative").mkdir()
    (root / "narrative" / "s1.md").symlink_to(tmp_path / "outside.md")
    problems = [str(p) for p in validate_board(root, plugins).errors]
    assert problems == [
        "board.toml: priorities[0].narrative: 'narrative/babies.md': cannot read: No such file or directory: "
        "write the file, or correct the path",
        f"board.toml: scrutiny[0].narrative: 'narrative/s1.md': 'narrative/s1.md' points outside the board folder "
        f"{root}: write the file, or correct the path",
    ]
    (root / "narrative" / "s1.md").unlink()
    (root / "narrative" / "s1.md").write_text("Found.\n", encoding="utf-8")
    (root / "narrative" / "babies.md").write_text("Story.\n", encoding="utf-8")
    assert validate_board(root, plugins).ok


def test_a_years_own_narrative_is_read_for_a_report_on_that_year(plugins: Plugins, make_board: MakeBoard) -> None:
    """narrative/<year>/<section>.md is that year's text, before narrative/<section>.md: a
    report as at a day in 2024-25 shows 2024-25's foreword, one in 2025-26 the general one."""
    root = make_board(report='title = "Yearly report"\n[[sections]]\nsection = "foreword"\nrequired = true\n')
    (root / "narrative" / "2024-25").mkdir(parents=True)
    (root / "narrative" / "2024-25" / "foreword.md").write_text("Our year 2024-25.\n", encoding="utf-8")
    (root / "narrative" / "foreword.md").write_text("Our words for any year.\n", encoding="utf-8")

    def foreword(day: str) -> str:
        result = CliRunner().invoke(
            make_cli(plugins), ["report", "impact", str(root), "--as-of", day, "-f", "json", "--no-progress"]
        )
        assert result.exit_code == 0, result.output
        (section,) = json.loads(result.stdout)["sections"]
        return str(section["blocks"][0]["text"])

    assert foreword("2025-03-31") == "Our year 2024-25."
    assert foreword("2025-04-01") == "Our words for any year."
