"""Shared fixtures: a fresh plugin host per test, the example board, board-writing helpers."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lif_core import Plugins

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
SHARED = ROOT.parent / "shared"


#: The pseudonymisation key every test uses (so no test writes a key file into the example).
TEST_KEY = "test-key-not-for-real-data-0123456789"

#: The per-user cache folder of the whole test session (the holiday calendars): a temporary
#: folder, so a test run never writes into the user's own ``~/.cache/lif``, set before any test
#: is collected and inherited by every process a test starts.
_SESSION_CACHE: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    _SESSION_CACHE["before"] = os.environ.get("LIF_CACHE_DIR")
    _SESSION_CACHE["folder"] = os.environ["LIF_CACHE_DIR"] = tempfile.mkdtemp(prefix="lif-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, before = _SESSION_CACHE.pop("folder", None), _SESSION_CACHE.pop("before", None)
    if folder is None:
        return
    if before is None:
        os.environ.pop("LIF_CACHE_DIR", None)
    else:
        os.environ["LIF_CACHE_DIR"] = before
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_DISABLE_PLUGINS", raising=False)
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", TEST_KEY)


@pytest.fixture
def plugins() -> Plugins:
    """A fresh host: builtins plus the installed entry-point plugins (lif-ofsted)."""
    return Plugins.create()


@pytest.fixture
def croydon(tmp_path: Path) -> Path:
    """A private copy of the Croydon example, safe to edit."""
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target)
    return target


MINIMAL = """\
format = 1

[board]
id = "t"
name = "Test Safeguarding Children Partnership"
area = "Testshire"
statutory_framework = "england-wt2018"

[[partners]]
id = "police"
name = "Testshire Police"
sector = "police"
safeguarding_partner = true

[[partners]]
id = "council"
name = "Testshire Council"
sector = "local-authority"
safeguarding_partner = true

[[partners]]
id = "icb"
name = "Testshire Integrated Care Board"
sector = "health"
safeguarding_partner = true

[[groups]]
id = "board"
name = "The partnership"
kind = "board"

[[people]]
id = "scrutineer"
name = "Independent Scrutineer"
role = "independent-scrutineer"
independent = true
"""


#: The report definition of the boards tests make: the summary and every section Working
#: Together 2018's yearly report requires, none marked required here, so the report's warnings
#: (tested where they are meant) stay out of tests about other things.
TEST_REPORT = 'title = "Test report"\n' + "".join(
    f'\n[[sections]]\nsection = "{name}"\n'
    for name in (
        "summary",
        "priorities",
        "progress",
        "effectiveness",
        "dataset",
        "reviews",
        "recommendations",
        "training",
        "feedback",
    )
)


@pytest.fixture
def make_board(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """Write a board folder: ``make_board(extra_tables, top=top_level_keys, **other_files)``
    (``a__b.toml`` is written as ``a/b.toml``), with :data:`TEST_REPORT` as its report.toml
    unless ``report`` says otherwise (``report=None``: none, the framework's report); returns
    its path."""
    counter = iter(range(1000))

    def make(
        extra: str = "", base: str = MINIMAL, top: str = "", report: str | None = TEST_REPORT, **files: str
    ) -> Path:
        root = tmp_path / f"board{next(counter)}"
        root.mkdir()
        (root / "board.toml").write_text(top + base + textwrap.dedent(extra), encoding="utf-8")
        if report is not None:
            (root / "report.toml").write_text(report, encoding="utf-8")
        for name, text in files.items():
            path = root / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    yield make
