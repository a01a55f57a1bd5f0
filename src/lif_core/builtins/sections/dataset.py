"""Report section ``dataset``: the multi-agency dataset's scorecard, the prompts where
improvement is needed, the successes, and a trend chart for each measure with two periods."""

from __future__ import annotations

from ...document import BulletList, Chart, Paragraph, Section, Table
from ...extensions import ReportSection
from ...measures import format_figure
from ...report.context import SectionContext
from ._common import rag_words, trend_words


def build(context: SectionContext) -> Section:
    scores = context.scores()
    if not scores:
        return Section("", (Paragraph("No measure is recorded."),))
    table = Table(
        ("Measure", "Latest", "Target", "Variance from target", "Trend", "RAG"),
        tuple(
            (
                s.measure.title,
                s.latest_text(),
                format_figure(s.measure.target.value, s.measure.unit) if s.measure.target else "",
                f"{s.variance:+.1f}%" if s.variance is not None else "",
                trend_words(s),
                rag_words(s.rag),
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
        "",
        (table,),
        (
            Section(
                "Where improvement is needed",
                (BulletList(prompts) if prompts else Paragraph("No measure is short of its target or worsening."),),
            ),
            Section(
                "Successes",
                (BulletList(successes) if successes else Paragraph("No measure has met its target yet."),),
            ),
            Section("Trends", charts or (Paragraph("No measure has two periods yet."),)),
        ),
    )


def missing(context: SectionContext) -> str:
    return "" if context.board.measures else "no measure of the multi-agency dataset is recorded (add [[measures]])"


SECTION = ReportSection(
    name="dataset",
    title="The multi-agency dataset",
    description="The scorecard (latest value, target, variance, trend, RAG), prompts where improvement is "
    "needed, successes, and trend charts; figures from children's records pass disclosure control.",
    build=build,
    missing=missing,
)
