"""Reading a board's data sources: stream records from the adapter, check and convert each
declared field, pseudonymise children's identifiers on the way in, and report every problem
with its file, line (or element path) and field, without ever repeating a child's identifier.

Child-level data never leaves the machine: nothing here makes a network call, identifiers
become keyed pseudonyms (HMAC-SHA256 with the board's own key) before any other code sees
them, dates of birth keep only their month and postcodes only their sector.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import math
import operator
import os
import re
import secrets
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .board import LoadedBoard
from .errors import LifError, PluginError, Problem, Severity
from .extensions import Batch
from .model import OnError, Source
from .plugins import Plugins

__all__ = [
    "KEY_ENV",
    "DataError",
    "Pseudonymiser",
    "SourceReport",
    "board_key",
    "looks_like_child_id",
    "read_batches",
    "read_source",
    "read_together",
]

#: Environment variable holding the pseudonymisation key (any text of 16 or more characters).
KEY_ENV = "LIF_PSEUDONYM_KEY"
#: Where a board keeps its own key when the environment gives none (created on first use).
KEY_FILE = Path(".lif") / "pseudonym.key"
#: Identifiers whose pseudonyms are remembered (about 11 MB at most): more than most
#: authorities' children in a year, so an extract's repeats are hashed once; when full, the
#: memory is cleared and refilled rather than grown.
CACHE_SIZE = 65_536
#: Problems kept per source; further ones are counted, not listed.
MAX_LISTED = 200

_ID_NAMES = re.compile(
    r"^(child|child[ _]?id|child unique id|la ?child ?id|lachildid|upn|former ?upn|nhs ?(number|no)|person ?id|"
    r"individual adopter identifier|family identifier)$",
    re.IGNORECASE,
)


def looks_like_child_id(column: str) -> bool:
    """True for column names that usually hold a child's identifier (CHILD, UPN, LAchildID...)."""
    return bool(_ID_NAMES.match(column.strip()))


class DataError(LifError):
    """A source could not be read: names the file, the place in it and the field."""


# --------------------------------------------------------------------------- pseudonymisation


def board_key(root: Path) -> bytes:
    """The board's pseudonymisation key: ``LIF_PSEUDONYM_KEY`` if set, else the key file in
    the board's ``.lif`` folder, created (readable by its owner only) on first use. The key is
    never written to any output."""
    env = os.environ.get(KEY_ENV)
    if env is not None:
        if len(env) < 16:
            raise LifError(f"{KEY_ENV} is too short: use 16 or more characters")
        return env.encode("utf-8")
    from .board import UnreadableFile, describe_os_error, read_text

    path = root / KEY_FILE
    try:
        if not path.exists():
            path.parent.mkdir(exist_ok=True)
            (path.parent / ".gitignore").write_text("*\n", encoding="utf-8")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    except OSError as exc:
        raise LifError(
            f"{path}: cannot make the board's pseudonymisation key: {describe_os_error(exc, path.parent)} "
            f"(or set {KEY_ENV})"
        ) from None
    try:
        key = read_text(path, limit=4096).strip()
    except UnreadableFile as exc:
        raise LifError(
            f"{path}: the pseudonymisation key is unreadable ({exc.reason}): delete it to make a new one"
        ) from None
    if len(key) < 16:
        raise LifError(f"{path}: the pseudonymisation key is too short: delete the file to make a new one")
    return key.encode("utf-8")


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}$")


