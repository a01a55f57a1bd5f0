"""Issue 15's first "done when": a plugin package created by the template (`lif new plugin`) and
extended with one of each kind of extension (statutory framework, methodology, data-source
adapter, indicator, renderer, report section, inspection framework, check, store, command)
passes its own tests with the shipped fixtures, its entry point is found (`lif plugins` lists
it), and it imports nothing from a private module of lif-core.

The package is installed (not editable) into one throw-away virtual environment that sees
lif-core's own (a .pth file adding this environment's site-packages), with pip offline and no
build isolation (hatchling is installed with lif-core's test extra): no network."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core.builtins.scaffold import _check_text, plugin_names, render_plugin
from lif_core.testing import LifRunner, make_plugins

from .conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

#: The modules of lif-core a plugin may import: its public API (docs/stability.md).
PUBLIC_MODULES = {"lif_core", "lif_core.testing", "lif_core.commands"}
#: What a plugin may import besides lif-core: the standard library and lif-core's own
#: dependencies that the extensions below use as their own (click for a command, pytest).
THIRD_PARTY = {"click", "pytest", "attrs"}
#: pip with no network: no index, no build isolation (hatchling is installed with lif-core's tests).
OFFLINE = ("-q", "--no-deps", "--no-index", "--no-build-isolation")

#: One of each kind of extension, added to the generated package as ``extras.py``: each
#: imports only from ``lif_core``.
EXTRAS = '''
"""One of each kind of extension lif-core takes, for the template's "done when" test."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click

from lif_core import (
    Accumulator,
    Area,
    Count,
    DataSourceAdapter,
    Document,
    Indicator,
    IndicatorResult,
    IndicatorRow,
    InspectionFramework,
    LifError,
    LoadedBoard,
    Methodology,
    Paragraph,
    Problem,
    Provenance,
    Record,
    Register,
    Renderer,
    RenderOptions,
    ReportSection,
    Section,
    SectionContext,
    StatutoryFramework,
    StoreBackend,
    Table,
    cell_text,
    hookimpl,
    open_board,
    percentage,
    period_key,
)
from lif_core.commands import current_plugins, document_options, emit

FRAMEWORK = """
name = "acme-framework"
title = "Acme: a test arrangement"
country = "acme"
[arrangement]
name = "acme-board"
title = "Acme board"
"""


@hookimpl
def register_statutory_frameworks(register: Callable[[StatutoryFramework], None]) -> None:
    register(StatutoryFramework.from_toml(FRAMEWORK, file="acme-framework.toml"))


class AcmeMethod(Methodology):
    name = "acme-method"
    title = "Acme review method"
    description = "A review method for tests."
    stages = ("scoping", "analysis", "report")

    def check(self, review: Any, board: LoadedBoard) -> Iterable[Problem]:
        if not review.title.strip():  # pragma: no cover - a title is required anyway
            yield board.problem(review.id, "title", "an Acme review has a title")


@hookimpl
def register_methodologies(register: Callable[[Methodology], None]) -> None:
    register(AcmeMethod())


class PipeAdapter(DataSourceAdapter):
    """Pipe-separated text: a header line of names, then one record a line."""

    name = "acme-pipe"
    title = "Pipe-separated text"
    suffixes = (".psv",)

    def read(self, path: Path, options: Mapping[str, Any]) -> Iterator[Record]:
        with open(path, encoding="utf-8") as handle:
            names = handle.readline().rstrip("\\n").split("|")
            for number, line in enumerate(handle, start=2):
                values = line.rstrip("\\n").split("|")
                if len(values) != len(names):
                    raise LifError(f"line {number}: {len(values)} values under {len(names)} names")
                yield Record(f"line {number}", dict(zip(names, values)))


@hookimpl
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(PipeAdapter())


