"""One contract, every store: the same tests run against the builtin SQLite store and the
PostgreSQL store of plugins/lif-postgres (on a throw-away cluster this session starts: initdb
into a temporary folder, the server on a unix socket there). History, round trips, refused
writes (an evidence record's attachments too), versions and ``expected=`` conflicts (a deleted
record's too), the latest changes newest first, racing and concurrent writers, transactions,
read-only opening, a board's register opened through its own store as ``lif add`` opens it
(``open_register``), migrations forward, refusal of a newer schema untouched, a new store made
whole, and copying a register between the stores with its whole history."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lif_core import Attachment, ConflictError, FieldError, StoreError
from lif_core.builtins.stores import SqliteStore
from lif_core.commands import open_register
from lif_core.extensions import StoreBackend
from lif_core.store import SCHEMA_VERSION, Register
from lif_core.testing import make_plugins

from .conftest import CROYDON
from .strategies import boards

IDS = {"qapp": "groups", "cp": "partners"}
_numbers = itertools.count()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Any]:
    try:
        from lif_postgres.testing import ClusterUnavailable, throwaway_cluster
    except ImportError as exc:  # pragma: no cover - the plugin (or psycopg) is not installed
        pytest.skip(f"the PostgreSQL store is not installed (pip install -e plugins/lif-postgres): {exc}")
    try:
        with throwaway_cluster() as cluster:
            yield cluster
    except ClusterUnavailable as exc:  # pragma: no cover - no PostgreSQL server programs here
        pytest.skip(str(exc))


class Store:
    """One store under test: a board folder whose register it keeps, and raw access to it."""

    name: str
    backend: StoreBackend

    def __init__(self, root: Path) -> None:
        self.root = root

    def open(self, who: str | None = "ada", *, create: bool = True, ids: dict[str, str] = IDS) -> Register:
        register = self.backend.open(self.root, ids, who, create=create)
        assert isinstance(register, Register)
        return register

    def open_read_only(self) -> Register:
        register = self.backend.open_read_only(self.root)
        assert isinstance(register, Register)
        return register

    def exists(self) -> bool:
        return self.backend.exists(self.root)

    def sql(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        """Run SQL on the store directly (``?`` placeholders), committed."""
        raise NotImplementedError

    def make_v1(self) -> None:
        """A store as the first schema left it, with one record and its change."""
        raise NotImplementedError

    def fingerprint(self) -> Any:
        """Everything the store holds, to tell whether anything changed."""
        raise NotImplementedError


class SqliteUnderTest(Store):
    name = "sqlite"
    backend = SqliteStore()

    def sql(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        import sqlite3

        db = sqlite3.connect(self.root / "register.sqlite", isolation_level=None)
        try:
            return db.execute(statement, parameters).fetchall()
        finally:
            db.close()

    def make_v1(self) -> None:
        import sqlite3

        from lif_core.store import _SCHEMA_V1

        db = sqlite3.connect(self.root / "register.sqlite", isolation_level=None)
        try:
            db.executescript(_SCHEMA_V1)
            _fill_v1(lambda s, p=(): db.execute(s, p))
        finally:
            db.close()

    def fingerprint(self) -> Any:
        import hashlib

        return hashlib.sha256((self.root / "register.sqlite").read_bytes()).hexdigest()


class PostgresUnderTest(Store):
    name = "postgres"

    def __init__(self, root: Path, url: str) -> None:
        super().__init__(root)
        from lif_postgres.plugin import PostgresStore

        self.backend = PostgresStore()
        self.url = url
        root.mkdir(parents=True, exist_ok=True)
        (root / "register.postgres.toml").write_text(f'url = "{url}"\n', encoding="utf-8")

    def sql(self, statement: str, parameters: tuple[Any, ...] = ()) -> list[Any]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            cursor = db.execute(statement.replace("?", "%s"), parameters or None)
            return cursor.fetchall() if cursor.description else []

    def make_v1(self) -> None:
        import psycopg
        from lif_postgres.database import _SCHEMA_V1

        with psycopg.connect(self.url, autocommit=True) as db:
            for statement in filter(str.strip, _SCHEMA_V1.split(";")):
                db.execute(statement)
            _fill_v1(lambda s, p=(): db.execute(s.replace("?", "%s"), p or None))

    def fingerprint(self) -> Any:
        tables = [r[0] for r in self.sql("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
        return {t: sorted(map(repr, self.sql(f"SELECT * FROM {t}"))) for t in sorted(tables)}


def _fill_v1(execute: Callable[..., Any]) -> None:
    execute("INSERT INTO meta VALUES ('schema_version', '1')")
    text = json.dumps({"id": "a1", "text": "Old action"})
    execute("INSERT INTO records VALUES ('a1', 'actions', 0, ?)", (text,))
    execute(
        "INSERT INTO changes (at, record_id, collection, old, new) VALUES ('2019-01-01T00:00:00', 'a1', 'actions', NULL, ?)",
        (text,),
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return SqliteUnderTest(tmp_path)
    cluster = request.getfixturevalue("postgres_cluster")
    return PostgresUnderTest(tmp_path, cluster.create_database(f"contract_{next(_numbers)}"))


def _two_actions(store: Store) -> None:
    with store.open(who="setup") as register:
        register.add("actions", {"id": "a1", "text": "Audit strategy discussions", "owner": "qapp"})
        register.add("actions", {"id": "a2", "text": "Train the front door", "owner": "qapp"})


# --------------------------------------------------------------------------- history and reading


def test_history_keeps_every_change(store: Store) -> None:
    _two_actions(store)
    with store.open(who="ada") as register:
        register.update("a1", {"text": "Audit strategy discussions monthly"}, note="tighter")
        register.set_status("a1", "in-progress", day=dt.date(2025, 1, 2), note="started")
        register.delete("a2", note="duplicate")
        history = register.history("a1")
        assert [c.action for c in history] == ["added", "updated", "updated"]
        assert [c.who for c in history] == ["setup", "ada", "ada"]
        assert [c.note for c in history] == ["", "tighter", "started"]
        assert history[1].differences() == [
            ("text", "Audit strategy discussions", "Audit strategy discussions monthly")
        ]
        assert history[2].new is not None and history[2].new["status_log"][0]["date"] == "2025-01-02"
        assert [c.action for c in register.history("a2")] == ["added", "deleted"]
        assert register.history("a2")[-1].new is None
        assert [c.seq for c in register.recent_changes(50)] == sorted(
            (c.seq for c in register.recent_changes(50)), reverse=True
        )
        assert register.count_changes() == 5
        assert register.last_change() == register.recent_changes(1)[0].seq == register.version("a2")
        assert register.ids() == {"a1": "actions"}
        assert register.schema_version == SCHEMA_VERSION


def test_records_keep_their_order_and_read_back_as_written(store: Store) -> None:
    texts = ["zeta", "alpha", 'ünïcode ✓ "quoted" \\ back', "tab\tand\nnewline", "% and ? and $1"]
    with store.open() as register:
        for n, text in enumerate(texts):
            register.add("actions", {"id": f"x{9 - n}", "text": text, "owner": "qapp"})
        register.add("reviews", {"id": "rv1", "title": "Child R", "kind": "rapid-review", "stage": "referral"})
    with store.open_read_only() as register:
        assert [d["text"] for _c, d in register.records("actions")] == texts
        assert [c for c, _d in register.records()] == ["actions"] * 5 + ["reviews"]
        assert register.get("x7") == ("actions", {"id": "x7", "text": texts[2], "owner": "qapp"})


def test_records_at_a_moment(store: Store) -> None:
    _two_actions(store)
    with store.open() as register:
        moment = dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
        time.sleep(0.002)
        register.update("a1", {"text": "later"})
        register.delete("a2")
        register.add("actions", {"id": "a3", "text": "new", "owner": "qapp"})
        at = {rid: (col, data, changed) for rid, col, data, changed in register.records_at(moment)}
    assert set(at) == {"a1", "a2"}
    assert at["a1"][2] and at["a1"][1] is not None and at["a1"][1]["text"] == "Audit strategy discussions"
    assert at["a2"][2] and at["a2"][1] is not None


def test_import_round_trip_and_tracking(store: Store) -> None:
    items: list[tuple[str, Mapping[str, Any]]] = [
        ("recommendations", {"id": "r1", "text": "Share information", "source": "rv1", "kind": "system-design"}),
        ("reviews", {"id": "rv1", "title": "Child R", "kind": "rapid-review", "stage": "referral"}),
        ("actions", {"id": "a1", "text": "Do it", "owner": "qapp", "recommendation": "r1"}),
    ]
    with store.open() as register:
        assert register.import_records(items) == (3, 0, 0)
        first = sorted(register.records(), key=str)
        assert register.import_records(items) == (0, 0, 3)
        changed: list[tuple[str, Mapping[str, Any]]] = [*items[:2], ("actions", {**items[2][1], "text": "Do it now"})]
        assert register.import_records(changed) == (0, 1, 2)
        assert register.get("a1")[1]["text"] == "Do it now"
        assert set(register.imported()) == {"r1", "rv1", "a1"}
    assert len(first) == 3


# --------------------------------------------------------------------------- refusals


def test_bad_writes_are_refused_and_nothing_changes(store: Store) -> None:
    _two_actions(store)
    with store.open() as register:
        before = (register.records(), register.count_changes())
        with pytest.raises(StoreError, match=r"no group or partner with id 'nobody'|'nobody'"):
            register.add("actions", {"id": "a3", "text": "x", "owner": "nobody"})
        with pytest.raises(StoreError, match="is already used by"):
            register.add("actions", {"id": "a1", "text": "again", "owner": "qapp"})
        with pytest.raises(StoreError, match="not kept in the register"):
            register.add("partners", {"id": "p9", "name": "x"})
        with pytest.raises(StoreError, match=r"actions\['a1'\]"):
            register.update("a1", {"due": "not a date"})
        with pytest.raises(StoreError, match="a record's id cannot change"):
            register.update("a1", {"id": "other"})
        register.add("recommendations", {"id": "r1", "text": "Share", "kind": "system-design"})
        register.update("a1", {"recommendation": "r1"})
        with pytest.raises(StoreError, match="a1 refers to 'r1'"):
            register.delete("r1")
        with pytest.raises(StoreError, match="not a status"):
            register.set_status("a1", "nearly")
        register.update("a1", {"recommendation": None})
        register.delete("r1")
        assert (register.records(), register.count_changes()) == (before[0], before[1] + 4)


def test_a_transaction_keeps_all_or_nothing(store: Store) -> None:
    _two_actions(store)
    with store.open() as register:
        before = (register.records(), register.count_changes())
        with pytest.raises(StoreError), register.transaction():
            register.update("a1", {"text": "first of two"})
            register.add("actions", {"id": "a1", "text": "clash", "owner": "qapp"})
        assert (register.records(), register.count_changes()) == before
        with register.transaction():
            register.update("a1", {"text": "one"})
            register.update("a2", {"text": "two"})
        assert register.count_changes() == before[1] + 2


def test_read_only_refuses_writes(store: Store) -> None:
    _two_actions(store)
    with store.open_read_only() as register:
        assert register.read_only
        assert len(register.records()) == 2
        with pytest.raises(StoreError, match="opened read-only"):
            register.update("a1", {"text": "no"})
    with store.open() as register:
        assert register.get("a1")[1]["text"] == "Audit strategy discussions"


def test_no_store_is_said_clearly(store: Store) -> None:
    assert not store.exists()
    with pytest.raises(StoreError, match="lif import creates one"):
        store.open(create=False)
    with pytest.raises(StoreError, match="lif import creates one"):
        store.open_read_only()


# --------------------------------------------------------------------------- versions and conflicts


@pytest.mark.parametrize(
    "write",
    [
        lambda r, v: r.update("a1", {"text": "theirs"}, expected=v),
        lambda r, v: r.set_status("a1", "in-progress", note="started", expected=v),
        lambda r, v: r.delete("a1", expected=v),
    ],
    ids=["update", "set_status", "delete"],
)
def test_a_stale_write_is_refused_and_writes_nothing(store: Store, write: Any) -> None:
    _two_actions(store)
    with store.open(who="ada") as register:
        read = register.version("a1")
        assert read > 0 and register.version("a2") > read and register.version("none") == 0
        register.update("a1", {"text": "Ada's change"}, expected=read)
        before = (register.get("a1"), register.count_changes(), register.version("a1"))
        with pytest.raises(ConflictError) as caught:
            write(register, read)
        assert (register.get("a1"), register.count_changes(), register.version("a1")) == before
    error = caught.value
    assert (error.record_id, error.expected, error.current) == ("a1", read, before[2])
    assert error.change is not None and error.change.who == "ada" and "changed by ada at" in str(error)
    assert "nothing changed" in str(error)
    assert isinstance(error, StoreError)  # caught wherever store errors are


def test_versions_follow_each_change(store: Store) -> None:
    _two_actions(store)
    with store.open(who="ada") as register:
        first = register.version("a1")
        assert first > 0
        assert register.version("a2") > first  # changes are numbered across the register
        assert register.version("no-such-record") == 0
        register.update("a1", {"text": "Audit strategy discussions, quarterly"}, expected=first)
        second = register.version("a1")
        assert second > register.version("a2")
        assert register.history("a1")[-1].seq == second


def test_a_deleted_record_is_a_conflict_too(store: Store) -> None:
    _two_actions(store)
    with store.open(who="ada") as register:
        read = register.version("a2")
        register.delete("a2", expected=read)
        before = register.count_changes()
        with pytest.raises(ConflictError, match="was deleted by ada"):
            register.update("a2", {"text": "too late"}, expected=read)
        assert register.count_changes() == before and "a2" not in register.ids()


def test_recent_changes_newest_first(store: Store) -> None:
    _two_actions(store)
    with store.open(who="ada") as register:
        register.set_status("a2", "completed", note="done")
        recent = register.recent_changes(2)
        assert [c.record_id for c in recent] == ["a2", "a2"]
        assert recent[0].seq > recent[1].seq and recent[0].who == "ada" and recent[0].note == "done"
        assert [c.record_id for c in register.recent_changes(10, since_seq=recent[1].seq)] == ["a2"]
        assert register.recent_changes(0) == []


def test_stage_and_value_take_a_version(store: Store) -> None:
    with store.open() as register:
        register.add("reviews", {"id": "rv1", "title": "Child R", "kind": "rapid-review", "stage": "referral"})
        register.add(
            "measures",
            {
                "id": "m1",
                "title": "Re-referrals",
                "quadrant": "better-off-percent",
                "polarity": "lower-is-better",
                "unit": "percent",
                "frequency": "annual",
            },
        )
        stage_version, value_version = register.version("rv1"), register.version("m1")
        register.set_stage("rv1", "decision", expected=stage_version)
        with pytest.raises(ConflictError):
            register.set_stage("rv1", "commissioning", expected=stage_version)
        register.set_value("m1", "2018-19", 21.5, expected=value_version)
        with pytest.raises(ConflictError):
            register.set_value("m1", "2019-20", 20.0, expected=value_version)
        assert [v["period"] for v in register.get("m1")[1]["values"]] == ["2018-19"]
        assert register.get("rv1")[1]["stage"] == "decision"


def _opener(store: Store) -> str:
    """Python that opens ``store``'s register as ``register`` (for child processes)."""
    if store.name == "sqlite":
        return "from lif_core.builtins.stores import SqliteStore as Backend\n"
    return "from lif_postgres.plugin import PostgresStore as Backend\n"


