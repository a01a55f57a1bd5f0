"""The published formats attacked by someone who controls a board's folder (its templates, its
style sheet, its text) or the figures a section hands to the renderers: what they tried, and
that each now fails with a clear error, or renders harmlessly."""

from __future__ import annotations

import json

import pytest

from lif_core.builtins.html import CSP, check_page, render_page
from lif_core.document import SUPPRESSED, Chart, Document, Paragraph, ReportStyle, Section
from lif_core.errors import LifError

ENCODED_CSP = "".join(c if c.isalnum() or c in "-:;" else f"&#{ord(c)};" for c in CSP)


def page(head: str = "", body: str = "", *, charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>t</title>{head}</head>'
        f"<body>{body}</body></html>"
    )


def document() -> Document:
    return Document("report", "Board: report", sections=(Section("One", (Paragraph("text"),)),))


# ------------------------------------------------------------------ the page's check


def test_an_encoding_that_hides_markup_from_the_check_is_refused() -> None:
    """ISO-2022-JP's escape sequences make a browser skip bytes the check reads: Chromium ran
    the script of this page (and dropped its policy) while the check saw only attributes."""
    meta = f"<meta http-equiv=Content-Security-Policy content={ENCODED_CSP}>"
    hostile = (
        '<!doctype html><html><head><meta charset="iso-2022-jp"><title>t</title>'
        f'<span title="\x1b$B"\x1b(B>{meta}<b title\x1b$B="\x1b(B"></b></span></head><body>'
        '<p title\x1b$B="\x1b(B><script>document.title="PWNED"</script><i title=">x</i></p></body></html>'
    )
    with pytest.raises(LifError, match="charset"):
        check_page(hostile)


@pytest.mark.parametrize("charset", ["iso-2022-jp", "shift_jis", "utf-7", "windows-1252"])
def test_a_page_not_in_utf8_is_refused(charset: str) -> None:
    with pytest.raises(LifError, match="charset"):
        check_page(page(charset=charset))


def test_a_page_with_no_charset_and_an_escape_is_refused() -> None:
    """Undeclared, a browser guesses the encoding, and may guess ISO-2022-JP from its escapes."""
    with pytest.raises(LifError, match="charset"):
        check_page(page(body="<p>\x1b$B</p>").replace('<meta charset="utf-8">', ""))


def test_an_escape_character_in_board_text_is_harmless_in_a_utf8_page() -> None:
    """An escape switches character sets only where the page is read as ISO-2022-JP: the page
    declares UTF-8 first thing, and the check refuses any other."""
    doc = Document("report", "Board\x1b$B: report", sections=(Section("One\x1b(B", (Paragraph("a\x1b$Bb"),)),))
    text = render_page(doc)
    assert text.index('<meta charset="utf-8">') < 200


def test_a_charset_after_the_first_1024_bytes_is_refused() -> None:
    """A browser looks for the charset in the first 1024 bytes, and guesses after."""
    late = page().replace('<meta charset="utf-8">', "").replace("<title>t</title>", f"<title>{'t' * 1100}</title>")
    late = late.replace("</title>", '</title><meta charset="utf-8">').replace("</body>", "\x1b</body>")
    with pytest.raises(LifError, match="charset"):
        check_page(late)


def test_the_policy_must_come_before_the_body() -> None:
    """Chromium ignores a Content-Security-Policy <meta> once the body has begun (it ran a
    script after one there): the check counts only one in the head."""
    late = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>t</title></head><body><p>hi</p>'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}"></body></html>'
    )
    with pytest.raises(LifError, match="Content-Security-Policy"):
        check_page(late)
    early_text = late.replace("<title>t</title>", "<title>t</title>words")
    with pytest.raises(LifError, match="Content-Security-Policy"):
        check_page(early_text)


def test_the_lif_page_passes() -> None:
    check_page(page())
    render_page(document())


@pytest.mark.parametrize(
    "css",
    [
        # a comment opened inside a string is no comment: the url() between is real
        'a{content:"/*"} b{background:url(http://example.org/x.png)} c{content:"*/"}',
        "a{content:'/*'} b{background:url(//example.org/x.png)} c{content:'*/'}",
        # image-set() takes a bare string as an address
        'b{background-image:image-set("http://example.org/x.png" 1x)}',
        'b{background-image:-webkit-image-set("//example.org/x.png" 1x)}',
        'b{background-image:image-set("data:image/png;base64,AAAA" 1x, "https://e.org/x" 2x)}',
        # src() is CSS's other address function
        '@font-face{font-family:x;src:src("https://example.org/f.woff")}',
    ],
)
def test_a_style_sheet_cannot_load_anything(css: str) -> None:
    with pytest.raises(LifError, match=r"not allowed|loads something"):
        check_page(page(head=f"<style>{css}</style>"))


def test_a_style_in_svg_is_read_with_its_entities() -> None:
    """Inside <svg> a <style>'s text is markup: a browser turns &#117; into 'u'."""
    body = "<svg><style>b{background:&#117;rl(http://example.org/x.png)}</style></svg>"
    with pytest.raises(LifError, match="inside <svg>"):
        check_page(page(body=body))


