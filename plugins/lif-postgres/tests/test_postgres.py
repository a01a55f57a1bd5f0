"""The PostgreSQL store as a board uses it: its connection settings (never a password), the
messages when the server cannot be reached or refuses the credentials, ``lif store copy`` moving
a board's register to PostgreSQL and back losing nothing, and a writer SIGKILLed at random 200
times losing no acknowledged change and leaving none partial. (The store's contract, shared with
SQLite, is tests/test_store_contract.py.)"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from lif_postgres.database import CONFIG_FILE, connection_settings, describe, read_config
from lif_postgres.plugin import PostgresStore

from lif_core import Plugins, StoreError
from lif_core.cli import make_cli

CROYDON = Path(__file__).resolve().parents[3] / "examples" / "croydon"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from lif_postgres.testing import ClusterUnavailable, throwaway_cluster

    try:
        with throwaway_cluster() as running:
            yield running
    except ClusterUnavailable as exc:  # pragma: no cover - no PostgreSQL server programs here
        pytest.skip(str(exc))


_n = iter(range(10_000))


def lif(*args: str) -> Result:
    return CliRunner().invoke(make_cli(Plugins.create()), list(args))


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://lif:s3cret-pw@db.example/lif",
        "host=db.example dbname=lif user=lif password=s3cret-pw",
        "postgresql://lif@db.example/lif?password=s3cret-pw",
    ],
)
def test_a_password_in_the_board_is_refused_naming_the_key(tmp_path: Path, url: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(f"url = {json.dumps(url)}\n", encoding="utf-8")
    with pytest.raises(StoreError) as caught:
        read_config(tmp_path)
    message = str(caught.value)
    assert f"{tmp_path / CONFIG_FILE}: url: holds a password" in message
    assert "PGPASSWORD" in message and ".pgpass" in message and "service" in message
    assert "s3cret" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "url: expected the database's connection string"),
        ("url = 5\n", "url: expected the database's connection string"),
        ('url = "x"\nschema = "y"\n', "schema: not a setting of the PostgreSQL store"),
        ("url = [\n", "not valid TOML"),
        ('url = "host=db port"\n', "url: "),
    ],
)
def test_bad_settings_are_said_with_the_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match=re.escape(expected)) as caught:
        read_config(tmp_path)
    assert str(tmp_path / CONFIG_FILE) in str(caught.value)


def test_no_settings_file_is_said(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="missing: write the database's connection string"):
        read_config(tmp_path)
    assert not PostgresStore().exists(tmp_path)


def test_the_database_is_named_by_host_and_name() -> None:
    assert describe(connection_settings("postgresql://lif@db.example:5433/register", "x")) == (
        "PostgreSQL database 'register' on db.example port 5433"
    )
    assert describe(connection_settings("service=lif", "x")) == "PostgreSQL service 'lif'"
    assert describe({"host": "/tmp/sock", "dbname": "r"}) == "PostgreSQL database 'r' on the local socket /tmp/sock"


# --------------------------------------------------------------------------- the server


def test_an_unreachable_server_is_said_naming_host_and_database(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(
        f'url = "host={tmp_path} port=5999 dbname=partnership user=lif"\n', encoding="utf-8"
    )
    with pytest.raises(StoreError) as caught:
        PostgresStore().open(tmp_path, {})
    message = str(caught.value)
    assert message.startswith(f"PostgreSQL database 'partnership' on the local socket {tmp_path} port 5999: ")
    assert "cannot be reached" in message and "nothing was changed" in message
    result = _board_with_postgres(tmp_path / "b", f"host={tmp_path} port=5999 dbname=partnership user=lif")
    out = lif("status", str(result), "a-dataset", "completed")
    assert out.exit_code == 1 and "cannot be reached" in out.output and "Traceback" not in out.output


def test_wrong_credentials_are_said_never_the_password(tmp_path: Path, cluster: Any, monkeypatch: Any) -> None:
    from lif_postgres.testing import PASSWORD_ROLE

    url = cluster.url("postgres", user=PASSWORD_ROLE)
    (tmp_path / CONFIG_FILE).write_text(f'url = "{url}"\n', encoding="utf-8")
    monkeypatch.setenv("PGPASSWORD", "wrong-secret-77")
    with pytest.raises(StoreError) as caught:
        PostgresStore().open(tmp_path, {})
    message = str(caught.value)
    assert message.startswith(f"PostgreSQL database 'postgres' on the local socket {cluster.socket_dir}: ")
    assert "refused the credentials" in message and "wrong-secret-77" not in message
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(StoreError, match="refused the credentials"):
        PostgresStore().open(tmp_path, {})
    monkeypatch.setenv("PGPASSWORD", "right-password")  # from the environment, never the board
    with pytest.raises(StoreError, match=r"'postgres'.*: the role may not change the register \(permission denied"):
        PostgresStore().open(tmp_path, {})
    with psycopg_connect(cluster.url("postgres")) as db:
        db.execute(f"GRANT CREATE ON SCHEMA public TO {PASSWORD_ROLE}")
    with PostgresStore().open(tmp_path, {}) as register:
        register.add("actions", {"id": "a1", "text": "reached"})
    assert PostgresStore().exists(tmp_path)


def test_a_missing_database_is_said(tmp_path: Path, cluster: Any) -> None:
    (tmp_path / CONFIG_FILE).write_text(f'url = "{cluster.url("no_such_db")}"\n', encoding="utf-8")
    with pytest.raises(StoreError, match=r"'no_such_db'.*no such database: ask the DBA to create it"):
        PostgresStore().open(tmp_path, {})


# --------------------------------------------------------------------------- lif store copy


def _board_with_postgres(target: Path, url: str | None) -> Path:
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    if url is not None:
        text = (target / "board.toml").read_text(encoding="utf-8")
        text = _set_store(text, "postgres")
        (target / "board.toml").write_text(text, encoding="utf-8")
        (target / CONFIG_FILE).write_text(f'url = "{url}"\n', encoding="utf-8")
    return target


def _set_store(text: str, store: str) -> str:
    if re.search(r"^store\s*=", text, re.M):
        return re.sub(r'^store\s*=\s*"[^"]*"', f'store = "{store}"', text, flags=re.M)
    assert "\n[settings]\n" in text
    return text.replace("\n[settings]\n", f'\n[settings]\nstore = "{store}"\n', 1)


def _export(board: Path) -> str:
    result = lif("export", str(board), "--format", "json")
    assert result.exit_code == 0, result.output
    return result.stdout


def _dump(board: Path, store: str) -> Any:
    backend = Plugins.create().stores.get(store)
    with backend.open_read_only(board) as register:
        return register.dump()


def test_lif_store_copy_moves_a_register_to_postgres_and_back_losing_nothing(tmp_path: Path, cluster: Any) -> None:
    board = _board_with_postgres(tmp_path / "croydon", None)
    assert lif("import", str(board)).exit_code == 0
    for args in (
        ("status", str(board), "a-dataset", "in-progress", "--note", "started"),
        ("status", str(board), "a-dataset", "completed", "--note", "done"),
    ):
        result = lif(*args)
        assert result.exit_code == 0, result.output
    before_export, before_dump = _export(board), _dump(board, "sqlite")
    url = cluster.create_database(f"copy_{next(_n)}")

    result = lif("store", "copy", str(board), "--to", "postgres", "--url", url)
    assert result.exit_code == 0, result.output
    assert re.match(r"copied \d+ records and \d+ changes to PostgreSQL database 'copy_\d+'", result.stdout)
    assert (board / CONFIG_FILE).read_text(encoding="utf-8") == f'url = "{url}"\n'
    (board / "board.toml").write_text(_set_store((board / "board.toml").read_text(encoding="utf-8"), "postgres"))
    assert _export(board) == before_export  # the board now reads its register from PostgreSQL
    assert _dump(board, "postgres") == before_dump  # every record, change (seq, time, who, note) and digest
    history = lif("history", str(board), "a-dataset")
    assert history.exit_code == 0 and "done" in history.stdout

    result = lif("status", str(board), "a-dataset", "in-progress", "--note", "reopened on the server")
    assert result.exit_code == 0, result.output
    after_export, after_dump = _export(board), _dump(board, "postgres")

    again = lif("store", "copy", str(board), "--to", "sqlite")
    assert again.exit_code == 1 and "already holds a register: move it aside first" in again.output
    (board / "register.sqlite").rename(tmp_path / "old.sqlite")
    back = lif("store", "copy", str(board), "--to", "sqlite")
    assert back.exit_code == 0, back.output
    (board / "board.toml").write_text(_set_store((board / "board.toml").read_text(encoding="utf-8"), "sqlite"))
    assert _export(board) == after_export
    assert _dump(board, "sqlite") == after_dump
    assert after_dump["changes"][: len(before_dump["changes"])] == before_dump["changes"]


def test_lif_store_copy_refuses_a_password_and_a_database_in_use(tmp_path: Path, cluster: Any) -> None:
    board = _board_with_postgres(tmp_path / "croydon", None)
    assert lif("import", str(board)).exit_code == 0
    bad = lif("store", "copy", str(board), "--to", "postgres", "--url", "postgresql://lif:pw123@db.example/x")
    assert bad.exit_code == 1 and "--url: holds a password" in bad.output and "pw123" not in bad.output
    url = cluster.create_database(f"copy_{next(_n)}")
    assert lif("store", "copy", str(board), "--to", "postgres", "--url", url).exit_code == 0
    (board / CONFIG_FILE).unlink()
    twice = lif("store", "copy", str(board), "--to", "postgres", "--url", url)
    assert twice.exit_code == 1 and "already holds a register: nothing was copied into it" in twice.output


# --------------------------------------------------------------------------- killed writers


WRITER = """
import sys
from pathlib import Path
from lif_postgres.plugin import PostgresStore
root, action, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with PostgresStore().open(root, {"qapp": "groups"}, "writer", create=False) as register:
    n = start
    while True:
        n += 1
        register.update(action, {"text": f"count {n}"})
        print(n, flush=True)
