"""Where a review is in its lifecycle: helpers for rules that apply from a stage on.

A review's stages are ordered by its *kind* under the board's statutory framework
(:meth:`lif_core.StatutoryFramework.stages_of`), not by the order :class:`lif_core.ReviewStage`
happens to be defined in: under Working Together 2015 a serious case review reaches ``decision``
after ``analysis``, and a framework may add stages of its own. These helpers take that order
(or a board, whose framework gives it), and fall back to the usual :data:`lif_core.LIFECYCLE`
only where the kind's order does not name a stage.

    from lif_core import stage_reached

    if stage_reached(review, "report", board):   # board: a LoadedBoard opened with its framework
        ...                                      # hold the review to what is due by its report
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .frameworks import LIFECYCLE

if TYPE_CHECKING:
    from .board import LoadedBoard
    from .frameworks import StatutoryFramework
    from .model import CaseReview

__all__ = ["stage_order", "stage_passed", "stage_reached", "stages_from"]


def _name(stage: str | enum.Enum) -> str:
    """A stage's name: as boards write it (``"analysis"``), or a :class:`lif_core.ReviewStage`'s value."""
    return str(stage.value) if isinstance(stage, enum.Enum) else str(stage)


def stage_order(kind: str, where: LoadedBoard | StatutoryFramework | None = None) -> tuple[str, ...]:
    """The stages reviews of ``kind`` move through, in order: from the statutory framework of
    ``where`` (a board opened with its framework, or a framework), else the usual
    :data:`lif_core.LIFECYCLE` (also for a kind the framework does not know).

    :param kind: the review's kind (``review.kind``: ``rapid-review``, ``lcspr``...).
    :param where: a :class:`lif_core.LoadedBoard`, a :class:`lif_core.StatutoryFramework`, or None.
    :return: the stage names, first to last.
    """
    framework = getattr(where, "framework", where)
    if framework is None or not hasattr(framework, "stages_of"):
        return LIFECYCLE
    return tuple(framework.stages_of(kind))


def _order_of(review: CaseReview, where: LoadedBoard | StatutoryFramework | Sequence[str] | None) -> Sequence[str]:
    if where is None:
        return LIFECYCLE
    if isinstance(where, Sequence) and not isinstance(where, str):
        return tuple(_name(s) for s in where)
    return stage_order(review.kind, where)  # type: ignore[arg-type]


def _compare(current: str, stage: str, order: Sequence[str]) -> int | None:
    """Where ``current`` stands against ``stage``: negative before it, 0 at it, positive after;
    None where neither the kind's order nor the usual lifecycle places both."""
    if current in order and stage in order:
        return order.index(current) - order.index(stage)
    if stage in LIFECYCLE:
        if current in LIFECYCLE:
            return LIFECYCLE.index(current) - LIFECYCLE.index(stage)
        if current in order:
            # A stage of the framework's own, placed by the latest usual stage at or before it
            # in the kind's order: past that one, so past anything up to it.
            known = [s for s in order[: order.index(current) + 1] if s in LIFECYCLE]
            if known:
                difference = LIFECYCLE.index(known[-1]) - LIFECYCLE.index(stage)
                return difference if difference < 0 else difference + 1
    return None


def stage_reached(
    review: CaseReview, stage: str | enum.Enum, where: LoadedBoard | StatutoryFramework | Sequence[str] | None = None
) -> bool:
    """True once ``review`` is at ``stage`` or later in its kind's order.

    The order is the kind's under ``where`` (a board or a framework; or the order itself, a
    sequence of stage names); stages the kind's order does not name are placed by the usual
    :data:`lif_core.LIFECYCLE`. A stage that cannot be placed at all is not reached.

    :param review: a :class:`lif_core.CaseReview`.
    :param stage: a stage name or :class:`lif_core.ReviewStage`.
    :param where: a :class:`lif_core.LoadedBoard`, a :class:`lif_core.StatutoryFramework`, a
        sequence of stage names, or None for the usual lifecycle.
    :return: whether the review has reached ``stage``.
    """
    found = _compare(review.stage, _name(stage), _order_of(review, where))
    return found is not None and found >= 0


def stage_passed(
    review: CaseReview, stage: str | enum.Enum, where: LoadedBoard | StatutoryFramework | Sequence[str] | None = None
) -> bool:
    """True once ``review`` is beyond ``stage`` (at a later stage), in the order
    :func:`stage_reached` uses.

    :param review: a :class:`lif_core.CaseReview`.
    :param stage: a stage name or :class:`lif_core.ReviewStage`.
    :param where: as for :func:`stage_reached`.
    :return: whether the review has moved past ``stage``.
    """
    found = _compare(review.stage, _name(stage), _order_of(review, where))
    return found is not None and found > 0


def stages_from(stage: str | enum.Enum, order: Sequence[str] = LIFECYCLE) -> tuple[str, ...]:
    """The stages of ``order`` from ``stage`` on (``stage`` itself first, where ``order`` names
    it): the stages at which a rule applying from ``stage`` is checked. A stage ``order`` does
    not name is placed by the usual :data:`lif_core.LIFECYCLE`.

    :param stage: a stage name or :class:`lif_core.ReviewStage`.
    :param order: the stage names in order (:func:`stage_order`); the usual lifecycle by default.
    :return: the stage names of ``order`` at or after ``stage``.
    """
    name = _name(stage)
    names = tuple(_name(s) for s in order)
    out = []
    for current in names:
        found = _compare(current, name, names)
        if found is not None and found >= 0:
            out.append(current)
    return tuple(out)
