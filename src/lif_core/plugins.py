"""The plugin host: one pluggy manager for the ``lif`` project, builtins registered like any
other plugin, entry-point discovery, a board's local plugin modules, strict checking of hook
names, and errors that name the plugin and hook whenever a plugin breaks.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib
import importlib.machinery
import importlib.util
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import FunctionType, MethodType, ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
import pluggy

from . import hookspecs
from .errors import LifError, PluginError, Problem
from .extensions import (
    Check,
    DataSourceAdapter,
    Indicator,
    InspectionFramework,
    Methodology,
    Registry,
    Renderer,
    ReportSection,
    StoreBackend,
)
from .frameworks import StatutoryFramework

if TYPE_CHECKING:
    import importlib.metadata

__all__ = ["BUILTIN_PLUGINS", "ENTRY_POINT_GROUP", "NO_LOCAL_ENV", "PluginInfo", "Plugins", "hookimpl"]

T = TypeVar("T")

#: The pluggy project name and the entry-point group third-party plugins use.
ENTRY_POINT_GROUP = "lif"
#: Environment variable: comma-separated plugin names never to load.
DISABLE_ENV = "LIF_DISABLE_PLUGINS"
#: Environment variable: set (to anything but "", "0", "false", "no" or "off") to open boards
#: without running their local plugins, as ``lif --no-local-plugins`` does.
NO_LOCAL_ENV = "LIF_NO_LOCAL_PLUGINS"

hookimpl = pluggy.HookimplMarker(ENTRY_POINT_GROUP)

#: Builtin plugin modules, registered by name like any other plugin.
BUILTIN_PLUGINS: tuple[str, ...] = (
    "lif_core.builtins.renderers",
    "lif_core.builtins.sources",
    "lif_core.builtins.checks",
    "lif_core.builtins.statutory",
    "lif_core.builtins.commands",
    "lif_core.builtins.stores",
    "lif_core.builtins.register",
    "lif_core.builtins.sections",
    "lif_core.builtins.report_checks",
    "lif_core.builtins.indicators",
    "lif_core.builtins.scaffold",
)

_REGISTRATION_HOOKS: dict[str, tuple[str, type]] = {
    "methodologies": ("register_methodologies", Methodology),
    "data_sources": ("register_data_sources", DataSourceAdapter),
    "renderers": ("register_renderers", Renderer),
    "inspection_frameworks": ("register_inspection_frameworks", InspectionFramework),
    "checks": ("register_checks", Check),
    "stores": ("register_stores", StoreBackend),
    "statutory_frameworks": ("register_statutory_frameworks", StatutoryFramework),
    "report_sections": ("register_report_sections", ReportSection),
    "indicators": ("register_indicators", Indicator),
}
_KIND_NAMES = {
    "methodologies": "methodology",
    "data_sources": "data-source adapter",
    "renderers": "renderer",
    "inspection_frameworks": "inspection framework",
    "checks": "check",
    "stores": "store",
    "statutory_frameworks": "statutory framework",
    "report_sections": "report section",
    "indicators": "indicator",
}
_local_counter = itertools.count(1)


@attrs.frozen
class PluginInfo:
    """What ``lif plugins`` shows of one plugin.

    Attributes:
        name: the name it is registered under.
        kind: ``builtin``, ``entry-point`` or ``local``.
        version: its distribution's version (lif-core's for builtins; ``""`` for local ones).
        distribution: the installed distribution providing it, if any.
        hooks: the hooks it implements, sorted.
        error: why it failed (to be imported, to register, to add its commands), one line
            naming it and the hook; ``""`` where it works.
    """

    name: str
    kind: str
    version: str
    distribution: str
    hooks: tuple[str, ...]
    error: str = ""

    @property
    def status(self) -> str:
        """``ok``, or ``failed`` (see :attr:`error`)."""
        return "failed" if self.error else "ok"


def _spec_names() -> list[str]:
    return sorted(n for n in dir(hookspecs) if n.startswith("register_"))


def disabled_from_env() -> tuple[str, ...]:
    raw = os.environ.get(DISABLE_ENV, "")
    return tuple(n.strip() for n in raw.split(",") if n.strip())


def no_local_from_env() -> bool:
    """True where ``LIF_NO_LOCAL_PLUGINS`` says not to run boards' local plugins."""
    return os.environ.get(NO_LOCAL_ENV, "").strip().lower() not in ("", "0", "false", "no", "off")


