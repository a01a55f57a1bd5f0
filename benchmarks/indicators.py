"""Benchmark: monthly indicators from case-level data, lif-core beside DuckDB, polars and pandas,
in one run.

    bash benchmarks/run                       # installs the peers, then runs this
    python benchmarks/indicators.py           # 100,000 and 1,000,000 rows, CIN 100,000, 10,000,000 for memory
    python benchmarks/indicators.py --quick   # a tenth of each (a minute or so)

Generates seeded, reproducible fake data (no real children): referral extracts of 100,000,
1,000,000 and 10,000,000 rows (CSV, dd/mm/yyyy, in date order, a fixed pool of 50,000 children)
and a CIN census XML of 100,000 children. Each computation runs in a process of its own, so its
peak memory is its own:

- lif-core reads through a real board (adapter, checks, pseudonymisation) and computes monthly
  re-referrals within 12 months from the extract (read_batches), and re-referrals and
  assessments within 45 working days from one reading of the census, taking only the fields
  those use (compute_indicators, as the scorecard does);
- DuckDB (one thread: SET threads=1), polars (one thread: POLARS_MAX_THREADS=1 before it is
  imported) and pandas do the same work on the extract as their users would: read the CSV, parse
  the dates, give every identifier the same keyed pseudonym (HMAC-SHA256 under the board's key,
  each distinct identifier hashed once: in SQL in DuckDB, in Python for polars and pandas, which
  have no HMAC of their own), then the previous referral of the same child by a window or a
  shift, and the monthly counts;
- the census is XML, which neither DuckDB nor polars reads (DuckDB's XML reading is a community
  extension fetched from the network; polars has none): either would time Python's XML parser
  handing them rows, as pandas does here, so only pandas is beside lif-core for it.

Every side's monthly figures are compared with lif-core's, so the speed is for the same answer.
Each engine runs ``--repeat`` times (default 3), in turn with the others, and its median is
taken. Printed: rows per second, peak resident memory, the memory the work used (peak less the
process after its imports), the ratios of lif-core's time to each peer's, and lif-core's peak
memory at 1,000,000 and at 10,000,000 rows (targets: at most 1.3x DuckDB's time, 2x polars', and
peak memory at ten times the rows within 10%). Absolute times vary from machine to machine and
from run to run on a busy one; read the ratios. The peers are needed only here, never by lif-core.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

KEY = "3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb"
CHILDREN_POOL = 50_000
PEERS = ("duckdb", "polars", "pandas")
#: Rows of the two timed extracts, children in the census, rows of the memory run: full and --quick.
SIZES = {
    "full": ((100_000, 1_000_000), 100_000, 10_000_000),
    "quick": ((10_000, 100_000), 10_000, 1_000_000),
}
#: Each engine's targets against lif-core (lif-core's time over the peer's, at most).
TARGETS = {"duckdb": 1.3, "polars": 2.0}


def rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def peak_kb() -> int:
    """Peak resident memory since the last reset (VmHWM), else since the process started."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def reset_peak() -> int:
    """Start measuring the peak afresh (Linux: clear_refs 5 resets VmHWM); the size now."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
    except OSError:
        pass
    return rss_kb()


def write_board(folder: Path, extracts: list[int], cin_file: str) -> Path:
    """A board whose sources are the generated files, read as a user's board reads them."""
    lines = ['[board]\nid = "bench"\nname = "Benchmark"\narea = "Nowhere"']
    for rows in extracts:
        lines += [
            f'[[sources]]\nid = "referrals-{rows}"\nadapter = "csv"\npath = "referrals-{rows}.csv"',
            'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y" }\nrename = { child_id = "child" }',
        ]
    for table in ("referrals", "assessments"):
        lines.append(
            f'[[sources]]\nid = "cin-{table}"\nadapter = "cin-census"\npath = "{cin_file}"\n'
            f'options = {{ table = "{table}" }}'
        )
    (folder / "board.toml").write_text("\n".join(lines) + "\n")
    return folder


