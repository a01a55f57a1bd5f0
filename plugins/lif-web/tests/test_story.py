"""The story: a record's history in words (lif_web.story), never JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from lif_web.story import Namer, day_in_words, describe, moment_in_words, story, value_in_words

from lif_core import Change

NAMER = Namer.from_maps(
    titles={"lbc": "Croydon Children's Services", "exec": "CSCB Executive", "r-1": "Share information sooner"},
    people={"ada": "Ada Lovelace"},
    stages={"report": "Report", "analysis": "Analysis"},
)


def change(
    old: dict[str, Any] | None, new: dict[str, Any] | None, *, note: str = "", collection: str = "actions"
) -> Change:
    record_id = (new or old or {}).get("id", "a-1")
    return Change(7, "2019-03-03T14:05:00+00:00", "ada", record_id, collection, old, new, note)


ACTION = {
    "id": "a-1",
    "text": "Audit strategy discussions",
    "owner": "exec",
    "due": "2019-03-31",
    "status": "in-progress",
    "status_log": [{"status": "in-progress", "date": "2019-01-10"}],
}


def test_days_in_words() -> None:
    assert day_in_words(dt.date(2019, 3, 3)) == "3 March 2019"
    assert day_in_words("2019-12-31") == "31 December 2019"
    assert day_in_words("2019-20") == "2019-20"  # a period, not a day
    assert day_in_words(None) == ""


def test_moment_in_uk_time() -> None:
    at, words = moment_in_words("2019-07-01T13:05:00+00:00")  # British Summer Time: 14:05
    assert at == dt.datetime(2019, 7, 1, 13, 5, tzinfo=dt.timezone.utc)
    assert words in ("1 July 2019, 14:05", "1 July 2019, 13:05")  # 13:05 only without a tz database
    assert moment_in_words("not a time") == (None, "not a time")


def test_added_names_the_record() -> None:
    entry = describe(change(None, ACTION, note="imported"), NAMER)
    assert entry.summary == "Ada Lovelace added the action \u201cAudit strategy discussions\u201d"
    assert entry.note == "imported"
    assert entry.when == "3 March 2019, 14:05"
    assert entry.action == "added"


def test_deleted() -> None:
    entry = describe(change(ACTION, None), NAMER)
    assert entry.summary.startswith("Ada Lovelace deleted the action")


def test_stage_move_with_its_date_and_note() -> None:
    old = {"id": "r", "stage": "analysis", "stage_log": [{"stage": "analysis", "date": "2019-01-01"}]}
    new = {
        "id": "r",
        "stage": "report",
        "stage_log": [*old["stage_log"], {"stage": "report", "date": "2019-03-03", "note": "draft in"}],
    }
    entry = describe(change(old, new, note="draft in", collection="reviews"), NAMER)
    assert entry.summary == "Ada Lovelace moved the review from 'Analysis' to 'Report' on 3 March 2019"
    assert entry.note == "draft in"
    assert entry.text == "Ada Lovelace moved the review from 'Analysis' to 'Report' on 3 March 2019: draft in."
    assert entry.details == ()


def test_status_change_drops_the_automatic_note() -> None:
    new = {
        **ACTION,
        "status": "completed",
        "status_log": [*ACTION["status_log"], {"status": "completed", "date": "2019-04-02", "by": "ada"}],
    }
    entry = describe(change(ACTION, new, note="status completed"), NAMER)
    assert entry.summary == "Ada Lovelace set the status from 'in progress' to 'completed' on 2 April 2019"
    assert entry.note == ""


def test_one_field_changed() -> None:
    entry = describe(change(ACTION, {**ACTION, "due": "2019-06-30"}), NAMER)
    assert entry.summary == "Ada Lovelace changed the due date from 31 March 2019 to 30 June 2019"


def test_references_by_title() -> None:
    entry = describe(change(ACTION, {**ACTION, "owner": "lbc"}), NAMER)
    assert entry.summary == "Ada Lovelace changed the owner from CSCB Executive to Croydon Children's Services"
    entry = describe(change(ACTION, {**ACTION, "recommendation": "r-1"}), NAMER)
    assert entry.summary == "Ada Lovelace set the recommendation to Share information sooner"
    entry = describe(change(ACTION, {k: v for k, v in ACTION.items() if k != "owner"}), NAMER)
    assert entry.summary == "Ada Lovelace removed the owner (it was CSCB Executive)"


def test_several_fields_each_told() -> None:
    entry = describe(change(ACTION, {**ACTION, "due": "2019-06-30", "owner": "lbc"}, note="moved"), NAMER)
    assert entry.summary == "Ada Lovelace changed the action's due date and owner"
    assert entry.details == (
        "Changed the due date from 31 March 2019 to 30 June 2019",
        "Changed the owner from CSCB Executive to Croydon Children's Services",
    )
    assert entry.note == "moved"


def test_lists_added_and_removed() -> None:
    entry = describe(change({**ACTION, "themes": ["a", "b"]}, {**ACTION, "themes": ["b", "c"]}), NAMER)
    assert entry.details == ("Added \u201cc\u201d to the themes", "Removed \u201ca\u201d from the themes")


def test_nested_dates() -> None:
    old = {"id": "r", "dates": {"incident": "2019-01-01"}}
    new = {"id": "r", "dates": {"incident": "2019-01-01", "published": "2019-03-03"}}
    entry = describe(change(old, new, collection="reviews"), NAMER)
    assert entry.summary == "Ada Lovelace set the publication date to 3 March 2019"


def test_measure_values() -> None:
    old = {"id": "m", "values": [{"period": "2018-19", "value": 50.0}]}
    new = {"id": "m", "values": [{"period": "2018-19", "value": 52.0}, {"period": "2019-20", "value": 55.0}]}
    entry = describe(change(old, new, note="2019-20: 55", collection="measures"), NAMER)
    assert "changed the value for 2018-19 from 50 to 52" in entry.text.lower()
    assert "recorded 55 for 2019-20" in entry.text.lower()
    assert entry.note == ""  # the register's own note, said better by the sentence


def test_table_entries_added() -> None:
    old = {"id": "r", "reviewers": []}
    new = {"id": "r", "reviewers": [{"name": "Jo Bloggs", "role": "lead-reviewer", "independent": True}]}
    entry = describe(change(old, new, collection="reviews"), NAMER)
    assert (
        entry.summary
        == "Ada Lovelace added a reviewer: name \u201cJo Bloggs\u201d, role 'lead reviewer', independent yes"
    )


def test_story_order() -> None:
    changes = [change(None, ACTION), change(ACTION, {**ACTION, "due": "2019-06-30"})]
    assert [e.action for e in story(changes, NAMER)] == ["added", "updated"]
    assert [e.action for e in story(changes, NAMER, newest_first=True)] == ["updated", "added"]


def test_values_in_words() -> None:
    assert value_in_words(True) == "yes"
    assert value_in_words(3.0) == "3"
    assert value_in_words(None) == "nothing"
    assert value_in_words(["lbc", "exec"], NAMER) == "Croydon Children's Services and CSCB Executive"
    assert value_in_words("x" * 1000).endswith("...\u201d")


def test_unknown_person_keeps_their_name() -> None:
    entry = describe(Change(1, "2019-03-03T14:05:00+00:00", "root", "a-1", "actions", None, ACTION, ""), NAMER)
    assert entry.who == "root"


plain = st.text(st.characters(exclude_characters="{}[]\"'", codec="utf-8"), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | plain,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(plain, children, max_size=4),
    max_leaves=20,
)
records = st.dictionaries(plain.filter(bool), json_values, max_size=6)


@settings(max_examples=150, deadline=None)
@given(records, records, st.text(max_size=30))
@example({"0": []}, {"0": True}, "")  # a list become a value: found by hypothesis
@example({"values": [{"period": "2019", "value": 1}]}, {"values": True}, "")
@example({"values": [{"period": "2019", "value": 1}]}, {"values": [{"period": "2019", "value": 1}, 3]}, "")
@example({"reviewers": "x"}, {"reviewers": [{"name": "A"}]}, "")
def test_any_change_is_told_in_words_never_json(old: dict[str, Any], new: dict[str, Any], note: str) -> None:
    old, new = {**old, "id": "x"}, {**new, "id": "x"}
    entry = describe(change(old, new, note=note), NAMER)
    assert entry.summary
    for text in (entry.summary, *entry.details):
        for value in [*old.values(), *new.values()]:
            if isinstance(value, (dict, list)) and value:
                assert json.dumps(value) not in text
        assert "{'" not in text and '{"' not in text


def test_attachments_by_name_and_size_never_digest() -> None:
    digest = "ab" * 32
    old = {"id": "e", "attachments": []}
    new = {
        "id": "e",
        "attachments": [{"name": "audit.pdf", "sha256": digest, "size": 20480, "media_type": "application/pdf"}],
    }
    entry = describe(change(old, new, collection="evidence"), NAMER)
    assert entry.summary == "Ada Lovelace attached \u201caudit.pdf\u201d (20 KB)"
    assert digest not in entry.text
    entry = describe(change(new, old, collection="evidence"), NAMER)
    assert entry.summary == "Ada Lovelace removed the attachment \u201caudit.pdf\u201d"
