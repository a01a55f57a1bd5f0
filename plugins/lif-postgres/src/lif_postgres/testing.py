"""A throw-away PostgreSQL cluster for tests and benchmarks: ``initdb`` into a temporary folder,
the server on a unix socket there (no TCP port), stopped and removed afterwards. As root, the
server runs as the ``postgres`` user (``runuser``), as PostgreSQL refuses to run as root.

Example::

    with throwaway_cluster() as cluster:
        url = cluster.create_database("t1")
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

__all__ = ["Cluster", "ClusterUnavailable", "find_bin", "throwaway_cluster"]

#: The role that owns the test cluster; a second role needs a password (for the credentials tests).
SUPERUSER = "lif"
PASSWORD_ROLE = "needs_password"


class ClusterUnavailable(RuntimeError):
    """No PostgreSQL server programs here (initdb, pg_ctl), or they could not start one."""


def find_bin(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else in Debian's /usr/lib/postgresql/*/bin (newest)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.socket_dir = folder
        self.port = port

    def url(self, dbname: str, user: str = SUPERUSER) -> str:
        return f"host={self.socket_dir} port={self.port} user={user} dbname={dbname}"

    def create_database(self, name: str) -> str:
        """A new, empty database; its connection string."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}"')
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    if os.name == "posix" and os.geteuid() == 0:
        runuser = shutil.which("runuser") or "/usr/sbin/runuser"
        return [runuser, "-u", "postgres", "--", *command]
    return command


@contextlib.contextmanager
def throwaway_cluster(*, fsync: bool = True, port: int = 5432) -> Iterator[Cluster]:
    """Start a new cluster; yields it; stops and removes it. ``fsync`` off only for speed where
    durability against a power cut is not what is measured."""
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        raise ClusterUnavailable(
            "PostgreSQL's initdb and pg_ctl are not installed (Debian: apt-get install postgresql)"
        )
    folder = Path(tempfile.mkdtemp(prefix="lif-pg-"))
    data = folder / "data"
    root = os.name == "posix" and os.geteuid() == 0
    if root:
        shutil.chown(folder, "postgres", "postgres")
    os.chmod(folder, 0o755)
    started = False
    try:
        run = subprocess.run(
            _as_server_user(
                [
                    initdb,
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "-A",
                    "trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--no-instructions",
                ]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            raise ClusterUnavailable(f"initdb failed: {run.stderr.strip() or run.stdout.strip()}")
        hba = data / "pg_hba.conf"
        hba_text = f"local all {PASSWORD_ROLE} scram-sha-256\nlocal all all trust\n"
        subprocess.run(_as_server_user(["sh", "-c", f"cat > {hba}"]), input=hba_text, text=True, check=True)
        options = (
            f"-k {folder} -p {port} -c listen_addresses='' -c fsync={'on' if fsync else 'off'} -c max_connections=200"
        )
        run = subprocess.run(
            _as_server_user(
                [pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "-t", "60", "start"]
            ),
            capture_output=True,
            text=True,
            check=False,
        )
        if run.returncode != 0:
            log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
            raise ClusterUnavailable(f"pg_ctl start failed: {run.stderr.strip()} {log[-2000:]}")
        started = True
        cluster = Cluster(folder, port)
        with psycopg.connect(cluster.url("postgres"), autocommit=True) as db:
            db.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD 'right-password'")
        yield cluster
    finally:
        if started:
            subprocess.run(
                _as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)
