"""Placement stability checked against answers known by construction.

The generator below decides each child's facts first, from DfE's definitions (looked after at
31 March or not, how many placements during the year, looked after continuously for 2.5 years
or not, with the same carer for 2 years or not, under 16 or not, a date of birth or not, short
breaks, a broken run, missing history), and only then writes SSDA903 episodes and header rows
that realise them: moves with the same carer (RNE T, U), changes of legal status (L), short
breaks under V3/V4, runs broken by a gap, and the boundary days (a move on 1 April, on 31 March,
a period of care starting on 30 September or 1 October 2.5 years before...). The expected
figures are counted from the facts, never from the episodes, and must match exactly.

The day-level reading of the definitions (lif_dfe.stability's docstring): an episode is during
the year when it started by 31 March and had not ceased before 1 April; looked after at 31
March when it had not ceased by it; 2.5 years of care reached on 30 September two and a half
years before; 2 years with the carer on 31 March two years before; under 16 by month of birth.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_dfe.stability import (
    LONG_TERM,
    SHORT_BREAK_EPISODES,
    SHORT_TERM,
    LongTermStability,
    ShortTermStability,
    history_missing,
    no_birth_month,
    placement_stability,
)

from lif_core import LifError, Plugins, validate_board
from lif_core.cli import make_cli
from lif_core.indicators import IndicatorResult, percentage

D = dt.date
DAY = dt.timedelta(days=1)
#: Legal statuses that are not short breaks.
STATUSES = ("C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2")
NEW_CARER = ("P", "B")
SAME_CARER_MOVE = ("T", "U")
PLACEMENT_MOVE = ("P", "B", "T", "U")


@dataclass
class Child:
    """What is true of one child, decided before any episode is written."""

    id: str
    #: looked-after (at 31 March), left-in-year, left-before, short-breaks-only
    kind: str
    placements: int = 0  # during the year, for a child looked after at 31 March
    care_enough: bool = False  # looked after continuously for 2.5 years or more
    carer_enough: bool = False  # with the same carer(s) for 2 years or more
    under_16: bool = False
    dob_missing: bool = False
    truncated: bool = False  # the episodes given start after the 2.5 years' day, not with S
    episodes: list[dict[str, Any]] = field(default_factory=list)
    dob: D | None = None
    short_breaks: int = 0  # V3/V4 episodes written for the child


class Year:
    """The year ending 31 March ``y`` and the days the definitions turn on."""

    def __init__(self, y: int) -> None:
        self.y = y
        self.start = D(y - 1, 4, 1)
        self.end = D(y, 3, 31)
        self.care_day = D(y - 3, 9, 30)  # looked after since this day or before: 2.5 years
        self.carer_day = D(y - 2, 3, 31)  # with the carer since this day or before: 2 years
        self.key = f"{y - 1}-{y % 100:02d}"


def _day(rng: random.Random, low: D, high: D, *edges: D) -> D:
    """A day from low to high, one of ``edges`` (those in range) a third of the time."""
    inside = [e for e in edges if low <= e <= high]
    if inside and rng.random() < 0.34:
        return rng.choice(inside)
    return low + dt.timedelta(days=rng.randint(0, (high - low).days))


def _distinct_days(rng: random.Random, count: int, low: D, high: D, taken: set[D], *edges: D) -> list[D] | None:
    out: list[D] = []
    for _ in range(count):
        for _attempt in range(50):
            day = _day(rng, low, high, *edges)
            if day not in taken:
                taken.add(day)
                out.append(day)
                break
        else:
            return None
    return out


class Infeasible(Exception):
    """The facts drawn cannot be realised: draw again."""


def _episodes(child: str, events: list[tuple[D, str]], end: D | None, rng: random.Random) -> list[dict[str, Any]]:
    """Contiguous episodes, one from each event (day, RNE) to the next, the last to ``end``."""
    events = sorted(events)
    out = []
    for i, (day, rne) in enumerate(events):
        ceased = events[i + 1][0] if i + 1 < len(events) else end
        out.append({"CHILD": child, "DECOM": day, "DEC": ceased, "RNE": rne, "LS": rng.choice(STATUSES)})
    return out


def _looked_after(rng: random.Random, year: Year, child: Child) -> None:
    """Episodes realising a child looked after at 31 March with ``child``'s facts."""
    y = year
    # A run broken by a gap: an earlier period of care, with `prior` placements during the year.
    broken = rng.random() < 0.3 and not child.care_enough and not child.carer_enough
    prior = rng.choice((0, 0, 1, 2)) if broken else 0
    if prior >= child.placements:
        prior = 0
    # The period of care looked after at 31 March begins on `care`, with its carer(s) on `carer`.
    if child.care_enough:
        care = _day(rng, y.end.replace(year=y.y - 8), y.care_day, y.care_day)
    elif child.carer_enough:
        care = _day(rng, y.care_day + DAY, y.carer_day, y.care_day + DAY, y.carer_day)
    elif prior:
        care = _day(rng, y.start + dt.timedelta(days=40), y.end, y.end)
    else:
        care = _day(rng, y.care_day + DAY, y.end, y.care_day + DAY, y.start, y.end)
    if child.carer_enough:
        carer = _day(rng, care, y.carer_day, care, y.carer_day)
    else:
        carer = _day(rng, max(care, y.carer_day + DAY), y.end, care, y.carer_day + DAY, y.start, y.end)
    taken = {care, carer}
    events: list[tuple[D, str]] = [(care, "S")]
    if carer > care:
        events.append((carer, rng.choice(NEW_CARER)))
    # Moves during the year: one placement each (the first placement of the year counts too).
    in_year = [d for d, _ in events if d >= y.start and d > care]
    moves = child.placements - prior - 1 - len(in_year)
    if moves < 0:
        raise Infeasible
    low = max(y.start, care + DAY)
    if moves and low > y.end:
        raise Infeasible
    days = _distinct_days(rng, moves, low, y.end, taken, y.start, y.end) if moves else []
    if days is None:
        raise Infeasible
    events += [(d, rng.choice(PLACEMENT_MOVE if d < carer else SAME_CARER_MOVE)) for d in days]
    # Moves before the year (they count for nothing this year) and changes of legal status.
    if care + DAY < y.start - DAY:
        history = _distinct_days(rng, rng.randint(0, 3), care + DAY, y.start - DAY, taken)
        if history is None:
            raise Infeasible
        events += [(d, rng.choice(PLACEMENT_MOVE if d < carer else SAME_CARER_MOVE)) for d in history]
    if care < y.end:
        legal = _distinct_days(rng, rng.randint(0, 3), care + DAY, y.end, taken, y.start, y.end)
        if legal is None:
            raise Infeasible
        events += [(d, "L") for d in legal]
    if child.truncated:  # the data begin with a later episode (not S), after the 2.5 years' day
        cut_low, cut_high = y.care_day + DAY, y.start - DAY
        cuts = [d for d, _ in events if cut_low <= d <= cut_high]
        if not cuts:
            extra = _distinct_days(rng, 1, cut_low, cut_high, taken)
            if extra is None:
                raise Infeasible
            events.append((extra[0], "L"))
            cuts = extra
        cut = rng.choice(cuts)
    ceased = None if rng.random() < 0.8 else y.end + dt.timedelta(days=rng.randint(1, 60))
    episodes = _episodes(child.id, events, ceased, rng)
    if child.truncated:
        episodes = [e for e in episodes if e["DECOM"] >= cut]
    # The earlier period of care, ceasing before this one began (a gap of a day or more).
    if broken:
        if prior:  # its last `prior` placements during the year
            end = _day(rng, y.start + dt.timedelta(days=prior + 1), care - 2 * DAY, care - 2 * DAY)
            if end <= y.start + dt.timedelta(days=prior):
                raise Infeasible
            began = _day(rng, y.start - dt.timedelta(days=500), y.start - DAY, y.start - DAY)
            mids = _distinct_days(rng, prior - 1, y.start, end - DAY, {began}, y.start)
            if mids is None:
                raise Infeasible
            before = [(began, "S")] + [(d, rng.choice(PLACEMENT_MOVE)) for d in mids]
        else:  # wholly before the year, or before this period of care
            end = _day(rng, care - dt.timedelta(days=900), min(care, y.start) - 2 * DAY, y.start - 2 * DAY)
            began = end - dt.timedelta(days=rng.randint(1, 400))
            before = [(began, "S")]
            if (end - began).days > 2 and rng.random() < 0.5:
                before.append((began + dt.timedelta(days=rng.randint(1, (end - began).days - 1)), "P"))
        episodes = _episodes(child.id, before, end, rng) + episodes
    child.episodes = episodes


