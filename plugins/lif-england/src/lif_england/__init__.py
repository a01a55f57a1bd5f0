"""English statutory frameworks for lif-core (see plugin.py)."""

from typing import Any

__all__ = ["FRAMEWORKS"]


def __getattr__(name: str) -> Any:
    if name == "FRAMEWORKS":  # read when first asked for
        from .plugin import frameworks

        return frameworks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
