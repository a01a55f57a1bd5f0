"""lif-pdf plugin (hook: register_renderers): documents as A4 PDF board papers.

The PDF is lif-core's own HTML page (:class:`lif_core.builtins.html.HtmlRenderer`, the board's
house style included) laid out on A4 pages by WeasyPrint, with a stylesheet of its own for the
page: a running header (the board on the left, the as-at day on the right) on every page but
the cover, ``Page n of N`` at the foot, the contents with page numbers, and wide tables on
landscape pages.

Nothing is fetched: the page is self-contained, and the URL fetcher given to WeasyPrint refuses
every URL but ``data:`` (a board's stylesheet cannot make the renderer read a file or call out).
WeasyPrint is imported only when a PDF is drawn, so other commands never pay for it, and where it
(or the Pango library it needs) is missing, the error says what to install.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

from lif_core import Document, LifError, Renderer, RenderOptions, hookimpl

__all__ = ["MISSING", "PdfRenderer", "css_string", "page_css", "refusing_fetcher"]

#: What a user is told where WeasyPrint or Pango cannot be loaded.
MISSING = (
    "the pdf format needs WeasyPrint and the Pango library: pip install lif-pdf; "
    "on Debian apt-get install libpango-1.0-0 libpangoft2-1.0-0"
)

#: Longest a name may be in the running header before it is cut (with an ellipsis).
HEADER_LENGTH = 70

#: Where WeasyPrint's own messages (CSS it does not support, a resource refused) go: this
#: logger, at debug level, instead of the terminal of someone writing a board paper.
LOG = logging.getLogger("lif_pdf")

# What a CSS string must not hold: C0 and C1 controls (newlines included: the header is one
# line), DEL, and the bidirectional overrides and isolates that make text display in an order
# other than the one it is stored in.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+")


def css_string(text: str, limit: int = HEADER_LENGTH) -> str:
    """``text`` as a double-quoted CSS string: control characters (newlines too) become a space,
    runs of spaces one, at most ``limit`` characters (then an ellipsis), and ``\\`` and ``"``
    backslash-escaped, so no text can end the string or the rule it is in."""
    text = " ".join(_CONTROL.sub(" ", text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "\u2026"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def as_at(day: dt.date | None) -> str:
    """The as-at line of the running header (``As at 31 March 2019``), or ``""``."""
    return f"As at {day.day} {day:%B %Y}" if day is not None else ""


#: The PDF's own stylesheet: the page (A4, margins for a board paper, the running header, the
#: page numbers), landscape pages for wide matrices, and the contents with page numbers; the
#: rest is lif-core's page with its print rules. It is a *user* stylesheet to WeasyPrint, below
#: the page's own rules in the cascade, so what must win (the page size and margins, the
#: contents the page hides in print) is ``!important``; a board's stylesheet can style the rest.
#: ``BOARD`` and ``DATE`` are filled in by :func:`page_css`.
PAGE_CSS = """
@page {
  size: A4 !important;
  margin: 2.2cm 2cm 2cm !important;
  @top-left { content: BOARD; font-size: 8.5pt; line-height: 1.2; color: #505a5f;
    vertical-align: bottom; padding-bottom: .35cm; }
  @top-right { content: DATE; font-size: 8.5pt; line-height: 1.2; color: #505a5f;
    vertical-align: bottom; padding-bottom: .35cm; white-space: nowrap; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
    font-size: 8.5pt; line-height: 1.2; color: #505a5f; vertical-align: top;
    padding-top: .35cm; }
}
/* The cover carries the title and the contents: no running header on it; the report starts on
   the next page. The margin boxes take the page's own font (set on its root element). */
@page :first { @top-left { content: none; } @top-right { content: none; } }
main { break-before: page; }
/* A matrix (a table the page marks "matrix": a column per standard or judgement) gets landscape
   pages of its own, with the heading of the section holding it ("has-matrix"): the page's own
   named page "matrix", made landscape here over the A4 above. */
@page matrix { size: A4 landscape !important; margin: 2cm 2cm 1.8cm !important; }
.matrix, .has-matrix { page: matrix; }
/* WeasyPrint keeps the named page for what follows unless told: back to portrait after it. */
.has-matrix { break-after: page; }