#: What passes through blame as it is: lif's own errors, click's (a usage error, ``ctx.exit()``,
#: Ctrl-C at a prompt) and a closed pipe (``lif ... | head``), which click ends quietly.
_PASSING = (LifError, click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, BrokenPipeError)


def _one_line(text: str) -> str:
    """``text`` on one line (an error message is printed as one)."""
    return " ".join(text.split())


def _describe(exc: BaseException) -> str:
    """An unexpected exception in one line: its type and message."""
    message = _one_line(str(exc))
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _bug(plugin: str) -> str:
    """What to add where lif-core's own (builtin) plugin failed: it is lif-core's bug."""
    return "; a bug in lif-core: please report it" if plugin.startswith("lif_core.") else ""


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``group``, with its path (``("report", "impact")``), depth first."""
    out: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in group.commands.items():
        out.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
    return out


class _Snapshot(dict[tuple[str, ...], click.Command]):
    """The commands of a CLI at a moment, by path, and each group's own table to put back."""

    groups: list[tuple[click.Group, dict[str, click.Command]]]


def _snapshot(cli: click.Group) -> _Snapshot:
    snapshot = _Snapshot(_commands(cli))
    groups = [cli, *(c for c in snapshot.values() if isinstance(c, click.Group))]
    snapshot.groups = [(g, dict(g.commands)) for g in groups]
    return snapshot


def _restore(snapshot: _Snapshot) -> None:
    """Put every group's commands back as they were at ``snapshot``."""
    for group, commands in snapshot.groups:
        group.commands.clear()
        group.commands.update(commands)


def _exit_message(exc: SystemExit, when: str) -> str:
    return f"called sys.exit({exc.code!r}) {when}: a plugin must raise an exception, never end lif"


class _Manager(pluggy.PluginManager):
    """pluggy's plugin manager, finding a module's hook implementations sooner.

    Registering a plugin looks at every name in it (a plugin module's imports too: some 800
    names for lif-core's builtins and installed plugins) for a hook implementation's mark,
    each through :func:`inspect.getattr_static`. In a module, a name that holds a plain
    function is marked or not by an attribute of the function, and one that holds anything
    but a function or method is never an implementation: both are answered here as pluggy
    answers them; anything else is asked of pluggy."""

    def parse_hookimpl_opts(self, plugin: object, name: str) -> Any:
        if type(plugin) is ModuleType:
            value = plugin.__dict__.get(name, _ABSENT)
            if type(value) is FunctionType:
                opts = getattr(value, self.project_name + "_impl", None)
                return opts if isinstance(opts, dict) else None
            if value is not _ABSENT and not isinstance(value, (staticmethod, classmethod, MethodType)):
                return None
        return super().parse_hookimpl_opts(plugin, name)


_ABSENT = object()


