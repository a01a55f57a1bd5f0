"""Report section ``changes``: what changed since a previous report (``lif report impact
--previous last.json``), told in names: new and changed actions, reviews, evidence and
measures, and what is no longer in the register."""

from __future__ import annotations

from ...document import BulletList, Paragraph, Section
from ...extensions import ReportSection
from ...report.context import SectionContext
from ...report.snapshot import changes, snapshot_rows


def build(context: SectionContext) -> Section:
    if context.previous is None:
        return Section("", (Paragraph("No earlier report was given to compare this one with."),))
    previous, where = context.previous
    now = snapshot_rows(context.loaded, context.scores())
    lines = changes(previous, now)
    return Section(
        "",
        (Paragraph(f"Compared with the report {where}."), BulletList(tuple(lines) or ("Nothing changed.",))),
    )


SECTION = ReportSection(
    name="changes",
    title="What changed since the last report",
    description="With --previous: new and changed actions, reviews, evidence and measures since that report, "
    "in names; added at the end of any report given --previous.",
    build=build,
)
