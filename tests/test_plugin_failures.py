"""A plugin that fails, in every kind of hook, reaches the user as one line naming the plugin
and the hook, never a traceback: through the CLI in process and as a real process. ``lif
plugins`` still lists every plugin, the failed one among them; a duplicate name blames the
plugin registered later; an exception in a plugin's command (its run, a parameter's type or
callback) names the plugin, the hook and the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from lif_core import LifError, Plugins, hookimpl, hookspecs
from lif_core.cli import make_cli

from .conftest import CROYDON

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("register_"))

#: For each hook, a command that needs what it registers (the croydon board: it has reviews,
#: sources, measures, inspection recommendations, a report and a register).
COMMAND_FOR = {
    "register_checks": ["validate", "{board}"],
    "register_commands": ["validate", "{board}"],
    "register_data_sources": ["data", "{board}"],
    "register_indicators": ["measures", "{board}"],
    "register_inspection_frameworks": ["inspection", "{board}"],
    "register_methodologies": ["reviews", "{board}"],
    "register_renderers": ["show", "{board}"],
    "register_report_sections": ["report", "impact", "{board}"],
    "register_statutory_frameworks": ["frameworks"],
    "register_stores": ["validate", "{board}"],
}

PLUGIN = "broken-plugin"


def _raising(hook: str) -> object:
    """A plugin object implementing ``hook`` by raising."""

    implementation: Callable[[Any], None]
    if hook == "register_commands":  # pluggy reads the argument names: the hook's own

        def implementation(cli: Any) -> None:
            raise RuntimeError("deliberate failure")

    else:

        def implementation(register: Any) -> None:
            raise RuntimeError("deliberate failure")

    return type("Broken", (), {hook: staticmethod(hookimpl(implementation))})()


def _host(*plugins: tuple[str, object]) -> Plugins:
    host = Plugins.create()
    for name, plugin in plugins:
        host.register(plugin, name=name, kind="entry-point")
    return host


def _run(host: Plugins, args: list[str]) -> Result:
    return CliRunner().invoke(make_cli(host), args)


def _one_line(result: Result) -> str:
    """The one line the user saw: no traceback, nothing but it on stderr."""
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_every_hook_is_covered() -> None:
    assert sorted(COMMAND_FOR) == HOOKS


@pytest.mark.parametrize("hook", HOOKS)
def test_a_raising_hook_is_one_line_naming_plugin_and_hook(hook: str) -> None:
    host = _host((PLUGIN, _raising(hook)))
    result = _run(host, [a.format(board=CROYDON) for a in COMMAND_FOR[hook]])
    assert result.exit_code == 1
    assert _one_line(result) == (
        f'Error: plugin "{PLUGIN}" in hook "{hook}": RuntimeError: deliberate failure; '
        f"to run lif without it, set LIF_DISABLE_PLUGINS={PLUGIN}"
    )


@pytest.mark.parametrize("hook", HOOKS)
def test_lif_plugins_lists_the_failed_plugin_and_the_others(hook: str) -> None:
    host = _host((PLUGIN, _raising(hook)))
    table = _run(host, ["plugins"])
    assert table.exit_code == 1
    rows = {line.split()[0]: line.split()[1:] for line in table.stdout.splitlines() if not line.startswith(" ")}
    assert rows[PLUGIN][:3] == ["entry-point", "failed", hook]  # (no version: not installed)
    assert rows["ofsted"][:4] == ["entry-point", rows["ofsted"][1], "ok", "register_commands,"]
    assert "lif_core.builtins.renderers" in rows
    assert _one_line(table).startswith(f'Error: plugin "{PLUGIN}" in hook "{hook}": RuntimeError: deliberate failure')
    data = {p["name"]: p for p in json.loads(_run(host, ["plugins", "--json"]).stdout)}
    assert data[PLUGIN]["status"] == "failed"
    assert data[PLUGIN]["error"].startswith(f'plugin "{PLUGIN}" in hook "{hook}"')
    assert data["ofsted"]["status"] == "ok" and data["ofsted"]["provides"][0] == "command:inspection"
    assert "renderer:markdown" in data["lif_core.builtins.renderers"]["provides"]


def test_disabling_the_failed_plugin_lets_every_command_run() -> None:
    host = _host()
    host.disable([PLUGIN])
    host.register(_raising("register_renderers"), name=PLUGIN, kind="entry-point")  # blocked: not registered
    assert _run(host, ["show", str(CROYDON)]).exit_code == 0
    assert _run(host, ["plugins"]).exit_code == 0


def test_a_plugin_whose_commands_hook_fails_leaves_the_others_commands() -> None:
    class Half:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command()
            def half() -> None:
                """Added before the hook failed: not kept."""

            raise RuntimeError("deliberate failure")

    host = _host((PLUGIN, Half()))
    cli = make_cli(host)
    assert "half" not in cli.commands and "inspection" in cli.commands  # lif-ofsted's still added
    listed = {p["name"]: p for p in json.loads(_run(host, ["plugins", "--json"]).stdout)}
    assert listed[PLUGIN]["provides"] == [] and listed[PLUGIN]["hooks"] == ["register_commands"]
    assert _run(host, ["--help"]).exit_code == 0


# --------------------------------------------------------------------------- inside a command


def _commands_plugin() -> object:
    def failing_type(value: str) -> int:
        return int(value) // 0

    class Commands:
        @hookimpl
        def register_commands(self, cli: click.Group) -> None:
            @cli.command()
            def crash() -> None:
                """Fails as it runs."""
                raise ZeroDivisionError("division by zero")

            @cli.command()
            @click.option("--n", callback=lambda _c, _p, _v: dict[str, str]()["missing"])
            def callback(n: str) -> None:
                """Fails in a parameter's callback."""

            @cli.command()
            @click.argument("n", type=failing_type)
            def converts(n: int) -> None:
                """Fails converting its argument (a plain function as the type)."""

            @cli.group()
            def nested() -> None:
                """A group of the plugin's."""

            @nested.command()
            def deeper() -> None:
                raise ValueError("first line\nsecond line")

            @cli.command()
            def usage() -> None:
                raise click.UsageError("give a board")

            @cli.command()
            def lif_error() -> None:
                raise LifError("board.toml: reviews[0].stage: 'x' is not a stage")

            @cli.command()
            def exits() -> None:
                sys.exit(3)

    return Commands()


