"""What plugins register: the typed objects behind each registration hook, and the registry
that keeps them with the name of the plugin that gave each one.
"""

from __future__ import annotations

import abc
import contextlib
import gc
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import attrs

from .document import ReportStyle
from .errors import LifError, PluginError, Problem
from .model import ID_PATTERN, CaseReview, OptionValue

if TYPE_CHECKING:
    from .board import LoadedBoard
    from .document import Document, Section
    from .frameworks import StatutoryFramework
    from .indicators import Accumulator
    from .report.context import SectionContext

__all__ = [
    "BATCH_SIZE",
    "Area",
    "Batch",
    "Check",
    "DataSourceAdapter",
    "Indicator",
    "InspectionFramework",
    "Methodology",
    "Record",
    "Registry",
    "RenderOptions",
    "Renderer",
    "ReportSection",
    "StoreBackend",
    "batches_of",
    "quiet_collector",
]

T = TypeVar("T")


# --------------------------------------------------------------------------- methodologies


class Methodology(abc.ABC):
    """A case-review methodology (SILP, SCIE Learning Together, ...).

    Subclass it, set the class attributes, implement :meth:`check`, and register an instance
    from a ``register_methodologies`` hook.

    Attributes:
        name: the identifier boards write in ``reviews[].methodology``.
        title: its full name.
        description: one or two sentences on what it is.
        stages: its own stages, in order.
        roles: the roles it needs (lead reviewer, review team, ...).
        artefacts: the artefact kinds a completed review under it produces.
    """

    name: str = ""
    title: str = ""
    description: str = ""
    stages: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    artefacts: tuple[str, ...] = ()

    @abc.abstractmethod
    def check(self, review: CaseReview, board: LoadedBoard) -> Iterable[Problem]:
        """Problems with ``review`` as run under this methodology (none if it is sound).

        Build each with ``board.problem(review.id, "field", "message", severity=...)``.
        """


# --------------------------------------------------------------------------- data sources


class Record(NamedTuple):
    """One record read from a data source (a named tuple: adapters make millions of them).

    Attributes:
        location: where it is in the source, for messages (``line 57``).
        fields: its values, by column or element name.
        warnings: ``(field, message)`` for values kept but doubtful (an unknown code), which
            the reader reports as warnings; never repeat an identifying value in a message.
    """

    location: str
    fields: Mapping[str, Any]
    warnings: tuple[tuple[str, str], ...] = ()


#: Records per batch: large enough that per-batch costs vanish, small enough to stay flat.
BATCH_SIZE = 4096


