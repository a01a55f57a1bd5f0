"""Boards as code: read a board folder (``board.toml`` and the files it includes), check every
key, type and cross-reference, and write a board back out as TOML or JSON.

Every problem is collected and reported at once, each with its file and key path
(``board.toml: partners[2].sector: ...``), so a user fixes a board in one pass.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, cast, get_args

import attrs
import tomli_w

from .convert import digest, iter_errors, structure, to_json, unstructure
from .errors import BoardInvalid, LifError, PathPart, PluginError, Problem, Severity, format_path
from .extensions import Registry, quiet_collector
from .files import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    UnreadableFile,
    describe_os_error,
    parse_text,
    read_data_file,
    read_text,
    resolve_inside,
    suggest,
    tomllib,
)
from .frameworks import DEFAULT_FRAMEWORK, TAXONOMIES, StatutoryFramework
from .model import COLLECTIONS, ID_PATTERN, Board, BoardInfo, PluginSettings, Settings, Theme

__all__ = [
    "BOARD_FILE",
    "FORMAT_VERSION",
    "LoadedBoard",
    "board_from_data",
    "board_to_data",
    "board_to_json",
    "board_to_toml",
    "load_board",
    # Re-exported from lif_core.files, where they live:
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "UnreadableFile",
    "describe_os_error",
    "parse_text",
    "read_data_file",
    "read_text",
    "resolve_inside",
]

BOARD_FILE = "board.toml"
#: The board file format this code reads and writes.
FORMAT_VERSION = 1
_SINGLETONS: dict[str, type] = {"board": BoardInfo, "plugins": PluginSettings, "settings": Settings}
_BOARD_ONLY = ("format", "include", *_SINGLETONS)
_NOUNS = {
    "principles": "principle",
    "functions": "statutory function",
    "partners": "partner",
    "people": "person",
    "groups": "group",
    "sections": "framework section",
    "inspection_recommendations": "inspection recommendation",
    "themes": "theme",
    "priorities": "priority",
    "measures": "measure",
    "sources": "data source",
    "reviews": "case review",
    "findings": "finding",
    "recommendations": "recommendation",
    "actions": "action",
    "evidence": "evidence item",
    "audits": "audit",
    "planned_audits": "planned audit",
    "section11_standards": "self-assessment standard",
    "section11_audits": "self-assessment cycle",
    "courses": "training course",
    "publications": "publication",
    "national_reviews": "national review",
    "scrutiny": "piece of scrutiny",
    "contributions": "contribution",
    "feedback": "piece of feedback",
    "child_deaths": "year of child death figures",
}


def noun(collection: str) -> str:
    """The singular, readable name of a collection's records."""
    return _NOUNS.get(collection, collection)


@attrs.frozen
class LoadedBoard:
    """A board read from its folder, with where each record came from.

    Attributes:
        board: the checked board.
        root: the board folder.
        files: the files read, relative to ``root``, board.toml first.
        origins: ``(collection, index in board) -> (file, index in that file)``.
        warnings: problems that do not make the board invalid.
        framework: the statutory framework the board works under, where it was opened with
            its plugins (:func:`lif_core.open_board`); None from :func:`load_board` alone.
    """

    board: Board
    root: Path
    files: tuple[str, ...] = ()
    origins: Mapping[tuple[str, int], tuple[str, int]] = attrs.field(factory=dict)
    warnings: tuple[Problem, ...] = ()
    framework: StatutoryFramework | None = None

    @functools.cached_property
    def _positions(self) -> dict[str, tuple[str, int]]:
        return {item.id: (name, i) for name in COLLECTIONS for i, item in enumerate(self.board.collection(name))}

    def locate(self, item_id: str, *path: PathPart) -> tuple[str, str]:
        """``(file, key path)`` of a record (and a path below it), for error messages."""
        if item_id not in self._positions:
            return BOARD_FILE, format_path(path)
        name, i = self._positions[item_id]
        file, j = self.origins.get((name, i), (BOARD_FILE, i))
        return file, format_path((name, j, *path))

    def problem(
        self,
        item_id: str | None,
        path: Iterable[PathPart] | str,
        message: str,
        *,
        severity: str = Severity.ERROR,
        source: str = "lif",
    ) -> Problem:
        """A :class:`Problem` about a record (by id) or a board-level key path."""
        parts: tuple[PathPart, ...] = (path,) if isinstance(path, str) else tuple(path)
        if item_id is None:
            return Problem(BOARD_FILE, format_path(parts), message, severity, source)
        file, where = self.locate(item_id, *parts)
        return Problem(file, where, message, severity, source)

    def resolve(self, relative: str) -> Path:
        """A path named in the board, resolved inside the board folder (never outside it)."""
        return resolve_inside(self.root, relative)


