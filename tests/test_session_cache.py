"""The test session keeps lif-core's per-user cache in a temporary folder of its own (set in
conftest.py): a test run never writes into the user's ``~/.cache/lif``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from lif_core.files import CACHE_ENV, user_cache_dir


def test_the_session_cache_is_a_temporary_folder_not_the_users() -> None:
    folder = user_cache_dir()
    assert folder is not None
    assert folder.is_relative_to(Path(tempfile.gettempdir())) and folder.name.startswith("lif-test-cache-")
    assert not folder.is_relative_to(Path.home() / ".cache")


def test_a_process_a_test_starts_caches_there_too() -> None:
    folder = Path(os.environ[CACHE_ENV])
    code = "from lif_core.clocks import WorkingDays; WorkingDays('SCT')"
    subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
    assert list(folder.glob("holidays-*.json"))
