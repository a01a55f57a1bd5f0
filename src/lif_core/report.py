"""The impact report (section 9 of the source framework, and the evidence a board takes to
Ofsted), built as one renderer-independent Document from the board, its plugins and its data.

Every count carries its provenance: figures from children's records (the dataset's
indicators) pass the board's disclosure rule before anything is scored on them; counts of the
board's own work (reviews by stage, themes raised, whether children's views were sought) are
published as they are, since the report names each review and audit. The document comes out
protected, with the rule in its meta.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from .board import LoadedBoard
from .clocks import ClockState, add_months, publications_due, review_clocks
from .disclosure import Rule, active_rule, protect
from .document import BulletList, Cell, Chart, Count, Document, Facts, Paragraph, Provenance, Section, Table
from .errors import LifError
from .frameworks import LIFECYCLE, StatutoryFramework
from .inspection import CLOSED, coverage, overdue, strongest
from .learning import recurring_themes
from .measures import Score, scorecard
from .model import ActionStatus, Evidence, Involvement, Section11Audit, Strength
from .plugins import Plugins
from .validate import with_framework

__all__ = ["impact_report", "previous_snapshot"]

Progress = Callable[[str], None]
#: Counts of the board's own work: published as they are (the report lists the items too).
BOARD = Provenance.BOARD


def _strength(evidence: list[Evidence]) -> str:
    best = strongest(evidence)
    return f"{len(evidence)} ({best.value})" if best else "0"


def _action_counts(actions: list[Any], as_of: dt.date) -> tuple[int, int, int]:
    done = sum(a.status is ActionStatus.COMPLETED for a in actions)
    open_ = sum(a.status not in CLOSED for a in actions)
    return done, open_, len(overdue(actions, as_of))


def _moved(score: Score | None) -> str:
    if score is None or score.latest is None:
        return "hidden by disclosure control (c)" if score is not None and score.latest_text() == "c" else "no data"
    trend = f", {score.trend}" if score.trend else ""
    return f"{score.shown(*score.latest)} in {score.latest[0]} ({score.rag}{trend})"


# --------------------------------------------------------------------------- sections


def _inspection(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> Section:
    rows = coverage(loaded, plugins, as_of)
    summary = Table(
        ("No.", "Recommendation", "Framework sections", "Responsible", "Done", "Open", "Overdue", "Evidence", "Gaps"),
        tuple(
            (
                c.recommendation.number,
                c.recommendation.text,
                ", ".join(s.split(" ", 1)[0] for s in c.sections),
                ", ".join(c.groups),
                Count(len(c.done), provenance=BOARD),
                Count(len(c.actions) - len(c.done), provenance=BOARD),
                Count(len(c.overdue), provenance=BOARD),
                _strength(list(c.evidence)),
                "; ".join(c.gaps) or "none",
            )
            for c in rows
        ),
        caption="Coverage of each inspection recommendation",
    )
    subsections = []
    by_framework: dict[str, list[Any]] = {}
    for c in rows:
        by_framework.setdefault(c.framework_title, []).append(c)
    for title, items in by_framework.items():
        areas = [(a_id, a_title) for a_id, a_title, _ in items[0].framework_areas]
        matrix = Table(
            ("No.", *(a_title for _, a_title in areas), "Evidence", "Gaps"),
            tuple(
                (
                    c.recommendation.number,
                    *("yes" if hit else "" for _, _, hit in c.framework_areas),
                    _strength(list(c.evidence)),
                    "; ".join(c.gaps) or "none",
                )
                for c in items
            ),
            caption=f"Coverage matrix: recommendation x {title} area x evidence",
        )
        subsections.append(Section(f"Coverage matrix: {title}", (matrix,)))
    for c in rows:
        blocks: list[Any] = [Paragraph(c.recommendation.text)]
        if c.evidence:
            blocks.append(
                Table(
                    ("Evidence", "Kind", "Date", "Strength"),
                    tuple(
                        (
                            e.title,
                            _title(loaded.framework, "evidence_kinds", e.kind),
                            e.date.isoformat(),
                            e.strength.value,
                        )
                        for e in c.evidence
                    ),
                )
            )
        blocks.append(BulletList(tuple(f"Gap: {g}" for g in c.gaps) or ("No gaps.",)))
        subsections.append(Section(f"[{c.recommendation.number}]", tuple(blocks)))
    return Section("Inspection recommendations", (summary,), tuple(subsections))


def _priorities(loaded: LoadedBoard, scores: Mapping[str, Score], as_of: dt.date, index: _Index) -> Section:
    board = loaded.board
    rows: list[tuple[Cell, ...]] = []
    details = []
    for p in board.priorities:
        actions = [
            a
            for a in board.actions
            if a.priority == p.id or (set(a.themes) & set(p.themes) and a.level.value == "board")
        ]
        recs = {a.recommendation for a in actions if a.recommendation}
        evidence = index.evidence([p.id, *(a.id for a in actions), *recs])
        done, open_, late = _action_counts(actions, as_of)
        gaps = []
        if not p.measures:
            gaps.append("a priority with no measure")
        if not evidence:
            gaps.append("no evidence")
        elif strongest(evidence) is Strength.WEAK:
            gaps.append("evidence of activity only")
        moved = [f"{board.get(m).title}: {_moved(scores.get(m))}" for m in p.measures]
        rows.append(
            (
                p.title,
                board.get(p.lead).name if p.lead else "",
                Count(len(actions), provenance=BOARD),
                Count(done, provenance=BOARD),
                Count(open_, provenance=BOARD),
                Count(late, provenance=BOARD),
                _strength(evidence),
                "; ".join(gaps) or "none",
            )
        )
        details.append(
            Section(
                p.title,
                (
                    Facts((("Period", p.period or "-"), ("Lead", board.get(p.lead).name if p.lead else "-"))),
                    BulletList(tuple(moved) or ("No measure.",)),
                ),
            )
        )
    table = Table(
        ("Priority", "Lead", "Actions", "Done", "Open", "Overdue", "Evidence", "Gaps"),
        tuple(rows),
        caption="Business-plan priorities",
    )
    return Section("Business-plan priorities", (table,), tuple(details))


class _Index:
    """Who points at what, built once per report so no section scans the register per item."""

    def __init__(self, loaded: LoadedBoard) -> None:
        board = loaded.board
        self.actions_by_recommendation: dict[str, list[Any]] = {}
        for a in board.actions:
            if a.recommendation:
                self.actions_by_recommendation.setdefault(a.recommendation, []).append(a)
        self.evidence_by_target: dict[str, list[Evidence]] = {}
        for e in board.evidence:
            for target in e.supports:
                self.evidence_by_target.setdefault(target, []).append(e)

    def evidence(self, ids: Iterable[str]) -> list[Evidence]:
        seen: dict[str, Evidence] = {}
        for i in ids:
            for e in self.evidence_by_target.get(i, ()):
                seen.setdefault(e.id, e)
        return list(seen.values())


def _recommendations(loaded: LoadedBoard, as_of: dt.date, index: _Index) -> Section:
    board = loaded.board
    rows: list[tuple[Cell, ...]] = []
    for r in board.recommendations:
        actions = index.actions_by_recommendation.get(r.id, [])
        evidence = index.evidence([r.id, *(a.id for a in actions)])
        done, open_, late = _action_counts(actions, as_of)
        impact = [e for e in evidence if e.strength is not Strength.WEAK]
        gap = "no evidence of impact" if not impact else ""
        rows.append(
            (
                r.id,
                r.kind.value,
                r.level.value,
                Count(done, provenance=BOARD),
                Count(open_, provenance=BOARD),
                Count(late, provenance=BOARD),
                _strength(evidence),
                gap or "none",
            )
        )
    table = Table(
        ("Recommendation", "Kind", "Level", "Actions done", "Open", "Overdue", "Evidence", "Gap"),
        tuple(rows),
        caption="Recommendations, their actions and the evidence of impact",
    )
    late_actions = overdue(board.actions, as_of)
    blocks: list[Any] = [table]
    if late_actions:
        blocks.append(
            Table(
                ("Overdue action", "Owner", "Due", "Status"),
                tuple(
                    (
                        a.text,
                        board.get(a.owner).name if a.owner else "",
                        a.due.isoformat() if a.due else "",
                        a.status.value,
                    )
                    for a in late_actions
                ),
            )
        )
    return Section("Recommendations and actions", tuple(blocks))


def _title(framework: StatutoryFramework | None, vocabulary: str, name: str) -> str:
    """How the report says a name from the framework's vocabulary (the name where it has none)."""
    return framework.title_of(vocabulary, name) if framework is not None else name


