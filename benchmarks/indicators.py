"""Benchmark: monthly indicators from case-level data, lif-core against pandas, in one run.

    python benchmarks/indicators.py            # or: bash benchmarks/run (installs pandas first)

Generates seeded, reproducible fake data (no real children): a referral extract of 100,000 and
1,000,000 rows (CSV, dd/mm/yyyy, a fixed pool of 50,000 children) and a CIN census XML of
100,000 children. Each computation runs in its own process, so peak memory is that process's
alone: lif-core reads through a real board (adapter, checks, pseudonymisation) and computes
monthly re-referrals within 12 months (CSV, read_batches), and re-referrals and assessments
within 45 working days from one reading of the census, taking only the fields those use (XML,
compute_indicators, as the scorecard does); pandas does the same work (parse the dates, the
same keyed pseudonym for every identifier, the same definitions) the way a pandas user would.
Both sides' results are compared, so the speed is for the same answer.

Figures printed: rows per second, peak resident memory, memory used by the work (peak less the
process's size after its imports), and the ratios lif-core / pandas. Absolute times vary from
machine to machine; the ratios are what to read. pandas is needed only here, never by lif-core.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

KEY = "3de98331320950a5ce1dee63a4b13545ad94d01ec9628f136d6af98fe4389ccb"
CHILDREN_POOL = 50_000
ROWS = (100_000, 1_000_000)
CIN_FILE = "cin-100000-2019.xml"


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


def write_board(folder: Path) -> Path:
    """A board whose sources are the generated files, read as a user's board reads them."""
    board = folder
    lines = ['[board]\nid = "bench"\nname = "Benchmark"\narea = "Nowhere"']
    for rows in ROWS:
        lines += [
            f'[[sources]]\nid = "referrals-{rows}"\nadapter = "csv"\npath = "referrals-{rows}.csv"',
            'fields = { child_id = "child-id", referral_date = "date:%d/%m/%Y" }\nrename = { child_id = "child" }',
        ]
    for table in ("referrals", "assessments"):
        lines.append(
            f'[[sources]]\nid = "cin-{table}"\nadapter = "cin-census"\npath = "{CIN_FILE}"\n'
            f'options = {{ table = "{table}" }}'
        )
    (board / "board.toml").write_text("\n".join(lines) + "\n")
    return board


# --------------------------------------------------------------------------- workers


def lif_worker(task: str, board: Path) -> dict[str, object]:
    from lif_core import Plugins, load_board
    from lif_core.clocks import WorkingDays
    from lif_core.data import Pseudonymiser, SourceReport, read_batches
    from lif_core.indicators import AssessmentTimeliness, ReReferrals, re_referrals
    from lif_core.measures import compute_indicators

    plugins = Plugins.create()
    loaded = load_board(board)
    sources = {s.id: s for s in loaded.board.sources}
    pseudo = Pseudonymiser(KEY.encode())
    base = reset_peak()
    started = time.perf_counter()
    out: dict[str, object] = {}
    if task.startswith("referrals-"):
        reports: list[SourceReport] = []

        def fresh():  # type: ignore[no-untyped-def]
            reports.append(SourceReport(task))
            return read_batches(loaded, sources[task], plugins, reports[-1], pseudonymiser=pseudo)

        result = re_referrals(fresh, "month")  # the source is read again only if out of date order
        out["rows"] = reports[-1].rows
        out["re_referrals"] = {r.period: [r.numerator, r.denominator] for r in result.rows}
    else:
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
        out["rows"] = refs.rows + assess.rows
        out["re_referrals"] = {r.period: [r.numerator, r.denominator] for r in referrals.rows}
        out["assessments"] = {r.period: [r.numerator, r.denominator] for r in timely.rows}
    out["seconds"] = time.perf_counter() - started
    out["peak_kb"] = peak_kb()
    out["base_kb"] = base
    return out


def pandas_worker(task: str, board: Path) -> dict[str, object]:
    import hashlib
    import hmac
    import xml.etree.ElementTree as ET

    import holidays
    import numpy as np
    import pandas as pd

    key = KEY.encode()

    def pseudonym(value: str) -> str:
        return "c" + hmac.digest(key, value.encode(), hashlib.sha256).hex()[:24]

    def pseudonymise(column: pd.Series) -> pd.Series:
        """Each distinct identifier hashed once, as a careful pandas user would."""
        return column.map({value: pseudonym(value) for value in column.unique()})

    def re_referral_table(df: pd.DataFrame) -> dict[str, list[int]]:
        df = df.sort_values(["child", "referral_date"], kind="stable")
        previous = df.groupby("child", sort=False)["referral_date"].shift()
        limit = df["referral_date"] - pd.DateOffset(years=1)
        df = df.assign(hit=(previous >= limit), month=df["referral_date"].dt.strftime("%Y-%m"))
        grouped = df.groupby("month")["hit"].agg(["sum", "count"])
        return {str(m): [int(s), int(c)] for m, (s, c) in grouped.iterrows()}

    base = reset_peak()
    started = time.perf_counter()
    out: dict[str, object] = {}
    if task.startswith("referrals-"):
        df = pd.read_csv(board / f"{task}.csv", dtype=str, keep_default_na=False)
        df["child"] = pseudonymise(df["child_id"])
        df["referral_date"] = pd.to_datetime(df["referral_date"], format="%d/%m/%Y")
        out["rows"] = len(df)
        out["children"] = int(df["child"].nunique())
        out["re_referrals"] = re_referral_table(df[["child", "referral_date"]])
    else:
        path = board / CIN_FILE
        referrals, assessments = [], []
        for _event, child in ET.iterparse(path):
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
        out["rows"] = len(referrals) + len(assessments)
        out["re_referrals"] = re_referral_table(refs)
        out["assessments"] = {str(m): [int(s), int(c)] for m, (s, c) in grouped.iterrows()}
    out["seconds"] = time.perf_counter() - started
    out["peak_kb"] = peak_kb()
    out["base_kb"] = base
    return out


