"""The impact report from the browser (lif_web.reports): every installed format downloads,
non-empty, as `lif report impact` writes it, protected under the board's rule."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lif_web.reports import formats, report_document
from starlette.testclient import TestClient

from lif_core import Plugins, validate_board
from lif_core.testing import LifRunner, assert_protected, environment, make_plugins

Client = Callable[[str | None], TestClient]


def _names() -> list[str]:
    return [f.name for f in formats(make_plugins())]


def test_the_form_offers_every_installed_format(client_for: Client, web_plugins: Plugins) -> None:
    page = client_for("rita").get("/report")
    assert page.status_code == 200
    offered = re.findall(r'<option value="([^"]+)"', page.text)
    assert sorted(offered) == sorted(r.name for r in web_plugins.renderers)
    assert 'value="2019-03-31"' in page.text  # the board's report_date, as lif report impact uses
    assert 'action="/report/download"' in page.text


@pytest.mark.parametrize("fmt", _names())
def test_every_format_downloads(client_for: Client, web_plugins: Plugins, fmt: str) -> None:
    renderer = web_plugins.renderers.get(fmt)
    response = client_for("rita").get("/report/download", params={"as_of": "2019-03-31", "format": fmt})
    assert response.status_code == 200, response.text[:2000]
    assert len(response.content) > 200
    assert response.headers["content-type"].split(";")[0] == renderer.media_type
    disposition = response.headers["content-disposition"]
    assert disposition == f'attachment; filename="croydon-impact-report-2019-03-31{renderer.suffix}"'
    assert response.headers["x-content-type-options"] == "nosniff"


def test_same_as_the_command(client_for: Client, web_board: Path, tmp_path: Path) -> None:
    """The JSON download is byte for byte what `lif report impact --as-of -f json -o` writes."""
    out = tmp_path / "report.json"
    runner = LifRunner(make_plugins(), env=environment(tmp_path))
    runner("report", "impact", web_board, "--as-of", "2018-12-31", "-f", "json", "-o", out).assert_ok()
    response = client_for("ed").get("/report/download", params={"as_of": "2018-12-31", "format": "json"})
    assert response.status_code == 200
    assert response.content == out.read_bytes()
    document = json.loads(response.content)
    assert document["date"] == "2018-12-31"
    assert "Disclosure control" in document["meta"]


def test_protected(web_board: Path, web_plugins: Plugins) -> None:
    loaded = validate_board(web_board, web_plugins).loaded
    assert loaded is not None
    document = report_document(loaded, web_plugins, dt.date(2019, 3, 31))
    assert_protected(document, board=loaded)


def test_bad_date_and_format_are_said_beside_the_field(client_for: Client) -> None:
    client = client_for("rita")
    response = client.get("/report/download", params={"as_of": "31/03/2019", "format": "json"})
    assert response.status_code == 400
    assert "is not a date" in html.unescape(response.text)
    assert 'id="error-as_of"' in response.text
    response = client.get("/report/download", params={"as_of": "1066-10-14", "format": "json"})
    assert response.status_code == 400
    assert 'id="error-as_of"' in response.text
    response = client.get("/report/download", params={"as_of": "2019-03-31", "format": "<b>exe</b>"})
    assert response.status_code == 400
    assert "not an installed format" in html.unescape(response.text)
    assert "<b>exe</b>" not in response.text


def test_needs_signing_in(client_for: Client) -> None:
    response = client_for(None).get("/report/download", params={"format": "json"}, follow_redirects=False)
    assert response.status_code == 303
