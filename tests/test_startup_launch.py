"""The lif command's start (lif_core._launch): the same command, output and exit status as
lif_core.cli.main, with the regular expression cache installed and the collector as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lif_core.files import CACHE_ENV

from .conftest import CROYDON

LAUNCH = (
    "import gc, sys\n"
    "from lif_core._launch import main\n"
    "sys.argv = ['lif', *sys.argv[1:]]\n"
    "try:\n"
    "    main()\n"
    "finally:\n"
    "    import re\n"
    "    print(gc.isenabled(), getattr(re._compiler.compile, 'lif_cached', False), file=sys.stderr)\n"
)
CLI = "import sys\nfrom lif_core.cli import main\nsys.argv = ['lif', *sys.argv[1:]]\nmain()\n"


def _run(code: str, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, CACHE_ENV: str(cache)}
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False)


def test_the_launched_command_is_the_command(tmp_path: Path) -> None:
    for args in (("report", "impact", str(CROYDON), "-f", "markdown"), ("no-such-command",)):
        for _ in range(2):  # the second run from the cache the first wrote
            launched = _run(LAUNCH, tmp_path / "cache", *args)
            direct = _run(CLI, tmp_path / "direct", *args)
            assert (launched.returncode, launched.stdout) == (direct.returncode, direct.stdout)
            *before, last = launched.stderr.splitlines()
            assert before == direct.stderr.splitlines()
            assert last == "True True"  # the collector collects again; the regex cache is in
            if args[0] == "report":
                assert launched.returncode == 0 and launched.stdout.startswith("# ")
            else:
                assert launched.returncode == 2 and "No such command" in launched.stderr
    assert (tmp_path / "cache" / f"generated-code-{sys.implementation.cache_tag}.bin").is_file()
