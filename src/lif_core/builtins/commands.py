"""Builtin review-manager commands (hook: register_commands): ``lif reviews``, ``lif themes``
and ``lif audits``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from ..board import LoadedBoard
from ..cli import as_of_day, as_of_option, emit_document, format_option, output_option
from ..clocks import WorkingDays
from ..document import BulletList, Cell, Document, Facts, Paragraph, Section, Table
from ..errors import BoardInvalid
from ..learning import audit_join_ups, recurring_themes, review_statuses
from ..plugins import Plugins, hookimpl
from ..quality import marker_summary
from ..validate import validate_board


def _open(ctx: click.Context, board: Path) -> tuple[Plugins, LoadedBoard]:
    """The board, readable even when checks found errors in how reviews are run: those are
    what a review manager needs to see. Structural errors still stop the command."""
    plugins = ctx.find_object(Plugins)
    assert plugins is not None
    result = validate_board(board, plugins)
    if result.loaded is None:
        raise BoardInvalid(result.problems, board=str(board))
    return plugins, result.loaded


_NATION = {"ENG": "England", "WLS": "Wales"}


def reviews_document(loaded: LoadedBoard, plugins: Plugins, today: dt.date, only: str | None = None) -> Document:
    statuses = review_statuses(loaded, plugins, today)
    if only is not None:
        statuses = [s for s in statuses if s.review.id == only]
        if not statuses:
            known = ", ".join(r.id for r in loaded.board.reviews) or "none"
            raise click.ClickException(f"no review {only!r} in this board; reviews: {known}")
    calendar = WorkingDays.for_country(loaded.board.board.country)
    rows: list[tuple[Cell, ...]] = []
    for s in statuses:
        nxt = s.next_due
        rows.append(
            (
                s.review.id,
                s.review.kind.value,
                s.review.methodology or "-",
                s.review.stage.value,
                f"{nxt.due} {nxt.end_field}" if nxt else "-",
                ", ".join(f"{c.end_field} (due {c.due})" for c in s.overdue) or "-",
                f"{len(s.errors)} error(s), {len(s.problems) - len(s.errors)} warning(s)"
                if s.review.methodology
                else "no methodology",
            )
        )
    summary = Table(("Review", "Kind", "Methodology", "Stage", "Next due", "Overdue", "Method check"), tuple(rows))
    details = []
    for s in statuses:
        r = s.review
        facts = [
            ("Title", r.title),
            ("Kind", r.kind.value),
            ("Methodology", r.methodology or "-"),
            ("Stage", r.stage.value + (f" (next: {s.next_stage.value})" if s.next_stage else "")),
            (
                "Reviewers",
                "; ".join(
                    f"{v.name} ({v.role.value}{', independent' if v.independent else ''}"
                    f"{', accredited by ' + v.accredited_by if v.accredited_by else ''})"
                    for v in r.reviewers
                )
                or "-",
            ),
            ("Child's views", r.child_views.value),
            ("Family", r.family_involvement.value),
            ("Quality markers", marker_summary(r)),
        ]
        blocks: list[Paragraph | Facts | BulletList | Table] = [Facts(tuple(facts))]
        if s.clocks:
            blocks.append(BulletList(tuple(c.describe(calendar) for c in s.clocks)))
        if s.problems:
            blocks.append(BulletList(tuple(f"{p.severity}: {p.path}: {p.message}" for p in s.problems)))
        elif r.methodology:
            blocks.append(Paragraph(f"Run as {r.methodology} requires, so far."))
        if r.stage_log:
            blocks.append(
                Table(
                    ("Stage", "Date", "Note"), tuple((c.stage.value, c.date.isoformat(), c.note) for c in r.stage_log)
                )
            )
        details.append(Section(f"{r.id}: {r.title}", tuple(blocks)))
    return Document(
        kind="reviews",
        title=f"{loaded.board.board.name}: case reviews",
        subtitle=f"As at {today.isoformat()}; clocks in {_NATION[calendar.subdivision]} working days",
        sections=(Section("Reviews", (summary,)), Section("Each review", (), tuple(details))),
    )


def themes_document(loaded: LoadedBoard, today: dt.date, window: int | None, minimum: int | None) -> Document:
    board = loaded.board
    found = recurring_themes(board, today, window_months=window, minimum=minimum)
    months = board.settings.recurring_theme_window_months if window is None else window
    least = board.settings.recurring_theme_minimum if minimum is None else minimum
    table = Table(
        ("Theme", "Axis", "Reviews and audits", "Count", "System-level response", "Flag"),
        tuple(
            (
                f"{r.theme.label} ({r.theme.id})",
                r.theme.axis.value,
                ", ".join(r.sources),
                r.count,
                ", ".join(r.responses) or "none",
                "NO SYSTEM RESPONSE" if r.flagged else "",
            )
            for r in found
        ),
    )
    flagged = [r for r in found if r.flagged]
    note = (
        f"{len(flagged)} recurring theme(s) have no board-level action or priority: "
        + ", ".join(r.theme.id for r in flagged)
        + ". Repeated practice themes not responded to at system level are a known barrier to learning (s.5.2)."
        if flagged
        else "Every recurring theme has a board-level action or priority."
    )
    return Document(
        kind="themes",
        title=f"{board.board.name}: recurring themes",
        subtitle=f"Themes raised by at least {least} reviews and audits in the {months} months to {today.isoformat()}",
        sections=(Section("Recurring themes", (table, Paragraph(note))),),
    )


def audits_document(loaded: LoadedBoard) -> Document:
    board = loaded.board
    audits = Table(
        ("Audit", "Kind", "Date", "Cases", "Practitioner event", "Grades"),
        tuple(
            (
                a.title,
                a.kind.value,
                a.date.isoformat(),
                a.cases,
                "yes" if a.practitioner_event else "no",
                "; ".join(f"{g.domain}: {g.grade.value}" for g in a.grades),
            )
            for a in board.audits
        ),
    )
    planned = Table(
        ("Planned audit", "Partner", "Due", "Status", "Themes"),
        tuple(
            (p.topic, p.partner, p.due.isoformat() if p.due else "", p.status.value, ", ".join(p.themes))
            for p in board.planned_audits
        ),
    )
    joins = audit_join_ups(board)
    suggestions = BulletList(
        tuple(
            f"{j.first.partner} ({j.first.topic}) and {j.second.partner} ({j.second.topic}) share "
            f"{', '.join(j.themes)}: consider one joint audit"
            for j in joins
        )
    )
    return Document(
        kind="audits",
        title=f"{board.board.name}: audits",
        sections=(
            Section("Completed audits", (audits,)),
            Section("Log of expected single-agency audits", (planned,)),
            Section("Where partners could join up", (suggestions if joins else Paragraph("No shared themes."),)),
        ),
    )


@hookimpl(trylast=True)
def register_commands(cli: click.Group) -> None:
    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("review", required=False)
    @as_of_option
    @format_option
    @output_option
    @click.pass_context
    def reviews(
        ctx: click.Context, board: Path, review: str | None, as_of: dt.datetime | None, fmt: str, output: Path | None
    ) -> None:
        """Case reviews: stage, clocks, what is due next and overdue, and method checks.

        For each review (or only REVIEW, by id): its kind, methodology and lifecycle stage;
        the statutory clocks in working days (notification to the national Panel within 5
        working days of becoming aware, rapid review within 15 working days of notification,
        publication within the board's months of the decision) and the board's own deadlines,
        each met, met late, due or overdue; the methodology plugin's check of how it is being
        run, naming each rule broken; and the quality-marker checklist.
        """
        plugins, loaded = _open(ctx, board)
        emit_document(plugins, reviews_document(loaded, plugins, as_of_day(as_of, loaded), review), fmt, output)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @as_of_option
    @click.option(
        "--window", type=click.IntRange(min=1), help="Months to look back (default: the board's setting, 24)."
    )
    @click.option(
        "--minimum", type=click.IntRange(min=2), help="Reviews and audits that make a theme recurring (default 2)."
    )
    @format_option
    @output_option
    @click.pass_context
    def themes(
        ctx: click.Context,
        board: Path,
        as_of: dt.datetime | None,
        window: int | None,
        minimum: int | None,
        fmt: str,
        output: Path | None,
    ) -> None:
        """Recurring themes, and which lack a system-level response.

        A theme recurs when reviews and audits (or their findings) dated within the window
        raise it at least the minimum number of times. Its system-level response is any
        board-level action or business-plan priority tagged with it; a recurring theme with
        none is flagged, the barrier to learning the framework names (s.5.2).
        """
        plugins, loaded = _open(ctx, board)
        emit_document(plugins, themes_document(loaded, as_of_day(as_of, loaded), window, minimum), fmt, output)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @format_option
    @output_option
    @click.pass_context
    def audits(ctx: click.Context, board: Path, fmt: str, output: Path | None) -> None:
        """Audits: completed audits and their grades, the log of expected single-agency audits,
        and where two partners' planned audits share a theme and could join up (s.7.5)."""
        plugins, loaded = _open(ctx, board)
        emit_document(plugins, audits_document(loaded), fmt, output)