RACER = """
import sys, time
from pathlib import Path
from lif_core import ConflictError
root, who, version, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with Backend().open(root, {"qapp": "groups"}, who, create=False) as register:
    while time.time() < start:
        time.sleep(0.001)
    try:
        register.set_status("a1", "in-progress", note=f"by {who}", expected=version)
    except ConflictError:
        print("conflict")
    else:
        print("written")
"""


def test_racing_writers_from_one_version_one_wins(store: Store) -> None:
    _two_actions(store)
    with store.open() as register:
        version = register.version("a1")
        changes = register.count_changes()
    start = time.time() + 2.0
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _opener(store) + RACER, str(store.root), f"w{n}", str(version), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(6)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["conflict"] * 5 + ["written"]
    with store.open() as register:
        assert register.count_changes() == changes + 1
        assert len(register.get("a1")[1]["status_log"]) == 1
        (change,) = register.recent_changes(1)
        winner = f"w{outcomes.index('written')}"  # the history names the one whose write landed
        assert change.who == winner and register.get("a1")[1]["status_log"][-1]["note"] == f"by {winner}"


WRITER = """
import sys
from pathlib import Path
root, action, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with Backend().open(root, {"qapp": "groups"}, "writer", create=False) as register:
    for n in range(1, count + 1):
        register.update(action, {"text": f"count {n}"})
print(count, flush=True)
"""


