"""The builtin report sections a yearly report needs beyond the register's own (foreword, local
context, the arrangements, where progress has been slow, you said we did, independent scrutiny,
funding, child death reviews, effectiveness, a board's own narrative): each built through the
report from a copy of an example board with records added, read as a reader reads it (names,
never ids; the framework's words; small counts of children hidden), and what each says the
board has not yet filled."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lif_core import Plugins, open_board
from lif_core.board import LoadedBoard
from lif_core.document import SUPPRESSED, BulletList, Document, Facts, Paragraph, Section, Table, cell_text
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
#: The Leeds example's report day, and the reporting year it falls in.
LEEDS_DAY = dt.date(2025, 10, 31)


# ---------------------------------------------------------------- helpers


def example(tmp_path: Path, name: str) -> Path:
    """A private copy of an example board."""
    target = tmp_path / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def add(root: Path, text: str, file: str = "register.toml") -> None:
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


# ---------------------------------------------------------------- records added in tests

FEEDBACK = """
[[feedback]]
id = "fb-youth-forum"
date = 2025-06-10
given_by = "young-people"
how = "Youth forum"
said = "We did not know who to tell when something felt wrong online."
did = "Schools' online safety sessions now end with who to tell and how."
done = 2025-09-01
supports = ["prio-babies", "a-baby-w-2"]

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
"""

SCRUTINY = """
[[scrutiny]]
id = "scr-annual-2025"
title = "Independent scrutiny of the partnership's response to babies at risk"
date = 2025-07-15
person = "independent-scrutineer"
method = "Observed the Review Advisory Group; read six rapid reviews; met practitioners"
findings = ["Rapid reviews were on time and well attended", "Learning reached police and health, not yet schools"]
response = "The Learning and Development Group takes the learning to schools this autumn."
narrative = "narrative/scrutiny-2025.md"

[[recommendations]]
id = "rec-scr-schools"
text = "Take the learning from rapid reviews to schools."
source = "scr-annual-2025"
kind = "knowledge-and-skill"
made = 2025-07-15

[[actions]]
id = "act-scr-schools"
recommendation = "rec-scr-schools"
text = "Briefings on learning from rapid reviews for designated safeguarding leads."
owner = "learning-development"
due = 2025-09-30
status = "in-progress"
"""

CONTRIBUTIONS = """
[[contributions]]
id = "con-council-this"
period = "2025-26"
partner = "leeds-city-council"
amount = 45000.0

[[contributions]]
id = "con-icb-this"
period = "2025-26"
partner = "wy-icb"
amount = 22500.5
in_kind = "Designated nurse time"

[[contributions]]
id = "con-police-this"
period = "2025-26"
partner = "wy-police"
in_kind = "Venues for training"

[[contributions]]
id = "con-council-last"
period = "2024-25"
partner = "leeds-city-council"
amount = 40000.0
"""

CHILD_DEATHS = """
[[child_deaths]]
id = "cdr-leeds-a"
period = "2024-25"
notified = 14
reviewed = 12
modifiable = 3
themes = ["babies", "neglect-and-poverty"]
summary = "Unsafe sleeping arrangements were a modifiable factor in the deaths of babies."

[[child_deaths]]
id = "cdr-leeds-b"
period = "2023-24"
notified = 16
reviewed = 15
modifiable = 8

