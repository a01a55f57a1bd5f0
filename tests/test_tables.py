"""The formats for analysts: the workbook (``xlsx``) opens with typed cells, a frozen header and
valid sheet names; CSV is a ZIP of a file per table whose Data Package describes each one; JSON
(``lif-document/2``) validates against its published schema; and no hostile text becomes a
formula in any of them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import Plugins
from lif_core.builtins import renderers
from lif_core.builtins.tables import (
    CsvZipRenderer,
    JsonRenderer,
    TidyCsvRenderer,
    XlsxRenderer,
    sheet_names,
    xml_safe,
)
from lif_core.cli import make_cli
from lif_core.disclosure import protect
from lif_core.document import SUPPRESSED, Chart, Count, Document, Figure, Rag, Section, Table

from .conftest import ROOT

SCHEMA = json.loads((ROOT / "docs" / "schema" / "lif-document-2.schema.json").read_text(encoding="utf-8"))
EXAMPLES = {
    "croydon": ROOT / "examples" / "croydon",
    "wt2023-partnership": ROOT / "examples" / "wt2023-partnership",
    "wales-regional": ROOT / "examples" / "wales-regional",
}
#: Where each example's report is written once for this test run.
OUT = Path(tempfile.mkdtemp(prefix="lif-tables-"))
HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "=1+1\r\n=2+2",
    "\uff1dSUM(A1)",
    "bad \x00 \x07 \x1b[31m \ufffe chars",
]


@cache
def example(name: str, fmt: str) -> bytes:
    out = OUT / f"{name}.{fmt}"
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(EXAMPLES[name]), "-f", fmt, "-o", str(out), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def validator() -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    return jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def tables_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def walk(section: dict[str, Any]) -> None:
        out.extend(b for b in section["blocks"] if b["type"] == "table")
        for sub in section["sections"]:
            walk(sub)

    for s in data["sections"]:
        walk(s)
    return out


def hostile_document(text: str = HOSTILE[0]) -> Document:
    """A protected document with hostile text everywhere a board's text can go, and every kind of cell."""
    table = Table(
        (text, "Count", "Share", "Money", "Day", "RAG"),
        (
            (
                text,
                Count(3),
                Figure(13.0, "13%", "%"),
                Figure(228000, "£228,000", "£"),
                dt.date(2018, 7, 12),
                Rag(text, "red"),
            ),
            ("k row", Count(40), Figure(None, "k", "%", 1), Figure(1.5, "£1.50", "£", 2), None, Rag("Green", "green")),
            ("Total", Count(43), Figure(-35.0, "-35.0%", "%", 1), "", dt.date(2019, 3, 31), Rag("No target", "none")),
        ),
        caption=text,
    )
    chart = Chart(
        text, (("2017-18", 1.5), ("2018-19", None)), "percent", 2.0, references=((text, 3.0),), polarity="lower"
    )
    document = Document(
        kind="impact-report",
        title=text,
        subtitle=text,
        sections=(Section(text, (table, chart), (Section(text, (table,)),), key="dataset"),),
        meta=(("Board", text),),
        author=text,
        date=dt.date(2019, 3, 31),
    )
    return protect(document)


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_report_validates_against_the_published_schema(name: str) -> None:
    data = json.loads(example(name, "json"))
    assert data["schema"] == "lif-document/2"
    errors = [f"{e.json_path}: {e.message[:200]}" for e in validator().iter_errors(data)]
    assert not errors, errors[:5]


def test_json_numbers_are_numbers_with_the_text_beside() -> None:
    data = json.loads(example("croydon", "json"))
    tables = {t["caption"]: t for t in tables_of(data)}
    scorecard = tables["Scorecard"]
    assert scorecard["columns"][:3] == ["Measure", "Period", "Latest"]
    first = dict(zip(scorecard["columns"], scorecard["rows"][0], strict=True))
    assert first["Period"] == "2018-19"
    assert first["Latest"] == {"type": "figure", "value": 13.0, "text": "13%", "unit": "%", "places": 0}
    assert (
        first["Variance from target (% of target)"]["value"] == -35.0
        and first["Variance from target (% of target)"]["text"] == "-35.0%"
    )
    assert first["RAG"] == {"type": "rag", "text": "Green", "rag": "green"}
    money = tables["Partner contributions, 2018-19"]["rows"][0]
    assert money[1] == {"type": "figure", "value": 228000, "text": "£228,000", "unit": "£", "places": 0}
    assert money[3]["value"] == 70.3 and money[3]["text"] == "70.3%"
    said = tables["You said, we did"]["rows"][0]
    assert said[1] == {"type": "date", "value": "2018-07-12", "text": "2018-07-12"}
    charts = [b for s in data["sections"] for sub in s["sections"] for b in sub["blocks"] if b["type"] == "chart"]
    assert charts and charts[0]["polarity"] == "lower"
    assert {"label": "England 2018-19", "value": 22.6} in charts[0]["references"]


