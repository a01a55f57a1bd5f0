"""Benchmark: the report's formats.

    python benchmarks/formats.py [--base REV] [--runs N]

(a) The Croydon report as Markdown, as a process (`lif report impact examples/croydon -f md`),
    this tree beside the tree at ``--base`` (a git revision, checked out in a temporary
    worktree and run with this environment's Python and packages; this tree's plugins lif-docx
    and lif-pdf are disabled there, as they need this tree's lif-core), run alternately so that
    both see the same machine: the ratio is the figure (target: within 1.2x of the tree before
    the published formats, ``--base e5ff817~1``).
(b) Which heavy libraries each format imports, in a fresh process per format: Markdown and
    text must import none of matplotlib, jinja2, docx, openpyxl or weasyprint.
(c) Each installed format rendering the same composed report in process (the document is
    composed once): median seconds and the size of the output, beside Markdown's.

Figures are medians; read the ratios, not the seconds, on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
HEAVY = ("matplotlib", "jinja2", "docx", "openpyxl", "weasyprint", "PIL")
RUN = "import sys; from lif_core.cli import main; sys.argv = ['lif', *sys.argv[1:]]; main()"


def process_times(src: Path, runs: int) -> list[float]:
    return [_once(src) for _ in range(runs)]


def _once(src: Path, disable: str = "") -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    if disable:
        env["LIF_DISABLE_PLUGINS"] = disable
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", RUN, "report", "impact", str(CROYDON), "-f", "markdown"],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def side_by_side(base: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), base], cwd=ROOT, check=True, capture_output=True
        )
        try:
            ours, theirs = [], []
            # The installed lif-docx and lif-pdf are this tree's, written for its lif_core: the
            # base tree runs without them (this tree loads them too: the comparison is fair or
            # against this tree).
            disable = "docx,pdf"
            _once(ROOT / "src"), _once(tree / "src", disable)  # warm both (bytecode, file cache)
            for _ in range(runs):
                ours.append(_once(ROOT / "src"))
                theirs.append(_once(tree / "src", disable))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
    a, b = statistics.median(ours), statistics.median(theirs)
    print(f"(a) Croydon report as Markdown, a process, median of {runs} each, run alternately")
    print(f"    this tree:      {a:.3f} s")
    print(f"    {base}: {b:.3f} s")
    print(f"    ratio: {a / b:.2f}x (target: at most 1.20x)")


def imports_by_format() -> None:
    print("(b) heavy libraries each format imports (a fresh process per format)")
    from lif_core.plugins import Plugins

    for name in sorted(Plugins.create().renderers.names()):
        code = (
            "import sys, io, contextlib\n"
            "from lif_core.cli import main\n"
            f"sys.argv = ['lif', 'report', 'impact', {str(CROYDON)!r}, '-f', {name!r}, '-o', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
        )
        with tempfile.TemporaryDirectory() as tmp:
            proc = subprocess.run(
                [sys.executable, "-c", code, str(Path(tmp) / "out")], capture_output=True, text=True, check=False
            )
        print(f"    {name:<10} {proc.stdout.strip() or '-'}")


def in_process(runs: int) -> None:
    from lif_core import load_board
    from lif_core.disclosure import board_rule, protect
    from lif_core.extensions import RenderOptions
    from lif_core.plugins import Plugins
    from lif_core.report import impact_report

    plugins = Plugins.create()
    loaded = load_board(CROYDON, plugins)
    day = loaded.board.settings.report_date
    assert day is not None
    document = protect(impact_report(loaded, plugins, day), board_rule(loaded))
    print(f"(c) rendering the composed Croydon report in process, median of {runs}")
    base = None
    for name in ["markdown", *sorted(n for n in plugins.renderers.names() if n != "markdown")]:
        renderer = plugins.renderers.get(name)
        renderer.render(document, RenderOptions())  # first use: imports, font caches
        times, size = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            size = len(renderer.render(document, RenderOptions()))
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        base = base or median
        print(f"    {name:<10} {median:8.3f} s  {median / base:6.1f}x markdown  {size:>10,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", help="a git revision to run beside this tree (a)")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    if args.base:
        side_by_side(args.base, args.runs)
    imports_by_format()
    in_process(max(3, args.runs // 3))


if __name__ == "__main__":
    main()
