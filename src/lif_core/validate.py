"""Open a board with its plugins: load the files, load the board's local plugins, check every
name a plugin provides, then run every registered check. ``lif validate`` is this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from .board import BOARD_FILE, LoadedBoard, _read, _suggest, board_root, ref_plan_of, refs_of, store_table
from .clocks import board_calendar
from .errors import BoardInvalid, LifError, Problem, format_path
from .extensions import quiet_collector
from .frameworks import (
    DEFAULT_FRAMEWORK,
    StatutoryFramework,
    record_problems,
    term_problem,
)
from .history import known_whole
from .model import COLLECTIONS, Board, PluginSettings
from .plugins import Plugins

__all__ = [
    "Validation",
    "board_framework",
    "load_board_plugins",
    "open_board",
    "term_problem",
    "validate_board",
    "with_framework",
]


@attrs.frozen
class Validation:
    """The outcome of checking a board folder.

    Attributes:
        loaded: the board, where its files could be read into a whole board; else None.
        problems: every error and warning, in the order found.
    """

    loaded: LoadedBoard | None
    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        return not self.errors


def board_framework(values: Mapping[str, Any], plugins: Plugins) -> StatutoryFramework | None:
    """The statutory framework a board's ``[board]`` names, where a plugin provides it."""
    info = values.get("board")
    name = info.statutory_framework if info is not None else DEFAULT_FRAMEWORK
    registry = plugins.statutory_frameworks
    return registry.get(name) if name in registry else None


def load_board_plugins(plugins: Plugins, root: Path, settings: PluginSettings) -> list[Problem]:
    """Apply a board's ``[plugins]``: its disabled plugins are blocked and its local plugins
    loaded; returns the problems loading them (see :meth:`Plugins.load_local`)."""
    plugins.disable(settings.disabled)
    return plugins.load_local(root, settings.local)


def with_framework(loaded: LoadedBoard, plugins: Plugins) -> LoadedBoard:
    """``loaded`` with its statutory framework, for a board read with :func:`load_board` (which
    knows no plugins): the board's local plugins are loaded first (a framework may be one of
    theirs). Unchanged where it has one, or where no plugin provides it."""
    if loaded.framework is not None:
        return loaded
    load_board_plugins(plugins, loaded.root, loaded.board.plugins)  # failures are reported by lif validate
    name = loaded.board.board.statutory_framework
    registry = plugins.statutory_frameworks
    return attrs.evolve(loaded, framework=registry.get(name)) if name in registry else loaded


#: What names something a plugin provides or a word of the statutory framework (record
#: references are checked when the board is read).
NAMES = frozenset({"plugin", "term"})


def _plugin_refs(
    values: Mapping[str, Any],
    origins: Mapping[tuple[str, int], tuple[str, int]],
    plugins: Plugins,
    framework: StatutoryFramework | None = None,
) -> list[Problem]:
    # Every record of every collection, and the board-wide tables (settings names a store).
    def places() -> Iterator[tuple[str, tuple[Any, ...], Any]]:
        for key in COLLECTIONS:
            records = values.get(key, ())
            if not records or not ref_plan_of(COLLECTIONS[key], NAMES):
                continue
            for n, record in enumerate(records):
                file, index = origins[(key, n)]
                yield file, (key, index), record
        for key in ("board", "settings"):
            if key in values:
                yield BOARD_FILE, (key,), values[key]

    vocabularies: dict[str, frozenset[str]] = {}  # the framework's names, once per vocabulary
    problems = []
    for file, where, record in places():
        for path, value, targets, ref_kind in refs_of(record, NAMES):
            target = targets[0]
            if ref_kind == "term":
                if framework is None:
                    continue
                names = vocabularies.get(target)
                if names is None:
                    names = vocabularies[target] = frozenset(framework.names(target))
                if value not in names:
                    problems.append(Problem(file, format_path((*where, *path)), term_problem(value, target, framework)))
                continue
            registry = plugins.registry(target)
            if value in registry:
                continue
            installed = ", ".join(registry.names()) or "none"
            message = (
                f"no {registry.kind} named {value!r} is installed{_suggest(value, registry.names())}; "
                f"installed: {installed}. Install the plugin that provides it or add it as a local plugin"
            )
            if where == ("board",) and path == ("statutory_framework",):
                message += (
                    " (the English frameworks come with lif-england, the Welsh one with lif-wales; "
                    f"{DEFAULT_FRAMEWORK} is the default where the key is absent)"
                )
            problems.append(Problem(file, format_path((*where, *path)), message))
    return problems