def test_hostile_document_validates_and_hides_what_disclosure_control_hid() -> None:
    data = json.loads(JsonRenderer().render(hostile_document()))
    assert not list(validator().iter_errors(data))
    rows = tables_of(data)[0]["rows"]
    assert rows[0][1] == {"type": "suppressed", "value": None, "text": SUPPRESSED}  # 3 children: hidden
    assert rows[1][2] == {"type": "figure", "value": None, "text": "k", "unit": "%", "places": 1, "small": True}
    assert data["title"] == HOSTILE[0] and data["author"] == HOSTILE[0]


def test_an_earlier_report_in_lif_document_1_is_still_read_by_previous(tmp_path: Path) -> None:
    """--previous reads only a report's snapshot and meta: a report written before numbers were
    typed (lif-document/1) still gives what changed."""
    data = json.loads(example("croydon", "json"))
    data["schema"] = "lif-document/1"
    for table in tables_of(data):  # /1 wrote every figure as its text
        table["rows"] = [[c["text"] if isinstance(c, dict) else c for c in row] for row in table["rows"]]
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(EXAMPLES["croydon"]), "--previous", str(earlier), "-f", "json", "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["schema"] == "lif-document/2"


# ---------------------------------------------------------------- xlsx


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def header(ws: Any) -> dict[str, int]:
    return {c.value: c.column for c in ws[XlsxRenderer.HEADER_ROW] if c.value is not None}


def test_croydon_workbook_has_typed_cells_and_frozen_headers() -> None:
    book = workbook(example("croydon", "xlsx"))
    assert book.sheetnames[0] == "Contents"
    contents = book["Contents"]
    texts = [c.value for row in contents.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Croydon Safeguarding Children Board" in texts and any("counts from children's records" in t for t in texts)
    links = [c for row in contents.iter_rows() for c in row if c.hyperlink is not None]
    assert len(links) == len(book.sheetnames) - 1
    assert {c.value for c in links} == set(book.sheetnames[1:])

    ws = book["Scorecard"]
    cols = header(ws)
    assert ws.freeze_panes == f"A{XlsxRenderer.HEADER_ROW + 1}"
    assert all(c.font.b for c in ws[XlsxRenderer.HEADER_ROW] if c.value)
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith(f"A{XlsxRenderer.HEADER_ROW}:")
    first = XlsxRenderer.HEADER_ROW + 1
    latest = ws.cell(first, cols["Latest"])
    assert latest.data_type == "n" and latest.value == 0.13 and latest.number_format == "0%"
    variance = ws.cell(first, cols["Variance from target (% of target)"])
    assert variance.value == -0.35 and variance.number_format == "0.0%"
    rag = ws.cell(first, cols["RAG"])
    assert rag.value == "Green" and rag.fill.fill_type == "solid"
    assert ws.column_dimensions["A"].width > ws.column_dimensions["B"].width  # from content

    money = book["Partner contributions, 2018-19"]
    cols = header(money)
    amount = money.cell(first, cols["Amount"])
    assert amount.value == 228000 and amount.number_format == '"£"#,##0'

    said = book["You said, we did"]
    when = said.cell(first, header(said)["When"])
    assert when.value == dt.datetime(2018, 7, 12) and when.is_date


def test_sheet_names_are_valid_and_unique() -> None:
    for data in (
        example("croydon", "xlsx"),
        example("wales-regional", "xlsx"),
        XlsxRenderer().render(hostile_document()),
    ):
        names = workbook(data).sheetnames
        assert len({n.lower() for n in names}) == len(names)
        for name in names:
            assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) and name[0] != "'" and name[-1] != "'"


@given(st.lists(st.text(max_size=60), max_size=8))
def test_sheet_names_from_any_captions(captions: list[str]) -> None:
    names = sheet_names(captions)
    assert len(names) == len(captions)
    assert len({n.lower() for n in [*names, "contents", "history"]}) == len(names) + 2
    for name in names:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", name)
        assert not name.startswith("'") and not name.endswith("'")


@pytest.mark.parametrize("text", HOSTILE)
def test_no_text_in_a_workbook_becomes_a_formula(text: str) -> None:
    data = XlsxRenderer().render(hostile_document(text))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    book = workbook(data)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    assert xml_safe(text) in {c.value for c in cells}
    hidden = [c for c in cells if c.value == SUPPRESSED]
    assert hidden and all(c.data_type == "s" for c in hidden)  # the symbol, as text


# ---------------------------------------------------------------- CSV: a ZIP of a file per table


