"""Text that reaches people: every renderer makes board text safe for where it goes (a
spreadsheet, a terminal, a Markdown page, a Word file), states the disclosure rule, and shows a
point disclosure control hid as ``c`` (a gap in a chart), never as a number."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import cmarkgfm  # GitHub's Markdown engine: in the test extra
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_docx.plugin import DocxRenderer

from lif_core import Plugins
from lif_core.builtins.html import HtmlRenderer
from lif_core.builtins.renderers import CsvRenderer, JsonRenderer, MarkdownRenderer, TextRenderer
from lif_core.cli import make_cli
from lif_core.document import BulletList, Chart, Document, Facts, Paragraph, Section, Table

MakeBoard = Callable[..., Path]

RULE = ("Disclosure control", "counts about children from 1 to 5 are shown as 'c' (the stated rule)")


def _doc(*blocks: object, title: str = "Report", meta: tuple[tuple[str, str], ...] = (RULE,)) -> Document:
    return Document(kind="t", title=title, sections=(Section("Section", tuple(blocks)),), meta=meta)  # type: ignore[arg-type]


# ---------------------------------------------------------------- CSV: no formulas

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
]


def _csv_rows(document: Document) -> list[list[str]]:
    return list(csv.reader(io.StringIO(CsvRenderer().render(document).decode())))


def test_csv_cells_never_start_a_formula() -> None:
    table = Table(("=Col", "N"), tuple((text, 1) for text in FORMULAS), caption="@caption")
    document = Document(kind="t", title="t", sections=(Section("=Section", (table,)),))
    rows = _csv_rows(document)[1:]
    assert rows, "the table is written"
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell
    values = [r[4] for r in rows if r[3] == "'=Col"]
    assert values == [("'" + text).replace("\r", "\n") for text in FORMULAS]  # kept whole, behind the quote
    assert rows[0][:2] == ["'=Section", "'@caption"]


def test_csv_plain_numbers_are_left_as_numbers() -> None:
    table = Table(("Text", "Int", "Float"), (("-35.0%", -3, -35.5), ("-", 0, 2.5), ("+1,234.5", 12, 1e-3)))
    rows = _csv_rows(_doc(table, meta=()))[1:]
    assert [r[4] for r in rows] == ["-35.0%", "-3", "-35.5", "-", "0", "2.5", "+1,234.5", "12", "0.001"]


# ---------------------------------------------------------------- terminal: no escape sequences

HOSTILE_TERMINAL = [
    "\x1b]0;pwned\x07Window title",  # OSC: sets the terminal's title
    "\x1b[2J\x1b[H\x1b[31mred\x1b[0m",  # CSI: clears the screen, colours
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31mC1 CSI\x9d0;t\x9c",  # C1 forms
    "over\rwrite",  # carriage return: overwrites what was printed
    "nul\x00bel\x07bs\x08del\x7f",
    "\u202eevil\u202c and \u2066isolate\u2069",  # bidi override, isolate
    "\x1bP1;2|data\x1b\\ DCS",
]
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_text_renderer_output_is_safe_for_a_terminal() -> None:
    document = Document(
        kind="t",
        title=HOSTILE_TERMINAL[0],
        subtitle=HOSTILE_TERMINAL[1],
        sections=(
            Section(
                HOSTILE_TERMINAL[2],
                (
                    *(Paragraph(t) for t in HOSTILE_TERMINAL),
                    BulletList(tuple(HOSTILE_TERMINAL)),
                    Facts(tuple((t, t) for t in HOSTILE_TERMINAL)),
                    Table(
                        (HOSTILE_TERMINAL[3], "B"), tuple((t, t) for t in HOSTILE_TERMINAL), caption=HOSTILE_TERMINAL[4]
                    ),
                ),
            ),
        ),
        meta=((HOSTILE_TERMINAL[5], HOSTILE_TERMINAL[6]),),
    )
    out = TextRenderer().render(document).decode()
    assert not UNSAFE.search(out), UNSAFE.findall(out)
    for word in ("Window title", "red", "link", "C1 CSI", "over", "write", "evil", "isolate", "DCS"):
        assert word in out
    assert "pwned" not in out and "evil.example" not in out  # the sequences' payloads went with them


def test_markdown_output_is_safe_for_a_terminal_too() -> None:
    out = MarkdownRenderer().render(_doc(*(Paragraph(t) for t in HOSTILE_TERMINAL))).decode()
    assert not UNSAFE.search(out)


def test_terminal_safe_keeps_ordinary_text() -> None:
    from lif_core.builtins.renderers import terminal_safe

    text = "Child A: review\tdone\nnext line, café, 日本語, emoji 🙂, right-to-left עברית"
    assert terminal_safe(text) == text
    assert terminal_safe("a\r\nb\rc") == "a\nb\nc"


def test_cli_errors_are_safe_for_a_terminal(make_board: MakeBoard, tmp_path: Path) -> None:
    # An unknown key holding an escape sequence: the problem names it, without the sequence.
    root = make_board('[plugins]\n"\\u001b]0;pwned\\u0007x\\u001b[2J" = 1\n')
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(root)])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "plugins." in result.stderr and "unknown key" in result.stderr
    # A plugin's error quoting text with an escape sequence reaches the Error: line clean.
    plugin = (
        "import lif_core\n"
        "@lif_core.hookimpl\n"
        "def register_checks(register):\n"
        "    def run(board, plugins):\n"
        "        raise ValueError('\\x1b]0;pwned\\x07\\x1b[31mbad\\u202e')\n"
        "    register(lif_core.Check('evil', 'evil', run))\n"
    )
    root = make_board('[plugins]\nlocal = ["evil.py"]\n', **{"evil.py": plugin})
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(root)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "bad" in result.stderr
    assert not UNSAFE.search(result.stderr)
    # A path given on the command line, quoted back in an error.
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(tmp_path / "no\x1b[2Jboard")])
    assert result.exit_code != 0 and "\x1b" not in result.stderr and "board" in result.stderr
    # A mistyped command or option, quoted back by click.
    for args in (["\x1b[2Jnope"], ["validate", "--\x1b[2Jnope", str(tmp_path)]):
        result = CliRunner().invoke(make_cli(Plugins.create()), args)
        assert result.exit_code == 2 and "nope" in result.stderr and "\x1b" not in result.stderr


# ---------------------------------------------------------------- Markdown: no markup, no links


def _gfm(markdown: str) -> str:
    """HTML from GitHub's own engine, with its extensions: autolink, tables, strikethrough..."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown)  # type: ignore[no-any-return]


