"""Builtin checks of a board against its statutory framework (hook: register_checks): each
review's lifecycle by its kind, decisions, grades on their scales, roles and who holds them,
the functions the framework expects, and the recurring publications it requires.

The framework supplies every name and number; these checks only hold the board to it, so they
run unchanged on an English partnership, a Welsh regional board or a framework a third party
registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ..errors import Problem, Severity
from ..extensions import Check
from ..frameworks import StatutoryFramework, indefinite, period_bounds, record_problems
from ..plugins import hookimpl

if TYPE_CHECKING:
    from ..board import LoadedBoard
    from ..model import CaseReview, Person
    from ..plugins import Plugins

WARNING = Severity.WARNING


def review_lifecycle(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Each review moves through its kind's stages in order, records its decision from the
    kind's decisions, is of a kind the framework still has on the day it was decided, and
    follows (where it follows one) a review that decided on it, with no loop."""
    framework = loaded.framework
    if framework is None:
        return
    follows = {r.id: r.follows for r in loaded.board.reviews if r.follows}
    for review in loaded.board.reviews:
        spec = framework.review_kind(review.kind)
        if spec is None:  # reported with the names
            continue
        order = spec.stages
        if (
            not review.decision
            and spec.decision_stage
            and review.stage in order
            and order.index(review.stage) > order.index(spec.decision_stage)
        ):
            choices = ", ".join(d.name for d in spec.decisions)
            yield loaded.problem(
                review.id,
                "decision",
                f"the review is past its {spec.decision_stage} stage but records no decision ({choices})",
                severity=WARNING,
            )
        if review.follows is not None and review.follows != review.id:
            chain, current = [review.id], review.follows
            while current in follows and current not in chain:
                chain.append(current)
                current = follows[current]
            if current in chain:
                yield loaded.problem(
                    review.id, "follows", "reviews follow each other in a loop: " + " -> ".join([*chain, current])
                )
        decided = review.dates.decided
        if spec.ended is not None and decided is not None and decided > spec.ended:
            instead = framework.review_kind(spec.replaced_by) if spec.replaced_by else None
            hint = f' (kind = "{instead.name}", {instead.title.lower()})' if instead else ""
            yield loaded.problem(
                review.id,
                "kind",
                f"decided on {decided}: {spec.title.lower()}s ended on {spec.ended}; later reviews are "
                f"{instead.title.lower() + 's' if instead else 'of another kind'}{hint}",
                severity=WARNING,
            )
        if review.follows is not None and review.follows != review.id:  # itself: a record problem
            yield from _follows_its_decision(loaded, framework, review, loaded.board.get(review.follows))


def _follows_its_decision(
    loaded: LoadedBoard, framework: StatutoryFramework, review: CaseReview, earlier: CaseReview
) -> Iterator[Problem]:
    """A review that follows one whose kind decides on reviews of this kind (a rapid review
    deciding whether an LCSPR follows) should follow a decision for it."""
    spec = framework.review_kind(earlier.kind)
    if spec is None or spec.decision(review.kind) is None or earlier.decision == review.kind:
        return
    kind = framework.title_of("review_kinds", review.kind).lower()
    said = f"decided {earlier.decision!r}" if earlier.decision else "recorded no decision"
    yield loaded.problem(
        review.id,
        "follows",
        f"follows {earlier.id}, which {said}: {indefinite(kind)} follows {indefinite(spec.title.lower())} that decided "
        f"{review.kind!r}; check both",
        severity=WARNING,
    )


