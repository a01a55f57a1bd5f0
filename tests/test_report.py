"""The impact report: every format, the coverage rows, disclosure control, escaping, the
previous-report comparison (the HTML in a real browser: test_html_browser.py); and each example board's
report read as its readers read it: every section its report definition lists, in order, the
board's own narrative shown, and no record id anywhere a reader looks."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lif_core import Plugins, open_board
from lif_core.board import LoadedBoard
from lif_core.builtins.sections.priorities import current
from lif_core.builtins.sections.scrutiny import in_year
from lif_core.cli import make_cli
from lif_core.disclosure import SUPPRESSED, Rule, protect_table
from lif_core.document import Count, Paragraph, Provenance, Table
from lif_core.frameworks import ReportPart
from lif_core.history import as_at
from lif_core.report import SectionContext, narrative_blocks, report_definition
from lif_core.report.compose import NOT_WRITTEN
from lif_core.report.definition import narrative_file
from lif_core.validate import with_framework

from .conftest import CROYDON, ROOT

FORMATS = ["markdown", "html", "json", "csv", "text", "docx"]
#: The formats people read, each as the text a reader sees.
READER_FORMATS = ["markdown", "html", "text", "docx"]

#: Each example board and the last day of the reporting year its annual (yearly) report covers.
EXAMPLES = {
    "croydon": dt.date(2019, 3, 31),  # the LSCB's 2018-19 annual report (Working Together 2015)
    "wt2023-partnership": dt.date(2025, 3, 31),  # the Leeds partnership's 2024-25 yearly report
    "wales-regional": dt.date(2025, 3, 31),  # the West Glamorgan Board's 2024-25 annual report
}


def report(*args: str) -> str:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(CROYDON), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """The JSON report's top-level section built by the section named ``key``."""
    found = [s for s in data["sections"] if s.get("section") == key]
    assert len(found) == 1, [s.get("section") for s in data["sections"]]
    return found[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    result = CliRunner().invoke(
        make_cli(Plugins.create()), ["report", "impact", str(CROYDON), "-f", fmt, "-o", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000


def test_json_has_a_coverage_row_for_each_ofsted_recommendation() -> None:
    data = json.loads(report("-f", "json"))
    assert data["schema"] == "lif-document/2" and data["kind"] == "impact-report"
    assert "shown as 'c'" in data["meta"]["Disclosure control"]
    assert data["meta"]["Disclosure rule"] == (
        "in line with the Department for Education's rule for children's social care statistics"
    )
    inspection = section(data, "inspection")
    table = inspection["blocks"][0]
    assert table["columns"][0] == "No." and table["columns"][-2:] == ["Evidence", "Gaps"]
    rows = {r[0]: r for r in table["rows"]}
    assert sorted(rows) == ["113", "114", "115", "116", "117"]
    assert rows["115"][-2:] == ["1 (moderate)", "none"]
    assert rows["113"][-2:] == ["0", "no evidence"]
    assert rows["114"][-1] == "evidence of activity only: nothing moderate or strong shows impact"
    assert rows["117"][-1] == "1 action overdue"
    matrix = next(s for s in inspection["sections"] if s["title"].startswith("Coverage matrix"))["blocks"][0]
    assert len(matrix["rows"]) == 5 and matrix["rows"][0][1] == "yes"  # 113 concerns governance


def test_counts_follow_their_provenance() -> None:
    """The board's own work (reviews by stage, themes raised, whether children's views were
    sought) is published as it is, since the report names each review and audit; figures from
    children's records (the dataset) pass the rule, which the report states."""
    data = json.loads(report("-f", "json"))
    reviews = section(data, "reviews")
    by_stage = next(b for b in reviews["blocks"] if b.get("caption", "").startswith("Reviews by stage"))
    assert [r for r in by_stage["rows"] if r[0] == "All"] == [["All", 6]]
    voice = section(data, "voice")["blocks"][0]
    assert SUPPRESSED not in [c for r in voice["rows"] for c in r]
    assert "counts of the board's own work are shown as they are" in data["meta"]["Disclosure control"]
    markdown = report()
    assert "| All | 6 | 1 | 7 |" in markdown  # 6 reviews + 1 audit, each named in the report


def test_the_register_snapshot_is_for_machines_only() -> None:
    """The snapshot a later report compares with is in the JSON, as kind, id, name and state;
    no reader's format carries it as a section."""
    data = json.loads(report("-f", "json"))
    assert all(s["title"] != "Register snapshot" for s in data["sections"])
    rows = {(r["kind"], r["id"]): r for r in data["snapshot"]}
    action = rows[("action", "a-child-f-1")]
    assert action["state"] == "in-progress" and action["name"].startswith("Pilot next-day notification")
    assert rows[("review", "scr-child-f")]["name"] == "Child F (illustrative)"
    assert {k for k, _i in rows} == {"action", "review", "evidence", "measure"}
    assert "Register snapshot" not in report()


def test_a_script_in_a_title_is_escaped(tmp_path: Path) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace(
            'name = "Croydon Safeguarding Children Board"', 'name = "Croydon <script>alert(1)</script> Board"', 1
        )
    )
    register = board / "register.toml"
    register.write_text(
        register.read_text().replace(
            'title = "Child F (illustrative)"', 'title = "Child F <img src=x onerror=alert(2)>"'
        )
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board), "-f", "html"])
    assert result.exit_code == 0, result.output
    page = result.stdout
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page
    markdown = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board)]).stdout
    assert "\\<script\\>" in markdown


