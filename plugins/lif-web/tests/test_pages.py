"""What lif-web shows: the dashboard, the lists and their filters, record pages with their
story, search (lif_web.pages), through HTTP as each role sees them."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lif_web.pages import LISTINGS, dashboard_data, search_records
from starlette.testclient import TestClient

from lif_core import LoadedBoard, Plugins, validate_board
from lif_core.commands import open_register

Client = Callable[[str | None], TestClient]
ROLES = ("ada", "ed", "rita")


def _loaded(board: Path, plugins: Plugins) -> LoadedBoard:
    result = validate_board(board, plugins)
    assert result.loaded is not None
    return result.loaded


def _text(page: str) -> str:
    """A page's text, tags removed and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _rows(page: str) -> list[str]:
    """The record ids linked from a list's table body."""
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    return re.findall(r'<td class="id">([^<]+)</td>', body)


# --------------------------------------------------------------------------- every page, every role


@pytest.mark.parametrize("name", ROLES)
def test_every_page_answers_for_every_role(
    client_for: Client, web_board: Path, web_plugins: Plugins, name: str
) -> None:
    client = client_for(name)
    paths = ["/", "/search", "/search?q=child", *(f"/{listing.slug}" for listing in LISTINGS)]
    loaded = _loaded(web_board, web_plugins)
    from lif_core import REGISTER_COLLECTIONS

    for collection in REGISTER_COLLECTIONS:
        paths += [f"/r/{record.id}" for record in loaded.board.collection(collection)[:2]]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:2000])
        assert response.text.count("<h1") == 1, path
        assert "Traceback" not in response.text


