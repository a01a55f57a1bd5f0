"""The role matrix: what each account may change (web.can_change), and over HTTP that a refused
POST is a 403 that changes nothing in the register (its history count stays as it was)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ED_AGENCY, EVE_AGENCY, csrf_token
from lif_web.accounts import Account
from lif_web.web import can_change
from starlette.testclient import TestClient

from lif_core import LoadedBoard, Plugins, open_board
from lif_core.commands import open_register

Client = Callable[[str | None], TestClient]

ADA = Account(name="ada", display="Ada", role="admin")
RITA = Account(name="rita", display="Rita", role="reader")
ED = Account(name="ed", display="Ed", role="editor", partner=ED_AGENCY)  # met-police
EVE = Account(name="eve", display="Eve", role="editor", partner=EVE_AGENCY)  # lbc-childrens-services
ED_ACTION = "a-child-f-1"  # owner met-police
EVE_ACTION = "a-thresholds-workshops"  # owner lbc-childrens-services
S11 = "s11-2017-20"  # returns from croydon-health-services and met-police


@pytest.fixture
def loaded(web_board: Path, web_plugins: Plugins) -> LoadedBoard:
    return open_board(web_board, web_plugins)


@pytest.fixture
def record(web_board: Path, web_plugins: Plugins) -> Iterator[Callable[[str], dict[str, Any]]]:
    with open_register(web_board, web_plugins, write=False) as reg:

        def get(record_id: str) -> dict[str, Any]:
            return dict(reg.get(record_id)[1])

        yield get


def _version(board: Path, plugins: Plugins, record_id: str) -> int:
    with open_register(board, plugins, write=False) as reg:
        return int(reg.version(record_id))


def _state(board: Path, plugins: Plugins, record_id: str) -> tuple[int, dict[str, Any]]:
    with open_register(board, plugins, write=False) as reg:
        return int(reg.count_changes()), dict(reg.get(record_id)[1])


# --------------------------------------------------------------------------- the matrix


def test_admin_changes_anything_reader_nothing(loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]) -> None:
    for collection, record_id in [("actions", ED_ACTION), ("reviews", "scr-child-f"), ("section11_audits", S11)]:
        item = record(record_id)
        assert can_change(ADA, collection, item, loaded, before=item)
        assert not can_change(RITA, collection, item, loaded, before=item)
        assert not can_change(RITA, collection, item, loaded)
    assert can_change(ADA, "reviews", {"id": "new-review"}, loaded)
    assert not can_change(RITA, "actions", {"id": "a-new", "owner": None}, loaded)


def test_a_disabled_account_changes_nothing(loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]) -> None:
    item = record(ED_ACTION)
    assert not can_change(Account(name="x", display="x", role="admin", disabled=True), "actions", item, loaded)


def test_editor_changes_its_own_agencys_actions_only(
    loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]
) -> None:
    mine, theirs = record(ED_ACTION), record(EVE_ACTION)
    assert can_change(ED, "actions", mine, loaded, before=mine)
    assert can_change(ED, "actions", {**mine, "text": "changed"}, loaded, before=mine)
    assert not can_change(ED, "actions", theirs, loaded, before=theirs)
    assert not can_change(ED, "actions", {**theirs, "owner": ED_AGENCY}, loaded, before=theirs)  # taking it
    assert not can_change(ED, "actions", {**mine, "owner": EVE_AGENCY}, loaded, before=mine)  # giving it away
    assert can_change(EVE, "actions", theirs, loaded, before=theirs)
    # new records: only its own
    assert can_change(ED, "actions", {"id": "a-new", "owner": ED_AGENCY}, loaded)
    assert not can_change(ED, "actions", {"id": "a-new", "owner": EVE_AGENCY}, loaded)
    assert not can_change(ED, "actions", {"id": "a-new"}, loaded)
    # no other kind of record
    for collection, record_id in [
        ("reviews", "scr-child-f"),
        ("recommendations", "r-child-f-1"),
        ("findings", "f-child-f-1"),
    ]:
        item = record(record_id)
        assert not can_change(ED, collection, item, loaded, before=item)
    assert not can_change(ED, "reviews", {"id": "new-review"}, loaded)
    assert not can_change(Account(name="x", display="x", role="editor"), "actions", mine, loaded, before=mine)


def test_editor_and_evidence(loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]) -> None:
    own = {"id": "e-new", "title": "t", "source": ED_AGENCY, "supports": ["r-child-f-1"]}
    assert can_change(ED, "evidence", own, loaded)
    assert not can_change(EVE, "evidence", own, loaded)
    # without a source: where everything it supports is the editor's own actions
    unsourced = {"id": "e-new", "title": "t", "supports": [ED_ACTION]}
    assert can_change(ED, "evidence", unsourced, loaded)
    assert not can_change(EVE, "evidence", unsourced, loaded)
    assert not can_change(ED, "evidence", {**unsourced, "supports": [ED_ACTION, EVE_ACTION]}, loaded)
    assert not can_change(ED, "evidence", {**unsourced, "supports": [ED_ACTION, "r-child-f-1"]}, loaded)
    assert not can_change(ED, "evidence", {**unsourced, "supports": []}, loaded)
    existing = record("e-dataset-q4")  # source qapp
    assert not can_change(ED, "evidence", existing, loaded, before=existing)
    assert not can_change(ED, "evidence", {**existing, "source": ED_AGENCY}, loaded, before=existing)


def test_editor_and_planned_audits_and_measures(loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]) -> None:
    police = record("pa-police-missing")
    assert can_change(ED, "planned_audits", police, loaded, before=police)
    assert not can_change(EVE, "planned_audits", police, loaded, before=police)
    assert not can_change(ED, "planned_audits", {**police, "partner": EVE_AGENCY}, loaded, before=police)
    measure = {"id": "m-x", "owner": ED_AGENCY, "values": []}
    assert can_change(ED, "measures", {**measure, "values": [{"period": "2019", "value": 1}]}, loaded, before=measure)
    assert not can_change(EVE, "measures", measure, loaded, before=measure)


def test_editor_fills_in_only_its_own_section11_return(
    loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]
) -> None:
    audit = record(S11)
    partners = [r["partner"] for r in audit["returns"]]
    assert ED_AGENCY in partners and "croydon-health-services" in partners
    assert can_change(ED, "section11_audits", audit, loaded)  # the edit page may be offered

    def with_return(before: dict[str, Any], partner: str, submitted: str) -> dict[str, Any]:
        returns = [dict(r, submitted=submitted) if r["partner"] == partner else r for r in before["returns"]]
        return {**before, "returns": returns}

    assert can_change(ED, "section11_audits", with_return(audit, ED_AGENCY, "2018-02-01"), loaded, before=audit)
    assert not can_change(
        ED, "section11_audits", with_return(audit, "croydon-health-services", "2018-02-01"), loaded, before=audit
    )
    assert not can_change(ED, "section11_audits", {**audit, "cycle": "changed"}, loaded, before=audit)
    # its own new return is its own; another agency's is not
    added = {**audit, "returns": [*audit["returns"], {"partner": EVE_AGENCY, "scores": []}]}
    assert can_change(EVE, "section11_audits", added, loaded, before=audit)
    assert not can_change(ED, "section11_audits", added, loaded, before=audit)
    removed = {**audit, "returns": [r for r in audit["returns"] if r["partner"] != "croydon-health-services"]}
    assert not can_change(ED, "section11_audits", removed, loaded, before=audit)
    assert not can_change(ED, "section11_audits", {"id": "s11-new", "cycle": "x"}, loaded)  # a new audit is the board's


def test_editor_evaluates_only_courses_it_provides(
    loaded: LoadedBoard, record: Callable[[str], dict[str, Any]]
) -> None:
    course = record("course-cse")  # provided by vac
    vac = Account(name="v", display="v", role="editor", partner="vac")
    evaluation = {"stage": "immediate", "date": "2019-01-10", "respondents": 5}
    changed = {**course, "evaluations": [*course.get("evaluations", []), evaluation]}
    assert can_change(vac, "courses", course, loaded)
    assert can_change(vac, "courses", changed, loaded, before=course)
    assert not can_change(vac, "courses", {**changed, "places": 999}, loaded, before=course)
    assert not can_change(ED, "courses", changed, loaded, before=course)
    assert not can_change(ED, "courses", course, loaded)


# --------------------------------------------------------------------------- over HTTP


def _status_form(client: TestClient, board: Path, plugins: Plugins, record_id: str) -> dict[str, str]:
    return {
        "status": "completed",
        "date": "2019-02-01",
        "note": "done",
        "version": str(_version(board, plugins, record_id)),
        "csrf_token": csrf_token(client),
    }


@pytest.mark.parametrize(("name", "record_id"), [("ed", EVE_ACTION), ("eve", ED_ACTION), ("rita", ED_ACTION)])
def test_a_post_to_another_agencys_action_is_refused_and_changes_nothing(
    client_for: Client, web_board: Path, web_plugins: Plugins, name: str, record_id: str
) -> None:
    client = client_for(name)
    before = _state(web_board, web_plugins, record_id)
    response = client.post(f"/r/{record_id}/status", data=_status_form(client, web_board, web_plugins, record_id))
    assert response.status_code == 403, response.text
    edit = {
        "text": "taken over",
        "owner": EVE_AGENCY if name == "eve" else ED_AGENCY,
        "version": str(_version(web_board, web_plugins, record_id)),
    }
    response = client.post(f"/r/{record_id}/edit", data={**edit, "csrf_token": csrf_token(client)})
    assert response.status_code == 403, response.text
    assert _state(web_board, web_plugins, record_id) == before


@pytest.mark.parametrize("name", ["ed", "ada"])
def test_the_owner_and_the_administrator_may(
    client_for: Client, web_board: Path, web_plugins: Plugins, name: str
) -> None:
    client = client_for(name)
    count, _ = _state(web_board, web_plugins, ED_ACTION)
    response = client.post(
        f"/r/{ED_ACTION}/status", data=_status_form(client, web_board, web_plugins, ED_ACTION), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    after, action = _state(web_board, web_plugins, ED_ACTION)
    assert after == count + 1 and action["status"] == "completed"
    with open_register(web_board, web_plugins, write=False) as reg:
        assert reg.history(ED_ACTION)[-1].who == name


def test_an_editor_cannot_give_its_action_away(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    client = client_for("ed")
    before = _state(web_board, web_plugins, ED_ACTION)
    page = client.get(f"/r/{ED_ACTION}/edit")
    assert page.status_code == 200
    response = client.post(
        f"/r/{ED_ACTION}/edit",
        data={
            "owner": EVE_AGENCY,
            "version": str(_version(web_board, web_plugins, ED_ACTION)),
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code in (400, 403), response.text
    assert _state(web_board, web_plugins, ED_ACTION) == before


def test_an_editor_adds_only_its_own_records(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    client = client_for("ed")
    before = _state(web_board, web_plugins, ED_ACTION)[0]
    data = {
        "id": "a-web-new",
        "recommendation": "r-child-f-1",
        "text": "An action for another agency",
        "owner": EVE_AGENCY,
        "csrf_token": csrf_token(client),
    }
    assert client.post("/new/actions", data=data).status_code == 403
    assert client.post("/new/reviews", data={"id": "rr-x", "csrf_token": csrf_token(client)}).status_code == 403
    assert _state(web_board, web_plugins, ED_ACTION)[0] == before


def test_an_editor_cannot_fill_in_another_agencys_section11_return(
    client_for: Client, web_board: Path, web_plugins: Plugins
) -> None:
    client = client_for("ed")
    before = _state(web_board, web_plugins, S11)
    response = client.post(
        f"/r/{S11}/s11/croydon-health-services",
        data={
            "submitted": "2019-01-01",
            "version": str(_version(web_board, web_plugins, S11)),
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 403, response.text
    assert _state(web_board, web_plugins, S11) == before


def test_a_reader_writes_nothing_anywhere(client_for: Client, web_board: Path, web_plugins: Plugins) -> None:
    client = client_for("rita")
    before = _state(web_board, web_plugins, ED_ACTION)[0]
    token = csrf_token(client)
    for path in [
        "/new/actions",
        "/new/reviews",
        f"/r/{ED_ACTION}/edit",
        "/r/scr-child-f/stage",
        f"/r/{S11}/s11/{ED_AGENCY}",
    ]:
        response = client.post(path, data={"csrf_token": token, "id": "x", "version": "1"})
        assert response.status_code == 403, (path, response.status_code)
    assert _state(web_board, web_plugins, ED_ACTION)[0] == before


# --------------------------------------------------------------------------- the board each request sees


def test_each_worker_sees_every_write_at_once(web_board: Path, web_plugins: Plugins) -> None:
    """Two apps on one board (two workers): a write through either, or through `lif`, is in the
    board the other's next request loads (its cache is never stale)."""
    from lif_web.app import create_app
    from lif_web.config import WebConfig
    from lif_web.web import loaded_board
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    def probe(request: Request) -> PlainTextResponse:
        action = next(a for a in loaded_board(request).board.actions if a.id == ED_ACTION)
        return PlainTextResponse(f"{action.status}|{action.text}")

    apps = [create_app(web_board, WebConfig(), web_plugins) for _ in range(2)]
    clients = []
    for app in apps:
        app.router.routes.insert(0, Route("/probe", probe))
        client = TestClient(app, base_url="https://testserver")
        from conftest import sign_in

        sign_in(client, "ada")
        clients.append(client)
    first, second = clients
    assert first.get("/probe").text == second.get("/probe").text
    cache = apps[0].state.board_cache
    kept = cache.current(web_plugins)[0]
    assert cache.current(web_plugins)[0] is kept  # nothing changed: the board is not loaded again
    for i in range(5):  # quick writes, each seen by both at once
        writer, reader = (first, second) if i % 2 == 0 else (second, first)
        response = writer.post(
            f"/r/{ED_ACTION}/edit",
            data={
                "text": f"version {i}",
                "version": str(_version(web_board, web_plugins, ED_ACTION)),
                "csrf_token": csrf_token(writer),
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert reader.get("/probe").text.endswith(f"|version {i}")
        assert writer.get("/probe").text.endswith(f"|version {i}")
    with open_register(web_board, web_plugins, who="cli") as reg:  # as `lif update` would
        reg.update(ED_ACTION, {"text": "from the command line"})
    assert first.get("/probe").text.endswith("|from the command line")
    assert second.get("/probe").text.endswith("|from the command line")


def test_a_store_other_than_sqlite_is_checked_by_its_last_change(
    web_board: Path, web_plugins: Plugins, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the register is not a SQLite file lif-web can ask, the cache asks the register
    for its latest change (Register.last_change) instead."""
    import sqlite3

    import lif_web.web
    from lif_web.web import _BoardCache, check_board

    def refuse(*args: object, **kwargs: object) -> sqlite3.Connection:
        raise sqlite3.OperationalError("not a SQLite store")

    import types

    stub = types.SimpleNamespace(connect=refuse, Error=sqlite3.Error, Connection=sqlite3.Connection)
    monkeypatch.setattr(lif_web.web, "sqlite3", stub)  # only lif-web's own look at the file fails
    cache = _BoardCache(web_board)
    cache.fill(check_board(web_board, web_plugins), web_plugins)
    loaded, _ = cache.current(web_plugins)
    assert cache.key is not None and cache.key[1] > 0  # the seq of the latest change
    with open_register(web_board, web_plugins, who="cli") as reg:
        reg.update(ED_ACTION, {"text": "changed elsewhere"})
    now, _ = cache.current(web_plugins)
    assert now is not loaded
    assert next(a for a in now.board.actions if a.id == ED_ACTION).text == "changed elsewhere"
