"""lif-core's pytest plugin: fixtures for testing plugins and boards, built on
:mod:`lif_core.testing`. Installed with lif-core (entry point ``pytest11``: ``lif``), so any
test run where lif-core is installed has them; a test uses one by naming it as an argument:

- ``lif_env``: the test's own environment for lif (a fresh ``LIF_PSEUDONYM_KEY``, a cache
  folder in the test's temporary folder, ``LIF_USER=test``; the user's ``LIF_DISABLE_PLUGINS``
  and ``LIF_NO_LOCAL_PLUGINS`` removed), undone after the test; ``{variable: value}``.
- ``lif_key``: that pseudonymisation key.
- ``lif_extra_plugins``: plugin objects (modules) to register besides the installed ones;
  empty unless a test module or conftest.py overrides this fixture.
- ``lif_plugins``: a fresh plugin host (:func:`lif_core.testing.make_plugins`): builtins,
  installed plugins and ``lif_extra_plugins``.
- ``lif_runner``: a :class:`lif_core.testing.LifRunner` over that host:
  ``lif_runner("validate", board).assert_ok()``.
- ``lif_board``: a :class:`lif_core.testing.BoardFactory`: ``board = lif_board()`` makes a
  board with ``lif init`` (``lif_board("wales-2014-act")`` under another framework);
  ``board.add("actions", ...)`` adds records through ``lif add``.

Nothing here runs unless a test asks for one of these fixtures: the module imports only
pytest, and lif-core itself when a fixture is first used. ``pytest -p no:lif`` turns it off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .plugins import Plugins
    from .testing import BoardFactory, LifRunner

__all__ = ["lif_board", "lif_env", "lif_extra_plugins", "lif_key", "lif_plugins", "lif_runner"]


@pytest.fixture
def lif_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, str | None]]:
    """The test's own environment for lif (see :func:`lif_core.testing.environment`): its
    pseudonymisation key, cache folder and user, set for the test and undone after it."""
    from .testing import environment

    values = environment(tmp_path_factory.mktemp("lif-env"))
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    yield values


@pytest.fixture
def lif_key(lif_env: dict[str, str | None]) -> str:
    """The test's fresh pseudonymisation key (``LIF_PSEUDONYM_KEY``, set for the test)."""
    key = lif_env["LIF_PSEUDONYM_KEY"]
    assert key is not None
    return key


@pytest.fixture
def lif_extra_plugins() -> Sequence[object]:
    """Plugin objects (modules, or objects with ``@hookimpl`` functions) that ``lif_plugins``
    registers besides the installed ones. Override it in a test module or conftest.py::

        @pytest.fixture
        def lif_extra_plugins():
            return [my_plugin_module]
    """
    return ()


@pytest.fixture
def lif_plugins(lif_env: dict[str, str | None], lif_extra_plugins: Sequence[object]) -> Plugins:
    """A fresh plugin host: lif-core's builtins, the installed plugins and
    ``lif_extra_plugins``."""
    from .testing import make_plugins

    return make_plugins(*lif_extra_plugins)


@pytest.fixture
def lif_runner(lif_plugins: Plugins, lif_env: dict[str, str | None]) -> LifRunner:
    """Runs ``lif`` commands in process over ``lif_plugins``: ``lif_runner("plugins")``."""
    from .testing import LifRunner

    return LifRunner(lif_plugins, env=lif_env)


@pytest.fixture
def lif_board(tmp_path: Path, lif_runner: LifRunner) -> BoardFactory:
    """Makes boards with ``lif init`` in the test's temporary folder: ``lif_board()``,
    ``lif_board("england-wt2018", area="Testshire")``."""
    from .testing import BoardFactory

    return BoardFactory(tmp_path / "boards", lif_runner)
