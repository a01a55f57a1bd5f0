"""lif-core's pytest plugin (entry point pytest11: lif), tested as a user's test run sees it:
with pytester, pytest's own fixture for running pytest on files a test writes."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_fixtures_work_in_a_users_test_run(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        from lif_core import Plugins
        from lif_core.testing import BoardFactory, LifRunner

        def test_fixtures(lif_plugins, lif_runner, lif_board, lif_key, lif_env):
            assert isinstance(lif_plugins, Plugins) and isinstance(lif_runner, LifRunner)
            assert lif_runner.plugins is lif_plugins
            assert isinstance(lif_board, BoardFactory)
            assert os.environ["LIF_PSEUDONYM_KEY"] == lif_key == lif_env["LIF_PSEUDONYM_KEY"]
            assert "LIF_DISABLE_PLUGINS" not in os.environ
            board = lif_board()
            board.add("reviews", id="rr-1", title="Rapid review 1", kind="rapid-review", agencies=["police"])
            lif_runner("validate", board).assert_ok()
            assert [r.id for r in board.load().board.reviews] == ["rr-1"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_each_test_has_its_own_key_and_the_environment_is_put_back(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        KEYS = []

        def test_one(lif_key):
            KEYS.append(lif_key)

        def test_two(lif_key):
            KEYS.append(lif_key)

        def test_after():
            assert len(set(KEYS)) == 2
            assert os.environ.get("LIF_PSEUDONYM_KEY") == "the-users-key"
            assert os.environ.get("LIF_DISABLE_PLUGINS") == "england"
        """
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIF_PSEUDONYM_KEY", "the-users-key")
        patch.setenv("LIF_DISABLE_PLUGINS", "england")
        result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly")
    result.assert_outcomes(passed=3)


def test_a_user_adds_plugin_objects_by_overriding_a_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import click
        import pytest

        from lif_core import hookimpl

        class Hello:
            @hookimpl
            def register_commands(self, cli):
                @cli.command("hello")
                def hello():
                    click.echo("hello from a test plugin")

        @pytest.fixture
        def lif_extra_plugins():
            return [Hello()]

        def test_hello(lif_runner):
            assert lif_runner("hello").assert_ok().stdout == "hello from a test plugin\\n"
            assert "Hello" in {p.name for p in lif_runner.plugins.info()}
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_failing_lif_command_fails_the_test_with_its_output(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_missing(lif_runner, tmp_path):
            lif_runner("validate", tmp_path / "missing").assert_ok()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*lif failed:*", "*$ lif validate *missing*", "*exit code 1*", "*Error: *no such board folder*"]
    )


def test_the_fixtures_are_listed_and_can_be_turned_off(pytester: pytest.Pytester) -> None:
    listed = pytester.runpytest("--fixtures", "-p", "no:cacheprovider")
    listed.stdout.fnmatch_lines(
        ["lif_env -- *", "lif_key -- *", "lif_plugins -- *", "lif_runner -- *", "lif_board -- *"]
    )
    pytester.makepyfile("def test_x(lif_runner):\n    pass\n")
    result = pytester.runpytest("-p", "no:lif", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'lif_runner' not found*"])


def test_a_run_that_uses_no_fixture_imports_no_more_of_lif_core(pytester: pytest.Pytester) -> None:
    """The plugin module imports pytest only (and lif_core's package root, which imports none of
    its modules): a test run that does not ask for a fixture loads nothing else of lif-core."""
    pytester.makepyfile(
        """
        import sys

        def test_nothing_loaded():
            loaded = sorted(m for m in sys.modules if m == "lif_core" or m.startswith("lif_core."))
            assert set(loaded) <= {"lif_core", "lif_core.pytest_plugin"}, loaded
            assert "click" not in sys.modules and "pluggy" not in {m.split(".")[0] for m in loaded}
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