@pytest.mark.parametrize(
    ("args", "command", "error"),
    [
        (["crash"], "crash", "ZeroDivisionError: division by zero"),
        (["callback", "--n", "1"], "callback", "KeyError: 'missing'"),
        (["converts", "7"], "converts", "ZeroDivisionError: integer division or modulo by zero"),
        (["nested", "deeper"], "nested deeper", "ValueError: first line second line"),
    ],
)
def test_an_exception_in_a_plugin_command_names_plugin_hook_and_command(
    args: list[str], command: str, error: str
) -> None:
    result = _run(_host(("commands-plugin", _commands_plugin())), args)
    assert result.exit_code == 1
    assert _one_line(result) == (
        f'Error: plugin "commands-plugin" in hook "register_commands (command {command!r})": {error}'
    )
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_plugin_command_keeps_its_own_clean_errors_and_exit_codes() -> None:
    host = _host(("commands-plugin", _commands_plugin()))
    usage = _run(host, ["usage"])
    assert usage.exit_code == 2 and usage.stderr.endswith("Error: give a board\n") and "plugin" not in usage.stderr
    lif = _run(host, ["lif-error"])
    assert lif.exit_code == 1 and lif.stderr == "Error: board.toml: reviews[0].stage: 'x' is not a stage\n"
    assert _run(host, ["exits"]).exit_code == 3  # a command may end lif with its own code
    assert _run(host, ["crash", "--nonsense"]).exit_code == 2  # click's own usage error
    assert _run(host, ["nested", "--help"]).exit_code == 0


