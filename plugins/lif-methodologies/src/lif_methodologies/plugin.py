"""lif-methodologies plugin (hook: register_methodologies)."""

from __future__ import annotations

from collections.abc import Callable

from lif_core import Methodology, hookimpl

from .methods import METHODOLOGIES


@hookimpl
def register_methodologies(register: Callable[[Methodology], None]) -> None:
    for methodology in METHODOLOGIES:
        register(methodology)
