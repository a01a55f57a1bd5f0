"""Outcomes-based accountability scorecards: each measure's data series (entered, read from an
aggregate source, or computed as an indicator from case-level records), and the figures a board
reads: latest value, change from baseline, variance from and percent of target, trend and how
long it has run, RAG status, comparison with England, region and statistical neighbours, and the
"prompts where improvement is needed" and "successes" of section 7.3, each with its reason.

Arithmetic as the sector's scorecards use it: variance = (actual - target) / target; percent of
target = actual / target x 100; baseline change = (current - first) / first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

import attrs

from .board import LoadedBoard
from .data import Pseudonymiser, SourceReport, board_key, holds_childrens_records, read_source, read_together
from .disclosure import SMALL_SHARE, SUPPRESSED, Rule, active_rule
from .errors import LifError, Problem, Severity
from .frameworks import year_starts_of
from .indicators import LEFT_OUT_BY, Accumulator, IndicatorResult, left_out_removed, protect_results, rate_per_10000
from .model import Comparator, Frequency, Measure, OptionValue, Polarity, Source, Unit
from .plugins import Plugins
from .validate import with_framework

__all__ = [
    "IndicatorRequest",
    "Score",
    "compute_indicators",
    "format_figure",
    "indicator_problems",
    "measure_series",
    "new_accumulator",
    "scorecard",
]

#: A measure's frequency as the period frequency indicators count by, and back.
_FREQUENCY = {"monthly": "month", "quarterly": "quarter", "annual": "year"}
_MEASURE_FREQUENCY = {period: measure for measure, period in _FREQUENCY.items()}


@attrs.frozen
class Score:
    """One measure on the scorecard.

    Attributes:
        measure: the measure.
        series: ``(period, value)`` in period order.
        latest: the last ``(period, value)``, if any.
        baseline_change: (latest - baseline) / baseline, as a percentage.
        variance: (latest - target) / target, as a percentage.
        percent_of_target: latest / target x 100.
        direction: ``up``, ``down`` or ``flat`` over the last change; ``""`` with fewer than two values.
        run: how many periods the current direction has run.
        trend: ``improving``, ``worsening`` or ``no change`` given the polarity (``""`` if unknown).
        rag: ``green``, ``amber``, ``red``, or ``none`` (no target or no polarity).
        comparisons: ``(kind, value, "better" | "worse" | "same")``.
        prompts / successes: what the board should look at, and what went well, with reasons.
        problems: what got in the way of computing it (missing data, conflicting values).
        labels: periods whose figure reads as a symbol: ``c`` where disclosure control hid it
            (such a period is not in ``series``, so nothing is scored on it), ``k`` where a
            non-zero rate or percentage rounds to 0.
    """

    measure: Measure
    series: tuple[tuple[str, float], ...]
    latest: tuple[str, float] | None
    baseline_change: float | None
    variance: float | None
    percent_of_target: float | None
    direction: str
    run: int
    trend: str
    rag: str
    comparisons: tuple[tuple[str, float, str], ...]
    prompts: tuple[str, ...]
    successes: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    labels: Mapping[str, str] = attrs.field(factory=dict)

    def shown(self, period: str, value: float) -> str:
        """How the figure of ``period`` reads in a table (``k`` where it is a small non-zero share)."""
        return self.labels.get(period) or format_figure(value, self.measure.unit)

    def latest_text(self) -> str:
        """The latest figure as a table shows it (``13 (2018-19)``); ``c`` where every period
        with data is hidden by disclosure control, ``no data`` where there is none."""
        if self.latest is not None:
            return f"{self.shown(*self.latest)} ({self.latest[0]})"
        return SUPPRESSED if SUPPRESSED in self.labels.values() else "no data"

    def points(self) -> tuple[tuple[str, float | None], ...]:
        """Every period's point for a chart, hidden ones as ``None`` (a gap), in period order."""
        hidden = [(p, None) for p, label in self.labels.items() if label == SUPPRESSED]
        return tuple(sorted([*self.series, *hidden], key=lambda point: point[0]))


def format_figure(value: float, unit: Unit) -> str:
    """A measure's figure as readers write it: thousands separated, ``%`` for a percentage."""
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    return text + ("%" if unit is Unit.PERCENT else "")


