"""The ``lif`` command's start: :func:`lif_core.cli.main`, begun as a program begins.

A program, unlike a library, may set up its own process. Before the command line is imported:

- what Python's regular expression compiler (written in Python) makes of each pattern, and the
  code of each string annotation read as a type (:mod:`typing`), are read from the per-user
  cache (:mod:`lif_core._codecache`), as the code attrs and cattrs generate is, from the first
  record class on;
- the cyclic garbage collector waits while the modules are imported (a fresh process's imports
  make nothing it could free), and what they made is then frozen (:func:`gc.freeze`: a
  program's start-up objects are never examined again); it collects as usual while the
  command runs;
- when the command is done, the process ends as Python ends it, less the last step: the
  functions registered with :mod:`atexit` run (the code cache is written, temporary folders are
  removed), the standard streams are flushed, and the process exits with the command's status
  (:func:`os._exit`) rather than tearing down every module and object one by one, which a
  process about to end has no need of (a twentieth of a short command's time). Where that could
  lose something (a thread still running, a status that is a message, a stream that cannot be
  flushed, ``python -i``) Python ends it as usual.

The command, its output and its exit status are those of :func:`lif_core.cli.main`.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import Any, NoReturn

__all__ = ["main"]


def main() -> NoReturn:
    """Entry point of the ``lif`` console script: runs the command and ends the process."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        import typing

        import attr  # noqa: F401 - its code generator, cached from here on

        from . import _codecache

        _codecache.cache_regexes()
        _codecache.cache_attrs_and_cattrs()  # cattrs' own classes and lif-core's, all of them
        _codecache.cache_compile_in(typing)  # each string annotation read as a type
        from .cli import main as run
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    try:
        status = run()
    except SystemExit as exc:
        status = exc.code
    _end(status)


def _end(status: Any) -> NoReturn:
    """End the process with ``status`` (as :func:`sys.exit` takes it) once the command is done:
    :mod:`atexit`'s functions run, the standard streams are flushed, then :func:`os._exit`; or
    :class:`SystemExit`, for Python to end it as usual, where ending it at once could lose
    something."""
    threading = sys.modules.get("threading")
    if (
        not (status is None or (isinstance(status, int) and 0 <= status <= 255))  # a message, which Python prints
        or sys.flags.inspect  # python -i: the prompt follows
        or (threading is not None and threading.active_count() > 1)  # Python waits for them
    ):
        raise SystemExit(status)
    atexit._run_exitfuncs()  # (and unregistered: Python would not run them twice)
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe (lif ... | head) or stream: Python says so, sets the status
        raise SystemExit(status) from None
    os._exit(int(status or 0))
