"""Builtin HTML renderer (registered by renderers.py, hook: register_renderers): one
self-contained page from Jinja2 templates a board may override from its folder, with no network
at all: inline CSS, inline SVG charts, images only as ``data:`` URIs, no scripts.

Every value is escaped by Jinja2's autoescaping, and every template (lif-core's own and a
board's) runs in Jinja2's immutable sandbox, so a board's template cannot reach Python. What the
templates produce is then read back with :mod:`html.parser` and refused if it holds anything that
could run, load or send something (:func:`check_page`). Accessible (landmarks, one ``h1``,
captions, headers with scope, charts with a title and a description and their figures as a
table), responsive down to 360 px wide, and printed on A4.

Jinja2 is imported only when a page is rendered: ``lif report impact -f markdown`` never loads it.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import html
import re
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..disclosure import SUPPRESSED
from ..document import (
    SMALL_SHARE,
    BulletList,
    Chart,
    Document,
    Facts,
    Figure,
    Paragraph,
    Rag,
    ReportStyle,
    Section,
    Table,
    cell_text,
)
from ..errors import LifError
from ..extensions import Renderer, RenderOptions
from ..report.style import DATA_IMAGE as _DATA_IMAGE
from ..report.style import css_problems

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["CSP", "TEMPLATES", "HtmlRenderer", "check_page", "colours", "contrast", "esc"]

#: The page's Content-Security-Policy: nothing may load but inline styles and data: images.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
#: The templates lif-core ships (``src/lif_core/templates``); a board overrides any of them by
#: a file of the same name in its templates folder, and reaches the originals as ``lif/<name>``.
TEMPLATES = (
    "report.html",
    "cover.html",
    "contents.html",
    "section.html",
    "table.html",
    "cell.html",
    "chart.html",
    "footer.html",
    "style.css",
)
#: Tables of this many columns or more scroll inside a region the keyboard can reach.
WIDE = 7
#: Tables of this many columns or more are matrices: smaller type on screen and on paper.
MATRIX = 10

SYMBOLS = {
    SUPPRESSED: "hidden by disclosure control: a small count, or one that would reveal it",
    SMALL_SHARE: "a share above 0 that rounds to 0",
}
RAG_LEVELS = ("red", "amber", "green", "none")


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------------- colours


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(one: str, two: str) -> float:
    """WCAG's contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    a, b = sorted((_luminance(one), _luminance(two)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way to ``other``."""
    parts = [round(int(colour[i : i + 2], 16) * (1 - amount) + int(other[i : i + 2], 16) * amount) for i in (1, 3, 5)]
    return "#" + "".join(f"{p:02x}" for p in parts)


def colours(accent: str) -> dict[str, str]:
    """The page's colours from a board's accent: ``accent`` itself (rules and borders),
    ``tint`` (the cover's background: the accent faint on white), ``ink`` (the accent darkened
    until text in it has 4.5:1 contrast on white and on the tint: links, chart lines) and
    ``on_accent`` (black or white, whichever reads better on the accent)."""
    accent = accent.lower()
    tint = _mix(accent, "#ffffff", 0.92)
    ink = accent
    step = 0.0
    while min(contrast(ink, "#ffffff"), contrast(ink, tint)) < 4.6 and step < 1:
        step += 0.05
        ink = _mix(accent, "#000000", step)
    on_accent = "#ffffff" if contrast(accent, "#ffffff") >= contrast(accent, "#000000") else "#000000"
    return {"accent": accent, "tint": tint, "ink": ink, "on_accent": on_accent}


# ------------------------------------------------------------------------------- the view


def _unit_text(unit: str) -> str:
    return {"percent": "%", "%": "%", "rate-per-10000": "per 10,000", "count": "", "": ""}.get(unit, unit)


def _value_text(value: float, unit: str) -> str:
    text = cell_text(value)
    shown = _unit_text(unit)
    return f"{text}%" if shown == "%" else f"{text} {shown}".strip()


