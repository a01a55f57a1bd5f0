"""The cache of the code attrs and cattrs generate (lif_core._codecache): what it gives back is
what ``compile`` makes of the same source, classes made from it behave as before (a frozen
record's hash, salted by attrs per process, included), and a missing, corrupt, foreign or
another Python's file is compiled as before."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import _codecache
from lif_core.files import CACHE_ENV

# A frozen record, its hash, repr and equality, and a record structured by cattrs, printed.
PROBE = """
import json, sys
from lif_core.model import Closure, Partner
from lif_core.convert import structure
import lif_core._codecache as c
day = __import__("datetime").date(2024, 1, 2)
closure = Closure(name="Inset day", first=day, last=day)  # no None: its hash is its address
partner = structure({"id": "p", "name": "P", "sector": "police"}, Partner)
print(json.dumps({
    "hash": hash(closure),
    "repr": repr(closure),
    "salt": [c for c in Closure.__hash__.__code__.co_consts if type(c) is int],
    "equal": closure == Closure(name="Inset day", first=day, last=day),
    "partner": repr(partner),
    "compiled": c._changed,
}))
"""


def _probe(cache: str, seed: str) -> dict[str, object]:
    env = {**os.environ, CACHE_ENV: cache, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_records_made_from_cached_code_behave_as_compiled(tmp_path: Path) -> None:
    cache = str(tmp_path / "cache")
    first = _probe(cache, "1")
    assert first["compiled"] is True  # nothing cached yet: compiled, and written at exit
    assert (tmp_path / "cache" / f"generated-code-{sys.implementation.cache_tag}.bin").is_file()
    again = _probe(cache, "1")
    assert again["compiled"] is False  # everything found
    assert again == {**_probe("", "1"), "compiled": False}  # as with no cache at all
    # In another process attrs salts the hash otherwise: a class found by its salt's length
    # is given its own salt, not the cached one.
    other = _probe(cache, "2")
    assert {**other, "compiled": None} == {**_probe("", "2"), "compiled": None}
    assert other["salt"] != first["salt"]


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cache module's state as in a new process, with its folder in ``tmp_path``."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    for name, value in (("_entries", None), ("_path", None), ("_used", set()), ("_changed", False)):
        monkeypatch.setattr(_codecache, name, value)
    monkeypatch.setattr(_codecache, "_atexit_registered", True)  # written by the test, not at exit
    path = _codecache.cache_path()
    assert path is not None
    yield path


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_codecache, "_entries", None)
    monkeypatch.setattr(_codecache, "_changed", False)


SOURCE = "def f(x):\n    return (x, 'a', 2.5, None)\n"


def test_a_hit_is_the_code_compile_makes(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = _codecache._lookup(SOURCE, "<f>", "exec", 0)
    _codecache._write()
    assert fresh.is_file()
    _new_process(monkeypatch)
    found = _codecache._lookup(SOURCE, "<f>", "exec", 0)
    assert _codecache._changed is False
    assert found == made == compile(SOURCE, "<f>", "exec", 0, True)
    namespace: dict[str, object] = {}
    exec(found, namespace)
    assert namespace["f"](1) == (1, "a", 2.5, None)  # type: ignore[operator]
    # another file name or other flags are other code
    assert _codecache._lookup(SOURCE, "<g>", "exec", 0).co_filename == "<g>"
    assert _codecache._changed is True


def _index(index: Any) -> bytes:
    head = marshal.dumps(index)
    return len(head).to_bytes(4, "little") + head + b"x" * 20


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: data[:-10],  # cut short
        lambda data: b"something else" + data,  # another format
        lambda data: data[:26] + b"\x00\x00\x0d\x0a" + data[30:],  # another Python's bytecode
        lambda data: data[:30] + _index({b"k": 1}),  # not an index
        lambda data: data[:30] + _index([1, 2]),
        lambda data: data[:30] + _index({b"k": (0, 10**6)}),  # past the end
        lambda data: data[:30] + _index({b"k": (5, -1)}),
    ],
)
def test_a_corrupt_or_foreign_file_is_compiled_again(fresh: Path, monkeypatch: pytest.MonkeyPatch, spoil) -> None:  # type: ignore[no-untyped-def]
    _codecache._lookup(SOURCE, "<f>", "exec", 0)
    _codecache._write()
    fresh.write_bytes(spoil(fresh.read_bytes()))
    _new_process(monkeypatch)
    assert _codecache._lookup(SOURCE, "<f>", "exec", 0) == compile(SOURCE, "<f>", "exec", 0, True)
    assert _codecache._changed is True


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_file_others_could_write_is_not_read(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _codecache._lookup(SOURCE, "<f>", "exec", 0)
    _codecache._write()
    fresh.chmod(0o666)
    _new_process(monkeypatch)
    _codecache._lookup(SOURCE, "<f>", "exec", 0)
    assert _codecache._changed is True


def test_no_cache_folder_compiles_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setattr(_codecache, "_entries", None)
    assert _codecache._lookup(SOURCE, "<f>", "exec", 0) == compile(SOURCE, "<f>", "exec", 0, True)
    assert _codecache._path is None


def test_calls_made_another_way_are_passed_to_compile() -> None:
    cached = _codecache._cached_compile(0)  # as in a module with no __future__ import
    assert cached(SOURCE, "<f>", "exec", optimize=2) == compile(SOURCE, "<f>", "exec", 0, True, 2)
    assert cached("1 + 1", "<e>", "eval") == compile("1 + 1", "<e>", "eval", 0, True)
    with pytest.raises(SyntaxError):
        cached("def (", "<bad>", "exec")


HASHED = (
    "def __hash__(self):\n        return hash((\n                {salt},\n                self.a,\n            ))\n"
)


SALTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=300, deadline=None)
@given(old=SALTS, new=SALTS)
def test_a_salted_hash_is_found_by_its_salts_length_and_given_its_own(old: int, new: int) -> None:
    found_by, salt = _codecache._salt(HASHED.format(salt=old))
    assert salt == old
    same = _codecache._salt(HASHED.format(salt=new))[0] == found_by
    assert same == (len(str(old)) == len(str(new)))  # column positions depend on the length
    code = compile(HASHED.format(salt=old), "<h>", "exec")
    swapped, replaced = _codecache._with_constant(code, old, new)
    assert replaced == 1
    if same:
        assert swapped == compile(HASHED.format(salt=new), "<h>", "exec")


# --------------------------------------------------------------------------- regular expressions

PATTERNS = [
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$",
    r"(?<![\w-])\d{4}-\d{2}(?:\d{2})?(?:-\d{2})?(?![\w-])",
    r"(?P<year>\d{4})-Q(?P<q>[1-4])",
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
    r"url\s*\(\s*['\"]?\s*([^'\")\s]*)",
    r"(?i)(?<=www)\.",
    r"<!--.*?(?:-->|\Z)",
    "",
]
PROBES = ["2018-19", "2019-Q3", "www.x", "url( 'a b')", "<!-- note -->", "a\x1bb", "AZ09_.-", "é", ""]


def test_a_cached_regex_is_the_pattern_compiling_makes(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from re import _compiler  # type: ignore[attr-defined]

    monkeypatch.setattr(_compiler, "compile", _compiler.compile)  # put back after the test
    assert _codecache.cache_regexes()
    for flags in (0, re.IGNORECASE | re.DOTALL, re.ASCII | re.MULTILINE):
        for text in PATTERNS:
            for pattern in (text, text.encode("latin-1", "replace")):
                if isinstance(pattern, bytes) and (flags & re.ASCII == 0 or "\\u" in text):
                    continue  # a bytes pattern is ASCII already, and has no \u escapes
                first = _compiler.compile(pattern, flags)  # compiled, and kept
                again = _compiler.compile(pattern, flags)  # from what was kept
                assert again == first  # the same pattern, flags and program
                assert (again.groups, again.groupindex) == (first.groups, first.groupindex)
                if isinstance(pattern, str):
                    for probe in PROBES:
                        assert [m.span() for m in again.finditer(probe)] == [m.span() for m in first.finditer(probe)]
    for _ in range(2):  # a pattern the compiler refuses is refused every time
        with pytest.raises(re.error, match="missing \\), unterminated subpattern"):
            _compiler.compile("(a", 0)
    _codecache._write()
    _new_process(monkeypatch)
    assert _compiler.compile(PATTERNS[2], 0).groupindex == {"year": 1, "q": 2}
    assert _codecache._changed is False  # read back from the file


def test_regexes_are_cached_only_where_asked(tmp_path: Path) -> None:
    code = "import sys, re, lif_core.model\nprint(getattr(re._compiler.compile, 'lif_cached', False))\n"
    env = {**os.environ, CACHE_ENV: str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"  # a library does not change its host's re module