def test_a_builtin_command_crash_reads_as_a_lif_core_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from lif_core.builtins import commands

    def broken(*_: object, **__: object) -> object:
        raise AttributeError("'NoneType' object has no attribute 'rows'")

    monkeypatch.setattr(commands, "audits_document", broken)
    result = _run(Plugins.create(), ["audits", str(CROYDON)])
    assert result.exit_code == 1
    assert _one_line(result) == (
        'Error: plugin "lif_core.builtins.commands" in hook "register_commands (command \'audits\')": '
        "AttributeError: 'NoneType' object has no attribute 'rows'; a bug in lif-core: please report it"
    )


def test_a_core_command_crash_reads_as_a_lif_core_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    import lif_core.cli

    def broken(*_: object, **__: object) -> object:
        raise IndexError("list index out of range")

    monkeypatch.setattr(lif_core.cli, "board_summary", broken)
    result = _run(Plugins.create(), ["show", str(CROYDON)])
    assert result.exit_code == 1
    assert _one_line(result) == (
        "Error: lif show: IndexError: list index out of range; a bug in lif-core: please report it"
    )


# --------------------------------------------------------------------------- duplicates


class _Renderer:
    @staticmethod
    def plugin(name: str) -> object:
        from lif_core import Renderer

        class Named(Renderer):
            suffix = ".txt"

            def render(self, document: Any, options: Any = None) -> bytes:
                return b""

        Named.name = name

        class Registers:
            @hookimpl
            def register_renderers(self, register: Callable[[Renderer], None]) -> None:
                register(Named())

        return Registers()


def test_a_duplicate_blames_the_plugin_registered_second() -> None:
    host = _host(("takes-markdown", _Renderer.plugin("markdown")))
    result = _run(host, ["show", str(CROYDON)])
    assert _one_line(result) == (
        'Error: plugin "takes-markdown" in hook "register_renderers": renderer \'markdown\' is already registered '
        "by plugin 'lif_core.builtins.renderers'; to run lif without it, set LIF_DISABLE_PLUGINS=takes-markdown"
    )
    # two third-party plugins: the second registered is blamed, whatever order pluggy calls them in
    host = _host(("first", _Renderer.plugin("odt")), ("second", _Renderer.plugin("odt")))
    failures = host.failures()
    assert list(failures) == ["second"]
    assert "renderer 'odt' is already registered by plugin 'first'" in str(failures["second"])
    assert host.registry("renderers", strict=False).plugin_of("odt") == "first"


def test_an_alias_taking_a_name_blames_the_later_plugin() -> None:
    from lif_core import Renderer

    class Aliased(Renderer):
        name = "plain"
        aliases = ("md",)  # the builtin markdown renderer's alias
        suffix = ".txt"

        def render(self, document: Any, options: Any = None) -> bytes:
            return b""

    class Registers:
        @hookimpl
        def register_renderers(self, register: Callable[[Renderer], None]) -> None:
            register(Aliased())

    host = _host(("aliaser", Registers()))
    assert list(host.failures()) == ["aliaser"]
    assert "renderer 'md' is already registered by plugin 'lif_core.builtins.renderers'" in str(
        host.failures()["aliaser"]
    )


# --------------------------------------------------------------------------- as a real process

BROKEN_PACKAGE = """
from lif_core import hookimpl


@hookimpl
def register_renderers(register):
    raise RuntimeError("deliberate failure")
"""


