"""The compiled code of the methods attrs and cattrs generate, cached per user as Python
caches a module's compiled code in ``__pycache__``.

attrs writes each record class's ``__init__``, ``__repr__``, ``__eq__``... as Python source and
compiles it when the class is made; cattrs does the same for each record type's structuring
function when a board is first read. lif-core has some 130 record classes and structures about
60 of them on opening a board: compiling that source is a sixth of a short command's time
(``lif report impact`` on the Croydon example), and the source is the same on every run.

So the two libraries' ``compile`` is replaced (a module global, which the name finds before the
builtin) by one that looks the source up first: by a hash of the source, its file name, the
mode, the compiler flags and Python's bytecode version, in one file in the user's cache folder
(:func:`~lif_core.files.user_cache_dir`; none where it is set empty). A hit is the code object
``compile`` made on an earlier run, read back with :mod:`marshal` as Python reads a ``.pyc``;
a miss is compiled as before and the file written again when the process exits. Only code is
cached, never a board's data; a missing, corrupt, stale or foreign file is compiled as before.
What runs is what ``compile`` would have made of the same source: the classes, the functions
and their behaviour are unchanged, and anything that calls the libraries' ``compile`` another
way than theirs (more arguments) is passed straight through.
"""

from __future__ import annotations
import __future__

import atexit
import builtins
import contextlib
import hashlib
import marshal
import os
import re
import sys
import tempfile
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

__all__ = ["cache_attrs_and_cattrs", "cache_compile_in", "cache_path"]

#: What the file starts with: its format and this Python's bytecode version (a file another
#: Python wrote is not read).
_HEADER = b"lif-core generated code 2\n" + MAGIC_NUMBER
#: At most this many entries are kept: past it, only those this process used are written.
_MAX_ENTRIES = 4096
#: A larger file is not read (nor kept): it was not written by this module.
_MAX_BYTES = 32 * 1024 * 1024

_entries: dict[bytes, bytes] | None = None  # read on first use: key -> marshalled code
_path: Path | None = None  # the file they were read from, written back at exit
_used: set[bytes] = set()
_changed = False
_atexit_registered = False
_compile = builtins.compile
#: The number attrs salts a generated ``__hash__`` with, on its own line after ``hash((``.
_SALTED = re.compile(r"(return hash\(\(\n[ \t]+)(-?[0-9]+)(,\n)")


def cache_path() -> Path | None:
    """The cache file of this Python's bytecode version, or ``None`` (no cache)."""
    from .files import user_cache_dir  # here: files imports the TOML parser

    folder = user_cache_dir()
    if folder is None:
        return None
    return folder / f"generated-code-{sys.implementation.cache_tag}.bin"


