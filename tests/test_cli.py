"""The lif command line, through click's CliRunner, and the README's commands as real processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins
from lif_core.cli import make_cli

from .conftest import CROYDON, ROOT

MakeBoard = Callable[..., Path]


@pytest.fixture
def run(plugins: Plugins) -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(make_cli(plugins), list(args), catch_exceptions=False)

    return invoke


def test_validate_croydon(run: Callable[..., Result]) -> None:
    result = run("validate", str(CROYDON))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{CROYDON}: valid (Croydon Safeguarding Children Board: 9 groups, 12 partners")
    assert result.stderr == ""
    quiet = run("validate", "--quiet", str(CROYDON))
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_validate_names_every_problem_without_traceback(run: Callable[..., Result], make_board: MakeBoard) -> None:
    root = make_board(
        '[[partners]]\nid = "s"\nname = "S"\nsector = "education"\nillustrative = "yes"\nweb = "x"\n'
        '[[groups]]\nid = "g"\nname = "G"\nkind = "panel"\nmembers = ["nobody"]\n'
    )
    result = run("validate", str(root))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "board.toml: partners[3].illustrative: expected true or false, got text 'yes'",
        "board.toml: partners[3].web: unknown key; allowed keys here are: id, name, sector, duties, "
        "roles, safeguarding_partner, illustrative",
        "board.toml: groups[1].members[0]: no partner with id 'nobody'",
        f"Error: {root}: 3 error(s), 0 warning(s)",
    ]
    assert "Traceback" not in result.output


def test_validate_strict_fails_on_warnings(run: Callable[..., Result], make_board: MakeBoard) -> None:
    root = make_board('[[priorities]]\nid = "p"\ntitle = "No measure"\n')
    assert run("validate", str(root)).exit_code == 0
    strict = run("validate", "--strict", str(root))
    assert strict.exit_code == 1 and "priorities[0].measures: a priority with no measure" in strict.stderr
    assert re.search(r": 0 error\(s\), [1-9][0-9]* warning\(s\)", strict.stderr)


def test_validate_missing_board(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert (
        result.stderr
        == f"Error: {tmp_path / 'nowhere'}: no such board folder (create one with `lif init {tmp_path / 'nowhere'}`)\n"
    )


def test_show_in_every_builtin_format(run: Callable[..., Result], tmp_path: Path) -> None:
    text = run("show", str(CROYDON))
    assert text.exit_code == 0
    out = text.stdout
    assert out.startswith("Croydon Safeguarding Children Board\n===")
    assert "Quality Assurance, Practice and Performance Sub-Group (QAPP)" in out
    assert "— — Section 11 Panel [panel]" in out  # reports to QAPP, which reports to the executive
    md = run("show", "-f", "markdown", str(CROYDON))
    assert "## Inspection recommendations" in md.stdout
    target = tmp_path / "board.json"
    written = run("show", "--format", "json", "--output", str(target), str(CROYDON))
    assert written.exit_code == 0 and f"wrote {target}" in written.stderr
    data = json.loads(target.read_text())
    assert data["kind"] == "board-summary"
    register = next(s for s in data["sections"] if s["title"] == "Register")
    assert ["Case reviews", 6] in register["blocks"][0]["rows"]


def test_show_refuses_unknown_format_and_invalid_board(run: Callable[..., Result], make_board: MakeBoard) -> None:
    bad_format = run("show", "-f", "odt", str(CROYDON))
    assert bad_format.exit_code == 1
    assert bad_format.stderr.startswith(
        "Error: no renderer named 'odt'; available: csv, csv-tidy, docx, html, json, markdown (md), pdf, text, xlsx"
    )
    invalid = run("show", str(make_board('[[themes]]\nid = "t"\nlabel = "x"\naxis = "bad"\n')))
    assert invalid.exit_code == 1
    assert "themes[0].axis: 'bad' is not one of 'risk-factor', 'practice-system'" in invalid.stderr


def test_plugins_table_and_json(run: Callable[..., Result]) -> None:
    table = run("plugins")
    lines = table.stdout.splitlines()
    assert table.exit_code == 0
    assert lines[0].split() == ["NAME", "KIND", "VERSION", "STATUS", "HOOKS"]
    ofsted = next(i for i, line in enumerate(lines) if line.startswith("ofsted "))
    assert lines[ofsted].split()[3:] == ["ok", "register_commands,", "register_inspection_frameworks"]
    assert lines[ofsted + 1].startswith("    provides: command:inspection, inspection framework:")
    data = json.loads(run("plugins", "--json").stdout)
    by_name = {p["name"]: p for p in data}
    assert set(by_name) >= {
        "lif_core.builtins.renderers",
        "lif_core.builtins.sources",
        "lif_core.builtins.checks",
        "ofsted",
    }
    assert by_name["ofsted"]["hooks"] == ["register_commands", "register_inspection_frameworks"]
    assert by_name["ofsted"]["kind"] == "entry-point" and by_name["ofsted"]["version"]
    assert "renderer:markdown" in by_name["lif_core.builtins.renderers"]["provides"]
    assert by_name["ofsted"]["provides"][0] == "command:inspection"
    assert by_name["lif_core.builtins.commands"]["provides"][:2] == ["command:report", "command:report impact"]
    assert "command:import" in by_name["lif_core.builtins.register"]["provides"]
    keys = {"name", "kind", "version", "distribution", "hooks", "provides", "status", "error"}
    assert all(set(p) == keys and (p["status"], p["error"]) == ("ok", "") for p in data)


def test_init_creates_a_valid_board(run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "new board"
    result = run("init", "--name", 'Riverside "Partnership"', "--area", "Riverside", "--id", "riverside", str(target))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["board.toml", "register.toml"]
    check = run("validate", str(target))
    assert check.exit_code == 0, check.output
    assert 'Riverside "Partnership"' in check.stdout
    # Its only warnings: the yearly report's required sections, not yet written.
    assert check.stderr and all(line.startswith("warning: report: ") for line in check.stderr.splitlines())
    again = run("init", str(target))
    assert again.exit_code == 1 and "is not empty" in again.stderr
    bad_id = run("init", "--id", "no spaces", str(tmp_path / "other"))
    assert bad_id.exit_code == 2 and "--id" in bad_id.stderr


def test_inspection_command_from_the_plugin(run: Callable[..., Result]) -> None:
    result = run("inspection", "--as-of", "2018-07-01", "-f", "json", str(CROYDON))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = data["sections"][0]["blocks"][0]["rows"]
    assert [r[0] for r in rows] == ["113", "114", "115", "116", "117"]


@pytest.mark.parametrize("command", ["validate", "show", "plugins", "init", "inspection"])
def test_every_command_has_help(run: Callable[..., Result], command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: lif {command}")
    assert len(result.stdout.splitlines()) > 6


def test_a_broken_installed_plugin_is_reported_by_every_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from lif_core import PluginError

    def broken(**_: object) -> Plugins:
        raise PluginError("could not be imported", plugin="bad")

    monkeypatch.setattr(Plugins, "create", staticmethod(broken))
    result = CliRunner().invoke(make_cli(), ["plugins"])
    assert result.exit_code == 1
    assert result.stderr == 'Error: plugin "bad": could not be imported\n'
    assert CliRunner().invoke(make_cli(), ["--help"]).exit_code == 0


# --------------------------------------------------------------------------- real processes

LIF = shutil.which("lif", path=str(Path(sys.executable).parent)) or "lif"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LIF_DISABLE_PLUGINS", None)
    return env


def test_readme_first_command_runs_as_a_process() -> None:
    """The README's first command, after its set-up step: the example board's annual report."""
    validate = subprocess.run(
        [LIF, "validate", "examples/croydon"], cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=120
    )
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith("examples/croydon: valid (Croydon Safeguarding Children Board")
    report = subprocess.run(
        [LIF, "report", "impact", "examples/croydon"], cwd=ROOT, capture_output=True, text=True, env=_env(), timeout=120
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("# Croydon Safeguarding Children Board: Annual report 2018-19\n")
    assert (
        "## Introduction by the Independent Chair" in report.stdout and "## Inspection recommendations" in report.stdout
    )


def test_bad_board_as_a_process_has_no_traceback(tmp_path: Path) -> None:
    board = tmp_path / "b"
    shutil.copytree(CROYDON, board)
    toml = board / "board.toml"
    toml.write_text(toml.read_text().replace('sector = "police"', 'sector = "polce"'))
    proc = subprocess.run([LIF, "validate", str(board)], capture_output=True, text=True, env=_env(), timeout=120)
    assert proc.returncode == 1
    assert "board.toml: partners[4].sector: 'polce' is not one of" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_readme_commands_are_the_ones_tested() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "lif report impact examples/croydon" in readme
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    second = next(line for line in readme.splitlines() if "pytest" in line and line.startswith("python3 -m venv"))
    assert second.strip() in ci, "the README's test command must be what .ci/run runs"
