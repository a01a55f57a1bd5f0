"""English statutory frameworks for lif-core (see plugin.py)."""

__all__ = ["FRAMEWORKS"]

from .plugin import FRAMEWORKS
