"""The public holidays a calendar counts are cached per user (lif_core.clocks), so a command
need not import the ``holidays`` library and compute two centuries of holidays every time.
The cache must never change an answer: every calendar a framework names gives the same
holidays from the cache as from the library, any year; a corrupt, stale or unwritable cache
is ignored; nothing but holiday dates is ever written there, and never inside a board."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import LifError, Plugins
from lif_core.clocks import _YEARS, WorkingDays
from lif_core.files import CACHE_ENV, user_cache_dir

D = dt.date
#: Every UK calendar, whether or not an installed framework names it.
UK = {("GB", "ENG"), ("GB", "WLS"), ("GB", "SCT"), ("GB", "NIR")}


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def _calendars() -> list[tuple[str, str]]:
    plugins = Plugins.create()
    named = {
        (f.calendar.country, f.calendar.subdivision)
        for name in plugins.statutory_frameworks.names()
        if (f := plugins.statutory_frameworks.get(name)).calendar.country
    }
    assert ("GB", "ENG") in named and ("GB", "WLS") in named  # lif-england's and lif-wales's
    return sorted(named | UK)


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("holidays-*.json"))


def _library(country: str, subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision or None)


@pytest.mark.parametrize(("country", "subdivision"), _calendars())
def test_cached_holidays_are_the_librarys_on_every_day(country: str, subdivision: str, _cache: Path) -> None:
    built = WorkingDays(subdivision, country=country)  # computes and writes the cache
    assert len(_files(_cache)) == 1
    cached = WorkingDays(subdivision, country=country)  # reads it
    library = _library(country, subdivision)
    day, last = D(_YEARS[0] - 1, 1, 1), D(_YEARS[-1] + 1, 12, 31)  # a year either side too
    while day <= last:
        expected = library.get(day)
        expected = None if expected is None else str(expected)
        assert built.holiday(day) == cached.holiday(day) == expected, day
        assert cached.is_working_day(day) == (day.weekday() < 5 and expected is None), day
        day += dt.timedelta(days=1)


def test_a_second_calendar_reads_the_cache_not_the_library(monkeypatch: pytest.MonkeyPatch, _cache: Path) -> None:
    WorkingDays("ENG")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the library was asked")

    monkeypatch.setattr(holidays, "country_holidays", refuse)
    england = WorkingDays("ENG")
    assert england.holiday(D(2023, 5, 8)) == "Coronation of Charles III"
    assert not england.is_working_day(D(2019, 8, 26)) and england.is_working_day(D(2019, 8, 27))
    with pytest.raises(AssertionError, match="the library was asked"):
        england.holiday(D(2101, 12, 25))  # a year beyond the cache's is the library's
    with pytest.raises(AssertionError, match="the library was asked"):
        WorkingDays("WLS")  # another calendar is not in the cache yet


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\xff\xfe not text",
        b'{"key": ',  # cut short
        b"[]",
        b'{"key": {}, "dates": {}}',  # another calendar's or another version's
        b"KEY-MISSING-DATES",
        b"KEY-A-DATE-IS-NOT-A-DATE",
        b"KEY-A-NAME-IS-NOT-TEXT",
        b"KEY-A-DATE-OUTSIDE-THE-YEARS",
    ],
)
def test_a_corrupt_or_stale_cache_is_ignored_and_built_again(damage: bytes, _cache: Path) -> None:
    WorkingDays("ENG")
    (path,) = _files(_cache)
    good = json.loads(path.read_text(encoding="utf-8"))
    if damage.startswith(b"KEY-"):
        data = json.loads(json.dumps(good))
        if damage == b"KEY-MISSING-DATES":
            del data["dates"]
        elif damage == b"KEY-A-DATE-IS-NOT-A-DATE":
            data["dates"]["2019-02-30"] = "Pancake Day"
        elif damage == b"KEY-A-NAME-IS-NOT-TEXT":
            data["dates"]["2019-08-26"] = 1
        else:
            data["dates"]["2200-01-01"] = "New Year's Day"
        damage = json.dumps(data).encode()
    path.write_bytes(damage)
    england = WorkingDays("ENG")
    assert england.holiday(D(2019, 8, 26)) == "Late Summer Bank Holiday"
    assert england.is_working_day(D(2019, 8, 27))
    assert json.loads(path.read_text(encoding="utf-8")) == good  # written again, whole


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocked / "lif"))
    assert WorkingDays("ENG").holiday(D(2019, 8, 26)) == "Late Summer Bank Holiday"
    assert blocked.read_text(encoding="utf-8") == "not a folder"
    assert not list(tmp_path.glob("**/.holidays-*"))  # no temporary file left behind


def test_a_cache_file_that_is_a_folder_is_no_error(_cache: Path) -> None:
    WorkingDays("ENG")
    (path,) = _files(_cache)
    path.unlink()
    path.mkdir()
    assert WorkingDays("ENG").holiday(D(2019, 8, 26)) == "Late Summer Bank Holiday"


def test_an_empty_cache_setting_caches_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert user_cache_dir() is None
    england = WorkingDays("ENG")
    assert england.holiday(D(2019, 8, 26)) == "Late Summer Bank Holiday"
    assert england.holiday(D(2020, 12, 28)) == "Boxing Day (observed)"
    assert not list(tmp_path.rglob("*"))


def test_the_cache_holds_the_calendar_and_its_holidays_only(_cache: Path) -> None:
    WorkingDays("WLS")
    (path,) = _files(_cache)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"key", "dates"}
    assert data["key"]["holidays"] == holidays.__version__
    assert (data["key"]["country"], data["key"]["subdivision"]) == ("GB", "WLS")
    assert all(D.fromisoformat(day) and isinstance(name, str) for day, name in data["dates"].items())
    if os.name == "posix":
        assert path.stat().st_mode & 0o077 == 0  # the user's own


def test_a_language_has_its_own_cache(monkeypatch: pytest.MonkeyPatch, _cache: Path) -> None:
    """The library names holidays in the environment's language where none is given: the
    cache follows it, so a cached name is always the one the library would give."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    english = WorkingDays("ENG").holiday(D(2019, 12, 25))
    monkeypatch.setenv("LANGUAGE", "th")
    thai = WorkingDays("ENG").holiday(D(2019, 12, 25))
    assert thai == str(_library("GB", "ENG").get(D(2019, 12, 25)))
    assert english == "Christmas Day" and thai != english
    assert len(_files(_cache)) == 2


