"""PDF renderer for lif-core (see plugin.py)."""

from .plugin import PdfRenderer

__all__ = ["PdfRenderer"]
