"""Benchmark: the impact report of a large board.

    python benchmarks/report.py [--runs N] [--profile register|toml]

A generated board (20 partners, 200 reviews, 2,000 recommendations, 10,000 actions, 50,000
evidence items, 300 measures x 120 monthly periods) and one a tenth of its size, each in two
forms:

- **register**: the board's structure in board.toml and its register in ``register.sqlite``,
  brought in through the store as ``lif import`` does (the files' register is then removed:
  the register lives in the store), which is where a real large board keeps it;
- **toml**: the whole board, register too, in one board.toml (about 10 MB at full size).

Each is loaded, validated (``validate_board``, every check) and reported (the impact report,
disclosure control, Markdown) in process, median of ``--runs`` runs, the two sizes alternately
(wall-clock seconds; the process's CPU seconds beside them, which a busy machine moves less).
Targets for the register path: the large board under 5 s, and ten times the data costing at
most 11 times the time.
``--profile`` prints a cProfile of one run of the large board instead.

The Croydon example's report as a process (start-up) is measured by benchmarks/startup.py.
Figures are medians; read the ratios, not the seconds, on a noisy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import gc
import io
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import tomli_w

os.environ.setdefault("LIF_PSEUDONYM_KEY", "3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb")

#: The large board's size (scale 1.0).
SIZES = {
    "partners": 20,
    "reviews": 200,
    "recommendations": 2000,
    "actions": 10000,
    "evidence": 50000,
    "measures": 300,
}
SCALES = (0.1, 1.0)
REGISTER_TARGET_S = 5.0
RATIO_TARGET = 11.0

# --------------------------------------------------------------------------- a large board


def large_board(scale: float, seed: int = 1) -> tuple[dict[str, Any], dict[str, int]]:
    """A generated board (fictional) of the issue's size times ``scale``, as board.toml data,
    and how many of each record it has."""
    rng = random.Random(seed)
    n = {k: max(1, int(v * scale)) for k, v in SIZES.items()}
    n["partners"] = max(3, n["partners"])
    periods = [f"{2009 + m // 12}-{m % 12 + 1:02d}" for m in range(120)]
    sectors = ["local-authority", "health", "police", "education", "probation", "voluntary-community"]
    board: dict[str, Any] = {
        "format": 1,
        "board": {
            "id": "large",
            "name": "Large Generated Partnership",
            "area": "Largeshire",
            "statutory_framework": "england-wt2018",
        },
        "settings": {"report_date": dt.date(2018, 12, 31)},
        "partners": [
            {"id": f"p{i}", "name": f"Partner {i}", "sector": sectors[i % len(sectors)], "safeguarding_partner": i < 3}
            for i in range(n["partners"])
        ],
        "groups": [
            {"id": "g0", "name": "The partnership", "kind": "board", "responsible_for": ["f0", "f1", "f2", "f3"]}
        ]
        + [{"id": f"g{i}", "name": f"Sub-group {i}", "kind": "sub-group", "reports_to": "g0"} for i in range(1, 8)],
        "functions": [{"id": f"f{i}", "kind": "local-arrangements", "text": f"Function {i}"} for i in range(4)],
        "inspection_recommendations": [
            {
                "id": f"ir{i}",
                "framework": "ofsted-ilacs-2018",
                "number": str(100 + i),
                "text": f"Recommendation {i}",
                "areas": ["help-and-protection"],
                "owner": "g1",
            }
            for i in range(10)
        ],
        "priorities": [
            {
                "id": f"pr{i}",
                "title": f"Priority {i}",
                "lead": "g1",
                "measures": [f"m{j}" for j in range(i, n["measures"], 10)],
                "themes": ["information-sharing"],
            }
            for i in range(10)
        ],
        "measures": [
            {
                "id": f"m{i}",
                "title": f"Measure {i}",
                "quadrant": "how-well",
                "polarity": "higher-is-better",
                "unit": "percent",
                "frequency": "monthly",
                "target": {"value": 80.0},
                "values": [{"period": p, "value": round(50 + 30 * rng.random(), 1)} for p in periods],
            }
            for i in range(n["measures"])
        ],
        "reviews": [
            {
                "id": f"r{i}",
                "title": f"Child {i}",
                "kind": "learning-review",
                "stage": "analysis",
                "stage_log": [
                    {"stage": "referral", "date": dt.date(2017, 1, 1)},
                    {"stage": "analysis", "date": dt.date(2017, 6, 1)},
                ],
                "reviewers": [{"name": "Lead", "independent": True}],
                "themes": ["information-sharing", "cin-3a"],
                "practitioner_events": [{"kind": "learning-event", "date": dt.date(2017, 5, 1)}],
            }
            for i in range(n["reviews"])
        ],
        "recommendations": [
            {
                "id": f"rec{i}",
                "source": f"r{i % n['reviews']}" if i % 5 else f"ir{i % 10}",
                "kind": "system-design",
                "text": f"Recommendation {i}",
                "owners": [f"p{i % n['partners']}"],
                "due": dt.date(2018, 6, 30),
            }
            for i in range(n["recommendations"])
        ],
        "actions": [
            {
                "id": f"a{i}",
                "text": f"Action {i}",
                "recommendation": f"rec{i % n['recommendations']}",
                "owner": f"p{i % n['partners']}",
                "due": dt.date(2018, 1, 1) + dt.timedelta(days=i % 700),
                "status": ("completed", "in-progress", "not-started")[i % 3],
            }
            for i in range(n["actions"])
        ],
        "evidence": [
            {
                "id": f"e{i}",
                "title": f"Evidence {i}",
                "kind": "audit",
                "date": dt.date(2018, 1, 1) + dt.timedelta(days=i % 360),
                "strength": ("weak", "moderate", "strong")[i % 3],
                "supports": [f"a{i % n['actions']}", f"f{i % 4}"] if i % 2 else [f"rec{i % n['recommendations']}"],
            }
            for i in range(n["evidence"])
        ],
    }
    return board, n


def write_large_board(folder: Path, scale: float, seed: int = 1) -> dict[str, int]:
    """The generated board of ``scale`` written whole (register too) to ``folder/board.toml``."""
    board, n = large_board(scale, seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "board.toml").write_text(tomli_w.dumps(board), encoding="utf-8")
    return n


def write_register_board(folder: Path, scale: float, seed: int = 1) -> dict[str, int]:
    """The generated board of ``scale`` as a board keeps it once its register is in the store:
    the structure in board.toml, the register in ``register.sqlite``, brought in by ``lif
    import`` (in process) from a register.toml that is then removed with its include."""
    from click.testing import CliRunner

    from lif_core import Plugins
    from lif_core.cli import make_cli
    from lif_core.model import REGISTER_COLLECTIONS

    board, n = large_board(scale, seed)
    structure = {k: v for k, v in board.items() if k not in REGISTER_COLLECTIONS}
    register = {k: v for k, v in board.items() if k in REGISTER_COLLECTIONS}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "board.toml").write_text(tomli_w.dumps({**structure, "include": ["register.toml"]}), encoding="utf-8")
    (folder / "register.toml").write_text(tomli_w.dumps(register), encoding="utf-8")
    result = CliRunner().invoke(make_cli(Plugins.create()), ["import", str(folder)], catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"lif import failed: {result.output}")
    (folder / "register.toml").unlink()
    (folder / "board.toml").write_text(tomli_w.dumps(structure), encoding="utf-8")
    return n


def run_large(folder: Path) -> tuple[float, float, float, float, bytes]:
    """Load and validate the board at ``folder``, then report it: ``(load+validate, report,
    total, total CPU)`` seconds, and the report as Markdown."""
    from lif_core import Plugins, validate_board
    from lif_core.builtins.renderers import MarkdownRenderer
    from lif_core.disclosure import protect
    from lif_core.report import impact_report

    gc.collect()  # each run starts from the same heap, not the last run's garbage
    cpu = time.process_time()
    started = time.perf_counter()
    plugins = Plugins.create()
    result = validate_board(folder, plugins)
    assert result.loaded is not None, [str(p) for p in result.errors[:5]]
    loaded_at = time.perf_counter()
    document = impact_report(result.loaded, plugins, dt.date(2018, 12, 31))
    markdown = MarkdownRenderer().render(protect(document))
    done = time.perf_counter()
    return loaded_at - started, done - loaded_at, done - started, time.process_time() - cpu, markdown


WRITERS = {"register": write_register_board, "toml": write_large_board}
FORMS = {
    "register": "the structure in board.toml, the register in register.sqlite",
    "toml": "everything in board.toml",
}


def measure(kind: str, runs: int, tmp: Path, reports: dict[float, bytes]) -> dict[float, float]:
    """Each scale's board in the form ``kind``, run alternately (so both see the same machine):
    medians printed, totals returned. Its report must be the same as the other form's
    (``reports``, by scale, filled by the first form measured)."""
    print(f"\n{kind}: {FORMS[kind]}")
    folders, counts, sizes = {}, {}, {}
    for scale in SCALES:
        folders[scale] = tmp / f"{kind}-{scale}"
        counts[scale] = WRITERS[kind](folders[scale], scale)
        sizes[scale] = sum(f.stat().st_size for f in folders[scale].iterdir() if f.is_file())
        output = run_large(folders[scale])[4]  # warm: plugins imported, the files in the system's cache
        if reports.setdefault(scale, output) != output:
            raise SystemExit(f"scale {scale}: the {kind} board's report differs from the other form's")
    results: dict[float, list[tuple[float, float, float, float, bytes]]] = {scale: [] for scale in SCALES}
    for _ in range(runs):
        for scale in SCALES:
            results[scale].append(run_large(folders[scale]))
    totals, cpus = {}, {}
    for scale in SCALES:
        load, build, total, cpu = (statistics.median(r[i] for r in results[scale]) for i in range(4))
        totals[scale], cpus[scale] = total, cpu
        size = ", ".join(f"{v:,} {k}" for k, v in counts[scale].items())
        print(f"  scale {scale:>4}: {size}; {sizes[scale] / 1e6:.1f} MB on disk")
        print(
            f"             load+validate {load:6.2f} s   report {build:6.2f} s   total {total:6.2f} s"
            f"   (CPU {cpu:.2f} s)"
        )
    print(
        f"  ten times the data costs x{totals[1.0] / totals[0.1]:.1f} the time (CPU x{cpus[1.0] / cpus[0.1]:.1f}); "
        "the same report as the other form"
    )
    return totals


def profile(kind: str, tmp: Path) -> None:
    folder = tmp / kind
    WRITERS[kind](folder, 1.0)
    run_large(folder)
    profiler = cProfile.Profile()
    profiler.enable()
    run_large(folder)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each board (median; default 5)")
    parser.add_argument("--profile", choices=sorted(WRITERS), help="profile one run of the large board instead")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.profile:
            profile(args.profile, tmp)
            return 0
        print(f"A generated large board and one a tenth of its size: load, validate, report (median of {args.runs})")
        reports: dict[float, bytes] = {}
        register = measure("register", args.runs, tmp, reports)
        toml = measure("toml", args.runs, tmp, reports)
    ratio = register[1.0] / register[0.1]
    print("\ntargets (register path):")
    print(
        f"  large board {register[1.0]:.2f} s: under {REGISTER_TARGET_S:g} s "
        f"{'met' if register[1.0] < REGISTER_TARGET_S else 'NOT met'}"
    )
    print(
        f"  ten times the data x{ratio:.1f} the time: at most x{RATIO_TARGET:g} "
        f"{'met' if ratio <= RATIO_TARGET else 'NOT met'}"
    )
    print(
        f"  (toml path: {toml[1.0]:.2f} s, x{toml[1.0] / toml[0.1]:.1f}; "
        f"register / toml at full size x{register[1.0] / toml[1.0]:.2f})"
    )
    return 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
