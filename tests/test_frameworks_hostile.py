"""Statutory frameworks under attack: hostile framework data refused with key paths, a local
plugin's framework seen by every command that opens the board, register writes held to the
framework, lif migrate's edge cases, and the logic errors an attacker found."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import BoardInvalid, Plugins, StatutoryFramework, validate_board
from lif_core.cli import make_cli
from lif_core.clocks import ClockState, publications_due
from lif_core.model import Board, BoardInfo, Publication

from .conftest import CROYDON, MINIMAL, ROOT

D = dt.date
MakeBoard = Callable[..., Path]
THIRD_PARTY = Path(__file__).parent / "third_party"
BASE = """
name = "test-framework"
title = "Test framework"
country = "testland"
[arrangement]
name = "test-board"
title = "Test board"
"""


def run(plugins: Plugins, *args: str) -> Result:
    return CliRunner().invoke(make_cli(plugins), list(args))


def refused(text: str) -> str:
    with pytest.raises(BoardInvalid) as info:
        StatutoryFramework.from_toml(text, file="f.toml")
    message = str(info.value)
    assert "Traceback" not in message and "Attribute(" not in message
    return message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            '[[obligations]]\nname = "r"\ntitle = "R"\nyear_starts = "02-30"\n',
            "obligations[0].year_starts: '02-30' is not a month",
        ),
        ('[[obligations]]\nname = "r"\ntitle = "R"\nyear_starts = "13-01"\n', "is not a month and day every year has"),
        ('[[obligations]]\nname = "r"\ntitle = "R"\nyear_starts = "02-29"\n', "is not a month and day every year has"),
        ('[[obligations]]\nname = "r"\ntitle = "R"\ndue = { after = "period-end", days = 999999999999 }\n', "days"),
        ('[[obligations]]\nname = "r"\ntitle = "R"\nsent_within_days = -1\n', "sent_within_days"),
        ('[[roles]]\nname = "r"\ntitle = "R"\nminimum = -1\n', "roles[0].minimum"),
        ('[[roles]]\nname = "r"\ntitle = "R"\nsectors = ["wizards"]\n', "'wizards' is not a sector"),
        ('[[roles]]\nname = "r"\ntitle = "R"\ndelegates_to = "r"\n', "delegates_to runs in a loop: r -> r"),
        ('[[roles]]\nname = "r"\ntitle = "R"\nholder = "robot"\n', "roles[0].holder: 'holder' must be in"),
        ('[[review_kinds]]\nname = "k"\ntitle = "K"\nstages = []\n', "stages is empty"),
        ('[[review_kinds]]\nname = "k"\ntitle = "K"\ndecision_stage = "decision"\n', "no decisions to record"),
        ('[[review_kinds]]\nname = "k"\ntitle = "K"\nreplaced_by = "k"\n', "replaced_by names the kind itself"),
        (
            '[[review_kinds]]\nname = "k"\ntitle = "K"\n[[review_kinds.clocks]]\nname = "c"\nstart = ["decided"]\n'
            'end = "published"\nworking_days = 5\nsetting = "publication_months"\n',
            "only a clock in months takes its length from a setting",
        ),
        (
            '[[review_kinds]]\nname = "k"\ntitle = "K"\n[[review_kinds.clocks]]\nname = "c"\nstart = ["decided"]\n'
            'end = "published"\nmonths = 5\nsetting = "colour"\n',
            "'colour' is not a whole-number [settings] key",
        ),
        ('[[grade_scales]]\nname = "s"\ntitle = "S"\nvalues = ["a", "a"]\n', "a value is listed twice"),
        ('[[stages]]\nname = "s"\ntitle = "S"\n[[stages]]\nname = "s"\ntitle = "T"\n', "stages: 's' is listed twice"),
        ('[templates]\n"board.toml" = "hello"\n', "templates: unknown key"),
        ('[arrangement2]\nname = "x"\n', "arrangement2: unknown key"),
    ],
)
def test_hostile_framework_data_is_refused_with_its_key_path(extra: str, expected: str) -> None:
    assert expected in refused(BASE + extra)


def test_malformed_framework_files_are_refused_cleanly() -> None:
    # Under tomli's own limit (400 levels from 2.3.1, a RecursionError), the check with the key path
    assert "x[0][0][0]...: nested more than 32 levels deep" in refused("x = " + "[" * 300 + "]" * 300)
    assert "nested too deeply" in refused("x = " + "[" * 5000 + "]" * 5000)
    assert "arrangement: expected a table, got text 'lscb'" in refused(
        'name = "a"\ntitle = "A"\ncountry = "x"\narrangement = "lscb"\n'
    )
    with pytest.raises(BoardInvalid, match="expected a table at the top level"):
        StatutoryFramework.from_data([1, 2])  # type: ignore[arg-type]


def _local_framework(tmp_path: Path, framework_text: str, board_text: str) -> Path:
    root = tmp_path / "board"
    shutil.copytree(THIRD_PARTY, root / "local")
    (root / "local" / "scotland.toml").write_text(framework_text, encoding="utf-8")
    (root / "board.toml").write_text(board_text, encoding="utf-8")
    return root


def test_an_unknown_holiday_calendar_is_an_error_not_a_traceback(tmp_path: Path, plugins: Plugins) -> None:
    from .test_frameworks import SCOTTISH_BOARD

    text = (THIRD_PARTY / "scotland.toml").read_text().replace('subdivision = "SCT"', 'subdivision = "XYZ"')
    root = _local_framework(tmp_path, text, SCOTTISH_BOARD)
    errors = {p.path: p.message for p in validate_board(root, plugins).errors}
    assert (
        "calendar: 'GB-XYZ' is not a holiday calendar the holidays library knows" in errors["board.statutory_framework"]
    )
    report = run(Plugins.create(), "report", "impact", str(root))
    assert report.exit_code == 1 and "Traceback" not in report.output


def test_commands_that_open_a_board_see_its_local_framework(tmp_path: Path) -> None:
    from .test_frameworks import SCOTTISH_BOARD

    root = _local_framework(tmp_path, (THIRD_PARTY / "scotland.toml").read_text(), SCOTTISH_BOARD)
    assert run(Plugins.create(), "import", str(root)).exit_code == 0
    stage = run(Plugins.create(), "stage", str(root), "lr1", "practitioner-involvement")
    assert stage.exit_code == 1 and "'practitioner-involvement' is not a stage of this review's kind" in stage.output
    add = run(Plugins.create(), "add", str(root), "reviews", "id=lr2", "title=X", "kind=lcspr")
    assert add.exit_code == 1 and "'lcspr' is not a review kind of Scotland" in add.output
    overdue = run(Plugins.create(), "overdue", str(root), "--as-of", "2026-12-02")
    assert "publication: Annual report 2025-26: overdue (due 2026-09-30" in overdue.output


def test_register_writes_are_held_to_the_kind_and_the_reporting_year(make_board: MakeBoard) -> None:
    root = make_board(
        """
        [[reviews]]
        id = "rr"
        title = "Child B"
        kind = "rapid-review"
        """
    )
    plugins = Plugins.create()
    assert run(plugins, "import", str(root)).exit_code == 0
    for args, expected in (
        (("update", "rr", "stage=publication"), "'publication' is not a stage of a rapid review"),
        (("update", "rr", "decision=whatever"), "'whatever' is not a decision of a rapid review"),
        (("add", "publications", "id=p", "kind=yearly-report", "period=2018-1"), "'2018-1' is not a reporting year"),
        (("add", "publications", "id=p", "kind=yearly-report", "period=0001-02"), "from 1900 to 2099"),
    ):
        result = run(Plugins.create(), args[0], str(root), *args[1:])
        assert result.exit_code == 1 and expected in result.output, result.output
        assert "refused, nothing changed" in result.output


def test_one_reporting_year_written_two_ways_is_recorded_once(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[publications]]
        id = "a"
        kind = "yearly-report"
        period = "2024-25"

        [[publications]]
        id = "b"
        kind = "yearly-report"
        period = "2024-25"

        """
    )
    errors = {p.path: p.message for p in validate_board(root, plugins).errors}
    assert "is already recorded as a" in errors["publications[1].period"]
    spaced = make_board('[[publications]]\nid = "c"\nkind = "yearly-report"\nperiod = "2024-25 "\n')
    errors = {p.path: p.message for p in validate_board(spaced, plugins).errors}
    assert "'2024-25 ' is not a reporting year" in errors["publications[0].period"]