FRAGMENTS = [
    "<script>alert(1)</script>",
    "<a href='https://evil.example'>x</a>",
    "<img src=x onerror=alert(2)>",
    "<https://evil.example>",
    "https://evil.example/path?q=1",
    "http://evil.example",
    "ftp://files.example",
    "www.evil.example",
    "WWW.EVIL.EXAMPLE",
    "user@example.com",
    "first.last+tag@sub.example.org",
    "mailto:user@example.com",
    "xmpp:user@example.com",
    "@@",
    "@`@",
    "[link](https://evil.example)",
    "![image](https://evil.example/x.png)",
    "[ref]: https://evil.example",
    "**bold** _em_ ~~strike~~ ~s~",
    "`code` ```fence```",
    "# heading",
    "> quote",
    "- item",
    "+ item",
    "1. item",
    "1986) year",
    "===",
    "---",
    "a | b | c",
    "&amp; &lt;b&gt; &#64; &copy;",
    "\\*escaped\\*",
    "{braces}",
    "trailing  ",
    "    indented code",
    "\tindented",
    "\n",
    "\n- item\n===\n",
]
# Any text a board may hold (the model refuses control characters and bidirectional overrides).
BIDI = "".join(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))
HOSTILE_MARKDOWN = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters=BIDI),
            max_size=8,
        ),
    ),
    min_size=1,
    max_size=6,
).map("".join)


