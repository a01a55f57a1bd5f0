"""The pdf format: the Croydon impact report as an A4 PDF (through the CLI in process and as a
real process), read back with pypdf; the running header's text escaped; nothing fetched; a clear
error where WeasyPrint is missing; WeasyPrint's warnings kept off the terminal."""

from __future__ import annotations

import datetime as dt
import html
import http.server
import io
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pypdf
import pytest
import tinycss2
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from lif_pdf.plugin import MISSING, PdfRenderer, css_string, page_css, refusing_fetcher

from lif_core import LifError, Plugins, RenderOptions
from lif_core.cli import make_cli
from lif_core.document import Document, Paragraph, ReportStyle, Section, Table

ROOT = Path(__file__).resolve().parents[3]
CROYDON = ROOT / "examples" / "croydon"
BOARD = "Croydon Safeguarding Children Board"
LIF = Path(sys.executable).with_name("lif")
#: A4 in points, portrait.
A4 = (595.28, 841.89)
#: The Croydon report laid out well: 26 pages when this was written (cover and contents, 7 charts
#: with their figures beside them, four to a page, a landscape page for the coverage matrix). Far
#: more means tables or charts are breaking badly (a chart or a row a page); far fewer, that
#: sections are missing.
PAGES = range(20, 34)
#: Where the running header and the page number are: above the top margin (2.2cm) and below
#: the bottom one (2cm), in points from the bottom of the page.
HEADER_BELOW = A4[1] - 2.2 / 2.54 * 72
FOOTER_ABOVE = 2 / 2.54 * 72
KEY = "test-key-not-for-real-data-0123456789"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_DISABLE_PLUGINS", raising=False)
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", KEY)


def is_a4(page: pypdf.PageObject) -> bool:
    """True where the page is A4, upright or landscape, to within a point."""
    size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
    return abs(size[0] - A4[0]) < 1 and abs(size[1] - A4[1]) < 1


def margins(page: pypdf.PageObject) -> tuple[str, str, str]:
    """The text of ``page`` in its top margin, its body and its bottom margin."""
    top: list[str] = []
    body: list[str] = []
    bottom: list[str] = []
    height = float(page.mediabox.height)

    def visit(text: str, cm: list[float], tm: list[float], _font: object, _size: object) -> None:
        # pypdf reads a small subset of a font WeasyPrint embeds (a page of "x x x") as two bytes a
        # character, a NUL before each (pdftotext reads it right): what the page shows has none.
        text = text.replace("\x00", "")
        if not text.strip():
            return
        if abs(cm[5] - height) > 0.5:  # drawn in a figure of its own (a chart's SVG): body
            body.append(text.strip())
            return
        y = cm[5] + cm[3] * tm[5]  # the page's own text: y down from the top, in CSS pixels
        (top if y > height - (A4[1] - HEADER_BELOW) else bottom if y < FOOTER_ABOVE else body).append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(top), " ".join(body), " ".join(bottom)


def drawing(page: pypdf.PageObject) -> int:
    """How many line and curve segments ``page`` draws (a chart draws hundreds; text, a few)."""
    data = page.get_contents()
    return len(re.findall(rb"(?<=\s)[lc](?=\s)", data.get_data())) if data is not None else 0


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def croydon_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder for the Croydon report's files (impact.pdf, impact.json)."""
    return tmp_path_factory.mktemp("pdf")


@pytest.fixture(scope="module")
def croydon_pdf(croydon_out: Path) -> Iterator[tuple[pypdf.PdfReader, dict[str, object]]]:
    """The Croydon impact report as PDF (lif report impact -f pdf, in process) and as JSON."""
    out = croydon_out
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIF_PSEUDONYM_KEY", KEY)
        for fmt in ("pdf", "json"):
            result = CliRunner().invoke(
                make_cli(Plugins.create()),
                ["report", "impact", str(CROYDON), "-f", fmt, "-o", str(out / f"impact.{fmt}")],
                catch_exceptions=False,
            )
            assert result.exit_code == 0, result.output
            assert result.stderr.startswith(f"wrote {out / f'impact.{fmt}'} ("), result.stderr
    yield pypdf.PdfReader(out / "impact.pdf"), json.loads((out / "impact.json").read_text("utf-8"))


