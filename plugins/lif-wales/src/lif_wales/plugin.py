"""lif-wales plugin (hooks: register_statutory_frameworks, register_inspection_frameworks,
register_checks).

The Welsh statutory framework as data (``frameworks/wales-2014-act.toml``): Regional
Safeguarding Children Boards under the Social Services and Well-being (Wales) Act 2014, Part 7.
Care Inspectorate Wales's framework and the joint inspections of child protection arrangements
are in ``inspection.py``. The rules below run only on boards working under the Welsh framework
(``Check(..., frameworks=("wales-2014-act",))``): an English board never sees them, and a Welsh
board never sees Working Together's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import attrs
from lif_methodologies import welsh_variant

from lif_core import Check, InspectionFramework, LoadedBoard, Plugins, Problem, StatutoryFramework, hookimpl

from .inspection import FRAMEWORKS as INSPECTION_FRAMEWORKS

NAME = "wales-2014-act"
WALES = (NAME,)
#: The partner sectors s.134(2) makes Safeguarding Board partners, and how a Board without one is
#: reported: an error for the local authority, police and health, which the Act names for every
#: area; a warning for probation, a partner through the Secretary of State's functions in Wales and
#: the providers arrangements require to act as one (s.134(2)(e)-(f)), which boards record in
#: different ways.
BOARD_PARTNER_SECTORS = {"local-authority": "error", "police": "error", "health": "error", "probation": "warning"}
#: Sectors whose bodies Children Act 2004 s.28 reaches in Wales (local authorities, Local Health
#: Boards and NHS Trusts, the police, probation and youth offending teams).
SECTION_28_SECTORS = ("local-authority", "health", "police", "probation", "youth-justice")
CPR = "child-practice-review"


#: The files ``lif init --framework wales-2014-act`` writes for a new board (``templates/``).
TEMPLATE_FILES = ("board.toml", "register.toml")


def load() -> StatutoryFramework:
    """The Welsh framework, from the TOML file shipped in this package, with its new-board
    templates (``{{name}}``, ``{{area}}`` and ``{{id}}`` placeholders)."""
    framework = StatutoryFramework.from_resource("lif_wales", f"frameworks/{NAME}.toml")
    folder = resources.files("lif_wales") / "templates"
    return attrs.evolve(framework, templates={n: (folder / n).read_text(encoding="utf-8") for n in TEMPLATE_FILES})


@functools.cache
def framework() -> StatutoryFramework:
    """The Welsh framework, read once, when first asked for (not at start-up)."""
    return load()


def __getattr__(name: str) -> Any:
    if name == "FRAMEWORK":
        return framework()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def register_statutory_frameworks(register: Callable[[StatutoryFramework], None]) -> None:
    register(framework())


@hookimpl
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    for framework in INSPECTION_FRAMEWORKS:
        register(framework)


# --------------------------------------------------------------------------- rules


def _board_partner(partner: Any) -> bool:
    return bool(partner.safeguarding_partner or "safeguarding-board-partner" in partner.roles)


def board_partners(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """s.134(2) and (6)(a): the Board includes a representative of each Safeguarding Board
    partner: the local authorities, the chief officer of police, the Local Health Board (and NHS
    Trusts), and probation."""
    sectors = {p.sector.value for p in loaded.board.partners if _board_partner(p)}
    for sector, severity in BOARD_PARTNER_SECTORS.items():
        if sector not in sectors:
            yield loaded.problem(
                None,
                "partners",
                f"Social Services and Well-being (Wales) Act 2014 s.134(2): no {sector} partner is a Safeguarding "
                'Board partner (set roles = ["safeguarding-board-partner"]); the Board includes a representative of '
                "each local authority, the police, the Local Health Board and NHS Trusts, and probation",
                severity=severity,
            )


def lead_partner(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """s.134(3)(a): the lead partner in relation to children is one of the Safeguarding Board
    partners, and there is one."""
    leads = [p for p in loaded.board.partners if "lead-partner" in p.roles]
    for partner in leads:
        if not _board_partner(partner):
            yield loaded.problem(
                partner.id,
                "roles",
                "Social Services and Well-being (Wales) Act 2014 s.134(3)(a): the lead partner is one of the "
                'Safeguarding Board partners; add "safeguarding-board-partner" to its roles',
            )
    if len(leads) > 1:
        yield loaded.problem(
            None,
            "partners",
            f"Social Services and Well-being (Wales) Act 2014 s.134(3)(a): one lead partner in relation to children "
            f"is specified for an area; {len(leads)} partners hold the role ({', '.join(p.id for p in leads)})",
            severity="warning",
        )


def section_28_duties(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Children Act 2004 s.28 reaches Welsh local authorities, Local Health Boards and NHS
    Trusts, the police, probation and youth offending teams: a partner of those sectors that is
    a Safeguarding Board partner lists the duty."""
    for partner in loaded.board.partners:
        listed = "children-act-2004-s28" in partner.duties
        if partner.sector.value in SECTION_28_SECTORS and _board_partner(partner) and not listed:
            yield loaded.problem(
                partner.id,
                "duties",
                f"a {partner.sector.value} Safeguarding Board partner has the Children Act 2004 s.28 duty to "
                'safeguard and promote the welfare of children: add "children-act-2004-s28" to its duties',
                severity="warning",
            )


