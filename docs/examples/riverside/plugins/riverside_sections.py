"""Riverside's own report section: the multi-agency audit programme.

Hook: register_report_sections. The board's report.toml places it, with its own title.

What it shows, for the reporting year the report's day falls in: each multi-agency audit
held (who led it, which agencies took part, how many cases, whether children's views were
sought, the grades), what the audits found, and the log of single-agency audits partners
expect to do, with the pairs that could be done as one joint audit.
"""

from __future__ import annotations

from collections.abc import Callable

from lif_core import (
    Audit,
    AuditKind,
    Block,
    BulletList,
    Count,
    LifError,
    Paragraph,
    Provenance,
    ReportSection,
    Section,
    SectionContext,
    Table,
    audit_join_ups,
    hookimpl,
)

NAME = "riverside-audits"
#: The audits the programme is made of; a single-agency audit is in the log instead.
PROGRAMME = (AuditKind.MULTI_AGENCY_CASE_AUDIT, AuditKind.THEMATIC, AuditKind.COMMISSIONED)


def held_this_year(context: SectionContext) -> list[Audit]:
    """The programme's audits dated in the report's reporting year (the board is as it
    stood on the report's day, so nothing later is in it)."""
    start, end = context.year()
    return sorted(
        (a for a in context.board.audits if a.kind in PROGRAMME and start <= a.date <= end),
        key=lambda a: a.date,
    )


def join_up_months(context: SectionContext) -> int:
    """The section's option: how close two planned audits' due dates must be to join up."""
    months = context.option("join_up_months", 6)
    if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= 24:
        raise LifError(
            f"report.toml: section {NAME!r}: options.join_up_months must be a whole number "
            f"of months from 1 to 24, not {months!r}"
        )
    return months


def programme(context: SectionContext, audits: list[Audit]) -> Table:
    """One row per audit, by name; counts of the board's own work marked as such."""
    scale = context.framework.audit_scale if context.framework is not None else ""
    rows = [
        (
            audit.title,
            audit.date.isoformat(),
            context.name(audit.lead) if audit.lead else "-",
            ", ".join(context.name(p) for p in audit.agencies) or "-",
            Count(audit.cases, provenance=Provenance.BOARD),
            context.readable(audit.child_views.value),
            "; ".join(f"{context.readable(g.domain)}: {context.readable(g.grade)}" for g in audit.grades)
            or "not graded",
        )
        for audit in audits
    ]
    total = Count(sum(a.cases for a in audits), provenance=Provenance.BOARD)
    rows.append(("All", "", "", "", total, "", ""))
    graded_on = f" (graded on {context.term('grade_scales', scale)})" if scale else ""
    return Table(
        ("Audit", "Date", "Led by", "Agencies", "Cases", "Children's views", "Grades"),
        tuple(rows),
        caption=f"Multi-agency audits held in {context.year_label()}{graded_on}",
        total_row=True,
    )


def findings(context: SectionContext, audits: list[Audit]) -> list[Block]:
    """What the audits found, each with the audit it came from."""
    held = {a.id for a in audits}
    found = [f for f in context.board.findings if f.source in held]
    if not found:
        return []
    items = tuple(f"{'Good practice: ' if f.good_practice else ''}{f.text} ({context.name(f.source)})" for f in found)
    return [Paragraph("What the audits found:"), BulletList(items)]


def audit_log(context: SectionContext) -> Section:
    """The single-agency audits partners expect to do, and which could be done together."""
    planned = context.board.planned_audits
    if not planned:
        return Section("Single-agency audit log", (Paragraph("No single-agency audit is planned."),))
    log = Table(
        ("Planned audit", "Partner", "Due", "Status", "Themes"),
        tuple(
            (
                p.topic,
                context.name(p.partner),
                p.due.isoformat() if p.due else "not set",
                context.readable(p.status.value),
                ", ".join(context.name(t) for t in p.themes) or "-",
            )
            for p in planned
        ),
        caption="Single-agency audits partners expect to do",
    )
    joins = audit_join_ups(context.board, within_months=join_up_months(context))
    ideas: Block = (
        BulletList(
            tuple(
                f"{context.name(j.first.partner)} ({j.first.topic}) and "
                f"{context.name(j.second.partner)} ({j.second.topic}) both look at "
                f"{', '.join(context.name(t) for t in j.themes)}: one joint audit?"
                for j in joins
            )
        )
        if joins
        else Paragraph("No two partners' planned audits share a theme.")
    )
    return Section("Single-agency audit log", (log, ideas))


def build(context: SectionContext) -> Section:
    """The section's content. Its title comes from the report definition and the board's
    narrative is put before it by the report, so neither is given here."""
    audits = held_this_year(context)
    if audits:
        blocks: list[Block] = [programme(context, audits), *findings(context, audits)]
    else:
        blocks = [Paragraph(f"No multi-agency audit is recorded in {context.year_label()}.")]
    return Section("", tuple(blocks), (audit_log(context),))


def missing(context: SectionContext) -> str:
    """What the board has not yet given the section (``""``: nothing): ``lif validate`` warns
    with it where the report definition marks the section required."""
    if held_this_year(context):
        return ""
    return f"no multi-agency audit is recorded in {context.year_label()} (add [[audits]])"


SECTION = ReportSection(
    name=NAME,
    title="Multi-agency audit programme",
    description="Riverside's multi-agency audits in the reporting year (lead, agencies, cases, children's views, "
    "grades), what they found, and the single-agency audit log with the audits partners could do together.",
    build=build,
    missing=missing,
)


@hookimpl
def register_report_sections(register: Callable[[ReportSection], None]) -> None:
    register(SECTION)
