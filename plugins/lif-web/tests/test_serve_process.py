"""`lif serve` as a real process: a copy of the Croydon board with accounts made by `lif users
add`, the server started on a free 127.0.0.1 port (lif_web.testing's :func:`start_server`, as
benchmarks/web_load.py starts it), spoken to over HTTP (httpx) as a browser would, and stopped
with SIGTERM. Also the board test_browser.py and test_axe.py serve (:func:`served_board`; their
``server`` fixture is conftest.py's)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from lif_web.testing import Server, ServerFailed, free_port, lif_command, process_environment, serving, start_server

from lif_core.commands import open_register
from lif_core.testing import environment, make_plugins

ROOT = Path(__file__).resolve().parents[3]
CROYDON = ROOT / "examples" / "croydon"
#: Accounts every served board has: name -> (role, agency, password).
ACCOUNTS = {
    "ada": ("admin", None, "vellum quartz 7741"),
    "ed": ("editor", "met-police", "harbour lantern 2290"),
    "rita": ("reader", None, "copper meadow 5168"),
}


def lif_environment(folder: Path) -> dict[str, str]:
    """This process's environment with lif_core.testing's isolation (cache, key, user)."""
    return process_environment(environment(folder))


def lif(env: dict[str, str], *args: str | Path, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*lif_command(), *map(str, args)], env=env, input=input, text=True, capture_output=True, timeout=120
    )


def served_board(folder: Path, env: dict[str, str], *, accounts: bool = True) -> Path:
    """A copy of Croydon in ``folder``, its register imported, with the :data:`ACCOUNTS`."""
    board = folder / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("*.sqlite*", "attachments", "accounts*"))
    done = lif(env, "import", board)
    assert done.returncode == 0, done.stderr
    for name, (role, agency, password) in ACCOUNTS.items() if accounts else ():
        extra = ["--agency", agency] if agency else []
        done = lif(env, "users", "add", board, name, "--role", role, *extra, "--password-stdin", input=password + "\n")
        assert done.returncode == 0, done.stderr
    return board


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no csrf_token field on the page"
    return found.group(1)


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found, "no version field on the form"
    return found.group(1)


def keep_cookies(client: httpx.Client) -> httpx.Client:
    """Send back the cookies the server sets, ``Secure`` ones too, as a browser does on
    127.0.0.1 (a potentially trustworthy origin: Chromium keeps and sends ``Secure`` cookies
    there over plain http; httpx's jar would not)."""
    jar: dict[str, str] = {}

    def remember(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                jar[name.strip()] = value
            else:
                jar.pop(name.strip(), None)
        client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())

    client.event_hooks["response"].append(remember)
    return client


@contextmanager
def signed_in(base: str, name: str) -> Iterator[httpx.Client]:
    """An HTTP client signed in as ``name`` (one of :data:`ACCOUNTS`) through the sign-in form."""
    with keep_cookies(httpx.Client(base_url=base, timeout=30)) as client:
        page = client.get("/login")
        answer = client.post(
            "/login", data={"csrf_token": csrf_of(page.text), "name": name, "password": ACCOUNTS[name][2], "next": "/"}
        )
        assert answer.status_code in (302, 303), answer.text[:500]
        yield client


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return lif_environment(tmp_path_factory.mktemp("lif-env"))


# --------------------------------------------------------------------------- tests


def test_refuses_to_start_without_an_admin_account(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env, accounts=False)
    done = lif(env, "serve", board, "--port", str(free_port()))
    assert done.returncode != 0
    assert "no board administrator account yet" in done.stderr and "lif users add" in done.stderr
    assert "Traceback" not in done.stderr


def test_serves_the_sign_in_page_with_its_security_headers(server: Server) -> None:
    answer = httpx.get(server.base + "/login")
    assert answer.status_code == 200
    policy = answer.headers["content-security-policy"]
    for directive in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"):
        assert directive in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "server" not in answer.headers  # no version advertised
    assert f"at {server.base}/" in server.output()  # says where it listens: 127.0.0.1
    assert "Warning" not in server.output()  # loopback: no warning about TLS


def test_pages_need_a_sign_in(server: Server) -> None:
    answer = httpx.get(server.base + "/", follow_redirects=False)
    assert answer.status_code in (302, 303) and "/login" in answer.headers["location"]


def test_a_change_through_the_real_server_names_the_signed_in_person(server: Server) -> None:
    with signed_in(server.base, "ada") as client:
        assert client.get("/").status_code == 200
        form = client.get("/r/a-audit-programme/status")
        assert form.status_code == 200
        data = {
            "csrf_token": csrf_of(form.text),
            "version": version_of(form.text),
            "status": "completed",
            "date": "2019-03-20",
            "note": "Four audits held, reported in March",
        }
        without_token = client.post(
            "/r/a-audit-programme/status", data={k: v for k, v in data.items() if k != "csrf_token"}
        )
        assert without_token.status_code == 403
        done = client.post("/r/a-audit-programme/status", data=data, follow_redirects=False)
        assert done.status_code == 303, done.text[:500]
        stale = client.post("/r/a-audit-programme/status", data={**data, "note": "again"}, follow_redirects=False)
        assert stale.status_code == 409  # the version the form was opened at is out of date: nothing written
    with open_register(server.board, make_plugins(), write=False) as register:
        changes = register.history("a-audit-programme")
    assert changes[-1].who == "ada" and changes[-1].note == "Four audits held, reported in March"
    assert [c.note for c in changes].count("again") == 0


def test_sigterm_stops_it(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env)
    running = start_server(board, env=env)
    status = running.stop(signal.SIGTERM)
    # uvicorn shuts down gracefully, then ends by the signal it caught (so its parent sees why)
    assert status in (0, -signal.SIGTERM), running.output()
    assert "Application shutdown complete" in running.output()
    with pytest.raises(httpx.ConnectError):
        httpx.get(running.base + "/login", timeout=2)


def test_two_workers_share_accounts_and_sessions(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env)
    running = start_server(board, env=env, workers=2)
    try:
        with signed_in(running.base, "rita") as client:
            # each request may reach either process: every one sees the session
            statuses = {client.get("/", headers={"Connection": "close"}).status_code for _ in range(12)}
        assert statuses == {200}
    finally:
        running.stop()


def test_warns_when_listening_beyond_this_machine_without_tls(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env)
    running = start_server(board, env=env, host="0.0.0.0")
    try:
        assert "without TLS" in running.output()
    finally:
        running.stop()


# --------------------------------------------------------------------------- lif_web.testing's start


def test_a_server_that_ends_at_once_is_said_with_its_output(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env, accounts=False)
    with pytest.raises(ServerFailed, match=r"(?s)lif serve ended with status [1-9].*no board administrator account"):
        start_server(board, env=env)


def _serving(board: Path) -> list[str]:
    """Command lines of the processes (Linux's /proc) serving ``board`` still."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if " serve " in command and str(board) in command:
                found.append(command)
    return found


def _running_in_group(group: int) -> list[str]:
    """The processes of process group ``group`` still running (Linux's /proc; zombies aside):
    each one's id, state, parent and command line."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            state, parent, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
            if int(pgrp) == group and state != "Z":
                found.append(f"{entry.name} ({state}, parent {parent}): {command[:300]}")
    return found


def test_a_server_that_does_not_answer_in_time_is_killed(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env)
    with pytest.raises(ServerFailed, match="did not answer within 0 s"):
        start_server(board, env=env, timeout=0)
    assert _serving(board) == []


def test_serving_stops_the_whole_process_group_however_the_block_ends(tmp_path: Path, env: dict[str, str]) -> None:
    board = served_board(tmp_path, env)
    with pytest.raises(RuntimeError, match="the block failed"), serving(board, workers=2, env=env) as running:
        assert running.pid == running.process.pid and running.base.startswith("http://127.0.0.1:")
        raise RuntimeError("the block failed")
    assert running.process.poll() is not None and _serving(board) == []
    assert _running_in_group(running.pid) == []  # its workers neither (a zombie left for init aside)
    with pytest.raises(httpx.ConnectError):
        httpx.get(running.base + "/login", timeout=2)
