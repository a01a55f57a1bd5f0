"""Benchmark: start-up, the time a user waits for a short command.

    python benchmarks/startup.py [--runs N] [--top N] [--base REV] [--cold]

(a) As processes, run in turn so that each sees the same machine, medians of N runs each:
    ``python -c pass`` (the interpreter alone), ``lif --version`` (the command line and the
    plugin host) and ``lif report impact examples/croydon`` (the Croydon report as Markdown
    on standard output: open and check the board, read its data, compute its indicators,
    compose and render). The figure is the report's time over ``python -c pass``'s
    (target: at most 25x).
(b) With ``--base REV``: the same report from the tree at a git revision (checked out in a
    temporary worktree, its lif-core and plugins run with this environment's Python and
    packages), alternately with this tree's: the ratio is the change's figure.
(c) The modules the report imports that take longest (``-X importtime``, each module's median
    over up to 7 runs): by their own time and with what they import, and how many in all.

Bytecode is written as on a user's machine (``PYTHONDONTWRITEBYTECODE`` is removed) and every
command runs once before it is timed. The holiday calendars are cached per user
(:mod:`lif_core.clocks`): ``--cold`` times every report run with an empty cache instead, as a
user's first run after installing or upgrading ``holidays``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
KEY = "3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb"
# The lif command as its console script starts it (lif_core._launch where a tree has it).
RUN = (
    "import sys\n"
    "try:\n    from lif_core._launch import main\n"
    "except ImportError:\n    from lif_core.cli import main\n"
    "sys.argv = ['lif', *sys.argv[1:]]\nsys.exit(main())"
)
REPORT = ("report", "impact", str(CROYDON))


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault("LIF_PSEUDONYM_KEY", KEY)
    env.update(extra)
    return env


def _lif(*args: str) -> list[str]:
    """The ``lif`` command as a user runs it: the installed script beside this Python."""
    script = Path(sys.executable).with_name("lif")
    return [str(script), *args] if script.exists() else [sys.executable, "-c", RUN, *args]


def _time(command: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def processes(runs: int, cold: bool) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = _env()
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "lif --version": (_lif("--version"), env),
            "lif report impact examples/croydon": (_lif(*REPORT), env),
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command, command_env in commands.values():
            _time(command, command_env)  # warm: bytecode written, files in the page cache
        for n in range(runs):
            for name, (command, command_env) in commands.items():
                if cold and name.startswith("lif report"):
                    command_env = _env(XDG_CACHE_HOME=str(Path(cache) / str(n)))
                times[name].append(_time(command, command_env))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["python -c pass"]
    print(f"(a) processes, median of {runs} runs each, run in turn{' (report: empty holiday cache)' if cold else ''}")
    for name, value in medians.items():
        print(f"    {name:<36} {value:7.3f} s  {value / base:6.1f}x python -c pass")
    ratio = medians["lif report impact examples/croydon"] / base
    print(f"    the report over python -c pass: {ratio:.1f}x (target: at most 25x)")


def _path(tree: Path) -> str:
    """A tree's lif-core and plugins first on the path (the installed entry points name the
    plugins' modules: each tree's own are found)."""
    folders = [tree / "src", *sorted(tree.glob("plugins/*/src"))]
    return os.pathsep.join([*map(str, folders), *filter(None, [os.environ.get("PYTHONPATH", "")])])


def side_by_side(base: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), base], cwd=ROOT, check=True, capture_output=True
        )
        try:
            ours_env, theirs_env = _env(PYTHONPATH=_path(ROOT)), _env(PYTHONPATH=_path(tree))
            command = [sys.executable, "-c", RUN, *REPORT]
            _time(command, ours_env), _time(command, theirs_env)  # warm both
            ours, theirs = [], []
            for _ in range(runs):
                ours.append(_time(command, ours_env))
                theirs.append(_time(command, theirs_env))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"(b) the report, this tree beside {base}, median of {runs} each, run alternately")
    print(f"    this tree: {a:.3f} s   {base}: {b:.3f} s   ratio: {a / b:.2f}x")


def imports(top: int, runs: int) -> None:
    """The report's imports by ``-X importtime``: each module's median over ``runs`` runs."""
    command = [sys.executable, "-X", "importtime", "-c", RUN, *REPORT]
    subprocess.run(command, env=_env(), check=True, capture_output=True)  # warm
    own: dict[str, list[int]] = {}
    total: dict[str, list[int]] = {}
    for _ in range(runs):
        done = subprocess.run(command, env=_env(), check=True, capture_output=True, text=True)
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            mine, everything, name = line.removeprefix("import time:").split("|", 2)
            own.setdefault(name.strip(), []).append(int(mine))
            total.setdefault(name.strip(), []).append(int(everything))
    rows = [(statistics.median(own[name]), statistics.median(total[name]), name) for name in own]
    print(f"(c) -X importtime of the report, medians of {runs} runs: {len(rows)} modules, ", end="")
    print(f"{sum(row[0] for row in rows) / 1e6:.3f} s in all")
    print(f"    by own time (top {top}):")
    for mine, _, name in sorted(rows, reverse=True)[:top]:
        print(f"      {mine / 1e3:7.1f} ms  {name}")
    print(f"    with what they import (top {top}):")
    for _, everything, name in sorted(rows, key=lambda row: row[1], reverse=True)[:top]:
        print(f"      {everything / 1e3:7.1f} ms  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--top", type=int, default=15, help="modules listed by import time (default 15)")
    parser.add_argument("--base", help="also time the report from this git revision's tree")
    parser.add_argument("--cold", action="store_true", help="time the report with an empty holiday cache each run")
    args = parser.parse_args()
    processes(args.runs, args.cold)
    if args.base:
        side_by_side(args.base, args.runs)
    imports(args.top, min(args.runs, 7))


if __name__ == "__main__":
    main()