# --------------------------------------------------------------------------- reading files


@attrs.define
class _Item:
    file: str
    index: int
    raw: Any


@attrs.define
class _Reader:
    root: Path
    stores: Mapping[str, Any] | None = None
    #: The shipped theme taxonomies of a statutory framework, by its name (None: not known).
    themes_for: Callable[[str], tuple[str, ...] | None] | None = None
    problems: list[Problem] = attrs.field(factory=list)
    warnings: list[Problem] = attrs.field(factory=list)
    files: list[str] = attrs.field(factory=list)
    items: dict[str, list[_Item]] = attrs.field(factory=lambda: {k: [] for k in COLLECTIONS})
    singletons: dict[str, Any] = attrs.field(factory=dict)

    def error(self, file: str, path: tuple[PathPart, ...], message: str) -> None:
        self.problems.append(Problem(file, format_path(path), message))

    def parse(self, rel: str) -> dict[str, Any] | None:
        try:
            data = read_data_file(self.root / rel, "toml", name=rel)
        except UnreadableFile as exc:
            self.error(rel, (), exc.reason)
            return None
        if not isinstance(data, dict):  # pragma: no cover - TOML is always a table
            self.error(rel, (), "expected a table at the top level")
            return None
        self.files.append(rel)
        return data

    def read_collections(self, rel: str, data: dict[str, Any], allowed: tuple[str, ...]) -> None:
        for key, value in data.items():
            if key in COLLECTIONS:
                if not isinstance(value, list):
                    self.error(rel, (key,), f"expected a list of tables ([[{key}]]), got {type(value).__name__}")
                    continue
                for i, raw in enumerate(value):
                    self.items[key].append(_Item(rel, i, raw))
            elif key not in allowed:
                hint = _suggest(key, [*allowed, *COLLECTIONS])
                self.error(
                    rel, (key,), "unknown top-level key" + hint + "; allowed: " + ", ".join([*allowed, *COLLECTIONS])
                )

    def read(self) -> None:
        data = self.parse(BOARD_FILE)
        if data is None:
            return
        fmt = data.get("format", FORMAT_VERSION)
        if isinstance(fmt, bool) or not isinstance(fmt, int):
            self.error(BOARD_FILE, ("format",), f"expected a whole number, got {fmt!r}")
        elif fmt > FORMAT_VERSION:
            self.error(
                BOARD_FILE,
                ("format",),
                f"this board uses format {fmt}, written by a newer lif-core; this version "
                f"reads format {FORMAT_VERSION} at most: upgrade lif-core",
            )
        elif fmt < 1:
            self.error(BOARD_FILE, ("format",), f"format must be 1 or more, got {fmt}")
        for key, cls in _SINGLETONS.items():
            if key in data:
                self.singletons[key] = (data[key], cls)
        if "board" not in data:
            self.error(BOARD_FILE, ("board",), "required table is missing: add a [board] table with id, name and area")
        self.read_collections(BOARD_FILE, data, _BOARD_ONLY)
        for rel in self.includes(data.get("include", [])):
            included = self.parse(rel)
            if included is not None:
                self.read_collections(rel, included, ("format",))
        self.read_register()

    def read_register(self) -> None:
        """Where the board has a register store, its records replace the files' register
        collections (which are reported, not silently dropped). The store is the plugin
        host's (``settings.store``, ``sqlite`` by default): the loader knows no store itself."""
        from .model import REGISTER_COLLECTIONS

        raw_settings = self.singletons.get("settings", ({}, None))[0]
        name = raw_settings.get("store", "sqlite") if isinstance(raw_settings, dict) else "sqlite"
        stores = self.stores if self.stores is not None else _installed_stores()
        backend = stores.get(name) if isinstance(name, str) else None
        if backend is None:
            return  # an unknown store is reported with the other plugin names
        exists = getattr(backend, "exists", None)  # a store kept elsewhere (a server) answers itself
        if not (exists(self.root) if callable(exists) else (self.root / backend.filename).exists()):
            return
        store_file = backend.filename  # the file register records are said to come from
        in_files = any(self.items[key] for key in REGISTER_COLLECTIONS)
        register = None
        try:
            register = backend.open_read_only(self.root)  # reading never needs write access
            stored = register.records()
            # what was last imported, to tell the files' records edited since (where they hold any)
            imported = register.imported() if in_files and hasattr(register, "imported") else {}
        except LifError:
            raise
        except Exception as exc:  # a store plugin's failure is blamed on it, as in every hook
            plugin = stores.plugins.get(name, "") if isinstance(stores, StoreTable) else ""
            raise PluginError(
                f"{type(exc).__name__}: {exc}", plugin=plugin, hook=f"register_stores (store {name!r})"
            ) from exc
        finally:
            if register is not None:
                register.close()
        for key in REGISTER_COLLECTIONS:
            # The files' register records are not read once a store holds the register; say so
            # where one is new or edited since the last import, never drop it silently.
            edited = [i for i in self.items[key] if i.file != store_file and not _as_imported(i.raw, imported, key)]
            if edited:
                files = ", ".join(sorted({i.file for i in edited}))
                ids = ", ".join(str(i.raw.get("id")) for i in edited[:5] if isinstance(i.raw, dict))
                self.warnings.append(
                    Problem(
                        files,
                        key,
                        f"{len(edited)} record(s) new or edited since the last `lif import`, not read: the register "
                        f"lives in {store_file} ({ids}{', ...' if len(edited) > 5 else ''}); "
                        "`lif import` brings them in",
                        Severity.WARNING,
                    )
                )
        for key in REGISTER_COLLECTIONS:
            self.items[key] = []
        for key, data in stored:
            self.items[key].append(_Item(store_file, len(self.items[key]), data))

    def includes(self, value: object) -> Iterator[str]:
        if not isinstance(value, list):
            self.error(BOARD_FILE, ("include",), 'expected a list of file names or patterns, e.g. ["register/*.toml"]')
            return
        seen: set[str] = {BOARD_FILE}
        base = self.root.resolve()
        for i, pattern in enumerate(value):
            where = ("include", i)
            if not isinstance(pattern, str) or not pattern.strip():
                self.error(BOARD_FILE, where, "expected a file name or pattern")
                continue
            if pattern.startswith(("/", "\\")) or ".." in pattern.replace("\\", "/").split("/"):
                self.error(BOARD_FILE, where, f"{pattern!r} must be a path inside the board folder")
                continue
            matches = sorted(self.root.glob(pattern)) if any(c in pattern for c in "*?[") else [self.root / pattern]
            if not matches or not all(m.exists() for m in matches):
                self.error(BOARD_FILE, where, f"no file matches {pattern!r} in {self.root}")
                continue
            for match in matches:
                if not match.resolve().is_relative_to(base):
                    self.error(BOARD_FILE, where, f"{pattern!r} leads outside the board folder")
                    continue
                if match.suffix != ".toml" or not match.is_file():
                    self.error(BOARD_FILE, where, f"{match.name!r} is not a .toml file")
                    continue
                rel = match.relative_to(self.root).as_posix()
                if rel not in seen:
                    seen.add(rel)
                    yield rel