def _record_problems(
    values: Mapping[str, Any], origins: Mapping[tuple[str, int], tuple[str, int]], framework: StatutoryFramework
) -> list[Problem]:
    """Each record held to its framework on its own (a review's stages and decision against its
    kind, a publication's reporting year), reported with the names, before any check runs."""

    problems = []
    for key, check in (("reviews", "review-lifecycle"), ("publications", "publications-kept")):
        for n, record in enumerate(values.get(key, ())):
            file, index = origins[(key, n)]
            for path, message in record_problems(framework, key, record):
                problems.append(Problem(file, format_path((key, index, *path)), message, source=check))
    return problems


def validate_board(path: str | Path, plugins: Plugins | None = None) -> Validation:
    """Check a board folder completely and return every problem found.

    Structural problems (syntax, types, unknown keys, dangling references) and unknown
    plugin-provided names are all reported together; the registered checks run once the
    board is structurally sound. ``plugins`` gains the board's local plugins and loses its
    disabled ones.

    Raises:
        LifError: only when there is no board folder or no board.toml at ``path``.
    """
    plugins = plugins if plugins is not None else Plugins.create()
    root = board_root(path)
    with quiet_collector():  # a large board is tens of thousands of records, none in a cycle
        return _validate(root, plugins)


def _validate(root: Path, plugins: Plugins) -> Validation:
    stores = store_table(plugins.stores)
    registry = plugins.statutory_frameworks

    def themes_for(name: str) -> tuple[str, ...] | None:
        return registry.get(name).themes if name in registry else None

    reader, values, origins = _read(root, stores, themes_for)
    problems = [*reader.problems, *reader.warnings]
    settings = values.get("plugins", PluginSettings())
    problems += load_board_plugins(plugins, root, settings)
    framework = board_framework(values, plugins)
    if framework is not None and "board" in values:
        try:
            board_calendar(Board(board=values["board"]), framework)
        except LifError as exc:
            plugin = plugins.statutory_frameworks.plugin_of(framework.name)
            problems.append(
                Problem(
                    BOARD_FILE, "board.statutory_framework", f"{framework.name} (plugin {plugin!r}): calendar: {exc}"
                )
            )
            framework = None
    problems += _plugin_refs(values, origins, plugins, framework)
    if framework is not None:
        problems += _record_problems(values, origins, framework)
    if any(p.is_error for p in problems) or "board" not in values:
        return Validation(None, tuple(problems))
    loaded = LoadedBoard(
        board=Board(**values), root=root, files=tuple(reader.files), origins=origins, framework=framework
    )
    known_whole(loaded.board)  # every reference resolves, or the board would not be here
    for check in plugins.checks:
        if not check.applies_to(framework):
            continue
        with plugins.using(plugins.checks, check.name):
            for problem in check.run(loaded, plugins):
                if not isinstance(problem, Problem):
                    raise TypeError(f"check returned {type(problem).__name__}, expected a Problem")
                problems.append(problem if problem.source != "lif" else attrs.evolve(problem, source=check.name))
    return Validation(attrs.evolve(loaded, warnings=tuple(p for p in problems if not p.is_error)), tuple(problems))


def open_board(path: str | Path, plugins: Plugins | None = None) -> LoadedBoard:
    """A board folder, fully checked, for use from code.

    Raises:
        BoardInvalid: with every problem, if any is an error (warnings stay on the result).
        LifError: if there is no board at ``path``.
    """
    result = validate_board(path, plugins)
    if result.loaded is None or not result.ok:
        raise BoardInvalid(result.problems, board=str(path))
    return result.loaded
