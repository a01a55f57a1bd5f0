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
import mmap
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

__all__ = ["cache_attrs_and_cattrs", "cache_compile_in", "cache_path", "cache_regexes"]

#: What the file starts with: its format and this Python's bytecode version (a file another
#: Python wrote is not read).
_HEADER = b"lif-core generated code 3\n" + MAGIC_NUMBER
#: At most this many entries are kept: past it, only those this process used are written.
_MAX_ENTRIES = 4096
#: A larger file is not read (nor kept): it was not written by this module.
_MAX_BYTES = 32 * 1024 * 1024


class _Entries:
    """The cache's entries (a key's marshalled value), as read from its file: an index of where
    each is in one block of bytes, mapped rather than read (an entry is copied out only when
    asked for), and those added since."""

    def __init__(self, index: dict[bytes, tuple[int, int]] | None = None, block: Any = b"") -> None:
        self.index = index if index is not None else {}
        self.block = block
        self.added: dict[bytes, bytes] = {}

    def get(self, key: bytes) -> bytes | None:
        found = self.added.get(key)
        if found is None and key in self.index:
            start, size = self.index[key]
            found = bytes(self.block[start : start + size])
        return found

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.added[key] = value

    def __len__(self) -> int:
        return len(self.index.keys() | self.added.keys())

    def items(self) -> Iterator[tuple[bytes, bytes]]:
        for key in self.index.keys() - self.added.keys():
            found = self.get(key)
            assert found is not None
            yield key, found
        yield from self.added.items()

    def dumps(self, keys: Iterable[bytes] | None = None) -> bytes:
        """The file's bytes: the header, the index's length and the index, then the block."""
        wanted = set(keys) if keys is not None else None
        index, parts, at = {}, [], 0
        for key, value in self.items():
            if wanted is None or key in wanted:
                index[key] = (at, len(value))
                parts.append(value)
                at += len(value)
        head = marshal.dumps(index)
        return b"".join([_HEADER, len(head).to_bytes(4, "little"), head, *parts])


_entries: _Entries | None = None  # read on first use
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


def _read(path: Path) -> _Entries:
    """The entries of the cache file ``path``; none for a missing, corrupt or foreign file (one
    that others than its owner could have written, on POSIX)."""
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not 0 < info.st_size <= _MAX_BYTES:
                return _Entries()
            if os.name == "posix" and (info.st_uid != os.getuid() or info.st_mode & 0o022):
                return _Entries()
            data: Any = None
            if os.name == "posix":  # (Windows could not replace a file mapped)
                with contextlib.suppress(OSError, ValueError):  # a file system that cannot map it
                    data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            if data is None:
                data = handle.read()
    except OSError:
        return _Entries()
    start = len(_HEADER) + 4
    if len(data) < start or data[: len(_HEADER)] != _HEADER:
        return _Entries()
    size = int.from_bytes(data[len(_HEADER) : start], "little")
    try:
        index = marshal.loads(data[start : start + size])
    except (EOFError, ValueError, TypeError):
        return _Entries()
    block = memoryview(data)[start + size :]
    if not isinstance(index, dict) or not all(
        isinstance(k, bytes)
        and type(v) is tuple
        and len(v) == 2
        and all(type(n) is int for n in v)
        and 0 <= v[0] <= v[0] + v[1] <= len(block)
        for k, v in index.items()
    ):
        return _Entries()
    return _Entries(index, block)


def _write() -> None:
    """Write the cache file again if this process compiled anything new (at exit). A failure
    (a read-only home, a full disk) writes nothing: a cache is an optimisation."""
    global _changed
    path = _path
    if not _changed or path is None or _entries is None:
        return
    _changed = False
    merged = _read(path)  # what another process wrote meanwhile is kept
    for key, value in _entries.items():
        merged[key] = value
    data = merged.dumps(_used if len(merged) > _MAX_ENTRIES else None)
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


def _found(*parts: str) -> tuple[bytes, bytes | None]:
    """The key of what ``parts`` name, and what the cache holds for it (read on first use)."""
    global _entries, _path
    if _entries is None:
        _path = cache_path()
        _entries = _Entries() if _path is None else _read(_path)
    text = "\0".join(parts)
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    _used.add(key)
    return key, _entries.get(key)


def _keep(key: bytes, value: bytes) -> None:
    """Add an entry, written to the file when the process exits."""
    global _changed, _atexit_registered
    assert _entries is not None
    _entries[key] = value
    _changed = True
    if not _atexit_registered:
        _atexit_registered = True
        atexit.register(_write)


def _lookup(source: str, filename: str, mode: str, flags: int) -> CodeType:
    found_by, salt = _salt(source)
    key, found = _found(mode, str(flags), str(sys.flags.optimize), filename, found_by)
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
    _keep(key, marshal.dumps((salt, code)))
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


# --------------------------------------------------------------------------- regular expressions


class _Recorder:
    """The ``_sre`` module as the regular expression compiler sees it, keeping the arguments of
    its last ``compile`` (what the pure-Python compiler made of a pattern)."""

    def __init__(self, sre: ModuleType) -> None:
        self._sre = sre
        self.last: tuple[Any, ...] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sre, name)

    def compile(self, *args: Any) -> Any:
        self.last = args
        return self._sre.compile(*args)


def cache_regexes() -> bool:
    """Cache what Python's regular expression compiler (written in Python: a twentieth of a
    short command's time) makes of each pattern, as :func:`cache_attrs_and_cattrs` caches
    generated code: the compiler's output for a pattern and its flags is kept, and on a later
    run handed to the C engine as the compiler would hand it (``_sre.compile``), so the
    pattern object is the one compiling it makes. For a program's start (the ``lif`` command),
    not for a library: it changes the ``re`` module of the whole process. Returns whether it
    could (``False`` where the compiler is laid out otherwise: nothing changes)."""
    compiler = sys.modules.get("re._compiler") or sys.modules.get("sre_compile")
    if compiler is None or getattr(compiler.compile, "lif_cached", False):
        return compiler is not None
    original = compiler.compile
    sre = getattr(compiler, "_sre", None)
    if sre is None or not callable(getattr(sre, "compile", None)):
        return False
    _found("re")  # the cache file read now: reading it compiles patterns of its own
    recorder = _Recorder(sre)
    debug = int(getattr(compiler, "SRE_FLAG_DEBUG", 128))
    engine = sre.compile

    def compile(p: Any, flags: int = 0) -> Any:  # the name the re module calls
        if type(p) not in (str, bytes) or type(flags) is not int or flags & debug:
            return original(p, flags)
        kind = "str" if type(p) is str else "bytes"
        text = p if type(p) is str else p.decode("latin-1")
        key, found = _found("re", kind, str(flags), text)
        if found is not None:
            try:
                args = marshal.loads(found)
                return engine(p, *args)
            except (EOFError, ValueError, TypeError):
                pass
        recorder.last = None
        compiler._sre = recorder  # type: ignore[attr-defined]
        try:
            pattern = original(p, flags)
        finally:
            compiler._sre = sre  # type: ignore[attr-defined]
        made = recorder.last
        if made is not None and made[0] is p:
            # the compiled program's opcodes are named int constants: kept as the ints they are
            args = tuple(
                [int(op) for op in a] if type(a) is list and all(isinstance(op, int) for op in a) else a
                for a in made[1:]
            )
            with contextlib.suppress(ValueError):  # something marshal cannot write: not cached
                _keep(key, marshal.dumps(args))
        return pattern

    compile.lif_cached = True  # type: ignore[attr-defined]
    compiler.compile = compile  # type: ignore[attr-defined]
    return True
