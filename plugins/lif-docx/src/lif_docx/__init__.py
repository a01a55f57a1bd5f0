"""Word (.docx) renderer for lif-core (see plugin.py)."""

from .plugin import DocxRenderer

__all__ = ["DocxRenderer"]