def test_an_unknown_calendar_is_still_refused(_cache: Path) -> None:
    with pytest.raises(LifError, match="'GB-XYZ' is not a holiday calendar the holidays library knows"):
        WorkingDays("XYZ")
    assert not _files(_cache)


def test_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "nt":  # pragma: no cover - the tests run on Linux
        pytest.skip("Windows keeps caches in LOCALAPPDATA")
    assert user_cache_dir() == tmp_path / "xdg" / "lif"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/not/allowed")  # the XDG rule: ignored
    assert user_cache_dir() == tmp_path / "home" / ".cache" / "lif"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "mine"))
    assert user_cache_dir() == tmp_path / "mine"


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=D(1897, 1, 1), max_value=D(2103, 12, 31)), st.integers(min_value=0, max_value=400))
def test_working_days_count_the_same_with_and_without_the_cache(start: dt.date, days: int) -> None:
    cached = WorkingDays.for_calendar("GB", "ENG")
    previous = os.environ.get(CACHE_ENV)
    os.environ[CACHE_ENV] = ""  # (hypothesis runs the body many times: no fixture per example)
    try:
        uncached = WorkingDays("ENG")
    finally:
        if previous is None:
            del os.environ[CACHE_ENV]
        else:
            os.environ[CACHE_ENV] = previous
    assert cached.add(start, days) == uncached.add(start, days)
    end = start + dt.timedelta(days=days)
    assert cached.between(start, end) == uncached.between(start, end)
    assert cached.counter()(start, end) == uncached.counter()(start, end)


_CLOSURES = st.frozensets(st.dates(min_value=D(1898, 1, 1), max_value=D(2102, 12, 31)), max_size=20)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([("GB", "ENG"), ("GB", "NIR"), ("", "")]),
    _CLOSURES,
    st.lists(
        st.tuples(st.dates(min_value=D(1898, 1, 1), max_value=D(2102, 12, 31)), st.integers(0, 900)),
        min_size=1,
        max_size=8,
    ),
)
def test_the_fast_counter_counts_as_day_by_day_inside_and_outside_the_cached_years(
    calendar: tuple[str, str], closures: frozenset[dt.date], pairs: list[tuple[dt.date, int]]
) -> None:
    """The counter reads the cached years by ordinal, any other year day by day: a board's
    closure days and public holidays count the same either way, and across the edge."""
    days = WorkingDays.for_calendar(calendar[0], calendar[1], closures)
    counter = days.counter()
    for start, span in pairs:
        end = min(start + dt.timedelta(days=span), D(9999, 1, 1))
        assert counter(start, end) == days.between(start, end), (start, end)
        assert counter(end, start) == -days.between(start, end)