class Batch:
    """A run of records from one source held as columns: the form the fast paths use.

    Reading a million-row extract a record at a time spends most of its time making and
    unpacking one dictionary per row; a batch keeps a few thousand rows as one list per
    column, so checks, pseudonymisation and indicators work a column (or a zip of columns)
    at a time. Memory stays flat: a reader holds one batch at a time. Treat a batch as
    read-only: its lists may be shared (a small census is parsed once and its batches kept).

    Attributes:
        names: the column names, in order.
        columns: one list of values per name (all the same length).
        size: the number of records.
        warnings: ``(row, field, message)`` for values kept but doubtful, as in
            :attr:`Record.warnings`; ``row`` counts from 0 within the batch.
    """

    __slots__ = ("_locate", "columns", "names", "size", "warnings")

    def __init__(
        self,
        names: Sequence[str],
        columns: Sequence[list[Any]],
        locate: Callable[[int], str] | Sequence[str],
        warnings: Sequence[tuple[int, str, str]] = (),
    ) -> None:
        if len(names) != len(columns):
            raise ValueError(f"a batch has {len(names)} names but {len(columns)} columns")
        self.names = tuple(names)
        self.columns = list(columns)
        self.size = len(self.columns[0]) if self.columns else 0
        if any(len(c) != self.size for c in self.columns):
            raise ValueError("a batch's columns must all be the same length")
        self._locate = locate
        self.warnings = tuple(warnings)

    @classmethod
    def from_rows(
        cls,
        names: Sequence[str],
        rows: Sequence[Sequence[Any]],
        locate: Callable[[int], str] | Sequence[str],
        warnings: Sequence[tuple[int, str, str]] = (),
    ) -> Batch:
        """A batch from rows (tuples or lists in ``names`` order); an empty ``rows`` is allowed."""
        columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in names]
        batch = cls(names, columns, locate, warnings)
        batch.size = len(rows)
        return batch

    def location(self, row: int) -> str:
        """Where record ``row`` (from 0) is in the source, for messages (``line 57``)."""
        locate = self._locate
        return locate(row) if callable(locate) else locate[row]

    def column(self, name: str) -> list[Any]:
        """The values of column ``name``; a column the batch lacks reads as all ``None``."""
        try:
            return self.columns[self.names.index(name)]
        except ValueError:
            return [None] * self.size

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The records as tuples in :attr:`names` order."""
        if not self.columns:
            return iter([()] * self.size)
        return zip(*self.columns, strict=True)

    def records(self) -> Iterator[Record]:
        """The batch as :class:`Record` objects (with their warnings)."""
        notes: dict[int, list[tuple[str, str]]] = {}
        for row, name, message in self.warnings:
            notes.setdefault(row, []).append((name, message))
        names = self.names
        for i, values in enumerate(self.rows()):
            yield Record(self.location(i), dict(zip(names, values, strict=True)), tuple(notes.get(i, ())))


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a block of rows is made.

    Reading makes millions of short-lived lists and tuples that cannot form reference cycles
    (rows of strings, dates and numbers); each block stays alive just long enough to be
    promoted into the collector's older generations, which then sweeps every object in the
    process again and again (a third of the time on a million-row extract, measured). Objects
    are still freed as usual when no longer used; only the cycle search waits until the block
    is made. Nests, and leaves the collector as it found it. In a threaded host the other
    threads' cycle collection waits too, for the few milliseconds a block takes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def batches_of(records: Iterable[Record], size: int = BATCH_SIZE) -> Iterator[Batch]:
    """Group records into batches of at most ``size``; a change of columns starts a new one."""
    names: tuple[str, ...] | None = None
    rows: list[tuple[Any, ...]] = []
    places: list[str] = []
    warnings: list[tuple[int, str, str]] = []
    for record in records:
        fields = record.fields
        keys = tuple(fields)
        if keys != names or len(rows) >= size:
            if names is not None and (rows or places):
                yield Batch.from_rows(names, rows, places, warnings)
            names, rows, places, warnings = keys, [], [], []
        for name, message in record.warnings:
            warnings.append((len(rows), name, message))
        rows.append(tuple(fields.values()))
        places.append(record.location)
    if names is not None and rows:
        yield Batch.from_rows(names, rows, places, warnings)


class DataSourceAdapter(abc.ABC):
    """Reads one kind of data source, streaming records.

    Attributes:
        name: the identifier boards write in ``sources[].adapter``.
        title: a readable name.
        suffixes: file name endings it reads (``.csv``).
    """

    name: str = ""
    title: str = ""
    suffixes: tuple[str, ...] = ()

    @abc.abstractmethod
    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        """Yield the records of the file at ``path``, one at a time, never the whole file
        in memory. For bad input raise :class:`lif_core.LifError` saying where in the file
        (``line 57``) and what is wrong: lif-core names the file (a message that names it too
        is not named twice)."""

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        """The records of ``path`` as :class:`Batch` es of up to :data:`BATCH_SIZE` records.

        ``columns`` names the fields the reader will use (``None``: all of them). It is a hint:
        an adapter may leave the others out of its batches to save work, or ignore it.

        By default :meth:`read`'s records, grouped; an adapter whose format can be read a block
        at a time (CSV) overrides this for speed. Either way, never the whole file in memory.
        """
        return batches_of(self.read(path, options))

    def batches_for(
        self,
        path: Path,
        options: Sequence[Mapping[str, OptionValue]],
        columns: Sequence[Collection[str] | None] | None = None,
    ) -> Iterator[tuple[int, Batch]]:
        """Several readings of one file (tables of one census, say) as ``(index, batch)``,
        ``index`` saying which of ``options`` (and of ``columns``, the hints) the batch answers.

        By default each is read in turn. An adapter whose file holds several tables overrides
        this to read the file once for all of them, interleaving their batches.
        """
        for index, opts in enumerate(options):
            for batch in self.batches(path, opts, columns[index] if columns is not None else None):
                yield index, batch

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        """The kinds of the columns this format is known to hold (``{"CHILD": "child-id",
        "DECOM": "date:%d/%m/%Y"}``), so identifiers are pseudonymised and dates checked without
        the board declaring them. ``columns`` are the first record's field names. A source's
        own ``fields`` add to or override these."""
        return {}

    def check(self, path: Path, options: Mapping[str, OptionValue]) -> list[str]:
        """Problems opening ``path`` (by default: reading its first record fails)."""
        if self.suffixes and path.suffix.lower() not in self.suffixes:
            return [f"{path.name} does not end in {' or '.join(self.suffixes)}"]
        try:
            next(iter(self.read(path, options)), None)
        except LifError as exc:
            return [str(exc)]
        return []


# --------------------------------------------------------------------------- indicators

#: The period frequencies an indicator can be counted by (a measure's ``monthly``, ``quarterly``
#: and ``annual``).
FREQUENCIES = ("month", "quarter", "year")
#: What an indicator's figures are.
INDICATOR_UNITS = ("percent", "count")


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _roles(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _check_frequencies(_inst: object, _attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not value or any(f not in FREQUENCIES for f in value):
        raise ValueError(f"an indicator's frequencies are one or more of {', '.join(FREQUENCIES)}, not {value!r}")


def _check_unit(_inst: object, _attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in INDICATOR_UNITS:
        raise ValueError(f"an indicator's unit is {' or '.join(INDICATOR_UNITS)}, not {value!r}")


def _check_inputs(_inst: object, _attribute: attrs.Attribute[Any], value: Mapping[str, str]) -> None:
    for role in value:
        if not isinstance(role, str) or not ID_PATTERN.match(role):
            raise ValueError(f"an indicator's input role {role!r} is not a valid identifier")


@attrs.frozen(eq=False)
class Indicator:
    """An indicator a measure can compute from case-level records (``indicator = "<name>"``).

    It is worked out by an accumulator fed the records a batch at a time, keeping only what
    its definition needs, so one reading of a file serves every indicator computed from it.

    Attributes:
        name: what a measure writes in ``indicator`` (lower case: ``re-referrals-12m``).
        title: a readable name.
        description: its definition as published (whose, and what is counted), for
            ``lif plugins`` and the docs.
        unit: ``percent`` or ``count``.
        accumulator: ``accumulator(frequency)``: a fresh
            :class:`lif_core.Accumulator` counting by periods of ``frequency``
            (``month``, ``quarter`` or ``year``: one of :attr:`frequencies`), declaring the
            fields it reads from the measure's source (``fields``) and from each input
            (``input_fields``).
        frequencies: the period frequencies it can be counted by; a measure of another
            frequency is refused.
        inputs: the further tables it reads besides the measure's ``source``, by role, each with
            what it must be (``{"header": "the SSDA903 header table (CHILD, DOB)"}``); a measure
            names a source for each role in its ``inputs``.
    """

    name: str
    title: str
    description: str
    unit: str = attrs.field(validator=_check_unit)
    accumulator: Callable[[str], Accumulator]
    frequencies: tuple[str, ...] = attrs.field(default=FREQUENCIES, converter=_names, validator=_check_frequencies)
    inputs: Mapping[str, str] = attrs.field(factory=dict, converter=_roles, validator=_check_inputs)


# --------------------------------------------------------------------------- renderers


@attrs.frozen
class RenderOptions:
    """How a renderer should draw one document, beyond the document itself: what the caller
    knows of where the output goes. Every field has a default, so ``RenderOptions()`` is right
    for a file.

    Attributes:
        width: the terminal's width in columns, where the output goes to one (``None``: a file).
        colour: whether the output may use colour escapes (a terminal that supports them, and
            ``NO_COLOR`` unset).
        style: the board's house style for its published report (a
            :class:`lif_core.ReportStyle`: logo, colours, template overrides), read and checked
            from the board's folder by lif-core; ``None``: lif-core's own.
    """

    width: int | None = None
    colour: bool = False
    style: ReportStyle | None = None


class Renderer(abc.ABC):
    """Draws a :class:`lif_core.Document` in one format.

    Attributes:
        name: the format name users give (``--format markdown``).
        aliases: other names users may give for it (``md``).
        title: a readable name.
        media_type: the output's MIME type.
        suffix: the usual file ending (``.md``).
        binary: true where the output is not text (it must be written to a file).
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    title: str = ""
    media_type: str = "text/plain"
    suffix: str = ".txt"
    binary: bool = False

    @abc.abstractmethod
    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        """The document in this format, as bytes (UTF-8 for text formats). ``options``
        (``None``: ``RenderOptions()``) says where it goes; a renderer may ignore them."""


