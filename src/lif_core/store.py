"""The register: a board's reviews, findings, recommendations, actions, evidence, audits,
training, measures (with their values), publications, national reviews, scrutiny,
contributions, feedback and child death figures (:data:`REGISTER_COLLECTIONS`), kept in
SQLite beside board.toml, with every change recorded.

- **Durable.** WAL journal, one transaction per change (or per command, with
  :meth:`Register.transaction`), ``synchronous = FULL``: a change is on disk when it returns,
  and a crash leaves every committed change and no partial one.
- **Concurrent.** A busy timeout lets two processes write at once: the second waits its turn,
  and if it cannot get one in time it gets a clear error, never a half-done change.
- **History.** Every add, update and delete is a row in ``changes``: when, who, the record's
  old and new value. Nothing is updated in place without a trace.
- **Versioned.** The schema version is stored; older stores are migrated forward on opening;
  a store written by a newer lif-core is refused before anything is written to it.
- **Made whole.** A new store is built aside (a hidden file beside it), filled, committed,
  checkpointed, closed and synced, then moved into place: a kill at any moment leaves either
  no store (the board reads its files) or the complete one. Leftovers of killed attempts are
  removed by the next one.
- **Read-only where it can be.** :meth:`Register.open_read_only` reads a store in a folder
  lif cannot write to; storage errors say which of read-only, disk full, busy or corrupt.

Board structure (partners, groups, functions, priorities, inspection recommendations, themes,
sources...) stays in board.toml.
"""

from __future__ import annotations

import abc
import contextlib
import datetime as dt
import getpass
import json
import os
import re
import secrets
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .board import describe_os_error, iter_refs, noun
from .convert import checked_digest, digest, iter_errors, structure, to_json, unstructure
from .errors import LifError, format_path
from .extensions import quiet_collector
from .frameworks import LIFECYCLE, StatutoryFramework, record_problems, term_problem
from .model import COLLECTIONS, REGISTER_COLLECTIONS, ActionStatus, StageChange, StatusChange

__all__ = [
    "REGISTER_COLLECTIONS",
    "SCHEMA_VERSION",
    "STORE_FILE",
    "Change",
    "ConflictError",
    "Database",
    "Register",
    "StoreError",
]

#: The store's file, beside board.toml.
STORE_FILE = "register.sqlite"
#: The schema this code writes; older ones are migrated forward, newer ones refused.
SCHEMA_VERSION = 2
#: The order records are imported in, so each one's references are already there.
IMPORT_ORDER = (
    "measures",
    "reviews",
    "audits",
    "section11_audits",
    "national_reviews",
    "scrutiny",
    "courses",
    "planned_audits",
    "findings",
    "recommendations",
    "actions",
    "evidence",
    "publications",
    "contributions",
    "feedback",
    "child_deaths",
)
#: How long a writer waits for another process's transaction before giving up.
BUSY_TIMEOUT_MS = 10_000

_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (id TEXT PRIMARY KEY, collection TEXT NOT NULL, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, record_id TEXT NOT NULL,
    collection TEXT NOT NULL, old TEXT, new TEXT
);
"""

# Each migration takes a store from version n to n + 1, inside the opening transaction.
_MIGRATIONS: dict[int, str] = {
    1: """
ALTER TABLE changes ADD COLUMN who TEXT NOT NULL DEFAULT '';
ALTER TABLE changes ADD COLUMN note TEXT NOT NULL DEFAULT '';
CREATE INDEX changes_by_record ON changes (record_id, seq);
CREATE INDEX records_by_collection ON records (collection, position);
CREATE TABLE imported (record_id TEXT PRIMARY KEY, digest TEXT NOT NULL);
""",
}


class StoreError(LifError):
    """The register could not be opened or changed: says which file and what to do."""


class ConflictError(StoreError):
    """A change was refused because the record changed after the writer read it: someone else
    changed it meanwhile (optimistic concurrency; see :meth:`Register.version`). Nothing was
    written; the writer reads the record again and decides.

    Attributes:
        record_id: the record.
        expected: the version the writer read.
        current: the version it is at now (0: no longer there).
        change: the change that made it ``current`` (who, when), where there is one.
    """

    def __init__(self, record_id: str, expected: int, current: int, change: Change | None = None) -> None:
        self.record_id = record_id
        self.expected = expected
        self.current = current
        self.change = change
        by = f" by {change.who} at {change.at}" if change is not None and change.who else ""
        gone = change is not None and change.new is None
        what = "deleted" if gone else "changed"
        super().__init__(
            f"refused, nothing changed: {record_id!r} was {what}{by} after you read it "
            f"(version {expected}, now {current}): read it again and make your change to the newer version"
        )


# SQLite's primary result codes (``sqlite3.Error.sqlite_errorcode & 0xFF``).
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
#: The companions SQLite keeps beside a database file.
_COMPANIONS = ("-wal", "-shm", "-journal")
#: How long a store being built by another host is left alone before it counts as abandoned.
_STALE_SECONDS = 24 * 3600


def _writable(path: Path) -> bool:
    """Whether this process may write ``path`` (where it exists) and its folder."""
    folder = path.parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def _size_limited(path: Path) -> bool:
    """Whether the folder is (nearly) full or a file size limit (ulimit -f) is reached."""
    with contextlib.suppress(OSError):
        usage = os.statvfs(path.parent)
        if usage.f_bavail * usage.f_frsize < 1024 * 1024:
            return True
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    except (ImportError, OSError, ValueError):  # pragma: no cover - not on this platform
        return False
    if limit == resource.RLIM_INFINITY:
        return False
    sizes = []
    with contextlib.suppress(OSError):
        for name in os.listdir(path.parent):  # the store, its companions, one being built
            if name.startswith((path.name, f".{path.name}")):
                with contextlib.suppress(OSError):
                    sizes.append((path.parent / name).stat().st_size)
    return any(size + 64 * 1024 >= limit for size in sizes)


def _storage_error(path: Path, exc: sqlite3.Error, doing: str) -> StoreError:
    """One clear line for a storage failure, by its kind: read-only, disk full, busy, corrupt."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    folder = path.parent
    if primary == _SQLITE_READONLY or (primary in (_SQLITE_CANTOPEN, _SQLITE_PERM) and not _writable(path)):
        return StoreError(
            f"{path}: read-only: check the permissions of {path} and its folder {folder} (lif cannot "
            f"{doing} without writing to both); nothing was changed"
        )
    if primary == _SQLITE_FULL or (primary == _SQLITE_IOERR and _size_limited(path)):
        return StoreError(
            f"{path}: the disk is full (or a file size limit was reached): free some space in {folder}, "
            "then try again; nothing was changed"
        )
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED):
        return StoreError(
            f"{path}: the register is busy (another process has been writing for over "
            f"{BUSY_TIMEOUT_MS // 1000} s): try again; nothing was changed ({exc})"
        )
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return StoreError(
            f"{path}: corrupt ({exc}): restore it from a backup (or move it aside and run `lif import` "
            "to start again from the board's files)"
        )
    if path.is_dir():
        return StoreError(f"{path}: is a folder, not a register: move it aside")
    if primary == _SQLITE_IOERR:
        return StoreError(f"{path}: a disk error ({exc}): check the disk, then try again; nothing was changed")
    return StoreError(f"{path}: cannot {doing}: {exc}")