def _install(tmp_path: Path, name: str, module_text: str, value: str) -> dict[str, str]:
    """A distribution on PYTHONPATH declaring one ``lif`` entry point; the environment to run lif in."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / f"{name}.py").write_text(textwrap.dedent(module_text), encoding="utf-8")
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[lif]\n{name} = {value}\n", encoding="utf-8")
    env = dict(os.environ)
    env.pop("LIF_DISABLE_PLUGINS", None)
    env["PYTHONPATH"] = str(site)
    return env


LIF = shutil.which("lif", path=str(Path(sys.executable).parent)) or "lif"


def test_a_broken_installed_plugin_as_a_real_process(tmp_path: Path) -> None:
    env = _install(tmp_path, "lif_broken", BROKEN_PACKAGE, "lif_broken")
    show = subprocess.run([LIF, "show", str(CROYDON)], capture_output=True, text=True, env=env, timeout=120)
    assert show.returncode == 1 and show.stdout == ""
    assert show.stderr == (
        'Error: plugin "lif_broken" in hook "register_renderers": RuntimeError: deliberate failure; '
        "to run lif without it, set LIF_DISABLE_PLUGINS=lif_broken\n"
    )
    listed = subprocess.run([LIF, "plugins", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 1
    rows = {p["name"]: p for p in json.loads(listed.stdout)}
    assert rows["lif_broken"]["status"] == "failed" and rows["lif_broken"]["version"] == "1.0"
    assert rows["ofsted"]["status"] == "ok"
    env["LIF_DISABLE_PLUGINS"] = "lif_broken"
    fixed = subprocess.run([LIF, "show", str(CROYDON)], capture_output=True, text=True, env=env, timeout=120)
    assert fixed.returncode == 0, fixed.stderr


def test_a_plugin_that_cannot_be_imported_as_a_real_process(tmp_path: Path) -> None:
    env = _install(tmp_path, "lif_unimportable", "import no_such_module_here\n", "lif_unimportable")
    validate = subprocess.run([LIF, "validate", str(CROYDON)], capture_output=True, text=True, env=env, timeout=120)
    assert validate.returncode == 1 and validate.stdout == ""
    assert validate.stderr == (
        "Error: plugin \"lif_unimportable\": could not be imported from 'lif_unimportable' (ModuleNotFoundError: "
        "No module named 'no_such_module_here'); fix or uninstall lif_unimportable, or set "
        "LIF_DISABLE_PLUGINS=lif_unimportable\n"
    )
    table = subprocess.run([LIF, "plugins"], capture_output=True, text=True, env=env, timeout=120)
    assert table.returncode == 1
    row = next(line for line in table.stdout.splitlines() if line.startswith("lif_unimportable "))
    assert row.split()[1:4] == ["entry-point", "1.0", "failed"]
    assert table.stderr == validate.stderr


def test_a_board_local_plugin_that_raises_names_how_to_run_without_it(make_board: Callable[..., Path]) -> None:
    board = make_board(
        '[plugins]\nlocal = ["plugins/mine.py"]\n',
        **{
            "plugins__mine.py": "from lif_core import hookimpl\n\n\n@hookimpl\ndef register_checks(register):\n"
            "    raise RuntimeError('deliberate failure')\n"
        },
    )
    result = _run(Plugins.create(), ["validate", str(board)])
    assert result.exit_code == 1
    assert _one_line(result) == (
        'Error: plugin "local:plugins/mine.py" in hook "register_checks": RuntimeError: deliberate failure; '
        "take it out of board.toml [plugins] local, or open the board with --no-local-plugins"
    )
    assert _run(Plugins.create(), ["--no-local-plugins", "validate", str(board)]).exit_code == 0


def test_a_store_that_fails_is_blamed_not_lif_core(tmp_path: Path) -> None:
    from lif_core import StoreBackend

    class Unreachable(StoreBackend):
        name = "unreachable"
        title = "A server that is not there"
        filename = "unreachable.db"

        def open(self, root: Path, known_ids: Any, who: str | None = None, *, create: bool = True) -> Any:
            raise ConnectionRefusedError("[Errno 111] Connection refused")

    class Gives:
        @hookimpl
        def register_stores(self, register: Callable[[StoreBackend], None]) -> None:
            register(Unreachable())

    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace("recommendation_warning = 10", 'recommendation_warning = 10\nstore = "unreachable"')
    )
    result = _run(_host(("server-store", Gives())), ["import", str(board)])
    assert result.exit_code == 1
    assert _one_line(result) == (
        'Error: plugin "server-store" in hook "register_stores (store \'unreachable\')": '
        "ConnectionRefusedError: [Errno 111] Connection refused"
    )


def test_a_store_that_fails_while_the_board_is_read_is_blamed_not_lif_core(tmp_path: Path) -> None:
    """Reading the register when a board opens (lif validate, show, report) is the store's work too."""
    from lif_core import StoreBackend

    class Unreadable(StoreBackend):
        name = "unreadable"
        title = "A register that cannot be read"
        filename = "unreadable.db"

        def open(self, root: Path, known_ids: Any, who: str | None = None, *, create: bool = True) -> Any:
            raise AssertionError("not reached: reading opens read-only")

        def open_read_only(self, root: Path) -> Any:
            raise ConnectionResetError("[Errno 104] Connection reset by peer")

    class Gives:
        @hookimpl
        def register_stores(self, register: Callable[[StoreBackend], None]) -> None:
            register(Unreadable())

    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    toml = board / "board.toml"
    toml.write_text(
        toml.read_text().replace("recommendation_warning = 10", 'recommendation_warning = 10\nstore = "unreadable"')
    )
    (board / "unreadable.db").write_bytes(b"")
    result = _run(_host(("server-store", Gives())), ["validate", str(board)])
    assert result.exit_code == 1
    assert _one_line(result) == (
        'Error: plugin "server-store" in hook "register_stores (store \'unreadable\')": '
        "ConnectionResetError: [Errno 104] Connection reset by peer"
    )


