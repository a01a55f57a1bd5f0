"""The fake census generator writes clean returns by default: the census adapter's
data-quality checks find nothing in them (so an example board built from one warns of
nothing); ``clean=False`` writes the faulty returns it used to, for tests of the checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lif_dfe import cin
from lif_dfe.fake import write_cin

TABLES = ("referrals", "assessments", "section47", "cp-plans", "cin-plans")


def _checks(path: Path) -> dict[str, dict[str, int]]:
    """What each table's data-quality checks found, from reading the file every way it is read."""
    cin._parsed.cache_clear()
    adapter = cin.CinCensusAdapter()
    found: dict[str, dict[str, int]] = {}
    for index, batch in adapter.batches_for(path, [{"table": t} for t in TABLES]):
        for _row, _field, message in batch.warnings:
            tag = re.search(r"\[([a-z-]+): (left out|kept)\]$", message)
            assert tag, message  # a fake return's only warnings would be the checks'
            table = found.setdefault(TABLES[index], {})
            table[tag.group(1)] = table.get(tag.group(1), 0) + 1
    return found


@pytest.mark.parametrize(("children", "seed"), [(2500, 7), (3000, 1), (1500, 42)])
def test_a_fake_census_is_clean_by_default(tmp_path: Path, children: int, seed: int) -> None:
    path = tmp_path / "cin-2019.xml"
    write_cin(path, children, 2019, seed=seed)
    assert _checks(path) == {}


def test_a_faulty_fake_census_has_what_the_checks_find(tmp_path: Path) -> None:
    """The Croydon example's census as first written (2,500 children, seed 7): 4 assessments
    begun after 31 March and 11 plans overlapping the last; clean, the same children otherwise."""
    faulty, clean = tmp_path / "faulty-2019.xml", tmp_path / "clean-2019.xml"
    write_cin(faulty, 2500, 2019, seed=7, clean=False)
    write_cin(clean, 2500, 2019, seed=7)
    assert _checks(faulty) == {"assessments": {"after-reference-date": 4}, "cp-plans": {"overlapping-plans": 11}}
    ids = [line.split("</LAchildID>")[0] for line in faulty.read_text().split("<LAchildID>")[1:]]
    assert ids == [line.split("</LAchildID>")[0] for line in clean.read_text().split("<LAchildID>")[1:]]


def test_the_croydon_example_is_the_clean_fake_census(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[3] / "examples" / "croydon" / "data" / "case-level"
    path = tmp_path / "cin-census-2019.xml"
    write_cin(path, 2500, 2019, seed=7)
    assert path.read_bytes() == (example / "cin-census-2019.xml").read_bytes()
