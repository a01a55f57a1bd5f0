"""lif-web's forms (forms.py): each form's round trip through the register, errors beside the
field they name in the CLI's words, the role checks on every POST (403, nothing written), and
user text escaped wherever it comes back."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_web import forms
from lif_web.forms import Field, Rows, build_form, errors_by_field, parse_form
from starlette.testclient import TestClient

from lif_core import Register
from lif_core.testing import LifRunner, environment, make_plugins

Client = Callable[[str | None], TestClient]

_VERSION = re.compile(r'name="version" value="(\d+)"')
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def record(board: Path, record_id: str) -> dict[str, Any]:
    register = Register.open_read_only(board / "register.sqlite")
    try:
        return register.get(record_id)[1]
    finally:
        register.close()


def history(board: Path, record_id: str) -> list[Any]:
    register = Register.open_read_only(board / "register.sqlite")
    try:
        return register.history(record_id)
    finally:
        register.close()


def open_form(client: TestClient, url: str) -> tuple[str, dict[str, str]]:
    """The form page at ``url`` and its hidden fields (csrf_token, version)."""
    page = client.get(url)
    assert page.status_code == 200, page.text
    hidden = {"csrf_token": _TOKEN.search(page.text).group(1)}  # type: ignore[union-attr]
    version = _VERSION.search(page.text)
    if version:
        hidden["version"] = version.group(1)
    return page.text, hidden


def post(client: TestClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post(url, data=data, follow_redirects=False, **kwargs)


def error_beside(page: str, html_id: str) -> str:
    """The text of the error shown beside the field ``html_id`` (empty where there is none)."""
    found = re.findall(rf'<p class="error" id="error-{re.escape(html_id)}">(.*?)</p>', page, re.S)
    return html.unescape(" ".join(re.sub(r"<[^>]+>", "", f) for f in found)).replace("Error:", "").strip()


# --------------------------------------------------------------------------- the form model


def test_form_built_from_the_record_class_has_each_kind_of_field(web_board: Path, client_for: Client) -> None:
    from lif_core import open_board

    loaded = open_board(web_board, make_plugins())
    form = build_form("reviews", loaded, make_plugins())
    kinds = {item.name: (item.kind if isinstance(item, Field) else "rows") for item in form.items}
    assert kinds["id"] == "text" and kinds["title"] == "text"
    assert kinds["kind"] == "choice"  # a framework term
    assert kinds["methodology"] == "choice"  # a plugin's name
    assert kinds["commissioned_by"] == "choice"  # a reference
    assert kinds["agencies"] == "multi"  # several references
    assert kinds["dates.decided"] == "date"  # a nested record's date
    assert kinds["child_views"] == "choice"  # a closed choice
    assert kinds["reviewers"] == "rows"  # nested records
    assert "stage_log" not in kinds  # its own form
    rapid = build_form("reviews", loaded, make_plugins(), record=record(web_board, "rr-baby-m"))
    decision = next(i for i in rapid.items if i.name == "decision")
    assert isinstance(decision, Field) and decision.kind == "choice"
    assert loaded.framework is not None
    spec = loaded.framework.review_kind("rapid-review")
    assert spec is not None
    assert [name for name, _title in decision.choices] == [d.name for d in spec.decisions]  # its kind's decisions
    assert decision.choices
    course = build_form("courses", loaded, make_plugins(), record=record(web_board, "course-level3"))
    evaluations = next(i for i in course.items if isinstance(i, Rows))
    assert evaluations.name == "evaluations"
    assert {c.name: c.kind for c in evaluations.columns}["confidence_before"] == "float"
    assert course.values["evaluations[0].level"] == "2"
    assert course.row_counts["evaluations"] == 4


def test_parse_form_keeps_what_the_form_does_not_show() -> None:
    items: list[Field | Rows] = [
        Field("text", "Text", "textarea", True),
        Field("due", "Due", "date"),
        Field("dates.decided", "Decided", "date"),
        Field("themes", "Themes", "multi"),
        Field("good", "Good", "bool"),
        Field("count", "Count", "int"),
        Rows("rows", "Rows", (Field("a", "A", "text"), Field("n", "N", "float"))),
    ]
    old = {"dates": {"incident": "2019-01-01", "decided": "2019-01-02"}, "rows": [{"a": "x", "hidden": 1}, {"a": "y"}]}
    data = {
        "text": "  Hello\r\nworld  ",
        "due": "",
        "dates.decided": "2019-02-03",
        "themes": ["t1", "t2"],
        "count": "12",
        "rows[0].a": "x2",
        "rows[0].n": "2.5",
        "rows[1].a": "y",
        "rows[1].remove": "true",
        "rows[2].a": "",
        "rows[3].a": "new",
        "rows[3].n": "not a number",
    }
    out = parse_form(items, data, old)
    assert out["text"] == "Hello\nworld"
    assert out["due"] is None  # removed
    assert out["dates"] == {"incident": "2019-01-01", "decided": "2019-02-03"}
    assert out["themes"] == ["t1", "t2"]
    assert out["good"] is False and out["count"] == 12
    assert out["rows"] == [{"a": "x2", "n": 2.5, "hidden": 1}, {"a": "new", "n": "not a number"}]


def test_errors_go_beside_the_field_their_key_path_names() -> None:
    message = (
        "refused, nothing changed:\n"
        "  actions['a-1'].due: expected a date as YYYY-MM-DD, got '2019-13-01'\n"
        "  actions['a-1'].themes[1]: 'x y' is not a valid identifier\n"
        "  courses['c'].evaluations[0].level: must be 1 to 4\n"
        "  actions['a-1'].elsewhere: not a field of the form"
    )
    names = ["due", "themes", "evaluations", "evaluations[0].level"]
    by_field, general = errors_by_field(message, names)
    assert by_field["due"] == ["expected a date as YYYY-MM-DD, got '2019-13-01'"]
    assert by_field["themes"] == ["'x y' is not a valid identifier"]
    assert by_field["evaluations[0].level"] == ["must be 1 to 4"]
    assert general == ["actions['a-1'].elsewhere: not a field of the form"]  # said whole, key path and all
    by_field, general = errors_by_field("refused: id 'a-1' is already used by a action", ["id"])
    assert by_field == {"id": ["refused: id 'a-1' is already used by a action"]} and not general


# --------------------------------------------------------------------------- round trips


def test_add_an_action(web_board: Path, client_for: Client, history_count: Callable[[Path], int]) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/new/actions?recommendation=r-child-f-1")
    assert '<label for="f-text">' in page and 'value="r-child-f-1" selected' in page
    response = post(
        client,
        "/new/actions",
        {
            **hidden,
            "id": "a-new",
            "text": "Audit strategy discussions",
            "recommendation": "r-child-f-1",
            "owner": "met-police",
            "due": "2019-06-30",
            "themes": ["information-sharing", "strategy-discussions"],
            "level": "multi-agency",
            "note": "agreed at the board",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/r/a-new"
    stored = record(web_board, "a-new")
    assert stored["owner"] == "met-police" and stored["due"] == "2019-06-30"
    assert stored["themes"] == ["information-sharing", "strategy-discussions"]
    (change,) = history(web_board, "a-new")
    assert change.who == "ada" and change.note == "agreed at the board"
    follow = client.get("/r/a-new")
    assert follow.status_code == 200 and "Added action a-new." in follow.text  # the message, on the record page


@pytest.mark.parametrize(
    ("collection", "values", "expect"),
    [
        ("findings", {"id": "f-new", "source": "rr-baby-m", "text": "Transfer-in checks were missed"}, "source"),
        (
            "recommendations",
            {"id": "r-new", "text": "Check transfers in", "kind": "system-design", "source": "rr-baby-m"},
            "kind",
        ),
        (
            "reviews",
            {"id": "rr-new", "title": "Child Z (illustrative)", "kind": "rapid-review", "stage": "referral"},
            "kind",
        ),
        (
            "audits",
            {"id": "maca-new", "title": "Neglect audit", "kind": "thematic", "date": "2019-02-01", "cases": "6"},
            "cases",
        ),
        (
            "planned_audits",
            {"id": "pa-new", "partner": "met-police", "topic": "Missing children", "due": "2019-09-30"},
            "partner",
        ),
        (
            "evidence",
            {"id": "e-new", "title": "Dip sample", "kind": "audit", "date": "2019-03-01", "supports": ["a-child-f-1"]},
            "supports",
        ),
        ("section11_audits", {"id": "s11-new", "cycle": "2020-2023", "scale": "rag"}, "cycle"),
        ("courses", {"id": "c-new", "title": "Neglect", "sessions": "3", "places": "60"}, "sessions"),
    ],
)
def test_add_each_kind_of_record(
    web_board: Path, client_for: Client, collection: str, values: dict[str, Any], expect: str
) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, f"/new/{collection}")
    response = post(client, f"/new/{collection}", {**hidden, **values})
    assert response.status_code == 303, error_summary(response.text)
    stored = record(web_board, values["id"])
    given = values[expect]
    assert str(stored[expect]) == given or stored[expect] == given or stored[expect] == int(given)


def error_summary(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))) if found else page[:2000]


def test_edit_an_action(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/r/a-child-f-1/edit")
    assert 'value="2018-06-30"' in page  # its due date, as stored
    assert hidden["version"] == str(history(web_board, "a-child-f-1")[-1].seq)
    before = record(web_board, "a-child-f-1")
    response = post(
        client,
        "/r/a-child-f-1/edit",
        {
            **hidden,
            "text": before["text"],
            "recommendation": "r-child-f-1",
            "owner": "met-police",
            "due": "2019-01-31",
            "level": "multi-agency",
            "themes": before.get("themes", []),
        },
    )
    assert response.status_code == 303, error_summary(response.text)
    after = record(web_board, "a-child-f-1")
    assert after["due"] == "2019-01-31"
    assert after["status_log"] == before["status_log"]  # what the form does not show is kept
    change = history(web_board, "a-child-f-1")[-1]
    assert change.who == "ada" and [k for k, _o, _n in change.differences()] == ["due"]


def test_edit_a_course_evaluation_rows(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/r/course-cse/edit")
    data = form_values(page)
    data.update(hidden)
    data["evaluations[3].stage"] = "after"  # the blank row: a new evaluation
    data["evaluations[3].date"] = "2019-02-01"
    data["evaluations[3].respondents"] = "12"
    data["evaluations[3].level"] = "2"
    data["evaluations[0].remove"] = "true"
    response = post(client, "/r/course-cse/edit", data)
    assert response.status_code == 303, error_summary(response.text)
    evaluations = record(web_board, "course-cse")["evaluations"]
    assert [e["stage"] for e in evaluations] == ["after", "follow-up", "after"]
    assert evaluations[-1] == {"stage": "after", "date": "2019-02-01", "respondents": 12, "level": 2}


def form_values(page: str) -> dict[str, Any]:
    """What a browser would send for the form on ``page`` as it stands (text inputs, text areas,
    selected options, checked boxes)."""
    out: dict[str, Any] = {}

    def put(name: str, value: str) -> None:
        if name in out:
            existing = out[name]
            out[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            out[name] = value

    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]*)"', tag)
        if not name or name.group(1) in ("csrf_token", "version"):
            continue
        kind = re.search(r'type="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        if kind and kind.group(1) == "file":
            continue
        put(html.unescape(name.group(1)), html.unescape(value.group(1)) if value else "")
    for name, body in re.findall(r'<textarea [^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', page, re.S):
        put(html.unescape(name), html.unescape(body))
    for name, body in re.findall(r'<select [^>]*name="([^"]*)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.findall(r'<option value="([^"]*)" selected>', body)
        for value in chosen:
            put(html.unescape(name), html.unescape(value))
    return out


def test_an_unchanged_form_changes_nothing(web_board: Path, client_for: Client) -> None:
    """Every editable record's form, sent back as it came, writes no change: the form shows
    and reads back each value exactly."""
    client = client_for("ada")
    ids = ["rr-baby-m", "scr-child-f", "f-child-f-1", "r-child-f-1", "a-child-f-1", "e-dataset-q4"]
    ids += ["maca-2018-domestic-abuse", "pa-police-missing", "s11-2017-20", "course-level3", "m-rereferrals"]
    for record_id in ids:
        page, hidden = open_form(client, f"/r/{record_id}/edit")
        before = history(web_board, record_id)
        response = post(client, f"/r/{record_id}/edit", {**form_values(page), **hidden})
        assert response.status_code == 303, (record_id, error_summary(response.text))
        assert history(web_board, record_id) == before, record_id


def test_stage_form_moves_a_review_on_with_its_date(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/r/rr-baby-m/stage")
    assert "information-gathering" not in re.findall(r'<option value="([^"]+)"', page)  # only later stages
    response = post(
        client,
        "/r/rr-baby-m/stage",
        {**hidden, "stage": "practitioner-involvement", "date": "2019-01-10", "note": "met"},
    )
    assert response.status_code == 303, error_summary(response.text)
    stored = record(web_board, "rr-baby-m")
    assert stored["stage"] == "practitioner-involvement"
    assert stored["stage_log"][-1] == {"stage": "practitioner-involvement", "date": "2019-01-10", "note": "met"}
    # backwards: refused beside the stage, in the register's words, nothing written
    _page, hidden = open_form(client, "/r/rr-baby-m/stage")
    count = len(history(web_board, "rr-baby-m"))
    response = post(client, "/r/rr-baby-m/stage", {**hidden, "stage": "referral", "date": "2019-01-11"})
    assert response.status_code == 400
    assert "cannot follow 'practitioner-involvement'" in error_beside(response.text, "f-stage")
    assert len(history(web_board, "rr-baby-m")) == count
    response = post(client, "/r/rr-baby-m/stage", {**hidden, "stage": "analysis", "date": "2019-02-30"})
    assert response.status_code == 400
    assert "expected a date as YYYY-MM-DD" in error_beside(response.text, "f-date")
    response = post(client, "/r/rr-baby-m/stage", {**hidden, "stage": "analysis", "date": "2019-01-08"})
    assert response.status_code == 400  # before the last stage's date: said beside the date
    assert "is before the previous stage's date 2019-01-10" in error_beside(response.text, "f-date")


def test_status_form_records_status_date_and_note(web_board: Path, client_for: Client) -> None:
    client = client_for("ed")  # met-police's editor: its own action
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    response = post(
        client,
        "/r/a-child-f-1/status",
        {**hidden, "status": "completed", "date": "2019-03-01", "note": "Encompass live in all schools"},
    )
    assert response.status_code == 303, error_summary(response.text)
    stored = record(web_board, "a-child-f-1")
    assert stored["status"] == "completed"
    assert stored["status_log"][-1] == {
        "status": "completed",
        "date": "2019-03-01",
        "note": "Encompass live in all schools",
        "by": "ed",
    }
    assert history(web_board, "a-child-f-1")[-1].who == "ed"
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    response = post(client, "/r/a-child-f-1/status", {**hidden, "status": "done", "date": "2019-03-02"})
    assert response.status_code == 400
    assert "'done' is not a status" in error_beside(response.text, "f-status")


def test_value_form_records_a_measure_value(web_board: Path, client_for: Client) -> None:
    client = client_for("eve")  # lbc-childrens-services owns m-rereferrals
    _page, hidden = open_form(client, "/r/m-rereferrals/value")
    response = post(client, "/r/m-rereferrals/value", {**hidden, "period": "2019-20", "value": "19.5"})
    assert response.status_code == 303, error_summary(response.text)
    values = record(web_board, "m-rereferrals")["values"]
    assert {"period": "2019-20", "value": 19.5} in values
    count = len(history(web_board, "m-rereferrals"))
    _page, hidden = open_form(client, "/r/m-rereferrals/value")
    response = post(client, "/r/m-rereferrals/value", {**hidden, "period": "2020-21", "value": "a lot"})
    assert response.status_code == 400
    assert "expected a number, got 'a lot'" in error_beside(response.text, "f-value")
    response = post(client, "/r/m-rereferrals/value", {**hidden, "period": "", "value": "3"})
    assert "must not be blank" in error_beside(response.text, "f-period")
    assert len(history(web_board, "m-rereferrals")) == count


# --------------------------------------------------------------------------- errors, in the CLI's words


def test_errors_beside_fields_in_the_clis_words(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int], tmp_path: Path
) -> None:
    client = client_for("ada")
    runner = LifRunner(make_plugins(), env=environment(tmp_path))
    page, hidden = open_form(client, "/r/a-child-f-1/edit")
    count = history_count(web_board)
    for key, bad, html_id in (
        ("due", "2019-13-45", "f-due"),
        ("text", "   ", "f-text"),
        ("owner", "nobody", "f-owner"),
    ):
        response = post(client, "/r/a-child-f-1/edit", {**form_values(page), **hidden, key: bad})
        assert response.status_code == 400
        shown = error_beside(response.text, html_id)
        assert shown, (key, error_summary(response.text))
        assert 'aria-invalid="true"' in response.text and f'href="#{html_id}"' in response.text  # summary links it
        # the same words as `lif update` says them, after the key path the field's label replaces
        result = runner("update", web_board, "a-child-f-1", f"{key}={bad}")
        assert result.exit_code != 0
        assert f"actions['a-child-f-1'].{key}: {shown}" in result.stderr, (shown, result.stderr)
    assert history_count(web_board) == count
    response = post(client, "/r/a-child-f-1/edit", {**form_values(page), **hidden, "due": "2019-13-45"})
    assert 'value="2019-13-45"' in response.text  # the form as it was left


def test_error_beside_a_row_field(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/r/course-cse/edit")
    data = {**form_values(page), **hidden, "evaluations[1].respondents": "eighty"}
    response = post(client, "/r/course-cse/edit", data)
    assert response.status_code == 400
    assert "expected a whole number, got text 'eighty'" in error_beside(response.text, "f-evaluations-1-respondents")


def test_a_used_id_is_refused_beside_the_id(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, "/new/actions")
    response = post(client, "/new/actions", {**hidden, "id": "a-child-f-1", "text": "Again"})
    assert response.status_code == 400
    assert "already used by" in error_beside(response.text, "f-id")
    response = post(client, "/new/actions", {**hidden, "id": "a new one", "text": "x", "owner": "nobody"})
    assert response.status_code == 400
    assert "is not a valid identifier" in error_beside(response.text, "f-id")


def test_a_form_without_its_version_is_refused(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int]
) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, "/r/a-child-f-1/status")
    count = history_count(web_board)
    response = post(client, "/r/a-child-f-1/status", {"csrf_token": hidden["csrf_token"], "status": "blocked"})
    assert response.status_code == 400
    assert history_count(web_board) == count


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize(
    ("name", "url", "data"),
    [
        ("ed", "/r/a-thresholds-workshops/status", {"status": "completed", "date": "2019-01-01"}),  # eve's agency
        ("ed", "/r/a-thresholds-workshops/edit", {"text": "Taken over", "owner": "met-police"}),
        ("ed", "/r/m-rereferrals/value", {"period": "2019-20", "value": "1"}),
        ("ed", "/r/rr-baby-m/stage", {"stage": "rapid-review", "date": "2019-01-10"}),
        ("ed", "/r/s11-2017-20/s11/croydon-health-services", {"scores[0].self_assessed": "red"}),
        ("ed", "/new/reviews", {"id": "rr-x", "title": "X", "kind": "rapid-review"}),
        ("ed", "/new/planned_audits", {"id": "pa-x", "partner": "schools", "topic": "Not ours"}),
        ("eve", "/r/a-child-f-1/edit", {"text": "x", "owner": "lbc-childrens-services"}),
        ("rita", "/r/a-child-f-1/status", {"status": "blocked", "date": "2019-01-01"}),
        ("rita", "/new/actions", {"id": "a-rita", "text": "x"}),
    ],
)
def test_not_allowed_is_403_and_nothing_written(
    web_board: Path,
    client_for: Client,
    history_count: Callable[[Path], int],
    csrf: Callable[[TestClient], str],
    name: str,
    url: str,
    data: dict[str, str],
) -> None:
    client = client_for(name)
    count = history_count(web_board)
    response = post(client, url, {**data, "csrf_token": csrf(client), "version": "999999"})
    assert response.status_code == 403, response.text
    assert history_count(web_board) == count
    if url != "/new/planned_audits":  # an editor adds planned audits: its own agency's only
        assert client.get(url).status_code == 403


def test_an_editor_cannot_give_its_action_to_another_agency(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int]
) -> None:
    client = client_for("ed")
    page, hidden = open_form(client, "/r/a-child-f-1/edit")
    count = history_count(web_board)
    response = post(client, "/r/a-child-f-1/edit", {**form_values(page), **hidden, "owner": "schools"})
    assert response.status_code == 403
    assert history_count(web_board) == count
    assert record(web_board, "a-child-f-1")["owner"] == "met-police"


def test_an_editor_adds_its_own_agencys_records(web_board: Path, client_for: Client) -> None:
    client = client_for("ed")
    page, hidden = open_form(client, "/new/planned_audits")
    assert 'value="met-police" selected' in page  # its agency, filled in
    response = post(client, "/new/planned_audits", {**form_values(page), **hidden, "id": "pa-ed", "topic": "Missing"})
    assert response.status_code == 303, error_summary(response.text)
    assert record(web_board, "pa-ed")["partner"] == "met-police"
    assert client.get("/new/reviews").status_code == 403


# --------------------------------------------------------------------------- Section 11 returns


def test_an_agency_fills_in_its_own_section_11_return(web_board: Path, client_for: Client) -> None:
    client = client_for("ed")
    page, hidden = open_form(client, "/r/s11-2017-20/s11/met-police")
    assert "Senior management commitment" in page  # the standards, by title
    assert '<select id="f-scores-0-moderated"' not in page  # moderation is the panel's
    data = {**form_values(page), **hidden, "submitted": "2021-01-20"}
    names = {k: v for k, v in data.items() if k.startswith("scores[")}
    standard = {v: k.split(".")[0] for k, v in names.items() if k.endswith(".standard")}
    row = standard["s11-recruitment"]
    data[f"{row}.self_assessed"] = "amber"
    data[f"{row}.note"] = "Allegations procedure under review"
    data[f"{standard['s11-accountability']}.moderated"] = "red"  # not the editor's to change: ignored
    response = post(client, "/r/s11-2017-20/s11/met-police", data)
    assert response.status_code == 303, error_summary(response.text)
    returns = {r["partner"]: r for r in record(web_board, "s11-2017-20")["returns"]}
    police = returns["met-police"]
    assert police["submitted"] == "2021-01-20"
    scores = {s["standard"]: s for s in police["scores"]}
    assert scores["s11-recruitment"] == {
        "standard": "s11-recruitment",
        "self_assessed": "amber",
        "note": "Allegations procedure under review",
    }
    assert scores["s11-accountability"]["moderated"] == "green"  # as the panel left it
    assert returns["croydon-health-services"]["submitted"] == "2018-01-19"  # others' returns untouched
    # the panel moderates
    admin = client_for("ada")
    page, hidden = open_form(admin, "/r/s11-2017-20/s11/met-police")
    assert '<select id="f-scores-2-moderated"' in page
    data = {**form_values(page), **hidden}
    data[f"{row}.moderated"] = "red"
    response = post(admin, "/r/s11-2017-20/s11/met-police", data)
    assert response.status_code == 303, error_summary(response.text)
    scores = {
        s["standard"]: s
        for r in record(web_board, "s11-2017-20")["returns"]
        for s in r["scores"]
        if r["partner"] == "met-police"
    }
    assert scores["s11-recruitment"]["moderated"] == "red"


def test_a_new_section_11_return(web_board: Path, client_for: Client) -> None:
    client = client_for("eve")  # lbc-childrens-services has no return yet
    page, hidden = open_form(client, "/r/s11-2017-20/s11/lbc-childrens-services")
    data = {**form_values(page), **hidden, "scores[0].self_assessed": "green", "submitted": "2018-02-01"}
    response = post(client, "/r/s11-2017-20/s11/lbc-childrens-services", data)
    assert response.status_code == 303, error_summary(response.text)
    returns = {r["partner"]: r for r in record(web_board, "s11-2017-20")["returns"]}
    assert returns["lbc-childrens-services"]["scores"] == [{"standard": "s11-accountability", "self_assessed": "green"}]


# --------------------------------------------------------------------------- escaping

XSS = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>"


@pytest.mark.parametrize("collection", sorted(forms.EDITABLE))
def test_xss_in_every_text_field_comes_back_escaped(web_board: Path, client_for: Client, collection: str) -> None:
    """Every text field of every add form gets a script payload: it is stored as typed, and comes
    back escaped on the record's page, its edit form, and the form shown again with an error."""
    from lif_core import open_board

    client = client_for("ada")
    form = build_form(collection, open_board(web_board, make_plugins()), make_plugins())
    record_id = "xss-" + collection.replace("_", "-")
    data: dict[str, Any] = {"id": record_id}
    texts = []
    for item in form.items:
        if isinstance(item, Rows) or item.name == "id":
            continue
        if item.kind in ("text", "textarea", "lines"):
            data[item.name] = XSS
            texts.append(item.name)
        elif item.required and item.kind == "choice":
            data[item.name] = item.choices[0][0]
        elif item.required and item.kind == "date":
            data[item.name] = "2019-01-01"
    assert texts, collection
    _page, hidden = open_form(client, f"/new/{collection}")
    response = post(client, f"/new/{collection}", {**hidden, **data})
    if response.status_code == 400:  # a text field that is really a name (a review's decision): refused, escaped
        assert "<script>alert" not in response.text and "&lt;script&gt;alert(" in response.text
        refused = {n for n in texts if error_beside(response.text, forms.Field(n, "", "text").html_id)}
        assert refused, error_summary(response.text)
        texts = [n for n in texts if n not in refused]
        response = post(client, f"/new/{collection}", {**hidden, **data, **{n: "" for n in refused}})
    assert response.status_code == 303, error_summary(response.text)
    stored = record(web_board, record_id)
    for name in texts:
        value = forms._get(stored, name)
        assert value == XSS or value == [XSS.strip()], (name, value)  # kept as typed
    for url in (f"/r/{record_id}", f"/r/{record_id}/edit"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, url
        assert "&lt;script&gt;alert(" in page.text, url


def test_xss_in_a_refused_form_comes_back_escaped(client_for: Client) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, "/new/actions")
    response = post(client, "/new/actions", {**hidden, "id": "a-xss-2", "text": XSS, "due": XSS})
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text
    response = post(client, "/new/actions", {**hidden, "id": XSS, "text": "x"})
    assert response.status_code == 400
    assert "<script>alert" not in response.text and "&lt;script&gt;" in response.text