def _as_imported(raw: Any, imported: Mapping[str, str], key: str) -> bool:
    """True where a file's register record is as it was last imported into the store."""

    if not isinstance(raw, dict) or raw.get("id") not in imported:
        return False
    try:
        return digest(key, raw) == imported[raw["id"]]
    except Exception:  # noqa: BLE001 - a record that does not even build was edited
        return False


_suggest = suggest


# --------------------------------------------------------------------------- building a board


@functools.cache
def _taxonomy_items(name: str) -> tuple[dict[str, Any], ...]:
    text = (resources.files("lif_core") / "data" / f"{name}.toml").read_text(encoding="utf-8")
    return tuple(tomllib.loads(text)["themes"])


@functools.cache
def default_themes(names: tuple[str, ...]) -> dict[str, Theme]:
    """The shipped themes of the named taxonomies, by id."""
    return {raw["id"]: structure(raw, Theme) for name in names if name in TAXONOMIES for raw in _taxonomy_items(name)}


def _add_default_themes(reader: _Reader, names: tuple[str, ...]) -> None:
    own = {item.raw.get("id") for item in reader.items["themes"] if isinstance(item.raw, dict)}
    shipped: list[_Item] = []
    for i, name in enumerate(names):
        if name not in TAXONOMIES:
            reader.error(
                BOARD_FILE,
                ("settings", "default_themes", i),
                f"no theme taxonomy {name!r} ships with lif-core; available: {', '.join(TAXONOMIES)}",
            )
            continue
        for j, raw in enumerate(_taxonomy_items(name)):
            if raw["id"] not in own:  # a board's own theme with the same id replaces the default
                shipped.append(_Item(f"<lif-core>/{name}.toml", j, dict(raw)))
    reader.items["themes"][:0] = shipped


