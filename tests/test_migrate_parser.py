"""`lif migrate` reads TOML with the parser every board file is read with (lif_core.files:
tomli, compiled, where installed), so a board it rewrites is checked as lif reads it."""

from __future__ import annotations

import subprocess
import sys

from lif_core import files, migrate


def test_migrate_parses_toml_as_board_files_are_parsed() -> None:
    assert migrate.tomllib is files.tomllib


def test_migrate_does_not_import_the_standard_librarys_parser() -> None:
    code = "import sys, lif_core.migrate; print('tomllib' in sys.modules, lif_core.migrate.tomllib.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", files.tomllib.__name__]
