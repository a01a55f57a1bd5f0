"""The ``lif`` command's start: :func:`lif_core.cli.main`, begun as a program begins.

A program, unlike a library, may set up its own process. Before the command line is imported:

- what Python's regular expression compiler (written in Python) makes of each pattern is read
  from the per-user cache (:func:`lif_core._codecache.cache_regexes`), as the code attrs and
  cattrs generate is;
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
        from . import _codecache

        _codecache.cache_regexes()
        from .cli import main as run
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
    return run()
