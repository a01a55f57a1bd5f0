"""The register snapshot a report carries for machines, and "what changed" since a previous
report, told in names.

A report's JSON holds ``snapshot``: ``{kind, id, name, state}`` for every action, review,
evidence item and measure. ``lif report impact --previous last-year.json`` reads it back
(:func:`previous_snapshot`) and the ``changes`` section compares. Reports written before
lif-core 0.2 kept the snapshot as a "Register snapshot" section; those are still read.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..board import LoadedBoard, read_data_file
from ..document import terminal_safe
from ..errors import LifError
from .context import human_date, record_name

__all__ = ["Snapshot", "previous_report", "previous_snapshot", "snapshot_rows"]

#: ``(kind, id, name, state)`` rows.
Snapshot = tuple[tuple[str, str, str, str], ...]

#: What each kind of row is called in "what changed".
KIND_WORDS = {"action": "action", "review": "review", "evidence": "evidence", "measure": "measure"}


def snapshot_rows(loaded: LoadedBoard, scores: Sequence[Any]) -> Snapshot:
    """The state of every action, review, evidence item and measure, for the next report."""
    board = loaded.board
    rows: list[tuple[str, str, str, str]] = []
    rows += [("action", a.id, record_name(a), a.status.value) for a in board.actions]
    rows += [("review", r.id, record_name(r), r.stage) for r in board.reviews]
    rows += [("evidence", e.id, record_name(e), e.strength.value) for e in board.evidence]
    rows += [
        ("measure", s.measure.id, s.measure.title, f"{s.rag} in {s.latest[0]}" if s.latest else s.rag) for s in scores
    ]
    return tuple(rows)


def previous_report(path: Path, board: str | None = None, as_of: dt.date | None = None) -> tuple[Snapshot, str]:
    """A previous JSON report's snapshot (:func:`previous_snapshot`), and how "what changed"
    names it: ``as at 30 September 2025`` from its meta, else ``in <its file name>``.

    Raises:
        LifError: the report is of another board than ``board`` (its name), or as at a day
            after ``as_of``: "what changed since" would compare the wrong things.
    """
    data = _read(path)
    snapshot = _snapshot_of(path, data)
    meta = data.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    of, as_at = meta.get("Board"), meta.get("As at")
    if board is not None and isinstance(of, str) and of != board:
        raise LifError(
            f"{path}: a report of {terminal_safe(of)[:120]!r}, not of {board!r}: --previous takes an earlier report "
            "of this board"
        )
    try:
        day = dt.date.fromisoformat(as_at) if isinstance(as_at, str) else None
    except ValueError:
        day = None
    if day is not None and as_of is not None and day > as_of:
        raise LifError(
            f"{path}: is as at {day.isoformat()}, after this report's day {as_of.isoformat()}: --previous takes an "
            "earlier report (or give a later --as-of)"
        )
    return snapshot, (f"as at {human_date(day)}" if day is not None else f"in {path.name}")


def _wrong(path: Path, where: str, what: str) -> LifError:
    return LifError(f"{path}: {where}: {what}: not an impact report as `lif report impact -f json` writes it")


def _text(path: Path, where: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _wrong(path, where, f"expected text, got {json.dumps(value)[:60]}")
    return str(value)


def previous_snapshot(path: Path) -> Snapshot:
    """The snapshot of a previous report in JSON, for "what changed".

    The file's shape is checked: any problem (not UTF-8, not JSON, nested too deeply, a
    snapshot that is not a list of ``{kind, id, name, state}``...) is one :class:`LifError`
    naming the file and the key path."""
    return _snapshot_of(path, _read(path))


def _read(path: Path) -> dict[str, Any]:
    """A JSON report's data, read once (up to 256 MiB)."""
    data = read_data_file(path, "json", limit=256 * 1024 * 1024)
    if not isinstance(data, dict) or data.get("kind") != "impact-report":
        raise LifError(f"{path}: not a JSON impact report (write one with --format json)")
    return data