# --------------------------------------------------------------------------- driver


def run(engine: str, task: str, board: Path) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", engine, task, str(board)],
        capture_output=True,
        text=True,
        env=dict(os.environ, LIF_PSEUDONYM_KEY=KEY),
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{engine} {task} failed:\n{proc.stderr}")
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def _work_mb(r: dict[str, object]) -> float:
    return (int(r["peak_kb"]) - int(r["base_kb"])) / 1024  # type: ignore[call-overload]


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        engine, task, board = sys.argv[2], sys.argv[3], Path(sys.argv[4])
        worker = lif_worker if engine == "lif" else pandas_worker
        print(json.dumps(worker(task, board)))
        return 0
    try:
        import pandas
    except ImportError:
        print("pandas is needed for the comparison: pip install -r benchmarks/requirements.txt", file=sys.stderr)
        return 2
    from lif_dfe.fake import write_cin, write_referrals

    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="lif-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for rows in ROWS:
        path = work / f"referrals-{rows}.csv"
        if not path.exists():
            write_referrals(path, rows, CHILDREN_POOL, seed=42)
    if not (work / CIN_FILE).exists():
        write_cin(work / CIN_FILE, 100_000, 2019, seed=42)
    board = write_board(work)
    print(f"data in {work} (generated in {time.perf_counter() - started:.1f} s; seeded, reproducible)")
    print(f"python {sys.version.split()[0]}, pandas {pandas.__version__}, {os.cpu_count()} cpus\n")
    header = f"{'task':40} {'engine':7} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak MB':>8} {'work MB':>8}"
    print(header)
    print("-" * len(header))
    tasks = [
        ("referral extract, 100,000 rows (CSV)", "referrals-100000"),
        ("referral extract, 1,000,000 rows (CSV)", "referrals-1000000"),
        ("CIN census, 100,000 children (XML)", "cin"),
    ]
    results: dict[tuple[str, str], dict[str, object]] = {}
    for label, task in tasks:
        for engine in ("lif", "pandas"):
            r = results[(task, engine)] = run(engine, task, board)
            seconds, rows = float(r["seconds"]), int(r["rows"])  # type: ignore[arg-type, call-overload]
            peak = int(r["peak_kb"]) / 1024  # type: ignore[call-overload]
            print(
                f"{label:40} {engine:7} {rows:>10,} {seconds:>8.2f} {rows / seconds:>10,.0f} "
                f"{peak:>8.1f} {_work_mb(r):>8.1f}"
            )
        keys = ("re_referrals", "assessments")
        same = all(results[(task, "lif")].get(k) == results[(task, "pandas")].get(k) for k in keys)
        print(f"{'':40} same monthly figures from both: {'yes' if same else 'NO'}")
    print("\nratios, lif-core against pandas (throughput above 1 is faster; memory at or below 0.1 meets the target):")
    for label, task in tasks:
        lif, pd_ = results[(task, "lif")], results[(task, "pandas")]
        speed = float(pd_["seconds"]) / float(lif["seconds"])  # type: ignore[arg-type]
        peak = int(lif["peak_kb"]) / int(pd_["peak_kb"])  # type: ignore[call-overload]
        print(
            f"  {label:40} throughput x{speed:.2f}   peak memory {peak:.2f}   "
            f"work memory {_work_mb(lif) / max(_work_mb(pd_), 0.1):.3f}"
        )
    small, large = _work_mb(results[("referrals-100000", "lif")]), _work_mb(results[("referrals-1000000", "lif")])
    kids = [int(results[(t, "pandas")]["children"]) for t in ("referrals-100000", "referrals-1000000")]  # type: ignore[call-overload]
    print(
        f"\nlif-core work memory, 100,000 -> 1,000,000 rows: {small:.1f} MB -> {large:.1f} MB "
        f"(x{large / max(small, 0.1):.2f} for x10 the rows)\n"
        f"distinct children in the extract: {kids[0]:,} -> {kids[1]:,} (x{kids[1] / kids[0]:.2f}); "
        f"work memory per child {small * 2**20 / kids[0]:.0f} -> {large * 2**20 / kids[1]:.0f} bytes: "
        "it follows the children, not the rows"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