def test_unknown_collections_and_records(client_for: Client) -> None:
    client = client_for("ada")
    assert client.get("/new/partners").status_code == 404
    assert client.get("/r/no-such-record/edit").status_code == 404
    assert client.get("/r/a-child-f-1/stage").status_code == 404  # an action has no stage
    assert client.get("/r/rr-baby-m/status").status_code == 404
    assert client.get("/r/s11-2017-20/s11/no-such-partner").status_code == 404


def test_every_form_page_has_labels_for_its_inputs(client_for: Client) -> None:
    client = client_for("ada")
    for url in ("/new/reviews", "/r/course-level3/edit", "/r/s11-2017-20/s11/met-police", "/r/e-dataset-q4/attach"):
        page = client.get(url).text
        assert page.count("<h1>") == 1
        ids = set(re.findall(r'<(?:input|select|textarea) [^>]*id="([^"]+)"', page))
        labelled = set(re.findall(r'<label for="([^"]+)"', page))
        assert ids <= labelled | {i for i in ids if False}, (url, ids - labelled)


_ = forms


def test_an_agency_records_evaluations_of_the_courses_it_provides(web_board: Path, client_for: Client) -> None:
    admin = client_for("ada")
    _page, hidden = open_form(admin, "/new/courses")
    added = post(
        admin, "/new/courses", {**hidden, "id": "c-police", "title": "Missing children", "provider": "met-police"}
    )
    assert added.status_code == 303, error_summary(added.text)
    ed = client_for("ed")
    page, hidden = open_form(ed, "/r/c-police/edit")
    assert 'name="title"' not in page  # the rest of the course is the board's
    data = {
        **form_values(page),
        **hidden,
        "evaluations[0].stage": "after",
        "evaluations[0].date": "2019-05-01",
        "evaluations[0].respondents": "20",
        "evaluations[0].confidence_after": "7.5",
        "title": "Renamed by the agency",  # not on its form: ignored
    }
    response = post(ed, "/r/c-police/edit", data)
    assert response.status_code == 303, error_summary(response.text)
    stored = record(web_board, "c-police")
    assert stored["title"] == "Missing children"
    assert stored["evaluations"] == [
        {"stage": "after", "date": "2019-05-01", "respondents": 20, "confidence_after": 7.5}
    ]
    assert client_for("eve").get("/r/c-police/edit").status_code == 403  # not eve's agency's course