#: ``[board]`` keys of format 1 before statutory frameworks, read as the framework they meant.
LEGACY_BOARD_KEYS = ("country", "arrangement", "working_together")
_LEGACY_EDITIONS = {"2015": "england-wt2015", "2018": "england-wt2018", "2023": "england-wt2023"}
_LEGACY_ARRANGEMENTS = {"lscb": "england-wt2015", "safeguarding-partnership": "england-wt2018"}


def legacy_framework(raw: Mapping[str, Any]) -> tuple[str | None, list[tuple[tuple[PathPart, ...], str]]]:
    """The statutory framework a ``[board]`` table written before frameworks meant, from its
    ``country``, ``arrangement`` and ``working_together``: ``(framework or None, errors)``."""
    errors: list[tuple[tuple[PathPart, ...], str]] = []
    allowed = {
        "country": ("england", "wales"),
        "arrangement": tuple(_LEGACY_ARRANGEMENTS),
        "working_together": tuple(_LEGACY_EDITIONS),
    }
    for key, choices in allowed.items():
        value = raw.get(key)
        if key in raw and value not in choices:
            errors.append(
                (
                    ("board", key),
                    f"{value!r} is not one of {', '.join(repr(c) for c in choices)}; this key is replaced by "
                    "statutory_framework (`lif frameworks` lists the frameworks installed)",
                )
            )
    if errors:
        return None, errors
    if raw.get("country") == "wales":  # Welsh boards had to borrow an English arrangement: it meant nothing
        return "wales-2014-act", errors
    arrangement, edition = raw.get("arrangement"), raw.get("working_together")
    partnership = arrangement == "safeguarding-partnership" and edition in ("2018", "2023")
    if arrangement and edition and _LEGACY_ARRANGEMENTS[arrangement] != _LEGACY_EDITIONS[edition] and not partnership:
        errors.append(
            (
                ("board", "arrangement"),
                f"arrangement = {arrangement!r} and working_together = {edition!r} disagree (an LSCB worked under "
                "Working Together 2015, with the 2018 transitional rapid reviews: england-wt2015; a safeguarding "
                "partnership under 2018 or 2023): replace both with statutory_framework, the framework the board "
                "works under (`lif frameworks` lists them)",
            )
        )
        return None, errors
    if "working_together" in raw:
        return _LEGACY_EDITIONS[raw["working_together"]], errors
    if "arrangement" in raw:
        return _LEGACY_ARRANGEMENTS[raw["arrangement"]], errors
    return "england-wt2018", errors  # country = "england" alone: the edition lif-core then checked against


