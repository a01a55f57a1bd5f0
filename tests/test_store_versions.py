"""Optimistic concurrency in the register: every record has a version (the seq of its latest
change); a write made from an older version is refused with :class:`ConflictError` and writes
nothing, however many writers race; the register's latest changes read newest first; and
``open_register`` opens a board's register as ``lif add`` does, under the name given."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lif_core import Attachment, ConflictError, FieldError, Plugins, StoreError
from lif_core.commands import open_register
from lif_core.store import Register

from .conftest import CROYDON

IDS = {"qapp": "groups"}


def _store(tmp_path: Path) -> Path:
    store = tmp_path / "versions.sqlite"
    with Register.open(store, IDS, who="setup") as register:
        register.add("actions", {"id": "a1", "text": "Audit strategy discussions", "owner": "qapp"})
        register.add("actions", {"id": "a2", "text": "Train the front door", "owner": "qapp"})
    return store


def test_versions_follow_each_change(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with Register.open(store, IDS, who="ada") as register:
        first = register.version("a1")
        assert first > 0
        assert register.version("a2") > first  # changes are numbered across the register
        assert register.version("no-such-record") == 0
        register.update("a1", {"text": "Audit strategy discussions, quarterly"}, expected=first)
        second = register.version("a1")
        assert second > register.version("a2")
        assert [c.seq for c in register.history("a1")][-1] == second


@pytest.mark.parametrize(
    "write",
    [
        lambda r, v: r.update("a1", {"text": "theirs"}, expected=v),
        lambda r, v: r.set_status("a1", "in-progress", note="started", expected=v),
        lambda r, v: r.delete("a1", expected=v),
    ],
    ids=["update", "set_status", "delete"],
)
def test_a_stale_write_is_refused_and_writes_nothing(tmp_path: Path, write) -> None:  # type: ignore[no-untyped-def]
    store = _store(tmp_path)
    with Register.open(store, IDS, who="ada") as register:
        read = register.version("a1")
        register.update("a1", {"text": "Ada's change"}, expected=read)  # someone else's change lands first
        before = (register.get("a1"), register.count_changes(), register.version("a1"))
        with pytest.raises(ConflictError) as caught:
            write(register, read)
        assert (register.get("a1"), register.count_changes(), register.version("a1")) == before
    error = caught.value
    assert (error.record_id, error.expected, error.current) == ("a1", read, before[2])
    assert error.change is not None and error.change.who == "ada"
    assert "changed by ada at" in str(error) and "nothing changed" in str(error)
    assert isinstance(error, StoreError)  # caught wherever store errors are


def test_a_deleted_record_is_a_conflict_too(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with Register.open(store, IDS, who="ada") as register:
        read = register.version("a2")
        register.delete("a2", expected=read)
        with pytest.raises(ConflictError, match="was deleted by ada"):
            register.update("a2", {"text": "too late"}, expected=read)


def test_stage_and_value_take_a_version(tmp_path: Path) -> None:
    store = tmp_path / "r.sqlite"
    with Register.open(store, IDS, who="ada") as register:
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
        assert register.get("rv1")[1]["stage"] == "decision"
        register.set_value("m1", "2018-19", 21.5, expected=value_version)
        with pytest.raises(ConflictError):
            register.set_value("m1", "2019-20", 20.0, expected=value_version)
        assert [v["period"] for v in register.get("m1")[1]["values"]] == ["2018-19"]


def test_recent_changes_newest_first(tmp_path: Path) -> None:
    store = _store(tmp_path)
    with Register.open(store, IDS, who="ada") as register:
        register.set_status("a2", "completed", note="done")
        recent = register.recent_changes(2)
        assert [c.record_id for c in recent] == ["a2", "a2"]
        assert recent[0].seq > recent[1].seq and recent[0].who == "ada" and recent[0].note == "done"
        assert [c.record_id for c in register.recent_changes(10, since_seq=recent[1].seq)] == ["a2"]
        assert register.recent_changes(0) == []


RACER = textwrap.dedent(
    """
    import sys, time
    from lif_core import ConflictError
    from lif_core.store import Register
    store, who, version, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    with Register.open(store, {"qapp": "groups"}, who=who) as register:
        while time.time() < start:
            time.sleep(0.001)
        try:
            register.set_status("a1", "in-progress", note=f"by {who}", expected=version)
        except ConflictError:
            print("conflict")
        else:
            print("written")
    """
)


def test_racing_writers_from_one_version_one_wins(tmp_path: Path) -> None:
    """Four processes read the same version and write at the same moment: exactly one write
    lands; the others are refused, and the history holds exactly the one change."""
    import time

    store = _store(tmp_path)
    with Register.open(store) as register:
        version, changes = register.version("a1"), register.count_changes()
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(store), f"w{i}", str(version), str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outcomes.append(out.strip())
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "written"]
    with Register.open(store) as register:
        assert register.count_changes() == changes + 1
        (change,) = register.recent_changes(1)
        winner = f"w{outcomes.index('written')}"
        assert change.who == winner and register.get("a1")[1]["status_log"][-1]["note"] == f"by {winner}"


def test_open_register_writes_under_the_name_given(tmp_path: Path) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    plugins = Plugins.create()
    with pytest.raises(StoreError, match="run `lif import"), open_register(board, plugins, who="ada"):
        pass
    with open_register(board, plugins, who="setup", create=True) as register:
        register.import_records([("actions", {"id": "a-new", "text": "Pilot notifications", "owner": "qapp"})])
    with open_register(board, plugins, who="ada") as register:
        register.set_status("a-new", "completed", note="piloted", expected=register.version("a-new"))
    with open_register(board, plugins, write=False) as register:
        assert register.history("a-new")[-1].who == "ada"
        with pytest.raises(StoreError, match="read-only"):
            register.update("a-new", {"text": "no"})


@given(st.text(max_size=300))
def test_attachment_names_are_plain_file_names(name: str) -> None:
    digest = "0" * 64
    try:
        attachment = Attachment(name=name, sha256=digest, size=1, media_type="application/pdf")
    except FieldError:
        return
    assert "/" not in attachment.name and "\\" not in attachment.name and "\x00" not in attachment.name
    assert attachment.name.strip(".") and len(attachment.name) <= 255


@pytest.mark.parametrize(
    ("field", "value"),
    [("sha256", "ABC"), ("sha256", "g" * 64), ("size", -1), ("media_type", "text/html; x=1"), ("name", "../x")],
)
def test_attachment_fields_are_checked(field: str, value: object) -> None:
    fields: dict[str, object] = {"name": "minutes.pdf", "sha256": "a" * 64, "size": 10, "media_type": "application/pdf"}
    fields[field] = value
    with pytest.raises(FieldError):
        Attachment(**fields)  # type: ignore[arg-type]
