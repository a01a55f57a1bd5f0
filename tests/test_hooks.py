"""One test per hook (named test_hook_<hook>), plus the meta-tests that keep it that way:
every hook is documented with its parameters, has a test here, and appears in docs/hooks.md."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lif_core import LifError, PluginError, Plugins, Problem, hookimpl, hookspecs, validate_board
from lif_core._docgen import hook_names, hooks_page
from lif_core.builtins.renderers import md_escape
from lif_core.cli import make_cli
from lif_core.clocks import review_clocks
from lif_core.document import BulletList, Document, Facts, Paragraph, Section, Table

from .conftest import CROYDON, MINIMAL, ROOT

MakeBoard = Callable[..., Path]


def _own(problems: Iterable[Problem]) -> list[Problem]:
    """The problems a test's own hook is about: without the report's warnings for sections a
    test board has not filled (tested in tests/test_report_definition.py)."""
    return [p for p in problems if p.source != "report-content"]


def test_every_hook_is_documented_and_tested() -> None:
    module = sys.modules[__name__]
    for name in hook_names():
        func = getattr(hookspecs, name)
        doc = inspect.getdoc(func) or ""
        assert doc, f"hook {name} has no docstring"
        for param in inspect.signature(func).parameters:
            assert f":param {param}:" in doc, f"hook {name} does not document {param}"
        assert ":return:" in doc, f"hook {name} does not say what it returns"
        assert callable(getattr(module, f"test_hook_{name}", None)), f"hook {name} has no test_hook_{name}"


def test_hook_reference_is_current() -> None:
    assert (ROOT / "docs" / "hooks.md").read_text(encoding="utf-8") == hooks_page(), "run python -m lif_core._docgen"


# --------------------------------------------------------------------------- one per hook


def test_hook_register_methodologies(plugins: Plugins, make_board: MakeBoard) -> None:
    from lif_core import Methodology

    class Silent(Methodology):
        name = "silent"
        title = "Silent"
        stages = ("one", "two")

        def check(self, review, board):  # type: ignore[no-untyped-def]
            yield board.problem(review.id, "title", f"checked {review.title}", severity="warning")

    class P:
        @hookimpl
        def register_methodologies(self, register: Callable[[Methodology], None]) -> None:
            register(Silent())

    plugins.register(P(), name="p")
    assert plugins.methodologies.get("silent").stages == ("one", "two")
    root = make_board('[[reviews]]\nid = "r"\ntitle = "Child D"\nkind = "learning-review"\nmethodology = "silent"\n')
    result = validate_board(root, plugins)
    assert result.ok and [str(p) for p in _own(result.warnings)] == [
        "warning: board.toml: reviews[0].title: checked Child D"
    ]


def test_hook_register_data_sources(plugins: Plugins, tmp_path: Path) -> None:
    csv = plugins.data_sources.get("csv")
    records = list(csv.read(CROYDON / "data" / "multi-agency-dataset.csv", {}))
    assert len(records) == 16
    assert records[0].location == "line 2"
    assert records[0].fields["indicator"] == "early_help_assessments_started"
    assert records[0].fields["value"] == "1280"  # text as read: the source's declared fields convert it
    # a bad row is named by its line
    rows = ["a,b"] + [f"{i},x" for i in range(2, 57)] + ["57,x,extra"]
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(rows) + "\n")
    with pytest.raises(LifError, match=r"bad\.csv: line 57: 3 fields, but the header has 2"):
        list(csv.read(bad, {}))
    # a field larger than the limit is refused with its line, not truncated
    huge = tmp_path / "huge.csv"
    huge.write_text("a,b\n1,2\n3," + "x" * 200_000 + "\n")
    with pytest.raises(LifError, match=r"huge\.csv: line 3: field larger than field limit"):
        list(csv.read(huge, {}))
    semi = tmp_path / "semi.csv"
    semi.write_text("a;b\n1;2\n")
    assert [r.fields for r in csv.read(semi, {"delimiter": ";"})] == [{"a": "1", "b": "2"}]
    assert csv.check(semi, {"delimiter": ";;"}) == ["semi.csv: option delimiter must be one character, got ';;'"]
    dupes = tmp_path / "dupes.csv"
    dupes.write_text("a,a\n1,2\n")
    assert csv.check(dupes, {}) == [  # named by position: a headerless file's first record is there
        "dupes.csv: line 1: columns 1 and 2 have the same name; give each column its own name (if line 1 is not a "
        "header row, add one)"
    ]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert csv.check(empty, {}) == ["empty.csv: the file is empty; expected a header row"]


def test_hook_register_data_sources_in_validation(make_board: MakeBoard) -> None:
    root = make_board(
        '[[sources]]\nid = "d"\nadapter = "csv"\npath = "data/d.csv"\n'
        '[[sources]]\nid = "m"\nadapter = "csv"\npath = "missing.csv"\n',
        **{"data__d.csv": "a,b\n1,2,3\n"},
    )
    assert [str(p) for p in validate_board(root, Plugins.create()).errors] == [
        "board.toml: sources[0].path: data/d.csv: line 2: 3 fields, but the header has 2",
        "board.toml: sources[1].path: no file 'missing.csv' in the board folder",
    ]


def test_hook_register_renderers(plugins: Plugins) -> None:
    doc = Document(
        kind="test",
        title="Child <script>alert(1)</script> | review",
        subtitle="sub",
        sections=(
            Section(
                "One",
                (
                    Paragraph("Text with *stars* and [a](link)"),
                    Facts((("Chair", "A | B"),)),
                    BulletList(("x", "y")),
                    Table(("Col", "N"), (("a|b", 1), ("multi\nline", 2.5), ("", None))),
                ),
                (Section("Sub", (Table(("A",), ()),)),),
            ),
        ),
    )
    text = plugins.renderers.get("text").render(doc).decode()
    assert "Col         N" in text and "(none)" in text
    long_cell = " ".join(f"word{i}" for i in range(40))
    wrapped = plugins.renderers.get("text").render(
        Document(kind="t", title="t", sections=(Section("s", (Table(("A", "B"), ((long_cell, "x"),)),)),))
    )
    lines = wrapped.decode().splitlines()
    assert max(len(line) for line in lines) < 70  # wrapped at the column width ...
    assert all(f"word{i}" in wrapped.decode() for i in range(40))  # ... and nothing lost
    md = plugins.renderers.get("markdown").render(doc).decode()
    assert md.startswith("# Child \\<script\\>alert(1)\\</script\\> \\| review\n")
    assert "| a\\|b | 1 |" in md and "| multi<br>line | 2.5 |" in md
    assert "Text with \\*stars\\* and \\[a\\](link)" in md
    assert "### Sub" in md
    data = json.loads(plugins.renderers.get("json").render(doc))
    assert data["schema"] == "lif-document/2"
    assert data["sections"][0]["blocks"][3] == {
        "type": "table",
        "caption": "",
        "columns": ["Col", "N"],
        "rows": [["a|b", 1], ["multi\nline", 2.5], ["", None]],
        "total_column": False,
        "total_row": False,
    }
    assert md_escape("<b>") == "\\<b\\>"


def test_hook_register_inspection_frameworks(plugins: Plugins, croydon: Path) -> None:
    framework = plugins.inspection_frameworks.get("ofsted-ilacs-2023")
    assert [a.id for a in framework.areas][-1] == "care-leavers"
    assert "care-leavers" not in [a.id for a in plugins.inspection_frameworks.get("ofsted-ilacs-2018").areas]
    board = croydon / "board.toml"
    board.write_text(
        board.read_text().replace('areas = ["data", "quality-assurance", "early-help"]', 'areas = ["data", "dataset"]')
    )
    (problem,) = [p for p in validate_board(croydon, plugins).problems if "areas[" in p.path]
    assert str(problem).startswith(
        "board.toml: inspection_recommendations[2].areas[1]: Ofsted review of the effectiveness of the Local "
        "Safeguarding Children Board has no area 'dataset'; its areas are: governance, coordination"
    )
    assert problem.source == "inspection-areas"


def test_hook_register_checks(plugins: Plugins, make_board: MakeBoard) -> None:
    root = make_board(
        """
        [[groups]]
        id = "a"
        name = "A"
        kind = "sub-group"
        reports_to = "b"

        [[groups]]
        id = "b"
        name = "B"
        kind = "sub-group"
        reports_to = "a"

        [[functions]]
        id = "f"
        kind = "other"
        text = "A function nobody owns"

        [[priorities]]
        id = "p"
        title = "Unmeasured"

        [[actions]]
        id = "x"
        text = "Floating action"

        [[reviews]]
        id = "r"
        title = "Child E"
        kind = "rapid-review"
        dates = { incident = 2019-02-01, notified = 2019-01-30 }
        """
    )
    result = validate_board(root, plugins)
    assert [(str(p), p.source) for p in _own(result.problems)] == [
        (
            "board.toml: reviews[0].dates.notified: 2019-01-30 is before incident (2019-02-01): check both dates",
            "review-dates",
        ),
        ("board.toml: groups[1].reports_to: reporting lines loop: a -> b -> a", "group-structure"),
        ("board.toml: groups[2].reports_to: reporting lines loop: b -> a -> b", "group-structure"),
        (
            "warning: board.toml: functions[0].id: no group lists this statutory function in responsible_for",
            "functions-owned",
        ),
        (
            "warning: board.toml: priorities[0].measures: a priority with no measure: nothing will show whether it "
            "made a difference",
            "priorities-measured",
        ),
        (
            "warning: board.toml: actions[0].recommendation: not linked to a recommendation or a priority",
            "actions-linked",
        ),
    ]
    builtin = [c for c in plugins.checks if plugins.checks.plugin_of(c.name).startswith("lif_core.builtins")]
    assert len(builtin) == 21  # 13 general, 6 holding a board to its statutory framework, 2 on its report


def test_hook_register_commands(plugins: Plugins) -> None:
    class P:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command()
            def hello() -> None:
                """Say hello."""
                click.echo("hello from a plugin")

    plugins.register(P(), name="hello-plugin")
    cli = make_cli(plugins)
    assert CliRunner().invoke(cli, ["hello"]).output == "hello from a plugin\n"
    assert "inspection" in cli.commands  # from the installed lif-ofsted distribution

    class Broken:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            raise RuntimeError("cannot add")

    host = Plugins.create()
    host.register(Broken(), name="broken-commands")
    result = CliRunner().invoke(make_cli(host), ["plugins"])
    assert result.exit_code == 1
    assert 'plugin "broken-commands" in hook "register_commands": RuntimeError: cannot add' in result.output


def test_hook_register_statutory_frameworks(plugins: Plugins, make_board: MakeBoard) -> None:
    """A plugin's framework is what a board naming it is checked against, and what its
    clocks, calendar and report words come from; a broken one is named."""
    from lif_core import StatutoryFramework

    framework = StatutoryFramework.from_toml(
        """
