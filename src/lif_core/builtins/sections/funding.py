"""Report section ``funding``: what each partner agency contributed to the arrangements in the
year the report covers and the year before: the amount in pounds, what it gave in kind, and its
share of the year's total, with the total; and, where the board has recorded them, the
contributions to the year in progress. These are the board's own accounts, not counts of
children: they are published as they are.

The year a report covers is the reporting year of its day where that year has ended by then (a
report as at 31 March 2019 covers 2018-19), else the year before (a yearly report as at October
2025 covers 2024-25): :func:`covered_year`.
"""

from __future__ import annotations

from ...document import Cell, Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Contribution
from ...report.context import SectionContext
from ._common import percent, pounds_cell


def pounds(amount: float) -> str:
    """An amount as UK readers write it: ``£12,345`` (``£12,345.50`` where there are pence)."""
    return f"£{amount:,.0f}" if round(amount, 2) == round(amount) else f"£{amount:,.2f}"


def previous(label: str) -> str:
    """The year before a reporting year written as boards write it (``2018-19`` -> ``2017-18``,
    ``2018`` -> ``2017``)."""
    first = int(label[:4]) - 1
    return f"{first}-{str(first + 1)[2:]}" if "-" in label else str(first)


def covered_year(context: SectionContext) -> str:
    """The reporting year the report covers: the year of the report's day where it has ended by
    that day, else the year before it."""
    label = context.year_label()
    return label if context.year()[1] <= context.as_of else previous(label)


def of_year(context: SectionContext, period: str) -> list[Contribution]:
    return [c for c in context.board.contributions if c.period == period]


def _table(context: SectionContext, period: str, items: list[Contribution]) -> Table:
    by_partner: dict[str, list[Contribution]] = {}
    for c in items:
        by_partner.setdefault(c.partner, []).append(c)
    total = sum(c.amount for c in items)
    notes = any(c.note for c in items)
    rows: list[tuple[Cell, ...]] = []
    for partner, given in sorted(by_partner.items(), key=lambda pair: -sum(c.amount for c in pair[1])):
        amount = sum(c.amount for c in given)
        row: list[Cell] = [
            context.name(partner),
            pounds_cell(amount),
            "; ".join(c.in_kind for c in given if c.in_kind) or "-",
            percent(100 * amount / total) if total else "-",
        ]
        if notes:
            row.append("; ".join(c.note for c in given if c.note) or "-")
        rows.append(tuple(row))
    total_row: list[Cell] = ["Total", pounds_cell(total), "", percent(100.0) if total else "-"]
    if notes:
        total_row.append("")
    rows.append(tuple(total_row))
    columns = ("Partner", "Amount", "In kind", "Share of total", *(("Note",) if notes else ()))
    return Table(columns, tuple(rows), caption=f"Partner contributions, {period}", total_row=True)


def build(context: SectionContext) -> Section:
    covered = covered_year(context)
    before = previous(covered)
    now = context.year_label()
    years = [(covered, covered), (before, before)]
    if now != covered and of_year(context, now):
        years.insert(0, (now, f"{now}, the year in progress"))
    if not any(of_year(context, period) for period, _heading in years):
        return Section("", (Paragraph(f"No partner contribution is recorded for {covered} or {before}."),))
    parts = []
    for period, heading in years:
        items = of_year(context, period)
        body = _table(context, period, items) if items else Paragraph(f"No contribution is recorded for {period}.")
        parts.append(Section(heading, (body,)))
    return Section("", (Paragraph(_summary(context, covered, before, now)),), tuple(parts))


def _summary(context: SectionContext, covered: str, before: str, now: str) -> str:
    def total(period: str) -> str:
        return pounds(sum(c.amount for c in of_year(context, period)))

    if of_year(context, covered):
        text = f"Partners contributed {total(covered)} in {covered}"
        if of_year(context, before):
            text += f", against {total(before)} in {before}"
    else:
        text = f"No partner contribution is recorded for {covered}"
        if of_year(context, before):
            text += f"; partners contributed {total(before)} in {before}"
    if now != covered and of_year(context, now):
        text += f"; {total(now)} is recorded so far for {now}, the year in progress"
    return text + "."


def missing(context: SectionContext) -> str:
    covered = covered_year(context)
    if of_year(context, covered):
        return ""
    return f'no partner contribution is recorded for {covered} (add [[contributions]] with period = "{covered}")'


SECTION = ReportSection(
    name="funding",
    title="Funding and partner contributions",
    description="Each partner's contribution in the year the report covers and the year before (and the year in "
    "progress where recorded): amount in pounds, what it gave in kind, share of the year's total, and the total.",
    build=build,
    missing=missing,
)