[[child_deaths]]
id = "cdr-leeds-c"
period = "2025-26"
notified = 9
reviewed = 2
modifiable = 1
"""


@pytest.fixture
def leeds(tmp_path: Path) -> Path:
    return example(tmp_path, "wt2023-partnership")


# ---------------------------------------------------------------- registered


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


# ---------------------------------------------------------------- narrative-only


@pytest.mark.parametrize("name", NARRATIVE_ONLY)
def test_a_narrative_only_section_is_not_yet_written_until_the_board_writes_it(name: str, leeds: Path) -> None:
    part = ReportPart(section=name, narrative="narrative/own.md") if name == "narrative" else ReportPart(section=name)
    file = "narrative/own.md" if name == "narrative" else f"narrative/{name}.md"
    own = file if name == "narrative" else ""
    assert "not yet written" in missing(leeds, name, narrative=own) and file in missing(leeds, name, narrative=own)
    write(leeds, file, "   \n")  # an empty file is not yet written either
    section = only(report(leeds, part))
    assert list(section.blocks) == [Paragraph(NOT_WRITTEN)]
    assert missing(leeds, name, narrative=own)
    write(leeds, file, "The partners' own words.\n\n## Looking ahead\n\nMore to do.\n")
    section = only(report(leeds, part))
    assert section.blocks == (Paragraph("The partners' own words."),)
    assert [(s.title, s.blocks) for s in section.sections] == [("Looking ahead", (Paragraph("More to do."),))]
    assert missing(leeds, name, narrative=own) == ""


def test_the_foreword_takes_the_title_the_report_gives_it(leeds: Path) -> None:
    write(leeds, "narrative/foreword.md", "Welcome.")
    assert only(report(leeds, "foreword")).title == "Foreword"
    assert only(report(leeds, ReportPart(section="foreword", title="A word from the partners"))).title == (
        "A word from the partners"
    )


def test_a_narrative_section_shows_the_board_file_under_its_title(leeds: Path) -> None:
    write(leeds, "narrative/front-door.md", "# ignored heading level\n\nThe front door answered 9 in 10 calls.\n")
    part = ReportPart(section="narrative", title="A year at the front door", narrative="narrative/front-door.md")
    section = only(report(leeds, part))
    assert section.title == "A year at the front door" and section.key == "narrative"
    assert "The front door answered 9 in 10 calls." in text(section)


# ---------------------------------------------------------------- local context


def test_local_context_shows_the_area_children_and_partners_by_sector(tmp_path: Path) -> None:
    root = example(tmp_path, "croydon")
    (root / "narrative" / "local-context.md").unlink(missing_ok=True)
    section = only(report(root, "local-context"))
    shown = text(section)
    assert "Croydon" in shown
    assert "95,800 (2018-19 estimate)" in shown  # the latest period, not 2016-17's
    by_sector = table(section, "Partner agencies by sector")
    rows = {row[0]: row for row in by_sector.rows}
    assert rows["Health"][1] == 3 and "Croydon Health Services NHS Trust" in str(rows["Health"][2])
    assert rows["All sectors"][1] == 12 and by_sector.total_row
    assert "Voluntary and community sector" in rows
    assert "the account of the local context" in missing(root, "local-context")
    write(root, "narrative/local-context.md", "Croydon has more children than any other London borough.")
    section = only(report(root, "local-context"))
    assert section.blocks[0] == Paragraph("Croydon has more children than any other London borough.")
    assert missing(root, "local-context") == ""


def test_local_context_takes_no_population_of_a_later_year(tmp_path: Path) -> None:
    root = example(tmp_path, "croydon")
    replace(
        root,
        '{ period = "2018-19", value = 95800 },',
        '{ period = "2018-19", value = 95800 },\n  { period = "2019-20", value = 99999 },',
    )
    shown = text(only(report(root, "local-context")))
    assert "95,800" in shown and "99,999" not in shown


# ---------------------------------------------------------------- the arrangements


def test_arrangements_show_who_holds_each_role_in_the_framework_words(leeds: Path) -> None:
    section = only(report(leeds, "arrangements"))
    shown = text(section)
    facts = dict(next(b for b in section.blocks if isinstance(b, Facts)).pairs)
    assert facts["Arrangement"] == "Local safeguarding partnership"
    assert facts["Partnership chair"].startswith("Partnership chair (illustrative")  # the framework's word
    roles = table(section, "Who holds each role")
    held = {(str(r[0]), str(r[1])) for r in roles.rows}
    assert ("Lead safeguarding partner", "Chief Constable, West Yorkshire Police") in held
    assert ("Independent scrutineer", "Independent Scrutineer, LSCP") in held
    police = next(r for r in roles.rows if r[1] == "Chief Constable, West Yorkshire Police")
    assert police[2] == "West Yorkshire Police"
    assert "delegates to Chief Superintendent, Leeds District Commander, West Yorkshire Police" in str(police[3])
    delegate = next(r for r in roles.rows if r[1] == "Director of Children and Families, Leeds City Council")
    assert "delegated by Chief Executive, Leeds City Council" in str(delegate[3])
    scrutineer = next(r for r in roles.rows if r[0] == "Independent scrutineer")
    assert "independent" in str(scrutineer[3])
    partners = table(section, "Partner agencies")
    cafcass = next(r for r in partners.rows if r[0] == "Cafcass")
    assert cafcass[2] == "Relevant agency"
    council = next(r for r in partners.rows if r[0] == "Leeds City Council")
    assert council[2] == "Safeguarding partner"
    education = next(s for _d, s in section.walk() if s.title == "Education")
    assert "Education, a strategic partner" in text(education) and "LSCP Executive" in text(education)
    groups = table(section, "The groups")
    rag = next(r for r in groups.rows if r[0] == "Review Advisory Group (RAG)")
    assert rag[1] == "Sub-group" and rag[2] == "Rotates between the three statutory partners"
    assert rag[3] == "LSCP Executive" and "rapid reviews" in str(rag[4])
    assert "lead-safeguarding-partner" not in shown and "relevant-agency" not in shown
    assert missing(leeds, "arrangements") == ""


def test_arrangements_missing_names_an_empty_role_and_its_sector(leeds: Path) -> None:
    replace(
        leeds,
        'role = "lead-safeguarding-partner"\npartner = "wy-police"',
        'role = "lead-safeguarding-partner"\npartner = "wy-police"\nuntil = 2025-06-30',
    )
    gap = missing(leeds, "arrangements")
    assert "Lead safeguarding partner: 2 of 3 recorded" in gap
    assert "Lead safeguarding partner: none recorded for police" in gap
    assert missing(leeds, "arrangements", as_of=dt.date(2025, 6, 30)) == ""  # still in post that day
    rows = table(only(report(leeds, "arrangements")), "Who holds each role").rows
    assert "Chief Constable, West Yorkshire Police" not in {r[1] for r in rows}


def test_arrangements_missing_without_a_chair(leeds: Path) -> None:
    replace(
        leeds,
        'role = "partnership-chair"\nillustrative = true',
        'role = "partnership-chair"\nillustrative = true\nuntil = 2024-01-01',
    )
    replace(leeds, 'chair = "Partnership chair (illustrative)"\nnotes', "notes")
    replace(leeds, 'chair = "Partnership chair (illustrative)"\nresponsible_for', "responsible_for")
    gap = missing(leeds, "arrangements")
    assert "Partnership chair: 0 of 1 recorded" in gap
    assert "no partnership chair is recorded" in gap
    section = only(report(leeds, "arrangements"))
    assert dict(next(b for b in section.blocks if isinstance(b, Facts)).pairs)["Partnership chair"] == "not recorded"
    assert ("Partnership chair", "Nobody recorded") in {(r[0], r[1]) for r in table(section, "Who holds").rows}


def test_arrangements_of_a_welsh_board_speak_the_welsh_framework(tmp_path: Path) -> None:
    root = example(tmp_path, "wales-regional")
    section = only(report(root, "arrangements"))
    shown = text(section)
    facts = dict(next(b for b in section.blocks if isinstance(b, Facts)).pairs)
    assert facts["Arrangement"] == "Regional Safeguarding Children Board"
    assert "Superintendent, South Wales Police (South Wales Police)" in facts["Chair"]
    assert "Chair of the Board" in shown and "Safeguarding Board partner" in shown
    assert "Lead partner in relation to children" in shown
    for english in ("safeguarding partnership", "Lead safeguarding partner", "Relevant agency", "Partnership chair"):
        assert english not in shown
    assert missing(root, "arrangements") == ""


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
    facts = dict(next(b for b in section.blocks if isinstance(b, Facts)).pairs)
    assert facts["Arrangement"] == "Local Safeguarding Children Board"
    assert facts["Independent Chair"] == "Independent Chair"  # the framework's word for its chair
    assert ("Independent chair", "Independent Chair") in {(r[0], r[1]) for r in table(section, "Who holds").rows}
    assert "Nobody is recorded in these roles, which are optional: Lay member." in text(section)
    partners = {r[0]: r[2] for r in table(section, "Partner agencies").rows}
    assert partners == {"Testshire Council": "Board partner (s.13)", "Testshire schools": "-"}
    education = next(s for _d, s in section.walk() if s.title == "Education")
    assert "Testshire schools: a partner agency" in text(education)
    assert missing(root, "arrangements", as_of=dt.date(2019, 3, 31)) == ""


# ---------------------------------------------------------------- where progress has been slow


def test_progress_lists_priorities_with_little_or_no_evidence_of_progress(leeds: Path) -> None:
    replace(leeds, '{ period = "2024-25", value = 19.6 },', '{ period = "2024-25", value = 23.5 },')
    add(
        leeds,
        """