def test_an_unpublished_yearly_report_is_the_one_due(plugins: Plugins) -> None:
    england = plugins.statutory_frameworks.get("england-wt2023")
    board = Board(
        board=BoardInfo(id="t", name="T", area="T"),
        publications=(
            Publication(id="a", kind="yearly-report", period="2024-25", published=D(2025, 9, 26)),
            Publication(id="b", kind="yearly-report", period="2025-26"),
        ),
    )
    due = publications_due(board, england, D(2026, 12, 2))
    assert [(d.period, d.state) for d in due] == [("2024-25", None), ("2025-26", ClockState.OVERDUE)]


def test_the_report_keeps_every_kind_of_publication(tmp_path: Path) -> None:
    board = tmp_path / "wales"
    shutil.copytree(ROOT / "examples" / "wales-regional", board)
    with (board / "register.toml").open("a", encoding="utf-8") as handle:
        for year in (2021, 2022, 2023):
            handle.write(
                f'\n[[publications]]\nid = "ar-{year}"\nkind = "annual-report"\nperiod = "{year}-{(year + 1) % 100:02d}"\n'
                f"published = {year + 1}-07-20\n"
            )
    out = run(Plugins.create(), "report", "impact", str(board), "--no-progress").output
    assert "Annual plan 2025-26" in out and "Annual report 2024-25" in out