name = "testland-2026"
title = "Testland: the Children (Testland) Act 2026"
country = "testland"
calendar = { country = "GB", subdivision = "SCT", title = "Scotland's bank holidays" }
[arrangement]
name = "testland-board"
title = "Testland safeguarding board"
[words]
functions = "Duties of the Testland board"
[[review_kinds]]
name = "testland-review"
title = "Testland review"
stages = ["referral", "analysis", "closed"]
[[review_kinds.clocks]]
name = "report (3 working days from the decision)"
start = ["decided"]
end = "report_received"
working_days = 3
[[function_kinds]]
name = "testland-duty"
title = "A Testland duty"
"""
    )

    class P:
        @hookimpl
        def register_statutory_frameworks(self, register: Callable[[StatutoryFramework], None]) -> None:
            register(framework)

    plugins.register(P(), name="testland-plugin")
    assert plugins.statutory_frameworks.plugin_of("testland-2026") == "testland-plugin"
    root = make_board(
        """
        [[functions]]
        id = "f1"
        kind = "testland-duty"
        text = "Keep Testland's children safe"

        [[reviews]]
        id = "r1"
        title = "Child T"
        kind = "testland-review"
        stage = "analysis"
        stage_log = [{ stage = "referral", date = 2026-12-24 }, { stage = "analysis", date = 2026-12-28 }]
        dates = { decided = 2026-12-24 }
        """,
        base=MINIMAL.replace("england-wt2018", "testland-2026").split("[[people]]")[0],
    )
    result = validate_board(root, plugins)
    assert result.ok, [str(p) for p in result.errors]
    assert result.loaded is not None and result.loaded.framework is framework
    (clock,) = review_clocks(result.loaded.board.reviews[0], result.loaded.board, dt.date(2026, 12, 24), framework)
    # Thu 24 Dec + 3 Scottish working days: Fri 25, Mon 28 (Boxing Day's substitute) are holidays.
    assert clock.due == dt.date(2026, 12, 31)
    shown = CliRunner().invoke(make_cli(plugins), ["show", str(root)]).output
    assert "Duties of the Testland board" in shown and "A Testland duty" in shown
    wrong = make_board(
        '[[reviews]]\nid = "r1"\ntitle = "T"\nkind = "lcspr"\n',
        base=MINIMAL.replace("england-wt2018", "testland-2026").split("[[people]]")[0],
    )
    (error,) = validate_board(wrong, plugins).errors
    assert error.path == "reviews[0].kind" and "its review kinds: testland-review" in error.message

    class Broken:
        @hookimpl
        def register_statutory_frameworks(self, register: Callable[[StatutoryFramework], None]) -> None:
            raise RuntimeError("no data file")

    host = Plugins.create()
    host.register(Broken(), name="broken-frameworks")
    with pytest.raises(PluginError, match='plugin "broken-frameworks" in hook "register_statutory_frameworks"'):
        host.statutory_frameworks  # noqa: B018 - built on first use


def test_hook_register_stores(plugins: Plugins, tmp_path: Path) -> None:
    """A plugin's store is used when a board names it: import, the loader and the commands."""
    import shutil

    from lif_core import StoreBackend
    from lif_core.store import Register

    class Elsewhere(StoreBackend):
        name = "elsewhere"
        title = "SQLite in another file"
        filename = "elsewhere.db"

        def open(self, root, known_ids, who=None, *, create=True):  # type: ignore[no-untyped-def]
            return Register.open(root / self.filename, known_ids, who, create=create)

    class P:
        @hookimpl
        def register_stores(self, register: Callable[[StoreBackend], None]) -> None:
            register(Elsewhere())

    plugins.register(P(), name="elsewhere-plugin")
    assert {"elsewhere", "sqlite"} <= set(plugins.stores.names())  # and any installed store (lif-postgres)
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace("recommendation_warning = 10", 'recommendation_warning = 10\nstore = "elsewhere"')
    )
    cli = make_cli(plugins)
    assert CliRunner().invoke(cli, ["import", str(board)]).exit_code == 0
    assert (board / "elsewhere.db").exists() and not (board / "register.sqlite").exists()
    assert CliRunner().invoke(cli, ["status", str(board), "a-dataset", "blocked"]).exit_code == 0
    result = validate_board(board, plugins)
    assert result.ok and result.loaded is not None
    assert next(a for a in result.loaded.board.actions if a.id == "a-dataset").status.value == "blocked"


