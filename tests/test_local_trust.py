"""A board's own code: opening a board without running it (``--no-local-plugins``,
``LIF_NO_LOCAL_PLUGINS``), and a plugin that calls ``sys.exit()`` never ending lif quietly."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import PluginError, Plugins, validate_board
from lif_core.cli import make_cli

from .conftest import ROOT

MakeBoard = Callable[..., Path]
RIVERSIDE = ROOT / "docs" / "examples" / "riverside"

# A local plugin that leaves a mark when it is imported, and provides a methodology.
MARKING = """\
from pathlib import Path
import lif_core

Path(__file__).with_name("ran.txt").write_text("the board's code ran")


class Huddle(lif_core.Methodology):
    name = "huddle"
    title = "Huddle"

    def check(self, review, board):
        return ()


@lif_core.hookimpl
def register_methodologies(register):
    register(Huddle())
"""
REVIEW = """
[[reviews]]
id = "r1"
title = "Child R"
kind = "learning-review"
methodology = "huddle"
"""


@pytest.fixture(autouse=True)
def _no_inherited_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_NO_LOCAL_PLUGINS", raising=False)


@pytest.fixture
def marking(make_board: MakeBoard) -> Path:
    return make_board('[plugins]\nlocal = ["plugins/mark.py"]\n' + REVIEW, **{"plugins__mark.py": MARKING})


def test_a_board_normally_runs_its_own_code(marking: Path) -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(marking)])
    assert result.exit_code == 0, result.output
    assert (marking / "plugins" / "ran.txt").exists()


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--no-local-plugins"], {}), ([], {"LIF_NO_LOCAL_PLUGINS": "1"})],
    ids=["option", "environment"],
)
def test_no_local_plugins_opens_a_board_without_running_its_code(
    marking: Path, args: list[str], env: dict[str, str]
) -> None:
    result = CliRunner(env=env).invoke(make_cli(Plugins.create()), [*args, "validate", str(marking)])
    assert not (marking / "plugins" / "ran.txt").exists(), "the board's code ran"
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "warning: board.toml: plugins.local[0]: local plugin 'plugins/mark.py' not run "
        "(--no-local-plugins or LIF_NO_LOCAL_PLUGINS): names it would provide are unknown"
    )
    assert lines[1].startswith("board.toml: reviews[0].methodology: no methodology named 'huddle' is installed")


def test_no_local_plugins_on_the_worked_example(tmp_path: Path) -> None:
    board = tmp_path / "riverside"
    shutil.copytree(RIVERSIDE, board)
    result = CliRunner().invoke(make_cli(Plugins.create()), ["--no-local-plugins", "show", str(board)])
    assert result.exit_code == 1
    assert "plugins.local[0]: local plugin 'plugins/riverside_plugin.py' not run" in result.stderr
    assert "no methodology named 'riverside-huddle' is installed" in result.stderr


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off"])
def test_the_environment_variable_can_be_set_off(marking: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LIF_NO_LOCAL_PLUGINS", value)
    assert validate_board(marking, Plugins.create()).ok
    assert (marking / "plugins" / "ran.txt").exists()


def test_embedding_code_can_refuse_local_plugins(marking: Path) -> None:
    host = Plugins.create()
    host.local_plugins = False
    result = validate_board(marking, host)
    assert not result.ok and not (marking / "plugins" / "ran.txt").exists()
    assert [p.severity for p in result.problems][:1] == ["warning"]


# ---------------------------------------------------------------- sys.exit() in a plugin

AT_IMPORT = "import sys\nsys.exit(0)\n"
IN_A_HOOK = """\
import sys
import lif_core


@lif_core.hookimpl
def register_checks(register):
    sys.exit(0)
"""
IN_A_CHECK = """\
import sys
import lif_core


def run(board, plugins):
    sys.exit("bye")


@lif_core.hookimpl
def register_checks(register):
    register(lif_core.Check("leaver", "leaves", run))
"""
EXITS = {
    "import": (AT_IMPORT, 'plugin "local:quit.py": called sys.exit(0) while being imported'),
    "hook": (IN_A_HOOK, 'plugin "local:quit.py" in hook "register_checks": called sys.exit(0) inside the hook'),
    "check": (
        IN_A_CHECK,
        "plugin \"local:quit.py\" in hook \"register_checks (check 'leaver')\": called sys.exit('bye') inside the hook",
    ),
}


@pytest.mark.parametrize(("code", "message"), EXITS.values(), ids=EXITS.keys())
def test_sys_exit_in_a_local_plugin_is_an_error_naming_it(make_board: MakeBoard, code: str, message: str) -> None:
    root = make_board('[plugins]\nlocal = ["quit.py"]\n', **{"quit.py": code})
    result = CliRunner().invoke(make_cli(Plugins.create()), ["validate", str(root)])
    assert result.exit_code == 1
    assert message in result.stderr


@pytest.mark.parametrize(("code", "message"), EXITS.values(), ids=EXITS.keys())
def test_sys_exit_in_a_local_plugin_does_not_end_the_real_lif_quietly(
    make_board: MakeBoard, code: str, message: str
) -> None:
    root = make_board('[plugins]\nlocal = ["quit.py"]\n', **{"quit.py": code})
    lif = Path(sys.executable).with_name("lif")
    command = [str(lif)] if lif.exists() else [sys.executable, "-c", "from lif_core.cli import main; main()"]
    env = {k: v for k, v in os.environ.items() if k != "LIF_NO_LOCAL_PLUGINS"}
    done = subprocess.run([*command, "validate", str(root)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_blame_turns_sys_exit_into_a_plugin_error() -> None:
    host = Plugins.create(entry_points=False)
    exited = r'plugin "p" in hook "h": called sys.exit\(3\) inside the hook'
    with pytest.raises(PluginError, match=exited), host.blame("p", "h"):
        sys.exit(3)
    with pytest.raises(KeyboardInterrupt), host.blame("p", "h"):  # Ctrl-C still stops lif
        raise KeyboardInterrupt