def test_roles_are_held_as_at_the_report_date(make_board: MakeBoard, plugins: Plugins) -> None:
    people = """
        [[people]]
        id = "lead-{p}"
        name = "Lead for {p}"
        role = "lead-safeguarding-partner"
        partner = "{p}"
        {extra}
    """
    base = MINIMAL.replace("england-wt2018", "england-wt2023")
    later = make_board(
        "".join(
            people.format(p=p, extra="until = 2099-01-01" if p == "police" else "")
            for p in ("council", "icb", "police")
        ),
        base=base,
    )
    assert not [p for p in validate_board(later, plugins).warnings if "lead safeguarding partner" in p.message]
    gone = make_board(
        "".join(
            people.format(p=p, extra="until = 2001-01-01" if p == "police" else "")
            for p in ("council", "icb", "police")
        ),
        base=base,
    )
    assert any("no lead safeguarding partner for police" in p.message for p in validate_board(gone, plugins).warnings)


def test_delegation_is_checked(make_board: MakeBoard, plugins: Plugins) -> None:
    base = MINIMAL.replace("england-wt2018", "england-wt2023")
    root = make_board(
        """
        [[people]]
        id = "ceo"
        name = "Chief Executive"
        role = "lead-safeguarding-partner"
        partner = "council"

        [[people]]
        id = "dcs"
        name = "Director of Children's Services"
        role = "delegated-safeguarding-partner"
        partner = "police"
        delegate_of = "ceo"

        [[people]]
        id = "orphan"
        name = "Deputy"
        role = "delegated-safeguarding-partner"

        [[people]]
        id = "self"
        name = "Self"
        role = "delegated-safeguarding-partner"
        delegate_of = "self"
        """,
        base=base,
    )
    result = validate_board(root, plugins)
    messages = {p.path: p.message for p in result.problems}
    assert (
        "acts for police but is delegated to by Chief Executive, who acts for council"
        in messages["people[2].delegate_of"]
    )
    assert "name who delegated it" in messages["people[3].delegate_of"]
    assert messages["people[4].delegate_of"] == "no one delegates to themselves"


def test_reviews_following_each_other_in_a_loop_are_refused(make_board: MakeBoard, plugins: Plugins) -> None:
    root = make_board(
        """
        [[reviews]]
        id = "a"
        title = "A"
        kind = "lcspr"
        follows = "b"

        [[reviews]]
        id = "b"
        title = "B"
        kind = "lcspr"
        follows = "a"
        """
    )
    errors = [p.message for p in validate_board(root, plugins).errors]
    assert "reviews follow each other in a loop: a -> b -> a" in errors


