"""Benchmark: the impact report.

    python benchmarks/report.py

(a) The Croydon example's report end to end as a process (`lif report impact examples/croydon`),
    beside Python's own start-up and the import time `python -X importtime` measures: target
    under half a second.
(b) A generated large board (20 partners, 200 reviews, 2,000 recommendations, 10,000 actions,
    50,000 evidence items, 300 measures x 120 periods) and one a tenth of its size: load,
    validate and report each, in process: target under 5 seconds for the large one, and ten
    times the data costing no more than about twelve times the time.

Figures are medians of several runs; read the ratios, not the seconds, on a noisy machine.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(
    os.environ,
    LIF_PSEUDONYM_KEY=os.environ.get(
        "LIF_PSEUDONYM_KEY", "3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb"
    ),
)


def timed(command: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=ENV, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_times() -> tuple[float, list[tuple[float, str]]]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import lif_core.cli, lif_core.report"],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self_us, cumulative_us, name = line.replace("import time:", "").split("|", 2)
        rows.append((int(cumulative_us) / 1e6, name.rstrip()))
    total = sum(t for t, name in rows if not name.startswith("  "))
    top = sorted(((t, n.strip()) for t, n in rows), reverse=True)[:6]
    return total, top


# --------------------------------------------------------------------------- a large board


def write_large_board(folder: Path, scale: float, seed: int = 1) -> dict[str, int]:
    """A generated board (fictional) of the issue's size times ``scale``."""
    rng = random.Random(seed)
    n = {
        k: max(1, int(v * scale))
        for k, v in {
            "partners": 20,
            "reviews": 200,
            "recommendations": 2000,
            "actions": 10000,
            "evidence": 50000,
            "measures": 300,
        }.items()
    }
    n["partners"] = max(3, n["partners"])
    periods = [f"{2009 + m // 12}-{m % 12 + 1:02d}" for m in range(120)]
    sectors = ["local-authority", "health", "police", "education", "probation", "voluntary-community"]
    board: dict[str, object] = {
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
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "board.toml").write_text(tomli_w.dumps(board), encoding="utf-8")
    return n


def run_large(folder: Path) -> tuple[float, float, float]:
    from lif_core import Plugins, validate_board
    from lif_core.builtins.renderers import MarkdownRenderer
    from lif_core.disclosure import protect
    from lif_core.report import impact_report

    started = time.perf_counter()
    plugins = Plugins.create()
    result = validate_board(folder, plugins)
    assert result.loaded is not None, [str(p) for p in result.errors[:5]]
    loaded_at = time.perf_counter()
    document = impact_report(result.loaded, plugins, dt.date(2018, 12, 31))
    MarkdownRenderer().render(protect(document))
    done = time.perf_counter()
    return loaded_at - started, done - loaded_at, done - started


def main() -> int:
    lif = str(Path(sys.executable).parent / "lif")
    print("(a) the Croydon impact report as a process (median of 7)")
    startup = timed([sys.executable, "-c", "pass"])
    imports, top = import_times()
    report = timed([lif, "report", "impact", "examples/croydon", "-f", "html", "-o", os.devnull])
    print(f"  python start-up           {startup:6.3f} s")
    print(
        f"  import lif_core (importtime) {imports:6.3f} s   largest: " + ", ".join(f"{n} {t:.3f}" for t, n in top[:4])
    )
    print(f"  lif report impact croydon {report:6.3f} s   target under 0.5 s: {'met' if report < 0.5 else 'NOT met'}")
    print(f"  report / start-up         x{report / startup:.1f}")
    print("\n(b) a generated large board: load and validate, then the report (median of 3)")
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for scale in (0.1, 1.0):
            folder = Path(tmp) / f"board-{scale}"
            counts = write_large_board(folder, scale)
            runs = [run_large(folder) for _ in range(3)]
            load, build, total = (statistics.median(r[i] for r in runs) for i in range(3))
            results[scale] = total
            sizes = ", ".join(f"{v:,} {k}" for k, v in counts.items())
            print(f"  scale {scale:>4}: {sizes}")
            print(f"             load+validate {load:6.2f} s   report {build:6.2f} s   total {total:6.2f} s")
        ratio = results[1.0] / results[0.1]
        print(
            f"  large board total {results[1.0]:.2f} s (target under 5 s: {'met' if results[1.0] < 5 else 'NOT met'})"
        )
        print(
            f"  ten times the data costs x{ratio:.1f} the time "
            f"(target about x12 at most: {'met' if ratio <= 12.5 else 'NOT met'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