def test_hook_register_report_sections(plugins: Plugins, make_board: MakeBoard) -> None:
    """A plugin's section is one a board's report.toml can name: the report holds it where the
    definition puts it, under the definition's title, after the board's narrative for it; a
    broken registration is named."""
    from lif_core import ReportSection
    from lif_core.report import SectionContext

    def build(context: SectionContext) -> Section:
        names = "; ".join(p.name for p in context.board.partners)
        return Section("ignored", (Paragraph(f"Partners as at {context.as_of}: {names}"),))

    class P:
        @hookimpl
        def register_report_sections(self, register: Callable[[ReportSection], None]) -> None:
            register(ReportSection(name="partner-roll", title="Partner roll", description="Who", build=build))

    plugins.register(P(), name="roll-plugin")
    assert plugins.report_sections.plugin_of("partner-roll") == "roll-plugin"
    root = make_board("")
    (root / "report.toml").write_text(
        'title = "Test report"\n'
        '[[sections]]\nsection = "partner-roll"\ntitle = "Our partners"\n'
        '[[sections]]\nsection = "summary"\n',
        encoding="utf-8",
    )
    (root / "narrative").mkdir()
    (root / "narrative" / "partner-roll.md").write_text("Our **partners** <b>met</b> monthly.\n", encoding="utf-8")
    result = CliRunner().invoke(
        make_cli(plugins), ["report", "impact", str(root), "--as-of", "2026-03-31", "-f", "json", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["section"] for s in data["sections"]] == ["partner-roll", "summary"]
    roll = data["sections"][0]
    assert roll["title"] == "Our partners"
    assert roll["blocks"][0]["text"] == "Our partners <b>met</b> monthly."
    assert roll["blocks"][1]["text"].startswith("Partners as at 2026-03-31: ")
    assert data["title"].endswith(": Test report 2025-26")

    class Broken:
        @hookimpl
        def register_report_sections(self, register: Callable[[ReportSection], None]) -> None:
            register(object())

    host = Plugins.create()
    host.register(Broken(), name="broken-sections")
    with pytest.raises(PluginError, match='plugin "broken-sections" in hook "register_report_sections"'):
        host.report_sections  # noqa: B018 - built on first use


def test_hook_register_indicators(plugins: Plugins) -> None:
    """A plugin's indicator is in the registry under its name, with its plugin; lif-core's own
    are a builtin plugin of the same hook (end to end through `lif measures`:
    tests/test_indicator_hook.py)."""
    from lif_core.extensions import Indicator
    from lif_core.indicators import ReferralCounts

    class P:
        @hookimpl
        def register_indicators(self, register: Callable[[Indicator], None]) -> None:
            register(Indicator("visits", "Visits", "Home visits by the period of the visit.", "count", ReferralCounts))

    plugins.register(P(), name="visits-plugin")
    assert plugins.indicators.plugin_of("visits") == "visits-plugin"
    assert plugins.indicators.plugin_of("re-referrals-12m") == "lif_core.builtins.indicators"
    assert plugins.indicators.get("visits").frequencies == ("month", "quarter", "year")
