"""The Welsh statutory framework for lif-core (see plugin.py)."""

from .inspection import FRAMEWORKS as INSPECTION_FRAMEWORKS
from .plugin import CHECKS, FRAMEWORK

__all__ = ["CHECKS", "FRAMEWORK", "INSPECTION_FRAMEWORKS"]
