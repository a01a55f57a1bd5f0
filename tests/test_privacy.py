"""No raw child identifier from the fixtures reaches any output: every command, every format,
and the error messages of a broken extract. The identifiers are collected from the fixture files
themselves, so a new fixture is covered without editing this test."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import Plugins
from lif_core.cli import make_cli

from .conftest import CROYDON, SHARED, TEST_KEY

CASE_LEVEL = CROYDON / "data" / "case-level"


def raw_identifiers() -> set[str]:
    ids: set[str] = set()
    for xml in [*CASE_LEVEL.glob("*.xml"), *(SHARED / "reference" / "dfe" / "cin_census").glob("sample*.xml")]:
        text = xml.read_text(encoding="utf-8")
        ids |= set(re.findall(r"<(?:LAchildID|UPN|FormerUPN)>\s*([^<\s]+)\s*</", text))
    for csv in CASE_LEVEL.glob("ssda903/*.csv"):
        lines = csv.read_text(encoding="utf-8").splitlines()[1:]
        ids |= {line.split(",")[0] for line in lines if line}
        if csv.name == "header.csv":
            ids |= {line.split(",")[4] for line in lines if line and line.split(",")[4]}
    return {i for i in ids if len(i) >= 4}


def leaks(text: str, ids: set[str]) -> list[str]:
    found = set(re.findall(r"[A-Za-z0-9]+", text))
    return sorted(found & ids)


COMMANDS = [
    ["validate"],
    ["show"],
    ["show", "-f", "markdown"],
    ["show", "-f", "json"],
    ["reviews"],
    ["themes", "-f", "json"],
    ["audits"],
    ["inspection", "-f", "markdown"],
    ["data", "--no-progress"],
    ["data", "--progress"],
    ["data", "-f", "json"],
    ["measures"],
    ["measures", "-f", "json"],
    ["measures", "-f", "markdown"],
]


@pytest.fixture(scope="module")
def ids() -> set[str]:
    found = raw_identifiers()
    assert len(found) > 2500, "the fixtures' identifiers were not found"
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_no_identifier_in_any_command_output(command: list[str], ids: set[str], tmp_path: Path) -> None:
    out_file = tmp_path / "out"
    args = [command[0], str(CROYDON), *command[1:]]
    if command[0] in ("show", "measures", "data") and "-f" in command:
        args += ["--output", str(out_file)]
    result = CliRunner().invoke(make_cli(Plugins.create()), args)
    assert result.exit_code == 0, result.output
    written = out_file.read_text(encoding="utf-8") if out_file.exists() else ""
    assert leaks(result.output + written, ids) == []
    assert TEST_KEY not in result.output + written


def test_no_identifier_in_error_messages(tmp_path: Path, ids: set[str]) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    cin = board / "data" / "case-level" / "cin-census-2019.xml"
    text = cin.read_text(encoding="utf-8")
    # Break the 10th child's first referral date, and pad the 20th child's identifier.
    text = re.sub(
        r"(<LAchildID>FAKE0000010</LAchildID>.*?<CINreferralDate>)[^<]+", r"\g<1>2019-13-45", text, count=1, flags=re.S
    )
    text = text.replace("<LAchildID>FAKE0000020</LAchildID>", "<LAchildID> FAKE0000020</LAchildID>")
    cin.write_text(text, encoding="utf-8")
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace(
            'options = { table = "referrals" }', 'options = { table = "referrals" }\non_error = "warn"', 1
        )
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(board), "--no-progress"])
    assert "referral_date: '2019-13-45' is not a date" in result.output
    assert "child: has spaces around it: fix the export (the identifier is not shown here)" in result.output
    assert leaks(result.output, ids) == []
    assert "FAKE0000010" not in result.output and "FAKE0000020" not in result.output


# --------------------------------------------------------------------------- every adapter, by property
#
# Issue 10, item 1: no message, warning or error may quote a value from a field that is a
# child's identifier, a date of birth or a postcode, whatever is wrong with it and whichever
# adapter reads it. Each example writes a file of a few records in one format, every
# identifying value a distinctive token (some of them spoiled: padded, blank, a number, a stray
# decimal, a date that is no date, an Excel cell typed as a number), reads it through `lif
# validate` and `lif data` (stopping at the first bad value, and warning), and looks for every
# token in everything printed.


def _identifier(n: int) -> st.SearchStrategy[object]:
    """A child's identifier as an export might spoil it (tokens carry their own number)."""
    token = f"ZQ{n}X"
    return st.sampled_from([token, token, f" {token}", f"{token} ", f"{token}.0", "", None, n, float(n), f"{n}.0"])