def _past(review: Any, stage: str) -> bool:
    order = framework().stages_of(CPR)
    return review.stage in order and order.index(review.stage) > order.index(stage)


def cpr_decision(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """A child practice review's decision (concise or extended) agrees with the 6-month rule
    where the review's incident date and statutory plans tell; an extended review has two
    reviewers once commissioned. Reviews run with the welsh-cpr methodology are held to the same
    rules by it (as errors), so they are left to it here."""
    for review in loaded.board.reviews:
        if review.kind != CPR or review.methodology == "welsh-cpr":
            continue
        variant = welsh_variant(review)
        if review.decision in ("concise", "extended") and variant is not None and review.decision != variant:
            why = (
                "the child had a child protection plan or was looked after in the 6 months before the incident"
                if variant == "extended"
                else "the child was neither on the child protection register nor looked after in the 6 months "
                "before the incident"
            )
            yield loaded.problem(
                review.id,
                "decision",
                f"decided {review.decision!r}, but by its statutory_plans and incident date it is {variant!r}: {why} "
                "(Safeguarding Boards (Functions and Procedures) (Wales) Regulations 2015)",
                severity="warning",
            )
        if review.decision == "extended" and _past(review, "commissioning"):
            reviewers = [r for r in review.reviewers if r.role.value in ("lead-reviewer", "reviewer")]
            if len(reviewers) < 2:
                yield loaded.problem(
                    review.id,
                    "reviewers",
                    f"an extended child practice review is undertaken by two reviewers; {len(reviewers)} listed "
                    "(Working Together to Safeguard People, Volume 2)",
                    severity="warning",
                )


CHECKS = (
    Check(
        "wales-board-partners",
        "Wales (2014 Act s.134): the local authority, police, health and probation are Safeguarding Board partners",
        board_partners,
        WALES,
    ),
    Check(
        "wales-lead-partner",
        "Wales (2014 Act s.134(3)): the lead partner is a Safeguarding Board partner",
        lead_partner,
        WALES,
    ),
    Check(
        "wales-section-28",
        "Wales: statutory partners hold the Children Act 2004 s.28 duty",
        section_28_duties,
        WALES,
    ),
    Check(
        "wales-cpr-decision",
        "Wales: a child practice review's concise or extended decision agrees with the 6-month rule",
        cpr_decision,
        WALES,
    ),
)


@hookimpl
def register_checks(register: Callable[[Check], None]) -> None:
    for check in CHECKS:
        register(check)
