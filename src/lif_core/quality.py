"""The 18 quality markers for case reviews (NSPCC and SCIE), as a checklist any review can be
assessed against in its ``quality`` list."""

from __future__ import annotations

import attrs

from .model import CaseReview, MarkerRating

__all__ = ["QUALITY_MARKERS", "Marker", "marker_summary"]


@attrs.frozen
class Marker:
    id: str
    number: int
    phase: str
    title: str


_PHASES = (
    ("set-up", ("referral", "decision-making", "advising-board-members", "informing-the-family", "clarity-of-purpose")),
    (
        "running",
        (
            "commissioning",
            "governance",
            "management",
            "parallel-processes",
            "assembling-information",
            "practitioner-involvement",
            "family-involvement",
            "analysis",
        ),
    ),
    (
        "outputs",
        ("report", "improvement-action", "board-written-response", "publication", "implementation-and-evaluation"),
    ),
)

#: The markers in their published order: set-up (1-5), running the review (6-13), outputs (14-18).
QUALITY_MARKERS: tuple[Marker, ...] = tuple(
    Marker(marker_id, number, phase, marker_id.replace("-", " ").capitalize())
    for number, (phase, marker_id) in enumerate(((p, m) for p, ms in _PHASES for m in ms), start=1)
)
MARKER_IDS = {m.id for m in QUALITY_MARKERS}


def marker_summary(review: CaseReview) -> str:
    """``met 9, partly 2, not met 1, not assessed 6`` for a review's quality checklist."""
    ratings = {a.marker: a.rating for a in review.quality}
    met = sum(r is MarkerRating.MET for r in ratings.values())
    partly = sum(r is MarkerRating.PARTLY_MET for r in ratings.values())
    not_met = sum(r is MarkerRating.NOT_MET for r in ratings.values())
    unassessed = sum(1 for m in QUALITY_MARKERS if m.id not in ratings or ratings[m.id] is MarkerRating.NOT_YET)
    return f"met {met}/18, partly {partly}, not met {not_met}, not yet assessed {unassessed}"
