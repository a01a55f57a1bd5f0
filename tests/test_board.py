"""Loading board folders: every problem at once, with file and key path; includes; round trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from lif_core import BoardInvalid, LifError, load_board
from lif_core.board import (
    MAX_FILE_BYTES,
    board_from_data,
    board_from_json,
    board_from_toml,
    board_to_json,
    board_to_toml,
)
from lif_core.model import Board

from .conftest import CROYDON, MINIMAL
from .strategies import boards

MakeBoard = Callable[..., Path]


def problems(path: Path) -> list[str]:
    with pytest.raises(BoardInvalid) as info:
        load_board(path)
    return [str(p) for p in info.value.problems]


def test_croydon_loads_with_its_register() -> None:
    loaded = load_board(CROYDON)
    board = loaded.board
    assert loaded.files == ("board.toml", "register.toml")
    assert [r.number for r in board.inspection_recommendations] == ["113", "114", "115", "116", "117"]
    assert len(board.principles) == 6
    assert sum(f.kind == "regulation-5" for f in board.functions) == 4
    sections = {s.number: set(s.supports) for s in board.sections}
    # The framework's own alignment (s.2.1).
    assert sections["3"] == sections["4"] == {"ofsted-2017-113", "ofsted-2017-114", "ofsted-2017-115"}
    assert sections["5"] == {"ofsted-2017-117"}
    assert sections["7"] == {"ofsted-2017-115", "ofsted-2017-116", "ofsted-2017-117"}
    assert sections["8"] == {"ofsted-2017-116", "ofsted-2017-117"}
    assert sections["9"] == {"ofsted-2017-113", "ofsted-2017-117"}
    assert {g.id for g in board.groups} >= {
        "cscb",
        "executive",
        "qapp",
        "scr-subgroup",
        "s11-panel",
        "vac",
        "learning-development",
    }
    assert all(p.illustrative for p in board.partners)
    assert loaded.locate("a-dataset", "status") == ("register.toml", "actions[2].status")


def test_loading_the_board_file_itself_works() -> None:
    assert load_board(CROYDON / "board.toml").board.board.id == "croydon"


def test_wrong_type_unknown_key_and_dangling_reference_all_named(make_board: MakeBoard) -> None:
    root = make_board(
        """
        [[partners]]
        id = "schools"
        name = "Schools"
        sector = "education"
        safeguarding_partner = "no"
        colour = "blue"

        [[groups]]
        id = "edu"
        name = "Education"
        kind = "sub-group"
        members = ["schools", "polise"]
        """
    )
    assert problems(root) == [
        "board.toml: partners[3].safeguarding_partner: expected true or false, got text 'no'",
        "board.toml: partners[3].colour: unknown key; allowed keys here are: id, name, sector, duties, "
        "roles, safeguarding_partner, illustrative",
        "board.toml: groups[1].members[1]: no partner with id 'polise' (did you mean 'police'?)",
    ]


def test_reference_to_the_wrong_kind_of_record(make_board: MakeBoard) -> None:
    root = make_board('[[groups]]\nid = "g"\nname = "G"\nkind = "panel"\nreports_to = "police"\n')
    assert problems(root) == ["board.toml: groups[1].reports_to: 'police' is a partner, not a group"]


def test_dangling_reference_in_a_record_that_also_fails(make_board: MakeBoard) -> None:
    root = make_board(
        top='include = ["register.toml"]\n',
        **{"register.toml": '[[actions]]\nid = "a"\ntext = "t"\ndue = "31/01/2019"\nowner = "nobody"\n'},
    )
    assert problems(root) == [
        "register.toml: actions[0].due: expected a date as YYYY-MM-DD, got '31/01/2019'",
        "register.toml: actions[0].owner: no partner or group with id 'nobody'",
    ]


def test_ids_are_unique_across_the_board(make_board: MakeBoard) -> None:
    root = make_board('[[themes]]\nid = "police"\nlabel = "x"\naxis = "practice-system"\n')
    assert problems(root) == [
        "board.toml: themes[0].id: id 'police' is already used by partners[0] in board.toml: "
        "ids must be unique across the whole board"
    ]


def test_includes_by_name_and_pattern(make_board: MakeBoard) -> None:
    root = make_board(
        top='include = ["register/*.toml", "more.toml"]\n',
        **{
            "register__b.toml": '[[themes]]\nid = "t2"\nlabel = "b"\naxis = "risk-factor"\n',
            "register__a.toml": '[[themes]]\nid = "t1"\nlabel = "a"\naxis = "risk-factor"\n',
            "more.toml": '[[evidence]]\nid = "e"\ntitle = "t"\nkind = "data"\ndate = 2018-01-01\nsupports = ["t1"]\n',
        },
    )
    with pytest.raises(BoardInvalid) as info:
        load_board(root)
    # evidence may not support a theme: the error names the included file
    assert [str(p) for p in info.value.problems] == [
        "more.toml: evidence[0].supports[0]: 't1' is a theme, not a recommendation or action or priority or "
        "inspection recommendation or statutory function or measure or case review or audit or training course"
    ]
    (root / "more.toml").write_text('[[evidence]]\nid = "e"\ntitle = "t"\nkind = "data"\ndate = 2018-01-01\n')
    loaded = load_board(root)
    assert loaded.files == ("board.toml", "register/a.toml", "register/b.toml", "more.toml")
    assert [t.id for t in loaded.board.themes if not t.taxonomy] == ["t1", "t2"]


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ('["../x.toml"]', "include[0]: '../x.toml' must be a path inside the board folder"),
        ('["/etc/passwd"]', "include[0]: '/etc/passwd' must be a path inside the board folder"),
        ('["missing.toml"]', "include[0]: no file matches 'missing.toml'"),
        ('"register.toml"', "include: expected a list of file names or patterns"),
        ('["data.csv"]', "include[0]: 'data.csv' is not a .toml file"),
    ],
)
def test_bad_includes(make_board: MakeBoard, include: str, message: str) -> None:
    root = make_board(top=f"include = {include}\n", **{"data.csv": "a,b\n"})
    (found,) = problems(root)
    assert found.startswith("board.toml: " + message)


def test_include_through_a_link_leaving_the_folder_is_refused(make_board: MakeBoard, tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text("")
    root = make_board(top='include = ["linked.toml"]\n')
    (root / "linked.toml").symlink_to(outside)
    assert problems(root) == ["board.toml: include[0]: 'linked.toml' leads outside the board folder"]


def test_toml_syntax_error_names_line(make_board: MakeBoard) -> None:
    root = make_board("[[partners]\n")
    (found,) = problems(root)
    assert found.startswith("board.toml: not valid TOML:") and f"line {MINIMAL.count(chr(10)) + 1}," in found


def test_register_files_may_not_hold_board_tables(make_board: MakeBoard) -> None:
    root = make_board(top='include = ["r.toml"]\n', **{"r.toml": '[board]\nid = "x"\n'})
    (found,) = problems(root)
    assert found.startswith("r.toml: board: unknown top-level key")


def test_unknown_top_level_key_suggests(make_board: MakeBoard) -> None:
    root = make_board('[[partner]]\nid = "x"\n')
    (found,) = problems(root)
    assert found.startswith("board.toml: partner: unknown top-level key (did you mean 'partners'?)")


def test_a_newer_format_is_refused(make_board: MakeBoard) -> None:
    root = make_board(base=MINIMAL.replace("format = 1", "format = 2"))
    (found,) = problems(root)
    assert "written by a newer lif-core" in found


def test_huge_files_are_refused_unread(make_board: MakeBoard) -> None:
    root = make_board(top='include = ["big.toml"]\n')
    with (root / "big.toml").open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    (found,) = problems(root)
    assert found.startswith("big.toml: file is") and "limited to" in found


def test_non_utf8_is_refused(make_board: MakeBoard) -> None:
    root = make_board()
    (root / "board.toml").write_bytes((root / "board.toml").read_bytes() + b"# caf\xe9\n")
    (found,) = problems(root)
    assert "not UTF-8 text" in found


def test_missing_board_and_folder(tmp_path: Path) -> None:
    with pytest.raises(LifError, match="no such board folder"):
        load_board(tmp_path / "nope")
    with pytest.raises(LifError, match=r"no board\.toml in this folder"):
        load_board(tmp_path)


def test_missing_board_table(make_board: MakeBoard) -> None:
    root = make_board(base="format = 1\n")
    assert problems(root) == [
        "board.toml: board: required table is missing: add a [board] table with id, name and area"
    ]


def test_croydon_round_trips_through_toml_and_json() -> None:
    board = load_board(CROYDON).board
    assert board_from_toml(board_to_toml(board)) == board
    assert board_from_json(board_to_json(board)) == board


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(boards())
def test_any_board_round_trips(board: Board) -> None:
    """A board with every collection filled survives TOML and JSON through the checked loader."""
    assert board_from_toml(board_to_toml(board)) == board
    assert board_from_json(board_to_json(board)) == board


def test_board_from_data_reports_like_the_loader() -> None:
    with pytest.raises(BoardInvalid) as info:
        board_from_data({"board": {"id": "b", "name": "B"}}, file="x.json")
    assert [str(p) for p in info.value.problems] == ["x.json: board.area: required key is missing"]
