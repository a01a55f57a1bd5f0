"""Benchmark: concurrent writers on each register store, side by side.

    python benchmarks/stores.py [--writers 1,4,16] [--seconds 10] [--shared] [--json FILE]

For each store (the builtin SQLite ``register.sqlite``; PostgreSQL through lif-postgres, on a
throw-away cluster this run starts: initdb into a temporary folder, the server on a unix socket
there, ``fsync`` on, as a council's server would run) and each number of writers: a fresh
register with one action per writer, then that many writer *processes*, each with its own
connection, updating its action (``Register.update``: checked, one transaction, one history
row) as fast as it can for ``--seconds``. With ``--shared`` they all update the same action,
with ``expected=`` (a refused stale write is counted as a conflict and retried).

Measured: acknowledged updates per second (all writers together) and the p50 and p95 latency
of one update, and the longest; updates refused as busy (a writer that waited lif-core's busy
timeout, 10 s, for its turn: SQLite's lock is not first come first served, PostgreSQL's
advisory lock queues its waiters); and then that nothing acknowledged is missing (each action's history holds
exactly its acknowledged updates). Ratios PostgreSQL / SQLite are printed from the one run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORKER = """
import json, sys, time
from pathlib import Path
from lif_core import ConflictError, StoreError
store, root, action, start, seconds, shared = sys.argv[1:7]
if store == "sqlite":
    from lif_core.builtins.stores import SqliteStore as Backend
else:
    from lif_postgres.plugin import PostgresStore as Backend
start, seconds, shared = float(start), float(seconds), shared == "1"
latencies, conflicts, busy = [], 0, 0
with Backend().open(Path(root), {"qapp": "groups"}, f"writer-{action}", create=False) as register:
    register.get(action)  # connected and warm before the clock starts
    while time.time() < start:
        time.sleep(0.0005)
    end = start + seconds
    n = 0
    while time.time() < end:
        n += 1
        began = time.perf_counter()
        try:
            if shared:
                register.update(action, {"text": f"{sys.argv[7]} {n}"}, expected=register.version(action))
            else:
                register.update(action, {"text": f"count {n}"})
        except ConflictError:
            conflicts += 1
            continue
        except StoreError as exc:  # waited the busy timeout for its turn: refused, nothing written
            if "busy" not in str(exc):
                raise
            busy += 1
            continue
        latencies.append(time.perf_counter() - began)
print(json.dumps({"latencies": latencies, "conflicts": conflicts, "busy": busy}))
"""


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _backend(store: str) -> Any:
    if store == "sqlite":
        from lif_core.builtins.stores import SqliteStore

        return SqliteStore()
    from lif_postgres.plugin import PostgresStore

    return PostgresStore()


def run_one(store: str, root: Path, writers: int, seconds: float, shared: bool) -> dict[str, Any]:
    backend = _backend(store)
    actions = ["shared"] if shared else [f"w{n}" for n in range(writers)]
    with backend.open(root, {"qapp": "groups"}, "setup") as register:
        for action in actions:
            register.add("actions", {"id": action, "text": "count 0", "owner": "qapp"})
    start = time.time() + 4.0 + 0.4 * writers  # every writer connected before the clock starts
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                store,
                str(root),
                actions[0] if shared else actions[n],
                str(start),
                str(seconds),
                "1" if shared else "0",
                f"w{n}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    latencies: list[float] = []
    conflicts = busy = 0
    acknowledged: dict[str, int] = {}
    for n, proc in enumerate(procs):
        out, err = proc.communicate(timeout=seconds + 120)
        if proc.returncode != 0:
            raise SystemExit(f"{store} writer {n} failed: {err.strip()[-2000:]}")
        result = json.loads(out)
        latencies += result["latencies"]
        conflicts += result["conflicts"]
        busy += result["busy"]
        key = actions[0] if shared else actions[n]
        acknowledged[key] = acknowledged.get(key, 0) + len(result["latencies"])
    lost = 0
    with backend.open_read_only(root) as register:
        for action, count in acknowledged.items():
            lost += count - (len(register.history(action)) - 1)
    return {
        "store": store,
        "writers": writers,
        "updates": len(latencies),
        "updates_per_s": len(latencies) / seconds,
        "p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "p95_ms": 1000 * _percentile(latencies, 0.95),
        "max_ms": 1000 * max(latencies, default=float("nan")),
        "conflicts": conflicts,
        "busy": busy,
        "lost": lost,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="1,4,16", help="numbers of concurrent writer processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each configuration writes")
    parser.add_argument("--shared", action="store_true", help="all writers update one action, with expected=")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    counts = [int(x) for x in args.writers.split(",")]

    from lif_postgres.testing import throwaway_cluster

    results: list[dict[str, Any]] = []
    with throwaway_cluster(fsync=True) as cluster, tempfile.TemporaryDirectory(prefix="lif-stores-") as tmp:
        for writers in counts:
            for store in ("sqlite", "postgres"):
                root = Path(tmp) / f"{store}-{writers}"
                root.mkdir()
                if store == "postgres":
                    url = cluster.create_database(f"bench_{writers}")
                    (root / "register.postgres.toml").write_text(f'url = "{url}"\n', encoding="utf-8")
                result = run_one(store, root, writers, args.seconds, args.shared)
                results.append(result)
                print(
                    f"{store:9} {writers:3} writers: {result['updates_per_s']:8.1f} updates/s, "
                    f"p50 {result['p50_ms']:7.2f} ms, p95 {result['p95_ms']:7.2f} ms, max {result['max_ms']:8.1f} ms, "
                    f"{result['conflicts']} conflicts, {result['busy']} refused busy, {result['lost']} lost",
                    flush=True,
                )
    print()
    print(
        f"{'writers':>7} | {'SQLite upd/s':>12} {'p95 ms':>8} | {'PostgreSQL upd/s':>16} {'p95 ms':>8} | "
        f"{'PG/SQLite upd/s':>15} {'PG/SQLite p95':>13}"
    )
    for writers in counts:
        s, p = (
            next(r for r in results if r["store"] == st and r["writers"] == writers) for st in ("sqlite", "postgres")
        )
        print(
            f"{writers:7} | {s['updates_per_s']:12.1f} {s['p95_ms']:8.2f} | "
            f"{p['updates_per_s']:16.1f} {p['p95_ms']:8.2f} | "
            f"{p['updates_per_s'] / s['updates_per_s']:15.2f} {p['p95_ms'] / s['p95_ms']:13.2f}"
        )
    print(
        f"\nmachine: {os.cpu_count()} CPUs; {args.seconds:g} s per configuration; "
        f"{'one shared action, expected=' if args.shared else 'one action per writer'}"
    )
    if any(r["lost"] for r in results):
        raise SystemExit(
            "LOST UPDATES: " + ", ".join(f"{r['store']} x{r['writers']}: {r['lost']}" for r in results if r["lost"])
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
