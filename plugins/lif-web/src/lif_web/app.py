"""The ASGI application of ``lif serve``: :func:`create_app` builds it for one board, with the
routes of the modules auth, pages, forms and reports, behind :class:`SecurityMiddleware`."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from .accounts import Accounts
from .config import WebConfig
from .security import Message, Receive, Scope, SecurityMiddleware, Send
from .web import SignInRequired, _BoardCache, board_folder, check_board, error_page, sign_in_url

if TYPE_CHECKING:
    from lif_core import Plugins

__all__ = ["BOARD_VARIABLE", "CONFIG_VARIABLE", "ROUTE_MODULES", "app_from_environment", "create_app"]

#: The modules whose ``routes`` (a list of Starlette routes) make up the site, in this order.
ROUTE_MODULES = ("auth", "pages", "forms", "reports")
#: How ``lif serve --workers N`` tells each worker process its board and settings.
BOARD_VARIABLE = "LIF_WEB_BOARD"
CONFIG_VARIABLE = "LIF_WEB_CONFIG"
STATIC = Path(__file__).parent / "static"


# The exception handlers are plain functions: Starlette runs them in its thread pool, so the
# error pages, which read the signed-in person's session, never hold up the event loop.


def _routes() -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name in ROUTE_MODULES:
        try:
            module = importlib.import_module(f"lif_web.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"lif_web.{name}":  # not written yet: its pages are missing, not the site
                continue
            raise
        routes.extend(getattr(module, "routes", ()))
    routes.append(Mount("/static", app=StaticFiles(directory=STATIC), name="static"))
    return routes


def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return RedirectResponse(sign_in_url(exc.next_url), status_code=303)


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: "There is no page at this address.",
        405: "This page cannot be used this way.",
        403: "Your account may not do this.",
    }
    detail = exc.detail if isinstance(exc.detail, str) else ""
    from http import HTTPStatus

    if not detail or detail == HTTPStatus(exc.status_code).phrase:
        detail = messages.get(exc.status_code, "The request could not be completed.")
    response = error_page(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _lif_error(request: Request, exc: Exception) -> Response:
    from lif_core import ConflictError

    status = 409 if isinstance(exc, ConflictError) else 400
    return error_page(request, status, str(exc) + ("" if status == 400 else " Nothing was changed."))


class _Errors:
    """Any other failure: a plain 500 page (the traceback goes to the server's log, never to the
    browser)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sender(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sender)
        except Exception:
            print(f"lif serve: {scope.get('method')} {scope.get('path')} failed:", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
            if started:
                raise
            response = await run_in_threadpool(  # the page reads the session: not on the event loop
                error_page,
                Request(scope, receive),
                500,
                "The server could not complete this request; nothing more is shown here. "
                "The board's administrator can find the details in the server's log.",
            )
            await response(scope, receive, send)


def create_app(board: Path, config: WebConfig | None = None, plugins: Plugins | None = None) -> Starlette:
    """The web application for ``board`` (opened and checked now: a board whose files cannot
    be read into a board is refused here, with its problems; one whose checks find errors in
    how its reviews are run is served, with them)."""
    from lif_core import LifError

    cfg = config if config is not None else WebConfig()
    if plugins is None:
        from lif_core import Plugins

        plugins = Plugins.create()
    root = board_folder(board)
    validation = check_board(root, plugins)
    assert validation.loaded is not None
    accounts = Accounts(root, idle=cfg.session_idle, absolute=cfg.session_absolute)

    app = Starlette(
        debug=False,
        routes=_routes(),
        exception_handlers={SignInRequired: _sign_in, HTTPException: _http_error, LifError: _lif_error},
    )
    app.state.board = root
    app.state.config = cfg
    app.state.plugins = plugins
    app.state.accounts = accounts
    app.state.title = validation.loaded.board.board.name
    cache = _BoardCache(root)
    cache.fill(validation, plugins)
    app.state.board_cache = cache
    app.add_middleware(_Errors)
    app.add_middleware(SecurityMiddleware, accounts=accounts, config=cfg, error=error_page)
    return app


def app_from_environment() -> Starlette:
    """The application for one ``lif serve --workers N`` worker: the board and settings come
    from ``LIF_WEB_BOARD`` and ``LIF_WEB_CONFIG`` (set by ``lif serve``)."""
    board = os.environ[BOARD_VARIABLE]
    config = WebConfig.from_json(os.environ.get(CONFIG_VARIABLE, "{}"))
    return create_app(Path(board), config)
