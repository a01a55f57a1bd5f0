"""The impact report: every format, the coverage rows, disclosure control, escaping, the
previous-report comparison, and the HTML in a real headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import Plugins
from lif_core.cli import make_cli
from lif_core.disclosure import SUPPRESSED, Rule, protect_table
from lif_core.document import Count, Provenance, Table

from .conftest import CROYDON

FORMATS = ["markdown", "html", "json", "csv", "text", "docx"]


def report(*args: str) -> str:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(CROYDON), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


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
    assert data["schema"] == "lif-document/1" and data["kind"] == "impact-report"
    assert "shown as 'c'" in data["meta"]["Disclosure control"]
    assert data["meta"]["Disclosure rule"] == (
        "in line with the Department for Education's rule for children's social care statistics"
    )
    inspection = next(s for s in data["sections"] if s["title"] == "Inspection recommendations")
    table = inspection["blocks"][0]
    assert table["columns"][0] == "No." and table["columns"][-2:] == ["Evidence", "Gaps"]
    rows = {r[0]: r for r in table["rows"]}
    assert sorted(rows) == ["113", "114", "115", "116", "117"]
    assert rows["115"][-2:] == ["1 (moderate)", "none"]
    assert rows["113"][-2:] == ["0", "no evidence"]
    assert rows["114"][-1] == "evidence of activity only: nothing moderate or strong shows impact"
    assert rows["117"][-1] == "1 action(s) overdue"
    matrix = next(s for s in inspection["sections"] if s["title"].startswith("Coverage matrix"))["blocks"][0]
    assert len(matrix["rows"]) == 5 and matrix["rows"][0][1] == "yes"  # 113 concerns governance


def test_counts_follow_their_provenance() -> None:
    """The board's own work (reviews by stage, themes raised, whether children's views were
    sought) is published as it is, since the report names each review and audit; figures from
    children's records (the dataset) pass the rule, which the report states."""
    data = json.loads(report("-f", "json"))
    reviews = next(s for s in data["sections"] if s["title"] == "Case reviews and the learning lifecycle")
    assert [r for r in reviews["blocks"][1]["rows"] if r[0] == "All"] == [["All", 6]]
    voice = next(s for s in data["sections"] if s["title"] == "Participation and the voice of the child")["blocks"][0]
    assert SUPPRESSED not in [c for r in voice["rows"] for c in r]
    assert "counts of the board's own work are shown as they are" in data["meta"]["Disclosure control"]
    markdown = report()
    assert "| All | 6 | 1 | 7 |" in markdown  # 6 reviews + 1 audit, each named in the report


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
    html = result.stdout
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    markdown = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board)]).stdout
    assert "\\<script\\>" in markdown


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
    assert "Inspection recommendations" in headings and "Participation and the voice of the child" in headings


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
    text = text.replace(
        'status = "in-progress"\nthemes = ["information-sharing", "cin-3a"]\nstatus_log = [\n  { status = "not-started", date = 2018-01-22 },\n  { status = "in-progress", date = 2018-03-05, note = "Pilot with 12 primary schools", by = "Detective Superintendent (illustrative)" },\n]',
        'status = "completed"\nthemes = ["information-sharing", "cin-3a"]\nstatus_log = [\n  { status = "not-started", date = 2018-01-22 },\n  { status = "completed", date = 2019-03-01 },\n]',
    )
    register.write_text(text)
    result = CliRunner().invoke(
        make_cli(Plugins.create()), ["report", "impact", str(board), "--previous", str(previous)]
    )
    assert result.exit_code == 0, result.output
    changed = result.stdout.split("## What changed since the last report", 1)[1].split("## Register snapshot")[0]
    assert "action a-child-f-1: was in-progress, now completed" in changed
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


# --------------------------------------------------------------------------- a real browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_html_report_in_headless_chromium(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(CROYDON), "-f", "html", "-o", str(page)])
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp()}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console  # no console message at all: no errors, no blocked resources
    assert dom.stdout.count('data-chart="trend"') >= 3  # the measures' trend charts rendered as SVG
    assert "<polyline" in dom.stdout and "Inspection recommendations" in dom.stdout
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [CHROMIUM, *flags, "--window-size=1200,3000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