class Plugins:
    """The plugin host for one process or one embedding application.

    Create it with :meth:`Plugins.create`; register a board's local plugins with
    :meth:`load_local`; read what plugins registered through the typed registries
    (:attr:`methodologies`, :attr:`renderers`, ...).
    """

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        #: Whether :meth:`load_local` runs a board's local plugins; ``False`` (``lif
        #: --no-local-plugins``, or ``LIF_NO_LOCAL_PLUGINS`` set) opens boards without their code.
        self.local_plugins = True
        self._kinds: dict[str, str] = {}
        self._dists: dict[str, _Distribution] = {}
        #: Each kind's registry, with its registration failures by plugin, built on first use.
        #: One entry per kind, so a reader sees a whole build or none; building and clearing
        #: hold ``_lock``, so a host shared by threads (``lif serve``) never keeps a registry
        #: built before a plugin was registered or blocked.
        self._built: dict[str, tuple[Registry[Any], dict[str, PluginError]]] = {}
        self._lock = threading.RLock()
        #: Plugins that could not be imported, registered, or add their commands.
        self._failures: dict[str, PluginError] = {}
        #: The order plugins were registered in (builtins first): a duplicate name blames the later.
        self._order: dict[str, int] = {}
        #: The commands each plugin added (``register_commands``), as paths (``("report", "impact")``).
        self._commands: dict[str, list[tuple[str, ...]]] = {}

    # -- building -----------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        builtins: bool = True,
        entry_points: bool = True,
        disabled: Iterable[str] | None = None,
    ) -> Plugins:
        """A fresh plugin host: hook specs, then builtins, then installed entry points.

        :param disabled: plugin names not to load; by default from ``LIF_DISABLE_PLUGINS``.
        """
        pm = _Manager(ENTRY_POINT_GROUP)
        pm.add_hookspecs(hookspecs)
        host = cls(pm)
        host.disable(disabled_from_env() if disabled is None else disabled)
        if builtins:
            for module_name in BUILTIN_PLUGINS:
                if not pm.is_blocked(module_name):
                    host.register(importlib.import_module(module_name), name=module_name, kind="builtin")
        if entry_points:
            host._load_entry_points()
        return host

    def disable(self, names: Iterable[str]) -> None:
        """Block plugins by name (and unregister them if already registered).

        Blocking a name already blocked changes nothing, and keeps the registries built."""
        with self._lock:
            for name in names:
                if self.pm.is_blocked(name):
                    continue
                self.pm.set_blocked(name)
                self._failures.pop(name, None)
                self._built.clear()

    def register(self, plugin: object, *, name: str, kind: str = "local") -> None:
        """Register a plugin object (usually a module) and check its hook names at once."""
        with self._lock:
            if self.pm.is_blocked(name):
                return
            try:
                self.pm.register(plugin, name=name)
            except pluggy.PluginValidationError as exc:
                raise PluginError(self._explain(str(exc)), plugin=name, hook=self._hook_in(str(exc))) from None
            except ValueError as exc:
                raise PluginError(str(exc), plugin=name) from None
            self._kinds[name] = kind
            self._order.setdefault(name, len(self._order))
            self._built.clear()
            self._check_names(name, plugin)

    def _check_names(self, name: str, plugin: object) -> None:
        """A misspelt hook name fails loudly now, not silently never called."""
        known = _spec_names()
        for caller in self.pm.get_hookcallers(plugin) or []:
            if caller.has_spec():
                continue
            self.pm.unregister(name=name)
            self._kinds.pop(name, None)
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PluginError(
                f"implements unknown hook {caller.name!r}{hint}; known hooks: {', '.join(known)}",
                plugin=name,
                hook=caller.name,
            )

    @staticmethod
    def _hook_in(message: str) -> str:
        for name in _spec_names():
            if name in message:
                return name
        return ""

    @staticmethod
    def _explain(message: str) -> str:
        return message.replace("\n", " ")

    def _load_entry_points(self) -> None:
        """Import and register each installed plugin; one that cannot be imported or registered
        is recorded as failed (:meth:`failures`), naming it and how to run without it, and the
        others load as usual."""
        for dist, name, value in _entry_points(ENTRY_POINT_GROUP):
            if self.pm.has_plugin(name) or self.pm.is_blocked(name) or name in self._failures:
                continue
            self._kinds[name] = "entry-point"
            self._dists[name] = dist
            try:
                try:
                    plugin = _load(value)
                except SystemExit as exc:
                    raise PluginError(_exit_message(exc, "while being imported"), plugin=name) from exc
                except Exception as exc:
                    raise PluginError(
                        f"could not be imported from {value!r} ({type(exc).__name__}: {_one_line(str(exc))}); "
                        f"fix or uninstall {dist.metadata['Name']}, or set {DISABLE_ENV}={name}",
                        plugin=name,
                    ) from exc
                self.register(plugin, name=name, kind="entry-point")
            except PluginError as exc:
                self._failures[name] = self._with_hint(exc)

    def load_local(self, root: Path, paths: Iterable[str]) -> list[Problem]:
        """Import and register a board's local plugin modules (files or package folders
        inside ``root``). Returns a problem for each that cannot be loaded.

        Importing a module runs its code, with the rights of whoever runs lif: that is what a
        local plugin is. With :attr:`local_plugins` false (or ``LIF_NO_LOCAL_PLUGINS`` set),
        nothing is imported and each is reported as a warning naming it; the names it would
        have provided then read as unknown."""
        with self._lock:  # one import and registration of each, however many threads open the board
            return self._load_local(root, paths)

    def _load_local(self, root: Path, paths: Iterable[str]) -> list[Problem]:
        problems: list[Problem] = []
        base = root.resolve()
        run = self.local_plugins and not no_local_from_env()
        for i, rel in enumerate(paths):
            where = f"plugins.local[{i}]"
            if not run:
                message = (
                    f"local plugin {rel!r} not run (--no-local-plugins or {NO_LOCAL_ENV}): "
                    "names it would provide are unknown"
                )
                problems.append(Problem("board.toml", where, message, severity="warning"))
                continue
            target = (base / rel).resolve()
            if not target.is_relative_to(base):
                problems.append(Problem("board.toml", where, f"{rel!r} is outside the board folder"))
                continue
            name = f"local:{rel}"
            if self.pm.has_plugin(name):
                continue
            try:
                try:
                    module = _import_path(target)
                except SystemExit as exc:  # not a quiet end of lif: an error naming the plugin
                    raise PluginError(_exit_message(exc, "while being imported"), plugin=name) from exc
                self.register(module, name=name, kind="local")
            except LifError as exc:
                problems.append(Problem("board.toml", where, str(exc)))
            except Exception as exc:  # noqa: BLE001 - a local plugin's own failure
                problems.append(
                    Problem("board.toml", where, f'plugin "{name}" failed to import: {type(exc).__name__}: {exc}')
                )
        return problems

    # -- calling ------------------------------------------------------------------------

    def _impls(self, hook_name: str) -> list[Any]:
        hook = getattr(self.pm.hook, hook_name)
        impls = list(reversed(hook.get_hookimpls()))  # the order pluggy calls them in
        for impl in impls:
            if impl.hookwrapper or impl.wrapper:
                raise PluginError(
                    "wrappers are not supported on registration hooks", plugin=impl.plugin_name, hook=hook_name
                )
        return impls

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a hook, returning ``(plugin name, result)`` pairs;
        an exception in one names that plugin and the hook."""
        results = []
        for impl in self._impls(hook_name):
            with self.blame(impl.plugin_name, hook_name):
                results.append((impl.plugin_name, impl.function(*[kwargs[a] for a in impl.argnames])))
        return results

    @contextlib.contextmanager
    def blame(self, plugin: str, hook: str) -> Iterator[None]:
        """Re-raise any unexpected exception inside the block, and ``sys.exit()``, as a
        :class:`PluginError` naming ``plugin`` and ``hook`` in one line; lif's own errors pass
        through unchanged, and so do click's (a usage error, ``ctx.exit()``) and Ctrl-C."""
        try:
            yield
        except _PASSING:
            raise
        except SystemExit as exc:
            raise PluginError(_exit_message(exc, "inside the hook"), plugin=plugin, hook=hook) from exc
        except Exception as exc:
            raise PluginError(_describe(exc) + _bug(plugin), plugin=plugin, hook=hook) from exc

    def _with_hint(self, error: PluginError) -> PluginError:
        """``error`` saying how to run without the plugin it names: a builtin's failure is
        lif-core's bug; a board's local plugin is taken out of board.toml (or not run); an
        installed one is disabled with ``LIF_DISABLE_PLUGINS``."""
        name = error.plugin
        if not name or DISABLE_ENV in error.detail or "lif-core: please report it" in error.detail:
            return error
        if name.startswith("local:"):
            hint = "; take it out of board.toml [plugins] local, or open the board with --no-local-plugins"
        elif self._kinds.get(name) == "builtin":
            hint = _bug(name)
        else:
            hint = f"; to run lif without it, set {DISABLE_ENV}={name}"
        failure = PluginError(error.detail + hint, plugin=name, hook=error.hook)
        failure.__cause__ = error.__cause__
        return failure

    def _build(self, kind: str) -> tuple[Registry[Any], dict[str, PluginError]]:
        """Build one kind's registry, calling each plugin's registration hook in pluggy's order.

        A plugin whose hook raises, or registers something refused, is recorded as failed and
        none of what it registered is kept; the others' registrations stand. Where two plugins
        register one name (or alias), the plugin registered with the host later is the one
        blamed (a builtin is never blamed for a plugin taking its name)."""
        hook_name, base = _REGISTRATION_HOOKS[kind]
        lower_case = kind in ("report_sections", "indicators")

        def fresh() -> Registry[Any]:
            return Registry(_KIND_NAMES[kind], hook_name, base, lower_case=lower_case)

        failures: dict[str, PluginError] = {}
        given: list[tuple[str, list[object]]] = []
        hook = getattr(self.pm.hook, hook_name)
        for impl in reversed(hook.get_hookimpls()):  # the order pluggy calls them in
            plugin = impl.plugin_name
            if impl.hookwrapper or impl.wrapper:
                failures[plugin] = PluginError(
                    "wrappers are not supported on registration hooks", plugin=plugin, hook=hook_name
                )
                continue
            objects: list[object] = []
            own = fresh()  # each plugin's registrations checked on their own as they are made

            def register(
                obj: object, _plugin: str = plugin, _own: Registry[Any] = own, _objects: list[object] = objects
            ) -> None:
                _own.add(obj, _plugin)
                _objects.append(obj)

            try:
                with self.blame(plugin, hook_name):
                    impl.function(*[{"register": register}[a] for a in impl.argnames])
            except PluginError as exc:
                failures[plugin] = exc
                continue
            given.append((plugin, objects))
        # duplicates across plugins: the plugin registered later is the one at fault
        claimed: dict[str, str] = {}
        for plugin, objects in sorted(given, key=lambda g: self._order.get(g[0], len(self._order))):
            names = [n for obj in objects for n in (getattr(obj, "name", ""), *getattr(obj, "aliases", ()))]
            clash = next((n for n in names if n in claimed), None)
            if clash is not None:
                failures[plugin] = PluginError(
                    f"{_KIND_NAMES[kind]} {clash!r} is already registered by plugin {claimed[clash]!r}",
                    plugin=plugin,
                    hook=hook_name,
                )
                continue
            claimed.update(dict.fromkeys(names, plugin))
        registry = fresh()
        for plugin, objects in given:
            if plugin not in failures:
                for obj in objects:
                    registry.add(obj, plugin)
        return registry, {plugin: self._with_hint(exc) for plugin, exc in failures.items()}

    def _entry(self, kind: str) -> tuple[Registry[Any], dict[str, PluginError]]:
        """One kind's registry and its failures, built once (safely from several threads)."""
        entry = self._built.get(kind)
        if entry is None:
            with self._lock:
                entry = self._built.get(kind)
                if entry is None:
                    entry = self._built[kind] = self._build(kind)
        return entry

    def _registry(self, kind: str) -> Registry[Any]:
        registry, failures = self._entry(kind)
        self.check()
        if failures:
            raise next(iter(failures.values()))
        return registry

    def failures(self) -> dict[str, PluginError]:
        """Every plugin that failed, with its error: those that could not be imported or add
        their commands, and (building every registry, as ``lif plugins`` does) those whose
        registration hooks raised or registered something refused. Never raises."""
        out = dict(self._failures)
        for kind in _REGISTRATION_HOOKS:
            for plugin, error in self._entry(kind)[1].items():
                out.setdefault(plugin, error)
        return out

    def check(self) -> None:
        """Raise the first failure of a plugin that could not be imported, registered or add
        its commands (:meth:`failures`), naming the plugin and how to run without it."""
        if self._failures:
            raise next(iter(self._failures.values()))

    @property
    def methodologies(self) -> Registry[Methodology]:
        return self._registry("methodologies")

    @property
    def data_sources(self) -> Registry[DataSourceAdapter]:
        return self._registry("data_sources")

    @property
    def renderers(self) -> Registry[Renderer]:
        return self._registry("renderers")

    @property
    def inspection_frameworks(self) -> Registry[InspectionFramework]:
        return self._registry("inspection_frameworks")

    @property
    def checks(self) -> Registry[Check]:
        return self._registry("checks")

    @property
    def stores(self) -> Registry[StoreBackend]:
        return self._registry("stores")

    @property
    def statutory_frameworks(self) -> Registry[StatutoryFramework]:
        return self._registry("statutory_frameworks")

    @property
    def report_sections(self) -> Registry[ReportSection]:
        return self._registry("report_sections")

    @property
    def indicators(self) -> Registry[Indicator]:
        return self._registry("indicators")

    def registry(self, kind: str, *, strict: bool = True) -> Registry[Any]:
        """A registry by its name in board metadata (``methodologies``, ``data_sources``...).

        ``strict=False`` gives what the plugins that did not fail registered, never raising
        for one that did (``lif plugins`` lists them; :meth:`failures` says why)."""
        if kind not in _REGISTRATION_HOOKS:
            raise KeyError(kind)
        if not strict:
            return self._entry(kind)[0]
        return self._registry(kind)

    def using(self, registry: Registry[Any], name: str) -> contextlib.AbstractContextManager[None]:
        """Blame the plugin that registered ``name`` for any failure inside the block."""
        return self.blame(registry.plugin_of(name), f"{registry.hook} ({registry.kind} {name!r})")

    def add_commands(self, cli: click.Group) -> None:
        """Let plugins add their commands to the CLI (``register_commands``).

        Each command is attributed to the plugin that added it: an exception raised while it
        runs, or while its arguments are read (a parameter's type or callback), is one
        :class:`PluginError` naming the plugin, the hook and the command; lif's own errors and
        click's usage errors pass through as they are. A plugin whose hook raises is recorded
        as failed (:meth:`failures`, :meth:`check`) and none of its commands are kept."""
        for impl in self._impls("register_commands"):
            plugin = impl.plugin_name
            before = _snapshot(cli)
            try:
                with self.blame(plugin, "register_commands"):
                    impl.function(*[{"cli": cli}[a] for a in impl.argnames])
            except PluginError as exc:
                _restore(before)
                self._failures[plugin] = self._with_hint(exc)
                continue
            added = [(path, command) for path, command in _commands(cli) if before.get(path) is not command]
            self._commands[plugin] = [path for path, _command in added]
            for path, command in added:
                self._attribute(command, plugin, f"register_commands (command {' '.join(path)!r})")

    def commands_of(self, plugin: str) -> list[str]:
        """The commands ``plugin`` added to the CLI, as typed (``report impact``), in order."""
        return [" ".join(path) for path in self._commands.get(plugin, [])]

    def _attribute(self, command: click.Command, plugin: str, hook: str) -> None:
        """Blame ``plugin`` for any unexpected exception while ``command`` reads its arguments
        (``make_context``: types, callbacks) or runs (``invoke``)."""
        for method in ("make_context", "invoke"):
            original = getattr(command, method)

            def attributed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                try:
                    return _original(*args, **kwargs)
                except _PASSING:
                    raise
                except Exception as exc:  # a command may end lif (sys.exit) as any program may
                    raise PluginError(_describe(exc) + _bug(plugin), plugin=plugin, hook=hook) from exc

            setattr(command, method, attributed)  # on the instance: shadows click's method

    # -- describing ---------------------------------------------------------------------

    def info(self) -> list[PluginInfo]:
        """Every plugin with its kind, version and hooks, sorted by name (builtins first):
        those that failed (:meth:`failures`) among them, with their error."""
        own = _own_version()
        failures = self.failures()
        out = []
        listed = [(name, plugin) for name, plugin in self.pm.list_name_plugin() if plugin is not None]
        for name in failures:
            if not self.pm.has_plugin(name):
                listed.append((name, None))
        for name, plugin in listed:
            callers = (self.pm.get_hookcallers(plugin) or []) if plugin is not None else []
            hooks = tuple(sorted(c.name for c in callers))
            kind = self._kinds.get(name, "local")
            dist = self._dists.get(name)
            if dist is not None:
                try:
                    version, dist_name = dist.version, dist.metadata["Name"]
                except Exception:  # noqa: BLE001 - a broken distribution's metadata: still listed
                    version, dist_name = "", ""
            elif kind == "builtin":
                version, dist_name = own, "lif-core"
            else:
                version, dist_name = "", ""
            error = str(failures[name]) if name in failures else ""
            out.append(PluginInfo(name, kind, version, dist_name, hooks, error))
        return sorted(out, key=lambda p: (p.kind != "builtin", p.name))


