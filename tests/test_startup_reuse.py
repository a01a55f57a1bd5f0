"""What a command reads twice is worked out once: a board's calendars share one reading of the
holiday cache file, and a narrative file its checks read and its report composes again is
parsed once. Each gives exactly what working it out again gives."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core import clocks
from lif_core.clocks import WorkingDays
from lif_core.files import CACHE_ENV
from lif_core.report import narrative
from lif_core.report.narrative import narrative_blocks


@pytest.fixture
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(clocks, "_READ", {})
    return tmp_path


def test_calendars_share_one_reading_of_the_holiday_cache(_cache: Path) -> None:
    WorkingDays("ENG")  # writes the cache
    first = WorkingDays("ENG", closures=[dt.date(2024, 1, 2)])
    second = WorkingDays("ENG", closures=[dt.date(2024, 1, 3)])
    assert first._dates is second._dates  # one reading, shared (never changed)
    assert len(clocks._READ) == 1
    assert first.holiday(dt.date(2023, 5, 8)) == second.holiday(dt.date(2023, 5, 8)) == "Coronation of Charles III"
    assert not first.is_working_day(dt.date(2024, 1, 2)) and first.is_working_day(dt.date(2024, 1, 3))
    assert not second.is_working_day(dt.date(2024, 1, 3)) and second.is_working_day(dt.date(2024, 1, 2))


def test_a_cache_file_that_changed_is_read_again(_cache: Path) -> None:
    WorkingDays("ENG")
    (path,) = _cache.glob("holidays-*.json")
    before = WorkingDays("ENG")
    path.write_text(path.read_text(encoding="utf-8").replace("Coronation of Charles III", "Coronation"), "utf-8")
    after = WorkingDays("ENG")
    assert before.holiday(dt.date(2023, 5, 8)) == "Coronation of Charles III"
    assert after.holiday(dt.date(2023, 5, 8)) == "Coronation"  # the file as it now is
    path.write_text("not json", encoding="utf-8")
    assert WorkingDays("ENG").holiday(dt.date(2023, 5, 8)) == "Coronation of Charles III"  # built again


TEXTS = st.lists(
    st.sampled_from(["# Part\n", "Words and *more* words.\n", "- item\n", "\n", "| a | b |\n|---|---|\n| 1 | 2 |\n"]),
    max_size=12,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(text=TEXTS)
def test_a_narrative_parsed_again_is_the_same(text: str) -> None:
    first = narrative_blocks(text)
    narrative._narrative_blocks.cache_clear()
    assert narrative_blocks(text) == first  # parsed afresh
    assert narrative_blocks(text) is narrative_blocks(text)  # then once


def test_reading_narratives_waits_for_the_markdown_parser_until_one_is_read() -> None:
    code = (
        "import sys\n"
        "import lif_core.report.narrative as n\n"
        "before = 'markdown_it' in sys.modules\n"
        "n.narrative_blocks('# Part\\n\\nText.')\n"
        "print(before, 'markdown_it' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


D = dt.date


@settings(max_examples=100, deadline=None)
@given(
    closures=st.lists(st.dates(min_value=D(2015, 1, 1), max_value=D(2025, 1, 1)), max_size=20),
    pairs=st.lists(
        st.tuples(st.dates(min_value=D(2010, 1, 1), max_value=D(2030, 1, 1)), st.integers(-400, 800)), max_size=20
    ),
)
def test_the_counters_week_pattern_agrees_with_counting_day_by_day(
    closures: list[dt.date], pairs: list[tuple[dt.date, int]]
) -> None:
    days = WorkingDays.for_calendar("GB", "WLS", frozenset(closures))
    counter = days.counter()
    for start, span in pairs:
        end = start + dt.timedelta(days=span)
        expected = sum(days.is_working_day(start + dt.timedelta(days=n)) for n in range(1, span + 1))
        assert counter(start, end) == (
            expected
            if span >= 0
            else -sum(days.is_working_day(end + dt.timedelta(days=n)) for n in range(1, -span + 1))
        )
