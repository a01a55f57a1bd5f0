"""Every hook in the hook reference (docs/hooks.md) has an example, and each example is a whole
plugin module that works: it is taken from the page, run as a module, registered with a real
plugin host, and what it registers is used."""

from __future__ import annotations

import datetime as dt
import re
import types
import warnings
from pathlib import Path
from typing import Any

import attrs
import click
import pytest
from click.testing import CliRunner

from lif_core import (
    Chart,
    Document,
    LifDeprecationWarning,
    LifError,
    Plugins,
    Section,
    Table,
    hookimpl,
    open_board,
)
from lif_core._docgen import hook_names, hooks_page
from lif_core.hookspecs import deprecated_arguments, deprecated_hookspec

from .conftest import ROOT

HOOKS_MD = ROOT / "docs" / "hooks.md"
RIVERSIDE = ROOT / "docs" / "examples" / "riverside"


def examples(page: str) -> dict[str, str]:
    """Each hook's example on the page: the fenced Python after its ``Example:`` line."""
    found = {}
    for part in re.split(r"^## ", page, flags=re.MULTILINE)[1:]:
        name = part.split("`")[1]
        m = re.search(r"^Example:\n\n```python\n(.*?)\n```$", part, flags=re.MULTILINE | re.DOTALL)
        if m:
            found[name] = m.group(1)
    return found


EXAMPLES = examples(hooks_page())


def load(hook: str) -> tuple[Plugins, types.ModuleType]:
    """The hook's example run as a module and registered with a fresh host."""
    module = types.ModuleType(f"example_{hook}")
    module.__file__ = f"docs/hooks.md ({hook})"
    exec(compile(EXAMPLES[hook], module.__file__, "exec"), module.__dict__)
    host = Plugins.create()  # with the installed plugins: the examples' boards use lif-england
    host.register(module, name=f"example-{hook}")
    return host, module


def test_every_hook_has_an_example_on_the_page() -> None:
    assert sorted(EXAMPLES) == hook_names()


def test_examples_import_only_from_lif_core_itself() -> None:
    for hook, code in EXAMPLES.items():
        private = re.findall(r"^\s*(?:from|import) (lif_core\.\w+)", code, flags=re.MULTILINE)
        assert not private, f"{hook}'s example imports {private}: use the names lif_core exports"


def test_statutory_framework_example() -> None:
    host, _ = load("register_statutory_frameworks")
    framework = host.statutory_frameworks.get("island-2024")
    assert framework.stages_of("learning-review") == ("referral", "decision", "analysis", "report", "closed")
    assert host.statutory_frameworks.plugin_of("island-2024") == "example-register_statutory_frameworks"


def test_methodology_example_gates_its_rule_by_stage() -> None:
    host, _ = load("register_methodologies")
    huddle = host.methodologies.get("huddle")
    loaded = open_board(RIVERSIDE, host)
    review = attrs.evolve(loaded.board.reviews[0], stage_log=(), artefacts=())
    early = attrs.evolve(review, stage="analysis")
    late = attrs.evolve(review, stage="publication")
    assert list(huddle.check(early, loaded)) == []
    assert [p.message for p in huddle.check(late, loaded)] == ["no huddle-notes artefact"]


def test_data_source_example_reads_and_refuses(tmp_path: Path) -> None:
    host, _ = load("register_data_sources")
    adapter = host.data_sources.get("contacts-jsonl")
    path = tmp_path / "contacts.jsonl"
    path.write_text('{"month": "2024-04", "contacts": 812}\n{"month": "2024-05", "contacts": 790}\n')
    assert [(r.location, r.fields["contacts"]) for r in adapter.read(path, {})] == [("line 1", 812), ("line 2", 790)]
    path.write_text('{"month": "2024-04"}\n[1, 2]\n')
    with pytest.raises(LifError, match="line 2: not a JSON object"):
        list(adapter.read(path, {}))


def test_indicator_example_counts_by_period() -> None:
    host, _ = load("register_indicators")
    indicator = host.indicators.get("contacts")
    acc = indicator.accumulator("month")
    acc.add_rows([(dt.date(2024, 4, 2),), (dt.date(2024, 4, 30),), (dt.date(2024, 5, 1),), (None,)])
    result = acc.result()
    assert [(r.period, r.numerator) for r in result.rows] == [("2024-04", 2), ("2024-05", 1)]
    assert result.unit == "count"


def test_renderer_example_draws_tables_and_charts() -> None:
    host, _ = load("register_renderers")
    renderer = host.renderers.get("tsv")
    document = Document(
        "test",
        "Test",
        sections=(
            Section(
                "Figures",
                (
                    Table(("Period", "Children"), (("2024-25", 12), ("2025-26", "c"))),
                    Chart("Trend", (("2024-25", 12.5), ("2025-26", None))),
                ),
            ),
        ),
    )
    assert renderer.render(document).decode() == (
        "Period\tChildren\n2024-25\t12\n2025-26\tc\n2024-25\t12.5\n2025-26\tc\n"
    )