def _cell(value: Any, column: str, head: bool) -> dict[str, Any]:
    text = cell_text(value)
    cell: dict[str, Any] = {"text": text, "label": column, "head": head, "abbr": "", "rag": "", "date": ""}
    classes: list[str] = []
    numeric = isinstance(value, (int, float, Figure)) and not isinstance(value, bool)
    if text in SYMBOLS and (isinstance(value, (str, Figure))):
        cell["abbr"] = SYMBOLS[text]
        numeric = True
    if isinstance(value, Rag):
        cell["rag"] = value.level if value.level in RAG_LEVELS else "none"
    elif isinstance(value, str) and column.upper() == "RAG" and text.lower() in RAG_LEVELS[:3]:
        cell["rag"] = text.lower()
    elif isinstance(value, dt.date):
        cell["date"] = value.isoformat()
        cell["text"] = f"{value.day} {value:%b %Y}"
    if numeric:
        classes.append("num")
    elif len(cell["text"]) <= 12 and " " not in cell["text"]:
        classes.append("nowrap")  # a period (2018-19), a day, a code: never broken
    cell["classes"] = " ".join(classes)
    return cell


def _numeric_column(rows: Iterable[tuple[Any, ...]], index: int) -> bool:
    seen = False
    for row in rows:
        value = row[index]
        if value is None or value == "" or (isinstance(value, str) and value in SYMBOLS):
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, Figure)):
            return False
        seen = True
    return seen


def _table(table: Table, ident: str, section_title: str) -> dict[str, Any]:
    columns = [{"text": c, "num": i > 0 and _numeric_column(table.rows, i)} for i, c in enumerate(table.columns)]
    return {
        "kind": "table",
        "id": ident,
        "caption": table.caption,
        "label": table.caption or section_title,
        "columns": columns,
        "rows": [
            [_cell(v, c, i == 0) for i, (v, c) in enumerate(zip(row, table.columns, strict=True))] for row in table.rows
        ],
        "wide": len(table.columns) >= WIDE,
        "matrix": len(table.columns) >= MATRIX,
    }


def _chart_view(chart: Chart, ident: str, accent: str) -> dict[str, Any]:
    from markupsafe import Markup

    from ..charts import chart_svg

    points = []
    for period, value in chart.points:
        label = chart.label(period, value)
        abbr = SYMBOLS.get(label, "")
        text = label if value is None or abbr else _value_text(value, chart.unit)
        points.append({"label": period, "text": text, "abbr": abbr})
    lines = []
    if chart.target is not None:
        lines.append({"label": "Target", "text": _value_text(chart.target, chart.unit)})
    lines += [{"label": name, "text": _value_text(value, chart.unit)} for name, value in chart.references]
    note = {"higher": "higher is better", "lower": "lower is better"}.get(chart.polarity, "")
    unit = _unit_text(chart.unit)
    return {
        "kind": "chart",
        "id": ident,
        "title": chart.title,
        "note": note,
        "unit_label": "Value" if not unit else ("Per cent" if unit == "%" else unit[0].upper() + unit[1:]),
        "points": points,
        "lines": lines,
        # drawn by lif-core (matplotlib, imported only here), every text in it escaped
        "svg": Markup(chart_svg(chart, ident=ident, accent=accent)),
    }


def _blocks(section: Section, ident: str, accent: str) -> Iterator[dict[str, Any]]:
    for n, block in enumerate(section.blocks):
        if isinstance(block, Paragraph):
            yield {"kind": "paragraph", "text": block.text}
        elif isinstance(block, BulletList):
            yield {"kind": "list", "entries": list(block.items)}
        elif isinstance(block, Facts):
            yield {"kind": "facts", "pairs": [list(p) for p in block.pairs]}
        elif isinstance(block, Table):
            yield _table(block, f"{ident}-t{n}", section.title)
        elif isinstance(block, Chart):
            yield _chart_view(block, f"{ident}-c{n}", accent)
        else:  # pragma: no cover - the document model has no other blocks
            raise TypeError(f"unknown block {type(block).__name__}")


def _section(section: Section, depth: int, ident: str, accent: str) -> dict[str, Any]:
    return {
        "id": ident,
        "title": section.title,
        "key": section.key,
        "level": min(depth + 1, 6),
        "blocks": list(_blocks(section, ident, accent)),
        "sections": [_section(s, depth + 1, f"{ident}-{i}", accent) for i, s in enumerate(section.sections, start=1)],
    }


def _unique_labels(sections: list[dict[str, Any]]) -> None:
    """Each table's label (a region's name, for a wide one) told apart from another of the same
    caption by its section's title, then by a number: landmarks must have distinct names."""
    seen: set[str] = set()

    def walk(section: dict[str, Any]) -> None:
        for block in section["blocks"]:
            if block["kind"] != "table":
                continue
            label = block["label"]
            if label in seen:
                label = f"{block['label']}: {section['title']}"
            n = 2
            while label in seen:
                label, n = f"{block['label']}: {section['title']} ({n})", n + 1
            seen.add(label)
            block["label"] = label
        for sub in section["sections"]:
            walk(sub)

    for section in sections:
        walk(section)


