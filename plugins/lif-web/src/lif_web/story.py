"""A register record's story: its history (:meth:`lif_core.Register.history`) told in words,
never JSON.

Pure functions on :class:`lif_core.Change` lists: the page passes a :class:`Namer` that knows
the board (record titles, people's names, the framework's words for stages) and gets back
:class:`Entry` objects whose text the template shows (escaped, like all text).

    "Ada Lovelace moved the review from 'analysis' to 'report' on 1 April 2019: draft in"
    "Ada Lovelace changed the due date from 30 June 2019 to 31 July 2019"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from lif_core import Change

__all__ = [
    "MAX_CLAUSES",
    "MAX_TEXT",
    "Entry",
    "Namer",
    "collection_noun",
    "day_in_words",
    "describe",
    "field_label",
    "moment_in_words",
    "size_in_words",
    "story",
    "value_in_words",
]

#: At most this many clauses are told of one change (a whole record replaced by an import may
#: change dozens of keys); the rest are counted.
MAX_CLAUSES = 30
#: Text longer than this is shortened (with "...") where a change quotes it.
MAX_TEXT = 300

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

_NOUNS = {
    "reviews": "case review",
    "findings": "finding",
    "recommendations": "recommendation",
    "actions": "action",
    "evidence": "evidence item",
    "audits": "audit",
    "planned_audits": "planned audit",
    "section11_audits": "self-assessment cycle",
    "courses": "training course",
    "measures": "measure",
    "publications": "publication",
    "national_reviews": "national review",
    "scrutiny": "piece of scrutiny",
    "contributions": "contribution",
    "feedback": "piece of feedback",
    "child_deaths": "year of child death figures",
}

#: How a key is said, where "key with spaces" is not right.
_LABELS = {
    "due": "due date",
    "made": "date it was made",
    "opened": "date it was opened",
    "date": "date",
    "done": "date it was done",
    "dates": "key dates",
    "text": "text",
    "supports": "what it supports",
    "owners": "owners",
    "status_log": "status log",
    "stage_log": "stage log",
    "child_views": "child's views",
    "family_involvement": "family's involvement",
    "child_lived_experience": "child's lived experience",
    "commissioned_by": "commissioning group",
    "follows": "review it follows",
    "section11_audits": "self-assessment cycles",
    "quality": "quality markers",
    "no_shows": "no-shows",
    "practice_change": "respondents reporting a change in practice",
    "confidence_before": "confidence before",
    "confidence_after": "confidence after",
    "self_assessed": "self-assessed score",
    "moderated": "moderated score",
    "amber_margin": "amber margin",
    "in_kind": "contribution in kind",
    "given_by": "whose feedback",
    "said": "what they said",
    "did": "what was done",
    # the key dates of a review
    "incident": "incident date",
    "aware": "date the local authority became aware",
    "notified": "notification date",
    "rapid_review": "rapid review date",
    "decided": "decision date",
    "commissioned": "commissioning date",
    "report_received": "date the report was received",
    "board_response": "board response date",
    "published": "publication date",
    "sent": "date it was sent",
    "submitted": "date it was submitted",
}

#: One entry of a list of tables, in words.
_SINGULAR = {
    "reviewers": "reviewer",
    "values": "value",
    "evaluations": "evaluation",
    "returns": "return",
    "scores": "score",
    "grades": "grade",
    "quality": "quality marker assessment",
    "artefacts": "artefact",
    "practitioner_events": "practitioner event",
    "statutory_plans": "statutory plan",
    "comparators": "comparator",
    "stage_log": "stage log entry",
    "status_log": "status log entry",
    "attachments": "attachment",
}

#: Which key names an entry of a list of tables (a measure's value is its period's).
_ENTRY_KEYS = {
    "values": "period",
    "returns": "partner",
    "scores": "standard",
    "grades": "domain",
    "quality": "marker",
    "comparators": "kind",
    "evaluations": "stage",
    "attachments": "name",
}

#: Keys whose values are choices (said in quotes, hyphens as spaces).
_CHOICES = {
    "status",
    "stage",
    "kind",
    "level",
    "strength",
    "quadrant",
    "polarity",
    "unit",
    "frequency",
    "child_views",
    "family_involvement",
    "given_by",
    "role",
    "rating",
    "decision",
    "axis",
}

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@attrs.frozen
class Namer:
    """What a story needs to know of the board to say things by name.

    Attributes:
        record: the title of the record (of the board or its register) with this id, or None
            where there is none.
        person: how the account (or system user) that made a change is called.
        stage: how the board's framework says a review stage.
    """

    record: Callable[[str], str | None] = attrs.field(default=lambda _id: None)
    person: Callable[[str], str] = attrs.field(default=lambda name: name)
    stage: Callable[[str], str] = attrs.field(default=lambda name: name)

    @classmethod
    def from_maps(
        cls,
        titles: Mapping[str, str] | None = None,
        people: Mapping[str, str] | None = None,
        stages: Mapping[str, str] | None = None,
    ) -> Namer:
        """A namer reading from plain mappings (tests, or a page that has built them)."""
        t, p, s = dict(titles or {}), dict(people or {}), dict(stages or {})
        return cls(record=t.get, person=lambda n: p.get(n, n), stage=lambda n: s.get(n, n))


@attrs.frozen
class Entry:
    """One change, told.

    Attributes:
        seq: the change's number in the register.
        record_id: the record it changed.
        at: when it was recorded (an aware datetime, UTC).
        when: the same, in words ("3 March 2019, 14:05").
        who: who made it, by name.
        action: added, updated or deleted.
        summary: the sentence that says it ("Ada Lovelace moved the review from 'analysis' to
            'report' on 1 April 2019").
        details: further clauses, each a sentence of its own, where the change did several things.
        note: the note given with it (why), where there is one.
    """

    seq: int
    record_id: str
    at: dt.datetime | None
    when: str
    who: str
    action: str
    summary: str
    details: tuple[str, ...] = ()
    note: str = ""

    @property
    def text(self) -> str:
        """The whole entry as one piece of text (summary, note, then details)."""
        head = self.summary + (f": {self.note}" if self.note else "")
        return " ".join([head + ".", *(d + "." for d in self.details)])


# --------------------------------------------------------------------------- words


def collection_noun(collection: str) -> str:
    """The singular, readable name of a collection's records ("action", "case review")."""
    return _NOUNS.get(collection, collection.replace("_", " "))


def field_label(key: str) -> str:
    """How a record's key is said ("due" is "due date")."""
    return _LABELS.get(key, key.replace("_", " "))


def day_in_words(day: dt.date | str | None) -> str:
    """A day as people write it: ``3 March 2019`` (ISO text accepted; other text returned as is)."""
    if day is None:
        return ""
    if isinstance(day, str):
        if not _ISO_DAY.match(day):
            return day
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return str(day)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _local(moment: dt.datetime) -> dt.datetime:
    """A moment in the United Kingdom's time, where the system knows it (else as it is)."""
    try:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/London"))
    except Exception:  # noqa: BLE001 - no time zone database: UTC is still right, only less local
        return moment


def moment_in_words(at: str | dt.datetime) -> tuple[dt.datetime | None, str]:
    """A change's stamp (ISO 8601, UTC) as ``(datetime, "3 March 2019, 14:05")`` in UK time;
    text that is not a stamp comes back as it is, with None."""
    if isinstance(at, str):
        try:
            moment = dt.datetime.fromisoformat(at)
        except ValueError:
            return None, at
    else:
        moment = at
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    local = _local(moment)
    return moment, f"{day_in_words(local.date())}, {local:%H:%M}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 3].rstrip() + "..."


def _choice(value: str) -> str:
    return value.replace("-", " ")


def value_in_words(value: Any, namer: Namer | None = None, key: str = "") -> str:
    """One value, said: dates as "3 March 2019", references by their target's title, choices
    in quotes, yes/no, numbers plainly, lists joined with "and", tables as "name: value" pairs."""
    namer = namer or Namer()
    if value is None or value == "" or value == [] or value == {}:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() or abs(value) >= 1e-4 else repr(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, str):
        if _ISO_DAY.match(value):
            return day_in_words(value)
        if key == "stage":
            return f"'{namer.stage(value)}'"
        title = namer.record(value)
        if title is not None:
            return title
        if key in _CHOICES:
            return f"'{_choice(value)}'"
        return f"\u201c{_shorten(value)}\u201d"
    if isinstance(value, (list, tuple)):
        return _join([value_in_words(v, namer, key) for v in value])
    if isinstance(value, Mapping):
        return _table_in_words(value, namer)
    return _shorten(str(value))


def _table_in_words(table: Mapping[str, Any], namer: Namer) -> str:
    parts = []
    for k, v in table.items():
        if v is None or v == "" or v == [] or v == {}:
            continue
        parts.append(f"{field_label(k)} {value_in_words(v, namer, k)}")
    return ", ".join(parts) or "nothing"


def _join(items: Sequence[str]) -> str:
    if not items:
        return "nothing"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _possessive(noun: str) -> str:
    return f"{noun}'" if noun.endswith("s") else f"{noun}'s"


# --------------------------------------------------------------------------- differences


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _clauses(key: str, old: Any, new: Any, namer: Namer, label: str | None = None) -> list[str]:
    """What changing ``key`` from ``old`` to ``new`` did, as clauses ("changed the due date
    from ... to ...")."""
    label = label or field_label(key)
    if old == new or (_blank(old) and _blank(new)):
        return []
    if isinstance(old, Mapping) or isinstance(new, Mapping):
        old_t = old if isinstance(old, Mapping) else {}
        new_t = new if isinstance(new, Mapping) else {}
        out = []
        for sub in sorted(set(old_t) | set(new_t), key=lambda k: (list(old_t) + list(new_t)).index(k)):
            sub_label = field_label(sub) if key == "dates" else f"{field_label(sub)} in the {label}"
            out += _clauses(sub, old_t.get(sub), new_t.get(sub), namer, sub_label)
        return out
    if (_is_table_list(old) or _is_table_list(new)) and all(
        isinstance(v, Mapping) for v in (*_as_list(old), *_as_list(new))
    ):
        return _list_clauses(key, _as_list(old), _as_list(new), namer, label)
    if isinstance(old, list) or isinstance(new, list):
        before, after = _as_list(old), _as_list(new)
        added = [v for v in after if v not in before]
        removed = [v for v in before if v not in after]
        out = []
        if added:
            out.append(f"added {value_in_words(added, namer, key)} to the {label}")
        if removed:
            out.append(f"removed {value_in_words(removed, namer, key)} from the {label}")
        if not out:
            out.append(f"reordered the {label}")
        return out
    if _blank(old):
        return [f"set the {label} to {value_in_words(new, namer, key)}"]
    if _blank(new):
        return [f"removed the {label} (it was {value_in_words(old, namer, key)})"]
    return [f"changed the {label} from {value_in_words(old, namer, key)} to {value_in_words(new, namer, key)}"]


def _as_list(value: Any) -> list[Any]:
    """``value`` as a list's entries, where the other side of a change is a list: a list as it
    is, nothing for a blank, else the one value (a field whose kind changed, e.g. by a migration)."""
    if isinstance(value, list):
        return list(value)
    return [] if _blank(value) else [value]


def _is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _list_clauses(key: str, old: list[Any], new: list[Any], namer: Namer, label: str) -> list[str]:
    """Entries added to, removed from or changed in a list of tables (reviewers, values...)."""
    one = _SINGULAR.get(key, f"entry in the {label}")
    ident = _ENTRY_KEYS.get(key)
    removed = [e for e in old if e not in new]
    added = [e for e in new if e not in old]
    out = []
    if key == "values":  # a measure's values: "recorded 55 for 2019-20"
        before = {str(e.get("period")): e.get("value") for e in removed}
        for entry in added:
            period = str(entry.get("period"))
            value = value_in_words(entry.get("value"), namer)
            if period in before:
                out.append(
                    f"changed the value for {period} from {value_in_words(before.pop(period), namer)} to {value}"
                )
            else:
                out.append(f"recorded {value} for {period}")
        out += [f"removed the value for {p} (it was {value_in_words(v, namer)})" for p, v in before.items()]
        return out
    if key == "attachments":  # evidence's files: by name and size, never their digests
        out += [f"attached \u201c{_shorten(str(e.get('name')))}\u201d ({size_in_words(e.get('size'))})" for e in added]
        out += [f"removed the attachment \u201c{_shorten(str(e.get('name')))}\u201d" for e in removed]
        return out
    pairs: list[tuple[Any, Any]] = []
    if ident is not None:
        by_key = {e.get(ident): e for e in removed if isinstance(e, Mapping)}
        for entry in list(added):
            match = by_key.pop(entry.get(ident), None)
            if match is not None:
                pairs.append((match, entry))
                added.remove(entry)
                removed.remove(match)
    elif len(added) == 1 and len(removed) == 1:
        pairs.append((removed.pop(), added.pop()))
    for before, after in pairs:
        name = f"the {one} for {value_in_words(after.get(ident), namer, ident)}" if ident is not None else f"a {one}"
        inner = []
        for sub in [*before, *(k for k in after if k not in before)]:
            inner += _clauses(sub, before.get(sub), after.get(sub), namer)
        out.append(f"changed {name}: " + "; ".join(inner) if inner else f"changed {name}")
    out += [f"added {_article(one)} {one}: {value_in_words(e, namer)}" for e in added]
    out += [f"removed {_article(one)} {one}: {value_in_words(e, namer)}" for e in removed]
    return out


def size_in_words(size: Any) -> str:
    """A file's size in words: 812 bytes, 14 KB, 2.3 MB."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "size unknown"
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeio" else "a"


# --------------------------------------------------------------------------- changes


def _moved(change: Change, key: str, log_key: str, namer: Namer) -> tuple[str | None, str, set[str]]:
    """Where a change moved a review's stage (or an action's status) with a dated log entry:
    ``(clause, note, keys told)``; ``(None, "", set())`` otherwise."""
    old, new = change.old or {}, change.new or {}
    if old.get(key) == new.get(key) or change.action != "updated":
        return None, "", set()
    before_log, after_log = list(old.get(log_key) or []), list(new.get(log_key) or [])
    entry: Mapping[str, Any] = {}
    if len(after_log) == len(before_log) + 1 and after_log[: len(before_log)] == before_log:
        entry = after_log[-1] if isinstance(after_log[-1], Mapping) else {}
    was = old.get(key)
    to = new.get(key)
    if key == "stage":
        said_to, said_was = f"'{namer.stage(str(to))}'", f"'{namer.stage(str(was))}'" if was else ""
        verb = "moved the review"
    else:
        said_to, said_was = f"'{_choice(str(to))}'", f"'{_choice(str(was))}'" if was else ""
        verb = "set the status"
    clause = f"{verb} from {said_was} to {said_to}" if said_was else f"{verb} to {said_to}"
    if entry.get("date"):
        clause += f" on {day_in_words(str(entry['date']))}"
    note = str(entry.get("note") or "")
    told = {key, log_key} if entry else {key}
    return clause, note, told


def _automatic_note(change: Change) -> bool:
    """Whether the change's note is one the register wrote itself ("status completed")."""
    new = change.new or {}
    note = change.note
    return note in (f"status {new.get('status')}", f"stage {new.get('stage')}") or bool(
        re.fullmatch(r"\S+: -?[\d.e+-]+", note) and "values" in (change.old or {}) | new
    )


