"""lif_core.testing: the plugin host, the runner, the board factory, isolation and
assert_protected, each shown to fail where it should."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import types
from collections.abc import Callable, Sequence
from pathlib import Path

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lif_core import Document, PluginError, Plugins, hookimpl
from lif_core.data import key_weakness
from lif_core.disclosure import Rule, protect
from lif_core.document import Chart, Count, Figure, Paragraph, Section, Share, Table
from lif_core.testing import (
    ISOLATED_VARIABLES,
    BoardFactory,
    LifResult,
    LifRunner,
    TestBoard,
    assert_protected,
    axe_report,
    axe_violations,
    chromium_browser,
    chromium_executable,
    environment,
    isolated_environment,
    make_plugins,
    needs_chromium,
    new_key,
    toml_value,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _plugin_module(name: str = "acme_test_plugin") -> types.ModuleType:
    module = types.ModuleType(name)

    @hookimpl
    def register_commands(cli: click.Group) -> None:
        @cli.command("acme-boom")
        def boom() -> None:
            """Fails as a bug would."""
            raise ZeroDivisionError("the plugin's bug")

        @cli.command("acme-hello")
        @click.argument("who")
        def hello(who: str) -> None:
            click.echo(f"hello {who}")
            click.echo("to stderr", err=True)

    module.register_commands = register_commands  # type: ignore[attr-defined]
    return module


# --------------------------------------------------------------------------- isolation


def test_new_keys_are_fresh_and_strong() -> None:
    keys = {new_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(key_weakness(k) is None for k in keys)


def test_environment_isolates_key_cache_and_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_DISABLE_PLUGINS", "england")
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "the-users-own-key-0123456789abcdef")
    monkeypatch.setenv("LIF_CACHE_DIR", "/home/someone/.cache/lif")
    values = environment(tmp_path)
    assert set(values) == set(ISOLATED_VARIABLES)
    assert values["LIF_PSEUDONYM_KEY"] != "the-users-own-key-0123456789abcdef"
    assert Path(str(values["LIF_CACHE_DIR"])).is_relative_to(tmp_path)
    assert values["LIF_DISABLE_PLUGINS"] is None and values["LIF_USER"] == "test"
    with isolated_environment(tmp_path, key="k" * 64) as inside:
        assert os.environ["LIF_PSEUDONYM_KEY"] == "k" * 64 == inside["LIF_PSEUDONYM_KEY"]
        assert "LIF_DISABLE_PLUGINS" not in os.environ
        assert os.environ["LIF_CACHE_DIR"].startswith(str(tmp_path))
    assert os.environ["LIF_DISABLE_PLUGINS"] == "england"  # put back
    assert os.environ["LIF_PSEUDONYM_KEY"] == "the-users-own-key-0123456789abcdef"


def test_a_board_command_caches_in_the_tests_folder_only(tmp_path: Path) -> None:
    """The environment is passed on to a real ``lif`` process (a fresh one: this process may
    have every calendar it needs in memory already): its holiday cache goes to the test's folder."""
    env = environment(tmp_path / "env")
    board = BoardFactory(tmp_path / "boards", LifRunner(make_plugins(), env=env))()
    variables = {k: v for k, v in os.environ.items() if k not in env}
    variables.update({k: v for k, v in env.items() if v is not None})
    done = subprocess.run(
        [sys.executable, "-c", "from lif_core.cli import main; main()", "validate", str(board.path)],
        env=variables,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cache = Path(str(env["LIF_CACHE_DIR"]))
    assert cache.is_relative_to(tmp_path / "env")
    assert "holidays" in {p.name.split("-")[0] for p in cache.iterdir()}


# --------------------------------------------------------------------------- the host


def test_make_plugins_ignores_the_users_disabled_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_DISABLE_PLUGINS", "england")
    assert "england-wt2023" not in Plugins.create().statutory_frameworks
    assert "england-wt2023" in make_plugins().statutory_frameworks
    assert "england-wt2023" not in make_plugins(disabled=["england"]).statutory_frameworks


def test_make_plugins_registers_extra_plugins_once() -> None:
    module = _plugin_module()
    host = make_plugins(module, module)
    assert host.pm.get_plugin("acme_test_plugin") is module
    assert [i.kind for i in host.info() if i.name == "acme_test_plugin"] == ["test"]
    assert make_plugins(local_plugins=False).local_plugins is False
    bare = make_plugins(builtins=False, entry_points=False)
    assert len(bare.renderers) == 0


def test_make_plugins_names_a_broken_plugin() -> None:
    class Broken:
        @hookimpl
        def register_chekcs(self) -> None:  # misspelt on purpose
            pass

    with pytest.raises(PluginError, match=r"Broken.*register_checks"):
        make_plugins(Broken())


# --------------------------------------------------------------------------- the runner


def test_the_runner_gives_exit_code_and_both_streams(tmp_path: Path) -> None:
    runner = LifRunner(make_plugins(_plugin_module()))
    result = runner("acme-hello", "you")
    assert (result.exit_code, result.stdout, result.stderr, result.ok) == (0, "hello you\n", "to stderr\n", True)
    assert result.assert_ok() is result
    assert result.args == ("acme-hello", "you")


def test_the_runner_reports_lifs_errors_as_lif_prints_them(tmp_path: Path) -> None:
    runner = LifRunner()
    result = runner("validate", tmp_path / "missing")
    assert result.exit_code == 1 and not result.ok
    assert result.stderr.startswith("Error: ") and "no such board folder" in result.error
    assert result.exception is None
    result.assert_error("no such board folder", exit_code=1)
    with pytest.raises(
        AssertionError, match=r"lif failed:\n\$ lif validate .*missing\nexit code 1\n--- stderr\nError: "
    ):
        result.assert_ok()
    with pytest.raises(AssertionError, match="expected an error containing 'other'"):
        result.assert_error("other")
    with pytest.raises(AssertionError, match="expected exit code 2"):
        result.assert_error(exit_code=2)
    usage = runner("validate", "--no-such-option")
    usage.assert_error("No such option", exit_code=2)


def test_an_exception_escaping_a_command_is_kept_with_its_traceback() -> None:
    result = LifRunner(make_plugins(_plugin_module()))("acme-boom")
    assert result.exit_code != 0
    with pytest.raises(AssertionError) as info:
        result.assert_ok()
    message = str(info.value)
    if result.exception is not None:  # the host let it escape: the real lif would print a traceback
        assert isinstance(result.exception, ZeroDivisionError)
        assert "Traceback" in message and "the plugin's bug" in message
        with pytest.raises(AssertionError, match="expected a clean error, not a traceback"):
            result.assert_error()
    else:  # the host turned it into one line naming the plugin and hook
        assert "acme_test_plugin" in result.error and "the plugin's bug" in result.error


def test_the_result_reads_json() -> None:
    result = LifRunner()("plugins", "--json")
    names = {p["name"] for p in result.assert_ok().json()}
    assert "lif_core.builtins.scaffold" in names


def test_a_result_without_an_error_line_has_no_error() -> None:
    assert LifResult(("x",), 0, "out", "").error == ""


# --------------------------------------------------------------------------- boards


@pytest.fixture
def runner(tmp_path: Path) -> LifRunner:
    return LifRunner(make_plugins(), env=environment(tmp_path / "env"))


def test_the_factory_makes_valid_boards_with_lif_init(tmp_path: Path, runner: LifRunner) -> None:
    factory = BoardFactory(tmp_path, runner)
    first, second = factory(), factory("wales-2014-act", area="Testshire", name="Testshire Board")
    assert isinstance(first, TestBoard) and first.path != second.path
    assert (first.path / "board.toml").is_file() and os.fspath(first) == str(first.path)
    assert first.validate().ok and second.validate().ok
    assert first.load().board.board.statutory_framework == "england-wt2023"
    loaded = second.load()
    assert loaded.board.board.statutory_framework == "wales-2014-act"
    assert loaded.board.board.name == "Testshire Board"
    with pytest.raises(AssertionError, match="no statutory framework 'nowhere-2099'"):
        factory("nowhere-2099")


def test_records_go_in_through_lif_add(tmp_path: Path, runner: LifRunner) -> None:
    board = BoardFactory(tmp_path, runner)(folder="mine")
    assert board.path == tmp_path / "mine"
    board.add(
        "reviews",
        id="rr-1",
        title='A "quoted" title, with = and #',
        kind="rapid-review",
        agencies=["police"],
        stage_log=[{"stage": "referral", "date": dt.date(2025, 1, 6)}],
        note="opened",
    )
    board.update("rr-1", title="2025-01-06")  # text that looks like a date stays text
    (review,) = board.load().board.reviews
    assert review.title == "2025-01-06" and review.agencies == ("police",)
    assert review.stage_log[0].date == dt.date(2025, 1, 6)
    assert (board.path / "register.sqlite").is_file()
    history = board.lif("history", "rr-1").assert_ok().stdout
    assert "opened" in history and "test" in history  # LIF_USER of the test's environment
    with pytest.raises(AssertionError, match=r"(?s)refused, nothing changed:.*no partner with id 'nobody'"):
        board.add("reviews", id="rr-2", title="T", kind="rapid-review", agencies=["nobody"])
    assert [r.id for r in board.load().board.reviews] == ["rr-1"]


values = st.recursive(
    st.none().map(lambda _: "")
    | st.text()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.booleans()
    | st.dates(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(values)
def test_toml_value_reads_back_as_given(value: object) -> None:
    assert tomllib.loads(f"v = {toml_value(value)}")["v"] == value


def test_toml_value_refuses_what_a_board_cannot_hold() -> None:
    for bad, message in (
        (float("nan"), "not a number"),
        (dt.datetime(2025, 1, 1, 9), "no time of day"),
        (object(), "cannot be written"),
        ({"a": [1, float("inf")]}, r"value\.a\[1\]"),
    ):
        with pytest.raises(ValueError, match=message):
            toml_value(bad)


# --------------------------------------------------------------------------- assert_protected


def _document(*rows: tuple[str, object], rule: Rule | None = None) -> Document:
    table = Table(("Group", "Children"), tuple(rows), caption="Children seen")  # type: ignore[arg-type]
    return Document(kind="t", title="T", sections=(Section("Outer", sections=(Section("Seen", (table,)),)),), rule=rule)


def test_an_unprotected_document_fails_naming_the_cell() -> None:
    raw = _document(("Seen", Count(3)), ("Not seen", Count(40)))
    with pytest.raises(AssertionError) as info:
        assert_protected(raw)
    assert str(info.value).startswith(
        "section 'Outer' > section 'Seen', table 'Children seen', row 1 ('Seen'), column 'Children': "
        "an unprotected count (3) is published"
    )
    assert_protected(protect(raw))


def test_a_share_left_unprotected_fails() -> None:
    raw = _document(("Seen", Share(3, 40)))
    with pytest.raises(AssertionError, match=r"column 'Children': an unprotected share \(3/40\)"):
        assert_protected(raw)


def test_plain_numbers_in_a_document_never_protected_fail() -> None:
    with pytest.raises(
        AssertionError, match=r"row 1 \('Seen'\), column 'Children': a figure is published from a document"
    ):
        assert_protected(_document(("Seen", 3)))
    with pytest.raises(AssertionError, match="a figure is published"):
        assert_protected(_document(("Seen", Figure(12.5, "12.5%", "%"))))
    reference = Document(kind="ref", title="R", sections=(Section("S", (Paragraph("no figures"),)),))
    assert_protected(reference)  # nothing to protect


def test_a_document_protected_under_a_looser_rule_than_the_boards_fails() -> None:
    strict = Rule(smallest=10)
    published = protect(_document(("Seen", Count(7)), ("Not seen", Count(40))))  # DfE's rule: 7 shown
    assert_protected(published)
    with pytest.raises(
        AssertionError, match=r"row 1 \('Seen'\), column 'Children': shows 7, which the board's rule hides"
    ):
        assert_protected(published, strict)
    assert_protected(protect(_document(("Seen", Count(7)), ("Not seen", Count(40))), strict), strict)
    nothing_small = protect(_document(("Seen", Count(70))))
    with pytest.raises(AssertionError, match="protected under a looser rule than the board's"):
        assert_protected(nothing_small, strict)


def test_the_boards_own_rule_is_used(tmp_path: Path, runner: LifRunner) -> None:
    board = BoardFactory(tmp_path, runner)()
    with open(board.path / "board.toml", "a", encoding="utf-8") as handle:
        handle.write("\n[settings]\ndisclosure_smallest = 10\n")
    loaded = board.load()
    published = protect(_document(("Seen", Count(7)), ("Not seen", Count(40))))
    with pytest.raises(AssertionError, match="shows 7"):
        assert_protected(published, board=loaded)


def test_a_chart_showing_a_hidden_point_fails() -> None:
    chart = Chart("Seen", (("2024", 3.0), ("2025", 50.0)), labels=(("2024", "c"),))
    document = Document(kind="t", title="T", sections=(Section("S", (chart,)),), rule=Rule())
    with pytest.raises(AssertionError, match=r"section 'S', chart 'Seen', point '2024': labelled hidden"):
        assert_protected(document)
    with pytest.raises(AssertionError, match="chart 'Seen': a figure is published"):
        assert_protected(attrs_evolve_rule(document, None))
    assert_protected(protect(attrs_evolve_rule(document, None)))


def attrs_evolve_rule(document: Document, rule: Rule | None) -> Document:
    import attrs

    return attrs.evolve(document, rule=rule)


def test_the_register_is_imported_once_whatever_its_store(tmp_path: Path) -> None:
    from collections.abc import Mapping

    from lif_core import Register, StoreBackend

    class OtherStore(StoreBackend):
        name, title, filename = "other", "Another file", "other.sqlite"

        def open(
            self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True
        ) -> Register:
            return Register.open(root / self.filename, known_ids, who, create=create)

    class Stores:
        @hookimpl
        def register_stores(self, register: Callable[[StoreBackend], None]) -> None:
            register(OtherStore())

    commands: list[str] = []

    class Recording(LifRunner):
        def invoke(self, args: Sequence[str], *, input: str | None = None) -> LifResult:
            commands.append(args[0])
            return super().invoke(args, input=input)

    board = BoardFactory(tmp_path, Recording(make_plugins(Stores()), env=environment(tmp_path / "env")))()
    with open(board.path / "board.toml", "a", encoding="utf-8") as handle:
        handle.write('\n[settings]\nstore = "other"\n')
    for n in (1, 2):
        board.add("reviews", id=f"rr-{n}", title=f"Review {n}", kind="rapid-review")
    board.update("rr-1", title="Review one")
    assert commands == ["init", "import", "add", "add", "update"]
    assert (board.path / "other.sqlite").is_file() and not (board.path / "register.sqlite").exists()
    assert [r.title for r in board.load().board.reviews] == ["Review one", "Review 2"]


# --------------------------------------------------------------------------- a real browser


def _path_with(tmp_path: Path, *names: str) -> str:
    """A PATH of one folder holding an executable file of each of ``names``."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    for name in names:
        program = folder / name
        program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        program.chmod(0o755)
    return str(folder)


def test_chromium_is_found_by_debians_name_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path, "chromium-browser"))
    assert chromium_executable() == str(tmp_path / "bin" / "chromium-browser")
    monkeypatch.setenv("PATH", _path_with(tmp_path, "chromium"))
    assert chromium_executable() == str(tmp_path / "bin" / "chromium")


def test_no_chromium_is_said_with_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"Chromium is not installed.*apt-get install chromium"):
        chromium_executable()
    with pytest.raises(FileNotFoundError, match="Chromium is not installed"), chromium_browser():
        pass


@pytest.mark.parametrize("ci", [None, "", "0", "false", "no"])
def test_without_chromium_a_browser_test_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str | None
) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        needs_chromium()


@pytest.mark.parametrize("ci", ["true", "1", "yes", "True"])
def test_without_chromium_a_ci_run_fails_rather_than_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="fails rather than skip"):
        needs_chromium()


def test_with_chromium_needs_chromium_gives_its_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", _path_with(tmp_path, "chromium"))
    monkeypatch.setenv("CI", "true")
    assert needs_chromium() == str(tmp_path / "bin" / "chromium")


def test_chromium_browser_launches_the_system_chromium_and_closes_it() -> None:
    with chromium_browser(needs_chromium()) as browser:
        assert browser.is_connected()
        context = browser.new_context()
        page = context.new_page()
        page.set_content("<!DOCTYPE html><title>t</title><p>from the system's chromium</p>")
        assert page.locator("p").inner_text() == "from the system's chromium"
        context.close()
    assert not browser.is_connected()


def test_axe_finds_what_is_wrong_and_reports_it_readably(tmp_path: Path) -> None:
    """axe-core is really running: a page with known faults breaks its rules, named with the
    elements at fault; a page without them passes."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><head><title>x</title></head><body><img src="data:,"></body></html>')
    good = tmp_path / "good.html"
    good.write_text(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main><h1>Fine</h1></main></body></html>'
    )
    with chromium_browser(needs_chromium()) as browser:
        context = browser.new_context(bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(bad.as_uri())
            violations = axe_violations(page)
            page.goto(good.as_uri())
            assert axe_violations(page) == []
        finally:
            context.close()
    ids = {v["id"] for v in violations}
    assert {"image-alt", "html-has-lang"} <= ids, sorted(ids)
    report = axe_report(violations, indent="  ")
    assert all(line.startswith("  ") for line in report.splitlines())
    assert "  image-alt (critical): " in report and "    ['img']: " in report
    assert len(axe_report([{**violations[0], "nodes": violations[0]["nodes"] * 9}], nodes=2).splitlines()) == 3