def _not_looked_after(rng: random.Random, year: Year, child: Child) -> None:
    y = year
    if child.kind == "left-in-year":
        began = _day(rng, y.start - dt.timedelta(days=900), y.end - DAY, y.start)
        ceased = _day(rng, max(began + DAY, y.start), y.end, y.start, y.end)
    else:  # left before the year: it ceased by 31 March a year before (on it at the latest)
        ceased = _day(rng, y.start - dt.timedelta(days=700), y.start - DAY, y.start - DAY)
        began = ceased - dt.timedelta(days=rng.randint(1, 600))
    events = [(began, "S")]
    taken = {began, ceased}
    if (ceased - began).days > 1:
        moves = _distinct_days(rng, rng.randint(0, 4), began + DAY, ceased - DAY, taken, y.start)
        events += [(d, rng.choice((*PLACEMENT_MOVE, "L"))) for d in moves or []]
    child.episodes = _episodes(child.id, events, ceased, rng)


def _short_breaks(rng: random.Random, child: Child, until: D, open_at_end: bool) -> list[dict[str, Any]]:
    """A series of short-term placements (V3/V4) ending on or before ``until`` (the last one
    still open where ``open_at_end``)."""
    count = rng.randint(1, 3)
    day = until - dt.timedelta(days=rng.randint(10, 500))
    out = []
    for i in range(count):
        last = i == count - 1
        ceased = None if last and open_at_end else min(until, day + dt.timedelta(days=rng.randint(1, 20)))
        out.append({"CHILD": child.id, "DECOM": day, "DEC": ceased, "RNE": "S", "LS": rng.choice(("V3", "V4"))})
        if ceased is None or ceased >= until:
            break
        day = ceased + dt.timedelta(days=rng.randint(0, 30))
        if day > until:
            break
    child.short_breaks = len(out)
    return out