def _birth(n: int) -> st.SearchStrategy[object]:
    year, month, day = 1990 + n % 10, 1 + n % 12, 10 + n % 18
    good = f"{day:02d}/{month:02d}/{year}"
    return st.sampled_from(
        [good, good, f"{day:02d}/{month:02d}/0001", f"31/02/{year}", f"{year}-{month:02d}-{day:02d}"]
    )


def _postcode(n: int) -> st.SearchStrategy[object]:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    good = f"ZX{n % 10} {n % 7}{letters[n % 20]}{letters[(n // 20) % 20]}"
    return st.sampled_from([good, good.replace(" ", ""), f"QQ{n % 100:02d} {n % 10}ZZZ", " " + good])


@st.composite
def _records(draw: st.DrawFn) -> list[dict[str, object]]:
    out = []
    for i in range(draw(st.integers(1, 5))):
        n = draw(st.integers(10**8, 10**9 - 1))
        out.append(
            {
                "child_id": draw(_identifier(n)),
                "upn": draw(_identifier(n + 1)),
                "dob": draw(_birth(n)),
                "post": draw(_postcode(n)),
                "day": draw(st.sampled_from([f"0{1 + i}/04/2019", "31/02/2019", "", "soon"])),
            }
        )
    return out


def _tokens(records: list[dict[str, object]]) -> set[str]:
    """Every identifying value as it could be quoted: its text, stripped, and a number's digits."""
    found: set[str] = set()
    for record in records:
        for key in ("child_id", "upn", "dob", "post"):
            value = record[key]
            if value is None or value == "":
                continue
            text = str(value)
            found |= {text, text.strip()}
            if isinstance(value, float):
                found.add(str(int(value)))
    return {t for t in found if len(t) >= 5}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _write(adapter: str, folder: Path, records: list[dict[str, object]], mistype: bool) -> list[str]:
    """The file of ``records`` in ``adapter``'s format; the board's [[sources]] for it."""
    import json as json_module
    import sqlite3
    import zipfile

    def source(path: str, fields: str = "", options: str = "") -> str:
        return f'[[sources]]\nid = "s{path.count("/")}{len(path)}"\nadapter = "{adapter}"\npath = "{path}"\n{options}{fields}'

    plain = 'fields = { child_id = "child-id", upn = "child-id?", dob = "dob:%d/%m/%Y", post = "postcode", day = "date:%d/%m/%Y" }\n'
    if adapter == "csv":
        lines = ["child_id,upn,dob,post,day"] + [
            ",".join(_text(r[k]) for k in ("child_id", "upn", "dob", "post", "day")) for r in records
        ]
        (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [source("data.csv", plain)]
    if adapter in ("json", "jsonl"):
        if adapter == "json":
            (folder / "data.json").write_text(json_module.dumps(records), encoding="utf-8")
        else:
            (folder / "data.jsonl").write_text(
                "\n".join(json_module.dumps(r) for r in records) + "\n", encoding="utf-8"
            )
        return [source(f"data.{adapter}", plain).replace('adapter = "jsonl"', 'adapter = "json"')]
    if adapter == "sqlite":
        with sqlite3.connect(folder / "data.sqlite") as db:
            db.execute("create table t (child_id, upn, dob, post, day)")
            db.executemany("insert into t values (?, ?, ?, ?, ?)", [tuple(r.values()) for r in records])
        db.close()
        return [source("data.sqlite", plain, 'options = { query = "select child_id, upn, dob, post, day from t" }\n')]
    if adapter in ("xlsx", "annex-a"):
        import openpyxl

        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        if adapter == "annex-a":
            sheet.title = "List 1"
            sheet.append(
                ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Date of Contact", "Contact Source"]
            )
            for r in records:
                sheet.append([r["child_id"], "1", "WBRI", r["dob"], 7, r["day"], "1A"])
        else:
            sheet.append(["child_id", "upn", "dob", "post", "day"])
            for r in records:
                sheet.append([r[k] for k in ("child_id", "upn", "dob", "post", "day")])
        name = "data.xlsx"
        book.save(folder / name)
        first = records[0]["child_id"]
        if mistype and isinstance(first, str) and first.strip():
            # Excel's own mistake: the first identifier's cell typed as a number, its text kept.
            source_zip = zipfile.ZipFile(folder / name)
            parts = {i.filename: source_zip.read(i.filename) for i in source_zip.infolist()}
            source_zip.close()
            sheet_xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
            sheet_xml, typed = re.subn(
                r'<c r="A2"( s="\d+")? t="inlineStr"><is><t[^>]*>[^<]*</t></is></c>',
                f'<c r="A2" t="n"><v>{first.strip()}</v></c>',
                sheet_xml,
            )
            assert typed == 1
            parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode("utf-8")
            with zipfile.ZipFile(folder / name, "w", zipfile.ZIP_DEFLATED) as out:
                for part, data in parts.items():
                    out.writestr(part, data)
        if adapter == "annex-a":
            return [source(name, options="options = { list = 1 }\n")]
        return [source(name, plain)]
    if adapter == "cin-census":
        from xml.sax.saxutils import escape

        children = []
        for r in records:
            dob = _text(r["dob"])
            iso = f"{dob[6:10]}-{dob[3:5]}-{dob[0:2]}" if re.fullmatch(r"\d\d/\d\d/\d{4}", dob) else dob
            day = _text(r["day"])
            referral = f"{day[6:10]}-{day[3:5]}-{day[0:2]}" if re.fullmatch(r"\d\d/\d\d/\d{4}", day) else day
            children.append(
                "<Child><ChildIdentifiers>"
                f"<LAchildID>{escape(_text(r['child_id']))}</LAchildID><UPN>{escape(_text(r['upn']))}</UPN>"
                f"<PersonBirthDate>{escape(iso)}</PersonBirthDate><Sex>M</Sex></ChildIdentifiers>"
                f"<CINdetails><CINreferralDate>{escape(referral)}</CINreferralDate></CINdetails></Child>"
            )
        xml = (
            '<?xml version="1.0" encoding="utf-8"?><Message><Header><CollectionDetails><Year>2019</Year>'
            f"</CollectionDetails></Header><Children>{''.join(children)}</Children></Message>"
        )
        (folder / "cin-2019.xml").write_text(xml, encoding="utf-8")
        return [
            source("cin-2019.xml", options='options = { table = "children" }\n'),
            source("./cin-2019.xml", options='options = { table = "referrals" }\n'),
        ]
    assert adapter == "ssda903"
    header = ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"] + [
        f"{_text(r['child_id'])},1,{_text(r['dob'])},WBRI,{_text(r['upn'])},0," for r in records
    ]
    episodes = ["CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"] + [
        f"{_text(r['child_id'])},{_text(r['day'])},S,C2,N1,U1,PR1,,,,{_text(r['post'])},{_text(r['post'])},SC1"
        for r in records
    ]
    (folder / "header.csv").write_text("\n".join(header) + "\n", encoding="utf-8")
    (folder / "episodes.csv").write_text("\n".join(episodes) + "\n", encoding="utf-8")
    return [source("header.csv"), source("episodes.csv")]