def _upgrade_board_info(reader: _Reader, raw: Any) -> Any:
    """A ``[board]`` table with the keys of format 1 before frameworks, read as the framework
    they meant, with a warning naming the new key (``lif migrate`` rewrites the file)."""
    if not isinstance(raw, dict):
        return raw
    if not any(k in raw for k in LEGACY_BOARD_KEYS):
        if "statutory_framework" not in raw:
            reader.warnings.append(
                Problem(
                    BOARD_FILE,
                    "board.statutory_framework",
                    f'not set: the board is read as statutory_framework = "{DEFAULT_FRAMEWORK}" (the current English '
                    "edition); set it to the framework the board works under (`lif frameworks` lists them; "
                    "`lif migrate` writes the default in). A board written before frameworks that named no country, "
                    "arrangement or edition was checked against Working Together 2018: england-wt2018",
                    Severity.WARNING,
                )
            )
        return raw
    old = [k for k in LEGACY_BOARD_KEYS if k in raw]
    framework, errors = legacy_framework(raw)
    for path, message in errors:
        reader.error(BOARD_FILE, path, message)
    upgraded = {k: v for k, v in raw.items() if k not in LEGACY_BOARD_KEYS}
    if "statutory_framework" in raw:
        reader.error(
            BOARD_FILE,
            ("board", old[0]),
            f"{', '.join(old)} {'is' if len(old) == 1 else 'are'} replaced by statutory_framework, which is also "
            "set: remove " + ("it" if len(old) == 1 else "them"),
        )
        return upgraded
    if framework is not None:
        upgraded["statutory_framework"] = framework
    said = " and ".join(f"board.{k}" for k in old)
    reader.warnings.append(
        Problem(
            BOARD_FILE,
            format_path(("board", old[0])),
            f"{said} {'is' if len(old) == 1 else 'are'} replaced by board.statutory_framework"
            + (f' (read as statutory_framework = "{framework}")' if framework else "")
            + ": run `lif migrate` on the board folder to rewrite board.toml",
            Severity.WARNING,
        )
    )
    return upgraded


def _default_themes(reader: _Reader, values: Mapping[str, Any], settings: Settings) -> tuple[str, ...]:
    """The shipped taxonomies to load: the board's own choice, else its framework's, else all."""
    if settings.default_themes is not None:
        return settings.default_themes
    info = values.get("board")
    if info is not None and reader.themes_for is not None:
        named = reader.themes_for(info.statutory_framework)
        if named is not None:
            return named
    return TAXONOMIES


def _structure_items(reader: _Reader) -> tuple[dict[str, Any], dict[tuple[str, int], tuple[str, int]]]:
    values: dict[str, Any] = {}
    origins: dict[tuple[str, int], tuple[str, int]] = {}
    if "board" in reader.singletons:
        raw, cls = reader.singletons["board"]
        reader.singletons["board"] = (_upgrade_board_info(reader, raw), cls)
    for key, (raw, cls) in reader.singletons.items():
        try:
            values[key] = structure(raw, cls)
        except Exception as exc:  # noqa: BLE001 - every structuring failure is reported
            for path, message in iter_errors(exc, (key,), cls):
                reader.error(BOARD_FILE, path, message)
    settings = values.get("settings", Settings())
    _add_default_themes(reader, _default_themes(reader, values, settings))
    for key, cls in COLLECTIONS.items():
        built: list[Any] = []
        for item in reader.items[key]:
            try:
                record: Any = structure(item.raw, cls)
            except Exception as exc:  # noqa: BLE001
                for path, message in iter_errors(exc, (key, item.index), cls):
                    reader.error(item.file, path, message)
                continue
            origins[(key, len(built))] = (item.file, item.index)
            built.append(record)
        values[key] = tuple(built)
    return values, origins