def read_package(data: bytes) -> tuple[dict[str, Any], dict[str, list[list[str]]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        package = json.loads(archive.read("datapackage.json"))
        files = {
            name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
    return package, files


def check_package(package: dict[str, Any], files: dict[str, list[list[str]]]) -> None:
    """Every CSV is a resource of the Data Package, its header the schema's fields, and each
    value of its type (or a missing value)."""
    assert {r["path"] for r in package["resources"]} == set(files)
    for resource in package["resources"]:
        rows = files[resource["path"]]
        fields = resource["schema"]["fields"]
        missing = resource["schema"]["missingValues"]
        assert missing == ["", "c", "k"]
        assert rows[0] == [f["name"] for f in fields]
        for row in rows[1:]:
            assert len(row) == len(fields)
            for value, field in zip(row, fields, strict=True):
                if value in missing:
                    continue
                if field["type"] == "integer":
                    int(value)
                elif field["type"] == "number":
                    float(value)
                elif field["type"] == "date":
                    dt.date.fromisoformat(value)


def test_croydon_csv_is_a_zip_of_tables_described_by_a_data_package() -> None:
    data = example("croydon", "csv")
    package, files = read_package(data)
    check_package(package, files)
    assert package["profile"] == "tabular-data-package"
    assert "Disclosure control" in package["lif"]["meta"] and "Disclosure control" in package["description"]
    scorecard = next(r for r in package["resources"] if r["title"] == "Scorecard")
    rows = files[scorecard["path"]]
    assert rows[0][:3] == ["Measure", "Period", "Latest"]
    assert rows[1][1:3] == ["2018-19", "13"]
    types = {f["name"]: f["type"] for f in scorecard["schema"]["fields"]}
    assert types["Latest"] == "number" and types["Variance from target (% of target)"] == "number"
    money = next(r for r in package["resources"] if r["title"] == "Partner contributions, 2018-19")
    assert files[money["path"]][0][:2] == ["Partner", "Amount (£)"] and files[money["path"]][1][1] == "228000"
    said = next(r for r in package["resources"] if r["title"] == "You said, we did")
    assert {f["name"]: f["type"] for f in said["schema"]["fields"]}["When"] == "date"
    # the same document gives the same bytes: every file is dated alike
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_tidy_csv_is_kept_as_csv_tidy() -> None:
    rows = list(csv.reader(io.StringIO(example("croydon", "csv-tidy").decode("utf-8"))))
    assert rows[0] == ["section", "table", "row", "column", "value"]
    assert rows[-1][:3] == ["About this document", "About this document", "1"]
    assert any(r[1] == "Scorecard" and r[3] == "Latest" and r[4] == "13%" for r in rows)


# ---------------------------------------------------------------- any hostile text, every format

# Text a person might type (any character but surrogates), biased to what starts formulas.
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.builds(
        lambda a, b: a + b, st.sampled_from(["=", "+", "-", "@", "\t", "\r", " =", "\uff1d"]), st.text(max_size=20)
    ),
)


def _safe_cell(value: str, starts: tuple[str, ...]) -> bool:
    """A cell no spreadsheet reads as a formula: it starts with none of ``starts``, is quoted
    with a leading apostrophe, or is a plain signed number ("+0", "-3", "+2.5"), which a
    spreadsheet reads as that number (csv_safe's documented exemption)."""
    return (
        not value.lstrip(" ").startswith(starts)
        or value.startswith("'")
        or renderers._PLAIN_NUMBER.fullmatch(value) is not None
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_hostile_text_round_trips_and_is_never_a_formula(text: str) -> None:
    document = hostile_document(text)
    # JSON: exactly the text, valid against the schema
    data = json.loads(JsonRenderer().render(document))
    assert data["title"] == text and not list(validator().iter_errors(data))
    # CSV: the ZIP's files parse, match their Data Package, and no cell starts a formula
    package, files = read_package(CsvZipRenderer().render(document))
    check_package(package, files)
    for rows in files.values():
        for row in rows:
            for value in row:
                assert _safe_cell(value, ("=", "+", "@", "\t", "\r", "\uff1d"))
    # the tidy CSV too
    for row in csv.reader(io.StringIO(TidyCsvRenderer().render(document).decode("utf-8"))):
        for value in row:
            assert _safe_cell(value, ("=", "+", "@", "\uff1d"))
    # xlsx: the text as text (characters XML cannot hold replaced), never a formula
    book = workbook(XlsxRenderer().render(document))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    if xml_safe(text).strip():
        assert xml_safe(text).replace("\r\n", "\n").replace("\r", "\n") in {
            str(c.value).replace("\r\n", "\n").replace("\r", "\n") for c in cells
        }