ADAPTERS = ["csv", "json", "jsonl", "xlsx", "sqlite", "cin-census", "ssda903", "annex-a"]


@pytest.mark.parametrize("adapter", ADAPTERS)
@settings(max_examples=12, deadline=None)
@given(records=_records(), mistype=st.booleans(), warn=st.booleans())
def test_no_identifying_value_in_any_message_from_any_adapter(
    adapter: str, records: list[dict[str, object]], mistype: bool, warn: bool
) -> None:
    import tempfile

    from .conftest import MINIMAL

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        sources = _write(adapter, root, records, mistype)
        on_error = 'on_error = "warn"\n' if warn else ""
        (root / "board.toml").write_text(MINIMAL + "\n" + "\n".join(s + on_error for s in sources), encoding="utf-8")
        tokens = _tokens(records)
        for command in (
            ["validate", str(root)],
            ["data", str(root), "--no-progress"],
            ["data", str(root), "-f", "json"],
        ):
            result = CliRunner().invoke(make_cli(Plugins.create()), command)
            assert result.exception is None or isinstance(result.exception, SystemExit), result.output
            said = result.output + (result.stderr if result.stderr_bytes is not None else "")
            assert "Traceback" not in said
            assert sorted(t for t in tokens if t in said) == [], said


# --------------------------------------------------------------------------- undeclared and misnamed columns


