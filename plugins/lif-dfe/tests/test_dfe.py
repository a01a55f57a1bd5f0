"""The DfE formats: the real sample files load, messy input is reported with its place, and
hostile XML is refused before it is read."""

from __future__ import annotations

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_dfe import AnnexAAdapter, CinCensusAdapter, Ssda903Adapter
from lif_dfe.fake import write_cin, write_ssda903
from lif_dfe.ssda903 import TABLES, detect_table

from lif_core import LifError, Plugins, load_board
from lif_core.data import DataError, Pseudonymiser, SourceReport, read_source

ROOT = Path(__file__).resolve().parents[3]
DFE = ROOT.parent / "shared" / "reference" / "dfe"
needs_samples = pytest.mark.skipif(not DFE.is_dir(), reason=f"the DfE samples are not beside the project at {DFE}")
CIN = CinCensusAdapter()


@needs_samples
@pytest.mark.parametrize(
    "sample", sorted(p.name for p in (DFE / "cin_census").glob("sample*.xml")) if DFE.is_dir() else []
)
@pytest.mark.parametrize("table", ["children", "referrals", "assessments", "section47", "cp-plans", "cin-plans"])
def test_every_cin_sample_loads_in_every_table(sample: str, table: str) -> None:
    records = list(CIN.read(DFE / "cin_census" / sample, {"table": table}))
    assert all(r.location.startswith("Message/Children[1]/Child[") for r in records)
    if table in ("children", "referrals"):
        assert records and all(r.fields["child"] for r in records)


@needs_samples
def test_cin_sample_details() -> None:
    path = DFE / "cin_census" / "sample-CIN_Census_2026.xml"
    first = next(iter(CIN.read(path, {"table": "assessments", "after_reference_date": "keep"})))
    assert first.fields["start"] == "2028-04-28" and first.fields["authorised"] == "2020-09-19"  # messy, kept as given
    assert (
        "start",
        "is after the census reference date (2024-03-31): kept as given, so it counts in a period after the census "
        "ended [after-reference-date: kept]",
    ) in first.warnings
    # By default an assessment starting after the census's reference date is left out.
    first = next(iter(CIN.read(path, {"table": "assessments"})))
    assert first.fields["start"] is None and first.fields["authorised"] is None
    assert (
        "start",
        "is after the census reference date (2024-03-31): the record is left out: its dates are emptied, so no "
        "indicator counts it [after-reference-date: left out]",
    ) in first.warnings
    assert (
        "Header/CollectionDetails/Year",
        "the header says 2023 but the file name says 2026: read as 2023",
    ) in first.warnings
    assert ("factors", "assessment factor 'RB' is not a 2023 CIN census code; kept as given") in first.warnings
    plans = list(CIN.read(DFE / "cin_census" / "sample-CIN2rows.xml", {"table": "cp-plans"}))
    assert len(plans) == 2


@needs_samples
@pytest.mark.parametrize(
    "sample",
    [
        "header",
        "episodes",
        "reviews",
        "missing",
        "oc2",
        "oc3",
        "ad1",
        "placed_for_adoption",
        "previous_permanence",
        "sw_episodes",
    ],
)
def test_ssda903_samples_load_through_the_checked_reader(tmp_path: Path, sample: str) -> None:
    board = _board_with(tmp_path, f"sample-{sample}.csv", "ssda903", {})
    loaded = load_board(board)
    report = SourceReport("s")
    rows = list(
        read_source(loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32))
    )
    assert rows and report.errors == 0
    assert all(str(r["CHILD"]).startswith("c") for r in rows)
    if "DOB" in rows[0]:
        assert all(r["DOB"] is None or len(r["DOB"]) == 7 for r in rows)  # year-month only


@needs_samples
def test_ssda903_episodes_dates_and_postcodes(tmp_path: Path) -> None:
    board = _board_with(tmp_path, "sample-episodes.csv", "ssda903", {})
    loaded = load_board(board)
    rows = list(read_source(loaded, loaded.board.sources[0], Plugins.create(), pseudonymiser=Pseudonymiser(b"k" * 32)))
    assert rows[0]["DECOM"] == dt.date(2016, 2, 15)
    assert rows[1]["HOME_POST"] == "EG19 7" and rows[1]["PL_POST"] == "WV27 9"
    assert detect_table(list(TABLES["episodes"][0])) == "episodes"