# --------------------------------------------------------------------------- inspection


@attrs.frozen
class Area:
    """An area of an inspection framework (a judgement, a function it looks at)."""

    id: str
    title: str
    description: str = ""


@attrs.frozen
class InspectionFramework:
    """An inspection framework, versioned, with the areas recommendations map onto.

    Attributes:
        name: the identifier boards write in ``inspection_recommendations[].framework``.
        title: its full name.
        body: the inspectorate (Ofsted, CIW).
        edition: version or year of the framework.
        areas: what it judges or looks at.
    """

    name: str
    title: str
    body: str
    edition: str
    areas: tuple[Area, ...]
    description: str = ""

    def area(self, area_id: str) -> Area | None:
        """The area with id ``area_id``, or None."""
        return next((a for a in self.areas if a.id == area_id), None)


# --------------------------------------------------------------------------- checks


@attrs.frozen
class Check:
    """A rule every board is checked against by ``lif validate``.

    Attributes:
        name: identifier, shown as the source of the problems it finds.
        description: what it checks, for ``lif plugins`` and the docs.
        run: ``run(board, plugins)``, returning the problems found.
        frameworks: the statutory frameworks it applies to, by name (``england-wt2023``) or
            country (``england``); every board when empty. A Working Together rule never runs
            on a Welsh board.
    """

    name: str
    description: str
    run: Callable[[LoadedBoard, Any], Iterable[Problem]]
    frameworks: tuple[str, ...] = ()

    def applies_to(self, framework: StatutoryFramework | None) -> bool:
        """True where the check runs on a board working under ``framework``."""
        if not self.frameworks:
            return True
        return framework is not None and (framework.name in self.frameworks or framework.country in self.frameworks)


