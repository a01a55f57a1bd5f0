"""What plugins register: the typed objects behind each registration hook, and the registry
that keeps them with the name of the plugin that gave each one.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import attrs

from .errors import LifError, PluginError, Problem
from .model import ID_PATTERN, CaseReview, OptionValue

if TYPE_CHECKING:
    from .board import LoadedBoard
    from .document import Document

__all__ = [
    "Area",
    "Check",
    "DataSourceAdapter",
    "InspectionFramework",
    "Methodology",
    "Record",
    "Registry",
    "Renderer",
    "StoreBackend",
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
        in memory. Raise :class:`lif_core.LifError` naming the file and line for bad input."""

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


# --------------------------------------------------------------------------- renderers


class Renderer(abc.ABC):
    """Draws a :class:`lif_core.document.Document` in one format.

    Attributes:
        name: the format name users give (``--format markdown``).
        title: a readable name.
        media_type: the output's MIME type.
        suffix: the usual file ending (``.md``).
        binary: true where the output is not text.
    """

    name: str = ""
    title: str = ""
    media_type: str = "text/plain"
    suffix: str = ".txt"
    binary: bool = False

    @abc.abstractmethod
    def render(self, document: Document) -> bytes:
        """The document in this format, as bytes (UTF-8 for text formats)."""


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
        return next((a for a in self.areas if a.id == area_id), None)


# --------------------------------------------------------------------------- checks


@attrs.frozen
class Check:
    """A rule every board is checked against by ``lif validate``.

    Attributes:
        name: identifier, shown as the source of the problems it finds.
        description: what it checks, for ``lif plugins`` and the docs.
        run: ``run(board, plugins)``, returning the problems found.
    """

    name: str
    description: str
    run: Callable[[LoadedBoard, Any], Iterable[Problem]]


# --------------------------------------------------------------------------- stores


class StoreBackend(abc.ABC):
    """Keeps a board's register, with history.

    Attributes:
        name: what boards write in ``settings.store``.
        title: a readable name.
        filename: the file (or folder) in the board folder whose presence means the board's
            register lives in this store.
    """

    name: str = ""
    title: str = ""
    filename: str = ""

    @abc.abstractmethod
    def open(self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True) -> Any:
        """The register of the board at ``root``: an object with the methods of
        :class:`lif_core.store.Register` (``records``, ``get``, ``add``, ``update``, ``delete``,
        ``set_status``, ``set_stage``, ``history``, ``transaction``, ``import_records``,
        ``close``). ``known_ids`` are the board structure's ids, for checking references."""


# --------------------------------------------------------------------------- the registry


@attrs.frozen
class Entry(Generic[T]):
    obj: T
    plugin: str


class Registry(Generic[T]):
    """Named objects of one kind, each remembered with the plugin that registered it."""

    def __init__(self, kind: str, hook: str, base: type[T]) -> None:
        self.kind = kind
        self.hook = hook
        self.base = base
        self._entries: dict[str, Entry[T]] = {}

    def add(self, obj: object, plugin: str) -> None:
        if not isinstance(obj, self.base):
            raise PluginError(
                f"register() was given {type(obj).__name__}, expected a {self.base.__name__}",
                plugin=plugin,
                hook=self.hook,
            )
        name = getattr(obj, "name", "")
        if not isinstance(name, str) or not ID_PATTERN.match(name):
            raise PluginError(f"{self.kind} name {name!r} is not a valid identifier", plugin=plugin, hook=self.hook)
        if name in self._entries:
            other = self._entries[name].plugin
            raise PluginError(
                f"{self.kind} {name!r} is already registered by plugin {other!r}; "
                f"disable one of them (LIF_DISABLE_PLUGINS or [plugins] disabled)",
                plugin=plugin,
                hook=self.hook,
            )
        self._entries[name] = Entry(obj, plugin)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[T]:
        return (e.obj for e in self._entries.values())

    def names(self) -> list[str]:
        return sorted(self._entries)

    def get(self, name: str) -> T:
        """The object registered as ``name``; a clear error naming the choices if none is."""
        try:
            return self._entries[name].obj
        except KeyError:
            choices = ", ".join(self.names()) or "none installed"
            raise LifError(f"no {self.kind} named {name!r}; available: {choices}") from None

    def plugin_of(self, name: str) -> str:
        return self._entries[name].plugin