def _known_ids(reader: _Reader) -> dict[str, dict[str, tuple[str, int]]]:
    """Ids by collection, from the raw data (so a record that failed to build still counts)."""
    known: dict[str, dict[str, tuple[str, int]]] = {k: {} for k in COLLECTIONS}
    first: dict[str, tuple[str, str, int]] = {}
    for key in COLLECTIONS:
        for item in reader.items[key]:
            raw_id = item.raw.get("id") if isinstance(item.raw, dict) else None
            if not isinstance(raw_id, str) or not ID_PATTERN.match(raw_id):
                continue
            if raw_id in first:
                other_key, other_file, other_index = first[raw_id]
                reader.error(
                    item.file,
                    (key, item.index, "id"),
                    f"id {raw_id!r} is already used by {other_key}[{other_index}] in {other_file}: "
                    "ids must be unique across the whole board",
                )
                continue
            first[raw_id] = (key, item.file, item.index)
            known[key][raw_id] = (item.file, item.index)
    return known


@functools.cache
def _ref_plan(cls: Any) -> tuple[tuple[str, str, tuple[str, ...], bool], ...]:
    """For a record type: its fields that hold references (``ref`` or ``plugin``) or may hold
    nested records (``nested``), worked out once per type."""
    plan = []
    for field in attrs.fields(cls):
        targets = field.metadata.get("ref")
        registry = field.metadata.get("plugin")
        if targets:
            plan.append((field.name, "ref", tuple(targets), False))
        elif registry:
            plan.append((field.name, "plugin", (registry,), False))
        elif field.metadata.get("term"):
            plan.append((field.name, "term", (field.metadata["term"],), False))
        else:
            tp = field.type
            nested = attrs.has(tp) or any(attrs.has(a) for a in get_args(tp)) if not isinstance(tp, str) else True
            if nested:
                plan.append((field.name, "nested", (), False))
    return tuple(plan)


def iter_refs(
    obj: Any, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str, tuple[str, ...], str]]:
    """Every reference inside a record: ``(path, value, target collections, kind)``.

    ``kind`` is ``"ref"`` for a record reference, ``"plugin"`` for a name a plugin
    registers (``targets`` is then the one registry's name) and ``"term"`` for a name from the
    statutory framework's vocabulary (``targets`` is then the vocabulary's name).
    """
    yield from refs_of(obj, ALL_KINDS, path)


def iter_raw_refs(
    raw: Any, cls: type, path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str, tuple[str, ...]]]:
    """The record references in raw data for ``cls`` that could not be built: checked too, so
    one pass reports a dangling reference beside a type error in the same record."""
    if not isinstance(raw, dict) or not attrs.has(cls):
        return
    for field in attrs.fields(cls):
        if field.name not in raw:
            continue
        value = raw[field.name]
        here = (*path, field.name)
        targets = field.metadata.get("ref")
        if targets:
            values = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for i, v in values:
                if isinstance(v, str) and ID_PATTERN.match(v):
                    yield (here if i is None else (*here, i)), v, tuple(targets)
            continue
        inner = [field.type] if attrs.has(field.type) else [a for a in get_args(field.type) if attrs.has(a)]
        for sub in inner:
            if isinstance(value, list):
                for i, v in enumerate(value):
                    yield from iter_raw_refs(v, sub, (*here, i))
            else:
                yield from iter_raw_refs(value, sub, here)


def _records_in(tp: Any) -> Iterator[Any]:
    """The record types a field of type ``tp`` may hold (in a tuple, an optional...)."""
    if attrs.has(tp):
        yield tp
    for arg in get_args(tp):
        if arg is not Ellipsis:
            yield from _records_in(arg)


#: Every kind of reference :func:`_ref_plan` names, and the record references alone.
ALL_KINDS = frozenset({"ref", "plugin", "term"})
RECORD_REFS = frozenset({"ref"})


