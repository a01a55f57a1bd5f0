"""lif-dfe plugin (hook: register_data_sources)."""

from __future__ import annotations

from collections.abc import Callable

from lif_core import DataSourceAdapter, hookimpl

from .annex_a import AnnexAAdapter
from .cin import CinCensusAdapter
from .ssda903 import Ssda903Adapter


@hookimpl
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(CinCensusAdapter())
    register(Ssda903Adapter())
    register(AnnexAAdapter())