@needs_samples
@pytest.mark.parametrize("number", range(1, 12))
def test_annex_a_lists(tmp_path: Path, number: int) -> None:
    board = _board_with(
        tmp_path, "sample-Annex_A_2024_Jan.xlsx", "annex-a", {"list": number}, on_error="warn", folder="annex_a"
    )
    loaded = load_board(board)
    report = SourceReport("s")
    rows = list(
        read_source(loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32))
    )
    assert rows and report.rows == len(rows)
    assert not any("Allocated Worker" in r for r in rows)  # staff names are dropped
    if number == 10:  # the sample's adoption dates are formulas with no value: reported, not taken
        assert report.warnings and "'=H2+5' is not a date" in str(report.problems[0])
    if number == 8:
        assert any("Placement postcode: is not a UK postcode" in str(p) for p in report.problems)


@needs_samples
def test_annex_a_readable_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lif validate's check: the options, then the list's sheet as the xlsx adapter checks one."""
    from lif_core.builtins.sources import XlsxAdapter

    sample = DFE / "annex_a" / "sample-Annex_A_2024_Jan.xlsx"
    annex = AnnexAAdapter()
    assert all(annex.check(sample, {"list": n}) == [] for n in range(1, 12))
    assert annex.check(sample, {"list": 12})[0].startswith("option list must be a whole number from 1 to 11")
    assert annex.check(sample, {"list": 1, "sheet": "x"}) == [
        "sample-Annex_A_2024_Jan.xlsx: unknown option(s) sheet; known: list"
    ]
    assert annex.check(tmp_path / "annex.csv", {"list": 1}) == ["annex.csv does not end in .xlsx or .xlsm"]
    (tmp_path / "annex.xlsx").write_text("not a zip")
    assert annex.check(tmp_path / "annex.xlsx", {"list": 1})[0].startswith("annex.xlsx: not a readable .xlsx workbook")
    asked: list[dict[str, object]] = []
    monkeypatch.setattr(XlsxAdapter, "check", lambda _self, _path, options: asked.append(dict(options)) or [])
    assert annex.check(sample, {"list": 7}) == [] and asked == [{"sheet": "List 7"}]


def _board_with(
    tmp_path: Path,
    sample: str,
    adapter: str,
    options: dict[str, object],
    on_error: str = "fail",
    folder: str = "ssda903",
) -> Path:
    board = tmp_path / "b"
    board.mkdir()
    shutil.copy(DFE / folder / sample, board / sample)
    opts = ", ".join(f"{k} = {v!r}" for k, v in options.items())
    (board / "board.toml").write_text(
        '[board]\nid = "b"\nname = "B"\narea = "A"\n[[sources]]\nid = "s"\n'
        f'adapter = "{adapter}"\npath = "{sample}"\non_error = "{on_error}"\noptions = {{ {opts} }}\n'
    )
    return board


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Message><Children><Child><ChildIdentifiers><LAchildID>&lol9;</LAchildID></ChildIdentifiers></Child></Children></Message>
"""


def test_an_entity_expansion_bomb_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "bomb-2019.xml"
    path.write_text(BOMB)
    started = time.perf_counter()
    with pytest.raises(LifError) as info:
        list(CIN.read(path, {}))
    elapsed = time.perf_counter() - started
    assert str(info.value).startswith(
        "bomb-2019.xml: refused: the file declares a DTD, entities or external references (DTDForbidden)"
    )
    print(f"entity bomb refused in {elapsed * 1000:.1f} ms")  # reported, never asserted: no timing assertions


def test_external_entities_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe-2019.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Message>&x;</Message>\n'
    )
    with pytest.raises(LifError, match="refused"):
        list(CIN.read(path, {}))


def test_malformed_xml_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken-2019.xml"
    path.write_text("<Message>\n<Children>\n<Child></Children>\n</Message>\n")
    with pytest.raises(LifError, match=r"broken-2019\.xml: line 3, column 9: not well-formed XML"):
        list(CIN.read(path, {}))


def test_year_detection(tmp_path: Path) -> None:
    body = "<Message><Children><Child><ChildIdentifiers><LAchildID>A</LAchildID></ChildIdentifiers></Child></Children></Message>"
    named = tmp_path / "cin_2021_return.xml"
    named.write_text(body)
    (record,) = CIN.read(named, {"table": "children"})
    assert record.fields["collection_year"] == 2021 and record.warnings == ()
    anonymous = tmp_path / "cin.xml"
    anonymous.write_text(body)
    with pytest.raises(LifError, match="no collection year in the header or the file name: set option year"):
        list(CIN.read(anonymous, {}))
    (record,) = CIN.read(anonymous, {"table": "children", "year": 2018})
    assert record.fields["collection_year"] == 2018
    with pytest.raises(LifError, match="option table must be one of"):
        list(CIN.read(anonymous, {"table": "everything", "year": 2018}))