def _functions(loaded: LoadedBoard, as_of: dt.date) -> Section:
    board = loaded.board
    framework = loaded.framework
    year_start = add_months(as_of, -12)
    shown = framework.report_functions if framework is not None else ()
    functions = [f for f in board.functions if f.kind in shown] or list(board.functions)
    rows = []
    for f in functions:
        evidence = [e for e in board.evidence if f.id in e.supports and year_start < e.date <= as_of]
        rows.append(
            (
                f.text,
                _strength(evidence),
                "; ".join(e.title for e in evidence) or "",
                "none" if evidence else "no evidence this year",
            )
        )
    table = Table(
        ("Function", "Evidence this year", "Items", "Gap"),
        tuple(rows),
        caption=f"Evidence from {year_start + dt.timedelta(days=1)} to {as_of} for each statutory function",
    )
    heading = framework.words.functions if framework is not None else "Statutory functions"
    return Section(heading, (table,))


def _reviews(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> Section:
    board = loaded.board
    rows = []
    for r in board.reviews:
        clocks = review_clocks(r, board, as_of, loaded.framework)
        late = [c for c in clocks if c.state is ClockState.OVERDUE]
        problems: list[Any] = []
        if r.methodology:
            with plugins.using(plugins.methodologies, r.methodology):
                problems = [p for p in plugins.methodologies.get(r.methodology).check(r, loaded) if p.is_error]
        rows.append(
            (
                r.title,
                _title(loaded.framework, "review_kinds", r.kind) + (f" ({r.decision})" if r.decision else ""),
                r.methodology or "-",
                r.stage,
                ", ".join(c.end_field for c in late) or "none",
                f"{len(problems)} rule(s) broken"
                if problems
                else ("as the method requires" if r.methodology else "no methodology"),
            )
        )
    stages = Counter(r.stage for r in board.reviews)
    order = {name: i for i, name in enumerate(loaded.framework.stage_names() if loaded.framework else LIFECYCLE)}
    by_stage = Table(
        ("Stage", "Reviews"),
        (
            *(
                (stage, Count(n, BOARD))
                for stage, n in sorted(stages.items(), key=lambda s: (order.get(s[0], 99), s[0]))
            ),
            ("All", Count(len(board.reviews), BOARD)),
        ),
        caption="Reviews by stage of the learning lifecycle",
        total_row=True,
    )
    table = Table(
        ("Review", "Kind", "Methodology", "Stage", "Overdue", "Method check"), tuple(rows), caption="Case reviews"
    )
    return Section("Case reviews and the learning lifecycle", (table, by_stage))


def _themes(loaded: LoadedBoard, as_of: dt.date) -> Section:
    found = recurring_themes(loaded.board, as_of)
    table = Table(
        ("Theme", "Reviews and audits raising it", "System-level response", "Flag"),
        tuple(
            (
                r.theme.label,
                Count(r.count, BOARD),
                ", ".join(r.responses) or "none",
                "no system-level response" if r.flagged else "",
            )
            for r in found
        ),
        caption="Recurring themes",
    )
    flagged = [r.theme.label for r in found if r.flagged]
    note = (
        "Recurring without a board-level response (a known barrier to learning): " + "; ".join(flagged)
        if flagged
        else ("Every recurring theme has a board-level response." if found else "No theme recurs in the window.")
    )
    return Section("Recurring themes", (table, Paragraph(note)))


def _dataset(scores: list[Score]) -> Section:
    table = Table(
        ("Measure", "Quadrant", "Latest", "Target", "Variance", "Trend", "RAG"),
        tuple(
            (
                s.measure.title,
                s.measure.quadrant.value,
                s.latest_text(),
                f"{s.measure.target.value:g}" if s.measure.target else "",
                f"{s.variance:+.1f}%" if s.variance is not None else "",
                f"{s.trend} ({s.direction} {s.run})".strip() if s.direction else "",
                s.rag.upper(),
            )
            for s in scores
        ),
        caption="Scorecard",
    )
    prompts = tuple(f"{s.measure.title}: {p}" for s in scores for p in s.prompts)
    successes = tuple(f"{s.measure.title}: {p}" for s in scores for p in s.successes)
    charts = tuple(
        Chart(
            s.measure.title,
            s.points(),
            s.measure.unit.value,
            s.measure.target.value if s.measure.target else None,
            tuple(sorted(s.labels.items())),
        )
        for s in scores
        if len(s.series) >= 2  # two periods shown at least (hidden ones are gaps between them)
    )
    return Section(
        "The multi-agency dataset",
        (table,),
        (
            Section("Prompts where improvement is needed", (BulletList(prompts) if prompts else Paragraph("None."),)),
            Section("Successes", (BulletList(successes) if successes else Paragraph("None yet."),)),
            Section("Trends", charts or (Paragraph("No measure has two periods yet."),)),
        ),
    )


def _section11(loaded: LoadedBoard) -> Section:
    board = loaded.board
    word = loaded.framework.words.duty_audit if loaded.framework is not None else "Partner safeguarding self-assessment"
    audits = sorted(board.section11_audits, key=lambda a: (a.date or dt.date.min, a.cycle))
    if not audits:
        return Section(word, (Paragraph(f"No {word} cycle is recorded."),))
    latest = audits[-1]
    previous: Section11Audit | None = audits[-2] if len(audits) > 1 else None
    before: dict[tuple[str, str], str] = {}
    if previous is not None:
        for ret in previous.returns:
            for s in ret.scores:
                before[(ret.partner, s.standard)] = s.moderated or s.self_assessed
    rows = []
    for ret in latest.returns:
        for s in ret.scores:
            score = s.moderated or s.self_assessed
            was = before.get((ret.partner, s.standard))
            change = "new" if was is None else ("same" if was == score else f"was {was}")
            rows.append(
                (board.get(ret.partner).name, board.get(s.standard).title, s.self_assessed, s.moderated or "-", change)
            )
    table = Table(
        ("Agency", "Standard", "Self-assessed", "Moderated", "Change since the last cycle"),
        tuple(rows),
        caption=f"{word} cycle {latest.cycle} ({_scale_title(loaded.framework, _cycle_scale(loaded, latest))})",
    )
    return Section(word, (table,))


def _cycle_scale(loaded: LoadedBoard, cycle: Section11Audit) -> str:
    if cycle.scale:
        return cycle.scale
    return loaded.framework.self_assessment_scale if loaded.framework is not None else "-"


def _scale_title(framework: StatutoryFramework | None, name: str) -> str:
    scale = framework.scale(name) if framework is not None else None
    return scale.title if scale is not None else name


def _training(loaded: LoadedBoard) -> Section:
    board = loaded.board
    rows = []
    for c in board.courses:
        levels = sorted({e.level for e in c.evaluations})
        confidence = [e for e in c.evaluations if e.confidence_before is not None and e.confidence_after is not None]
        change = f"{confidence[-1].confidence_before:g} -> {confidence[-1].confidence_after:g}" if confidence else "-"
        follow = [e for e in c.evaluations if e.practice_change is not None and e.respondents]
        practice = f"{round(100 * follow[-1].practice_change / follow[-1].respondents)}%" if follow else "-"  # type: ignore[operator]
        rows.append(
            (
                c.title,
                Count(c.sessions, provenance=BOARD),
                Count(c.attended, provenance=BOARD),
                Count(c.no_shows, provenance=BOARD),
                ", ".join(str(v) for v in levels) or "-",
                change,
                practice,
            )
        )
    table = Table(
        ("Course", "Sessions", "Attended", "No-shows", "Kirkpatrick levels evaluated", "Confidence", "Practice change"),
        tuple(rows),
        caption="Multi-agency training: reach and evaluation",
    )
    return Section("Training", (table,))


def _voice(loaded: LoadedBoard) -> Section:
    board = loaded.board
    views = Counter(r.child_views for r in board.reviews)
    audit_views = Counter(a.child_views for a in board.audits)
    order = [
        Involvement.SOUGHT_AND_INCLUDED,
        Involvement.SOUGHT_DECLINED,
        Involvement.NOT_YET_SOUGHT,
        Involvement.NOT_SOUGHT,
        Involvement.NOT_APPLICABLE,
    ]
    table = Table(
        ("Child's views", "Case reviews", "Audits", "All"),
        (
            *(
                (v.value, Count(views[v], BOARD), Count(audit_views[v], BOARD), Count(views[v] + audit_views[v], BOARD))
                for v in order
            ),
            (
                "All",
                Count(len(board.reviews), BOARD),
                Count(len(board.audits), BOARD),
                Count(len(board.reviews) + len(board.audits), BOARD),
            ),
        ),
        caption="Whether children's views were sought, in reviews and audits",
        total_column=True,
        total_row=True,
    )
    kinds = loaded.framework.voice_evidence_kinds if loaded.framework is not None else ()
    voice = [e for e in board.evidence if e.kind in kinds]
    blocks: list[Any] = [table]
    blocks.append(
        BulletList(tuple(f"{e.title} ({e.date})" for e in voice))
        if voice
        else Paragraph(
            "No evidence item records children's or families' voices directly"
            + (f" (evidence kind {' or '.join(kinds)})." if kinds else ".")
        )
    )
    return Section("Participation and the voice of the child", tuple(blocks))


def _snapshot(loaded: LoadedBoard, scores: list[Score]) -> Section:
    board = loaded.board
    rows: list[tuple[Cell, ...]] = []
    rows += [("action", a.id, a.status.value) for a in board.actions]
    rows += [("review", r.id, r.stage) for r in board.reviews]
    rows += [("evidence", e.id, e.strength.value) for e in board.evidence]
    rows += [("measure", s.measure.id, f"{s.rag}:{s.latest[0] if s.latest else ''}") for s in scores]
    return Section("Register snapshot", (Table(("Item", "Id", "State"), tuple(rows), caption="register-snapshot"),))


def previous_snapshot(path: Path) -> dict[tuple[str, str], str]:
    """The register snapshot of a previous impact report in JSON, for "what changed".

    The file's shape is checked: any problem (not UTF-8, not JSON, nested too deeply, sections
    that are not a list, a snapshot without its table, a row that is not three values...) is one
    :class:`LifError` naming the file and the key path."""
    from .board import read_data_file

    def wrong(where: str, what: str) -> LifError:
        return LifError(f"{path}: {where}: {what}: not an impact report as `lif report impact -f json` writes it")

    data = read_data_file(path, "json", limit=256 * 1024 * 1024)
    if not isinstance(data, dict) or data.get("kind") != "impact-report":
        raise LifError(f"{path}: not a JSON impact report (write one with --format json)")
    sections = data.get("sections", [])
    if not isinstance(sections, list):
        raise wrong("sections", "expected a list")
    for i, section in enumerate(sections):
        if not isinstance(section, dict):
            raise wrong(f"sections[{i}]", "expected a table")
        if section.get("title") != "Register snapshot":
            continue
        blocks = section.get("blocks")
        if not isinstance(blocks, list) or not blocks or not isinstance(blocks[0], dict):
            raise wrong(f"sections[{i}].blocks", "expected a list starting with the snapshot's table")
        rows = blocks[0].get("rows")
        if not isinstance(rows, list):
            raise wrong(f"sections[{i}].blocks[0].rows", "expected a list of rows")
        snapshot: dict[tuple[str, str], str] = {}
        for j, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != 3:
                got = f"{len(row)} value(s)" if isinstance(row, list) else type(row).__name__
                raise wrong(f"sections[{i}].blocks[0].rows[{j}]", f"expected 3 values (item, id, state), got {got}")
            cells = []
            for k, cell in enumerate(row):
                if isinstance(cell, bool) or not isinstance(cell, (str, int, float)):
                    got = json.dumps(cell)[:60]
                    raise wrong(f"sections[{i}].blocks[0].rows[{j}][{k}]", f"expected text, got {got}")
                cells.append(str(cell))
            snapshot[(cells[0], cells[1])] = cells[2]
        return snapshot
    raise LifError(f"{path}: has no register snapshot")


def _changes(previous: Mapping[tuple[str, str], str], snapshot: Section, previous_date: str) -> Section:
    table = snapshot.blocks[0]
    assert isinstance(table, Table)
    now = {(str(k), str(i)): str(s) for k, i, s in table.rows}
    lines = []
    for (kind, ident), state in now.items():
        before = previous.get((kind, ident))
        if before is None:
            lines.append(f"new {kind}: {ident} ({state})")
        elif before != state:
            lines.append(f"{kind} {ident}: was {before}, now {state}")
    for kind, ident in previous:
        if (kind, ident) not in now:
            lines.append(f"{kind} {ident} no longer in the register")
    return Section(
        "What changed since the last report",
        (Paragraph(f"Compared with the report {previous_date}."), BulletList(tuple(lines) or ("Nothing changed.",))),
    )


def _publication_facts(loaded: LoadedBoard, as_of: dt.date) -> list[tuple[str, str]]:
    """The framework's recurring publications: the latest recorded, and the next due."""
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for due in publications_due(loaded.board, loaded.framework, as_of):
        by_kind.setdefault(due.kind, []).append((f"{due.title} {due.period}", due.describe().split(": ", 1)[1]))
    return [fact for facts in by_kind.values() for fact in facts[-2:]]  # each kind's latest and next


def impact_report(
    loaded: LoadedBoard,
    plugins: Plugins,
    as_of: dt.date,
    *,
    previous: tuple[Mapping[tuple[str, str], str], str] | None = None,
    progress: Progress | None = None,
    rule: Rule | None = None,
    disclosure_control: bool = True,
) -> Document:
    """The impact report as at ``as_of``: inspection coverage, priorities, recommendations and
    actions, the statutory functions' evidence, reviews, themes, the dataset, partners'
    safeguarding self-assessments, training, the voice of the child, and (given a previous
    report's snapshot) what changed. The board's statutory framework gives the words.

    The document comes protected: every figure from children's records has passed disclosure
    control under ``rule`` (the board's own rule by default), and the rule is recorded in it.
    ``disclosure_control=False`` gives the unprotected document, for the data owner's own
    checks; it must never be published."""
    loaded = with_framework(loaded, plugins)
    active = active_rule(loaded, rule, disclosure_control)
    step = progress or (lambda _label: None)
    board = loaded.board
    step("measures")
    scores = scorecard(loaded, plugins, rule=active, disclosure_control=active is not None)
    by_id = {s.measure.id: s for s in scores}
    step("inspection")
    sections = [_inspection(loaded, plugins, as_of)] if board.inspection_recommendations else []
    step("priorities")
    index = _Index(loaded)
    sections += [
        _priorities(loaded, by_id, as_of, index),
        _recommendations(loaded, as_of, index),
        _functions(loaded, as_of),
    ]
    step("reviews")
    sections += [_reviews(loaded, plugins, as_of), _themes(loaded, as_of)]
    step("dataset")
    sections += [_dataset(scores), _section11(loaded), _training(loaded), _voice(loaded)]
    snapshot = _snapshot(loaded, scores)
    if previous is not None:
        sections.append(_changes(previous[0], snapshot, previous[1]))
    sections.append(snapshot)
    done = sum(a.status is ActionStatus.COMPLETED for a in board.actions)
    late = len(overdue(board.actions, as_of))
    rag = Counter(s.rag for s in scores)
    summary = Section(
        "Summary",
        (
            Facts(
                (
                    ("As at", as_of.isoformat()),
                    ("Framework", board.board.framework or "-"),
                    (
                        "Statutory framework",
                        loaded.framework.title if loaded.framework else board.board.statutory_framework,
                    ),
                    *_publication_facts(loaded, as_of),
                    ("Actions", f"{len(board.actions)} ({done} done, {late} overdue)"),
                    ("Evidence items", str(len(board.evidence))),
                    ("Measures", ", ".join(f"{k.upper()} {v}" for k, v in sorted(rag.items())) or "none"),
                )
            ),
        ),
    )
    document = Document(
        kind="impact-report",
        title=f"{board.board.name}: impact report",
        subtitle=f"Learning and improvement framework, as at {as_of.isoformat()}",
        sections=(summary, *sections),
        meta=(("Board", board.board.id), ("As at", as_of.isoformat())),
    )
    if active is None:
        return document
    protected = protect(document, active)
    source = loaded.framework.words.disclosure_rule if loaded.framework is not None else ""
    if not source:
        return protected
    return attrs.evolve(protected, meta=(*protected.meta, ("Disclosure rule", f"in line with {source}")))
