"""Report section ``arrangements``: how the arrangements are made up, in the framework's own
words: what kind of arrangement it is (the framework's ``arrangement``), who holds each of the
framework's roles on the report's day (people, with the agency they act for, who they delegate
to or for, whether they are independent; agencies with their roles), who chairs (the
framework's word for the chair), the partner agencies and their roles, education's part where
education partners are recorded, and the groups with their chairs and remits.

Nothing here names a role itself: a role, its title, how many holders it needs and from which
sectors all come from the board's statutory framework, so the section reads the same way for an
English partnership, a Welsh regional board or any other arrangement a framework describes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...document import BulletList, Cell, Facts, Paragraph, Section, Table
from ...extensions import ReportSection
from ...frameworks import Role, StatutoryFramework
from ...model import Board, Group, GroupKind, Partner, Person, Sector
from ...report.context import SectionContext
from ._common import readable
from .local_context import sector_name

#: How the report says a kind of group where the file value does not read well by itself.
GROUP_WORDS = {GroupKind.SUB_GROUP: "Sub-group", GroupKind.CHAIRS_MEETING: "Chairs' meeting"}


def holds_on(person: Person, day: dt.date) -> bool:
    """True where ``person`` held their role on ``day`` (from ``since``, to ``until``)."""
    return (person.since is None or person.since <= day) and (person.until is None or person.until >= day)


def people_in(context: SectionContext, role: str) -> list[Person]:
    """The people holding ``role`` on the report's day."""
    return [p for p in context.board.people if p.role == role and holds_on(p, context.as_of)]


def agencies_in(board: Board, role: Role) -> list[Partner]:
    """The partner agencies holding an agency ``role``: those that list it in their ``roles``
    (as ``lif validate`` counts them)."""
    return [p for p in board.partners if role.name in p.roles]


def chair_roles(framework: StatutoryFramework | None, word: str) -> tuple[str, ...]:
    """The framework's person roles that are its chair: the one titled as the framework
    calls its chair (``words.chair``), else those whose title starts so, else any named
    ``chair`` or ``...-chair``."""
    if framework is None:
        return ()
    people = [r for r in framework.roles if r.holder == "person"]
    wanted = word.strip().lower()
    titled = tuple(r.name for r in people if r.title.strip().lower() == wanted)
    starting = tuple(r.name for r in people if r.title.strip().lower().startswith(wanted))
    named = tuple(r.name for r in people if r.name == "chair" or r.name.endswith("-chair"))
    return titled or starting or named


def chair_text(context: SectionContext) -> str:
    """Who chairs the arrangements: the people in the framework's chair role (with the agency
    each comes from), else ``board.chair``, else the chair of the board's own group; ``""``
    where none is recorded."""
    board = context.board
    names = [
        _with_agency(context, p)
        for role in chair_roles(context.framework, context.words("chair", "Chair"))
        for p in people_in(context, role)
    ]
    if names:
        return "; ".join(names)
    if board.board.chair:
        return board.board.chair
    main = next((g for g in board.groups if g.kind is GroupKind.BOARD and (g.chair or g.chair_partner)), None)
    return _group_chair(board, main) if main is not None else ""


def _with_agency(context: SectionContext, person: Person) -> str:
    return f"{person.name} ({context.name(person.partner)})" if person.partner else person.name


def _group_chair(board: Board, group: Group) -> str:
    partner = board.get(group.chair_partner).name if group.chair_partner else ""
    if group.chair and partner:
        return f"{group.chair} ({partner})"
    return str(group.chair or partner)


def _person_notes(context: SectionContext, person: Person) -> str:
    notes = []
    if person.independent:
        notes.append("independent")
    if person.delegate_of:
        notes.append(f"delegated by {context.name(person.delegate_of)}")
    delegates = [p.name for p in context.board.people if p.delegate_of == person.id and holds_on(p, context.as_of)]
    if delegates:
        notes.append(f"delegates to {'; '.join(delegates)}")
    if person.since:
        notes.append(f"since {person.since.isoformat()}")
    if person.until:
        notes.append(f"until {person.until.isoformat()}")
    return "; ".join(notes)


def _roles(context: SectionContext) -> tuple[Table | None, list[str]]:
    """The table of who holds each role, and the titles of optional roles nobody holds."""
    board = context.board
    framework = context.framework
    roles = framework.roles if framework is not None else ()
    rows: list[tuple[Cell, ...]] = []
    empty: list[str] = []
    chairs = chair_roles(framework, context.words("chair", "Chair"))
    for role in roles:
        if role.holder == "person":
            held = [
                (role.title, p.name, context.name(p.partner) if p.partner else "", _person_notes(context, p))
                for p in people_in(context, role.name)
            ]
        else:
            held = []  # agencies' roles are shown with the partner agencies
            if agencies_in(board, role):
                continue
        if held:
            rows += held
        elif role.name in chairs and context.board.board.chair:
            rows.append((role.title, context.board.board.chair, "", ""))
        elif role.minimum:
            rows.append((role.title, "Nobody recorded", "", f"{role.minimum} expected"))
        else:
            empty.append(role.title)
    known = {r.name for r in roles}
    rows += [
        (readable(p.role), p.name, context.name(p.partner) if p.partner else "", _person_notes(context, p))
        for p in board.people
        if p.role not in known and holds_on(p, context.as_of)
    ]
    if not rows:
        return None, empty
    return Table(("Role", "Held by", "For", "Notes"), tuple(rows), caption="Who holds each role"), empty


