"""The one error hierarchy of lif-core: every error says where and what to do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

__all__ = [
    "BoardInvalid",
    "LifError",
    "PluginError",
    "Problem",
    "Severity",
    "format_path",
]

PathPart = str | int


def format_path(parts: Sequence[PathPart]) -> str:
    """Render key-path parts as ``partners[2].sector``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class Severity:
    """Problem severities: an error makes a board invalid; a warning does not."""

    ERROR = "error"
    WARNING = "warning"


@attrs.frozen
class Problem:
    """One thing wrong with a board, said where it is.

    Attributes:
        file: the file, relative to the board folder (``board.toml``), or ``""``.
        path: key path inside the file (``partners[2].sector``), or ``""``.
        message: what is wrong and, where it helps, what to do.
        severity: ``"error"`` or ``"warning"``.
        source: who found it: ``"lif"`` or the name of the plugin check.
    """

    file: str
    path: str
    message: str
    severity: str = Severity.ERROR
    source: str = "lif"

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.path) if p)
        prefix = "" if self.severity == Severity.ERROR else f"{self.severity}: "
        return f"{prefix}{where}: {self.message}" if where else f"{prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


class LifError(Exception):
    """Base of every error lif-core raises on purpose; the CLI prints it without a traceback."""


class BoardInvalid(LifError):
    """A board folder could not be loaded: every problem found is in ``problems``."""

    def __init__(self, problems: Iterable[Problem], *, board: str = "") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.board = board
        errors = [p for p in self.problems if p.is_error]
        head = f"{board}: " if board else ""
        super().__init__(f"{head}{len(errors)} problem(s) found:\n" + "\n".join(f"  {p}" for p in self.problems))


class PluginError(LifError):
    """A plugin failed to load, misdeclared a hook, or raised inside one."""

    def __init__(self, message: str, *, plugin: str = "", hook: str = "") -> None:
        self.plugin = plugin
        self.hook = hook
        #: The message without the plugin and hook it names.
        self.detail = message
        where = []
        if plugin:
            where.append(f'plugin "{plugin}"')
        if hook:
            where.append(f'hook "{hook}"')
        prefix = (" in ".join(where) + ": ") if where else ""
        super().__init__(prefix + message)
