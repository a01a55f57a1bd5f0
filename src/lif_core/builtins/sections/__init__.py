"""Builtin report sections (hook: register_report_sections), one module each.

Each module holds one section: its ``build`` (what it shows), its ``missing`` (what ``lif
validate`` warns of while the board has not filled it) and its ``SECTION``. To find a
section of a report, open the module of its name (``next-year`` is ``next_year.py``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ...extensions import ReportSection
from ...plugins import hookimpl

#: The builtin sections' modules, in the order ``lif plugins`` lists them.
MODULES = (
    "foreword",
    "summary",
    "local_context",
    "arrangements",
    "inspection",
    "priorities",
    "progress",
    "recommendations",
    "functions",
    "reviews",
    "themes",
    "dataset",
    "duty_audit",
    "training",
    "voice",
    "feedback",
    "scrutiny",
    "child_deaths",
    "funding",
    "effectiveness",
    "next_year",
    "changes",
    "narrative",
)


@hookimpl(trylast=True)
def register_report_sections(register: Callable[[ReportSection], None]) -> None:
    for name in MODULES:
        register(importlib.import_module(f"{__name__}.{name}").SECTION)