def grades_on_scale(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Audit grades and partners' self-assessment scores are on their scale."""
    framework = loaded.framework
    if framework is None:
        return
    for audit in loaded.board.audits:
        name = audit.scale or framework.audit_scale
        scale = framework.scale(name) if name else None
        if scale is None:
            if audit.grades:
                yield loaded.problem(
                    audit.id,
                    "grades",
                    f"{framework.title} names no grade scale for audits: set scale to one of "
                    + (", ".join(framework.names("grade_scales")) or "(none: it has no grade scales)"),
                )
            continue
        for i, grade in enumerate(audit.grades):
            if grade.grade not in scale.values:
                yield loaded.problem(
                    audit.id,
                    ("grades", i, "grade"),
                    f"{grade.grade!r} is not on the {scale.title} scale ({scale.name}): use one of "
                    + ", ".join(repr(v) for v in scale.values),
                )
    for cycle in loaded.board.section11_audits:
        name = cycle.scale or framework.self_assessment_scale
        if not name:
            if any(ret.scores for ret in cycle.returns):
                yield loaded.problem(
                    cycle.id,
                    "scale",
                    f"{framework.title} names no scale for self-assessments: set scale to one of "
                    + (", ".join(framework.names("grade_scales")) or "(none: it has no grade scales)"),
                )
            continue
        found = framework.scale(name)
        if found is None:
            continue  # reported with the names
        for i, ret in enumerate(cycle.returns):
            for j, score in enumerate(ret.scores):
                for key in ("self_assessed", "moderated"):
                    value = getattr(score, key)
                    if value and value not in found.values:
                        yield loaded.problem(
                            cycle.id,
                            ("returns", i, "scores", j, key),
                            f"{value!r} is not on the {found.name} scale: use one of "
                            + ", ".join(repr(v) for v in found.values),
                        )


def roles_held(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Agencies hold agency roles and people hold people's roles; the roles the framework
    requires are held (one per sector where it names sectors); delegates are delegated to by
    someone whose role may delegate."""
    framework = loaded.framework
    if framework is None:
        return
    board = loaded.board
    roles = {r.name: r for r in framework.roles}
    partners = {p.id: p for p in board.partners}
    for partner in board.partners:
        for i, name in enumerate(partner.roles):
            role = roles.get(name)
            if role is not None and role.holder != "agency":
                yield loaded.problem(
                    partner.id,
                    ("roles", i),
                    f"{role.title} is a role a person holds: add a [[people]] entry with role = {name!r}",
                )
    people = {p.id: p for p in board.people}
    today = board.settings.report_date or dt.date.today()

    def in_post(person: Person) -> bool:
        return (person.since is None or person.since <= today) and (person.until is None or person.until >= today)

    for person in board.people:
        role = roles.get(person.role)
        if role is None:
            continue
        if role.holder != "person":
            yield loaded.problem(
                person.id, "role", f"{role.title} is a role an agency holds: list it in that partner's roles"
            )
        if role.independent and not person.independent:
            yield loaded.problem(
                person.id,
                "independent",
                f"{indefinite(role.title.lower())} is independent of the partner agencies: "
                "set independent = true if they are",
                severity=WARNING,
            )
        if person.delegate_of is not None:
            lead = people[person.delegate_of]
            lead_role = roles.get(lead.role)
            if lead.id == person.id:
                yield loaded.problem(person.id, "delegate_of", "no one delegates to themselves")
                continue
            if lead_role is not None and lead_role.delegates_to == person.role:
                if lead.partner and person.partner and lead.partner != person.partner:
                    yield loaded.problem(
                        person.id,
                        "delegate_of",
                        f"acts for {person.partner} but is delegated to by {lead.name}, who acts for {lead.partner}",
                        severity=WARNING,
                    )
                if not in_post(lead) and in_post(person):
                    yield loaded.problem(
                        person.id, "delegate_of", f"{lead.name} is not in post as at {today}", severity=WARNING
                    )
            if lead_role is None or lead_role.delegates_to != person.role:
                yield loaded.problem(
                    person.id,
                    "delegate_of",
                    f"{lead.name} ({lead.role}) cannot delegate the role {person.role!r}"
                    + (
                        f": a {lead_role.title.lower()} delegates to {lead_role.delegates_to!r}"
                        if lead_role and lead_role.delegates_to
                        else ""
                    ),
                )
    delegated = {r.delegates_to for r in framework.roles if r.delegates_to}
    for person in board.people:
        if person.role in delegated and person.delegate_of is None:
            yield loaded.problem(
                person.id,
                "delegate_of",
                f"{indefinite(roles[person.role].title.lower())} holds the role by delegation: name who delegated it",
                severity=WARNING,
            )
    for role in framework.roles:
        if role.holder == "person":
            holders = [p for p in board.people if p.role == role.name and in_post(p)]
            sectors = {partners[p.partner].sector.value for p in holders if p.partner in partners}
        else:
            holders_a = [p for p in board.partners if role.name in p.roles]
            holders = holders_a  # type: ignore[assignment]
            sectors = {p.sector.value for p in holders_a}
        where = "people" if role.holder == "person" else "partners"
        if len(holders) < role.minimum:
            listed = "none is listed" if not holders else f"{len(holders)} listed"
            how = (
                f'a [[people]] entry with role = "{role.name}"'
                if role.holder == "person"
                else f'roles = ["{role.name}"]'
            )
            yield loaded.problem(
                None,
                where,
                f"{framework.title} expects at least {role.minimum} {role.title.lower()}"
                f"{'' if role.minimum == 1 else ' holder(s)'}; {listed} (add {how})",
                severity=WARNING,
            )
        if holders and role.sectors:
            missing = [s for s in role.sectors if s not in sectors]
            if missing:
                yield loaded.problem(
                    None,
                    where,
                    f"{framework.title}: no {role.title.lower()} for {', '.join(missing)} "
                    f"(one is expected for each of {', '.join(role.sectors)})",
                    severity=WARNING,
                )


def functions_expected(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """The board lists the functions its framework expects of it."""
    framework = loaded.framework
    if framework is None:
        return
    for kind in framework.function_kinds:
        have = sum(1 for f in loaded.board.functions if f.kind == kind.name)
        if have < kind.minimum:
            yield loaded.problem(
                None,
                "functions",
                f"{framework.title}: {kind.minimum} functions of kind {kind.name!r} ({kind.title}"
                + (f", {kind.source}" if kind.source else "")
                + f") are expected; {have} listed",
                severity=WARNING,
            )


def publications_kept(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Recurring publications name a reporting year once each, and were sent on time where
    the framework says they must be sent."""
    framework = loaded.framework
    if framework is None:
        return
    seen: dict[tuple[str, str], str] = {}
    for publication in loaded.board.publications:
        kind = framework.term("obligations", publication.kind)
        if kind is None:
            continue
        if list(record_problems(framework, "publications", publication)):
            continue  # reported with the names, before the checks run
        key = (publication.kind, str(period_bounds(publication.period, kind.year_starts)[0]))
        if key in seen:
            yield loaded.problem(
                publication.id,
                "period",
                f"{kind.title} for the year {publication.period} is already recorded as {seen[key]}",
            )
        seen[key] = publication.id
        if kind.sent_within_days is not None and publication.published and publication.sent:
            late = (publication.sent - publication.published).days - kind.sent_within_days
            if late > 0:
                yield loaded.problem(
                    publication.id,
                    "sent",
                    f"sent {late} day(s) late: it goes to {kind.sent_to} within {kind.sent_within_days} days of "
                    "publication",
                    severity=WARNING,
                )


def inspections_known(loaded: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    """The inspection frameworks the statutory framework is inspected against are installed."""
    framework = loaded.framework
    if framework is None:
        return
    missing = [n for n in framework.inspection_frameworks if n not in plugins.inspection_frameworks]
    if missing:
        yield loaded.problem(
            None,
            ("board", "statutory_framework"),
            f"{framework.title} is inspected against {', '.join(missing)}, which no installed plugin provides: "
            "install the plugin that registers them to map inspection recommendations onto them",
            severity=WARNING,
        )


CHECKS = (
    Check("review-lifecycle", "reviews move through their kind's stages and record its decisions", review_lifecycle),
    Check("grades-on-scale", "audit grades and self-assessment scores are on their scales", grades_on_scale),
    Check("roles-held", "the framework's roles are held, by agencies or people as it says", roles_held),
    Check("functions-expected", "the board lists the functions its framework expects", functions_expected),
    Check("publications-kept", "recurring publications are recorded once per year, sent on time", publications_kept),
    Check("inspections-known", "the framework's inspection frameworks are installed", inspections_known),
)


@hookimpl(trylast=True)
def register_checks(register: Callable[[Check], None]) -> None:
    for check in CHECKS:
        register(check)