# --------------------------------------------------------------------------- hypothesis: what a form reads back


def _strategies() -> Any:
    import sys

    root_tests = str(Path(__file__).resolve().parents[3] / "tests")
    if root_tests not in sys.path:
        sys.path.insert(0, root_tests)
    import strategies  # type: ignore[import-not-found]  # the repository's tests/strategies.py

    return strategies


def _browser(form: forms.Form) -> dict[str, Any]:
    """What a browser sends back for ``form`` untouched: each value as shown (a ticked box
    only when ticked; text with line breaks is shown in a text area, which keeps them)."""
    sent: dict[str, Any] = {}
    kinds: dict[str, str] = {}
    for item in form.items:
        if isinstance(item, Rows):
            for _i, prefix in form.rows_of(item):
                for column in item.columns:
                    kinds[prefix + column.name] = column.kind
        else:
            kinds[item.name] = item.kind
    for name, value in form.values.items():
        kind = kinds.get(name, "text")
        if kind == "bool":
            if value:
                sent[name] = "true"
        elif kind == "multi":
            sent[name] = list(value)
        elif kind in ("int", "float", "date", "choice"):
            sent[name] = str(value).replace("\r", "").replace("\n", "")  # a one-line box drops line breaks
        else:
            sent[name] = str(value)
    return sent


