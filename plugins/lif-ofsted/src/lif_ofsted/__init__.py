"""Ofsted inspection frameworks for lif-core (see plugin.py)."""

__all__ = ["FRAMEWORKS"]

from .frameworks import FRAMEWORKS
