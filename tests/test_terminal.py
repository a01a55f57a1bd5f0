"""The text format in a terminal: tables fitted to its width, ratings in colour where it takes
colour (never where NO_COLOR is set), and the ``md`` alias of Markdown."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import Plugins, RenderOptions
from lif_core.builtins.renderers import TextRenderer, _fit
from lif_core.cli import make_cli, terminal_options
from lif_core.document import Document, Figure, Paragraph, Rag, Section, Table

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _document(*blocks: object) -> Document:
    return Document("test", "A report", sections=(Section("Part", tuple(blocks)),))  # type: ignore[arg-type]


def _text(document: Document, **options: object) -> str:
    return TextRenderer().render(document, RenderOptions(**options)).decode()  # type: ignore[arg-type]


SCORECARD = Table(
    ("Measure", "Latest", "Target", "RAG"),
    (
        (
            "Referrals to children's social care that are re-referrals within 12 months",
            Figure(13, "13%", "%"),
            20,
            Rag("Green", "green"),
        ),
        (
            "Assessments completed within 45 working days of referral",
            Figure(75.1, "75.1%", "%", 1),
            85,
            Rag("Red", "red"),
        ),
        ("Early help assessments started", 2045, None, Rag("No target")),
    ),
    caption="Scorecard",
)


def test_a_table_fits_the_terminal_and_keeps_every_word() -> None:
    for width in (100, 80, 60, 44):
        text = _text(_document(SCORECARD), width=width)
        assert max(len(line) for line in text.splitlines()) <= width, width
        words = set(" ".join(text.split()).split())
        assert {"re-referrals", "within", "45", "working", "13%", "75.1%", "Green", "Red"} <= words


def test_numbers_are_right_aligned_in_a_column_of_numbers() -> None:
    text = _text(_document(Table(("Year", "Deaths"), (("2017-18", 29), ("2018-19", 7), ("2019-20", "c")))), width=80)
    lines = [line for line in text.splitlines() if line.startswith("  20")]
    assert [line.rstrip()[-2:] for line in lines] == ["29", " 7", " c"]


def test_a_table_too_wide_for_the_terminal_is_shown_a_row_at_a_time() -> None:
    columns = tuple(f"Area number {n} of the inspection framework" for n in range(12))
    matrix = Table(("No.", *columns), (("113", *(["yes", ""] * 6)),), caption="Coverage matrix")
    text = _text(_document(matrix), width=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    assert "  No.: 113" in text
    assert "  Area number 0 of the inspection framework: yes" in text


def test_without_a_width_tables_keep_their_natural_width() -> None:
    text = _text(_document(SCORECARD))
    assert max(len(line) for line in text.splitlines()) > 60
    assert _text(_document(SCORECARD), width=None) == text


def test_ratings_are_coloured_only_when_asked_and_the_words_stay() -> None:
    plain = _text(_document(SCORECARD), width=100)
    assert "\x1b" not in plain
    coloured = _text(_document(SCORECARD), width=100, colour=True)
    assert "\x1b[1;32mGreen" in coloured and "\x1b[1;31mRed" in coloured
    assert ANSI.sub("", coloured) == plain


def test_board_text_cannot_bring_its_own_colours() -> None:
    hostile = _document(Paragraph("\x1b[31mred\x1b[0m \x1b]0;title\x07text"), SCORECARD)
    coloured = _text(hostile, width=80, colour=True)
    assert "\x1b[31m" not in coloured and "\x1b]" not in coloured
    assert "red text" in coloured


@settings(max_examples=200, deadline=None)
@given(
    natural=st.lists(st.integers(1, 48), min_size=1, max_size=15),
    width=st.integers(10, 250),
)
def test_fitted_columns_fit_and_never_go_below_their_floor(natural: list[int], width: int) -> None:
    floor = [min(n, 6) for n in natural]
    widths = _fit(natural, floor, width)
    room = width - 2 - 2 * (len(natural) - 1)
    if sum(floor) > room:
        assert widths is None
        return
    assert widths is not None
    assert sum(widths) <= room
    assert all(f <= w <= n for f, w, n in zip(floor, widths, natural, strict=True))
    if sum(natural) <= room:
        assert widths == natural


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(min_size=0, max_size=120), st.integers(-(10**6), 10**6), st.text(max_size=30)), max_size=6
    ),
    width=st.integers(30, 160),
)
def test_any_table_fits_any_terminal_of_thirty_columns_or_more(rows: list[tuple[str, int, str]], width: int) -> None:
    table = Table(("Name", "Count", "Notes"), tuple(rows))
    text = _text(_document(table), width=width)
    # a single word longer than its column is the only thing that may not fit, and is wrapped
    assert all(len(line) <= width for line in text.splitlines())


def test_terminal_options_follow_the_terminal_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "72")
    options = terminal_options(None, None)
    assert options.colour and options.width == 72
    monkeypatch.setenv("NO_COLOR", "1")
    assert not terminal_options(None, None).colour
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not terminal_options(None, None).colour
    assert terminal_options(None, Path("out.txt")) == RenderOptions()  # a file: neither


def test_piped_output_has_no_colour_and_its_natural_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = CliRunner().invoke(make_cli(), ["report", "impact", str(CROYDON), "-f", "text"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert any(len(line) > 100 for line in result.output.splitlines())


def test_the_report_fits_eighty_columns() -> None:
    result = CliRunner().invoke(make_cli(), ["report", "impact", str(CROYDON), "-f", "text"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80


def test_md_is_markdown() -> None:
    runner = CliRunner()
    short = runner.invoke(make_cli(), ["report", "impact", str(CROYDON), "-f", "md"])
    long = runner.invoke(make_cli(), ["report", "impact", str(CROYDON), "-f", "markdown"])
    assert short.exit_code == 0, short.output
    assert short.output == long.output and short.output.startswith("# ")
    renderers = Plugins.create().renderers
    assert renderers.get("md") is renderers.get("markdown")
    assert renderers.plugin_of("md") == renderers.plugin_of("markdown")


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """``lif ARGS`` with its standard output on a real pseudo-terminal, as a user runs it."""
    parent, child = pty.openpty()
    lif = str(Path(sys.executable).with_name("lif"))
    process = subprocess.Popen([lif, *args], stdout=child, stderr=subprocess.PIPE, env=env, close_fds=True)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:  # the terminal closed: the program ended
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(parent)
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else ""
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_on_a_real_terminal_ratings_are_coloured_unless_no_color() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="90")
    text = _run_on_a_terminal(["report", "impact", str(CROYDON), "-f", "text"], env)
    assert "\x1b[1;31mRed" in text
    assert max(len(ANSI.sub("", line)) for line in text.splitlines()) <= 90
    plain = _run_on_a_terminal(["report", "impact", str(CROYDON), "-f", "text"], {**env, "NO_COLOR": "1"})
    assert "\x1b" not in plain


def test_the_report_format_follows_the_output_file_or_the_terminal(tmp_path: Path) -> None:
    runner = CliRunner()
    for name, starts in (("report.json", b"{"), ("report.xlsx", b"PK"), ("report.md", b"# "), ("report", b"# ")):
        result = runner.invoke(make_cli(), ["report", "impact", str(CROYDON), "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert (tmp_path / name).read_bytes().startswith(starts), name
    piped = runner.invoke(make_cli(), ["report", "impact", str(CROYDON)])
    assert piped.output.startswith("# ")  # markdown when piped
    wrong = runner.invoke(make_cli(), ["report", "impact", str(CROYDON), "-o", str(tmp_path / "report.odt")])
    assert wrong.exit_code == 1 and "no installed format writes .odt files" in wrong.output
    assert not (tmp_path / "report.odt").exists()


def test_on_a_terminal_the_report_is_text_fitted_to_it() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update(TERM="xterm-256color", COLUMNS="100")
    text = ANSI.sub("", _run_on_a_terminal(["report", "impact", str(CROYDON)], env))
    assert text.splitlines()[1].startswith("=====")  # a text title, underlined: not markdown's "# "
    assert max(len(line) for line in text.splitlines()) <= 100
