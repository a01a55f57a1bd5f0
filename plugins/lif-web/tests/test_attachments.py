"""Evidence files (attachments.py and the attach form): the types taken, told by content; the
size limit; safe names whatever a browser sends; content-hash storage in the board folder; and
downloads only, only to signed-in people."""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import unicodedata
import urllib.parse
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_web import attachments
from lif_web.attachments import ALLOWED, AttachmentRefused, content_disposition, safe_name, sniff
from lif_web.config import WebConfig
from starlette.testclient import TestClient
from test_forms import error_beside, history, open_form, record

from lif_core import Attachment

Client = Callable[[str | None], TestClient]
LIMIT = 64 * 1024


@pytest.fixture
def web_config() -> WebConfig:
    """A small upload limit, so the refusal of a larger file is quick to test."""
    return WebConfig(max_upload=LIMIT)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16 + b"\xff\xd9"
DOCX = zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office:document/>"})


@pytest.mark.parametrize(
    ("content", "name", "media_type"),
    [
        (PDF, "report.pdf", "application/pdf"),
        (PDF, "report.html", "application/pdf"),  # the content decides, not the name
        (PNG, "chart.png", "image/png"),
        (JPEG, "photo.jpg", "image/jpeg"),
        (DOCX, "minutes.docx", attachments.DOCX),
        (XLSX, "tracker.xlsx", attachments.XLSX),
        (ODT, "notes.odt", attachments.ODT),
        (b"Audit notes\n\tline two\r\n", "notes.txt", "text/plain"),
        (b"\xef\xbb\xbfstandard,grade\ns11-voice,amber\n", "returns.csv", "text/csv"),
        ("caf\xe9,1\n".encode("cp1252"), "excel.csv", "text/csv"),  # as Excel saves CSV
        (b"1 < 2, and 3 > 2\n", "maths.txt", "text/plain"),
    ],
)
def test_types_taken(content: bytes, name: str, media_type: str) -> None:
    assert sniff(content, name) == media_type


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "web page"),
        (b"   \n<html><body>hi</body></html>", "web page"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "web page"),
        (b'<?xml version="1.0"?><x/>', "web page"),
        (b"harmless first line\n<script>alert(1)</script>\n", "web page"),
        (b"a,b\n1,<svg onload=alert(1)>\n", "web page"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "program"),
        (b"\x7fELF\x02\x01\x01\x00", "program"),
        (b"#!/bin/sh\nrm -rf /\n", "program"),
        (b"text with a \x00 NUL", "not one of the types"),
        (bytes(range(256)), "not one of the types"),
        (zipped({"a.txt": b"x"}), "zip archive"),
        (zipped({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}), "OpenDocument"),
        (
            zipped(
                {
                    "[Content_Types].xml": CONTENT_TYPES.replace(b"/>", b">macroEnabled</Types>"),
                    "word/document.xml": b"x",
                }
            ),
            "macros",
        ),
        (
            zipped({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": b"x", "word/vbaProject.bin": b"x"}),
            "macros",
        ),
        (b"PK\x03\x04 not really a zip", "cannot be read"),
        (b"GIF89a\x01\x00\x01\x00", "not one of the types"),
    ],
)
def test_types_refused_with_a_clear_message(content: bytes, why: str) -> None:
    with pytest.raises(AttachmentRefused, match=why):
        sniff(content, "file.txt")


