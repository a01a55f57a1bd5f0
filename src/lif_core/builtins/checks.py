"""Builtin checks (hook: register_checks): the rules every board is held to by ``lif validate``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from ..errors import LifError, Problem, Severity
from ..extensions import Check
from ..plugins import hookimpl

if TYPE_CHECKING:
    from ..board import LoadedBoard
    from ..model import Source
    from ..plugins import Plugins

WARNING = Severity.WARNING

#: Key dates of a review in the order they happen (board_response is checked separately).
_DATE_ORDER = ("incident", "notified", "rapid_review", "decided", "commissioned", "report_received", "published")


def methodology_rules(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """Each review run under a methodology is checked by that methodology's plugin."""
    for review in loaded.board.reviews:
        if review.methodology is None:
            continue
        methodology = plugins.methodologies.get(review.methodology)
        with plugins.using(plugins.methodologies, review.methodology):
            found = list(methodology.check(review, loaded))
        for problem in found:
            yield (
                problem
                if problem.source != "lif"
                else Problem(
                    problem.file, problem.path, problem.message, problem.severity, f"methodology:{methodology.name}"
                )
            )


def review_dates(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """A review's key dates happen in order: incident, notification, rapid review, decision,
    commissioning, report, publication; the board's response follows the report."""
    for review in loaded.board.reviews:
        previous: tuple[str, object] | None = None
        for name in _DATE_ORDER:
            value = getattr(review.dates, name)
            if value is None:
                continue
            if previous is not None and value < previous[1]:
                yield loaded.problem(
                    review.id,
                    ("dates", name),
                    f"{value.isoformat()} is before {previous[0]} ({previous[1]}): check both dates",
                )
            previous = (name, value)
        d = review.dates
        if d.board_response and d.report_received and d.board_response < d.report_received:
            yield loaded.problem(
                review.id, ("dates", "board_response"), "the board responded before it received the report"
            )


def inspection_areas(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """An inspection recommendation's areas exist in its framework."""
    for rec in loaded.board.inspection_recommendations:
        framework = plugins.inspection_frameworks.get(rec.framework)
        known = [a.id for a in framework.areas]
        for i, area in enumerate(rec.areas):
            if framework.area(area) is None:
                yield loaded.problem(
                    rec.id, ("areas", i), f"{framework.title} has no area {area!r}; its areas are: {', '.join(known)}"
                )


def group_structure(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Groups report upwards without loops, and the board has a group of kind "board"."""
    groups = {g.id: g for g in loaded.board.groups}
    for group in loaded.board.groups:
        seen = [group.id]
        current = group.reports_to
        while current is not None and current in groups:
            if current in seen:
                yield loaded.problem(group.id, "reports_to", "reporting lines loop: " + " -> ".join([*seen, current]))
                break
            seen.append(current)
            current = groups[current].reports_to
    if groups and not any(g.kind.value == "board" for g in groups.values()):
        yield loaded.problem(None, "groups", 'no group has kind = "board": add the board itself', severity=WARNING)


def functions_owned(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Every statutory function is some group's responsibility (the board must show evidence
    for each of its statutory functions every year)."""
    owned = {r for g in loaded.board.groups for r in g.responsible_for}
    for function in loaded.board.functions:
        if function.id not in owned:
            yield loaded.problem(
                function.id,
                "id",
                "no group lists this statutory function in responsible_for",
                severity=WARNING,
            )


def inspection_supported(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Every inspection recommendation has a framework section, group or action answering it."""
    answered = {s for sec in loaded.board.sections for s in sec.supports}
    answered |= {r for g in loaded.board.groups for r in g.responsible_for}
    answered |= {r.source for r in loaded.board.recommendations if r.source}
    for rec in loaded.board.inspection_recommendations:
        if rec.id not in answered and rec.owner is None:
            yield loaded.problem(
                rec.id,
                "id",
                "nothing answers this inspection recommendation: no framework section supports it, "
                "no group is responsible and it has no owner",
                severity=WARNING,
            )


def priorities_measured(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Every business-plan priority has at least one measure of impact."""
    for priority in loaded.board.priorities:
        if not priority.measures:
            yield loaded.problem(
                priority.id,
                "measures",
                "a priority with no measure: nothing will show whether it made a difference",
                severity=WARNING,
            )


def sources_readable(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """Every data source's file exists inside the board folder and its adapter can open it."""

    for source in loaded.board.sources:
        try:
            path = loaded.resolve(source.path)
        except LifError as exc:
            yield loaded.problem(source.id, "path", str(exc))
            continue
        if not path.is_file():
            yield loaded.problem(source.id, "path", f"no file {source.path!r} in the board folder")
            continue
        adapter = plugins.data_sources.get(source.adapter)
        with plugins.using(plugins.data_sources, source.adapter):
            messages = adapter.check(path, source.options)
        if messages:
            from ..data import name_file  # only when there is something to say: a light import

            for message in messages:
                yield loaded.problem(source.id, "path", name_file(message, source.path, path))


def actions_linked(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Every action serves a recommendation or a priority, so its impact can be traced."""
    for action in loaded.board.actions:
        if action.recommendation is None and action.priority is None:
            yield loaded.problem(
                action.id, "recommendation", "not linked to a recommendation or a priority", severity=WARNING
            )


def quality_markers(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """A review's quality checklist names each of the 18 markers at most once."""
    from ..quality import MARKER_IDS

    for review in loaded.board.reviews:
        seen: set[str] = set()
        for i, assessment in enumerate(review.quality):
            if assessment.marker not in MARKER_IDS:
                yield loaded.problem(
                    review.id,
                    ("quality", i, "marker"),
                    f"{assessment.marker!r} is not one of the 18 quality markers: {', '.join(sorted(MARKER_IDS))}",
                )
            elif assessment.marker in seen:
                yield loaded.problem(review.id, ("quality", i, "marker"), f"{assessment.marker!r} is assessed twice")
            seen.add(assessment.marker)


def recommendation_count(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """A review that proliferates recommendations (research found about 47 per review)
    is hard to embed; warn past the board's limit."""
    limit = loaded.board.settings.recommendation_warning
    counts: dict[str, int] = {}
    for rec in loaded.board.recommendations:
        if rec.source is not None:
            counts[rec.source] = counts.get(rec.source, 0) + 1
    for review in loaded.board.reviews:
        n = counts.get(review.id, 0)
        if n > limit:
            yield loaded.problem(
                review.id,
                "id",
                f"{n} recommendations (the board's limit is {limit}): many recommendations, especially on "
                "procedures, make learning harder to embed (research on case reviews found about 47 a review); "
                "consider fewer, system-level ones",
                severity=WARNING,
            )


def identifiers_kept(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """A source never redeclares what its format holds as a child's identifier, date of birth
    or postcode as plain values (it may drop it)."""
    from ..data import weakened_fields

    for source in loaded.board.sources:
        if source.adapter not in plugins.data_sources:
            continue
        with plugins.using(plugins.data_sources, source.adapter):
            adapter_fields = plugins.data_sources.get(source.adapter).field_specs(source.options, ())
        for name in weakened_fields(source, adapter_fields):
            yield loaded.problem(
                source.id,
                ("fields", name),
                f"the {source.adapter} format holds a child's identifier, date of birth or postcode here "
                f'({adapter_fields[name]}): declare it that way, or "drop" it; it cannot be read as plain values',
            )


def measures_fed(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """A measure's indicator is one a plugin registers, counted at the measure's frequency,
    with a source to compute it from and a source for each further input it reads;
    ``select`` is only for aggregate sources; and every field the measure reads is one the
    source it reads it from declares (undeclared columns are not read)."""
    from ..data import holds_childrens_records
    from ..measures import _FREQUENCY, indicator_problems, new_accumulator

    sources = {s.id: s for s in loaded.board.sources}
    for measure in loaded.board.measures:
        wrong = indicator_problems(loaded, measure, plugins)
        yield from wrong
        if (measure.indicator or measure.select) and measure.source is None:
            yield loaded.problem(measure.id, "source", "indicator and select need a source to read")
        if measure.indicator and measure.select:
            yield loaded.problem(
                measure.id, "select", "give either indicator (case-level) or select (aggregate), not both"
            )
        source = sources.get(measure.source or "")
        if source is None or source.adapter not in plugins.data_sources:
            continue
        adapter_fields = _adapter_fields(source, plugins)
        if not measure.indicator and holds_childrens_records(source, adapter_fields):
            yield loaded.problem(
                measure.id,
                "source",
                f"source {source.id!r} holds children's records (it has identifying fields): a measure reads it only "
                "through an indicator, never publishing its values as they are",
            )
            continue
        # Each source read, with the fields read from it and where the measure says so.
        reads: list[tuple[Source, list[tuple[str | tuple[str, str], str]]]] = []
        if measure.indicator and not wrong:
            acc = new_accumulator(plugins, measure.indicator, _FREQUENCY[measure.frequency.value])
            reads.append((source, [("indicator", f) for f in acc.fields if f is not None]))
            for role, fields in acc.input_fields.items():
                other = sources.get(measure.inputs.get(role, ""))
                if other is not None and other.adapter in plugins.data_sources:
                    reads.append((other, [(("inputs", role), f) for f in fields if f is not None]))
        elif not measure.indicator:
            needs: list[tuple[str | tuple[str, str], str]] = [(("select", key), key) for key in measure.select]
            needs += [("period_column", measure.period_column), ("value_column", measure.value_column)]
            reads.append((source, needs))
        for read, needs in reads:
            specs = {**_adapter_fields(read, plugins), **read.fields}
            declared = {read.rename.get(name, name) for name, spec in specs.items() if spec != "drop"}
            for where, field in needs:
                if field not in declared:
                    yield loaded.problem(
                        measure.id,
                        where,
                        f"reads {field!r}, which source {read.id!r} does not declare: add it to the source's fields "
                        f'(e.g. fields.{field} = "text"); undeclared columns are not read',
                    )


def _adapter_fields(source: Source, plugins: Plugins) -> Mapping[str, str]:
    """The fields a source's adapter declares for its format."""
    with plugins.using(plugins.data_sources, source.adapter):
        return plugins.data_sources.get(source.adapter).field_specs(source.options, ())


CHECKS = (
    Check("methodology", "reviews are checked by their methodology's plugin", methodology_rules),
    Check("review-dates", "a review's key dates are in order", review_dates),
    Check("inspection-areas", "inspection recommendations name areas their framework has", inspection_areas),
    Check("group-structure", "reporting lines have no loops; the board itself is listed", group_structure),
    Check("functions-owned", "every statutory function is a group's responsibility", functions_owned),
    Check("inspection-supported", "every inspection recommendation is answered by something", inspection_supported),
    Check("priorities-measured", "every priority has a measure", priorities_measured),
    Check("sources-readable", "every data source can be opened by its adapter", sources_readable),
    Check("actions-linked", "every action serves a recommendation or priority", actions_linked),
    Check("quality-markers", "review quality checklists name the 18 markers", quality_markers),
    Check("recommendation-count", "reviews do not proliferate recommendations", recommendation_count),
    Check("identifiers-kept", "no source reads a format's identifying fields as plain values", identifiers_kept),
    Check(
        "measures-fed",
        "measures' indicators are registered and counted at their frequency, with sources declaring what they read",
        measures_fed,
    ),
)


@hookimpl(trylast=True)
def register_checks(register: Callable[[Check], None]) -> None:
    for check in CHECKS:
        register(check)