def _measured(work: Any) -> dict[str, Any]:
    """Run ``work()`` (returning the figures), timing it and measuring its memory."""
    base = reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    out: dict[str, Any] = work()
    out["seconds"] = time.perf_counter() - started
    out["cpu"] = time.process_time() - cpu
    out["peak_kb"] = peak_kb()
    out["base_kb"] = base
    return out


# --------------------------------------------------------------------------- workers


def lif_worker(task: str, board: Path) -> dict[str, Any]:
    from lif_core import Plugins, load_board
    from lif_core.clocks import WorkingDays
    from lif_core.data import Pseudonymiser, SourceReport, read_batches
    from lif_core.indicators import AssessmentTimeliness, ReReferrals, re_referrals
    from lif_core.measures import compute_indicators

    plugins = Plugins.create()
    loaded = load_board(board)
    sources = {s.id: s for s in loaded.board.sources}
    pseudo = Pseudonymiser(KEY.encode())

    def extract() -> dict[str, Any]:
        reports: list[SourceReport] = []

        def fresh():  # type: ignore[no-untyped-def]
            reports.append(SourceReport(task))
            return read_batches(loaded, sources[task], plugins, reports[-1], pseudonymiser=pseudo)

        result = re_referrals(fresh, "month")  # the source is read again only if out of date order
        return {"rows": reports[-1].rows, "re_referrals": {r.period: [r.numerator, r.denominator] for r in result.rows}}

    def census() -> dict[str, Any]:
        # Both tables from one reading of the census, as a board's scorecard reads them.
        (referrals, refs), (timely, assess) = compute_indicators(
            loaded,
            [
                (sources["cin-referrals"], ReReferrals("month", ordered=True)),
                (sources["cin-assessments"], AssessmentTimeliness("month", WorkingDays())),
            ],
            plugins,
            pseudonymiser=pseudo,
        )
        return {
            "rows": refs.rows + assess.rows,
            "re_referrals": {r.period: [r.numerator, r.denominator] for r in referrals.rows},
            "assessments": {r.period: [r.numerator, r.denominator] for r in timely.rows},
        }

    return _measured(extract if task.startswith("referrals-") else census)


def _pseudonym(value: str) -> str:
    """lif-core's pseudonym of an identifier, computed with the standard library."""
    import hashlib
    import hmac

    return "c" + hmac.digest(KEY.encode(), value.encode(), hashlib.sha256).hex()[:24]