def _read_back(rendered: str) -> str:
    """The text a reader sees: tags dropped (a code span around '@' is not text), references read."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def _check(text: str, rendered: str) -> None:
    assert "<a" not in rendered, rendered
    tags = set(re.findall(r"<(/?[a-zA-Z][a-zA-Z0-9]*)", rendered))
    assert tags <= {"p", "/p", "code", "/code"}, (text, rendered)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_MARKDOWN)
def test_md_escape_makes_any_text_literal_in_github_markdown(text: str) -> None:
    from lif_core.builtins.renderers import md_escape

    rendered = _gfm(md_escape(text))
    _check(text, rendered)
    # Read back as written; only empty lines are not kept (a blank line ends a paragraph).
    assert re.sub(r"\n+", "\n", _read_back(rendered)).strip("\n") == "\n".join(
        line for line in text.split("\n") if line
    )


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(HOSTILE_MARKDOWN)
def test_markdown_renderer_has_no_links_or_tags_from_board_text(text: str) -> None:
    document = Document(
        kind="t",
        title=text,
        sections=(
            Section(
                text,
                (
                    Paragraph(text),
                    BulletList((text,)),
                    Facts(((text, text),)),
                    Table((text, "N"), ((text, 1),), caption=text),
                ),
            ),
        ),
    )
    rendered = _gfm(MarkdownRenderer().render(document).decode())
    assert "<a" not in rendered
    tags = set(re.findall(r"<(/?[a-zA-Z][a-zA-Z0-9]*)", rendered))
    structure = {"h1", "h2", "p", "ul", "li", "strong", "em", "table", "thead", "tbody", "tr", "th", "td", "code", "br"}
    assert tags <= structure | {"/" + t for t in structure}, tags - structure


@pytest.mark.parametrize(
    "text",
    ["see https://evil.example now", "www.evil.example", "write to user@example.com", "mailto:a@b.example"],
)
def test_bare_urls_and_addresses_are_not_links(text: str) -> None:
    rendered = _gfm(MarkdownRenderer().render(_doc(Paragraph(text))).decode())
    assert "<a" not in rendered and text in _read_back(rendered)


# ---------------------------------------------------------------- Word: what XML cannot hold


def test_docx_takes_control_characters() -> None:
    import docx

    document = _doc(
        Paragraph("nul\x00 esc\x1b vt\x0b ff\x0c \ufffe"),
        BulletList(("item\x01",)),
        Facts((("label\x02", "value\x03"),)),
        Table(("col\x04", "N"), (("cell\x05", 1),), caption="caption\x06"),
        title="Child \x00 \x1b[31m review",
    )
    out = docx.Document(io.BytesIO(DocxRenderer().render(document)))
    body = "\n".join(p.text for p in out.paragraphs)
    assert "nul\ufffd esc\ufffd vt\ufffd ff\ufffd \ufffd" in body and "Child \ufffd \ufffd[31m review" in body
    assert out.core_properties.title == "Child \ufffd \ufffd[31m review"
    assert out.tables[0].rows[1].cells[0].text == "cell\ufffd"


def test_docx_takes_a_title_longer_than_word_allows_in_its_properties() -> None:
    import docx

    title = "Child A " + "x" * 400
    out = docx.Document(io.BytesIO(DocxRenderer().render(_doc(Paragraph("p"), title=title))))
    assert len(out.core_properties.title) == 255 and out.core_properties.title.startswith("Child A x")
    assert out.paragraphs[0].text == title  # the heading keeps the whole title


# ---------------------------------------------------------------- every output states its rule


def test_text_markdown_and_csv_state_the_disclosure_rule() -> None:
    document = _doc(Paragraph("Body"), Table(("A",), (("1",),)))
    for renderer in (TextRenderer(), MarkdownRenderer()):
        out = renderer.render(document).decode()
        assert "About this document" in out and RULE[1].split(" (")[0] in out, renderer.name
        assert out.index("Body") < out.index("Disclosure control")
    rows = _csv_rows(document)
    assert rows[-1] == ["About this document", "About this document", "1", RULE[0], RULE[1]]


@pytest.mark.parametrize("fmt", ["text", "markdown", "csv-tidy", "json", "html", "docx"])
def test_every_format_of_a_command_states_the_rule(fmt: str, tmp_path: Path) -> None:
    from .conftest import CROYDON

    out = tmp_path / f"summary.{fmt}"
    result = CliRunner().invoke(make_cli(Plugins.create()), ["show", str(CROYDON), "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "docx":
        import docx

        text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
    if fmt == "json":
        text = json.dumps(json.loads(text)["meta"])
    if fmt == "html":
        import html

        text = html.unescape(text)
    assert "Disclosure control" in text and "shown as 'c'" in text, fmt


# ---------------------------------------------------------------- a hidden chart point

HIDDEN = Chart(
    "Re-referrals", (("2016-17", 21.5), ("2017-18", None), ("2018-19", 19.0), ("2019-20", 18.5)), unit="percent"
)


@pytest.mark.parametrize("renderer", [TextRenderer(), MarkdownRenderer()], ids=["text", "markdown"])
def test_a_hidden_chart_point_reads_c_in_tables(renderer: TextRenderer | MarkdownRenderer) -> None:
    out = renderer.render(_doc(HIDDEN)).decode()
    line = next(line for line in out.splitlines() if "2017-18" in line)
    assert re.search(r"2017-18\s*\|?\s*c\b", line), line
    assert "None" not in out


def test_a_hidden_chart_point_in_csv_json_and_word() -> None:
    import docx

    rows = _csv_rows(_doc(HIDDEN, meta=()))
    assert [r[4] for r in rows if r[2] == "2" and r[3] == "Percentage"] == ["c"]
    data = json.loads(JsonRenderer().render(_doc(HIDDEN)))
    chart = data["sections"][0]["blocks"][0]
    assert chart["points"][1] == ["2017-18", None]
    table = docx.Document(io.BytesIO(DocxRenderer().render(_doc(HIDDEN)))).tables[0]
    assert [c.text for c in table.rows[2].cells] == ["2017-18", "c"]


def test_a_hidden_chart_point_is_a_gap_in_the_html_chart() -> None:
    page = HtmlRenderer().render(_doc(HIDDEN)).decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    series = svg[svg.index('-series">') : svg.index("</g>\n   </g>", svg.index('-series">'))]
    assert series.count("<use ") == 3  # a marker for each shown point, none for the hidden one
    (line,) = re.findall(r'<path d="([^"]+)"', series.split("<defs>")[0])
    # the line is broken at the hidden point: it starts again after it, and joins only 2018-19 and 2019-20
    assert line.count("M") == 2 and line.count("L") == 1
    assert "2017-18: c" in svg and ">2017-18</text>" in svg  # said in the description; its period still on the axis


def test_a_caption_starting_on_a_new_line_never_starts_a_list() -> None:
    """Found by the property test above: a caption '\\n1. item' became '* 1. item*', a bullet
    holding a numbered list."""
    document = Document(kind="t", title="T", sections=(Section("S", (Table(("A",), (("x",),), caption="\n1. item"),)),))
    rendered = _gfm(MarkdownRenderer().render(document).decode())
    assert "<ol" not in rendered and "<ul" not in rendered
