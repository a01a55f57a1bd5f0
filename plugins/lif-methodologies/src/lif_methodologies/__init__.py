"""The five case-review methodologies of Appendix 2 for lif-core (see plugin.py)."""

from .methods import METHODOLOGIES, welsh_variant

__all__ = ["METHODOLOGIES", "welsh_variant"]