@pytest.mark.parametrize(
    ("sent", "media_type", "kept"),
    [
        ("../../../etc/passwd", "text/plain", "passwd.txt"),
        ("..\\..\\boot.ini", "text/plain", "boot.ini.txt"),
        ("C:\\Users\\me\\Desktop\\Minutes 3 March.pdf", "application/pdf", "Minutes 3 March.pdf"),
        ("/absolute/report.pdf", "application/pdf", "report.pdf"),
        ("report.pdf.exe", "application/pdf", "report.pdf.exe.pdf"),
        ("evil\u202efdp.exe", "application/pdf", "evilfdp.exe.pdf"),  # no right-to-left override
        ("a\r\nX-Injected: yes.pdf", "application/pdf", "aX-Injected_ yes.pdf"),
        ('"; filename=evil.html', "application/pdf", "_ filename_evil.html.pdf"),
        ("..", "application/pdf", "attachment.pdf"),
        ("", None, "attachment"),
        (".htaccess", "text/plain", "htaccess.txt"),
        ("Café \u2013 résumé.docx", attachments.DOCX, "Café - résumé.docx"),  # an en dash
        ("x" * 300 + ".pdf", "application/pdf", "x" * 116 + ".pdf"),
    ],
)
def test_safe_names(sent: str, media_type: str | None, kept: str) -> None:
    assert safe_name(sent, media_type) == kept


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.sampled_from([None, *ALLOWED]))
def test_any_uploaded_name_becomes_a_safe_base_name(sent: str, media_type: str | None) -> None:
    name = safe_name(sent, media_type)
    assert 0 < len(name) <= 120
    assert "/" not in name and "\\" not in name and not name.startswith((".", " ")) and not name.endswith(" ")
    assert all(unicodedata.category(c)[0] != "C" for c in name)
    assert name not in (".", "..")
    if media_type is not None:
        assert name.lower().endswith(ALLOWED[media_type][1])
    Attachment(name=name, sha256="0" * 64, size=1, media_type=media_type or "text/plain")  # the model takes it
    header = content_disposition(name)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="')
    quoted = re.search(r'filename="([^"]*)"', header)
    assert quoted and '"' not in quoted.group(1) and "\\" not in quoted.group(1)
    assert urllib.parse.unquote(header.split("filename*=UTF-8''", 1)[1]) == name