def test_markup_in_the_boards_narrative_is_text(tmp_path: Path) -> None:
    """A narrative file is the board's Markdown: raw HTML in it is shown as text, a link shows
    its address, and a javascript: link is dropped."""
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    foreword = board / "narrative" / "foreword.md"
    foreword.write_text(
        "Welcome <script>alert(3)</script> to our report.\n\n"
        "Read [our plan](https://example.org/plan) and [this](javascript:alert(4)).\n\n"
        + foreword.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    page = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board), "-f", "html"]).stdout
    assert "<script>alert(3)" not in page and "&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "our plan (https://example.org/plan)" in page
    assert "javascript:" not in page
    markdown = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board)]).stdout
    assert "Welcome \\<script\\>alert(3)\\</script\\> to our report." in markdown


def test_docx_holds_the_same_sections_as_markdown(tmp_path: Path) -> None:
    import docx

    out = tmp_path / "report.docx"
    CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(CROYDON), "-f", "docx", "-o", str(out)])
    headings = [
        p.text for p in docx.Document(str(out)).paragraphs if p.style is not None and p.style.name.startswith("Heading")
    ]
    markdown = [
        re.sub(r"\\(.)", r"\1", line.lstrip("#").strip())
        for line in report().splitlines()
        if line.startswith("## ") or line.startswith("### ") or line.startswith("#### ")
    ]
    assert headings == markdown
    assert set(section_titles(CROYDON, dt.date(2019, 3, 31))) <= set(headings)


def test_what_changed_since_a_previous_report(tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(CROYDON), "-f", "json", "-o", str(previous), "--as-of", "2018-12-31"],
    )
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    register = board / "register.toml"
    text = register.read_text()
    old = (
        'status = "in-progress"\nthemes = ["information-sharing", "cin-3a"]\nstatus_log = [\n'
        '  { status = "not-started", date = 2018-01-22 },\n'
        '  { status = "in-progress", date = 2018-03-05, note = "Pilot with 12 primary schools", '
        'by = "Detective Superintendent (illustrative)" },\n]'
    )
    assert old in text
    text = text.replace(
        old,
        'status = "completed"\nthemes = ["information-sharing", "cin-3a"]\nstatus_log = [\n'
        '  { status = "not-started", date = 2018-01-22 },\n  { status = "completed", date = 2019-03-01 },\n]',
    )
    register.write_text(text)
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(board), "--as-of", "2019-03-31", "--previous", str(previous)],
    )
    assert result.exit_code == 0, result.output
    changed = result.stdout.split("## What changed since the last report", 1)[1].split("\n## ")[0]
    assert "Compared with the report as at 31 December 2018." in changed  # its day, not its file name
    assert "Pilot next-day notification of domestic abuse incidents" in changed
    assert "was in progress, now completed" in changed
    assert "a-child-f-1" not in changed  # told in names
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    refused = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board), "--previous", str(bad)])
    assert refused.exit_code == 1 and "not a JSON impact report" in refused.stderr


