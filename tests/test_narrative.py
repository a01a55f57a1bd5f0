"""Board-written narrative (Markdown) turned into document blocks: safe for any text. Nothing
in a narrative becomes markup: raw HTML is text, links to anything but web and mail addresses
show only their words, images only their description, deep nesting is kept as text, huge and
unreadable files are refused naming the file; and every renderer shows hostile text as text."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import cmarkgfm  # GitHub's Markdown engine: in the test extra
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import LifError, Plugins, open_board
from lif_core.document import Block, BulletList, Chart, Document, Facts, Paragraph, Section, Table, cell_text
from lif_core.frameworks import ReportDefinition, ReportPart
from lif_core.report import impact_report, narrative_blocks, read_narrative
from lif_core.report.narrative import MAX_NARRATIVE_BYTES, MAX_TABLE_COLUMNS

from .conftest import MINIMAL

BLOCKS = (Paragraph, BulletList, Facts, Table, Chart)


def words(blocks: tuple[Block, ...], sections: tuple[Section, ...]) -> str:
    """All the text of a narrative, as a reader sees it."""
    out: list[str] = []

    def take(items: tuple[Block, ...]) -> None:
        for block in items:
            if isinstance(block, Paragraph):
                out.append(block.text)
            elif isinstance(block, BulletList):
                out.extend(block.items)
            elif isinstance(block, Table):
                out.extend(block.columns)
                out.extend(cell_text(c) for row in block.rows for c in row)

    take(blocks)
    for section in sections:
        out.append(section.title)
        take(section.blocks)
    return "\n".join(out)


def shown(markdown: str) -> str:
    return words(*narrative_blocks(markdown))


def check_shape(blocks: tuple[Block, ...], sections: tuple[Section, ...]) -> None:
    assert isinstance(blocks, tuple) and isinstance(sections, tuple)
    assert all(isinstance(b, BLOCKS) for b in blocks), blocks
    for section in sections:
        assert isinstance(section, Section) and isinstance(section.title, str) and section.title
        assert all(isinstance(b, BLOCKS) for b in section.blocks)
        assert not section.sections  # a narrative has one level of parts
    for block in (*blocks, *(b for s in sections for b in s.blocks)):
        if isinstance(block, Table):
            assert all(len(row) == len(block.columns) for row in block.rows)
            assert len(block.columns) <= MAX_TABLE_COLUMNS


# ---------------------------------------------------------------- any text at all

FRAGMENTS = [
    "# ",
    "## ",
    "###### ",
    "> ",
    "- ",
    "* ",
    "+ ",
    "1. ",
    "1) ",
    "    ",
    "\t",
    "\n",
    "\n\n",
    "---",
    "===",
    "***",
    "```",
    "~~~",
    "`",
    "**",
    "_",
    "|",
    "| a | b |\n| --- | --- |\n| 1 | 2 |\n",
    "|-|",
    ":--",
    "[",
    "]",
    "(",
    ")",
    "![",
    "<",
    ">",
    "&amp;",
    "&#0;",
    "\\",
    "[x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    "[r]: javascript:alert(1)\n",
    "[x][r]",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![alt](https://evil.example/x.png)",
    "https://example.org",
    "<https://example.org>",
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\r\n",
    "\ud800",
    "word",
]
MARKDOWNISH = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_gives_document_blocks(text: str) -> None:
    check_shape(*narrative_blocks(text))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWNISH)
def test_any_markdownish_text_gives_safe_document_blocks(text: str) -> None:
    blocks, sections = narrative_blocks(text)
    check_shape(blocks, sections)
    seen = words(blocks, sections)
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", seen)
    seen.encode("utf-8")  # no lone surrogate reaches a renderer


#: What the renderers' own markup uses; anything else would have come from the narrative.
HTML_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "nav",
    "ol",
    "ul",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "p",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "div",
    "footer",
    "abbr",
    "figure",
    "figcaption",
    "svg",
    "br",
    "span",
    "strong",
    "em",
    "code",
    "small",
    "aside",
    "article",
}
MARKDOWN_TAGS = {
    "h1",
    "h2",
    "h3",
    "p",
    "ul",
    "li",
    "strong",
    "em",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "br",
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWNISH)
def test_markdownish_narrative_renders_as_text_in_html_and_markdown(text: str) -> None:
    from lif_core.builtins.html import HtmlRenderer
    from lif_core.builtins.renderers import MarkdownRenderer

    blocks, sections = narrative_blocks(text)
    document = Document(kind="t", title="Report", sections=(Section("Foreword", blocks, sections),))
    page = HtmlRenderer().render(document).decode()
    tags = {t.lower() for t in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", page)}
    assert tags <= HTML_TAGS, tags - HTML_TAGS
    assert all(href.startswith("#") for href in re.findall(r"href=\"([^\"]*)\"", page))
    assert "javascript:" not in " ".join(re.findall(r"<[^>]*>", page)).lower()
    gfm = cmarkgfm.github_flavored_markdown_to_html(MarkdownRenderer().render(document).decode())
    assert "<a" not in gfm
    tags = {t.lower() for t in re.findall(r"</?([a-zA-Z][a-zA-Z0-9]*)", gfm)}
    assert tags <= MARKDOWN_TAGS, tags - MARKDOWN_TAGS


STRUCTURE = st.sampled_from(["> ", "- ", "* ", "1. ", "  ", "    ", "\n", "\n\n", "# ", "**", "_", " "])
WORD = st.from_regex(r"[a-z]{1,8}", fullmatch=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(STRUCTURE, WORD), max_size=60).map(" ".join))
def test_no_word_is_lost_however_it_is_nested(text: str) -> None:
    seen = set(re.findall(r"[a-z]+", shown(text)))
    assert set(re.findall(r"[a-z]+", text)) <= seen


@pytest.mark.parametrize("depth", [1, 5, 9, 10, 11, 19, 20, 21, 60, 500])
def test_deep_quotes_and_lists_keep_their_text(depth: int) -> None:
    assert "deepest" in shown("> " * depth + "deepest")
    assert "deepest" in shown("".join("  " * i + "- level\n" for i in range(depth)) + "  " * depth + "- deepest\n")
    assert "deepest" in shown("- > " * depth + "deepest")


def test_pathological_input_gives_blocks() -> None:
    # An eighth of the largest file: the parser is linear on these, at about 8 seconds for a
    # whole file of "![" (its worst), so a larger size only slows the suite.
    size = MAX_NARRATIVE_BYTES // 8
    for text in ("[" * size, "*a" * (size // 2), "<" * size, "![" * (size // 2), "> " * (size // 2), "|" * size):
        check_shape(*narrative_blocks(text))


# ---------------------------------------------------------------- what becomes of Markdown


def test_headings_start_parts_and_text_before_them_is_the_section_own() -> None:
    blocks, sections = narrative_blocks("Opening.\n\n# One\n\nFirst.\n\n### Two\n\n- a\n- b\n")
    assert blocks == (Paragraph("Opening."),)
    assert sections == (Section("One", (Paragraph("First."),)), Section("Two", (BulletList(("a", "b")),)))


def test_a_heading_inside_a_list_or_quote_stays_where_it_was_written() -> None:
    assert narrative_blocks("- a\n  # H\n- b\n") == ((BulletList(("a", "H", "b")),), ())
    assert narrative_blocks("> # Quoted\n") == ((Paragraph("Quoted"),), ())


def test_raw_html_is_text() -> None:
    blocks, _ = narrative_blocks("<script>alert(1)</script>\n\nSee <b onclick=x>this</b>.")
    assert blocks == (Paragraph("<script>alert(1)</script>"), Paragraph("See <b onclick=x>this</b>."))


@pytest.mark.parametrize(
    "link",
    [
        "[the plan](javascript:alert(1))",
        "[the plan](JavaScript:alert(1))",
        "[the plan]( javascript:alert(1) )",
        "[the plan](data:text/html;base64,PHNjcmlwdD4=)",
        "[the plan](vbscript:msgbox(1))",
        "[the plan](file:///etc/passwd)",
    ],
)
def test_a_link_to_anything_but_the_web_or_mail_shows_only_its_words(link: str) -> None:
    assert narrative_blocks(f"Read {link} now.") == ((Paragraph("Read the plan now."),), ())


def test_a_reference_link_to_an_unsafe_address_shows_only_its_words() -> None:
    assert shown("Read [the plan][r] now.\n\n[r]: javascript:alert(1)") == "Read the plan now."


def test_an_autolink_to_an_unsafe_address_is_dropped() -> None:
    assert shown("Go <javascript:alert(1)> now") == "Go now"


def test_safe_links_show_their_address_after_their_words() -> None:
    assert shown("Read [the plan](https://example.org/plan).") == "Read the plan (https://example.org/plan)."
    assert shown("Write to [us](mailto:lscp@example.org).") == "Write to us (lscp@example.org)."
    assert shown("See <https://example.org>.") == "See https://example.org."
    assert shown("See [https://example.org](https://example.org).") == "See https://example.org."
    assert shown("See [](https://example.org).") == "See https://example.org."


def test_an_image_is_its_description_only() -> None:
    assert shown("![Our logo](https://evil.example/track.png) and ![](data:image/png;base64,AA)") == "Our logo and"
    assert shown("[![Badge](https://evil.example/b.png)](https://example.org)") == "Badge (https://example.org)"


def test_control_characters_and_bidirectional_overrides_are_dropped() -> None:
    assert shown("Safe\x1b[31m text\u202e here\x00\x7f\x85.") == "Safe[31m text here."
    assert shown("lone \ud800 surrogate") == "lone ? surrogate"


def test_code_is_shown_as_its_text() -> None:
    assert shown("```\n<script>\n  x = 1\n```") == "<script> x = 1"


def test_a_table_is_a_table_and_a_very_wide_one_is_lines() -> None:
    blocks, _ = narrative_blocks("| Year | Spent |\n| --- | --- |\n| 2024-25 | £1 |\n| 2023-24 |\n")
    assert blocks == (Table(("Year", "Spent"), (("2024-25", "£1"), ("2023-24", ""))),)
    width = MAX_TABLE_COLUMNS + 1
    wide = "|" + "|".join(f"h{i}" for i in range(width)) + "|\n|" + "---|" * width + "\n|" + "x|" * width + "\n"
    blocks, _ = narrative_blocks(wide)
    assert all(isinstance(b, Paragraph) for b in blocks) and "h20" in blocks[0].text  # type: ignore[union-attr]


# ---------------------------------------------------------------- reading files


def test_a_narrative_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "story.md").write_text("The year.\n", encoding="utf-8")
    assert read_narrative(tmp_path, "story.md") == ((Paragraph("The year."),), ())


def test_a_huge_narrative_file_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "narrative").mkdir()
    (tmp_path / "narrative" / "foreword.md").write_bytes(b"a" * (MAX_NARRATIVE_BYTES + 1))
    with pytest.raises(LifError, match=r"narrative/foreword\.md: .*limited to 131,072"):
        read_narrative(tmp_path, "narrative/foreword.md")


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("missing.md", r"missing\.md: cannot read"),
        ("latin1.md", r"latin1\.md: not UTF-8"),
        ("folder.md", r"folder\.md: (is a folder|cannot read)"),
        ("../outside.md", r"outside the board folder"),
        ("/etc/passwd", r"outside the board folder"),
        ("bad\x00name.md", r"cannot be followed in the board folder"),
        ("x" * 5000 + ".md", r"x{10}"),
    ],
)
def test_an_unreadable_narrative_file_is_one_error_naming_it(tmp_path: Path, relative: str, message: str) -> None:
    board = tmp_path / "board"
    board.mkdir()
    (board / "latin1.md").write_bytes("caf\u00e9".encode("latin-1"))
    (board / "folder.md").mkdir()
    (tmp_path / "outside.md").write_text("secret", encoding="utf-8")
    with pytest.raises(LifError, match=message):
        read_narrative(board, relative)


# ---------------------------------------------------------------- through every renderer

HOSTILE = """\
<script>alert(1)</script>

