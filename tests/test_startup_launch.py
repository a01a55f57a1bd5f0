"""The lif command's start and end (lif_core._launch): the same command, output and exit status
as lif_core.cli.main, with the regular expression cache installed and the collector as it was;
and the process ended as Python ends it, less tearing down its objects, except where that could
lose something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lif_core.files import CACHE_ENV

from .conftest import CROYDON

LAUNCH = (
    "import atexit, gc, sys\n"
    "from lif_core._launch import main\n"
    "sys.argv = ['lif', *sys.argv[1:]]\n"
    "def show():\n"
    "    import re\n"
    "    print(gc.isenabled(), getattr(re._compiler.compile, 'lif_cached', False), file=sys.stderr)\n"
    "atexit.register(show)\n"
    "main()\n"
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


#: A process that ends through _launch._end with the status given as its argument (a number, a
#: message or none), a function registered with atexit, output left in stdout's buffer, and an
#: object whose finaliser says whether the process was torn down.
END = (
    "import atexit, sys, threading, time\n"
    "from lif_core._launch import _end\n"
    "class Torn:\n"
    "    def __del__(self):\n"
    "        print('torn down', file=sys.stderr)\n"
    "kept = Torn()\n"
    "atexit.register(print, 'atexit ran', file=sys.stderr)\n"
    "sys.stdout.write('buffered')\n"
    "if 'thread' in sys.argv:\n"
    "    threading.Thread(target=lambda: (time.sleep(0.2), print('thread done', file=sys.stderr))).start()\n"
    "status = sys.argv[1]\n"
    "_end(None if status == 'none' else int(status) if status.lstrip('-').isdigit() else status)\n"
)


def _end(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", END, *args], capture_output=True, text=True, check=False)


def test_a_finished_command_ends_the_process_at_once_with_its_status() -> None:
    for status, code in (("none", 0), ("0", 0), ("1", 1), ("2", 2), ("255", 255)):
        ended = _end(status)
        assert ended.returncode == code
        assert ended.stdout == "buffered"  # flushed
        assert ended.stderr.splitlines() == ["atexit ran"]  # run once; nothing torn down


def test_where_ending_at_once_could_lose_something_python_ends_the_process() -> None:
    message = _end("the board is gone")  # a message: printed, status 1
    assert message.returncode == 1 and message.stdout == "buffered"
    assert message.stderr.splitlines() == ["the board is gone", "atexit ran", "torn down"]
    threaded = _end("3", "thread")  # a thread still running: Python waits for it
    assert threaded.returncode == 3
    assert threaded.stderr.splitlines() == ["thread done", "atexit ran", "torn down"]
    for status in ("-1", "256"):  # out of range: as Python makes of it
        assert _end(status).returncode == int(status) % 256
        assert _end(status).stderr.splitlines()[-1] == "torn down"


def test_a_closed_pipe_ends_the_process_as_python_would() -> None:
    # What is left in stdout's buffer cannot be written: the reader has gone.
    outcomes = []
    for how in ("_end", "sys.exit"):
        code = END.replace("_end(None", f"time.sleep(0.5)\n{how}(None")
        ended = subprocess.Popen([sys.executable, "-c", code, "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert ended.stdout is not None and ended.stderr is not None
        ended.stdout.close()
        errors = ended.stderr.read().decode()
        outcomes.append((ended.wait(), "BrokenPipeError" in errors, "atexit ran" in errors))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] != 0 and outcomes[0][1:] == (True, True)  # a failure, said; atexit ran