@pytest.mark.parametrize(
    "body",
    [
        # Python 3.11's html.parser ends a comment only at '-->'; a browser at '--!>' and at '<!-->'
        "<!-- --!><script>x()</script> -->",
        "<!--><script>x()</script> -->",
        "<!---><script>x()</script> -->",
        # CDATA is a bogus comment to '>' in HTML, a marked section to ']]>' to the parser
        "<![CDATA[ ><script>x()</script> ]]>",
        # in SVG a style's text is markup: a script in it runs; an <img> breaks out of it
        "<svg><style><script>x()</script></style></svg>",
        "<svg><style><img src=x onerror=x()></style></svg>",
    ],
)
def test_markup_the_parser_and_a_browser_read_apart_is_refused(body: str) -> None:
    with pytest.raises(LifError, match=r"'<!'|inside <svg>"):
        check_page(page(body=body))


def test_a_style_ended_the_way_only_a_browser_ends_it_is_refused() -> None:
    """'</style x>' ends a style for a browser; Python 3.11's parser reads on, past a script."""
    with pytest.raises(LifError, match="'<' is not allowed"):
        check_page(page(head="<style>a{}</style x><script>x()</script><style></style>"))


@pytest.mark.parametrize("attribute", ["fill", "stroke", "filter", "mask", "clip-path", "marker-end", "cursor"])
def test_an_svg_paint_or_filter_cannot_load_anything(attribute: str) -> None:
    body = f'<svg><rect {attribute}="url(http://example.org/x.svg#a)" width="1" height="1"></rect></svg>'
    with pytest.raises(LifError, match="loads something"):
        check_page(page(body=body))
    check_page(page(body=f'<svg><rect {attribute}="url(#a)" width="1" height="1"></rect></svg>'))


def test_board_text_that_reads_like_css_is_still_published() -> None:
    doc = Document("report", "url(http://example.org/x) image-set('//e')", sections=(Section("One"),))
    render_page(doc)


# ------------------------------------------------------------------ a chart's hidden point


def hidden_chart() -> Chart:
    """A chart a section plugin made with a point it labels hidden but whose number it left in."""
    return Chart("Rate", (("2017", 12.0), ("2018", 3.0), ("2019", 15.0)), "%", labels=(("2018", SUPPRESSED),))


def test_a_point_labelled_hidden_never_shows_its_number_in_json() -> None:
    from lif_core.builtins.tables import JsonRenderer

    doc = Document("report", "R", sections=(Section("S", (hidden_chart(),)),))
    data = json.loads(JsonRenderer().render(doc))
    points = data["sections"][0]["blocks"][0]["points"]
    assert points[1] == ["2018", None]
    assert 3.0 not in [v for _p, v in points]


def test_a_point_labelled_hidden_is_a_gap_once_the_document_is_protected() -> None:
    """Disclosure control makes a point labelled ``c`` a gap (``None``) before any renderer sees
    it, whatever number a section plugin left in it: no drawing, description or table can show it."""
    from lif_core.charts import chart_description, chart_svg
    from lif_core.disclosure import protect

    doc = protect(Document("report", "R", sections=(Section("S", (hidden_chart(),)),)))
    chart = doc.sections[0].blocks[0]
    assert isinstance(chart, Chart) and chart.points[1] == ("2018", None)
    description = chart_description(chart)
    assert "2018: c" in description and "3%" not in description
    svg = chart_svg(chart, ident="c1")
    assert ">3%<" not in svg and "3%" not in svg


# ------------------------------------------------------------------ a template that fails


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 1 / 0 }}", "division by zero"),
        ("{% for i in range(10**9) %}{% endfor %}", "Range too big"),
        ("{{ [1][5] }}", "cover.html"),
    ],
)
def test_a_template_that_fails_as_it_runs_is_a_clear_error(template: str, message: str) -> None:
    """Arithmetic and lookups that fail inside a board's template name the template, never a traceback."""
    style = ReportStyle(templates=(("cover.html", template),), source="report.toml [style], templates in t")
    with pytest.raises(LifError, match=message) as raised:
        render_page(document(), style)
    assert "t/cover.html" in str(raised.value)


def test_a_contents_link_reaches_a_sheet_whose_name_has_an_apostrophe() -> None:
    import io

    from openpyxl import load_workbook

    from lif_core.builtins.tables import XlsxRenderer
    from lif_core.document import Table

    doc = Document("report", "R", sections=(Section("S", (Table(("A",), (("x",),), caption="Children's views"),)),))
    book = load_workbook(io.BytesIO(XlsxRenderer().render(doc)))
    links = [
        c.hyperlink.location or c.hyperlink.target for row in book["Contents"].iter_rows() for c in row if c.hyperlink
    ]
    assert links == ["'Children''s views'!A1"] or links == ["#'Children''s views'!A1"]
    assert "Children's views" in book.sheetnames
