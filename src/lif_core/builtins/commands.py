"""Builtin review-manager commands (hook: register_commands): ``lif reviews``, ``lif themes``
and ``lif audits``."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from ..board import LoadedBoard
from ..cli import default_format, emit_document, output_option, refuse_board_output
from ..clocks import board_calendar
from ..commands import as_of_day, as_of_option, document_options, emit, format_for
from ..data import Pseudonymiser, SourceReport, board_key, read_together
from ..disclosure import Rule, active_rule, protect
from ..document import BulletList, Cell, Count, Document, Facts, Paragraph, Provenance, Section, Table
from ..errors import BoardInvalid, LifError, Problem
from ..extensions import RenderOptions
from ..frameworks import StatutoryFramework
from ..learning import audit_join_ups, recurring_themes, review_statuses
from ..measures import scorecard
from ..model import Source
from ..plugins import Plugins, hookimpl
from ..quality import marker_summary
from ..report import impact_report
from ..report.style import read_style
from ..validate import validate_board, with_framework


def _open(ctx: click.Context, board: Path) -> tuple[Plugins, LoadedBoard]:
    """The board, readable even when checks found errors in how reviews are run: those are
    what a review manager needs to see. Structural errors still stop the command."""
    plugins = ctx.find_object(Plugins)
    assert plugins is not None
    result = validate_board(board, plugins)
    if result.loaded is None:
        raise BoardInvalid(result.problems, board=str(board))
    return plugins, result.loaded


def reviews_document(
    loaded: LoadedBoard,
    plugins: Plugins,
    today: dt.date,
    only: str | None = None,
    *,
    rule: Rule | None = None,
    disclosure_control: bool = True,
) -> Document:
    statuses = review_statuses(loaded, plugins, today)
    if only is not None:
        statuses = [s for s in statuses if s.review.id == only]
        if not statuses:
            known = ", ".join(r.id for r in loaded.board.reviews) or "none"
            raise click.ClickException(f"no review {only!r} in this board; reviews: {known}")
    calendar = board_calendar(loaded.board, loaded.framework)
    framework = loaded.framework

    def kind_title(kind: str) -> str:
        return framework.title_of("review_kinds", kind) if framework is not None else kind

    rows: list[tuple[Cell, ...]] = []
    for s in statuses:
        nxt = s.next_due
        rows.append(
            (
                s.review.id,
                kind_title(s.review.kind),
                s.review.methodology or "-",
                s.review.stage,
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
            ("Kind", kind_title(r.kind)),
            ("Methodology", r.methodology or "-"),
            ("Stage", r.stage + (f" (next: {s.next_stage})" if s.next_stage else "")),
            *((("Decision", _decision(r.kind, r.decision, framework)),) if r.decision else ()),
            *((("Follows", r.follows),) if r.follows else ()),
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
                Table(("Stage", "Date", "Note"), tuple((c.stage, c.date.isoformat(), c.note) for c in r.stage_log))
            )
        details.append(Section(f"{r.id}: {r.title}", tuple(blocks)))
    document = Document(
        kind="reviews",
        title=f"{loaded.board.board.name}: case reviews",
        subtitle=f"As at {today.isoformat()}; clocks in working days"
        + (f" (Monday to Friday, less {framework.calendar.title})" if framework and framework.calendar.title else ""),
        sections=(Section("Reviews", (summary,)), Section("Each review", (), tuple(details))),
    )
    return _protected(loaded, document, rule, disclosure_control)


def _decision(kind: str, decision: str, framework: StatutoryFramework | None) -> str:
    spec = framework.review_kind(kind) if framework is not None else None
    found = spec.decision(decision) if spec is not None else None
    return f"{found.title} ({decision})" if found is not None else decision


def _protected(loaded: LoadedBoard, document: Document, rule: Rule | None, disclosure_control: bool) -> Document:
    """``document`` through disclosure control under ``rule`` (the board's own by default),
    unless the caller asked for the unprotected figures by name."""
    active = active_rule(loaded, rule, disclosure_control)
    return protect(document, active) if active is not None else document


def themes_document(
    loaded: LoadedBoard,
    today: dt.date,
    window: int | None,
    minimum: int | None,
    *,
    rule: Rule | None = None,
    disclosure_control: bool = True,
) -> Document:
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
                Count(r.count, Provenance.BOARD),
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
        + ". Repeated practice themes not responded to at system level are a known barrier to learning."
        if flagged
        else (
            "Every recurring theme has a board-level action or priority." if found else "No theme recurs in the window."
        )
    )
    document = Document(
        kind="themes",
        title=f"{board.board.name}: recurring themes",
        subtitle=f"Themes raised by at least {least} reviews and audits in the {months} months to {today.isoformat()}",
        sections=(Section("Recurring themes", (table, Paragraph(note))),),
    )
    return _protected(loaded, document, rule, disclosure_control)


def audits_document(loaded: LoadedBoard, *, rule: Rule | None = None, disclosure_control: bool = True) -> Document:
    board = loaded.board
    audits = Table(
        ("Audit", "Kind", "Date", "Cases", "Practitioner event", "Grades"),
        tuple(
            (
                a.title,
                a.kind.value,
                a.date.isoformat(),
                Count(a.cases, Provenance.BOARD),
                "yes" if a.practitioner_event else "no",
                "; ".join(f"{g.domain}: {g.grade}" for g in a.grades),
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
    document = Document(
        kind="audits",
        title=f"{board.board.name}: audits",
        sections=(
            Section("Completed audits", (audits,)),
            Section("Log of expected single-agency audits", (planned,)),
            Section("Where partners could join up", (suggestions if joins else Paragraph("No shared themes."),)),
        ),
    )
    return _protected(loaded, document, rule, disclosure_control)


def data_document(loaded: LoadedBoard, plugins: Plugins, *, progress: bool) -> tuple[Document, bool]:
    """Read every source through; the document and whether any source failed.

    Each file is read once for all the sources naming it with one adapter (the tables of one
    census from one reading, :func:`lif_core.data.read_together`), and the time that took is
    shared among them by the records each read. Where one of them fails, it is reported as
    failed and the others are read again without it, so each is reported as if read alone."""
    sources = loaded.board.sources
    pseudo = Pseudonymiser(board_key(loaded.root)) if sources else None
    reports = {source.id: SourceReport(source.id) for source in sources}
    seconds = dict.fromkeys(reports, 0.0)
    errors: dict[str, LifError] = {}
    groups: dict[tuple[str, object], list[Source]] = {}
    for source in sources:
        try:
            key: tuple[str, object] = (source.adapter, loaded.resolve(source.path))
        except LifError:
            key = (source.adapter, source.id)  # read alone: reading it says what is wrong
        groups.setdefault(key, []).append(source)

    def read(group: list[Source]) -> None:
        for source in group:
            reports[source.id] = SourceReport(source.id)
        ids = [source.id for source in group]
        started = time.perf_counter()
        batches = read_together(loaded, group, plugins, [reports[i] for i in ids], pseudonymiser=pseudo)
        try:
            if progress:
                with click.progressbar(
                    batches,
                    label=", ".join(ids),
                    item_show_func=lambda _batch: f"{sum(reports[i].rows for i in ids):,} rows",
                    file=sys.stderr,
                ) as bar:
                    for _ in bar:
                        pass
            else:
                for _ in batches:
                    pass
        except LifError as exc:
            if len(group) == 1:
                errors[group[0].id] = exc
                return
            stopped = [source for source in group if reports[source.id].failed]
            if not stopped:  # the file or one source's options: each read alone says which
                for source in group:
                    read([source])
                return
            for source in stopped:
                errors[source.id] = exc
            read([source for source in group if source not in stopped])
            return
        elapsed = time.perf_counter() - started
        total = sum(reports[i].rows for i in ids)
        for i in ids:  # one pass for all: its time shared by the records each read
            seconds[i] = elapsed * (reports[i].rows / total if total else 1 / len(ids))

    for group in groups.values():
        read(group)

    rows: list[tuple[Cell, ...]] = []
    checks: list[tuple[Cell, ...]] = []
    details: list[Section] = []
    for source in sources:
        report = reports[source.id]
        status = "read"
        if source.id in errors:
            status = "failed"
            message = str(errors[source.id])
            if not report.problems or report.problems[-1].message not in message:
                report.add(Problem("", "", message))  # reading names the file (data.name_file)
        rows.append(
            (
                source.id,
                source.adapter,
                source.path,
                report.rows,
                report.kept,
                report.errors,
                report.warnings,
                status,
                round(seconds[source.id], 2),
            )
        )
        checks.extend(
            (source.id, check, found, report.excluded.get(check, 0)) for check, found in sorted(report.checks.items())
        )
        if report.problems:
            more = report.errors + report.warnings - len(report.problems)
            items = [str(p) for p in report.problems[:20]]
            if more > 0 or len(report.problems) > 20:
                items.append(f"... and {report.errors + report.warnings - min(20, len(report.problems))} more")
            details.append(Section(f"{source.id}: problems", (BulletList(tuple(items)),)))
        if report.left_out:
            details.append(
                Section(
                    f"{source.id}: columns not read",
                    (
                        Paragraph(
                            f"{len(report.left_out)} column(s) of {source.path} are declared by no field, so they are "
                            "not read and reach no output; declare any you need in the source's fields: "
                            + ", ".join(report.left_out[:40])
                            + (" ..." if len(report.left_out) > 40 else "")
                        ),
                    ),
                )
            )
    table = Table(
        ("Source", "Adapter", "Path", "Rows read", "Kept", "Errors", "Warnings", "Status", "Seconds"), tuple(rows)
    )
    note = Paragraph(
        "Children's identifiers are replaced by keyed pseudonyms as they are read; dates of birth keep only the "
        "month and postcodes only the sector. No identifier appears in this output."
    )
    found: tuple[Section, ...] = ()
    if checks:
        found = (
            Section(
                "Data-quality checks",
                (
                    Table(("Source", "Check", "Records", "Left out"), tuple(checks)),
                    Paragraph(
                        "Records a data-quality check of the adapter found (each is a warning below, naming its "
                        "place and field): those left out are not counted by any indicator, the others are counted "
                        "as given. The source's options say which a check does."
                    ),
                ),
            ),
        )
    return (
        Document(
            kind="data",
            title=f"{loaded.board.board.name}: data sources",
            subtitle=NOT_FOR_PUBLICATION,
            sections=(Section("Sources", (table, note)), *found, *details),
        ),
        bool(errors),
    )


#: What `lif data` says of itself: its counts of records are not under disclosure control.
NOT_FOR_PUBLICATION = (
    "For the data owner's check, not for publication: the counts of records read are exact, not under "
    "disclosure control"
)


def measures_document(
    loaded: LoadedBoard, plugins: Plugins, *, rule: Rule | None = None, disclosure_control: bool = True
) -> Document:
    active = active_rule(loaded, rule, disclosure_control)
    scores = scorecard(loaded, plugins, rule=active, disclosure_control=active is not None)

    framework = with_framework(loaded, plugins).framework
    titles = {t.name: t.title for t in framework.comparator_kinds} if framework is not None else {}

    def pct(value: float | None) -> str:
        return "" if value is None else f"{value:+.1f}%"

    rows = []
    for s in scores:
        m = s.measure
        latest = s.latest_text()
        trend = f"{s.trend} ({s.direction} {s.run})".strip() if s.direction else "-"
        target = f"{m.target.value:g}" + (f" by {m.target.by}" if m.target and m.target.by else "") if m.target else "-"
        compare = "; ".join(f"{titles.get(k, k)}: {v:g} ({verdict})" for k, v, verdict in s.comparisons) or "-"
        rows.append(
            (
                m.title,
                m.quadrant.value,
                m.unit.value,
                latest,
                pct(s.baseline_change),
                target,
                pct(s.variance),
                "" if s.percent_of_target is None else f"{s.percent_of_target:g}%",
                trend,
                s.rag.upper(),
                compare,
            )
        )
    table = Table(
        (
            "Measure",
            "Quadrant",
            "Unit",
            "Latest",
            "Change from baseline",
            "Target",
            "Variance from target (% of target)",
            "% of target",
            "Trend",
            "RAG",
            "Comparators",
        ),
        tuple(rows),
    )
    prompts = tuple(f"{s.measure.title}: {p}" for s in scores for p in s.prompts)
    successes = tuple(f"{s.measure.title}: {p}" for s in scores for p in s.successes)
    problems = tuple(str(p) for s in scores for p in s.problems)
    sections = [
        Section("Scorecard", (table,)),
        Section("Prompts where improvement is needed", (BulletList(prompts) if prompts else Paragraph("None."),)),
        Section("Successes", (BulletList(successes) if successes else Paragraph("None yet."),)),
    ]
    if problems:
        sections.append(Section("Data problems", (BulletList(problems),)))
    document = Document(kind="measures", title=f"{loaded.board.board.name}: measures", sections=tuple(sections))
    return _protected(loaded, document, active, disclosure_control)


@hookimpl(trylast=True)
def register_commands(cli: click.Group) -> None:
    @cli.group()
    def report() -> None:
        """Write reports from a board (its yearly report: `lif report impact`)."""

    @report.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @as_of_option
    @click.option(
        "--format",
        "-f",
        "fmt",
        default=None,
        metavar="NAME",
        help="Any installed renderer: markdown (md), text, html, json, xlsx, csv (a zip of a CSV file per table), "
        "csv-tidy; docx with lif-docx, pdf with lif-pdf. See docs/publishing.md. Default: the one --output's "
        "ending names (.pdf, .docx, .html, .xlsx, .json, .zip, .md, .txt), else text on a terminal and markdown "
        "when piped.",
    )
    @output_option
    @click.option(
        "--previous",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="An earlier report written with -f json: adds what changed since then, in names.",
    )
    @click.option("--progress/--no-progress", default=None, help="Show progress (default: on a terminal).")
    @click.pass_context
    def impact(
        ctx: click.Context,
        board: Path,
        as_of: dt.datetime | None,
        fmt: str | None,
        output: Path | None,
        previous: Path | None,
        progress: bool | None,
    ) -> None:
        """The board's report: its yearly (annual) report, and the evidence it takes to inspectors.

        The sections are those of the board's report definition: its own report.toml, else its
        statutory framework's yearly or annual report (a foreword, local context, the
        arrangements, priorities and where progress was slow, local and national review
        recommendations and the improvements that followed, case reviews, the dataset,
        training, children's and families' feedback, independent scrutiny, funding, child
        deaths, effectiveness, next year's priorities...). Text the board wrote (narrative/*.md)
        is shown in each section; readers see names, never ids.

        --as-of reports on the board as it stood at the end of that day, rebuilt from its dated
        logs (and its store's history): what was done, at what stage, with what evidence, then.
        --previous adds what changed since an earlier report written with -f json.

        Every figure from children's records passes the board's disclosure rule first (counts of
        1 to 5 shown as c, with secondary suppression); counts of the board's own work are shown
        as they are; the rule is recorded in the report.
        """
        from ..report import report_definition

        plugins, loaded = _open(ctx, board)
        if output is not None:  # before anything is built: never onto the board's own files
            refuse_board_output(output, board)
        fmt = fmt or default_format(plugins, output)
        day = as_of_day(as_of, loaded)
        before = None
        if previous is not None:
            from ..report.snapshot import previous_report

            before = previous_report(previous, loaded.board.board.name, day)
        show = sys.stderr.isatty() if progress is None else progress
        if show:
            parts = len(report_definition(loaded)[0].sections) + (before is not None)
            with click.progressbar(length=parts, label="report", file=sys.stderr) as bar:
                document = impact_report(loaded, plugins, day, previous=before, progress=lambda _s: bar.update(1))
        else:
            document = impact_report(loaded, plugins, day, previous=before)
        # the board's house style (report.toml [style]: logo, colour, templates) for the
        # formats that draw a designed page; read and checked here, whatever the format
        emit(
            document,
            board=loaded,
            fmt=fmt,
            output=output,
            options=RenderOptions(style=read_style(loaded)),
            plugins=plugins,
        )

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("review", required=False)
    @document_options(as_of=True)
    @click.pass_context
    def reviews(
        ctx: click.Context,
        board: Path,
        review: str | None,
        as_of: dt.datetime | None,
        fmt: str | None,
        output: Path | None,
    ) -> None:
        """Case reviews: stage, clocks, what is due next and overdue, and method checks.

        For each review (or only REVIEW, by id): its kind, methodology, stage in its kind's
        lifecycle and any decision recorded; the clocks its kind has under the board's
        statutory framework, in working days (in England: notification to the national Panel
        within 5 working days of becoming aware, rapid review within 15 working days of
        notification, publication within the board's months of the decision) and the board's
        own deadlines, each met, met late, due or overdue; the methodology plugin's check of how
        it is being run, naming each rule broken; and the quality-marker checklist.
        """
        plugins, loaded = _open(ctx, board)
        document = reviews_document(loaded, plugins, as_of_day(as_of, loaded), review)
        emit(document, board=loaded, fmt=fmt, output=output, plugins=plugins)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @document_options(as_of=True)
    @click.option(
        "--window",
        type=click.IntRange(min=1, max=1200),
        help="Months to look back, up to 1200 (default: the board's setting, 24).",
    )
    @click.option(
        "--minimum", type=click.IntRange(min=2), help="Reviews and audits that make a theme recurring (default 2)."
    )
    @click.pass_context
    def themes(
        ctx: click.Context,
        board: Path,
        as_of: dt.datetime | None,
        window: int | None,
        minimum: int | None,
        fmt: str | None,
        output: Path | None,
    ) -> None:
        """Recurring themes, and which lack a system-level response.

        A theme recurs when reviews and audits (or their findings) dated within the window
        raise it at least the minimum number of times. Its system-level response is any
        board-level action or business-plan priority tagged with it; a recurring theme with
        none is flagged: repeated practice themes left unanswered are a known barrier to learning.
        """
        plugins, loaded = _open(ctx, board)
        document = themes_document(loaded, as_of_day(as_of, loaded), window, minimum)
        emit(document, board=loaded, fmt=fmt, output=output, plugins=plugins)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @document_options
    @click.option(
        "--progress/--no-progress", default=None, help="Show a progress bar per source (default: on a terminal)."
    )
    @click.pass_context
    def data(ctx: click.Context, board: Path, fmt: str | None, output: Path | None, progress: bool | None) -> None:
        """Read every data source through and report rows read and problems found.

        Each source is streamed through its adapter; declared fields are checked and
        converted, children's identifiers pseudonymised with the board's key (from
        LIF_PSEUDONYM_KEY, else BOARD/.lif/pseudonym.key, made on first use), dates of birth
        cut to the month and postcodes to the sector. Problems name the file, the line (or
        sheet row, or XML element path) and the field, never a child's identifier. Exits 1 if
        any source could not be read.
        """
        plugins, loaded = _open(ctx, board)
        show = sys.stderr.isatty() if progress is None else progress
        document, failed = data_document(loaded, plugins, progress=show)
        # the one command whose counts are not published: the data owner's own check
        emit_document(plugins, document, fmt or format_for(plugins, output), output, for_publication=False)
        if failed:
            raise click.ClickException("one or more sources could not be read: see the problems above")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @document_options
    @click.pass_context
    def measures(ctx: click.Context, board: Path, fmt: str | None, output: Path | None) -> None:
        """The measures scorecard: trend, target variance and RAG for every measure.

        For each measure (outcomes-based accountability): its latest value, change from
        baseline, target, variance from target ((actual - target) / target) and percent of
        target, the trend and how many periods it has run, RAG status (green on target, amber
        within the measure's amber_margin of it, red otherwise), and comparison with the
        comparators recorded (England, Wales, a region, statistical neighbours...). Then the
        prompts where improvement is needed and the successes, each with its reason. Values come from the measure's own
        entries, an aggregate source, or an indicator computed from case-level records.
        """
        plugins, loaded = _open(ctx, board)
        emit(measures_document(loaded, plugins), board=loaded, fmt=fmt, output=output, plugins=plugins)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @document_options
    @click.pass_context
    def audits(ctx: click.Context, board: Path, fmt: str | None, output: Path | None) -> None:
        """Audits: completed audits and their grades, the log of expected single-agency audits,
        and where two partners' planned audits share a theme and could join up."""
        plugins, loaded = _open(ctx, board)
        emit(audits_document(loaded), board=loaded, fmt=fmt, output=output, plugins=plugins)
