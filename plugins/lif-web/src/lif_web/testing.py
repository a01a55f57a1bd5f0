"""``lif serve`` as a real process, for tests and benchmarks: started on a free port in its own
process group, waited for until it answers, and stopped (the whole group) afterwards.

Example::

    with serving(board, workers=2, env=environment(tmp_path)) as server:
        page = httpx.get(server.base + "/login")
    assert "Application shutdown complete" in server.output()

Nothing here is imported by ``lif serve`` itself; it needs only the standard library (the
server is polled with :mod:`urllib.request`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Server", "ServerFailed", "free_port", "lif_command", "process_environment", "serving", "start_server"]

#: How long :func:`start_server` waits for the server's sign-in page to answer, in seconds.
START_TIMEOUT = 60.0


class ServerFailed(RuntimeError):
    """``lif serve`` ended before it answered, or did not answer in time; the message holds its
    output."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` just now (the system's choice)."""
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def lif_command() -> list[str]:
    """The command that runs ``lif``: the ``lif`` script beside this Python (a virtual
    environment's), as a user runs it, else this Python running lif-core's command line."""
    script = Path(sys.executable).with_name("lif")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from lif_core.cli import main; main()"]


def process_environment(changes: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with ``changes`` made: a variable set to a text, or removed
    where it is ``None`` (as :func:`lif_core.testing.environment` gives them)."""
    env = dict(os.environ)
    for name, value in (changes or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@dataclass
class Server:
    """A running ``lif serve``: the board it serves, its address (``base``, such as
    ``http://127.0.0.1:8123``), its process (the leader of its own process group) and the file
    its output goes to."""

    board: Path
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """The server's process id (its workers are its children)."""
        return self.process.pid

    def output(self) -> str:
        """Everything the server has printed so far (standard output and error)."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 20) -> int:
        """Send ``sig`` to the server's whole process group (its workers too) and wait for it to
        end, then for every other process of its group to end too; ``SIGKILL`` to the group
        where they have not ended in ``timeout`` seconds. Gives the server's exit status
        (negative: the signal that ended it). Stopping a stopped server sends nothing."""
        group = self.process.pid
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                self.process.wait()
        deadline, killed = time.monotonic() + timeout, False
        while _group_running(group):  # a worker or helper process still finishing
            if time.monotonic() > deadline:
                if killed:
                    break  # SIGKILL sent: nothing more can be done
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(group, signal.SIGKILL)
                deadline, killed = time.monotonic() + 5, True
            time.sleep(0.05)
        return self.process.returncode


def _group_running(group: int) -> bool:
    """Whether a process of process group ``group`` is still running: from Linux's /proc
    (zombies, ended but not yet reaped, aside), elsewhere whether the group can be signalled."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _parent, pgrp = stat[stat.rindex(")") + 2 :].split()[:3]
        if int(pgrp) == group and state != "Z":
            return True
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # our own server, on loopback
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_server(
    board: Path,
    *,
    workers: int | None = None,
    host: str = "127.0.0.1",
    args: Sequence[str] = (),
    env: Mapping[str, str | None] | None = None,
    log: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> Server:
    """Start ``lif serve BOARD --port N`` (a free port; ``--host HOST`` where it is not
    127.0.0.1, ``--workers N`` where given, then ``args``) in its own process group, and return
    once its sign-in page answers (200). ``env``: changes to this process's environment for it
    (see :func:`process_environment`); ``log``: the file its output goes to (by default
    ``serve-PORT.log`` beside the board folder). Stop it with :meth:`Server.stop`, or use
    :func:`serving`.

    Raises :class:`ServerFailed`, with the server's output, where it ends first or does not
    answer within ``timeout`` seconds (it is killed then)."""
    port = free_port()
    command = [*lif_command(), "serve", os.fspath(board), "--port", str(port)]
    if host != "127.0.0.1":
        command += ["--host", host]
    if workers is not None:
        command += ["--workers", str(workers)]
    command += list(args)
    log = log if log is not None else Path(board).parent / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=process_environment(env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    shown = "127.0.0.1" if host in ("127.0.0.1", "0.0.0.0", "") else host
    server = Server(Path(board), f"http://{shown}:{port}", process, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerFailed(f"lif serve ended with status {process.returncode}:\n{server.output()}")
        if _answers(server.base + "/login"):
            return server
        if time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            raise ServerFailed(f"lif serve did not answer within {timeout:g} s:\n{server.output()}")
        time.sleep(0.2)


@contextlib.contextmanager
def serving(
    board: Path,
    *,
    workers: int | None = 1,
    host: str = "127.0.0.1",
    args: Sequence[str] = (),
    env: Mapping[str, str | None] | None = None,
    log: Path | None = None,
    timeout: float = START_TIMEOUT,
) -> Iterator[Server]:
    """:func:`start_server`, stopped (``SIGTERM`` to its process group, then ``SIGKILL`` after
    20 s) when the ``with`` block ends, however it ends. Gives the :class:`Server` (its
    ``base`` address and ``pid``)."""
    server = start_server(board, workers=workers, host=host, args=args, env=env, log=log, timeout=timeout)
    try:
        yield server
    finally:
        server.stop()
