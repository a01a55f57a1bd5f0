"""The security middleware and sign-in, over HTTP: security headers, the session cookie's flags,
rotation at sign-in, logout and expiry, CSRF on every request that may change something, the
sign-in rate limit (shared by workers), trusted-header single sign-on, upload size, and error
pages without tracebacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import PASSWORDS, csrf_token, sign_in
from lif_web.accounts import Accounts
from lif_web.app import create_app
from lif_web.config import WebConfig
from lif_web.security import CONTENT_SECURITY_POLICY
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from lif_core import Plugins

Client = Callable[[str | None], TestClient]
NEW = "a brand new long passphrase"


def _client(app: Starlette, **kwargs: object) -> TestClient:
    return TestClient(app, base_url="https://testserver", raise_server_exceptions=False, **kwargs)  # type: ignore[arg-type]


def _session_cookie(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    assert len(headers) == 1, headers
    return str(headers[0])


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize("path", ["/login", "/account", "/no-such-page"])
def test_security_headers_on_pages(client_for: Client, path: str) -> None:
    response = client_for("rita").get(path)
    headers = response.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    assert headers["strict-transport-security"].startswith("max-age=")
    assert "server" not in headers or "uvicorn" not in headers["server"]


def test_static_files_may_be_cached_but_not_sniffed(client_for: Client) -> None:
    response = client_for(None).get("/static/site.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers.get("cache-control") != "no-store"
    assert "set-cookie" not in response.headers


def test_pages_load_nothing_from_elsewhere(client_for: Client) -> None:
    page = client_for("ada").get("/account").text
    for url in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert url.startswith(("/", "#")) or url == "data:,", url
    assert "<script>" not in page and " style=" not in page  # nothing the CSP would block
    for url in re.findall(r'(?:src|href|action)="([^"]+)"', page):
        assert not url.startswith("//") and "://" not in url, url


def test_error_pages_are_pages_without_tracebacks(web_app: Starlette) -> None:
    def boom(request: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    web_app.router.routes.append(Route("/boom", boom))
    client = _client(web_app)
    sign_in(client, "ada")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "<h1>Not found</h1>" in missing.text


# --------------------------------------------------------------------------- cookies and sessions


def test_session_cookie_flags(client_for: Client) -> None:
    client = client_for(None)
    cookie = _session_cookie(client.get("/login"))
    assert cookie.startswith("__Host-lif_session=")
    for flag in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
        assert flag in cookie.split("; "), cookie
    assert "Domain" not in cookie and "Max-Age" not in cookie  # ends with the browser; the server ends it sooner


def test_session_cookie_without_secure_when_told(web_board: Path, web_plugins: Plugins) -> None:
    app = create_app(web_board, WebConfig(secure_cookies=False), web_plugins)
    with TestClient(app, raise_server_exceptions=False) as client:
        cookie = _session_cookie(client.get("/login"))
        assert cookie.startswith("lif_session=") and "Secure" not in cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        sign_in(client, "ada")
        assert client.get("/account").status_code == 200


def test_session_id_changes_at_sign_in_and_the_old_one_is_dead(client_for: Client, web_app: Starlette) -> None:
    client = client_for(None)
    client.get("/login")
    before = client.cookies["__Host-lif_session"]
    sign_in(client, "ada")
    after = client.cookies["__Host-lif_session"]
    assert before != after
    fixated = _client(web_app, cookies={"__Host-lif_session": before})
    assert fixated.get("/account", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_on_the_server(client_for: Client, web_app: Starlette) -> None:
    client = client_for("ed")
    stolen = client.cookies["__Host-lif_session"]
    response = client.post("/logout", data={"csrf_token": csrf_token(client)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?signed_out=1"
    assert "Max-Age=0" in _session_cookie(response)
    replay = _client(web_app, cookies={"__Host-lif_session": stolen})
    response = replay.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sessions_expire_when_idle_and_absolutely(web_board: Path, web_plugins: Plugins) -> None:
    config = WebConfig(session_idle=600, session_absolute=3600)
    app = create_app(web_board, config, web_plugins)
    accounts: Accounts = app.state.accounts
    now = [1_000_000.0]
    accounts.clock = lambda: now[0]
    client = _client(app)
    sign_in(client, "rita")
    now[0] += 599
    assert client.get("/account", follow_redirects=False).status_code == 200
    now[0] += 599  # used within the idle time: still signed in
    assert client.get("/account", follow_redirects=False).status_code == 200
    now[0] += 601
    assert client.get("/account", follow_redirects=False).status_code == 303  # idle too long

    client = _client(app)
    sign_in(client, "rita")
    for _ in range(7):  # in use all along, but no session outlives its absolute limit
        now[0] += 500
        assert client.get("/account", follow_redirects=False).status_code == 200
    now[0] += 500
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_disabling_an_account_ends_its_sessions_at_once(client_for: Client, accounts: Accounts) -> None:
    client = client_for("ed")
    assert client.get("/account", follow_redirects=False).status_code == 200
    accounts.set_disabled("ed")
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_sign_in_returns_only_to_this_site(client_for: Client) -> None:
    client = client_for(None)
    for target, expected in [
        ("/account", "/account"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
        ("/\\evil", "/"),
    ]:
        client.cookies.clear()
        client.get("/login")
        response = client.post(
            "/login",
            data={"name": "ada", "password": PASSWORDS["ada"], "next": target, "csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == expected


def test_pages_need_a_signed_in_person(client_for: Client) -> None:
    response = client_for(None).get("/account?tab=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account%3Ftab%3D1"


# --------------------------------------------------------------------------- CSRF


def _change_password(client: TestClient, **extra: str) -> dict[str, str]:
    return {"current": PASSWORDS["ed"], "new": NEW, "again": NEW, **extra}


@pytest.mark.parametrize("token", [None, "", "wrong-token"])
def test_a_form_without_its_token_is_refused_and_changes_nothing(
    client_for: Client, accounts: Accounts, token: str | None
) -> None:
    client = client_for("ed")
    data = _change_password(client)
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/account", data=data, follow_redirects=False)
    assert response.status_code == 403
    assert "security token" in response.text
    assert accounts.verify("ed", PASSWORDS["ed"]) is not None and accounts.verify("ed", NEW) is None
    # the same form with its token works
    response = client.post(
        "/account", data=_change_password(client, csrf_token=csrf_token(client)), follow_redirects=False
    )
    assert response.status_code == 303
    assert accounts.verify("ed", NEW) is not None


def test_another_sessions_token_is_refused(client_for: Client, accounts: Accounts) -> None:
    mallory = client_for("rita")
    ed = client_for("ed")
    response = ed.post("/account", data=_change_password(ed, csrf_token=csrf_token(mallory)), follow_redirects=False)
    assert response.status_code == 403
    assert accounts.verify("ed", NEW) is None


def test_multipart_forms_are_checked_too(client_for: Client, accounts: Accounts) -> None:
    client = client_for("ed")
    files = {"attachment": ("a.txt", b"hello", "text/plain")}
    response = client.post("/account", data=_change_password(client), files=files, follow_redirects=False)
    assert response.status_code == 403
    response = client.post(
        "/account", data=_change_password(client, csrf_token=csrf_token(client)), files=files, follow_redirects=False
    )
    assert response.status_code == 303
    assert accounts.verify("ed", NEW) is not None


def test_the_token_may_come_in_a_header(client_for: Client, accounts: Accounts) -> None:
    client = client_for("ed")
    response = client.post(
        "/account", data=_change_password(client), headers={"X-CSRF-Token": csrf_token(client)}, follow_redirects=False
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://testserver"},  # the right host, the wrong scheme
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_forms_from_another_site_are_refused_even_with_a_token(
    client_for: Client, accounts: Accounts, headers: dict[str, str]
) -> None:
    client = client_for("ed")
    response = client.post(
        "/account",
        data=_change_password(client, csrf_token=csrf_token(client)),
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "another site" in response.text
    assert accounts.verify("ed", NEW) is None


def test_same_origin_headers_are_accepted(client_for: Client) -> None:
    client = client_for("ed")
    response = client.post(
        "/account",
        data=_change_password(client, csrf_token=csrf_token(client)),
        headers={"Origin": "https://testserver", "Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_sign_in_itself_needs_the_token(client_for: Client) -> None:
    client = client_for(None)
    client.get("/login")
    response = client.post("/login", data={"name": "ada", "password": PASSWORDS["ada"]}, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_logout_needs_the_token(client_for: Client) -> None:
    client = client_for("ed")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert client.get("/account", follow_redirects=False).status_code == 200


def test_too_large_a_request_is_refused(web_board: Path, web_plugins: Plugins) -> None:
    app = create_app(web_board, WebConfig(max_upload=1024), web_plugins)
    client = _client(app)
    sign_in(client, "ed")
    token = csrf_token(client)
    big = {"attachment": ("big.bin", b"x" * (2 * 1024 * 1024), "application/octet-stream")}
    response = client.post("/account", data={"csrf_token": token}, files=big, follow_redirects=False)
    assert response.status_code == 413
    assert "larger than this site accepts" in response.text


# --------------------------------------------------------------------------- sign-in


def test_wrong_password_is_one_message_whatever_was_wrong(client_for: Client) -> None:
    client = client_for(None)
    texts = []
    for name, password in [("ada", "not her password"), ("nobody", "not anyone's password")]:
        client.get("/login")
        response = client.post("/login", data={"name": name, "password": password, "csrf_token": csrf_token(client)})
        assert response.status_code == 401
        texts.append(re.sub(r'value="[^"]*"', "", response.text))
    assert "The name or password is not right." in texts[0]
    assert texts[0] == texts[1].replace("nobody", "ada")


def test_sign_in_escapes_what_was_typed(client_for: Client) -> None:
    client = client_for(None)
    client.get("/login")
    payload = '"><script>alert(1)</script>'
    response = client.post("/login", data={"name": payload, "password": "x" * 12, "csrf_token": csrf_token(client)})
    assert "<script>alert(1)" not in response.text
    assert "&#34;&gt;&lt;script&gt;" in response.text


def _attempt(client: TestClient, name: str, password: str) -> int:
    client.get("/login")
    response = client.post(
        "/login", data={"name": name, "password": password, "csrf_token": csrf_token(client)}, follow_redirects=False
    )
    return response.status_code


def test_failed_sign_ins_to_a_name_are_limited(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    client = client_for(None)
    for _ in range(5):
        assert _attempt(client, "ada", "guessing wrongly") == 401
    assert _attempt(client, "ada", PASSWORDS["ada"]) == 429  # even the right password, until the window passes
    # another worker (another app on the same board) sees the same count
    other = _client(create_app(web_board, WebConfig(), web_plugins))
    assert _attempt(other, "ada", PASSWORDS["ada"]) == 429
    # other names are not locked out by it
    assert _attempt(client, "ed", PASSWORDS["ed"]) == 303


def test_the_limit_lifts_after_its_window(web_board: Path, web_plugins: Plugins) -> None:
    app = create_app(web_board, WebConfig(login_window=900), web_plugins)
    now = [2_000_000.0]
    app.state.accounts.clock = lambda: now[0]
    client = _client(app)
    for _ in range(5):
        assert _attempt(client, "ada", "guessing wrongly") == 401
    assert _attempt(client, "ada", PASSWORDS["ada"]) == 429
    now[0] += 901
    assert _attempt(client, "ada", PASSWORDS["ada"]) == 303


def test_failed_sign_ins_from_one_address_are_limited(web_board: Path, web_plugins: Plugins) -> None:
    app = create_app(web_board, WebConfig(login_max_per_address=6), web_plugins)
    attacker = _client(app, client=("203.0.113.9", 4000))
    for i in range(6):
        assert _attempt(attacker, f"name{i}", "guessing wrongly") == 401
    assert _attempt(attacker, "ed", PASSWORDS["ed"]) == 429
    elsewhere = _client(app, client=("198.51.100.7", 4000))
    assert _attempt(elsewhere, "ed", PASSWORDS["ed"]) == 303


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(web_board: Path, web_plugins: Plugins) -> None:
    app = create_app(web_board, WebConfig(login_max_per_address=3), web_plugins)
    attacker = _client(app, client=("203.0.113.9", 4000))
    for i in range(3):  # a different X-Forwarded-For each time does not escape the limit
        attacker.headers["X-Forwarded-For"] = f"10.0.0.{i}"
        assert _attempt(attacker, f"name{i}", "guessing wrongly") == 401
    attacker.headers["X-Forwarded-For"] = "10.0.0.99"
    assert _attempt(attacker, "ed", PASSWORDS["ed"]) == 429


def test_change_password_needs_the_current_one(client_for: Client, accounts: Accounts) -> None:
    client = client_for("ed")
    token = csrf_token(client)
    response = client.post(
        "/account", data={"current": "not my password", "new": NEW, "again": NEW, "csrf_token": token}
    )
    assert response.status_code == 400 and "This is not your current password." in response.text
    response = client.post(
        "/account", data={"current": PASSWORDS["ed"], "new": "short", "again": "short", "csrf_token": token}
    )
    assert response.status_code == 400 and "too short" in response.text
    response = client.post(
        "/account", data={"current": PASSWORDS["ed"], "new": NEW, "again": NEW + "!", "csrf_token": token}
    )
    assert response.status_code == 400 and "not the same" in response.text
    assert accounts.verify("ed", PASSWORDS["ed"]) is not None
    response = client.post("/account", data=_change_password(client, csrf_token=token))
    assert response.status_code == 200 and "Your password has been changed." in response.text
    assert client.get("/account", follow_redirects=False).status_code == 200  # this browser stays signed in


# --------------------------------------------------------------------------- single sign-on


@pytest.fixture
def sso_app(web_board: Path, web_plugins: Plugins) -> Starlette:
    config = WebConfig(trusted_header="X-Remote-User", trusted_proxies=("127.0.0.1",))
    return create_app(web_board, config, web_plugins)


def test_sso_header_from_the_trusted_proxy_signs_in(sso_app: Starlette) -> None:
    proxy = _client(sso_app, client=("127.0.0.1", 5000), headers={"X-Remote-User": "ed"})
    response = proxy.get("/account", follow_redirects=False)
    assert response.status_code == 200
    assert "Ed Editor" in response.text
    # its forms work, with the session the header made
    response = proxy.post("/account", data={"current": "x", "new": NEW, "again": NEW, "csrf_token": csrf_token(proxy)})
    assert response.status_code == 400
    # a different user through the same browser gets a different session
    proxy.headers["X-Remote-User"] = "rita"
    assert "Rita Reader" in proxy.get("/account").text


def test_sso_header_from_anywhere_else_is_ignored(sso_app: Starlette) -> None:
    direct = _client(sso_app, client=("192.0.2.10", 5000), headers={"X-Remote-User": "ada"})
    response = direct.get("/account", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_sso_user_must_have_an_account(sso_app: Starlette, accounts: Accounts) -> None:
    proxy = _client(sso_app, client=("127.0.0.1", 5000), headers={"X-Remote-User": "mallory"})
    response = proxy.get("/account", follow_redirects=False)
    assert response.status_code == 403
    assert "has no account on this board" in response.text
    accounts.set_disabled("ed")
    proxy.headers["X-Remote-User"] = "ed"
    assert proxy.get("/account", follow_redirects=False).status_code == 403


def test_sso_is_off_by_default(client_for: Client) -> None:
    client = client_for(None)
    client.headers["X-Remote-User"] = "ada"
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_change_through_sso_names_the_person(sso_app: Starlette, web_board: Path, web_plugins: Plugins) -> None:
    from lif_core.commands import open_register

    proxy = _client(sso_app, client=("127.0.0.1", 5000), headers={"X-Remote-User": "ed"})
    with open_register(web_board, web_plugins, write=False) as reg:
        version = reg.version("a-child-f-1")
    response = proxy.post(
        "/r/a-child-f-1/status",
        data={
            "status": "completed",
            "date": "2019-02-01",
            "note": "done",
            "version": str(version),
            "csrf_token": csrf_token(proxy),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    with open_register(web_board, web_plugins, write=False) as reg:
        assert reg.history("a-child-f-1")[-1].who == "ed"
