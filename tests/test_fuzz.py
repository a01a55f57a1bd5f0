"""A seeded fuzz of the whole CLI: the example board and the DfE samples, mutated a bounded
number of times (lines dropped, doubled and swapped, values replaced by hostile ones, bytes
flipped, files cut short, XML and workbook parts spoiled), each read by the commands a user
runs. Whatever the mutation, only a documented error comes out: exit code 0 or 1, an error
that names the file (and line, row, element or key path), never a traceback, never a hang,
never a child's identifier.

Seeded, so a failure names the seed and case that reproduce it (``LIF_FUZZ_SEED``); bounded
(``LIF_FUZZ_CASES`` each way, 60 by default), so it stays quick in CI. Run more by hand with,
say, ``LIF_FUZZ_CASES=2000 LIF_FUZZ_SEED=7 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import shutil
import signal
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lif_core import Plugins
from lif_core.cli import make_cli

from .conftest import CROYDON, SHARED
from .test_privacy import raw_identifiers

DFE = SHARED / "reference" / "dfe"
SEED = int(os.environ.get("LIF_FUZZ_SEED", "20261202"))
CASES = int(os.environ.get("LIF_FUZZ_CASES", "60"))
#: No case may take longer than this (a hang fails the test, naming the case).
CASE_SECONDS = 30

#: Values an attacker or a broken export puts where a value belongs.
HOSTILE = [
    b'"\\u202e"',
    b'"\xe2\x80\xae"',
    b'"\x1b[31mred"',
    b"\x00",
    b"1e308",
    b"-1",
    b"0",
    b"0001-01-05",
    b"9999-12-31",
    b"2019-02-31",
    b"[[[",
    b"{",
    b"}",
    b'"',
    b"'",
    b"true",
    b"nan",
    b"inf",
    b'"../../../etc/passwd"',
    b'"/etc/passwd"',
    b"[settings]",
    b"[[partners]]",
    b'id = "x"',
    b'include = ["*"]',
    b'"' + b"x" * 150_000 + b'"',
    b"[" * 3000,
    b"a = { b = " * 200 + b"1" + b" }" * 200,
    b"\xff\xfe",
    b"\xc3\x28",
    b'<!DOCTYPE Message [<!ENTITY a "aaaaaaaaaa">]>',
    b"&a;",
    b"<Child>",
    b"</Child>",
    b"</Children>",
    b"<![CDATA[ ]]>",
    b"<!-- </Child> -->",
    b'=HYPERLINK("http://x")',
    b",,,,,,,,",
    b'"""',
    b"\r",
    b"\t",
    b"31/02/2019",
    b"FAKE0000042",
]


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations of ``data``, each chosen at random."""
    for _ in range(rng.randint(1, 3)):
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        op = rng.randrange(8)
        if op == 0 and len(lines) > 1:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:  # a value (after =, between > and <, or between commas) replaced
            line = lines[i]
            spans = [m.span(1) for m in re.finditer(rb"(?:= |>|,)([^<,\n]*)", line)]
            token = rng.choice(HOSTILE)
            if spans:
                a, b = rng.choice(spans)
                lines[i] = line[:a] + token + line[b:]
            else:
                lines[i] = line + token
        elif op == 4:
            at = rng.randrange(len(lines[i]) + 1)
            lines[i] = lines[i][:at] + rng.choice(HOSTILE) + lines[i][at:]
        elif op == 5:
            raw = bytearray(b"\n".join(lines))
            for _flip in range(rng.randint(1, 8)):
                if raw:
                    raw[rng.randrange(len(raw))] = rng.randrange(256)
            lines = bytes(raw).split(b"\n")
        elif op == 6:
            joined = b"\n".join(lines)
            lines = joined[: rng.randrange(len(joined) + 1)].split(b"\n")
        else:
            lines.insert(i, rng.choice(HOSTILE))
        data = b"\n".join(lines)
    return data


def _mutate_workbook(path: Path, rng: random.Random) -> None:
    """A workbook with one of its XML parts mutated (a zip's bytes flipped mostly break its
    checksums, which says little)."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info.filename) for info in book.infolist()}
    xml = sorted(p for p in parts if p.endswith((".xml", ".rels")))
    target = rng.choice([p for p in xml if "worksheets/" in p or "sharedStrings" in p] or xml)
    parts[target] = _mutate(parts[target], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    path.write_bytes(buffer.getvalue())


SAMPLES = [
    ("sample-cin", "cin_census/sample-cin-2022.xml", "cin-census", 'options = { table = "referrals" }'),
    ("sample-cin-24", "cin_census/sample-CIN_Census_2024.xml", "cin-census", 'options = { table = "assessments" }'),
    ("sample-header", "ssda903/sample-header.csv", "ssda903", ""),
    ("sample-episodes", "ssda903/sample-episodes.csv", "ssda903", ""),
    ("sample-missing", "ssda903/sample-missing.csv", "ssda903", ""),
    ("sample-annex-a", "annex_a/sample-Annex_A_2024_Jan.xlsx", "annex-a", "options = { list = 3 }"),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Croydon board with the DfE samples as further sources."""
    if not DFE.is_dir():
        pytest.skip(f"the DfE samples are not at {DFE} (the shared reference folder beside the project)")
    root = tmp_path_factory.mktemp("fuzz") / "croydon"
    shutil.copytree(CROYDON, root, ignore=shutil.ignore_patterns(".lif", "*.sqlite*"))
    (root / "samples").mkdir()
    extra = []
    for source_id, sample, adapter, options in SAMPLES:
        name = Path(sample).name
        shutil.copy(DFE / sample, root / "samples" / name)
        extra.append(
            f'\n[[sources]]\nid = "{source_id}"\nadapter = "{adapter}"\npath = "samples/{name}"\n'
            f'on_error = "warn"\n{options}\n'
        )
    board = root / "board.toml"
    board.write_text(board.read_text(encoding="utf-8") + "".join(extra), encoding="utf-8")
    return root


@contextlib.contextmanager
def _deadline(seconds: int, case: str) -> Iterator[None]:
    def stop(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"{case}: still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def identifiers() -> set[str]:
    found = raw_identifiers()
    for sample in ("ssda903/sample-header.csv", "ssda903/sample-episodes.csv", "ssda903/sample-missing.csv"):
        lines = (DFE / sample).read_text(encoding="utf-8").splitlines()[1:]
        found |= {line.split(",")[0] for line in lines if line}
    return {i for i in found if len(i) >= 5}


def _check(root: Path, command: list[str], case: str, names: set[str], identifiers: set[str]) -> None:
    with _deadline(CASE_SECONDS, case):
        result = CliRunner().invoke(make_cli(Plugins.create()), [str(root) if a == "BOARD" else a for a in command])
    said = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), f"{case}: {result.exception!r}"
    assert "Traceback" not in said, f"{case}: {said[-3000:]}"
    assert result.exit_code in (0, 1), f"{case}: exit {result.exit_code}: {said[-3000:]}"
    if result.exit_code == 1:
        assert any(name in said for name in names), f"{case}: an error that names no file: {said[-3000:]}"
    leaked = {token for token in re.findall(r"[A-Za-z0-9]+", said) if token in identifiers}
    assert not leaked, f"{case}: identifiers in the output: {sorted(leaked)[:5]}"


def _cases(
    template: Path, tmp_path: Path, files: list[str], rng: random.Random
) -> Iterator[tuple[Path, str, Callable[[], None]]]:
    root = tmp_path / "board"
    shutil.copytree(template, root)
    originals = {f: (template / f).read_bytes() for f in files}
    for n in range(CASES):
        for name, data in originals.items():
            (root / name).write_bytes(data)
        target = rng.choice(files)
        case = f"seed {SEED}, case {n}: {target}"

        def mutate(target: str = target) -> None:
            path = root / target
            if path.suffix == ".xlsx":
                _mutate_workbook(path, rng)
            else:
                path.write_bytes(_mutate(path.read_bytes(), rng))

        yield root, case, mutate


NAMES = {
    "board.toml",
    "register.toml",
    "multi-agency-dataset.csv",
    "cin-census-2019.xml",
    "header.csv",
    "episodes.csv",
    *(Path(s).name for _i, s, _a, _o in SAMPLES),
}


def test_fuzz_the_board_files(template: Path, tmp_path: Path, identifiers: set[str]) -> None:
    """board.toml and register.toml, mutated: lif validate, and every fourth time the report."""
    rng = random.Random(SEED)
    for n, (root, case, mutate) in enumerate(_cases(template, tmp_path, ["board.toml", "register.toml"], rng)):
        mutate()
        _check(root, ["validate", "BOARD"], case, NAMES | {str(root)}, identifiers)
        if n % 4 == 0:
            _check(
                root,
                ["report", "impact", "BOARD", "-f", "json", "--no-progress"],
                case,
                NAMES | {str(root)},
                identifiers,
            )


def test_fuzz_the_data_files(template: Path, tmp_path: Path, identifiers: set[str]) -> None:
    """The example's case-level data and the DfE samples, mutated: lif data, and every third
    time lif measures."""
    rng = random.Random(SEED + 1)
    files = [
        "data/multi-agency-dataset.csv",
        "data/case-level/cin-census-2019.xml",
        "data/case-level/ssda903/header.csv",
        "data/case-level/ssda903/episodes.csv",
        *(f"samples/{Path(s).name}" for _i, s, _a, _o in SAMPLES),
    ]
    for n, (root, case, mutate) in enumerate(_cases(template, tmp_path, files, rng)):
        mutate()
        _check(root, ["data", "BOARD", "--no-progress"], case, NAMES | {str(root)}, identifiers)
        if n % 3 == 0:
            _check(root, ["measures", "BOARD"], case, NAMES | {str(root)}, identifiers)