def test_croydon_is_a4_with_page_numbers_and_running_header(
    croydon_pdf: tuple[pypdf.PdfReader, dict[str, object]],
) -> None:
    pdf, _data = croydon_pdf
    count = len(pdf.pages)
    assert count in PAGES
    assert all(is_a4(page) for page in pdf.pages)
    assert any(page.mediabox.width > page.mediabox.height for page in pdf.pages), "the coverage matrix is landscape"
    for number, page in enumerate(pdf.pages, start=1):
        top, _body, bottom = margins(page)
        assert bottom == f"Page {number} of {count}"
        if number == 1:
            assert top == "", "no running header on the cover"
        else:
            assert top == f"{BOARD} As at 31 March 2019"
    assert f"Page 2 of {count}" in pdf.pages[1].extract_text()


def test_croydon_properties_and_contents(croydon_pdf: tuple[pypdf.PdfReader, dict[str, object]]) -> None:
    pdf, _data = croydon_pdf
    meta = pdf.metadata
    assert meta is not None
    assert meta.title == f"{BOARD}: Annual report 2018-19"
    assert meta.author == BOARD
    assert meta["/CreationDate"].startswith("D:20190331")
    root = pdf.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root, "tagged for screen readers"
    # The contents on the cover, each entry with the page it starts on; the report from page 2;
    # bookmarks for the headings.
    cover = words(pdf.pages[0].extract_text())
    assert re.search(r"Introduction by the Independent Chair[ .]+2\b", cover)
    assert margins(pdf.pages[1])[1].startswith("Introduction by the Independent Chair")
    # The running header and the page numbers in the body's font (not a fallback of their own).
    fonts: dict[str, set[str]] = {"margin": set(), "body": set()}
    height = float(pdf.pages[1].mediabox.height)

    def visit(text: str, cm: list[float], tm: list[float], font: object, _size: object) -> None:
        if text.strip() and isinstance(font, dict) and abs(cm[5] - height) < 0.5:
            y = cm[5] + cm[3] * tm[5]
            fonts["margin" if y > HEADER_BELOW or y < FOOTER_ABOVE else "body"].add(str(font["/BaseFont"]))

    pdf.pages[1].extract_text(visitor_text=visit)
    assert fonts["margin"] and fonts["margin"] <= fonts["body"], fonts
    # What the report says about itself, at the end, under a heading.
    last = words(pdf.pages[-1].extract_text())
    assert "About this report" in last and "Disclosure control Counts from" in last
    titles = [item.title for item in pdf.outline if not isinstance(item, list)]
    assert "Case reviews and the learning lifecycle" in str(pdf.outline)
    assert titles and titles[0] == "Annual report 2018-19"