def view(document: Document, style: ReportStyle) -> dict[str, Any]:
    """What the templates draw: plain dicts, lists and strings made from ``document``
    (``doc``), the board's ``style`` and the page's ``colours``."""
    from markupsafe import Markup

    from ..report.context import human_date

    palette = colours(style.accent)
    heading, kicker = document.title, ""
    if document.author and document.title.startswith(document.author + ": "):
        kicker, heading = document.author, document.title[len(document.author) + 2 :]
    logo = ""
    if style.logo:
        logo = f"data:{style.logo_type};base64,{base64.b64encode(style.logo).decode('ascii')}"
    sections = [_section(s, 1, f"s-{i}", palette["ink"]) for i, s in enumerate(document.sections, start=1)]
    _unique_labels(sections)
    return {
        "doc": {
            "kind": document.kind,
            "title": document.title,
            "heading": heading,
            "kicker": kicker,
            "subtitle": document.subtitle,
            "author": document.author,
            "date": document.date.isoformat() if document.date else "",
            "date_text": human_date(document.date) if document.date else "",
            "meta": [list(m) for m in document.meta],
            "sections": sections,
        },
        "style": {"logo": logo, "logo_text": style.logo_text or document.author, "accent": palette["accent"]},
        "colours": palette,
        "csp": CSP,
        # Checked when it was read (report.lif_core.report.style): no '<', no @import, no url()
        # but data: images. A style sheet is not HTML: escaping it would break it.
        "board_css": Markup(style.css),
    }


# --------------------------------------------------------------------------- templates


@functools.lru_cache(maxsize=1)
def _own_templates() -> dict[str, str]:
    folder = resources.files("lif_core") / "templates"
    return {name: (folder / name).read_text(encoding="utf-8") for name in TEMPLATES}


def _environment(style: ReportStyle) -> Environment:
    from jinja2 import ChoiceLoader, FunctionLoader, PrefixLoader, StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    own = _own_templates()
    board = dict(style.templates)

    def load(sources: dict[str, str], where: Callable[[str], str]) -> Callable[[str], Any]:
        def loader(name: str) -> tuple[str, str, Callable[[], bool]] | None:
            if name not in sources:
                return None
            return sources[name], where(name), lambda: True

        return loader

    lif = FunctionLoader(load(own, lambda n: f"lif-core's {n}"))
    folder = _board_folder(style)
    loaders = [FunctionLoader(load(board, lambda n: f"{folder}/{n}")), PrefixLoader({"lif": lif}), lif]
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["periods"] = periods
    return env


#: A period or a day in text (2018-19, 2018-07-31): never broken at its hyphen.
_PERIOD = re.compile(r"(?<![\w-])\d{4}-\d{2}(?:\d{2})?(?:-\d{2})?(?![\w-])")


def periods(text: Any) -> Any:
    """``text`` escaped, each period or day in it (``2018-19``, ``2018-07-31``) in a
    ``<span class="nowrap">``, so a line never breaks at its hyphen (``2018-`` / ``19``): the
    templates' ``periods`` filter. The text itself is unchanged (copied or searched, it reads
    the same)."""
    from markupsafe import Markup, escape

    escaped = str(escape(text))
    return Markup(_PERIOD.sub(lambda m: f'<span class="nowrap">{m[0]}</span>', escaped))


def _board_folder(style: ReportStyle) -> str:
    """Where the board's templates were read from, for messages (``report/templates``)."""
    found = re.search(r"templates in (.+)$", style.source)
    return found.group(1) if found else "the board's templates folder"


def _template_error(exc: Exception, known: set[str]) -> LifError:
    """A readable error for a template that does not parse or fails as it runs: the template
    file and line (from the traceback Jinja2 rewrites to point into templates), what went
    wrong, and what to do."""
    from jinja2 import TemplateNotFound, TemplateSyntaxError

    where, line = "", 0
    if isinstance(exc, TemplateSyntaxError):
        where, line = exc.filename or exc.name or "", exc.lineno
    else:
        tb = exc.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_code.co_filename
            if name in known:
                where, line = name, tb.tb_lineno
            tb = tb.tb_next
    if isinstance(exc, TemplateNotFound):
        what = (
            f"there is no template {exc.name!r} (lif-core's are {', '.join(TEMPLATES)}; lif/<name> for the originals)"
        )
    else:
        what = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    place = f"{where}, line {line}" if where and line else (where or "a template")
    return LifError(
        f"the HTML report's template {place}: {what}. "
        "Fix the template, or remove it from the board's templates folder to use lif-core's own"
    )


