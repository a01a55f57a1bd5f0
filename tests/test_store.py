"""The register in SQLite: commands change it and the report follows; every change has its
history; bad writes are refused with nothing changed; old stores migrate, newer ones are
refused untouched; two writers at once; and a writer killed at random never loses a committed
change or leaves a partial one."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings

from lif_core import Plugins, load_board
from lif_core.cli import make_cli
from lif_core.model import COLLECTIONS
from lif_core.store import REGISTER_COLLECTIONS, SCHEMA_VERSION, STORE_FILE, Register, StoreError

from .conftest import CROYDON
from .strategies import boards


def lif(*args: str) -> Result:
    return CliRunner().invoke(make_cli(Plugins.create()), list(args))


@pytest.fixture
def board(tmp_path: Path) -> Path:
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    result = lif("import", str(target))
    assert result.exit_code == 0, result.output
    loaded = load_board(CROYDON)
    records = sum(len(loaded.board.collection(c)) for c in REGISTER_COLLECTIONS)
    assert result.stdout.startswith(f"{target / STORE_FILE}: {records} added, 0 updated, 0 unchanged")
    return target


def test_commands_change_the_register_and_the_report_follows(board: Path) -> None:
    before = json.loads(lif("report", "impact", str(board), "-f", "json").stdout)
    assert {"kind": "action", "id": "a-child-f-1", "state": "in-progress"}.items() <= next(
        row for row in before["snapshot"] if row["id"] == "a-child-f-1"
    ).items()
    assert (
        lif("status", str(board), "a-child-f-1", "completed", "--date", "2019-03-01", "--note", "rolled out").exit_code
        == 0
    )
    added = lif(
        "add",
        str(board),
        "evidence",
        "id=e-encompass",
        'title="Encompass notifications audit"',
        "kind=audit",
        "date=2019-03-20",
        "strength=strong",
        'supports=["a-child-f-1", "r-child-f-1"]',
        "source=met-police",
    )
    assert added.exit_code == 0, added.output
    assert lif("stage", str(board), "lr-young-person-k", "report", "--date", "2019-03-25").exit_code == 0
    after = json.loads(lif("report", "impact", str(board), "-f", "json").stdout)
    snapshot = {(row["kind"], row["id"]): row["state"] for row in after["snapshot"]}
    assert snapshot[("action", "a-child-f-1")] == "completed"
    assert snapshot[("evidence", "e-encompass")] == "strong"
    assert snapshot[("review", "lr-young-person-k")] == "report"
    # Reaching the report stage, the SCIE review is now held to its next rules, and says so.
    checked = lif("validate", str(board))
    assert "register.sqlite: reviews[1].artefacts: [SCIE: key practice episodes]" in checked.stderr


def test_history_keeps_every_change(board: Path) -> None:
    lif("update", str(board), "a-dataset", 'text="Agree and publish the dataset"', "--note", "wording")
    lif("add", str(board), "actions", "id=a-temp", "text=Temporary", "priority=prio-early-help")
    lif("delete", str(board), "a-temp", "--note", "entered in error")
    story = lif("history", str(board), "a-dataset").stdout.splitlines()
    assert story[0].endswith("added actions a-dataset  (imported from board.toml, register.toml)")
    assert story[1].endswith("updated actions a-dataset  (wording)")
    assert (
        story[2]
        == '    text: "Agree the dataset\'s indicators with every agency and report it to QAPP each quarter." -> "Agree and publish the dataset"'
    )
    who = os.environ.get("LIF_USER") or __import__("getpass").getuser()
    assert f"  {who}  " in story[1]
    gone = lif("history", str(board), "a-temp").stdout.splitlines()
    assert gone[-1].endswith("deleted actions a-temp  (entered in error)")
    assert "a-temp" not in lif("export", str(board)).stdout


def test_bad_writes_are_refused_and_nothing_changes(board: Path) -> None:
    with Register.open(board / STORE_FILE) as register:
        changes = register.count_changes()
    cases = [
        (
            ["add", str(board), "actions", "id=a-x", "text=x", "due=31/01/2019"],
            "actions['a-x'].due: expected a date as YYYY-MM-DD, got '31/01/2019'",
        ),
        (
            ["add", str(board), "actions", "id=a-x", "text=x", "owner=nobody"],
            "actions['a-x'].owner: no partner or group with id 'nobody'",
        ),
        (["add", str(board), "actions", "id=a-dataset", "text=x"], "id 'a-dataset' is already used by a action"),
        (["add", str(board), "actions", "id=a-x", "text=x", "colour=blue"], "actions['a-x'].colour: unknown key"),
        (["status", str(board), "a-dataset", "finished"], "'finished' is not a status"),
        (["stage", str(board), "lr-young-person-k", "decision"], "'decision' cannot follow 'analysis'"),
        (["delete", str(board), "r-child-f-1"], "a-child-f-1 refers to 'r-child-f-1': change it first"),
        (["update", str(board), "nope", "text=x"], "no record 'nope' in the register"),
    ]
    for args, message in cases:
        result = lif(*args)
        assert result.exit_code == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output
    with Register.open(board / STORE_FILE) as register:
        assert register.count_changes() == changes


def test_commands_need_an_imported_register(tmp_path: Path) -> None:
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    result = lif("status", str(target), "a-dataset", "completed")
    assert result.exit_code == 1 and "run `lif import" in result.stderr
    assert not (target / STORE_FILE).exists()


def test_a_failed_first_import_leaves_no_store(tmp_path: Path) -> None:
    target = tmp_path / "croydon"
    shutil.copytree(CROYDON, target, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    bad = tmp_path / "bad.toml"
    bad.write_text('[[actions]]\nid = "a-x"\ntext = "x"\nowner = "nobody"\n')
    result = lif("import", str(target), "--from", str(bad))
    assert result.exit_code == 1 and "no partner or group with id 'nobody'" in result.stderr
    assert not (target / STORE_FILE).exists()


def test_file_edits_after_import_are_reported_and_imported(board: Path) -> None:
    lif("status", str(board), "a-child-f-1", "completed", "--date", "2019-03-01")
    assert lif("validate", str(board)).stderr == ""  # the file is older, not edited: no noise
    again = lif("import", str(board))
    records = sum(len(load_board(CROYDON).board.collection(c)) for c in REGISTER_COLLECTIONS)
    assert f"0 added, 0 updated, {records} unchanged" in again.stdout  # the status change is not undone
    register_toml = board / "register.toml"
    register_toml.write_text(
        register_toml.read_text().replace('text = "Agree the dataset', 'text = "Edited: agree the dataset')
    )
    warned = lif("validate", str(board))
    assert (
        "1 record(s) new or edited since the last `lif import`, not read" in warned.stderr
        and "(a-dataset)" in warned.stderr
    )
    assert "1 updated" in lif("import", str(board)).stdout


def test_export_and_import_round_trip(board: Path, tmp_path: Path) -> None:
    for fmt in ("toml", "json"):
        exported = tmp_path / f"register.{fmt}"
        assert lif("export", str(board), "-f", fmt, "-o", str(exported)).exit_code == 0
        other = tmp_path / f"other-{fmt}"
        shutil.copytree(CROYDON, other, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
        assert lif("import", str(other), "--from", str(exported)).exit_code == 0
        with Register.open(board / STORE_FILE) as a, Register.open(other / STORE_FILE) as b:
            assert a.records() == b.records()
    assert load_board(board).board.actions == load_board(CROYDON).board.actions


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(boards())
def test_any_register_survives_the_store(tmp_path_factory: pytest.TempPathFactory, generated: object) -> None:
    """Records of every register collection, imported, exported and imported again: unchanged."""
    from lif_core.builtins.register import _export_items, _items_from
    from lif_core.convert import to_json, unstructure

    board = generated
    folder = tmp_path_factory.mktemp("store")
    known = {item.id: key for key in COLLECTIONS if key not in REGISTER_COLLECTIONS for item in board.collection(key)}  # type: ignore[attr-defined]
    items = [
        (key, json.loads(to_json(unstructure(r), indent=None)))
        for key in REGISTER_COLLECTIONS
        for r in board.collection(key)
    ]  # type: ignore[attr-defined]
    with Register.open(folder / "a.sqlite", known) as a:
        a.import_records(items)
        exported = _export_items(a)
        original = a.records()
    with Register.open(folder / "b.sqlite", known) as b:
        b.import_records(_items_from(json.loads(to_json(exported)), "export"), track=False)
        assert sorted(b.records(), key=str) == sorted(original, key=str)


def test_a_newer_store_is_refused_untouched(board: Path) -> None:
    store = board / STORE_FILE
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    with pytest.raises(
        StoreError,
        match=r"written by a newer lif-core \(register schema 99; this version knows 2 at most\): upgrade lif-core\. The file has not been changed\.",
    ):
        Register.open(store)
    result = lif("status", str(board), "a-dataset", "completed")
    assert result.exit_code == 1 and "newer lif-core" in result.stderr
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_an_old_store_is_migrated_forward(tmp_path: Path) -> None:
    from lif_core.store import _SCHEMA_V1

    store = tmp_path / "old.sqlite"
    with sqlite3.connect(store) as db:
        db.executescript(_SCHEMA_V1)
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute(
            "INSERT INTO records VALUES ('a1', 'actions', 0, ?)", (json.dumps({"id": "a1", "text": "Old action"}),)
        )
        db.execute(
            "INSERT INTO changes (at, record_id, collection, old, new) VALUES ('2019-01-01T00:00:00', 'a1', 'actions', NULL, ?)",
            (json.dumps({"id": "a1", "text": "Old action"}),),
        )
    with Register.open(store) as register:
        assert register.schema_version == SCHEMA_VERSION == 2
        assert register.get("a1") == ("actions", {"id": "a1", "text": "Old action"})
        assert [c.who for c in register.history("a1")] == [""]  # the column the migration added
        register.update("a1", {"text": "Migrated"}, note="after migration")
        assert [c.note for c in register.history("a1")] == ["", "after migration"]
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")} >= {
            "changes_by_record"
        }


WRITER = textwrap.dedent(
    """
    import sys
    from lif_core.store import Register
    path, action, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Register.open(path, {"qapp": "groups"}, who="writer") as register:
        n = start
        while n < start + int(sys.argv[4]):
            n += 1
            register.update(action, {"text": f"count {n}"})
            print(n, flush=True)
    """
)


def _store_with(tmp_path: Path, *actions: str) -> Path:
    store = tmp_path / "kill.sqlite"
    with Register.open(store, {"qapp": "groups"}, who="setup") as register:
        for action in actions:
            register.add("actions", {"id": action, "text": "count 0", "owner": "qapp"})
    return store


def _count(store: Path, action: str) -> tuple[int, int]:
    with Register.open(store) as register:
        text = register.get(action)[1]["text"]
        return int(text.split()[1]), len(register.history(action))


def test_concurrent_writers_both_succeed(tmp_path: Path) -> None:
    store = _store_with(tmp_path, "a1", "a2")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store), action, "0", "150"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for action in ("a1", "a2")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.split()[-1] == "150"
    for action in ("a1", "a2"):
        assert _count(store, action) == (150, 151)  # 150 updates, each with its change, and the add


def test_a_writer_killed_at_random_loses_nothing_committed(tmp_path: Path) -> None:
    """200 SIGKILLs at random moments: after each, SQLite's integrity check passes, every
    change the writer reported committed is there, and record and history agree (no partial)."""
    store = _store_with(tmp_path, "a1")
    rng = random.Random(1234)
    kills = 0
    committed = 0
    while kills < 200:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(store), "a1", str(committed), "100000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Wait for the first commit of this run, then kill at a random moment among the writes.
        first = proc.stdout.readline() if proc.stdout else ""
        if first.strip():
            time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        out, _err = proc.communicate(timeout=60)
        reported = [int(x) for x in (first + out).split()]
        kills += 1
        with sqlite3.connect(store) as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        count, changes = _count(store, "a1")
        if reported:
            assert count >= reported[-1], (kills, count, reported[-1])  # nothing reported committed is lost
        assert changes == count + 1  # every update has its change row, and none is half-written
        committed = count
    assert kills == 200 and committed > 200
    print(f"{kills} kills, {committed} committed changes survived")


def test_measure_values_are_kept_in_the_register(board: Path) -> None:
    result = lif("value", str(board), "m-training-practice-change", "2019-20", "77", "--note", "follow-up survey")
    assert result.exit_code == 0, result.output
    assert result.stdout == "m-training-practice-change: 2019-20 = 77 (4 period(s))\n"
    assert lif("value", str(board), "m-training-practice-change", "2019-20", "78").exit_code == 0  # replaces
    scorecard = json.loads(lif("measures", str(board), "-f", "json").stdout)["sections"][0]["blocks"][0]["rows"]
    row = next(r for r in scorecard if r[0].startswith("Delegates reporting a change"))
    assert row[3] == "78% (2019-20)" and row[9] == "GREEN"  # 78 against a target of 75
    story = lif("history", str(board), "m-training-practice-change").stdout
    assert "(follow-up survey)" in story
    assert lif("value", str(board), "a-dataset", "2019-20", "1").exit_code == 1


def test_an_unknown_store_is_named(make_board) -> None:  # type: ignore[no-untyped-def]
    from lif_core import validate_board

    root = make_board('[settings]\nstore = "sqlight"\n')
    (problem,) = validate_board(root, Plugins.create()).problems
    assert str(problem).startswith(
        "board.toml: settings.store: no store named 'sqlight' is installed (did you mean 'sqlite'?)"
    )
