"""One plugin host shared by threads, as ``lif serve`` shares it across its thread pool.

Opening a board blocks the plugins its settings disable and loads its local plugins, on the
host that every request uses. Registries are built on first use; blocking or registering a
plugin throws them away. Before the host was made safe for threads, a request clearing the
registries while another finished building one left a registry without its failures, and every
later request on that worker failed with ``KeyError: 'stores'`` (found by
``benchmarks/web_load.py`` under load).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lif_core import Check, Plugins, hookimpl, validate_board

MakeBoard = Callable[..., Path]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Switch threads every microsecond, so races that need an unlucky switch happen."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _in_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(n: int) -> None:
        start.wait()
        try:
            work(n)
        except BaseException as exc:  # noqa: BLE001 - gathered and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_disabling_a_plugin_already_disabled_keeps_the_registries() -> None:
    host = Plugins.create(entry_points=False, disabled=())
    host.disable(["not-installed"])
    stores = host.stores
    host.disable(["not-installed"])
    assert host.stores is stores, "blocking a name already blocked must not rebuild the registries"
    host.disable(["another-not-installed"])
    assert host.stores is not stores, "blocking a new name rebuilds them"


class _SlowChecks:
    """A plugin whose registration hook waits until told, so a test can act mid-build."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    @hookimpl
    def register_checks(self, register: Callable[[Check], None]) -> None:
        self.entered.set()
        self.release.wait(10)
        register(Check("slow-check", "registered by a plugin blocked meanwhile", lambda board, plugins: ()))


def test_a_registry_built_while_its_plugin_is_blocked_is_not_kept() -> None:
    """Thread A builds the checks registry (the plugin's hook is slow); meanwhile thread B
    blocks that plugin. B waits for A's build, then throws it away: the checks B and every
    later reader see are built without the blocked plugin, never A's out-of-date registry."""
    host = Plugins.create(entry_points=False, disabled=())
    slow = _SlowChecks()
    host.register(slow, name="slow", kind="test")
    built: list[list[str]] = []
    reader = threading.Thread(target=lambda: built.append(host.checks.names()))
    reader.start()
    assert slow.entered.wait(10)
    blocker = threading.Thread(target=host.disable, args=(["slow"],))
    blocker.start()
    time.sleep(0.2)  # B is now waiting for A's build (before the fix, B cleared at once)
    slow.release.set()
    reader.join(10)
    blocker.join(10)
    assert "slow-check" in built[0]  # A's reader got the registry it asked for, whole
    assert "slow-check" not in host.checks.names()
    assert "slow" not in {info.name for info in host.info()}


def test_a_board_validated_from_many_threads_on_one_host(make_board: MakeBoard, fast_switching: None) -> None:
    """What ``lif serve`` does: each request validates the board on the shared host (blocking
    its disabled plugins, loading its local plugin). Every validation passes, and the local
    plugin is imported and registered once."""
    code = (
        "from pathlib import Path\n"
        "import time\n"
        "from lif_core import hookimpl\n"
        "time.sleep(0.2)  # a slow import: every thread would otherwise import it too\n"
        "with Path(__file__).with_suffix('.imports').open('a') as out:\n"
        "    out.write('imported\\n')\n"
        "@hookimpl\n"
        "def register_checks(register):\n"
        "    pass\n"
    )
    board = make_board(
        '[plugins]\ndisabled = ["some-plugin-not-installed"]\nlocal = ["local_check.py"]\n',
        **{"local_check.py": code},
    )
    host = Plugins.create(disabled=())
    results: list[bool] = []

    def work(n: int) -> None:
        for _ in range(20):
            result = validate_board(board, host)
            results.append(result.ok)
            assert result.ok, [str(p) for p in result.problems]

    assert _in_threads(6, work) == []
    assert results and all(results)
    assert [info.kind for info in host.info() if info.name == "local:local_check.py"] == ["local"]
    assert (board / "local_check.imports").read_text() == "imported\n"
