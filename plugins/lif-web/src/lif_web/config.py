"""How ``lif serve`` runs: where it listens, its cookies, sign-on and limits (:class:`WebConfig`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

__all__ = ["WebConfig"]

MIB = 1024 * 1024


@attrs.frozen(kw_only=True)
class WebConfig:
    """Settings of one ``lif serve``.

    Attributes:
        host: the address to listen on (127.0.0.1: this machine only).
        port: the port to listen on.
        workers: server processes (uvicorn's workers); they share the accounts and sessions
            through ``accounts.sqlite``.
        certfile, keyfile: TLS certificate and key (PEM); with them the server speaks HTTPS.
        secure_cookies: send the session cookie with ``Secure`` (and the ``__Host-`` prefix):
            on by default. Browsers keep such a cookie from https:// pages and from
            http://127.0.0.1 and http://localhost (checked with Chromium), but not from plain
            http:// on another address, where signing in then fails: serve over TLS there.
            Off only for clients that are not browsers and speak plain HTTP (scripts).
        trusted_header: single sign-on: the request header naming the signed-in user, set by a
            reverse proxy (``X-Remote-User``); ``None`` (the default): off.
        trusted_proxies: the addresses whose ``trusted_header`` is believed; from any other
            address the header is ignored.
        max_upload: the largest request body (an attachment and its form), in bytes.
        session_idle: seconds a session lasts without use.
        session_absolute: seconds a session lasts at most, however used.
        login_window: seconds over which failed sign-ins are counted.
        login_max_per_name: failed sign-ins to one name, in the window, before that name is
            refused until the window passes.
        login_max_per_address: failed sign-ins from one client address, in the window, before
            it is refused.
    """

    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    certfile: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    keyfile: Path | None = attrs.field(default=None, converter=attrs.converters.optional(Path))
    secure_cookies: bool = True
    trusted_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    max_upload: int = 10 * MIB
    session_idle: int = 8 * 3600
    session_absolute: int = 24 * 3600
    login_window: int = 15 * 60
    login_max_per_name: int = 5
    login_max_per_address: int = 20

    @property
    def tls(self) -> bool:
        """Whether the server itself speaks HTTPS."""
        return self.certfile is not None

    def to_json(self) -> str:
        """The settings as JSON (passed to each worker process through the environment)."""
        values: dict[str, Any] = attrs.asdict(self)
        for key in ("certfile", "keyfile"):
            if values[key] is not None:
                values[key] = str(values[key])
        values["trusted_proxies"] = list(self.trusted_proxies)
        return json.dumps(values)

    @classmethod
    def from_json(cls, text: str) -> WebConfig:
        values = json.loads(text)
        values["trusted_proxies"] = tuple(values.get("trusted_proxies", ()))
        return cls(**values)