class Closed(Accumulator):
    fields = ("closed", "outcome")

    def __init__(self, frequency: str) -> None:
        self.frequency = frequency
        self.closed: Counter[str] = Counter()
        self.met: Counter[str] = Counter()

    def add_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        for closed, outcome in rows:
            if closed is None:
                continue
            period = period_key(closed, self.frequency)
            self.closed[period] += 1
            self.met[period] += outcome == "met"

    def result(self) -> IndicatorResult:
        rows = tuple(
            IndicatorRow(p, "", self.met[p], n, percentage(self.met[p], n)) for p, n in sorted(self.closed.items())
        )
        return IndicatorResult("acme-met", "Closed with needs met", "percent", rows, {}, frequency=self.frequency)


@hookimpl
def register_indicators(register: Callable[[Indicator], None]) -> None:
    register(
        Indicator(
            name="acme-met",
            title="Closed with needs met",
            description="Episodes closed with needs met, as a percentage of those closed.",
            unit="percent",
            accumulator=Closed,
        )
    )


class LinesRenderer(Renderer):
    name = "acme-lines"
    title = "One line per block"
    media_type = "text/plain"
    suffix = ".lines"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        lines = [f"TITLE {document.title}"]
        for depth, section in document.walk():
            lines.append(f"SECTION {depth} {section.title}")
            for block in section.blocks:
                if isinstance(block, Table):
                    lines += [" | ".join(cell_text(c) for c in row) for row in block.rows]
                else:
                    lines.append(type(block).__name__)
        return ("\\n".join(lines) + "\\n").encode("utf-8")


@hookimpl
def register_renderers(register: Callable[[Renderer], None]) -> None:
    register(LinesRenderer())


def build_section(context: SectionContext) -> Section:
    reviews = len(context.board.reviews)
    return Section(
        "Acme",
        (Paragraph("What the Acme section shows."), Table(("What", "Number"), (("Reviews", Count(reviews, Provenance.BOARD)),))),
    )


@hookimpl
def register_report_sections(register: Callable[[ReportSection], None]) -> None:
    register(ReportSection(name="acme-section", title="Acme", description="The board's reviews, counted.", build=build_section))


@hookimpl
def register_inspection_frameworks(register: Callable[[InspectionFramework], None]) -> None:
    register(
        InspectionFramework(
            name="acme-inspection",
            title="Acme inspection",
            body="Acme inspectorate",
            edition="2025",
            areas=(Area("help", "Help and protection"), Area("care", "Children in care")),
        )
    )


class AcmeStore(StoreBackend):
    """lif-core's register, kept in acme.sqlite."""

    name = "acme-store"
    title = "Acme (acme.sqlite)"
    filename = "acme.sqlite"

    def open(self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True) -> Any:
        return Register.open(root / self.filename, known_ids, who, create=create)

    def open_read_only(self, root: Path) -> Any:
        return Register.open_read_only(root / self.filename)


@hookimpl
def register_stores(register: Callable[[StoreBackend], None]) -> None:
    register(AcmeStore())


def children_seen(loaded: LoadedBoard, seen: int) -> Document:
    """A document publishing a count from children's records (before disclosure control)."""
    table = Table(("Group", "Children"), (("Seen", Count(seen)), ("Not seen", Count(40))))
    return Document(kind="acme", title=f"{loaded.board.board.name}: children seen", sections=(Section("Seen", (table,)),))


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.command("acme-seen")
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option("--seen", type=int, default=3, help="Children seen.")
    @document_options
    def acme_seen(board: Path, seen: int, fmt: str | None, output: Path | None) -> None:
        """Children seen, published under the board's own disclosure rule."""
        loaded = open_board(board, current_plugins())
        emit(children_seen(loaded, seen), board=loaded, fmt=fmt, output=output)
