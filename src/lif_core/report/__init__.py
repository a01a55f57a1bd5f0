"""Reports: a report definition's sections, each built by a plugin from the board as it
stood on the report's day, with the board's own narrative, composed into one document.

- :mod:`.definition`: which sections, in what order, under what titles.
- :mod:`.context`: what a section is built from (:class:`SectionContext`).
- :mod:`.narrative`: the board's Markdown, as safe document blocks.
- :mod:`.snapshot`: the machine-only snapshot, and "what changed".
- :mod:`.compose`: the report itself (:func:`impact_report`).

The builtin sections are plugins, one module each, in :mod:`lif_core.builtins.sections`.
"""

from __future__ import annotations

from .compose import impact_report
from .context import SectionContext
from .definition import DEFAULT_REPORT, REPORT_FILE, report_definition
from .narrative import narrative_blocks, read_narrative
from .snapshot import previous_snapshot

__all__ = [
    "DEFAULT_REPORT",
    "REPORT_FILE",
    "SectionContext",
    "impact_report",
    "narrative_blocks",
    "previous_snapshot",
    "read_narrative",
    "report_definition",
]
