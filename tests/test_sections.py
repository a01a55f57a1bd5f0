"""The builtin report sections a yearly report needs beyond the register's own (foreword, local
context, the arrangements, where progress has been slow, you said we did, independent scrutiny,
funding, child death reviews, effectiveness, a board's own narrative): each built through the
report from a small board written here (the examples grow as the project does: each is only
checked to build every section, in names), with records added, read as a reader reads it
(names, never ids; the framework's words; small counts of children hidden), and what each says
the board has not yet filled."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lif_core import Plugins, open_board
from lif_core.board import LoadedBoard
from lif_core.document import SUPPRESSED, BulletList, Document, Facts, Figure, Paragraph, Section, Table, cell_text
from lif_core.frameworks import ReportDefinition, ReportPart
from lif_core.history import as_at
from lif_core.report import SectionContext, impact_report
from lif_core.report.compose import NOT_WRITTEN
from lif_core.validate import with_framework

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
NEW = (
    "foreword",
    "local-context",
    "arrangements",
    "progress",
    "feedback",
    "scrutiny",
    "funding",
    "child-deaths",
    "effectiveness",
    "narrative",
)
NARRATIVE_ONLY = ("foreword", "effectiveness", "narrative")


# ---------------------------------------------------------------- helpers


def example(tmp_path: Path, name: str) -> Path:
    """A private copy of an example board."""
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def add(root: Path, text: str, file: str = "board.toml") -> None:
    """Append TOML tables to one of the board's files."""
    path = root / file
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def replace(root: Path, old: str, new: str, file: str = "board.toml") -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def report(
    root: Path,
    *parts: str | ReportPart,
    as_of: dt.date | None = None,
    disclosure_control: bool = True,
) -> Document:
    plugins = Plugins.create()
    loaded = open_board(root, plugins)
    day = as_of or loaded.board.settings.report_date
    assert day is not None
    definition = ReportDefinition(
        title="Yearly report",
        sections=tuple(p if isinstance(p, ReportPart) else ReportPart(section=p) for p in parts),
    )
    return impact_report(loaded, plugins, day, definition=definition, disclosure_control=disclosure_control)


def context(root: Path, section: str, as_of: dt.date | None = None, *, narrative: str = "") -> SectionContext:
    """What ``missing`` is given: the board as at the day, with its framework."""
    plugins = Plugins.create()
    loaded = with_framework(open_board(root, plugins), plugins)
    day = as_of or loaded.board.settings.report_date
    assert day is not None
    return SectionContext(as_at(loaded, day, plugins), plugins, day, ReportPart(section=section, narrative=narrative))


def missing(root: Path, section: str, as_of: dt.date | None = None, *, narrative: str = "") -> str:
    spec = Plugins.create().report_sections.get(section)
    assert spec.missing is not None
    return spec.missing(context(root, section, as_of, narrative=narrative))


def only(document: Document) -> Section:
    assert len(document.sections) == 1
    return document.sections[0]


def lines(section: Section) -> Iterator[str]:
    """Every piece of text a reader sees in ``section``, its subsections' included."""
    for _depth, part in section.walk():
        yield part.title
        for block in part.blocks:
            if isinstance(block, Paragraph):
                yield block.text
            elif isinstance(block, BulletList):
                yield from block.items
            elif isinstance(block, Facts):
                for label, value in block.pairs:
                    yield label
                    yield value
            elif isinstance(block, Table):
                yield block.caption
                yield from block.columns
                for row in block.rows:
                    yield from (cell_text(c) for c in row)


def text(section: Section) -> str:
    return "\n".join(lines(section))


def tables(section: Section) -> list[Table]:
    return [b for _d, s in section.walk() for b in s.blocks if isinstance(b, Table)]


def table(section: Section, caption: str) -> Table:
    found = [t for t in tables(section) if t.caption.startswith(caption)]
    assert found, [t.caption for t in tables(section)]
    return found[0]