/* The title: WeasyPrint takes no clamp() (the page's own size for it), which leaves it the size
   of the text around it. */
h1 { font-size: 24pt !important; line-height: 1.15; }

/* Columns as wide as their longest word: a cell may break a word only where it would not fit
   at all (overflow-wrap: anywhere would let WeasyPrint make columns one letter wide: "201 8-19"),
   and never at a hyphen it makes up: the page's own print rules for a wide table's headings. */
th, td { overflow-wrap: break-word !important; hyphens: manual !important; }
.wide .nowrap, .num { white-space: nowrap !important; }

/* Text for screen readers only (a chart's caption: the drawing shows its title) wraps in its
   1px box instead of running on as one line, invisible, off the side of the page. */
.vh { white-space: normal !important; }

/* The contents, hidden on paper by the page's print rules, is shown with each section's page. */
nav.contents, .contents { display: block !important; break-inside: avoid; }
.contents a::after { content: leader(". ") target-counter(attr(href), page); }
"""


def page_css(document: Document) -> str:
    """The PDF's own stylesheet for ``document``: :data:`PAGE_CSS` with its board and day."""
    header = {"content: BOARD;": css_string(document.author), "content: DATE;": css_string(as_at(document.date))}
    return re.sub("content: (?:BOARD|DATE);", lambda m: f"content: {header[m[0]]};", PAGE_CSS)


def refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing but ``data:`` URLs (decoded in memory).

    Any other URL (``http:``, ``https:``, ``file:``, ``ftp:`` ...) raises a ``ValueError``, which
    WeasyPrint reports and skips: the resource is left out, nothing is read or sent. Imports
    WeasyPrint (call it only where a PDF is drawn)."""
    from weasyprint.urls import URLFetcher

    class DataOnly(URLFetcher):  # type: ignore[misc]  # WeasyPrint is untyped
        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not url.lower().startswith("data:"):
                raise ValueError(f"lif-pdf fetches nothing from outside the document: refused {url[:80]!r}")
            return super().fetch(url, headers)

    return DataOnly()


@contextlib.contextmanager
def quiet_weasyprint() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's (and fontTools') warnings kept off the terminal while a PDF is drawn: each
    is passed to the ``lif_pdf`` logger at debug level instead (the list holds them too)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    saved = [logger.propagate for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield records
    finally:
        for logger, propagate in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.propagate = propagate
        for record in records:
            LOG.debug("%s: %s", record.name, record.getMessage())


def _weasyprint() -> Any:
    """The weasyprint module, or a :class:`LifError` saying what to install."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Pango library could not be loaded
        raise LifError(MISSING) from exc
    return weasyprint


class PdfRenderer(Renderer):
    """An A4 PDF: lif-core's HTML page laid out by WeasyPrint, with a running header (the
    board, the as-at day), page numbers, the contents with page numbers, bookmarks for the
    headings, tagged for screen readers, and the title, author and date in its properties."""

    name = "pdf"
    title = "PDF (A4)"
    media_type = "application/pdf"
    suffix = ".pdf"
    binary = True

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        from lif_core import HtmlRenderer

        weasyprint = _weasyprint()
        page = HtmlRenderer().render(document, options).decode("utf-8")
        with quiet_weasyprint():
            html = weasyprint.HTML(string=page, base_url=None, url_fetcher=refusing_fetcher())
            css = weasyprint.CSS(string=page_css(document), url_fetcher=refusing_fetcher())
            laid_out = html.render(stylesheets=[css], pdf_tags=True)
            meta = laid_out.metadata
            meta.title = " ".join(_CONTROL.sub(" ", document.title).split())
            meta.authors = [" ".join(_CONTROL.sub(" ", document.author).split())] if document.author else []
            meta.lang = "en-GB"
            meta.generator = "lif-core (lif-pdf, WeasyPrint)"
            if document.date is not None:
                meta.created = meta.modified = document.date.isoformat()
            data: bytes = laid_out.write_pdf(pdf_tags=True)
        return data


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(PdfRenderer())