def duckdb_worker(task: str, board: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads=1")
    key = KEY.encode().ljust(64, b"\0")  # HMAC's padded key blocks (the key is one block long)
    inner, outer = (bytes(b ^ pad for b in key).hex() for pad in (0x36, 0x5C))

    def pseudonym(column: str) -> str:
        return f"'c' || left(sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({column})))), 24)"

    check = con.execute(f"SELECT {pseudonym('$1')}", ["FAKE0000001"]).fetchone()
    if check is None or check[0] != _pseudonym("FAKE0000001"):
        raise SystemExit(f"DuckDB's pseudonym differs from lif-core's: {check}")
    path = str(board / f"{task}.csv").replace("'", "''")

    def work() -> dict[str, Any]:
        rows = con.execute(
            f"""
            WITH raw AS MATERIALIZED (
                SELECT child_id, referral_date AS day FROM read_csv('{path}', header = true,
                    dateformat = '%d/%m/%Y',
                    types = {{'child_id': 'VARCHAR', 'referral_date': 'DATE', 'referral_source': 'VARCHAR'}})
            ),
            ids AS (SELECT child_id, {pseudonym("child_id")} AS child FROM (SELECT DISTINCT child_id FROM raw)),
            refs AS (
                SELECT day, lag(day) OVER (PARTITION BY child ORDER BY day) AS previous
                FROM raw JOIN ids USING (child_id)
            )
            SELECT strftime(day, '%Y-%m') AS month,
                   count(*) FILTER (WHERE previous >= day - INTERVAL 1 YEAR) AS again, count(*) AS referrals
            FROM refs GROUP BY month ORDER BY month
            """
        ).fetchall()
        figures = {month: [int(again), int(n)] for month, again, n in rows}
        return {"rows": sum(n for _again, n in figures.values()), "re_referrals": figures}

    return _measured(work)


def polars_worker(task: str, board: Path) -> dict[str, Any]:
    os.environ["POLARS_MAX_THREADS"] = "1"  # read when polars is imported: one thread, as the others
    import polars as pl

    if pl.thread_pool_size() != 1:
        raise SystemExit(f"polars runs {pl.thread_pool_size()} threads, not 1")

    def work() -> dict[str, Any]:
        df = pl.read_csv(
            board / f"{task}.csv",
            columns=["child_id", "referral_date"],
            schema_overrides={"child_id": pl.String, "referral_date": pl.String},
        )
        ids = df["child_id"].unique()
        names = pl.DataFrame({"child_id": ids, "child": [_pseudonym(v) for v in ids]})
        day = pl.col("day")
        monthly = (
            df.join(names, on="child_id", how="left")
            .select("child", day=pl.col("referral_date").str.to_date("%d/%m/%Y"))
            .sort("child", "day", maintain_order=True)
            .with_columns(again=(day.shift().over("child") >= day.dt.offset_by("-1y")).fill_null(False))
            .group_by(month=day.dt.strftime("%Y-%m"))
            .agg(pl.col("again").sum(), pl.len())
            .sort("month")
        )
        figures = {month: [int(again), int(n)] for month, again, n in monthly.iter_rows()}
        return {"rows": df.height, "re_referrals": figures}

    return _measured(work)


def pandas_worker(task: str, board: Path) -> dict[str, Any]:
    import xml.etree.ElementTree as ET

    import holidays
    import numpy as np
    import pandas as pd

    def pseudonymise(column: pd.Series) -> pd.Series:
        """Each distinct identifier hashed once, as a careful pandas user would."""
        return column.map({value: _pseudonym(value) for value in column.unique()})

    def re_referral_table(df: pd.DataFrame) -> dict[str, list[int]]:
        df = df.sort_values(["child", "referral_date"], kind="stable")
        previous = df.groupby("child", sort=False)["referral_date"].shift()
        limit = df["referral_date"] - pd.DateOffset(years=1)
        df = df.assign(hit=(previous >= limit), month=df["referral_date"].dt.strftime("%Y-%m"))
        grouped = df.groupby("month")["hit"].agg(["sum", "count"])
        return {str(m): [int(s), int(c)] for m, (s, c) in grouped.iterrows()}

    def extract() -> dict[str, Any]:
        df = pd.read_csv(board / f"{task}.csv", dtype=str, keep_default_na=False)
        df["child"] = pseudonymise(df["child_id"])
        df["referral_date"] = pd.to_datetime(df["referral_date"], format="%d/%m/%Y")
        return {"rows": len(df), "re_referrals": re_referral_table(df[["child", "referral_date"]])}

    def census() -> dict[str, Any]:
        cin = next(board.glob("cin-*.xml"))
        referrals, assessments = [], []
        for _event, child in ET.iterparse(cin):
            if child.tag != "Child":
                continue
            cid = child.findtext("ChildIdentifiers/LAchildID")
            for episode in child.findall("CINdetails"):
                day = episode.findtext("CINreferralDate")
                referrals.append((cid, day))
                for a in episode.findall("Assessments"):
                    assessments.append(
                        (day, a.findtext("AssessmentActualStartDate"), a.findtext("AssessmentAuthorisationDate"))
                    )
            child.clear()
        refs = pd.DataFrame(referrals, columns=["child", "referral_date"])
        refs["child"] = pseudonymise(refs["child"])
        refs["referral_date"] = pd.to_datetime(refs["referral_date"], format="%Y-%m-%d")
        ass = pd.DataFrame(assessments, columns=["referral_date", "start", "authorised"])
        ass = ass[ass["authorised"].notna()]
        for column in ("referral_date", "start", "authorised"):
            ass[column] = pd.to_datetime(ass[column], format="%Y-%m-%d")
        ass = ass[ass["authorised"] >= ass["referral_date"]]
        years = range(ass["referral_date"].dt.year.min() - 1, ass["authorised"].dt.year.max() + 2)
        bank = np.array(sorted(holidays.country_holidays("GB", subdiv="ENG", years=years)), dtype="datetime64[D]")
        days = np.busday_count(
            (ass["referral_date"] + pd.Timedelta(days=1)).values.astype("datetime64[D]"),
            (ass["authorised"] + pd.Timedelta(days=1)).values.astype("datetime64[D]"),
            holidays=bank,
        )
        ass = ass.assign(ok=days <= 45, month=ass["authorised"].dt.strftime("%Y-%m"))
        grouped = ass.groupby("month")["ok"].agg(["sum", "count"])
        return {
            "rows": len(referrals) + len(assessments),
            "re_referrals": re_referral_table(refs),
            "assessments": {str(m): [int(s), int(c)] for m, (s, c) in grouped.iterrows()},
        }

    return _measured(extract if task.startswith("referrals-") else census)


WORKERS = {"lif": lif_worker, "duckdb": duckdb_worker, "polars": polars_worker, "pandas": pandas_worker}


# --------------------------------------------------------------------------- driver


def run(engine: str, task: str, board: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", engine, task, str(board)],
        capture_output=True,
        text=True,
        env=dict(os.environ, LIF_PSEUDONYM_KEY=KEY),
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{engine} {task} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def _work_mb(r: dict[str, Any]) -> float:
    return (int(r["peak_kb"]) - int(r["base_kb"])) / 1024


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median time (its memory with it); every run's figures must agree."""
    first = runs[0]
    if any(r.get("re_referrals") != first.get("re_referrals") for r in runs):
        raise SystemExit("one engine gave different figures from run to run")
    ranked = sorted(runs, key=lambda r: float(r["seconds"]))
    chosen = dict(ranked[len(ranked) // 2])
    chosen["all_seconds"] = [round(float(r["seconds"]), 3) for r in runs]
    return chosen


def _load() -> str:
    """The machine's load average over the last minute (processes running or waiting): above
    the number of cpus, the engines shared the machine with other work, and their times moved."""
    try:
        return f"load average {os.getloadavg()[0]:.1f}"
    except OSError:
        return "load average unknown"


def _versions(engines: list[str]) -> str:
    found = [f"python {sys.version.split()[0]}"]
    for name in engines:
        if name != "lif":
            module = __import__(name)
            found.append(f"{name} {module.__version__}")
    return ", ".join(found)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        engine, task, board = sys.argv[2], sys.argv[3], Path(sys.argv[4])
        print(json.dumps(WORKERS[engine](task, board)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows and children")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine on each task (median taken)")
    parser.add_argument("--peers", default=",".join(PEERS), help="peers to run beside lif-core (comma-separated)")
    parser.add_argument("--no-memory", action="store_true", help="skip the 10x-rows memory run")
    args = parser.parse_args()
    peers = [p for p in args.peers.split(",") if p]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; known: {', '.join(PEERS)}")
    missing = []
    for name in peers:
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    if missing:
        print(
            f"{', '.join(missing)} needed for the comparison: pip install -r benchmarks/requirements.txt",
            file=sys.stderr,
        )
        return 2
    from lif_dfe.fake import write_cin, write_referrals

    (small, large), children, memory_rows = SIZES["quick" if args.quick else "full"]
    cin_file = f"cin-{children}-2019.xml"
    extracts = [small, large] + ([] if args.no_memory else [memory_rows])
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="lif-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for rows in extracts:
        path = work / f"referrals-{rows}.csv"
        if not path.exists():
            write_referrals(path, rows, CHILDREN_POOL, seed=42)
    for stale in work.glob("cin-*.xml"):
        if stale.name != cin_file:
            stale.unlink()  # the pandas side reads the one census in the folder
    if not (work / cin_file).exists():
        write_cin(work / cin_file, children, 2019, seed=42)
    board = write_board(work, extracts, cin_file)
    print(f"data in {work} (generated in {time.perf_counter() - started:.1f} s; seeded, reproducible)")
    print(
        f"{_versions(['lif', *peers])}, {os.cpu_count()} cpus, each engine on one thread, median of {args.repeat}; "
        f"{_load()}\n"
    )
    header = f"{'task':40} {'engine':7} {'rows':>11} {'seconds':>8} {'cpu s':>7} {'rows/s':>10} {'peak MB':>8}"
    header += f" {'work MB':>8}"
    print(header)
    print("-" * len(header))
    tasks = [
        (f"referral extract, {small:,} rows (CSV)", f"referrals-{small}", ["lif", *peers]),
        (f"referral extract, {large:,} rows (CSV)", f"referrals-{large}", ["lif", *peers]),
        (f"CIN census, {children:,} children (XML)", "cin", ["lif", *[p for p in peers if p == "pandas"]]),
    ]
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for label, task, engines in tasks:
        runs: dict[str, list[dict[str, Any]]] = {engine: [] for engine in engines}
        for _ in range(args.repeat):
            for engine in engines:  # in turn, so a busy spell on the machine falls on all of them
                runs[engine].append(run(engine, task, board))
        for engine in engines:
            r = results[(task, engine)] = _median_run(runs[engine])
            seconds, rows = float(r["seconds"]), int(r["rows"])
            print(
                f"{label:40} {engine:7} {rows:>11,} {seconds:>8.3f} {float(r['cpu']):>7.3f} {rows / seconds:>10,.0f} "
                f"{int(r['peak_kb']) / 1024:>8.1f} {_work_mb(r):>8.1f}"
            )
        lif = results[(task, "lif")]
        keys = ("re_referrals", "assessments")
        differ = [e for e in engines[1:] if any(results[(task, e)].get(k) != lif.get(k) for k in keys)]
        print(
            f"{'':40} same monthly figures: "
            + ("yes, " + " = ".join(engines) if not differ else f"NO: {', '.join(differ)} differ from lif")
        )
        if differ:
            return 1
    print(f"\n{_load()} (other work on the machine slows lif-core's look-ups among 50,000 children most)")
    print(
        "\nratios, lif-core's time over each peer's (below 1: lif-core faster; the target is on the time, the cpu "
        "ratio says how much a busy machine moved it), its peak memory over theirs:"
    )
    for label, task, engines in tasks:
        lif = results[(task, "lif")]
        for peer in engines[1:]:
            other = results[(task, peer)]
            ratio = float(lif["seconds"]) / float(other["seconds"])
            cpu = float(lif["cpu"]) / float(other["cpu"])
            target = TARGETS.get(peer) if task == f"referrals-{large}" and not args.quick else None
            verdict = f"  (target at most {target}: {'met' if ratio <= target else 'NOT met'})" if target else ""
            memory = int(lif["peak_kb"]) / int(other["peak_kb"])
            print(f"  {label:40} vs {peer:7} time x{ratio:.2f} (cpu x{cpu:.2f})   peak memory x{memory:.2f}{verdict}")
    if not args.no_memory:
        flat = _median_run([run("lif", f"referrals-{memory_rows}", board) for _ in range(1)])
        one = results[(f"referrals-{large}", "lif")]
        seconds = float(flat["seconds"])
        ratio = int(flat["peak_kb"]) / int(one["peak_kb"])
        verdict = "met" if ratio <= 1.10 else "NOT met"
        print(
            f"\nlif-core's memory for ten times the rows: {large:,} rows peak {int(one['peak_kb']) / 1024:.1f} MB, "
            f"{memory_rows:,} rows peak {int(flat['peak_kb']) / 1024:.1f} MB (work {_work_mb(one):.1f} -> "
            f"{_work_mb(flat):.1f} MB): x{ratio:.3f}{'' if args.quick else f' (target within 10%: {verdict})'}; "
            f"{memory_rows:,} rows in {seconds:.2f} s, {int(flat['rows']) / seconds:,.0f} rows/s"
        )
        if flat["re_referrals"] is None or int(flat["rows"]) != memory_rows:
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
