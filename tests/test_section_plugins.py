"""A third party's report section, as the plugin guide's worked example writes it: the Riverside
board's own section (docs/examples/riverside/plugins/riverside_sections.py), placed, renamed and
given narrative by its report.toml, with no change to lif-core; and sections that go wrong."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import shutil
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from lif_core import Plugins, ReportSection, Section, SectionContext, hookimpl, impact_report, open_board
from lif_core.frameworks import ReportPart
from lif_core.testing import LifResult, LifRunner, assert_protected, make_plugins

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RIVERSIDE = ROOT / "docs" / "examples" / "riverside"
SECTIONS_FILE = "plugins/riverside_sections.py"
AS_OF = "2025-03-31"  # Riverside's settings.report_date: its records are of the year 2024-25


def _load_sections() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("riverside_sections", RIVERSIDE / SECTIONS_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report(host: Plugins, board: Path, *args: str) -> LifResult:
    """``lif report impact BOARD -f json``: as at the board's report_date unless ``args`` say otherwise."""
    return LifRunner(host)("report", "impact", board, "-f", "json", *args)


def _json(result: LifResult) -> dict[str, Any]:
    document: dict[str, Any] = result.assert_ok().json()
    return document


def _section(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [s for s in document["sections"] if s["section"] == name]
    assert len(found) == 1, [s["section"] for s in document["sections"]]
    return found[0]


def _walk(section: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield section
    for sub in section["sections"]:
        yield from _walk(sub)


def _texts(section: dict[str, Any]) -> list[str]:
    """Every piece of text a reader sees in a section: titles, paragraphs, list items, cells."""
    out: list[str] = []
    for part in _walk(section):
        out.append(part["title"])
        for block in part["blocks"]:
            out += [block.get("text", ""), block.get("caption", ""), *block.get("items", ())]
            out += [str(cell) for row in block.get("rows", ()) for cell in row]
    return out


@pytest.fixture
def riverside(tmp_path: Path) -> Path:
    target = tmp_path / "riverside"
    shutil.copytree(RIVERSIDE, target)
    return target


def _without_local_sections(board: Path) -> None:
    """The board as it reads where the section plugin is installed rather than shipped in it."""
    toml = board / "board.toml"
    text = toml.read_text(encoding="utf-8")
    assert f', "{SECTIONS_FILE}"' in text
    toml.write_text(text.replace(f', "{SECTIONS_FILE}"', ""), encoding="utf-8")


# ---------------------------------------------------------------- the worked example


def test_the_report_has_the_sections_of_the_boards_report_toml_in_its_order_under_its_titles() -> None:
    document = _json(_report(make_plugins(), RIVERSIDE))
    definition = tomllib.loads((RIVERSIDE / "report.toml").read_text(encoding="utf-8"))
    host = make_plugins()
    loaded = open_board(RIVERSIDE, host)  # the board's local plugins, for their sections' own titles
    assert loaded.framework is not None and loaded.framework.report is not None
    framework_titles = {p.section: p.title for p in loaded.framework.report.sections}
    expected = [
        (
            p["section"],
            p.get("title") or framework_titles.get(p["section"]) or host.report_sections.get(p["section"]).title,
        )
        for p in definition["sections"]
    ]
    assert [(s["section"], s["title"]) for s in document["sections"]] == expected
    # What the file says, spelt out: reordered, renamed, some dropped, its own section added; a
    # part it leaves untitled keeps the framework's title for it, else the section's own.
    assert expected == [
        ("summary", "The year at a glance"),
        ("priorities", "Our priorities, and what we did"),
        ("progress", "Where there has been little or no progress"),
        ("effectiveness", "How well the partnership works"),
        ("dataset", "Impact on outcomes for children and families"),
        ("reviews", "What our case reviews are teaching us"),
        ("recommendations", "Acting on local and national reviews"),
        ("riverside-audits", "Multi-agency audit programme"),
        ("narrative", "What our young people's panel told us"),
        ("voice", "Hearing children and families"),
        ("feedback", "What children and families told us, and what changed"),
        ("themes", "Recurring themes"),
        ("inspection", "Our regional peer review"),
        ("training", "Training and its impact"),
    ]
    assert document["title"] == "Riverside Safeguarding Children Partnership: Learning and improvement report 2024-25"


def test_the_plugins_section_shows_the_boards_audit_programme_by_name() -> None:
    section = _section(_json(_report(make_plugins(), RIVERSIDE)), "riverside-audits")
    # The board's narrative for it (narrative/riverside-audits.md, found by the section's name) first.
    assert section["blocks"][0] == {
        "type": "paragraph",
        "text": "Our audit programme this year followed the learning from Child R: two audits, chosen by the "
        "partnership's learning group, looked at neglect of babies and at children at risk of exploitation "
        "outside the home.",
    }
    table = section["blocks"][1]
    assert table["caption"] == "Multi-agency audits held in 2024-25 (graded on Ofsted's four grades)"
    assert table["rows"] == [
        [
            "Multi-agency case audit: neglect in families with babies",
            "2024-06-12",
            "Riverside Safeguarding Children Partnership",
            "Riverside Council, Riverside Integrated Care Board, Riverside Police",
            8,
            "Sought and included",
            "Recognition: Good; Joint working: Requires improvement",
        ],
        [
            "Thematic audit: children at risk of exploitation",
            "2024-11-20",
            "Riverside Police",
            "Riverside Council, Riverside Police",
            4,  # a count of the board's own work: published as it is, never 'c'
            "Sought declined",
            "not graded",
        ],
        ["All", "", "", "", 12, "", ""],
    ]
    assert section["blocks"][3]["items"][0] == (
        "Good practice: Health visitors recognised neglect early and referred it promptly. "
        "(Multi-agency case audit: neglect in families with babies)"
    )
    # The narrative's headed part, then the section's own part.
    assert [s["title"] for s in section["sections"]] == ["What we changed", "Single-agency audit log"]
    log = section["sections"][1]["blocks"]
    assert log[0]["rows"][0] == [
        "Safe sleep advice recorded at every health visit",
        "Riverside Integrated Care Board",
        "2025-01-31",
        "Planned",
        "Babies",
    ]
    assert log[1]["items"] == [
        "Riverside Integrated Care Board (Safe sleep advice recorded at every health visit) and Riverside "
        "Council (Pre-birth assessments started by 20 weeks) both look at Babies: one joint audit?"
    ]


def test_the_plugins_section_shows_no_id() -> None:
    document = _json(_report(make_plugins(), RIVERSIDE))
    loaded = open_board(RIVERSIDE, make_plugins())
    ids = set(loaded.board.index())
    texts = _texts(_section(document, "riverside-audits"))
    assert not [t for t in texts if t in ids]
    assert not [i for i in ids if "-" in i and any(i in t for t in texts)]
    # ids stay in the JSON's machine-only snapshot
    assert {"kind": "review", "id": "huddle-1", "name": "Child R (fictional)", "state": "decision"} in document[
        "snapshot"
    ]


def test_the_report_with_the_plugins_section_is_disclosure_protected(lif_plugins: Plugins) -> None:
    loaded = open_board(RIVERSIDE, lif_plugins)
    document = impact_report(loaded, lif_plugins, dt.date.fromisoformat(AS_OF))
    assert_protected(document, board=loaded)
    raw = impact_report(loaded, lif_plugins, dt.date.fromisoformat(AS_OF), disclosure_control=False)
    with pytest.raises(AssertionError, match="unprotected count"):  # the check can fail
        assert_protected(raw, board=loaded)


def test_the_narrative_section_is_the_boards_own_markdown() -> None:
    section = _section(_json(_report(make_plugins(), RIVERSIDE)), "narrative")
    assert section["title"] == "What our young people's panel told us"
    assert section["blocks"][0]["text"].startswith("Twelve members of Riverside's young people's panel")
    assert [s["title"] for s in section["sections"]] == ["What they told us", "What we did"]
    assert section["sections"][0]["blocks"][0]["items"][0] == '"Ask me, not just my mum."'


def test_the_section_reads_the_board_as_it_stood_on_the_day() -> None:
    section = _section(_json(_report(make_plugins(), RIVERSIDE, "--as-of", "2024-09-30")), "riverside-audits")
    rows = section["blocks"][1]["rows"]
    assert [r[0] for r in rows] == ["Multi-agency case audit: neglect in families with babies", "All"]


def test_the_sections_option_comes_from_report_toml(riverside: Path) -> None:
    toml = riverside / "report.toml"
    toml.write_text(toml.read_text().replace("join_up_months = 3", "join_up_months = 1"))
    log = _section(_json(_report(make_plugins(), riverside)), "riverside-audits")["sections"][1]
    assert log["blocks"][1] == {"type": "paragraph", "text": "No two partners' planned audits share a theme."}
    toml.write_text(toml.read_text().replace("join_up_months = 1", 'join_up_months = "soon"'))
    result = _report(make_plugins(), riverside)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: report.toml: section 'riverside-audits': options.join_up_months must be a whole number "
        "of months from 1 to 24, not 'soon'\n"
    )


def test_missing_says_what_the_board_has_not_given_the_section() -> None:
    module = _load_sections()
    host = make_plugins()
    loaded = open_board(RIVERSIDE, host)

    def context(day: str) -> SectionContext:
        return SectionContext(loaded, host, dt.date.fromisoformat(day), ReportPart(section="riverside-audits"))

    assert module.missing(context(AS_OF)) == ""
    assert module.missing(context("2026-03-31")) == "no multi-agency audit is recorded in 2025-26 (add [[audits]])"


def test_lif_validate_warns_while_the_required_section_is_unfilled(riverside: Path, lif_runner: LifRunner) -> None:
    result = lif_runner("validate", riverside).assert_ok()
    assert "report.toml" not in result.stderr
    toml = riverside / "board.toml"
    toml.write_text(toml.read_text().replace("report_date = 2025-03-31", "report_date = 2026-03-31"))
    result = lif_runner("validate", riverside).assert_ok()
    warning = result.stderr.splitlines()[-1]  # worded by lif-core's report-content check; these parts are ours
    assert warning.startswith("warning: report.toml: sections[7]: ")
    assert '"Multi-agency audit programme"' in warning
    assert "no multi-agency audit is recorded in 2025-26 (add [[audits]])" in warning
    assert warning.endswith("the partnership's terms of reference: the report describes the year's audit programme")


def test_the_same_plugin_installed_rather_than_local(riverside: Path) -> None:
    _without_local_sections(riverside)
    result = _report(make_plugins(), riverside)
    assert result.exit_code == 1
    assert "report.toml: sections[7].section: no report section 'riverside-audits'" in result.stderr
    host = make_plugins()
    host.register(_load_sections(), name="riverside-sections", kind="entry-point")
    assert host.report_sections.plugin_of("riverside-audits") == "riverside-sections"
    installed = _json(_report(host, riverside))
    local = _json(_report(make_plugins(), RIVERSIDE))
    assert installed["sections"] == local["sections"]


def test_lif_plugins_lists_the_section_plugin(lif_plugins: Plugins, lif_runner: LifRunner) -> None:
    lif_plugins.register(_load_sections(), name="riverside-sections", kind="entry-point")
    result = lif_runner("plugins").assert_ok()
    line = next(line for line in result.stdout.splitlines() if line.startswith("riverside-sections "))
    assert line.split()[1:] == ["entry-point", "ok", "register_report_sections"]


def test_lif_plugins_json_says_which_section_a_plugin_provides(lif_plugins: Plugins, lif_runner: LifRunner) -> None:
    lif_plugins.register(_load_sections(), name="riverside-sections", kind="entry-point")
    result = lif_runner("plugins", "--json").assert_ok()
    entry = next(p for p in result.json() if p["name"] == "riverside-sections")
    assert entry["provides"] == ["report section:riverside-audits"]


# ---------------------------------------------------------------- sections that go wrong

BROKEN = "broken-sections"


def _plugin(*sections: object) -> types.ModuleType:
    module = types.ModuleType(BROKEN)

    @hookimpl
    def register_report_sections(register: Callable[[object], None]) -> None:
        for section in sections:
            register(section)

    module.register_report_sections = register_report_sections  # type: ignore[attr-defined]
    return module


def _section_of(name: str, build: Callable[[SectionContext], Any]) -> ReportSection:
    return ReportSection(name=name, title="Broken", description="goes wrong", build=build)


def _run_broken(board: Path, *sections: object, listed: str | None = "broken-audits") -> LifResult:
    """The report of ``board`` with a plugin registering ``sections``, its report.toml listing
    the section ``listed``."""
    if listed:
        toml = board / "report.toml"
        toml.write_text(toml.read_text() + f'\n[[sections]]\nsection = "{listed}"\n')
    result = _report(make_plugins(_plugin(*sections)), board)
    result.assert_error(exit_code=1)  # one clean line, no traceback
    assert result.stdout == ""
    return result


def _raises(_context: SectionContext) -> Section:
    raise KeyError("audits")


def test_a_section_whose_build_raises_names_the_plugin_and_section(riverside: Path) -> None:
    result = _run_broken(riverside, _section_of("broken-audits", _raises))
    assert result.stderr == (
        f'Error: plugin "{BROKEN}" in hook "register_report_sections (report section \'broken-audits\')": '
        "KeyError: 'audits'\n"
    )


def test_a_section_that_builds_something_else_is_refused_naming_the_plugin(riverside: Path) -> None:
    result = _run_broken(riverside, _section_of("broken-audits", lambda _c: "a paragraph"))
    assert result.stderr == (
        f'Error: plugin "{BROKEN}" in hook "register_report_sections (report section \'broken-audits\')": '
        "TypeError: build() returned str, not a lif_core.document.Section\n"
    )


def test_a_section_registered_under_a_taken_name_names_both_plugins(riverside: Path) -> None:
    result = _run_broken(riverside, _section_of("summary", lambda _c: Section("")), listed=None)
    assert re.fullmatch(
        r"Error: plugin \"[^\"]+\" in hook \"register_report_sections\": report section 'summary' is already "
        r"registered by plugin '[^']+'; to run lif without it, set LIF_DISABLE_PLUGINS=broken-sections\n",
        result.stderr,
    )
    assert BROKEN in result.stderr and "lif_core.builtins.sections" in result.stderr


def test_a_local_section_plugin_installed_twice_is_refused() -> None:
    host = make_plugins()
    host.register(_load_sections(), name="riverside-sections", kind="entry-point")
    result = _report(host, RIVERSIDE)
    result.assert_error("report section 'riverside-audits' is already registered by plugin", exit_code=1)
    assert "riverside-sections" in result.stderr and f"local:{SECTIONS_FILE}" in result.stderr


@pytest.mark.parametrize(
    ("registered", "message"),
    [
        (
            _section_of("Audit Programme", lambda _c: Section("")),
            "report section name 'Audit Programme' is not a valid identifier",
        ),
        ({"name": "broken-audits"}, "register() was given dict, expected a ReportSection"),
    ],
    ids=["bad-name", "not-a-report-section"],
)
def test_a_bad_registration_names_the_plugin(riverside: Path, registered: object, message: str) -> None:
    result = _run_broken(riverside, registered)
    assert result.stderr == (
        f'Error: plugin "{BROKEN}" in hook "register_report_sections": {message}; '
        f"to run lif without it, set LIF_DISABLE_PLUGINS={BROKEN}\n"
    )


def test_a_section_name_no_report_definition_can_write_is_refused_when_registered(riverside: Path) -> None:
    result = _run_broken(riverside, _section_of("Audits", lambda _c: Section("")), listed=None)
    assert "report section name 'Audits'" in result.stderr