@functools.cache
def ref_plan_of(cls: Any, kinds: frozenset[str]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The entries of a record type's :func:`_ref_plan` of ``kinds``, and the ``nested`` ones
    whose records (at any depth) have one. Nested records that can hold none are left out: a
    large board's register is mostly references and values, and a measure's values are not
    walked."""
    return _plan_of(cls, kinds, frozenset())


def _plan_of(cls: Any, kinds: frozenset[str], seen: frozenset[Any]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    attrs.resolve_types(cls)
    seen = seen | {cls}
    types = {f.name: f.type for f in attrs.fields(cls)}
    plan = []
    for name, kind, where, _ in _ref_plan(cls):
        if kind in kinds:
            plan.append((name, kind, where))
        elif kind == "nested":
            tp = types[name]
            inner = None if isinstance(tp, str) else list(_records_in(tp))  # a type not known: walked
            if inner is None or any(t in seen or _plan_of(t, kinds, seen) for t in inner):  # one holding itself too
                plan.append((name, kind, where))
    return tuple(plan)


def refs_of(
    obj: Any, kinds: frozenset[str], path: tuple[PathPart, ...] = ()
) -> Iterator[tuple[tuple[PathPart, ...], str, tuple[str, ...], str]]:
    """The references of ``kinds`` in a record, as :func:`iter_refs` gives them, in its order:
    ``(path, value, targets, kind)``."""
    for name, kind, where in ref_plan_of(cast(Any, type(obj)), kinds):
        value = getattr(obj, name)
        if value is None or value == ():
            continue
        if kind == "nested":
            if isinstance(value, tuple):
                for i, v in enumerate(value):
                    if attrs.has(type(v)):
                        yield from refs_of(v, kinds, (*path, name, i))
            elif attrs.has(type(value)):
                yield from refs_of(value, kinds, (*path, name))
        elif isinstance(value, tuple):
            for i, v in enumerate(value):
                yield (*path, name, i), v, where, kind
        else:
            yield (*path, name), value, where, kind


def _check_refs(reader: _Reader, values: dict[str, Any], origins: Mapping[tuple[str, int], tuple[str, int]]) -> None:
    known = _known_ids(reader)
    owner = {i: k for k, ids in known.items() for i in ids}
    built: dict[str, set[tuple[str, int]]] = {k: set() for k in COLLECTIONS}  # where each record built came from
    for (k, _), where in origins.items():
        built[k].add(where)
    resolving: dict[tuple[str, ...], set[str]] = {}  # the ids a reference may name, by its targets

    def check(
        key: str, file: str, index: int, path: tuple[PathPart, ...], value: str, targets: tuple[str, ...]
    ) -> None:
        ids = resolving.get(targets)
        if ids is None:
            ids = resolving[targets] = set().union(*(known[t] for t in targets))
        if value in ids:
            return
        wanted = " or ".join(noun(t) for t in targets)
        if value in owner:
            message = f"{value!r} is a {noun(owner[value])}, not a {wanted}"
        else:
            pool = [i for t in targets for i in known[t]]
            message = f"no {wanted} with id {value!r}" + _suggest(value, pool)
        reader.error(file, (key, index, *path), message)

    for key, cls in COLLECTIONS.items():
        for n, record in enumerate(values[key]):
            file, index = origins[(key, n)]
            for path, value, targets, _ in refs_of(record, RECORD_REFS):
                check(key, file, index, path, value, targets)
        for item in reader.items[key]:
            if (item.file, item.index) not in built[key]:
                for path, value, targets in iter_raw_refs(item.raw, cls):
                    check(key, item.file, item.index, path, value, targets)


def _read(
    root: Path,
    stores: Mapping[str, Any] | None = None,
    themes_for: Callable[[str], tuple[str, ...] | None] | None = None,
) -> tuple[_Reader, dict[str, Any], dict[tuple[str, int], tuple[str, int]]]:
    with quiet_collector():  # tens of thousands of records on a large board, none in a cycle
        reader = _Reader(root, stores, themes_for)
        reader.read()
        values, origins = _structure_items(reader)
        _check_refs(reader, values, origins)
    return reader, values, origins


class StoreTable(dict[str, Any]):
    """The stores of a plugin host by name, with the plugin that registered each (``plugins``),
    to blame a store's failure while the board reads its register on that plugin."""

    plugins: dict[str, str]


def store_table(registry: Registry[Any]) -> StoreTable:
    """``registry``'s stores by name, each with its plugin."""
    table = StoreTable({name: registry.get(name) for name in registry.names()})
    table.plugins = {name: registry.plugin_of(name) for name in registry.names()}
    return table


def _installed_stores() -> Mapping[str, Any]:
    """The stores of a fresh plugin host (builtins and installed plugins), by name."""
    from .plugins import Plugins

    return store_table(Plugins.create().stores)


def board_root(path: str | Path) -> Path:
    """The board folder named by ``path`` (the folder or its board.toml); a clear error if
    there is none."""
    root = Path(path)
    if root.name == BOARD_FILE and root.is_file():
        root = root.parent
    if not root.is_dir():
        raise LifError(f"{path}: no such board folder (create one with `lif init {path}`)")
    if not (root / BOARD_FILE).is_file():
        raise LifError(f"{path}: no {BOARD_FILE} in this folder (create a board with `lif init {path}`)")
    return root


def load_board(path: str | Path, plugins: Any = None) -> LoadedBoard:
    """Read and check a board folder (or its ``board.toml``).

    Its register is read from its store where it has one, found through ``plugins`` (a
    :class:`lif_core.Plugins` host; a fresh one with the installed plugins by default).

    Raises:
        LifError: the folder or its ``board.toml`` does not exist.
        BoardInvalid: with every problem found, each naming its file and key path.
    """
    root = board_root(path)
    stores = None
    if plugins is not None:
        registry = plugins.stores
        stores = {name: registry.get(name) for name in registry.names()}
    reader, values, origins = _read(root, stores)
    if reader.problems:
        raise BoardInvalid(reader.problems, board=str(path))
    board = Board(**values)
    return LoadedBoard(
        board=board, root=root, files=tuple(reader.files), origins=origins, warnings=tuple(reader.warnings)
    )


# --------------------------------------------------------------------------- data in and out


def board_from_data(data: Mapping[str, Any], *, file: str = BOARD_FILE) -> Board:
    """A board from one mapping holding everything (as :func:`board_to_data` writes it).

    Raises BoardInvalid with every problem, as :func:`load_board` does.
    """
    reader = _Reader(Path("."))
    if not isinstance(data, Mapping):
        raise BoardInvalid([Problem(file, "", "expected a table at the top level")])
    body = dict(data)
    for key, cls in _SINGLETONS.items():
        if key in body:
            reader.singletons[key] = (body[key], cls)
    if "board" not in body:
        reader.error(file, ("board",), "required table is missing")
    fmt = body.get("format", FORMAT_VERSION)
    if fmt != FORMAT_VERSION:
        reader.error(file, ("format",), f"expected format {FORMAT_VERSION}, got {fmt!r}")
    reader.read_collections(file, {k: v for k, v in body.items() if k != "include"}, _BOARD_ONLY)
    values, origins = _structure_items(reader)
    _check_refs(reader, values, origins)
    if reader.problems:
        raise BoardInvalid([attrs.evolve(p, file=file) for p in reader.problems])
    return Board(**values)


def board_to_data(board: Board) -> dict[str, Any]:
    """Plain data for a whole board in one mapping (dates stay dates; defaults omitted)."""
    data: dict[str, Any] = {"format": FORMAT_VERSION}
    data["board"] = unstructure(board.board)
    for key in ("plugins", "settings"):
        value = unstructure(getattr(board, key))
        if value:
            data[key] = value
    shipped = default_themes(
        tuple(TAXONOMIES if board.settings.default_themes is None else board.settings.default_themes)
    )
    for key in COLLECTIONS:
        items = board.collection(key)
        if key == "themes":  # shipped themes come back on loading: write only the board's own
            items = tuple(t for t in items if shipped.get(t.id) != t)
        if items:
            data[key] = [unstructure(item) for item in items]
    return data


def board_to_toml(board: Board) -> str:
    """The whole board as one TOML document that :func:`board_from_data` reads back."""
    return tomli_w.dumps(board_to_data(board))


def board_to_json(board: Board) -> str:
    """The whole board as JSON (dates as ISO 8601 strings)."""
    return to_json(board_to_data(board))


def board_from_toml(text: str, *, file: str = BOARD_FILE) -> Board:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BoardInvalid([Problem(file, "", f"not valid TOML: {exc}")]) from None
    return board_from_data(data, file=file)


def board_from_json(text: str, *, file: str = "board.json") -> Board:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BoardInvalid(
            [Problem(file, "", f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}")]
        ) from None
    return board_from_data(data, file=file)
