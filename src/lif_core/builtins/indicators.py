"""Builtin indicators (hook: register_indicators): the children in need figures DfE publishes
and Working Together's assessment timescale, computed from case-level records (the CIN census,
or any extract naming the same fields). Their definitions are in :mod:`lif_core.indicators`."""

from __future__ import annotations

from collections.abc import Callable

from ..extensions import Indicator
from ..indicators import (
    AssessmentTimeliness,
    LongCpPlans,
    ReferralCounts,
    RepeatCpPlans,
    ReReferrals,
)
from ..plugins import hookimpl


def _re_referrals(frequency: str) -> ReReferrals:
    # Date order (as extracts usually are) keeps only each child's last referral; an extract out
    # of order past its first batch is read again (the accumulator's `again`).
    return ReReferrals(frequency, ordered=True)


INDICATORS = (
    Indicator(
        "referrals",
        "Referrals",
        "Referrals to children's social care, counted by the period of the referral date (DfE, "
        "Children in need statistics). Reads referral_date.",
        "count",
        ReferralCounts,
    ),
    Indicator(
        "re-referrals-12m",
        "Re-referrals within 12 months of a previous referral",
        "Referrals in the period made within 12 months of a previous referral of the same child, as a "
        "percentage of the period's referrals (DfE, Children in need statistics). Reads child and "
        "referral_date.",
        "percent",
        _re_referrals,
    ),
    Indicator(
        "assessments-45-days",
        "Assessments completed within 45 working days",
        "Assessments authorised in the period that took 45 working days or fewer from the referral (the "
        "assessment's own start where the referral date is absent), as a percentage of those authorised "
        "(Working Together; DfE's duration buckets, median and 90th percentile as detail). Reads "
        "referral_date, start and authorised.",
        "percent",
        AssessmentTimeliness,
    ),
    Indicator(
        "repeat-cp-plans",
        "Child protection plans that are a second or subsequent plan",
        "Child protection plans starting in the period for a child who had a plan before, however long ago "
        "(from previous_plans, or an earlier plan in the data), as a percentage of plans starting (DfE, "
        "Children in need statistics). Reads child, start and previous_plans.",
        "percent",
        RepeatCpPlans,
    ),
    Indicator(
        "cp-plans-2-years",
        "Child protection plans ending that had lasted 2 years or more",
        "Child protection plans ending in the period that had lasted 2 years or more, as a percentage of plans "
        "ending (DfE, Children in need statistics). Reads start and end.",
        "percent",
        LongCpPlans,
    ),
)


@hookimpl(trylast=True)
def register_indicators(register: Callable[[Indicator], None]) -> None:
    for indicator in INDICATORS:
        register(indicator)