def ids_shown(loaded: LoadedBoard, shown: str) -> list[str]:
    """The board's record ids that appear in ``shown`` as whole words (ids that could be
    ordinary words, with no hyphen or digit, are not looked for)."""
    ids = [i for i in loaded.board.index() if re.search(r"[-0-9]", i)]
    return [i for i in ids if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", shown)]


# ---------------------------------------------------------------- the board the tests build on

#: A partnership under Working Together 2023, as at 2025-10-31 (reporting year 2025-26).
TESTSHIRE = """format = 1

[board]
id = "testshire"
name = "Testshire Safeguarding Children Partnership"
area = "Testshire"
statutory_framework = "england-wt2023"

[settings]
report_date = 2025-10-31
populations = [
  { period = "2024-25", value = 51200 },
  { period = "2025-26", value = 52340 },
  { period = "2026-27", value = 99999 },
]

[[partners]]
id = "t-council"
name = "Testshire Council"
sector = "local-authority"
roles = ["safeguarding-partner"]
safeguarding_partner = true

[[partners]]
id = "t-icb"
name = "Testshire Integrated Care Board"
sector = "health"
roles = ["safeguarding-partner"]
safeguarding_partner = true

[[partners]]
id = "t-police"
name = "Testshire Police"
sector = "police"
roles = ["safeguarding-partner"]
safeguarding_partner = true

[[partners]]
id = "t-schools"
name = "Testshire schools and colleges"
sector = "education"
roles = ["education-partner", "relevant-agency"]

[[partners]]
id = "t-charity"
name = "Testshire Young People's Trust"
sector = "voluntary-community"
roles = ["relevant-agency"]

[[people]]
id = "lsp-council"
name = "Chief Executive, Testshire Council"
role = "lead-safeguarding-partner"
partner = "t-council"

[[people]]
id = "lsp-icb"
name = "Chief Executive, Testshire Integrated Care Board"
role = "lead-safeguarding-partner"
partner = "t-icb"

[[people]]
id = "lsp-police"
name = "Chief Constable, Testshire Police"
role = "lead-safeguarding-partner"
partner = "t-police"

[[people]]
id = "dsp-police"
name = "Detective Superintendent, Public Protection, Testshire Police"
role = "delegated-safeguarding-partner"
partner = "t-police"
delegate_of = "lsp-police"
since = 2024-09-01

[[people]]
id = "chair-person"
name = "Alex Example"
role = "partnership-chair"
independent = true

[[people]]
id = "scrutineer-person"
name = "Sam Scrutineer"
role = "independent-scrutineer"
independent = true

[[groups]]
id = "t-executive"
name = "Testshire Partnership Executive"
kind = "board"
chair = "Alex Example"
remit = "Sets the partnership's priorities"
members = ["t-council", "t-icb", "t-police", "t-schools"]

[[groups]]
id = "t-review-group"
name = "Case Review Group"
kind = "sub-group"
reports_to = "t-executive"
chair_partner = "t-police"
remit = "Rapid reviews and local child safeguarding practice reviews"

[[priorities]]
id = "p-babies"
title = "Babies are safe at home"
period = "2025-26"
lead = "t-review-group"
themes = ["babies"]
measures = ["m-bruising"]

[[measures]]
id = "m-bruising"
title = "Non-mobile babies with bruising seen by a paediatrician within a day"
kind = "performance-measure"
quadrant = "how-well"
polarity = "higher-is-better"
unit = "percent"
frequency = "annual"
target = { value = 95.0 }
values = [
  { period = "2023-24", value = 90.0 },
  { period = "2024-25", value = 80.0 },
]
"""

FEEDBACK = """
[[feedback]]
id = "fb-youth-forum"
date = 2025-06-10
given_by = "young-people"
how = "Youth forum"
said = "We did not know who to tell when something felt wrong online."
did = "Schools' online safety sessions now end with who to tell and how."
done = 2025-09-01
supports = ["p-babies", "act-briefings"]

[[feedback]]
id = "fb-parents-survey"
date = 2025-07-01
given_by = "parents-and-carers"
how = "Survey of parents after a child protection conference"
said = "The conference report arrived the night before."

[[feedback]]
id = "fb-practitioners"
date = 2025-05-01
given_by = "practitioners"
said = "Step-down plans do not name a lead practitioner."
did = "The step-down form names the lead practitioner."
done = 2025-12-01

[[feedback]]
id = "fb-old-unanswered"
date = 2023-05-01
given_by = "children"
how = "School council"
said = "Nobody asked us."

[[feedback]]
id = "fb-old-answered"
date = 2023-06-01
given_by = "families"
said = "An old matter, long since answered."
did = "Answered."
done = 2023-09-01
"""

SCRUTINY = """
[[scrutiny]]
id = "scr-annual-2025"
title = "Independent scrutiny of the partnership's response to babies at risk"
date = 2025-07-15
person = "scrutineer-person"
scrutineer = "with a peer from a neighbouring partnership"
method = "Observed the Case Review Group; read six rapid reviews; met practitioners"
findings = ["Rapid reviews were on time and well attended", "Learning reached police and health, not yet schools"]
response = "The partnership takes the learning to schools this autumn."
narrative = "narrative/scrutiny-2025.md"

[[recommendations]]
id = "rec-scr-schools"
text = "Take the learning from rapid reviews to schools."
source = "scr-annual-2025"
kind = "knowledge-and-skill"
made = 2025-07-15

[[recommendations]]
id = "rec-scr-voice"
text = "Hear from children before each rapid review closes."
source = "scr-annual-2025"
kind = "professional-action"
made = 2025-07-15

[[actions]]
id = "act-briefings"
recommendation = "rec-scr-schools"
text = "Briefings on learning from rapid reviews for designated safeguarding leads."
owner = "t-review-group"
due = 2025-09-30
status = "in-progress"
"""

CONTRIBUTIONS = """
[[contributions]]
id = "con-council-this"
period = "2025-26"
partner = "t-council"
amount = 45000.0

[[contributions]]
id = "con-icb-this"
period = "2025-26"
partner = "t-icb"
amount = 20000.0
in_kind = "Designated nurse time"

[[contributions]]
id = "con-icb-this-more"
period = "2025-26"
partner = "t-icb"
amount = 2500.5
note = "Mid-year top-up"

[[contributions]]
id = "con-police-this"
period = "2025-26"
partner = "t-police"
in_kind = "Venues for training"

[[contributions]]
id = "con-council-last"
period = "2024-25"
partner = "t-council"
amount = 40000.0

[[contributions]]
id = "con-council-old"
period = "2023-24"
partner = "t-council"
amount = 1234.0
"""

CHILD_DEATHS = """
[[child_deaths]]
id = "cdr-t-a"
period = "2024-25"
notified = 14
reviewed = 12
modifiable = 3
themes = ["babies", "neglect-and-poverty"]
summary = "Unsafe sleeping arrangements were a modifiable factor in the deaths of babies."

[[child_deaths]]
id = "cdr-t-b"
period = "2023-24"
notified = 16
reviewed = 15
modifiable = 8

[[child_deaths]]
id = "cdr-t-c"
period = "2025-26"
notified = 9
reviewed = 2
modifiable = 1
"""

EVERYTHING = FEEDBACK + SCRUTINY + CONTRIBUTIONS + CHILD_DEATHS


@pytest.fixture
def board(make_board: Callable[..., Path]) -> Path:
    return make_board(base=TESTSHIRE)


def facts(section: Section) -> dict[str, str]:
    return dict(next(b for b in section.blocks if isinstance(b, Facts)).pairs)


def sub(section: Section, title: str) -> Section:
    return next(s for _d, s in section.walk() if s.title == title)


# ---------------------------------------------------------------- registered, and on every example


def test_the_new_sections_are_registered_with_what_they_show() -> None:
    registry = Plugins.create().report_sections
    for name in NEW:
        spec = registry.get(name)
        assert spec.title and spec.description and spec.missing is not None, name
        assert spec.narrative_only is (name in NARRATIVE_ONLY), name


@pytest.mark.parametrize("name", ["wt2023-partnership", "croydon", "wales-regional"])
def test_every_new_section_builds_on_every_example_showing_no_ids(name: str, tmp_path: Path) -> None:
    root = example(tmp_path, name)
    document = report(root, *NEW)
    assert [s.key for s in document.sections] == list(NEW)
    loaded = open_board(root, Plugins.create())
    shown = "\n".join(text(s) for s in document.sections)
    assert ids_shown(loaded, shown) == []
    for section in document.sections:
        assert section.blocks or section.sections, section.key
        spec = Plugins.create().report_sections.get(section.key)
        assert spec.missing is not None
        assert isinstance(spec.missing(context(root, section.key)), str)


def test_a_full_report_of_the_new_sections_shows_names_never_ids(board: Path) -> None:
    add(board, EVERYTHING)
    write(board, "narrative/scrutiny-2025.md", "Account.")
    document = report(board, *NEW)
    shown = "\n".join(text(s) for s in document.sections)
    assert ids_shown(open_board(board, Plugins.create()), shown) == []
    for name in ("Sam Scrutineer", "Testshire Council", "Case Review Group", "Babies are safe at home"):
        assert name in shown


# ---------------------------------------------------------------- narrative-only


@pytest.mark.parametrize("name", NARRATIVE_ONLY)
def test_a_narrative_only_section_is_not_yet_written_until_the_board_writes_it(name: str, board: Path) -> None:
    part = ReportPart(section=name, narrative="narrative/own.md") if name == "narrative" else ReportPart(section=name)
    file = "narrative/own.md" if name == "narrative" else f"narrative/{name}.md"
    own = file if name == "narrative" else ""
    assert "not yet written" in missing(board, name, narrative=own) and file in missing(board, name, narrative=own)
    write(board, file, "   \n")  # an empty file is not yet written either
    section = only(report(board, part))
    assert list(section.blocks) == [Paragraph(NOT_WRITTEN)]
    assert missing(board, name, narrative=own)
    write(board, file, "The partners' own words.\n\n## Looking ahead\n\nMore to do.\n")
    section = only(report(board, part))
    assert section.blocks == (Paragraph("The partners' own words."),)
    assert [(s.title, s.blocks) for s in section.sections] == [("Looking ahead", (Paragraph("More to do."),))]
    assert missing(board, name, narrative=own) == ""


def test_the_foreword_takes_the_title_the_report_gives_it(board: Path) -> None:
    write(board, "narrative/foreword.md", "Welcome.")
    assert only(report(board, "foreword")).title == "Foreword"
    titled = ReportPart(section="foreword", title="A word from the partners")
    assert only(report(board, titled)).title == "A word from the partners"


def test_a_narrative_section_shows_the_board_file_under_its_title(board: Path) -> None:
    write(board, "narrative/front-door.md", "# A heading\n\nThe front door answered 9 in 10 calls.\n")
    part = ReportPart(section="narrative", title="A year at the front door", narrative="narrative/front-door.md")
    section = only(report(board, part))
    assert section.title == "A year at the front door" and section.key == "narrative"
    assert "The front door answered 9 in 10 calls." in text(section)
    assert missing(board, "narrative", narrative="narrative/front-door.md") == ""


# ---------------------------------------------------------------- local context


def test_local_context_shows_the_area_children_and_partners_by_sector(board: Path) -> None:
    section = only(report(board, "local-context"))
    assert facts(section) == {
        "Area": "Testshire",
        "Children aged 0 to 17": "52,340 (2025-26 estimate)",  # the latest up to the report's year
        "Partner agencies": "5",
    }
    by_sector = table(section, "Partner agencies by sector")
    assert by_sector.total_row
    assert by_sector.rows == (
        ("Local authority", 1, "Testshire Council"),
        ("Health", 1, "Testshire Integrated Care Board"),
        ("Police", 1, "Testshire Police"),
        ("Education", 1, "Testshire schools and colleges"),
        ("Voluntary and community sector", 1, "Testshire Young People's Trust"),
        ("All sectors", 5, ""),
    )
    assert "the account of the local context" in missing(board, "local-context")
    write(board, "narrative/local-context.md", "Testshire is mostly rural.")
    section = only(report(board, "local-context"))
    assert section.blocks[0] == Paragraph("Testshire is mostly rural.")
    assert missing(board, "local-context") == ""


# ---------------------------------------------------------------- the arrangements


def test_arrangements_show_who_holds_each_role_in_the_framework_words(board: Path) -> None:
    section = only(report(board, "arrangements"))
    assert facts(section) == {
        "Arrangement": "Local safeguarding partnership",
        "Statutory basis": "Children Act 2004 s.16E; Working Together to Safeguard Children 2023 ch.2",
        "Area": "Testshire",
        "Partnership chair": "Alex Example",  # the framework's word for its chair
    }
    assert table(section, "Who holds each role").rows == (
        ("Lead safeguarding partner", "Chief Executive, Testshire Council", "Testshire Council", ""),
        (
            "Lead safeguarding partner",
            "Chief Executive, Testshire Integrated Care Board",
            "Testshire Integrated Care Board",
            "",
        ),
        (
            "Lead safeguarding partner",
            "Chief Constable, Testshire Police",
            "Testshire Police",
            "delegates to Detective Superintendent, Public Protection, Testshire Police",
        ),
        (
            "Delegated safeguarding partner",
            "Detective Superintendent, Public Protection, Testshire Police",
            "Testshire Police",
            "delegated by Chief Constable, Testshire Police; since 2024-09-01",
        ),
        ("Partnership chair", "Alex Example", "", "independent"),
        ("Independent scrutineer", "Sam Scrutineer", "", "independent"),
    )
    assert table(section, "Partner agencies").rows == (
        ("Testshire Council", "Local authority", "Safeguarding partner"),
        ("Testshire Integrated Care Board", "Health", "Safeguarding partner"),
        ("Testshire Police", "Police", "Safeguarding partner"),
        ("Testshire schools and colleges", "Education", "Relevant agency; Education, a strategic partner"),
        ("Testshire Young People's Trust", "Voluntary and community sector", "Relevant agency"),
    )
    assert sub(section, "Education").blocks[1] == BulletList(
        (
            "Testshire schools and colleges: Relevant agency; Education, a strategic partner. "
            "Sits on: Testshire Partnership Executive",
        )
    )
    assert table(section, "The groups").rows == (
        ("Testshire Partnership Executive", "Board", "Alex Example", "-", "Sets the partnership's priorities"),
        (
            "Case Review Group",
            "Sub-group",
            "Testshire Police",
            "Testshire Partnership Executive",
            "Rapid reviews and local child safeguarding practice reviews",
        ),
    )
    assert missing(board, "arrangements") == ""


def test_arrangements_missing_names_an_empty_role_and_its_sector(board: Path) -> None:
    replace(
        board,
        'role = "lead-safeguarding-partner"\npartner = "t-police"',
        'role = "lead-safeguarding-partner"\npartner = "t-police"\nuntil = 2025-06-30',
    )
    gap = missing(board, "arrangements")
    assert gap == "Lead safeguarding partner: 2 of 3 recorded; Lead safeguarding partner: none recorded for police"
    assert missing(board, "arrangements", as_of=dt.date(2025, 6, 30)) == ""  # still in post that day
    rows = table(only(report(board, "arrangements")), "Who holds each role").rows
    assert "Chief Constable, Testshire Police" not in {r[1] for r in rows}
    delegate = next(r for r in rows if r[0] == "Delegated safeguarding partner")
    assert "delegated by Chief Constable, Testshire Police" in str(delegate[3])  # a name even after they left


def test_arrangements_missing_without_a_chair(board: Path) -> None:
    replace(board, 'role = "partnership-chair"', 'role = "partnership-chair"\nuntil = 2024-01-01')
    replace(board, 'chair = "Alex Example"\n', "")
    gap = missing(board, "arrangements")
    assert (
        gap
        == "Partnership chair: 0 of 1 recorded; no partnership chair is recorded (a person in that role, or board.chair)"
    )
    section = only(report(board, "arrangements"))
    assert facts(section)["Partnership chair"] == "not recorded"
    assert ("Partnership chair", "Nobody recorded", "", "1 expected") in table(section, "Who holds").rows


def test_arrangements_of_a_welsh_board_speak_the_welsh_framework(tmp_path: Path) -> None:
    root = example(tmp_path, "wales-regional")
    section = only(report(root, "arrangements"))
    shown = text(section)
    assert facts(section)["Arrangement"] == "Regional Safeguarding Children Board"
    assert facts(section)["Chair"] != "not recorded"
    assert "Chair of the Board" in shown and "Safeguarding Board partner" in shown
    for english in ("safeguarding partnership", "Lead safeguarding partner", "Relevant agency", "Partnership chair"):
        assert english not in shown


LSCB = """\
format = 1

[board]
id = "t"
name = "Testshire Local Safeguarding Children Board"
area = "Testshire"
statutory_framework = "england-wt2015"
chair = "Independent Chair"

[[partners]]
id = "t-council"
name = "Testshire Council"
sector = "local-authority"
roles = ["board-partner"]

[[partners]]
id = "t-schools"
name = "Testshire schools"
sector = "education"
"""


def test_an_lscb_chair_named_only_in_board_toml_fills_its_role(make_board: Callable[..., Path]) -> None:
    root = make_board(base=LSCB)
    section = only(report(root, "arrangements", as_of=dt.date(2019, 3, 31)))
    assert facts(section)["Arrangement"] == "Local Safeguarding Children Board"
    assert facts(section)["Independent Chair"] == "Independent Chair"  # the framework's word for its chair
    assert ("Independent chair", "Independent Chair", "", "") in table(section, "Who holds").rows
    assert "Nobody is recorded in these roles, which are optional: Lay member." in text(section)
    partners = {r[0]: r[2] for r in table(section, "Partner agencies").rows}
    assert partners == {"Testshire Council": "Board partner (s.13)", "Testshire schools": "-"}
    assert "Testshire schools: a partner agency" in text(sub(section, "Education"))
    assert missing(root, "arrangements", as_of=dt.date(2019, 3, 31)) == ""


# ---------------------------------------------------------------- where progress has been slow

LATE = """
[[actions]]
id = "act-late"
priority = "p-babies"
text = "Publish the bruising protocol."
owner = "t-review-group"
due = 2025-06-30
status = "in-progress"
"""

IMPACT = """
[[evidence]]
id = "e-audit"
title = "Audit of bruising cases: every baby seen within a day"
kind = "audit"
date = 2025-09-01
strength = "moderate"
supports = ["p-babies"]
"""


def test_progress_lists_priorities_with_little_or_no_evidence_of_progress(board: Path) -> None:
    add(board, LATE)
    section = only(report(board, "progress"))
    assert table(section, "Priorities where progress is slow or not yet shown").rows == (
        ("Babies are safe at home", "Case Review Group", "Not judged", 1),
    )
    assert "For 1 priority, the evidence does not yet show progress: what falls short is set out below." in text(
        section
    )
    assert sub(section, "Babies are safe at home").blocks == (
        BulletList(
            (
                "No evidence is recorded",
                "Overdue: Publish the bruising protocol (due 2025-06-30)",
                "Non-mobile babies with bruising seen by a paediatrician within a day is short of its "
                "target and worsening: 80% in 2024-25 (red, worsening)",
            )
        ),
    )
    assert missing(board, "progress") == ""


SECOND = """
[[priorities]]
id = "p-second"
title = "Children are heard in every review"
period = "2025-26"
measures = ["m-heard"]

[[measures]]
id = "m-heard"
title = "Reviews in which the child's views were sought"
kind = "performance-measure"
quadrant = "how-well"
polarity = "higher-is-better"
unit = "percent"
frequency = "annual"
target = { value = 90.0 }
values = [{ period = "2023-24", value = 91.0 }, { period = "2024-25", value = 95.0 }]

[[evidence]]
id = "e-heard"
title = "Audit: children's views shaped every review's recommendations"
kind = "audit"
date = 2025-09-01
strength = "strong"
supports = ["p-second"]
"""


def test_progress_counts_the_priorities_listed_among_those_of_the_year(board: Path) -> None:
    add(board, SECOND)
    section = only(report(board, "progress"))
    assert "For 1 priority, the evidence does not yet show progress" in text(section)
    assert [s.title for s in section.sections] == ["Babies are safe at home"]
    add(board, '[[priorities]]\nid = "p-third"\ntitle = "A third priority"\nperiod = "2025-26"\n')
    assert "For 2 priorities, the evidence does not yet show progress" in text(only(report(board, "progress")))
    replace(board, 'strength = "strong"', 'strength = "weak"')
    assert "For 3 priorities, the evidence does not yet show progress" in text(only(report(board, "progress")))


def test_progress_names_the_board_judgement(board: Path) -> None:
    replace(board, 'measures = ["m-bruising"]', 'measures = ["m-bruising"]\nprogress = "none"')
    section = only(report(board, "progress"))
    assert "The partnership judged the priority of the year to have made little or no progress." in text(section)
    assert table(section, "Priorities where").rows[0][2] == "None"


def test_progress_says_plainly_when_there_is_none_to_report(board: Path) -> None:
    replace(board, '{ period = "2024-25", value = 80.0 },', '{ period = "2024-25", value = 96.0 },')
    add(board, IMPACT)
    section = only(report(board, "progress"))
    assert not section.sections and not tables(section)
    assert "The priority of the year shows evidence of progress" in text(section)
    assert missing(board, "progress") == ""


def test_progress_missing_without_priorities(make_board: Callable[..., Path]) -> None:
    root = make_board()
    assert "no business-plan priority" in missing(root, "progress", as_of=dt.date(2025, 3, 31))
    assert "No business-plan priority" in text(only(report(root, "progress", as_of=dt.date(2025, 3, 31))))


# ---------------------------------------------------------------- you said, we did


def test_feedback_shows_what_was_said_and_done_in_names(board: Path) -> None:
    assert "no feedback from children or families" in missing(board, "feedback")
    add(board, FEEDBACK + SCRUTINY)
    write(board, "narrative/scrutiny-2025.md", "Account.")
    section = only(report(board, "feedback"))
    said = table(section, "You said, we did")
    assert [r[3] for r in said.rows] == [  # oldest first; older feedback only while not acted on
        "Nobody asked us.",
        "Step-down plans do not name a lead practitioner.",
        "We did not know who to tell when something felt wrong online.",
        "The conference report arrived the night before.",
    ]
    forum = texts(said)[2]
    assert said.rows[2][1] == dt.date(2025, 6, 10) and said.rows[2][5] == dt.date(2025, 9, 1)  # days, as dates
    assert forum == (
        "Young people",
        "2025-06-10",
        "Youth forum",
        "We did not know who to tell when something felt wrong online.",
        "Schools' online safety sessions now end with who to tell and how.",
        "2025-09-01",
        "Babies are safe at home; Briefings on learning from rapid reviews for designated safeguarding leads.",
    )
    assert texts(said)[3][0] == "Parents and carers" and texts(said)[3][4:6] == ("not yet acted on", "")
    # acted on after the report's day: not yet, as the board stood on that day
    assert texts(said)[1][4:6] == ("not yet acted on", "")
    counts = table(section, "Feedback by who gave it")
    assert counts.total_row
    assert counts.rows == (
        ("Children", 1, 0),
        ("Young people", 1, 1),
        ("Parents and carers", 1, 0),
        ("Practitioners", 1, 0),
        ("All", 4, 1),
    )
    assert missing(board, "feedback") == ""


def test_feedback_from_practitioners_alone_is_not_from_children_and_families(board: Path) -> None:
    add(board, "[[feedback]]" + FEEDBACK.split("[[feedback]]")[3])
    assert "no feedback from children or families" in missing(board, "feedback")


# ---------------------------------------------------------------- independent scrutiny


def test_scrutiny_shows_findings_response_account_and_recommendations(board: Path) -> None:
    assert "no independent scrutiny" in missing(board, "scrutiny")
    add(board, SCRUTINY)
    write(
        board,
        "narrative/scrutiny-2025.md",
        "The partnership knows itself well.\n\n## Schools\n\nNot yet reached.\n",
    )
    section = only(report(board, "scrutiny"))
    [part] = section.sections
    assert part.title == "Independent scrutiny of the partnership's response to babies at risk"
    assert facts(part) == {
        "Reported": "2025-07-15",
        "Scrutineer": "Sam Scrutineer; with a peer from a neighbouring partnership",
        "How": "Observed the Case Review Group; read six rapid reviews; met practitioners",
    }
    findings = BulletList(
        ("Rapid reviews were on time and well attended", "Learning reached police and health, not yet schools")
    )
    assert findings in part.blocks
    assert Paragraph("Response: The partnership takes the learning to schools this autumn.") in part.blocks
    assert texts(table(part, "Its recommendations")) == (
        (
            "Take the learning from rapid reviews to schools.",
            "Briefings on learning from rapid reviews for designated safeguarding leads.",
            "Case Review Group",
            "2025-09-30",
            "In progress (overdue)",
        ),
        ("Hear from children before each rapid review closes.", "no action recorded yet", "", "", ""),
    )
    [account] = part.sections
    assert account.title == "The scrutineer's account"
    assert account.blocks == (Paragraph("The partnership knows itself well."),)
    assert account.sections == (Section("Schools", (Paragraph("Not yet reached."),)),)
    assert missing(board, "scrutiny") == ""


def test_scrutiny_older_than_a_year_is_named_but_missing(board: Path) -> None:
    add(board, SCRUTINY.replace("2025-07-15", "2024-07-15"))
    write(board, "narrative/scrutiny-2025.md", "Old.")
    shown = text(only(report(board, "scrutiny")))
    assert "No independent scrutiny is recorded in the twelve months to 2025-10-31" in shown
    assert (
        "The latest recorded is Independent scrutiny of the partnership's response to babies at risk, reported 2024-07-15"
        in shown
    )
    assert "no independent scrutiny is recorded in the twelve months" in missing(board, "scrutiny")


def test_scrutiny_reported_after_the_report_day_is_not_shown(board: Path) -> None:
    add(board, SCRUTINY.replace("2025-07-15", "2025-11-15"))
    write(board, "narrative/scrutiny-2025.md", "Later.")
    assert "No independent scrutiny is recorded" in text(only(report(board, "scrutiny")))


# ---------------------------------------------------------------- funding


def texts(table: Table) -> tuple[tuple[str, ...], ...]:
    """A table's rows as readers read them."""
    return tuple(tuple(cell_text(c) for c in row) for row in table.rows)


def test_funding_shows_pounds_shares_and_totals_for_the_year_covered_and_the_year_before(board: Path) -> None:
    # as at 2025-10-31 the report covers 2024-25, the last year ended by its day
    assert (
        missing(board, "funding")
        == 'no partner contribution is recorded for 2024-25 (add [[contributions]] with period = "2024-25")'
    )
    add(board, CONTRIBUTIONS)
    section = only(report(board, "funding"))
    assert [s.title for s in section.sections] == ["2025-26, the year in progress", "2024-25", "2023-24"]
    now = table(section.sections[0], "Partner contributions, 2025-26")
    assert now.total_row and now.columns == ("Partner", "Amount", "In kind", "Share of total", "Note")
    assert texts(now) == (
        ("Testshire Council", "£45,000", "-", "66.7%", "-"),
        ("Testshire Integrated Care Board", "£22,500.50", "Designated nurse time", "33.3%", "Mid-year top-up"),
        ("Testshire Police", "£0", "Venues for training", "0.0%", "-"),
        ("Total", "£67,500.50", "", "100.0%", ""),
    )
    covered = table(section.sections[1], "Partner contributions, 2024-25")
    assert covered.columns == ("Partner", "Amount", "In kind", "Share of total")
    assert texts(covered) == (("Testshire Council", "£40,000", "-", "100.0%"), ("Total", "£40,000", "", "100.0%"))
    assert texts(table(section.sections[2], "Partner contributions, 2023-24"))[-1] == ("Total", "£1,234", "", "100.0%")
    # figures for machines beside the text: pounds and a percentage as numbers
    assert now.rows[1][1] == Figure(22500.5, "£22,500.50", "£", 2)
    assert now.rows[0][3] == Figure(66.7, "66.7%", "%", 1)
    assert section.blocks == (
        Paragraph(
            "Partners contributed £40,000 in 2024-25, against £1,234 in 2023-24; "
            "£67,500.50 is recorded so far for 2025-26, the year in progress."
        ),
    )
    assert missing(board, "funding") == ""


def test_funding_of_a_report_on_the_last_day_of_its_year(board: Path) -> None:
    add(board, CONTRIBUTIONS)
    day = dt.date(2025, 3, 31)
    section = only(report(board, "funding", as_of=day))
    assert [s.title for s in section.sections] == ["2024-25", "2023-24"]  # 2025-26 had not started
    assert missing(board, "funding", as_of=day) == ""


def test_funding_of_a_year_recorded_only_in_kind(board: Path) -> None:
    add(board, "[[contributions]]" + CONTRIBUTIONS.split("[[contributions]]")[4])
    section = only(report(board, "funding"))
    this = table(section, "Partner contributions, 2025-26")
    assert texts(this) == (("Testshire Police", "£0", "Venues for training", "-"), ("Total", "£0", "", "-"))
    assert section.blocks == (
        Paragraph(
            "No partner contribution is recorded for 2024-25; £0 is recorded so far for 2025-26, the year in progress."
        ),
    )
    assert "No contribution is recorded for 2023-24." in text(section)
    assert "2024-25" in missing(board, "funding")


# ---------------------------------------------------------------- child death reviews


def test_child_death_figures_hide_small_counts(board: Path) -> None:
    # as at 2025-10-31, 2025-26 has not ended: the year expected is 2024-25
    assert (
        missing(board, "child-deaths")
        == 'no child death review figures are recorded for 2024-25 (add [[child_deaths]] with period = "2024-25")'
    )
    add(board, CHILD_DEATHS)
    section = only(report(board, "child-deaths"))
    notified = table(section, "Deaths of children notified")
    assert [[cell_text(c) for c in row] for row in notified.rows] == [["2023-24", "16"], ["2024-25", "14"]]
    figures = table(section, "Child death reviews completed")
    assert [[cell_text(c) for c in row] for row in figures.rows] == [
        ["2023-24", "8", "7", "15"],
        # 3 is small; 9 without would give it away from the 12 completed, so one more is hidden
        ["2024-25", SUPPRESSED, SUPPRESSED, "12"],
    ]  # 2025-26 had not ended on the report's day
    found = sub(section, "What the reviews found, 2024-25")
    assert found.blocks == (
        Paragraph("Unsafe sleeping arrangements were a modifiable factor in the deaths of babies."),
        Paragraph("Themes: Babies; Neglect and poverty."),
    )
    assert missing(board, "child-deaths") == ""
    unprotected = table(only(report(board, "child-deaths", disclosure_control=False)), "Child death reviews")
    assert [cell_text(c) for c in unprotected.rows[1]] == ["2024-25", "3", "9", "12"]


def test_child_death_figures_expected_for_a_year_that_has_ended(make_board: Callable[..., Path]) -> None:
    day = dt.date(2019, 3, 31)  # the last day of 2018-19
    root = make_board()
    assert 'period = "2018-19"' in missing(root, "child-deaths", as_of=day)
    assert 'period = "2017-18"' in missing(root, "child-deaths", as_of=dt.date(2019, 3, 30))
    add(root, '[[child_deaths]]\nid = "cdr-t"\nperiod = "2018-19"\nnotified = 30\nreviewed = 25\nmodifiable = 7\n')
    assert missing(root, "child-deaths", as_of=day) == ""
    rows = table(only(report(root, "child-deaths", as_of=day)), "Child death reviews completed").rows
    assert [cell_text(c) for c in rows[0]] == ["2018-19", "7", "18", "25"]
