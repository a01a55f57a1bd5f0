"""Optimistic concurrency in lif-web's forms: a form carries the version of the record it was
opened at; saving it after someone else changed the record is refused (409: who changed it,
when, their version beside yours), nothing written; never a lost update."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient
from test_forms import error_summary, form_values, history, open_form, post, record

Client = Callable[[str | None], TestClient]


def conflict_text(page: str) -> str:
    found = re.search(r'<div class="conflict".*?</table>|<div class="conflict".*?</div>', page, re.S)
    assert found, page[:3000]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))))


def test_a_stale_form_is_refused_with_both_versions(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int]
) -> None:
    ada, ed = client_for("ada"), client_for("ed")
    page_ada, hidden_ada = open_form(ada, "/r/a-child-f-1/edit")
    page_ed, hidden_ed = open_form(ed, "/r/a-child-f-1/edit")
    assert hidden_ada["version"] == hidden_ed["version"]
    first = post(ed, "/r/a-child-f-1/edit", {**form_values(page_ed), **hidden_ed, "due": "2019-02-28"})
    assert first.status_code == 303, error_summary(first.text)
    count = history_count(web_board)
    second = post(ada, "/r/a-child-f-1/edit", {**form_values(page_ada), **hidden_ada, "due": "2019-04-30"})
    assert second.status_code == 409
    assert history_count(web_board) == count  # nothing written
    assert record(web_board, "a-child-f-1")["due"] == "2019-02-28"  # ed's change stands
    said = conflict_text(second.text)
    assert "ed changed this record at" in said and "after you opened it" in said
    assert "Due 2019-02-28 2019-04-30" in said  # theirs beside yours
    # the form comes back with ada's values on ed's version: saving it now is a knowing choice
    again = form_values(second.text)
    assert again["due"] == "2019-04-30"
    version = re.search(r'name="version" value="(\d+)"', second.text)
    assert version and int(version.group(1)) == history(web_board, "a-child-f-1")[-1].seq
    token = re.search(r'name="csrf_token" value="([^"]+)"', second.text)
    assert token
    third = post(ada, "/r/a-child-f-1/edit", {**again, "version": version.group(1), "csrf_token": token.group(1)})
    assert third.status_code == 303, error_summary(third.text)
    assert record(web_board, "a-child-f-1")["due"] == "2019-04-30"
    assert [c.who for c in history(web_board, "a-child-f-1")[-2:]] == ["ed", "ada"]


def test_status_stage_and_value_forms_are_versioned_too(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int]
) -> None:
    client = client_for("ada")
    cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
        (
            "/r/a-child-f-1/status",
            {"status": "blocked", "date": "2019-01-02"},
            {"status": "completed", "date": "2019-01-03"},
        ),
        (
            "/r/rr-baby-m/stage",
            {"stage": "practitioner-involvement", "date": "2019-01-12"},
            {"stage": "analysis", "date": "2019-01-13"},
        ),
        ("/r/m-rereferrals/value", {"period": "2019-20", "value": "20"}, {"period": "2019-20", "value": "21"}),
    ]
    for url, mine, theirs in cases:
        _page, hidden = open_form(client, url)
        _page2, hidden2 = open_form(client, url)
        saved = post(client, url, {**hidden2, **theirs})
        assert saved.status_code == 303, error_summary(saved.text)
        count = history_count(web_board)
        response = post(client, url, {**hidden, **mine})
        assert response.status_code == 409, (url, error_summary(response.text))
        assert history_count(web_board) == count, url
        said = conflict_text(response.text)
        assert "ada changed this record" in said, said
    assert record(web_board, "a-child-f-1")["status"] == "completed"
    assert record(web_board, "rr-baby-m")["stage"] == "analysis"
    assert {"period": "2019-20", "value": 21.0} in record(web_board, "m-rereferrals")["values"]


def test_two_people_saving_one_action_at_once_one_wins(web_board: Path, client_for: Client) -> None:
    """Several clients, each with the form opened at the same version, save at the same moment
    (threads): exactly one is saved, the others get 409, and the history holds exactly the one
    change, which is the record's state: no lost update."""
    names = ["ada", "ed", "ada", "ed"]
    clients = [client_for(name) for name in names]
    opened = [open_form(client, "/r/a-child-f-1/status") for client in clients]
    before = len(history(web_board, "a-child-f-1"))
    results: list[Any] = [None] * len(clients)
    start = threading.Barrier(len(clients))

    def save(i: int) -> None:
        start.wait()
        results[i] = post(
            clients[i],
            "/r/a-child-f-1/status",
            {**opened[i][1], "status": "blocked", "date": "2019-01-02", "note": f"client {i}"},
        )

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(r.status_code for r in results)
    assert codes == [303] + [409] * (len(clients) - 1), codes
    changes = history(web_board, "a-child-f-1")
    assert len(changes) == before + 1
    winner = next(i for i, r in enumerate(results) if r.status_code == 303)
    assert changes[-1].who == names[winner] and changes[-1].note == f"client {winner}"
    assert record(web_board, "a-child-f-1")["status_log"][-1]["note"] == f"client {winner}"


