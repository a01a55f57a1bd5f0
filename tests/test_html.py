"""The HTML report from templates: what the page holds (landmarks, one h1, captions, numbers
right-aligned, ratings with their words, charts with their figures), a board's house style
(logo, colour, its own templates and CSS) and everything in it that is refused (scripts, frames,
addresses out of the page, paths out of the board folder, templates that do not parse), and that
Jinja2 and matplotlib are loaded only for the formats that need them. The page in a real browser
is tests/test_html_browser.py."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import Plugins
from lif_core.builtins.html import CSP, HtmlRenderer, check_page, colours, contrast, render_page
from lif_core.cli import make_cli
from lif_core.document import Chart, Document, Facts, Figure, Paragraph, Rag, ReportStyle, Section, Table
from lif_core.errors import LifError
from lif_core.extensions import RenderOptions

from .conftest import CROYDON, ROOT

PNG = ROOT / "docs" / "examples" / "riverside" / "report" / "logo.png"


def lif(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(make_cli(Plugins.create()), [*args, "--no-progress"])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def croydon_page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("html") / "croydon.html"
    code, output = lif("report", "impact", str(CROYDON), "--as-of", "2019-03-31", "-f", "html", "-o", str(out))
    assert code == 0, output
    return out.read_text(encoding="utf-8")


class Page(HTMLParser):
    """The elements of a page, with their attributes, and its visible text."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._skip += tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag == "style"

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def test_the_croydon_page_is_one_accessible_self_contained_file(croydon_page: str) -> None:
    page = Page(croydon_page)
    names = [t for t, _ in page.tags]
    assert names.count("h1") == 1 and names.count("main") == 1 and "nav" in names and "footer" in names
    assert page.all("html") == [{"lang": "en-GB"}]
    meta = {a.get("name") or a.get("http-equiv"): a["content"] for a in page.all("meta") if "content" in a}
    assert meta["Content-Security-Policy"] == CSP
    assert meta["author"] == "Croydon Safeguarding Children Board" and meta["dcterms.date"] == "2019-03-31"
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(names)
    assert all(a["href"].startswith("#") for a in page.all("a"))
    # headings never skip a level
    levels = [int(t[1]) for t in names if re.fullmatch(r"h[1-6]", t)]
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    # every table has a caption and column headers with scope; rows are headed by their first cell
    assert names.count("table") == names.count("caption") > 30
    assert all(a.get("scope") in ("col", "row") for a in page.all("th"))
    # wide tables scroll in a region the keyboard reaches, named after the table
    regions = [a for a in page.all("div") if a.get("role") == "region"]
    assert regions and all(a["tabindex"] == "0" and a["aria-label"] for a in regions)
    assert any("Which areas of the Ofsted review" in a["aria-label"] for a in regions)  # the 14-column matrix
    # numbers right-aligned; ratings coloured with the words kept
    assert re.search(r'<td class="num"[^>]*>13%</td>', croydon_page)
    assert re.search(r'<span class="rag rag-green">Green</span>', croydon_page)
    assert re.search(r'<span class="rag rag-red">Red</span>', croydon_page)
    # charts: an SVG image with a title and a description (the target in it), its figures beside
    figures = croydon_page.count('<figure class="chart"')
    assert figures >= 5 and croydon_page.count('role="img"') == figures
    assert "The figures (lower is better)" in croydon_page and '<th scope="row">Target</th>' in croydon_page
    text = re.sub(r" (?=[.,;:)])", "", " ".join(" ".join(page.text).split()))  # "2018-19" is a span of its own
    assert "This is the Croydon Safeguarding Children Board's annual report for 2018-19." in text


def test_a_hidden_figure_is_explained_where_it_is_shown() -> None:
    document = Document(
        kind="t",
        title="T",
        sections=(
            Section(
                "S", (Table(("Area", "Children", "Share"), (("North", "c", Figure(None, "k", "%")),), caption="A"),)
            ),
        ),
    )
    page = render_page(document)
    assert '<td class="num" data-label="Children"><abbr title="hidden by disclosure control' in page
    assert '<abbr title="a share above 0 that rounds to 0">k</abbr>' in page


