"""Report section ``reviews``: each case review's kind, method, stage, overdue clocks and
whether it was done as its method requires; reviews by stage of the learning lifecycle."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ...clocks import ClockState, review_clocks
from ...document import Count, Paragraph, Section, Table
from ...extensions import ReportSection
from ...frameworks import LIFECYCLE
from ...report.context import SectionContext
from ._common import BOARD, readable


def _stage(context: SectionContext, stage: str) -> str:
    framework = context.framework
    if framework is not None:
        term = framework.term("stages", stage)
        if term is not None:
            return str(term.title)
    return readable(stage)


def _decision(context: SectionContext, kind: str, decision: str) -> str:
    """How the report says a review's decision: its title in the framework (``an LCSPR``)."""
    spec = context.framework.review_kind(kind) if context.framework is not None else None
    term = spec.decision(decision) if spec is not None else None
    return str(term.title) if term is not None else readable(decision)


def build(context: SectionContext) -> Section:
    board = context.board
    plugins = context.plugins
    if not board.reviews:
        return Section("", (Paragraph("No case review is recorded."),))
    rows = []
    for r in board.reviews:
        clocks = review_clocks(r, board, context.as_of, context.framework)
        late = [c for c in clocks if c.state is ClockState.OVERDUE]
        problems: list[Any] = []
        method = "-"
        if r.methodology:
            with plugins.using(plugins.methodologies, r.methodology):
                methodology = plugins.methodologies.get(r.methodology)
                method = methodology.title or r.methodology
                problems = [p for p in methodology.check(r, context.loaded) if p.is_error]
        rows.append(
            (
                r.title,
                context.term("review_kinds", r.kind)
                + (f" ({_decision(context, r.kind, r.decision)})" if r.decision else ""),
                method,
                _stage(context, r.stage),
                "; ".join(c.name for c in late) or "none",
                (f"No: {len(problems)} of its rules not met" if problems else "Yes")
                if r.methodology
                else "No method recorded",
            )
        )
    stages = Counter(r.stage for r in board.reviews)
    framework = context.framework
    order = {name: i for i, name in enumerate(framework.stage_names() if framework else LIFECYCLE)}
    by_stage = Table(
        ("Stage", "Reviews"),
        (
            *(
                (_stage(context, stage), Count(n, BOARD))
                for stage, n in sorted(stages.items(), key=lambda s: (order.get(s[0], 99), s[0]))
            ),
            ("All", Count(len(board.reviews), BOARD)),
        ),
        caption="Reviews by stage of the learning lifecycle",
        total_row=True,
    )
    table = Table(
        ("Review", "Kind", "Methodology", "Stage", "Overdue", "Done as its method requires"),
        tuple(rows),
        caption="Case reviews",
    )
    return Section("", (table, by_stage))


SECTION = ReportSection(
    name="reviews",
    title="Case reviews and the learning lifecycle",
    description="Each case review's kind, methodology, stage, overdue clocks and the methodology's verdict; "
    "reviews by stage.",
    build=build,
)
