"""Report section ``dataset``: the multi-agency dataset's scorecard, the prompts where
improvement is needed, the successes, and a trend chart for each measure with two periods."""

from __future__ import annotations

from ...document import SUPPRESSED, BulletList, Cell, Chart, Figure, Paragraph, Section, Table
from ...extensions import ReportSection
from ...measures import Score
from ...model import Polarity
from ...report.context import SectionContext
from ._common import figure_unit, measure_figure, percent, rag_cell, trend_words

#: A chart's polarity as :class:`~lif_core.document.Chart` says it.
POLARITY = {Polarity.HIGHER_IS_BETTER: "higher", Polarity.LOWER_IS_BETTER: "lower"}


def latest(score: Score) -> tuple[str, Cell]:
    """The period and figure of a measure's latest value, as the scorecard shows them: the
    figure as a number with its text (``k`` where a small non-zero share); with no period
    shown, ``c`` where every period with data is hidden by disclosure control, else
    ``no data``."""
    if score.latest is not None:
        period, value = score.latest
        return period, measure_figure(value, score.measure.unit, score.labels.get(period, ""))
    if SUPPRESSED in score.labels.values():
        return "", SUPPRESSED
    return "", Figure(None, "no data", figure_unit(score.measure.unit))


def references(context: SectionContext, score: Score) -> tuple[tuple[str, float], ...]:
    """The comparators the score compares with, as a chart's labelled reference lines
    (``England 2018-19``): for each kind, the value the scorecard compared against."""
    out = []
    for kind, value, _verdict in score.comparisons:
        periods = [c.period for c in score.measure.comparators if c.kind == kind and c.value == value]
        label = context.term("comparator_kinds", kind)
        if label == kind:
            label = kind.replace("-", " ").capitalize()
        out.append((f"{label} {periods[-1]}" if periods else label, value))
    return tuple(out)


def build(context: SectionContext) -> Section:
    scores = context.scores()
    if not scores:
        return Section("", (Paragraph("No measure is recorded."),))
    rows: list[tuple[Cell, ...]] = []
    for s in scores:
        period, figure = latest(s)
        rows.append(
            (
                s.measure.title,
                period,
                figure,
                measure_figure(s.measure.target.value, s.measure.unit) if s.measure.target else None,
                percent(s.variance, signed=True) if s.variance is not None else None,
                trend_words(s),
                rag_cell(s.rag),
            )
        )
    table = Table(
        ("Measure", "Period", "Latest", "Target", "Variance from target (% of target)", "Trend", "RAG"),
        tuple(rows),
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
            references=references(context, s),
            polarity=POLARITY.get(s.measure.polarity, ""),
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