def test_a_2023_partnership_without_its_safeguarding_partners_is_an_error(
    make_board: MakeBoard, plugins: Plugins
) -> None:
    base = MINIMAL.replace("england-wt2018", "england-wt2023").replace("safeguarding_partner = true\n", "")
    errors = [p.message for p in validate_board(make_board(base=base), plugins).errors]
    assert any("Working Together 2023: no police partner is a safeguarding partner" in e for e in errors)


# --------------------------------------------------------------------------- lif migrate


OLD = """\
# a comment above
format = 1

[board]
id = "x"
name = "X"
area = "X"
country = "england"  # we are English
arrangement = "lscb" # an LSCB until 2019
working_together = "2015"

[settings]
deadlines = [
  { name = "response", from_date = "report_received", to_date = "board_response", working_days = 20, kinds = [
    "serious-case-review",  # the big ones
    "lcspr",
    "learning-review",
  ] },
]
"""


def test_migrate_keeps_comments_layout_and_line_endings(tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    (root / "board.toml").write_bytes(OLD.replace("\n", "\r\n").encode())
    result = run(Plugins.create(), "migrate", str(root))
    assert result.exit_code == 0, result.output
    after = (root / "board.toml").read_bytes().decode()
    assert "\n" not in after.replace("\r\n", "")  # every line still ends in CRLF
    assert 'statutory_framework = "england-wt2015"  # we are English; an LSCB until 2019\r\n' in after
    assert '    "serious-case-review",  # the big ones\r\n    "learning-review",\r\n' in after
    assert after.startswith("# a comment above\r\n")
    assert validate_board(root, Plugins.create()).ok


def test_migrate_refuses_a_linked_board_file_and_disagreeing_keys(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.toml"
    elsewhere.write_text(OLD)
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "board.toml").symlink_to(elsewhere)
    result = run(Plugins.create(), "migrate", str(linked))
    assert result.exit_code == 1 and "board.toml is a link" in result.output
    assert elsewhere.read_text() == OLD
    both = tmp_path / "both"
    both.mkdir()
    (both / "board.toml").write_text(OLD.replace('"2015"', '"2023"'))
    result = run(Plugins.create(), "migrate", str(both))
    assert "arrangement = 'lscb' and working_together = '2023' disagree" in result.output
    errors = {p.path: p.message for p in validate_board(both, Plugins.create()).errors}
    assert "disagree" in errors["board.arrangement"]
    string = tmp_path / "string"
    string.mkdir()
    (string / "board.toml").write_text(
        OLD.split("[settings]")[0] + '[settings]\ndeadlines = [{ name = "r", '
        'from_date = "decided", to_date = "published", days = 5, kinds = "lcspr" }]\n'
    )
    result = run(Plugins.create(), "migrate", str(string))
    assert "settings.deadlines[0].kinds: expected a list of review kinds" in result.output


def test_init_fills_placeholders_once(tmp_path: Path) -> None:
    target = tmp_path / "new"
    result = run(Plugins.create(), "init", str(target), "--name", "Board of {{area}} ({{id}})", "--area", "Gwent")
    assert result.exit_code == 0, result.output
    assert 'name = "Board of {{area}} ({{id}})"' in (target / "board.toml").read_text()


def test_croydon_copy_is_untouched_by_these_tests() -> None:
    assert 'statutory_framework = "england-wt2015"' in (CROYDON / "board.toml").read_text()


def _imported_wt2023(tmp_path: Path) -> Path:
    root = tmp_path / "wt2023"
    shutil.copytree(ROOT / "examples" / "wt2023-partnership", root)
    assert run(Plugins.create(), "import", str(root)).exit_code == 0
    return root


def test_nothing_is_written_when_the_boards_framework_is_not_loaded(tmp_path: Path) -> None:
    root = _imported_wt2023(tmp_path)
    before = run(Plugins.create(), "export", str(root)).output
    result = run(Plugins.create(disabled=["england"]), "add", str(root), "reviews", "id=rq", "title=x", "kind=x")
    assert result.exit_code == 1
    assert "the statutory framework 'england-wt2023', which is not loaded" in result.output
    assert "nothing was written" in result.output
    assert run(Plugins.create(), "export", str(root)).output == before


def test_register_writes_checked_across_records(tmp_path: Path) -> None:
    root = _imported_wt2023(tmp_path)
    plugins = Plugins.create
    self_follow = run(plugins(), "update", str(root), "rr-young-person-x", "follows=rr-young-person-x")
    assert "a review cannot follow itself" in self_follow.output
    loop = run(plugins(), "update", str(root), "rr-baby-w", "follows=lcspr-baby-w")
    assert "reviews would follow each other in a loop: rr-baby-w -> lcspr-baby-w -> rr-baby-w" in loop.output
    sent = run(plugins(), "update", str(root), "yearly-report-2024-25", "sent=2025-09-01")
    assert "sent before it was published" in sent.output
    twice = run(plugins(), "add", str(root), "publications", "id=p5", "kind=yearly-report", "period=2024-25")
    assert "Yearly report for that year is already recorded as yearly-report-2024-25" in twice.output
    assert all(r.exit_code == 1 for r in (self_follow, loop, sent, twice))


def test_import_brings_a_review_in_after_the_one_it_follows(tmp_path: Path) -> None:
    root = tmp_path / "wt2023"
    shutil.copytree(ROOT / "examples" / "wt2023-partnership", root)
    register = root / "register.toml"
    text = register.read_text(encoding="utf-8")
    first, rest = text.split("[[reviews]]", 1)
    blocks = rest.split("[[reviews]]")
    lcspr = next(b for b in blocks if 'id = "lcspr-baby-w"' in b)
    blocks.remove(lcspr)
    register.write_text(first + "[[reviews]]" + lcspr + "[[reviews]]" + "[[reviews]]".join(blocks), encoding="utf-8")
    assert validate_board(root, Plugins.create()).ok
    result = run(Plugins.create(), "import", str(root))
    assert result.exit_code == 0, result.output


MIGRATE_DEADLINES = """\
[board]
id = "x"
name = "X"
area = "X"
country = 'england'        # set by the 2017 review
arrangement = 'lscb'       # until the 2019 transition
working_together = '2015'

[settings]
report_date = 2019-03-31  # kinds = ["lcspr"] are not ours
# agreed 2017: kinds = ["lcspr", "serious-case-review"]
deadlines = [{ name = "r", from_date = "decided", to_date = "published", days = 5, kinds = ["lcspr", "learning-review"] }]
"""


def test_migrate_keeps_comments_and_never_drops_a_slip(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "board.toml").write_text(MIGRATE_DEADLINES)
    assert run(Plugins.create(), "migrate", str(root)).exit_code == 0
    after = (root / "board.toml").read_text()
    assert 'statutory_framework = "england-wt2015"  # set by the 2017 review; until the 2019 transition' in after
    assert (
        '# kinds = ["lcspr"] are not ours' in after
        and '# agreed 2017: kinds = ["lcspr", "serious-case-review"]' in after
    )
    assert 'kinds = ["learning-review"]' in after
    (root / "board.toml").write_text(
        MIGRATE_DEADLINES.replace('"lcspr", "learning-review"', '"lcpsr", "learning-review"')
    )
    result = run(Plugins.create(), "migrate", str(root))
    assert result.exit_code == 1 and "'lcpsr' is no framework's review kind" in result.output
    assert "lcpsr" in (root / "board.toml").read_text()
    commented = MIGRATE_DEADLINES.replace(
        'kinds = ["lcspr", "learning-review"] }]', 'kinds = [\n  "lcspr",  # the 2019 ones\n  "learning-review",\n] }]'
    )
    (root / "board.toml").write_text(commented)
    result = run(Plugins.create(), "migrate", str(root))
    assert result.exit_code == 1 and "carries a comment: take it out by hand" in result.output


def test_an_old_board_naming_only_its_country_was_a_2018_board(tmp_path: Path) -> None:
    root = tmp_path / "c"
    root.mkdir()
    (root / "board.toml").write_text('[board]\nid = "x"\nname = "X"\narea = "X"\ncountry = "england"\n')
    result = run(Plugins.create(), "migrate", str(root))
    assert "country = 'england' -> statutory_framework = \"england-wt2018\"" in result.output
