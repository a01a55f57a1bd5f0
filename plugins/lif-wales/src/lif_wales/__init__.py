"""The Welsh statutory framework for lif-core (see plugin.py)."""

from typing import Any

from .inspection import FRAMEWORKS as INSPECTION_FRAMEWORKS
from .plugin import CHECKS

__all__ = ["CHECKS", "FRAMEWORK", "INSPECTION_FRAMEWORKS"]


def __getattr__(name: str) -> Any:
    if name == "FRAMEWORK":  # read when first asked for
        from .plugin import framework

        return framework()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
