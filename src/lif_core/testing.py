"""Helpers for testing plugins (and boards) against lif-core: public, with the stability of the
rest of lif-core's public API.

- :func:`make_plugins`: a fresh plugin host, with the builtins and installed plugins, and the
  plugin objects a test gives it, not affected by the user's ``LIF_DISABLE_PLUGINS``.
- :class:`LifRunner`: runs ``lif`` commands in process over a host and gives back
  :class:`LifResult` (exit code, standard output, standard error), as the ``lif`` command would.
- :class:`BoardFactory`: board folders made by ``lif init`` from a statutory framework, with
  records added through ``lif add``: every record checked as a user's would be.
- :func:`isolated_environment` and :func:`new_key`: each test its own pseudonymisation key and
  cache folder, never the user's key file, cache or settings.
- :func:`assert_protected`: fails, naming the cell, where a document would publish a figure
  that the board's disclosure rule does not allow.
- :func:`chromium_executable`, :func:`needs_chromium` and :func:`chromium_browser`: the
  system's Chromium (Debian's ``chromium``), found and launched headless through Playwright
  (which downloads no browser of its own), for tests of what a plugin shows in a browser;
  :func:`axe_violations` and :func:`axe_report`: axe-core's accessibility rules run on a page
  there, and what they found, readable.

With pytest, the plugin :mod:`lif_core.pytest_plugin` (installed with lif-core) gives these as
fixtures: ``lif_env``, ``lif_key``, ``lif_plugins``, ``lif_runner`` and ``lif_board``. See
docs/plugin-testing.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import math
import os
import secrets
import shlex
import shutil
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from .board import LoadedBoard
    from .disclosure import Rule
    from .document import Document
    from .plugins import Plugins
    from .validate import Validation

__all__ = [
    "CHROMIUM_ARGS",
    "ISOLATED_VARIABLES",
    "BoardFactory",
    "LifResult",
    "LifRunner",
    "TestBoard",
    "assert_protected",
    "axe_report",
    "axe_violations",
    "chromium_browser",
    "chromium_executable",
    "environment",
    "isolated_environment",
    "make_plugins",
    "needs_chromium",
    "new_key",
    "toml_value",
]

#: The environment variables a test's ``lif`` does not take from the user's environment: each
#: is set (the key, the cache folder, the user named in the register's history) or removed.
ISOLATED_VARIABLES = (
    "LIF_PSEUDONYM_KEY",
    "LIF_CACHE_DIR",
    "LIF_USER",
    "LIF_DISABLE_PLUGINS",
    "LIF_NO_LOCAL_PLUGINS",
    "XDG_CACHE_HOME",
    "NO_COLOR",
    "COLUMNS",
)


# --------------------------------------------------------------------------- isolation


def new_key() -> str:
    """A fresh pseudonymisation key (64 hexadecimal digits: 256 random bits), strong enough for
    ``LIF_PSEUDONYM_KEY``: a test's pseudonyms never match the user's, nor another test's."""
    return secrets.token_hex(32)


def environment(folder: Path, *, key: str | None = None, user: str = "test") -> dict[str, str | None]:
    """The environment a test's ``lif`` runs in: ``{variable: value}``, ``None`` for a variable
    removed. ``LIF_PSEUDONYM_KEY`` is ``key`` (a :func:`new_key` by default), the cache folder
    (``LIF_CACHE_DIR``, ``XDG_CACHE_HOME``) is inside ``folder``, ``LIF_USER`` (who the register's
    history names) is ``user``; the user's ``LIF_DISABLE_PLUGINS``, ``LIF_NO_LOCAL_PLUGINS``,
    ``NO_COLOR`` and ``COLUMNS`` are removed."""
    cache = Path(folder) / "cache"
    values: dict[str, str | None] = dict.fromkeys(ISOLATED_VARIABLES)
    values.update(
        LIF_PSEUDONYM_KEY=key or new_key(),
        LIF_CACHE_DIR=str(cache),
        XDG_CACHE_HOME=str(cache / "xdg"),
        LIF_USER=user,
    )
    return values


@contextlib.contextmanager
def isolated_environment(
    folder: Path, *, key: str | None = None, user: str = "test"
) -> Iterator[dict[str, str | None]]:
    """Run the block in :func:`environment` (``folder`` holds the cache), then put the process's
    environment back as it was. Gives the variables set. (Under pytest, the ``lif_env`` fixture
    does this for each test.)"""
    values = environment(folder, key=key, user=user)
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            _set(name, value)
        yield values
    finally:
        for name, value in saved.items():
            _set(name, value)


