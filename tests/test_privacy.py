"""No raw child identifier from the fixtures reaches any output: every command, every format,
and the error messages of a broken extract. The identifiers are collected from the fixture files
themselves, so a new fixture is covered without editing this test."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

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
