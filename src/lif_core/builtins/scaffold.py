"""Builtin ``lif new`` commands (hook: register_commands): start a plugin package from the
template shipped in ``lif_core/templates/plugin`` (files ending ``.tmpl``, rendered by plain
substitution of ``{{name}}`` placeholders; ``__module__`` in a path is the module's name).

Every ``lif`` command registers this plugin's commands: what only ``lif new`` needs is imported
when it runs, so the others start no slower."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..errors import LifError
from ..plugins import BUILTIN_PLUGINS, Plugins, hookimpl, installed_version

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = ["PluginNames", "plugin_names", "register_commands", "render_plugin"]

#: A distribution name as PEP 508 allows it (letters, digits, ``-``, ``_``, ``.``; a letter or
#: digit at each end), kept short.
_DISTRIBUTION = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,58}[A-Za-z0-9])?"
#: An entry-point (plugin) name: what ``lif plugins`` shows and LIF_DISABLE_PLUGINS names.
_PLUGIN = r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?"
_PLACEHOLDER = r"\{\{([a-z_]+)\}\}"
#: The longest --author or --description taken.
_TEXT_LIMIT = 200


class PluginNames:
    """The names a new plugin package goes by.

    Attributes:
        distribution: what ``pip install`` and PyPI call it (``lif-acme``).
        module: the Python package it imports as (``lif_acme``).
        plugin: its entry-point name, which ``lif plugins`` shows (``acme``).
    """

    def __init__(self, distribution: str, module: str, plugin: str) -> None:
        self.distribution = distribution
        self.module = module
        self.plugin = plugin


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def plugin_names(name: str, *, module: str | None = None, plugin: str | None = None) -> PluginNames:
    """The names of a new plugin package called ``name``, checked: the module is ``name`` in
    lower case with ``-`` and ``.`` as ``_`` (``lif-acme``: ``lif_acme``), the plugin name
    ``name`` without a leading ``lif-`` (``acme``), unless given. A :class:`click.BadParameter`
    naming the argument or option where one will not do."""
    import keyword

    if not re.fullmatch(_DISTRIBUTION, name):
        raise click.BadParameter(
            f"{name[:80]!r} is not a package name: use letters, digits, '-', '_' or '.', starting and ending "
            "with a letter or digit, at most 60 characters (e.g. lif-acme)",
            param_hint="NAME",
        )
    normal = _normalise(name)
    if normal in ("lif", "lif-core") or normal.startswith("lif-core-"):
        raise click.BadParameter(f"{name!r} is lif-core's own name: choose another (e.g. lif-acme)", param_hint="NAME")
    chosen_module = module if module is not None else normal.replace("-", "_")
    hint = "--module" if module is not None else "NAME"
    if not chosen_module.isidentifier() or not chosen_module.isascii() or keyword.iskeyword(chosen_module):
        raise click.BadParameter(
            f"{chosen_module!r} is not a Python module name: use lower-case letters, digits and '_', "
            "starting with a letter" + ("" if module is not None else " (or name one with --module)"),
            param_hint=hint,
        )
    if chosen_module != chosen_module.lower():
        raise click.BadParameter(f"{chosen_module!r}: a module name is lower case", param_hint=hint)
    top = chosen_module.split(".")[0]
    if (
        top in sys.stdlib_module_names
        or top in ("lif_core", "lif", "test", "tests", "src")
        or top.startswith("lif_core")
    ):
        raise click.BadParameter(
            f"{chosen_module!r} is already the name of a module Python or lif-core has: choose another"
            + ("" if module is not None else " (or name one with --module)"),
            param_hint=hint,
        )
    chosen_plugin = plugin if plugin is not None else re.sub(r"^lif-", "", normal).replace(".", "-")
    hint = "--plugin-name" if plugin is not None else "NAME"
    if not re.fullmatch(_PLUGIN, chosen_plugin) or "--" in chosen_plugin:
        raise click.BadParameter(
            f"{chosen_plugin[:80]!r} is not a plugin name: use lower-case letters, digits and single '-', "
            "at most 40 characters" + ("" if plugin is not None else " (or name one with --plugin-name)"),
            param_hint=hint,
        )
    return PluginNames(name, chosen_module, chosen_plugin)


def _check_text(value: str, option: str) -> None:
    import unicodedata

    if len(value) > _TEXT_LIMIT:
        raise click.BadParameter(f"is {len(value):,} characters long; keep it to {_TEXT_LIMIT}", param_hint=option)
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp", "Cf"):
            raise click.BadParameter(
                f"holds a control or formatting character ({char!r}): write it as plain text on one line",
                param_hint=option,
            )


def _toml_text(value: str) -> str:
    """``value`` safe inside a TOML basic string."""
    import json

    return json.dumps(value, ensure_ascii=False)[1:-1]


def _template_root() -> Traversable:
    from importlib import resources

    return resources.files("lif_core").joinpath("templates", "plugin")


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    out: list[tuple[tuple[str, ...], Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                out += _walk(entry, (*prefix, entry.name))
        elif entry.name.endswith(".tmpl"):
            out.append(((*prefix, entry.name), entry))
    return out


def render_plugin(names: PluginNames, *, author: str = "", description: str = "") -> dict[str, str]:
    """The files of a new plugin package: ``{relative path: text}``, rendered from the
    template (every ``{{placeholder}}`` replaced; one the template does not know is an error)."""
    version = installed_version("lif-core") or ""
    requirement = f"lif-core>={version}" if re.fullmatch(r"\d+(\.\d+)*", version) else "lif-core"
    summary = description or f"A lif-core plugin: {names.distribution}"
    authors = f'authors = [{{ name = "{_toml_text(author)}" }}]\n' if author else ""
    values = {
        "distribution": names.distribution,
        "module": names.module,
        "plugin": names.plugin,
        "description_toml": _toml_text(summary),
        "description_text": summary,
        "authors_line": authors,
        "lif_requirement": requirement,
    }

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise LifError(f"internal error: the plugin template uses an unknown placeholder {{{{{key}}}}}")
        return values[key]

    files: dict[str, str] = {}
    for parts, entry in _walk(_template_root()):
        path = [p.replace("__module__", names.module) for p in parts]
        path[-1] = path[-1].removesuffix(".tmpl")
        if path == ["gitignore"]:
            path = [".gitignore"]
        if path[0] == "github":  # (a dot-folder would be left out of lif-core's own wheel)
            path[0] = ".github"
        if path == ["tests", "test_plugin.py"]:
            path = ["tests", f"test_{names.module}.py"]
        files["/".join(path)] = re.sub(_PLACEHOLDER, fill, entry.read_text(encoding="utf-8"))  # one pass
    return files


def _write(directory: Path, files: dict[str, str]) -> None:
    """Write ``files`` into ``directory``: built in a hidden folder beside it, then moved into
    place, so a failure never leaves half a package."""
    import shutil
    import tempfile

    from ..cli import new_folder

    target = new_folder(directory, or_else=" (or --directory)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{target.name}.lif-new-", dir=target.parent))
    except OSError as exc:
        raise LifError(f"cannot create {directory}: {exc.strerror or exc}") from None
    try:
        for rel, text in files.items():
            path = building.joinpath(*rel.split("/"))
            if not path.resolve().is_relative_to(building.resolve()):  # pragma: no cover - names are checked
                raise LifError(f"internal error: template path {rel!r} leaves the package folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(building, (target.stat().st_mode & 0o777) if target.is_dir() else 0o777 & ~mask)
        try:
            os.rename(building, target)  # on POSIX, atomically replaces an empty folder
        except OSError:
            if target.exists() and any(target.iterdir()):
                raise click.ClickException(
                    f"{directory} was created by something else meanwhile and is not empty: choose a new folder"
                ) from None
            if target.is_dir():  # pragma: no cover - an empty folder rename cannot replace (Windows)
                target.rmdir()
            os.rename(building, target)
    except OSError as exc:
        raise LifError(f"cannot create {directory}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(building, ignore_errors=True)


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.group("new")
    def new() -> None:
        """Start something new from a template: a plugin package."""

    @new.command("plugin")
    @click.argument("name")
    @click.option(
        "--directory",
        "-d",
        type=click.Path(file_okay=False, path_type=Path),
        help="The folder to create (new or empty; default: NAME in the current folder).",
    )
    @click.option("--module", help="The Python module's name (default: NAME in lower case, '-' and '.' as '_').")
    @click.option(
        "--plugin-name",
        "plugin",
        help="The name lif knows the plugin by: its entry point, shown by `lif plugins` "
        "(default: NAME without a leading 'lif-').",
    )
    @click.option("--author", default="", help="The author named in pyproject.toml.")
    @click.option("--description", default="", help="One line saying what the plugin adds.")
    @click.pass_context
    def plugin(
        ctx: click.Context,
        name: str,
        directory: Path | None,
        module: str | None,
        plugin: str | None,
        author: str,
        description: str,
    ) -> None:
        """Create a plugin package from lif-core's template.

        NAME is the package's distribution name, what pip installs (e.g. lif-acme). Writes
        pyproject.toml declaring the `lif` entry point, src/MODULE/__init__.py with a working
        hook (a check `lif validate` runs on every board), tests that use the pytest fixtures
        lif-core installs (lif_runner, lif_board, lif_plugins, lif_key), a GitHub Actions
        workflow that runs them, a README and a .gitignore. The folder must be new or empty.
        Then: pip install -e 'DIR[test]' and run pytest in it (its tests pass as written);
        `lif plugins` lists it. See docs/plugin-testing.md and docs/hooks.md.
        """
        names = plugin_names(name, module=module, plugin=plugin)
        _check_text(author, "--author")
        _check_text(description, "--description")
        host = ctx.find_object(Plugins)
        if host is not None:
            taken = {n for n, _ in host.pm.list_name_plugin()} | set(BUILTIN_PLUGINS)
            if names.plugin in taken:
                raise click.BadParameter(
                    f"a plugin named {names.plugin!r} is already installed: choose another name"
                    + (" with --plugin-name" if plugin is None else ""),
                    param_hint="--plugin-name" if plugin is not None else "NAME",
                )
        folder = directory if directory is not None else Path(name)
        files = render_plugin(names, author=author, description=description)
        _write(folder, files)
        click.echo(
            f"created {folder} ({len(files)} files): the plugin package {names.distribution} "
            f"(module {names.module}, plugin {names.plugin}); next: pip install -e '{folder}[test]', "
            f"then pytest {folder}"
        )
