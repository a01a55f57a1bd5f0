"""The ``postgres`` store (hook ``register_stores``) and ``lif store copy`` (``register_commands``).

A board keeps its register in PostgreSQL with ``[settings] store = "postgres"`` in board.toml
and, beside it, ``register.postgres.toml`` holding the database's connection string (no
password: ``PGPASSWORD``, ``~/.pgpass`` or a libpq service file give it)::

    url = "postgresql://lif_board@db.council.example/lif_register"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lif_core import Register, StoreBackend, StoreError, hookimpl

if TYPE_CHECKING:
    from .database import PostgresDatabase

__all__ = ["CONFIG_FILE", "PostgresStore", "register_commands", "register_stores"]

#: The file in the board folder saying which database holds the register.
CONFIG_FILE = "register.postgres.toml"


# The driver is imported only where a board uses this store: every other lif command starts
# as quickly as without the plugin.


def read_config(root: Path) -> tuple[str, dict[str, str], Path]:
    from .database import read_config

    return read_config(root)


def connection_settings(url: str, where: str) -> dict[str, str]:
    from .database import connection_settings

    return connection_settings(url, where)


def _open_database(url: str, settings: Mapping[str, str], *, read_only: bool = False) -> PostgresDatabase:
    from .database import PostgresDatabase

    return PostgresDatabase(url, settings, read_only=read_only)


def _has_register(db: PostgresDatabase) -> bool:
    try:
        return "meta" in db.tables()
    except db.errors as exc:
        db.close()
        raise db.storage_error(exc, "read the register") from None


class PostgresStore(StoreBackend):
    """The register in the PostgreSQL database named by ``register.postgres.toml``."""

    name = "postgres"
    title = "PostgreSQL (the database named in register.postgres.toml)"
    filename = CONFIG_FILE

    def exists(self, root: Path) -> bool:
        """Whether the database named by the board's ``register.postgres.toml`` holds a register
        (a clear StoreError where the file is wrong or the server cannot be reached)."""
        if not (root / CONFIG_FILE).exists():
            return False
        url, settings, _path = read_config(root)
        db = _open_database(url, settings, read_only=True)
        try:
            return _has_register(db)
        finally:
            db.close()

    def open(
        self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True
    ) -> Register:
        url, settings, path = read_config(root)
        return open_url(url, settings, path, known_ids, who, create=create)

    def open_read_only(self, root: Path) -> Register:
        url, settings, path = read_config(root)
        db = _open_database(url, settings, read_only=True)
        if not _has_register(db):
            db.close()
            raise StoreError(f"{db.where}: no register there yet (lif import creates one)")
        return Register.in_database(path, db, read_only=True)


def open_url(
    url: str,
    settings: Mapping[str, str],
    path: Path,
    known_ids: Mapping[str, str] | None = None,
    who: str | None = None,
    *,
    create: bool = True,
) -> Register:
    """The register in the database at ``url`` (made there, in one transaction committed when
    it is closed, where there is none and ``create``)."""
    db = _open_database(url, settings)
    new = not _has_register(db)
    if new and not create:
        db.close()
        raise StoreError(f"{db.where}: no register there yet (lif import creates one)")
    db.new = new
    return Register.in_database(path, db, known_ids, who)


@hookimpl
def register_stores(register: Callable[[StoreBackend], None]) -> None:
    register(PostgresStore())


@hookimpl
def register_commands(cli: click.Group) -> None:
    @cli.group("store")
    def store() -> None:
        """Where a board's register is kept: move it between stores."""

    @store.command("copy")
    @click.argument("board", type=click.Path(path_type=Path))
    @click.option(
        "--to",
        "to",
        required=True,
        type=click.Choice(["postgres", "sqlite"]),
        help="The store to copy the register into.",
    )
    @click.option(
        "--url",
        help="The PostgreSQL database (no password in it), written to register.postgres.toml; "
        "by default the one that file names.",
    )
    def copy(board: Path, to: str, url: str | None) -> None:
        """Copy the board's register, with its whole history, into another store (the board's
        own store is read, never changed). Then set `store = "<to>"` in board.toml's [settings]
        to use the copy."""
        from lif_core.commands import current_plugins, open_register

        plugins = current_plugins()
        root = board if board.is_dir() else board.parent
        with open_register(board, plugins, write=False) as source:
            target = _target(root, to, url, plugins)
            try:
                records, changes = source.copy_to(target)
                where = target._db.where
            except BaseException:
                target.abandon()
                raise
            target.close()
        if to == "postgres" and url is not None and not (root / CONFIG_FILE).exists():
            (root / CONFIG_FILE).write_text(f"url = {_toml_string(url)}\n", encoding="utf-8")
        click.echo(
            f"copied {records} records and {changes} changes to {where}; the board uses it once board.toml says "
            f'store = "{to}" in [settings]'
        )


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _target(root: Path, to: str, url: str | None, plugins: Any) -> Register:
    """The new, empty store the register is copied into (refused where one is there)."""
    if to == "sqlite":
        if url is not None:
            raise StoreError("--url: only for --to postgres")
        backend = plugins.stores.get("sqlite")
        if backend.exists(root):
            raise StoreError(f"{root / backend.filename}: already holds a register: move it aside first")
        register = backend.open(root, {}, create=True)
        assert isinstance(register, Register)
        return register
    if url is None:
        given, settings, path = read_config(root)
    else:
        given, settings, path = url, connection_settings(url, "--url"), root / CONFIG_FILE
        if path.exists():
            raise StoreError(f"{path}: already names a database: copy without --url, or move it aside")
    db = _open_database(given, settings)
    if _has_register(db):
        db.close()
        raise StoreError(f"{db.where}: already holds a register: nothing was copied into it")
    db.new = True
    return Register.in_database(path, db)