def _own_version() -> str:
    """lif-core's version (the package's own, read without importing the package root)."""
    return installed_version("lif-core") or "0+unknown"


# -- entry points, found without importing importlib.metadata ----------------------------
#
# Every command finds the installed plugins, and importlib.metadata takes a noticeable part of
# a short command's start-up to import (it brings the email package, zipfile and csv with it).
# The installed distributions' entry points are read here as importlib.metadata reads them:
# each ``*.dist-info`` and ``*.egg-info`` folder of each folder on sys.path, in its order,
# ``entry_points.txt`` parsed as it parses it. Where anything else could hold distributions
# (a zip file or an egg on sys.path, a finder of its own on sys.meta_path), importlib.metadata
# itself is asked, so the same plugins load in the same order either way.


class _Distribution:
    """An installed distribution, found by its metadata folder (or by importlib.metadata):
    its name and version are read, with importlib.metadata, only when asked for (by ``lif
    plugins`` or an error)."""

    def __init__(self, source: Path | importlib.metadata.Distribution) -> None:
        self._source = source

    @functools.cached_property
    def _metadata(self) -> importlib.metadata.Distribution:
        if isinstance(self._source, Path):
            import importlib.metadata

            return importlib.metadata.PathDistribution(self._source)
        return self._source

    @property
    def version(self) -> str:
        return self._metadata.version

    @property
    def metadata(self) -> Any:
        return self._metadata.metadata