def _read(path: Path) -> dict[bytes, bytes]:
    """The entries of the cache file ``path``; none for a missing, corrupt or foreign file (one
    that others than its owner could have written, on POSIX)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if info.st_size > _MAX_BYTES:
                return {}
            if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o022):
                return {}
            data = handle.read()
    except OSError:
        return {}
    if not data.startswith(_HEADER):
        return {}
    try:
        entries = marshal.loads(data[len(_HEADER) :])
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(entries, dict) or not all(
        isinstance(k, bytes) and isinstance(v, bytes) for k, v in entries.items()
    ):
        return {}
    return entries


def _write() -> None:
    """Write the cache file again if this process compiled anything new (at exit). A failure
    (a read-only home, a full disk) writes nothing: a cache is an optimisation."""
    global _changed
    path = _path
    if not _changed or path is None or _entries is None:
        return
    _changed = False
    entries = {**_read(path), **_entries}  # what another process wrote meanwhile is kept
    if len(entries) > _MAX_ENTRIES:
        entries = {k: v for k, v in _entries.items() if k in _used}
    data = _HEADER + marshal.dumps(entries)
    if len(data) > _MAX_BYTES:
        return
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except OSError:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def _future_flags(module: ModuleType) -> int:
    """The compiler flags of the ``from __future__`` imports in ``module``: what its own
    ``compile`` calls inherit."""
    flags = 0
    for name in __future__.all_feature_names:
        feature: __future__._Feature = getattr(__future__, name)
        if getattr(module, name, None) is feature:
            flags |= feature.compiler_flag
    return flags


def _cached_compile(module_flags: int) -> Callable[..., Any]:
    """``compile`` as ``module`` calls it (inheriting its ``from __future__`` flags), looking
    the code up in the cache where it is called as attrs and cattrs call it."""

    def compile(  # the name the libraries call
        source: Any, filename: Any, mode: Any, flags: int = 0, dont_inherit: bool = False, optimize: int = -1
    ) -> Any:
        if not dont_inherit:
            flags |= module_flags
        if (
            optimize == -1
            and flags == module_flags
            and type(source) is str
            and type(filename) is str
            and type(mode) is str
        ):
            return _lookup(source, filename, mode, flags)
        return _compile(source, filename, mode, flags, True, optimize)

    compile.lif_cached = True  # type: ignore[attr-defined]
    return compile


def _salt(source: str) -> tuple[str, int | None]:
    """The source as cached, and the number it held where the ``#`` are, if any.

    attrs salts a class's ``__hash__`` with ``hash()`` of a string, which differs in every
    process (string hashing is randomised): that one number is left out of what the source is
    found by (but its length, on which the code's column positions depend), and put back into
    the cached code's constants in its place."""
    found = _SALTED.search(source)
    if found is None:
        return source, None
    number = found.group(2)
    return source[: found.start(2)] + "#" * len(number) + source[found.end(2) :], int(number)


def _with_constant(code: CodeType, old: int, new: int) -> tuple[CodeType, int]:
    """``code`` with its constant ``old`` (in it or the functions it defines) made ``new``, and
    how many were."""
    consts, replaced = [], 0
    for const in code.co_consts:
        if type(const) is int and const == old:
            const, n = new, 1
        elif isinstance(const, CodeType):
            const, n = _with_constant(const, old, new)
        else:
            n = 0
        consts.append(const)
        replaced += n
    return (code.replace(co_consts=tuple(consts)) if replaced else code), replaced


def _lookup(source: str, filename: str, mode: str, flags: int) -> CodeType:
    global _entries, _path, _changed, _atexit_registered
    if _entries is None:
        _path = cache_path()
        _entries = {} if _path is None else _read(_path)
    found_by, salt = _salt(source)
    text = "\0".join((mode, str(flags), str(sys.flags.optimize), filename, found_by))
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    _used.add(key)
    found = _entries.get(key)
    if found is not None:
        try:
            old, cached = marshal.loads(found)
        except (EOFError, ValueError, TypeError):
            old, cached = None, None
        if isinstance(cached, CodeType) and cached.co_filename == filename:
            if salt is None and old is None:
                return cached
            if type(old) is int and salt is not None:
                cached, replaced = _with_constant(cached, old, salt)
                if replaced == 1:
                    return cached
    code: CodeType = _compile(source, filename, mode, flags, True)
    _entries[key] = marshal.dumps((salt, code))
    _changed = True
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_write)
    return code


def cache_compile_in(module: ModuleType) -> None:
    """Make ``module``'s calls of ``compile(source, filename, mode)`` look in the cache first,
    with the compiler flags its own calls have (its ``from __future__`` imports)."""
    if not getattr(module.__dict__.get("compile"), "lif_cached", False):
        setattr(module, "compile", _cached_compile(_future_flags(module)))  # noqa: B010


def cache_attrs_and_cattrs() -> None:
    """Cache the code attrs generates for record classes and, where they are imported, the code
    cattrs generates for structuring functions (call again once cattrs is imported). Where a
    version of either makes that code elsewhere, nothing is cached: it is compiled as before."""
    for name in ("attr._make", "cattrs.gen", "cattrs.gen.typeddicts"):
        module = sys.modules.get(name)
        if module is not None:
            cache_compile_in(module)