def _os_storage_error(path: Path, exc: OSError, doing: str) -> StoreError:
    return StoreError(f"{path}: cannot {doing}: {describe_os_error(exc, path)}; nothing was changed")


def _companions(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in _COMPANIONS]


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:64] or "host"


def _building_pattern(final: Path) -> re.Pattern[str]:
    return re.compile(
        rf"^\.{re.escape(final.name)}\.creating-(?P<host>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[0-9a-f]+(?:-wal|-shm|-journal)?$"
    )


def _alive(pid: int) -> bool:
    if os.name == "nt":  # pragma: no cover - os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process
    return True


def remove_leftovers(final: Path) -> list[Path]:
    """Remove what killed attempts to create the store ``final`` left beside it (their
    hidden files, whose process is gone); returns what was removed."""
    pattern = _building_pattern(final)
    removed: list[Path] = []
    try:
        names = os.listdir(final.parent)
    except OSError:
        return removed
    host = _host()
    for name in names:
        found = pattern.match(name)
        if found is None:
            continue
        leftover = final.parent / name
        if found["host"] == host:
            abandoned = int(found["pid"]) != os.getpid() and not _alive(int(found["pid"]))
        else:  # another machine's, on a shared folder: only when clearly abandoned
            try:
                abandoned = time.time() - leftover.stat().st_mtime > _STALE_SECONDS
            except OSError:
                continue
        if abandoned:
            with contextlib.suppress(OSError):
                leftover.unlink()
                removed.append(leftover)
    return removed