def test_the_board_can_tighten_disclosure_control(tmp_path: Path) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace("recommendation_warning = 10", "recommendation_warning = 10\ndisclosure_smallest = 10")
    )
    data = json.loads(
        CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board), "-f", "json"]).stdout
    )
    assert "from 1 to 9" in data["meta"]["Disclosure control"]
    toml.write_text(toml.read_text().replace("disclosure_smallest = 10", "disclosure_smallest = 3"))
    refused = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board)])
    assert refused.exit_code == 1 and "may be raised above DfE's 6, not lowered" in refused.stderr


def test_board_counts_and_rounding() -> None:
    table = Table(("a", "b"), ((Count(3, Provenance.BOARD), Count(14)),))
    assert protect_table(table).rows == ((3, 14),)
    assert protect_table(table, Rule(round_to=10)).rows == ((3, 10),)


# --------------------------------------------------------------------------- each example's report, as read


def _loaded(root: Path) -> LoadedBoard:
    plugins = Plugins.create()
    return with_framework(open_board(root, plugins), plugins)


def narrative_files(root: Path, day: dt.date) -> list[str]:
    """The board's narrative files its report shows on ``day``: each part of its report
    definition's, then the story of each priority of the year, then the account of each piece
    of independent scrutiny of the twelve months to the day."""
    plugins = Plugins.create()
    loaded = _loaded(root)
    definition, _source = report_definition(loaded)
    files = [narrative_file(loaded, part) for part in definition.sections]
    context = SectionContext(as_at(loaded, day, plugins), plugins, day, ReportPart(section="priorities"))
    files += [p.narrative for p in current(context)]
    files += [s.narrative for s in in_year(context)]
    return [f for f in files if f]


def section_titles(root: Path, day: dt.date) -> list[str]:
    """The titles of the report's sections, as its JSON gives them."""
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(root), "--as-of", day.isoformat(), "-f", "json", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    return [s["title"] for s in json.loads(result.stdout)["sections"]]


def first_sentence(root: Path, relative: str) -> str:
    """The first sentence of a narrative file, as the report gives it (Markdown read)."""
    blocks, sections = narrative_blocks((root / relative).read_text(encoding="utf-8"))
    paragraphs = [b for b in blocks if isinstance(b, Paragraph)]
    paragraphs += [b for s in sections for b in s.blocks if isinstance(b, Paragraph)]
    assert paragraphs, f"{relative} has no paragraph"
    return re.split(r"(?<=[.!?])\s", paragraphs[0].text, maxsplit=1)[0]


class _Visible(HTMLParser):
    """What a reader of an HTML page sees: its text, and the words of title and alt attributes;
    not styles, scripts or other markup. Text inside a line (around a ``<span>`` or ``<b>``)
    stays on its line."""

    INLINE = frozenset(["span", "b", "strong", "em", "i", "a", "code", "small", "time", "mark", "sub", "sup"])

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._inline = False  # the next text continues the line before it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._hidden += 1
        words = [value for name, value in attrs if name in ("title", "alt", "aria-label") and value]
        self.parts += words
        self._inline = tag in self.INLINE and not words

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._hidden -= 1
        self._inline = tag in self.INLINE

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if self._inline and self.parts:
            self.parts[-1] += data
        else:
            self.parts.append(data)
        self._inline = False