def _normal(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, dict):  # text of spaces only is no text: the form leaves it out
        return {k: _normal(v) for k, v in value.items() if _normal(v) != ""}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


@pytest.mark.parametrize("collection", sorted(forms.EDITABLE))
def test_an_untouched_form_reads_back_the_record(collection: str) -> None:
    """For any valid record of each collection, its edit form as a browser sends it back
    untouched gives the same record (text compared with its spacing made plain: the form trims
    what is typed, and text of spaces only is left out)."""
    import json

    from lif_core.convert import structure, to_json, unstructure
    from lif_core.model import COLLECTIONS

    cls = COLLECTIONS[collection]
    strategies = _strategies()

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategies.records(cls))
    def check(item: Any) -> None:
        plain = json.loads(to_json(unstructure(item), indent=None))
        form = build_form(collection, None, None, record=plain, version=1)
        changes = parse_form(form.items, _browser(form), plain)
        merged = {k: v for k, v in {**plain, **changes}.items() if v is not None}
        again = json.loads(to_json(unstructure(structure(merged, cls)), indent=None))
        assert _normal(again) == _normal(plain)

    check()


@settings(max_examples=200, deadline=None)
@given(
    st_data=st.dictionaries(
        st.sampled_from(
            [
                "text",
                "due",
                "themes",
                "dates.decided",
                "rows[0].a",
                "rows[x].a",
                "rows[99999].n",
                "rows[1].remove",
                "other",
            ]
        ),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3)),
    )
)
def test_parse_form_takes_any_submission(st_data: dict[str, Any]) -> None:
    """Whatever a client sends, reading the form never fails and gives only the form's keys."""
    items: list[Field | Rows] = [
        Field("text", "Text", "textarea", True),
        Field("due", "Due", "date"),
        Field("dates.decided", "Decided", "date"),
        Field("themes", "Themes", "multi"),
        Rows("rows", "Rows", (Field("a", "A", "text"), Field("n", "N", "float"))),
    ]
    out = parse_form(items, st_data, {"dates": {"incident": "2019-01-01"}, "rows": [{"a": "x"}]})
    assert set(out) == {"text", "due", "dates", "themes", "rows"}
    assert isinstance(out["themes"], list) and isinstance(out["rows"], list)
    assert out["dates"].get("incident") == "2019-01-01"
    errors_by_field("\n".join(str(v) for v in st_data.values()), [i.name for i in items])


