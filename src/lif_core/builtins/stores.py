"""Builtin store (hook: register_stores): the register in SQLite beside board.toml."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from ..extensions import StoreBackend
from ..plugins import hookimpl
from ..store import STORE_FILE, Register


class SqliteStore(StoreBackend):
    """``register.sqlite`` beside board.toml: WAL, a transaction per change, full history."""

    name = "sqlite"
    title = "SQLite (register.sqlite beside board.toml)"
    filename = STORE_FILE

    def open(
        self, root: Path, known_ids: Mapping[str, str], who: str | None = None, *, create: bool = True
    ) -> Register:
        return Register.open(root / self.filename, known_ids, who, create=create)

    def open_read_only(self, root: Path) -> Register:
        return Register.open_read_only(root / self.filename)


@hookimpl(trylast=True)
def register_stores(register: Callable[[StoreBackend], None]) -> None:
    register(SqliteStore())
