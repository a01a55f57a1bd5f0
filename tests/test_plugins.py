"""The plugin host: builtins, entry-point discovery, local plugins, strictness and blame."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from lif_core import (
    Check,
    LoadedBoard,
    Methodology,
    PluginError,
    Plugins,
    Problem,
    Renderer,
    RenderOptions,
    hookimpl,
    validate_board,
)
from lif_core.document import Document
from lif_core.model import CaseReview
from lif_core.plugins import BUILTIN_PLUGINS

MakeBoard = Callable[..., Path]


class BrokenRenderer(Renderer):
    name = "broken"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        raise ZeroDivisionError("division by zero in render")


def test_builtins_are_registered_like_plugins(plugins: Plugins) -> None:
    infos = {p.name: p for p in plugins.info()}
    for name in BUILTIN_PLUGINS:
        assert infos[name].kind == "builtin"
        assert infos[name].distribution == "lif-core"
    assert infos["lif_core.builtins.renderers"].hooks == ("register_renderers",)
    assert {"text", "markdown", "json"} <= set(plugins.renderers.names())
    assert {"csv", "json", "xlsx", "sqlite"} <= set(plugins.data_sources.names())
    assert plugins.data_sources.plugin_of("xlsx") == "lif_core.builtins.sources"
    assert plugins.data_sources.plugin_of("cin-census") == "dfe"
    assert plugins.renderers.plugin_of("json") == "lif_core.builtins.renderers"


def test_the_plugins_distribution_is_found_through_its_entry_point(plugins: Plugins) -> None:
    eps = [ep for ep in importlib.metadata.entry_points(group="lif") if ep.name == "ofsted"]
    assert eps and eps[0].value == "lif_ofsted.plugin", "install plugins/lif-ofsted (pip install -e plugins/lif-ofsted)"
    info = {p.name: p for p in plugins.info()}["ofsted"]
    assert info.kind == "entry-point"
    assert info.distribution == "lif-ofsted"
    assert info.version == importlib.metadata.version("lif-ofsted")
    assert info.hooks == ("register_commands", "register_inspection_frameworks")
    assert "ofsted-sif-lscb-review" in plugins.inspection_frameworks
    assert plugins.inspection_frameworks.plugin_of("ofsted-ilacs-2023") == "ofsted"


def test_entry_points_can_be_left_out_and_plugins_disabled() -> None:
    assert "ofsted" not in {p.name for p in Plugins.create(entry_points=False).info()}
    host = Plugins.create(disabled=["ofsted", "docx", "pdf", "lif_core.builtins.renderers"])
    names = {p.name for p in host.info()}
    assert "ofsted" not in names and "lif_core.builtins.renderers" not in names
    assert len(host.renderers) == 0


def test_disable_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_DISABLE_PLUGINS", "ofsted, lif_core.builtins.checks")
    names = {p.name for p in Plugins.create().info()}
    assert "ofsted" not in names and "lif_core.builtins.checks" not in names


def test_a_misspelt_hook_fails_loudly(plugins: Plugins) -> None:
    class Misspelt:
        @hookimpl
        def register_renderer(self, register: Callable[[Renderer], None]) -> None:
            """One 's' short."""

    with pytest.raises(PluginError) as info:
        plugins.register(Misspelt(), name="misspelt")
    message = str(info.value)
    assert message.startswith('plugin "misspelt" in hook "register_renderer": implements unknown hook')
    assert "did you mean 'register_renderers'?" in message
    assert not plugins.pm.has_plugin("misspelt")


def test_a_wrong_hook_argument_fails_loudly(plugins: Plugins) -> None:
    class WrongArgs:
        @hookimpl
        def register_renderers(self, register: object, extra: object) -> None:
            """Asks for an argument the hook does not give."""

    with pytest.raises(PluginError, match='plugin "wrong" in hook "register_renderers"'):
        plugins.register(WrongArgs(), name="wrong")


def test_an_exception_in_a_hook_names_plugin_and_hook(plugins: Plugins) -> None:
    class Raises:
        @hookimpl
        def register_methodologies(self, register: Callable[[Methodology], None]) -> None:
            raise KeyError("oops")

    plugins.register(Raises(), name="raiser")
    with pytest.raises(PluginError) as info:
        plugins.methodologies.names()
    assert str(info.value) == (
        'plugin "raiser" in hook "register_methodologies": KeyError: \'oops\'; '
        "to run lif without it, set LIF_DISABLE_PLUGINS=raiser"
    )
    assert (info.value.plugin, info.value.hook) == ("raiser", "register_methodologies")


def test_an_exception_in_a_registered_object_names_its_plugin(plugins: Plugins) -> None:
    class Gives:
        @hookimpl
        def register_renderers(self, register: Callable[[Renderer], None]) -> None:
            register(BrokenRenderer())

    plugins.register(Gives(), name="giver")
    renderer = plugins.renderers.get("broken")
    with pytest.raises(PluginError) as info, plugins.using(plugins.renderers, "broken"):
        renderer.render(Document(kind="x", title="t"))
    assert str(info.value) == (
        'plugin "giver" in hook "register_renderers (renderer \'broken\')": '
        "ZeroDivisionError: division by zero in render"
    )


def test_registration_is_checked(plugins: Plugins) -> None:
    class Duplicate:
        @hookimpl
        def register_renderers(self, register: Callable[[Renderer], None]) -> None:
            register(BrokenRenderer())
            register(BrokenRenderer())

    plugins.register(Duplicate(), name="dup")
    with pytest.raises(PluginError, match="renderer 'broken' is already registered by plugin 'dup'"):
        plugins.renderers.names()

    other = Plugins.create(entry_points=False)

    class WrongType:
        @hookimpl
        def register_renderers(self, register: Callable[[object], None]) -> None:
            register("markdown")

    other.register(WrongType(), name="wrongtype")
    with pytest.raises(PluginError, match="register\\(\\) was given str, expected a Renderer"):
        other.renderers.names()


def test_wrappers_are_refused_on_registration_hooks() -> None:
    host = Plugins.create(entry_points=False)

    class Wrapper:
        @hookimpl(wrapper=True)
        def register_checks(self, register: Callable[[Check], None]) -> object:
            return (yield)

    host.register(Wrapper(), name="wrapper")
    with pytest.raises(PluginError, match="wrappers are not supported"):
        host.checks.names()


def test_a_later_plugin_wins_over_builtin_fallbacks(plugins: Plugins) -> None:
    calls: list[str] = []

    class Early:
        @hookimpl
        def register_renderers(self, register: Callable[[Renderer], None]) -> None:
            calls.append("third-party")

    plugins.register(Early(), name="early")
    plugins.renderers.names()
    assert calls == ["third-party"]  # called, and before the trylast builtins (else a dup would win)
    order = [impl.plugin_name for impl in plugins._impls("register_renderers")]
    assert order.index("early") < order.index("lif_core.builtins.renderers")


LOCAL_PLUGIN = """
from lif_core import Methodology, Problem, hookimpl