[[actions]]
id = "act-late-step-down"
priority = "prio-right-help"
text = "Publish the step-down protocol."
owner = "audit-review"
due = 2025-06-30
status = "in-progress"
""",
    )
    section = only(report(leeds, "progress"))
    listed = table(section, "Priorities with little or no evidence")
    assert listed.rows == (
        ("Children get the right help at the right time", "Audit and Review Group", "not judged", 1),
    )
    assert "1 of the 2 priorities of the year shows little or no evidence of progress." in text(section)
    [right_help] = section.sections
    assert right_help.title == "Children get the right help at the right time"
    assert right_help.blocks == (
        BulletList(
            (
                "no evidence",
                "overdue action: Publish the step-down protocol. (due 2025-06-30)",
                "measure Referrals to children's social care that are re-referrals within 12 months: "
                "23.5 in 2024-25 (red, worsening)",
            )
        ),
    )
    assert missing(leeds, "progress") == ""


def test_progress_names_the_board_judgement(leeds: Path) -> None:
    replace(
        leeds, 'measures = ["m-rapid-reviews-on-time"]', 'measures = ["m-rapid-reviews-on-time"]\nprogress = "little"'
    )
    replace(leeds, 'measures = ["m-re-referrals"]', 'measures = ["m-re-referrals"]\nprogress = "good"')
    section = only(report(leeds, "progress"))
    babies = next(s for _d, s in section.walk() if s.title == "Babies are safe when their families are under pressure")
    assert "the board judged it to have made little progress" in text(babies)
    row = next(r for r in table(section, "Priorities with").rows if r[0] == babies.title)
    assert row[1] == "Review Advisory Group (RAG)" and row[2] == "Little"


def test_progress_says_plainly_when_there_is_none_to_report(leeds: Path) -> None:
    add(
        leeds,
        """