def installed_version(name: str) -> str | None:
    """The version of the installed distribution ``name`` (the first on sys.path, as
    importlib.metadata finds it), from its ``NAME-VERSION.dist-info`` folder's name where it
    has one (as installers name it), else from importlib.metadata; ``None`` if not installed."""
    wanted = _normalise(name)
    for folder in _metadata_folders() or ():
        if _normalise(folder.name.rpartition(".")[0].partition("-")[0]) != wanted:
            continue
        if folder.name.lower().endswith(".dist-info") and "-" in folder.name:
            return folder.name.rpartition(".")[0].partition("-")[2]
        break
    import importlib.metadata

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _entry_points(group: str) -> Iterator[tuple[_Distribution, str, str]]:
    """``(distribution, name, value)`` of every installed entry point in ``group``, in the
    order importlib.metadata gives them."""
    folders = _metadata_folders()
    if folders is None:
        import importlib.metadata

        for installed in importlib.metadata.distributions():
            dist = _Distribution(installed)
            yield from ((dist, ep.name, ep.value) for ep in installed.entry_points if ep.group == group)
        return
    for folder in folders:
        try:
            text = (folder / "entry_points.txt").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # none (or unreadable): no entry points
            continue
        dist = _Distribution(folder)
        yield from ((dist, name, value) for section, name, value in _sections(text) if section == group)


