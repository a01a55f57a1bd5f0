"""PostgreSQL store for lif-core (see plugin.py): a board's register on a database server."""

from .plugin import PostgresStore

__all__ = ["PostgresStore"]
