"""Broken and hostile input to the CLI: every case is one clear line naming the file (and key
path) and what to do, never a traceback, a hang, a half-written board or a lost file.

Deep nesting, dates out of range, malformed ``--from`` and ``--previous`` files, undecodable
bytes, odd ``lif init`` names and targets, output to a missing folder, a full disk or a
read-only folder, and ``--output`` onto the board's own files."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lif_core import Plugins, load_board
from lif_core.cli import make_cli

from .conftest import CROYDON

ROOT = Path(__file__).resolve().parents[1]


def lif(*args: str) -> Result:
    return CliRunner().invoke(make_cli(Plugins.create()), list(args))


def one_clean_error(result: Result, *fragments: str) -> str:
    """The command failed with one ``Error: ...`` line (no traceback) holding every fragment."""
    assert result.exit_code in (1, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0], (fragment, errors[0])
    return errors[0]


@pytest.fixture
def board(tmp_path: Path) -> Path:
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    return target


@pytest.fixture
def stored(board: Path) -> Path:
    result = lif("import", str(board))
    assert result.exit_code == 0, result.output
    return board


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def _leftovers(folder: Path) -> list[str]:
    return sorted(n for n in os.listdir(folder) if ".creating-" in n or ".lif-tmp" in n or ".lif-init-" in n)


def lif_limited(limit: int, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``lif ARGS`` in a process that cannot write a file past ``limit`` bytes (a real
    write failure, EFBIG, as on a full disk)."""
    code = textwrap.dedent(
        """
        import resource, signal, sys
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = int(sys.argv[1])
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        from lif_core.cli import main
        main(sys.argv[2:])
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(limit), *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


@contextlib.contextmanager
def read_only_view(folder: Path) -> Iterator[Path]:
    """``folder`` seen through a read-only bind mount (root ignores permission bits, so chmod
    cannot make a read-only folder for it); skipped where mounting is not permitted."""
    view = folder.with_name(folder.name + "-read-only")
    view.mkdir()
    try:
        bound = subprocess.run(["mount", "--bind", str(folder), str(view)], capture_output=True)
    except FileNotFoundError:
        bound = None
    if bound is None or bound.returncode != 0:
        view.rmdir()
        pytest.skip("cannot bind-mount a read-only view here (needs root and mount)")
    try:
        if subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield view
    finally:
        subprocess.run(["umount", str(view)], capture_output=True)
        view.rmdir()


# --------------------------------------------------------------------------- deep nesting


@pytest.mark.parametrize("depth", [100, 5000])
def test_deep_nesting_in_board_files_is_one_problem(board: Path, depth: int) -> None:
    """Nesting deep enough to break the TOML parser, or only what comes after it, is one
    problem naming the file; the rest of the board is still checked."""
    register = board / "register.toml"
    register.write_text(register.read_text() + "\n[[actions]]\nid = 'a-deep'\ntext = " + "[" * depth + "]" * depth)
    result = lif("validate", str(board))
    one_clean_error(result, "1 error(s)")
    assert "register.toml: " in result.stderr and "nested" in result.stderr
    (board / "board.toml").write_text("x = " + "{a = " * depth + "1" + "}" * depth + "\n")
    result = lif("validate", str(board))
    assert "board.toml: " in result.stderr and "nested" in result.stderr
    one_clean_error(result)


# --------------------------------------------------------------------------- lif import --from


def _deep_json(depth: int) -> str:
    return json.dumps({"actions": [{"id": "a-1", "text": "x"}]})[:-1] + ', "x": ' + "[" * depth + "]" * depth + "}"


FROM_CASES = [
    ("deep.toml", "actions = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
    ("deep.json", _deep_json(5000), "nested too deeply"),
    ("middling.json", _deep_json(300), "nested more than 32 levels deep"),
    ("middling.toml", "[[actions]]\nid = 'a-1'\ntext = " + "[" * 300 + "]" * 300, "nested"),
    ("latin1.toml", b"[[actions]]\nid = 'a-1'\ntext = 'caf\xe9'\n", "not UTF-8 text (byte 34): save the file as UTF-8"),
    ("list.json", "[1, 2]", "expected a table of collections"),
    ("records.json", '{"actions": [1, "x"]}', "actions[0]: expected a table (one record), got the number 1"),
    ("collection.json", '{"actions": {"id": "a"}}', "actions: expected a list of tables"),
    ("format.json", '{"format": 7, "actions": []}', "format 7"),
    ("format-text.json", '{"format": "1"}', "format: expected a whole number"),
    ("time.toml", "[[actions]]\nid = 'a-1'\ntext = 07:30:00\n", "actions[0]: cannot write time as JSON"),
    ("surrogate.json", '{"actions": [{"id": "a-1", "text": "\\ud800"}]}', "not valid Unicode"),
    ("huge.json", '{"actions": [{"id": "a-1", "text": "x", "n": ' + "9" * 5000 + "}]}", "not valid JSON"),
    ("huge.toml", "[[actions]]\nid = 'a-1'\nn = " + "9" * 5000 + "\n", "not valid TOML"),
    ("broken.json", '{"actions": [', "not valid JSON: line 1, column 14"),
    ("unknown.toml", "[[partners]]\nid = 'x'\n", "partners: not a register collection"),
]


@pytest.mark.parametrize(("name", "content", "message"), FROM_CASES, ids=[c[0] for c in FROM_CASES])
def test_import_from_a_malformed_file(
    board: Path, tmp_path: Path, name: str, content: str | bytes, message: str
) -> None:
    source = tmp_path / name
    if isinstance(content, bytes):
        source.write_bytes(content)
    else:
        source.write_text(content, encoding="utf-8")
    result = lif("import", str(board), "--from", str(source))
    one_clean_error(result, f"{source}: ", message)
    assert not (board / "register.sqlite").exists() and _leftovers(board) == []


def test_import_from_a_device_or_a_pipe_does_not_hang(board: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    for source in (str(fifo), "/dev/zero"):
        done = subprocess.run(
            [sys.executable, "-c", "from lif_core.cli import main; main()", "import", str(board), "--from", source],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.strip() == f"Error: {source}: is not a regular file (a device or a pipe?): name a file"


def test_key_values_nested_too_deeply_or_too_long_are_refused(stored: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    one_clean_error(lif("add", str(stored), "actions", "id=a-x", f"text={deep}"), "cannot be read as a value")
    one_clean_error(lif("add", str(stored), "actions", "id=a-x", "text=" + "[" * 100 + "]" * 100), "nested too deeply")
    one_clean_error(lif("update", str(stored), "a-dataset", "text=" + "9" * 5000), "a number too long")
    added = lif("add", str(stored), "actions", "id=a-x", "text=07:30")  # a time of day stays text
    assert added.exit_code == 0 and 'text="07:30"' in added.stdout


def test_an_unreadable_or_unmakeable_pseudonymisation_key(board: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIF_PSEUDONYM_KEY")
    (board / ".lif").mkdir()
    (board / ".lif" / "pseudonym.key").write_bytes(b"\xff\xfe" + b"k" * 40)
    (board / ".lif" / "pseudonym.key").chmod(0o600)
    one_clean_error(lif("data", str(board)), "pseudonym.key: the pseudonymisation key is unreadable (not UTF-8 text")
    shutil.rmtree(board / ".lif")
    with read_only_view(board) as view:
        one_clean_error(
            lif("data", str(view)),
            "pseudonym.key: cannot make the board's pseudonymisation key: read-only",
            "(or set LIF_PSEUDONYM_KEY)",
        )


def test_init_into_a_read_only_folder(tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    with read_only_view(parent) as view:
        one_clean_error(lif("init", str(view / "new-board")), "cannot create", "read-only: check the permissions")
    assert os.listdir(parent) == []


# --------------------------------------------------------------------------- --previous


PREVIOUS_CASES = [
    ({"kind": "impact-report", "sections": 5}, "sections: expected a list"),
    ({"kind": "impact-report", "sections": [7]}, "sections[0]: expected a table"),
    ({"kind": "impact-report", "sections": [{"title": "Register snapshot"}]}, "sections[0].blocks: expected a list"),
    (
        {"kind": "impact-report", "sections": [{"title": "Register snapshot", "blocks": []}]},
        "sections[0].blocks: expected a list starting with the snapshot's table",
    ),
    (
        {"kind": "impact-report", "sections": [{"title": "Register snapshot", "blocks": [{"rows": 3}]}]},
        "sections[0].blocks[0].rows: expected a list of rows",
    ),
    (
        {"kind": "impact-report", "sections": [{"title": "Register snapshot", "blocks": [{"rows": [["a", "b"]]}]}]},
        "sections[0].blocks[0].rows[0]: expected 3 values (item, id, state), got 2 value(s)",
    ),
    (
        {"kind": "impact-report", "sections": [{"title": "Register snapshot", "blocks": [{"rows": ["abc"]}]}]},
        "rows[0]: expected 3 values (item, id, state), got str",
    ),
    (
        {
            "kind": "impact-report",
            "sections": [{"title": "Register snapshot", "blocks": [{"rows": [["a", {"x": 1}, "c"]]}]}],
        },
        'rows[0][1]: expected text, got {"x": 1}',
    ),
    ({"kind": "impact-report", "sections": [{"title": "Other"}]}, "has no register snapshot"),
    ({"kind": "impact-report", "snapshot": {"a": 1}}, "snapshot: expected a list"),
    ({"kind": "impact-report", "snapshot": [3]}, "snapshot[0]: expected a table of kind, id, name and state"),
    ({"kind": "impact-report", "snapshot": [{"kind": "action", "id": "a"}]}, "snapshot[0]: missing state"),
    (
        {"kind": "impact-report", "snapshot": [{"kind": "action", "id": "a", "state": ["x"]}]},
        'snapshot[0].state: expected text, got ["x"]',
    ),
    (
        {"kind": "impact-report", "snapshot": [{"kind": "action", "id": "a", "state": "done", "name": None}]},
        "snapshot[0].name: expected text, got null",
    ),
    ([1, 2, 3], "not a JSON impact report"),
]


@pytest.mark.parametrize(("data", "message"), PREVIOUS_CASES)
def test_a_previous_report_of_the_wrong_shape(board: Path, tmp_path: Path, data: object, message: str) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(data))
    one_clean_error(lif("report", "impact", str(board), "--previous", str(previous)), f"{previous}: ", message)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"kind": "impact-report", "title": "\xff"}', "not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"kind": "impact-report", "sections": [' + b"[" * 200 + b"]" * 200 + b"]}", "nested more than 32"),
        (b'{"kind": "impact-report", "sections": ', "not valid JSON"),
    ],
)
def test_an_unreadable_previous_report(board: Path, tmp_path: Path, content: bytes, message: str) -> None:
    previous = tmp_path / "previous.json"
    previous.write_bytes(content)
    one_clean_error(lif("report", "impact", str(board), "--previous", str(previous)), f"{previous}: ", message)


def test_a_real_previous_report_still_works(board: Path, tmp_path: Path) -> None:
    previous = tmp_path / "previous.json"
    assert lif("report", "impact", str(board), "-f", "json", "-o", str(previous)).exit_code == 0
    result = lif("report", "impact", str(board), "--previous", str(previous))
    assert result.exit_code == 0, result.output
    assert "What changed since the last report" in result.stdout and "Nothing changed." in result.stdout


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "args",
    [
        ["reviews", "{board}", "--as-of", "0001-01-05"],
        ["themes", "{board}", "--as-of", "0001-01-05"],
        ["report", "impact", "{board}", "--as-of", "0001-01-05"],
        ["overdue", "{board}", "--as-of", "9999-12-31"],
        ["inspection", "{board}", "--as-of", "1899-12-31"],
        ["status", "{board}", "a-dataset", "completed", "--date", "0001-01-01"],
        ["stage", "{board}", "lr-young-person-k", "report", "--date", "2101-01-01"],
    ],
)
def test_dates_outside_1900_to_2100_are_refused(stored: Path, args: list[str]) -> None:
    result = lif(*[a.format(board=stored) for a in args])
    one_clean_error(result, "is outside the years 1900 to 2100: a real date is meant")


def test_the_first_and_last_days_lif_accepts_work(board: Path) -> None:
    for day in ("1900-01-01", "2100-12-31"):
        for command in ("reviews", "themes", "overdue"):
            result = lif(command, str(board), "--as-of", day)
            assert result.exit_code == 0, (command, day, result.output)
        result = lif("themes", str(board), "--as-of", day, "--window", "1200")
        assert result.exit_code == 0, result.output


def test_a_month_window_is_bounded(board: Path) -> None:
    one_clean_error(lif("themes", str(board), "--window", "100000"), "--window", "1<=x<=1200")
    assert lif("themes", str(board), "--window", "1200").exit_code == 0


def test_month_and_working_day_arithmetic_never_overflows() -> None:
    from lif_core.clocks import WorkingDays, add_months
    from lif_core.learning import recurring_themes

    assert add_months(dt.date(1, 1, 5), -12) == dt.date.min
    assert add_months(dt.date(9999, 6, 1), 12) == dt.date.max
    assert add_months(dt.date(2019, 1, 31), 1) == dt.date(2019, 2, 28)
    days = WorkingDays()
    assert days.add(dt.date(2100, 12, 1), 10**9) == dt.date.max  # no hang, no overflow
    assert days.add(dt.date(2100, 12, 30), 5) == dt.date(2101, 1, 6)  # weekdays past 2100
    board = load_board(CROYDON).board
    assert recurring_themes(board, dt.date(2019, 3, 31), window_months=10**6) is not None


# --------------------------------------------------------------------------- lif init


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--name", ""], "--name: must not be blank"),
        (["--name", "   "], "--name: must not be blank"),
        (["--area", ""], "--area: must not be blank"),
        (["--name", "Line one\nline two"], "--name: holds a control character ('\\n')"),
        (["--area", "Test\x01shire"], "--area: holds a control character ('\\x01')"),
        (["--name", "Test\u2028Partnership"], "--name: holds a control character"),
        (["--name", "Test\u202ePartnership"], "--name: holds a control character"),
        (["--name", "x" * 201], "--name: is 201 characters long; keep it to 200"),
        (["--id", "board\n"], "--id: use letters, digits"),
    ],
)
def test_init_checks_its_options_first(tmp_path: Path, options: list[str], message: str) -> None:
    target = tmp_path / "new-board"
    one_clean_error(lif("init", str(target), *options), message)
    assert not target.exists() and _leftovers(tmp_path) == []


def test_init_onto_a_dangling_link_or_a_file(tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "nowhere")
    one_clean_error(lif("init", str(link)), "is a link to a missing folder")
    assert link.is_symlink() and not (tmp_path / "nowhere").exists()
    file = tmp_path / "file"
    file.write_text("mine")
    one_clean_error(lif("init", str(file)), "is a file")
    assert file.read_text() == "mine"
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "notes.txt").write_text("mine")
    one_clean_error(lif("init", str(occupied)), "is not empty")
    assert os.listdir(occupied) == ["notes.txt"] and _leftovers(tmp_path) == []


def test_init_into_an_empty_folder_or_through_a_link_to_one(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    link = tmp_path / "link"
    link.symlink_to(empty)
    for target in (empty, link):
        if target is link:
            shutil.rmtree(empty)
            empty.mkdir()
        result = lif(
            "init", str(target), "--name", "Testshire Safeguarding Children Partnership", "--area", "Testshire"
        )
        assert result.exit_code == 0, result.output
        assert lif("validate", str(target)).exit_code == 0
        assert sorted(os.listdir(empty)) == ["board.toml", "register.toml"]
    assert link.is_symlink() and _leftovers(tmp_path) == []


def test_init_that_cannot_finish_leaves_no_half_written_board(tmp_path: Path) -> None:
    """The template's files do not fit (a real write failure): nothing is left behind."""
    done = lif_limited(1000, "init", str(tmp_path / "new-board"))
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"Error: cannot create {tmp_path / 'new-board'}: the disk is full"), done.stderr
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- output files


