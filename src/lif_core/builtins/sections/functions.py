"""Report section ``functions``: evidence in the twelve months to the report's day for each of
the board's statutory functions, under the framework's heading for them."""

from __future__ import annotations

from ...document import Section, Table
from ...extensions import ReportSection
from ...report.context import SectionContext
from ._common import strength


def build(context: SectionContext) -> Section:
    board = context.board
    framework = context.framework
    year_start = context.year()[0]
    year_end = min(context.year()[1], context.as_of)
    shown = framework.report_functions if framework is not None else ()
    functions = [f for f in board.functions if f.kind in shown] or list(board.functions)
    rows = []
    supporting = context.index().evidence_by_target  # in the board's order, once per mention
    for f in functions:
        mentions = supporting.get(f.id, ())
        evidence = [e for e in {id(e): e for e in mentions}.values() if year_start <= e.date <= year_end]
        rows.append(
            (
                f.text,
                strength(evidence),
                "; ".join(e.title for e in evidence) or "",
                "none" if evidence else "no evidence in the year",
            )
        )
    table = Table(
        ("Function", "Evidence this year", "Items", "Gap"),
        tuple(rows),
        caption=f"Evidence from {year_start} to {year_end} ({context.year_label()}) for each statutory function",
    )
    return Section(context.words("functions", "Statutory functions"), (table,))


def missing(context: SectionContext) -> str:
    return "" if context.board.functions else "no statutory function is listed (add [[functions]])"


SECTION = ReportSection(
    name="functions",
    title="Statutory functions",
    description="Evidence dated in the reporting year the report covers for each statutory function the "
    "framework's report lists, and the gaps.",
    build=build,
    missing=missing,
)