def _partners(context: SectionContext) -> Section:
    board = context.board
    if not board.partners:
        return Section("Partner agencies", (Paragraph("No partner agency is recorded."),))
    rows = tuple((p.name, sector_name(p.sector), "; ".join(agency_roles(context, p)) or "-") for p in board.partners)
    table = Table(("Agency", "Sector", "Roles in the arrangements"), rows, caption="Partner agencies")
    return Section("Partner agencies", (table,))


def agency_roles(context: SectionContext, partner: Partner) -> list[str]:
    """The titles of the framework's agency roles ``partner`` holds (:func:`agencies_in`), then
    any role it lists that the framework does not have."""
    framework = context.framework
    roles = [r for r in framework.roles if r.holder == "agency"] if framework is not None else []
    titles = [r.title for r in roles if partner in agencies_in(context.board, r)]
    known = {r.name for r in roles}
    return titles + [context.term("roles", r) for r in partner.roles if r not in known]


def _education(context: SectionContext) -> Section | None:
    board = context.board
    schools = [p for p in board.partners if p.sector is Sector.EDUCATION]
    if not schools:
        return None
    lines = []
    for p in schools:
        roles = "; ".join(agency_roles(context, p)) or "a partner agency"
        groups = [g.name for g in board.groups if p.id in g.members]
        member = f". Sits on: {'; '.join(groups)}" if groups else ""
        lines.append(f"{p.name}: {roles}{member}")
    return Section("Education", (Paragraph("Education's part in the arrangements:"), BulletList(tuple(lines))))


def _groups(context: SectionContext) -> Section:
    board = context.board
    if not board.groups:
        return Section("Groups", (Paragraph("No group is recorded."),))
    rows = tuple(
        (
            g.name,
            GROUP_WORDS.get(g.kind, readable(g.kind.value)),
            _group_chair(board, g) or "-",
            context.name(g.reports_to) if g.reports_to else "-",
            g.remit or "-",
        )
        for g in board.groups
    )
    table = Table(("Group", "Kind", "Chair", "Reports to", "Remit"), rows, caption="The groups and their remits")
    return Section("Groups", (table,))


def build(context: SectionContext) -> Section:
    board = context.board
    framework = context.framework
    facts: list[tuple[str, str]] = []
    if framework is not None:
        facts.append(("Arrangement", framework.arrangement.title))
        if framework.arrangement.source:
            facts.append(("Statutory basis", framework.arrangement.source))
    facts.append(("Area", board.board.area))
    facts.append((context.words("chair", "Chair"), chair_text(context) or "not recorded"))
    blocks: list[Any] = [Facts(tuple(facts))]
    table, empty = _roles(context)
    if table is not None:
        blocks.append(table)
    if empty:
        blocks.append(Paragraph(f"Nobody is recorded in these roles, which are optional: {'; '.join(empty)}."))
    education = _education(context)
    sections = [_partners(context), *((education,) if education is not None else ()), _groups(context)]
    return Section("", tuple(blocks), tuple(sections))


def missing(context: SectionContext) -> str:
    board = context.board
    framework = context.framework
    problems = []
    chair = chair_roles(framework, context.words("chair", "Chair"))
    for role in framework.roles if framework is not None else ():
        if role.holder == "person":
            people = people_in(context, role.name)
            count = len(people)
            sectors = {board.get(p.partner).sector.value for p in people if p.partner}
        else:
            agencies = agencies_in(board, role)
            count = len(agencies)
            sectors = {p.sector.value for p in agencies}
        if role.name in chair and not count and board.board.chair:
            continue  # the board names its chair in board.chair
        if count < role.minimum:
            problems.append(f"{role.title}: {count} of {role.minimum} recorded")
        uncovered = [sector_name(Sector(s)).lower() for s in role.sectors if s not in sectors]
        if count and uncovered:  # none at all is the minimum's to say, where there is one
            problems.append(f"{role.title}: none recorded for {', '.join(uncovered)}")
    if not chair_text(context):
        word = context.words("chair", "Chair")
        problems.append(f"no {word[:1].lower() + word[1:]} is recorded (a person in that role, or board.chair)")
    if not board.partners:
        problems.append("no partner agency is recorded (add [[partners]])")
    return "; ".join(problems)


SECTION = ReportSection(
    name="arrangements",
    title="The safeguarding arrangements",
    description="The arrangement the framework describes, who holds each of its roles on the report's day (people "
    "and agencies, delegation, independence), the chair, the partner agencies and their roles, education's "
    "part, and the groups with their chairs and remits.",
    build=build,
    missing=missing,
)
