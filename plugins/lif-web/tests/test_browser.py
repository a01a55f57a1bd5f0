"""The register kept through a real browser: Debian's chromium driven by Playwright (which
downloads no browser here) against ``lif serve`` running as its own process on a copy of the
Croydon board with accounts made by ``lif users add``. Signed in as the board's administrator:
record a rapid review, move it through two stages, add a recommendation from it and an action
for it, complete the action with a note, add evidence with an attached file, then see all of
it in the records' stories (their history in words) and in the next impact report, downloaded.
The ``browser`` and ``server`` fixtures are conftest.py's. Skipped only where chromium is not
installed, and failed instead in a CI run (``CI`` set; .ci/run installs chromium)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lif_web.testing import Server
from test_serve_process import ACCOUNTS

from lif_core.commands import open_register
from lif_core.testing import make_plugins

TODAY = dt.date.today()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


def sign_in(page: Any, base: str, name: str) -> None:
    """Sign in through the form, by its labels."""
    page.goto(base + "/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(ACCOUNTS[name][2])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")


def submit(page: Any) -> None:
    """Send the page's form (its submit button) and wait for the page that answers."""
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()


def tick(page: Any, name: str, value: str) -> None:
    """Tick a checkbox of a many-choice field, opening its fold (a <details>) first as a person
    would."""
    box = page.locator(f"input[name='{name}'][value='{value}']")
    if not box.is_visible():
        page.locator(f"details:has(input[name='{name}']) > summary").first.click()
    box.check()


def problems_on(page: Any) -> str:
    """The error messages a form page shows, for an assertion's message."""
    return str(page.locator("main").inner_text())[:2000]


def test_a_rapid_review_through_to_completed_action_with_evidence(browser: Any, server: Server, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    page.on("console", lambda m: failures.append(m.text) if m.type == "error" else None)
    base = server.base
    context.set_default_timeout(15_000)
    try:
        sign_in(page, base, "ada")

        # a rapid review, notified and gathered
        page.goto(base + "/new/reviews")
        page.get_by_label("Identifier").fill("rr-child-z")
        page.get_by_label("Title").fill("Child Z (browser test)")
        page.locator("select[name=kind]").select_option("rapid-review")
        page.locator("input[name='dates.incident'], input[name=incident]").first.fill(day(-30))
        submit(page)
        assert page.url == base + "/r/rr-child-z", problems_on(page)

        for stage, when in (("information-gathering", day(-20)), ("analysis", day(-10))):
            page.goto(base + "/r/rr-child-z/stage")
            page.get_by_label("Next stage").select_option(stage)
            page.get_by_label("Date").fill(when)
            page.get_by_label("Note").fill(f"moved to {stage} in the browser")
            submit(page)
            assert page.url == base + "/r/rr-child-z", problems_on(page)

        # a recommendation from it, and an action for it
        page.goto(base + "/new/recommendations")
        page.get_by_label("Identifier").fill("r-child-z-1")
        page.get_by_label("Text").fill("Share the learning about night-time referrals with every agency.")
        page.locator("select[name=source]").select_option("rr-child-z")
        page.locator("select[name=kind]").select_option(index=1)
        tick(page, "owners", "qapp")
        if page.locator("input[name=made]").count():
            page.locator("input[name=made]").fill(day(-9))
        submit(page)
        assert page.url == base + "/r/r-child-z-1", problems_on(page)

        page.goto(base + "/new/actions")
        page.get_by_label("Identifier").fill("a-child-z-1")
        page.get_by_label("Text").fill("Brief every night-shift team on the referral route.")
        page.locator("select[name=recommendation]").select_option("r-child-z-1")
        page.locator("select[name=owner]").select_option("qapp")
        page.locator("input[name=due]").fill(day(20))
        submit(page)
        assert page.url == base + "/r/a-child-z-1", problems_on(page)

        page.goto(base + "/r/a-child-z-1/status")
        page.get_by_label("Status").select_option("completed")
        page.get_by_label("Date").fill(day(-1))
        page.get_by_label("Note").fill("All six night-shift teams briefed")
        submit(page)
        assert page.url == base + "/r/a-child-z-1", problems_on(page)

        # evidence of it, with a file attached
        page.goto(base + "/new/evidence")
        page.get_by_label("Identifier").fill("e-child-z-1")
        page.get_by_label("Title").fill("Night-shift briefing register")
        page.locator("select[name=kind]").select_option(index=1)
        page.locator("input[name=date]").fill(day(-1))
        tick(page, "supports", "a-child-z-1")
        tick(page, "supports", "r-child-z-1")
        submit(page)
        assert page.url == base + "/r/e-child-z-1", problems_on(page)

        attachment = tmp_path / "briefing register.csv"
        attachment.write_text("team,briefed\nnight A,yes\nnight B,yes\n", encoding="utf-8")
        page.goto(base + "/r/e-child-z-1/attach")
        page.locator("input[type=file]").set_input_files(str(attachment))
        submit(page)
        assert page.url == base + "/r/e-child-z-1", problems_on(page)

        # the stories: history in words, naming who did it
        page.goto(base + "/r/rr-child-z")
        story = page.locator("main").inner_text()
        assert "moved to information-gathering in the browser" in story
        assert "Analysis" in story or "analysis" in story
        assert "ada" in story
        assert '{"' not in story  # words, not JSON

        page.goto(base + "/r/a-child-z-1")
        story = page.locator("main").inner_text()
        assert "All six night-shift teams briefed" in story
        assert "ompleted" in story
        assert "Night-shift briefing register" in story  # its evidence, linked

        # the next report, as at today, downloaded
        page.goto(base + "/report")
        page.locator("input[name=as_of]").fill(TODAY.isoformat())
        page.locator("select[name=format]").select_option("markdown")
        with page.expect_download() as download_info:
            page.locator("main form [type=submit]").last.click()
        report = Path(download_info.value.path()).read_text(encoding="utf-8")
        review_row = next(line for line in report.splitlines() if line.startswith("| Child Z (browser test) |"))
        assert "| Rapid review |" in review_row and "| Analysis |" in review_row  # its stage now
        row = next(line for line in report.splitlines() if "Share the learning about night-time referrals" in line)
        # from the review; its action done (done, open, overdue: 1, 0, 0); the evidence counted
        assert "| Child Z (browser test) |" in row and "| 1 | 0 | 0 | 1 (weak) |" in row, row

        page.goto(base + "/r/e-child-z-1")
        link = page.get_by_role("link", name="briefing register.csv")
        with page.expect_download() as download_info:
            link.click()
        download = download_info.value
        assert Path(download.path()).read_bytes() == attachment.read_bytes()
        assert failures == []
    except Exception:
        page.screenshot(path=str(tmp_path / "failed.png"), full_page=True)
        print(f"at {page.url}:\n{problems_on(page)}\n(screenshot: {tmp_path / 'failed.png'})")
        raise
    finally:
        context.close()

    # the register has it all, every change under the signed-in account
    with open_register(server.board, make_plugins(), write=False) as register:
        for record in ("rr-child-z", "r-child-z-1", "a-child-z-1", "e-child-z-1"):
            changes = register.history(record)
            assert changes and {c.who for c in changes} == {"ada"}, record
        _, action = register.get("a-child-z-1")
        assert action["status"] == "completed"
        _, evidence = register.get("e-child-z-1")
        assert [a["name"] for a in evidence.get("attachments", [])] == ["briefing register.csv"]


def test_a_reader_sees_no_way_to_change_anything(browser: Any, server: Server) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, server.base, "rita")
        page.goto(server.base + "/r/a-audit-programme")
        assert page.get_by_role("link", name="Change status").count() == 0
        assert page.get_by_role("link", name="Edit").count() == 0
        answer = page.goto(server.base + "/r/a-audit-programme/status")
        assert answer is not None and answer.status == 403
    finally:
        context.close()