def test_a_period_is_never_broken_at_its_hyphen() -> None:
    document = Document(
        kind="t",
        title="Annual report 2018-19",
        sections=(
            Section(
                "Priorities for 2019-20",
                (
                    Paragraph("Due 2018-07-31, not 12018-19 or 2018-190 or <b>2018-19</b>."),
                    Table(("Period", "Note"), (("2017-18", "late: 2018-19 & after"),), caption="By 2018-19"),
                ),
            ),
        ),
    )
    page = render_page(document)
    span = '<span class="nowrap">{}</span>'.format
    assert f"<h1>Annual report {span('2018-19')}</h1>" in page
    assert f">Priorities for {span('2019-20')}</h2>" in page
    assert f"<p>Due {span('2018-07-31')}, not 12018-19 or 2018-190 or &lt;b&gt;{span('2018-19')}&lt;/b&gt;.</p>" in page
    assert f"<caption>By {span('2018-19')}</caption>" in page
    assert f">late: {span('2018-19')} &amp; after</td>" in page
    assert "<title>Annual report 2018-19</title>" in page  # the text itself is unchanged


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "javascript:alert(3)",
    "</style><script>x()</script>",
    "{{ 7*7 }}{% raw %}",
    "' onmouseover='alert(4)",
    "\u202eevil",
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(HOSTILE) | st.text(max_size=40), min_size=6, max_size=6))
def test_hostile_text_is_shown_as_text_never_as_markup(texts: list[str]) -> None:
    """Whatever the board's text holds, the page passes its own check (no script, no handler,
    nothing loaded) and shows the text as it is (templates are not run on it)."""
    title, caption, cell, chart, para, author = texts
    document = Document(
        kind="t",
        title=title or "T",
        author=author,
        sections=(
            Section(
                caption or "S",
                (
                    Paragraph(para),
                    Facts(((cell, para),)),
                    Table(("A", cell or "B"), ((cell, 1), (Rag(cell, "red"), Figure(2, cell))), caption=caption),
                    Chart(chart or "C", (("2017", 1.0), (cell or "2018", 2.0))),
                ),
            ),
        ),
    )
    page = render_page(document)  # check_page inside: refuses what could run or load
    seen = " ".join(Page(page).text)
    for text in (title, caption, cell, para):
        if text.strip():
            assert " ".join(text.split()) in " ".join(seen.split())


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.example/a.js></SCRIPT>",
        '<iframe src="https://example.org"></iframe>',
        "<object data=x></object>",
        "<embed src=x>",
        '<link rel="stylesheet" href="https://example.org/a.css">',
        '<base href="https://example.org/">',
        '<meta http-equiv="refresh" content="0; url=https://example.org">',
        '<p onclick="alert(1)">x</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="https://example.org">x</a>',
        '<img src="https://example.org/t.png" alt="">',
        '<img src="x" srcset="https://example.org/t.png 2x" alt="">',
        '<p style="background: url(https://example.org/t.png)">x</p>',
        "<style>@import 'https://example.org/a.css';</style>",
        "<style>p { background: url(//example.org/t.png) }</style>",
        "<style>p { background: u\\72l(https://example.org/t.png) }</style>",
        "<form action=x><button>x</button></form>",
        '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
        '<svg><set attributeName="href" to="javascript:alert(1)"/></svg>',
        '<svg><image href="https://example.org/t.png"/></svg>',
    ],
)
def test_the_page_check_refuses_what_could_run_load_or_send(snippet: str) -> None:
    page = f'<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="{CSP}"></head><body>'
    check_page(page + "<p>fine</p></body></html>")
    with pytest.raises(LifError, match="is refused"):
        check_page(page + snippet + "</body></html>", "a test")


def test_the_page_check_wants_the_content_security_policy() -> None:
    with pytest.raises(LifError, match="Content-Security-Policy"):
        check_page("<!DOCTYPE html><html><head></head><body><p>x</p></body></html>")


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True))
def test_any_accent_gives_readable_text(accent: str) -> None:
    c = colours(accent)
    assert contrast(c["ink"], "#ffffff") >= 4.5 and contrast(c["ink"], c["tint"]) >= 4.5
    assert contrast(c["on_accent"], c["accent"]) >= 4.5
    assert contrast("#1b1b1b", c["tint"]) >= 7  # body text on the cover