def generate(seed: int, children: int = 40, y: int | None = None) -> tuple[Year, list[Child]]:
    """Children whose facts are decided first, then realised as episodes and a date of birth."""
    rng = random.Random(seed)
    year = Year(y if y is not None else rng.randint(2014, 2026))
    out: list[Child] = []
    n = 0
    while len(out) < children:
        n += 1
        kind = rng.choice(("looked-after",) * 6 + ("left-in-year", "left-before", "short-breaks-only"))
        if n == 1:
            kind = "left-in-year"  # someone's episode begins during the year, so the data reach it
        child = Child(f"K{seed % 1000:03d}{n:04d}", kind)
        if kind == "looked-after":
            child.placements = rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
            child.care_enough = rng.random() < 0.5
            child.carer_enough = rng.random() < 0.5
            child.under_16 = rng.random() < 0.75
            child.dob_missing = rng.random() < 0.1
            child.truncated = child.care_enough and child.under_16 and not child.dob_missing and rng.random() < 0.15
            try:
                _looked_after(rng, year, child)
            except Infeasible:
                continue
            first = min(e["DECOM"] for e in child.episodes)
            if rng.random() < 0.3:  # short breaks before anything else, some of them during the year
                until = first if rng.random() < 0.5 else first - dt.timedelta(days=rng.randint(1, 40))
                child.episodes = _short_breaks(rng, child, until, open_at_end=False) + child.episodes
        elif kind == "short-breaks-only":
            child.episodes = _short_breaks(rng, child, year.end, open_at_end=True)
        else:
            _not_looked_after(rng, year, child)
        child.dob = _birth(rng, year, child)
        out.append(child)
    return year, out


