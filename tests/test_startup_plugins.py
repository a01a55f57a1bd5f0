"""The plugin host's start: the plugin manager finds a module's hook implementations as
pluggy's own does, by a quicker look at each name."""

from __future__ import annotations

import os
import types

import pluggy

from lif_core import Plugins
from lif_core.plugins import ENTRY_POINT_GROUP, _Manager, hookimpl


def _found(manager: pluggy.PluginManager, plugin: object) -> dict[str, object]:
    return {name: opts for name in dir(plugin) if (opts := manager.parse_hookimpl_opts(plugin, name)) is not None}


def _module() -> types.ModuleType:
    module = types.ModuleType("odd_plugin")

    @hookimpl
    def register_checks(register: object) -> None: ...

    @hookimpl(tryfirst=True)
    def register_renderers(register: object) -> None: ...

    def plain(register: object) -> None: ...

    def fake() -> None: ...

    fake.lif_impl = "not a dict"  # type: ignore[attr-defined]

    class Holder:
        @staticmethod
        @hookimpl
        def register_stores(register: object) -> None: ...

    module.__dict__.update(
        register_checks=register_checks,
        register_renderers=register_renderers,
        plain=plain,
        fake=fake,
        holder=Holder,
        register_stores=Holder.__dict__["register_stores"],  # a staticmethod object itself
        bound=types.MethodType(register_checks, object()),
        getcwd=os.getcwd,
        number=3,
        submodule=os,
    )
    return module


def test_a_modules_hook_implementations_are_found_as_pluggy_finds_them() -> None:
    ours, theirs = _Manager(ENTRY_POINT_GROUP), pluggy.PluginManager(ENTRY_POINT_GROUP)
    odd = _module()
    assert set(_found(ours, odd)) == {"register_checks", "register_renderers", "register_stores", "bound"}
    plugins = [odd, *Plugins.create().pm.get_plugins()]
    assert len(plugins) > 10
    for plugin in plugins:
        assert _found(ours, plugin) == _found(theirs, plugin)
    assert isinstance(Plugins.create().pm, _Manager)
