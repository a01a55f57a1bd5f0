"""A report as at a past day is the report produced that day (``lif report impact --as-of``).

The series test builds a board from a timeline of dated events (a review notified and moved
through its stages, a recommendation made, an action agreed and its status changed, evidence,
audits, measure values, feedback, scrutiny...). An oracle writes the board's files as they
stood on each day of a series by replaying only the events up to that day, never by calling
:mod:`lif_core.history`; the board as at that day, rebuilt from the files with every event,
must equal the board read from those files, and its report the report of those files.

Then the Croydon example as at past days, the register's store (its history read back to a
moment), and the rules one by one.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
import tomli_w
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import Plugins, open_board
from lif_core.board import board_from_data
from lif_core.cli import make_cli
from lif_core.history import (
    as_at,
    board_as_at,
    day_end,
    period_bounds_of,
    period_end,
    period_start,
    replay,
    stored_as_at,
    without_dangling,
)
from lif_core.model import (
    COLLECTIONS,
    ActionStatus,
    AuditStatus,
    Board,
    Contribution,
    Finding,
    Section11Audit,
    Section11Return,
    StandardScore,
)
from lif_core.store import Register

from .conftest import CROYDON
from .strategies import boards

D = dt.date
DAY = dt.timedelta(days=1)

# --------------------------------------------------------------------------- the oracle

#: The timeline runs over these days; "always" records are there from the day before it.
START, END = D(2016, 10, 1), D(2019, 12, 31)
ALWAYS = START - DAY

Files = dict[str, Any]  # the board's files as one TOML table: collection -> list of records


class Timeline:
    """Dated events, each a change a business manager makes to the board's files that day.
    :meth:`files` replays those up to a day, in the order they happened."""

    def __init__(self) -> None:
        self.events: list[tuple[D, int, Callable[[Files], None]]] = []
        #: the day each record first appears in the files (the board's structure: always)
        self.created: dict[str, D] = {
            r["id"]: ALWAYS for records in BASE.values() if isinstance(records, list) for r in records
        }

    def on(self, day: D, change: Callable[[Files], None]) -> None:
        self.events.append((day, len(self.events), change))

    def files(self, day: D | None = None) -> Files:
        files: Files = json.loads(json.dumps(BASE))
        for _day, _n, change in sorted(self.events, key=lambda e: (e[0], e[1])):
            if day is None or _day <= day:
                change(files)
        return files

    # -- the changes --------------------------------------------------------------------

    def add(self, day: D, collection: str, record: dict[str, Any]) -> None:
        self.created[record["id"]] = day
        frozen = json.dumps(record, default=str)  # a copy the generator cannot touch later

        def change(files: Files) -> None:
            files.setdefault(collection, []).append(_dates(json.loads(frozen)))

        self.on(day, change)

    def set(self, day: D, record_id: str, path: tuple[str | int, ...], value: Any) -> None:
        def change(files: Files) -> None:
            target = _find(files, record_id)
            for key in path[:-1]:
                target = target.setdefault(key, {}) if isinstance(key, str) else target[key]
            target[path[-1]] = copy.deepcopy(value)

        self.on(day, change)

    def append(self, day: D, record_id: str, key: str, item: dict[str, Any]) -> None:
        self.on(day, lambda files: _find(files, record_id).setdefault(key, []).append(copy.deepcopy(item)))

    def link(self, record_id: str, key: str, target: str, declared: list[str], *, single: bool = False) -> None:
        """``record_id`` names ``target`` once both are in the files (a list keeps the order
        the record declares)."""
        day = max(self.created[record_id], self.created[target])

        def change(files: Files) -> None:
            record = _find(files, record_id)
            if single:
                record[key] = target
                return
            have = {*record.get(key, []), target}
            record[key] = [t for t in declared if t in have]

        self.on(day, change)


def _find(files: Files, record_id: str) -> dict[str, Any]:
    for value in files.values():
        if isinstance(value, list):
            for record in value:
                if isinstance(record, dict) and record.get("id") == record_id:
                    return record
    raise KeyError(record_id)


def _dates(value: Any) -> Any:
    """Dates back from the JSON copy (``YYYY-MM-DD`` strings)."""
    if isinstance(value, dict):
        return {k: _dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v) for v in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return D.fromisoformat(value)
        except ValueError:
            return value
    return value


BASE: Files = {
    "format": 1,
    "board": {
        "id": "t",
        "name": "Testshire Safeguarding Children Partnership",
        "area": "Testshire",
        "statutory_framework": "england-wt2018",
    },
    "partners": [
        {"id": "police", "name": "Testshire Police", "sector": "police", "safeguarding_partner": True},
        {"id": "council", "name": "Testshire Council", "sector": "local-authority", "safeguarding_partner": True},
        {"id": "icb", "name": "Testshire ICB", "sector": "health", "safeguarding_partner": True},
    ],
    "groups": [
        {"id": "board", "name": "The partnership", "kind": "board"},
        {"id": "qa", "name": "Quality assurance group", "kind": "sub-group", "reports_to": "board"},
    ],
    "people": [
        {"id": "scrutineer", "name": "Independent Scrutineer", "role": "independent-scrutineer", "independent": True}
    ],
    "functions": [
        {"id": "fn-reviews", "kind": "practice-reviews", "text": "Identify and review serious cases"},
        {"id": "fn-scrutiny", "kind": "independent-scrutiny", "text": "Arrange independent scrutiny"},
    ],
    "section11_standards": [
        {"id": "s11-voice", "number": 1, "title": "Listening to children"},
        {"id": "s11-sharing", "number": 2, "title": "Sharing information"},
    ],
    "priorities": [
        {
            "id": "prio-voice",
            "title": "Children's voices are heard",
            "period": "2017-18",
            "lead": "qa",
            "themes": ["voice-of-the-child"],
            "measures": ["m-annual"],
            "description": "Hearing children",
        },
        {
            "id": "prio-sharing",
            "title": "Agencies share what they know",
            "period": "2018-19",
            "lead": "board",
            "themes": ["information-sharing"],
            "measures": ["m-monthly", "m-quarterly"],
            "description": "Sharing",
        },
        {"id": "prio-next", "title": "Early help", "period": "2019-20", "lead": "board", "description": "Next"},
    ],
}

THEMES = ["information-sharing", "voice-of-the-child", "thresholds-escalation", "strategy-discussions"]
EVIDENCE_KINDS = ["audit", "data", "case-review", "practitioner-feedback", "child-voice", "training-evaluation"]
STATUSES = [s.value for s in ActionStatus]
KEY_DATES = ("decided", "commissioned", "report_received", "board_response", "published")


def _day(rnd: random.Random, first: D = START, last: D = END) -> D:
    first = min(max(first, START), END)
    return first + dt.timedelta(days=rnd.randint(0, max(0, (last - first).days)))


def _later(rnd: random.Random, after: D, most: int = 150) -> D:
    return after + dt.timedelta(days=rnd.randint(1, most))


def _month_ends(first: D, last: D) -> Iterator[tuple[str, D]]:
    year, month = first.year, first.month
    while D(year, month, 1) <= last:
        following = D(year + month // 12, month % 12 + 1, 1)
        yield f"{year:04d}-{month:02d}", following - DAY
        year, month = following.year, following.month


def timeline(rnd: random.Random, stages_of: Callable[[str], tuple[str, ...]]) -> Timeline:
    """A random but sound history of a partnership's register from START to END."""
    tl = Timeline()
    targets: list[str] = ["prio-voice", "prio-sharing", "fn-reviews", "fn-scrutiny", "m-annual", "m-monthly"]
    sources: list[tuple[str, D | None]] = []  # (id, the day its recommendations are made, where it says)

    # measures: defined from the start, a value known once its period is over
    for mid, frequency, periods in (
        ("m-annual", "annual", [(f"{y}-{(y + 1) % 100:02d}", D(y + 1, 3, 31)) for y in range(2015, 2020)]),
        ("m-monthly", "monthly", list(_month_ends(D(2016, 6, 1), D(2020, 1, 31)))),
        (
            "m-quarterly",
            "quarterly",
            [
                (f"{y}-Q{q}", D(y, 3 * q + 1, 1) - DAY if q < 4 else D(y, 12, 31))
                for y in range(2016, 2020)
                for q in range(1, 5)
            ],
        ),
    ):
        tl.add(
            ALWAYS,
            "measures",
            {
                "id": mid,
                "title": f"Measure {mid}",
                "quadrant": "how-well",
                "polarity": "higher-is-better",
                "unit": "percent",
                "frequency": frequency,
                "target": {"value": 50.0},
                "owner": "qa",
            },
        )
        for period, end in periods:
            if rnd.random() < 0.6:
                value = float(rnd.randint(10, 90))
                tl.append(max(end, ALWAYS), mid, "values", {"period": period, "value": value})
        if frequency == "annual":
            tl.set(D(2017, 3, 31), mid, ("baseline",), {"period": "2016-17", "value": 40.0})
            tl.append(D(2018, 3, 31), mid, "comparators", {"kind": "england", "period": "2017-18", "value": 55.0})

    # case reviews, their findings and recommendations
    reviews: list[tuple[str, str, D]] = []
    for n in range(rnd.randint(1, 4)):
        rid = f"review-{n}"
        kind = rnd.choice(["rapid-review", "lcspr", "learning-review"])
        stages = stages_of(kind)
        created = _day(rnd)
        record: dict[str, Any] = {
            "id": rid,
            "title": f"Child {n}",
            "kind": kind,
            "stage": stages[0],
            "dates": {"incident": created - dt.timedelta(days=rnd.randint(0, 40))},
            "child_views": rnd.choice(["sought-and-included", "not-yet-sought", "sought-declined"]),
            "themes": rnd.sample(THEMES, 2),
            "agencies": ["police", "council"],
        }
        how = rnd.choice(["logged", "notified", "incident"])
        if how == "logged":  # the first stage change is the day it was referred
            record["stage_log"] = [{"stage": stages[0], "date": created}]
        elif how == "notified":  # known from its notification; stage changes come later
            record["dates"]["notified"] = created
        else:  # known from the incident alone
            record["dates"] = {"incident": created}
        if rnd.random() < 0.3:
            record["artefacts"] = [{"kind": "terms-of-reference"}]  # undated: there from the start
        tl.add(created, "reviews", record)
        earlier = [r for r in reviews if r[1] == "rapid-review"]
        if kind == "lcspr" and earlier and rnd.random() < 0.5:
            tl.link(rid, "follows", earlier[0][0], [], single=True)
        reviews.append((rid, kind, created))
        # stage changes, in the kind's order
        day, logged = created, how == "logged"
        decision_day: D | None = None
        for stage in stages[1:]:
            if rnd.random() < 0.5 or how == "incident":  # known by its incident alone: nothing since
                continue
            day = _later(rnd, day, 90)
            tl.append(day, rid, "stage_log", {"stage": stage, "date": day})
            tl.set(day, rid, ("stage",), stage)
            logged = True
            if stage == "decision":
                decision_day = day
        assert logged or how != "logged"
        # key dates, in order
        day = created
        dates: dict[str, D] = {}
        for key in KEY_DATES:
            if rnd.random() < 0.5 and how != "incident":
                day = _later(rnd, day, 120)
                dates[key] = day
                tl.set(day, rid, ("dates", key), day)
        if kind == "rapid-review":  # its decision: on the day decided, else at its decision stage, else undated
            decision = rnd.choice(["lcspr", "no-lcspr"])
            when = dates.get("decided") or decision_day or created
            tl.set(when, rid, ("decision",), decision)
        for _ in range(rnd.randint(0, 2)):
            event_day = _later(rnd, created, 300)
            tl.append(
                event_day, rid, "practitioner_events", {"kind": "learning-event", "date": event_day, "attendees": 9}
            )
        if rnd.random() < 0.5:
            artefact_day = _later(rnd, created, 300)
            tl.append(artefact_day, rid, "artefacts", {"kind": "report", "date": artefact_day})
        if rnd.random() < 0.4:  # a statutory plan of the child's, in the record from its start
            start = created + dt.timedelta(days=rnd.randint(-200, 200))
            plan: dict[str, Any] = {"kind": "child-protection-plan", "start": start}
            end = start + dt.timedelta(days=rnd.randint(30, 400))
            shown = max(start, created)
            if end <= shown:
                plan["end"] = end
            tl.append(shown, rid, "statutory_plans", plan)
            if end > shown:
                tl.set(end, rid, ("statutory_plans", 0, "end"), end)
        report_day = dates.get("report_received") or dates.get("board_response") or dates.get("published")
        findings = []
        for f in range(rnd.randint(0, 2)):
            fid = f"{rid}-finding-{f}"
            tl.add(
                report_day or created,
                "findings",
                {"id": fid, "source": rid, "text": f"Finding {f}", "themes": rnd.sample(THEMES, 1)},
            )
            findings.append(fid)
        response = dates.get("board_response") or dates.get("published") or dates.get("report_received")
        sources.append((rid, response))
        targets.append(rid)
        for r in range(rnd.randint(0, 2)):
            rec_id = f"{rid}-rec-{r}"
            rec: dict[str, Any] = {
                "id": rec_id,
                "text": f"Recommendation {r} of {rid}",
                "source": rid,
                "kind": "system-design",
                "owners": ["qa"],
            }
            if rnd.random() < 0.4:
                rec["made"] = _later(rnd, created, 200)
            made = rec.get("made") or response or created
            tl.add(made, "recommendations", rec)
            for fid in findings:
                if rnd.random() < 0.7:
                    tl.link(rec_id, "findings", fid, findings)
            targets.append(rec_id)

    # audits, with findings and recommendations on their day
    audits = []
    for n in range(rnd.randint(0, 2)):
        aid = f"audit-{n}"
        day = _day(rnd)
        tl.add(
            day,
            "audits",
            {
                "id": aid,
                "title": f"Audit {n}",
                "kind": "multi-agency-case-audit",
                "date": day,
                "lead": "qa",
                "cases": 6,
                "child_views": rnd.choice(["sought-and-included", "not-sought"]),
                "themes": rnd.sample(THEMES, 2),
            },
        )
        tl.add(day, "findings", {"id": f"{aid}-finding", "source": aid, "text": "Audit finding"})
        audits.append(aid)
        sources.append((aid, day))
        targets.append(aid)
    for n in range(rnd.randint(0, 2)):  # the log of planned audits: undated, there from the start
        pid = f"planned-{n}"
        tl.add(
            ALWAYS,
            "planned_audits",
            {"id": pid, "partner": "police", "topic": "Missing children", "themes": ["voice-of-the-child"]},
        )
        if audits and rnd.random() < 0.6:
            aid = rnd.choice(audits)
            tl.set(tl.created[aid], pid, ("audit",), aid)
            tl.set(tl.created[aid], pid, ("status",), "completed")

    # scrutiny, national reviews and inspection recommendations: sources of recommendations
    for n in range(rnd.randint(0, 2)):
        day = _day(rnd)
        tl.add(
            day,
            "scrutiny",
            {"id": f"scrutiny-{n}", "title": f"Scrutiny {n}", "date": day, "person": "scrutineer", "findings": ["One"]},
        )
        sources.append((f"scrutiny-{n}", day))
    for n in range(rnd.randint(0, 1)):
        day = _day(rnd)
        tl.add(day, "national_reviews", {"id": f"national-{n}", "title": "A national review", "published": day})
        sources.append((f"national-{n}", day))
    for n in range(rnd.randint(0, 2)):
        day = _day(rnd)
        iid = f"ofsted-{n}"
        tl.add(
            day,
            "inspection_recommendations",
            {
                "id": iid,
                "framework": "ofsted-ilacs-2018",
                "published": day,
                "number": str(100 + n),
                "text": f"Inspection point {n}",
                "owner": "qa",
            },
        )
        tl.link("qa", "responsible_for", iid, [f"ofsted-{k}" for k in range(2)])
        sources.append((iid, day))
        targets.append(iid)
    for source, day in sources[len(reviews) :]:  # reviews made theirs above
        for r in range(rnd.randint(0, 1)):
            rec_id = f"{source}-rec-{r}"
            tl.add(
                day or ALWAYS,
                "recommendations",
                {"id": rec_id, "text": f"Recommendation of {source}", "source": source, "kind": "resource"},
            )
            targets.append(rec_id)
    for r in range(rnd.randint(0, 2)):  # the board's own
        rec_id = f"own-rec-{r}"
        rec = {"id": rec_id, "text": "The board's own", "kind": "knowledge-and-skill", "level": "board"}
        if rnd.random() < 0.6:
            rec["made"] = _day(rnd)
        tl.add(rec.get("made") or ALWAYS, "recommendations", rec)
        targets.append(rec_id)

    # actions: for recommendations and priorities, agreed, started, done...
    recommendations = [t for t in targets if "-rec-" in t]
    owners = [None, *recommendations]
    for n in range(rnd.randint(1, 6)):
        aid = f"action-{n}"
        for_rec = rnd.choice(owners)
        action: dict[str, Any] = {
            "id": aid,
            "text": f"Action {n}",
            "owner": rnd.choice(["qa", "police"]),
            "level": rnd.choice(["board", "multi-agency"]),
            "due": _day(rnd),
            "themes": rnd.sample(THEMES, 1),
        }
        if for_rec is None:
            action["priority"] = rnd.choice(["prio-voice", "prio-sharing"])
        rec_day = tl.created[for_rec] if for_rec else ALWAYS
        how = rnd.choice(["opened", "logged", "undated"])
        if how == "undated":  # no day of its own: with its recommendation, its status as now
            action["status"] = rnd.choice(STATUSES)
            if for_rec:
                action["recommendation"] = for_rec
            tl.add(rec_day, "actions", action)
        else:
            day = _day(rnd, rec_day - dt.timedelta(days=60))  # perhaps agreed before the recommendation was made
            if how == "opened":
                action["opened"] = day
            else:
                action["status_log"] = [{"status": "not-started", "date": day}]
            tl.add(day, "actions", action)
            if for_rec:
                tl.link(aid, "recommendation", for_rec, [], single=True)
            when = day if how == "logged" else day - DAY
            for _ in range(rnd.randint(0, 3)):
                when = _later(rnd, when, 120)
                status = rnd.choice(STATUSES)
                tl.append(when, aid, "status_log", {"status": status, "date": when})
                tl.set(when, aid, ("status",), status)
        targets.append(aid)

    # courses, from the start of their year, evaluated as they go
    for n in range(rnd.randint(0, 2)):
        start_year = rnd.randint(2016, 2019)
        course = {
            "id": f"course-{n}",
            "title": f"Course {n}",
            "provider": "qa",
            "period": f"{start_year}-{(start_year + 1) % 100:02d}",
            "sessions": 4,
            "attended": 80,
        }
        started = D(start_year, 4, 1)
        tl.add(started, "courses", course)
        for _ in range(rnd.randint(0, 2)):
            day = _later(rnd, started, 400)
            tl.append(
                day,
                course["id"],
                "evaluations",
                {
                    "stage": "after",
                    "date": day,
                    "respondents": 40,
                    "level": 2,
                    "confidence_before": 4.0,
                    "confidence_after": 7.0,
                },
            )
        targets.append(course["id"])

    # a Section 11 cycle: returns as they come in, moderated on the cycle's day
    if rnd.random() < 0.6:
        first = _day(rnd)
        returns = []
        day = first
        for partner in ("police", "council"):
            returns.append((partner, day))
            day = _later(rnd, day, 40)
        moderated = _later(rnd, day, 60)
        cycle_id = "s11-cycle"
        tl.add(first, "section11_audits", {"id": cycle_id, "cycle": "2017-2020", "scale": "rag", "returns": []})
        for i, (partner, submitted) in enumerate(returns):
            scores = [
                {"standard": "s11-voice", "self_assessed": "green"},
                {"standard": "s11-sharing", "self_assessed": "amber"},
            ]
            tl.append(submitted, cycle_id, "returns", {"partner": partner, "submitted": submitted, "scores": scores})
            for j, grade in enumerate(("amber", "red")):
                tl.set(moderated, cycle_id, ("returns", i, "scores", j, "moderated"), grade)
        tl.set(moderated, cycle_id, ("date",), moderated)

    # evidence, supporting what there is once it is there
    for n in range(rnd.randint(1, 5)):
        eid = f"evidence-{n}"
        day = _day(rnd)
        declared = rnd.sample(targets, min(len(targets), rnd.randint(1, 3)))
        tl.add(
            day,
            "evidence",
            {
                "id": eid,
                "title": f"Evidence {n}",
                "kind": rnd.choice(EVIDENCE_KINDS),
                "date": day,
                "strength": rnd.choice(["weak", "moderate", "strong"]),
                "source": "qa",
            },
        )
        for target in declared:
            tl.link(eid, "supports", target, declared)

    # feedback, acted on later; people in post; publications; child deaths; contributions
    for n in range(rnd.randint(0, 3)):
        fid = f"feedback-{n}"
        day = _day(rnd)
        tl.add(
            day,
            "feedback",
            {
                "id": fid,
                "date": day,
                "given_by": rnd.choice(["children", "practitioners"]),
                "said": f"Said {n}",
                "how": "A survey",
            },
        )
        tl.link(fid, "supports", "prio-voice", ["prio-voice"])
        if rnd.random() < 0.6:
            done = _later(rnd, day, 200)
            tl.set(done, fid, ("did",), f"Did {n}")
            tl.set(done, fid, ("done",), done)
    for n in range(rnd.randint(0, 2)):
        since = _day(rnd)
        tl.add(since, "people", {"id": f"person-{n}", "name": f"Chair {n}", "role": "chair", "since": since})
        if rnd.random() < 0.5:
            until = _later(rnd, since, 300)
            tl.set(until, f"person-{n}", ("until",), until)
    for n, period in enumerate(rnd.sample(["2016-17", "2017-18", "2018-19"], rnd.randint(0, 2))):
        pid = f"yearly-{period}"
        tl.add(ALWAYS, "publications", {"id": pid, "kind": "yearly-report", "period": period})
        published = _day(rnd, D(int(period[:4]) + 1, 4, 1))
        if published <= END:
            tl.set(published, pid, ("published",), published)
            if n % 2 == 0:
                sent = _later(rnd, published, 10)
                tl.set(sent, pid, ("sent",), sent)
    for n, year in enumerate(rnd.sample(range(2015, 2019), rnd.randint(0, 2))):
        tl.add(
            D(year + 1, 3, 31),
            "child_deaths",
            {
                "id": f"cdop-{n}",
                "period": f"{year}-{(year + 1) % 100:02d}",
                "notified": 14,
                "reviewed": 11,
                "modifiable": 3,
            },
        )
    for n, year in enumerate(rnd.sample(range(2016, 2020), rnd.randint(0, 2))):
        tl.add(
            D(year, 4, 1),
            "contributions",
            {
                "id": f"money-{n}",
                "period": f"{year}-{(year + 1) % 100:02d}",
                "partner": "council",
                "amount": 1000.0 * (n + 1),
            },
        )
    return tl