def _birth(rng: random.Random, year: Year, child: Child) -> D | None:
    if child.dob_missing:
        return None
    y = year.y
    if child.under_16 or (child.kind != "looked-after" and rng.random() < 0.5):
        low, high = D(y - 16, 4, 1), D(y - 1, 3, 31)  # 16th birthday after 31 March: under 16
        edge = D(y - 16, 4, rng.randint(1, 30))
    else:
        low, high = D(y - 18, 1, 1), D(y - 16, 3, 31)  # born in March 16 years before: 16 on 31 March
        edge = D(y - 16, 3, rng.randint(1, 31))
    first = min((e["DECOM"] for e in child.episodes), default=high)
    high = min(high, first)
    if high < low:
        raise AssertionError("a looked-after child's facts never put their birth after their care")
    return _day(rng, low, high, edge)


def expected(year: Year, children: list[Child]) -> dict[str, Any]:
    """The figures of the year, counted from the facts alone."""
    looked_after = [c for c in children if c.kind == "looked-after"]
    eligible = [c for c in looked_after if c.under_16 and c.care_enough and not c.dob_missing and not c.truncated]
    return {
        "short": (sum(c.placements >= 3 for c in looked_after), len(looked_after)),
        "long": (sum(c.carer_enough for c in eligible), len(eligible)),
        "no birth": sum(c.dob_missing and c.care_enough for c in looked_after),
        "history": sum(c.truncated for c in looked_after),
        "short breaks": sum(c.short_breaks for c in children),
    }