def test_concurrent_writers_all_succeed(store: Store) -> None:
    actions = [f"c{n}" for n in range(4)]
    with store.open() as register:
        for action in actions:
            register.add("actions", {"id": action, "text": "count 0", "owner": "qapp"})
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _opener(store) + WRITER, str(store.root), action, "60"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for action in actions
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert out.strip() == "60"
    with store.open_read_only() as register:
        for action in actions:
            assert register.get(action)[1]["text"] == "count 60"
            assert len(register.history(action)) == 61
        seqs = [c.seq for c in register.recent_changes(1000)]
        assert len(seqs) == len(set(seqs)) == 4 * 61


# --------------------------------------------------------------------------- a board's own store


def test_open_register_opens_the_boards_store_under_the_name_given(store: Store) -> None:
    """``open_register`` (what ``lif add`` uses) finds the store in the board's settings, refuses
    a board whose register is still in its files, creates the store only when told, writes under
    the name given and opens read-only when asked."""
    board = store.root
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"), dirs_exist_ok=True)
    if store.name != "sqlite":
        toml = (board / "board.toml").read_text(encoding="utf-8")
        (board / "board.toml").write_text(
            toml.replace("\n[settings]\n", f'\n[settings]\nstore = "{store.name}"\n', 1), encoding="utf-8"
        )
    plugins = make_plugins()
    with pytest.raises(StoreError, match="run `lif import"), open_register(board, plugins, who="ada"):
        pass
    assert not store.exists()
    with open_register(board, plugins, who="setup", create=True) as register:
        register.import_records([("actions", {"id": "a-new", "text": "Pilot notifications", "owner": "qapp"})])
    assert store.exists()  # in this store, not another
    with open_register(board, plugins, who="ada") as register:
        register.set_status("a-new", "completed", note="piloted", expected=register.version("a-new"))
    with open_register(board, plugins, write=False) as register:
        assert register.history("a-new")[-1].who == "ada"
        with pytest.raises(StoreError, match="read-only"):
            register.update("a-new", {"text": "no"})
    with store.open_read_only() as register:
        assert register.get("a-new")[1]["status"] == "completed"