'''

#: The tests the package's author writes for those extensions, with the shipped fixtures.
EXTRA_TESTS = '''
"""Each kind of extension, tested with lif-core's fixtures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lif_core import Batch
from lif_core.testing import BoardFactory, LifRunner, assert_protected

from {module} import extras

PLUGIN = "{plugin}"


def test_every_extension_is_listed_under_the_plugin(lif_runner: LifRunner) -> None:
    listed = {{p["name"]: p for p in lif_runner("plugins", "--json").assert_ok().json()}}
    hooks = set(listed[PLUGIN]["hooks"])
    assert hooks == {{
        "register_checks", "register_commands", "register_data_sources", "register_indicators",
        "register_inspection_frameworks", "register_methodologies", "register_renderers",
        "register_report_sections", "register_statutory_frameworks", "register_stores",
    }}
    provides = " ".join(listed[PLUGIN]["provides"])
    for name in ("acme-framework", "acme-method", "acme-pipe", "acme-met", "acme-lines", "acme-section",
                 "acme-inspection", "acme-store"):
        assert name in provides


def test_the_statutory_framework(lif_runner: LifRunner) -> None:
    assert "acme-framework" in lif_runner("frameworks").assert_ok().stdout
    assert "Acme board" in lif_runner("frameworks", "acme-framework").assert_ok().stdout


def test_the_methodology(lif_board: BoardFactory, lif_runner: LifRunner) -> None:
    board = lif_board()
    board.add("reviews", id="rr-1", title="Rapid review 1", kind="rapid-review", methodology="acme-method",
              agencies=["police"])
    lif_runner("validate", board).assert_ok()
    assert board.load().board.reviews[0].methodology == "acme-method"


def test_the_adapter(lif_runner: LifRunner, tmp_path: Path) -> None:
    source = tmp_path / "episodes.psv"
    source.write_text("episode|outcome\\ne1|met\\ne2|stepped-up\\n", encoding="utf-8")
    adapter = lif_runner.plugins.data_sources.get("acme-pipe")
    records = list(adapter.read(source, {{}}))
    assert [r.fields["outcome"] for r in records] == ["met", "stepped-up"]
    assert records[1].location == "line 3"
    source.write_text("episode|outcome\\ne1\\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 2"):
        list(adapter.read(source, {{}}))


def test_the_indicator(lif_plugins) -> None:
    indicator = lif_plugins.indicators.get("acme-met")
    accumulator = indicator.accumulator("year")
    days = [dt.date(2024, 5, 1), dt.date(2024, 6, 1), None, dt.date(2024, 7, 1)]
    outcomes = ["met", "met", "met", "stepped-up"]
    accumulator.feed(Batch(("closed", "outcome"), [days, outcomes], ["r1", "r2", "r3", "r4"]))
    (row,) = accumulator.result().rows
    assert (row.numerator, row.denominator) == (2, 3)


def test_the_renderer(lif_board: BoardFactory, lif_runner: LifRunner) -> None:
    board = lif_board()
    out = lif_runner("show", board, "--format", "acme-lines").assert_ok().stdout
    assert out.startswith("TITLE ") and "SECTION 1 " in out


def test_the_report_section(lif_board: BoardFactory, lif_runner: LifRunner) -> None:
    board = lif_board()
    (board.path / "report.toml").write_text('title = "Acme report"\\n\\n[[sections]]\\nsection = "acme-section"\\n')
    document = lif_runner("report", "impact", board, "-f", "json").assert_ok().json()
    (section,) = [s for s in document["sections"] if s["section"] == "acme-section"]
    assert section["title"] == "Acme"


def test_the_inspection_framework(lif_plugins) -> None:
    framework = lif_plugins.inspection_frameworks.get("acme-inspection")
    assert framework.area("care").title == "Children in care"
    assert lif_plugins.inspection_frameworks.plugin_of("acme-inspection") == PLUGIN


def test_the_store(lif_board: BoardFactory) -> None:
    board = lif_board()
    with open(board.path / "board.toml", "a", encoding="utf-8") as handle:
        handle.write('\\n[settings]\\nstore = "acme-store"\\n')
    board.add("reviews", id="rr-1", title="Rapid review 1", kind="rapid-review", agencies=["police"])
    assert (board.path / "acme.sqlite").is_file()
    assert not (board.path / "register.sqlite").exists()
    assert [r.id for r in board.load().board.reviews] == ["rr-1"]


def _seen(result) -> object:
    """The command's count of children seen, as its JSON publishes it (a hidden one as its text)."""
    cell = result.assert_ok().json()["sections"][0]["blocks"][0]["rows"][0][1]
    return cell["text"] if isinstance(cell, dict) else cell