class Pseudonymiser:
    """Keyed, one-way replacement of identifiers; coarsening of dates of birth and postcodes.

    The same identifier always gives the same pseudonym under the same key (so records join
    across files), and without the key a pseudonym cannot be turned back or recomputed.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}  # identifier -> pseudonym, for this process only
        #: The pseudonym of an identifier already checked and pseudonymised, if any: a plain
        #: dictionary lookup, so a column of identifiers maps through it at C speed.
        self.known: Callable[[str], str | None] = self._cache.get

    def child_id(self, raw: str) -> str:
        found = self._cache.get(raw)
        if found is None:
            if len(self._cache) >= CACHE_SIZE:  # bounded: memory stays flat on any extract
                self._cache.clear()
            found = self._cache[raw] = "c" + hmac.digest(self._key, raw.encode("utf-8"), hashlib.sha256).hex()[:24]
        return found

    @staticmethod
    def month(day: dt.date) -> str:
        return f"{day.year:04d}-{day.month:02d}"

    @staticmethod
    def postcode(raw: str) -> str:
        """The postcode sector (``CR0 1AB`` becomes ``CR0 1``); an invalid postcode raises."""
        m = _POSTCODE.match(raw.strip().upper())
        if not m:
            raise ValueError("not a UK postcode")
        return f"{m.group(1)} {m.group(2)}"


# --------------------------------------------------------------------------- converters


def _date_parser(fmt: str) -> Callable[[str], dt.date]:
    if fmt == "%d/%m/%Y":

        def parse_dmy(s: str) -> dt.date:
            if len(s) != 10 or s[2] != "/" or s[5] != "/":
                raise ValueError
            return dt.date(int(s[6:10]), int(s[3:5]), int(s[0:2]))

        return parse_dmy
    if fmt == "%Y-%m-%d":

        def parse_iso(s: str) -> dt.date:
            if len(s) != 10 or s[4] != "-" or s[7] != "-":
                raise ValueError
            return dt.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))

        return parse_iso
    return lambda s: dt.datetime.strptime(s, fmt).date()


def _as_date(value: Any, parse: Callable[[str], dt.date], fmt: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise ValueError(f"has a time of day ({value.time()}); expected a date")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a date ({fmt}), got {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date in the form {fmt}") from None


Converter = Callable[[Any], Any]


def _converters(kind: str, fmt: str, pseudo: Pseudonymiser) -> tuple[Converter, Callable[[Any], Any] | None]:
    """The converter for a field kind (a function turning a raw value into its checked form,
    raising ValueError with a message that never repeats an identifying value), and a lookup
    of raw values it has already converted (``None`` where not known), which a column is first
    run through at C speed: only the values it does not know go through the converter one at
    a time."""
    if kind == "text":
        return _text_converter, None
    if kind == "date":
        fmt = fmt or "%Y-%m-%d"
        parse = _date_parser(fmt)
        seen: dict[str, dt.date] = {}  # extracts repeat the same few thousand dates

        def to_date(v: Any) -> dt.date | None:
            if type(v) is str and len(v) == 10:
                try:
                    day = parse(v)  # the common case: a clean date string
                except ValueError:
                    pass
                else:
                    if len(seen) < 100_000:
                        seen[v] = day
                    return day
            return _as_date(v, parse, fmt)

        return to_date, seen.get
    if kind in ("child-id", "child-id?"):
        convert = _one_converter(kind, fmt, pseudo)
        return convert, pseudo.known
    return _one_converter(kind, fmt, pseudo), None


def _text_converter(v: Any) -> Any:
    return v if v is None or isinstance(v, str) else str(v)


def _one_converter(kind: str, fmt: str, pseudo: Pseudonymiser) -> Converter:
    if kind == "text":
        return _text_converter
    if kind == "int":

        def to_int(v: Any) -> int | None:
            if v is None or (isinstance(v, str) and not v.strip()):
                return None
            if isinstance(v, bool):
                raise ValueError("expected a whole number, got true/false")
            if isinstance(v, int):
                return v
            if isinstance(v, float):
                if v.is_integer():
                    raise ValueError(f"{v!r} has a stray decimal: expected a whole number")
                raise ValueError(f"{v!r} is not a whole number")
            text = str(v).strip()
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ValueError(f"{text!r} is not a whole number")
            return int(text)

        return to_int
    if kind == "number":

        def to_number(v: Any) -> float | None:
            if v is None or (isinstance(v, str) and not v.strip()):
                return None
            if isinstance(v, bool):
                raise ValueError("expected a number, got true/false")
            try:
                number = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"{v!r} is not a number") from None
            if not math.isfinite(number):  # "nan", "inf": never a count, rate or measure
                raise ValueError(f"{v!r} is not a finite number")
            return number

        return to_number
    if kind == "bool":
        truth = {"1": True, "true": True, "yes": True, "y": True, "0": False, "false": False, "no": False, "n": False}

        def to_bool(v: Any) -> bool | None:
            if v is None or isinstance(v, bool):
                return v
            text = str(v).strip().lower()
            if not text:
                return None
            if text not in truth:
                raise ValueError(f"{v!r} is not true or false (1/0, true/false, yes/no)")
            return truth[text]

        return to_bool
    if kind == "date":
        return _converters(kind, fmt, pseudo)[0]
    if kind == "dob":
        fmt = fmt or "%Y-%m-%d"
        parse = _date_parser(fmt)

        def to_month(v: Any) -> str | None:
            try:
                day = _as_date(v, parse, fmt)
            except ValueError:
                raise ValueError(f"is not a date in the form {fmt}") from None  # never echo a birth date
            return None if day is None else pseudo.month(day)

        return to_month
    if kind in ("child-id", "child-id?"):
        required = kind == "child-id"

        child_id, known = pseudo.child_id, pseudo.known

        def to_pseudonym(v: Any) -> str | None:
            found = known(v) if type(v) is str else None
            if found is not None:
                return found
            if type(v) is str and v and not v[0].isspace() and not v[-1].isspace() and "." not in v:
                return child_id(v)  # the common case, checked in one line
            if v is None or (isinstance(v, str) and not v.strip()):
                if required:
                    raise ValueError("is blank: every record needs the child's identifier")
                return None
            if isinstance(v, float):
                raise ValueError("is a number with a decimal point: export identifiers as text")
            text = str(v)
            stripped = text.strip()
            if stripped != text:
                raise ValueError("has spaces around it: fix the export (the identifier is not shown here)")
            if re.fullmatch(r"\d+\.0+", stripped):
                raise ValueError("ends in a stray '.0': the export turned it into a number")
            return child_id(stripped)

        return to_pseudonym
    if kind == "postcode":

        def to_sector(v: Any) -> str | None:
            if v is None or not str(v).strip():
                return None
            try:
                return pseudo.postcode(str(v))
            except ValueError:
                raise ValueError("is not a UK postcode (the value is not shown here)") from None

        return to_sector
    raise LifError(f"unknown field kind {kind!r}")


# --------------------------------------------------------------------------- reading


@attrs.define
class SourceReport:
    """What reading one source found.

    Attributes:
        source: the source's id.
        rows: records read from the file.
        kept: records passed on (all, unless reading stopped at an error).
        problems: the first problems found (``MAX_LISTED`` at most).
        errors / warnings: how many of each in all.
        failed: true if reading stopped at an error.
    """

    source: str
    rows: int = 0
    kept: int = 0
    problems: list[Problem] = attrs.field(factory=list)
    errors: int = 0
    warnings: int = 0
    failed: bool = False

    def add(self, problem: Problem) -> None:
        if problem.is_error:
            self.errors += 1
        else:
            self.warnings += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)


def _plan(
    source: Source, adapter_fields: Mapping[str, str], columns: list[str], file: str
) -> dict[str, tuple[str, str]]:
    specs = {**adapter_fields, **source.fields}
    undeclared = [c for c in columns if c not in specs and looks_like_child_id(c)]
    if undeclared:
        raise DataError(
            f"{file}: column(s) {', '.join(undeclared)} look like children's identifiers but have no declared kind: "
            f'add fields.{undeclared[0]} = "child-id" to the source (or "text" if it is not an identifier)'
        )
    plan: dict[str, tuple[str, str]] = {}
    for name, spec in specs.items():
        kind, _, fmt = spec.partition(":")
        plan[name] = (kind, fmt)
    return plan


def read_source(
    loaded: LoadedBoard,
    source: Source,
    plugins: Plugins,
    report: SourceReport | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream a source's records, checked, converted and pseudonymised, as dictionaries.

    Bad values follow ``source.on_error``: ``fail`` raises :class:`DataError` at the first one,
    naming file, place and field; ``warn`` keeps the record with that value empty and adds a
    warning to ``report``. Columns that look like children's identifiers must be declared.
    :func:`read_batches` gives the same records as columns, which is much faster to work on.
    """
    for batch in read_batches(loaded, source, plugins, report, pseudonymiser=pseudonymiser):
        names = batch.names
        for values in batch.rows():
            yield dict(zip(names, values, strict=True))


