"""The register under storage trouble: a read-only folder or file, a full disk, a busy or a
corrupt store each get their own clear message; reading works without write access; and a
first `lif import` killed at any moment leaves a board every command still reads (from its
files, or from the complete store), never a half-made store."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins, load_board
from lif_core.cli import make_cli
from lif_core.commands import open_register
from lif_core.store import REGISTER_COLLECTIONS, STORE_FILE, Register, StoreError

from .conftest import CROYDON
from .test_robustness import lif_limited, one_clean_error, read_only_view

#: The Croydon example's register records.
RECORDS = sum(len(load_board(CROYDON).board.collection(c)) for c in REGISTER_COLLECTIONS)


def lif(*args: str) -> Result:
    return CliRunner().invoke(make_cli(Plugins.create()), list(args))


def _copy(tmp_path: Path, name: str = "croydon") -> Path:
    target = tmp_path / name
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    return target


@pytest.fixture
def board(tmp_path: Path) -> Path:
    target = _copy(tmp_path)
    result = lif("import", str(target))
    assert result.exit_code == 0, result.output
    return target


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if ".creating-" in n)


def _integrity(store: Path) -> str:
    with contextlib.closing(sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return str(db.execute("PRAGMA integrity_check").fetchone()[0])


def _checkpoint(store: Path) -> None:
    """Merge the WAL into the store and remove its companions (as the last writer's close does)."""
    db = sqlite3.connect(store)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    for suffix in ("-wal", "-shm"):
        store.with_name(store.name + suffix).unlink(missing_ok=True)


# --------------------------------------------------------------------------- read-only


READING = [
    ["validate", "{b}"],
    ["show", "{b}"],
    ["report", "impact", "{b}", "-f", "json"],
    ["reviews", "{b}"],
    ["overdue", "{b}"],
    ["export", "{b}"],
    ["history", "{b}", "a-dataset"],
    ["inspection", "{b}"],
]


def test_a_board_in_a_read_only_folder_can_be_read(board: Path) -> None:
    """Every command that only reads works where the folder cannot be written (no WAL index
    can be made beside the store); a change says "read-only", never "busy" or "corrupt"."""
    _checkpoint(board / STORE_FILE)
    with read_only_view(board) as view:
        for args in READING:
            result = lif(*[a.format(b=view) for a in args])
            assert result.exit_code == 0, (args, result.output)
        assert '"snapshot": [' in lif("report", "impact", str(view), "-f", "json").stdout
        for args in (
            ["status", str(view), "a-dataset", "completed"],
            ["add", str(view), "actions", "id=a-new", "text=New"],
        ):
            message = one_clean_error(lif(*args), f"{view / STORE_FILE}: read-only: check the permissions of")
            assert "busy" not in message and "backup" not in message
    assert lif("status", str(board), "a-dataset", "completed").exit_code == 0  # writable again


def test_a_read_only_register_file_in_a_writable_folder(board: Path) -> None:
    """The store's file cannot be written (its folder can): the immutable attribute, which
    binds root too, stands in for permissions root would ignore."""
    store = board / STORE_FILE
    _checkpoint(store)
    try:
        locked = subprocess.run(["chattr", "+i", str(store)], capture_output=True)
    except FileNotFoundError:
        locked = None
    if locked is None or locked.returncode != 0:
        pytest.skip("cannot make a file immutable here (needs root, chattr and a file system that has it)")
    try:
        for args in READING:
            result = lif(*[a.format(b=board) for a in args])
            assert result.exit_code == 0, (args, result.output)
        message = one_clean_error(
            lif("status", str(board), "a-dataset", "blocked"), f"{store}: read-only: check the permissions of"
        )
        assert "busy" not in message and "backup" not in message
    finally:
        subprocess.run(["chattr", "-i", str(store)], capture_output=True)
    assert lif("status", str(board), "a-dataset", "blocked").exit_code == 0


def test_an_old_register_in_a_read_only_folder_says_it_needs_migrating(board: Path) -> None:
    store = board / STORE_FILE
    _checkpoint(store)
    with contextlib.closing(sqlite3.connect(store, isolation_level=None)) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    _checkpoint(store)
    with read_only_view(board) as view:
        one_clean_error(
            lif("validate", str(view)),
            "written by an older lif-core (register schema 1)",
            "writable, then run `lif import`",
        )


def test_the_python_api_reads_read_only(board: Path) -> None:
    with Register.open_read_only(board / STORE_FILE) as register:
        assert len(register.records()) == RECORDS and register.read_only
        with pytest.raises(StoreError, match="opened read-only"):
            register.add("actions", {"id": "a-x", "text": "x"})


# --------------------------------------------------------------------------- full disk


def test_a_full_disk_refuses_the_change_and_keeps_the_register(board: Path) -> None:
    store = board / STORE_FILE
    _checkpoint(store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    done = lif_limited(store.stat().st_size + 8192, "add", str(board), "actions", "id=a-big", "text=" + "x" * 90_000)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip() == (
        f"Error: {store}: the disk is full (or a file size limit was reached): free some space in {board}, "
        "then try again; nothing was changed"
    )
    assert _integrity(store) == "ok"
    with Register.open_read_only(store) as register:
        assert len(register.records()) == RECORDS and "a-big" not in register.ids()
    _checkpoint(store)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_a_full_disk_during_the_first_import_leaves_no_store(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    done = lif_limited(50_000, "import", str(target))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"Error: {target / STORE_FILE}: the disk is full"), done.stderr
    assert not (target / STORE_FILE).exists() and _leftovers(target) == []
    assert lif("validate", str(target)).exit_code == 0  # the board still reads from its files


def test_a_small_full_file_system(tmp_path: Path) -> None:
    """A real full disk: a small tmpfs, filled up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)], capture_output=True)
    except FileNotFoundError:
        mounted = None
    if mounted is None or mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        target = _copy(disk)
        assert lif("import", str(target)).exit_code == 0
        filler = disk / "filler"
        with open(filler, "wb", buffering=0) as handle:
            for chunk in (65536, 4096, 512, 1):
                try:
                    while True:
                        handle.write(b"\0" * chunk)
                except OSError:
                    pass
        message = one_clean_error(
            lif("add", str(target), "actions", "id=a-big", "text=" + "x" * 90_000), "the disk is full"
        )
        assert str(target / STORE_FILE) in message
        report = disk / "impact.html"
        one_clean_error(lif("report", "impact", str(target), "-f", "html", "-o", str(report)), "the disk is full")
        assert not report.exists() and [n for n in os.listdir(disk) if n.startswith(".impact")] == []
        filler.unlink()
        assert lif("add", str(target), "actions", "id=a-big", "text=" + "x" * 90_000).exit_code == 0
        assert _integrity(target / STORE_FILE) == "ok"
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


# --------------------------------------------------------------------------- busy, corrupt


def test_a_busy_register_says_busy(board: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lif_core.store

    monkeypatch.setattr(lif_core.store, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(board / STORE_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        message = one_clean_error(
            lif("status", str(board), "a-dataset", "completed"), "the register is busy", "try again"
        )
        assert "read-only" not in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_current_register_opens_to_write_while_another_writes(board: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a register whose schema is current takes no write lock: it opens (and reads)
    while another connection holds the write lock, and only its first write waits (a web
    worker's saves queue in the worker, not twice in SQLite's busy handler)."""
    import lif_core.store

    monkeypatch.setattr(lif_core.store, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(board / STORE_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_register(board, Plugins.create(), who="ada") as register:
            assert register.get("a-dataset")[1]["id"] == "a-dataset"
            with pytest.raises(StoreError, match="busy"):
                register.set_status("a-dataset", "completed")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_register(board, Plugins.create(), who="ada") as register:
        register.set_status("a-dataset", "completed", note="once the other writer is done")
        assert register.get("a-dataset")[1]["status"] == "completed"


def test_a_corrupt_register_says_restore_from_a_backup(board: Path) -> None:
    store = board / STORE_FILE
    _checkpoint(store)
    data = bytearray(store.read_bytes())
    data[4096:] = bytes(random.Random(7).getrandbits(8) for _ in range(len(data) - 4096))
    store.write_bytes(bytes(data))
    for args in (["validate", str(board)], ["status", str(board), "a-dataset", "completed"]):
        message = one_clean_error(lif(*args), f"{store}: corrupt", "restore it from a backup")
        assert "read-only" not in message and "busy" not in message
    store.write_text("not a database at all, but long enough to be taken for one" * 20)
    one_clean_error(lif("validate", str(board)), f"{store}: corrupt", "restore it from a backup")


def test_a_folder_where_the_register_should_be(tmp_path: Path) -> None:
    target = _copy(tmp_path)
    (target / STORE_FILE).mkdir()
    one_clean_error(lif("validate", str(target)), f"{target / STORE_FILE}: is a folder, not a register: move it aside")
    one_clean_error(lif("import", str(target)), "is a folder, not a register")


# --------------------------------------------------------------------------- made whole


def test_a_new_store_appears_only_once_complete(tmp_path: Path) -> None:
    path = tmp_path / STORE_FILE
    with Register.open(path, {"qapp": "groups"}) as register:
        register.add("actions", {"id": "a-1", "text": "One", "owner": "qapp"})
        building = [n for n in _leftovers(tmp_path) if not n.endswith(("-wal", "-shm"))]
        assert not path.exists() and len(building) == 1  # being built aside
    assert path.exists() and _leftovers(tmp_path) == [] and sorted(os.listdir(tmp_path)) == [STORE_FILE]
    with Register.open_read_only(path) as register:
        assert register.ids() == {"a-1": "actions"}
    other = tmp_path / "other.sqlite"
    with pytest.raises(RuntimeError), Register.open(other, {"qapp": "groups"}) as register:
        register.add("actions", {"id": "a-1", "text": "One", "owner": "qapp"})
        raise RuntimeError("the caller fails")
    assert not other.exists() and _leftovers(tmp_path) == []


def test_leftovers_of_killed_attempts_are_removed(tmp_path: Path) -> None:
    import socket

    target = _copy(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = "".join(c if c.isalnum() or c in "_." else "_" for c in socket.gethostname())[:64]
    stale = target / f".{STORE_FILE}.creating-{host}-{dead.pid}-abcd1234"
    stale.write_bytes(b"half a store")
    Path(f"{stale}-wal").write_bytes(b"half a log")
    alive = target / f".{STORE_FILE}.creating-{host}-{os.getppid()}-abcd1234"  # a live process's: kept
    alive.write_bytes(b"being built")
    assert lif("validate", str(target)).exit_code == 0  # leftovers never stand in for the register
    assert lif("import", str(target)).exit_code == 0
    assert _leftovers(target) == [alive.name]


def test_a_log_left_by_a_store_moved_away_is_set_aside(board: Path) -> None:
    """A store moved aside without its -wal (a writer killed before merging it): the old log
    must not be read as the next store's own."""
    store = board / STORE_FILE
    _checkpoint(store)
    writer = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA wal_autocheckpoint = 0')\n"
        "db.execute(\"UPDATE records SET data = json_set(data, '$.text', 'from the old log') WHERE id = 'a-dataset'\")\n"
        "os._exit(0)  # killed: the change stays in the -wal\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(store)], check=True)
    wal = store.with_name(STORE_FILE + "-wal")
    assert wal.stat().st_size > 0
    store.rename(board / "moved-aside.sqlite")
    assert lif("import", str(board)).exit_code == 0
    assert _integrity(store) == "ok"
    with Register.open_read_only(store) as register:
        assert register.get("a-dataset")[1]["text"] != "from the old log"
        assert len(register.records()) == RECORDS
    assert any(n.startswith(STORE_FILE + "-wal.orphaned-") for n in os.listdir(board))


def _snapshot_ok(board: Path, *, runner_checks: bool) -> str:
    """What a board is after a kill: "files" (no store: it reads its files) or "store" (the
    complete store); anything else fails the test."""
    store = board / STORE_FILE
    if store.exists():
        assert _integrity(store) == "ok"
        with contextlib.closing(sqlite3.connect(f"{store.resolve().as_uri()}?mode=ro", uri=True)) as db:
            counts = [db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in ("records", "changes")]
        assert counts == [RECORDS, RECORDS], f"a store that is not complete: {counts}"
        state = "store"
    else:
        state = "files"
    loaded = load_board(board)
    example = load_board(CROYDON).board
    assert len(loaded.board.actions) == len(example.actions) and len(loaded.board.reviews) == len(example.reviews)
    if runner_checks:
        assert lif("validate", str(board)).exit_code == 0
        assert lif("overdue", str(board)).exit_code == 0
        if state == "store":
            assert lif("export", str(board)).exit_code == 0
    return state


def test_a_first_import_killed_at_random_leaves_a_readable_board(tmp_path: Path) -> None:
    """Real SIGKILLs of a real `lif import` at random moments (a seeded loop; set LIF_KILLS
    for a longer run): after each, every command still works and the board reads from its
    files or from the complete store; the next import completes and removes the leftovers."""
    kills = int(os.environ.get("LIF_KILLS", "40"))
    rng = random.Random(20261202)
    target = _copy(tmp_path)
    store = target / STORE_FILE
    states = {"files": 0, "store": 0}
    leftovers_seen = 0
    for n in range(kills):
        for file in (store, *(store.with_name(store.name + c) for c in ("-wal", "-shm"))):
            file.unlink(missing_ok=True)  # every run is a first import
        proc = subprocess.Popen(
            [sys.executable, "-c", "from lif_core.cli import main; main()", "import", str(target)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started = time.monotonic()
        if n % 3 == 0:  # anywhere in the run, start-up included
            time.sleep(rng.uniform(0.0, 1.0))
        else:  # while the store is being built: from its first file appearing
            while proc.poll() is None and time.monotonic() - started < 30:
                names = os.listdir(target)
                if any(".creating-" in name or name.startswith(STORE_FILE) for name in names):
                    break
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 0.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if proc.returncode != -signal.SIGKILL:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        leftovers_seen += bool(_leftovers(target))
        states[_snapshot_ok(target, runner_checks=n % 4 == 0)] += 1
    assert lif("import", str(target)).exit_code == 0  # completes, and cleans up
    assert _leftovers(target) == [] and _snapshot_ok(target, runner_checks=True) == "store"
    print(
        f"{kills} kills: {states['files']} left the files' register, {states['store']} the complete store; "
        f"{leftovers_seen} left a half-built store aside, removed by the next import"
    )
    assert states["files"] > 0