# --------------------------------------------------------------------------- attachments

ATTACHMENT: dict[str, object] = {"name": "minutes.pdf", "sha256": "a" * 64, "size": 10, "media_type": "application/pdf"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("sha256", "ABC"), ("sha256", "g" * 64), ("size", -1), ("media_type", "text/html; x=1"), ("name", "../x")],
)
def test_attachment_fields_are_checked(store: Store, field: str, value: object) -> None:
    """An evidence record's attachment is checked field by field, as the model checks it: a bad
    one is refused naming its place, and nothing is written."""
    with pytest.raises(FieldError):
        Attachment(**{**ATTACHMENT, field: value})  # type: ignore[arg-type]
    evidence = {"id": "e1", "title": "Minutes", "kind": "audit", "date": "2025-01-01"}
    with store.open() as register:
        register.add("evidence", {**evidence, "attachments": [ATTACHMENT]})
        assert register.get("e1")[1]["attachments"] == [ATTACHMENT]
        before = (register.records(), register.count_changes())
        with pytest.raises(StoreError, match=rf"evidence\['e2'\]\.attachments\[0\]\.{field}: "):
            register.add("evidence", {**evidence, "id": "e2", "attachments": [{**ATTACHMENT, field: value}]})
        with pytest.raises(StoreError, match=rf"evidence\['e1'\]\.attachments\[0\]\.{field}: "):
            register.update("e1", {"attachments": [{**ATTACHMENT, field: value}]})
        assert (register.records(), register.count_changes()) == before


