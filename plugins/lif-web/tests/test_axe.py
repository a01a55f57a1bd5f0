"""axe-core's rules on every main page of ``lif serve``, in Debian's chromium, at a desktop
width (1280 px) and a narrow one (360 px): the sign-in page, the dashboard, each list, a record
page of each kind, each form the pages link to, search, the report page, the account page and
an error page. 0 violations. axe.min.js comes from the axe-playwright-python wheel (no network);
it is added to each page with the page's own Content-Security-Policy bypassed for that (the
policy forbids scripts other than the site's own, as it should). The ``browser`` and
``server`` fixtures are conftest.py's. Skipped only where chromium is not installed, and failed
instead in a CI run (``CI`` set; .ci/run installs chromium)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from lif_web.testing import Server
from test_browser import sign_in

from lif_core import REGISTER_COLLECTIONS
from lif_core.commands import open_register
from lif_core.testing import axe_report, axe_violations, make_plugins

WIDTHS = (1280, 360)
#: Paths of pages that change something: the forms (links to them, found on the pages).
FORM = re.compile(r"^/(new/[a-z0-9_]+|r/[^/]+/(edit|stage|status|value|attach|s11/[^/]+))$")


def _links(page: Any) -> list[str]:
    hrefs: list[str] = page.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))")
    return [
        urlsplit(h).path + (f"?{urlsplit(h).query}" if urlsplit(h).query else "") for h in hrefs if h.startswith("/")
    ]


@pytest.fixture(scope="module")
def pages(browser: Any, server: Server) -> dict[str, str]:
    """Every main page: name -> path, found by following the site's own links from the
    dashboard (lists, record pages of each kind, the forms they link to)."""
    found: dict[str, str] = {"sign-in": "/login"}
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server.base, "ada")
        found["dashboard"] = "/"
        found["account"] = "/account"
        found["search"] = "/search?q=child"
        found["report"] = "/report"
        found["not found"] = "/r/no-such-record"
        lists = [
            p for p in _links(page) if re.fullmatch(r"/[a-z0-9_-]+", p) and p not in ("/search", "/report", "/account")
        ]
        with open_register(server.board, make_plugins(), write=False) as register:
            first = {}
            for collection in REGISTER_COLLECTIONS:
                records = register.records(collection)
                if records:
                    first[collection] = records[0][1]["id"]
        for path in lists:
            found[f"list {path}"] = path
        for collection, record in first.items():
            found[f"record ({collection})"] = f"/r/{record}"
        records = [f"/r/{r}" for r in first.values()]
        for path in lists:
            page.goto(server.base + path)
            records += [link for link in _links(page) if re.fullmatch(r"/r/[^/]+", link)][:5]
        for path in [*lists, *dict.fromkeys(records)]:
            page.goto(server.base + path)
            for link in _links(page):
                if FORM.match(link):
                    kind = re.sub(r"^/r/[^/]+/", "/r/ID/", link)
                    kind = re.sub(r"/s11/[^/]+$", "/s11/PARTNER", kind)
                    found.setdefault(f"form {kind}", link)
    finally:
        context.close()
    return found


def test_the_pages_found_cover_the_site(pages: dict[str, str]) -> None:
    names = set(pages)
    assert sum(1 for n in names if n.startswith("list ")) >= 5, sorted(names)
    for kind in ("reviews", "recommendations", "actions", "evidence"):
        assert f"record ({kind})" in names, sorted(names)
    for form in ("/r/ID/edit", "/r/ID/status", "/r/ID/stage"):
        assert f"form {form}" in names, sorted(names)
    assert any(n.startswith("form /new/") for n in names), sorted(names)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_axe_violations_on_any_page(browser: Any, server: Server, pages: dict[str, str], width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    report: list[str] = []
    try:
        sign_in(page, server.base, "ada")
        for name, path in sorted(pages.items()):
            if name == "sign-in":
                continue  # signed out: below
            page.goto(server.base + path)
            violations = axe_violations(page)
            if violations:
                report.append(f"{name} ({path}) at {width} px:\n{axe_report(violations, indent='  ')}")
        signed_out = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        try:
            login = signed_out.new_page()
            login.goto(server.base + "/login")
            violations = axe_violations(login)
            if violations:
                report.append(f"sign-in (/login) at {width} px:\n{axe_report(violations, indent='  ')}")
        finally:
            signed_out.close()
    finally:
        context.close()
    assert not report, f"{len(report)} page(s) with axe violations:\n" + "\n".join(report)


def test_at_a_narrow_width_every_page_fits_keeps_its_policy_and_stays_on_the_site(
    browser: Any,
    server: Server,
    pages: dict[str, str],
) -> None:
    """Reflow (WCAG 1.4.10): at 360 px each page scrolls down, not sideways (a wide table may
    scroll inside its own box). With the Content-Security-Policy enforced (no bypass here): no
    console error (a style or script the policy blocks shows as one), no script error, and no
    request to anywhere but the site itself (no CDN, no network)."""
    context = browser.new_context(viewport={"width": 360, "height": 800})
    page = context.new_page()
    console: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda m: console.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"{page.url}: {e}"))
    page.on("request", lambda r: None if r.url.startswith((server.base, "data:")) else foreign.append(r.url))
    wide = []
    try:
        sign_in(page, server.base, "ada")
        for name, path in sorted(pages.items()):
            page.goto(server.base + path)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > 361:
                wide.append(f"{name} ({path}): {width} px")
    finally:
        context.close()
    # the error page answers 404 on purpose: the browser notes that status as a console error
    console = [c for c in console if "404" not in c or "/r/no-such-record" not in c]
    assert not wide, "wider than 360 px:\n" + "\n".join(wide)
    assert not console, "\n".join(console)
    assert not foreign, foreign
