"""Signing in and out, and changing one's own password: /login, /logout, /account."""

from __future__ import annotations

import math
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from .accounts import AccountError
from .web import (
    account,
    accounts,
    config,
    ensure_session,
    form_data,
    redirect,
    render,
    safe_next,
    session,
    set_session,
)

__all__ = ["routes"]

WRONG = "The name or password is not right."


def _text(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def login_page(request: Request) -> Response:
    current = session(request)
    next_url = safe_next(request.query_params.get("next"))
    if current is not None and current.account is not None:
        return RedirectResponse(next_url, status_code=303)
    message = "You have signed out." if request.query_params.get("signed_out") else None
    return render(request, "login.html", next=next_url, notice=message, name="")


def login(request: Request) -> Response:
    data = form_data(request)
    name = _text(data, "name").strip()
    password = _text(data, "password")
    next_url = safe_next(_text(data, "next"))
    store = accounts(request)
    cfg = config(request)
    address = str(request.scope.get("lif.address") or "")
    by_name, by_address = store.failures(name, address, cfg.login_window)
    if by_name >= cfg.login_max_per_name or by_address >= cfg.login_max_per_address:
        minutes = math.ceil(cfg.login_window / 60)
        return render(
            request,
            "login.html",
            status=429,
            next=next_url,
            name=name,
            error=f"Too many failed sign-ins: try again in {minutes} minutes.",
        )
    if not name or not password:
        return render(request, "login.html", status=400, next=next_url, name=name, error=WRONG)
    who = store.verify(name, password)
    if who is None:
        store.record_failure(name, address)
        return render(request, "login.html", status=401, next=next_url, name=name, error=WRONG)
    store.clear_failures(name)
    old = session(request)
    if old is not None:  # a new session id at sign-in: one fixed before it is worth nothing
        store.end_session(old.id)
    set_session(request, store.new_session(who.name))
    return RedirectResponse(next_url, status_code=303)


def logout(request: Request) -> Response:
    current = session(request)
    if current is not None:
        accounts(request).end_session(current.id)
    set_session(request, None)
    return RedirectResponse("/login?signed_out=1", status_code=303)


def account_page(request: Request) -> Response:
    who = account(request)
    return render(request, "account.html", who=who)


def change_password(request: Request) -> Response:
    who = account(request)
    data = form_data(request)
    store = accounts(request)
    current, new, again = _text(data, "current"), _text(data, "new"), _text(data, "again")
    errors: dict[str, str] = {}
    if store.verify(who.name, current) is None:
        store.record_failure(who.name, str(request.scope.get("lif.address") or ""))
        errors["current"] = "This is not your current password."
    elif new != again:
        errors["again"] = "The two new passwords are not the same."
    else:
        try:
            store.set_password(who.name, new)
        except AccountError as exc:
            errors["new"] = str(exc).capitalize() + "."
    if errors:
        return render(request, "account.html", status=400, who=who, errors=errors)
    # every session of the account has ended: this browser gets a new one, still signed in
    set_session(request, store.new_session(who.name))
    ensure_session(request)
    return redirect(request, "/account", "Your password has been changed.")


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/account", account_page, methods=["GET"]),
    Route("/account", change_password, methods=["POST"]),
]
