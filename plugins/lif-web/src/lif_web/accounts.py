"""The board's web accounts, sessions and failed sign-ins, in ``accounts.sqlite`` in the board
folder (readable by its owner only: mode 0600).

Passwords are kept only as argon2id hashes; session ids only as SHA-256 digests (a copy of the
file lets nobody sign in or take over a session). Every ``lif serve`` worker opens the same file,
so sessions and the sign-in rate limit hold across workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import sqlite3
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "ACCOUNTS_FILE",
    "ROLES",
    "Account",
    "AccountError",
    "Accounts",
    "Session",
    "check_name",
    "check_password",
]

ACCOUNTS_FILE = "accounts.sqlite"
Role = Literal["admin", "editor", "reader"]
ROLES: tuple[Role, ...] = ("admin", "editor", "reader")
ROLE_NAMES = {"admin": "board administrator", "editor": "agency editor", "reader": "reader"}
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
#: Seconds between two writes of a session's last use (its idle clock).
TOUCH_EVERY = 60.0

_hasher = PasswordHasher()  # argon2id, argon2-cffi's recommended cost (RFC 9106 low-memory)
_DUMMY_HASH = _hasher.hash("a password nobody has, verified when the name is unknown")


class AccountError(ValueError):
    """A request about accounts that cannot be met (its message says why, for the user)."""


@attrs.frozen(kw_only=True)
class Account:
    """A person who may sign in.

    Attributes:
        name: the sign-in name (what the register's history records as who changed a record).
        display: the name shown on pages.
        role: ``admin`` (board administrator: may change anything), ``editor`` (agency editor:
            changes only what its agency owns) or ``reader`` (sees everything, changes nothing).
        partner: the agency (the board's partner id) an editor works for.
    """

    name: str
    display: str
    role: Role
    partner: str | None = None
    disabled: bool = False

    @property
    def role_name(self) -> str:
        return ROLE_NAMES[self.role]


@attrs.frozen(kw_only=True)
class Session:
    """A browser's session: ``account`` is None until someone signs in."""

    id: str
    csrf: str
    account: Account | None
    messages: tuple[str, ...] = ()


#: What :func:`keep_out_of_version_control` adds to a board's ``.gitignore``.
IGNORE_LINES = "# lif-web's accounts: password hashes and sessions (lif users, lif serve)\naccounts.sqlite*\n"


def keep_out_of_version_control(board: Path) -> str | None:
    """See that the board's ``.gitignore`` keeps the accounts file and its ``-wal`` and
    ``-shm`` (recent password hashes and sessions wait there) out of version control: adds
    ``accounts.sqlite*`` to it unless a line ``accounts.sqlite*`` or ``*.sqlite*`` is there,
    or makes it with that line. Says what it did (``None``: nothing to do). A ``.gitignore``
    that is a symbolic link or not a regular file, or cannot be read or written, is left alone,
    with a warning saying what to add by hand."""
    path = Path(board) / ".gitignore"
    by_hand = f"add `accounts.sqlite*` to {path} yourself, to keep the accounts out of version control"
    flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o644)
            made = True
        except FileExistsError:
            fd = os.open(path, flags)  # a link is refused here (ELOOP), never followed
            made = False
    except OSError as exc:
        if path.is_symlink():
            return f"warning: {path} is a symbolic link, left alone: {by_hand}"
        return f"warning: {path}: {exc.strerror or exc}: {by_hand}"
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return f"warning: {path} is not a regular file, left alone: {by_hand}"
        text = b""
        while len(text) <= _GITIGNORE_LIMIT and (chunk := os.read(fd, 65536)):
            text += chunk
        if len(text) > _GITIGNORE_LIMIT:
            return f"warning: {path} is larger than {_GITIGNORE_LIMIT // 1024} KiB, left alone: {by_hand}"
        lines = {line.strip().lstrip("/") for line in text.decode("utf-8", "replace").splitlines()}
        if lines & {"accounts.sqlite*", "*.sqlite*"}:
            return None
        os.write(fd, (b"" if not text or text.endswith(b"\n") else b"\n") + IGNORE_LINES.encode())
    except OSError as exc:
        return f"warning: {path}: {exc.strerror or exc}: {by_hand}"
    finally:
        os.close(fd)
    return f"made {path} with accounts.sqlite* in it" if made else f"added accounts.sqlite* to {path}"


#: The largest ``.gitignore`` read (bytes).
_GITIGNORE_LIMIT = 1024 * 1024


def check_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise AccountError(
            f"{name!r}: a user name is 1 to 64 letters, digits and . _ @ + - (starting with a letter or digit)"
        )
    return name


def check_password(name: str, password: str) -> None:
    """Refuse a weak password, saying why (never repeating it)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: at most {MAX_PASSWORD} characters")
    if password.strip() != password or not password.strip():
        raise AccountError("the password must not begin or end with spaces")
    lowered = password.lower()
    if lowered == name.lower() or (len(name) >= 4 and name.lower() in lowered):
        raise AccountError("the password must not be, or contain, the user name")


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    display TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'reader')),
    partner TEXT,
    hash TEXT,
    disabled INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    digest TEXT PRIMARY KEY,
    name TEXT REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created REAL NOT NULL,
    seen REAL NOT NULL,
    messages TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS sessions_by_name ON sessions(name);
CREATE TABLE IF NOT EXISTS failures (
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_by_name ON failures(name, at);
CREATE INDEX IF NOT EXISTS failures_by_address ON failures(address, at);
"""


class Accounts:
    """The accounts file of one board (made, readable by its owner only, where missing)."""

    def __init__(self, board: Path, *, idle: float = 8 * 3600, absolute: float = 24 * 3600) -> None:
        self.path = Path(board) / ACCOUNTS_FILE
        self.idle = idle
        self.absolute = absolute
        self._ready = False
        #: The clock sessions and failed sign-ins are timed by (seconds; tests set their own).
        self.clock = time.time

    # -- the file --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _db(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One transaction: a write takes the file's write lock at once (waiting for another
        worker's, never failing half-way); a read does not block anyone (WAL)."""
        if not self._ready:
            self._prepare()
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA busy_timeout = 30000")
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                db.execute("COMMIT")
        finally:
            db.close()

    def _prepare(self) -> None:
        if not self.path.parent.is_dir():
            raise AccountError(f"{self.path.parent}: no such board folder")
        if not self.path.exists():
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)  # never readable by others
            os.close(fd)
        with contextlib.suppress(OSError):
            if self.path.stat().st_mode & 0o077:
                os.chmod(self.path, 0o600)
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise AccountError(f"{self.path}: cannot be read as the board's accounts ({exc})") from None
        finally:
            db.close()
        self._ready = True

    def exists(self) -> bool:
        return self.path.exists()

    # -- users -----------------------------------------------------------------------------

    @staticmethod
    def _account(row: tuple[str, str, str, str | None, int]) -> Account:
        name, display, role, partner, disabled = row
        return Account(name=name, display=display, role=role, partner=partner, disabled=bool(disabled))  # type: ignore[arg-type]

    def add(
        self, name: str, password: str | None, *, role: Role, partner: str | None = None, display: str | None = None
    ) -> Account:
        """Add an account (``password`` None: it signs in only through single sign-on)."""
        check_name(name)
        if role not in ROLES:
            raise AccountError(f"{role!r}: a role is one of {', '.join(ROLES)}")
        if role == "editor" and not partner:
            raise AccountError("an agency editor needs its agency: --agency PARTNER")
        if password is not None:
            check_password(name, password)
        digest = _hasher.hash(password) if password is not None else None
        shown = (display or name).strip()
        if not shown or len(shown) > 200 or any(ord(c) < 32 for c in shown):
            raise AccountError("the display name must be 1 to 200 printable characters")
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with self._db() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"{name!r}: there is already an account with this name")
            db.execute(
                "INSERT INTO users (name, display, role, partner, hash, disabled, created) "
                "VALUES (?, ?, ?, ?, ?, 0, ?)",
                (name, shown, role, partner, digest, created),
            )
        return Account(name=name, display=shown, role=role, partner=partner)

    def get(self, name: str) -> Account | None:
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT name, display, role, partner, disabled FROM users WHERE name = ?", (name,)
            ).fetchone()
        return self._account(row) if row else None

    def users(self) -> list[tuple[Account, str]]:
        """Every account, with when it was made."""
        with self._db(write=False) as db:
            rows = db.execute(
                "SELECT name, display, role, partner, disabled, created FROM users ORDER BY name"
            ).fetchall()
        return [(self._account(row[:5]), row[5]) for row in rows]

    def has_admin(self) -> bool:
        if not self.path.exists():
            return False
        with self._db(write=False) as db:
            return bool(db.execute("SELECT 1 FROM users WHERE role = 'admin' AND disabled = 0").fetchone())

    def _existing(self, db: sqlite3.Connection, name: str) -> None:
        if not db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise AccountError(f"{name!r}: no account with this name")

    def remove(self, name: str) -> None:
        """Remove an account and end its sessions."""
        with self._db() as db:
            self._existing(db, name)
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))
            db.execute("DELETE FROM users WHERE name = ?", (name,))

    def set_password(self, name: str, password: str) -> None:
        """Change an account's password, ending its sessions (it signs in again)."""
        check_password(name, password)
        digest = _hasher.hash(password)
        with self._db() as db:
            self._existing(db, name)
            db.execute("UPDATE users SET hash = ? WHERE name = ?", (digest, name))
            db.execute("DELETE FROM sessions WHERE name = ?", (name,))

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        """Stop (or allow again) an account signing in; disabling ends its sessions."""
        with self._db() as db:
            self._existing(db, name)
            db.execute("UPDATE users SET disabled = ? WHERE name = ?", (int(disabled), name))
            if disabled:
                db.execute("DELETE FROM sessions WHERE name = ?", (name,))

    def verify(self, name: str, password: str) -> Account | None:
        """The account, where ``password`` is its password and it is not disabled; else None
        (in about the same time whether or not the name exists)."""
        with self._db(write=False) as db:
            row = db.execute(
                "SELECT name, display, role, partner, disabled, hash FROM users WHERE name = ?", (name,)
            ).fetchone()
        stored = row[5] if row and row[5] else _DUMMY_HASH
        try:
            _hasher.verify(stored, password[:MAX_PASSWORD])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row[5] or row[4]:
            return None
        if _hasher.check_needs_rehash(stored):
            with self._db() as db:
                db.execute("UPDATE users SET hash = ? WHERE name = ?", (_hasher.hash(password), name))
        return self._account(row[:5])

    # -- sign-in rate limit ----------------------------------------------------------------

    def failures(self, name: str, address: str, window: float) -> tuple[int, int]:
        """Failed sign-ins in the last ``window`` seconds: ``(to this name, from this address)``."""
        since = self.clock() - window
        with self._db(write=False) as db:
            by_name = db.execute("SELECT count(*) FROM failures WHERE name = ? AND at >= ?", (name, since)).fetchone()
            by_address = db.execute(
                "SELECT count(*) FROM failures WHERE address = ? AND at >= ?", (address, since)
            ).fetchone()
        return int(by_name[0]), int(by_address[0])

    def record_failure(self, name: str, address: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE at < ?", (self.clock() - 86400,))
            db.execute("INSERT INTO failures (name, address, at) VALUES (?, ?, ?)", (name[:200], address, self.clock()))

    def clear_failures(self, name: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM failures WHERE name = ?", (name,))

    # -- sessions --------------------------------------------------------------------------

    def new_session(self, name: str | None = None) -> Session:
        """A new session (signed in as ``name``, or not yet signed in), with a new id and CSRF
        token; expired sessions are cleared out."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        with self._db() as db:
            db.execute(
                "DELETE FROM sessions WHERE seen < ? OR created < ? OR (name IS NULL AND seen < ?)",
                (now - self.idle, now - self.absolute, now - 3600),
            )
            db.execute(
                "INSERT INTO sessions (digest, name, csrf, created, seen) VALUES (?, ?, ?, ?, ?)",
                (_digest(session_id), name, csrf, now, now),
            )
            account = None
            if name is not None:
                row = db.execute(
                    "SELECT name, display, role, partner, disabled FROM users WHERE name = ?", (name,)
                ).fetchone()
                account = self._account(row) if row else None
        return Session(id=session_id, csrf=csrf, account=account)

    def session(self, session_id: str) -> Session | None:
        """The live session with this id (its idle clock restarted), else None: unknown,
        expired (idle or absolute), or its account removed or disabled."""
        if not session_id or len(session_id) > 100:
            return None
        digest = _digest(session_id)
        now = self.clock()
        with self._db(write=False) as db:  # most requests only read: no worker waits on another
            row = db.execute(
                "SELECT s.name, s.csrf, s.created, s.seen, s.messages, u.display, u.role, u.partner, u.disabled "
                "FROM sessions s LEFT JOIN users u ON u.name = s.name WHERE s.digest = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        name, csrf, created, seen, messages, display, role, partner, disabled = row
        anonymous = name is None
        idle = 3600 if anonymous else self.idle
        if now - seen > idle or now - created > self.absolute or (not anonymous and (role is None or disabled)):
            self.end_session(session_id)
            return None
        if now - seen > TOUCH_EVERY:  # the idle clock, written at most once a minute
            with self._db() as db:
                db.execute("UPDATE sessions SET seen = ? WHERE digest = ?", (now, digest))
        account = None if anonymous else self._account((name, display, role, partner, disabled))
        return Session(id=session_id, csrf=csrf, account=account, messages=tuple(json.loads(messages)))

    def end_session(self, session_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM sessions WHERE digest = ?", (_digest(session_id),))

    def flash(self, session_id: str, message: str) -> None:
        """Keep a message for the session's next page."""
        with self._db() as db:
            row = db.execute("SELECT messages FROM sessions WHERE digest = ?", (_digest(session_id),)).fetchone()
            if row is not None:
                messages = [*json.loads(row[0]), message][-5:]
                db.execute(
                    "UPDATE sessions SET messages = ? WHERE digest = ?", (json.dumps(messages), _digest(session_id))
                )

    def take_messages(self, session_id: str) -> list[str]:
        """The session's kept messages, forgotten once taken."""
        with self._db() as db:
            row = db.execute("SELECT messages FROM sessions WHERE digest = ?", (_digest(session_id),)).fetchone()
            if row is None or row[0] == "[]":
                return []
            db.execute("UPDATE sessions SET messages = '[]' WHERE digest = ?", (_digest(session_id),))
        return list(json.loads(row[0]))
