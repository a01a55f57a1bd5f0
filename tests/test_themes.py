"""Theme taxonomies shipped with lif-core, boards extending or replacing them, and recurring
themes with and without a system-level response."""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import BoardInvalid, Plugins, load_board
from lif_core.board import TAXONOMIES, default_themes
from lif_core.cli import make_cli
from lif_core.learning import audit_join_ups, recurring_themes

from .conftest import CROYDON, SHARED

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MakeBoard = Callable[..., Path]
CIN_SCHEMAS = SHARED / "reference" / "dfe" / "cin_census"
D = dt.date


def _schema_factors(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8")
    body = re.search(r'name="assessmentfactorstype">(.*?)</xs:simpleType>', text, re.S)
    assert body, f"{path.name} has no assessmentfactorstype"
    pairs = re.findall(
        r'enumeration value="([^"]+)">.*?<xs:documentation>(.*?)</xs:documentation>', body.group(1), re.S
    )
    return {code: label.strip() for code, label in pairs}


@pytest.mark.skipif(not CIN_SCHEMAS.is_dir(), reason=f"the DfE schemas are not beside the project at {CIN_SCHEMAS}")
@pytest.mark.parametrize("year", range(2017, 2027))
def test_cin_assessment_factors_match_every_schema_year(year: int) -> None:
    """Codes valid in a year (since <= year) are exactly that year's schema codes, labels verbatim."""
    schema = _schema_factors(CIN_SCHEMAS / f"CIN_schema_{year}.xsd")
    ours = {t.code: t for t in default_themes(("cin-assessment-factors",)).values()}
    in_force = {code: t for code, t in ours.items() if t.since is not None and t.since <= year}
    assert set(in_force) == set(schema)
    for code, label in schema.items():
        assert in_force[code].label == label, code
        assert in_force[code].id == f"cin-{code.lower()}"


def test_taxonomies_ship_with_the_package() -> None:
    cin = default_themes(("cin-assessment-factors",))
    practice = default_themes(("practice-system",))
    assert len(cin) == 44 and cin["cin-24a"].since == 2022 and cin["cin-18b"].since == 2021
    assert {"information-sharing", "voice-of-the-child", "strategy-discussions", "harm-outside-family"} <= set(practice)
    assert all(t.axis.value == "risk-factor" for t in cin.values())
    assert all(t.axis.value == "practice-system" for t in practice.values())
    assert set(TAXONOMIES) == {"cin-assessment-factors", "practice-system"}


def test_a_board_extends_and_overrides_the_defaults(make_board: MakeBoard) -> None:
    root = make_board(
        '[[themes]]\nid = "county-lines"\nlabel = "County lines"\naxis = "practice-system"\n'
        '[[themes]]\nid = "information-sharing"\nlabel = "Sharing information (our wording)"\naxis = "practice-system"\n'
    )
    themes = {t.id: t for t in load_board(root).board.themes}
    assert themes["county-lines"].label == "County lines"
    assert themes["information-sharing"].label == "Sharing information (our wording)"
    assert themes["cin-3a"].code == "3A"
    assert len(themes) == 44 + len(default_themes(("practice-system",))) + 1


def test_a_board_can_replace_the_defaults(make_board: MakeBoard) -> None:
    root = make_board(
        '[[themes]]\nid = "ours"\nlabel = "Our only theme"\naxis = "practice-system"\n[settings]\ndefault_themes = []\n'
    )
    assert [t.id for t in load_board(root).board.themes] == ["ours"]
    only_cin = make_board('[settings]\ndefault_themes = ["cin-assessment-factors"]\n')
    assert {t.taxonomy for t in load_board(only_cin).board.themes} == {"cin-assessment-factors"}


def test_unknown_taxonomy_and_unknown_theme(make_board: MakeBoard) -> None:
    root = make_board(
        '[[priorities]]\nid = "p"\ntitle = "P"\nthemes = ["informaton-sharing"]\n'
        '[settings]\ndefault_themes = ["practice-system", "ofsted-themes"]\n'
    )
    with pytest.raises(BoardInvalid) as info:
        load_board(root)
    assert [str(p) for p in info.value.problems] == [
        "board.toml: settings.default_themes[1]: no theme taxonomy 'ofsted-themes' ships with lif-core; available: "
        "cin-assessment-factors, practice-system",
        "board.toml: priorities[0].themes[0]: no theme with id 'informaton-sharing' (did you mean 'information-sharing'?)",
    ]


def test_only_the_boards_own_themes_are_written_back() -> None:
    from lif_core.board import board_to_data

    board = load_board(CROYDON).board
    assert "themes" not in board_to_data(board)  # Croydon uses the shipped taxonomies as they are


def test_recurring_themes_of_croydon() -> None:
    board = load_board(CROYDON).board
    found = {r.theme.id: r for r in recurring_themes(board, D(2019, 3, 31))}
    # information sharing: Child F (incident Jan 2017), Young Person K, Baby M and the domestic abuse audit,
    # with no board-level action or priority: flagged.
    info = found["information-sharing"]
    assert info.sources == ("lr-young-person-k", "maca-2018-domestic-abuse", "rr-baby-m", "scr-child-f")
    assert info.flagged and info.responses == ()
    # strategy discussions recur too, and the board answered with a board-level action.
    strategy = found["strategy-discussions"]
    assert strategy.sources == ("rca-child-t", "rr-baby-m", "scr-child-f")
    assert strategy.responses == ("a-child-f-2",) and not strategy.flagged
    assert found["voice-of-the-child"].responses == ("prio-frontline-practice", "a-audit-programme")
    # A two-year window drops Child F (incident 9 Jan 2017, before 31 Mar 2017).
    two_years = {r.theme.id: r for r in recurring_themes(board, D(2019, 3, 31), window_months=24)}
    assert "scr-child-f" not in two_years["information-sharing"].sources
    assert "cin-3a" not in two_years  # only the audit is left in the window
    # Asking for four sources leaves information sharing alone.
    assert [r.theme.id for r in recurring_themes(board, D(2019, 3, 31), minimum=4)] == ["information-sharing"]


def test_planned_audits_that_could_join_up() -> None:
    board = load_board(CROYDON).board
    (join,) = audit_join_ups(board)
    assert {join.first.partner, join.second.partner} == {"croydon-health-services", "lbc-childrens-services"}
    assert join.themes == ("voice-of-the-child",)
    assert audit_join_ups(board, within_months=1) == []  # due end of July and end of September


def test_themes_command_flags_and_answers() -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["themes", str(CROYDON)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "in the 36 months to 2019-03-31" in out  # the board's report date and window
    assert "NO SYSTEM RESPONSE" in out and "a-child-f-2" in out
    assert "2 recurring theme(s) have no board-level action or priority: information-sharing, cin-3a." in out


def test_example_file_declares_report_date() -> None:
    data = tomllib.loads((CROYDON / "board.toml").read_text(encoding="utf-8"))
    assert data["settings"]["report_date"] == D(2019, 3, 31)
