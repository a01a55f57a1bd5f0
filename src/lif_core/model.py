"""The domain model: frozen, validated attrs records for everything a Learning and
Improvement Framework names (see docs/model.md).

Every record with an ``id`` is addressable across the whole board: identifiers are unique
board-wide, so ``lif`` can name any item by its id alone. Fields that point at other records
carry ``metadata={"ref": (...collections)}``; fields that name something a plugin provides
carry ``metadata={"plugin": "<registry>"}``. The board loader checks both generically.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
from collections.abc import Callable
from typing import Any

import attrs

from . import _codecache
from .errors import PathPart

_codecache.cache_attrs_and_cattrs()  # the classes below: compiled code from the last run

__all__ = [
    "EARLIEST_DATE",
    "ID_PATTERN",
    "LATEST_DATE",
    "Action",
    "ActionStatus",
    "Artefact",
    "Audit",
    "AuditGrade",
    "AuditKind",
    "AuditStatus",
    "Board",
    "BoardInfo",
    "CaseReview",
    "Comparator",
    "FIELD_KINDS",
    "OnError",
    "Deadline",
    "MarkerAssessment",
    "MarkerRating",
    "PlanKind",
    "Settings",
    "StatutoryPlan",
    "Course",
    "Evaluation",
    "EvaluationStage",
    "Evidence",
    "FieldError",
    "Finding",
    "Group",
    "GroupKind",
    "InspectionRecommendation",
    "Involvement",
    "Measure",
    "MeasureKind",
    "Observation",
    "Partner",
    "PlannedAudit",
    "PluginSettings",
    "Polarity",
    "PractitionerEvent",
    "PractitionerEventKind",
    "Person",
    "Principle",
    "Publication",
    "Closure",
    "Priority",
    "Quadrant",
    "Recommendation",
    "RecommendationKind",
    "RecommendationLevel",
    "ReviewDates",
    "ReviewStage",
    "Reviewer",
    "ReviewerRole",
    "Section",
    "Section11Audit",
    "Section11Return",
    "Section11Standard",
    "Sector",
    "Source",
    "StageChange",
    "StandardScore",
    "StatusChange",
    "StatutoryFunction",
    "Strength",
    "Target",
    "Theme",
    "ThemeAxis",
    "Unit",
    "Frequency",
    "COLLECTIONS",
    "REGISTER_COLLECTIONS",
    "DISCLOSURE_SMALLEST",
    "MAX_POPULATION",
    "MAX_ROUND_TO",
    "date_out_of_range",
]

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
OptionValue = str | int | float | bool

#: The earliest and latest dates lif-core accepts where a real date is meant (a board's
#: records, command options, dates read from data): year 1 or 9999 is a typing slip or a
#: placeholder, never a safeguarding date, and would break calendar arithmetic.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)


def date_out_of_range(day: dt.date) -> str | None:
    """Why ``day`` is not a real date for lif-core (outside 1900 to 2100), or ``None``."""
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return f"is outside the years {EARLIEST_DATE.year} to {LATEST_DATE.year}: a real date is meant"


class FieldError(ValueError):
    """A validator's complaint about one field (or a path below it) of a record."""

    def __init__(self, path: PathPart | tuple[PathPart, ...], message: str) -> None:
        self.parts: tuple[PathPart, ...] = path if isinstance(path, tuple) else (path,)
        self.message = message
        super().__init__(message)


# --------------------------------------------------------------------------- field helpers


