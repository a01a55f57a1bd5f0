"""What start-up leaves out and what it reads with: a short command must not pay for what it
does not use. Times are measured by benchmarks/startup.py, never here: these tests check the
choices that make start-up short (which parser, which modules are imported) and that they
change no answer."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lif_core import files
from lif_core.files import UnreadableFile, parse_text

tomllib = pytest.importorskip("tomllib")  # the standard library's, from Python 3.11


def test_toml_is_read_by_the_compiled_parser() -> None:
    assert files.tomllib.__name__ == "tomli"
    assert files.tomllib.loads.__module__ == "tomli._parser"
    # mypyc compiles the module to an extension: no Python source runs when it parses
    assert files.tomllib._parser.__file__.endswith((".so", ".pyd"))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a = { x = 1,\n y = 2 }\n", "line 1, column 13"),  # TOML 1.1: an inline table over lines
        ("a = { x = 1, }\n", "line 1, column 14"),  # TOML 1.1: a trailing comma in one
        ('a = "\\e"\n', "line 1, column 8"),  # TOML 1.1: the escape \e
        ("t = 07:30\n", "line 1, column 6"),  # TOML 1.1: a time without seconds
        ("[[sections]\nsection = 'summary'\n", "line 1, column 11"),
    ],
)
def test_a_board_reads_as_toml_1_0_whichever_parser(text: str, error: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as standard:
        tomllib.loads(text)
    with pytest.raises(UnreadableFile) as ours:
        parse_text(text, "toml", name="board.toml")
    assert str(ours.value) == f"board.toml: not valid TOML: {standard.value}"
    assert error in str(ours.value)


_KEYS = st.sampled_from(["a", "b", "id", "x.y", '"q"', "[t]", "[[l]]"])
_VALUES = st.sampled_from(
    ["1", "-2", "1.5", "true", '"s"', "'lit'", "2019-03-31", "07:30:00", "[1, 2]", "{ x = 1 }", '"""\nm"""', "nan"]
)
_JUNK = st.sampled_from(["", " ", "=", ",", "[", "]", "{", "}", '"', "'", "#c", "\n", "\\", "\t", "0x", "1_", ":"])


@given(st.lists(st.one_of(st.tuples(_KEYS, st.just(" = "), _VALUES).map("".join), _JUNK), max_size=12))
def test_the_compiled_parser_agrees_with_the_standard_library(lines: list[str]) -> None:
    """The same data or the same error (its message, line and column) as tomllib."""
    text = "\n".join(lines)
    try:
        expected: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        expected = f"error: {exc}"
    try:
        found: object = files.tomllib.loads(text)
    except files.tomllib.TOMLDecodeError as exc:
        found = f"error: {exc}"
    assert repr(found) == repr(expected)
