"""Benchmark: ``lif serve`` under load on loopback, bounded (it stops by itself).

    python benchmarks/web_load.py [--clients 20] [--seconds 60] [--workers 1] [--actions 5]
                                  [--peer-seconds 10] [--json FILE] [--store sqlite|postgres]

A copy of the Croydon board, its register imported into SQLite (or, with ``--store postgres``, a
throw-away PostgreSQL cluster's database), one account per client
(``lif users add``), and ``lif serve`` started as a real process on a free 127.0.0.1 port
(``lif_web.testing.serving``, as lif-web's tests start it). Then
``--clients`` threads, each signed in with its own account, for ``--seconds``:
read the dashboard (``GET /``), open an action's status form (``GET /r/ID/status``: its version
and the form's token) and record a new status with a note (``POST /r/ID/status``). The clients
share ``--actions`` actions, so they do collide: a write made from an out-of-date version is
refused (409, a conflict, counted apart and retried from a fresh form) and never lost.

Measured: p50 and p95 latency of each request kind, acknowledged updates per second, errors
(any other status, or no answer), conflicts, and lost updates: every acknowledged write (303)
must be in the register afterwards, its note in the action's status log and in its history
(read through the register, after the server has stopped).

Peers in the same run, for ratios on a noisy machine: the same clients reading a static file
from the same server for ``--peer-seconds`` (the server's floor), and the same status update
made directly through the register in this process (``open_register(...).set_status``, what
``lif status`` does without the process start), one at a time.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
PASSWORD = "benchmark-password-0123"
STATUSES = ("in-progress", "blocked")


# --------------------------------------------------------------------------- forms in pages


class _Forms(html.parser.HTMLParser):
    """Each <form> of a page: its action, method and fields (name -> value; the password and
    text inputs' names kept apart)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": {}}
            self._form["text"], self._form["password"] = [], []
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form["fields"][a["name"]] = a.get("value", "")
            if kind == "password":
                self._form["password"].append(a["name"])
            elif kind in ("text", "email"):
                self._form["text"].append(a["name"])
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["fields"].setdefault(self._select, "")
        elif tag == "option" and self._select is not None:
            if "selected" in a or not self._form["fields"].get(self._select):
                self._form["fields"][self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"][self._textarea] = ""

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms(page: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def keep_cookies(client: httpx.Client) -> httpx.Client:
    """Send back the cookies the server sets, ``Secure`` ones too, as a browser does on
    127.0.0.1 (httpx's own jar keeps ``Secure`` cookies for https only)."""
    jar: dict[str, str] = {}

    def remember(response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in header.lower():
                jar[name.strip()] = value
            else:
                jar.pop(name.strip(), None)
        client.headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())

    client.event_hooks["response"].append(remember)
    return client


def sign_in(client: httpx.Client, name: str, password: str) -> None:
    page = client.get("/login")
    page.raise_for_status()
    form = next(f for f in forms(page.text) if f["password"])
    data = dict(form["fields"])
    data[form["text"][0]] = name
    data[form["password"][0]] = password
    answer = client.post(form["action"] or "/login", data=data)
    if answer.status_code not in (302, 303):
        raise RuntimeError(f"sign-in as {name} failed: HTTP {answer.status_code}")


# --------------------------------------------------------------------------- set-up


def _environment(folder: Path) -> dict[str, str]:
    from lif_core.testing import environment

    env = dict(os.environ)
    for name, value in environment(folder, user="benchmark").items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _lif() -> list[str]:
    script = Path(sys.executable).with_name("lif")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lif_core.cli"]


def prepare(
    folder: Path, clients: int, actions: int, env: dict[str, str], postgres_url: str | None = None
) -> tuple[Path, list[str]]:
    """The Croydon board copied, its register imported (into PostgreSQL where ``postgres_url``
    names a database, else SQLite), ``actions`` fresh actions to update and an admin account
    per client."""
    board = folder / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("*.sqlite*", "attachments", "accounts*"))
    if postgres_url is not None:
        toml = (board / "board.toml").read_text(encoding="utf-8")
        toml = toml.replace("\n[settings]\n", '\n[settings]\nstore = "postgres"\n', 1)
        (board / "board.toml").write_text(toml, encoding="utf-8")
        (board / "register.postgres.toml").write_text(f"url = {json.dumps(postgres_url)}\n", encoding="utf-8")
    subprocess.run([*_lif(), "import", str(board)], env=env, check=True, capture_output=True)
    from lif_core.commands import open_register
    from lif_core.testing import make_plugins

    ids = [f"a-load-{n}" for n in range(actions)]
    with open_register(board, make_plugins(), who="benchmark") as register:
        for action in ids:
            register.add(
                "actions",
                {"id": action, "text": f"Load benchmark action {action}", "owner": "qapp", "status": "not-started"},
            )
    for n in range(clients):
        subprocess.run(
            [*_lif(), "users", "add", str(board), f"client{n}", "--role", "admin", "--password-stdin"],
            input=PASSWORD + "\n",
            text=True,
            env=env,
            check=True,
            capture_output=True,
        )
    return board, ids


def server_cpu(pid: int) -> float | None:
    """CPU seconds used so far by the server process and its worker processes (Linux's /proc;
    None elsewhere): a figure the machine's other load does not inflate as it does latency."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return None
    for entry in entries:
        try:
            text = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        # after the name: state ppid ... utime (11th) stime (12th)
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --------------------------------------------------------------------------- the load


@dataclass
class Tally:
    latency: dict[str, list[float]] = field(default_factory=dict)
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (action id, note)
    errors: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def time(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latency.setdefault(kind, []).append(seconds)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def _timed(tally: Tally, kind: str, call: Any) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response: httpx.Response = call()
    except httpx.HTTPError as exc:
        tally.error(f"{kind}: {type(exc).__name__}")
        return None
    tally.time(kind, time.perf_counter() - start)
    return response


def signed_in_clients(base: str, count: int, tally: Tally) -> list[httpx.Client | None]:
    """``count`` HTTP clients, each signed in with its own account (in parallel; the sign-in's
    time is measured too: it hashes the password with argon2id on purpose)."""
    clients: list[httpx.Client | None] = [None] * count

    def one(n: int) -> None:
        client = keep_cookies(httpx.Client(base_url=base, timeout=60, follow_redirects=False))
        start = time.perf_counter()
        try:
            sign_in(client, f"client{n}", PASSWORD)
        except (RuntimeError, httpx.HTTPError, StopIteration) as exc:
            tally.error(f"sign-in: {exc}")
            client.close()
            return
        tally.time("sign-in", time.perf_counter() - start)
        clients[n] = client

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return clients


def client_loop(client: httpx.Client, n: int, actions: list[str], until: float, tally: Tally, peer: bool) -> None:
    i = 0
    while time.monotonic() < until:
        i += 1
        if peer:
            r = _timed(tally, "static file", lambda: client.get("/static/site.css"))
            if r is not None and r.status_code != 200:
                tally.error(f"static file: HTTP {r.status_code}")
            continue
        r = _timed(tally, "dashboard", lambda: client.get("/"))
        if r is None:
            continue
        if r.status_code != 200:
            tally.error(f"dashboard: HTTP {r.status_code}")
        action = actions[(n + i) % len(actions)]
        for _attempt in range(5):  # a conflict: open the form again and resend
            r = _timed(tally, "status form", lambda: client.get(f"/r/{action}/status"))  # noqa: B023
            if r is None:
                break
            if r.status_code != 200:
                tally.error(f"status form: HTTP {r.status_code}")
                break
            form = next((f for f in forms(r.text) if f["method"] == "post" and "version" in f["fields"]), None)
            if form is None:
                tally.error("status form: no form with a version")
                break
            note = f"load c{n} #{i}.{_attempt}"
            data = dict(form["fields"])
            data.update(status=STATUSES[i % 2], note=note, date=dt.date.today().isoformat())
            target = form["action"] or f"/r/{action}/status"
            r = _timed(tally, "status update", lambda: client.post(target, data=data))  # noqa: B023
            if r is None:
                break
            if r.status_code == 303:
                with tally.lock:
                    tally.acknowledged.append((action, note))
                break
            if r.status_code == 409:
                with tally.lock:
                    tally.conflicts += 1
                continue
            tally.error(f"status update: HTTP {r.status_code}")
            break


def run_clients(clients: list[httpx.Client | None], actions: list[str], seconds: float, peer: bool) -> Tally:
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client_loop, args=(client, n, actions, until, tally, peer), daemon=True)
        for n, client in enumerate(clients)
        if client is not None
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
        if thread.is_alive():
            tally.error("a client did not finish")
    return tally


def lost_updates(board: Path, acknowledged: list[tuple[str, str]]) -> int:
    """Acknowledged writes missing from the register: the note not in the action's status log,
    or not in its history."""
    from lif_core.commands import open_register
    from lif_core.testing import make_plugins

    lost = 0
    with open_register(board, make_plugins(), write=False) as register:
        for action in sorted({a for a, _ in acknowledged}):
            _, record = register.get(action)
            logged = {entry.get("note", "") for entry in record.get("status_log", [])}
            history = {change.note for change in register.history(action)}
            lost += sum(1 for a, note in acknowledged if a == action and (note not in logged or note not in history))
    return lost


def direct_writes(board: Path, action: str, count: int) -> list[float]:
    """The same status update through the register in this process, one at a time."""
    from lif_core.commands import open_register
    from lif_core.testing import make_plugins

    times = []
    with open_register(board, make_plugins(), who="benchmark") as register:
        for i in range(count):
            start = time.perf_counter()
            version = register.version(action)
            register.set_status(action, STATUSES[i % 2], note=f"direct #{i}", expected=version)
            times.append(time.perf_counter() - start)
    return times


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--actions", type=int, default=5, help="actions the clients share (they collide)")
    parser.add_argument("--peer-seconds", type=float, default=10)
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    parser.add_argument(
        "--server-log",
        type=Path,
        help="keep the server's output here (it is printed anyway, from its first traceback, when a request failed)",
    )
    parser.add_argument(
        "--store",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the register's store: postgres starts a throw-away cluster (lif-postgres, Debian's postgresql)",
    )
    args = parser.parse_args(argv)
    if not (1 <= args.clients <= 200 and 1 <= args.seconds <= 3600 and 1 <= args.actions <= 1000):
        parser.error("--clients 1-200, --seconds 1-3600, --actions 1-1000")

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="lif-web-load-"))
        postgres_url = None
        if args.store == "postgres":
            from lif_postgres.testing import throwaway_cluster

            postgres_url = stack.enter_context(throwaway_cluster()).create_database("web_load")
        folder = Path(tmp)
        env = _environment(folder)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("LIF_", "XDG_"))})
        print(f"setting up: Croydon, {args.actions} actions, {args.clients} accounts, {args.store} ...", flush=True)
        board, actions = prepare(folder, args.clients, args.actions, env, postgres_url)
        load_before = os.getloadavg()
        log = args.server_log or folder / "serve.log"
        from lif_web.testing import serving

        # exactly ``env`` (every other variable of this process removed)
        exact = {**dict.fromkeys(os.environ), **env}
        with serving(board, workers=args.workers, env=exact, log=log) as server:
            base, pid = server.base, server.pid
            print(
                f"lif serve on {base} ({args.workers} worker(s)); peer: static file for {args.peer_seconds:g} s",
                flush=True,
            )
            signing = Tally()
            clients = signed_in_clients(base, args.clients, signing)
            peer = run_clients(clients, actions, args.peer_seconds, peer=True)
            print(f"load: {args.clients} clients for {args.seconds:g} s ...", flush=True)
            cpu_before = server_cpu(pid)
            tally = run_clients(clients, actions, args.seconds, peer=False)
            cpu_after = server_cpu(pid)
            for client in clients:
                if client is not None:
                    client.close()
            peer.latency.update(signing.latency)
            peer.errors.update(signing.errors)
        server_output = log.read_text(encoding="utf-8", errors="replace")
        lost = lost_updates(board, tally.acknowledged)
        direct = direct_writes(board, actions[0], 200)

    figures: dict[str, Any] = {
        "clients": args.clients,
        "seconds": args.seconds,
        "workers": args.workers,
        "store": args.store,
        "actions shared": args.actions,
        "updates acknowledged": len(tally.acknowledged),
        "updates per second": round(len(tally.acknowledged) / args.seconds, 1),
        "conflicts (409, retried)": tally.conflicts,
        "errors": sum(tally.errors.values()) + sum(peer.errors.values()),
        "error kinds": {**peer.errors, **tally.errors},
        "lost updates": lost,
        "load average before (1, 5, 15 min)": [round(x, 2) for x in load_before],
        "latency ms": {},
    }
    requests = sum(len(v) for v in tally.latency.values())
    if cpu_before is not None and cpu_after is not None and requests:
        used = cpu_after - cpu_before
        figures["server CPU s during the load"] = round(used, 1)
        figures["server CPU ms per request (mean over dashboard, form, update)"] = round(1000 * used / requests, 1)
    for kind, values in [*tally.latency.items(), *peer.latency.items()]:
        figures["latency ms"][kind] = {
            "n": len(values),
            "p50": round(_pct(values, 0.5), 1),
            "p95": round(_pct(values, 0.95), 1),
        }
    figures["latency ms"]["direct register write (one at a time)"] = {
        "n": len(direct),
        "p50": round(_pct(direct, 0.5), 2),
        "p95": round(_pct(direct, 0.95), 2),
    }
    lat = figures["latency ms"]
    ratios = {}
    if "dashboard" in lat and "static file" in lat:
        ratios["dashboard p50 / static file p50 (same server, same clients)"] = round(
            lat["dashboard"]["p50"] / max(lat["static file"]["p50"], 0.01), 1
        )
    if "status update" in lat:
        ratios["web status update p50 under load / direct register write p50"] = round(
            lat["status update"]["p50"] / max(lat["direct register write (one at a time)"]["p50"], 0.01), 1
        )
    figures["ratios"] = ratios

    print()
    print(f"{args.clients} clients, {args.seconds:g} s, {args.workers} worker(s), {args.store}, loopback")
    print(f"{'request':40} {'n':>7} {'p50 ms':>9} {'p95 ms':>9}")
    for kind, row in lat.items():
        print(f"{kind:40} {row['n']:>7} {row['p50']:>9} {row['p95']:>9}")
    print(f"updates acknowledged: {figures['updates acknowledged']} ({figures['updates per second']}/s)")
    print(f"conflicts (409, retried from a fresh form): {tally.conflicts}")
    print(f"errors: {figures['errors']} {figures['error kinds'] or ''}")
    print(f"lost updates: {lost} (of {len(tally.acknowledged)} acknowledged, checked in the register)")
    if "server CPU s during the load" in figures:
        print(
            f"server CPU during the load: {figures['server CPU s during the load']} s in {args.seconds:g} s; "
            f"{figures['server CPU ms per request (mean over dashboard, form, update)']} ms per request"
        )
    print("machine load average before (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in load_before))
    for name, value in ratios.items():
        print(f"ratio {name}: {value}x")
    if figures["errors"] and "Traceback" in server_output:
        first = server_output.index("Traceback")
        start = server_output.rfind("\n", 0, max(first - 1, 0)) + 1
        print("\nthe server's output from its first traceback (at most 6,000 characters):")
        print(server_output[start : start + 6000])
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if figures["errors"] == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
