"""The methodologies, each a declaration (stages, roles, participants, artefacts) plus the rules
it checks. Rules apply from the lifecycle stage at which they become due, so a review is held
to what it should have done by where it is, not to what it cannot have done yet."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import attrs

from lif_core import (
    CaseReview,
    Involvement,
    LoadedBoard,
    Methodology,
    PlanKind,
    PractitionerEventKind,
    Problem,
    ReviewerRole,
    ReviewStage,
    add_months,
    stage_reached,
)

WARNING = "warning"
#: The 6M categories of root cause analysis's fishbone diagram.
SIX_M = ("people", "process", "equipment", "environment", "materials", "management")
BRIEFINGS = ("seven-minute-briefing", "learning-briefing", "practitioner-briefing")


@attrs.frozen
class Rule:
    """One rule a methodology checks: its name (quoted in every message), the stage from which
    it applies, and the test, which yields ``(field, message)`` for each breach."""

    name: str
    from_stage: ReviewStage
    test: Callable[[CaseReview, LoadedBoard], Iterator[tuple[str, str]]]
    severity: str = "error"


def _has_event(review: CaseReview, kind: PractitionerEventKind) -> bool:
    return any(e.kind is kind for e in review.practitioner_events)


def _has_artefact(review: CaseReview, kinds: Iterable[str]) -> bool:
    wanted = set(kinds)
    return any(a.kind in wanted for a in review.artefacts)


# --------------------------------------------------------------------------- shared rules (principles of any review)


def _independent_lead(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if not any(r.independent for r in review.reviewers if r.role is ReviewerRole.LEAD_REVIEWER):
        yield "reviewers", "no lead reviewer independent of the case and of the agencies reviewed"


def _practitioners(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if not review.practitioner_events:
        yield "practitioner_events", "front-line practitioners have not been involved"


def _child_views(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if review.child_views in (Involvement.NOT_SOUGHT, Involvement.NOT_YET_SOUGHT):
        yield "child_views", f"the child's views have not been sought ({review.child_views.value})"


def _family(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if review.family_involvement in (Involvement.NOT_SOUGHT, Involvement.NOT_YET_SOUGHT):
        yield "family_involvement", "the family has not been invited to contribute"


def _good_practice(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if not any(f.good_practice for f in board.board.findings if f.source == review.id):
        yield "id", "no finding identifies good practice to share and celebrate"


def _disseminated(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if not _has_artefact(review, BRIEFINGS):
        yield "artefacts", "no briefing cascades the learning (e.g. a seven-minute-briefing artefact)"


def _change_evidenced(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    recs = {r.id for r in board.board.recommendations if r.source == review.id}
    acts = {a.id for a in board.board.actions if a.recommendation in recs}
    linked = {review.id} | recs | acts
    if not any(linked & set(e.supports) for e in board.board.evidence):
        yield "id", "no evidence item shows whether practice changed after this review"


SHARED_RULES = (
    Rule("independent lead reviewer", ReviewStage.COMMISSIONING, _independent_lead),
    Rule("practitioners' experience informs the review", ReviewStage.ANALYSIS, _practitioners),
    Rule("the child's views are sought", ReviewStage.REPORT, _child_views),
    Rule("family involvement (quality marker 12)", ReviewStage.REPORT, _family, WARNING),
    Rule("good practice identified and celebrated", ReviewStage.REPORT, _good_practice, WARNING),
    Rule("learning cascaded", ReviewStage.EMBEDDING, _disseminated),
    Rule("change evidenced through continued review", ReviewStage.EVALUATION, _change_evidenced, WARNING),
)


# --------------------------------------------------------------------------- the declared methodology


class DeclaredMethodology(Methodology):
    """A methodology described by data: its stages, roles, participants and artefacts, the
    options a review may set, and its rules (which run with the shared ones)."""

    participants: tuple[str, ...] = ()
    options: Mapping[str, tuple[str, ...] | None] = {}
    rules: tuple[Rule, ...] = ()

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        """The rules a review under this methodology is checked against: the shared ones, then its own."""
        return (*SHARED_RULES, *self.rules)

    def check(self, review: CaseReview, board: LoadedBoard) -> Iterable[Problem]:
        for key, value in review.options.items():
            if key not in self.options:
                allowed = ", ".join(self.options) or "none"
                yield board.problem(
                    review.id, ("options", key), f"{self.title} has no option {key!r}; its options: {allowed}"
                )
            elif self.options[key] is not None and value not in self.options[key]:  # type: ignore[operator]
                allowed = ", ".join(repr(v) for v in self.options[key] or ())
                yield board.problem(review.id, ("options", key), f"{value!r} is not one of {allowed}")
        for rule in self.all_rules:
            if not stage_reached(review, rule.from_stage, board):
                continue
            for field, message in rule.test(review, board):
                yield board.problem(review.id, field, f"[{rule.name}] {message}", severity=rule.severity)


def _require_event(
    kind: PractitionerEventKind, label: str
) -> Callable[[CaseReview, LoadedBoard], Iterator[tuple[str, str]]]:
    def test(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
        if not _has_event(review, kind):
            yield "practitioner_events", f"no {label} has been held (practitioner_events kind {kind.value!r})"

    return test


def _require_artefacts(*kinds: str) -> Callable[[CaseReview, LoadedBoard], Iterator[tuple[str, str]]]:
    def test(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
        for kind in kinds:
            if not _has_artefact(review, (kind,)):
                yield "artefacts", f"the {kind} is missing (artefacts kind {kind!r})"

    return test


def _accredited(body: str, count: int) -> Callable[[CaseReview, LoadedBoard], Iterator[tuple[str, str]]]:
    def test(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
        leads = [
            r
            for r in review.reviewers
            if r.role is ReviewerRole.LEAD_REVIEWER and r.independent and body.lower() in r.accredited_by.lower()
        ]
        if len(leads) < count:
            need = "a lead reviewer" if count == 1 else f"{count} lead reviewers"
            yield "reviewers", f"needs {need} independent and accredited by {body}; has {len(leads)}"

    return test


# --------------------------------------------------------------------------- SILP


class Silp(DeclaredMethodology):
    name = "silp"
    title = "Significant Incident Learning Process (SILP)"
    description = (
        "A systems review led with front-line staff and first-line managers: agency reports, a practitioner "
        "learning event and a recall day; highlights good practice as well as what went wrong."
    )
    stages = ("scoping", "agency-reports", "learning-event", "recall-day", "report")
    roles = ("lead-reviewer (SILP accredited)", "review panel", "agency authors")
    participants = ("front-line practitioners", "first-line managers", "designated safeguarding leads")
    artefacts = ("terms-of-reference", "agency-report", "report", "seven-minute-briefing")
    rules = (
        Rule("SILP: accredited lead reviewer", ReviewStage.COMMISSIONING, _accredited("SILP", 1)),
        Rule("SILP: agency reports", ReviewStage.ANALYSIS, _require_artefacts("agency-report")),
        Rule(
            "SILP: practitioner learning event",
            ReviewStage.ANALYSIS,
            _require_event(PractitionerEventKind.LEARNING_EVENT, "learning event"),
        ),
        Rule("SILP: recall day", ReviewStage.REPORT, _require_event(PractitionerEventKind.RECALL_DAY, "recall day")),
    )


# --------------------------------------------------------------------------- SCIE


def _no_imrs(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    if _has_artefact(review, ("individual-management-review",)):
        yield "artefacts", "Learning Together does not use individual management reviews: work through the review team"


class ScieLearningTogether(DeclaredMethodology):
    name = "scie-learning-together"
    title = "SCIE Learning Together (systems model)"
    description = (
        "Identifies key practice episodes, the contributory factors behind them and the underlying patterns in "
        "the system; two accredited independent reviewers work with a review team of the agencies involved."
    )
    stages = ("set-up", "data-collection", "analysis", "findings", "report")
    roles = ("two lead reviewers (SCIE accredited)", "review team", "case group")
    participants = ("practitioners in the case group (conversations)", "review team of senior agency staff")
    artefacts = ("terms-of-reference", "key-practice-episodes", "report")
    rules = (
        Rule("SCIE: two accredited reviewers", ReviewStage.COMMISSIONING, _accredited("SCIE", 2)),
        Rule(
            "SCIE: review team meetings",
            ReviewStage.ANALYSIS,
            _require_event(PractitionerEventKind.REVIEW_TEAM_MEETING, "review team meeting"),
        ),
        Rule("SCIE: no individual management reviews", ReviewStage.REFERRAL, _no_imrs),
        Rule("SCIE: key practice episodes", ReviewStage.REPORT, _require_artefacts("key-practice-episodes")),
    )


# --------------------------------------------------------------------------- Welsh Child Practice Review


#: The two kinds of Welsh child practice review.
WELSH_VARIANTS = ("concise", "extended")


def welsh_variant(review: CaseReview) -> str | None:
    """``concise`` if the child had no child protection plan and was not looked after in the 6
    months before the incident, ``extended`` if they had or were; None without an incident date."""
    incident = review.dates.incident
    if incident is None:
        return None
    window_start = add_months(incident, -6)
    statutory = (PlanKind.CHILD_PROTECTION_PLAN, PlanKind.LOOKED_AFTER)
    if any(p.kind in statutory and p.overlaps(window_start, incident) for p in review.statutory_plans):
        return "extended"
    return "concise"


def declared_variant(review: CaseReview) -> tuple[str, object] | None:
    """The variant the review declares, with the field it is in: its ``decision`` where that is
    ``concise`` or ``extended`` (a child practice review's decision under the Welsh framework),
    else ``options.variant`` (boards written before reviews recorded decisions); None if neither."""
    if review.decision in WELSH_VARIANTS:
        return "decision", review.decision
    if "variant" in review.options:
        return "options", review.options["variant"]
    return None


def _welsh_variant(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    variant = welsh_variant(review)
    if variant is None:
        yield "dates", "the incident date is needed to choose a concise or extended review (the 6-month rule)"
        return
    declared = declared_variant(review)
    if declared is not None and declared[1] != variant:
        reason = (
            "a child protection plan or being looked after in the 6 months before the incident"
            if variant == "extended"
            else "no child protection plan and not looked after in the 6 months before the incident"
        )
        yield declared[0], f"declared {declared[1]!r} but the 6-month rule makes it {variant!r} ({reason})"
    if variant == "extended":
        reviewers = [r for r in review.reviewers if r.role in (ReviewerRole.LEAD_REVIEWER, ReviewerRole.REVIEWER)]
        if len(reviewers) < 2:
            yield "reviewers", f"an extended review is undertaken by two reviewers; has {len(reviewers)}"


class WelshChildPracticeReview(DeclaredMethodology):
    name = "welsh-cpr"
    title = "Welsh Child Practice Review"
    description = (
        "A concise review, or an extended one with two reviewers and extra scrutiny of the statutory plans "
        "where the child had a child protection plan or was looked after in the 6 months before the incident; "
        "looks at the previous 12 months through a facilitated learning event."
    )
    stages = ("review-panel", "timeline", "learning-event", "report", "publication")
    roles = ("review panel", "reviewer (concise) or two reviewers (extended)")
    participants = ("practitioners and managers", "the child and family, as they wish", "senior officers (extended)")
    artefacts = ("terms-of-reference", "summary-timeline", "report", "seven-minute-briefing", "press-statement")
    options: Mapping[str, tuple[str, ...] | None] = {"variant": WELSH_VARIANTS}
    rules = (
        Rule("Welsh CPR: concise or extended (6-month rule)", ReviewStage.DECISION, _welsh_variant),
        Rule(
            "Welsh CPR: terms of reference", ReviewStage.INFORMATION_GATHERING, _require_artefacts("terms-of-reference")
        ),
        Rule("Welsh CPR: summary timeline", ReviewStage.ANALYSIS, _require_artefacts("summary-timeline")),
        Rule(
            "Welsh CPR: facilitated learning event",
            ReviewStage.ANALYSIS,
            _require_event(PractitionerEventKind.LEARNING_EVENT, "learning event"),
        ),
        Rule("Welsh CPR: report", ReviewStage.BOARD_RESPONSE, _require_artefacts("report")),
        Rule(
            "Welsh CPR: publication outputs",
            ReviewStage.PUBLICATION,
            _require_artefacts("seven-minute-briefing", "press-statement"),
        ),
    )


# --------------------------------------------------------------------------- root cause analysis


def _categories(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    findings = [f for f in board.board.findings if f.source == review.id]
    for f in findings:
        if f.category and f.category not in SIX_M:
            yield "id", f"finding {f.id}: category {f.category!r} is not one of the 6M: {', '.join(SIX_M)}"
    if not any(f.category in SIX_M for f in findings):
        yield "id", "no finding is placed in a fishbone category (set findings[].category to one of the 6M)"


class RootCauseAnalysis(DeclaredMethodology):
    name = "root-cause-analysis"
    title = "Root cause analysis"
    description = (
        "Asks what happened and why, working back from the incident to system causes; the fishbone diagram's "
        "6M categories (people, process, equipment, environment, materials, management) are the starting points."
    )
    stages = ("chronology", "fishbone", "root-causes", "report")
    roles = ("lead reviewer", "review panel")
    participants = ("practitioners (interviews)",)
    artefacts = ("chronology", "fishbone", "report")
    rules = (
        Rule("RCA: chronology", ReviewStage.ANALYSIS, _require_artefacts("chronology")),
        Rule("RCA: fishbone (6M categories)", ReviewStage.REPORT, _categories),
    )


# --------------------------------------------------------------------------- Appreciative Inquiry


def _topic(review: CaseReview, board: LoadedBoard) -> Iterator[tuple[str, str]]:
    topic = review.options.get("affirmative_topic")
    if not isinstance(topic, str) or not topic.strip():
        yield "options", "set options.affirmative_topic: the positive question the inquiry explores"


class AppreciativeInquiry(DeclaredMethodology):
    name = "appreciative-inquiry"
    title = "Appreciative Inquiry (4-D)"
    description = (
        "Generative questions about what works and why: an affirmative topic, then Discovery, Dream, Design and "
        "Destiny, explored in a whole-system session; single-agency chronologies are still used."
    )
    stages = ("affirmative-topic", "discovery", "dream", "design", "destiny")
    roles = ("facilitator", "whole-system group")
    participants = ("practitioners and managers from every agency involved",)
    artefacts = ("chronology", "report")
    options: Mapping[str, tuple[str, ...] | None] = {
        "affirmative_topic": None,
        "phase": ("discovery", "dream", "design", "destiny"),
    }
    rules = (
        Rule("AI: affirmative topic", ReviewStage.COMMISSIONING, _topic),
        Rule("AI: single-agency chronologies", ReviewStage.ANALYSIS, _require_artefacts("chronology")),
        Rule(
            "AI: whole-system session",
            ReviewStage.ANALYSIS,
            _require_event(PractitionerEventKind.WHOLE_SYSTEM_SESSION, "whole-system session"),
        ),
    )


METHODOLOGIES: tuple[DeclaredMethodology, ...] = (
    Silp(),
    ScieLearningTogether(),
    WelshChildPracticeReview(),
    RootCauseAnalysis(),
    AppreciativeInquiry(),
)

__all__ = ["METHODOLOGIES", "SIX_M", "DeclaredMethodology", "Rule", "welsh_variant"]