def test_stored_by_content_hash_privately_and_once(tmp_path: Path) -> None:
    kept = attachments.store(tmp_path, PDF, "a.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    path = tmp_path / "attachments" / digest[:2] / digest
    assert kept.sha256 == digest and kept.size == len(PDF) and kept.media_type == "application/pdf"
    assert path.read_bytes() == PDF
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = attachments.store(tmp_path, PDF, "b.pdf")
    assert again.sha256 == digest and again.name == "b.pdf"
    assert [p.name for p in path.parent.iterdir()] == [digest]  # once; no temporary files left
    with pytest.raises(AttachmentRefused, match="largest taken"):
        attachments.store(tmp_path, PDF + b" " * 100, "big.pdf", max_size=len(PDF))
    with pytest.raises(AttachmentRefused):
        attachments.store(tmp_path, b"<html></html>", "page.html")
    assert sorted(p.name for p in (tmp_path / "attachments").rglob("*")) == [digest[:2], digest]
    with pytest.raises(ValueError, match="not a SHA-256"):
        attachments.attachment_path(tmp_path, "../../etc/passwd")


def test_default_upload_limit_is_10_mib() -> None:
    assert WebConfig().max_upload == 10 * 1024 * 1024 == attachments.DEFAULT_MAX_UPLOAD


# --------------------------------------------------------------------------- over HTTP


def attach(client: TestClient, evidence: str, name: str, content: bytes, mime: str = "application/pdf") -> object:
    _page, hidden = open_form(client, f"/r/{evidence}/attach")
    return client.post(
        f"/r/{evidence}/attach",
        data={**hidden, "note": "the quarter's dataset"},
        files={"file": (name, content, mime)},
        follow_redirects=False,
    )


def stored_files(board: Path) -> list[Path]:
    folder = board / "attachments"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_attach_and_download(web_board: Path, client_for: Client) -> None:
    ada = client_for("ada")
    response = attach(ada, "e-dataset-q4", "../../Q4 dataset.pdf", PDF)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    digest = hashlib.sha256(PDF).hexdigest()
    (listed,) = record(web_board, "e-dataset-q4")["attachments"]
    assert listed == {"name": "Q4 dataset.pdf", "sha256": digest, "size": len(PDF), "media_type": "application/pdf"}
    assert stored_files(web_board) == [web_board / "attachments" / digest[:2] / digest]
    change = history(web_board, "e-dataset-q4")[-1]
    assert change.who == "ada" and change.note == "the quarter's dataset"
    for name in ("ada", "rita"):  # any signed-in person may download it
        download = client_for(name).get(f"/attachments/{digest}")
        assert download.status_code == 200
        assert download.content == PDF
        assert download.headers["content-type"] == "application/pdf"
        assert download.headers["content-disposition"].startswith('attachment; filename="Q4 dataset.pdf"')
        assert download.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in download.headers["content-security-policy"]
    page = ada.get("/r/e-dataset-q4/attach")
    assert f'href="/attachments/{digest}"' in page.text
    # nobody signed in: sent to sign in, the file not served
    anonymous = client_for(None).get(f"/attachments/{digest}", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    assert PDF not in anonymous.content


def test_only_listed_files_are_served(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    unlisted = attachments.store(web_board, b"kept but not listed\n", "x.txt")
    assert client.get(f"/attachments/{unlisted.sha256}").status_code == 404
    for bad in ("..%2F..%2Fboard.toml", "0" * 63, "A" * 64, "../register.sqlite", "%2e%2e"):
        assert client.get(f"/attachments/{bad}").status_code == 404, bad


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("page.html", b"<!doctype html><script>alert(1)</script>", "web page"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "web page"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 100, "program"),
        ("big.pdf", PDF + b"0" * LIMIT, "largest taken"),
        ("empty.pdf", b"", "choose a file|empty"),
    ],
)
def test_refused_uploads_write_nothing(
    web_board: Path,
    client_for: Client,
    history_count: Callable[[Path], int],
    name: str,
    content: bytes,
    message: str,
) -> None:
    client = client_for("ada")
    count = history_count(web_board)
    response = attach(client, "e-dataset-q4", name, content, "text/html")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert re.search(message, error_beside(response.text, "f-file")), response.text  # type: ignore[attr-defined]
    assert history_count(web_board) == count
    assert stored_files(web_board) == []
    assert "attachments" not in record(web_board, "e-dataset-q4")


def test_an_editor_attaches_only_to_its_own_agencys_evidence(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int], csrf: Callable[[TestClient], str]
) -> None:
    ed = client_for("ed")
    count = history_count(web_board)
    response = ed.post(
        "/r/e-dataset-q4/attach",
        data={"csrf_token": csrf(ed), "version": "1"},
        files={"file": ("a.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert history_count(web_board) == count and stored_files(web_board) == []
    # its own evidence: allowed
    _page, hidden = open_form(ed, "/new/evidence")
    added = ed.post(
        "/new/evidence",
        data={
            **hidden,
            "id": "e-police",
            "title": "Encompass log",
            "kind": "audit",
            "date": "2019-03-01",
            "source": "met-police",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    assert attach(ed, "e-police", "log.csv", b"date,calls\n2019-03-01,4\n", "text/csv").status_code == 303  # type: ignore[attr-defined]
    (listed,) = record(web_board, "e-police")["attachments"]
    assert listed["media_type"] == "text/csv" and listed["name"] == "log.csv"


def test_no_file_is_written_outside_the_attachments_folder(web_board: Path, client_for: Client) -> None:
    before = {p for p in web_board.rglob("*") if p.is_file() and "attachments" not in p.parts}
    client = client_for("ada")
    for name in ("../../../../tmp/evil.pdf", "..\\..\\evil.pdf", "/etc/cron.d/evil.pdf", "register.sqlite"):
        assert attach(client, "e-dataset-q4", name, PDF + name.encode()).status_code == 303  # type: ignore[attr-defined]
    names = [a["name"] for a in record(web_board, "e-dataset-q4")["attachments"]]
    assert names == ["evil.pdf", "evil.pdf", "evil.pdf", "register.sqlite.pdf"]
    after = {p for p in web_board.rglob("*") if p.is_file() and "attachments" not in p.parts}
    assert {p.name for p in after - before} <= {
        "register.sqlite-wal",
        "register.sqlite-shm",
        "accounts.sqlite-wal",
        "accounts.sqlite-shm",
    }
    assert not Path("/tmp/evil.pdf").exists() or Path("/tmp/evil.pdf").read_bytes() != PDF
    assert all(re.fullmatch(r"[0-9a-f]{64}", p.name) for p in stored_files(web_board))
    assert len(stored_files(web_board)) == 4
    assert os.access(web_board / "attachments", os.W_OK)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=1, max_size=200))
def test_any_uploaded_file_name_over_http(web_board: Path, client_for: Client, name: str) -> None:
    """Whatever name a browser sends with the file, the evidence lists a safe base name and the
    file is kept only under its digest in the attachments folder."""
    client = client_for("ada")
    content = b"notes on " + name.encode("utf-8", "surrogatepass").hex().encode() + b"\n"
    before = {p for p in web_board.rglob("*") if p.is_file() and "attachments" not in p.parts}
    response = attach(client, "e-dataset-q4", name, content, "text/plain")
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    listed = record(web_board, "e-dataset-q4")["attachments"][-1]
    kept = listed["name"]
    assert kept == safe_name(kept, "text/plain")  # already safe: nothing more to take away
    assert "/" not in kept and "\\" not in kept and not kept.startswith(".") and len(kept) <= 120
    digest = hashlib.sha256(content).hexdigest()
    assert listed["sha256"] == digest
    assert (web_board / "attachments" / digest[:2] / digest).read_bytes() == content
    after = {p for p in web_board.rglob("*") if p.is_file() and "attachments" not in p.parts}
    assert {p.name for p in after - before} <= {"register.sqlite-wal", "register.sqlite-shm"}
    download = client.get(f"/attachments/{digest}")
    assert download.headers["content-disposition"] == content_disposition(kept)


def test_an_upload_without_the_csrf_token_is_refused(
    web_board: Path, client_for: Client, history_count: Callable[[Path], int]
) -> None:
    client = client_for("ada")
    _page, hidden = open_form(client, "/r/e-dataset-q4/attach")
    count = history_count(web_board)
    response = client.post(
        "/r/e-dataset-q4/attach",
        data={"version": hidden["version"]},
        files={"file": ("a.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert history_count(web_board) == count and stored_files(web_board) == []


def test_take_a_file_off_an_evidence_record(web_board: Path, client_for: Client) -> None:
    client = client_for("ada")
    assert attach(client, "e-dataset-q4", "one.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    assert attach(client, "e-dataset-q4", "two.png", PNG, "image/png").status_code == 303  # type: ignore[attr-defined]
    page, hidden = open_form(client, "/r/e-dataset-q4/attach")
    assert "one.pdf (application/pdf)" in page and "two.png (image/png)" in page
    response = client.post(
        "/r/e-dataset-q4/attach", data={**hidden, "remove": ["0"]}, follow_redirects=False
    )  # no file: only taking one off
    assert response.status_code == 303, response.text
    (left,) = record(web_board, "e-dataset-q4")["attachments"]
    assert left["name"] == "two.png"
    assert history(web_board, "e-dataset-q4")[-1].note == "took one.pdf off"
    assert len(stored_files(web_board)) == 2  # the file stays: the history still names it
    page, hidden = open_form(client, "/r/e-dataset-q4/attach")
    response = client.post("/r/e-dataset-q4/attach", data={**hidden, "remove": ["0"]}, follow_redirects=False)
    assert response.status_code == 303
    assert "attachments" not in record(web_board, "e-dataset-q4")
    _page, hidden = open_form(client, "/r/e-dataset-q4/attach")
    response = client.post("/r/e-dataset-q4/attach", data=hidden, follow_redirects=False)
    assert response.status_code == 400
    assert error_beside(response.text, "f-file") == "choose a file to attach"


def test_add_evidence_with_its_file(web_board: Path, client_for: Client, history_count: Callable[[Path], int]) -> None:
    client = client_for("ada")
    page, hidden = open_form(client, "/new/evidence")
    assert 'enctype="multipart/form-data"' in page and '<label for="f-file">' in page
    values = {
        "id": "e-with-file",
        "title": "Audit report",
        "kind": "audit",
        "date": "2019-04-01",
        "supports": "a-dataset",
    }
    response = client.post(
        "/new/evidence",
        data={**hidden, **values},
        files={"file": ("report.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    stored = record(web_board, "e-with-file")
    assert stored["attachments"] == [
        {
            "name": "report.pdf",
            "sha256": hashlib.sha256(PDF).hexdigest(),
            "size": len(PDF),
            "media_type": "application/pdf",
        }
    ]
    assert len(history(web_board, "e-with-file")) == 1  # one change: the record with its file
    count = history_count(web_board)
    refused = client.post(
        "/new/evidence",
        data={**hidden, **values, "id": "e-page"},
        files={"file": ("page.html", b"<html><script>alert(1)</script></html>", "text/html")},
        follow_redirects=False,
    )
    assert refused.status_code == 400 and "web page" in error_beside(refused.text, "f-file")
    assert 'value="Audit report"' in refused.text  # the rest as it was typed
    assert history_count(web_board) == count and len(stored_files(web_board)) == 1


# --------------------------------------------------------------------------- refused writes leave no file


def upload(client: TestClient, url: str, hidden: dict[str, str], name: str, content: bytes, **data: str) -> object:
    """POST ``content`` as the file of the form at ``url`` opened earlier (``hidden``: its csrf_token and version)."""
    return client.post(
        url, data={**hidden, **data}, files={"file": (name, content, "application/pdf")}, follow_redirects=False
    )


def changed_meanwhile(client: TestClient, evidence: str) -> None:
    """Someone saves the evidence record (its title) after the attach form was opened."""
    from test_forms import form_values

    page, hidden = open_form(client, f"/r/{evidence}/edit")
    saved = client.post(
        f"/r/{evidence}/edit",
        data={**form_values(page), **hidden, "title": "Changed meanwhile"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text


def test_a_conflicting_attach_leaves_no_file(web_board: Path, client_for: Client) -> None:
    ada = client_for("ada")
    _page, hidden = open_form(ada, "/r/e-dataset-q4/attach")
    changed_meanwhile(ada, "e-dataset-q4")
    response = upload(ada, "/r/e-dataset-q4/attach", hidden, "late.pdf", PDF)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert stored_files(web_board) == []  # the folder as it was
    assert "attachments" not in record(web_board, "e-dataset-q4")


def test_an_attach_refused_for_want_of_rights_leaves_no_file(
    web_board: Path, client_for: Client, monkeypatch: pytest.MonkeyPatch, history_count: Callable[[Path], int]
) -> None:
    """The role check made on the record as it would be stored (inside the write's transaction)
    refuses it: the transaction is rolled back, and the file it would have listed is not kept."""
    from lif_web import web

    allowed = web.can_change

    def no_files(who: object, collection: str, stored: dict[str, object], *args: object, **kwargs: object) -> bool:
        return allowed(who, collection, stored, *args, **kwargs) and not stored.get("attachments")  # type: ignore[arg-type]

    ada = client_for("ada")
    _page, hidden = open_form(ada, "/r/e-dataset-q4/attach")
    count = history_count(web_board)
    monkeypatch.setattr(web, "can_change", no_files)
    response = upload(ada, "/r/e-dataset-q4/attach", hidden, "a.pdf", PDF)
    assert response.status_code == 403, response.text  # type: ignore[attr-defined]
    assert history_count(web_board) == count and stored_files(web_board) == []


def test_a_refused_new_evidence_leaves_no_file(web_board: Path, client_for: Client) -> None:
    ada = client_for("ada")
    _page, hidden = open_form(ada, "/new/evidence")
    fields = {"id": "e-dataset-q4", "title": "Used id", "kind": "audit", "date": "2019-04-01"}  # its id is taken
    response = upload(ada, "/new/evidence", hidden, "report.pdf", PDF, **fields)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "already used" in error_beside(response.text, "f-id")  # type: ignore[attr-defined]
    assert "not attached" in error_beside(response.text, "f-file")  # type: ignore[attr-defined]
    assert stored_files(web_board) == []


def test_a_refused_upload_of_a_file_a_record_lists_keeps_it(web_board: Path, client_for: Client) -> None:
    """Two records may list one file (the same bytes): a refused upload of those bytes never
    takes away the file another record lists."""
    ada = client_for("ada")
    assert attach(ada, "e-dataset-q4", "dataset.pdf", PDF).status_code == 303  # type: ignore[attr-defined]
    kept = stored_files(web_board)
    digest = hashlib.sha256(PDF).hexdigest()
    assert kept == [web_board / "attachments" / digest[:2] / digest]
    _page, hidden = open_form(ada, "/r/e-maca-da/attach")
    changed_meanwhile(ada, "e-maca-da")
    assert upload(ada, "/r/e-maca-da/attach", hidden, "same.pdf", PDF).status_code == 409  # type: ignore[attr-defined]
    _page, hidden = open_form(ada, "/new/evidence")
    fields = {"id": "e-maca-da", "title": "Used id", "kind": "audit", "date": "2019-04-01"}
    assert upload(ada, "/new/evidence", hidden, "same.pdf", PDF, **fields).status_code == 400  # type: ignore[attr-defined]
    assert stored_files(web_board) == kept and kept[0].read_bytes() == PDF
    download = ada.get(f"/attachments/{digest}")
    assert download.status_code == 200 and download.content == PDF