class Huddle(Methodology):
    name = "huddle"
    title = "Practitioner huddle"
    stages = ("huddle",)

    def check(self, review, board):
        if not review.practitioner_events:
            yield board.problem(review.id, "practitioner_events", "a huddle needs practitioners")


@hookimpl
def register_methodologies(register):
    register(Huddle())
"""


def test_a_board_local_plugin_loads_and_is_used(make_board: MakeBoard) -> None:
    root = make_board(
        '[[reviews]]\nid = "r1"\ntitle = "Child B"\nkind = "learning-review"\nmethodology = "huddle"\n'
        '[plugins]\nlocal = ["local/huddle.py"]\n',
        **{"local__huddle.py": LOCAL_PLUGIN},
    )
    host = Plugins.create()
    result = validate_board(root, host)
    assert [str(p) for p in result.problems] == [
        "board.toml: reviews[0].practitioner_events: a huddle needs practitioners"
    ]
    assert result.problems[0].source == "methodology:huddle"
    info = {p.name: p for p in host.info()}["local:local/huddle.py"]
    assert info.kind == "local" and info.hooks == ("register_methodologies",)


def test_without_its_local_plugin_the_methodology_is_unknown(make_board: MakeBoard) -> None:
    root = make_board('[[reviews]]\nid = "r1"\ntitle = "Child B"\nkind = "learning-review"\nmethodology = "huddle"\n')
    result = validate_board(root, Plugins.create())
    (problem,) = result.problems
    assert str(problem).startswith("board.toml: reviews[0].methodology: no methodology named 'huddle' is installed")


@pytest.mark.parametrize(
    ("local", "files", "message"),
    [
        ('["../evil.py"]', {}, "'../evil.py' is outside the board folder"),
        ('["nothere.py"]', {}, "nothere.py: no such .py file or package folder"),
        ('["pkg"]', {"pkg__x.py": ""}, "pkg/ is not a Python package (no __init__.py)"),
        (
            '["bad.py"]',
            {"bad.py": "raise RuntimeError('boom')"},
            'plugin "local:bad.py" failed to import: RuntimeError: boom',
        ),
        (
            '["typo.py"]',
            {"typo.py": "from lif_core import hookimpl\n@hookimpl\ndef register_check(register):\n    pass\n"},
            "implements unknown hook 'register_check' (did you mean 'register_checks'?)",
        ),
    ],
)
def test_bad_local_plugins_are_reported(make_board: MakeBoard, local: str, files: dict[str, str], message: str) -> None:
    root = make_board(f"[plugins]\nlocal = {local}\n", **files)
    (problem,) = validate_board(root, Plugins.create()).problems
    assert problem.file == "board.toml" and problem.path == "plugins.local[0]"
    assert message in problem.message


def test_a_local_package_plugin(make_board: MakeBoard) -> None:
    code = (
        "from lif_core import Check, Problem, hookimpl\n"
        "from .rules import rule\n"
        "@hookimpl\ndef register_checks(register):\n    register(Check('local-rule', 'a rule', rule))\n"
    )
    rules = "def rule(board, plugins):\n    yield board.problem(None, 'board', 'from a package', severity='warning')\n"
    root = make_board('[plugins]\nlocal = ["mypkg"]\n', **{"mypkg__rules.py": rules})
    (root / "mypkg" / "__init__.py").write_text(code)
    result = validate_board(root, Plugins.create())
    assert result.ok
    assert [(str(p), p.source) for p in result.problems] == [
        ("warning: board.toml: board: from a package", "local-rule")
    ]


def test_a_board_can_disable_an_installed_plugin(make_board: MakeBoard) -> None:
    loop = '[[groups]]\nid="g"\nname="G"\nkind="panel"\nreports_to="g"\n'
    root = make_board(loop + '[plugins]\ndisabled = ["lif_core.builtins.checks"]\n')
    assert validate_board(root, Plugins.create()).ok  # the loop check is off for this board
    assert not validate_board(make_board(loop), Plugins.create()).ok


def test_a_check_that_returns_the_wrong_thing_is_blamed(make_board: MakeBoard) -> None:
    host = Plugins.create()

    def bad(board: LoadedBoard, plugins: object) -> Iterable[Problem]:
        return ["not a problem"]  # type: ignore[list-item]

    class P:
        @hookimpl
        def register_checks(self, register: Callable[[Check], None]) -> None:
            register(Check("bad", "returns text", bad))

    host.register(P(), name="badcheck")
    with pytest.raises(PluginError, match='plugin "badcheck" in hook "register_checks \\(check \'bad\'\\)": TypeError'):
        validate_board(make_board(), host)


def test_methodology_check_runs_for_reviews(make_board: MakeBoard) -> None:
    class Strict(Methodology):
        name = "strict"
        title = "Strict"

        def check(self, review: CaseReview, board: LoadedBoard) -> Iterable[Problem]:
            if not any(r.independent for r in review.reviewers):
                yield board.problem(review.id, "reviewers", "the lead reviewer must be independent (s.5.1)")

    class P:
        @hookimpl
        def register_methodologies(self, register: Callable[[Methodology], None]) -> None:
            register(Strict())

    host = Plugins.create()
    host.register(P(), name="strict-plugin")
    root = make_board(
        '[[reviews]]\nid = "r"\ntitle = "Child C"\nkind = "learning-review"\nmethodology = "strict"\n'
        'reviewers = [{ name = "In-house", independent = false }]\n'
    )
    (problem,) = validate_board(root, host).problems
    assert str(problem) == "board.toml: reviews[0].reviewers: the lead reviewer must be independent (s.5.1)"
    assert problem.source == "methodology:strict"


# --------------------------------------------------------------------------- failures kept apart


def test_a_failed_registration_is_recorded_once_and_the_others_kept(plugins: Plugins) -> None:
    calls: list[str] = []

    class HalfThenRaises:
        @hookimpl
        def register_methodologies(self, register: Callable[[Methodology], None]) -> None:
            calls.append("called")

            class Half(Methodology):
                name = "half"

                def check(self, review: CaseReview, board: LoadedBoard) -> Iterable[Problem]:
                    return ()

            register(Half())
            raise KeyError("oops")

    plugins.register(HalfThenRaises(), name="raiser")
    for _ in range(3):
        with pytest.raises(PluginError, match='plugin "raiser" in hook "register_methodologies"'):
            plugins.methodologies.names()
    assert calls == ["called"]  # the registry is built once; its failure raised at each read
    kept = plugins.registry("methodologies", strict=False)
    assert "half" not in kept and "silp" in kept  # what the failed plugin gave is left out
    (failure,) = plugins.failures().values()
    assert (failure.plugin, failure.hook, failure.detail) == (
        "raiser",
        "register_methodologies",
        "KeyError: 'oops'; to run lif without it, set LIF_DISABLE_PLUGINS=raiser",
    )
    assert plugins.renderers.names()  # another kind is not affected
    plugins.disable(["raiser"])
    assert plugins.failures() == {} and "silp" in plugins.methodologies


def test_a_builtins_failure_is_called_a_lif_core_bug(plugins: Plugins) -> None:
    class Raises:
        @hookimpl
        def register_checks(self, register: Callable[[Check], None]) -> None:
            raise ValueError("no")

    plugins.register(Raises(), name="lif_core.builtins.extra", kind="builtin")
    with pytest.raises(PluginError) as info:
        plugins.checks.names()
    assert str(info.value) == (
        'plugin "lif_core.builtins.extra" in hook "register_checks": ValueError: no; a bug in lif-core: please report it'
    )


def test_commands_are_listed_by_the_plugin_that_added_them(plugins: Plugins) -> None:
    from lif_core.cli import make_cli

    make_cli(plugins)
    assert plugins.commands_of("ofsted") == ["inspection"]
    assert plugins.commands_of("lif_core.builtins.commands")[:2] == ["report", "report impact"]
    assert plugins.commands_of("lif_core.builtins.renderers") == []


def test_info_lists_a_failed_plugin_with_its_error(plugins: Plugins) -> None:
    class Raises:
        @hookimpl
        def register_stores(self, register: Callable[[object], None]) -> None:
            raise OSError("disk")

    plugins.register(Raises(), name="raiser", kind="entry-point")
    infos = {p.name: p for p in plugins.info()}
    assert (infos["raiser"].status, infos["raiser"].hooks) == ("failed", ("register_stores",))
    assert infos["raiser"].error.startswith('plugin "raiser" in hook "register_stores": OSError: disk')
    assert all(p.status == "ok" and p.error == "" for name, p in infos.items() if name != "raiser")
