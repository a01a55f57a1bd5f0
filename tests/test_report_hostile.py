"""The report's new surfaces under attack: narrative files that lead where they should not,
definitions lif validate refuses, --previous reports of the wrong board or day or with hostile
names, and figures that give a small count away by subtraction. Each is one clear error (or
a safe output), never a traceback, a leaked file or a published small count."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins, validate_board
from lif_core.cli import make_cli
from lif_core.report.narrative import MAX_HEADINGS, narrative_blocks

from .conftest import CROYDON


def lif(*args: str) -> Result:
    return CliRunner().invoke(make_cli(Plugins.create()), list(args))


@pytest.fixture
def board(tmp_path: Path) -> Path:
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*"))
    return target


def errors(root: Path) -> list[str]:
    return [str(p) for p in validate_board(root, Plugins.create()).errors]


@pytest.mark.parametrize("target", [".lif/pseudonym.key", "data/secret.csv", "board.toml"])
def test_a_narrative_link_to_a_file_that_is_not_markdown_is_refused(board: Path, target: str) -> None:
    """A link named foreword.md inside the folder may lead to the board's key or to children's
    records: only a Markdown file is ever read, and never one in .lif/."""
    (board / ".lif").mkdir(exist_ok=True)
    (board / ".lif" / "pseudonym.key").write_text("0" * 64, encoding="utf-8")
    (board / "data").mkdir(exist_ok=True)
    (board / "data" / "secret.csv").write_text("CHILD,DOB\n700001,2016-06-17\n", encoding="utf-8")
    foreword = board / "narrative" / "foreword.md"
    foreword.unlink()
    foreword.symlink_to(Path("..") / target)
    assert any("narrative/foreword.md: leads to" in e and "not a Markdown file" in e for e in errors(board))
    result = lif("report", "impact", str(board), "-f", "text")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "not a Markdown file of the board's text" in result.stderr
    assert "700001" not in result.output and "0" * 64 not in result.output


def test_a_markdown_link_into_the_private_folder_is_refused(board: Path) -> None:
    (board / ".lif").mkdir(exist_ok=True)
    (board / ".lif" / "notes.md").write_text("private", encoding="utf-8")
    foreword = board / "narrative" / "foreword.md"
    foreword.unlink()
    foreword.symlink_to(Path("..") / ".lif" / "notes.md")
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and "outside .lif/" in result.stderr and "private" not in result.stdout


@pytest.mark.parametrize("kind", ["device", "folder", "loop"])
def test_a_default_narrative_that_is_not_a_file_is_an_error_not_unwritten(board: Path, kind: str) -> None:
    foreword = board / "narrative" / "foreword.md"
    foreword.unlink()
    if kind == "device":
        foreword.symlink_to("/dev/zero")
    elif kind == "folder":
        foreword.mkdir()
    else:
        foreword.symlink_to("foreword.md")
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert "narrative/foreword.md" in result.stderr
    assert any("foreword.md" in e for e in errors(board))


def test_a_narrative_name_too_long_is_one_error(board: Path) -> None:
    (board / "report.toml").write_text(
        f'[[sections]]\nsection = "summary"\nnarrative = "narrative/{"a" * 300}.md"\n', encoding="utf-8"
    )
    result = lif("validate", str(board))
    assert result.exit_code == 1 and "Traceback" not in result.output and "plugin" not in result.stderr
    assert "report.toml: sections[0].narrative:" in result.stderr


def test_the_report_refuses_what_validate_refuses(board: Path) -> None:
    (board / "narrative" / "x.txt").write_text("not markdown", encoding="utf-8")
    (board / "report.toml").write_text(
        '[[sections]]\nsection = "summary"\nnarrative = "narrative/x.txt"\n[[sections]]\nsection = "summary"\n',
        encoding="utf-8",
    )
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and "not markdown" not in result.stdout
    assert "report.toml: sections[0].narrative:" in result.stderr and "must be a Markdown file" in result.stderr
    assert "report.toml: sections[1]: section 'summary' is listed twice" in result.stderr


def test_two_narrative_sections_reading_one_file_is_an_error(board: Path) -> None:
    (board / "report.toml").write_text(
        '[[sections]]\nsection = "narrative"\ntitle = "Ymateb"\n[[sections]]\nsection = "narrative"\ntitle = "Ymateb!"\n'
        '[[sections]]\nsection = "narrative"\ntitle = "Beth ddywedodd y plant ŵ"\n'
        '[[sections]]\nsection = "narrative"\ntitle = "Beth ddywedodd y plant ŷ"\n',
        encoding="utf-8",
    )
    problems = [e for e in errors(board) if "reads the same narrative file" in e]
    assert problems == [
        "report.toml: sections[1].title: reads the same narrative file as sections[0] (narrative/ymateb.md): give one "
        'of them its own narrative = "narrative/....md"'
    ]


def test_a_narrative_of_comments_or_invisible_characters_is_not_written(board: Path) -> None:
    blocks, sections = narrative_blocks("<!-- TODO: chair to write -->\n\u200b\n\ufeff")
    assert (blocks, sections) == ((), ())
    blocks, _ = narrative_blocks("Our year. <!-- check the figure -->\n")
    assert [getattr(b, "text", "") for b in blocks] == ["Our year."]


def test_a_byte_order_mark_is_not_text(board: Path) -> None:
    (board / "narrative" / "foreword.md").write_bytes("\ufeff# What they told us\n\nWords.\n".encode())
    data = json.loads(lif("report", "impact", str(board), "-f", "json").stdout)
    foreword = next(s for s in data["sections"] if s.get("section") == "foreword")
    assert [s["title"] for s in foreword["sections"]] == ["What they told us"]
    (board / "report.toml").write_bytes('\ufefftitle = "Annual report"\n[[sections]]\nsection = "summary"\n'.encode())
    assert lif("report", "impact", str(board)).exit_code == 0


def test_too_many_headings_or_sections_are_refused(board: Path) -> None:
    (board / "narrative" / "foreword.md").write_text("# h\nx\n" * (MAX_HEADINGS + 1), encoding="utf-8")
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and f"has {MAX_HEADINGS + 1} headings" in result.stderr
    (board / "narrative" / "foreword.md").write_text("Words.\n", encoding="utf-8")
    (board / "report.toml").write_text('[[sections]]\nsection = "narrative"\n' * 101, encoding="utf-8")
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and "lists 101 sections; a report has at most 100" in result.stderr


def previous(tmp_path: Path, **changes: object) -> Path:
    path = tmp_path / "previous.json"
    result = lif("report", "impact", str(CROYDON), "--as-of", "2018-12-31", "-f", "json", "-o", str(path))
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if key == "meta":
            data["meta"].update(value)  # type: ignore[arg-type]
        else:
            data[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_previous_report_of_another_board_or_a_later_day_is_refused(tmp_path: Path) -> None:
    other = previous(tmp_path, meta={"Board": "Riverside Safeguarding Children Partnership"})
    result = lif("report", "impact", str(CROYDON), "--previous", str(other))
    assert result.exit_code == 1 and "a report of 'Riverside Safeguarding Children Partnership'" in result.stderr
    later = previous(tmp_path, meta={"As at": "2030-01-01"})
    result = lif("report", "impact", str(CROYDON), "--as-of", "2019-03-31", "--previous", str(later))
    assert result.exit_code == 1 and "is as at 2030-01-01, after this report's day 2019-03-31" in result.stderr


def test_names_from_a_previous_report_never_show_ids_or_controls(tmp_path: Path) -> None:
    hostile = [
        {"kind": "action", "id": "a-secret-internal-id", "state": "completed"},
        {"kind": "action", "id": "a-other", "name": "<script>gone()</script>\u202e\x1b]0;x\x07", "state": "done"},
    ]
    path = previous(tmp_path, snapshot=hostile)
    html = lif("report", "impact", str(CROYDON), "--previous", str(path), "-f", "html").stdout
    assert "a-secret-internal-id" not in html and "\u202e" not in html and "\x1b" not in html
    assert "<script>gone" not in html and "&lt;script&gt;gone()&lt;/script&gt;" in html
    assert "1 action of the earlier report is no longer in the register" in html


def test_child_death_figures_that_cannot_be_are_refused(board: Path) -> None:
    register = board / "register.toml"
    register.write_text(
        register.read_text(encoding="utf-8")
        + '\n[[child_deaths]]\nid = "cd-bad"\nperiod = "2016-17"\nreviewed = 2\nmodifiable = 3\n'
        + '\n[[feedback]]\nid = "fb-bad"\ndate = 2018-05-01\ngiven_by = "children"\nsaid = "x"\ndone = 2018-04-01\n',
        encoding="utf-8",
    )
    found = errors(board)
    assert any("child_deaths" in e and "modifiable: 3 is more than the 2 reviews completed" in e for e in found)
    assert any("feedback" in e and "done: 2018-04-01 is before the feedback was given" in e for e in found)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_narrative_that_is_a_named_pipe_does_not_hang(board: Path) -> None:
    foreword = board / "narrative" / "foreword.md"
    foreword.unlink()
    os.mkfifo(foreword)
    result = lif("report", "impact", str(board))
    assert result.exit_code == 1 and "not a regular file" in result.stderr
