"""What start-up leaves out and what it reads with: a short command must not pay for what it
does not use. Times are measured by benchmarks/startup.py, never here: these tests check the
choices that make start-up short (which parser, which modules are imported) and that they
change no answer."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import zipfile
from importlib import resources
from pathlib import Path

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lif_core
from lif_core import PluginError, Plugins, StatutoryFramework, files
from lif_core import plugins as plugins_module
from lif_core.files import UnreadableFile, parse_text

from .conftest import CROYDON

tomllib = pytest.importorskip("tomllib")  # the standard library's, from Python 3.11


def test_toml_is_read_by_the_compiled_parser() -> None:
    assert files.tomllib.__name__ == "tomli"
    assert files.tomllib.loads.__module__ == "tomli._parser"
    # mypyc compiles the module to an extension: no Python source runs when it parses
    assert files.tomllib._parser.__file__.endswith((".so", ".pyd"))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a = { x = 1,\n y = 2 }\n", "line 1, column 13"),  # TOML 1.1: an inline table over lines
        ("a = { x = 1, }\n", "line 1, column 14"),  # TOML 1.1: a trailing comma in one
        ('a = "\\e"\n', "line 1, column 8"),  # TOML 1.1: the escape \e
        ("t = 07:30\n", "line 1, column 6"),  # TOML 1.1: a time without seconds
        ("[[sections]\nsection = 'summary'\n", "line 1, column 11"),
    ],
)
def test_a_board_reads_as_toml_1_0_whichever_parser(text: str, error: str) -> None:
    with pytest.raises(tomllib.TOMLDecodeError) as standard:
        tomllib.loads(text)
    with pytest.raises(UnreadableFile) as ours:
        parse_text(text, "toml", name="board.toml")
    assert str(ours.value) == f"board.toml: not valid TOML: {standard.value}"
    assert error in str(ours.value)


_KEYS = st.sampled_from(["a", "b", "id", "x.y", '"q"', "[t]", "[[l]]"])
_VALUES = st.sampled_from(
    ["1", "-2", "1.5", "true", '"s"', "'lit'", "2019-03-31", "07:30:00", "[1, 2]", "{ x = 1 }", '"""\nm"""', "nan"]
)
_JUNK = st.sampled_from(["", " ", "=", ",", "[", "]", "{", "}", '"', "'", "#c", "\n", "\\", "\t", "0x", "1_", ":"])


@given(st.lists(st.one_of(st.tuples(_KEYS, st.just(" = "), _VALUES).map("".join), _JUNK), max_size=12))
def test_the_compiled_parser_agrees_with_the_standard_library(lines: list[str]) -> None:
    """The same data or the same error (its message, line and column) as tomllib."""
    text = "\n".join(lines)
    try:
        expected: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        expected = f"error: {exc}"
    try:
        found: object = files.tomllib.loads(text)
    except files.tomllib.TOMLDecodeError as exc:
        found = f"error: {exc}"
    assert repr(found) == repr(expected)


def test_the_english_frameworks_are_read_once_each_by_the_compiled_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    from lif_england import plugin as england

    def standard(edition: str) -> StatutoryFramework:
        def read(name: str) -> dict[str, object]:
            return tomllib.loads((resources.files("lif_england") / "frameworks" / f"{name}.toml").read_text("utf-8"))

        framework = StatutoryFramework.from_data(england.merge(read("common"), read(edition)))
        return attrs.evolve(framework, templates=england.templates(edition))

    parsed: list[str] = []
    real = files.tomllib.loads
    monkeypatch.setattr(files.tomllib, "loads", lambda text: parsed.append(text[:40]) or real(text))
    england.frameworks.cache_clear()
    try:
        assert england.frameworks() == tuple(standard(edition) for edition in england.EDITIONS)
    finally:
        england.frameworks.cache_clear()
    assert len(parsed) == 1 + len(england.EDITIONS)  # common.toml once, then each edition's


# -- the installed plugins, found without importing importlib.metadata ----------------------


def _reference(group: str) -> list[tuple[str, str]]:
    return [
        (ep.name, ep.value) for d in importlib.metadata.distributions() for ep in d.entry_points if ep.group == group
    ]


def _found(group: str) -> list[tuple[str, str]]:
    return [(name, value) for _dist, name, value in plugins_module._entry_points(group)]


@pytest.mark.parametrize("group", ["lif", "console_scripts", "pytest11", "no-such-group"])
def test_entry_points_are_importlib_metadatas_in_its_order(group: str) -> None:
    assert plugins_module._metadata_folders() is not None  # the fast path, in this environment
    assert _found(group) == _reference(group)


def _dist_info(root: Path, folder: str, entry_points: str | None, name: str = "") -> None:
    info = root / folder
    info.mkdir(parents=True)
    stem = folder.rpartition(".")[0]
    dist_name, _, version = stem.partition("-")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name or dist_name}\nVersion: {version or '0'}\n")
    if entry_points is not None:
        (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_entry_points_read_as_importlib_metadata_reads_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    _dist_info(first, "Zed_Plugin-1.0.dist-info", "[lif]\nzed = zed_plugin.hooks : plugin [extra]\n")
    _dist_info(
        first,
        "alpha-2.0.dist-info",
        "# a comment\n\n  [other]\nx=y\n[lif]\n# not = this\n  alpha=alpha.plugin\n= no name\n",
    )
    _dist_info(first, "no_entry_points-1.0.dist-info", None)
    _dist_info(first, "legacy.egg-info", "[lif]\nlegacy = legacy_plugin\n", name="legacy")
    _dist_info(second, "alpha-1.0.dist-info", "[lif]\nalpha = old.alpha\n")  # shadowed by the first
    (first / "not-metadata.txt").write_text("[lif]\nno = not.read\n")
    for n in range(12):  # one name spelt many ways, beside others: grouped by name, in listing order
        _dist_info(first, f"{'Same.Name' if n % 2 else 'same_name'}-{n}.{n}.dist-info", f"[lif]\nsame{n} = same.v{n}\n")
        _dist_info(first, f"other{n}-1.0.dist-info", f"[lif]\nother{n} = other.v{n}\n")
    monkeypatch.setattr(sys, "path", [str(first), str(tmp_path / "missing"), str(second)])
    assert _found("lif") == _reference("lif")
    assert {name for name, _ in _found("lif")} >= {"zed", "alpha", "legacy", "", "same0", "other0"}
    assert plugins_module.installed_version("alpha") == "2.0" == importlib.metadata.version("alpha")
    assert plugins_module.installed_version("zed-plugin") == "1.0" == importlib.metadata.version("zed-plugin")
    assert plugins_module.installed_version("legacy") == importlib.metadata.version("legacy")
    assert plugins_module.installed_version("absent") is None


def test_a_zip_on_the_path_is_left_to_importlib_metadata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("zipped-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: zipped\nVersion: 1.0\n")
        zipped.writestr("zipped-1.0.dist-info/entry_points.txt", "[lif]\nzipped = zipped.plugin\n")
    monkeypatch.setattr(sys, "path", [*sys.path, str(archive)])
    assert plugins_module._metadata_folders() is None
    assert ("zipped", "zipped.plugin") in _found("lif")
    assert _found("lif") == _reference("lif")


def test_a_finder_of_distributions_is_left_to_importlib_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    class Finder:
        @staticmethod
        def find_spec(*args: object) -> None:
            return None

        @staticmethod
        def find_distributions(*args: object) -> list[importlib.metadata.Distribution]:
            return []

    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert plugins_module._metadata_folders() is None
    assert _found("lif") == _reference("lif")


def test_an_entry_point_loads_the_object_it_names() -> None:
    assert plugins_module._load("lif_core.plugins") is plugins_module
    assert plugins_module._load("lif_core.plugins:Plugins.create") == plugins_module.Plugins.create
    assert plugins_module._load("lif_core.plugins : Plugins [extra]") is plugins_module.Plugins
    with pytest.raises(ValueError, match="not a module or module:attribute"):
        plugins_module._load("not a module!")


def test_a_plugin_that_cannot_be_imported_names_itself_and_its_distribution(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _dist_info(tmp_path, "lif_broken-0.3.dist-info", "[lif]\nbroken = lif_no_such_module.plugin\n", name="lif-broken")
    monkeypatch.setattr(sys, "path", [*sys.path, str(tmp_path)])
    host = Plugins.create()  # the host is made; the plugin is kept apart, named when used
    assert set(host.failures()) == {"broken"}
    with pytest.raises(PluginError) as caught:
        host.check()
    assert caught.value.plugin == "broken"
    assert "could not be imported from 'lif_no_such_module.plugin' (ModuleNotFoundError" in str(caught.value)
    assert "fix or uninstall lif-broken, or set LIF_DISABLE_PLUGINS=broken" in str(caught.value)
    assert "broken" not in {p.name for p in Plugins.create(disabled=["broken"]).info()}


def test_plugins_report_their_distribution_and_version() -> None:
    infos = {p.name: p for p in Plugins.create().info()}
    for name, value in _reference("lif"):
        dist = next(d for d in importlib.metadata.distributions() if any(ep.value == value for ep in d.entry_points))
        assert (infos[name].distribution, infos[name].version) == (dist.metadata["Name"], dist.version)
    assert lif_core.__version__ == importlib.metadata.version("lif-core")


# -- what a short command imports ------------------------------------------------------------


def test_the_markdown_report_imports_no_heavy_module(tmp_path: Path) -> None:
    """The Croydon report as Markdown, in a fresh process with a holiday cache already made:
    nothing it does not use is imported (each module here took a noticeable part of start-up)."""
    code = (
        "import sys, io, contextlib\n"
        "from lif_core.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        f"        main(['report', 'impact', {str(CROYDON)!r}, '-f', 'markdown'])\n"
        "    except SystemExit as exit:\n"
        "        assert not exit.code, exit.code\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = dict(os.environ, LIF_CACHE_DIR=str(tmp_path / "cache"))
    for _ in range(2):  # the first makes the holiday cache, the second uses it
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    imported = set(done.stdout.split())
    assert "lif_core.report" in imported  # (the report was made)
    heavy = {"importlib.metadata", "email", "holidays", "jinja2", "matplotlib", "openpyxl", "docx", "scipy"}
    assert not heavy & imported, heavy & imported


def test_lif_version_is_read_without_importlib_metadata() -> None:
    code = (
        "import sys\n"
        "from lif_core.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "print('importlib.metadata' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == f"lif, version {importlib.metadata.version('lif-core')}\nFalse\n"
