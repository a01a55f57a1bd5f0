"""Report section ``funding``: what each partner agency contributed to the arrangements in the
report's reporting year and the year before: the amount in pounds, what it gave in kind, and
its share of the year's total, with the total. These are the board's own accounts, not counts
of children: they are published as they are."""

from __future__ import annotations

from ...document import Cell, Paragraph, Section, Table
from ...extensions import ReportSection
from ...model import Contribution
from ...report.context import SectionContext


def pounds(amount: float) -> str:
    """An amount as UK readers write it: ``£12,345`` (``£12,345.50`` where there are pence)."""
    return f"£{amount:,.0f}" if round(amount, 2) == round(amount) else f"£{amount:,.2f}"


def year_before(context: SectionContext) -> str:
    """The reporting year before the report's, written as boards write years (``2017-18``)."""
    start, end = context.year()
    if start.year == end.year:
        return str(start.year - 1)
    return f"{start.year - 1}-{str(start.year)[2:]}"


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
            pounds(amount),
            "; ".join(c.in_kind for c in given if c.in_kind) or "-",
            f"{100 * amount / total:.1f}%" if total else "-",
        ]
        if notes:
            row.append("; ".join(c.note for c in given if c.note) or "-")
        rows.append(tuple(row))
    total_row: list[Cell] = ["Total", pounds(total), "", "100%" if total else "-"]
    if notes:
        total_row.append("")
    rows.append(tuple(total_row))
    columns = ("Partner", "Amount", "In kind", "Share of total", *(("Note",) if notes else ()))
    return Table(columns, tuple(rows), caption=f"Partner contributions, {period}", total_row=True)


def build(context: SectionContext) -> Section:
    this, last = context.year_label(), year_before(context)
    parts = []
    totals = []
    for period in (this, last):
        items = of_year(context, period)
        if items:
            parts.append(Section(period, (_table(context, period, items),)))
            totals.append(f"{pounds(sum(c.amount for c in items))} in {period}")
        else:
            parts.append(Section(period, (Paragraph(f"No contribution is recorded for {period}."),)))
    if not totals:
        return Section("", (Paragraph(f"No partner contribution is recorded for {this} or {last}."),))
    summary = Paragraph("Partners contributed " + ", against ".join(totals) + ".")
    return Section("", (summary,), tuple(parts))


def missing(context: SectionContext) -> str:
    this = context.year_label()
    if of_year(context, this):
        return ""
    return f'no partner contribution is recorded for {this} (add [[contributions]] with period = "{this}")'


SECTION = ReportSection(
    name="funding",
    title="Funding and partner contributions",
    description="Each partner's contribution in the reporting year and the year before: amount in pounds, what it "
    "gave in kind, share of the year's total, and the total.",
    build=build,
    missing=missing,
)
