"""Report section ``narrative``: a part of the report the board writes itself, under a title
of its choosing, and nothing else (a story of the year, a case study, a thank-you).

A board's ``report.toml`` gives it a title and a narrative file::

    [[sections]]
    section = "narrative"
    title = "A year in the life of our multi-agency safeguarding hub"
    narrative = "narrative/mash.md"

Until the file holds text the section reads "Not yet written.". The helpers here
(:func:`written`, :func:`unwritten`) serve every section that is the board's own text.
"""

from __future__ import annotations

from ...document import Section
from ...errors import LifError
from ...extensions import ReportSection
from ...report.context import SectionContext
from ...report.definition import default_narrative, narrative_file
from ...report.narrative import read_narrative


def written(context: SectionContext) -> bool:
    """True where the board wrote text for the section: its narrative holds something, read
    by the report, or else from the file the report definition names (or the default
    ``narrative/<section>.md``). A file that cannot be read counts as unwritten (``lif
    validate`` reports why it cannot be read)."""
    if context.narrative or context.narrative_sections:
        return True
    relative = narrative_file(context.loaded, context.part, context.year_label())
    if not relative:
        return False
    try:
        blocks, sections = read_narrative(context.loaded.root, relative)
    except LifError:
        return False
    return bool(blocks or sections)


def where(context: SectionContext) -> str:
    """The narrative file the section reads: the one its part names, else the default."""
    return default_narrative(context.part)


def unwritten(context: SectionContext, what: str) -> str:
    """The sentence ``missing`` gives for a section of the board's own text: ``what`` is
    not yet written, and where to write it; ``""`` once it is written."""
    if written(context):
        return ""
    return f"{what} is not yet written (write it in {where(context)})"


def build(context: SectionContext) -> Section:
    return Section("")


def missing(context: SectionContext) -> str:
    title = context.part.title or SECTION.title
    return unwritten(context, f"the section {title!r}")


SECTION = ReportSection(
    name="narrative",
    title="Narrative",
    description="A part the board writes itself, under a title and from a Markdown file its report.toml "
    "names; 'Not yet written.' until the file holds text.",
    build=build,
    missing=missing,
    narrative_only=True,
)