def _metadata_folders() -> list[Path] | None:
    """Every distribution's metadata folder on sys.path, as importlib.metadata orders them
    (by sys.path, then each folder's listing, grouped by normalised name); ``None`` where it
    would look anywhere else."""
    if any(
        finder is not importlib.machinery.PathFinder and hasattr(finder, "find_distributions")
        for finder in sys.meta_path
    ):
        return None
    found: list[Path] = []
    for root in sys.path:
        if os.path.basename(root).lower().endswith(".egg"):
            return None
        try:
            children = os.listdir(root or ".")
        except OSError:
            if os.path.isfile(root):  # a zip file on sys.path
                return None
            continue
        by_name: dict[str, list[Path]] = {}
        for child in children:
            if child.lower().endswith((".dist-info", ".egg-info")):
                name = _normalise(child.rpartition(".")[0].partition("-")[0])
                by_name.setdefault(name, []).append(Path(root, child))
        found += itertools.chain.from_iterable(by_name.values())
    return found


def _normalise(name: str) -> str:
    """A distribution's name as importlib.metadata compares them (PEP 503, with underscores)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _sections(text: str) -> Iterator[tuple[str | None, str, str]]:
    """``(section, name, value)`` of each ``name = value`` line of an INI-like metadata file,
    read as importlib.metadata reads ``entry_points.txt``."""
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section is not None:
            name, _, value = line.partition("=")
            yield section, name.strip(), value.strip()


_OBJECT_REFERENCE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


def _load(value: str) -> Any:
    """The object an entry point's value names (``module`` or ``module:attribute``)."""
    match = _OBJECT_REFERENCE.match(value)
    if match is None:
        raise ValueError("not a module or module:attribute")
    target: Any = importlib.import_module(match.group("module"))
    for attribute in filter(None, (match.group("attr") or "").split(".")):
        target = getattr(target, attribute)
    return target


def _import_path(target: Path) -> ModuleType:
    if target.is_dir():
        init = target / "__init__.py"
        if not init.is_file():
            raise LifError(f"{target.name}/ is not a Python package (no __init__.py)")
        location, search = init, [str(target)]
    elif target.suffix == ".py" and target.is_file():
        location, search = target, None
    else:
        raise LifError(f"{target.name}: no such .py file or package folder")
    module_name = f"lif_local_{next(_local_counter)}_{target.stem}"
    spec = importlib.util.spec_from_file_location(module_name, location, submodule_search_locations=search)
    if spec is None or spec.loader is None:  # pragma: no cover - spec_from_file_location on a .py
        raise LifError(f"{target.name}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module
