"""Builtin checks of a board's report (hook: register_checks): its report definition, and
the sections its framework requires that the board has not yet filled."""

from __future__ import annotations

from collections.abc import Callable

from ..extensions import Check
from ..plugins import hookimpl


@hookimpl(trylast=True)
def register_checks(register: Callable[[Check], None]) -> None:
    pass