def _check_id(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not ID_PATTERN.match(value):
        raise FieldError(
            attribute.name,
            f"{value!r} is not a valid identifier: use letters, digits, '-', '_' or '.', "
            "starting with a letter or digit, at most 80 characters",
        )


def _check_optional_id(inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value:
        _check_id(inst, attribute, value)


def _check_nonblank(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise FieldError(attribute.name, "must not be blank")


def _check_ref(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    values = value if isinstance(value, tuple) else (value,)
    for v in values:
        if v is not None and not ID_PATTERN.match(v):
            raise FieldError(attribute.name, f"{v!r} is not a valid identifier")


def _check_nonneg(_inst: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise FieldError(attribute.name, f"must be 0 or more, not {value}")


def ident() -> Any:
    """The record's own identifier."""
    return attrs.field(validator=_check_id, metadata={"id": True})


def text() -> Any:
    """Required, non-blank text."""
    return attrs.field(validator=_check_nonblank)


def optional_text() -> Any:
    return attrs.field(default="")


def ref(*collections: str) -> Any:
    """A reference (or None) to the id of a record in one of ``collections``."""
    return attrs.field(default=None, validator=_check_ref, metadata={"ref": collections})


def refs(*collections: str) -> Any:
    """A tuple of references to records in ``collections``."""
    return attrs.field(default=(), validator=_check_ref, metadata={"ref": collections})


def required_ref(*collections: str) -> Any:
    return attrs.field(validator=_check_ref, metadata={"ref": collections})


def plugin_ref(registry: str, *, required: bool = True) -> Any:
    """The name of something a plugin registers (a methodology, an adapter, ...)."""
    if required:
        return attrs.field(validator=_check_ref, metadata={"plugin": registry})
    return attrs.field(default=None, validator=_check_ref, metadata={"plugin": registry})


def term(vocabulary: str, *, default: str | None = None, required: bool = True) -> Any:
    """A name from the board's statutory framework's vocabulary (``review_kinds``,
    ``duties``, ...; see :data:`lif_core.frameworks.VOCABULARIES`), checked against the
    framework when the board is opened with its plugins."""
    meta = {"term": vocabulary}
    if required and default is None:
        return attrs.field(validator=_check_ref, metadata=meta)
    return attrs.field(default=default, validator=_check_ref, metadata=meta)


def terms(vocabulary: str) -> Any:
    """A tuple of names from the framework's ``vocabulary``."""
    return attrs.field(default=(), validator=_check_ref, metadata={"term": vocabulary})


def count(default: int | None = 0) -> Any:
    return attrs.field(default=default, validator=_check_nonneg)


def many(default: tuple[Any, ...] = ()) -> Any:
    return attrs.field(default=default)


def _check_narrative(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if value:
        _check_relative_path(_inst, attribute, value)
        if not value.lower().endswith(".md"):
            raise FieldError(attribute.name, f"{value!r} must be a Markdown file (ending .md) in the board folder")


def narrative() -> Any:
    """A Markdown file in the board folder the board wrote (a story, a judgement), shown in
    reports as safe text: relative, inside the folder, ending ``.md``."""
    return attrs.field(default="", validator=_check_narrative, metadata={"narrative": True})


class _Choice(str, enum.Enum):
    """A closed set of values, written in files as their lower-case value."""

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]


# --------------------------------------------------------------------------- choices


class GroupKind(_Choice):
    BOARD = "board"
    EXECUTIVE = "executive"
    SUB_GROUP = "sub-group"
    PANEL = "panel"
    COMMITTEE = "committee"
    CHAIRS_MEETING = "chairs-meeting"
    TASK_GROUP = "task-group"


class Sector(_Choice):
    LOCAL_AUTHORITY = "local-authority"
    HEALTH = "health"
    POLICE = "police"
    EDUCATION = "education"
    EARLY_YEARS = "early-years"
    PROBATION = "probation"
    YOUTH_JUSTICE = "youth-justice"
    CAFCASS = "cafcass"
    HOUSING = "housing"
    VOLUNTARY = "voluntary-community"
    FAITH = "faith"
    LAY_MEMBER = "lay-member"
    OTHER = "other"


class ThemeAxis(_Choice):
    RISK_FACTOR = "risk-factor"
    PRACTICE_SYSTEM = "practice-system"


class ReviewStage(_Choice):
    """The usual learning lifecycle of a review, from referral to evaluated learning (each review
    kind orders the stages it uses: :data:`lif_core.frameworks.LIFECYCLE`)."""

    REFERRAL = "referral"
    DECISION = "decision"
    COMMISSIONING = "commissioning"
    INFORMATION_GATHERING = "information-gathering"
    PRACTITIONER_INVOLVEMENT = "practitioner-involvement"
    FAMILY_INVOLVEMENT = "family-involvement"
    ANALYSIS = "analysis"
    REPORT = "report"
    BOARD_RESPONSE = "board-response"
    PUBLICATION = "publication"
    DISSEMINATION = "dissemination"
    EMBEDDING = "embedding"
    EVALUATION = "evaluation"
    CLOSED = "closed"


class ReviewerRole(_Choice):
    LEAD_REVIEWER = "lead-reviewer"
    REVIEWER = "reviewer"
    PANEL_CHAIR = "panel-chair"
    AUTHOR = "author"


class Involvement(_Choice):
    """Whether the child's (or family's) views were sought and used."""

    SOUGHT_AND_INCLUDED = "sought-and-included"
    SOUGHT_DECLINED = "sought-declined"
    NOT_YET_SOUGHT = "not-yet-sought"
    NOT_SOUGHT = "not-sought"
    NOT_APPLICABLE = "not-applicable"


class PractitionerEventKind(_Choice):
    LEARNING_EVENT = "learning-event"
    RECALL_DAY = "recall-day"
    INTERVIEW = "interview"
    PRACTITIONER_FORUM = "practitioner-forum"
    WHOLE_SYSTEM_SESSION = "whole-system-session"
    REVIEW_TEAM_MEETING = "review-team-meeting"


class Progress(_Choice):
    """A board's judgement of the progress made on a priority."""

    GOOD = "good"
    SOME = "some"
    LITTLE = "little"
    NONE = "none"


class FeedbackFrom(_Choice):
    """Whose feedback it is."""

    CHILDREN = "children"
    YOUNG_PEOPLE = "young-people"
    PARENTS_AND_CARERS = "parents-and-carers"
    FAMILIES = "families"
    PRACTITIONERS = "practitioners"
    COMMUNITY = "community"


class RecommendationKind(_Choice):
    """Kinds used in research on case-review recommendations, plus system design."""

    RESOURCE = "resource"
    PROFESSIONAL_ACTION = "professional-action"
    KNOWLEDGE_AND_SKILL = "knowledge-and-skill"
    SYSTEM_DESIGN = "system-design"


class RecommendationLevel(_Choice):
    SINGLE_AGENCY = "single-agency"
    MULTI_AGENCY = "multi-agency"
    BOARD = "board"


class ActionStatus(_Choice):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


class Strength(_Choice):
    """How strongly an evidence item shows impact: weak (activity done) to strong
    (an outcome for children measured and attributed)."""

    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"


class AuditKind(_Choice):
    MULTI_AGENCY_CASE_AUDIT = "multi-agency-case-audit"
    SINGLE_AGENCY = "single-agency"
    COMMISSIONED = "commissioned"
    THEMATIC = "thematic"


class AuditStatus(_Choice):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EvaluationStage(_Choice):
    """London's three-stage training evaluation."""

    BEFORE = "before"
    AFTER = "after"
    FOLLOW_UP = "follow-up"


class MeasureKind(_Choice):
    POPULATION_INDICATOR = "population-indicator"
    PERFORMANCE_MEASURE = "performance-measure"


class Quadrant(_Choice):
    """Outcomes-based accountability quadrants, least to most important."""

    HOW_MUCH = "how-much"
    HOW_WELL = "how-well"
    BETTER_OFF_NUMBER = "better-off-number"
    BETTER_OFF_PERCENT = "better-off-percent"


class Polarity(_Choice):
    HIGHER_IS_BETTER = "higher-is-better"
    LOWER_IS_BETTER = "lower-is-better"
    NEITHER = "neither"


class Unit(_Choice):
    COUNT = "count"
    PERCENT = "percent"
    RATE_PER_10000 = "rate-per-10000"
    DAYS = "days"
    RATIO = "ratio"
    SCORE = "score"


class Frequency(_Choice):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


# --------------------------------------------------------------------------- board structure


@attrs.frozen(kw_only=True)
class BoardInfo:
    """Who the board is.

    Attributes:
        id: short identifier (``croydon``).
        name: full name (``Croydon Safeguarding Children Board``).
        short_name: the acronym used in its documents (``CSCB``).
        area: the local authority area served.
        statutory_framework: the statutory framework the board works under, as a plugin
            registers it (``england-wt2015``, ``england-wt2018``, ``england-wt2023``,
            ``wales-2014-act``; ``lif frameworks`` lists those installed). It decides the
            vocabulary every other key is checked against: review kinds, roles, duties...
            Absent: ``england-wt2023``, the current English edition.
        framework: title of the board's own Learning and Improvement Framework document.
        framework_review_date: when that document is next reviewed.
        chair: whoever chairs the arrangements (name or role; the framework says what the
            role is called: an independent chair, a partnership chair).
        notes: anything a reader should know (e.g. which parts are illustrative).
    """

    id: str = ident()
    name: str = text()
    short_name: str = optional_text()
    area: str = text()
    statutory_framework: str = attrs.field(
        default="england-wt2023", validator=_check_ref, metadata={"plugin": "statutory_frameworks"}
    )
    framework: str = optional_text()
    framework_review_date: dt.date | None = None
    chair: str = optional_text()
    notes: str = optional_text()


@attrs.frozen(kw_only=True)
class PluginSettings:
    """Plugins for this board.

    Attributes:
        local: Python files or package folders inside the board folder to load as plugins.
        disabled: names of installed plugins not to use for this board.
    """

    local: tuple[str, ...] = many()
    disabled: tuple[str, ...] = many()


@attrs.frozen(kw_only=True)
class Principle:
    """A principle all learning and improvement activity must follow (framework s.3)."""

    id: str = ident()
    text: str = text()
    source: str = optional_text()


@attrs.frozen(kw_only=True)
class StatutoryFunction:
    """A statutory function of the arrangements.

    Attributes:
        kind: the kind of function, from the framework's ``function_kinds`` (under Working
            Together 2015: ``children-act-2004-s14`` or ``regulation-5``).
    """

    id: str = ident()
    kind: str = term("function_kinds")
    text: str = text()
    source: str = optional_text()


@attrs.frozen(kw_only=True)
class Group:
    """The board, its executive, a sub-group, panel or committee.

    Attributes:
        remit: terms of reference in brief.
        chair: who chairs it (name or role).
        chair_partner: the partner agency the chair comes from.
        reports_to: the group it reports to (absent for the board itself).
        responsible_for: functions, priorities, framework sections or inspection
            recommendations this group answers for.
        members: partner agencies represented.
        terms_of_reference: where the full terms of reference are kept.
    """

    id: str = ident()
    name: str = text()
    kind: GroupKind
    remit: str = optional_text()
    chair: str = optional_text()
    chair_partner: str | None = ref("partners")
    reports_to: str | None = ref("groups")
    responsible_for: tuple[str, ...] = refs("functions", "priorities", "sections", "inspection_recommendations")
    members: tuple[str, ...] = refs("partners")
    terms_of_reference: str = optional_text()


@attrs.frozen(kw_only=True)
class Partner:
    """A partner agency of the board.

    Attributes:
        sector: which part of the system it belongs to.
        duties: statutory safeguarding duties it holds, from the framework's ``duties``
            (``children-act-2004-s11`` in England, ``children-act-2004-s28`` in Wales).
        roles: its roles in the arrangements, from the framework's agency ``roles``
            (``relevant-agency``, ``statutory-partner``...).
        safeguarding_partner: one of the statutory partners the framework names (the local
            authority, health and the police in England since 2018; the statutory partners of a
            Welsh board).
        illustrative: true where the record is invented for an example, not sourced.
    """

    id: str = ident()
    name: str = text()
    sector: Sector
    duties: tuple[str, ...] = terms("duties")
    roles: tuple[str, ...] = terms("roles")
    safeguarding_partner: bool = False
    illustrative: bool = False


@attrs.frozen(kw_only=True)
class Person:
    """Someone holding a role in the arrangements: a lead or delegated safeguarding partner,
    the partnership chair, the independent scrutineer, the board's chair.

    Attributes:
        name: their name or post (``Chief Executive, Example Council``).
        role: the role, from the framework's person ``roles``.
        partner: the partner agency they act for, if any.
        delegate_of: for a delegate, the person who delegated to them.
        independent: independent of the partner agencies (a scrutineer, an independent chair).
        since / until: when they took up and left the role.
    """

    id: str = ident()
    name: str = text()
    role: str = term("roles")
    partner: str | None = ref("partners")
    delegate_of: str | None = ref("people")
    independent: bool = False
    since: dt.date | None = None
    until: dt.date | None = None
    illustrative: bool = False


@attrs.frozen(kw_only=True)
class Priority:
    """A business-plan priority.

    Attributes:
        period: the plan years it belongs to (``2018-19``, ``2018-20``); a priority whose
            period starts after the report's year is a priority for the year ahead.
        narrative: the story behind it (what was done, what difference it made), a Markdown
            file in the board folder shown in the report under the priority.
        progress: the board's own judgement of progress, where it has made one
            (``good``, ``some``, ``little``, ``none``): the report lists priorities with little
            or no progress, as Working Together asks.
    """

    id: str = ident()
    title: str = text()
    description: str = optional_text()
    period: str = optional_text()
    lead: str | None = ref("groups")
    themes: tuple[str, ...] = refs("themes")
    measures: tuple[str, ...] = refs("measures")
    narrative: str = narrative()
    progress: Progress | None = None


@attrs.frozen(kw_only=True)
class Section:
    """A section of the board's Learning and Improvement Framework, and the inspection
    recommendations the framework says it supports."""

    id: str = ident()
    number: str = text()
    title: str = text()
    summary: str = optional_text()
    supports: tuple[str, ...] = refs("inspection_recommendations")


@attrs.frozen(kw_only=True)
class InspectionRecommendation:
    """A recommendation (or area for improvement) from an inspection.

    Attributes:
        framework: the inspection framework, as registered by an inspection plugin.
        inspection: which inspection made it.
        published: the date the report was published.
        number: the paragraph number in the report (``113``).
        areas: the framework's areas it concerns (checked against the plugin).
        owner: the group answering for it.
    """

    id: str = ident()
    framework: str = plugin_ref("inspection_frameworks")
    inspection: str = optional_text()
    published: dt.date | None = None
    number: str = text()
    text: str = text()
    areas: tuple[str, ...] = many()
    owner: str | None = ref("groups")


@attrs.frozen(kw_only=True)
class Theme:
    """A theme: a risk or context factor (CIN census codes) or a practice and system theme.

    Attributes:
        code: the code in its taxonomy (a CIN census assessment factor such as ``3A``).
        taxonomy: the taxonomy it belongs to (``cin-assessment-factors``, ``practice-system``,
            or the board's own).
        since: the first collection year that has the code, where the taxonomy is versioned.
    """

    id: str = ident()
    label: str = text()
    axis: ThemeAxis
    code: str = optional_text()
    description: str = optional_text()
    taxonomy: str = optional_text()
    since: int | None = None


# --------------------------------------------------------------------------- case reviews


@attrs.frozen(kw_only=True)
class ReviewDates:
    """Key dates of a review; each is optional until it happens. Which of them a review kind's
    clocks run between is the statutory framework's to say (``lif frameworks NAME``).

    Attributes:
        incident: the serious incident.
        aware: when the local authority became aware of it (a notification clock starts here;
            the incident date stands in where this is absent).
        notified: the incident was notified where the framework requires (in England, to the
            national Child Safeguarding Practice Review Panel and Ofsted).
        rapid_review: a first, quick review was completed (in England, the rapid review sent to
            the Panel); empty where the framework has none.
        decided: the decision on whether, and how, to review.
        commissioned: the review was commissioned (terms of reference agreed).
        report_received: the final report reached the board.
        board_response: the board's written response.
        published: the report was published.
    """

    incident: dt.date | None = None
    aware: dt.date | None = None
    notified: dt.date | None = None
    rapid_review: dt.date | None = None
    decided: dt.date | None = None
    commissioned: dt.date | None = None
    report_received: dt.date | None = None
    board_response: dt.date | None = None
    published: dt.date | None = None


@attrs.frozen(kw_only=True)
class StageChange:
    """A review moved to ``stage`` on ``date``."""

    stage: str = attrs.field(validator=_check_id)
    date: dt.date
    note: str = optional_text()


@attrs.frozen(kw_only=True)
class Reviewer:
    """Someone leading or writing a review.

    Attributes:
        independent: independent of the case and of the agencies reviewed.
        accredited_by: the body that accredited the reviewer for the methodology (SCIE, SILP).
    """

    name: str = text()
    role: ReviewerRole = ReviewerRole.LEAD_REVIEWER
    organisation: str = optional_text()
    independent: bool = False
    accredited_by: str = optional_text()


@attrs.frozen(kw_only=True)
class PractitionerEvent:
    """Front-line practitioners' involvement: a learning event, recall day, interview..."""

    kind: PractitionerEventKind
    date: dt.date
    attendees: int = count()
    agencies: tuple[str, ...] = refs("partners")


class PlanKind(_Choice):
    """The usual names of statutory plans (a framework's ``plan_kinds`` says which it has)."""

    CHILD_PROTECTION_PLAN = "child-protection-plan"
    LOOKED_AFTER = "looked-after"
    CHILD_IN_NEED_PLAN = "child-in-need-plan"


@attrs.frozen(kw_only=True)
class StatutoryPlan:
    """A statutory plan the child had (child protection plan, looked after...), from
    ``start`` to ``end`` (absent while it continues)."""

    kind: str = term("plan_kinds")
    start: dt.date
    end: dt.date | None = None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """True where the plan was in force on any day from ``first`` to ``last``."""
        return self.start <= last and (self.end is None or self.end >= first)


class MarkerRating(_Choice):
    MET = "met"
    PARTLY_MET = "partly-met"
    NOT_MET = "not-met"
    NOT_YET = "not-yet"
    NOT_APPLICABLE = "not-applicable"


@attrs.frozen(kw_only=True)
class MarkerAssessment:
    """A review assessed against one of the 18 case-review quality markers."""

    marker: str = attrs.field(validator=_check_id)
    rating: MarkerRating
    note: str = optional_text()


@attrs.frozen(kw_only=True)
class Artefact:
    """Something a review produced (terms of reference, report, 7-minute briefing...)."""

    kind: str = attrs.field(validator=_check_id)
    date: dt.date | None = None
    location: str = optional_text()


def _check_stage_log(inst: CaseReview, _a: attrs.Attribute[Any], log: tuple[StageChange, ...]) -> None:
    # The order of stages belongs to the review's kind, which its framework defines: checked
    # when the board is opened with its plugins. Dates and the current stage are checked here.
    for i in range(1, len(log)):
        if log[i].date < log[i - 1].date:
            raise FieldError(
                ("stage_log", i, "date"),
                f"{log[i].date.isoformat()} is before the previous stage's date "
                f"{log[i - 1].date.isoformat()}: stage changes must be in date order",
            )
    if log and log[-1].stage != inst.stage:
        raise FieldError(
            "stage",
            f"is {inst.stage!r} but the last stage_log entry is "
            f"{log[-1].stage!r}: add a dated stage_log entry for the new stage",
        )


@attrs.frozen(kw_only=True)
class CaseReview:
    """A case review of any kind, from serious incident notification to learning review.

    Attributes:
        title: the review's public, anonymised name (``Child A``).
        kind: what kind of review it is, from the framework's ``review_kinds`` (``lcspr``,
            ``rapid-review``, ``child-practice-review``...); the kind decides its stages,
            decisions and clocks.
        methodology: the review method, as registered by a methodology plugin.
        stage: where it is in its kind's lifecycle; must match the last stage_log entry.
        stage_log: dated stage changes, in the kind's stage order (stages may be skipped, not
            repeated or reversed).
        decision: the outcome recorded at the decision stage, from the kind's ``decisions``
            (a rapid review: ``lcspr`` or ``no-lcspr``; a Welsh child practice review:
            ``concise`` or ``extended``).
        follows: the review this one follows from (the rapid review that led to an LCSPR).
        dates: key dates (incident, notification, decision, publication...).
        reviewers: lead reviewer(s) and authors, with independence and accreditation.
        commissioned_by: the group that commissioned it.
        agencies: partner agencies involved.
        child_lived_experience: a short account of the child's daily life as the review found it.
        child_views: whether the child's views were sought.
        family_involvement: whether the family's views were sought.
        practitioner_events: how front-line practitioners were involved.
        artefacts: what the review produced.
        themes: themes the review raised.
        statutory_plans: the child's statutory plans (child protection, looked after), used by
            rules such as the Welsh review's 6-month test.
        options: methodology-specific settings (e.g. a Welsh review's ``variant``).
        quality: the review assessed against the 18 case-review quality markers.
    """

    id: str = ident()
    title: str = text()
    kind: str = term("review_kinds")
    methodology: str | None = plugin_ref("methodologies", required=False)
    stage: str = attrs.field(default="referral", validator=_check_id)
    stage_log: tuple[StageChange, ...] = attrs.field(default=(), validator=_check_stage_log)
    dates: ReviewDates = attrs.field(factory=ReviewDates)
    reviewers: tuple[Reviewer, ...] = many()
    commissioned_by: str | None = ref("groups")
    agencies: tuple[str, ...] = refs("partners")
    child_lived_experience: str = optional_text()
    child_views: Involvement = Involvement.NOT_YET_SOUGHT
    family_involvement: Involvement = Involvement.NOT_YET_SOUGHT
    practitioner_events: tuple[PractitionerEvent, ...] = many()
    artefacts: tuple[Artefact, ...] = many()
    themes: tuple[str, ...] = refs("themes")
    statutory_plans: tuple[StatutoryPlan, ...] = many()
    decision: str = attrs.field(default="", validator=_check_optional_id)
    follows: str | None = ref("reviews")
    options: dict[str, OptionValue] = attrs.field(factory=dict)
    quality: tuple[MarkerAssessment, ...] = many()


@attrs.frozen(kw_only=True)
class Finding:
    """What a review or audit found happened and why (kept apart from what should change).

    Attributes:
        source: the review, audit or Section 11 audit that found it.
        good_practice: true where the finding is good practice to celebrate.
        category: a contributory-factor category where the method uses them (root cause
            analysis: people, process, equipment, environment, materials, management).
    """

    id: str = ident()
    source: str = required_ref("reviews", "audits", "section11_audits")
    text: str = text()
    good_practice: bool = False
    category: str = optional_text()
    themes: tuple[str, ...] = refs("themes")


@attrs.frozen(kw_only=True)
class Recommendation:
    """What should change, made by a review, audit or inspection response.

    Attributes:
        source: the review, audit or inspection recommendation it came from.
        findings: the findings it answers.
        kind: resource, professional action, knowledge and skill, or system design.
        level: single agency, multi-agency or the board itself.
        owners: partner agencies or groups responsible.
        due: when it should be implemented.
        made: the day it was made (accepted by the board); a report as at an earlier day
            leaves it out. Absent: the day its source was (an audit's date, a review's
            publication or board response, a national review's publication).
    """

    id: str = ident()
    text: str = text()
    source: str | None = ref(
        "reviews", "audits", "inspection_recommendations", "section11_audits", "national_reviews", "scrutiny"
    )
    findings: tuple[str, ...] = refs("findings")
    kind: RecommendationKind
    level: RecommendationLevel = RecommendationLevel.MULTI_AGENCY
    owners: tuple[str, ...] = refs("partners", "groups")
    due: dt.date | None = None
    themes: tuple[str, ...] = refs("themes")
    made: dt.date | None = None


@attrs.frozen(kw_only=True)
class StatusChange:
    """An action's status changed on ``date``."""

    status: ActionStatus
    date: dt.date
    note: str = optional_text()
    by: str = optional_text()


def _check_status_log(inst: Action, _a: attrs.Attribute[Any], log: tuple[StatusChange, ...]) -> None:
    for i in range(1, len(log)):
        if log[i].date < log[i - 1].date:
            raise FieldError(
                ("status_log", i, "date"),
                f"{log[i].date.isoformat()} is before the previous entry's date "
                f"{log[i - 1].date.isoformat()}: status changes must be in date order",
            )
    if log and log[-1].status != inst.status:
        raise FieldError(
            "status",
            f"is {inst.status.value!r} but the last status_log entry is "
            f"{log[-1].status.value!r}: add a dated status_log entry for the new status",
        )


@attrs.frozen(kw_only=True)
class Action:
    """Something someone will do, with an owner, a due date and a dated status log.

    Attributes:
        recommendation: the recommendation it implements, if any.
        priority: the business-plan priority it serves, if any.
        owner: the partner agency or group that owns it.
        level: single agency, multi-agency or the board (a system-level response).
        status: current status; must match the last status_log entry.
        status_log: dated status changes, in order.
        opened: the day it was agreed; a report as at an earlier day leaves it out. Absent:
            the first status_log entry's day, else its recommendation's.
    """

    id: str = ident()
    text: str = text()
    recommendation: str | None = ref("recommendations")
    priority: str | None = ref("priorities")
    owner: str | None = ref("partners", "groups")
    level: RecommendationLevel = RecommendationLevel.MULTI_AGENCY
    due: dt.date | None = None
    status: ActionStatus = ActionStatus.NOT_STARTED
    status_log: tuple[StatusChange, ...] = attrs.field(default=(), validator=_check_status_log)
    themes: tuple[str, ...] = refs("themes")
    opened: dt.date | None = None


_SHA256 = re.compile(r"[0-9a-f]{64}")
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9.+-]{0,62}/[a-z0-9][a-z0-9.+-]{0,126}")
#: Characters a stored file name may not hold: path separators, controls, and those Windows refuses.
_NOT_IN_FILE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def _check_file_name(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip() or value.strip(".") == "" or _NOT_IN_FILE_NAME.search(value) or len(value) > 255:
        raise FieldError(
            attribute.name,
            f"{value!r} is not a plain file name: at most 255 characters, no folder separators, "
            'control characters or any of :*?"<>|',
        )


def _check_sha256(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not _SHA256.fullmatch(value):
        raise FieldError(attribute.name, f"{value!r} is not a SHA-256 digest: 64 lower-case hexadecimal digits")


def _check_media_type(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not _MEDIA_TYPE.fullmatch(value):
        raise FieldError(attribute.name, f"{value!r} is not a media type such as application/pdf")


@attrs.frozen(kw_only=True)
class Attachment:
    """A file attached to an evidence item, kept beside the board under its content's digest
    (``attachments/<first two digits>/<sha256>``), so the same file is kept once and a record
    can never point at a file that was changed after it was attached.

    Attributes:
        name: the file's name as it was uploaded (a plain name, no folder).
        sha256: the SHA-256 digest of its content, which names the stored file.
        size: its size in bytes.
        media_type: what it is (``application/pdf``...), as checked when it was attached.
    """

    name: str = attrs.field(validator=_check_file_name)
    sha256: str = attrs.field(validator=_check_sha256)
    size: int = attrs.field(validator=_check_nonneg)
    media_type: str = attrs.field(default="application/octet-stream", validator=_check_media_type)


@attrs.frozen(kw_only=True)
class Evidence:
    """Evidence that something happened or made a difference.

    Attributes:
        kind: what sort of evidence, from the framework's ``evidence_kinds`` (audit, data,
            child voice, independent scrutiny...).
        source: the partner or group that provided it.
        strength: weak, moderate or strong evidence of impact.
        supports: what it is evidence for: recommendations, actions, priorities,
            inspection recommendations, statutory functions, measures or reviews.
        location: where the underlying document is kept.
        attachments: files attached to it (through ``lif serve``), kept beside the board.
    """

    id: str = ident()
    title: str = text()
    kind: str = term("evidence_kinds")
    date: dt.date
    source: str | None = ref("partners", "groups")
    strength: Strength = Strength.WEAK
    summary: str = optional_text()
    supports: tuple[str, ...] = refs(
        "recommendations",
        "actions",
        "priorities",
        "inspection_recommendations",
        "functions",
        "measures",
        "reviews",
        "audits",
        "courses",
    )
    location: str = optional_text()
    attachments: tuple[Attachment, ...] = many()


# --------------------------------------------------------------------------- audits


@attrs.frozen(kw_only=True)
class AuditGrade:
    """A grade for one domain of an audit (recognition, assessment, planning...), on the
    audit's grade scale."""

    domain: str = attrs.field(validator=_check_id)
    grade: str = text()
    cases: int | None = count(None)
    note: str = optional_text()


@attrs.frozen(kw_only=True)
class Audit:
    """A multi-agency case audit, single-agency audit or commissioned audit.

    Attributes:
        scale: the grade scale its domains are graded on, from the framework's
            ``grade_scales`` (the framework's ``audit_scale`` where absent).
    """

    id: str = ident()
    title: str = text()
    kind: AuditKind
    date: dt.date
    scale: str | None = term("grade_scales", required=False)
    lead: str | None = ref("groups", "partners")
    agencies: tuple[str, ...] = refs("partners")
    cases: int = count()
    practitioner_event: bool = False
    child_views: Involvement = Involvement.NOT_YET_SOUGHT
    grades: tuple[AuditGrade, ...] = many()
    themes: tuple[str, ...] = refs("themes")
    summary: str = optional_text()


@attrs.frozen(kw_only=True)
class PlannedAudit:
    """An entry in the log of expected single-agency audits, so partners can join up audits on
    common themes."""

    id: str = ident()
    partner: str = required_ref("partners")
    topic: str = text()
    due: dt.date | None = None
    status: AuditStatus = AuditStatus.PLANNED
    audit: str | None = ref("audits")
    themes: tuple[str, ...] = refs("themes")


@attrs.frozen(kw_only=True)
class Section11Standard:
    """A standard partners assess their safeguarding against (an area of challenge): Section 11
    of the Children Act 2004 in England, section 28 in Wales; the collection keeps the name
    ``section11_standards`` whatever the framework calls it."""

    id: str = ident()
    number: int = count()
    title: str = text()
    description: str = optional_text()


@attrs.frozen(kw_only=True)
class StandardScore:
    """A partner's score on one standard: its own, and the challenge panel's moderated one."""

    standard: str = required_ref("section11_standards")
    self_assessed: str = text()
    moderated: str = optional_text()
    note: str = optional_text()


@attrs.frozen(kw_only=True)
class Section11Return:
    """One partner agency's self-assessment return in a cycle."""

    partner: str = required_ref("partners")
    submitted: dt.date | None = None
    scores: tuple[StandardScore, ...] = many()


@attrs.frozen(kw_only=True)
class Section11Audit:
    """A cycle of partners' safeguarding self-assessments (Section 11 in England, section 28
    in Wales), with its scale and the partners' returns.

    Attributes:
        scale: the scale scores are given on, from the framework's ``grade_scales`` (``rag``,
            ``score-0-3``...; the framework's ``self_assessment_scale`` where absent); every
            score is checked against it.
    """

    id: str = ident()
    cycle: str = text()
    scale: str | None = term("grade_scales", required=False)
    date: dt.date | None = None
    returns: tuple[Section11Return, ...] = many()


# --------------------------------------------------------------------------- training


def _check_level(_inst: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value not in (1, 2, 3, 4):
        raise FieldError(attribute.name, f"Kirkpatrick levels are 1 to 4, not {value}")


@attrs.frozen(kw_only=True)
class Evaluation:
    """A training evaluation at one of the three stages.

    Attributes:
        level: Kirkpatrick level evaluated: 1 reaction, 2 learning, 3 behaviour, 4 results.
        confidence_before: mean self-rated confidence before the course (0-10).
        confidence_after: mean self-rated confidence at this stage (0-10).
        practice_change: respondents reporting a change in their practice.
    """

    stage: EvaluationStage
    date: dt.date
    respondents: int = count()
    level: int = attrs.field(default=1, validator=_check_level)
    confidence_before: float | None = None
    confidence_after: float | None = None
    practice_change: int | None = count(None)
    summary: str = optional_text()


@attrs.frozen(kw_only=True)
class Course:
    """A multi-agency training course and what it reached."""

    id: str = ident()
    title: str = text()
    provider: str | None = ref("partners", "groups")
    period: str = optional_text()
    sessions: int = count()
    places: int = count()
    attended: int = count()
    no_shows: int = count()
    cancellations: int = count()
    themes: tuple[str, ...] = refs("themes")
    evaluations: tuple[Evaluation, ...] = many()


# --------------------------------------------------------------------------- measures and data


@attrs.frozen(kw_only=True)
class Observation:
    """A measure's value for one period (``2017-18``, ``2018-Q2``, ``2018-04``)."""

    period: str = text()
    value: float


@attrs.frozen(kw_only=True)
class Target:
    """A measure's target value, and the period by which to reach it."""

    value: float
    by: str = optional_text()


@attrs.frozen(kw_only=True)
class Comparator:
    """A comparison value for a measure.

    Attributes:
        kind: what it compares with, from the framework's ``comparator_kinds`` (England,
            region, statistical neighbours; Wales; Scotland...).
    """

    kind: str = term("comparator_kinds")
    period: str = text()
    value: float


def _check_values(inst: Measure, _a: attrs.Attribute[Any], values: tuple[Observation, ...]) -> None:
    seen: dict[str, int] = {}
    for i, obs in enumerate(values):
        if obs.period in seen:
            raise FieldError(
                ("values", i, "period"),
                f"period {obs.period!r} already has a value at values[{seen[obs.period]}]",
            )
        seen[obs.period] = i


@attrs.frozen(kw_only=True)
class Measure:
    """An outcomes-based accountability measure.

    Attributes:
        kind: population indicator (whole area) or performance measure (a service).
        quadrant: how much, how well, better off (number), better off (percent).
        polarity: whether higher or lower is better.
        baseline: the first value the board judges change from.
        target: the value aimed for.
        source: the data source that feeds it, if any.
        values: the data series entered by hand.
        indicator: with a case-level source, the indicator computed from it, per period of the
            measure's frequency: one a plugin registers (``lif plugins``): lif-core's
            ``referrals``, ``re-referrals-12m``, ``assessments-45-days``, ``repeat-cp-plans``,
            ``cp-plans-2-years``; lif-dfe's ``placement-stability-3plus`` and
            ``placement-stability-long-term`` (annual, from the SSDA903 episodes; the long-term
            one reads the header too, as its input ``header``).
        inputs: for an indicator reading further tables besides ``source``, the source of each,
            by the role the indicator names, e.g. ``{ header = "lac-header" }``.
        select: with an aggregate source (DfE's tidy layout), the rows that hold this measure,
            e.g. ``{ indicator = "early_help_assessments_started" }``.
        period_column / value_column: the columns holding the period and the value.
        comparators: England, regional and statistical-neighbour values.
        amber_margin: how far short of target, as a fraction of it, is still amber (0.05).
    """

    id: str = ident()
    title: str = text()
    kind: MeasureKind = MeasureKind.PERFORMANCE_MEASURE
    quadrant: Quadrant
    polarity: Polarity
    unit: Unit
    frequency: Frequency
    owner: str | None = ref("partners", "groups")
    baseline: Observation | None = None
    target: Target | None = None
    source: str | None = ref("sources")
    description: str = optional_text()
    values: tuple[Observation, ...] = attrs.field(default=(), validator=_check_values)
    indicator: str = optional_text()
    inputs: dict[str, str] = attrs.field(factory=dict)
    select: dict[str, str] = attrs.field(factory=dict)
    period_column: str = "time_period"
    value_column: str = "value"
    comparators: tuple[Comparator, ...] = many()
    amber_margin: float = 0.05


def _check_relative_path(_inst: object, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value.strip():
        raise FieldError(attribute.name, "must not be blank")
    if value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        raise FieldError(attribute.name, f"{value!r} must be relative to the board folder")
    if ".." in re.split(r"[/\\]", value):
        raise FieldError(attribute.name, f"{value!r} must stay inside the board folder (no '..')")


class OnError(_Choice):
    """What reading a source does with a bad value: stop (``fail``) or keep the record, with
    the value left empty and a warning naming it (``warn``)."""

    FAIL = "fail"
    WARN = "warn"


#: Field kinds a source can declare; ``date:<strftime format>`` gives a date's format.
FIELD_KINDS = ("text", "int", "number", "bool", "date", "child-id", "child-id?", "dob", "postcode", "drop")


def _check_fields(_inst: object, attribute: attrs.Attribute[Any], fields: dict[str, str]) -> None:
    for name, spec in fields.items():
        kind, _, fmt = spec.partition(":")
        if kind not in FIELD_KINDS:
            raise FieldError(
                (attribute.name, name), f"{spec!r} is not a field kind; use one of {', '.join(FIELD_KINDS)}"
            )
        if fmt and (kind not in ("date", "dob") or "%" not in fmt):
            raise FieldError((attribute.name, name), f"{spec!r}: only date and dob take a format, e.g. 'date:%d/%m/%Y'")


@attrs.frozen(kw_only=True)
class Source:
    """A data source: a file in the board folder read by a data-source adapter plugin.

    Attributes:
        adapter: the adapter's registered name (``csv``, ``json``, ``xlsx``, ``sqlite``, ...).
        path: path relative to the board folder.
        options: adapter-specific settings (a CSV's delimiter, a workbook's sheet, a query).
        fields: what each column holds, so values are checked and converted on the way in:
            ``text``, ``int``, ``number``, ``bool``, ``date`` (ISO) or ``date:%d/%m/%Y``,
            ``child-id`` (required; replaced by a keyed pseudonym), ``child-id?`` (the same,
            may be blank), ``dob`` (kept as year and month only),
            ``postcode`` (kept as its sector, ``CR0 1``), ``drop`` (not read at all).
            Adapters for case-level formats declare their own; these add to or override them.
        rename: new names for columns (``{ "Child Unique ID" = "child" }``).
        on_error: ``fail`` (stop at the first bad value) or ``warn`` (keep the record with the
            value empty, and report it).
    """

    id: str = ident()
    adapter: str = plugin_ref("data_sources")
    path: str = attrs.field(validator=_check_relative_path)
    description: str = optional_text()
    options: dict[str, OptionValue] = attrs.field(factory=dict)
    fields: dict[str, str] = attrs.field(factory=dict, validator=_check_fields)
    rename: dict[str, str] = attrs.field(factory=dict)
    on_error: OnError = OnError.FAIL


# --------------------------------------------------------------------------- publications


@attrs.frozen(kw_only=True)
class NationalReview:
    """A national review or report the board responded to (a national Panel review, a
    thematic inspection report): its recommendations name it as their ``source``.

    Attributes:
        publisher: who published it (the Child Safeguarding Practice Review Panel, ...).
        published: the day it was published.
        location: where it can be read (a web address or a document reference).
    """

    id: str = ident()
    title: str = text()
    publisher: str = optional_text()
    published: dt.date | None = None
    location: str = optional_text()
    summary: str = optional_text()
    themes: tuple[str, ...] = refs("themes")


@attrs.frozen(kw_only=True)
class Scrutiny:
    """A piece of independent scrutiny of the arrangements, and what it found.

    Attributes:
        date: the day its findings were reported.
        scrutineer: who scrutinised (the independent scrutineer, a peer review team).
        person: the board's record of that person, where it has one.
        method: how (observing meetings, reading cases, talking to practitioners, children).
        findings: what it found, one line each.
        response: what the partnership did or will do in response.
        narrative: a longer account, a Markdown file in the board folder.
    """

    id: str = ident()
    title: str = text()
    date: dt.date
    scrutineer: str = optional_text()
    person: str | None = ref("people")
    method: str = optional_text()
    findings: tuple[str, ...] = many()
    response: str = optional_text()
    narrative: str = narrative()


def _check_amount(_inst: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value < 1e10:
        raise FieldError(attribute.name, f"must be from 0 to 9,999,999,999 (pounds), not {value}")


@attrs.frozen(kw_only=True)
class Contribution:
    """A partner's contribution to the arrangements' budget for a year.

    Attributes:
        period: the financial year (``2023-24``).
        partner: who contributed.
        amount: in pounds (0 where the contribution is in kind only).
        in_kind: what was given in kind (staff time, venues, training places).
    """

    id: str = ident()
    period: str = text()
    partner: str = required_ref("partners")
    amount: float = attrs.field(default=0.0, validator=_check_amount)
    in_kind: str = optional_text()
    note: str = optional_text()


def _check_part_of(inst: Any, _a: attrs.Attribute[Any], value: int) -> None:
    if value > inst.reviewed:
        raise FieldError(
            "modifiable",
            f"{value} is more than the {inst.reviewed} reviews completed: it counts completed reviews that found "
            "modifiable factors",
        )


def _check_done(inst: Any, _a: attrs.Attribute[Any], value: dt.date | None) -> None:
    if value is not None and value < inst.date:
        raise FieldError("done", f"{value.isoformat()} is before the feedback was given ({inst.date.isoformat()})")


@attrs.frozen(kw_only=True)
class Feedback:
    """Feedback sought from children, families or practitioners, and what changed because of
    it ("you said, we did").

    Attributes:
        date: the day it was gathered.
        given_by: whose feedback (children, young-people, parents-and-carers, families,
            practitioners, community).
        how: how it was sought (a survey, a youth forum, a consultation).
        said: what they said.
        did: what the partnership did in response; blank until something has been done.
        done: the day it was done.
        supports: priorities, recommendations or actions it informed.
    """

    id: str = ident()
    date: dt.date
    given_by: FeedbackFrom
    how: str = optional_text()
    said: str = text()
    did: str = optional_text()
    done: dt.date | None = attrs.field(default=None, validator=_check_done)
    supports: tuple[str, ...] = refs("priorities", "recommendations", "actions")


@attrs.frozen(kw_only=True)
class ChildDeathFigures:
    """The child death review partners' summary figures for a year, as the yearly report
    carries them: counts of children's deaths, published under disclosure control.

    Attributes:
        period: the year (``2023-24``).
        notified: deaths notified in the year.
        reviewed: child death reviews completed in the year.
        modifiable: completed reviews that found modifiable factors.
        themes: what the reviews found (safer sleep, ...), as the board's themes.
        summary: the learning, in a sentence or two.
    """

    id: str = ident()
    period: str = text()
    notified: int = count()
    reviewed: int = count()
    modifiable: int = attrs.field(default=0, validator=[_check_nonneg, _check_part_of])
    themes: tuple[str, ...] = refs("themes")
    summary: str = optional_text()


@attrs.frozen(kw_only=True)
class Publication:
    """A recurring publication the statutory framework requires (England: the yearly report;
    Wales: the annual plan and the annual report), for one reporting year.

    Attributes:
        kind: the framework's obligation (``yearly-report``, ``annual-plan``...).
        period: the reporting year it covers (``2025-26``).
        published: when it was published (absent until it is).
        sent: when it was sent to whoever the framework says it goes to, where it must be sent.
        location: where it is published.
    """

    id: str = ident()
    kind: str = term("obligations")
    period: str = text()
    title: str = optional_text()
    published: dt.date | None = None
    sent: dt.date | None = None
    location: str = optional_text()


# --------------------------------------------------------------------------- settings


@attrs.frozen(kw_only=True)
class Deadline:
    """A board's own clock: ``from_date`` plus ``working_days`` (or ``days``) gives the date
    by which ``to_date`` should happen, for the reviews it selects (all when both ``kinds`` and
    ``methodologies`` are empty).

    Attributes:
        name: what the deadline is called in reports.
        from_date: the key date the clock starts from (``decided``, ``commissioned``...).
        to_date: the key date that stops it.
        working_days: working days allowed: Monday to Friday, less the framework's public
            holidays and the board's ``closures``.
        days: calendar days allowed (used where working_days is absent).
        kinds: the review kinds it applies to (any kind when empty).
        methodologies: the methodologies it applies to (any when empty); with ``kinds`` too,
            a review must match both.
    """

    name: str = text()
    from_date: str = text()
    to_date: str = text()
    working_days: int | None = count(None)
    days: int | None = count(None)
    kinds: tuple[str, ...] = terms("review_kinds")
    methodologies: tuple[str, ...] = attrs.field(default=(), validator=_check_ref, metadata={"plugin": "methodologies"})

    def selects(self, review: CaseReview) -> bool:
        """True where this clock runs on ``review``."""
        if self.kinds and review.kind not in self.kinds:
            return False
        return not self.methodologies or review.methodology in self.methodologies


@attrs.frozen(kw_only=True)
class Closure:
    """Days the board's partners count as closed for working-day clocks, beyond public holidays
    (a Christmas closure), from ``first`` to ``last`` (the one day where ``last`` is absent)."""

    name: str = text()
    first: dt.date
    last: dt.date | None = None

    def days(self) -> list[dt.date]:
        last = self.last or self.first
        return [self.first + dt.timedelta(days=n) for n in range((last - self.first).days + 1)]


def _check_closures(_inst: object, attribute: attrs.Attribute[Any], closures: tuple[Closure, ...]) -> None:
    for i, closure in enumerate(closures):
        for name in ("first", "last"):
            day = getattr(closure, name)
            why = date_out_of_range(day) if day is not None else None
            if why:
                raise FieldError((attribute.name, i, name), f"{day.isoformat()} {why}")
        if closure.last is not None and closure.last < closure.first:
            raise FieldError((attribute.name, i, "last"), "is before first: give the closure's first and last days")
        if closure.last is not None and (closure.last - closure.first).days > 366:
            raise FieldError((attribute.name, i, "last"), "a closure is at most a year long")


def _check_deadlines(_inst: object, _a: attrs.Attribute[Any], deadlines: tuple[Deadline, ...]) -> None:
    keys = [f.name for f in attrs.fields(ReviewDates)]
    for i, d in enumerate(deadlines):
        for name in ("from_date", "to_date"):
            if getattr(d, name) not in keys:
                raise FieldError(
                    ("deadlines", i, name), f"{getattr(d, name)!r} is not a review date; use one of {', '.join(keys)}"
                )
        if (d.working_days is None) == (d.days is None):
            raise FieldError(("deadlines", i), "give exactly one of working_days or days")


#: The largest population of children lif-core accepts for an area (England has about 12
#: million): a population is a whole number of children from 1 to this.
MAX_POPULATION = 100_000_000
#: ``settings.disclosure_smallest`` may be raised from DfE's 6 up to this, never lowered.
DISCLOSURE_SMALLEST = (6, 100)
#: ``settings.disclosure_round_to`` is 0 (no rounding) or from 2 up to this.
MAX_ROUND_TO = 100


def _check_populations(_inst: object, attribute: attrs.Attribute[Any], values: tuple[Observation, ...]) -> None:
    for i, obs in enumerate(values):
        value = float(obs.value)
        if not (value.is_integer() and 0 < value < MAX_POPULATION):
            raise FieldError(
                (attribute.name, i, "value"),
                f"a population is a whole number of children from 1 to {MAX_POPULATION - 1:,}, not {value:g}",
            )


def _check_smallest(_inst: object, attribute: attrs.Attribute[Any], value: int) -> None:
    low, high = DISCLOSURE_SMALLEST
    if not isinstance(value, int) or not low <= value <= high:
        raise FieldError(
            attribute.name,
            f"must be a whole number from {low} to {high}, not {value!r}: it may be raised above DfE's 6, not lowered",
        )


def _check_round_to(_inst: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if not isinstance(value, int) or not (value == 0 or 2 <= value <= MAX_ROUND_TO):
        raise FieldError(
            attribute.name, f"must be 0 (no rounding) or a whole number from 2 to {MAX_ROUND_TO}, not {value!r}"
        )


@attrs.frozen(kw_only=True)
class Settings:
    """How the board wants its framework run.

    Attributes:
        report_date: the day clocks and windows are judged at by default (an annual report's
            "as at" date); today when absent.
        store: where the register lives once imported (``sqlite``: ``register.sqlite`` beside
            board.toml), as registered by a store plugin.
        default_themes: the theme taxonomies shipped with lif-core to load
            (``cin-assessment-factors``: the CIN census assessment factors of England's DfE;
            ``practice-system``); a board's own theme with the same id replaces the shipped one.
            Absent: those the board's statutory framework names (an English framework both, the
            Welsh one ``practice-system``); every shipped one where no installed plugin gives the
            framework. Set to an empty list to use only the board's own themes.
        recommendation_warning: warn when one review makes more recommendations than this
            (research on case reviews found about 47 per review, which blocks embedding).
        recurring_theme_window_months: how far back ``lif themes`` looks for recurrence.
        recurring_theme_minimum: how many reviews and audits make a theme recurring.
        publication_months: months from the decision to review to publication, for the
            framework's clocks that use it (in England about 6).
        deadlines: the board's own review clocks.
        populations: children aged 0-17 in the area by period (ONS mid-year estimates), for
            measures in ``rate-per-10000``: whole numbers from 1 to 99,999,999.
        disclosure_smallest: the smallest count about children that may be published (6: DfE's
            rule shows 1 to 5 as ``c``); raise it for stricter control, up to 100.
        disclosure_round_to: round published counts about children to this (0: no rounding;
            else 2 to 100).
        closures: the board's own closure days, not counted as working days by any clock
            (``{ name = "Christmas closure", first = 2026-12-24, last = 2027-01-01 }``).
    """

    report_date: dt.date | None = None
    store: str = attrs.field(default="sqlite", validator=_check_ref, metadata={"plugin": "stores"})
    default_themes: tuple[str, ...] | None = None
    recommendation_warning: int = count(10)
    recurring_theme_window_months: int = count(24)
    recurring_theme_minimum: int = count(2)
    publication_months: int = count(6)
    populations: tuple[Observation, ...] = attrs.field(default=(), validator=_check_populations)
    disclosure_smallest: int = attrs.field(default=6, validator=_check_smallest)
    disclosure_round_to: int = attrs.field(default=0, validator=_check_round_to)
    deadlines: tuple[Deadline, ...] = attrs.field(default=(), validator=_check_deadlines)
    closures: tuple[Closure, ...] = attrs.field(default=(), validator=_check_closures)


# --------------------------------------------------------------------------- the board

#: Top-level collections of a board, in file order: key in files -> record type.
COLLECTIONS: dict[str, type] = {
    "principles": Principle,
    "functions": StatutoryFunction,
    "partners": Partner,
    "people": Person,
    "groups": Group,
    "sections": Section,
    "inspection_recommendations": InspectionRecommendation,
    "themes": Theme,
    "priorities": Priority,
    "measures": Measure,
    "sources": Source,
    "reviews": CaseReview,
    "findings": Finding,
    "recommendations": Recommendation,
    "actions": Action,
    "evidence": Evidence,
    "audits": Audit,
    "planned_audits": PlannedAudit,
    "section11_standards": Section11Standard,
    "section11_audits": Section11Audit,
    "courses": Course,
    "publications": Publication,
    "national_reviews": NationalReview,
    "scrutiny": Scrutiny,
    "contributions": Contribution,
    "feedback": Feedback,
    "child_deaths": ChildDeathFigures,
}


#: Collections that live in the register (a store, once imported) rather than in board.toml.
REGISTER_COLLECTIONS = (
    "reviews",
    "findings",
    "recommendations",
    "actions",
    "evidence",
    "audits",
    "planned_audits",
    "section11_audits",
    "courses",
    "measures",
    "publications",
    "national_reviews",
    "scrutiny",
    "contributions",
    "feedback",
    "child_deaths",
)


@attrs.frozen(kw_only=True)
class Board:
    """A whole board: who it is, its structure and its learning register.

    Build one with :func:`lif_core.load_board` (from a folder) or
    :func:`lif_core.board_from_data` (from a mapping); both check every cross-reference.
    """

    board: BoardInfo
    plugins: PluginSettings = attrs.field(factory=PluginSettings)
    settings: Settings = attrs.field(factory=Settings)
    principles: tuple[Principle, ...] = many()
    functions: tuple[StatutoryFunction, ...] = many()
    partners: tuple[Partner, ...] = many()
    people: tuple[Person, ...] = many()
    groups: tuple[Group, ...] = many()
    sections: tuple[Section, ...] = many()
    inspection_recommendations: tuple[InspectionRecommendation, ...] = many()
    themes: tuple[Theme, ...] = many()
    priorities: tuple[Priority, ...] = many()
    measures: tuple[Measure, ...] = many()
    sources: tuple[Source, ...] = many()
    reviews: tuple[CaseReview, ...] = many()
    findings: tuple[Finding, ...] = many()
    recommendations: tuple[Recommendation, ...] = many()
    actions: tuple[Action, ...] = many()
    evidence: tuple[Evidence, ...] = many()
    audits: tuple[Audit, ...] = many()
    planned_audits: tuple[PlannedAudit, ...] = many()
    section11_standards: tuple[Section11Standard, ...] = many()
    section11_audits: tuple[Section11Audit, ...] = many()
    courses: tuple[Course, ...] = many()
    publications: tuple[Publication, ...] = many()
    national_reviews: tuple[NationalReview, ...] = many()
    scrutiny: tuple[Scrutiny, ...] = many()
    contributions: tuple[Contribution, ...] = many()
    feedback: tuple[Feedback, ...] = many()
    child_deaths: tuple[ChildDeathFigures, ...] = many()

    def collection(self, name: str) -> tuple[Any, ...]:
        """The records of one top-level collection, by its file key."""
        if name not in COLLECTIONS:
            raise KeyError(name)
        result: tuple[Any, ...] = getattr(self, name)
        return result

    @functools.cached_property
    def _index(self) -> dict[str, tuple[str, Any]]:
        return {item.id: (name, item) for name in COLLECTIONS for item in self.collection(name)}

    def index(self) -> dict[str, tuple[str, Any]]:
        """Every record with an id: ``id -> (collection, record)`` (built once per board)."""
        return self._index

    def get(self, item_id: str) -> Any:
        """The record with this id; KeyError if there is none."""
        return self.index()[item_id][1]

    def where(self, collection: str, predicate: Callable[[Any], bool]) -> list[Any]:
        return [item for item in self.collection(collection) if predicate(item)]


def _resolve_all() -> None:
    """Turn every record's string annotations into real types, once, for code that reads
    ``attrs.fields(cls).type`` (the loader's reference walk, the docs generator)."""
    for value in list(globals().values()):
        if isinstance(value, type) and attrs.has(value) and value.__module__ == __name__:
            attrs.resolve_types(value, globals())


_resolve_all()