def readers_text(root: Path, day: dt.date, fmt: str, tmp_path: Path) -> str:
    """The report as a reader of ``fmt`` reads it, on one line per block, spaces collapsed."""
    out = tmp_path / f"report-{root.name}.{fmt}"
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(root), "--as-of", day.isoformat(), "-f", fmt, "-o", str(out), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    if fmt == "docx":
        import docx

        document = docx.Document(str(out))
        pieces = [p.text for p in document.paragraphs]
        pieces += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        text = "\n".join(pieces)
    elif fmt == "html":
        parser = _Visible()
        parser.feed(out.read_text(encoding="utf-8"))
        text = "\n".join(parser.parts)
    elif fmt == "markdown":
        text = out.read_text(encoding="utf-8").replace("&#32;", " ").replace("&#9;", " ")
        text = re.sub(r"\\(.)", r"\1", text).replace("`", "")  # escapes read back; '@' in a code span
    else:
        text = out.read_text(encoding="utf-8")
    return "\n".join(" ".join(line.split()) for line in html.unescape(text).splitlines())


def ids_shown(loaded: LoadedBoard, shown: str) -> list[str]:
    """The board's record ids found in ``shown`` as whole tokens (ids that could be ordinary
    words, with no hyphen or digit, are not looked for)."""
    ids = [i for i in loaded.board.index() if re.search(r"[-0-9]", i)]
    return [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", shown)]


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_follows_its_report_definition(name: str) -> None:
    """Every part of the board's report definition (its framework's annual or yearly report) is
    a section of the report, in order, and the board has written each part that is its own text."""
    root = ROOT / "examples" / name
    day = EXAMPLES[name]
    loaded = _loaded(root)
    definition, source = report_definition(loaded)
    assert definition.sections, source
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(root), "--as-of", day.isoformat(), "-f", "json", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["section"] for s in data["sections"]] == [p.section for p in definition.sections]
    for part, built in zip(definition.sections, data["sections"], strict=True):
        assert built["title"] == (part.title or built["title"]) and built["title"], part.section
    assert definition.title in data["title"]
    registry = Plugins.create().report_sections
    for part in definition.sections:
        if registry.get(part.section).narrative_only:
            assert narrative_file(loaded, part), f"{name}: {part.section} is not written"
    assert NOT_WRITTEN not in result.stdout
    assert data["snapshot"] and all(set(row) == {"kind", "id", "name", "state"} for row in data["snapshot"])


@pytest.mark.parametrize("fmt", READER_FORMATS)
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_each_example_reads_as_its_annual_report(name: str, fmt: str, tmp_path: Path) -> None:
    """The report as at the end of the board's reporting year, in each format people read: no
    record id of the board as a whole token, every section's title, and the first sentence of
    each narrative file the board wrote for it."""
    root = ROOT / "examples" / name
    day = EXAMPLES[name]
    shown = readers_text(root, day, fmt, tmp_path)
    loaded = _loaded(root)
    assert ids_shown(loaded, shown) == []
    for title in section_titles(root, day):
        assert title in shown, title
    files = narrative_files(root, day)
    assert len(files) >= 5, files  # a foreword, the effectiveness judgement, priorities' stories...
    for relative in files:
        sentence = " ".join(first_sentence(root, relative).split())
        assert sentence in shown, f"{relative}: {sentence!r}"
    assert NOT_WRITTEN not in shown


def test_the_example_narrative_files_are_each_shown_somewhere() -> None:
    """No example keeps a narrative file its report never shows (a file under a name no part of
    its report definition, no priority and no scrutiny uses is text no reader will see)."""
    for name, day in EXAMPLES.items():
        root = ROOT / "examples" / name
        written = {p.relative_to(root).as_posix() for p in (root / "narrative").rglob("*.md")}
        loaded = _loaded(root)
        used = set(narrative_files(root, day))
        used |= {p.narrative for p in loaded.board.priorities if p.narrative}
        used |= {s.narrative for s in loaded.board.scrutiny if s.narrative}
        assert written <= used, f"{name}: {sorted(written - used)}"