def render_page(document: Document, style: ReportStyle | None = None) -> str:
    """The report page as text, checked (:func:`check_page`)."""
    from jinja2 import TemplateError
    from jinja2.exceptions import SecurityError

    style = style or ReportStyle()
    env = _environment(style)
    folder = _board_folder(style)
    known = {f"lif-core's {n}" for n in TEMPLATES} | {f"{folder}/{n}" for n, _ in style.templates}
    try:
        page = env.get_template("report.html").render(view(document, style))
    except (
        TemplateError,
        SecurityError,
        TypeError,
        ValueError,
        AttributeError,
        LookupError,
        ArithmeticError,
        RecursionError,
    ) as exc:
        raise _template_error(exc, known) from None
    culprit = (
        f"the board's templates or style sheet ({style.source or 'its report style'})"
        if style.templates or style.css
        else "lif-core's own templates"
    )
    check_page(page, culprit)
    return page


# ------------------------------------------------------------------------- the check

#: Elements a published page may hold: HTML's text, table and figure elements, and SVG's
#: drawing elements. Anything else (script, iframe, object, embed, link, base, form, frame,
#: SVG animation that could change a link...) is refused.
ALLOWED_TAGS = frozenset(
    [
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "main",
        "nav",
        "footer",
        "section",
        "article",
        "aside",
        "div",
        "span",
        "p",
        "a",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ol",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "colgroup",
        "col",
        "figure",
        "figcaption",
        "img",
        "picture",
        "br",
        "hr",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "s",
        "small",
        "sub",
        "sup",
        "abbr",
        "time",
        "code",
        "pre",
        "blockquote",
        "q",
        "cite",
        "mark",
        "address",
        "details",
        "summary",
        "wbr",
        "svg",
        "g",
        "path",
        "defs",
        "clippath",
        "use",
        "rect",
        "text",
        "tspan",
        "desc",
        "line",
        "polyline",
        "polygon",
        "circle",
        "ellipse",
        "marker",
        "pattern",
        "lineargradient",
        "radialgradient",
        "stop",
        "mask",
        "symbol",
        "image",
        "metadata",
    ]
)
#: Attributes holding an address: only ``#fragment`` or a ``data:`` image may be there.
URL_ATTRIBUTES = frozenset(
    [
        "src",
        "href",
        "xlink:href",
        "srcset",
        "action",
        "formaction",
        "poster",
        "background",
        "data",
        "ping",
        "cite",
        "longdesc",
        "manifest",
        "lowsrc",
        "dynsrc",
        "codebase",
        "archive",
        "usemap",
    ]
)


#: SVG's presentation attributes that take ``url()``: read as CSS, as a ``style`` is.
CSS_ATTRIBUTES = frozenset(
    ["fill", "stroke", "filter", "mask", "clip-path", "marker-start", "marker-mid", "marker-end", "cursor"]
)
#: Elements that may come before the policy <meta>: any other starts the body.
HEAD_TAGS = frozenset(["html", "head", "meta", "title", "style"])