# --------------------------------------------------------------------------- report sections


@attrs.frozen
class ReportSection:
    """One section a report can hold: a report definition (the statutory framework's, or the
    board's own ``report.toml``) lists sections by name, in order, each with its title.

    Attributes:
        name: what report definitions write in ``sections[].section`` (``foreword``).
        title: the heading it has unless the definition gives another.
        description: what it shows, for ``lif plugins`` and the docs.
        build: ``build(context)``: the section's content, a
            :class:`lif_core.Section` built from ``context``
            (:class:`lif_core.SectionContext`: the board as it stood on the report's
            day, the plugins, the day, its scores...). Its title is replaced by the
            definition's; the board's narrative for the section, where it wrote one, is put
            first by the report, so ``build`` gives only what the register holds.
        missing: ``missing(context)``: what the board has not yet given this section, in a
            sentence (``""`` when it has what it needs). ``lif validate`` warns with it for each
            section a report definition marks ``required``; ``None`` means the section is
            filled whenever the board wrote a narrative for it or the register holds anything
            it shows.
        narrative_only: the section is the board's own text and nothing else (a foreword): it
            is unfilled until the board writes its narrative file.
    """

    name: str
    title: str
    description: str
    build: Callable[[SectionContext], Section]
    missing: Callable[[SectionContext], str] | None = None
    narrative_only: bool = False


# --------------------------------------------------------------------------- stores


class StoreBackend(abc.ABC):
    """Keeps a board's register, with history.

    Attributes:
        name: what boards write in ``settings.store``.
        title: a readable name.
        filename: the file (or folder) in the board folder that belongs to this store: the
            register itself (SQLite's ``register.sqlite``) or what says where it is (a database
            server's connection settings). Whether the register is there is :meth:`exists`'s
            answer.
    """

    name: str = ""
    title: str = ""
    filename: str = ""

    def exists(self, root: Path) -> bool:
        """Whether the board at ``root`` has its register in this store (``lif import`` has
        made it). By default, whether :attr:`filename` is in the board folder; a store kept
        elsewhere (on a database server) answers itself, and says why it cannot where the
        server cannot be reached (a :class:`lif_core.StoreError`)."""
        return bool(self.filename) and (root / self.filename).exists()

    @abc.abstractmethod
    def open(self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True) -> Any:
        """The register of the board at ``root``: an object with the methods of
        :class:`lif_core.Register` (``records``, ``get``, ``add``, ``update``, ``delete``,
        ``set_status``, ``set_stage``, ``history``, ``transaction``, ``import_records``,
        ``close``). ``known_ids`` are the board structure's ids, for checking references.

        With ``create``, a store that does not exist yet should appear only once it is
        complete: a store is never left half-made for the loader to read (the builtin
        ``sqlite`` store builds it aside and moves it into place when it is closed; an
        exception inside ``with register:`` discards it)."""

    def open_read_only(self, root: Path) -> Any:
        """The register of the board at ``root``, opened only to read it (``records``,
        ``imported``, ``history``, ``close``): the loader and the commands that only read use
        this, so a board in a read-only folder can still be read. By default the same as
        :meth:`open` without ``create``; a store that can read without writing overrides it."""
        return self.open(root, {}, create=False)