def _better(a: float, b: float, polarity: Polarity) -> str:
    if a == b or polarity is Polarity.NEITHER:
        return "same" if a == b else ("higher" if a > b else "lower")
    if polarity is Polarity.HIGHER_IS_BETTER:
        return "better" if a > b else "worse"
    return "better" if a < b else "worse"


def tidy_period(period: str) -> str:
    """DfE's tidy layout writes financial years as ``201819``; lif-core as ``2018-19``."""
    m = re.fullmatch(r"(\d{4})(\d{2})", period)
    if m and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return f"{m.group(1)}-{m.group(2)}"
    return period


class IndicatorRequest(NamedTuple):
    """One indicator to compute (:func:`compute_indicators`).

    Attributes:
        source: the source the accumulator counts (its :meth:`~Accumulator.feed`).
        accumulator: a fresh accumulator.
        inputs: for an accumulator reading further tables, the source of each input role
            (its :attr:`~lif_core.indicators.Accumulator.input_fields`).
        indicator: the registered indicator's name, where it came from the plugin host: a
            failure inside the accumulator then names the plugin that registered it.
    """

    source: Source
    accumulator: Accumulator
    inputs: Mapping[str, Source] = MappingProxyType({})
    indicator: str = ""


class _Computed(NamedTuple):
    result: IndicatorResult
    report: SourceReport
    inputs: Mapping[str, SourceReport]


def _blame(plugins: Plugins, indicator: str) -> contextlib.AbstractContextManager[None]:
    """Failures inside a registered indicator's accumulator name its plugin and the hook."""
    if indicator and indicator in plugins.indicators:
        return plugins.using(plugins.indicators, indicator)
    return contextlib.nullcontext()


def _feed(
    loaded: LoadedBoard,
    plugins: Plugins,
    pseudo: Pseudonymiser,
    requests: Sequence[IndicatorRequest],
) -> dict[str, SourceReport]:
    """Read every source the requests name once, feeding each batch to every accumulator on it
    (as its source or as one of its inputs); the reports of the readings, by source id."""
    sources: dict[str, Source] = {}
    feeding: dict[str, list[tuple[Accumulator, str | None, str]]] = {}
    for request in requests:
        for role, source in ((None, request.source), *request.inputs.items()):
            sources.setdefault(source.id, source)
            feeding.setdefault(source.id, []).append((request.accumulator, role, request.indicator))
    reports = {sid: SourceReport(sid) for sid in sources}
    # Only the fields the indicators use are read (and checked): `lif data` checks the rest. And
    # the records a data-quality check left out are counted by no indicator (LEFT_OUT_BY).
    fields = [
        {
            f
            for acc, role, _name in feeding[sid]
            for f in (acc.fields if role is None else acc.input_fields[role])
            if f is not None
        }
        | {LEFT_OUT_BY}
        for sid in sources
    ]
    for source, read in read_together(
        loaded, list(sources.values()), plugins, list(reports.values()), pseudonymiser=pseudo, columns=fields
    ):
        batch = left_out_removed(read)
        for acc, role, name in feeding[source.id]:
            with _blame(plugins, name):  # a plugin's failure names it and the hook
                if role is None:
                    acc.feed(batch)
                else:
                    acc.feed_input(role, batch)
    return reports


def _checked_request(request: IndicatorRequest | tuple[Source, Accumulator], plugins: Plugins) -> IndicatorRequest:
    request = request if isinstance(request, IndicatorRequest) else IndicatorRequest(*request)
    acc = request.accumulator
    with _blame(plugins, request.indicator):
        wanted = set(acc.input_fields)
    given = set(request.inputs)
    if wanted != given:
        name = request.indicator or type(acc).__name__
        raise LifError(
            f"{name} reads input(s) {', '.join(sorted(wanted)) or 'none'}, "
            f"but was given {', '.join(sorted(given)) or 'none'}"
        )
    return request


