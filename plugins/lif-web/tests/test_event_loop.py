"""The form handlers' synchronous work (register reads and writes, board loading, rendering) runs
off the event loop: a write waiting for SQLite's write lock (held by another process) does not
stall the worker's other requests, static files and the sign-in page included."""

from __future__ import annotations

import contextlib
import inspect
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import sign_in
from lif_web import web
from starlette.applications import Starlette
from starlette.testclient import TestClient
from test_forms import history, open_form, post


@pytest.fixture
def one_loop(web_app: Starlette) -> Iterator[TestClient]:
    """One TestClient, entered: every request it makes (from any thread) runs on its one
    event-loop thread, as a ``lif serve`` worker's do."""
    client = TestClient(web_app, base_url="https://testserver", raise_server_exceptions=False)
    with client:
        yield client


@contextlib.contextmanager
def write_lock_held(board: Path) -> Iterator[None]:
    """Another process's write transaction on the board's register, until the block ends."""
    other = sqlite3.connect(board / "register.sqlite", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_write_waiting_for_the_lock_does_not_stall_other_requests(
    web_board: Path, one_loop: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(one_loop, "ada")
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    before = len(history(web_board, "a-child-f-1"))

    opening = threading.Event()  # the POST is about to open the register to write
    original: Callable[..., Any] = web.register

    @contextlib.contextmanager
    def register(request: Any) -> Iterator[Any]:
        opening.set()
        with original(request) as reg:
            yield reg

    monkeypatch.setattr(web, "register", register)
    result: dict[str, Any] = {}
    finished = threading.Event()

    def save() -> None:
        try:
            result["response"] = post(
                client, "/r/a-child-f-1/status", {**hidden, "status": "blocked", "date": "2019-01-02", "note": "x"}
            )
        finally:
            finished.set()

    with write_lock_held(web_board):
        writer = threading.Thread(target=save, daemon=True)
        writer.start()
        assert opening.wait(60), "the POST never reached the register"
        # The POST now waits for the lock (up to the register's busy timeout). Another request
        # on the same worker is answered meanwhile: the static files and the sign-in page.
        css = client.get("/static/site.css")
        login = client.get("/login", follow_redirects=False)
        still_waiting = not finished.is_set()
    writer.join(60)
    assert css.status_code == 200
    assert login.status_code in (200, 303)
    assert still_waiting, "the other requests were answered only after the waiting write had finished"
    response = result["response"]
    assert response.status_code == 303, response.text[:2000]
    changes = history(web_board, "a-child-f-1")
    assert len(changes) == before + 1 and changes[-1].who == "ada"


def test_every_page_and_form_handler_runs_in_the_thread_pool(web_app: Starlette) -> None:
    """Every route's handler is a plain function (Starlette runs it in its thread pool): an
    ``async def`` handler would run its register, board and template work on the event loop."""
    from starlette.routing import Route

    handlers = [route.endpoint for route in web_app.routes if isinstance(route, Route)]
    assert len(handlers) > 20
    assert [h.__qualname__ for h in handlers if inspect.iscoroutinefunction(h)] == []


def test_every_error_page_is_made_in_the_thread_pool(web_app: Starlette) -> None:
    """The exception handlers (sign-in redirect, 403/404/405, a refusal in the CLI's words, a
    409 conflict) are plain functions too: each error page reads the session from the accounts
    file, which must not hold up the event loop."""
    handlers = web_app.exception_handlers
    assert {"SignInRequired", "HTTPException", "LifError"} <= {getattr(k, "__name__", "") for k in handlers}
    assert [h.__qualname__ for h in handlers.values() if inspect.iscoroutinefunction(h)] == []


class _WatchedLock:
    """A lock that says when a second holder starts waiting for it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.second_waiting = threading.Event()

    def acquire(self, timeout: float = -1) -> bool:
        self.calls += 1
        if self.calls == 2:
            self.second_waiting.set()
        return self.lock.acquire(timeout=timeout)

    def release(self) -> None:
        self.lock.release()


def test_a_workers_writes_are_made_one_at_a_time(
    web_board: Path, web_app: Starlette, one_loop: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two saves at once in one worker: the second begins its write only once the first has
    ended its own (they queue in the worker, in turn, rather than in SQLite's busy handler,
    which sleeps and retries and can starve a writer past its timeout)."""
    client = sign_in(one_loop, "ada")
    forms_of = {action: open_form(client, f"/r/{action}/status")[1] for action in ("a-child-f-1", "a-child-f-2")}
    lock = _WatchedLock()
    monkeypatch.setattr(web_app.state.board_cache, "write_lock", lock)
    order: list[str] = []
    first_inside, release = threading.Event(), threading.Event()
    original: Callable[..., Any] = web.open_register

    @contextlib.contextmanager
    def open_register(board: Path, plugins: Any, **kwargs: Any) -> Iterator[Any]:
        with original(board, plugins, **kwargs) as reg:
            if kwargs.get("write", True) is not False:
                begin = reg.transaction

                @contextlib.contextmanager
                def transaction() -> Iterator[None]:
                    name = "first" if not order else "second"
                    order.append(f"{name} begins")
                    if name == "first":
                        first_inside.set()
                        assert release.wait(60)
                    with begin():
                        yield
                    order.append(f"{name} ends")

                reg.transaction = transaction
            yield reg

    monkeypatch.setattr(web, "open_register", open_register)
    results: dict[str, Any] = {}

    def save(action: str) -> None:
        data = {**forms_of[action], "status": "blocked", "date": "2019-01-02", "note": f"saved {action}"}
        results[action] = post(client, f"/r/{action}/status", data)

    first = threading.Thread(target=save, args=("a-child-f-1",), daemon=True)
    first.start()
    try:
        assert first_inside.wait(60)
        second = threading.Thread(target=save, args=("a-child-f-2",), daemon=True)
        second.start()
        for _ in range(6000):  # until the second save waits for the lock, or begins its write without it
            if lock.second_waiting.wait(0.01) or "second begins" in order:
                break
        assert order == ["first begins"], "the second save began its write while the first was writing"
        assert lock.second_waiting.is_set()
    finally:
        release.set()  # never leave the first save waiting, whatever failed
    first.join(60)
    second.join(60)
    assert order == ["first begins", "first ends", "second begins", "second ends"]
    assert [results[a].status_code for a in ("a-child-f-1", "a-child-f-2")] == [303, 303]
    assert history(web_board, "a-child-f-2")[-1].who == "ada"


def test_a_save_that_waits_too_long_for_the_others_is_refused(
    web_board: Path, web_app: Starlette, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saves piled up behind a long write are refused with 503 and a Retry-After, writing
    nothing, rather than holding a thread of the pool for ever."""
    client = client_for("ada")
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    before = len(history(web_board, "a-child-f-1"))
    monkeypatch.setattr(web, "WRITE_WAIT", 0.01)
    lock = web_app.state.board_cache.write_lock
    assert lock.acquire(timeout=10)  # another save of this worker, taking its time
    try:
        response = post(
            client, "/r/a-child-f-1/status", {**hidden, "status": "blocked", "date": "2019-01-02", "note": "late"}
        )
    finally:
        lock.release()
    assert response.status_code == 503, response.text[:2000]
    assert response.headers["retry-after"] == "10"
    assert "The register is busy with other changes: nothing was changed." in response.text
    assert len(history(web_board, "a-child-f-1")) == before


def test_saves_beyond_those_allowed_to_wait_are_refused_at_once(
    web_board: Path, web_app: Starlette, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With as many saves waiting as are allowed, one more is refused at once (503, nothing
    written), so waiting saves never take every thread of the pool from the pages."""
    client = client_for("ada")
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    before = len(history(web_board, "a-child-f-1"))
    cache = web_app.state.board_cache
    monkeypatch.setattr(cache, "waiting_saves", web.MAX_WAITING_SAVES)
    response = post(
        client, "/r/a-child-f-1/status", {**hidden, "status": "blocked", "date": "2019-01-02", "note": "one too many"}
    )
    assert response.status_code == 503, response.text[:2000]
    assert "The register is busy with other changes: nothing was changed." in response.text
    assert "Busy: try again" in response.text
    assert len(history(web_board, "a-child-f-1")) == before
    assert client.get("/static/site.css").status_code == 200
    monkeypatch.setattr(cache, "waiting_saves", 0)
    response = post(
        client, "/r/a-child-f-1/status", {**hidden, "status": "blocked", "date": "2019-01-02", "note": "in turn"}
    )
    assert response.status_code == 303
    assert cache.waiting_saves == 0