class Database(abc.ABC):
    """What differs between the databases a :class:`Register` can live in: connecting, the SQL
    dialect, the transaction that serialises writers, the errors and how a new store is made
    whole. Everything else (checking records, references, vocabulary, history, versions and
    ``expected=`` conflicts, import, migrations, refusing a newer schema) is the register's
    own, the same for every database. SQL is written with ``?`` placeholders.

    Attributes:
        where: how messages name the store (a file's path; a server's host and database).
        errors: the driver's exceptions, each turned into a :class:`StoreError` by
            :meth:`storage_error`.
        schema_v1: the first schema, in this database's SQL (statements separated by ``;``).
        migrations: ``n -> SQL`` taking the schema from version ``n`` to ``n + 1``.
        contains: a condition true where ``data`` holds the text given (one ``?``).
        set_imported: stores a record's import digest, replacing any (``?`` id, ``?`` digest).
        nothing_changed: what a refusal of a newer schema says was left alone.
        new: a store being made, appearing only once :meth:`publish` completes it.
        one_transaction: a new store is made in one transaction, from its schema to
            :meth:`publish` (rather than built aside and moved into place).
    """

    where: str = ""
    errors: tuple[type[BaseException], ...] = ()
    schema_v1: str = ""
    migrations: Mapping[int, str] = {}
    contains: str = "instr(data, ?) > 0"
    set_imported: str = "INSERT OR REPLACE INTO imported VALUES (?, ?)"
    nothing_changed: str = "The file has not been changed."
    new: bool = False
    one_transaction: bool = False

    @abc.abstractmethod
    def run(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Run one statement; its rows (none for a write). Raises the driver's errors."""

    @abc.abstractmethod
    def begin(self) -> None:
        """Begin a write transaction that waits for, then excludes, every other writer of the
        register (so a record read inside it is still as read when the change is written)."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Commit the write transaction."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Roll back the transaction, if one is open (never raises)."""

    @abc.abstractmethod
    def tables(self) -> set[str]:
        """The names of the register's tables."""

    @abc.abstractmethod
    def storage_error(self, exc: BaseException, doing: str) -> StoreError:
        """One clear line for a failure of the database (one of :attr:`errors`)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Close the connection (a new store not yet published is not kept)."""

    def numbered(self) -> None:  # noqa: B027 - most databases number on by themselves
        """After changes were written with their own ``seq`` (a copy): the next change is
        numbered after the largest (SQLite's AUTOINCREMENT does this itself)."""

    def publish(self) -> None:
        """Make a new store appear, complete (and close it)."""
        self.close()

    def discard(self) -> None:
        """Close without keeping a new store."""
        self.close()


class SqliteDatabase(Database):
    """The register in an SQLite file (WAL, ``synchronous = FULL``; writers serialised by
    ``BEGIN IMMEDIATE``); a new one built in a hidden file beside it and moved into place."""

    errors = (sqlite3.Error,)
    schema_v1 = _SCHEMA_V1
    migrations = _MIGRATIONS

    def __init__(self, path: Path, connection: sqlite3.Connection, building: Path | None = None) -> None:
        self.path = path
        self.where = str(path)
        self.connection = connection
        self.building = building  # the hidden file a new store is built in, until it is published
        self.new = building is not None

    def run(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        return self.connection.execute(sql, parameters).fetchall()

    def begin(self) -> None:
        self.connection.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.connection.execute("COMMIT")

    def rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):  # a closed connection has nothing to roll back
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")

    def tables(self) -> set[str]:
        return {r[0] for r in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def storage_error(self, exc: BaseException, doing: str) -> StoreError:
        assert isinstance(exc, sqlite3.Error)
        return _storage_error(self.path, exc, doing)

    def close(self) -> None:
        building, self.building = self.building, None
        self.connection.close()
        if building is not None:
            _remove(building)

    def publish(self) -> None:
        """Checkpointed, closed, synced and only then moved into place, so the store appears
        complete or not at all."""
        building, self.building = self.building, None
        if building is None:
            self.connection.close()
            return
        path = self.path
        try:
            self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.connection.close()
            leftover = [c for c in _companions(building) if c.exists() and c.stat().st_size > 0]
            if leftover:  # pragma: no cover - SQLite merges and removes them on the last close
                raise StoreError(f"{path}: could not complete the new register ({leftover[0].name} remains)")
            _fsync(building)
            _set_aside_orphans(path)
            try:
                os.link(building, path)  # never replaces a store another process made meanwhile
            except FileExistsError:
                raise StoreError(
                    f"{path}: another process created the register meanwhile; this command's changes "
                    "were not kept: run it again"
                ) from None
            except OSError:  # a file system without hard links
                if path.exists():
                    raise StoreError(
                        f"{path}: another process created the register meanwhile; this command's "
                        "changes were not kept: run it again"
                    ) from None
                os.replace(building, path)
            _fsync(path.parent)
        except sqlite3.Error as exc:
            raise _storage_error(path, exc, "create the register") from None
        except OSError as exc:
            raise _os_storage_error(path, exc, "create the register") from None
        finally:
            self.connection.close()
            _remove(building)

    def discard(self) -> None:
        building, self.building = self.building, None
        with contextlib.suppress(sqlite3.Error):
            self.connection.close()
        if building is not None:
            _remove(building)


def newer_schema(where: str, version: int, nothing_changed: str = "The file has not been changed.") -> StoreError:
    """The refusal of a store written by a newer lif-core (before anything is written to it)."""
    return StoreError(
        f"{where}: written by a newer lif-core (register schema {version}; this version knows "
        f"{SCHEMA_VERSION} at most): upgrade lif-core. {nothing_changed}"
    )


def schema_version_of(db: Database) -> int:
    """The schema version a store was written with (read without writing anything)."""
    try:
        tables = db.tables()
        rows = db.run("SELECT value FROM meta WHERE key = 'schema_version'") if "meta" in tables else []
    except db.errors as exc:
        db.rollback()
        raise db.storage_error(exc, "read the register") from None
    if not rows or not str(rows[0][0]).isdigit():
        raise StoreError(f"{db.where}: not a lif-core register (no schema version): move it aside")
    return int(rows[0][0])


@attrs.frozen
class Change:
    """One recorded change to the register.

    Attributes:
        seq: its order among all changes.
        at: when (UTC, ISO 8601).
        who: who made it.
        record_id / collection: what it changed.
        old / new: the record before and after (None before an add, after a delete).
        note: why, where given.
    """

    seq: int
    at: str
    who: str
    record_id: str
    collection: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    note: str

    @property
    def action(self) -> str:
        return "added" if self.old is None else "deleted" if self.new is None else "updated"

    def differences(self) -> list[tuple[str, Any, Any]]:
        """``(key, old, new)`` for each key that changed."""
        old, new = self.old or {}, self.new or {}
        return [(k, old.get(k), new.get(k)) for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]


def default_user() -> str:
    """Who is changing the register: ``LIF_USER``, else the operating system's user."""
    user = os.environ.get("LIF_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name on this system
        return "unknown"


def _json(value: Any) -> str:
    return to_json(value, indent=None)


#: One JSON value at the start of a text, and where it ends (a stored record is one, and nothing after it).
_decode = json.JSONDecoder().raw_decode


def _followed_first(items: list[tuple[str, Mapping[str, Any]]]) -> list[tuple[str, Mapping[str, Any]]]:
    """``items`` with each review after the review it follows, where both are being brought in
    (a file may list an LCSPR before its rapid review); otherwise in the order given."""
    reviews = [item for item in items if item[0] == "reviews"]
    ids = {str(data.get("id")) for _c, data in reviews}
    placed: list[tuple[str, Mapping[str, Any]]] = []
    done: set[str] = set()
    waiting = reviews
    while waiting:
        ready = [i for i in waiting if i[1].get("follows") not in ids or i[1].get("follows") in done]
        if not ready:  # a loop: left in order, for the checks to name
            ready = waiting
        placed += ready
        done |= {str(d.get("id")) for _c, d in ready}
        waiting = [i for i in waiting if i not in ready]
    position = iter(placed)
    return [next(position) if item[0] == "reviews" else item for item in items]


class Register:
    """A board's register in SQLite. Open one with :meth:`Register.open` (or use it as a
    context manager); change it with :meth:`add`, :meth:`update`, :meth:`delete`,
    :meth:`set_status` and :meth:`set_stage`; group changes with :meth:`transaction`.

    ``known_ids`` are the board's structure ids (``id -> collection``) that register records
    may refer to; writes check every reference against them and the register itself. Where
    :attr:`framework` is set (the board's statutory framework; the ``lif`` commands set it),
    names from its vocabulary are checked too (a review's ``kind``, an evidence ``kind``...).
    """

    #: The board's statutory framework, whose vocabulary writes are checked against (None: not checked).
    framework: StatutoryFramework | None = None

    def __init__(
        self,
        path: Path,
        connection: sqlite3.Connection | Database,
        known_ids: Mapping[str, str],
        who: str,
        *,
        building: Path | None = None,
        read_only: bool = False,
    ) -> None:
        self.path = path
        self._db: Database = (
            connection if isinstance(connection, Database) else SqliteDatabase(path, connection, building)
        )
        self._structure = dict(known_ids)
        self.who = who
        self._depth = 0
        self.read_only = read_only

    @classmethod
    def in_database(
        cls,
        path: Path,
        database: Database,
        known_ids: Mapping[str, str] | None = None,
        who: str | None = None,
        *,
        read_only: bool = False,
    ) -> Register:
        """The register kept in ``database`` (another store's: see :class:`Database`), which is
        migrated forward (or made, where :attr:`Database.new`) before it is returned; one
        written by a newer lif-core is refused before anything is written. ``path`` is what
        :attr:`path` says (a store's file in the board folder). Read-only, an older schema is
        refused with what to do (it is migrated the first time it is opened to write)."""
        register = cls(path, database, known_ids or {}, "" if read_only else who or default_user(), read_only=read_only)
        try:
            if database.new:
                if database.one_transaction:  # every write until publish() joins this one transaction
                    register._begin()
                    register._depth = 1
                    if "meta" in database.tables():  # made by another process while this one waited
                        raise StoreError(
                            f"{database.where}: another process created the register meanwhile; this "
                            "command's changes were not kept: run it again"
                        )
                register._migrate()
                return register
            version = schema_version_of(database)
            if version > SCHEMA_VERSION:
                raise newer_schema(database.where, version, database.nothing_changed)
            if read_only:
                if version < SCHEMA_VERSION:
                    raise StoreError(
                        f"{database.where}: written by an older lif-core (register schema {version}): it is "
                        "brought up to date the first time it is opened to write: run `lif import` on the "
                        "board (or any command that changes the register)"
                    )
            elif version < SCHEMA_VERSION:  # a current schema is opened without a write transaction
                register._migrate()
        except BaseException:
            register.abandon()
            raise
        return register

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: Path, known_ids: Mapping[str, str] | None = None, who: str | None = None, *, create: bool = True
    ) -> Register:
        """Open (and, where ``create``, make) the store at ``path``, migrating an older schema
        forward. A store written by a newer lif-core is refused, unchanged. A current one is
        opened without taking the write lock: only its first write waits for another writer.

        A new store is built aside and appears at ``path`` only when it is closed, complete
        (:meth:`close`); if the ``with`` block around it raises, or :meth:`abandon` is called,
        it never appears."""
        path = Path(path)
        if not path.exists():
            if not create:
                raise StoreError(f"{path}: no register here (lif import creates one)")
            if path.is_symlink():
                raise StoreError(f"{path}: a link to a missing file: remove it, then try again")
            return cls._create(path, known_ids, who)
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a register: move it aside")
        version = cls._version_read_only(path)
        if version > SCHEMA_VERSION:
            raise newer_schema(str(path), version)
        register = cls(path, cls._connect(path, path), known_ids or {}, who or default_user())
        try:
            if version < SCHEMA_VERSION:  # a current schema is opened without waiting for the write lock
                register._migrate()
        except BaseException:
            register._db.close()
            raise
        remove_leftovers(path)
        return register

    @classmethod
    def open_read_only(cls, path: Path) -> Register:
        """Open the store at ``path`` only to read it (records, history), which works where its
        file or folder cannot be written. An older schema must be migrated first, which needs
        write access: it is, where the folder allows, else the error says so."""
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: no register here (lif import creates one)")
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a register: move it aside")
        db = cls._connect_read_only(path)
        try:
            version = cls._schema_version(db, path)
        except BaseException:
            db.close()
            raise
        if version > SCHEMA_VERSION:
            db.close()
            raise newer_schema(str(path), version)
        if version < SCHEMA_VERSION:
            db.close()
            if not _writable(path):
                raise StoreError(
                    f"{path}: written by an older lif-core (register schema {version}): it is brought up to "
                    f"date the first time it is opened with write access: make {path} and its folder "
                    "writable, then run `lif import` on the board (or any command that changes the register)"
                )
            with cls.open(path, create=False):  # migrates it forward
                pass
            db = cls._connect_read_only(path)
        return cls(path, db, {}, "", read_only=True)

    @classmethod
    def _create(cls, path: Path, known_ids: Mapping[str, str] | None, who: str | None) -> Register:
        """A new, empty store built in a hidden file beside ``path`` (see :meth:`close`)."""
        remove_leftovers(path)
        building = path.with_name(f".{path.name}.creating-{_host()}-{os.getpid()}-{secrets.token_hex(4)}")
        register = cls(path, cls._connect(building, path), known_ids or {}, who or default_user(), building=building)
        try:
            register._migrate()
        except BaseException:
            register.abandon()
            raise
        return register

    @staticmethod
    def _connect(file: Path, path: Path) -> sqlite3.Connection:
        """A read-write connection to ``file`` (errors name ``path``, the store as the user knows it)."""
        try:
            db = sqlite3.connect(file, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except sqlite3.Error as exc:
            raise _storage_error(path, exc, "open the register") from None
        try:
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            db.close()
            raise _storage_error(path, exc, "open the register") from None
        return db

    @staticmethod
    def _connect_read_only(path: Path) -> sqlite3.Connection:
        """A connection that never writes. In a folder lif cannot write to, SQLite cannot make
        the WAL index it reads through; the store is then read as it stands (``immutable``),
        which is exact as long as no changes wait in its ``-wal`` file (else the error says so)."""
        uri = path.resolve().as_uri()

        def connect(options: str) -> sqlite3.Connection:
            db = sqlite3.connect(f"{uri}?{options}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            try:
                db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            except BaseException:
                db.close()
                raise
            return db

        try:
            return connect("mode=ro")
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code not in (_SQLITE_CANTOPEN, _SQLITE_READONLY, _SQLITE_PERM) or _writable(path):
                raise _storage_error(path, exc, "read the register") from None
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(
                f"{path}: read-only, and its latest changes wait in {wal.name}, which only a writer can "
                f"merge: check the permissions of {path} and its folder {path.parent}, then run any lif "
                "command on the board once with write access"
            )
        try:
            return connect("mode=ro&immutable=1")
        except sqlite3.Error as exc:
            raise _storage_error(path, exc, "read the register") from None

    @staticmethod
    def _schema_version(db: sqlite3.Connection, path: Path) -> int:
        return schema_version_of(SqliteDatabase(path, db))

    @classmethod
    def _version_read_only(cls, path: Path) -> int:
        db = cls._connect_read_only(path)
        try:
            return cls._schema_version(db, path)
        finally:
            db.close()

    def _migrate(self) -> None:
        """Make the schema (where there is none) and bring it forward to :data:`SCHEMA_VERSION`,
        in one write transaction; a newer one found meanwhile is refused, unchanged."""
        db = self._db
        with self._immediate():
            if "meta" not in db.tables():
                for statement in filter(str.strip, db.schema_v1.split(";")):
                    db.run(statement)
                db.run("INSERT INTO meta VALUES ('schema_version', '1')")
            version = int(db.run("SELECT value FROM meta WHERE key = 'schema_version'")[0][0])
            if version > SCHEMA_VERSION:
                raise newer_schema(db.where, version, db.nothing_changed)
            while version < SCHEMA_VERSION:
                for statement in filter(str.strip, db.migrations[version].split(";")):
                    db.run(statement)
                version += 1
                db.run("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))

    @property
    def schema_version(self) -> int:
        return int(self._query("SELECT value FROM meta WHERE key = 'schema_version'")[0][0])

    def close(self) -> None:
        """Close the store. A new store appears only now, complete (SQLite's, built aside, is
        checkpointed, closed, synced and then moved into place; a server's is committed)."""
        if self._db.new:
            if self._db.one_transaction and self._depth:
                self._depth = 0
                try:
                    self._db.commit()
                except self._db.errors as exc:
                    self._db.discard()
                    raise self._db.storage_error(exc, "create the register") from None
            self._db.new = False
            self._db.publish()
            return
        self._db.close()

    def abandon(self) -> None:
        """Close without keeping a new store (one being built is discarded; a store that
        already existed is simply closed: its committed changes stay)."""
        self._depth = 0
        self._db.rollback()
        self._db.discard()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None:
            self.abandon()
        else:
            self.close()

    # -- transactions -------------------------------------------------------------------

    @contextlib.contextmanager
    def _immediate(self) -> Iterator[None]:
        """One write transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            except self._db.errors as exc:  # said here too: a new server store's one transaction has no outer one
                raise self._db.storage_error(exc, "change the register") from None
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        db = self._db
        try:
            yield
            db.commit()
        except BaseException as exc:
            db.rollback()
            if isinstance(exc, db.errors):
                raise db.storage_error(exc, "change the register") from None
            raise
        finally:
            self._depth = 0

    def _begin(self) -> None:
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only: nothing can be changed through it")
        try:
            self._db.begin()
        except self._db.errors as exc:
            self._db.rollback()
            raise self._db.storage_error(exc, "change the register") from None

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        """Group several changes: all are kept, or (on any error) none."""
        return self._immediate()

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        """Rows of a read, any storage failure said clearly."""
        db = self._db
        try:
            return db.run(sql, parameters)
        except db.errors as exc:
            if not self._depth:
                db.rollback()
            raise db.storage_error(exc, "read the register") from None

    def _load(self, text: str | None, record_id: object) -> Any:
        """A stored record's JSON; a clear "corrupt" error where it does not read back."""
        if text is None:
            return None
        try:
            if isinstance(text, str):  # as the store writes it: decoded without json.loads' checks around it
                try:
                    value, end = _decode(text)
                except ValueError:
                    end = -1
                if end == len(text):
                    return value
            return json.loads(text)  # anything else (space around it, bytes): as json.loads reads it, or says why not
        except (ValueError, RecursionError) as exc:
            reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise StoreError(
                f"{self._db.where}: corrupt: record {record_id!r} does not read back ({reason}): restore the "
                "register from a backup"
            ) from None

    # -- reading ------------------------------------------------------------------------

    def records(self, collection: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """``(collection, data)`` of every record (of one collection), in their order."""
        if collection is None:
            rows = self._query("SELECT collection, data, id FROM records ORDER BY collection, position")
        else:
            rows = self._query(
                "SELECT collection, data, id FROM records WHERE collection = ? ORDER BY position", (collection,)
            )
        with quiet_collector():  # a large register's records are tens of thousands of tables, none in a cycle
            return [(c, self._load(d, i)) for c, d, i in rows]

    def get(self, record_id: str) -> tuple[str, dict[str, Any]]:
        rows = self._query("SELECT collection, data FROM records WHERE id = ?", (record_id,))
        if not rows:
            raise StoreError(f"no record {record_id!r} in the register")
        return rows[0][0], self._load(rows[0][1], record_id)

    def ids(self) -> dict[str, str]:
        return {i: c for i, c in self._query("SELECT id, collection FROM records")}

    def history(self, record_id: str) -> list[Change]:
        """Every change to one record, oldest first."""
        rows = self._query(
            "SELECT seq, at, who, record_id, collection, old, new, note FROM changes WHERE record_id = ? ORDER BY seq",
            (record_id,),
        )
        return [self._change(row) for row in rows]

    def records_at(self, moment: str) -> list[tuple[str, str, dict[str, Any] | None, bool]]:
        """The register as it stood at ``moment``, from its history: ``(id, collection, data,
        changed)`` for every record changed before ``moment``, in the order the register then
        listed them (the order they were last added in). ``changed`` says whether the record
        has changed since (updated, deleted, added again); where it has, ``data`` is the record
        as the last change before ``moment`` left it (``None`` where that change deleted it);
        where it has not, ``data`` is ``None``: the record is as it is now (:meth:`get`), so a
        long register is not read twice. ``moment`` is written as changes are stamped (``at``:
        UTC, ISO 8601 to the microsecond), so stamps compare as text. Records first changed
        after ``moment`` are not listed."""
        rows = self._query(
            "WITH latest AS (SELECT record_id, MAX(CASE WHEN at < ? THEN seq END) AS last,"
            " MAX(CASE WHEN at < ? AND (old IS NULL OR old = '') THEN seq END) AS added, MAX(seq) AS newest"
            " FROM changes GROUP BY record_id)"
            " SELECT c.record_id, c.collection, CASE WHEN latest.newest > c.seq THEN c.new END, latest.newest > c.seq"
            " FROM latest JOIN changes AS c ON c.seq = latest.last ORDER BY latest.added, c.seq",
            (moment, moment),
        )
        with quiet_collector():
            return [(rid, col, self._load(new or None, rid), bool(changed)) for rid, col, new, changed in rows]

    def imported(self) -> dict[str, str]:
        """``record id -> digest`` of each record as last imported from the board's files."""
        return {r: d for r, d in self._query("SELECT record_id, digest FROM imported")}

    def count_changes(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM changes")[0][0])

    def _change(self, row: Sequence[Any]) -> Change:
        """A ``changes`` row (seq, at, who, record_id, collection, old, new, note) as a :class:`Change`."""
        seq, at, who, rid, col, old, new, note = row
        return Change(seq, at, who, rid, col, self._load(old or None, rid), self._load(new or None, rid), note)

    def version(self, record_id: str) -> int:
        """The record's version: the ``seq`` of its latest change (0 where none is recorded).
        A writer that read the record at version ``v`` passes ``expected=v`` to
        :meth:`update` (or :meth:`delete`, :meth:`set_status`, :meth:`set_stage`,
        :meth:`set_value`), which then refuses, writing nothing, if anyone changed it since."""
        row = self._query("SELECT MAX(seq) FROM changes WHERE record_id = ?", (record_id,))
        return int(row[0][0] or 0) if row else 0

    def last_change(self) -> int:
        """The ``seq`` of the register's latest change (0: none yet). It grows with every
        committed change, by any process, in every store: a reader keeping something built from
        the register (a web worker's loaded board) tells by it whether to build it again."""
        row = self._query("SELECT MAX(seq) FROM changes")
        return int(row[0][0] or 0) if row else 0

    def recent_changes(self, limit: int = 50, *, since_seq: int = 0) -> list[Change]:
        """The latest changes to the whole register, newest first (at most ``limit``; only those
        after ``since_seq`` where given)."""
        rows = self._query(
            "SELECT seq, at, who, record_id, collection, old, new, note FROM changes WHERE seq > ?"
            " ORDER BY seq DESC LIMIT ?",
            (since_seq, max(0, limit)),
        )
        return [self._change(row) for row in rows]

    def _check_version(self, record_id: str, expected: int | None) -> None:
        """Inside a write transaction: refuse (:class:`ConflictError`) where the record is no
        longer at version ``expected``."""
        if expected is None:
            return
        current = self.version(record_id)
        if current != expected:
            latest = self._query(
                "SELECT seq, at, who, record_id, collection, old, new, note FROM changes WHERE record_id = ?"
                " ORDER BY seq DESC LIMIT 1",
                (record_id,),
            )
            raise ConflictError(record_id, expected, current, self._change(latest[0]) if latest else None)

    def copy_to(self, target: Register) -> tuple[int, int]:
        """Copy this register whole into ``target``, a new store (:meth:`open` with ``create``;
        another database's alike): every record as stored and in its place, every change with
        its number, time, author and note, and what was last imported, in one transaction.
        Returns ``(records, changes)``. Nothing is checked again or renumbered: the copy's
        :meth:`version` of each record is the original's."""
        records = self._query("SELECT id, collection, position, data FROM records ORDER BY collection, position")
        changes = self._query("SELECT seq, at, who, record_id, collection, old, new, note FROM changes ORDER BY seq")
        imported = self._query("SELECT record_id, digest FROM imported")
        db = target._db
        with target._immediate():
            if db.run("SELECT COUNT(*) FROM records")[0][0] or db.run("SELECT COUNT(*) FROM changes")[0][0]:
                raise StoreError(f"{db.where}: already holds a register: nothing was copied into it")
            for row in records:
                db.run("INSERT INTO records (id, collection, position, data) VALUES (?, ?, ?, ?)", tuple(row))
            for row in changes:
                db.run(
                    "INSERT INTO changes (seq, at, who, record_id, collection, old, new, note)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    tuple(row),
                )
            for row in imported:
                db.run(db.set_imported, tuple(row))
            db.numbered()
        return len(records), len(changes)

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the register (its records with their places, its changes, what was
        last imported), in a fixed order: two registers holding the same are equal dumps."""
        return {
            "records": [
                tuple(r) for r in self._query("SELECT id, collection, position, data FROM records ORDER BY id")
            ],
            "changes": [
                tuple(r)
                for r in self._query(
                    "SELECT seq, at, who, record_id, collection, old, new, note FROM changes ORDER BY seq"
                )
            ],
            "imported": [tuple(r) for r in self._query("SELECT record_id, digest FROM imported ORDER BY record_id")],
        }

    # -- writing ------------------------------------------------------------------------

    def _checked(
        self,
        collection: str,
        data: Mapping[str, Any],
        *,
        replacing: str | None = None,
        register_ids: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """The record as plain data once it has passed the model's checks and every reference
        resolves; a clear error naming the key path otherwise."""
        if collection not in REGISTER_COLLECTIONS:
            known = ", ".join(REGISTER_COLLECTIONS)
            raise StoreError(f"{collection!r} is not kept in the register; it holds {known}")
        cls = COLLECTIONS[collection]
        try:
            record: Any = structure(dict(data), cls)
        except Exception as exc:  # noqa: BLE001 - every structuring failure becomes one message
            label = f"{collection}[{data.get('id')!r}]" if isinstance(data.get("id"), str) else collection
            problems = [f"{format_path((label, *p))}: {m}" for p, m in iter_errors(exc, (), cls)]
            raise StoreError("refused, nothing changed:\n  " + "\n  ".join(problems)) from None

        def owner(record_id: str) -> str | None:
            """The collection holding ``record_id`` (structure, then register), if any."""
            found = self._structure.get(record_id)
            if found is not None:
                return found
            if register_ids is not None:
                return register_ids.get(record_id)
            rows = self._db.run("SELECT collection FROM records WHERE id = ?", (record_id,))
            return None if not rows else str(rows[0][0])

        existing = owner(record.id)
        if replacing is None and existing is not None:
            raise StoreError(f"refused: id {record.id!r} is already used by a {noun(existing)}")
        problems = []
        for path, value, targets, kind in iter_refs(record):
            if kind == "term" and self.framework is not None and value not in self.framework.names(targets[0]):
                where = format_path((f"{collection}[{record.id!r}]", *path))
                problems.append(f"{where}: {term_problem(value, targets[0], self.framework)}")
                continue
            holder = owner(value) if kind == "ref" else None  # names checked below, once the record built
            if kind == "ref" and holder not in targets:
                wanted = " or ".join(noun(t) for t in targets)
                found = (
                    f"{value!r} is a {noun(holder)}, not a {wanted}"
                    if holder is not None
                    else f"no {wanted} with id {value!r}"
                )
                problems.append(f"{format_path((f'{collection}[{record.id!r}]', *path))}: {found}")
        if self.framework is not None and not problems:
            for path, message in record_problems(self.framework, collection, record):
                problems.append(f"{format_path((f'{collection}[{record.id!r}]', *path))}: {message}")
            if not problems:
                problems += self._across(collection, record)
        if problems:
            raise StoreError("refused, nothing changed:\n  " + "\n  ".join(problems))
        plain: dict[str, Any] = json.loads(_json(unstructure(record)))
        return plain

    def _across(self, collection: str, record: Any) -> list[str]:
        """What the register's other records make wrong with ``record`` under its framework: a
        reporting year recorded twice, reviews following each other in a loop."""
        assert self.framework is not None
        label = f"{collection}[{record.id!r}]"
        if collection == "publications":
            from .frameworks import period_bounds

            kind = self.framework.term("obligations", record.kind)
            if kind is None:
                return []
            start = period_bounds(record.period, kind.year_starts)[0]
            for _c, other in self.records("publications"):
                if other.get("id") == record.id or other.get("kind") != record.kind:
                    continue
                try:
                    same = period_bounds(str(other.get("period", "")), kind.year_starts)[0] == start
                except LifError:
                    continue
                if same:
                    return [f"{label}.period: {kind.title} for that year is already recorded as {other['id']}"]
        if collection == "reviews" and record.follows:
            follows = {i: d.get("follows") for _c, d in self.records("reviews") for i in [d.get("id")]}
            follows[record.id] = record.follows
            chain, current = [record.id], record.follows
            while current in follows and current not in chain:
                chain.append(current)
                current = follows[current]
            if current in chain and not (current == record.id and len(chain) == 1):  # itself: said elsewhere
                return [f"{label}.follows: reviews would follow each other in a loop: {' -> '.join([*chain, current])}"]
        return []

    def _record_change(
        self, record_id: str, collection: str, old: dict[str, Any] | None, new: dict[str, Any] | None, note: str
    ) -> None:
        at = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        self._db.run(
            "INSERT INTO changes (at, record_id, collection, old, new, who, note) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                at,
                record_id,
                collection,
                _json(old) if old is not None else None,
                _json(new) if new is not None else None,
                self.who,
                note,
            ),
        )

    def add(
        self, collection: str, data: Mapping[str, Any], *, note: str = "", _ids: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Add a record (checked first); returns it as stored."""
        with self._immediate():
            record = self._checked(collection, data, register_ids=_ids)
            if _ids is not None:
                _ids[record["id"]] = collection
            position = self._db.run(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM records WHERE collection = ?", (collection,)
            )[0][0]
            self._db.run("INSERT INTO records VALUES (?, ?, ?, ?)", (record["id"], collection, position, _json(record)))
            self._record_change(record["id"], collection, None, record, note)
        return record

    def update(
        self,
        record_id: str,
        changes: Mapping[str, Any],
        *,
        note: str = "",
        replace: bool = False,
        expected: int | None = None,
        _ids: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Change keys of a record (``None`` removes a key; ``replace`` takes ``changes`` as
        the whole new record); checked first; returns it as stored. With ``expected`` (the
        :meth:`version` the change was made from), refused with :class:`ConflictError` where
        the record has changed since."""
        with self._immediate():
            self._check_version(record_id, expected)
            collection, old = self.get(record_id)
            data = dict(changes) if replace else {**old, **changes}
            data = {k: v for k, v in data.items() if v is not None}
            if data.get("id", record_id) != record_id:
                raise StoreError(f"refused: a record's id cannot change ({record_id!r}); add a new record instead")
            data["id"] = record_id
            record = self._checked(collection, data, replacing=record_id, register_ids=_ids)
            if record == old:
                return record
            self._db.run("UPDATE records SET data = ? WHERE id = ?", (_json(record), record_id))
            self._record_change(record_id, collection, old, record, note)
        return record

    def delete(self, record_id: str, *, note: str = "", expected: int | None = None) -> None:
        """Delete a record that nothing else in the register refers to (recorded, like any
        change); ``expected`` as for :meth:`update`."""
        with self._immediate():
            self._check_version(record_id, expected)
            collection, old = self.get(record_id)
            users = []
            # Only a record holding the id as a JSON string can refer to it: those are found by
            # SQLite, then checked (not every record of a large register structured in turn).
            rows = self._query(
                f"SELECT collection, data, id FROM records WHERE {self._db.contains} ORDER BY collection, position",
                (_json(record_id),),
            )
            for other_collection, text, other_id in rows:
                data = self._load(text, other_id)
                if data.get("id") == record_id:
                    continue
                record: Any = structure(data, COLLECTIONS[other_collection])
                if any(value == record_id for _, value, _, kind in iter_refs(record) if kind == "ref"):
                    users.append(data["id"])
            if users:
                raise StoreError(
                    f"refused: {', '.join(sorted(users))} {'refers' if len(users) == 1 else 'refer'} to "
                    f"{record_id!r}: change {'it' if len(users) == 1 else 'them'} first"
                )
            self._db.run("DELETE FROM records WHERE id = ?", (record_id,))
            self._record_change(record_id, collection, old, None, note)

    def set_status(
        self,
        action_id: str,
        status: str,
        *,
        day: dt.date | None = None,
        note: str = "",
        expected: int | None = None,
    ) -> dict[str, Any]:
        """An action's new status, with a dated entry in its status log; ``expected`` as for
        :meth:`update`."""
        with self._immediate():  # read and write in one transaction: no other change between
            self._check_version(action_id, expected)
            collection, old = self.get(action_id)
            if collection != "actions":
                raise StoreError(f"{action_id!r} is a {noun(collection)}, not an action")
            try:
                new_status = ActionStatus(status)
            except ValueError:
                raise StoreError(f"{status!r} is not a status; use one of {', '.join(ActionStatus.values())}") from None
            entry = unstructure(StatusChange(status=new_status, date=day or dt.date.today(), note=note, by=self.who))
            log = [*old.get("status_log", []), json.loads(_json(entry))]
            return self.update(
                action_id, {"status": new_status.value, "status_log": log}, note=note or f"status {status}"
            )

    def set_stage(
        self,
        review_id: str,
        stage: str,
        *,
        day: dt.date | None = None,
        note: str = "",
        stages: Callable[[str], Sequence[str]] | None = None,
        expected: int | None = None,
    ) -> dict[str, Any]:
        """A review's next stage, dated in its stage log.

        ``stages`` gives a review kind's stage order (its statutory framework's; the usual
        learning lifecycle where absent): the new stage must be one of the review's kind's and
        come after its current stage. ``expected`` as for :meth:`update`."""
        with self._immediate():
            self._check_version(review_id, expected)
            return self._set_stage(review_id, stage, day=day, note=note, stages=stages)

    def _set_stage(
        self,
        review_id: str,
        stage: str,
        *,
        day: dt.date | None,
        note: str,
        stages: Callable[[str], Sequence[str]] | None,
    ) -> dict[str, Any]:
        collection, old = self.get(review_id)
        if collection != "reviews":
            raise StoreError(f"{review_id!r} is a {noun(collection)}, not a case review")
        order = list(stages(str(old.get("kind", ""))) if stages is not None else LIFECYCLE)
        if stage not in order:
            raise StoreError(f"{stage!r} is not a stage of this review's kind; use one of {', '.join(order)}")
        current = old.get("stage", "referral")
        repeat = stage == current and not old.get("stage_log")  # dating the stage it was created at
        if current in order and order.index(stage) <= order.index(current) and not repeat:
            raise StoreError(
                f"{stage!r} cannot follow {current!r}: stages run {' -> '.join(order)} "
                "(they may be skipped, never repeated or reversed)"
            )
        entry = unstructure(StageChange(stage=stage, date=day or dt.date.today(), note=note))
        log = [*old.get("stage_log", []), json.loads(_json(entry))]
        return self.update(review_id, {"stage": stage, "stage_log": log}, note=note or f"stage {stage}")

    def set_value(
        self, measure_id: str, period: str, value: float, *, note: str = "", expected: int | None = None
    ) -> dict[str, Any]:
        """A measure's value for one period (replacing any value that period had); ``expected``
        as for :meth:`update`."""
        with self._immediate():
            self._check_version(measure_id, expected)
            collection, old = self.get(measure_id)
            if collection != "measures":
                raise StoreError(f"{measure_id!r} is a {noun(collection)}, not a measure")
            values = [v for v in old.get("values", []) if v.get("period") != period]
            values.append({"period": period, "value": value})
            return self.update(measure_id, {"values": values}, note=note or f"{period}: {value:g}")

    def import_records(
        self, items: list[tuple[str, Mapping[str, Any]]], *, note: str = "imported", track: bool = True
    ) -> tuple[int, int, int]:
        """Bring records in, all in one transaction: new ones added, changed ones updated (both
        recorded), the rest left. Returns ``(added, updated, unchanged)``.

        With ``track`` (the board's own files), a record is taken again only where its file
        version changed since the last import: a record changed in the register since then
        (by ``lif status``, say) is not put back to the file's older version."""
        added = updated = same = 0
        order = {c: i for i, c in enumerate(IMPORT_ORDER)}
        items = _followed_first(sorted(items, key=lambda item: order.get(item[0], len(order))))
        with self._immediate(), quiet_collector():  # tens of thousands of records, none in a cycle
            existing = self.ids()
            last = self.imported() if track else {}
            for collection, data in items:
                record_id = data.get("id")
                if isinstance(record_id, str) and record_id in existing:
                    fingerprint = digest(collection, data) if track else ""
                    if track and last.get(record_id) == fingerprint:
                        same += 1
                        continue
                    before = self.get(record_id)[1]
                    after = self.update(record_id, data, note=note, replace=True, _ids=existing)
                    if after == before:
                        same += 1
                    else:
                        updated += 1
                else:
                    record = self.add(collection, data, note=note, _ids=existing)
                    fingerprint = checked_digest(record) if track else ""  # digest(), from the record as checked
                    added += 1
                if track:
                    self._db.run(self._db.set_imported, (record_id, fingerprint))
        return added, updated, same


def store_path(root: Path) -> Path:
    return root / STORE_FILE


def _set_aside_orphans(path: Path) -> None:
    """Before a new store takes ``path``: companions left by a store no longer there (moved
    away without its ``-wal``) would be read as the new store's own and corrupt it; they are
    renamed aside (``register.sqlite-wal.orphaned-...``), not deleted."""
    if path.exists():
        return
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    for companion in _companions(path):
        if companion.exists():
            with contextlib.suppress(FileNotFoundError):
                os.replace(companion, companion.with_name(f"{companion.name}.orphaned-{stamp}"))


def _remove(path: Path) -> None:
    """Remove a database file and its companions, whatever is there."""
    for file in (path, *_companions(path)):
        with contextlib.suppress(OSError):
            file.unlink()


def _fsync(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk, where the system allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - a folder cannot be opened on Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some file systems refuse to sync a folder
        pass
    finally:
        os.close(fd)