# ------------------------------------------------------------------------- a board's style


def _board(tmp_path: Path, style: str, files: dict[str, str | bytes] | None = None) -> Path:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    (board / "report.toml").write_text(f"[style]\n{style}\n", encoding="utf-8")
    for name, content in (files or {}).items():
        path = board / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return board


def _report(board: Path, tmp_path: Path, fmt: str = "html") -> tuple[int, str, str]:
    out = tmp_path / f"out.{fmt}"
    code, output = lif("report", "impact", str(board), "--as-of", "2019-03-31", "-f", fmt, "-o", str(out))
    return code, output, out.read_text(encoding="utf-8") if out.exists() else ""


def test_a_board_brands_its_report(tmp_path: Path, croydon_page: str) -> None:
    board = _board(
        tmp_path,
        'logo = "report/logo.png"\naccent = "#ffcc00"\ncss = "report/extra.css"',
        {
            "report/logo.png": PNG.read_bytes(),
            "report/extra.css": ".kicker > b { color: var(--accent-ink); } /* a child combinator kept */",
            "report/templates/report.html": (
                '{% extends "lif/report.html" %}{% block footer %}{{ super() }}'
                "<p class=contact>Call us: {{ doc.author }}</p>{% endblock %}"
            ),
            "report/templates/section.html": '<div class="ours">{% include "lif/section.html" %}</div>',
        },
    )
    code, output, page = _report(board, tmp_path)
    assert code == 0, output
    img = Page(page).all("img")
    assert len(img) == 1 and img[0]["src"].startswith("data:image/png;base64,")
    assert img[0]["alt"] == "Croydon Safeguarding Children Board"  # the board's name unless logo_text says
    assert "--accent: #ffcc00;" in page
    ink = re.search(r"--accent-ink: (#[0-9a-f]{6});", page)
    assert ink and contrast(ink.group(1), "#ffffff") >= 4.5  # a light accent is darkened for text
    assert ".kicker > b" in page and "<p class=contact>Call us: Croydon Safeguarding Children Board</p>" in page
    assert page.count('<div class="ours">') > 20
    # the sections are still the framework's: a report.toml with only [style] defines none
    sections = re.findall(r"<h2 id=\"(s-\d+)\"", page)
    assert sections == re.findall(r"<h2 id=\"(s-\d+)\"", croydon_page)
    # other formats are unchanged by a style
    code, output, markdown = _report(board, tmp_path, "markdown")
    assert code == 0, output and "data:image" not in markdown


