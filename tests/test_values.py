"""Values the model accepts: control characters and bidirectional overrides in text, dates
outside 1900 to 2100, absurd numbers and disclosure settings are refused where they are read
(the one converter, the model's validators), each named by its file and key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import Plugins, validate_board
from lif_core.cli import make_cli
from lif_core.model import Settings

from .conftest import MINIMAL

MakeBoard = Callable[..., Path]


def _errors(root: Path) -> list[str]:
    return [str(p) for p in validate_board(root, Plugins.create()).errors]


def _board_with(make_board: MakeBoard, line: str, extra: str = "") -> Path:
    """A board whose [board] table has ``line`` added."""
    return make_board(extra, base=MINIMAL.replace('area = "Testshire"\n', f'area = "Testshire"\n{line}\n'))


# ---------------------------------------------------------------- text

REFUSED = {
    "\\u0000": "U+0000",  # NUL
    "\\u001b": "U+001B",  # ESC
    "\\u0007": "U+0007",  # BEL
    "\\u000b": "U+000B",  # vertical tab
    "\\u007f": "U+007F",  # DEL
    "\\u0085": "U+0085",  # C1: next line
    "\\u009b": "U+009B",  # C1: CSI
    "\\u202e": "U+202E",  # right-to-left override
    "\\u202a": "U+202A",  # left-to-right embedding
    "\\u2066": "U+2066",  # left-to-right isolate
    "\\u2069": "U+2069",  # pop directional isolate
}


@pytest.mark.parametrize(("escape", "code"), REFUSED.items(), ids=REFUSED.values())
def test_control_and_bidi_characters_are_refused_in_text(make_board: MakeBoard, escape: str, code: str) -> None:
    root = _board_with(make_board, f'notes = "invoice{escape}fdp.exe"')
    [error] = _errors(root)
    assert error.startswith("board.toml: board.notes: contains ") and code in error and "at character 8" in error
    assert chr(int(code[2:], 16)) not in error  # named, never echoed raw


def test_refused_characters_anywhere_in_the_register(make_board: MakeBoard) -> None:
    root = make_board(
        """
        [[actions]]
        id = "a1"
        text = "Do it"
        status = "in-progress"
        status_log = [{ status = "in-progress", date = 2019-01-01, note = "moved \\u202e on" }]

        [[measures]]
        id = "m1"
        title = "A measure"
        quadrant = "how-much"
        polarity = "neither"
        unit = "count"
        frequency = "annual"
        select = { "ind\\u001bicator" = "x", "ok" = "y\\u0000" }
        """
    )
    joined = "\n".join(_errors(root))
    assert "board.toml: actions[0].status_log[0].note: contains a bidirectional override, U+202E" in joined
    assert "measures[0].select.ind<U+001B>icator: contains a control character, U+001B" in joined
    assert "measures[0].select.ok: contains a control character, U+0000" in joined
    assert "\x1b" not in joined and "\x00" not in joined


def test_unknown_keys_with_control_characters_are_named_safely(make_board: MakeBoard) -> None:
    root = _board_with(make_board, '"\\u001b[2Jkey" = "x"')
    [error] = _errors(root)
    assert error.startswith("board.toml: board.<U+001B>[2Jkey: unknown key")


def test_tab_newline_and_carriage_return_are_text(make_board: MakeBoard) -> None:
    root = _board_with(make_board, 'notes = "a\\tb\\nc\\r\\nd, caf\\u00e9, \\u05e2\\u05d1\\u05e8\\u05d9\\u05ea"')
    result = validate_board(root, Plugins.create())
    assert result.ok and result.loaded is not None
    assert result.loaded.board.board.notes == "a\tb\nc\r\nd, café, עברית"


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2101-01-01", "9999-12-31"])
def test_dates_outside_1900_to_2100_are_refused(make_board: MakeBoard, day: str) -> None:
    root = _board_with(
        make_board,
        f"framework_review_date = {day}",
        f"""
        [[actions]]
        id = "a1"
        text = "Do it"
        due = "{day}"  # as text, the other way a date is written
        """,
    )
    errors = _errors(root)
    assert errors == [
        f"board.toml: board.framework_review_date: {day} is outside the years 1900 to 2100: a real date is meant",
        f"board.toml: actions[0].due: {day} is outside the years 1900 to 2100: a real date is meant",
    ]


def test_dates_at_the_edges_are_accepted(make_board: MakeBoard) -> None:
    assert _errors(_board_with(make_board, "framework_review_date = 1900-01-01")) == []
    assert _errors(_board_with(make_board, "framework_review_date = 2100-12-31")) == []


# ---------------------------------------------------------------- numbers

MEASURE = """
[[measures]]
id = "m1"
title = "A measure"
quadrant = "how-much"
polarity = "neither"
unit = "count"
frequency = "annual"
values = [{{ period = "2018-19", value = {value} }}]
"""


@pytest.mark.parametrize("value", ["1e308", "-1e308", "1e13", "1_000_000_000_001", "-9_223_372_036_854_775_807"])
def test_numbers_beyond_a_sane_magnitude_are_refused(make_board: MakeBoard, value: str) -> None:
    [error] = _errors(make_board(MEASURE.format(value=value)))
    assert error.startswith("board.toml: measures[0].values[0].value: ") and "is too large" in error


def test_whole_numbers_beyond_a_sane_magnitude_are_refused(make_board: MakeBoard) -> None:
    root = make_board('[[courses]]\nid = "c1"\ntitle = "A course"\nplaces = 9_000_000_000_000_000_000\n')
    [error] = _errors(root)
    assert error.startswith("board.toml: courses[0].places: ") and "is too large" in error
    assert _errors(make_board(MEASURE.format(value="-1e12"))) == []


SETTINGS = '[settings]\npopulations = [{{ period = "2018-19", value = {value} }}]\n'


@pytest.mark.parametrize("value", ["1e308", "0", "-5", "2.5", "100_000_000", "1e12"])
def test_populations_are_whole_numbers_of_children(make_board: MakeBoard, value: str) -> None:
    [error] = _errors(make_board(SETTINGS.format(value=value)))
    assert error.startswith("board.toml: settings.populations[0].value: ")
    assert "is too large" in error or "a population is a whole number of children from 1 to 99,999,999" in error


def test_a_real_population_is_accepted(make_board: MakeBoard) -> None:
    assert _errors(make_board(SETTINGS.format(value="95800"))) == []
    assert _errors(make_board(SETTINGS.format(value="95800.0"))) == []


# ---------------------------------------------------------------- disclosure settings


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "disclosure_smallest = 1_000_000_000",
            "settings.disclosure_smallest: must be a whole number from 6 to 100, not 1000000000",
        ),
        ("disclosure_smallest = 3", "settings.disclosure_smallest: must be a whole number from 6 to 100, not 3"),
        ("disclosure_smallest = 101", "settings.disclosure_smallest: must be a whole number from 6 to 100, not 101"),
        (
            "disclosure_round_to = 1_000_000_000",
            "settings.disclosure_round_to: must be 0 (no rounding) or a whole number from 2 to 100, not 1000000000",
        ),
        ("disclosure_round_to = -10", "settings.disclosure_round_to: must be 0 (no rounding) or a whole number"),
        ("disclosure_round_to = 1", "settings.disclosure_round_to: must be 0 (no rounding) or a whole number"),
    ],
)
def test_disclosure_settings_are_bounded(make_board: MakeBoard, line: str, message: str) -> None:
    [error] = _errors(make_board(f"[settings]\n{line}\n"))
    assert error.startswith(f"board.toml: {message}")


def test_disclosure_settings_in_range_are_accepted(make_board: MakeBoard) -> None:
    root = make_board("[settings]\ndisclosure_smallest = 100\ndisclosure_round_to = 5\n")
    assert _errors(root) == []
    assert Settings(disclosure_smallest=6, disclosure_round_to=0).disclosure_smallest == 6
    with pytest.raises(ValueError, match="from 6 to 100"):
        Settings(disclosure_smallest=10**9)


def test_lif_validate_names_each_refused_value(make_board: MakeBoard) -> None:
    root = _board_with(
        make_board,
        'notes = "a\\u202eb"\nframework_review_date = 9999-12-31',
        "[settings]\ndisclosure_smallest = 1_000_000_000\n"
        + '[[measures]]\nid = "m"\ntitle = "M"\nquadrant = "how-much"\npolarity = "neither"\nunit = "count"\n'
        + 'frequency = "annual"\nvalues = [{ period = "2018", value = 1e308 }]\n',
    )
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(root)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("board.toml: board.notes: contains a bidirectional override, U+202E") for line in lines)
    assert "board.toml: board.framework_review_date: 9999-12-31 is outside the years 1900 to 2100" in result.stderr
    assert "board.toml: settings.disclosure_smallest: must be a whole number from 6 to 100" in result.stderr
    assert "board.toml: measures[0].values[0].value: 1e+308 is too large" in result.stderr
    assert "\u202e" not in result.stderr


def test_the_example_boards_still_validate() -> None:
    from .conftest import CROYDON, ROOT

    for board in (CROYDON, ROOT / "docs" / "examples" / "riverside"):
        result = validate_board(board, Plugins.create())
        assert result.ok, [str(p) for p in result.errors]


def test_register_changes_go_through_the_same_checks(croydon: Path) -> None:
    cli = make_cli(Plugins.create())
    assert CliRunner().invoke(cli, ["import", str(croydon)]).exit_code == 0
    result = CliRunner().invoke(cli, ["status", str(croydon), "a-dataset", "blocked", "--note", "bad\x1b[31m"])
    assert result.exit_code == 1 and "status_log[2].note: contains a control character, U+001B" in result.stderr
    result = CliRunner().invoke(cli, ["update", str(croydon), "a-dataset", "due=9999-12-31"])
    assert result.exit_code == 1 and "9999-12-31 is outside the years 1900 to 2100" in result.stderr
    assert "\x1b" not in result.stderr