def _records(children: list[Child]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    episodes = [e for c in children for e in c.episodes]
    header = [{"CHILD": c.id, "DOB": f"{c.dob:%Y-%m}" if c.dob else None} for c in children]
    return episodes, header


def _row(result: IndicatorResult, key: str) -> tuple[int, int, float | None] | None:
    row = next((r for r in result.rows if r.period == key and r.group == ""), None)
    return (row.numerator, row.denominator, row.value) if row else None


def _check(year: Year, children: list[Child], short: IndicatorResult, long: IndicatorResult) -> None:
    want = expected(year, children)
    for result, (num, den) in ((short, want["short"]), (long, want["long"])):
        got = _row(result, year.key)
        assert got == ((num, den, percentage(num, den, 0)) if den else None), (result.name, year.key)
        assert result.precision == 0 and result.frequency == "year"
        assert all(r.value is None or r.value == int(r.value) for r in result.rows)  # whole numbers
    assert short.excluded.get(SHORT_BREAK_EPISODES, 0) == want["short breaks"]
    assert long.excluded.get(SHORT_BREAK_EPISODES, 0) == want["short breaks"]
    assert long.excluded.get(no_birth_month(year.y), 0) == want["no birth"]
    assert long.excluded.get(history_missing(year.y), 0) == want["history"]


@given(st.integers(0, 2**32 - 1))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_stability_matches_answers_known_by_construction(seed: int) -> None:
    year, children = generate(seed)
    episodes, header = _records(children)
    random.Random(seed).shuffle(episodes)  # the order of the file decides nothing
    short, long = placement_stability(episodes, header)
    _check(year, children, short, long)


def test_the_generator_reaches_every_case() -> None:
    """Over a few seeds the facts cover every case the definitions distinguish (so the test
    above can fail on each)."""
    children = [c for seed in range(30) for c in generate(seed)[1]]
    looked_after = [c for c in children if c.kind == "looked-after"]
    assert {c.kind for c in children} == {"looked-after", "left-in-year", "left-before", "short-breaks-only"}
    assert {c.placements for c in looked_after} == {1, 2, 3, 4, 5}
    for fact in ("care_enough", "carer_enough", "under_16", "dob_missing", "truncated"):
        assert {getattr(c, fact) for c in looked_after} == {True, False}, fact
    rnes = {e["RNE"] for c in children for e in c.episodes}
    assert rnes == {"S", "P", "B", "T", "U", "L"}
    assert any(c.short_breaks for c in looked_after)
    gaps = [
        c
        for c in looked_after
        if any(a["DEC"] is not None and a["DEC"] < b["DECOM"] and b["LS"] not in ("V3", "V4") for a, b in _pairs(c))
    ]
    assert gaps  # broken runs
    starts_on_first_day = [e for c in looked_after for e in c.episodes if e["DECOM"].month == 4 and e["DECOM"].day == 1]
    assert starts_on_first_day  # moves on 1 April


def _pairs(child: Child) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    eps = sorted(child.episodes, key=lambda e: e["DECOM"])
    return itertools.pairwise(eps)


# --------------------------------------------------------------------------- worked cases


def _ep(child: str, start: D, end: D | None, rne: str, ls: str = "C2") -> dict[str, Any]:
    return {"CHILD": child, "DECOM": start, "DEC": end, "RNE": rne, "LS": ls}


def test_worked_cases_by_hand() -> None:
    episodes = [
        # X: three placements in 2018-19 (S, P, P), looked after 11 months: not in the long-term group.
        _ep("X", D(2018, 5, 1), D(2018, 8, 1), "S"),
        _ep("X", D(2018, 8, 1), D(2018, 12, 1), "P"),
        _ep("X", D(2018, 12, 1), None, "P"),
        # Y: in care since June 2015, same carer since Sept 2016 (a legal status change in Nov 2018
        # and a move with the same carers in Jan 2019 keep it): 2 placements this year (T counts
        # as a placement); long-term stable.
        _ep("Y", D(2015, 6, 1), D(2016, 9, 1), "S"),
        _ep("Y", D(2016, 9, 1), D(2018, 11, 1), "P"),
        _ep("Y", D(2018, 11, 1), D(2019, 1, 10), "L"),
        _ep("Y", D(2019, 1, 10), None, "T"),
        # Z: left care before the year: not counted.
        _ep("Z", D(2017, 1, 1), D(2018, 2, 1), "S"),
        # W: four placements this year; 17 on 31 March, so not in the under-16 group.
        _ep("W", D(2018, 6, 1), D(2018, 7, 1), "S"),
        _ep("W", D(2018, 7, 1), D(2018, 9, 1), "P"),
        _ep("W", D(2018, 9, 1), D(2019, 1, 1), "T"),
        _ep("W", D(2019, 1, 1), None, "P"),
        # V: short breaks only (V3, V4): left out before anything else.
        _ep("V", D(2018, 4, 20), D(2018, 4, 22), "S", "V3"),
        _ep("V", D(2018, 5, 20), D(2018, 5, 22), "S", "V4"),
        _ep("V", D(2019, 3, 20), None, "S", "V3"),
        # U: in care since 2014, moved with new carers in 2017 (B): 2.5 years in care, but with
        # these carers for less than 2 years: in the long-term group, not stable.
        _ep("U", D(2014, 2, 1), D(2017, 6, 1), "S"),
        _ep("U", D(2017, 6, 1), None, "B"),
        # R: a broken run: care ended in December 2016 and began again (S) in January 2017: less
        # than 2.5 years on 31 March 2019, so not in the long-term group.
        _ep("R", D(2013, 1, 1), D(2016, 12, 1), "S"),
        _ep("R", D(2017, 1, 5), None, "S"),
    ]
    header = [
        {"CHILD": "X", "DOB": "2010-01"},
        {"CHILD": "Y", "DOB": "2008-05"},
        {"CHILD": "W", "DOB": "2002-02"},
        {"CHILD": "U", "DOB": "2009-03"},
        {"CHILD": "R", "DOB": "2009-03"},
    ]
    short, long = placement_stability(episodes, header)
    # Looked after at 31 March 2019: X, Y, W, U, R (V's short breaks left out); 3+: X, W.
    assert _row(short, "2018-19") == (2, 5, 40.0)
    # Under 16, 2.5 years: Y, U (R's run began in 2017); same carer 2 years: Y.
    assert _row(long, "2018-19") == (1, 2, 50.0)
    assert short.excluded == {SHORT_BREAK_EPISODES: 3}
    # The years reached: from the first ceasing (2016-17: R's) to the latest start (2018-19).
    assert [r.period for r in short.rows] == ["2016-17", "2017-18", "2018-19"]


def test_boundary_days() -> None:
    y = Year(2019)
    episodes = [
        # Ceased on 31 March: not looked after on it.
        _ep("a", D(2018, 6, 1), D(2019, 3, 31), "S"),
        # Ceased on 1 April after: looked after on 31 March; moved on 1 April 2018 (the episode
        # ending that day was during the year too): 2 placements, and a move on 31 March: 3.
        _ep("b", D(2017, 1, 1), D(2018, 4, 1), "S"),
        _ep("b", D(2018, 4, 1), D(2019, 3, 31), "P"),
        _ep("b", D(2019, 3, 31), D(2019, 4, 1), "T"),
        # In care from 30 September 2016 (2.5 years exactly), with new carers on 31 March 2017
        # (2 years exactly); 16 in April 2019, so under 16 on 31 March: in the group, stable.
        _ep("c", y.care_day, y.carer_day, "S"),
        _ep("c", y.carer_day, None, "P"),
        # In care from 1 October 2016: a day short of 2.5 years: not in the group.
        _ep("d", y.care_day + DAY, None, "S"),
        # New carers on 1 April 2017: a day short of 2 years: in the group, not stable.
        _ep("e", D(2015, 1, 1), D(2017, 4, 1), "S"),
        _ep("e", D(2017, 4, 1), None, "B"),
        # In care since 2015 with the same carer, but 16 in March 2019: not under 16.
        _ep("f", D(2015, 1, 1), None, "S"),
        _ep("z", D(2018, 9, 1), D(2018, 10, 1), "S"),  # someone ceasing during the year
    ]
    header = [
        {"CHILD": "b", "DOB": "2010-01"},
        {"CHILD": "c", "DOB": "2003-04"},
        {"CHILD": "d", "DOB": "2010-01"},
        {"CHILD": "e", "DOB": "2010-01"},
        {"CHILD": "f", "DOB": "2003-03"},
    ]
    short, long = placement_stability(episodes, header)
    assert _row(short, "2018-19") == (1, 5, 20.0)  # b, c, d, e, f looked after; b has 3 placements
    assert _row(long, "2018-19") == (1, 2, 50.0)  # c and e in the group; c stable


def test_missing_history_and_birth_are_left_out_and_counted() -> None:
    episodes = [
        # The first episode given is a move with the same carers in 2017: care began before it.
        _ep("h", D(2017, 5, 1), None, "T"),
        # The same, but in 2015: care began 2.5 years ago or more either way, and a move with new
        # carers in 2016 settles the carer: known.
        _ep("k", D(2015, 5, 1), D(2016, 2, 1), "L"),
        _ep("k", D(2016, 2, 1), None, "P"),
        # No date of birth: left out, counted.
        _ep("m", D(2014, 5, 1), None, "S"),
        _ep("z", D(2018, 9, 1), D(2018, 10, 1), "S"),
    ]
    header = [{"CHILD": "h", "DOB": "2010-01"}, {"CHILD": "k", "DOB": "2010-01"}, {"CHILD": "m", "DOB": None}]
    _short, long = placement_stability(episodes, header)
    assert _row(long, "2018-19") == (1, 1, 100.0)  # k alone
    assert long.excluded[history_missing(2019)] == 1
    assert long.excluded[no_birth_month(2019)] == 1


def test_only_years_ending_31_march() -> None:
    from lif_core.extensions import Indicator

    with pytest.raises(LifError, match="years ending 31 March only"):
        ShortTermStability("month")
    registry = Plugins.create().indicators
    for name in (SHORT_TERM, LONG_TERM):
        indicator: Indicator = registry.get(name)
        assert indicator.frequencies == ("year",) and registry.plugin_of(name) == "dfe"
    assert dict(registry.get(LONG_TERM).inputs).keys() == {"header"}
    assert LongTermStability().input_fields == {"header": ("CHILD", "DOB")}


def test_a_bad_value_names_the_field() -> None:
    acc = ShortTermStability()
    with pytest.raises(LifError, match="field 'DECOM' holds str, not a date"):
        acc.add_rows([("A", "01/02/2019", None, "S", "C2")])
    long = LongTermStability()
    with pytest.raises(LifError, match="field 'DOB' holds something other than a month of birth"):
        long.add_input_rows("header", [("A", "1 May 2010")])


# --------------------------------------------------------------------------- end to end

BOARD = """\
format = 1

[board]
id = "t"
name = "Testshire Safeguarding Children Partnership"
area = "Testshire"
statutory_framework = "england-wt2018"

[[partners]]
id = "council"
name = "Testshire Council"
sector = "local-authority"
safeguarding_partner = true

[[partners]]
id = "police"
name = "Testshire Police"
sector = "police"
safeguarding_partner = true

[[partners]]
id = "icb"
name = "Testshire Integrated Care Board"
sector = "health"
safeguarding_partner = true

[[groups]]
id = "board"
name = "The partnership"
kind = "board"
"""
EPISODE_COLUMNS = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"


def write_board(root: Path, children: list[Child], *, header_source: str = "lac-header") -> None:
    lines = [EPISODE_COLUMNS]
    for c in children:
        for e in c.episodes:
            dec = f"{e['DEC']:%d/%m/%Y}" if e["DEC"] else ""
            lines.append(
                f"{c.id},{e['DECOM']:%d/%m/%Y},{e['RNE']},{e['LS']},N1,U1,PR1,{dec},{'E11' if dec else ''},,,,"
            )
    (root / "episodes.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    head = ["CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"]
    head += [f"{c.id},1,{f'{c.dob:%d/%m/%Y}' if c.dob else ''},WBRI,,," for c in children]
    (root / "header.csv").write_text("\n".join(head) + "\n", encoding="utf-8")
    board = BOARD + (
        '\n[[sources]]\nid = "lac-episodes"\nadapter = "ssda903"\npath = "episodes.csv"\n'
        'options = { table = "episodes" }\n'
        '\n[[sources]]\nid = "lac-header"\nadapter = "ssda903"\npath = "header.csv"\noptions = { table = "header" }\n'
        '\n[[measures]]\nid = "m-3plus"\ntitle = "Three or more placements"\nquadrant = "how-well"\n'
        'polarity = "lower-is-better"\nunit = "percent"\nfrequency = "annual"\nsource = "lac-episodes"\n'
        'indicator = "placement-stability-3plus"\n'
        '\n[[measures]]\nid = "m-long"\ntitle = "Long-term stability"\nquadrant = "better-off-percent"\n'
        'polarity = "higher-is-better"\nunit = "percent"\nfrequency = "annual"\nsource = "lac-episodes"\n'
        f'indicator = "placement-stability-long-term"\ninputs = {{ header = "{header_source}" }}\n'
    )
    (root / "board.toml").write_text(board, encoding="utf-8")


def _latest(output: str) -> dict[str, str]:
    table = json.loads(output)["sections"][0]["blocks"][0]
    column = table["columns"].index("Latest")
    return {row[0]: row[column] for row in table["rows"]}


def test_lif_measures_shows_both_stability_measures_from_two_ssda903_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Episodes and header through the ssda903 adapter, each its own source, a measure on each
    indicator: `lif measures` shows the figures the facts give, as whole-number percentages."""
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")
    year, children = generate(7, children=700, y=2019)
    write_board(tmp_path, children)
    plugins = Plugins.create()
    checked = validate_board(tmp_path, plugins)
    assert checked.ok, [str(p) for p in checked.errors]
    result = CliRunner().invoke(make_cli(plugins), ["measures", str(tmp_path), "-f", "json"])
    assert result.exit_code == 0, result.output
    want = expected(year, children)
    assert min(*want["short"], *want["long"]) >= 10  # no figure small enough to be hidden
    latest = _latest(result.stdout)
    short = percentage(*want["short"], 0)
    long = percentage(*want["long"], 0)
    assert latest["Three or more placements"] == f"{short:.0f}% (2018-19)"
    assert latest["Long-term stability"] == f"{long:.0f}% (2018-19)"
    for child in children:
        assert child.id not in result.output  # children's identifiers never shown


def test_a_measures_inputs_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIF_PSEUDONYM_KEY", "test-key-not-for-real-data-0123456789")
    _year, children = generate(3, children=30, y=2019)
    write_board(tmp_path, children, header_source="lac-headr")
    board = tmp_path / "board.toml"
    errors = [str(p) for p in validate_board(tmp_path, Plugins.create()).errors]
    assert errors == [
        "board.toml: measures[1].inputs.header: no source with id 'lac-headr' (did you mean 'lac-header'?)"
    ]
    text = board.read_text(encoding="utf-8").replace('"lac-headr"', '"lac-header"')
    board.write_text(text.replace('inputs = { header = "lac-header" }', ""), encoding="utf-8")
    errors = [str(p) for p in validate_board(tmp_path, Plugins.create()).errors]
    assert errors == [
        "board.toml: measures[1].inputs: indicator 'placement-stability-long-term' also reads the SSDA903 header "
        "table (CHILD, DOB), for each child's month of birth: name its source as inputs.header "
        '(inputs = { header = "<source id>" })'
    ]
    board.write_text(text.replace("inputs = { header", "inputs = { birth"), encoding="utf-8")
    errors = [str(p) for p in validate_board(tmp_path, Plugins.create()).errors]
    assert errors[0] == (
        "board.toml: measures[1].inputs.birth: indicator 'placement-stability-long-term' reads no input 'birth'; "
        "its inputs: 'header'"
    )
    board.write_text(text.replace('frequency = "annual"', 'frequency = "monthly"'), encoding="utf-8")
    errors = [str(p) for p in validate_board(tmp_path, Plugins.create()).errors]
    assert errors == [
        "board.toml: measures[0].frequency: indicator 'placement-stability-3plus' is counted 'annual' only, "
        "not 'monthly'",
        "board.toml: measures[1].frequency: indicator 'placement-stability-long-term' is counted 'annual' only, "
        "not 'monthly'",
    ]
    # the header read as a source that lacks DOB: the field is named
    board.write_text(
        text.replace('options = { table = "header" }', 'options = { table = "header" }\nfields = { DOB = "drop" }'),
        encoding="utf-8",
    )
    errors = [str(p) for p in validate_board(tmp_path, Plugins.create()).errors]
    assert any(
        e.startswith("board.toml: measures[1].inputs.header: reads 'DOB', which source 'lac-header' does not declare")
        for e in errors
    ), errors
