"""A third party's statutory frameworks, registered from a board's local plugin: two TOML files
and one hook, with no change to lif-core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lif_core import StatutoryFramework, hookimpl

HERE = Path(__file__).parent


@hookimpl
def register_statutory_frameworks(register: Callable[[StatutoryFramework], None]) -> None:
    for name in ("scotland.toml", "northern_ireland.toml"):
        register(StatutoryFramework.from_toml((HERE / name).read_text(encoding="utf-8"), file=name))