"""


def test_a_writer_killed_at_random_loses_nothing_committed(tmp_path: Path, cluster: Any) -> None:
    """200 SIGKILLs of a client at random moments among its writes: after each, every change
    the writer reported committed is there, and record and history agree (none partial)."""
    url = cluster.create_database(f"kill_{next(_n)}")
    (tmp_path / CONFIG_FILE).write_text(f'url = "{url}"\n', encoding="utf-8")
    store = PostgresStore()
    with store.open(tmp_path, {"qapp": "groups"}, "setup") as register:
        register.add("actions", {"id": "a1", "text": "count 0", "owner": "qapp"})
    rng = random.Random(1234)
    kills = committed = 0
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    while kills < 200:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(tmp_path), "a1", str(committed)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        first = proc.stdout.readline() if proc.stdout else ""
        if first.strip():
            time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=60)
        reported = [int(x) for x in (first + out).split()]
        kills += 1
        with store.open_read_only(tmp_path) as register:
            count = int(register.get("a1")[1]["text"].split()[1])
            changes = len(register.history("a1"))
        if reported:
            assert count >= reported[-1], (kills, count, reported[-1])
        assert changes == count + 1  # every update has its change row, and none is half-written
        committed = count
    assert kills == 200 and committed > 200
    with psycopg_connect(url) as db:  # the killed sessions' locks went with them
        assert db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone() == (0,)
    print(f"{kills} kills, {committed} committed changes survived")


def psycopg_connect(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True)