def test_blank_child_identifier_is_an_error_naming_the_element(tmp_path: Path) -> None:
    board = tmp_path / "b"
    board.mkdir()
    (board / "cin-2019.xml").write_text(
        "<Message><Children><Child><ChildIdentifiers><LAchildID> </LAchildID></ChildIdentifiers>"
        "<CINdetails><CINreferralDate>2019-01-01</CINreferralDate></CINdetails></Child></Children></Message>"
    )
    (board / "board.toml").write_text(
        '[board]\nid = "b"\nname = "B"\narea = "A"\n[[sources]]\nid = "s"\nadapter = "cin-census"\npath = "cin-2019.xml"\n'
    )
    loaded = load_board(board)
    with pytest.raises(DataError) as info:
        list(read_source(loaded, loaded.board.sources[0], Plugins.create(), pseudonymiser=Pseudonymiser(b"k" * 32)))
    assert (
        str(info.value)
        == "cin-2019.xml: Message/Children[1]/Child[1]/CINdetails[1]: child: is blank: every record needs the child's identifier"
    )


def test_fake_returns_are_seeded_and_readable(tmp_path: Path) -> None:
    write_cin(tmp_path / "a-2019.xml", 50, 2019, seed=3)
    write_cin(tmp_path / "b-2019.xml", 50, 2019, seed=3)
    assert (tmp_path / "a-2019.xml").read_bytes() == (tmp_path / "b-2019.xml").read_bytes()
    assert len(list(CIN.read(tmp_path / "a-2019.xml", {"table": "children"}))) == 50
    write_ssda903(tmp_path / "lac", 20, 2019, seed=3)
    assert len(list(Ssda903Adapter().read(tmp_path / "lac" / "header.csv", {}))) == 20
    assert len(list(AnnexAAdapter().field_specs({}, ["Date of Contact"]))) == 8


def test_prolog_check(tmp_path: Path) -> None:
    """The fast parser is used only when the prolog provably declares no DTD."""
    from lif_dfe.cin import _prolog

    cases = {
        "plain.xml": ('<?xml version="1.0"?>\n<!-- a comment -->\n<Message/>', "ok"),
        "dtd.xml": ('<?xml version="1.0"?>\n<!DOCTYPE m SYSTEM "x.dtd">\n<Message/>', "dtd"),
        "bom.xml": ("\ufeff<Message/>", "ok"),
        "unclosed.xml": ("<!-- never closed", "unknown"),
    }
    for name, (text, verdict) in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert _prolog(tmp_path / name) == verdict, name
    (tmp_path / "utf16.xml").write_text('<?xml version="1.0" encoding="utf-16"?><Message/>', encoding="utf-16")
    assert _prolog(tmp_path / "utf16.xml") == "unknown"  # left to defusedxml


