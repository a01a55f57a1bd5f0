"""Riverside's own indicator: early help closed with the family's needs met.

Hook: register_indicators. A measure names it (indicator = "riverside-early-help-needs-met")
with the case-level source it is computed from; lif-core reads the source once for every
indicator on it, pseudonymises what identifies a child, and puts what this counts through
disclosure control before any figure is shown.

Definition (Riverside's own): of the early help episodes closed in the period, the percentage
closed because the family's needs were met (outcome "needs-met"), rather than stepped up to
children's social care, declined, or the family moving away. Episodes not yet closed are left
out and counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from lif_core import Accumulator, Indicator, IndicatorResult, IndicatorRow, hookimpl, percentage, period_key


class NeedsMet(Accumulator):
    """Counts a batch at a time, keeping two counters per period: never the records."""

    fields = ("closed", "outcome")  # what it reads from the measure's source, in add_rows' order

    def __init__(self, frequency: str) -> None:
        self.frequency = frequency  # month, quarter or year: the measure's
        self.closed: Counter[str] = Counter()
        self.met: Counter[str] = Counter()
        self.excluded: Counter[str] = Counter()

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for closed, outcome in rows:
            if closed is None:
                self.excluded["episodes not closed yet"] += 1
                continue
            if outcome is None:
                self.excluded["episodes closed with no outcome"] += 1  # never silently
                continue
            period = period_key(closed, self.frequency)
            self.closed[period] += 1
            if outcome == "needs-met":
                self.met[period] += 1

    def result(self) -> IndicatorResult:
        rows = tuple(
            IndicatorRow(period, "", self.met[period], closed, percentage(self.met[period], closed))
            for period, closed in sorted(self.closed.items())
        )
        return IndicatorResult(
            "riverside-early-help-needs-met",
            "Early help closed with needs met",
            "percent",
            rows,
            dict(self.excluded),
            frequency=self.frequency,
            # What the numerator and denominator count: disclosure control protects the same
            # count together wherever it is published.
            parts=("early-help-closed-needs-met", "early-help-closed"),
        )


@hookimpl
def register_indicators(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            name="riverside-early-help-needs-met",
            title="Early help closed with needs met",
            description=(
                "Early help episodes closed in the period because the family's needs were met, as a "
                "percentage of those closed (Riverside's own measure). Reads closed and outcome."
            ),
            unit="percent",
            accumulator=NeedsMet,
            frequencies=("quarter", "year"),
        )
    )