Read [the plan](javascript:alert(2)) or <javascript:alert(3)>.

<img src=x onerror=alert(4)> ![tracker](https://evil.example/t.png)

| <b>head</b> | x |
| --- | --- |
| <iframe src=//evil.example> | =HYPERLINK("http://evil.example") |

## <script>alert(5)</script>

- <a href="https://evil.example">click</a>
"""


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> object:
    root = tmp_path_factory.mktemp("hostile")
    (root / "board.toml").write_text(MINIMAL, encoding="utf-8")
    (root / "narrative").mkdir()
    (root / "narrative" / "foreword.md").write_text(HOSTILE, encoding="utf-8")
    plugins = Plugins.create()
    loaded = open_board(root, plugins)
    definition = ReportDefinition(title="Yearly report", sections=(ReportPart(section="foreword"),))
    return impact_report(loaded, plugins, dt.date(2025, 3, 31), definition=definition)


def _render(document: object, name: str) -> bytes:
    return Plugins.create().renderers.get(name).render(document)  # type: ignore[arg-type]


def test_every_renderer_shows_hostile_narrative_as_text(hostile_report: object) -> None:
    names = Plugins.create().renderers.names()
    assert {"markdown", "html", "text", "docx"} <= set(names)
    for name in names:
        out = _render(hostile_report, name)
        raw = _docx_xml(out) if name in ("docx", "xlsx", "csv") else out.decode("utf-8", "replace")
        assert "javascript:" not in raw.lower(), name
        assert "evil.example/t.png" not in raw, name  # an image is never fetched or linked


def _docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "\n".join(
            package.read(n).decode("utf-8") for n in package.namelist() if n.endswith((".xml", ".csv", ".json"))
        )


def test_html_escapes_the_narrative(hostile_report: object) -> None:
    page = _render(hostile_report, "html").decode()
    assert "<script" not in page.lower() and "<iframe" not in page.lower() and "<img" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(4)&gt;" in page
    assert all(href.startswith("#") for href in re.findall(r'href="([^"]*)"', page))


def test_markdown_keeps_the_narrative_literal_in_github_markdown(hostile_report: object) -> None:
    markdown = _render(hostile_report, "markdown").decode()
    page = cmarkgfm.github_flavored_markdown_to_html(markdown)
    assert "<a" not in page and "<script" not in page and "<img" not in page and "<iframe" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_text_json_and_csv_carry_the_literal_words(hostile_report: object) -> None:
    text = _render(hostile_report, "text").decode()
    assert "<script>alert(1)</script>" in text and "Read the plan or ." in text
    document = json.loads(_render(hostile_report, "json"))
    assert "<script>alert(1)</script>" in json.dumps(document, ensure_ascii=False)
    rows = list(csv.reader(io.StringIO(_render(hostile_report, "csv-tidy").decode())))
    cells = [cell for row in rows for cell in row if "HYPERLINK" in cell]
    assert cells and not any(cell.startswith("=") for cell in cells)  # never a formula


def test_word_holds_the_narrative_as_text(hostile_report: object) -> None:
    import docx

    out = docx.Document(io.BytesIO(_render(hostile_report, "docx")))
    paragraphs = [p.text for p in out.paragraphs]
    assert "<script>alert(1)</script>" in paragraphs
    xml = _docx_xml(_render(hostile_report, "docx"))
    assert "<script" not in xml and "&lt;script&gt;" in xml