def test_report_section_example_builds_its_table() -> None:
    host, _ = load("register_report_sections")
    section = host.report_sections.get("audit-totals")
    loaded = open_board(RIVERSIDE, host)
    context: Any = types.SimpleNamespace(board=loaded.board, year=lambda: (dt.date(2000, 1, 1), dt.date(2099, 12, 31)))
    built = section.build(context)
    (table,) = built.blocks
    assert isinstance(table, Table)
    assert table.rows[0][0] == len(loaded.board.audits)
    assert table.rows[0][1].value == sum(a.cases for a in loaded.board.audits)


def test_inspection_framework_example() -> None:
    host, _ = load("register_inspection_frameworks")
    framework = host.inspection_frameworks.get("peer-review-2024")
    area = framework.area("voice")
    assert area is not None and area.title == "The voice of the child"


def test_check_example_finds_a_missing_scrutineer() -> None:
    host, _ = load("register_checks")
    check = host.checks.get("scrutineer-named")
    loaded = open_board(RIVERSIDE, host)
    assert list(check.run(loaded, host)) == []
    without = attrs.evolve(loaded, board=attrs.evolve(loaded.board, people=()))
    assert [str(p) for p in check.run(without, host)] == [
        "warning: board.toml: people: no independent scrutineer is recorded"
    ]


def test_store_example_keeps_a_register(tmp_path: Path) -> None:
    host, _ = load("register_stores")
    store = host.stores.get("shared-drive")
    register = store.open(tmp_path, {})
    register.close()
    assert (tmp_path / "register-shared.sqlite").is_file()


def test_command_example_adds_a_command() -> None:
    host, _ = load("register_commands")
    cli = click.Group("lif")
    host.add_commands(cli)
    result = CliRunner().invoke(cli, ["hello", "Ada"])
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, Ada\n"


# --------------------------------------------------------------------------- deprecations


def _deprecated_specs() -> types.ModuleType:
    """A test-only hook module: one hook deprecated whole, one with a deprecated argument."""
    specs = types.ModuleType("deprecated_specs")

    @deprecated_hookspec(since="0.2", removal="0.4", instead="implement register_checks")
    def register_rules(register: Any) -> None:
        """Register rules (the old name of checks)."""

    @deprecated_arguments(since="0.2", removal="0.4", board="use loaded, which has the framework too")
    def register_widgets(register: Any, board: Any, loaded: Any) -> None:
        """Register widgets."""

    specs.register_rules = register_rules  # type: ignore[attr-defined]
    specs.register_widgets = register_widgets  # type: ignore[attr-defined]
    return specs


def test_a_deprecated_hook_still_works_and_warns_naming_what_to_do() -> None:
    host = Plugins.create(builtins=False, entry_points=False)
    host.pm.add_hookspecs(_deprecated_specs())
    plugin = types.ModuleType("old_plugin")
    called = []

    @hookimpl
    def register_rules(register: Any) -> None:
        called.append(register)

    plugin.register_rules = register_rules  # type: ignore[attr-defined]
    with pytest.warns(LifDeprecationWarning) as caught:
        host.register(plugin, name="old-plugin")
    assert str(caught[0].message) == (
        "the hook register_rules is deprecated since lif-core 0.2 and will be removed in 0.4: implement register_checks"
    )
    assert caught[0].filename == __file__  # points at the plugin's function
    host.pm.hook.register_rules(register="x")
    assert called == ["x"]


def test_a_deprecated_argument_warns_only_plugins_that_take_it() -> None:
    host = Plugins.create(builtins=False, entry_points=False)
    host.pm.add_hookspecs(_deprecated_specs())
    old, new = types.ModuleType("old"), types.ModuleType("new")

    @hookimpl
    def register_widgets(register: Any, board: Any) -> None:
        register(board)

    @hookimpl(specname="register_widgets")
    def widgets(register: Any, loaded: Any) -> None:
        register(loaded)

    old.register_widgets = register_widgets  # type: ignore[attr-defined]
    new.register_widgets = widgets  # type: ignore[attr-defined]
    with pytest.warns(LifDeprecationWarning, match="the argument 'board' of the hook register_widgets"):
        host.register(old, name="old")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        host.register(new, name="new")
    got: list[Any] = []
    host.pm.hook.register_widgets(register=got.append, board="b", loaded="l")
    assert sorted(got) == ["b", "l"]


def test_no_real_hook_is_deprecated_unless_the_docs_say_so() -> None:
    page = hooks_page()
    from lif_core import hookspecs

    for name in hook_names():
        spec = getattr(hookspecs, name).lif_spec
        if spec.get("warn_on_impl"):
            assert f"**Deprecated:** {spec['warn_on_impl']}" in page
