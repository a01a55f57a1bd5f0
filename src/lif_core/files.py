"""Reading the files a board is made of, safely: every failure is one :class:`UnreadableFile`
naming the file and what to do; never a hang, a traceback or unbounded memory.

The lowest layer of lif-core beside the model: the board loader, the statutory frameworks,
the store and the report's narrative all read through it.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import LifError, PathPart, format_path

# TOML is read with tomli, a dependency: its wheels for CPython are compiled (mypyc), about
# twice as fast as the standard library's tomllib, the same parser in pure Python, with the
# same errors. Capped below 2.4, which reads TOML 1.1 where tomllib (to Python 3.14) reads
# TOML 1.0: a board reads the same whichever is installed. Without tomli, tomllib.
try:
    import tomli as tomllib
except ImportError:  # pragma: no cover - lif-core installed without its dependencies
    import tomllib  # type: ignore[no-redef]

__all__ = [
    "CACHE_ENV",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "UnreadableFile",
    "describe_os_error",
    "parse_text",
    "read_data_file",
    "read_text",
    "resolve_inside",
    "suggest",
    "tomllib",
    "user_cache_dir",
    "write_cache_file",
]

#: The largest board or register file read; larger files are refused, not parsed.
MAX_FILE_BYTES = 16 * 1024 * 1024
#: The deepest nesting of tables and lists read from any file (a board's deepest is about 6);
#: deeper data is refused before anything (the parsers, the converter) recurses through it.
MAX_DEPTH = 32


#: Environment variable: the folder lif-core caches what it computes in (never a child's data);
#: set but empty, nothing is cached.
CACHE_ENV = "LIF_CACHE_DIR"


def user_cache_dir() -> Path | None:
    """The folder for lif-core's per-user cache: ``$LIF_CACHE_DIR`` if set (``None`` where it
    is set empty: no cache), else ``lif`` in ``$XDG_CACHE_HOME`` or ``~/.cache`` (on Windows,
    ``%LOCALAPPDATA%\\lif\\cache``). ``None`` where no home folder can be found. Never inside a
    board: a board folder is shared and published, a cache is neither."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "lif" / "cache"
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home folder
            return None
    return Path(base) / "lif"


def write_cache_file(path: Path, text: str) -> bool:
    """Write ``text`` to the cache file ``path`` (its folder made, readable by its owner only),
    through a temporary file renamed over it, so a reader never sees half a file. A cache is
    an optimisation: a failure (a read-only home, a full disk) writes nothing and returns
    ``False``, never an error."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return False
    return True


def suggest(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the option closest to ``word``, or ``""``."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def resolve_inside(root: Path, relative: str) -> Path:
    """``root / relative``, refusing anything that would leave ``root`` (``..``, links)."""
    base = root.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # too long, a NUL byte, a symlink loop
        reason = "a link that leads back to itself" if isinstance(exc, RuntimeError) else str(exc)
        raise LifError(f"{relative!r} cannot be followed in the board folder {root}: {reason}") from None
    if not target.is_relative_to(base):
        raise LifError(f"{relative!r} points outside the board folder {root}")
    return target


class UnreadableFile(LifError):
    """A file that cannot be read as data: ``file`` (as the user named it) and ``reason``
    (what is wrong and what to do), one line."""

    def __init__(self, file: str, reason: str) -> None:
        self.file = file
        self.reason = reason
        super().__init__(f"{file}: {reason}")


def read_text(path: Path, *, name: str | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file, at most ``limit`` bytes.

    Never hangs or exhausts memory on what is not a file (a folder, a pipe, ``/dev/zero``) and
    never raises anything but :class:`UnreadableFile`, naming the file (``name``, else
    ``path``) and what to do."""
    label = str(path) if name is None else name
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer (no effect on files).
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise UnreadableFile(label, f"cannot read: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise UnreadableFile(label, "is a folder, not a file")
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableFile(label, "is not a regular file (a device or a pipe?): name a file")
            if info.st_size > limit:
                raise UnreadableFile(label, f"file is {info.st_size:,} bytes; files read are limited to {limit:,}")
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UnreadableFile(label, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise UnreadableFile(label, f"file is over {limit:,} bytes; files read are limited to {limit:,}")
    try:
        # A byte-order mark some editors write first is not part of the text (TOML refuses it).
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(label, f"not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None


_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def describe_os_error(exc: OSError, path: Path | str) -> str:
    """What an operating-system error writing ``path`` means for the user and what to do,
    from its error number: a full disk, a read-only file or folder, else the system's words."""
    if exc.errno in _FULL:
        return "the disk is full (or a file size limit was reached): free some space, then try again"
    if exc.errno in _DENIED:
        return f"read-only: check the permissions of {path} and its folder ({exc.strerror})"
    return str(exc.strerror or exc)


def too_deep(data: Any) -> tuple[PathPart, ...] | None:
    """The key path of the first value nested deeper than :data:`MAX_DEPTH`, if any (walked
    without recursion, so any depth is safe)."""
    stack: list[tuple[Any, tuple[PathPart, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return path
        if isinstance(value, dict):
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return None


def bad_text(data: Any) -> tuple[PathPart, ...] | None:
    """The key path of the first text that is not valid Unicode (JSON's lone surrogates)."""
    stack: list[tuple[Any, tuple[PathPart, ...]]] = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return path
        elif isinstance(value, dict):
            for k, v in value.items():
                stack.extend(((k, (*path, "<key>")), (v, (*path, str(k)))))
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
    return None


def parse_text(text: str, fmt: str, *, name: str) -> Any:
    """``text`` parsed as ``fmt`` (``"toml"`` or ``"json"``); refuses data nested deeper than
    :data:`MAX_DEPTH` and any other failure with one :class:`UnreadableFile` naming ``name``."""
    kind = fmt.upper()
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(name, f"not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(name, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise UnreadableFile(
            name, f"nested too deeply to read: {kind} data here is never over {MAX_DEPTH} levels deep"
        ) from None
    except ValueError as exc:  # e.g. a whole number of thousands of digits
        raise UnreadableFile(name, f"not valid {kind}: {exc}") from None
    deep = too_deep(data)
    if deep is not None:
        raise UnreadableFile(
            name,
            f"{format_path(deep[:4])}...: nested more than {MAX_DEPTH} levels deep; "
            "a board's data is never this deep: check the file",
        )
    bad = bad_text(data) if fmt == "json" else None
    if bad is not None:
        raise UnreadableFile(name, f"{format_path(bad) or 'text'}: not valid Unicode text (a lone surrogate escape)")
    return data


def read_data_file(path: Path, fmt: str, *, name: str | None = None, limit: int = MAX_FILE_BYTES) -> Any:
    """A TOML or JSON file's data, read with :func:`read_text` and :func:`parse_text`: any
    failure is one :class:`UnreadableFile` naming the file and what to do."""
    label = str(path) if name is None else name
    return parse_text(read_text(path, name=label, limit=limit), fmt, name=label)