[[evidence]]
id = "e-step-down-audit"
title = "Audit of step-down plans: 9 in 10 name a lead practitioner"
kind = "audit"
date = 2025-09-01
strength = "moderate"
supports = ["prio-right-help"]
""",
    )
    section = only(report(leeds, "progress"))
    assert not section.sections and not tables(section)
    assert "Each of the 2 priorities shows evidence of progress" in text(section)
    assert missing(leeds, "progress") == ""


def test_progress_missing_without_priorities(make_board: Callable[..., Path]) -> None:
    root = make_board()
    assert "no business-plan priority" in missing(root, "progress", as_of=dt.date(2025, 3, 31))
    assert "No business-plan priority" in text(only(report(root, "progress", as_of=dt.date(2025, 3, 31))))


# ---------------------------------------------------------------- you said, we did


def test_feedback_shows_what_was_said_and_done_in_names(leeds: Path) -> None:
    assert "no feedback from children or families" in missing(leeds, "feedback")
    add(leeds, FEEDBACK)
    section = only(report(leeds, "feedback"))
    said = table(section, "You said, we did")
    rows = {str(r[3]): r for r in said.rows}
    forum = rows["We did not know who to tell when something felt wrong online."]
    assert forum[0] == "Young people" and forum[2] == "Youth forum"
    assert forum[4].startswith("Schools' online safety") and forum[5] == "2025-09-01"  # type: ignore[union-attr]
    assert "Babies are safe when their families are under pressure" in str(forum[6])
    assert "A short course and briefing on coping with crying" in str(forum[6])
    parents = rows["The conference report arrived the night before."]
    assert parents[0] == "Parents and carers" and parents[4] == "not yet acted on"
    # acted on after the report's day: not yet, as the board stood on that day
    practitioners = rows["Step-down plans do not name a lead practitioner."]
    assert practitioners[4] == "not yet acted on" and practitioners[5] == ""
    counts = table(section, "Feedback by who gave it")
    assert counts.total_row
    assert ("All", 3, 1) in {tuple(r) for r in counts.rows}
    assert missing(leeds, "feedback") == ""


def test_feedback_from_practitioners_alone_is_not_from_children_and_families(leeds: Path) -> None:
    add(leeds, FEEDBACK.split("[[feedback]]")[3].join(["[[feedback]]", ""]))
    assert "no feedback from children or families" in missing(leeds, "feedback")


# ---------------------------------------------------------------- independent scrutiny


def test_scrutiny_shows_findings_response_account_and_recommendations(leeds: Path) -> None:
    assert "no independent scrutiny" in missing(leeds, "scrutiny")
    add(leeds, SCRUTINY)
    write(leeds, "narrative/scrutiny-2025.md", "The partnership knows itself well.\n\n## Schools\n\nNot yet reached.\n")
    section = only(report(leeds, "scrutiny"))
    [part] = section.sections
    assert part.title == "Independent scrutiny of the partnership's response to babies at risk"
    facts = dict(next(b for b in part.blocks if isinstance(b, Facts)).pairs)
    assert facts == {
        "Reported": "2025-07-15",
        "Scrutineer": "Independent Scrutineer, LSCP",
        "How": "Observed the Review Advisory Group; read six rapid reviews; met practitioners",
    }
    assert (
        BulletList(
            ("Rapid reviews were on time and well attended", "Learning reached police and health, not yet schools")
        )
        in part.blocks
    )
    assert (
        Paragraph("Response: The Learning and Development Group takes the learning to schools this autumn.")
        in part.blocks
    )
    recs = table(part, "Its recommendations")
    assert recs.rows == (
        (
            "Take the learning from rapid reviews to schools.",
            "Briefings on learning from rapid reviews for designated safeguarding leads.",
            "Learning and Development Group",
            "2025-09-30",
            "In progress (overdue)",
        ),
    )
    [account] = part.sections
    assert account.title == "The scrutineer's account"
    assert account.blocks == (Paragraph("The partnership knows itself well."),)
    assert account.sections[0].title == "Schools"
    assert missing(leeds, "scrutiny") == ""


def test_scrutiny_older_than_a_year_is_named_but_missing(leeds: Path) -> None:
    add(
        leeds,
        SCRUTINY.replace("date = 2025-07-15", "date = 2024-07-15").replace("made = 2025-07-15", "made = 2024-07-15"),
    )
    write(leeds, "narrative/scrutiny-2025.md", "Old.")
    shown = text(only(report(leeds, "scrutiny")))
    assert "No independent scrutiny is recorded in the twelve months to 2025-10-31" in shown
    assert "The latest recorded is Independent scrutiny of the partnership's response to babies at risk" in shown
    assert "no independent scrutiny is recorded in the twelve months" in missing(leeds, "scrutiny")


# ---------------------------------------------------------------- funding


def test_funding_shows_pounds_shares_and_totals_for_this_year_and_last(leeds: Path) -> None:
    assert 'period = "2025-26"' in missing(leeds, "funding")
    add(leeds, CONTRIBUTIONS)
    section = only(report(leeds, "funding"))
    assert [s.title for s in section.sections] == ["2025-26", "2024-25"]
    this = table(section.sections[0], "Partner contributions, 2025-26")
    assert this.total_row and this.columns == ("Partner", "Amount", "In kind", "Share of total")
    assert this.rows == (
        ("Leeds City Council", "£45,000", "-", "66.7%"),
        ("NHS West Yorkshire Integrated Care Board (Leeds Office)", "£22,500.50", "Designated nurse time", "33.3%"),
        ("West Yorkshire Police", "£0", "Venues for training", "0.0%"),
        ("Total", "£67,500.50", "", "100%"),
    )
    last = table(section.sections[1], "Partner contributions, 2024-25")
    assert last.rows[-1] == ("Total", "£40,000", "", "100%")
    assert "£67,500.50 in 2025-26, against £40,000 in 2024-25" in text(section)
    assert missing(leeds, "funding") == ""


def test_funding_of_a_year_recorded_only_in_kind(leeds: Path) -> None:
    add(leeds, CONTRIBUTIONS.split("[[contributions]]")[3].join(["[[contributions]]", ""]))
    this = table(only(report(leeds, "funding")), "Partner contributions, 2025-26")
    assert this.rows == (("West Yorkshire Police", "£0", "Venues for training", "-"), ("Total", "£0", "", "-"))
    assert missing(leeds, "funding") == ""


# ---------------------------------------------------------------- child death reviews


def test_child_death_figures_hide_small_counts(leeds: Path) -> None:
    assert 'period = "2024-25"' in missing(leeds, "child-deaths")  # the latest year ended by the report's day
    add(leeds, CHILD_DEATHS)
    section = only(report(leeds, "child-deaths"))
    figures = table(section, "Deaths notified and reviewed")
    rows = {r[0]: r for r in figures.rows}
    assert "2025-26" not in rows  # the year had not ended on the report's day
    assert rows["2024-25"][1:4] == ("14", "12", SUPPRESSED) or rows["2024-25"][1:4] == (14, 12, SUPPRESSED)
    assert rows["2024-25"][4] == SUPPRESSED  # the share would give the hidden count away
    assert rows["2023-24"][3] in (8, "8")
    found = next(s for s in section.sections if s.title == "What the reviews found, 2024-25")
    assert "Babies" in text(found) and "Neglect and poverty" in text(found)
    assert "Unsafe sleeping arrangements" in text(found)
    assert missing(leeds, "child-deaths") == ""
    open_ = table(only(report(leeds, "child-deaths", disclosure_control=False)), "Deaths notified and reviewed")
    assert {cell_text(r[3]) for r in open_.rows} == {"3", "8"}


def test_child_death_figures_expected_for_a_year_that_has_ended(make_board: Callable[..., Path]) -> None:
    day = dt.date(2019, 3, 31)  # the last day of 2018-19
    root = make_board()
    assert 'period = "2018-19"' in missing(root, "child-deaths", as_of=day)
    assert 'period = "2017-18"' in missing(root, "child-deaths", as_of=dt.date(2019, 3, 30))
    add(
        root,
        '[[child_deaths]]\nid = "cdr-t"\nperiod = "2018-19"\nnotified = 30\nreviewed = 25\nmodifiable = 7\n',
        "board.toml",
    )
    assert missing(root, "child-deaths", as_of=day) == ""
    rows = table(only(report(root, "child-deaths", as_of=day)), "Deaths notified and reviewed").rows
    assert [cell_text(c) for c in rows[0]] == ["2018-19", "30", "25", "7", "28.0"]


# ---------------------------------------------------------------- all of them, in names


def test_a_full_report_of_the_new_sections_shows_names_never_ids(leeds: Path) -> None:
    add(leeds, FEEDBACK + SCRUTINY + CONTRIBUTIONS + CHILD_DEATHS)
    write(leeds, "narrative/scrutiny-2025.md", "Account.")
    document = report(leeds, *NEW)
    shown = "\n".join(text(s) for s in document.sections)
    loaded = open_board(leeds, Plugins.create())
    assert ids_shown(loaded, shown) == []
    for name in ("Independent Scrutineer, LSCP", "Leeds City Council", "Learning and Development Group"):
        assert name in shown