def test_a_closed_pipe_is_no_ones_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    """``lif ... | head``: click ends the command quietly (exit 1); nobody is blamed."""
    import lif_core.cli

    host = Plugins.create()
    with pytest.raises(BrokenPipeError), host.blame("any-plugin", "register_commands"):
        raise BrokenPipeError(32, "Broken pipe")

    def closed(*_: object, **__: object) -> object:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(lif_core.cli, "board_summary", closed)
    result = _run(Plugins.create(), ["show", str(CROYDON)])
    assert result.exit_code == 1 and "bug" not in result.output and "Broken pipe" not in result.output


# --------------------------------------------------------------------------- inside what a plugin registered


def _objects_plugin(failing: str) -> object:
    """A plugin registering a methodology (under each name Croydon's reviews use), a renderer
    and a check, of which the ``failing`` kind raises when used."""
    from lif_core import Check, Methodology, Renderer

    def fails(*_: object) -> Any:
        raise LookupError("deliberate failure")

    def works(kind: str) -> bool:
        return kind != failing

    class Failing(Methodology):  # stand in for lif-methodologies' own (disabled here)
        def __init__(self, name: str) -> None:
            self.name = name

        def check(self, review: Any, board: Any) -> Any:
            return () if works("methodology") else fails()

    class Odt(Renderer):
        name = "odt"
        suffix = ".odt"

        def render(self, document: Any, options: Any = None) -> bytes:
            return b"odt" if works("renderer") else bytes(fails())

    class Gives:
        @hookimpl
        def register_methodologies(self, register: Callable[[Methodology], None]) -> None:
            for name in ("silp", "scie-learning-together", "welsh-cpr", "root-cause-analysis", "appreciative-inquiry"):
                register(Failing(name))

        @hookimpl
        def register_renderers(self, register: Callable[[Renderer], None]) -> None:
            register(Odt())

        @hookimpl
        def register_checks(self, register: Callable[[Check], None]) -> None:
            register(Check("always-fails", "fails", lambda _b, _p: () if works("check") else fails()))

    return Gives()


@pytest.mark.parametrize(
    ("args", "hook"),
    [
        (["reviews", "{board}"], "register_methodologies (methodology 'silp')"),
        (["show", "{board}", "-f", "odt", "-o", "{tmp}/out.odt"], "register_renderers (renderer 'odt')"),
        (["validate", "{board}"], "register_checks (check 'always-fails')"),
    ],
    ids=["methodology", "renderer", "check"],
)
def test_an_exception_inside_what_a_plugin_registered_names_it(
    tmp_path: Path, args: list[str], hook: str, request: pytest.FixtureRequest
) -> None:
    host = Plugins.create(disabled=["methodologies"])
    host.register(_objects_plugin(request.node.callspec.id), name="objects-plugin", kind="entry-point")
    result = _run(host, [a.format(board=CROYDON, tmp=tmp_path) for a in args])
    assert result.exit_code == 1
    assert _one_line(result) == f'Error: plugin "objects-plugin" in hook "{hook}": LookupError: deliberate failure'