def _compute(
    loaded: LoadedBoard,
    requests: Sequence[IndicatorRequest | tuple[Source, Accumulator]],
    plugins: Plugins,
    pseudo: Pseudonymiser,
) -> list[_Computed]:
    checked = [_checked_request(r, plugins) for r in requests]
    reports = _feed(loaded, plugins, pseudo, checked)
    out: list[_Computed] = []
    for request in checked:
        report = reports[request.source.id]
        inputs = {role: reports[source.id] for role, source in request.inputs.items()}
        with _blame(plugins, request.indicator):
            fresh = request.accumulator.again()
        if fresh is not None:  # it could not count in one reading: read its sources again for it alone
            request = request._replace(accumulator=fresh)
            again = _feed(loaded, plugins, pseudo, [request])
            report = again[request.source.id]
            inputs = {role: again[source.id] for role, source in request.inputs.items()}
        with _blame(plugins, request.indicator):
            result = request.accumulator.result()
            if not isinstance(result, IndicatorResult):
                raise TypeError(f"result() gave {type(result).__name__}, not an IndicatorResult")
        out.append(_Computed(result, report, inputs))
    return out


def compute_indicators(
    loaded: LoadedBoard,
    requests: Sequence[IndicatorRequest | tuple[Source, Accumulator]],
    plugins: Plugins,
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> list[tuple[IndicatorResult, SourceReport]]:
    """Each accumulator's indicator over its source (and its inputs), reading every file
    once: accumulators on one source share its batches, a source several indicators read (as
    their source or as an input) is read once for all, and sources naming one file (tables of
    one census) are read together. An accumulator that could not count in one reading (a
    date-ordered re-referral count that finds its source out of order past the first batch:
    :meth:`~lif_core.indicators.Accumulator.again`) is counted again from a second reading of
    its own sources. Each request is an :class:`IndicatorRequest` or ``(source, accumulator)``;
    each result comes with what reading its source found."""
    pseudo = pseudonymiser or Pseudonymiser(board_key(loaded.root))
    return [(c.result, c.report) for c in _compute(loaded, requests, plugins, pseudo)]


def indicator_problems(loaded: LoadedBoard, measure: Measure, plugins: Plugins) -> list[Problem]:
    """What keeps a measure's ``indicator`` from being computed, each naming the file and key:
    an indicator no plugin registered (with the known ones), a frequency it is not counted by,
    an input role it does not read or one it needs left out, an input naming no source of the
    board. Empty when there is nothing wrong (or no indicator)."""
    if not measure.indicator:
        if measure.inputs:
            return [loaded.problem(measure.id, "inputs", "only an indicator reads inputs: name one, or drop them")]
        return []
    registry = plugins.indicators
    if measure.indicator not in registry:
        close = difflib.get_close_matches(measure.indicator, registry.names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return [
            loaded.problem(
                measure.id,
                "indicator",
                f"no indicator {measure.indicator!r}{hint}; known: {', '.join(registry.names()) or 'none installed'}",
            )
        ]
    indicator = registry.get(measure.indicator)
    problems = []
    frequency = _FREQUENCY[measure.frequency.value]
    if frequency not in indicator.frequencies:
        allowed = " or ".join(repr(_MEASURE_FREQUENCY[f]) for f in indicator.frequencies)
        problems.append(
            loaded.problem(
                measure.id,
                "frequency",
                f"indicator {indicator.name!r} is counted {allowed} only, not {measure.frequency.value!r}",
            )
        )
    sources = {s.id for s in loaded.board.sources}
    for role, source_id in measure.inputs.items():
        if role not in indicator.inputs:
            reads = ", ".join(repr(r) for r in indicator.inputs) or "none"
            problems.append(
                loaded.problem(
                    measure.id,
                    ("inputs", role),
                    f"indicator {indicator.name!r} reads no input {role!r}; its inputs: {reads}",
                )
            )
        elif source_id not in sources:
            close = difflib.get_close_matches(source_id, sorted(sources), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(loaded.problem(measure.id, ("inputs", role), f"no source with id {source_id!r}{hint}"))
    for role, what in indicator.inputs.items():
        if role not in measure.inputs:
            problems.append(
                loaded.problem(
                    measure.id,
                    "inputs",
                    f"indicator {indicator.name!r} also reads {what}: name its source as inputs.{role} "
                    f'(inputs = {{ {role} = "<source id>" }})',
                )
            )
    return problems


def new_accumulator(plugins: Plugins, name: str, frequency: str) -> Accumulator:
    """A fresh accumulator of the registered indicator ``name`` counting by ``frequency``
    (``month``, ``quarter``, ``year``), checked to be one: anything wrong names its plugin."""
    indicator = plugins.indicators.get(name)
    with plugins.using(plugins.indicators, indicator.name):
        acc = indicator.accumulator(frequency)
        if not isinstance(acc, Accumulator):
            raise TypeError(f"accumulator() gave {type(acc).__name__}, not an Accumulator")
        if set(acc.input_fields) != set(indicator.inputs):
            raise TypeError(
                f"its accumulator reads inputs {sorted(acc.input_fields)}, "
                f"the indicator declares {sorted(indicator.inputs)}"
            )
    return acc


def _indicator_request(loaded: LoadedBoard, measure: Measure, plugins: Plugins) -> IndicatorRequest:
    """The request computing a measure's indicator: its accumulator from the plugin that
    registered it, its source and inputs. A clear error where the measure names it wrongly."""
    problems = indicator_problems(loaded, measure, plugins)
    if problems:
        raise LifError(str(problems[0]))
    indicator = plugins.indicators.get(measure.indicator)
    acc = new_accumulator(plugins, indicator.name, _FREQUENCY[measure.frequency.value])
    by_id = {s.id: s for s in loaded.board.sources}
    source = by_id.get(measure.source or "")
    if source is None:
        raise LifError(str(loaded.problem(measure.id, "source", f"no source with id {measure.source!r}")))
    inputs = {role: by_id[sid] for role, sid in measure.inputs.items()}
    return IndicatorRequest(source, acc, inputs, indicator.name)


def _few(count: int, rule: Rule | None) -> str:
    """A count of children's records as a message may say it: under disclosure control a
    count from 1 to ``smallest - 1`` reads "fewer than 6"."""
    if rule is not None and rule.hides_count(count):
        return f"fewer than {rule.smallest}"
    return f"{count:,}"


def _source_series(
    loaded: LoadedBoard,
    measure: Measure,
    plugins: Plugins,
    pseudo: Pseudonymiser | None,
    computed: _Computed | None,
    rule: Rule | None,
) -> tuple[list[tuple[str, float]], list[Problem], dict[str, str]]:
    assert measure.source is not None
    source = next(s for s in loaded.board.sources if s.id == measure.source)
    report = SourceReport(source.id)
    where = loaded.locate(measure.id, "source")
    labels: dict[str, str] = {}
    if measure.indicator:
        if computed is None:
            (computed,) = _compute(
                loaded,
                [_indicator_request(loaded, measure, plugins)],
                plugins,
                pseudo or Pseudonymiser(board_key(loaded.root)),
            )
        result, report, input_reports = computed
        if rule is not None:
            result = result.protected(rule)  # the scorecard protected it with the rest: returned as it is
        series = result.series(rule=rule)
        labels = result.labels(rule=rule)
        problems = _reading_problems(report, source, rule, where)
        by_id = {s.id: s for s in loaded.board.sources}
        for role, input_report in input_reports.items():
            input_source = by_id[measure.inputs[role]]
            if input_source.id != source.id:
                problems += _reading_problems(
                    input_report, input_source, rule, loaded.locate(measure.id, "inputs", role)
                )
        hidden = [p for p, label in labels.items() if label == SUPPRESSED]
        if hidden:
            problems.append(
                Problem(
                    *where,
                    f"{len(hidden)} period(s) hidden by disclosure control (a small count behind it, or one "
                    "that the periods and totals published beside it would reveal): "
                    + ", ".join(hidden[:12])
                    + (" ..." if len(hidden) > 12 else ""),
                    Severity.WARNING,
                )
            )
        if result.excluded:
            reasons = ", ".join(f"{_few(n, rule)} {why}" for why, n in sorted(result.excluded.items()))
            problems.append(
                Problem(*where, f"{source.id}: records left out of {measure.indicator}: {reasons}", Severity.WARNING)
            )
        if measure.unit is Unit.RATE_PER_10000:
            populations = {o.period: o.value for o in loaded.board.settings.populations}
            rates = []
            for period, count in series:
                if period not in populations:
                    problems.append(
                        Problem(
                            *where,
                            f"no population for {period} in settings.populations: no rate for that period",
                            Severity.WARNING,
                        )
                    )
                    continue
                rate = rate_per_10000(count, populations[period])
                if rate == 0 and count > 0:
                    labels[period] = SMALL_SHARE
                rates.append((period, rate))
            series = rates
        return series, problems, labels
    with plugins.using(plugins.data_sources, source.adapter):
        adapter_fields = plugins.data_sources.get(source.adapter).field_specs(source.options, ())
    if holds_childrens_records(source, adapter_fields):
        raise LifError(
            f"{where[0]}: {where[1]}: source {source.id!r} holds children's records: a measure reads it only through "
            "an indicator, never publishing its values as they are"
        )
    out: list[tuple[str, float]] = []
    found: list[Problem] = []
    for record in read_source(loaded, source, plugins, report, pseudonymiser=pseudo):
        if any(str(record.get(k)) != v for k, v in measure.select.items()):
            continue
        raw_period, value = record.get(measure.period_column), record.get(measure.value_column)
        if raw_period is None or value is None:
            found.append(
                Problem(
                    *where,
                    f"a row of {source.id} has no {measure.period_column} or {measure.value_column}",
                    Severity.WARNING,
                )
            )
            continue
        try:
            out.append((tidy_period(str(raw_period)), float(value)))
        except (TypeError, ValueError):
            found.append(
                Problem(*where, f"{source.id}: {value!r} is not a number for period {raw_period}", Severity.WARNING)
            )
    return out, found + list(report.problems), labels


def _reading_problems(report: SourceReport, source: Source, rule: Rule | None, where: tuple[str, str]) -> list[Problem]:
    """What reading a case-level source found, as a published scorecard may say it: how many
    problems (fewer than the rule's smallest, where few), never each record's line, which in a
    date-ordered extract would count the records between them. The unprotected scorecard lists
    them; `lif data` always does, for the data owner."""
    found = report.errors + report.warnings
    if not found:
        return []
    # What each data-quality check found, by name: records it left out (no indicator counts
    # them), or records counted as given.
    checks = [
        Problem(
            *where,
            f"{source.id}: {_few(report.excluded[check], rule)} record(s) left out of the indicators by the {check} "
            "check (`lif data` lists them)"
            if report.excluded.get(check)
            else f"{source.id}: {_few(n, rule)} record(s) found by the {check} check, counted as given (`lif data` "
            "lists them)",
            Severity.WARNING,
        )
        for check, n in sorted(report.checks.items())
    ]
    if rule is None:
        return list(report.problems) + checks
    others = found - sum(report.checks.values())
    if not others:
        return checks
    return [
        Problem(
            *where,
            f"{source.id}: {_few(others, rule)} {'other ' if checks else ''}problem(s) found reading it: `lif data` "
            "lists them for the data owner",
            Severity.WARNING,
        ),
        *checks,
    ]


def _series(
    loaded: LoadedBoard,
    measure: Measure,
    plugins: Plugins,
    pseudonymiser: Pseudonymiser | None,
    computed: _Computed | None,
    rule: Rule | None,
) -> tuple[list[tuple[str, float]], list[Problem], dict[str, str]]:
    series: dict[str, float] = {o.period: o.value for o in measure.values}
    problems: list[Problem] = []
    labels: dict[str, str] = {}
    if measure.source is not None:
        derived, problems, labels = _source_series(loaded, measure, plugins, pseudonymiser, computed, rule)
        seen: dict[str, float] = {}
        for period, value in derived:
            if period in seen:
                if seen[period] != value:
                    file, path = loaded.locate(measure.id, "select")
                    problems.append(
                        Problem(
                            file,
                            path,
                            f"{measure.source} gives {period} twice ({seen[period]:g} and {value:g}): "
                            "narrow select to one row per period; kept the first",
                            Severity.WARNING,
                        )
                    )
                continue
            seen[period] = value
            if period in series and abs(series[period] - value) > 1e-9:
                file, path = loaded.locate(measure.id, "values")
                problems.append(
                    Problem(
                        file,
                        path,
                        f"{period}: entered {series[period]}, {measure.source} gives {value}: kept the entered value",
                        Severity.WARNING,
                    )
                )
                continue
            series.setdefault(period, value)
        # A value the board entered for a period is its own figure: shown as entered.
        entered = {o.period for o in measure.values}
        labels = {p: label for p, label in labels.items() if p not in entered}
    return sorted(series.items()), problems, labels


def measure_series(
    loaded: LoadedBoard,
    measure: Measure,
    plugins: Plugins,
    pseudonymiser: Pseudonymiser | None = None,
    *,
    rule: Rule | None = None,
    disclosure_control: bool = True,
) -> tuple[list[tuple[str, float]], list[Problem]]:
    """The measure's values by period: those entered, and those from its source. A period given
    twice with different values is reported, and the entered value kept.

    Figures computed from children's records pass disclosure control first, under ``rule``
    (the board's own rule by default), together with every other measure of the board, as the
    scorecard does (a period hidden here could otherwise be worked out from another measure
    on the same source): a period whose figure is hidden is left out.
    ``disclosure_control=False`` gives the unprotected figures, for the data owner's own checks;
    they must never be published."""
    active = active_rule(loaded, rule, disclosure_control)
    if active is not None and measure.indicator:
        scored = scorecard(loaded, plugins, pseudonymiser=pseudonymiser, rule=active)
        mine = next(s for s in scored if s.measure.id == measure.id)
        return list(mine.series), list(mine.problems)
    series, problems, _labels = _series(loaded, measure, plugins, pseudonymiser, None, active)
    return series, problems


def _trend(series: list[tuple[str, float]], polarity: Polarity) -> tuple[str, int, str]:
    if len(series) < 2:
        return "", 0, ""
    values = [v for _, v in series]

    def sign(a: float, b: float) -> str:
        return "up" if b > a else "down" if b < a else "flat"

    direction = sign(values[-2], values[-1])
    run = 1
    for i in range(len(values) - 2, 0, -1):
        if sign(values[i - 1], values[i]) != direction:
            break
        run += 1
    if direction == "flat":
        trend = "no change"
    elif polarity is Polarity.NEITHER:
        trend = ""
    else:
        good = "up" if polarity is Polarity.HIGHER_IS_BETTER else "down"
        trend = "improving" if direction == good else "worsening"
    return direction, run, trend


def score(
    measure: Measure,
    series: list[tuple[str, float]],
    problems: Iterable[Problem] = (),
    labels: Mapping[str, str] | None = None,
    comparators: Mapping[str, str] | None = None,
) -> Score:
    """The scorecard figures for one measure's series (already through disclosure control:
    ``labels`` say which periods were hidden and which read ``k``)."""
    labels = dict(labels or {})
    latest = series[-1] if series else None
    baseline = measure.baseline.value if measure.baseline else (series[0][1] if series else None)
    target = measure.target.value if measure.target else None
    baseline_change = variance = percent = None
    if latest and baseline:
        baseline_change = round((latest[1] - baseline) / baseline * 100, 1)
    if latest and target:
        variance = round((latest[1] - target) / target * 100, 1)
        percent = round(latest[1] / target * 100, 1)
    direction, run, trend = _trend(series, measure.polarity)
    rag = "none"
    if latest and target is not None and measure.polarity is not Polarity.NEITHER:
        met = latest[1] >= target if measure.polarity is Polarity.HIGHER_IS_BETTER else latest[1] <= target
        if met:
            rag = "green"
        elif target and abs(latest[1] - target) <= abs(target) * measure.amber_margin:
            rag = "amber"
        else:
            rag = "red"
    comparisons = []
    if latest:
        by_kind: dict[str, Comparator] = {}
        for c in sorted(measure.comparators, key=lambda c: c.period):
            if c.period <= latest[0] or c.kind not in by_kind:
                by_kind[c.kind] = c
        for kind, c in by_kind.items():
            comparisons.append((kind, c.value, _better(latest[1], c.value, measure.polarity)))
    unit = measure.unit
    prompts: list[str] = []
    successes: list[str] = []
    if latest is None:
        prompts.append(
            "every period is hidden by disclosure control (too few children behind it)"
            if SUPPRESSED in labels.values()
            else "no data yet: nothing shows whether it is changing"
        )

    def shown(point: tuple[str, float]) -> str:
        return labels.get(point[0]) or format_figure(point[1], unit)

    if rag == "red" and latest and target is not None:
        prompts.append(
            f"red: {shown(latest)} in {latest[0]} against a target of {format_figure(target, unit)} ({variance:+.1f}%)"
        )
    elif rag == "amber" and latest and target is not None:
        prompts.append(
            f"amber: {shown(latest)} in {latest[0]} is close to the target of "
            f"{format_figure(target, unit)} but not on it"
        )
    elif rag == "green" and latest and target is not None:
        successes.append(f"on target: {shown(latest)} in {latest[0]} against {format_figure(target, unit)}")
    if trend == "worsening":
        prompts.append(f"worsening for {run} period{'s' if run != 1 else ''} running, to {shown(series[-1])}")
    elif trend == "improving" and run >= 2:
        successes.append(f"improving for {run} periods running, to {shown(series[-1])}")
    for kind, value, verdict in comparisons:
        label = (comparators or {}).get(kind) or kind.replace("-", " ")
        if label.startswith("The "):  # read inside a sentence: "better than the region"
            label = "the " + label[4:]
        if verdict == "worse":
            prompts.append(f"worse than {label} ({format_figure(value, unit)})")
        elif verdict == "better":
            successes.append(f"better than {label} ({format_figure(value, unit)})")
    return Score(
        measure,
        tuple(series),
        latest,
        baseline_change,
        variance,
        percent,
        direction,
        run,
        trend,
        rag,
        tuple(comparisons),
        tuple(prompts),
        tuple(successes),
        tuple(problems),
        labels,
    )


def _family(loaded: LoadedBoard, source: Source) -> tuple[str, str, tuple[tuple[str, OptionValue], ...]]:
    """What a source's indicators are computed from, for disclosure control: its file, read by
    its adapter with its options (two sources naming one file are one family)."""
    return (source.adapter, str(loaded.resolve(source.path)), tuple(sorted(source.options.items())))


def _known_by(
    series: list[tuple[str, float]], labels: dict[str, str], as_of: dt.date, year_starts: str, frequency: Frequency
) -> tuple[list[tuple[str, float]], dict[str, str]]:
    """The points of periods that had ended by ``as_of`` (periods of no known shape are kept);
    ``frequency`` says how to read a period such as ``2011-12`` (a month, or a year)."""
    from .history import period_end

    def known(period: str) -> bool:
        end = period_end(tidy_period(period), year_starts, frequency=frequency)
        return end is None or end <= as_of

    return [p for p in series if known(p[0])], {k: v for k, v in labels.items() if known(k)}


def scorecard(
    loaded: LoadedBoard,
    plugins: Plugins,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    rule: Rule | None = None,
    disclosure_control: bool = True,
    as_of: dt.date | None = None,
) -> list[Score]:
    """Every measure of the board, scored (with ``as_of``, on the periods that had ended by
    that day only: a report as at a past day scores what was known then).

    Figures computed from children's records pass disclosure control before anything is
    scored on them, under ``rule`` (the board's own rule by default): the indicators computed
    from each file are protected together, so a figure hidden in one measure cannot be worked
    out from another measure on the same data at another frequency, and ties between equal
    counts are broken by a hash keyed with the board's own key. ``disclosure_control=False``
    gives the unprotected figures, for the data owner's own checks; they must never be
    published."""
    active = active_rule(loaded, rule, disclosure_control)
    needs_key = any(m.source for m in loaded.board.measures)
    pseudo = pseudonymiser or (Pseudonymiser(board_key(loaded.root)) if needs_key else None)
    # Indicators first, all together: a census feeding several measures is read once.
    indicated = [m for m in loaded.board.measures if m.source and m.indicator]
    computed: dict[str, _Computed] = {}
    if indicated:
        requests = [_indicator_request(loaded, m, plugins) for m in indicated]
        assert pseudo is not None
        results = _compute(loaded, requests, plugins, pseudo)
        if active is not None:
            protected = protect_results(
                [(_family(loaded, q.source), c.result) for q, c in zip(requests, results, strict=True)],
                active,
                salt=pseudo.derived(b"disclosure control: ties"),
            )
            results = [c._replace(result=p) for p, c in zip(protected, results, strict=True)]
        computed = {m.id: r for m, r in zip(indicated, results, strict=True)}
    framework = with_framework(loaded, plugins).framework
    titles = {t.name: t.title for t in framework.comparator_kinds} if framework is not None else {}
    year_starts = year_starts_of(framework)
    out = []
    for measure in loaded.board.measures:
        series, problems, labels = _series(loaded, measure, plugins, pseudo, computed.get(measure.id), active)
        if as_of is not None:
            series, labels = _known_by(series, labels, as_of, year_starts, measure.frequency)
        out.append(score(measure, series, problems, labels, titles))
    return out
