"""Riverside's own plugin: six of the ten kinds of extension lif-core offers (its report
sections are in riverside_sections.py, an indicator in docs/examples/indicator; a statutory
framework and a store are shown in docs/hooks.md).

Hooks: register_methodologies, register_data_sources, register_renderers,
register_inspection_frameworks, register_checks, register_commands.

Used two ways, both tested: as a board-local plugin (board.toml: [plugins] local = [...]),
and installed as a distribution whose pyproject.toml declares it in the `lif` entry-point group.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import click

from lif_core import (
    Area,
    CaseReview,
    Check,
    DataSourceAdapter,
    Document,
    InspectionFramework,
    Involvement,
    LifError,
    LoadedBoard,
    Methodology,
    Plugins,
    PractitionerEventKind,
    Problem,
    Record,
    Renderer,
    RenderOptions,
    ReviewerRole,
    Table,
    cell_text,
    csv_safe,
    hookimpl,
    open_board,
)

# ---------------------------------------------------------------- a review methodology


class Huddle(Methodology):
    """Riverside's rapid learning huddle: one facilitated session with the practitioners
    involved, within 20 working days of the decision, led by someone independent of the case."""

    name = "riverside-huddle"
    title = "Riverside learning huddle"
    description = "A rapid, practitioner-led learning session for incidents below the LCSPR threshold."
    stages = ("decision", "huddle", "briefing")
    roles = ("facilitator",)
    artefacts = ("huddle-notes", "seven-minute-briefing")

    def check(self, review: CaseReview, board: LoadedBoard) -> Iterable[Problem]:
        leads = [r for r in review.reviewers if r.role is ReviewerRole.LEAD_REVIEWER]
        if not any(r.independent for r in leads):
            yield board.problem(review.id, "reviewers", "a huddle is led by someone independent of the case (s.5.1)")
        if not any(e.kind is PractitionerEventKind.LEARNING_EVENT for e in review.practitioner_events):
            yield board.problem(
                review.id, "practitioner_events", "no huddle (learning-event) has been held yet", severity="warning"
            )
        if review.child_views in (Involvement.NOT_SOUGHT, Involvement.NOT_YET_SOUGHT):
            yield board.problem(
                review.id, "child_views", "the child's views should be sought (principle 2)", severity="warning"
            )


# ---------------------------------------------------------------- a data-source adapter


class JsonLines(DataSourceAdapter):
    """One JSON object per line, read a line at a time."""

    name = "riverside-jsonl"
    title = "JSON Lines"
    suffixes = (".jsonl",)

    def read(self, path: Path, options: Mapping[str, object]) -> Iterator[Record]:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise LifError(f"{path.name}: line {number}: not JSON ({exc.msg})") from None
                if not isinstance(value, dict):
                    raise LifError(f"{path.name}: line {number}: expected an object")
                yield Record(f"line {number}", value)


# ---------------------------------------------------------------- a renderer


class TablesCsv(Renderer):
    """Every table of a document as CSV, one block after another, headed by its section."""

    name = "riverside-csv"
    title = "Tables as CSV"
    media_type = "text/csv"
    suffix = ".csv"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for _depth, section in document.walk():
            for block in section.blocks:
                if isinstance(block, Table):  # csv_safe: no cell of board text can start a formula
                    writer.writerow(["section", *map(csv_safe, block.columns)])
                    for row in block.rows:
                        writer.writerow([csv_safe(section.title), *(csv_safe(cell_text(c)) for c in row)])
        return out.getvalue().encode("utf-8")


# ---------------------------------------------------------------- an inspection framework

PEER_REVIEW = InspectionFramework(
    name="riverside-peer-review",
    title="Riverside partnership peer review",
    body="Regional peer review",
    edition="2024",
    areas=(
        Area("leadership", "Leadership of the partnership"),
        Area("learning", "Learning from reviews"),
        Area("voice", "The voice of children and families"),
    ),
)

# ---------------------------------------------------------------- a check


def reviews_have_leads(board: LoadedBoard, plugins: Plugins) -> Iterator[Problem]:
    for review in board.board.reviews:
        if not review.reviewers:
            yield board.problem(review.id, "reviewers", "name the lead reviewer", severity="warning")


# ---------------------------------------------------------------- the hooks


@hookimpl
def register_methodologies(register: Callable[[Methodology], None]) -> None:
    register(Huddle())


@hookimpl
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(JsonLines())


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(TablesCsv())


@hookimpl
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    register(PEER_REVIEW)


@hookimpl
def register_checks(register: Callable[[Check], None]) -> None:
    register(Check("riverside-leads", "every review names its lead reviewer", reviews_have_leads))


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Only installed plugins add commands (a board's local plugins load after the CLI is built)."""

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.pass_context
    def huddles(ctx: click.Context, board: Path) -> None:
        """List the board's learning huddles and their stage."""
        loaded = open_board(board, ctx.find_object(Plugins))
        for review in loaded.board.reviews:
            if review.methodology == "riverside-huddle":
                click.echo(f"{review.id}: {review.title} ({review.stage})")
