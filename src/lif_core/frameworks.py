"""Statutory frameworks: the law and guidance a board works under, as data a plugin registers.

The core knows the *shape* of safeguarding arrangements (a board has partners, roles, statutory
functions, duties, reviews of several kinds that move through stages and run against clocks,
recurring publications, inspections); a :class:`StatutoryFramework` supplies the *vocabulary*:
which arrangement it is (an LSCB, a safeguarding partnership, a Welsh regional board, a child
protection committee), its roles, function kinds, partner duties, review kinds with their own
stage order, decisions and clocks, evidence and comparator kinds, grade scales, the holiday
calendar, the recurring obligations (a yearly report; an annual plan and annual report) and the
words reports use. A board names its framework in ``board.statutory_framework``; every name a
board uses from that vocabulary is checked against it, with the key path and "did you mean".

Frameworks are registered through the ``register_statutory_frameworks`` hook. Most are pure
data: write the framework as TOML and register ``StatutoryFramework.from_toml(text)``.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from .errors import BoardInvalid, LifError, Problem, format_path
from .files import UnreadableFile, parse_text, suggest, too_deep
from .model import FieldError

__all__ = [
    "DEFAULT_FRAMEWORK",
    "LIFECYCLE",
    "PLURALS",
    "VOCABULARIES",
    "Calendar",
    "ClockRule",
    "DueRule",
    "GradeScale",
    "ObligationKind",
    "ReviewKindSpec",
    "Role",
    "StatutoryFramework",
    "Term",
    "Words",
    "due_date",
    "framework_document",
    "frameworks_document",
    "indefinite",
    "period_bounds",
]

#: The framework a board works under when ``board.statutory_framework`` is absent: the current
#: English edition (provided by the ``lif-england`` plugin).
DEFAULT_FRAMEWORK = "england-wt2023"

#: The usual learning lifecycle of a review, from referral to evaluated learning: the stage
#: names every framework has. A framework may add its own (:attr:`StatutoryFramework.stages`)
#: and each review kind orders the ones it uses (:attr:`ReviewKindSpec.stages`).
LIFECYCLE: tuple[str, ...] = (
    "referral",
    "decision",
    "commissioning",
    "information-gathering",
    "practitioner-involvement",
    "family-involvement",
    "analysis",
    "report",
    "board-response",
    "publication",
    "dissemination",
    "embedding",
    "evaluation",
    "closed",
)

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
_DATE_FIELDS = (
    "incident",
    "aware",
    "notified",
    "rapid_review",
    "decided",
    "commissioned",
    "report_received",
    "board_response",
    "published",
)


def _check_name(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise FieldError(
            attribute.name,
            f"{value!r} is not a name: lower-case letters, digits, '-', '_' or '.', starting with a letter or digit",
        )


def _check_text(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(attribute.name, "must not be blank")


def _name() -> Any:
    return attrs.field(validator=_check_name)


def _between(low: int, high: int) -> Any:
    """A whole number from ``low`` to ``high``."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            raise FieldError(attribute.name, f"must be a whole number from {low} to {high}, not {value!r}")

    return check


def _check_sectors(sectors: tuple[str, ...]) -> None:
    from .model import Sector

    for sector in sectors:
        if sector not in Sector.values():
            raise FieldError("sectors", f"{sector!r} is not a sector; use {', '.join(Sector.values())}")
    if len(set(sectors)) != len(sectors):
        raise FieldError("sectors", "a sector is listed twice")


