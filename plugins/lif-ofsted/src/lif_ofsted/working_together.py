"""Working Together to Safeguard Children, by edition (2015, 2018, 2023): each edition an
inspection framework (its expectations as areas) and a versioned rule set that boards following
that edition are checked against, as the statutory-return validators version rules by year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from lif_core import Area, InspectionFramework, LoadedBoard, Plugins, Problem
from lif_core.model import Arrangement, ReviewKind, Sector, WorkingTogether

EDITIONS: tuple[InspectionFramework, ...] = (
    InspectionFramework(
        name="working-together-2015",
        title="Working Together to Safeguard Children (2015)",
        body="Department for Education",
        edition="2015",
        description=(
            "Local Safeguarding Children Boards under the Children Act 2004 s.13-16 and the LSCB Regulations 2006."
        ),
        areas=(
            Area("lscb-functions", "The LSCB's statutory functions (s.14; Regulation 5)"),
            Area("independent-chair", "An independent chair"),
            Area("serious-case-reviews", "Serious case reviews and other learning reviews (ch.4)"),
            Area("learning-framework", "A local learning and improvement framework (ch.4)"),
            Area("annual-report", "An annual report on the effectiveness of local services (s.14A)"),
            Area("child-deaths", "Child death reviews (CDOP, ch.5)"),
        ),
    ),
    InspectionFramework(
        name="working-together-2018",
        title="Working Together to Safeguard Children (2018)",
        body="Department for Education",
        edition="2018",
        description=(
            "Three safeguarding partners (local authority, ICB/CCG, police) replace the LSCB; rapid reviews and "
            "local child safeguarding practice reviews replace serious case reviews."
        ),
        areas=(
            Area("safeguarding-partners", "The three safeguarding partners and their published arrangements"),
            Area("relevant-agencies", "Relevant agencies named and working to the arrangements"),
            Area("independent-scrutiny", "Independent scrutiny of the arrangements"),
            Area("rapid-reviews", "Serious incident notification and rapid reviews (15 working days)"),
            Area("lcsprs", "Local child safeguarding practice reviews, published"),
            Area("yearly-report", "A yearly report on the arrangements"),
        ),
    ),
    InspectionFramework(
        name="working-together-2023",
        title="Working Together to Safeguard Children (2023)",
        body="Department for Education",
        edition="2023",
        description=(
            "Lead and delegated safeguarding partners, a partnership chair, independent scrutiny, and education as "
            "a strategic partner."
        ),
        areas=(
            Area("lead-partners", "Lead safeguarding partners and their delegates"),
            Area("partnership-chair", "A partnership chair"),
            Area("independent-scrutiny", "Independent scrutiny"),
            Area("education", "Education's role in the arrangements"),
            Area("child-practice-reviews", "Rapid reviews and local child safeguarding practice reviews"),
            Area("yearly-report", "A yearly report, with the voice of children and families"),
        ),
    ),
)

#: Serious case reviews gave way to LCSPRs for cases notified from 29 September 2019.
SCR_ENDED = dt.date(2019, 9, 29)


def working_together_rules(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """The rules of the edition of Working Together the board follows."""
    board = loaded.board
    edition = board.board.working_together
    expected = Arrangement.LSCB if edition is WorkingTogether.WT2015 else Arrangement.SAFEGUARDING_PARTNERSHIP
    if board.board.arrangement is not expected:
        yield loaded.problem(
            None,
            ("board", "arrangement"),
            f"Working Together {edition.value} expects arrangement = {expected.value!r}",
            severity="warning",
        )
    if edition is WorkingTogether.WT2015:
        if not board.board.chair:
            yield loaded.problem(
                None, ("board", "chair"), "Working Together 2015: an LSCB has an independent chair", severity="warning"
            )
        return
    partners = {p.sector for p in board.partners if p.safeguarding_partner}
    for sector in (Sector.LOCAL_AUTHORITY, Sector.HEALTH, Sector.POLICE):
        if sector not in partners:
            yield loaded.problem(
                None,
                "partners",
                f"Working Together {edition.value}: no {sector.value} partner has safeguarding_partner = true "
                "(the local authority, the health service and the police are the three safeguarding partners)",
            )
    for review in board.reviews:
        if review.kind is ReviewKind.SERIOUS_CASE_REVIEW and review.dates.decided and review.dates.decided >= SCR_ENDED:
            yield loaded.problem(
                review.id,
                "kind",
                f"decided on {review.dates.decided}: since {SCR_ENDED} reviews are local child safeguarding "
                'practice reviews (kind = "lcspr")',
                severity="warning",
            )
    if edition is WorkingTogether.WT2023 and not any(p.sector is Sector.EDUCATION for p in board.partners):
        yield loaded.problem(
            None,
            "partners",
            "Working Together 2023: education is a strategic partner; no education partner is listed",
            severity="warning",
        )
