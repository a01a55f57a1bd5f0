"""The middleware in front of every request: the session (cookie or trusted single sign-on), the
CSRF check on every request that may change something (before any handler runs), the size limit
on what is sent, and the security headers on every response."""

from __future__ import annotations

import hmac
import ipaddress
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, Headers
from starlette.requests import Request

from .accounts import Accounts, Session
from .config import WebConfig

__all__ = ["CONTENT_SECURITY_POLICY", "SecurityMiddleware", "cookie_name", "is_secure"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE = "lif_session"
#: A form's fields besides its file, on top of the upload limit.
FORM_ALLOWANCE = 1024 * 1024


def cookie_name(secure: bool) -> str:
    """The session cookie's name: with the ``__Host-`` prefix where it is Secure (the browser
    then keeps it only for this host, on every path, sent only over HTTPS)."""
    return f"__Host-{COOKIE}" if secure else COOKIE


def _in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in networks:
        try:
            if ip in ipaddress.ip_network(item, strict=False):
                return True
        except ValueError:
            continue
    return False


def is_secure(scope: Scope, config: WebConfig) -> bool:
    """Whether the session cookie is sent ``Secure`` (with the ``__Host-`` prefix)."""
    return config.secure_cookies


class SecurityMiddleware:
    """Sessions, single sign-on, CSRF, upload size and security headers, for every request.

    A request that may change something (any method but GET, HEAD, OPTIONS) is refused (403,
    nothing runs) unless it comes from a page of this site (its ``Origin`` and
    ``Sec-Fetch-Site`` where the browser sends them) and carries the session's CSRF token (form
    field ``csrf_token``, or header ``X-CSRF-Token``). Its form is read here, once: handlers get
    it from :func:`lif_web.web.form_data`.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        accounts: Accounts,
        config: WebConfig,
        error: Callable[[Request, int, str], Any],
    ) -> None:
        self.app = app
        self.accounts = accounts
        self.config = config
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope = dict(scope)
        headers = Headers(scope=scope)
        peer = (scope.get("client") or ("", 0))[0]
        from_proxy = bool(self.config.trusted_proxies) and _in(peer, self.config.trusted_proxies)
        if from_proxy:
            proto = headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
            if proto in ("http", "https"):
                scope["scheme"] = proto
            forwarded = [a.strip() for a in headers.get("x-forwarded-for", "").split(",") if a.strip()]
            if forwarded:
                scope["lif.address"] = forwarded[-1]
        scope.setdefault("lif.address", peer)
        secure = is_secure(scope, self.config)
        scope["lif.secure"] = secure
        static = scope["path"].startswith("/static/")

        session: Session | None = None
        if not static:
            cookies = SimpleCookie()
            try:
                cookies.load(headers.get("cookie", ""))
            except Exception:  # noqa: BLE001 - a malformed cookie header is no session
                cookies = SimpleCookie()
            morsel = cookies.get(cookie_name(secure))
            if morsel is not None:
                session = await run_in_threadpool(self.accounts.session, morsel.value)
            scope["lif.session"] = session

            if self.config.trusted_header and from_proxy:
                name = headers.get(self.config.trusted_header, "").strip()
                if name:
                    user = await run_in_threadpool(self.accounts.get, name)
                    if user is None or user.disabled:
                        await self._refuse(
                            scope, receive, send, 403, f"{name!r} has no account on this board (ask its administrator)."
                        )
                        return
                    if session is None or session.account is None or session.account.name != name:
                        if session is not None:
                            await run_in_threadpool(self.accounts.end_session, session.id)
                        session = await run_in_threadpool(self.accounts.new_session, name)
                        scope["lif.session"] = session
                        scope["lif.cookie"] = session.id
            elif self.config.trusted_header and headers.get(self.config.trusted_header):
                print(
                    f"lif serve: ignored the {self.config.trusted_header} header from {peer}, "
                    "which is not a trusted proxy (--trusted-proxy)",
                    file=sys.stderr,
                )

        form: FormData | None = None
        if scope["method"] not in SAFE_METHODS:
            refusal = self._foreign(scope, headers)
            if refusal is not None:
                await self._refuse(scope, receive, send, 403, refusal)
                return
            limit = self.config.max_upload + FORM_ALLOWANCE
            length = headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                await self._refuse(scope, receive, send, 413, self._too_large())
                return
            body = bytearray()
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                body.extend(message.get("body", b""))
                if len(body) > limit:
                    await self._refuse(scope, receive, send, 413, self._too_large())
                    return
                if not message.get("more_body", False):
                    break
            original = receive
            receive = _replay(bytes(body), original)
            token = headers.get("x-csrf-token", "")
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                try:
                    form = await Request(scope, receive).form(max_files=20, max_fields=2000)
                except Exception:  # noqa: BLE001 - an unreadable form is refused, not a traceback
                    await self._refuse(scope, _replay(b""), send, 400, "The form sent could not be read.")
                    return
                receive = _replay(bytes(body), original)
                field = form.get("csrf_token")
                token = field if isinstance(field, str) else token
            if session is None or not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
                if form is not None:
                    await form.close()
                await self._refuse(
                    scope,
                    receive,
                    send,
                    403,
                    "The form's security token is missing or out of date (the page may have been open "
                    "too long, or you signed in again elsewhere): nothing was changed. Go back, reload "
                    "the page and send it again.",
                )
                return
            scope["lif.form"] = form

        try:
            await self.app(scope, receive, self._sender(scope, send, static))
        finally:
            if form is not None:
                await form.close()

    def _foreign(self, scope: Scope, headers: Headers) -> str | None:
        """Why a request that may change something is refused as not from this site, or None."""
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return "This form was sent from another site: nothing was changed."
        origin = headers.get("origin")
        if origin is not None:
            own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
            if origin.lower() != own.lower():
                return "This form was sent from another site: nothing was changed."
        return None

    def _too_large(self) -> str:
        limit = self.config.max_upload // (1024 * 1024)
        return f"What was sent is larger than this site accepts ({limit} MiB): nothing was changed."

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        scope["lif.form"] = None
        # the page reads the session (accounts.sqlite): in the thread pool, not on the event loop
        response = await run_in_threadpool(self.error, Request(scope, receive), status, message)
        await response(scope, receive, self._sender(scope, send, False))

    def _sender(self, scope: Scope, send: Send, static: bool) -> Send:
        secure = bool(scope.get("lif.secure"))
        tls = scope.get("scheme") == "https"

        async def sender(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}

                def add(name: str, value: str) -> None:
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode("latin-1")))

                add("content-security-policy", CONTENT_SECURITY_POLICY)
                add("x-content-type-options", "nosniff")
                add("referrer-policy", "same-origin")
                add("x-frame-options", "DENY")
                add("cross-origin-opener-policy", "same-origin")
                add("cross-origin-resource-policy", "same-origin")
                add("permissions-policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
                if tls:
                    add("strict-transport-security", "max-age=31536000")
                if not static:
                    add("cache-control", "no-store")
                cookie = scope.get("lif.cookie")
                if cookie is not None:
                    headers.append((b"set-cookie", _cookie(cookie, secure).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        return sender


def _cookie(value: str, secure: bool) -> str:
    """The Set-Cookie header for the session id ``value`` ("" clears it)."""
    parts = [f"{cookie_name(secure)}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    if not value:
        parts.append("Max-Age=0")
    return "; ".join(parts)


def _replay(body: bytes, then: Receive | None = None) -> Receive:
    """A receive that gives ``body`` (already read) once, then waits on ``then`` (the real
    connection: its disconnect)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        return {"type": "http.disconnect"}

    return receive