def test_pages_need_signing_in(client_for: Client) -> None:
    client = client_for(None)
    for path in ("/", "/actions", "/r/a-impact-register", "/search?q=x"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_unknown_record_is_404(client_for: Client) -> None:
    response = client_for("rita").get("/r/no-such-record")
    assert response.status_code == 404
    assert "no-such-record" in html.unescape(response.text)


# --------------------------------------------------------------------------- the dashboard


def test_dashboard_shows_what_needs_attention(client_for: Client) -> None:
    page = _text(client_for("rita").get("/").text)
    assert "As at 31 March 2019" in page  # the board's report_date, as lif overdue uses it
    assert "Overdue actions" in page
    assert "rapid review (15 working days from notification)" in page  # rr-baby-m's clock, overdue
    assert "Reviews by stage" in page
    assert "Information sharing" in page  # a recurring theme with no board-level response
    assert "Red" in page and "Green" in page


def test_dashboard_data_as_the_cli_computes_it(web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    data = dashboard_data(loaded, web_plugins, dt.date(2019, 3, 31))
    overdue = [link.href for link, _due, _owner, _status in data.overdue]
    expected = [
        f"/r/{a.id}"
        for a in sorted(loaded.board.actions, key=lambda a: (a.due or dt.date.max, a.id))
        if a.due is not None and a.due < dt.date(2019, 3, 31) and a.status.value not in ("completed", "cancelled")
    ]
    assert overdue == expected
    assert [(c.review.href, c.state) for c in data.clocks] == [("/r/rr-baby-m", "overdue")]
    assert dict(data.rag_counts) == {"red": 4, "amber": 1, "green": 1, "none": 2}
    assert sum(n for _s, _w, n in data.stages) == len(loaded.board.reviews)
    assert {label for label, _sources in data.themes} == {
        t.label for t in loaded.board.themes if t.id in ("information-sharing", "cin-3a")
    }


def test_dashboard_recent_changes_in_words(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    with open_register(web_board, web_plugins, who="ada") as register:
        register.set_status("a-impact-register", "completed", day=dt.date(2019, 4, 2), note="register live")
    page = _text(client_for("rita").get("/").text)
    assert "Ada Admin set the status from 'in progress' to 'completed' on 2 April 2019" in page


# --------------------------------------------------------------------------- lists


def test_list_counts_and_links(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    response = client_for("rita").get("/actions")
    ids = _rows(response.text)
    assert ids == [a.id for a in loaded.board.actions]
    assert f"{len(ids)} in all" in _text(response.text)
    for action_id in ids:
        assert f'href="/r/{action_id}"' in response.text


def test_list_filters_by_owner_status_priority_and_due(
    client_for: Client, web_board: Path, web_plugins: Plugins
) -> None:
    loaded = _loaded(web_board, web_plugins)
    actions = loaded.board.actions
    client = client_for("rita")
    owner = actions[0].owner
    assert owner
    ids = _rows(client.get("/actions", params={"owner": owner}).text)
    assert ids == [a.id for a in actions if a.owner == owner]
    assert 0 < len(ids) < len(actions)

    status = actions[0].status.value
    ids = _rows(client.get("/actions", params={"status": status}).text)
    assert ids == [a.id for a in actions if a.status.value == status]

    ids = _rows(client.get("/actions", params={"status": "open"}).text)
    assert ids == [a.id for a in actions if a.status.value not in ("completed", "cancelled")]

    prioritised = [a for a in actions if a.priority]
    assert prioritised
    ids = _rows(client.get("/actions", params={"priority": prioritised[0].priority}).text)
    assert ids == [a.id for a in actions if a.priority == prioritised[0].priority]

    ids = _rows(client.get("/actions", params={"before": "2019-03-31", "after": "2018-01-01"}).text)
    assert ids == [a.id for a in actions if a.due is not None and dt.date(2018, 1, 1) < a.due < dt.date(2019, 3, 31)]
    page = client.get("/actions", params={"owner": owner}).text
    assert "of 7 shown" in _text(page) or f"of {len(actions)} shown" in _text(page)


def test_list_sorts(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    client = client_for("rita")
    dated = sorted((a for a in loaded.board.actions if a.due), key=lambda a: a.due or dt.date.max)
    ids = _rows(client.get("/actions", params={"sort": "date"}).text)
    assert ids[: len(dated)] == [a.id for a in dated]
    ids = _rows(client.get("/actions", params={"sort": "id", "order": "desc"}).text)
    assert ids == sorted((a.id for a in loaded.board.actions), key=str.casefold, reverse=True)


def test_reviews_by_stage_link_filters(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    client = client_for("rita")
    assert 'href="/reviews?status=analysis"' in client.get("/").text
    ids = _rows(client.get("/reviews?status=analysis").text)
    assert ids == [r.id for r in loaded.board.reviews if r.stage == "analysis"]


def test_bad_filter_date_is_said_not_crashed(client_for: Client) -> None:
    response = client_for("rita").get("/actions", params={"before": "31/03/2019"})
    assert response.status_code == 200
    assert "is not a date" in html.unescape(response.text)


# --------------------------------------------------------------------------- record pages


def test_record_page_in_words(client_for: Client) -> None:
    page = client_for("rita").get("/r/a-impact-register").text
    text = _text(page)
    assert "30 June 2019" in text  # its due date, in words
    assert "2019-06-30" not in text
    assert 'href="/r/r-ofsted-113"' in page  # its recommendation, linked by title
    assert "Its story" in text
    assert "added the action" in text
    assert '{"' not in page and "{&#34;" not in page  # never JSON


def test_record_story_after_changes(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    with open_register(web_board, web_plugins, who="ada") as register:
        register.set_stage("lr-young-person-k", "report", day=dt.date(2019, 4, 1), note="draft in")
        register.update("a-impact-register", {"due": "2019-07-31"}, note="more time")
    text = _text(client_for("rita").get("/r/lr-young-person-k").text)
    assert "Ada Admin moved the review from 'Analysis' to 'Report' on 1 April 2019: draft in" in text
    text = _text(client_for("rita").get("/r/a-impact-register").text)
    assert "Ada Admin changed the due date from 30 June 2019 to 31 July 2019: more time" in text


def test_related_records(client_for: Client) -> None:
    page = client_for("rita").get("/r/r-ofsted-113").text
    assert "Related records" in page
    assert 'href="/r/a-impact-register"' in page  # the action implementing it


def test_buttons_only_where_the_person_may_change(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    police = next(a for a in loaded.board.actions if a.owner == "met-police")
    other = next(a for a in loaded.board.actions if a.owner != "met-police")
    assert 'href="/r/a-impact-register/edit"' in client_for("ada").get("/r/a-impact-register").text
    assert "/edit" not in client_for("rita").get(f"/r/{police.id}").text
    assert f'href="/r/{police.id}/edit"' in client_for("ed").get(f"/r/{police.id}").text
    assert f'href="/r/{police.id}/status"' in client_for("ed").get(f"/r/{police.id}").text
    assert "/edit" not in client_for("ed").get(f"/r/{other.id}").text
    assert 'href="/r/lr-young-person-k/stage"' in client_for("ada").get("/r/lr-young-person-k").text


def test_measure_page_shows_protected_scorecard(client_for: Client) -> None:
    text = _text(client_for("rita").get("/r/m-rereferrals").text)
    assert "Scorecard" in text
    assert "Green" in text


# --------------------------------------------------------------------------- search


def test_search_finds_ids_titles_and_text(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    client = client_for("rita")
    page = client.get("/search", params={"q": "A-IMPACT"}).text
    assert 'href="/r/a-impact-register"' in page
    page = client.get("/search", params={"q": "young person k"}).text
    assert 'href="/r/lr-young-person-k"' in page
    loaded = _loaded(web_board, web_plugins)
    results, matched = search_records(loaded, "strategy")
    assert matched == len(results) > 0
    assert "nothing in the register matches" in _text(client.get("/search", params={"q": "zzzz-nothing"}).text).lower()


def test_search_escapes(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    payload = '<script>alert("x")</script>'
    with open_register(web_board, web_plugins, who="ada") as register:
        register.update("a-impact-register", {"text": f"Bring {payload} together"})
    client = client_for("rita")
    for response in (
        client.get("/search", params={"q": "<script>"}),
        client.get("/search", params={"q": payload}),
        client.get("/r/a-impact-register"),
        client.get("/actions"),
        client.get("/"),
    ):
        assert response.status_code == 200
        assert "<script>" not in response.text
    page = client.get("/search", params={"q": "<script>"}).text
    assert "&lt;script&gt;" in page
    assert 'href="/r/a-impact-register"' in page


def test_board_structure_records_have_pages_without_story(client_for: Client) -> None:
    response = client_for("rita").get("/r/met-police")
    assert response.status_code == 200
    assert "Its story" not in response.text
    assert "/edit" not in response.text


def test_evidence_attachments_are_download_links(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    digest = "ab" * 32
    with open_register(web_board, web_plugins, who="ada") as register:
        evidence_id = next(i for i, c in register.ids().items() if c == "evidence")
        register.update(
            evidence_id,
            {
                "attachments": [
                    {"name": "audit &amp; review.pdf", "sha256": digest, "size": 2048, "media_type": "application/pdf"}
                ]
            },
        )
    page = client_for("rita").get(f"/r/{evidence_id}").text
    assert f'href="/attachments/{digest}"' in page
    assert "audit &amp;amp; review.pdf (2 KB)" in page


def test_section11_returns_and_their_forms_by_role(client_for: Client) -> None:
    path = "/r/s11-2017-20"
    admin = client_for("ada").get(path).text
    assert "Self-assessment cycle 2017-2020" in admin
    assert 'href="/r/s11-2017-20/s11/met-police"' in admin
    assert 'href="/r/s11-2017-20/s11/croydon-health-services"' in admin
    ed = client_for("ed").get(path).text  # met-police has a return: only its own is offered
    assert 'href="/r/s11-2017-20/s11/met-police"' in ed
    assert "/s11/croydon-health-services" not in ed
    eve = client_for("eve").get(path).text  # children's services has none yet: offered one
    assert 'href="/r/s11-2017-20/s11/lbc-childrens-services"' in eve
    assert "Fill in your agency&#39;s return" in eve
    assert "/s11/" not in client_for("rita").get(path).text
    assert "Domestic abuse notifications to schools not yet in place" in html.unescape(admin)


def test_long_lists_come_in_pages(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    with open_register(web_board, web_plugins, who="ada") as register, register.transaction():
        for n in range(105):
            register.add("actions", {"id": f"a-extra-{n:03d}", "text": f"Extra action {n}", "owner": "met-police"})
    client = client_for("rita")
    first = client.get("/actions", params={"owner": "met-police", "sort": "id"})
    ids = _rows(first.text)
    assert len(ids) == 100
    assert "1 to 100 of" in _text(first.text)
    assert 'href="?owner=met-police&amp;sort=id&amp;page=2"' in first.text
    second = _rows(client.get("/actions", params={"owner": "met-police", "sort": "id", "page": "2"}).text)
    police = [a.id for a in _loaded(web_board, web_plugins).board.actions if a.owner == "met-police"]
    assert len(police) > 105
    assert ids + second == sorted(police, key=str.casefold)
    assert _rows(client.get("/actions", params={"page": "999"}).text)  # past the end: the last page
    assert _rows(client.get("/actions", params={"page": "x"}).text)


def test_dashboard_clocks_due_soon(web_board: Path, web_plugins: Plugins) -> None:
    loaded = _loaded(web_board, web_plugins)
    # rr-baby-m's rapid review is due 25 January 2019: due soon on the 15th, not yet on the 1st
    soon = dashboard_data(loaded, web_plugins, dt.date(2019, 1, 15)).clocks
    assert [(c.review.href, c.name, c.due, c.state) for c in soon] == [
        ("/r/rr-baby-m", "rapid review (15 working days from notification)", "25 January 2019", "due soon")
    ]
    assert dashboard_data(loaded, web_plugins, dt.date(2019, 1, 1)).clocks == ()


def test_an_agency_editor_can_list_only_its_own(client_for: Client) -> None:
    page = client_for("ed").get("/actions").text
    assert 'href="/actions?owner=met-police"' in page
    assert 'href="/actions?owner=met-police"' not in client_for("rita").get("/actions").text


def test_no_child_level_row_is_ever_served(client_for: Client, web_board: Path) -> None:
    """The board's case-level data (fake children of the CIN census) never reaches a page:
    not through search, the dashboard, a measure computed from it, nor its source's page; its
    file is not served."""
    census = (web_board / "data" / "case-level" / "cin-census-2019.xml").read_text(encoding="utf-8")
    children = re.findall(r"<LAchildID>([^<]+)</LAchildID>", census)[:20]
    pupils = re.findall(r"<UPN>([^<]+)</UPN>", census)[:20]
    assert children and pupils
    client = client_for("ada")
    pages = [
        client.get(path).text
        for path in ("/", "/measures", "/r/m-rereferrals", "/r/m-repeat-cp-plans", "/r/cin-referrals")
    ]
    for page in pages:
        for identifier in children + pupils:
            assert identifier not in page
    for identifier in children[:3] + pupils[:3]:  # the page repeats what was asked, and finds nothing
        assert f"0 results for {identifier}" in _text(client.get("/search", params={"q": identifier}).text)
    for path in ("/data/case-level/cin-census-2019.xml", "/static/../data/case-level/cin-census-2019.xml"):
        response = client.get(path)
        assert response.status_code == 404
        assert "LAchildID" not in response.text


def test_a_deleted_record_keeps_its_story(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    with open_register(web_board, web_plugins, who="ada") as register:
        register.add("actions", {"id": "a-short-lived", "text": "Try something", "owner": "met-police"})
        register.delete("a-short-lived", note="agreed in error")
    response = client_for("rita").get("/r/a-short-lived")
    assert response.status_code == 404
    text = _text(response.text)
    assert "This action was deleted" in text
    assert "Ada Admin deleted the action \u201cTry something\u201d: agreed in error" in text
    assert "Ada Admin added the action \u201cTry something\u201d" in text