def page_words(path: Path) -> list[tuple[float, float, list[tuple[float, float, float, float, str]]]]:
    """Each page of the PDF at ``path`` as poppler's pdftotext -bbox reads it: its width, its
    height and its words (left, top, right, bottom, text), in points."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages: list[tuple[float, float, list[tuple[float, float, float, float, str]]]] = []
    for found in re.finditer(
        r'<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([-\d.]+)" yMin="([-\d.]+)" '
        r'xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>',
        out,
    ):
        if found[1]:
            pages.append((float(found[1]), float(found[2]), []))
        else:
            left, top, right, bottom = (float(found[i]) for i in (3, 4, 5, 6))
            pages[-1][2].append((left, top, right, bottom, html.unescape(found[7])))
    return pages


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils' pdftotext is not installed")
def test_croydon_matrix_is_one_landscape_page_and_no_text_is_off_the_page(
    croydon_pdf: tuple[pypdf.PdfReader, dict[str, object]], croydon_out: Path
) -> None:
    """The coverage matrix's heading, caption and every column (the last: Gaps) on one landscape
    page; and no word of any page outside the page (a table cut off at the right)."""
    pages = page_words(croydon_out / "impact.pdf")
    assert len(pages) == len(croydon_pdf[0].pages)
    matrix = [
        (width, height, texts)
        for width, height, found in pages
        if "Which areas of the Ofsted review" in (texts := " ".join(w[4] for w in found))
    ]
    assert len(matrix) == 1, "the matrix's caption on one page"
    width, height, texts = matrix[0]
    assert width > height, "the matrix's page is landscape"
    assert "Coverage matrix: Ofsted review" in texts, "its heading on the same page"
    assert "Evidence Gaps" in texts, "its last columns on the page"
    for number, (width, height, found) in enumerate(pages, start=1):
        off = [w for w in found if w[0] < -0.5 or w[2] > width + 0.5 or w[1] < -0.5 or w[3] > height + 0.5]
        assert off == [], f"page {number}: text outside the page: {off[:5]}"


def _charts(data: object) -> Iterator[str]:
    if isinstance(data, dict):
        if data.get("type") == "chart" and isinstance(data.get("title"), str):
            yield data["title"]
        for value in data.values():
            yield from _charts(value)
    elif isinstance(data, list):
        for value in data:
            yield from _charts(value)


def test_croydon_every_chart_is_drawn(croydon_pdf: tuple[pypdf.PdfReader, dict[str, object]]) -> None:
    pdf, data = croydon_pdf
    charts = list(_charts(data))
    assert len(charts) >= 5, "the dataset section's trend charts"
    pages = [(words(page.extract_text()), drawing(page)) for page in pdf.pages]
    text_only = max(segments for text, segments in pages if "Introduction by the Independent Chair" in text)
    for title in charts:
        drawn = [segments for text, segments in pages if words(title) in text]
        assert drawn, f"chart {title!r} is not in the PDF"
        # The chart is drawn (lines and curves), not just named: far more than any page of text.
        assert max(drawn) > max(100, 5 * text_only), f"chart {title!r} is named but not drawn"


def test_croydon_as_a_process(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    env = {**os.environ, "LIF_PSEUDONYM_KEY": KEY}
    env.pop("LIF_DISABLE_PLUGINS", None)
    done = subprocess.run(
        [str(LIF), "report", "impact", "examples/croydon", "-f", "pdf", "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"wrote {out} ({out.stat().st_size:,} bytes)\n"  # no WeasyPrint noise
    pdf = pypdf.PdfReader(out)
    assert len(pdf.pages) in PAGES and all(is_a4(page) for page in pdf.pages)
    assert f"Page 2 of {len(pdf.pages)}" in pdf.pages[1].extract_text()


# ---------------------------------------------------------------- small documents


def document(author: str = "Testshire Safeguarding Children Partnership", *blocks: object) -> Document:
    blocks = blocks or (Paragraph("Some text."),)
    sections = tuple(Section(f"Part {i}", blocks=blocks) for i in range(1, 4))  # type: ignore[arg-type]
    return Document(
        kind="impact-report",
        title="Annual report 2024-25",
        sections=sections,
        author=author,
        date=dt.date(2025, 3, 31),
        meta=(("Disclosure control", "counts from 1 to 5 shown as c"),),
    )


def render(doc: Document, options: RenderOptions | None = None) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(PdfRenderer().render(doc, options)))


HOSTILE = 'Evil"; } @page { size: A3 } /* \\ \n\x1b[31m\u202eBoard\r\n'


def test_a_hostile_board_name_is_text_in_the_header_not_css() -> None:
    pdf = render(document(HOSTILE, Paragraph("x " * 2000)))
    assert len(pdf.pages) >= 2 and all(is_a4(page) for page in pdf.pages)
    top, _body, bottom = margins(pdf.pages[1])
    # Control characters (the newline, the escape, the right-to-left override) became spaces.
    assert top == 'Evil"; } @page { size: A3 } /* \\ [31m Board As at 31 March 2025'
    assert bottom == f"Page 2 of {len(pdf.pages)}"
    assert pdf.metadata is not None and pdf.metadata.author is not None
    assert "\x1b" not in pdf.metadata.author and "\u202e" not in pdf.metadata.author


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_css_string_is_one_string_token_holding_the_text(text: str) -> None:
    quoted = css_string(text, limit=10_000)
    tokens = [t for t in tinycss2.parse_component_value_list(quoted) if t.type != "whitespace"]
    assert len(tokens) == 1 and tokens[0].type == "string"
    cleaned = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", " ", text).split())
    assert tokens[0].value == cleaned


def test_css_string_cuts_a_long_name() -> None:
    assert css_string("a" * 200) == '"' + "a" * 69 + '\u2026"'


def test_the_page_css_parses_with_the_header_filled_in() -> None:
    css = page_css(document(HOSTILE))
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    assert not [r for r in rules if r.type == "error"]
    assert [r.at_keyword for r in rules if r.type == "at-rule"].count("page") == 3


class _Server(http.server.BaseHTTPRequestHandler):
    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_nothing_is_fetched() -> None:
    """Not an image in the text (it is escaped: it reads as text), not a URL in a board's style
    sheet (lif-core's page refuses it), not a URL in the page WeasyPrint is given (the fetcher
    refuses every URL but data:): a local server sees no request."""
    import weasyprint

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        img = f'<img src="{url}/img.png"><link rel="stylesheet" href="{url}/x.css">'
        pdf = render(document("Board", Paragraph(img)))
        text = "".join(page.extract_text() for page in pdf.pages)
        assert "".join(img.split()) in "".join(text.split()), "the markup is text, escaped"

        style = ReportStyle(css=f"body {{ background: url({url}/bg.png); }}")
        with pytest.raises(LifError, match="loads something"):
            PdfRenderer().render(document(), RenderOptions(style=style))

        page = (
            f'<html><head><link rel="stylesheet" href="{url}/x.css"><style>@import url({url}/i.css);'
            f"body {{ background: url({url}/bg.png) }} @font-face {{ font-family: x; src: url({url}/f.ttf) }}"
            f'</style></head><body><img src="{url}/img.png"><img src="file:///etc/passwd">'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACwAAAAAAQABAAACAA=="></body></html>'
        )
        assert weasyprint.HTML(string=page, url_fetcher=refusing_fetcher()).write_pdf().startswith(b"%PDF")
        fetcher = refusing_fetcher()
        for refused in (f"{url}/a.png", "https://example.org/a.png", "file:///etc/passwd", "ftp://example.org/a"):
            with pytest.raises(ValueError, match="refused"):
                fetcher.fetch(refused)
        assert _Server.asked == []
        assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"
    finally:
        server.shutdown()
        server.server_close()


def test_a_table_runs_on_over_pages_with_its_header_row() -> None:
    rows = tuple((f"Partner {i}", str(i)) for i in range(120))
    pdf = render(document("Board", Table(("Partner", "Contributions"), rows, caption="Partners")))
    pages = [words(page.extract_text()) for page in pdf.pages]
    continued = [text for text in pages if "Partner 60" in text or "Partner 110" in text]
    assert continued and all("Partner Contributions" in text for text in continued)


def test_weasyprint_warnings_stay_off_the_terminal(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    style = ReportStyle(css="body { no-such-property: 1; text-size-adjust: 100%; }")
    render(document(), RenderOptions(style=style))
    assert not [r for r in caplog.records if r.name.startswith("weasyprint") or r.name.startswith("fontTools")]
    assert [r for r in caplog.records if r.name == "lif_pdf" and r.levelno == logging.DEBUG]
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_without_weasyprint_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint now raises ImportError
    with pytest.raises(LifError) as error:
        PdfRenderer().render(document())
    assert str(error.value) == MISSING
    out = tmp_path / "x.pdf"
    result = CliRunner().invoke(
        make_cli(Plugins.create()), ["report", "impact", str(CROYDON), "-f", "pdf", "-o", str(out)]
    )
    assert result.exit_code == 1
    assert result.stderr == f"Error: {MISSING}\n"
    assert "Traceback" not in result.output and not out.exists()


def test_importing_the_plugin_does_not_import_weasyprint() -> None:
    code = "import sys, lif_pdf, lif_pdf.plugin; print('weasyprint' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert done.stdout.strip() == "False"


def test_the_plugin_is_registered() -> None:
    plugins = Plugins.create()
    assert "pdf" in plugins.renderers.names()
    renderer = plugins.renderers.get("pdf")
    assert (renderer.media_type, renderer.suffix, renderer.binary) == ("application/pdf", ".pdf", True)
    assert plugins.renderers.plugin_of("pdf") == "pdf"