def describe(change: Change, namer: Namer | None = None) -> Entry:
    """One change in words."""
    namer = namer or Namer()
    who = namer.person(change.who) if change.who else "Someone"
    at, when = moment_in_words(change.at)
    noun = collection_noun(change.collection)
    note = change.note
    details: list[str] = []
    if change.action == "added":
        title = namer.record(change.record_id) or _title_of(change.new)
        summary = f"{who} added the {noun}" + (f" \u201c{_shorten(title)}\u201d" if title else "")
    elif change.action == "deleted":
        title = _title_of(change.old)
        summary = f"{who} deleted the {noun}" + (f" \u201c{_shorten(title)}\u201d" if title else "")
    else:
        clauses: list[str] = []
        told: set[str] = set()
        moved_note = ""
        for key, log_key in (("stage", "stage_log"), ("status", "status_log")):
            clause, entry_note, keys = _moved(change, key, log_key, namer)
            if clause is not None:
                clauses.append(clause)
                told |= keys
                moved_note = moved_note or entry_note
        moved = bool(clauses)
        for key, old, new in change.differences():
            if key not in told:
                clauses += _clauses(key, old, new, namer)
        if moved_note and (not note or _automatic_note(change) or note == moved_note):
            note = moved_note
        elif _automatic_note(change):
            note = ""
        if not clauses:
            summary = f"{who} saved the {noun} unchanged"
        elif len(clauses) == 1 or moved:
            summary = f"{who} {clauses[0]}"
            details = clauses[1:]
        else:
            labels = _join(list(dict.fromkeys(field_label(k) for k, _o, _n in change.differences())))
            summary = f"{who} changed the {_possessive(noun)} {labels}"
            details = clauses
        if len(details) > MAX_CLAUSES:
            rest = len(details) - MAX_CLAUSES
            details = [*details[:MAX_CLAUSES], f"and {rest} more change{'s' if rest != 1 else ''}"]
        details = [d[:1].upper() + d[1:] for d in details]
    return Entry(
        seq=change.seq,
        record_id=change.record_id,
        at=at,
        when=when,
        who=who,
        action=change.action,
        summary=summary,
        details=tuple(details),
        note=_shorten(note) if len(note) > MAX_TEXT * 3 else note,
    )


def _title_of(record: Mapping[str, Any] | None) -> str:
    if not record:
        return ""
    for key in ("title", "text", "topic", "cycle", "period", "said"):
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def story(changes: Sequence[Change], namer: Namer | None = None, *, newest_first: bool = False) -> list[Entry]:
    """A record's history in words, oldest first (newest first where asked)."""
    entries = [describe(change, namer) for change in changes]
    return entries[::-1] if newest_first else entries