def _address_ok(value: str, attribute: str) -> bool:
    value = value.strip()
    if attribute == "srcset":
        return all(_address_ok(part.strip().split(" ")[0], "src") for part in value.split(",") if part.strip())
    return value.startswith("#") or bool(_DATA_IMAGE.match(value)) or (attribute == "href" and value == "")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._style = False
        self._svg = 0
        self.csp = False
        self.charset = False
        #: Whether the body has begun (a browser obeys a policy <meta> only in the head).
        self.body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"line {self.getpos()[0]}"
        if tag not in ALLOWED_TAGS and not re.fullmatch(r"(rdf|cc|dc):[a-z]+", tag):
            self.problems.append(f"<{tag}> ({where}): a published page holds no scripts, frames, forms or links out")
        if tag not in HEAD_TAGS:
            self.body = True
        if tag == "svg":
            self._svg += 1
        if tag == "style":
            self._style = True
            if self._svg:
                # In SVG a <style>'s text is markup to a browser, but raw text to this parser.
                self.problems.append(f"<style> inside <svg> ({where}): style the drawing from the page's <style>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> ({where}): event handlers run script")
            elif name in URL_ATTRIBUTES and re.match(r"(java|vb)script:", re.sub(r"\s", "", value).lower()):
                self.problems.append(f"<{tag} {name}=...> ({where}): javascript: addresses run script")
            elif name in URL_ATTRIBUTES and not _address_ok(value, name):
                self.problems.append(
                    f"<{tag} {name}={value[:60]!r}> ({where}): loads or links to something outside the page; "
                    "only #fragments and data: images are allowed"
                )
            elif name == "style" or name in CSS_ATTRIBUTES:
                self.problems += [f"<{tag} {name}=...> ({where}): {p}" for p in css_problems(value)]
        if tag == "meta":
            equiv = dict(attrs).get("http-equiv")
            charset = dict(attrs).get("charset")
            if charset is not None:
                if charset.strip().lower() != "utf-8":
                    self.problems.append(f'<meta charset="{charset[:20]}"> ({where}): the page is UTF-8')
                elif not self.body:
                    self.charset = True
            if equiv is not None:
                if equiv.lower() != "content-security-policy":
                    self.problems.append(
                        f'<meta http-equiv="{equiv}"> ({where}): only the page\'s own policy is allowed'
                    )
                elif (dict(attrs).get("content") or "") == CSP and not self.body:
                    self.csp = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._style = False
        elif tag == "svg":
            self._svg = max(self._svg - 1, 0)
        elif tag == "head":
            self.body = True

    def handle_data(self, data: str) -> None:
        if self._style:
            # '<' too: this parser ends a style only at '</style>', a browser at '</style x>' as well
            self.problems += [f"<style> (line {self.getpos()[0]}): {p}" for p in css_problems(data)]
        elif data.strip() and self.lasttag not in ("title", "html", "head"):
            self.body = True

    def handle_pi(self, data: str) -> None:
        self.problems.append("a processing instruction: not allowed")


def check_page(page: str, culprit: str = "the page") -> None:
    """Refuse a page that could run, load or send anything: any element not in
    :data:`ALLOWED_TAGS` (``<script>``, ``<iframe>``, ``<object>``, ``<embed>``, ``<link>``,
    ``<base>``...), ``<meta http-equiv>`` other than the page's own Content-Security-Policy
    (which must be there), an event handler attribute (``on...``), a ``javascript:`` address,
    an address other than a ``#fragment`` or a ``data:`` image, a style that imports or loads.

    Raises:
        LifError: naming ``culprit`` and each thing found.
    """
    checker = _Checker()
    problems = []
    doctype = re.match(r"\s*<!doctype html>", page, re.IGNORECASE)
    for found in re.finditer(r"<!", page[doctype.end() if doctype else 0 :]):
        line = page.count("\n", 0, found.start() + (doctype.end() if doctype else 0)) + 1
        problems.append(
            f"'<!' (line {line}): a published page holds no HTML comment, CDATA or declaration but <!DOCTYPE html> "
            "(browsers and checkers read them differently; write a template's comments as {# ... #})"
        )
        break
    checker.feed(page)
    checker.close()
    problems += checker.problems
    declared = checker.charset and re.search(r"<meta\s+charset", page.encode("utf-8")[:1024].decode("utf-8", "ignore"))
    if not declared and "\x1b" in page:
        # Undeclared, a browser guesses the encoding, and ISO-2022-JP's escapes skip bytes this check reads.
        problems.append('a page holding the escape character must start its head with <meta charset="utf-8">')
    if not checker.csp:
        problems.append(
            f'the page must keep <meta http-equiv="Content-Security-Policy" content="{CSP}"> in its head, '
            "before the body (a browser ignores one after)"
        )
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        raise LifError(
            f"the HTML report from {culprit} is refused: {shown}. The published page is one file that loads "
            "nothing and runs nothing: take these out of the template (images go in as data: URIs, as the logo does)"
        )


class HtmlRenderer(Renderer):
    """A self-contained, accessible HTML page that prints well: no scripts, no network."""

    name = "html"
    title = "HTML page (self-contained)"
    media_type = "text/html"
    suffix = ".html"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        style = options.style if options is not None else None
        return render_page(document, style).encode("utf-8")