# --------------------------------------------------------------------------- the registry


@attrs.frozen
class Entry(Generic[T]):
    obj: T
    plugin: str


class Registry(Generic[T]):
    """Named objects of one kind, each remembered with the plugin that registered it."""

    def __init__(self, kind: str, hook: str, base: type[T], *, lower_case: bool = False) -> None:
        self.kind = kind
        self.hook = hook
        self.base = base
        #: Names must be lower case (names boards write where only lower case is accepted).
        self.lower_case = lower_case
        self._entries: dict[str, Entry[T]] = {}
        #: Other names an object answers to (a renderer's ``aliases``), each to its name.
        self._aliases: dict[str, str] = {}

    def add(self, obj: object, plugin: str) -> None:
        """Record ``obj`` as registered by ``plugin`` (the host calls this for each
        ``register(...)`` of a hook): refused, naming the plugin and hook, where it is not of the
        registry's type, its name is not a valid identifier, or the name is taken."""
        if not isinstance(obj, self.base):
            raise PluginError(
                f"register() was given {type(obj).__name__}, expected a {self.base.__name__}",
                plugin=plugin,
                hook=self.hook,
            )
        name = getattr(obj, "name", "")
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            raise PluginError(f"{self.kind} name {name!r} is not a valid identifier", plugin=plugin, hook=self.hook)
        if self.lower_case and name != name.lower():
            raise PluginError(
                f"{self.kind} name {name!r} must be lower case (report definitions name it so)",
                plugin=plugin,
                hook=self.hook,
            )
        if name in self._entries:
            other = self._entries[name].plugin
            raise PluginError(
                f"{self.kind} {name!r} is already registered by plugin {other!r}; "
                f"disable one of them (LIF_DISABLE_PLUGINS or [plugins] disabled)",
                plugin=plugin,
                hook=self.hook,
            )
        aliases = getattr(obj, "aliases", ())
        for alias in aliases:
            if not isinstance(alias, str) or not ID_PATTERN.match(alias):
                raise PluginError(
                    f"{self.kind} alias {alias!r} is not a valid identifier", plugin=plugin, hook=self.hook
                )
            if alias in self._entries or alias in self._aliases or alias == name:
                raise PluginError(
                    f"{self.kind} {name!r}: alias {alias!r} is already a name or alias of another {self.kind}",
                    plugin=plugin,
                    hook=self.hook,
                )
        if name in self._aliases:
            raise PluginError(
                f"{self.kind} name {name!r} is already an alias of {self._aliases[name]!r}",
                plugin=plugin,
                hook=self.hook,
            )
        self._entries[name] = Entry(obj, plugin)
        for alias in aliases:
            self._aliases[alias] = name

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[T]:
        return (e.obj for e in self._entries.values())

    def names(self) -> list[str]:
        """Every registered name (aliases aside), sorted."""
        return sorted(self._entries)

    def canonical(self, name: str) -> str:
        """``name``, or the name it is an alias of."""
        return self._aliases.get(name, name)

    def get(self, name: str) -> T:
        """The object registered as ``name`` (or with ``name`` among its aliases); a clear
        error naming the choices if none is."""
        try:
            return self._entries[self.canonical(name)].obj
        except KeyError:
            also: dict[str, list[str]] = {}
            for alias, target in sorted(self._aliases.items()):
                also.setdefault(target, []).append(alias)
            choices = (
                ", ".join(n + (f" ({', '.join(also[n])})" if n in also else "") for n in self.names())
                or "none installed"
            )
            raise LifError(f"no {self.kind} named {name!r}; available: {choices}") from None

    def plugin_of(self, name: str) -> str:
        """The name of the plugin that registered ``name`` (or the object it is an alias of)."""
        return self._entries[self.canonical(name)].plugin