@pytest.mark.parametrize(
    ("style", "files", "message"),
    [
        ('colour = "#fff"', {}, "style.colour: unknown key"),
        ('accent = "blue"', {}, "style.accent: 'blue' is not a colour as #rrggbb"),
        ("accent = 3", {}, "style.accent: must be a string"),
        ('logo = "../logo.png"', {}, "style.logo: '../logo.png' points outside the board folder"),
        ('logo = "report/logo.gif"', {}, "a logo is a PNG or JPEG"),
        ('logo = "report/logo.png"', {"report/logo.png": b"GIF89a...."}, "is not a PNG or JPEG image"),
        ('logo = "report/logo.png"', {"report/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(1024 * 1024)}, "at most"),
        ('logo = "report/none.png"', {}, "style.logo: 'report/none.png': No such file"),
        ('css = "report/x.css"', {"report/x.css": "@import url(https://example.org/a.css);"}, "'@import' is not"),
        ('css = "report/x.css"', {"report/x.css": "p { background: url(http://x.example/t.png) }"}, "loads"),
        ('css = "report/x.css"', {"report/x.css": "</style><script>x()</script>"}, "'<' is not allowed"),
        ('css = "report/x.css"', {"report/x.css": b"\xff\xfe"}, "not UTF-8"),
        ('templates = "report/none"', {}, "is not a folder"),
        ("", {"report/templates/cover.html": "<header><script>x()</script></header>"}, "cover.html, line 1: '<script'"),
        (
            "",
            {"report/templates/cover.html": '\n<h1 onclick="x()">{{ doc.heading }}</h1>'},
            "line 2: 'onclick=' is not allowed",
        ),
        ("", {"report/templates/cover.html": '<img src="https://example.org/a.png" alt="">'}, "not allowed"),
        ("", {"report/templates/style.css": "@import 'x.css';"}, "style.css, line 1: '@import'"),
    ],
)
def test_what_a_board_style_may_not_do(tmp_path: Path, style: str, files: dict[str, str | bytes], message: str) -> None:
    board = _board(tmp_path, style, files)
    code, output, _page = _report(board, tmp_path)
    assert code != 0
    assert "report.toml" in output and message in " ".join(output.split()), output
    assert "Traceback" not in output
    # lif validate finds it too, before anyone runs the report
    checked = CliRunner().invoke(make_cli(), ["validate", str(board)])
    assert checked.exit_code == 1 and message in " ".join(checked.output.split()), checked.output


def test_a_link_out_of_the_board_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "logo.png").write_bytes(PNG.read_bytes())
    (outside / "cover.html").write_text("<header><h1>x</h1></header>")
    board = _board(tmp_path, 'logo = "report/logo.png"')
    (board / "report").mkdir()
    os.symlink(outside / "logo.png", board / "report" / "logo.png")
    code, output, _ = _report(board, tmp_path)
    assert code != 0 and "style.logo: 'report/logo.png' points outside the board folder" in output
    (board / "report" / "logo.png").unlink()
    (board / "report.toml").write_text("[style]\n")
    (board / "report" / "templates").mkdir()
    os.symlink(outside / "cover.html", board / "report" / "templates" / "cover.html")
    code, output, _ = _report(board, tmp_path)
    assert code != 0 and "style.templates" in output and "points outside the board folder" in output


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("<header>\n{% if %}</header>", "report/templates/cover.html, line 2"),
        ("<header>\n\n{{ doc.no_such_thing }}</header>", "report/templates/cover.html, line 3: 'dict object' has no"),
        ("<header>{{ doc.__class__.__mro__ }}</header>", "report/templates/cover.html, line 1"),
        ('<header>{% include "nothing.html" %}</header>', "there is no template 'nothing.html'"),
        ('<header>{{ ("<scr" ~ "ipt>x()</scr" ~ "ipt>") | safe }}</header>', "<script> (line"),
        ('<header><a href="{{ "java" ~ "script:x()" }}">x</a></header>', "javascript: addresses run script"),
    ],
)
def test_a_template_that_fails_is_named_with_its_line(tmp_path: Path, template: str, message: str) -> None:
    board = _board(tmp_path, "", {"report/templates/cover.html": template})
    code, output, _ = _report(board, tmp_path)
    assert code != 0 and message in " ".join(output.split()), output
    assert "Traceback" not in output


def test_the_board_templates_run_in_the_sandbox() -> None:
    style = ReportStyle(templates=(("cover.html", "<header>{{ ''.__class__.__subclasses__() }}</header>"),))
    with pytest.raises(LifError, match=r"cover\.html"):
        render_page(Document(kind="t", title="T", sections=(Section("S", (Paragraph("x"),)),)), style)


# ---------------------------------------------------------------------------- packaging


def test_jinja2_and_matplotlib_are_loaded_only_for_html(tmp_path: Path) -> None:
    out = tmp_path / "report.md"
    script = (
        "import sys\n"
        "import lif_core.builtins.html, lif_core.report.style\n"
        "from lif_core.cli import main\n"
        f"sys.argv = ['lif', 'report', 'impact', {str(CROYDON)!r}, '-f', 'md', '-o', {str(out)!r}, '--no-progress']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "print(sorted(m for m in ('jinja2', 'matplotlib', 'markupsafe') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert out.stat().st_size > 10_000


def test_html_renderer_takes_the_style_from_render_options() -> None:
    document = Document(kind="t", title="T", sections=(Section("S", (Paragraph("x"),)),))
    page = HtmlRenderer().render(document, RenderOptions(style=ReportStyle(accent="#123456"))).decode()
    assert "--accent: #123456;" in page


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the package's files")
def test_the_templates_are_in_the_wheel(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("lif_core-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    from lif_core.builtins.html import TEMPLATES

    assert {f"lif_core/templates/{n}" for n in TEMPLATES} <= names