def _check_month_day(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        month, day = (int(p) for p in value.split("-")) if re.fullmatch(r"[0-9]{2}-[0-9]{2}", value) else (0, 0)
        dt.date(2023, month, day)  # a year with no 29 February: a year must start on every year's calendar
    except ValueError:
        month = 0
    if not month:
        raise FieldError(attribute.name, f"{value!r} is not a month and day every year has, written MM-DD (04-01)")


def _title() -> Any:
    return attrs.field(validator=_check_text)


@attrs.frozen(kw_only=True)
class Term:
    """One word of a framework's vocabulary: the name boards write, and what it means.

    Attributes:
        name: what boards write (``children-act-2004-s11``).
        title: how reports say it (``Children Act 2004, section 11``).
        description: a sentence on what it is.
        source: where it comes from (the Act, regulation or guidance and its section).
        minimum: for function kinds, how many functions of this kind the framework expects a
            board to list (0: none required).
    """

    name: str = _name()
    title: str = _title()
    description: str = ""
    source: str = ""
    minimum: int = attrs.field(default=0, validator=_between(0, 1000))


@attrs.frozen(kw_only=True)
class Role:
    """A role in the arrangements, held by a partner agency or by a person.

    Attributes:
        holder: ``agency`` (a partner's ``roles``) or ``person`` (a ``[[people]]`` entry).
        minimum: how many holders the framework expects (0: optional).
        sectors: where the framework names one holder per sector (the local authority, health
            and the police), the sectors that must each have one.
        independent: the holder must be independent of the partners (an independent scrutineer).
        delegates_to: the role a holder may delegate to (a lead safeguarding partner's delegate).
    """

    name: str = _name()
    title: str = _title()
    description: str = ""
    source: str = ""
    holder: str = attrs.field(default="agency", validator=attrs.validators.in_(("agency", "person")))
    minimum: int = attrs.field(default=0, validator=_between(0, 1000))
    sectors: tuple[str, ...] = attrs.field(default=(), validator=lambda i, a, v: _check_sectors(v))
    independent: bool = False
    delegates_to: str = ""


@attrs.frozen(kw_only=True)
class ClockRule:
    """A statutory clock on reviews of one kind: from the first of ``start`` dates present to
    ``end``, allowed ``working_days``, ``days`` or ``months``.

    Attributes:
        name: what reports call it (``rapid review (15 working days from notification)``).
        start: review date fields that start it, first present wins (``["aware", "incident"]``).
        end: the review date field that stops it.
        working_days / days / months: the time allowed (exactly one).
        setting: a ``[settings]`` key whose value, where the board sets it, replaces ``months``
            (``publication_months``).
    """

    name: str = _title()
    start: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    end: str
    working_days: int | None = None
    days: int | None = None
    months: int | None = None
    setting: str = ""

    def __attrs_post_init__(self) -> None:
        if self.setting:
            from .model import Settings

            numbers = [f.name for f in attrs.fields(Settings) if f.type in (int, "int")]
            if self.setting not in numbers:
                known = ", ".join(numbers)
                raise FieldError("setting", f"{self.setting!r} is not a whole-number [settings] key: {known}")
            if self.months is None:
                raise FieldError("setting", "only a clock in months takes its length from a setting")
        for field in (*self.start, self.end):
            if field not in _DATE_FIELDS:
                raise ValueError(f"{field!r} is not a review date; use one of {', '.join(_DATE_FIELDS)}")
        given = [n for n in ("working_days", "days", "months") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of working_days, days or months")
        value = getattr(self, given[0])
        if not isinstance(value, int) or not 0 <= value <= 10_000:
            raise ValueError(f"{given[0]} must be a whole number from 0 to 10000")


@attrs.frozen(kw_only=True)
class ReviewKindSpec:
    """A kind of review the framework provides, with its own lifecycle.

    Attributes:
        stages: the stages a review of this kind moves through, in order (names from
            :data:`LIFECYCLE` or the framework's own ``stages``); stages may be skipped, never
            reversed.
        decisions: the outcomes the review's ``decision`` may record (a rapid review: whether a
            local child safeguarding practice review follows; a Welsh child practice review:
            concise or extended).
        decision_stage: from this stage on, the review should have recorded its ``decision``.
        clocks: its statutory clocks.
        published: reviews of this kind are published (their reports are public).
        ended: the last date a review of this kind could be decided (serious case reviews gave
            way to LCSPRs in 2019); later ones are warned about.
        replaced_by: the kind that replaced it, for that warning.
    """

    name: str = _name()
    title: str = _title()
    description: str = ""
    source: str = ""
    stages: tuple[str, ...] = LIFECYCLE
    decisions: tuple[Term, ...] = ()
    decision_stage: str = ""
    clocks: tuple[ClockRule, ...] = ()
    published: bool = False
    ended: dt.date | None = None
    replaced_by: str = ""

    def decision(self, name: str) -> Term | None:
        return next((d for d in self.decisions if d.name == name), None)


@attrs.frozen(kw_only=True)
class GradeScale:
    """A scale audits or self-assessments are graded on, best first."""

    name: str = _name()
    title: str = _title()
    values: tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    source: str = ""


@attrs.frozen(kw_only=True)
class DueRule:
    """When a recurring publication for a period is due.

    Attributes:
        after: ``period-start``, ``period-end`` or ``previous`` (the last publication of the
            same kind: "at least once in every 12-month period").
        months / days: how long after (negative: before) that.
    """

    after: str = attrs.field(validator=attrs.validators.in_(("period-start", "period-end", "previous")))
    months: int = attrs.field(default=0, validator=_between(-120, 120))
    days: int = attrs.field(default=0, validator=_between(-3660, 3660))


@attrs.frozen(kw_only=True)
class ObligationKind:
    """Something the arrangements must publish every period (a yearly report; an annual plan
    and an annual report), recorded by boards as ``[[publications]]``.

    Attributes:
        year_starts: the month and day the reporting year starts (``04-01``: April to March).
        due: when the publication for a year is due.
        sent_to: who it must also be sent to, where the guidance says so.
        sent_within_days: how many days after publication it must be sent.
    """

    name: str = _name()
    title: str = _title()
    description: str = ""
    source: str = ""
    year_starts: str = attrs.field(default="04-01", validator=_check_month_day)
    due: DueRule = attrs.field(factory=lambda: DueRule(after="period-end", months=12))
    sent_to: str = ""
    sent_within_days: int | None = attrs.field(default=None, validator=_between(0, 3660))


@attrs.frozen(kw_only=True)
class Calendar:
    """The holiday calendar working-day clocks use.

    Attributes:
        country: the ISO 3166 country code the ``holidays`` library knows (``GB``); blank for
            Monday to Friday with no public holidays.
        subdivision: the part of it (``ENG``, ``WLS``, ``SCT``, ``NIR``).
        title: how reports name it (``England's bank holidays``).
    """

    country: str = ""
    subdivision: str = ""
    title: str = ""


@attrs.frozen(kw_only=True)
class Words:
    """The words reports use for the framework's things (core defaults are neutral).

    Attributes:
        functions: the heading of the statutory functions section.
        duty_audit: what partners' safeguarding self-assessments are called (``Section 11``).
        chair: the title of whoever chairs the arrangements.
        disclosure_rule: whose rule the small-number suppression follows, for the report's note.
        board: what reports call the arrangements in a sentence ("the partnership's judgement",
            "the Board's judgement"): ``partnership``, ``Board``.
    """

    functions: str = "Statutory functions"
    duty_audit: str = "Partner safeguarding self-assessment"
    chair: str = "Chair"
    disclosure_rule: str = ""
    board: str = "board"


#: Theme taxonomies shipped with lif-core, loaded unless ``[settings] default_themes`` says not.
TAXONOMIES = ("cin-assessment-factors", "practice-system")

#: The vocabularies boards' fields are checked against: the metadata key ``term`` on a model
#: field names one of these (the value is what one item is called; :data:`PLURALS` the many).
VOCABULARIES: dict[str, str] = {
    "roles": "role",
    "function_kinds": "function kind",
    "duties": "partner duty",
    "review_kinds": "review kind",
    "evidence_kinds": "evidence kind",
    "comparator_kinds": "comparator kind",
    "grade_scales": "grade scale",
    "obligations": "publication kind",
    "plan_kinds": "statutory plan kind",
}
PLURALS: dict[str, str] = {
    "roles": "roles",
    "function_kinds": "function kinds",
    "duties": "partner duties",
    "review_kinds": "review kinds",
    "evidence_kinds": "evidence kinds",
    "comparator_kinds": "comparator kinds",
    "grade_scales": "grade scales",
    "obligations": "publication kinds",
    "plan_kinds": "statutory plan kinds",
}


@attrs.frozen(kw_only=True)
class ReportPart:
    """One section of a report definition.

    Attributes:
        section: the report section it shows, by name (as a plugin registers it: ``lif
            plugins`` lists them).
        title: its heading in this report (the section's own title if blank).
        narrative: the board's own text for it, a Markdown file in the board folder (a board's
            ``report.toml`` only; by default ``narrative/<section>.md`` where that exists, and
            for the generic ``narrative`` section ``narrative/<title as a file name>.md``:
            "Working with other bodies" is ``narrative/working-with-other-bodies.md``).
        required: the guidance requires the report to cover it: ``lif validate`` warns while
            the board has not filled it.
        guidance: what the guidance asks of it, in a sentence, for that warning.
        options: settings for the section, as it documents them.
    """

    section: str = attrs.field(validator=_check_name)
    title: str = ""
    narrative: str = ""
    required: bool = False
    guidance: str = ""
    options: dict[str, str | int | float | bool] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ReportDefinition:
    """What a report holds: its title and its sections, in order.

    A statutory framework gives its yearly report's (``[report]`` in its TOML); a board may
    replace it with a ``report.toml`` in its folder, in the same shape.

    Attributes:
        title: the report's title (``Yearly report``), after the board's name.
        sections: the sections, in reading order.
    """

    title: str = "Annual report"
    sections: tuple[ReportPart, ...] = ()

    def problems(self) -> Iterable[tuple[str, str]]:
        """``(key path, message)`` for what is wrong in the definition itself."""
        seen: dict[tuple[str, str], int] = {}
        for i, part in enumerate(self.sections):
            key = (part.section, part.title)
            if key in seen:
                yield (
                    f"sections[{i}]",
                    f"section {part.section!r} is listed twice (also sections[{seen[key]}]): "
                    "give each a different title, or drop one",
                )
            seen.setdefault(key, i)


@attrs.frozen(kw_only=True)
class StatutoryFramework:
    """The law and guidance a board works under, with everything it names.

    Attributes:
        name: what boards write in ``board.statutory_framework`` (``england-wt2023``).
        title: its full name.
        country: the nation it applies in (``england``, ``wales``, ``scotland``,
            ``northern-ireland``).
        edition: the edition of the guidance (``2023``).
        description: what it is, in a sentence or two.
        sources: the Acts, regulations and guidance it is drawn from.
        arrangement: what the local arrangement is (an LSCB, a safeguarding partnership, a
            regional safeguarding board).
        roles: the roles in the arrangements.
        function_kinds: the kinds of statutory function a board may list.
        duties: the statutory duties partner agencies may hold.
        evidence_kinds: the kinds of evidence a board may record.
        comparator_kinds: what measures may be compared with (England, Wales, a region...).
        plan_kinds: the statutory plans a child may have had (a child protection plan, being
            looked after...), recorded on reviews' ``statutory_plans``.
        review_kinds: the kinds of review, each with its stages, decisions and clocks.
        stages: stage names beyond the usual :data:`LIFECYCLE`.
        grade_scales: the scales audits and self-assessments may use.
        audit_scale: the scale audit domains are graded on unless an audit names another.
        self_assessment_scale: the scale partners' safeguarding self-assessments (Section 11 in
            England) are scored on unless a cycle names another.
        obligations: recurring publications (the yearly report; the annual plan and report).
        calendar: the holiday calendar for working-day clocks.
        inspection_frameworks: inspection frameworks boards under it are inspected against
            (names a plugin registers); missing ones are reported as warnings.
        report_functions: function kinds the report's coverage section lists (all if empty).
        voice_evidence_kinds: the evidence kinds that record children's and families' own
            voices, for the report's participation section.
        themes: the theme taxonomies shipped with lif-core that a board under it loads unless
            its ``settings.default_themes`` says otherwise (``cin-assessment-factors`` is
            England's CIN census; ``practice-system`` fits any board).
        words: how reports say things.
        report: the definition of its yearly (annual) report: the sections the guidance asks
            for, in order, each marked ``required`` where the guidance requires it.
        templates: the files ``lif init --framework NAME`` writes for a new board, by file name
            (``board.toml``, ``register.toml``), with ``{{name}}``, ``{{area}}`` and ``{{id}}``
            replaced; each new board must validate as created. Not read from TOML: a plugin
            adds them (``attrs.evolve(framework, templates=...)``).
    """

    name: str = _name()
    title: str = _title()
    country: str = _name()
    edition: str = ""
    description: str = ""
    sources: tuple[str, ...] = ()
    arrangement: Term
    roles: tuple[Role, ...] = ()
    function_kinds: tuple[Term, ...] = ()
    duties: tuple[Term, ...] = ()
    review_kinds: tuple[ReviewKindSpec, ...] = ()
    stages: tuple[Term, ...] = ()
    evidence_kinds: tuple[Term, ...] = ()
    comparator_kinds: tuple[Term, ...] = ()
    plan_kinds: tuple[Term, ...] = ()
    grade_scales: tuple[GradeScale, ...] = ()
    audit_scale: str = ""
    self_assessment_scale: str = ""
    obligations: tuple[ObligationKind, ...] = ()
    calendar: Calendar = attrs.field(factory=Calendar)
    inspection_frameworks: tuple[str, ...] = ()
    report_functions: tuple[str, ...] = ()
    voice_evidence_kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    words: Words = attrs.field(factory=Words)
    report: ReportDefinition | None = None
    templates: dict[str, str] = attrs.field(factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        problems = list(self._problems())
        if problems:
            raise ValueError("; ".join(problems))

    def _problems(self) -> Iterable[str]:
        for vocabulary in (*VOCABULARIES, "stages"):
            names = [item.name for item in getattr(self, vocabulary)]
            yield from (
                f"{vocabulary}: {n!r} is listed twice" for n in sorted({n for n in names if names.count(n) > 1})
            )
        for scale in self.grade_scales:
            if len(set(scale.values)) != len(scale.values):
                yield f"grade_scales {scale.name!r}: a value is listed twice"
        stages = set(self.stage_names())
        for kind in self.review_kinds:
            if not kind.stages:
                yield f"review_kinds {kind.name!r}: stages is empty: list the stages its reviews move through"
            decisions = [d.name for d in kind.decisions]
            if len(set(decisions)) != len(decisions):
                yield f"review_kinds {kind.name!r}: a decision is listed twice"
            if kind.decision_stage and not kind.decisions:
                yield f"review_kinds {kind.name!r}: decision_stage is set but there are no decisions to record"
            if kind.replaced_by == kind.name:
                yield f"review_kinds {kind.name!r}: replaced_by names the kind itself"
            for stage in kind.stages:
                if stage not in stages:
                    yield f"review_kinds {kind.name!r}: stage {stage!r} is neither a lifecycle stage nor in stages"
            if len(set(kind.stages)) != len(kind.stages):
                yield f"review_kinds {kind.name!r}: a stage is listed twice"
            if kind.decision_stage and kind.decision_stage not in kind.stages:
                yield f"review_kinds {kind.name!r}: decision_stage {kind.decision_stage!r} is not one of its stages"
            if kind.replaced_by and kind.replaced_by not in self.names("review_kinds"):
                yield f"review_kinds {kind.name!r}: replaced_by {kind.replaced_by!r} is not a review kind"
        for key in ("audit_scale", "self_assessment_scale"):
            value = getattr(self, key)
            if value and value not in self.names("grade_scales"):
                yield f"{key} {value!r} is not one of grade_scales"
        for role in self.roles:
            if role.delegates_to and role.delegates_to not in self.names("roles"):
                yield f"roles {role.name!r}: delegates_to {role.delegates_to!r} is not a role"
            seen, current = [role.name], role.delegates_to
            while current and current not in seen:
                seen.append(current)
                current = next((r.delegates_to for r in self.roles if r.name == current), "")
            if current:
                yield f"roles {role.name!r}: delegates_to runs in a loop: {' -> '.join([*seen, current])}"
            if role.sectors and role.minimum and role.minimum < len(role.sectors):
                yield f"roles {role.name!r}: minimum {role.minimum} is fewer than its {len(role.sectors)} sectors"
        for kind_name in self.report_functions:
            if kind_name not in self.names("function_kinds"):
                yield f"report_functions: {kind_name!r} is not a function kind"
        for taxonomy in self.themes:
            if taxonomy not in TAXONOMIES:
                yield f"themes: no theme taxonomy {taxonomy!r} ships with lif-core; available: {', '.join(TAXONOMIES)}"
        if self.report is not None:
            yield from (f"report.{where}: {message}" for where, message in self.report.problems())
        for kind_name in self.voice_evidence_kinds:
            if kind_name not in self.names("evidence_kinds"):
                yield f"voice_evidence_kinds: {kind_name!r} is not an evidence kind"

    # -- reading the vocabulary ------------------------------------------------------------

    def names(self, vocabulary: str) -> tuple[str, ...]:
        """The names of one vocabulary (``review_kinds``, ``duties``, ...), in order."""
        return tuple(item.name for item in getattr(self, vocabulary))

    def term(self, vocabulary: str, name: str) -> Any:
        """The item called ``name`` in ``vocabulary``, or None."""
        return next((item for item in getattr(self, vocabulary) if item.name == name), None)

    def title_of(self, vocabulary: str, name: str) -> str:
        """How reports say ``name`` (its title), or the name itself where it is unknown."""
        item = self.term(vocabulary, name)
        return str(item.title) if item is not None else name

    def review_kind(self, name: str) -> ReviewKindSpec | None:
        found: ReviewKindSpec | None = self.term("review_kinds", name)
        return found

    def stage_names(self) -> tuple[str, ...]:
        """Every stage name a review under this framework may use."""
        return (*LIFECYCLE, *(s.name for s in self.stages if s.name not in LIFECYCLE))

    def stages_of(self, kind: str) -> tuple[str, ...]:
        """The stage order of reviews of ``kind`` (the usual lifecycle for an unknown kind)."""
        spec = self.review_kind(kind)
        return spec.stages if spec is not None else LIFECYCLE

    def scale(self, name: str) -> GradeScale | None:
        found: GradeScale | None = self.term("grade_scales", name)
        return found

    # -- reading one from data ---------------------------------------------------------------

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, file: str = "<framework>") -> StatutoryFramework:
        """A framework from plain data (as read from TOML); every problem is reported at once,
        each with its key path, as :class:`~lif_core.BoardInvalid`."""
        from .convert import iter_errors, structure

        if not isinstance(data, Mapping):
            raise BoardInvalid([Problem(file, "", "expected a table at the top level")])
        if "templates" in data:
            message = "unknown key: a framework's board templates are added by its plugin, not read from data"
            raise BoardInvalid([Problem(file, "templates", message)])
        deep = too_deep(data)
        if deep is not None:
            raise BoardInvalid([Problem(file, format_path(deep), "nested too deeply: not a framework")])
        try:
            return structure(dict(data), cls)
        except Exception as exc:  # noqa: BLE001 - reported with key paths
            problems = [Problem(file, format_path(path), message) for path, message in iter_errors(exc, (), cls)]
            if not problems:
                problems = [Problem(file, "", str(exc))]
            raise BoardInvalid(problems) from None

    @classmethod
    def from_toml(cls, text: str, *, file: str = "<framework>") -> StatutoryFramework:
        """A framework from the text of a TOML file (see docs/frameworks.md for the format)."""

        try:
            data = parse_text(text, "toml", name=file)
        except UnreadableFile as exc:
            raise BoardInvalid([Problem(file, "", exc.reason)]) from None
        return cls.from_data(data, file=file)

    @classmethod
    def from_resource(cls, package: str, name: str) -> StatutoryFramework:
        """A framework shipped as a TOML file inside a Python package (``importlib.resources``)."""
        from importlib import resources

        text = (resources.files(package) / name).read_text(encoding="utf-8")
        return cls.from_toml(text, file=f"{package}/{name}")


def indefinite(noun: str) -> str:
    """``noun`` with its indefinite article: ``an evidence kind``, ``a rapid review``."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def year_starts_of(framework: StatutoryFramework | None) -> str:
    """The month and day a board's reporting year starts (``MM-DD``): its framework's
    recurring publications' (April in England and Wales), else April."""
    if framework is not None and framework.obligations:
        return framework.obligations[0].year_starts
    return "04-01"


def period_bounds(period: str, year_starts: str = "04-01") -> tuple[dt.date, dt.date]:
    """The first and last day of a reporting year written ``2025-26`` (or ``2025``), for a
    year starting on ``year_starts`` (``MM-DD``).

    Raises:
        LifError: the period is not a year written that way.
    """
    calendar_year = year_starts == "01-01"
    match = re.fullmatch(r"([0-9]{4})" if calendar_year else r"([0-9]{4})-([0-9]{2})", period)
    if not match:
        example = (
            "2025 (its years are calendar years)" if calendar_year else "2025-26 (the year it starts, then the next)"
        )
        raise LifError(f"{period!r} is not a reporting year: write it as {example}")
    first = int(match.group(1))
    if not calendar_year and int(match.group(2)) != (first + 1) % 100:
        raise LifError(f"{period!r} is not a reporting year: the second year must follow the first (2025-26)")
    month, day = (int(p) for p in year_starts.split("-"))
    if not 1900 <= first <= 2099:
        raise LifError(f"{period!r} is not a reporting year from 1900 to 2099")
    start = dt.date(first, month, day)
    end = _add_months(start, 12) - dt.timedelta(days=1)
    return start, end


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    year = min(max(year, dt.MINYEAR), dt.MAXYEAR)
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def due_date(kind: ObligationKind, period: str, previous: dt.date | None) -> dt.date | None:
    """When ``kind``'s publication for ``period`` is due (None where it runs from a previous
    publication and there is none)."""
    start, end = period_bounds(period, kind.year_starts)
    rule = kind.due
    if rule.after == "previous":
        if previous is None:
            return None
        anchor = previous
    else:
        anchor = start if rule.after == "period-start" else end
    day = _add_months(anchor, rule.months) if rule.months else anchor
    return day + dt.timedelta(days=rule.days)


# --------------------------------------------------------------------------- describing


def frameworks_document(frameworks: Iterable[tuple[StatutoryFramework, str]]) -> Any:
    """A :class:`~lif_core.document.Document` listing frameworks with the plugin of each."""
    from .document import Document, Paragraph, Section, Table

    rows = tuple(
        (f.name, f.title, f.country, f.arrangement.title, plugin)
        for f, plugin in sorted(frameworks, key=lambda p: p[0].name)
    )
    body: Any = (
        Table(("Name", "Title", "Country", "Arrangement", "Plugin"), rows)
        if rows
        else Paragraph(
            "No statutory framework is installed: install lif-england or lif-wales, or a plugin of your own."
        )
    )
    return Document(
        kind="statutory-frameworks",
        title="Statutory frameworks installed",
        subtitle=f"A board names one in board.statutory_framework ({DEFAULT_FRAMEWORK} where absent)",
        sections=(Section("Frameworks", (body,)),),
    )


def framework_document(framework: StatutoryFramework, plugin: str = "") -> Any:
    """A :class:`~lif_core.document.Document` with everything ``framework`` gives a board."""
    from .document import BulletList, Document, Facts, Paragraph, Section, Table

    def terms(items: Iterable[Term]) -> Table:
        return Table(("Name", "Title", "Source"), tuple((t.name, t.title, t.source) for t in items))

    def clock(rule: ClockRule) -> str:
        allowed = (
            f"{rule.working_days} working days"
            if rule.working_days is not None
            else f"{rule.days} days"
            if rule.days is not None
            else f"{rule.months} months" + (f" (settings.{rule.setting})" if rule.setting else "")
        )
        return f"{rule.name}: {' or '.join(rule.start)} to {rule.end}, {allowed}"

    cal = framework.calendar
    facts = [
        ("Name", framework.name),
        ("Country", framework.country),
        ("Edition", framework.edition or "-"),
        ("Arrangement", f"{framework.arrangement.title} ({framework.arrangement.name})"),
        ("Holidays", cal.title or (f"{cal.country}-{cal.subdivision}" if cal.country else "none: Monday to Friday")),
        ("Audit grade scale", framework.audit_scale or "-"),
        ("Self-assessment scale", framework.self_assessment_scale or "-"),
        ("Inspected against", ", ".join(framework.inspection_frameworks) or "-"),
    ]
    if plugin:
        facts.append(("Provided by", plugin))
    sections = [Section("Overview", (Paragraph(framework.description or framework.title), Facts(tuple(facts))))]
    if framework.sources:
        sections.append(Section("Sources", (BulletList(framework.sources),)))
    sections.append(
        Section(
            "Roles",
            (
                Table(
                    ("Name", "Title", "Held by", "Expected", "Source"),
                    tuple(
                        (
                            r.name,
                            r.title,
                            ("a person" if r.holder == "person" else "a partner agency")
                            + (", independent" if r.independent else ""),
                            (f"at least {r.minimum}" if r.minimum else "optional")
                            + (f", one each for {', '.join(r.sectors)}" if r.sectors else "")
                            + (f"; delegates to {r.delegates_to}" if r.delegates_to else ""),
                            r.source,
                        )
                        for r in framework.roles
                    ),
                ),
            ),
        )
    )
    kinds = []
    for kind in framework.review_kinds:
        details = [Paragraph(kind.description)] if kind.description else []
        kind_facts = [("Stages", " -> ".join(kind.stages))]
        if kind.decisions:
            kind_facts.append(("Decisions", "; ".join(f"{d.name}: {d.title}" for d in kind.decisions)))
            if kind.decision_stage:
                kind_facts.append(("Decided at", f"the {kind.decision_stage} stage"))
        if kind.clocks:
            kind_facts.append(("Clocks", "; ".join(clock(c) for c in kind.clocks)))
        kind_facts.append(("Published", "yes" if kind.published else "no"))
        if kind.ended:
            kind_facts.append(
                ("Ended", f"{kind.ended}" + (f", replaced by {kind.replaced_by}" if kind.replaced_by else ""))
            )
        if kind.source:
            kind_facts.append(("Source", kind.source))
        kinds.append(Section(f"{kind.title} ({kind.name})", (*details, Facts(tuple(kind_facts)))))
    sections.append(Section("Review kinds", (), tuple(kinds)))
    for title, vocabulary in (
        ("Function kinds", "function_kinds"),
        ("Partner duties", "duties"),
        ("Evidence kinds", "evidence_kinds"),
        ("Comparator kinds", "comparator_kinds"),
        ("Statutory plan kinds", "plan_kinds"),
    ):
        sections.append(Section(title, (terms(getattr(framework, vocabulary)),)))
    sections.append(
        Section(
            "Grade scales",
            (
                Table(
                    ("Name", "Title", "Values"),
                    tuple((s.name, s.title, ", ".join(s.values)) for s in framework.grade_scales),
                ),
            ),
        )
    )
    sections.append(
        Section(
            "Recurring publications",
            (
                Table(
                    ("Name", "Title", "Year starts", "Due", "Sent to", "Source"),
                    tuple(
                        (
                            o.name,
                            o.title,
                            o.year_starts,
                            _describe_due(o.due),
                            f"{o.sent_to} within {o.sent_within_days} days" if o.sent_to else "",
                            o.source,
                        )
                        for o in framework.obligations
                    ),
                ),
            ),
        )
    )
    if framework.report is not None:
        sections.append(
            Section(
                f"The report: {framework.report.title}",
                (
                    Paragraph(
                        "The sections of `lif report impact` for a board under this framework, in order, "
                        "unless the board's report.toml says otherwise; lif validate warns while a board "
                        "has not filled a required one."
                    ),
                    Table(
                        ("Section", "Title", "Required", "What the guidance asks"),
                        tuple(
                            (p.section, p.title or "-", "yes" if p.required else "", p.guidance)
                            for p in framework.report.sections
                        ),
                    ),
                ),
            )
        )
    return Document(
        kind="statutory-framework",
        title=framework.title,
        subtitle=f"What {framework.name} gives a board",
        sections=tuple(sections),
    )


def _describe_due(rule: DueRule) -> str:
    """``4 months after the year ends, less 1 day``; ``1 day before the year starts``."""
    anchor = {"period-start": "the year starts", "period-end": "the year ends", "previous": "the previous one"}
    when = anchor[rule.after]

    def amount(n: int, unit: str) -> str:
        return f"{abs(n)} {unit}{'' if abs(n) == 1 else 's'}"

    if not rule.months and not rule.days:
        return f"when {when}"
    if not rule.months:
        return f"{amount(rule.days, 'day')} {'before' if rule.days < 0 else 'after'} {when}"
    text = f"{amount(rule.months, 'month')} {'before' if rule.months < 0 else 'after'} {when}"
    if rule.days:
        text += f", {'less' if rule.days < 0 else 'and'} {amount(rule.days, 'day')}"
    return text


def _resolve_all() -> None:
    """Real types on every record here, once, so code reading ``attrs.fields(cls).type`` (the
    docs generator) sees the same whether or not a framework has been read yet."""
    for value in list(globals().values()):
        if isinstance(value, type) and attrs.has(value) and value.__module__ == __name__:
            attrs.resolve_types(value, globals())


_resolve_all()


# --------------------------------------------------------------------------- records against a framework


def term_problem(value: str, vocabulary: str, framework: StatutoryFramework) -> str:
    """Why ``value`` is not a name of the framework's ``vocabulary``, with the names it has."""
    what, many = VOCABULARIES[vocabulary], PLURALS[vocabulary]
    names = framework.names(vocabulary)
    if not names:
        return f"{framework.title} ({framework.name}) has no {many}: this key does not apply under it"
    return (
        f"{value!r} is not {indefinite(what)} of {framework.title} ({framework.name}){suggest(value, names)}; "
        f"its {many}: {', '.join(names)}"
    )


def record_problems(
    framework: StatutoryFramework, collection: str, record: object
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """What is wrong with one record under ``framework`` on its own (a review's stages and
    decision against its kind; a publication's reporting year): ``(key path, message)``. The
    register checks every write with this; :func:`review_lifecycle` and
    :func:`publications_kept` check whole boards."""
    if collection == "publications":
        kind = framework.term("obligations", getattr(record, "kind", ""))
        if kind is not None:
            try:
                period_bounds(record.period, kind.year_starts)  # type: ignore[attr-defined]
            except LifError as exc:
                yield ("period",), str(exc)
        published, sent = getattr(record, "published", None), getattr(record, "sent", None)
        if published and sent and sent < published:
            yield ("sent",), "sent before it was published: check both dates"
        return
    if collection != "reviews":
        return
    review: Any = record
    spec = framework.review_kind(review.kind)
    if spec is None:  # reported with the names
        return
    order = spec.stages
    lifecycle = " -> ".join(order)
    what = spec.title.lower()
    if review.follows == review.id:
        yield ("follows",), "a review cannot follow itself"
    if review.stage not in order:
        yield ("stage",), f"{review.stage!r} is not a stage of {indefinite(what)}; its stages are {lifecycle}"
    for i, change in enumerate(review.stage_log):
        before = review.stage_log[i - 1].stage if i else None
        if change.stage not in order:
            yield (
                ("stage_log", i, "stage"),
                f"{change.stage!r} is not a stage of {indefinite(what)}; its stages are {lifecycle}",
            )
        elif before in order and order.index(change.stage) <= order.index(before):
            yield (
                ("stage_log", i, "stage"),
                f"{change.stage!r} cannot follow {before!r}: {indefinite(what)} runs {lifecycle} "
                "(stages may be skipped, not repeated or reversed)",
            )
    if review.decision:
        if not spec.decisions:
            yield ("decision",), f"{indefinite(what)} records no decision; leave decision out"
        elif spec.decision(review.decision) is None:
            choices = ", ".join(d.name for d in spec.decisions)
            yield ("decision",), f"{review.decision!r} is not a decision of {indefinite(what)}; use one of {choices}"