@given(st.text(max_size=300))
def test_attachment_names_are_plain_file_names(name: str) -> None:
    """What the stores are given to keep: any name either is refused or is a plain file name
    (the model's own check, the same for every store, so not run per store)."""
    try:
        attachment = Attachment(name=name, sha256="0" * 64, size=1, media_type="application/pdf")
    except FieldError:
        return
    assert "/" not in attachment.name and "\\" not in attachment.name and "\x00" not in attachment.name
    assert attachment.name.strip(".") and len(attachment.name) <= 255


# --------------------------------------------------------------------------- schema versions


def test_another_process_s_change_is_seen(store: Store) -> None:
    _two_actions(store)
    with store.open_read_only() as reader:
        seen = reader.last_change()
        with store.open(who="bo") as writer:
            writer.update("a1", {"text": "changed elsewhere"})
        assert reader.last_change() > seen
        assert reader.get("a1")[1]["text"] == "changed elsewhere"


def test_a_newer_store_is_refused_untouched(store: Store) -> None:
    _two_actions(store)
    store.sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = store.fingerprint()
    pattern = r"written by a newer lif-core \(register schema 99; this version knows 2 at most\): upgrade lif-core\. The (file|database) has not been changed\."
    with pytest.raises(StoreError, match=pattern):
        store.open()
    with pytest.raises(StoreError, match=pattern):
        store.open_read_only()
    assert store.fingerprint() == before


