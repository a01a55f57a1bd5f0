"""DfE statutory return formats for lif-core (see plugin.py): the adapters every council's case
system can feed, because every case system exports these returns."""

from .annex_a import AnnexAAdapter
from .cin import CinCensusAdapter
from .ssda903 import Ssda903Adapter

__all__ = ["AnnexAAdapter", "CinCensusAdapter", "Ssda903Adapter"]