def test_two_agencies_fill_in_their_section_11_returns_at_once(web_board: Path, client_for: Client) -> None:
    """Returns are versioned one by one: two agencies saving their own returns of one audit
    opened at the same version both succeed; two people saving one agency's return conflict."""
    ed, eve, ada = client_for("ed"), client_for("eve"), client_for("ada")
    page_ed, hidden_ed = open_form(ed, "/r/s11-2017-20/s11/met-police")
    page_eve, hidden_eve = open_form(eve, "/r/s11-2017-20/s11/lbc-childrens-services")
    page_ada, hidden_ada = open_form(ada, "/r/s11-2017-20/s11/met-police")
    assert hidden_ed["version"] == hidden_eve["version"]
    r1 = post(ed, "/r/s11-2017-20/s11/met-police", {**form_values(page_ed), **hidden_ed, "submitted": "2021-01-01"})
    assert r1.status_code == 303, error_summary(r1.text)
    r2 = post(
        eve,
        "/r/s11-2017-20/s11/lbc-childrens-services",
        {**form_values(page_eve), **hidden_eve, "submitted": "2021-01-02", "scores[0].self_assessed": "amber"},
    )
    assert r2.status_code == 303, error_summary(r2.text)
    returns = {r["partner"]: r for r in record(web_board, "s11-2017-20")["returns"]}
    assert returns["met-police"]["submitted"] == "2021-01-01"
    assert returns["lbc-childrens-services"]["submitted"] == "2021-01-02"
    r3 = post(ada, "/r/s11-2017-20/s11/met-police", {**form_values(page_ada), **hidden_ada, "submitted": "2021-03-03"})
    assert r3.status_code == 409
    said = conflict_text(r3.text)
    assert "ed changed this record" in said and "Submitted 2021-01-01 2021-03-03" in said
    assert {r["partner"]: r for r in record(web_board, "s11-2017-20")["returns"]}["met-police"][
        "submitted"
    ] == "2021-01-01"


def test_a_record_deleted_meanwhile(web_board: Path, client_for: Client, history_count: Callable[[Path], int]) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, "/new/actions")
    assert post(client, "/new/actions", {**hidden, "id": "a-gone", "text": "Short-lived"}).status_code == 303
    page, hidden = open_form(client, "/r/a-gone/edit")
    from lif_core import Plugins
    from lif_core.commands import open_register

    with open_register(web_board, Plugins.create(), who="someone") as reg:
        reg.delete("a-gone")
    count = history_count(web_board)
    response = post(client, "/r/a-gone/edit", {**form_values(page), **hidden, "text": "Changed"})
    assert response.status_code in (404, 409)
    assert history_count(web_board) == count


def test_another_agencys_return_saved_in_the_middle_of_a_save(
    web_board: Path, client_for: Client, monkeypatch: Any
) -> None:
    """The role check compares the record as stored with the record as it was inside the same
    transaction: another agency's return saved between reading the audit and writing it is not
    taken for a change to someone else's return (no 403), and is kept."""
    from lif_web import forms

    ed, eve = client_for("ed"), client_for("eve")
    page_ed, hidden_ed = open_form(ed, "/r/s11-2017-20/s11/met-police")
    page_eve, hidden_eve = open_form(eve, "/r/s11-2017-20/s11/lbc-childrens-services")
    real_read = forms._read
    seen: dict[str, Any] = {}

    def read_then_eve_saves(request: Any, record_id: str) -> Any:
        result = real_read(request, record_id)
        if request.method == "POST" and "met-police" in request.url.path and not seen:
            seen["done"] = True
            saved = post(
                eve,
                "/r/s11-2017-20/s11/lbc-childrens-services",
                {**form_values(page_eve), **hidden_eve, "submitted": "2021-02-02"},
            )
            assert saved.status_code == 303, error_summary(saved.text)
        return result

    monkeypatch.setattr(forms, "_read", read_then_eve_saves)
    response = post(
        ed, "/r/s11-2017-20/s11/met-police", {**form_values(page_ed), **hidden_ed, "submitted": "2021-01-01"}
    )
    assert seen and response.status_code == 303, error_summary(response.text)
    returns = {r["partner"]: r for r in record(web_board, "s11-2017-20")["returns"]}
    assert returns["met-police"]["submitted"] == "2021-01-01"
    assert returns["lbc-childrens-services"]["submitted"] == "2021-02-02"
