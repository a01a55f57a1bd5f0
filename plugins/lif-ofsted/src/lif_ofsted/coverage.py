"""Inspection coverage: for each inspection recommendation, what answers it, what evidence
supports it, and where the gaps are."""

from __future__ import annotations

import datetime as dt

from lif_core import BulletList, Coverage, Document, Facts, LoadedBoard, Paragraph, Plugins, Section, Table, coverage

__all__ = ["Coverage", "coverage", "coverage_document"]


def coverage_document(loaded: LoadedBoard, plugins: Plugins, as_of: dt.date) -> Document:
    rows = coverage(loaded, plugins, as_of)
    table = Table(
        ("No.", "Areas", "Sections", "Responsible", "Actions done/open/overdue", "Evidence", "Gaps"),
        tuple(
            (
                c.recommendation.number,
                "; ".join(c.areas),
                ", ".join(s.split(" ", 1)[0] for s in c.sections),
                ", ".join(c.groups),
                f"{len(c.done)}/{len(c.actions) - len(c.done)}/{len(c.overdue)}",
                f"{len(c.evidence)} ({c.strongest.value})" if c.strongest else "0",
                "; ".join(c.gaps) or "none",
            )
            for c in rows
        ),
    )
    detail = []
    for c in rows:
        facts = [
            ("Framework", c.framework_title),
            ("Inspection", c.recommendation.inspection or "-"),
            ("Framework sections", ", ".join(c.sections) or "-"),
            ("Responsible", ", ".join(c.groups) or "-"),
            ("Recommendations made in response", ", ".join(c.recommendations) or "-"),
        ]
        blocks: list[Paragraph | Facts | BulletList | Table] = [Paragraph(c.recommendation.text), Facts(tuple(facts))]
        if c.evidence:
            blocks.append(
                Table(
                    ("Evidence", "Kind", "Date", "Strength"),
                    tuple((e.title, e.kind, e.date.isoformat(), e.strength.value) for e in c.evidence),
                )
            )
        if c.gaps:
            blocks.append(BulletList(tuple(f"Gap: {g}" for g in c.gaps)))
        detail.append(Section(f"[{c.recommendation.number}]", tuple(blocks)))
    return Document(
        kind="inspection-coverage",
        title=f"{loaded.board.board.name}: inspection recommendations",
        subtitle=f"Coverage as at {as_of.isoformat()}",
        sections=(Section("Coverage", (table,)), Section("Each recommendation", (), tuple(detail))),
    )