def test_the_command_publishes_only_protected_counts(lif_board: BoardFactory, lif_runner: LifRunner) -> None:
    board = lif_board()
    assert _seen(lif_runner("acme-seen", board, "--seen", "3", "-f", "json")) == "c"
    assert _seen(lif_runner("acme-seen", board, "--seen", "7", "-f", "json")) == 7
    with open(board.path / "board.toml", "a", encoding="utf-8") as handle:
        handle.write("\\n[settings]\\ndisclosure_smallest = 10\\n")
    assert _seen(lif_runner("acme-seen", board, "--seen", "7", "-f", "json")) == "c"  # the board's own rule
    loaded = board.load()
    raw = extras.children_seen(loaded, 7)
    with pytest.raises(AssertionError, match="Children"):
        assert_protected(raw, board=loaded)
    from lif_core import board_rule, protect

    with pytest.raises(AssertionError, match="shows 7"):
        assert_protected(protect(raw), board=loaded)  # DfE's rule, looser than this board's
    assert_protected(protect(raw, board_rule(loaded)), board=loaded)


def test_a_broken_record_is_refused_with_lifs_message(lif_board: BoardFactory) -> None:
    board = lif_board()
    with pytest.raises(AssertionError, match="no partner with id"):
        board.add("reviews", id="rr-9", title="Rapid review 9", kind="rapid-review", agencies=["nobody"])
