"""The board's report from the browser: ``/report`` (a form: the day to report as at, and the
format, from every installed renderer) and ``/report/download?as_of=...&format=...``, the
impact report exactly as ``lif report impact BOARD --as-of DAY -f FORMAT -o FILE`` writes it:
built by :func:`lif_core.impact_report`, every figure from children's records through
disclosure control under the board's own rule (:func:`lif_core.protect`,
:func:`lif_core.board_rule`) before any renderer sees it, in the board's house style. It comes
as a download (``Content-Disposition: attachment``) in the renderer's media type; nothing else
of the board's data is served.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

import attrs
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from lif_core import BoardInvalid, LifError, RenderOptions, board_rule, impact_report, protect

from . import web
from .story import day_in_words

if TYPE_CHECKING:
    from lif_core import Document, LoadedBoard, Plugins, Renderer

__all__ = ["Format", "formats", "report_bytes", "report_document", "routes"]


@attrs.frozen
class Format:
    """A format the report can be downloaded in: an installed renderer."""

    name: str
    title: str
    suffix: str
    media_type: str
    binary: bool


def formats(plugins: Plugins) -> list[Format]:
    """Every installed renderer, as the form offers them (lif-core's own first, then plugins')."""
    out = []
    for renderer in plugins.renderers:
        own = plugins.renderers.plugin_of(renderer.name).startswith("lif_core.")
        out.append(
            (
                not own,
                renderer.name,
                Format(
                    renderer.name,
                    renderer.title or renderer.name,
                    renderer.suffix,
                    renderer.media_type,
                    renderer.binary,
                ),
            )
        )
    return [f for _own, _name, f in sorted(out, key=lambda item: (item[0], item[1]))]


def report_document(loaded: LoadedBoard, plugins: Plugins, day: dt.date) -> Document:
    """The impact report as at ``day``, protected under the board's own disclosure rule."""
    return protect(impact_report(loaded, plugins, day), board_rule(loaded))


def _style(loaded: LoadedBoard) -> Any:
    """The board's house style (its report.toml [style]), read and checked as `lif report
    impact` reads it."""
    from lif_core import read_style

    return read_style(loaded)


def report_bytes(loaded: LoadedBoard, plugins: Plugins, day: dt.date, fmt: str) -> tuple[bytes, Renderer]:
    """The impact report as at ``day`` in format ``fmt``, as ``lif report impact --as-of DAY -f
    FMT -o FILE`` writes it: ``(content, renderer)``."""
    renderer = plugins.renderers.get(fmt)
    style = _style(loaded)  # read (and checked) whatever the format, as the command does
    document = report_document(loaded, plugins, day)
    with plugins.using(plugins.renderers, renderer.name):
        data = renderer.render(document, RenderOptions(style=style))
    return data, renderer


def _file_name(loaded: LoadedBoard, day: dt.date, suffix: str) -> str:
    """A safe download name: ``croydon-impact-report-2019-03-31.pdf``."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", loaded.board.board.id).strip("-") or "board"
    ending = re.sub(r"[^A-Za-z0-9.]+", "", suffix) or ".txt"
    return f"{stem}-impact-report-{day.isoformat()}{ending}"


def _default_day(loaded: LoadedBoard) -> dt.date:
    """The day ``lif report impact`` reports as at without ``--as-of``: the board's
    ``settings.report_date``, else today."""
    from lif_core.commands import as_of_day

    return as_of_day(None, loaded)


def _read_day(text: str, loaded: LoadedBoard) -> tuple[dt.date | None, str | None]:
    """The as-at day from the form, checked as ``--as-of`` is: ``(day, None)`` or ``(None, why)``."""
    from lif_core.commands import as_of_day

    text = text.strip()
    if not text:
        return _default_day(loaded), None
    try:
        moment = dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return None, f"{text[:40]!r} is not a date: give it as 2019-03-31"
    try:
        return as_of_day(moment, loaded), None
    except LifError as exc:
        return None, str(exc).removeprefix("--as-of: ")


def _form(
    request: Request,
    loaded: LoadedBoard,
    *,
    as_of: str,
    fmt: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    plugins = web.plugins(request)
    default = _default_day(loaded)
    return web.render(
        request,
        "pages/report.html",
        status=status,
        title="The impact report",
        formats=formats(plugins),
        as_of=as_of or default.isoformat(),
        default_day=day_in_words(default),
        fmt=fmt or "html",
        errors=errors or {},
        board_name=loaded.board.board.name,
    )


def report_page(request: Request) -> HTMLResponse:
    web.account(request)
    loaded = web.loaded_board(request)
    q = request.query_params
    return _form(request, loaded, as_of=q.get("as_of", "")[:40], fmt=q.get("format", "")[:40])


def download(request: Request) -> Response:
    web.account(request)
    loaded = web.loaded_board(request)
    plugins = web.plugins(request)
    q = request.query_params
    as_of, fmt = q.get("as_of", "")[:40], q.get("format", "html")[:40].strip() or "html"
    errors: dict[str, str] = {}
    day, why = _read_day(as_of, loaded)
    if why is not None:
        errors["as_of"] = why
    known = {f.name for f in formats(plugins)}
    if fmt not in known and fmt not in {a for r in plugins.renderers for a in r.aliases}:
        errors["format"] = f"{fmt!r} is not an installed format; choose one of {', '.join(sorted(known))}"
    if errors or day is None:
        return _form(request, loaded, as_of=as_of, fmt=fmt, errors=errors, status=400)
    try:
        data, renderer = report_bytes(loaded, plugins, day, fmt)
    except BoardInvalid as exc:  # the board's report.toml: its problems, each naming its key
        return _form(request, loaded, as_of=as_of, fmt=fmt, errors={"report": str(exc)}, status=400)
    media_type = renderer.media_type
    if not renderer.binary and media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    name = _file_name(loaded, day, renderer.suffix)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


#: The pages this module serves (collected by :func:`lif_web.app.create_app`).
routes: list[BaseRoute] = [
    Route("/report", report_page, methods=["GET"]),
    Route("/report/download", download, methods=["GET"]),
]
