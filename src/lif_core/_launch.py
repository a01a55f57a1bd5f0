"""The ``lif`` command's start: :func:`lif_core.cli.main`, begun as a program begins.

A program, unlike a library, may set up its own process. Before the command line is imported:

- what Python's regular expression compiler (written in Python) makes of each pattern, and the
  code of each string annotation read as a type (:mod:`typing`), are read from the per-user
  cache (:mod:`lif_core._codecache`), as the code attrs and cattrs generate is, from the first
  record class on;
- the cyclic garbage collector waits while the modules are imported (a fresh process's imports
  make nothing it could free), and what they made is then frozen (:func:`gc.freeze`: a
  program's start-up objects are never examined again); it collects as usual while the
  command runs.

The command, its output and its exit status are those of :func:`lif_core.cli.main`.
"""

from __future__ import annotations

import gc
from typing import Any

__all__ = ["main"]


def main() -> Any:
    """Entry point of the ``lif`` console script."""
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
    return run()