def _write(root: Path, files: Files) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "board.toml").write_text(tomli_w.dumps(files), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def host() -> Plugins:
    return Plugins.create()


def _stages_of(plugins: Plugins) -> Callable[[str], tuple[str, ...]]:
    return plugins.statutory_frameworks.get("england-wt2018").stages_of


def _series(tl: Timeline) -> list[D]:
    """Every month's first day across the timeline, and the day of (and before) some events."""
    months = [D(y, m, 1) for y in range(START.year, END.year + 1) for m in range(1, 13) if START <= D(y, m, 1) <= END]
    days = sorted({e[0] for e in tl.events if START <= e[0] <= END})
    rnd = random.Random(len(days))
    edges = {d - k * DAY for d in rnd.sample(days, min(6, len(days))) for k in (0, 1)}
    return sorted({*months, *edges})


def _report(cli: Any, board: Path, day: D, fmt: str) -> str:
    result = CliRunner().invoke(
        cli, ["report", "impact", str(board), "--as-of", day.isoformat(), "-f", fmt, "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def _same_board(got: Board, want: Board, day: D) -> None:
    for name in ("board", "settings", *COLLECTIONS):
        assert getattr(got, name) == getattr(want, name), f"{name}, as at {day}"


def check_series(tl: Timeline, tmp: Path, plugins: Plugins, *, reports: int) -> None:
    """As at each day of the series, the board rebuilt from every event equals the board whose
    files hold the events up to that day; on every ``reports``-th day (and the edges), so do
    their reports, in Markdown and JSON."""
    full = _write(tmp / "full", tl.files())
    loaded = open_board(full, plugins)
    cli = make_cli(plugins)
    days = _series(tl)
    seen = set()
    for i, day in enumerate(days):
        then = _write(tmp / f"at-{day}", tl.files(day))
        _same_board(as_at(loaded, day, plugins).board, open_board(then, plugins).board, day)
        if reports and (i % reports == 0 or day == days[-1]):
            for fmt in ("markdown", "json"):
                report = _report(cli, full, day, fmt)
                assert report == _report(cli, then, day, fmt), f"{fmt} report as at {day}"
                seen.add(report.split("\n", 3)[-1])  # after its title and day
    assert not reports or len(seen) > 2  # the board changed over the series, and so did its report


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_report_as_at_each_day_is_the_report_of_the_files_then(seed: int, tmp_path: Path, host: Plugins) -> None:
    check_series(timeline(random.Random(seed), _stages_of(host)), tmp_path, host, reports=1)


@settings(max_examples=20, deadline=None)
@given(rnd=st.randoms(use_true_random=False))
def test_any_history_as_at_any_day(rnd: random.Random, tmp_path_factory: pytest.TempPathFactory, host: Plugins) -> None:
    check_series(timeline(rnd, _stages_of(host)), tmp_path_factory.mktemp("series"), host, reports=6)


# --------------------------------------------------------------------------- Croydon


def _snapshot(cli: Any, board: Path, day: D) -> dict[tuple[str, str], str]:
    data = json.loads(_report(cli, board, day, "json"))
    return {(row["kind"], row["id"]): row["state"] for row in data["snapshot"]}


def test_croydon_at_the_start_of_2018_counts_nothing_done_later(host: Plugins) -> None:
    cli = make_cli(host)
    state = _snapshot(cli, CROYDON, D(2018, 1, 1))
    actions = {i: s for (kind, i), s in state.items() if kind == "action"}
    # a-vac-tor was completed on 2018-01-18, a-dataset on 2018-03-26: not yet; a-child-f-1 and
    # -2 were first logged on 2018-01-22 (no day of their own before): not yet agreed
    assert actions == {
        "a-dataset": "in-progress",
        "a-audit-programme": "in-progress",
        "a-vac-tor": "in-progress",
        "a-thresholds-workshops": "not-started",
    }
    # Child F reached publication on 2018-01-22; Young Person K was referred on 2018-01-08
    reviews = {i: s for (kind, i), s in state.items() if kind == "review"}
    assert reviews == {"scr-child-f": "board-response"}
    assert not [i for kind, i in state if kind == "evidence"]  # every item is dated later
    markdown = _report(cli, CROYDON, D(2018, 1, 1), "markdown")
    assert "(0 done," in markdown
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]  # tables: the narrative is undated
    assert [r for r in rows if r.startswith("| Child F (illustrative) |") and "| Board response |" in r]
    assert not [r for r in rows if "Dissemination" in r or "Young Person K" in r or "| Completed |" in r]


def test_croydon_in_mid_2018(host: Plugins) -> None:
    state = _snapshot(make_cli(host), CROYDON, D(2018, 6, 30))
    assert {i: s for (kind, i), s in state.items() if kind == "action"} == {
        "a-child-f-1": "in-progress",
        "a-child-f-2": "completed",
        "a-dataset": "completed",
        "a-audit-programme": "in-progress",
        "a-vac-tor": "completed",
        "a-thresholds-workshops": "not-started",
    }
    assert {i: s for (kind, i), s in state.items() if kind == "review"} == {
        "scr-child-f": "dissemination",
        "lr-young-person-k": "analysis",
        "rca-child-t": "commissioning",
    }
    # the Level 3 evaluation (2018-06-15) is in; nothing dated after the day is
    assert {i for kind, i in state if kind == "evidence"} == {
        "e-dataset-q4",
        "e-maca-da",
        "e-level3-evaluation",
        "e-vac-tor",
        "e-s11-returns",
    }


def test_what_changed_between_two_days(tmp_path: Path, host: Plugins) -> None:
    """``--previous`` between two as-at days lists what changed between them."""
    cli = make_cli(host)
    previous = tmp_path / "2018-01-01.json"
    previous.write_text(_report(cli, CROYDON, D(2018, 1, 1), "json"), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["report", "impact", str(CROYDON), "--as-of", "2018-12-31", "--previous", str(previous), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    changed = result.stdout.split("What changed since the last report", 1)[1]
    assert "Nothing changed." not in changed
    assert "New action: Pilot next-day notification of domestic abuse incidents" in changed
    assert (
        "Agree the dataset's indicators with every agency and report it to QAPP each quarter.: was in progress, "
        "now completed" in changed
    )
    assert "Review Child F (illustrative): was board response, now dissemination" in changed
    assert "New review: Young Person K (illustrative) (analysis)" in changed
    assert "New evidence: Multi-agency dataset, Q4 2017-18" in changed
    same = tmp_path / "2018-12-31.json"
    same.write_text(_report(cli, CROYDON, D(2018, 12, 31), "json"), encoding="utf-8")
    again = CliRunner().invoke(
        cli, ["report", "impact", str(CROYDON), "--as-of", "2018-12-31", "--previous", str(same), "--no-progress"]
    )
    assert "Nothing changed." in again.stdout


# --------------------------------------------------------------------------- the store's history


def _lif(plugins: Plugins, *args: str) -> str:
    result = CliRunner().invoke(make_cli(plugins), list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _backdate(store: Path, at: str, where: str = "", parameters: tuple[Any, ...] = ()) -> None:
    """The store stamps every change with the wall clock and offers no way to set it: to stand
    for changes made in the past, the test rewrites their ``at`` in the file directly."""
    db = sqlite3.connect(store)
    try:
        with db:
            db.execute(f"UPDATE changes SET at = ? {where}", (at, *parameters))
    finally:
        db.close()


IMPORTED = "2018-06-30T12:00:00.000000+00:00"


@pytest.fixture
def stored(tmp_path: Path, host: Plugins) -> Path:
    """Croydon's register imported into its store on 2018-06-30 (backdated), then changed today."""
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    _lif(host, "import", str(board))
    _backdate(board / "register.sqlite", IMPORTED)
    _lif(host, "status", str(board), "a-child-f-1", "completed", "--date", "2018-07-15")
    _lif(host, "update", str(board), "e-vac-tor", "strength=strong")
    _lif(host, "delete", str(board), "e-s11-returns")
    _lif(host, "stage", str(board), "rr-baby-m", "analysis", "--date", "2019-01-20")
    return board


def test_the_store_gives_the_register_as_it_stood(stored: Path, host: Plugins) -> None:
    files = open_board(CROYDON, host)  # the register as imported
    now = open_board(stored, host)
    action = {a.id: a for a in now.board.actions}["a-child-f-1"]
    assert action.status is ActionStatus.COMPLETED and "e-s11-returns" not in now.board.index()
    for day in (D(2018, 7, 1), D(2018, 12, 31), D(2019, 3, 31)):
        # the store held every record as imported: the changes made since are undone, the
        # deleted evidence is back, the status logged (late) for 2018-07-15 is not yet there
        _same_board(as_at(now, day, host).board, as_at(files, day, host).board, day)
    cli = make_cli(host)
    for fmt in ("markdown", "json"):
        assert _report(cli, stored, D(2018, 12, 31), fmt) == _report(cli, CROYDON, D(2018, 12, 31), fmt)
    today = as_at(now, dt.date.today(), host).board
    assert {a.id: a.status for a in today.actions}["a-child-f-1"] is ActionStatus.COMPLETED
    assert {e.id: e.strength.value for e in today.evidence}["e-vac-tor"] == "strong"
    assert "e-s11-returns" not in today.index()
    assert {r.id: r.stage for r in today.reviews}["rr-baby-m"] == "analysis"


def test_before_the_store_held_a_record_its_dates_decide(stored: Path, host: Plugins) -> None:
    now = open_board(stored, host)
    before = as_at(now, D(2018, 6, 29), host).board  # the store held nothing yet: records as now
    assert {e.id: e.strength.value for e in before.evidence}["e-vac-tor"] == "strong"
    assert "e-s11-returns" not in before.index()  # deleted now, never held by the store then
    assert {a.id: a.status for a in before.actions}["a-child-f-1"] is ActionStatus.IN_PROGRESS  # by its log
    # a record added today about the past (back-filled) is there once its own date has come
    _lif(host, "add", str(stored), "evidence", "id=e-late", "title=A late entry", "kind=data", "date=2018-03-01")
    late = open_board(stored, host)
    assert "e-late" in as_at(late, D(2018, 12, 31), host).board.index()
    assert "e-late" not in as_at(late, D(2018, 2, 28), host).board.index()


def test_reading_the_past_never_writes(tmp_path: Path, host: Plugins) -> None:
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    as_at(open_board(board, host), D(2018, 6, 30), host)
    assert not (board / "register.sqlite").exists()  # no store is made to read one
    _lif(host, "import", str(board))
    store = board / "register.sqlite"
    before = store.read_bytes(), store.stat().st_mtime_ns
    as_at(open_board(board, host), D(2018, 6, 30), host)
    assert (store.read_bytes(), store.stat().st_mtime_ns) == before


def _evidence(record_id: str, title: str, day: str = "2018-01-10") -> dict[str, Any]:
    return {"id": record_id, "title": title, "kind": "data", "date": day}


def test_records_at_replays_adds_updates_and_deletes(tmp_path: Path) -> None:
    path = tmp_path / "register.sqlite"
    with Register.open(path, {}, "tester") as register:
        register.add("evidence", _evidence("e1", "First"))  # 1
        register.add("evidence", _evidence("e2", "Second"))  # 2
        register.add("evidence", _evidence("e3", "Third"))  # 3
        register.update("e1", {"title": "First, renamed"})  # 4
        register.delete("e2")  # 5
        register.delete("e3")  # 6
        register.add("evidence", _evidence("e3", "Third, again"))  # 7
        register.add("evidence", _evidence("e4", "Fourth"))  # 8
    for seq in range(1, 9):  # each change on its own day of January 2018 (see _backdate)
        _backdate(path, f"2018-01-{seq:02d}T09:00:00.000000+00:00", "WHERE seq = ?", (seq,))
    with Register.open_read_only(path) as register:

        def at(moment: str) -> list[tuple[str, str | None]]:
            """Each record's title then; "now" where it has not changed since."""
            rows = register.records_at(moment)
            return [(i, "now" if not changed else d["title"] if d else None) for i, _c, d, changed in rows]

        assert at("2018-01-01T00:00:00.000000+00:00") == []
        assert at("2018-01-04T09:00:00.000000+00:00") == [("e1", "First"), ("e2", "Second"), ("e3", "Third")]
        # e1's rename and e2's deletion are the last they had: as now
        assert at("2018-01-05T10:00:00.000000+00:00") == [("e1", "now"), ("e2", "now"), ("e3", "Third")]
        assert at("2018-01-06T10:00:00.000000+00:00") == [("e1", "now"), ("e2", "now"), ("e3", None)]
        assert at("2018-01-09T00:00:00.000000+00:00") == [("e1", "now"), ("e2", "now"), ("e3", "now"), ("e4", "now")]
        assert all(c == "evidence" for _i, c, _d, _ch in register.records_at("2018-02-01T00:00:00.000000+00:00"))

    now = board_from_data(
        {
            "board": {"id": "t", "name": "T", "area": "T"},
            "evidence": [_evidence("e1", "First, renamed"), _evidence("e3", "Third, again"), _evidence("e4", "Fourth")],
        }
    )
    with Register.open_read_only(path) as register:

        def then(moment: str) -> dict[str, tuple[str, dict[str, Any] | None, bool]]:
            return {i: (c, d, changed) for i, c, d, changed in register.records_at(moment)}

        early, held, gone = (then(f"2018-01-0{n}T10:00:00.000000+00:00") for n in (3, 5, 6))
    # held then: as it stood (e1's first title; e2, deleted since, back); first stored later: as now (e4)
    assert [e.title for e in replay(now, early).evidence] == ["First", "Second", "Third", "Fourth"]
    # deleted by then: out (e2); e3 as it stood then, not as added again
    assert [e.title for e in replay(now, held).evidence] == ["First, renamed", "Third", "Fourth"]
    # e3 was deleted by then: out, though added again since
    assert [e.title for e in replay(now, gone).evidence] == ["First, renamed", "Fourth"]


class _HistoryOnly:
    """A store's register that can give each record's history but not the register at a moment."""

    def __init__(self, register: Register) -> None:
        self.register = register

    def history(self, record_id: str) -> Any:
        return self.register.history(record_id)

    def close(self) -> None:
        self.register.close()


class _Backend:
    name = "history-only"
    filename = "register.sqlite"

    def open_read_only(self, root: Path) -> Any:
        return _HistoryOnly(Register.open_read_only(root / self.filename))


class _Host:
    """A plugin host with one store, as :func:`stored_as_at` uses it."""

    stores: ClassVar[dict[str, _Backend]] = {"sqlite": _Backend()}

    def using(self, _registry: Any, _name: str) -> Any:
        import contextlib

        return contextlib.nullcontext()


def test_a_store_without_records_at_is_read_record_by_record(tmp_path: Path) -> None:
    with Register.open(tmp_path / "register.sqlite", {}, "tester") as register:
        register.add("evidence", _evidence("e1", "First"))
        register.update("e1", {"title": "First, renamed"})
    _backdate(tmp_path / "register.sqlite", "2018-01-01T09:00:00.000000+00:00", "WHERE seq = 1")
    (tmp_path / "board.toml").write_text('format = 1\n[board]\nid = "t"\nname = "T"\narea = "T"\n')
    from lif_core import load_board

    loaded = load_board(tmp_path)
    assert [e.title for e in loaded.board.evidence] == ["First, renamed"]
    assert [e.title for e in stored_as_at(loaded, D(2018, 1, 2), _Host()).evidence] == ["First"]
    assert [e.title for e in stored_as_at(loaded, dt.date.today(), _Host()).evidence] == ["First, renamed"]


def test_the_end_of_a_day_is_local_midnight() -> None:
    end = dt.datetime.fromisoformat(day_end(D(2018, 6, 30)))
    assert end.utcoffset() == dt.timedelta(0)
    local = end.astimezone()
    assert (local.date(), local.time()) == (D(2018, 7, 1), dt.time())
    stamp = dt.datetime(2018, 6, 30, 23, 59, 59, tzinfo=dt.timezone.utc).isoformat(timespec="microseconds")
    assert len(day_end(D(2018, 6, 30))) == len(stamp)  # compared as text with the store's stamps


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("period", "frequency", "bounds"),
    [
        ("2018-19", None, (D(2018, 4, 1), D(2019, 3, 31))),
        ("2018/19", None, (D(2018, 4, 1), D(2019, 3, 31))),
        ("201819", None, (D(2018, 4, 1), D(2019, 3, 31))),  # DfE's tidy layout
        ("2099-00", None, (D(2099, 4, 1), D(2100, 3, 31))),
        ("2018", None, (D(2018, 1, 1), D(2018, 12, 31))),
        ("2018-06", None, (D(2018, 6, 1), D(2018, 6, 30))),
        ("2020-02", "monthly", (D(2020, 2, 1), D(2020, 2, 29))),
        ("2018-Q1", None, (D(2018, 1, 1), D(2018, 3, 31))),
        ("2018-Q4", "quarterly", (D(2018, 10, 1), D(2018, 12, 31))),
        # 2011-12 is a reporting year, and December 2011 for a monthly measure
        ("2011-12", None, (D(2011, 4, 1), D(2012, 3, 31))),
        ("2011-12", "annual", (D(2011, 4, 1), D(2012, 3, 31))),
        ("2011-12", "monthly", (D(2011, 12, 1), D(2011, 12, 31))),
        (" 2018-19 ", None, (D(2018, 4, 1), D(2019, 3, 31))),
    ],
)
def test_period_bounds(period: str, frequency: str | None, bounds: tuple[D, D]) -> None:
    assert period_bounds_of(period, frequency=frequency) == bounds
    assert (period_start(period, frequency=frequency), period_end(period, frequency=frequency)) == bounds


@pytest.mark.parametrize("period", ["", "2018-20", "2018-13", "2018-00", "2018/06", "2018-Q5", "0000", "soon", "18-19"])
def test_periods_of_no_known_shape(period: str) -> None:
    assert period_bounds_of(period) is None and period_end(period) is None and period_start(period) is None


def test_a_reporting_year_starts_when_the_framework_says() -> None:
    assert period_bounds_of("2018-19", "09-01") == (D(2018, 9, 1), D(2019, 8, 31))
    assert period_bounds_of("2018-19", "01-01") == (D(2018, 1, 1), D(2018, 12, 31))
    assert period_end("9999-00") is None  # beyond the calendar: kept, never a crash


# --------------------------------------------------------------------------- the rules


def _board(**collections: Any) -> Board:
    data: dict[str, Any] = {
        "board": {"id": "t", "name": "T", "area": "T", "statutory_framework": "england-wt2018"},
        "partners": [{"id": "police", "name": "Police", "sector": "police"}],
        "groups": [{"id": "qa", "name": "QA", "kind": "sub-group"}],
    }
    data.update(collections)
    return board_from_data(data)


@pytest.fixture(scope="module")
def wt2018(host: Plugins) -> Any:
    return host.statutory_frameworks.get("england-wt2018")


def _at(board: Board, day: D, framework: Any = None) -> Board:
    return board_as_at(board, day, framework=framework)


def test_a_review_exists_from_the_first_day_it_records(wt2018: Any) -> None:
    board = _board(
        reviews=[
            {
                "id": "logged",
                "title": "A",
                "kind": "lcspr",
                "stage_log": [{"stage": "referral", "date": D(2018, 1, 8)}],
                "stage": "referral",
                "dates": {"incident": D(2017, 12, 18)},
            },
            {
                "id": "notified",
                "title": "B",
                "kind": "lcspr",
                "dates": {"incident": D(2018, 1, 1), "notified": D(2018, 1, 5)},
            },
            {"id": "incident", "title": "C", "kind": "lcspr", "dates": {"incident": D(2018, 1, 3)}},
            {"id": "undated", "title": "D", "kind": "lcspr", "stage": "analysis"},
        ]
    )
    assert [r.id for r in _at(board, D(2018, 1, 2)).reviews] == ["undated"]  # an incident is not yet a review
    assert [r.id for r in _at(board, D(2018, 1, 4)).reviews] == ["incident", "undated"]
    assert [r.id for r in _at(board, D(2018, 1, 7)).reviews] == ["notified", "incident", "undated"]
    assert [r.stage for r in _at(board, D(2018, 1, 8)).reviews] == ["referral", "referral", "referral", "analysis"]


def test_a_review_before_its_first_stage_change_is_at_its_kinds_first_stage(wt2018: Any) -> None:
    board = _board(
        reviews=[
            {
                "id": "rr",
                "title": "A",
                "kind": "rapid-review",
                "stage": "analysis",
                "decision": "lcspr",
                "dates": {"notified": D(2018, 1, 2)},
                "stage_log": [
                    {"stage": "information-gathering", "date": D(2018, 1, 10)},
                    {"stage": "analysis", "date": D(2018, 2, 1)},
                ],
            },
        ]
    )
    review = _at(board, D(2018, 1, 5), wt2018).reviews[0]
    assert (review.stage, review.stage_log) == ("referral", ())
    review = _at(board, D(2018, 1, 20), wt2018).reviews[0]
    assert (review.stage, [c.stage for c in review.stage_log]) == ("information-gathering", ["information-gathering"])
    assert review.decision == "lcspr"  # undated: it never says when it was decided
    assert _at(board, D(2018, 3, 1), wt2018) == board


def test_a_decision_is_blank_until_it_was_made(wt2018: Any) -> None:
    by_date = {
        "id": "a",
        "title": "A",
        "kind": "rapid-review",
        "decision": "no-lcspr",
        "dates": {"notified": D(2018, 1, 2), "decided": D(2018, 2, 1)},
    }
    by_stage = {
        "id": "b",
        "title": "B",
        "kind": "rapid-review",
        "decision": "lcspr",
        "stage": "decision",
        "stage_log": [{"stage": "referral", "date": D(2018, 1, 2)}, {"stage": "decision", "date": D(2018, 2, 1)}],
    }
    board = _board(reviews=[by_date, by_stage])
    assert [r.decision for r in _at(board, D(2018, 1, 31), wt2018).reviews] == ["", ""]
    assert [r.decision for r in _at(board, D(2018, 2, 1), wt2018).reviews] == ["no-lcspr", "lcspr"]
    before = _at(board, D(2018, 1, 31), wt2018).reviews[0]
    assert before.dates.decided is None and before.dates.notified == D(2018, 1, 2)


def test_what_a_review_gathered_is_there_from_its_day() -> None:
    board = _board(
        reviews=[
            {
                "id": "r",
                "title": "A",
                "kind": "lcspr",
                "dates": {"notified": D(2018, 1, 2)},
                "practitioner_events": [
                    {"kind": "interview", "date": D(2018, 1, 5)},
                    {"kind": "recall-day", "date": D(2018, 3, 5)},
                ],
                "artefacts": [{"kind": "terms-of-reference"}, {"kind": "report", "date": D(2018, 4, 1)}],
                "statutory_plans": [
                    {"kind": "child-protection-plan", "start": D(2017, 6, 1), "end": D(2018, 2, 1)},
                    {"kind": "looked-after", "start": D(2018, 2, 2)},
                ],
            },
        ]
    )
    review = _at(board, D(2018, 1, 31)).reviews[0]
    assert [e.date for e in review.practitioner_events] == [D(2018, 1, 5)]
    assert [a.kind for a in review.artefacts] == ["terms-of-reference"]
    assert [(p.kind, p.end) for p in review.statutory_plans] == [("child-protection-plan", None)]


def _with_register(**extra: Any) -> Board:
    reviews = [
        {
            "id": "r",
            "title": "A",
            "kind": "lcspr",
            "dates": {"notified": D(2018, 1, 2), "report_received": D(2018, 5, 1), "board_response": D(2018, 6, 1)},
        },
    ]
    return _board(
        reviews=reviews,
        findings=[{"id": "f", "source": "r", "text": "Found"}],
        recommendations=[
            {"id": "rec", "source": "r", "text": "Do", "kind": "resource", "findings": ["f"]},
            {"id": "early", "source": "r", "text": "Do now", "kind": "resource", "made": D(2018, 3, 1)},
            {"id": "own", "text": "Ours", "kind": "resource"},
        ],
        actions=[
            {
                "id": "agreed",
                "text": "A",
                "recommendation": "rec",
                "opened": D(2018, 2, 1),
                "status": "completed",
                "status_log": [
                    {"status": "in-progress", "date": D(2018, 3, 1)},
                    {"status": "completed", "date": D(2018, 7, 1)},
                ],
            },
            {
                "id": "logged",
                "text": "B",
                "recommendation": "early",
                "status": "in-progress",
                "status_log": [{"status": "in-progress", "date": D(2018, 4, 1)}],
            },
            {"id": "undated", "text": "C", "recommendation": "rec", "status": "blocked"},
            {
                "id": "late-opened",
                "text": "D",
                "opened": D(2018, 9, 1),
                "status": "in-progress",
                "status_log": [{"status": "in-progress", "date": D(2018, 8, 1)}],
            },
        ],
        evidence=[{"id": "e", "title": "E", "kind": "data", "date": D(2018, 4, 15), "supports": ["rec", "early", "r"]}],
        **extra,
    )


def test_findings_recommendations_and_actions_appear_when_they_were_made() -> None:
    board = _with_register()
    then = _at(board, D(2018, 3, 15))
    assert [f.id for f in then.findings] == []  # the review's report is not in
    assert [r.id for r in then.recommendations] == ["early", "own"]  # made; undated and sourceless
    # agreed before its recommendation was made: there, without the link; at not-started
    # before its first status change
    assert {a.id: (a.status.value, a.recommendation) for a in then.actions} == {"agreed": ("in-progress", None)}
    then = _at(board, D(2018, 5, 15))
    assert [f.id for f in then.findings] == ["f"]
    assert [r.id for r in then.recommendations] == ["early", "own"]  # "rec" waits for the board response
    assert then.evidence[0].supports == ("early", "r")
    then = _at(board, D(2018, 6, 1))
    assert [r.id for r in then.recommendations] == ["rec", "early", "own"]
    assert {a.id: (a.status.value, a.recommendation) for a in then.actions} == {
        "agreed": ("in-progress", "rec"),
        "logged": ("in-progress", "early"),
        "undated": ("blocked", "rec"),  # no day of its own: with its recommendation, its status as now
    }
    assert then.evidence[0].supports == ("rec", "early", "r")
    then = _at(board, D(2018, 8, 15))
    late = {a.id: a for a in then.actions}["late-opened"]
    assert late.opened is None and late.status is ActionStatus.IN_PROGRESS  # logged before it says it was agreed
    assert _at(board, D(2018, 2, 1)).actions[0].status is ActionStatus.NOT_STARTED
    assert _at(board, D(2018, 9, 1)) == board


def test_a_recommendation_is_made_on_its_sources_day() -> None:
    board = _board(
        audits=[{"id": "audit", "title": "A", "kind": "thematic", "date": D(2018, 3, 1)}],
        scrutiny=[{"id": "scrutiny", "title": "S", "date": D(2018, 4, 1)}],
        national_reviews=[{"id": "national", "title": "N", "published": D(2018, 5, 1)}],
        inspection_recommendations=[
            {"id": "ofsted", "framework": "ofsted-ilacs-2018", "published": D(2018, 6, 1), "number": "1", "text": "T"}
        ],
        section11_audits=[{"id": "s11", "cycle": "2018", "date": D(2018, 7, 1)}],
        recommendations=[
            {"id": f"rec-{s}", "source": s, "text": "Do", "kind": "resource"}
            for s in ("audit", "scrutiny", "national", "ofsted", "s11")
        ],
    )
    for day, made in (
        (D(2018, 2, 28), []),
        (D(2018, 3, 1), ["rec-audit"]),
        (D(2018, 4, 1), ["rec-audit", "rec-scrutiny"]),
        (D(2018, 5, 31), ["rec-audit", "rec-scrutiny", "rec-national"]),
        (D(2018, 6, 30), ["rec-audit", "rec-scrutiny", "rec-national", "rec-ofsted"]),
        (D(2018, 7, 1), ["rec-audit", "rec-scrutiny", "rec-national", "rec-ofsted", "rec-s11"]),
    ):
        assert [r.id for r in _at(board, day).recommendations] == made, day


def test_every_reference_to_what_was_not_yet_there_goes() -> None:
    board = _with_register(
        inspection_recommendations=[
            {"id": "ofsted", "framework": "ofsted-ilacs-2018", "published": D(2018, 6, 1), "number": "1", "text": "T"}
        ],
        people=[
            {"id": "chair", "name": "Chair", "role": "chair", "since": D(2018, 6, 1), "until": D(2019, 1, 1)},
            {"id": "deputy", "name": "Deputy", "role": "chair", "delegate_of": "chair"},
        ],
        scrutiny=[{"id": "s", "title": "S", "date": D(2018, 1, 1), "person": "chair"}],
        feedback=[
            {
                "id": "fb",
                "date": D(2018, 1, 1),
                "given_by": "children",
                "said": "S",
                "did": "D",
                "done": D(2018, 7, 1),
                "supports": ["rec", "own"],
            }
        ],
        sections=[{"id": "sec", "number": "1", "title": "S", "supports": ["ofsted"]}],
    )
    board = attrs.evolve(board, groups=(attrs.evolve(board.groups[0], responsible_for=("ofsted",)),))
    then = _at(board, D(2018, 5, 31))
    assert then.groups[0].responsible_for == () and then.sections[0].supports == ()
    assert [p.id for p in then.people] == ["deputy"] and then.people[0].delegate_of is None
    assert then.scrutiny[0].person is None
    assert (then.feedback[0].supports, then.feedback[0].did, then.feedback[0].done) == (("own",), "", None)
    then = _at(board, D(2018, 12, 31))
    assert [(p.id, p.until) for p in then.people] == [("chair", None), ("deputy", None)]
    assert then.groups[0].responsible_for == ("ofsted",) and then.feedback[0].done == D(2018, 7, 1)


def test_records_that_cannot_be_without_what_is_gone_go_too() -> None:
    board = Board(
        board=_board().board,
        partners=_board().partners,
        section11_standards=(),
        findings=(Finding(id="orphan", source="nowhere", text="F"),),
        contributions=(Contribution(id="c", period="2018-19", partner="ghost"),),
        section11_audits=(
            Section11Audit(
                id="s11",
                cycle="2018",
                returns=(
                    Section11Return(partner="ghost"),
                    Section11Return(partner="police", scores=(StandardScore(standard="gone", self_assessed="green"),)),
                ),
            ),
        ),
    )
    pruned = without_dangling(board)
    assert pruned.findings == () and pruned.contributions == ()
    assert pruned.section11_audits[0].returns == (Section11Return(partner="police"),)


def test_section11_returns_and_moderation() -> None:
    board = _board(
        section11_standards=[{"id": "std", "number": 1, "title": "S"}],
        section11_audits=[
            {
                "id": "s11",
                "cycle": "2018",
                "date": D(2018, 3, 1),
                "returns": [
                    {
                        "partner": "police",
                        "submitted": D(2018, 1, 10),
                        "scores": [{"standard": "std", "self_assessed": "green", "moderated": "amber"}],
                    },
                    {"partner": "police", "submitted": D(2018, 2, 10)},
                ],
            }
        ],
        findings=[{"id": "f", "source": "s11", "text": "F"}],
    )
    assert _at(board, D(2018, 1, 9)).section11_audits == ()
    cycle = _at(board, D(2018, 1, 10)).section11_audits[0]
    assert cycle.date is None and len(cycle.returns) == 1 and cycle.returns[0].scores[0].moderated == ""
    assert _at(board, D(2018, 2, 28)).findings == ()  # found at moderation
    assert _at(board, D(2018, 3, 1)) == board


def test_planned_audits_courses_publications_and_periods() -> None:
    board = _board(
        audits=[{"id": "audit", "title": "A", "kind": "thematic", "date": D(2018, 3, 1)}],
        planned_audits=[
            {"id": "p", "partner": "police", "topic": "T", "status": "completed", "audit": "audit"},
            {"id": "q", "partner": "police", "topic": "T", "status": "cancelled"},
        ],
        courses=[
            {
                "id": "c1",
                "title": "C",
                "period": "2017-18",
                "evaluations": [{"stage": "before", "date": D(2017, 5, 1)}, {"stage": "after", "date": D(2018, 5, 1)}],
            },
            {"id": "c2", "title": "C", "period": "2018-19"},
            {"id": "c3", "title": "C"},
        ],
        publications=[
            {"id": "y", "kind": "yearly-report", "period": "2017-18", "published": D(2018, 2, 1), "sent": D(2018, 2, 5)}
        ],
        measures=[
            {
                "id": "m",
                "title": "M",
                "quadrant": "how-much",
                "polarity": "neither",
                "unit": "count",
                "frequency": "monthly",
                "baseline": {"period": "2011-12", "value": 1.0},
                "values": [{"period": "2011-12", "value": 1.0}, {"period": "2012-01", "value": 2.0}],
                "comparators": [{"kind": "england", "period": "2012-01", "value": 3.0}],
            }
        ],
        child_deaths=[{"id": "cd", "period": "2017-18"}],
        contributions=[{"id": "money", "period": "2018-19", "partner": "police"}],
    )
    then = _at(board, D(2018, 2, 3))
    assert [(p.status, p.audit) for p in then.planned_audits] == [
        (AuditStatus.PLANNED, None),
        (AuditStatus.CANCELLED, None),
    ]
    assert [(c.id, len(c.evaluations)) for c in then.courses] == [("c1", 1), ("c3", 0)]
    assert (then.publications[0].published, then.publications[0].sent) == (D(2018, 2, 1), None)
    assert then.child_deaths == () and then.contributions == ()
    assert _at(board, D(2018, 4, 1)).child_deaths != () and _at(board, D(2018, 4, 1)).contributions != ()
    # a monthly measure's 2011-12 is December 2011
    measure = _at(board, D(2012, 1, 15)).measures[0]
    assert [v.period for v in measure.values] == ["2011-12"] and measure.comparators == ()
    assert measure.baseline is not None
    assert _at(board, D(2011, 12, 30)).measures[0].baseline is None
    assert _at(board, D(2018, 5, 1)) == board


@settings(max_examples=60, deadline=None)
@given(board=boards(), days=st.lists(st.dates(D(1990, 1, 1), D(2041, 1, 1)), min_size=2, max_size=2))
def test_a_day_as_at_a_later_day_is_that_day(board: Board, days: list[D]) -> None:
    """The series is consistent: the board as at an earlier day is the same taken from the
    board as at any later day; the board as at a day after everything it records is itself."""
    early, late = sorted(days)
    assert board_as_at(board_as_at(board, late), early) == board_as_at(board, early)
    assert board_as_at(board_as_at(board, early), early) == board_as_at(board, early)
    assert board_as_at(board, D.max) == board


@pytest.mark.skipif(
    not hasattr(time, "tzset") or not Path("/usr/share/zoneinfo/Europe/London").exists(),
    reason="needs a settable local time zone",
)
def test_the_end_of_a_summer_day_in_london(monkeypatch: pytest.MonkeyPatch) -> None:
    """A change at 23:30 UTC on 30 June 2018 was made at 00:30 on 1 July in London."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        assert day_end(D(2018, 6, 30)) == "2018-06-30T23:00:00.000000+00:00"
        assert day_end(D(2018, 12, 31)) == "2019-01-01T00:00:00.000000+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_monthly_measure_scores_only_months_ended_by_the_day(tmp_path: Path) -> None:
    """A monthly measure's ``2011-12`` is December 2011, not the 2011-12 reporting year: as at
    15 December it is not yet known, on 31 December it is."""
    from lif_core.measures import scorecard

    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board, ignore=shutil.ignore_patterns("register.sqlite*", ".lif"))
    (board / "board.toml").write_text(
        (board / "board.toml").read_text(encoding="utf-8")
        + """
[[measures]]
id = "m-monthly"
title = "A monthly count"
quadrant = "how-much"
polarity = "neither"
unit = "count"
frequency = "monthly"
values = [{ period = "2011-11", value = 4.0 }, { period = "2011-12", value = 9.0 }]
""",
        encoding="utf-8",
    )
    plugins = Plugins.create()
    loaded = open_board(board, plugins)

    def latest(day: D) -> tuple[str, float] | None:
        (score,) = [s for s in scorecard(loaded, plugins, as_of=day) if s.measure.id == "m-monthly"]
        return score.latest

    assert latest(D(2011, 12, 15)) == ("2011-11", 4.0)
    assert latest(D(2011, 12, 31)) == ("2011-12", 9.0)
