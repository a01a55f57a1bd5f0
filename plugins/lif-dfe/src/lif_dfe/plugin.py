"""lif-dfe plugin (hooks: register_data_sources, register_indicators)."""

from __future__ import annotations

from collections.abc import Callable

from lif_core import DataSourceAdapter, Indicator, hookimpl

from .annex_a import AnnexAAdapter
from .cin import CinCensusAdapter
from .ssda903 import Ssda903Adapter
from .stability import LONG_TERM, SHORT_TERM, LongTermStability, ShortTermStability


@hookimpl
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(CinCensusAdapter())
    register(Ssda903Adapter())
    register(AnnexAAdapter())


@hookimpl
def register_indicators(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            SHORT_TERM,
            "Children looked after with 3 or more placements during the year",
            "Children looked after at 31 March with 3 or more placements during the year ending then, as a "
            "percentage of children looked after at 31 March, those under an agreed series of short-term "
            "placements (legal status V3, V4) left out (DfE, Children looked after in England: placement "
            "stability, short term). Whole-number percentages. Source: the SSDA903 episodes table.",
            "percent",
            ShortTermStability,
            frequencies=("year",),
        )
    )
    register(
        Indicator(
            LONG_TERM,
            "Children looked after long term living with the same carer for 2 years or more",
            "Children under 16 at 31 March looked after continuously for at least 2.5 years who had been living "
            "with the same carer(s) for at least 2 years (a change of placement with the same carers, RNE T or "
            "U, does not break it), as a percentage of under 16s looked after continuously for at least 2.5 "
            "years; short breaks (V3, V4) left out (DfE, Children looked after in England: placement stability, "
            "long term). Whole-number percentages. Source: the SSDA903 episodes table; input header: the "
            "SSDA903 header table, for the month of birth.",
            "percent",
            LongTermStability,
            frequencies=("year",),
            inputs={"header": "the SSDA903 header table (CHILD, DOB), for each child's month of birth"},
        )
    )
