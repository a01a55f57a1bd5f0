"""The board at a glance (``lif show``): structure, partners, principles, functions,
priorities, inspection recommendations and what the register holds, as a Document."""

from __future__ import annotations

from collections import Counter

from .board import LoadedBoard
from .document import BulletList, Cell, Document, Facts, Paragraph, Section, Table
from .frameworks import StatutoryFramework
from .model import Board, Group

__all__ = ["board_summary"]


def _names(board: Board, ids: tuple[str, ...]) -> str:
    index = board.index()
    out = []
    for item_id in ids:
        record = index.get(item_id, (None, None))[1]
        out.append(getattr(record, "name", None) or getattr(record, "title", None) or item_id)
    return ", ".join(out)


def _tree(board: Board) -> list[str]:
    children: dict[str | None, list[Group]] = {}
    for group in board.groups:
        children.setdefault(group.reports_to, []).append(group)
    lines: list[str] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for group in children.get(parent, []):
            if group.id in seen:
                continue
            seen.add(group.id)
            chair = f" (chair: {group.chair})" if group.chair else ""
            lines.append("— " * depth + f"{group.name} [{group.kind.value}]{chair}")
            walk(group.id, depth + 1)

    walk(None, 0)
    for group in board.groups:  # anything unreachable (a loop) still shows
        if group.id not in seen:
            lines.append(f"{group.name} [{group.kind.value}] (reports to {group.reports_to})")
    return lines


def _title(framework: StatutoryFramework | None, vocabulary: str, name: str) -> str:
    return framework.title_of(vocabulary, name) if framework is not None else name


def board_summary(loaded: LoadedBoard) -> Document:
    """A Document describing the board's structure and register at a glance, in the words of
    its statutory framework (where the board was opened with its plugins)."""
    board = loaded.board
    info = board.board
    framework = loaded.framework
    facts = [("Area", info.area)]
    if framework is not None:
        facts += [("Statutory framework", framework.title), ("Arrangement", framework.arrangement.title)]
    else:
        facts.append(("Statutory framework", info.statutory_framework))
    if info.framework:
        facts.append(("Framework", info.framework))
    if info.framework_review_date:
        facts.append(("Framework review date", info.framework_review_date.isoformat()))
    if info.chair:
        facts.append((framework.words.chair if framework is not None else "Chair", info.chair))
    facts.append(("Files", ", ".join(loaded.files)))
    overview_blocks: list[Paragraph | Facts] = [Facts(tuple(facts))]
    if info.notes:
        overview_blocks.append(Paragraph(info.notes))

    sections = [Section("Overview", tuple(overview_blocks))]
    if board.groups:
        sections.append(
            Section(
                "Structure",
                (
                    BulletList(tuple(_tree(board))),
                    Table(
                        ("Group", "Kind", "Reports to", "Responsible for", "Remit"),
                        tuple(
                            (g.name, g.kind.value, g.reports_to or "", ", ".join(g.responsible_for), g.remit)
                            for g in board.groups
                        ),
                    ),
                ),
            )
        )
    if board.partners:
        sections.append(
            Section(
                "Partners",
                (
                    Table(
                        ("Partner", "Sector", "Statutory partner", "Roles", "Statutory duties", "Illustrative"),
                        tuple(
                            (
                                p.name,
                                p.sector.value,
                                "yes" if p.safeguarding_partner else "",
                                ", ".join(_title(framework, "roles", r) for r in p.roles),
                                "; ".join(_title(framework, "duties", d).split(": ", 1)[0] for d in p.duties),
                                "yes" if p.illustrative else "",
                            )
                            for p in board.partners
                        ),
                    ),
                ),
            )
        )
    if board.people:
        names = {p.id: p.name for p in board.partners}
        sections.append(
            Section(
                "People in the arrangements",
                (
                    Table(
                        ("Name", "Role", "For", "Delegated by", "Independent"),
                        tuple(
                            (
                                p.name,
                                _title(framework, "roles", p.role),
                                names.get(p.partner or "", ""),
                                next((q.name for q in board.people if q.id == p.delegate_of), ""),
                                "yes" if p.independent else "",
                            )
                            for p in board.people
                        ),
                    ),
                ),
            )
        )
    if board.principles:
        sections.append(Section("Principles", (BulletList(tuple(p.text for p in board.principles)),)))
    if board.functions:
        owners: dict[str, list[str]] = {}
        for g in board.groups:
            for r in g.responsible_for:
                owners.setdefault(r, []).append(g.name)
        sections.append(
            Section(
                framework.words.functions if framework is not None else "Statutory functions",
                (
                    Table(
                        ("Function", "Kind", "Responsible"),
                        tuple(
                            (f.text, _title(framework, "function_kinds", f.kind), ", ".join(owners.get(f.id, [])))
                            for f in board.functions
                        ),
                    ),
                ),
            )
        )
    if board.priorities:
        sections.append(
            Section(
                "Priorities",
                (
                    Table(
                        ("Priority", "Period", "Lead", "Measures"),
                        tuple(
                            (p.title, p.period, _names(board, (p.lead,)) if p.lead else "", len(p.measures))
                            for p in board.priorities
                        ),
                    ),
                ),
            )
        )
    if board.inspection_recommendations:
        supported: dict[str, list[str]] = {}
        for s in board.sections:
            for r in s.supports:
                supported.setdefault(r, []).append(s.number)
        sections.append(
            Section(
                "Inspection recommendations",
                (
                    Table(
                        ("No.", "Framework", "Recommendation", "Framework sections"),
                        tuple(
                            (r.number, r.framework, r.text, ", ".join(supported.get(r.id, [])))
                            for r in board.inspection_recommendations
                        ),
                    ),
                ),
            )
        )
    status = Counter(a.status.value for a in board.actions)
    rows: list[tuple[Cell, ...]] = [
        ("Case reviews", len(board.reviews)),
        ("Findings", len(board.findings)),
        ("Recommendations", len(board.recommendations)),
        ("Actions", len(board.actions)),
        *((f"  actions {k}", v) for k, v in sorted(status.items())),
        ("Evidence items", len(board.evidence)),
        ("Audits", len(board.audits)),
        ("Planned single-agency audits", len(board.planned_audits)),
        (
            f"{framework.words.duty_audit if framework else 'Partner self-assessment'} cycles",
            len(board.section11_audits),
        ),
        ("Publications", len(board.publications)),
        ("Training courses", len(board.courses)),
        ("Measures", len(board.measures)),
        ("Data sources", len(board.sources)),
        ("Themes", len(board.themes)),
    ]
    sections.append(Section("Register", (Table(("Item", "Count"), tuple(rows)),)))
    return Document(
        kind="board-summary",
        title=info.name,
        subtitle=f"{info.short_name} - board summary" if info.short_name else "Board summary",
        sections=tuple(sections),
    )