def test_an_old_store_is_migrated_forward(store: Store) -> None:
    store.make_v1()
    with store.open() as register:
        assert register.schema_version == SCHEMA_VERSION == 2
        assert register.get("a1") == ("actions", {"id": "a1", "text": "Old action"})
        assert [c.who for c in register.history("a1")] == [""]  # the column the migration added
        register.update("a1", {"text": "Migrated"}, note="after migration")
        assert [c.note for c in register.history("a1")] == ["", "after migration"]
        register.import_records([("actions", {"id": "a2", "text": "imported"})])
        assert register.imported().keys() == {"a2"}  # the table the migration made
    assert store.sql("SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]


def test_not_a_register_is_said(store: Store) -> None:
    store.make_v1()
    store.sql("DELETE FROM meta")
    with pytest.raises(StoreError, match="not a lif-core register"):
        store.open()


# --------------------------------------------------------------------------- made whole


def test_a_new_store_appears_only_once_complete(store: Store) -> None:
    register = store.open()
    register.add("actions", {"id": "a1", "text": "first", "owner": "qapp"})
    assert not store.exists()
    register.abandon()
    assert not store.exists()
    register = store.open()
    register.add("actions", {"id": "a1", "text": "first", "owner": "qapp"})
    register.add("actions", {"id": "a2", "text": "second", "owner": "qapp"})
    assert not store.exists()
    register.close()
    assert store.exists()
    with store.open_read_only() as reader:
        assert [d["id"] for _c, d in reader.records()] == ["a1", "a2"]


def test_an_exception_inside_with_discards_a_new_store(store: Store) -> None:
    with pytest.raises(RuntimeError), store.open() as register:
        register.add("actions", {"id": "a1", "text": "first", "owner": "qapp"})
        raise RuntimeError("stop")
    assert not store.exists()


# --------------------------------------------------------------------------- moving a register


@pytest.mark.parametrize("direction", ["sqlite-to-postgres", "postgres-to-sqlite"])
def test_a_register_moves_between_stores_with_its_whole_history(
    direction: str, tmp_path: Path, postgres_cluster: Any
) -> None:
    sqlite = SqliteUnderTest(tmp_path / "s")
    postgres = PostgresUnderTest(tmp_path / "p", postgres_cluster.create_database(f"move_{next(_numbers)}"))
    (tmp_path / "s").mkdir()
    source, target = (sqlite, postgres) if direction == "sqlite-to-postgres" else (postgres, sqlite)
    with source.open(who="setup") as register:
        register.import_records(
            [
                ("reviews", {"id": "rv1", "title": "Child R", "kind": "rapid-review", "stage": "referral"}),
                ("actions", {"id": "a1", "text": "Do it", "owner": "qapp"}),
                ("actions", {"id": "a2", "text": "Drop it", "owner": "cp"}),
            ]
        )
    with source.open(who="ada") as register:
        register.set_stage("rv1", "decision", day=dt.date(2025, 2, 3), note="panel met")
        register.set_status("a1", "completed", note="audit done")
        register.delete("a2", note="duplicate")
    with source.open_read_only() as original, target.open(who="mover") as copy:
        assert original.copy_to(copy) == (2, 6)
    with source.open_read_only() as original, target.open_read_only() as copy:
        assert copy.dump() == original.dump()
        assert copy.records() == original.records()
        for record_id in ("rv1", "a1", "a2"):
            assert copy.history(record_id) == original.history(record_id)
            assert copy.version(record_id) == original.version(record_id)
    with target.open(who="bo") as copy:  # the copy goes on numbering after the copied history
        version = copy.version("a1")
        copy.update("a1", {"text": "Done, and checked"}, expected=version)
        assert copy.version("a1") > version
        with pytest.raises(ConflictError):
            copy.update("a1", {"text": "stale"}, expected=version)


def test_a_copy_into_a_store_holding_a_register_is_refused(tmp_path: Path, postgres_cluster: Any) -> None:
    sqlite = SqliteUnderTest(tmp_path)
    postgres = PostgresUnderTest(tmp_path, postgres_cluster.create_database(f"move_{next(_numbers)}"))
    _two_actions(sqlite)
    _two_actions(postgres)
    before = postgres.fingerprint()
    with (
        sqlite.open_read_only() as original,
        postgres.open() as copy,
        pytest.raises(StoreError, match="already holds a register"),
    ):
        original.copy_to(copy)
    assert postgres.fingerprint() == before


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(boards())
def test_any_register_reads_back_the_same_from_both_stores(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: Any, generated: Any
) -> None:
    """Records of every register collection (any text hypothesis makes), imported into each store:
    both read back the same records, and a copy either way is row for row the same."""
    from lif_core.convert import to_json, unstructure
    from lif_core.model import COLLECTIONS, REGISTER_COLLECTIONS

    known = {
        item.id: key for key in COLLECTIONS if key not in REGISTER_COLLECTIONS for item in generated.collection(key)
    }
    items: list[tuple[str, Mapping[str, Any]]] = [
        (key, json.loads(to_json(unstructure(r), indent=None)))
        for key in REGISTER_COLLECTIONS
        for r in generated.collection(key)
    ]
    folder = tmp_path_factory.mktemp("both")
    number = next(_numbers)
    sqlite, postgres = (
        SqliteUnderTest(folder),
        PostgresUnderTest(folder, postgres_cluster.create_database(f"any_{number}")),
    )
    with sqlite.open(ids=known) as a, postgres.open(ids=known) as b:
        assert a.import_records(items) == b.import_records(items)
        assert a.records() == b.records()
    copied = SqliteUnderTest(folder / "copy")
    (folder / "copy").mkdir()
    with postgres.open_read_only() as b, copied.open(ids=known) as c:
        b.copy_to(c)
    with sqlite.open_read_only() as a, postgres.open_read_only() as b, copied.open_read_only() as c:
        assert b.dump()["records"] == a.dump()["records"]
        assert c.dump() == b.dump()