def test_a_line_break_in_one_line_text_is_kept(web_board: Path, client_for: Client) -> None:
    """Text written by the CLI with a line break (a title) is shown in a text area, which keeps
    it: saving the form untouched changes nothing."""
    from lif_core import Plugins
    from lif_core.commands import open_register

    with open_register(web_board, Plugins.create(), who="cli") as reg:
        reg.update("a-child-f-1", {"text": "Pilot next-day notification\nto schools"})
    client = client_for("ada")
    page, hidden = open_form(client, "/r/a-child-f-1/edit")
    before = history(web_board, "a-child-f-1")
    response = post(client, "/r/a-child-f-1/edit", {**form_values(page), **hidden})
    assert response.status_code == 303
    assert history(web_board, "a-child-f-1") == before
    with open_register(web_board, Plugins.create(), who="cli") as reg:
        reg.update("pa-police-missing", {"topic": "Missing\nchildren"})
    page, _hidden = open_form(client, "/r/pa-police-missing/edit")
    assert re.search(r'<textarea id="f-topic" name="topic"[^>]*>Missing\nchildren</textarea>', page)


def test_a_section_11_error_goes_beside_its_standards_row(web_board: Path, client_for: Client) -> None:
    client = client_for("ed")
    page, hidden = open_form(client, "/r/s11-2017-20/s11/met-police")
    data = {**form_values(page), **hidden}
    row = next(k.split(".")[0] for k, v in data.items() if k.endswith(".standard") and v == "s11-information-sharing")
    index = int(row[len("scores[") : -1])
    assert index > 1  # its row on the form is not its place among the return's scores
    data[f"{row}.self_assessed"] = ""  # moderated already: the self-assessment cannot go
    response = post(client, "/r/s11-2017-20/s11/met-police", data)
    assert response.status_code == 400
    assert error_beside(response.text, f"f-scores-{index}-self-assessed") == "required key is missing"
