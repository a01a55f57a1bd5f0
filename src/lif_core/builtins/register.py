"""Builtin register commands (hook: register_commands): keep a board's register the way its
business manager would: import, export, add, update, delete, status, stage, overdue, history."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import tomli_w

from ..board import LoadedBoard, _read, board_root, load_board, read_data_file
from ..cli import DAY, as_of_day, as_of_option, write_output
from ..clocks import ClockState, publications_due, review_clocks
from ..commands import open_register
from ..convert import structure, to_json, unstructure
from ..errors import BoardInvalid, LifError
from ..files import tomllib, too_deep
from ..inspection import overdue
from ..model import COLLECTIONS
from ..plugins import Plugins, hookimpl
from ..store import REGISTER_COLLECTIONS
from ..validate import with_framework

#: The largest export ``lif import --from`` reads (a register may outgrow a board file).
IMPORT_LIMIT = 256 * 1024 * 1024


@contextlib.contextmanager
def _register(ctx: click.Context, board: Path, *, create: bool = False, write: bool = True) -> Iterator[Any]:
    """The board's register, for one command: opened to change it (``write``; made where
    ``create``), else only to read it (which works in a read-only folder)."""
    plugins = ctx.find_object(Plugins)
    assert plugins is not None
    with open_register(board, plugins, create=create, write=write) as register:
        yield register


def _value(text: str) -> Any:
    """A KEY=VALUE value: a TOML value where it reads as one (2019-01-31, 3, true, ["a", "b"],
    "quoted"), else the text itself (a time of day, 07:30, stays text)."""
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    except (RecursionError, ValueError):
        value = None
    if value is None or too_deep(value) is not None:
        raise click.BadParameter(
            f"{text[:40]!r}...: cannot be read as a value (nested too deeply, or a number too long)",
            param_hint="KEY=VALUE",
        )
    if isinstance(value, dt.time):
        return text
    return value


def _pairs(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: write KEY=VALUE, e.g. due=2019-03-31", param_hint="KEY=VALUE")
        value = _value(text)
        if isinstance(value, dt.datetime):
            raise click.BadParameter(f"{key}: a date has no time of day", param_hint="KEY=VALUE")
        out[key.strip()] = json.loads(to_json(value, indent=None)) if not isinstance(value, str) else value
    return out


def _show(record: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in record.items() if k != "id")


def _export_items(register: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"format": 1}
    for collection, record in register.records():
        typed = unstructure(structure(record, COLLECTIONS[collection]))
        data.setdefault(collection, []).append(typed)
    return data


def _items_from(data: Any, file: str) -> list[tuple[str, dict[str, Any]]]:
    """The records of an export (as `lif export` writes it), its shape checked: a clear error
    naming the file and key path where it is not a table of collections, each a list of tables."""
    if not isinstance(data, dict):
        raise LifError(f"{file}: expected a table of collections (as `lif export` writes), got {_kind(data)}")
    items = []
    for key, value in data.items():
        if key == "format":
            if isinstance(value, bool) or not isinstance(value, int):
                raise LifError(f"{file}: format: expected a whole number, got {_kind(value)}")
            if value != 1:
                raise LifError(
                    f"{file}: format: this export uses format {value}; this lif-core reads format 1"
                    + (": upgrade lif-core" if value > 1 else "")
                )
            continue
        if key not in REGISTER_COLLECTIONS:
            raise LifError(
                f"{file}: {key}: not a register collection; the register holds {', '.join(REGISTER_COLLECTIONS)}"
            )
        if not isinstance(value, list):
            raise LifError(f"{file}: {key}: expected a list of tables ([[{key}]]), got {_kind(value)}")
        for i, record in enumerate(value):
            if not isinstance(record, dict):
                raise LifError(f"{file}: {key}[{i}]: expected a table (one record), got {_kind(record)}")
            try:
                items.append((key, json.loads(to_json(record, indent=None))))
            except (TypeError, ValueError) as exc:  # a TOML time of day has no place in a record
                raise LifError(f"{file}: {key}[{i}]: {exc}") from None
    return items


def _kind(value: Any) -> str:
    """What a value is, in the words of TOML and JSON."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true or false)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return type(value).__name__