def test_a_misnamed_identifier_column_is_an_error_not_a_pass_through(make_board: Callable[..., Path]) -> None:
    """The header says Child-ID, the source declares child_id: before, the identifiers passed
    through unpseudonymised with 0 errors (read as an undeclared column)."""
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\nfields = { child_id = "child-id" }\n',
        **{"refs.csv": "Child-ID,day\nZQ123456789X,2019-04-01\n"},
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1
    assert "fields.child_id is declared as a child's identifier but the file has no column 'child_id'" in result.output
    assert "'Child-ID' look like one" in result.output and "ZQ123456789X" not in result.output


def test_an_undeclared_column_reaches_no_output(make_board: Callable[..., Path]) -> None:
    """A column no field declares is not read at all: not in the records, not in any figure
    (before, it passed through as read, so a measure could publish it)."""
    from lif_core import load_board
    from lif_core.data import SourceReport, read_source

    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\nfields = { period = "text", value = "number" }\n'
        '[[measures]]\nid = "m"\ntitle = "M"\nquadrant = "how-much"\npolarity = "neither"\nunit = "count"\n'
        'frequency = "annual"\nsource = "refs"\nperiod_column = "who"\nvalue_column = "value"\n',
        **{"refs.csv": "period,who,value\n2018-19,Jane Doe ZQ1,3\n"},
    )
    loaded = load_board(root)
    report = SourceReport("refs")
    (row,) = read_source(loaded, loaded.board.sources[0], Plugins.create(), report)
    assert row == {"period": "2018-19", "value": 3.0} and report.left_out == ["'who'"]
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(root)])
    assert result.exit_code == 1
    assert "measures[0].period_column: reads 'who', which source 'refs' does not declare" in result.output


def test_a_header_that_is_a_record_is_never_named(make_board: Callable[..., Path]) -> None:
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\nfields = { a = "text" }\n',
        **{"refs.csv": "a,17/03/2009\nx,1\n"},
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert "17/03/2009" not in result.output and "column 2" in result.output


# --------------------------------------------------------------------------- the key


def _key_board(make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("LIF_PSEUDONYM_KEY")
    return make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\nfields = { child_id = "child-id" }\n',
        **{"refs.csv": "child_id\nZQ1\n"},
    )


def test_a_gitignore_link_out_of_the_board_is_refused(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`.lif/.gitignore` shipped as a link: before, lif wrote "*" through it, outside the board."""
    root = _key_board(make_board, monkeypatch)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    (root / ".lif").mkdir()
    (root / ".lif" / ".gitignore").symlink_to(outside)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and ".gitignore is a symbolic link" in result.output
    assert outside.read_text() == "precious\n" and not (root / ".lif" / "pseudonym.key").exists()


def test_a_lif_folder_link_is_refused(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = _key_board(make_board, monkeypatch)
    (tmp_path / "elsewhere").mkdir()
    (root / ".lif").symlink_to(tmp_path / "elsewhere")
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and ".lif folder is a symbolic link" in result.output
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_a_key_file_linked_to_a_board_file_is_refused(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before, a key file linked to board.toml was taken as the key (board.toml is public)."""
    root = _key_board(make_board, monkeypatch)
    (root / ".lif").mkdir()
    (root / ".lif" / "pseudonym.key").symlink_to(root / "board.toml")
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and "pseudonymisation key is a symbolic link" in result.output


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("a" * 40, "too predictable"),
        ("password" * 5, "too predictable (a part of it repeats)"),
        ("abcdefghijklmnopqrstuvwxyzABCDEF", "too predictable (mostly runs of characters in order)"),
        ("correct horse battery staple" * 2, "too predictable (a part of it repeats)"),
        ("0123456789abcdef", "too short (16 characters; use 32 or more)"),
    ],
)
def test_weak_keys_are_refused_with_how_to_make_one(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, key: str, why: str
) -> None:
    root = _key_board(make_board, monkeypatch)
    (root / ".lif").mkdir()
    (root / ".lif" / "pseudonym.key").write_text(key + "\n")
    (root / ".lif" / "pseudonym.key").chmod(0o600)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and why in result.output and "secrets.token_hex(32)" in result.output
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", key)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and f"LIF_PSEUDONYM_KEY is {why}" in result.output


def test_strong_keys_are_taken() -> None:
    """32 random hex digits (128 bits) and longer random keys pass the checks, every time."""
    import secrets

    from lif_core.data import key_weakness

    assert not [k for k in (secrets.token_hex(16) for _ in range(500)) if key_weakness(k)]
    assert not [k for k in (secrets.token_urlsafe(32) for _ in range(500)) if key_weakness(k)]


