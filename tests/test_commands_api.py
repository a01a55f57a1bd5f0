"""lif_core.commands: the public way for a plugin's command to print a document, protected by
the board's own disclosure rule in every format, with the options lif's own commands have."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

import lif_core.commands
from lif_core import PluginError, Plugins, Register, Renderer, StoreBackend, hookimpl, open_board
from lif_core.cli import make_cli
from lif_core.commands import current_plugins, document_options, emit, format_for, open_register
from lif_core.disclosure import Rule
from lif_core.document import Count, Document, Provenance, Section, Table
from lif_core.testing import make_plugins

from .conftest import CROYDON

MakeBoard = Callable[..., Path]

#: A board whose rule is stricter than DfE's: counts of 1 to 9 from children's records hidden.
STRICT = "[settings]\ndisclosure_smallest = 10\n"

seen: list[Document] = []


class Spy(Renderer):
    """A renderer that keeps what it is given."""

    name = "spy"
    suffix = ".spy"

    def render(self, document: Document, options: Any = None) -> bytes:
        seen.append(document)
        return b"spied\n"


def _document() -> Document:
    rows = (("a", Count(7)), ("b", Count(4)), ("total", Count(1234)), ("panels held", Count(3, Provenance.BOARD)))
    return Document(kind="counts", title="Children seen", sections=(Section("Seen", (Table(("Group", "N"), rows),)),))


class CountsPlugin:
    """A third-party plugin as the docs say to write one: its argument is not called board."""

    def __init__(self, rule: Rule | None = None) -> None:
        self.rule = rule

    @hookimpl
    def register_renderers(self, register: Callable[[Renderer], None]) -> None:
        register(Spy())

    @hookimpl
    def register_commands(self, cli: click.Group) -> None:
        rule = self.rule

        @cli.command()
        @click.argument("folder", type=click.Path(path_type=Path))
        @document_options(as_of=True)
        def counts(folder: Path, fmt: str | None, output: Path | None, as_of: Any) -> None:
            """Children seen."""
            loaded = open_board(folder, current_plugins())
            emit(_document(), board=loaded, fmt=fmt, output=output, rule=rule)


def _run(*args: str, rule: Rule | None = None) -> Result:
    host = Plugins.create()
    host.register(CountsPlugin(rule), name="counts-plugin", kind="entry-point")
    return CliRunner().invoke(make_cli(host), ["counts", *args])


def test_the_board_rule_is_applied_before_any_renderer(make_board: MakeBoard) -> None:
    board = make_board(STRICT)
    seen.clear()
    result = _run(str(board), "-f", "spy")
    assert result.exit_code == 0, result.output
    (document,) = seen
    assert document.rule == Rule(smallest=10)
    cells = [cell for _depth, s in document.walk() for b in s.blocks for row in b.rows for cell in row]  # type: ignore[union-attr]
    assert not any(isinstance(c, Count) and c.provenance is not Provenance.BOARD and c.value < 10 for c in cells)


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html", "csv-tidy"])
def test_every_format_hides_counts_the_board_rule_hides(make_board: MakeBoard, fmt: str) -> None:
    board = make_board(STRICT)
    result = _run(str(board), "-f", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1234" in out or "1,234" in out
    if fmt == "json":
        rows = json.loads(out)["sections"][0]["blocks"][0]["rows"]
        assert [r[1] for r in rows][:2] == [{"type": "suppressed", "value": None, "text": "c"}] * 2
        assert rows[3][1] == 3  # the board's own work: shown as it is
    if fmt in ("markdown", "text"):
        assert "| 7 " not in out and " 7\n" not in out and "| 4 " not in out


def test_the_default_rule_alone_would_publish_them(make_board: MakeBoard) -> None:
    """The check above can fail: under DfE's rule (the board's default) the 7 is published."""
    board = make_board()
    result = _run(str(board), "-f", "json")
    rows = json.loads(result.stdout)["sections"][0]["blocks"][0]["rows"]
    assert rows[0][1] == 7 and rows[1][1]["text"] == "c"


def test_a_stricter_rule_is_used_and_a_looser_one_refused(make_board: MakeBoard) -> None:
    board = make_board(STRICT)
    stricter = _run(str(board), "-f", "json", rule=Rule(smallest=20))
    rows = json.loads(stricter.stdout)["sections"][0]["blocks"][0]["rows"]
    assert rows[2][1] == 1234 and rows[0][1]["text"] == "c"
    looser = _run(str(board), "-f", "json", rule=Rule(smallest=6))
    assert looser.exit_code == 1 and looser.stdout == ""
    assert looser.stderr == (
        'Error: plugin "counts-plugin" in hook "register_commands (command \'counts\')": ValueError: '
        "emit(rule=...): smallest 6 is looser than the board's own rule (smallest 10): pass a stricter rule, "
        "or none\n"
    )


def test_output_never_overwrites_the_boards_files(make_board: MakeBoard, tmp_path: Path) -> None:
    board = make_board(STRICT)
    before = (board / "board.toml").read_bytes()
    refused = _run(str(board), "-f", "json", "-o", str(board / "board.toml"))
    assert refused.exit_code == 1 and "refused: that is the board's board.toml" in refused.stderr
    assert (board / "board.toml").read_bytes() == before
    written = _run(str(board), "-o", str(tmp_path / "seen.json"))  # the format from the ending
    assert written.exit_code == 0, written.output
    assert json.loads((tmp_path / "seen.json").read_text())["kind"] == "counts"


def test_the_options_are_those_of_lifs_own_commands(make_board: MakeBoard) -> None:
    help_text = _run("--help").stdout
    for option in ("-f, --format NAME", "-o, --output FILE", "--as-of [%Y-%m-%d]"):
        assert option in help_text
    bad_day = _run(str(make_board()), "--as-of", "2019-02-30")
    assert bad_day.exit_code == 2


def test_format_for_reads_the_ending(plugins: Plugins) -> None:
    assert format_for(plugins, None) == "text"
    assert format_for(plugins, Path("r.html")) == "html"
    assert format_for(plugins, Path("r.MD")) == "markdown"
    assert format_for(plugins, Path("r.unknown")) == "text"


def test_current_plugins_outside_a_command_says_so() -> None:
    with pytest.raises(RuntimeError, match="inside a running lif command"):
        current_plugins()


def test_the_module_says_what_is_public() -> None:
    assert sorted(lif_core.commands.__all__) == [
        "as_of_day",
        "as_of_option",
        "current_plugins",
        "document_options",
        "emit",
        "format_for",
        "open_register",
    ]
    for name in lif_core.commands.__all__:
        assert getattr(lif_core.commands, name).__doc__, name


# --------------------------------------------------------------------------- open_register


class _ClosingFails(StoreBackend):
    """SQLite, through a plugin whose register fails as it is closed."""

    name = "closing-fails"
    title = "a store whose close raises"
    filename = "register.sqlite"

    def open(self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True) -> Any:
        register = Register.open(root / self.filename, known_ids, who, create=create)
        register.close = _fail  # type: ignore[method-assign]
        return register

    def open_read_only(self, root: Path) -> Any:
        return Register.open_read_only(root / self.filename)


def _fail() -> None:
    raise RuntimeError("the connection was lost while closing")


class _ClosingFailsPlugin:
    @hookimpl
    def register_stores(self, register: Callable[[StoreBackend], None]) -> None:
        register(_ClosingFails())


def _croydon(tmp_path: Path, store: str | None = None) -> Path:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif", "accounts*"))
    if store is not None:
        toml = (board / "board.toml").read_text(encoding="utf-8")
        (board / "board.toml").write_text(toml.replace("\n[settings]\n", f'\n[settings]\nstore = "{store}"\n', 1))
    return board


@pytest.mark.parametrize("write", [True, False])
def test_the_blocks_own_exception_comes_out_as_it_is(tmp_path: Path, write: bool) -> None:
    """An exception raised by the caller inside ``open_register``'s block is the caller's: it
    is not blamed on the store's plugin (it used to come out as a PluginError naming lif-core's
    builtin store, "a bug in lif-core")."""
    board = _croydon(tmp_path)
    plugins = make_plugins()
    with open_register(board, plugins, who="setup", create=True) as register:
        register.import_records([("actions", {"id": "a-1", "text": "Pilot", "owner": "qapp"})])

    class Refused(Exception):
        pass

    with pytest.raises(Refused) as raised, open_register(board, plugins, who="ada", write=write) as register:
        assert register.get("a-1")[1]["text"] == "Pilot"
        raise Refused("not this person's action")
    assert type(raised.value) is Refused
    with open_register(board, plugins, write=False) as register:  # closed, nothing left locked
        assert register.version("a-1") == 1


def test_a_store_being_created_is_discarded_when_the_block_fails(tmp_path: Path) -> None:
    board = _croydon(tmp_path)
    with pytest.raises(KeyError), open_register(board, make_plugins(), who="setup", create=True) as register:
        register.import_records([("actions", {"id": "a-1", "text": "Pilot", "owner": "qapp"})])
        raise KeyError("half-way")
    assert not list(board.glob("register.sqlite*"))


def test_a_store_failing_as_it_closes_is_named(tmp_path: Path) -> None:
    board = _croydon(tmp_path, store="closing-fails")
    plugins = make_plugins(_ClosingFailsPlugin())
    with pytest.raises(PluginError) as raised, open_register(board, plugins, who="setup", create=True) as register:
        register.import_records([("actions", {"id": "a-1", "text": "Pilot", "owner": "qapp"})])
    assert raised.value.plugin == "_ClosingFailsPlugin"
    assert "RuntimeError: the connection was lost while closing" in str(raised.value)