def read_batches(
    loaded: LoadedBoard,
    source: Source,
    plugins: Plugins,
    report: SourceReport | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> Iterator[Batch]:
    """Stream a source's records as :class:`~lif_core.extensions.Batch` es of checked,
    converted, pseudonymised columns (renamed as the source says), as :func:`read_source`."""
    for _source, batch in read_together(
        loaded, [source], plugins, [report or SourceReport(source.id)], pseudonymiser=pseudonymiser
    ):
        yield batch


def read_together(
    loaded: LoadedBoard,
    sources: Sequence[Source],
    plugins: Plugins,
    reports: Sequence[SourceReport] | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    columns: Sequence[Collection[str] | None] | None = None,
) -> Iterator[tuple[Source, Batch]]:
    """Several sources' batches as ``(source, batch)``, reading each file once: sources that
    name the same file with the same adapter (tables of one census) are read in one pass
    where the adapter can (:meth:`DataSourceAdapter.batches_for`). ``reports[i]`` collects
    what reading ``sources[i]`` found.

    ``columns[i]``, if given, names the only fields (as the source renames them) wanted from
    ``sources[i]``: the others are neither checked nor converted, and an adapter that can
    skips reading them (as ``usecols`` does in other tools). ``None`` reads every field.
    """
    reports = list(reports) if reports is not None else [SourceReport(s.id) for s in sources]
    if len(reports) != len(sources):
        raise ValueError("read_together needs one report per source")
    groups: dict[tuple[str, Path], list[int]] = {}
    for i, source in enumerate(sources):
        plugins.data_sources.get(source.adapter)  # an unknown adapter is named before any reading
        path = loaded.resolve(source.path)
        if not path.is_file():
            raise DataError(f"{source.path}: no such file in the board folder")
        groups.setdefault((source.adapter, path), []).append(i)
    pseudo = pseudonymiser or Pseudonymiser(board_key(loaded.root))
    wanted = [frozenset(c) if c is not None else None for c in columns] if columns is not None else None
    for (adapter_name, path), members in groups.items():
        adapter = plugins.data_sources.get(adapter_name)
        readers = [
            _Converting(sources[i], adapter, pseudo, reports[i], wanted[i] if wanted is not None else None)
            for i in members
        ]
        hints = [r.hint for r in readers]
        plugin = plugins.data_sources.plugin_of(adapter_name)
        hook = f"register_data_sources (adapter {adapter_name!r})"
        try:
            if len(members) == 1:
                stream: Iterator[tuple[int, Batch]] = (
                    (0, b) for b in adapter.batches(path, sources[members[0]].options, hints[0])
                )
            else:
                stream = adapter.batches_for(path, [sources[i].options for i in members], hints)
            for index, batch in stream:
                reader = readers[index]
                try:
                    converted = reader.convert(batch)
                except _Stopped as stopped:
                    if stopped.before.size:
                        yield reader.source, stopped.before
                    raise stopped.error from None
                yield reader.source, converted
        except LifError:
            raise
        except Exception as exc:
            raise PluginError(f"{type(exc).__name__}: {exc}", plugin=plugin, hook=hook) from exc


_TEXT_TYPES = frozenset({str, type(None)})


def _convert_column(
    column: Sequence[Any], convert: Converter, known: Callable[[Any], Any] | None
) -> tuple[list[Any], list[tuple[int, ValueError]]]:
    """A column's values converted, and ``(row, error)`` for those that would not convert.

    Per-value Python work is what makes reading slow, so it is kept to values never seen
    before: values already known (a child seen in an earlier batch, a date already read) are
    looked up a whole column at a time, and each distinct new value is converted once however
    often it repeats. Grouping by value is done only for text (every CSV and XML value):
    a dictionary would take 1, 1.0 and True for one key.
    """
    values: list[Any] | None = None
    if known is not None:
        try:
            values = list(map(known, column))  # values seen before: one C-speed pass
        except TypeError:  # an unhashable value (a JSON list): no lookups
            values = None
        else:
            if None not in values:
                return values, []  # everything known
    pending = column if values is None else list(itertools.compress(column, map(operator.not_, values)))
    if not set(map(type, pending)) <= _TEXT_TYPES:  # numbers, lists (JSON, Excel): one at a time
        out: list[Any] = []
        bad: list[tuple[int, ValueError]] = []
        for row, raw in enumerate(column):
            try:
                out.append(convert(raw))
            except ValueError as exc:
                out.append(None)
                bad.append((row, exc))
        return out, bad
    fresh: dict[Any, Any] = dict.fromkeys(pending)  # each distinct new value, converted once
    errors: dict[Any, ValueError] = {}
    for raw in fresh:
        try:
            fresh[raw] = convert(raw)
        except ValueError as exc:
            errors[raw] = exc
    if values is None:
        values = list(map(fresh.get, column))
    else:
        # Rows still to fill. Where they are many (in a date-ordered extract most rows of a
        # batch hold a day not seen before), a second lookup pass fills them at C speed, as the
        # converters remember what they converted (pseudonyms, dates); the rest (few, or blank,
        # bad, or past the memory's bound) are filled one by one, found by a C-speed scan.
        if len(pending) * 8 > len(column):
            values = list(map(known, column))  # type: ignore[arg-type]
        if None in values:
            row = values.index(None)
            while True:
                values[row] = fresh[column[row]]
                try:
                    row = values.index(None, row + 1)
                except ValueError:
                    break
    return values, [(row, errors[raw]) for row, raw in enumerate(column) if raw in errors] if errors else []


class _Converting:
    """Checks and converts one source's batches, following its plan (made from the first
    batch's columns, and again if they change)."""

    def __init__(
        self,
        source: Source,
        adapter: Any,
        pseudo: Pseudonymiser,
        report: SourceReport,
        wanted: frozenset[str] | None = None,
    ) -> None:
        self.source, self.adapter, self.pseudo, self.report = source, adapter, pseudo, report
        self.warn = source.on_error is OnError.WARN
        self.wanted = wanted
        # The adapter's hint: the wanted fields by the names the file gives them.
        back = {out: name for name, out in source.rename.items()}
        self.hint = None if wanted is None else frozenset(back.get(name, name) for name in wanted)
        self.columns: tuple[str, ...] | None = None
        self.steps: list[tuple[int, str, str, Converter | None, Callable[[Any], Any] | None]] = []
        self.out_names: tuple[str, ...] = ()

    def _make_plan(self, names: tuple[str, ...]) -> None:
        source = self.source
        adapter_fields = dict(self.adapter.field_specs(source.options, list(names)))
        plan = _plan(source, adapter_fields, list(names), source.path)
        self.steps = []
        for index, name in enumerate(names):
            kind, fmt = plan.get(name, ("", ""))
            if kind == "drop" or (self.hint is not None and name not in self.hint):
                continue
            convert, known = _converters(kind, fmt, self.pseudo) if kind else (None, None)
            self.steps.append((index, name, source.rename.get(name, name), convert, known))
        missing = [
            n
            for n in source.fields
            if n not in names and plan[n][0] != "drop" and (self.hint is None or n in self.hint)
        ]
        self.out_names = tuple(out for _i, _n, out, _c, _k in self.steps) + tuple(
            source.rename.get(n, n) for n in missing if source.rename.get(n, n) not in {s[2] for s in self.steps}
        )
        self.columns = names

    def convert(self, batch: Batch) -> Batch:
        """The batch checked and converted. With ``on_error = "fail"`` a bad value raises
        :class:`_Stopped`, holding the records before it (passed on, as a reader going a record
        at a time would have) and the error."""
        report, file = self.report, self.source.path
        if batch.names != self.columns:
            self._make_plan(batch.names)
        out: list[list[Any]] = []
        # What was found, as (row, order, field, adapter's warning or conversion error): the
        # adapter's own warnings on a record come before its values' problems.
        found: list[tuple[int, int, str, str | ValueError]] = [
            (row, -1, name, message) for row, name, message in batch.warnings
        ]
        for index, name, _out_name, convert, known in self.steps:
            column = batch.columns[index]
            if convert is None:
                out.append(column)
                continue
            values, bad = _convert_column(column, convert, known)
            found.extend((row, len(out), name, exc) for row, exc in bad)
            out.append(values)
        if found:
            found.sort(key=lambda f: (f[0], f[1]))  # in file order, as a reader reading row by row finds them
            for row, _order, name, what in found:
                where = f"{batch.location(row)}: {name}"
                if isinstance(what, str):
                    report.add(Problem(file, where, what, Severity.WARNING))
                elif not self.warn:
                    report.add(Problem(file, where, str(what)))
                    report.failed = True
                    report.rows += row + 1  # read up to the bad value, as a record-at-a-time reader
                    report.kept += row
                    before = Batch(self.out_names, [c[:row] for c in self._complete(out, batch.size)], batch.location)
                    raise _Stopped(before, DataError(f"{file}: {where}: {what}"))
                else:
                    report.add(Problem(file, where, f"{what}; kept the record with {name} empty", Severity.WARNING))
        report.rows += batch.size
        report.kept += batch.size
        return Batch(self.out_names, self._complete(out, batch.size), batch.location)

    def _complete(self, out: list[list[Any]], size: int) -> list[list[Any]]:
        """The converted columns, with a column of ``None`` for each declared field the file lacks."""
        return out + [[None] * size for _ in range(len(self.out_names) - len(out))]


class _Stopped(Exception):
    """Reading stopped at a bad value: the records before it, and the error to raise."""

    def __init__(self, before: Batch, error: DataError) -> None:
        super().__init__(str(error))
        self.before, self.error = before, error