def test_javascript_off_still_works(browser: Any, server: Server) -> None:
    """Server-rendered: signing in and changing a status need no script."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, server.base, "ada")
        page.goto(server.base + "/r/a-dataset/status")
        page.get_by_label("Status").select_option("in-progress")
        page.get_by_label("Date").fill(day(0))
        page.get_by_label("Note").fill("no script needed")
        submit(page)
        assert page.url == server.base + "/r/a-dataset"
        assert "no script needed" in page.locator("main").inner_text()
    finally:
        context.close()


def test_two_people_editing_one_action_get_a_conflict_not_a_lost_update(browser: Any, server: Server) -> None:
    """Two browsers (one account signed in twice) open the status form of one action; one saves
    first; the other's save is refused (409) showing what changed, and nothing of it is written."""
    first, second = browser.new_context(), browser.new_context()
    try:
        mine, theirs = first.new_page(), second.new_page()
        sign_in(mine, server.base, "ada")
        sign_in(theirs, server.base, "ada")
        for page in (mine, theirs):
            page.goto(server.base + "/r/a-thresholds-workshops/status")
        mine.get_by_label("Status").select_option("in-progress")
        mine.get_by_label("Note").fill("first workshop booked")
        submit(mine)
        assert mine.url == server.base + "/r/a-thresholds-workshops"
        theirs.get_by_label("Status").select_option("blocked")
        theirs.get_by_label("Note").fill("no venue")
        with theirs.expect_response(lambda r: r.request.method == "POST") as answer:
            theirs.locator("main form [type=submit]").last.click()
        assert answer.value.status == 409
        text = theirs.locator("main").inner_text()
        assert "first workshop booked" in text or "in-progress" in text.lower() or "In progress" in text
    finally:
        first.close()
        second.close()
    with open_register(server.board, make_plugins(), write=False) as register:
        notes = [c.note for c in register.history("a-thresholds-workshops")]
    assert "first workshop booked" in notes and "no venue" not in notes