def test_a_utf16_bomb_is_refused_by_defusedxml(tmp_path: Path) -> None:
    path = tmp_path / "bomb16-2019.xml"
    path.write_text(BOMB.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>'), encoding="utf-16")
    with pytest.raises(LifError, match="refused"):
        list(CIN.read(path, {}))


# --------------------------------------------------------------------------- the fast path


def _every_table(path: Path, monkeypatch: pytest.MonkeyPatch, *, streamed: bool, chunk: int = 1 << 16) -> object:
    """Every table's records, read by the fast path or from events (the census streamed, as a
    large one is), or the error reading gives."""
    from lif_dfe import cin

    monkeypatch.setattr(cin, "SMALL_FILE", 0)
    monkeypatch.setattr(cin, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(cin, "MAX_RUN", max(3 * chunk, 2500))  # a child fits; a spaced file's rest does not
    if streamed:
        monkeypatch.setattr(cin, "_layout", lambda _path: None)
    try:
        tables: dict[int, list[object]] = {}
        options = [{"table": t} for t in cin.TABLES]
        for index, batch in CIN.batches_for(path, options):
            tables.setdefault(index, []).extend(batch.records())
        return tables
    except LifError as exc:
        return str(exc)
    finally:
        monkeypatch.undo()


def _fast_path_taken(path: Path, chunk: int = 1 << 16) -> bool:
    """Whether the fast path is taken, the same whatever the size of the blocks read."""
    from lif_dfe import cin

    layouts = set()
    for size in (chunk, 1 << 16):
        saved, cin.CHUNK_BYTES = cin.CHUNK_BYTES, size
        try:
            layouts.add(cin._layout(path))
        finally:
            cin.CHUNK_BYTES = saved
    (layout,) = layouts
    return layout is not None


@needs_samples
@pytest.mark.parametrize(
    "sample", sorted(p.name for p in (DFE / "cin_census").glob("sample*.xml")) if DFE.is_dir() else []
)
def test_the_fast_path_reads_each_sample_as_the_event_parser_does(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = DFE / "cin_census" / sample
    assert _fast_path_taken(path, 13)
    streamed = _every_table(path, monkeypatch, streamed=True)
    assert isinstance(streamed, dict) and streamed
    for chunk in (1 << 16, 97, 13):  # runs of many children, and a cut at every </Child>
        assert _every_table(path, monkeypatch, streamed=False, chunk=chunk) == streamed


@pytest.mark.parametrize(
    "trouble", [None, "comment", "cdata", "pi", "second", "broken", "entity", "tail", "spaced", "nested", "header"]
)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=st.integers(1, 12), seed=st.integers(0, 1000), chunk=st.integers(9, 400), spaced=st.booleans())
def test_the_fast_path_agrees_with_the_event_parser_or_steps_aside(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    children: int,
    seed: int,
    chunk: int,
    spaced: bool,
    trouble: str | None,
) -> None:
    """Any block size, indentation, and the things that make cutting at </Child> unsafe (a
    comment or CDATA holding </Child>, a processing instruction, a second <Children>; end tags
    written "</Child >", which stop it part way) or the file bad (a broken tag, an unknown entity, text after the root): the same records, or the
    same error naming the same line and column, as the event parser."""
    path = tmp_path / "cin-2019.xml"
    write_cin(path, children, 2019, seed=seed)
    text = path.read_text(encoding="utf-8")
    if spaced:
        text = text.replace("><", ">\n  <")
    cut = text.index("</Child>") + len("</Child>")
    insert = {
        None: "",
        "comment": "<!-- </Child> -->",
        "cdata": "",
        "pi": "<?note </Child>?>",
        "second": "</Children><Children>",
        "broken": "<Child><ChildIdentifiers></Child>",
        "entity": "<Child><ChildIdentifiers><LAchildID>&nope;</LAchildID></ChildIdentifiers></Child>",
        "tail": "",
        "spaced": "",
        "nested": "",
        "header": "",
    }[trouble]
    text = text[:cut] + insert + text[cut:]
    if trouble == "cdata":
        text = text.replace("<ReferralSource>", "<ReferralSource><![CDATA[</Child>]]>", 1)
    if trouble == "tail":
        text = text.rstrip() + "\n<extra/>\n"
    if trouble == "nested":  # well-formed, but <Children> is not where a census has it
        text = text.replace("<Children>", "<Extra><Children>").replace("</Children>", "</Children></Extra>")
    if trouble == "header":  # a broken header: the error is the event parser's
        text = text.replace("</CollectionDetails>", "", 1)
    if trouble == "spaced":  # end tags the fast path cannot cut at: it stops, and events go on
        head, rest = text.split("</Child>", 1)
        text = head + "</Child>" + rest.replace("</Child>", "</Child >")
    path.write_text(text, encoding="utf-8")
    if trouble in (None, "broken", "entity", "spaced", "header"):
        assert _fast_path_taken(path, chunk)  # taken, then handed over where it must be
    else:
        assert not _fast_path_taken(path, chunk)
    fast = _every_table(path, monkeypatch, streamed=False, chunk=chunk)
    streamed = _every_table(path, monkeypatch, streamed=True)
    assert fast == streamed
    if trouble in ("broken", "entity", "tail", "header"):
        assert isinstance(fast, str) and "not well-formed XML" in fast
    if trouble == "nested":
        assert isinstance(fast, dict) and not any(fast.values())  # no <Child> where a census has them


def test_the_fast_path_keeps_a_declared_encoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cin-2019.xml"
    path.write_bytes(
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<Message><Children><Child><ChildIdentifiers>'
        "<LAchildID>A1</LAchildID></ChildIdentifiers><ChildCharacteristics><Ethnicity>Ã©</Ethnicity>"
        "</ChildCharacteristics></Child></Children></Message>\n".encode("iso-8859-1")
    )
    assert _fast_path_taken(path)
    fast = _every_table(path, monkeypatch, streamed=False)
    assert fast == _every_table(path, monkeypatch, streamed=True)
    assert isinstance(fast, dict) and fast[0][0].fields["ethnicity"] == "Ã©"  # type: ignore[attr-defined]