@hookimpl(trylast=True)
def register_commands(cli: click.Group) -> None:
    @cli.command(name="import")
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option(
        "--from",
        "source",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        help="A register written by `lif export` (TOML or JSON) instead of the board's own files.",
    )
    @click.pass_context
    def import_(ctx: click.Context, board: Path, source: Path | None) -> None:
        """Bring the register into its store (register.sqlite beside board.toml).

        Reads the register collections (reviews, findings, recommendations, actions, evidence,
        audits, planned audits, Section 11 audits, courses, measures, publications, national
        reviews, scrutiny, contributions, feedback, child death figures) from the board's files,
        or from an export with --from, checks every record, and adds or updates them in one
        transaction, each change recorded with its author. From then on the register lives in
        the store: keep it with lif add, update, delete, status and stage.
        """
        plugins = ctx.find_object(Plugins)
        assert plugins is not None
        root = board_root(board)
        if source is None:
            reader, values, _ = _read(root, {})  # the files only, whatever is in the store
            if reader.problems:
                raise BoardInvalid(reader.problems, board=str(board))
            items = [
                (key, json.loads(to_json(unstructure(r), indent=None)))
                for key in REGISTER_COLLECTIONS
                for r in values[key]
            ]
            origin = ", ".join(reader.files)
        else:
            fmt = "json" if source.suffix.lower() == ".json" else "toml"
            data = read_data_file(source, fmt, limit=IMPORT_LIMIT)
            items, origin = _items_from(data, str(source)), str(source)
        with _register(ctx, board, create=True) as register:
            added, updated, same = register.import_records(items, note=f"imported from {origin}", track=source is None)
            path = register.path
        click.echo(f"{path}: {added} added, {updated} updated, {same} unchanged (from {origin})")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option("--format", "-f", "fmt", type=click.Choice(["toml", "json"]), default="toml", show_default=True)
    @click.option(
        "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of the terminal."
    )
    @click.pass_context
    def export(ctx: click.Context, board: Path, fmt: str, output: Path | None) -> None:
        """Write the register out as TOML or JSON (which `lif import --from` reads back)."""
        with _register(ctx, board, write=False) as register:
            data = _export_items(register)
        text = tomli_w.dumps(data) if fmt == "toml" else to_json(data) + "\n"
        if output is None:
            click.echo(text, nl=False)
        else:
            write_output(output, text.encode("utf-8"), board=board)  # never onto the board's own files
            click.echo(f"wrote {output}", err=True)

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("collection", type=click.Choice(REGISTER_COLLECTIONS))
    @click.argument("pairs", nargs=-1, metavar="KEY=VALUE...")
    @click.option("--note", default="", help="Why: kept with the change.")
    @click.pass_context
    def add(ctx: click.Context, board: Path, collection: str, pairs: tuple[str, ...], note: str) -> None:
        """Add a record to the register, checked before it is written.

        Values are TOML where they read as TOML (due=2019-03-31, owners='["qapp"]',
        attendees=12, good_practice=true), else text (text="Pilot next-day notifications").
        Example: lif add BOARD actions id=a-new text="Audit strategy discussions" recommendation=r-1
        owner=qapp due=2019-06-30
        """
        with _register(ctx, board) as register:
            record = register.add(collection, _pairs(pairs), note=note)
        click.echo(f"added {collection} {record['id']}: {_show(record)}")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("record_id", metavar="ID")
    @click.argument("pairs", nargs=-1, metavar="KEY=VALUE...")
    @click.option("--note", default="", help="Why: kept with the change.")
    @click.pass_context
    def update(ctx: click.Context, board: Path, record_id: str, pairs: tuple[str, ...], note: str) -> None:
        """Change keys of a register record (KEY= with nothing after it removes the key)."""
        changes = {k: (None if v == "" else v) for k, v in _pairs(pairs).items()}
        with _register(ctx, board) as register:
            record = register.update(record_id, changes, note=note)
        click.echo(f"updated {record_id}: {_show(record)}")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("record_id", metavar="ID")
    @click.option("--note", default="", help="Why: kept with the change.")
    @click.pass_context
    def delete(ctx: click.Context, board: Path, record_id: str, note: str) -> None:
        """Delete a register record nothing refers to (the deletion is kept in its history)."""
        with _register(ctx, board) as register:
            register.delete(record_id, note=note)
        click.echo(f"deleted {record_id} (its history is kept: lif history {board} {record_id})")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("action_id", metavar="ACTION")
    @click.argument("status")
    @click.option("--date", "day", type=DAY, help="When (default today).")
    @click.option("--note", default="", help="What happened.")
    @click.pass_context
    def status(
        ctx: click.Context, board: Path, action_id: str, status: str, day: dt.datetime | None, note: str
    ) -> None:
        """Record an action's new status (not-started, in-progress, completed, blocked, cancelled)."""
        with _register(ctx, board) as register:
            record = register.set_status(action_id, status, day=day.date() if day else None, note=note)
        click.echo(f"{action_id}: {record['status']} ({len(record['status_log'])} status change(s) in its log)")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("review_id", metavar="REVIEW")
    @click.argument("stage")
    @click.option("--date", "day", type=DAY, help="When (default today).")
    @click.option("--note", default="", help="What happened.")
    @click.pass_context
    def stage(ctx: click.Context, board: Path, review_id: str, stage: str, day: dt.datetime | None, note: str) -> None:
        """Move a case review to its next stage, dated: a stage of its kind's lifecycle under
        the board's statutory framework, after the stage it is at."""
        plugins = ctx.find_object(Plugins)
        assert plugins is not None
        framework = with_framework(load_board(board), plugins).framework
        order = framework.stages_of if framework is not None else None
        with _register(ctx, board) as register:
            record = register.set_stage(review_id, stage, day=day.date() if day else None, note=note, stages=order)
        click.echo(f"{review_id}: {record['stage']}")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("measure_id", metavar="MEASURE")
    @click.argument("period")
    @click.argument("value", type=float)
    @click.option("--note", default="", help="Where the figure comes from.")
    @click.pass_context
    def value(ctx: click.Context, board: Path, measure_id: str, period: str, value: float, note: str) -> None:
        """Record a measure's value for a period (2018-19, 2019-Q1, 2019-04), replacing any
        value the period had; the scorecard and the report use it on their next run."""
        with _register(ctx, board) as register:
            record = register.set_value(measure_id, period, value, note=note)
        click.echo(f"{measure_id}: {period} = {value:g} ({len(record['values'])} period(s))")

    @cli.command(name="overdue")
    @click.argument("board", type=click.Path(path_type=Path))
    @as_of_option
    @click.pass_context
    def overdue_cmd(ctx: click.Context, board: Path, as_of: dt.datetime | None) -> None:
        """List what is overdue: actions past their due date, review clocks run out, and the
        publications the statutory framework requires (a yearly report; an annual plan)."""
        plugins = ctx.find_object(Plugins)
        assert plugins is not None
        loaded: LoadedBoard = with_framework(load_board(board), plugins)
        day = as_of_day(as_of, loaded)
        lines = [f"action {a.id}: due {a.due}, {a.status.value} ({a.text})" for a in overdue(loaded.board.actions, day)]
        for review in loaded.board.reviews:
            for clock in review_clocks(review, loaded.board, day, loaded.framework):
                if clock.state is ClockState.OVERDUE:
                    lines.append(f"review {review.id}: {clock.name} overdue since {clock.due}")
        for due in publications_due(loaded.board, loaded.framework, day):
            if due.state is ClockState.OVERDUE:
                lines.append(f"publication: {due.describe()}")
        click.echo(f"As at {day}: {len(lines)} overdue")
        for line in lines:
            click.echo(f"  {line}")

    @cli.command()
    @click.argument("board", type=click.Path(path_type=Path))
    @click.argument("record_id", metavar="ID")
    @click.pass_context
    def history(ctx: click.Context, board: Path, record_id: str) -> None:
        """A register record's full story: every change, when, who, and what it changed."""
        with _register(ctx, board, write=False) as register:
            changes = register.history(record_id)
        if not changes:
            raise LifError(f"no change to {record_id!r} is recorded")
        for change in changes:
            click.echo(
                f"{change.at}  {change.who}  {change.action} {change.collection} {record_id}"
                + (f"  ({change.note})" if change.note else "")
            )
            for key, old, new in change.differences():
                if change.action == "updated":
                    click.echo(
                        f"    {key}: {json.dumps(old, ensure_ascii=False)} -> {json.dumps(new, ensure_ascii=False)}"
                    )