'''


def _imports(path: Path) -> set[str]:
    """The modules a Python file imports (absolute imports only; relative ones stay inside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def _private_imports(package: Path, own: str) -> list[str]:
    """``file: module`` for each import of lif-core outside its public modules, and of any
    third-party module a plugin has no business importing."""
    bad = []
    for path in sorted(package.rglob("*.py")):
        for module in sorted(_imports(path)):
            top = module.split(".")[0]
            private = top == "lif_core" and module not in PUBLIC_MODULES
            foreign = top not in (own, "lif_core", *THIRD_PARTY) and top not in sys.stdlib_module_names
            if private or foreign:
                bad.append(f"{path.relative_to(package)}: {module}")
    return bad


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIF_", "PYTEST_", "PYTHONPATH"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_lif_new_plugin_in_process(tmp_path: Path, lif_runner: LifRunner) -> None:
    target = tmp_path / "pkg"
    result = lif_runner("new", "plugin", "lif-acme", "--directory", target, "--author", 'Ann "Q" O\'Neil')
    result.assert_ok()
    assert "module lif_acme, plugin acme" in result.stdout
    workflow = (target / ".github" / "workflows" / "test.yml").read_text(encoding="utf-8")
    assert "${{ matrix.python-version }}" in workflow  # GitHub's own placeholders left alone
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == [
        ".github/workflows/test.yml",
        ".gitignore",
        "README.md",
        "pyproject.toml",
        "src/lif_acme/__init__.py",
        "src/lif_acme/py.typed",
        "tests/test_lif_acme.py",
    ]
    for path in target.rglob("*"):
        if path.is_file():
            assert not re.search(r"\{\{[a-z_]+\}\}", path.read_text(encoding="utf-8")), path
    project = tomllib.loads((target / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "lif-acme"
    assert project["project"]["authors"] == [{"name": 'Ann "Q" O\'Neil'}]
    assert project["project"]["entry-points"]["lif"] == {"acme": "lif_acme"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/lif_acme"]
    for path in target.rglob("*.py"):
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    assert _private_imports(target, "lif_acme") == []


def test_the_template_imports_only_the_public_api(tmp_path: Path) -> None:
    runner = LifRunner(make_plugins())
    runner("new", "plugin", "lif-acme", "-d", tmp_path / "pkg").assert_ok()
    assert _private_imports(tmp_path / "pkg", "lif_acme") == []
    # the check can fail: a private import is found
    (tmp_path / "pkg" / "src" / "lif_acme" / "bad.py").write_text("from lif_core.cli import emit_document\n")
    assert _private_imports(tmp_path / "pkg", "lif_acme") == ["src/lif_acme/bad.py: lif_core.cli"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lif-acme/../x"], "NAME"),
        (["../evil"], "is not a package name"),
        (["-x"], "No such option"),
        (["lif acme"], "is not a package name"),
        (["lif-core"], "lif-core's own name"),
        (["lif_core"], "lif-core's own name"),
        (["json"], "already the name of a module"),
        (["acme", "--module", "Acme"], "--module"),
        (["acme", "--module", "class"], "is not a Python module name"),
        (["acme", "--plugin-name", "Acme!"], "--plugin-name"),
        (["lif-england"], "already installed"),
        (["acme", "--author", "a\x1b[31mb"], "--author"),
        (["acme", "--description", "x" * 201], "keep it to 200"),
        (["a" * 61], "at most 60 characters"),
    ],
)
def test_lif_new_plugin_refuses_bad_names(tmp_path: Path, lif_runner: LifRunner, args: list[str], message: str) -> None:
    result = lif_runner("new", "plugin", *args, "--directory", tmp_path / "out")
    result.assert_error(message, exit_code=2)
    assert not (tmp_path / "out").exists()


def test_lif_new_plugin_refuses_a_folder_in_use(tmp_path: Path, lif_runner: LifRunner) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    lif_runner("new", "plugin", "lif-acme", "-d", used).assert_error("is not empty", exit_code=1)
    assert sorted(p.name for p in used.iterdir()) == ["keep.txt"]
    (tmp_path / "file").write_text("x")
    lif_runner("new", "plugin", "lif-acme", "-d", tmp_path / "file").assert_error("is a file")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    lif_runner("new", "plugin", "lif-acme", "-d", tmp_path / "dangling").assert_error("link to a missing folder")
    empty = tmp_path / "empty"
    empty.mkdir()
    lif_runner("new", "plugin", "lif-acme", "-d", empty).assert_ok()
    assert (empty / "pyproject.toml").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no building folder left


def test_the_template_ships_in_the_wheel(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", *OFFLINE, "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (wheel,) = tmp_path.glob("lif_core-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    template = ROOT / "src" / "lif_core" / "templates" / "plugin"
    shipped = {f"lif_core/templates/plugin/{p.relative_to(template).as_posix()}" for p in template.rglob("*.tmpl")}
    assert len(shipped) == 7 and shipped <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[pytest11]\nlif = lif_core.pytest_plugin" in text


# ----------------------------------------------------------------------- installed and run


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment without pip that sees this one's packages (lif-core and its
    plugins, pytest, hatchling) through a .pth file: what the generated package is installed in."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    ours = sysconfig.get_paths()["purelib"]
    Path(purelib, "_lif_core_tests.pth").write_text(f"import site; site.addsitedir({ours!r})\n", encoding="utf-8")
    return python


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=_clean_env())


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory, venv: Path) -> Iterator[Path]:
    """The package `lif new plugin` writes (run as a real process), extended with one of each
    kind of extension and their tests, installed into :func:`venv`."""
    folder = tmp_path_factory.mktemp("made")
    lif = Path(sys.executable).with_name("lif")
    command = [str(lif)] if lif.exists() else [sys.executable, "-c", "from lif_core.cli import main; main()"]
    made = _run([*command, "new", "plugin", "lif-acme-everything", "--description", "Every kind of extension"], folder)
    assert made.returncode == 0, made.stderr
    package = folder / "lif-acme-everything"
    module = package / "src" / "lif_acme_everything"
    (module / "extras.py").write_text(textwrap.dedent(EXTRAS).lstrip(), encoding="utf-8")
    init = module / "__init__.py"
    hooks = [
        "register_commands",
        "register_data_sources",
        "register_indicators",
        "register_inspection_frameworks",
        "register_methodologies",
        "register_renderers",
        "register_report_sections",
        "register_statutory_frameworks",
        "register_stores",
    ]
    init.write_text(
        init.read_text(encoding="utf-8") + f"\nfrom .extras import {', '.join(hooks)}  # noqa: E402, F401\n",
        encoding="utf-8",
    )
    tests = EXTRA_TESTS.format(module="lif_acme_everything", plugin="acme-everything")
    (package / "tests" / "test_extras.py").write_text(tests.lstrip(), encoding="utf-8")
    install = _run(
        [sys.executable, "-m", "pip", "--python", str(venv), "install", *OFFLINE, str(package)],
        folder,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    yield package
    shutil.rmtree(folder, ignore_errors=True)


def test_the_extended_package_imports_only_the_public_api(extended: Path) -> None:
    assert _private_imports(extended, "lif_acme_everything") == []


def test_the_extended_package_passes_its_own_tests(extended: Path, venv: Path) -> None:
    done = _run([str(venv), "-m", "pytest", "-q", "-p", "no:cacheprovider"], extended)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    assert "15 passed" in done.stdout  # the template's 4 and the extensions' 11


def test_lif_plugins_lists_the_installed_package(extended: Path, venv: Path) -> None:
    done = _run([str(venv), "-c", "from lif_core.cli import main; main()", "plugins"], extended)
    assert done.returncode == 0, done.stderr
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("acme-everything ")]
    assert "entry-point" in row and "register_checks" in row and "register_stores" in row
    assert "0.1.0" in row


def _tool(name: str) -> Path:
    found = Path(sys.executable).with_name(name)
    if not found.exists():
        pytest.skip(f"{name} is not installed here (lif-core's dev extra)")
    return found


def test_the_generated_package_is_lint_and_type_clean(tmp_path: Path, lif_runner: LifRunner) -> None:
    """ruff's default rules and line length, and mypy --strict, on a package with the longest
    names the command takes: what a plugin's author gets is clean in their own tools."""
    name = "lif-" + "a" * 56
    lif_runner("new", "plugin", name, "-d", tmp_path / "pkg", "--plugin-name", "p" * 40).assert_ok()
    ruff = _tool("ruff")
    rules = ["--select", "E,F,W,I,B,UP,SIM,RUF", "--target-version", "py310", "--no-cache"]
    for args in (["check", *rules], ["format", "--check", "--no-cache"]):
        done = subprocess.run([str(ruff), *args, "."], cwd=tmp_path / "pkg", capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    mypy = _tool("mypy")
    done = subprocess.run(
        [str(mypy), "--strict", "--no-incremental", "src", "tests"],
        cwd=tmp_path / "pkg",
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@settings(max_examples=300, deadline=None)
@given(
    name=st.text(alphabet=st.sampled_from("abcXYZ019-_.lif/ é"), min_size=0, max_size=70) | st.text(max_size=20),
    author=st.text(max_size=40),
    description=st.text(max_size=40),
)
def test_any_name_is_refused_clearly_or_makes_a_package_that_reads_back(
    name: str, author: str, description: str
) -> None:
    """Whatever NAME, --author and --description are: a usage error naming the argument, or a
    package whose pyproject.toml reads back with exactly the names and text given."""
    try:
        names = plugin_names(name)
        for value, option in ((author, "--author"), (description, "--description")):
            _check_text(value, option)
    except click.BadParameter as exc:
        assert exc.param_hint in ("NAME", "--author", "--description")
        return
    assert names.module.isidentifier() and names.module == names.module.lower()
    assert re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", names.plugin) and "/" not in name
    files = render_plugin(names, author=author, description=description)
    project = tomllib.loads(files["pyproject.toml"])["project"]
    assert project["name"] == name
    assert project["entry-points"]["lif"] == {names.plugin: names.module}
    assert project.get("authors", [{"name": ""}]) == [{"name": author}]
    assert project["description"] == (description or f"A lif-core plugin: {name}")
    for path, text in files.items():
        assert not path.startswith(("/", "..")) and ".." not in path.split("/")
        if path.endswith(".py"):
            compile(text, path, "exec")