def _set(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# --------------------------------------------------------------------------- the plugin host


def make_plugins(
    *plugins: object,
    builtins: bool = True,
    entry_points: bool = True,
    disabled: Iterable[str] = (),
    local_plugins: bool = True,
) -> Plugins:
    """A fresh plugin host: lif-core's builtins and the installed (entry-point) plugins, then
    each of ``plugins`` (a module, or any object with ``@hookimpl`` functions), registered
    under its module name (``module.__name__``) or, for another object, its class's name.

    Unlike ``Plugins.create()``, the user's ``LIF_DISABLE_PLUGINS`` is not read: only
    ``disabled`` names are blocked. A plugin object already loaded through its entry point (the
    package under test, installed) is not registered twice. ``local_plugins=False`` opens
    boards without running their own plugins (``lif --no-local-plugins``)."""
    from .plugins import Plugins

    host = Plugins.create(builtins=builtins, entry_points=entry_points, disabled=tuple(disabled))
    for plugin in plugins:
        if host.pm.is_registered(plugin):
            continue
        name = getattr(plugin, "__name__", None)
        host.register(plugin, name=name if isinstance(name, str) and name else type(plugin).__name__, kind="test")
    host.local_plugins = local_plugins
    return host


# --------------------------------------------------------------------------- the runner


@attrs.frozen
class LifResult:
    """What one ``lif`` command gave.

    Attributes:
        args: the arguments it was run with (after ``lif``).
        exit_code: 0 on success, 1 for an error lif reported, 2 for a usage error.
        stdout: what it printed to standard output.
        stderr: what it printed to standard error (its error message: ``Error: ...``).
        exception: an exception that escaped the command (a bug: the real ``lif`` would have
            printed a traceback), else ``None``.
    """

    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def ok(self) -> bool:
        """True where the command succeeded (exit code 0)."""
        return self.exit_code == 0

    @property
    def error(self) -> str:
        """The error line lif printed (``Error: `` taken off), or ``""``."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith("Error: "):
                return line[len("Error: ") :]
        return ""

    def describe(self) -> str:
        """The command and everything it printed, for an assertion's message."""
        lines = [f"$ lif {shlex.join(self.args)}", f"exit code {self.exit_code}"]
        if self.stdout:
            lines += ["--- stdout", self.stdout.rstrip("\n")]
        if self.stderr:
            lines += ["--- stderr", self.stderr.rstrip("\n")]
        if self.exception is not None:
            trace = "".join(traceback.format_exception(self.exception)).rstrip("\n")
            lines += ["--- an exception escaped the command (the real lif would print a traceback)", trace]
        return "\n".join(lines)

    def assert_ok(self) -> LifResult:
        """Fail the test (AssertionError showing the command and its output) unless the
        command succeeded; give the result back, for chaining."""
        if not self.ok:
            raise AssertionError(f"lif failed:\n{self.describe()}")
        return self

    def assert_error(self, contains: str = "", *, exit_code: int | None = None) -> LifResult:
        """Fail the test unless the command failed cleanly: a non-zero exit code (``exit_code``
        where given), one ``Error:`` line containing ``contains``, no traceback."""
        if self.ok or (exit_code is not None and self.exit_code != exit_code):
            wanted = f"exit code {exit_code}" if exit_code is not None else "a failure"
            raise AssertionError(f"expected {wanted}:\n{self.describe()}")
        if self.exception is not None or "Traceback (most recent call last)" in self.stderr:
            raise AssertionError(f"expected a clean error, not a traceback:\n{self.describe()}")
        if contains not in self.error:
            raise AssertionError(f"expected an error containing {contains!r}:\n{self.describe()}")
        return self

    def json(self) -> Any:
        """Standard output read as JSON (``--format json``, ``--json``)."""
        return json.loads(self.stdout)


class LifRunner:
    """Runs ``lif`` commands in process, over one plugin host, as the ``lif`` command runs them:
    ``runner("validate", board)`` or ``runner.invoke(["validate", str(board)])``.

    Errors come back as ``lif`` prints them (``Error: ...`` on standard error, exit code 1 or 2);
    an exception that escapes a command is kept in :attr:`LifResult.exception`, never raised.
    ``env``: variables set (``None``: removed) while each command runs, on top of the process's
    environment (the :func:`environment` of a test, for one).
    """

    def __init__(self, plugins: Plugins | None = None, *, env: Mapping[str, str | None] | None = None) -> None:
        self.plugins = plugins if plugins is not None else make_plugins()
        self.env = dict(env or {})

    def __call__(self, *args: str | os.PathLike[str], input: str | None = None) -> LifResult:
        """Run ``lif ARGS...`` (paths may be given as :class:`~pathlib.Path`)."""
        return self.invoke([os.fspath(a) for a in args], input=input)

    def invoke(self, args: Sequence[str], *, input: str | None = None) -> LifResult:
        """Run ``lif`` with the argument list ``args``."""
        from click.testing import CliRunner

        from .cli import make_cli

        cli = make_cli(self.plugins)
        runner = CliRunner(env=self.env)
        result = runner.invoke(cli, list(args), input=input, prog_name="lif", catch_exceptions=True)
        escaped = result.exception if not isinstance(result.exception, SystemExit) else None
        return LifResult(tuple(args), result.exit_code, result.stdout, result.stderr, escaped)


# --------------------------------------------------------------------------- boards


def toml_value(value: Any, where: str = "value") -> str:
    """``value`` written as a TOML value on one line (text as a quoted string, days as TOML
    dates, lists and tables inline): how :class:`TestBoard` passes a record's values to ``lif
    add`` so that each reads back exactly as given."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a number a board can hold")
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, dt.datetime):
        raise ValueError(f"{where}: a board's dates have no time of day: give a datetime.date")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        items = (f"{_toml_string(str(k))} = {toml_value(v, f'{where}.{k}')}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v, f"{where}[{i}]") for i, v in enumerate(value)) + "]"
    raise ValueError(f"{where}: {type(value).__name__} cannot be written in a board (text, number, date, list, table)")


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string: JSON's escapes (which TOML reads), and DEL escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


class TestBoard:
    """A board folder made by :class:`BoardFactory`: ``path`` is the folder (holding
    board.toml). Records go in through ``lif add`` (the register is brought into its store
    with ``lif import`` first), checked as a user's would be."""

    __test__ = False  # not a test class, for pytest

    def __init__(self, path: Path, runner: LifRunner, framework: str) -> None:
        self.path = path
        self.runner = runner
        self.framework = framework

    def __fspath__(self) -> str:
        return os.fspath(self.path)

    def __repr__(self) -> str:
        return f"TestBoard({str(self.path)!r}, framework={self.framework!r})"

    @property
    def plugins(self) -> Plugins:
        return self.runner.plugins

    def lif(self, command: str, *args: str | os.PathLike[str]) -> LifResult:
        """Run ``lif COMMAND BOARD ARGS...`` on this board (not checked: see
        :meth:`LifResult.assert_ok`)."""
        return self.runner(command, self.path, *args)

    def import_register(self) -> None:
        """Bring the register into its store (``lif import``), if it is not there yet."""
        if not any(store.exists(self.path) for store in self.plugins.stores if store.filename):
            self.lif("import").assert_ok()

    def add(self, collection: str, *, note: str = "", **fields: Any) -> LifResult:
        """Add a record to ``collection`` (``actions``, ``reviews``...) with ``lif add``:
        ``board.add("actions", id="a-1", text="...", due=datetime.date(2025, 3, 31))``. Fails
        the test (AssertionError with lif's message) where lif refuses the record."""
        self.import_register()
        pairs = [f"{key}={toml_value(value, key)}" for key, value in fields.items()]
        extra = ["--note", note] if note else []
        return self.lif("add", collection, *pairs, *extra).assert_ok()

    def update(self, record_id: str, *, note: str = "", **fields: Any) -> LifResult:
        """Change keys of a register record with ``lif update`` (checked as :meth:`add` is)."""
        self.import_register()
        pairs = [f"{key}={toml_value(value, key)}" for key, value in fields.items()]
        extra = ["--note", note] if note else []
        return self.lif("update", record_id, *pairs, *extra).assert_ok()

    def validate(self) -> Validation:
        """The board checked, as ``lif validate`` checks it."""
        from .validate import validate_board

        return validate_board(self.path, self.plugins)

    def load(self) -> LoadedBoard:
        """The board loaded and checked (a clear error, :class:`lif_core.BoardInvalid`, where
        it is not valid), with its local plugins and framework, as commands open it."""
        from .validate import open_board

        return open_board(self.path, self.plugins)


class BoardFactory:
    """Makes board folders inside ``folder`` with ``lif init``: ``factory()`` or
    ``factory(framework="wales-2014-act", area="Testshire")``, each a new :class:`TestBoard`."""

    def __init__(self, folder: Path, runner: LifRunner) -> None:
        self.folder = Path(folder)
        self.runner = runner
        self._made = 0

    def __call__(
        self,
        framework: str | None = None,
        *,
        name: str | None = None,
        area: str = "Testshire",
        board_id: str = "test",
        folder: str | None = None,
    ) -> TestBoard:
        """A new board under ``framework`` (lif-core's default, england-wt2023, where not
        given), in a new folder (``folder``: its name inside the factory's folder)."""
        from .frameworks import DEFAULT_FRAMEWORK

        chosen = framework or DEFAULT_FRAMEWORK
        self._made += 1
        target = self.folder / (folder or f"board-{self._made}")
        args: list[str] = ["init", str(target), "--framework", chosen, "--area", area, "--id", board_id]
        if name is not None:
            args += ["--name", name]
        self.runner.invoke(args).assert_ok()
        return TestBoard(target, self.runner, chosen)


# --------------------------------------------------------------------------- disclosure


def assert_protected(document: Document, rule: Rule | None = None, *, board: LoadedBoard | None = None) -> None:
    """Fail (AssertionError naming the section, table, row and column) unless ``document`` is
    safe to publish under ``rule``; where no rule is given, the board's own
    (:func:`lif_core.board_rule`) where ``board`` is, else DfE's
    (:data:`lif_core.disclosure.DEFAULT_RULE`: counts from children's records of 1 to 5 hidden).

    A document passes where it has been through disclosure control (:func:`lif_core.protect`)
    under that rule or a stricter one, and nothing unprotected was put in since: no
    :class:`~lif_core.document.Count` or :class:`~lif_core.document.Share` is left in a table,
    and no chart shows a point its labels say is hidden. A document that was never protected
    passes only if it publishes no figures at all (a reference page); one protected under a
    looser rule than the board's fails, naming a figure the board's rule could hide."""
    from .disclosure import DEFAULT_RULE, board_rule
    from .document import SUPPRESSED, Chart, Count, Share

    required = rule if rule is not None else board_rule(board) if board is not None else DEFAULT_RULE
    cells = list(_cells(document))
    charts = [(where, block) for where, block in _blocks(document) if isinstance(block, Chart)]
    for where, value in cells:
        if isinstance(value, (Count, Share)):
            what = "count" if isinstance(value, Count) else "share"
            shown = value.value if isinstance(value, Count) else f"{value.numerator}/{value.denominator}"
            raise AssertionError(
                f"{where}: an unprotected {what} ({shown}) is published: the document has not been through "
                f"disclosure control (lif_core.protect, or emit the document with the board's rule)"
            )
    if document.rule is None:
        figures = [(w, v) for w, v in cells if _figure(v)]
        if figures or charts:
            where = figures[0][0] if figures else charts[0][0]
            raise AssertionError(
                f"{where}: a figure is published from a document that has not been through disclosure "
                f"control (its rule is unset): protect it with the board's rule ({required.describe_briefly()})"
            )
        return
    if not document.rule.stricter_or_equal(required):
        looser = f"({document.rule.describe_briefly()}, where the board's rule is {required.describe_briefly()})"
        exposed = [(w, v) for w, v in cells if _count(v) and required.hides_count(v)]  # type: ignore[arg-type]
        if exposed:
            where, value = exposed[0]
            raise AssertionError(
                f"{where}: shows {value!r}, which the board's rule hides if it counts children: the document "
                f"was protected under a looser rule {looser}"
            )
        raise AssertionError(f"{document.title!r}: protected under a looser rule than the board's {looser}")
    for where, chart in charts:
        assert isinstance(chart, Chart)
        hidden = {period for period, label in chart.labels if label == SUPPRESSED}
        for period, value in chart.points:
            if value is not None and period in hidden:
                raise AssertionError(f"{where}, point {period!r}: labelled hidden ('c') but shows {value!r}")


def _count(value: object) -> bool:
    """A protected document's counts are whole numbers."""
    return isinstance(value, int) and not isinstance(value, bool)


def _figure(value: object) -> bool:
    """A number a reader would take for a figure (a count, a share, a rate)."""
    from .document import Figure

    return _count(value) or isinstance(value, (float, Figure))


def _blocks(document: Document) -> Iterator[tuple[str, object]]:
    def walk(sections: Sequence[Any], trail: str) -> Iterator[tuple[str, object]]:
        for section in sections:
            here = f"{trail} > section {section.title!r}" if trail else f"section {section.title!r}"
            for block in section.blocks:
                caption = getattr(block, "caption", "") or getattr(block, "title", "")
                name = f"{type(block).__name__.lower()} {caption!r}" if caption else type(block).__name__.lower()
                yield f"{here}, {name}", block
            yield from walk(section.sections, here)

    yield from walk(document.sections, "")


def _cells(document: Document) -> Iterator[tuple[str, object]]:
    from .document import Table

    for where, block in _blocks(document):
        if isinstance(block, Table):
            for i, row in enumerate(block.rows):
                label = row[0] if row and isinstance(row[0], str) and row[0] else None
                named = f"row {i + 1}" + (f" ({label!r})" if label else "")
                for column, value in zip(block.columns, row, strict=True):
                    yield f"{where}, {named}, column {column!r}", value


# --------------------------------------------------------------------------- a real browser

#: The flags :func:`chromium_browser` starts Chromium with: no sandbox (it runs in containers
#: and as root in CI), no GPU, no ``/dev/shm`` (small in containers), and none of Chromium's own
#: traffic (first-run pages, background networking, component updates, sync), so a test's page
#: makes the only requests there are.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

#: The programs looked for on the ``PATH``, in order: Debian's name, then Ubuntu's and others'.
_CHROMIUM_NAMES = ("chromium", "chromium-browser")


def chromium_executable() -> str:
    """The path of the system's Chromium: ``chromium`` (Debian's package) or
    ``chromium-browser`` found on the ``PATH``. Playwright drives it as it is: no browser is
    downloaded. Raises :class:`FileNotFoundError`, saying what to install, where there is
    none."""
    for name in _CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise FileNotFoundError(
        "Chromium is not installed: no `chromium` or `chromium-browser` on the PATH "
        "(on Debian: apt-get install chromium; .ci/run installs it)"
    )


def _in_ci() -> bool:
    """Whether this is a CI run: the ``CI`` environment variable set to anything but empty,
    ``0``, ``false`` or ``no`` (CI services set ``CI=true``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def needs_chromium() -> str:
    """For a pytest test or fixture that needs a real browser: the path of the system's
    Chromium (:func:`chromium_executable`). Where there is none, the test is skipped, saying
    what to install; but in a CI run (the ``CI`` environment variable set, as CI services set
    it) it fails instead, so that a CI run cannot pass by skipping its browser tests.

    Example::

        @pytest.fixture(scope="module")
        def browser():
            with chromium_browser(needs_chromium()) as chromium:
                yield chromium
    """
    import pytest

    try:
        return chromium_executable()
    except FileNotFoundError as exc:
        if _in_ci():
            pytest.fail(f"{exc}; a CI run (CI is set) fails rather than skip its browser tests", pytrace=False)
        pytest.skip(str(exc))


@contextlib.contextmanager
def chromium_browser(executable: str | None = None, **launch: Any) -> Iterator[Browser]:
    """Chromium launched headless through Playwright's sync API, closed (with Playwright) after
    the ``with`` block: ``executable`` (the system's, :func:`chromium_executable`, by default)
    with :data:`CHROMIUM_ARGS`; ``launch``: more of Playwright's ``launch`` options. Give each
    test its own context (``browser.new_context()``) and close it after.

    Playwright (lif-core's ``test`` extra) is imported only here. Where no executable is given
    and Chromium is not installed, :class:`FileNotFoundError` (under pytest, pass
    :func:`needs_chromium` to skip or, in CI, fail instead)."""
    path = executable if executable is not None else chromium_executable()
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, *launch.pop("args", ())]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=args, **launch)
        try:
            yield browser
        finally:
            browser.close()


@functools.lru_cache(maxsize=1)
def _axe_script() -> str:
    import importlib.resources

    return (importlib.resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's rules run on the page Playwright shows (``axe.run(document)``): the
    violations found, each as axe gives it (``id``, ``impact``, ``help``, ``nodes`` with each
    node's ``target`` and ``failureSummary``); ``[]`` where there are none. axe.min.js comes
    from the axe-playwright-python wheel (lif-core's ``test`` extra): no network. It is added to
    the page as a script, so make the page's context with ``bypass_csp=True`` where the page's
    Content-Security-Policy forbids other scripts (as it should)."""
    page.add_script_tag(content=_axe_script())
    result = page.evaluate("async () => await axe.run(document)")
    violations: list[dict[str, Any]] = result["violations"]
    return violations


def axe_report(violations: Sequence[Mapping[str, Any]], *, indent: str = "", nodes: int = 5) -> str:
    """:func:`axe_violations`' findings for an assertion's message: a line per rule broken
    (``id (impact): help``) and, below it, up to ``nodes`` of the elements that break it (their
    selector and axe's summary, on one line), each line starting with ``indent``."""
    lines = []
    for violation in violations:
        lines.append(f"{indent}{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:nodes]:
            summary = " ".join(str(node["failureSummary"]).split())
            lines.append(f"{indent}    {node['target']}: {summary[:300]}")
    return "\n".join(lines)