def test_output_to_a_missing_folder(stored: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    for args in (
        ["export", str(stored), "-o", str(missing / "x.toml")],
        ["report", "impact", str(stored), "-o", str(missing / "x.md")],
        ["show", str(stored), "-o", str(missing / "x.txt")],
    ):
        one_clean_error(lif(*args), f"the folder {missing} does not exist: create it first")
    assert not missing.exists()


def test_output_to_a_full_disk(stored: Path, tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    for args in (["export", str(stored), "-o", "/dev/full"], ["report", "impact", str(stored), "-o", "/dev/full"]):
        one_clean_error(lif(*args), "cannot write /dev/full: the disk is full")


def test_a_failed_output_write_leaves_the_old_file_whole(board: Path, tmp_path: Path) -> None:
    """A report that does not fit (a real write failure) leaves the previous report as it was
    and no temporary file: outputs are written beside, then renamed."""
    report = tmp_path / "reports" / "impact.html"
    report.parent.mkdir()
    report.write_text("the previous report")
    done = lif_limited(4096, "report", "impact", str(board), "-f", "html", "-o", str(report), "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        f"Error: cannot write {report}: the disk is full (or a file size limit was reached): free some space, "
        "then try again; the file is unchanged"
    )
    assert report.read_text() == "the previous report" and os.listdir(report.parent) == ["impact.html"]
    # The register's export (its store needs room for SQLite's 32 KiB index beside it).
    assert lif("import", str(board)).exit_code == 0
    assert lif("add", str(board), "actions", "id=a-long", "text=" + "x" * 90_000).exit_code == 0
    exported = tmp_path / "reports" / "register.toml"
    done = lif_limited(65536, "export", str(board), "-o", str(exported))
    assert done.returncode == 1 and done.stderr.strip().endswith("nothing was written"), done.stderr
    assert os.listdir(report.parent) == ["impact.html"]


def test_output_into_a_read_only_folder(stored: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with read_only_view(out) as view:
        one_clean_error(lif("export", str(stored), "-o", str(view / "x.toml")), "read-only: check the permissions")
        one_clean_error(lif("show", str(stored), "-o", str(view / "x.txt")), "read-only: check the permissions")
    assert os.listdir(out) == []


def _protected_targets(board: Path, tmp_path: Path) -> list[str]:
    (board / "plugin_here.py").write_text("")
    toml = board / "board.toml"
    toml.write_text(toml.read_text() + '\n[plugins]\nlocal = ["plugin_here.py"]\n')
    (tmp_path / "link.toml").symlink_to(board / "board.toml")
    os.link(board / "register.toml", tmp_path / "hard.toml")
    (tmp_path / "dir-link").symlink_to(board)
    return [
        str(board / "board.toml"),
        str(board / "register.toml"),
        str(board / "data" / ".." / "board.toml"),
        str(tmp_path / "link.toml"),
        str(tmp_path / "hard.toml"),
        str(tmp_path / "dir-link" / "register.sqlite"),
        str(board / "register.sqlite"),
        str(board / "register.sqlite-wal"),
        str(board / "register.sqlite-shm"),
        str(board / "register.sqlite-journal"),
        str(board / "data" / "multi-agency-dataset.csv"),
        str(board / "data" / "case-level" / "cin-census-2019.xml"),
        str(board / ".lif" / "pseudonym.key"),
        str(board / ".lif" / "anything.md"),
        str(board / "plugin_here.py"),
    ]


def test_output_onto_the_boards_own_files_is_refused(stored: Path, tmp_path: Path) -> None:
    targets = _protected_targets(stored, tmp_path)
    before = _digests(stored)
    commands = [
        ["export", str(stored), "-o"],
        ["report", "impact", str(stored), "-o"],
        ["show", str(stored), "-o"],
        ["themes", str(stored), "-o"],
        ["inspection", str(stored), "-o"],
    ]
    for target in targets:
        for command in commands:
            result = lif(*command, target)
            one_clean_error(result, "refused: that is ", "choose a file outside the board's own files")
    assert _digests(stored) == before
    assert lif("validate", str(stored)).exit_code == 0


def test_output_the_board_would_read_as_its_own_is_refused(board: Path) -> None:
    toml = board / "board.toml"
    toml.write_text(toml.read_text().replace('include = ["register.toml"]', 'include = ["register/*.toml"]'))
    (board / "register").mkdir()
    (board / "register.toml").rename(board / "register" / "2018.toml")
    assert lif("validate", str(board)).exit_code == 0
    result = lif("report", "impact", str(board), "-o", str(board / "register" / "2019.toml"))
    one_clean_error(result, "a file the board would read as part of itself (include = 'register/*.toml')")
    assert not (board / "register" / "2019.toml").exists()
    reports = board / "reports"
    reports.mkdir()
    assert lif("report", "impact", str(board), "-o", str(reports / "impact.md")).exit_code == 0  # a folder of its own


def test_output_elsewhere_is_written_whole_with_ordinary_permissions(stored: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.toml"
    out.write_text("old")
    os.chmod(out, 0o640)
    assert lif("export", str(stored), "-o", str(out)).exit_code == 0
    assert out.read_text().startswith("format = 1") and (out.stat().st_mode & 0o777) == 0o640
    fresh = tmp_path / "fresh.md"
    mask = os.umask(0o022)
    try:
        assert lif("show", str(stored), "-o", str(fresh)).exit_code == 0
    finally:
        os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o644
    assert _leftovers(tmp_path) == []


def test_output_to_a_link_writes_its_file(stored: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert lif("show", str(stored), "-o", str(link), "-f", "markdown").exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("# Croydon")