def test_a_key_file_shared_with_others_is_refused(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key file hard-linked to a board file (no secret), or readable by other users."""
    import secrets

    root = _key_board(make_board, monkeypatch)
    (root / ".lif").mkdir()
    notes = root / "NOTES.md"
    notes.write_text(secrets.token_hex(32) + "\n")
    notes.chmod(0o600)
    os.link(notes, root / ".lif" / "pseudonym.key")
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 1 and "has other names (hard links)" in result.output
    (root / ".lif" / "pseudonym.key").unlink()
    (root / ".lif" / "pseudonym.key").write_text(secrets.token_hex(32) + "\n")
    (root / ".lif" / "pseudonym.key").chmod(0o644)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert (
        result.exit_code == 1
        and "can be read by other users (mode 644)" in result.output
        and "chmod 600" in result.output
    )


def test_a_new_key_is_made_whole_and_kept(make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    root = _key_board(make_board, monkeypatch)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert result.exit_code == 0, result.output
    key = (root / ".lif" / "pseudonym.key").read_text().strip()
    assert len(key) == 64 and (root / ".lif" / ".gitignore").read_text() == "*\n"
    assert oct((root / ".lif" / "pseudonym.key").stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in (root / ".lif").iterdir() if p.name.startswith(".pseudonym")] == []


# --------------------------------------------------------------------------- counts about children in commands


def test_lif_measures_protects_the_records_left_out(make_board: Callable[..., Path]) -> None:
    """Before, `lif measures` said "3 no child or referral date": a count of 1 to 5 of children's
    records, published."""
    rows = "\n".join(f"C{i % 40},{1 + i % 28:02d}/{4 + i % 9:02d}/2018" for i in range(120))
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
        'fields = { child = "child-id?", referral_date = "date:%d/%m/%Y" }\n'
        '[[measures]]\nid = "m"\ntitle = "Re-referrals"\nquadrant = "how-well"\npolarity = "lower-is-better"\n'
        'unit = "percent"\nfrequency = "annual"\nsource = "refs"\nindicator = "re-referrals-12m"\n',
        **{"refs.csv": "child,referral_date\n" + rows + "\n,01/05/2018\n,02/05/2018\n,03/05/2018\n"},
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["measures", str(root)])
    assert result.exit_code == 0, result.output
    assert "records left out of re-referrals-12m: fewer than 6 no child or referral date" in result.output
    assert "Disclosure control" in result.output


def test_lif_data_says_it_is_not_for_publication() -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(CROYDON), "--no-progress"])
    assert "For the data owner's check, not for publication" in result.output
    assert "not applied: the data owner's check, not for publication" in result.output


# --------------------------------------------------------------------------- regressions found by attacking the reading


def test_a_measure_never_publishes_a_case_level_source_as_values(tmp_path: Path) -> None:
    """A measure without an indicator on SSDA903's header published each child's sex by month
    of birth; redeclaring CHILD as text published the identifiers themselves."""
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    toml = board / "board.toml"
    leak = (
        '\n[[measures]]\nid = "m-leak"\ntitle = "Leak"\nquadrant = "how-much"\npolarity = "neither"\nunit = "count"\n'
        'frequency = "annual"\nsource = "lac-header"\nperiod_column = "DOB"\nvalue_column = "SEX"\n'
    )
    toml.write_text(toml.read_text() + leak)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(board)])
    assert result.exit_code == 1 and "source 'lac-header' holds children's records" in result.output
    report = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(board), "-f", "json"])
    assert report.exit_code == 1 and "holds children's records" in report.output
    toml.write_text(
        toml.read_text().replace(
            'id = "lac-header"\nadapter = "ssda903"\n',
            'id = "lac-header"\nadapter = "ssda903"\nfields = { CHILD = "text" }\n',
        )
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(board)])
    assert "sources[4].fields.CHILD: the ssda903 format holds a child's identifier" in result.output
    data = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(board), "--no-progress"])
    assert data.exit_code == 1 and "fields.CHILD = 'text'" in data.output


@pytest.mark.parametrize("value", ["700002", "9434765919", "Jane Doe"])
def test_an_identifier_that_slipped_into_another_column_is_not_quoted(
    make_board: Callable[..., Path], value: str
) -> None:
    root = make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\non_error = "warn"\n'
        'fields = { child = "child-id", referral_date = "date" }\n',
        **{"refs.csv": f"child,referral_date\n700001,2018-05-01\n700002,{value}\n"},
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress"])
    assert "referral_date: is not a date in the form %Y-%m-%d (the value is not shown here)" in result.output
    assert value not in result.output


def test_an_adapter_warning_never_quotes_what_is_not_a_code(tmp_path: Path) -> None:
    """A CIN assessment factor holding a UPN, another child's identifier or a date of birth
    was quoted in the warning "assessment factor '...' is not a census code"."""
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    cin = board / "data" / "case-level" / "cin-census-2019.xml"
    text = cin.read_text(encoding="utf-8")
    factors = ["A267279807972X", "FAKE0000001", "2009-03-02", "25Z"]
    first = text.index("<AssessmentFactors>")
    end = text.index("</AssessmentFactors>", first) + len("</AssessmentFactors>")
    text = text[:first] + "".join(f"<AssessmentFactors>{f}</AssessmentFactors>" for f in factors) + text[end:]
    cin.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(board), "--no-progress"])
    assert "assessment factor '25Z' is not a 2019 CIN census code" in result.output  # a code is named
    assert "assessment factor '…' is not a 2019 CIN census code" in result.output
    assert not [f for f in factors[:3] if f in result.output]


def _referrals_board(make_board: Callable[..., Path], rows: str, measures: str, sources: str = "") -> Path:
    return make_board(
        '[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\non_error = "warn"\n'
        'fields = { child = "child-id?", referral_date = "date" }\n' + sources + measures,
        **{"refs.csv": "child,referral_date\n" + rows},
    )


def _measure(mid: str, source: str, indicator: str, frequency: str, unit: str = "count") -> str:
    return (
        f'\n[[measures]]\nid = "{mid}"\ntitle = "{mid}"\nquadrant = "how-much"\npolarity = "neither"\nunit = "{unit}"\n'
        f'frequency = "{frequency}"\nsource = "{source}"\nindicator = "{indicator}"\n'
    )


def _months(counts: list[int]) -> str:
    return "".join(
        f"c{m}-{i},{2018 + (m + 3) // 12}-{(m + 3) % 12 + 1:02d}-01\n" for m, n in enumerate(counts) for i in range(n)
    )


def test_two_sources_on_one_file_are_protected_together(make_board: Callable[..., Path]) -> None:
    """refs-a monthly and refs-b yearly read one file: June (3) was the year less the others."""
    root = _referrals_board(
        make_board,
        _months([10, 10, 3, 10, 10, 10, 10, 10, 10, 10, 10, 10]),
        _measure("m-month", "refs", "referrals", "monthly") + _measure("m-year", "refs-b", "referrals", "annual"),
        sources='\n[[sources]]\nid = "refs-b"\nadapter = "csv"\npath = "refs.csv"\non_error = "warn"\n'
        'fields = { child = "child-id?", referral_date = "date" }\n',
    )
    from lif_core import open_board
    from lif_core.measures import measure_series, scorecard

    plugins = Plugins.create()
    loaded = open_board(root, plugins)
    scores = {s.measure.id: s for s in scorecard(loaded, plugins)}
    hidden = [p for p, label in scores["m-month"].labels.items() if label == "c"]
    assert "2018-06" in hidden and (len(hidden) >= 2 or not scores["m-year"].series)
    # From Python, one measure's series is protected with the rest of the board, as the scorecard does.
    series, _problems = measure_series(loaded, loaded.board.get("m-month"), plugins)
    assert series == list(scores["m-month"].series)


def test_a_published_scorecard_counts_reading_problems_without_naming_lines(make_board: Callable[..., Path]) -> None:
    """Bad rows' line numbers in a date-ordered extract count the records between them."""
    rows = _months([10] * 12) + "c-bad, 2018-06-15\nc-bad2,2018-06-31\n"
    root = _referrals_board(make_board, rows, _measure("m-month", "refs", "referrals", "monthly"))
    result = CliRunner().invoke(make_cli(Plugins.create()), ["measures", str(root)])
    assert "refs: fewer than 6 problem(s) found reading it: `lif data` lists them for the data owner" in result.output
    assert "line 12" not in result.output and "line 122" not in result.output


def test_annex_a_place_of_birth_is_not_a_date_of_birth() -> None:
    from lif_dfe.annex_a import AnnexAAdapter

    specs = AnnexAAdapter().field_specs({"list": 1}, ["Place of Birth", "Child's Date of Birth", "Date of Contact"])
    assert (
        "Place of Birth" not in specs and specs["Child's Date of Birth"] == "dob" and specs["Date of Contact"] == "date"
    )
