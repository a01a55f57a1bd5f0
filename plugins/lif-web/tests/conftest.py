"""Fixtures for lif-web's tests (shared by every test module here).

- ``web_board``: a copy of examples/croydon with its register imported (``lif import``) and the
  accounts of :data:`PASSWORDS` made: admin ``ada``, editor ``ed`` of partner :data:`ED_AGENCY`,
  editor ``eve`` of partner :data:`EVE_AGENCY`, reader ``rita``.
- ``web_plugins``: the plugin host the app runs with (lif-core's ``lif_plugins``).
- ``web_app``: the application for ``web_board`` (:func:`lif_web.app.create_app`).
- ``client_for(name)``: a Starlette ``TestClient`` signed in as ``name``
  (``client_for(None)``: nobody signed in).
- ``csrf(client)``: the CSRF token of the client's session, for a form's ``csrf_token``.
- ``history_count(board)``: the number of changes in the register's history (a refused request
  leaves it as it was).
- ``server`` (one per test module): ``lif serve`` running as its own process
  (:func:`lif_web.testing.serving`) on a copy of Croydon with test_serve_process.py's accounts
  (:func:`test_serve_process.served_board`).
- ``browser`` (one per test module): the system's Chromium through Playwright
  (:func:`lif_core.testing.chromium_browser`); the module's tests are skipped where it is not
  installed, except in a CI run (``CI`` set), where they fail.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lif_web.accounts import Accounts
from lif_web.app import create_app
from lif_web.config import WebConfig
from lif_web.testing import Server, process_environment, serving
from starlette.applications import Starlette
from starlette.testclient import TestClient

from lif_core import Plugins
from lif_core.testing import LifRunner, chromium_browser, environment, make_plugins, needs_chromium

ROOT = Path(__file__).resolve().parents[3]
CROYDON = ROOT / "examples" / "croydon"

#: The test accounts' passwords.
PASSWORDS = {
    "ada": "the board administrator's passphrase",
    "ed": "a police editor's passphrase",
    "eve": "a children's services passphrase",
    "rita": "a scrutineer reads, never writes",
}
ED_AGENCY = "met-police"
EVE_AGENCY = "lbc-childrens-services"
ROLES = {"ada": ("admin", None), "ed": ("editor", ED_AGENCY), "eve": ("editor", EVE_AGENCY), "rita": ("reader", None)}
DISPLAY = {"ada": "Ada Admin", "ed": "Ed Editor", "eve": "Eve Editor", "rita": "Rita Reader"}

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def _croydon_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Croydon with its register imported and the test accounts made, once per test session."""
    folder = tmp_path_factory.mktemp("web-template")
    board = folder / "croydon"
    shutil.copytree(CROYDON, board)
    runner = LifRunner(make_plugins(), env=environment(folder))
    runner("import", board).assert_ok()
    accounts = Accounts(board)
    for name, password in PASSWORDS.items():
        role, partner = ROLES[name]
        accounts.add(name, password, role=role, partner=partner, display=DISPLAY[name])  # type: ignore[arg-type]
    return board


@pytest.fixture
def web_board(_croydon_template: Path, tmp_path: Path, lif_env: dict[str, str | None]) -> Path:
    """A fresh copy of Croydon, register imported, with the test accounts."""
    board = tmp_path / "croydon"
    shutil.copytree(_croydon_template, board)
    return board


@pytest.fixture
def web_plugins(lif_plugins: Plugins) -> Plugins:
    return lif_plugins


@pytest.fixture
def web_config() -> WebConfig:
    """The app's settings (override in a test module for others)."""
    return WebConfig()


@pytest.fixture
def web_app(web_board: Path, web_config: WebConfig, web_plugins: Plugins) -> Starlette:
    return create_app(web_board, web_config, web_plugins)


@pytest.fixture
def accounts(web_board: Path) -> Accounts:
    """The board's accounts (with :data:`PASSWORDS`)."""
    return Accounts(web_board)


def sign_in(client: TestClient, name: str, password: str | None = None) -> TestClient:
    """Sign ``client`` in as ``name`` through the login form."""
    page = client.get("/login")
    token = _TOKEN.search(page.text)
    assert token, page.text
    response = client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def client_for(web_app: Starlette) -> Iterator[Callable[[str | None], TestClient]]:
    """``client_for("ed")``: a TestClient signed in as ``ed`` (``None``: not signed in)."""
    clients: list[TestClient] = []

    def make(name: str | None) -> TestClient:
        # https: the session cookie is Secure (a browser keeps it on http://127.0.0.1 too; httpx does not)
        client = TestClient(web_app, base_url="https://testserver", raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        if name is not None:
            sign_in(client, name)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def csrf_token(client: TestClient) -> str:
    """The CSRF token of ``client``'s session (read from a page's form)."""
    page = client.get("/account") if _signed_in(client) else client.get("/login")
    found = _TOKEN.search(page.text)
    assert found, page.text
    return found.group(1)


def _signed_in(client: TestClient) -> bool:
    response = client.get("/account", follow_redirects=False)
    return bool(response.status_code == 200)


@pytest.fixture
def csrf() -> Callable[[TestClient], str]:
    """``csrf(client)``: the token to send as ``csrf_token`` with a form."""
    return csrf_token


def count_history(board: Path) -> int:
    """The number of changes in ``board``'s register history."""
    from lif_core import Register

    register = Register.open_read_only(board / "register.sqlite")
    try:
        return register.count_changes()
    finally:
        register.close()


@pytest.fixture
def history_count() -> Callable[[Path], int]:
    return count_history


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``lif serve`` on a copy of Croydon (register imported, test_serve_process.py's accounts
    made with ``lif users add``), as its own process, for the test module; stopped after it."""
    from test_serve_process import served_board

    env = environment(tmp_path_factory.mktemp("lif-env"))
    board = served_board(tmp_path_factory.mktemp("served"), process_environment(env))
    with serving(board, env=env) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system's Chromium through Playwright, for the test module: the module's tests are
    skipped where it is not installed (in a CI run, ``CI`` set, they fail instead)."""
    with chromium_browser(needs_chromium()) as chromium:
        yield chromium