def _snapshot_of(path: Path, data: dict[str, Any]) -> Snapshot:
    if "snapshot" in data:
        rows = data["snapshot"]
        if not isinstance(rows, list):
            raise _wrong(path, "snapshot", "expected a list")
        out = []
        for j, row in enumerate(rows):
            if not isinstance(row, dict):
                raise _wrong(path, f"snapshot[{j}]", "expected a table of kind, id, name and state")
            missing = [k for k in ("kind", "id", "state") if k not in row]
            if missing:
                raise _wrong(path, f"snapshot[{j}]", f"missing {', '.join(missing)}")
            kind, ident, state = (_text(path, f"snapshot[{j}].{k}", row[k]) for k in ("kind", "id", "state"))
            name = _text(path, f"snapshot[{j}].name", row.get("name", ""))
            # Shown to readers: no control characters or direction overrides from a file.
            out.append((kind, ident, _clean(name), _clean(state)))
        return tuple(out)
    return _legacy_snapshot(path, data)


def _legacy_snapshot(path: Path, data: dict[str, Any]) -> Snapshot:
    sections = data.get("sections", [])
    if not isinstance(sections, list):
        raise _wrong(path, "sections", "expected a list")
    for i, section in enumerate(sections):
        if not isinstance(section, dict):
            raise _wrong(path, f"sections[{i}]", "expected a table")
        if section.get("title") != "Register snapshot":
            continue
        blocks = section.get("blocks")
        if not isinstance(blocks, list) or not blocks or not isinstance(blocks[0], dict):
            raise _wrong(path, f"sections[{i}].blocks", "expected a list starting with the snapshot's table")
        rows = blocks[0].get("rows")
        if not isinstance(rows, list):
            raise _wrong(path, f"sections[{i}].blocks[0].rows", "expected a list of rows")
        out = []
        for j, row in enumerate(rows):
            where = f"sections[{i}].blocks[0].rows[{j}]"
            if not isinstance(row, list) or len(row) != 3:
                got = f"{len(row)} value(s)" if isinstance(row, list) else type(row).__name__
                raise _wrong(path, where, f"expected 3 values (item, id, state), got {got}")
            kind, ident, state = (_text(path, f"{where}[{k}]", cell) for k, cell in enumerate(row))
            out.append((kind, ident, "", _clean(state)))  # no name: never shown as an id
        return tuple(out)
    raise LifError(f"{path}: has no register snapshot")


def _clean(text: str) -> str:
    return " ".join(terminal_safe(text).split())[:300]


def changes(previous: Snapshot, now: Snapshot) -> list[str]:
    """What changed from ``previous`` to ``now``, one line each, in names."""

    def state(kind: str, value: str) -> str:
        # A status or stage is a name (in-progress); a measure's state carries a period (2018-19).
        return value if kind == "measure" else value.replace("-", " ")

    before = {(k, i): (n, s) for k, i, n, s in previous}
    current = {(k, i): (n, s) for k, i, n, s in now}
    lines = []
    for (kind, ident), (name, value) in current.items():
        was = before.get((kind, ident))
        word = KIND_WORDS.get(kind, kind)
        if was is None:
            lines.append(f"New {word}: {name} ({state(kind, value)})")
        elif was[1] != value:
            lines.append(f"{word.capitalize()} {name}: was {state(kind, was[1])}, now {state(kind, value)}")
    unnamed: dict[str, int] = {}
    for (kind, ident), (name, _value) in before.items():
        if (kind, ident) in current:
            continue
        if name:
            lines.append(f"{KIND_WORDS.get(kind, kind).capitalize()} {name}: no longer in the register")
        else:  # an earlier report that kept no names: its ids are never shown to readers
            unnamed[kind] = unnamed.get(kind, 0) + 1
    for kind, n in unnamed.items():
        word = KIND_WORDS.get(kind, kind)
        lines.append(
            f"{n} {word if n == 1 or word == 'evidence' else word + 's'} of the earlier report "
            f"{'is' if n == 1 else 'are'} no longer in the register"
        )
    return lines
