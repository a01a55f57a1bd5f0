"""Benchmark: the register store.

    python benchmarks/register.py

Imports the generated large board of benchmarks/report.py (200 reviews, 2,000 recommendations,
10,000 actions, 50,000 evidence items, 300 measures of 120 values) into a fresh store, then
makes single status updates, each its own transaction (as `lif status` does), and prints
updates per second; times a delete the store refuses (evidence refers to the action) and one it
makes; reads the register back to compare with its in-memory peer: the same records loaded
from board.toml (with the cycle collector paused, as validate_board reads a board).
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import write_large_board

from lif_core.board import _read
from lif_core.convert import to_json, unstructure
from lif_core.extensions import quiet_collector
from lif_core.model import COLLECTIONS
from lif_core.store import REGISTER_COLLECTIONS, Register, StoreError


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "board"
        counts = write_large_board(folder, 1.0)
        started = time.perf_counter()
        with quiet_collector():
            _reader, values, _ = _read(folder, {})
        read_files = time.perf_counter() - started
        known = {i.id: k for k in COLLECTIONS if k not in REGISTER_COLLECTIONS for i in values[k]}
        items = [(k, json.loads(to_json(unstructure(r), indent=None))) for k in REGISTER_COLLECTIONS for r in values[k]]
        started = time.perf_counter()
        with Register.open(folder / "register.sqlite", known, who="benchmark") as register:
            added, _, _ = register.import_records(items)
        imported = time.perf_counter() - started
        print(f"large board: {', '.join(f'{v:,} {k}' for k, v in counts.items())}")
        print(f"  read board.toml into records   {read_files:7.2f} s")
        print(
            f"  import {added:,} records (one transaction, with history)  {imported:7.2f} s  "
            f"({added / imported:,.0f} records/s)"
        )
        actions = [i["id"] for k, i in items if k == "actions"][:500]
        statuses = ["in-progress", "blocked", "completed"]
        times = []
        with Register.open(folder / "register.sqlite", known, who="benchmark") as register:
            for n, action in enumerate(actions):
                t = time.perf_counter()
                register.set_status(action, statuses[n % 3], note="benchmark")
                times.append(time.perf_counter() - t)
            started = time.perf_counter()
            try:
                register.delete("a1")
            except StoreError:  # refused: evidence e1 supports it
                refused = time.perf_counter() - started
            else:
                raise SystemExit("a1 was deleted: the generated board has changed; choose an action evidence supports")
            register.add("actions", {"id": "a-benchmark", "text": "Benchmark", "owner": "p1"})
            started = time.perf_counter()
            register.delete("a-benchmark")
            deleted = time.perf_counter() - started
            started = time.perf_counter()
            records = register.records()
            read_back = time.perf_counter() - started
        print(
            f"  {len(times)} single status updates, each its own transaction: "
            f"{len(times) / sum(times):,.0f} updates/s (median {statistics.median(times) * 1000:.2f} ms)"
        )
        print(
            f"  a delete refused (evidence refers to it) {refused * 1000:.1f} ms; a delete made {deleted * 1000:.1f} ms"
        )
        print(
            f"  read the register back: {len(records):,} records in {read_back:.2f} s "
            f"(x{read_back / read_files:.2f} the time to read them from board.toml)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
