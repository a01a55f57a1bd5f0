"""The CIN census's data-quality checks: events after the census's reference date, child
protection plans overlapping the same child's previous plan, and events more than 40 weeks
before the child was born (or is due). Each is checked against an oracle written from the
definitions, over random dates around the reference date and the date of birth, for each
choice of what the checks leave out; and the readable check reads no further than it must."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lif_dfe import CinCensusAdapter
from lif_dfe import cin as cin_module
from lif_dfe.fake import write_cin

from lif_core import LifError

CIN = CinCensusAdapter()
REFERENCE = dt.date(2019, 3, 31)
TAG = re.compile(r" \[([a-z-]+): (left out|kept)\]$")


@attrs.frozen
class Item:
    """One nested element of an episode: its element name and its two dates."""

    element: str
    first: dt.date
    second: dt.date | None


@attrs.frozen
class Episode:
    referral: dt.date
    closure: dt.date | None
    initial_cpc: dt.date | None
    items: tuple[Item, ...]


@attrs.frozen
class Child:
    ident: str
    born: tuple[str, dt.date] | None  # ("PersonBirthDate" or "ExpectedPersonBirthDate", day)
    episodes: tuple[Episode, ...]


#: Each nested table: its element, the tags of its two dates, and the names lif gives them.
ELEMENTS = {
    "assessments": ("Assessments", "AssessmentActualStartDate", "AssessmentAuthorisationDate", "start", "authorised"),
    "section47": ("Section47", "S47ActualStartDate", "DateOfInitialCPC", "start", "icpc_date"),
    "cp-plans": ("ChildProtectionPlans", "CPPstartDate", "CPPendDate", "start", "end"),
    "cin-plans": ("CINPlanDates", "CINPlanStartDate", "CINPlanEndDate", "start", "end"),
}
BY_ELEMENT = {v[0]: k for k, v in ELEMENTS.items()}


def _xml_item(item: Item) -> str:
    element, first, second, _a, _b = ELEMENTS[BY_ELEMENT[item.element]]
    inner = f"<{first}>{item.first}</{first}>" + (f"<{second}>{item.second}</{second}>" if item.second else "")
    if item.element == "Section47":
        inner += "<ICPCnotRequired>0</ICPCnotRequired>"
    if item.element == "ChildProtectionPlans":
        inner += (
            "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>"
            "<NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        )
    return f"<{element}>{inner}</{element}>"


def _xml(children: list[Child], reference: str | None = "2019-03-31", year: int = 2019) -> str:
    parts = ['<?xml version="1.0" encoding="utf-8"?>\n<Message><Header><CollectionDetails><Collection>CIN</Collection>']
    parts.append(f"<Year>{year}</Year>")
    if reference is not None:
        parts.append(f"<ReferenceDate>{reference}</ReferenceDate>")
    parts.append("</CollectionDetails></Header><Children>\n")
    for child in children:
        parts.append(f"<Child><ChildIdentifiers><LAchildID>{child.ident}</LAchildID>")
        if child.born:
            parts.append(f"<{child.born[0]}>{child.born[1]}</{child.born[0]}>")
        parts.append("<Sex>1</Sex></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>")
        parts.append("</ChildCharacteristics>")
        for episode in child.episodes:
            parts.append(f"<CINdetails><CINreferralDate>{episode.referral}</CINreferralDate>")
            parts.append("<ReferralSource>1A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>")
            if episode.closure:
                parts.append(f"<CINclosureDate>{episode.closure}</CINclosureDate>")
                parts.append("<ReasonForClosure>RC1</ReasonForClosure>")
            if episode.initial_cpc:
                parts.append(f"<DateOfInitialCPC>{episode.initial_cpc}</DateOfInitialCPC>")
            order = ("Assessments", "CINPlanDates", "Section47", "ReferralNFA", "ChildProtectionPlans")
            for element in order:
                if element == "ReferralNFA":
                    parts.append("<ReferralNFA>0</ReferralNFA>")
                parts.extend(_xml_item(i) for i in episode.items if i.element == element)
            parts.append("</CINdetails>")
        parts.append("</Child>\n")
    parts.append("</Children></Message>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- the oracle


@attrs.frozen
class Expected:
    """What one record should read as: its dates by field, and the checks that found it."""

    dates: dict[str, dt.date | None]
    found: dict[tuple[str, str], str]  # (check, field) -> outcome ("left out" or "kept")


def _oracle(children: list[Child], table: str, reference: dt.date, exclude: dict[str, bool]) -> dict[str, Expected]:
    """Each record of ``table`` by location, as the definitions say the checks leave it."""
    out: dict[str, Expected] = {}
    for c, child in enumerate(children, start=1):
        plans: list[tuple[dt.date, int, dt.date | None, str]] = []  # start, order, end, location
        for n, episode in enumerate(child.episodes, start=1):
            here = f"Message/Children[1]/Child[{c}]/CINdetails[{n}]"
            records: list[tuple[str, dict[str, dt.date | None]]] = []
            if table == "referrals":
                records.append(
                    (
                        here,
                        {
                            "referral_date": episode.referral,
                            "closure_date": episode.closure,
                            "initial_cpc": episode.initial_cpc,
                        },
                    )
                )
            elif table in ELEMENTS:
                element, _f, _s, first, second = ELEMENTS[table]
                mine = [i for i in episode.items if i.element == element]
                for m, item in enumerate(mine, start=1):
                    records.append((f"{here}/{element}[{m}]", {first: item.first, second: item.second}))
            for location, dates in records:
                found: dict[tuple[str, str], str] = {}
                starts_on = next(iter(dates))  # the date the record starts on comes first
                late = [f for f, d in dates.items() if d is not None and d > reference]
                gone = False
                if late:
                    found[("after-reference-date", late[0])] = "left out" if exclude["after"] else "kept"
                    if exclude["after"]:
                        gone = starts_on in late
                        for f in dates if gone else late:
                            dates[f] = None
                if not gone and child.born is not None:
                    floor = child.born[1] - dt.timedelta(days=280)
                    early = [f for f, d in dates.items() if d is not None and d < floor]
                    if early:
                        found[("before-birth", early[0])] = "left out" if exclude["birth"] else "kept"
                        if exclude["birth"]:
                            gone = True
                            dates = dict.fromkeys(dates)
                out[location] = Expected(dates, found)
                if table == "cp-plans" and not gone:
                    raw = _raw_plan(child, location)
                    plans.append((raw[0], len(plans), raw[1], location))
        if table == "cp-plans":
            latest: tuple[dt.date, str] | None = None  # the latest end so far, and its plan
            for start, _order, end, location in sorted(plans):
                if latest is not None and start < latest[0]:
                    expected = out[location]
                    expected.found[("overlapping-plans", "start")] = "left out" if exclude["overlap"] else "kept"
                    if exclude["overlap"]:
                        out[location] = Expected(dict.fromkeys(expected.dates), expected.found)
                        continue
                ends = dt.date.max if end is None else max(end, start)
                if latest is None or ends > latest[0]:
                    latest = (ends, location)
    return out


def _raw_plan(child: Child, location: str) -> tuple[dt.date, dt.date | None]:
    """A plan's start and end as written, from its location."""
    episode_at = int(re.search(r"CINdetails\[(\d+)\]", location).group(1))  # type: ignore[union-attr]
    plan_at = int(re.search(r"ChildProtectionPlans\[(\d+)\]$", location).group(1))  # type: ignore[union-attr]
    plan = [i for i in child.episodes[episode_at - 1].items if i.element == "ChildProtectionPlans"][plan_at - 1]
    return plan.first, plan.second


def _read(path: Path, table: str, exclude: dict[str, bool]) -> dict[str, Expected]:
    options = {
        "table": table,
        "after_reference_date": "exclude" if exclude["after"] else "keep",
        "before_birth": "exclude" if exclude["birth"] else "keep",
        "overlapping_plans": "exclude" if exclude["overlap"] else "keep",
    }
    out: dict[str, Expected] = {}
    names = cin_module.EVENT_DATES[table]
    for record in CIN.read(path, options):
        dates = {f: dt.date.fromisoformat(record.fields[f]) if record.fields[f] else None for f in names}
        found = {}
        for field, message in record.warnings:
            tag = TAG.search(message)
            assert tag, message
            found[(tag.group(1), field)] = tag.group(2)
        out[record.location] = Expected(dates, found)
    return out


# --------------------------------------------------------------------------- strategies


def _days(base: dt.date, low: int, high: int) -> st.SearchStrategy[dt.date]:
    return st.integers(low, high).map(lambda n: base + dt.timedelta(days=n))


@st.composite
def _episode(draw: st.DrawFn) -> Episode:
    referral = draw(_days(REFERENCE, -900, 30))
    items: list[Item] = []
    for element in ("Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans"):
        for _ in range(draw(st.integers(0, 2))):
            first = draw(_days(referral, -5, 420))  # now and then before its referral
            second = draw(st.none() | _days(first, -3, 900))
            items.append(Item(element, first, second))
    closure = draw(st.none() | _days(referral, 0, 500))
    initial = draw(st.none() | _days(referral, 0, 60))
    return Episode(referral, closure, initial, tuple(items))


@st.composite
def _child(draw: st.DrawFn, n: int) -> Child:
    born = draw(
        st.none()
        | st.tuples(st.just("PersonBirthDate"), _days(REFERENCE, -6500, 0))
        | st.tuples(st.just("ExpectedPersonBirthDate"), _days(REFERENCE, -30, 270))
        | st.tuples(st.just("PersonBirthDate"), _days(REFERENCE, -1200, -300))  # born around the events
    )
    return Child(f"QX{n:06d}", born, tuple(draw(st.lists(_episode(), min_size=1, max_size=3))))


CHILDREN = st.integers(1, 4).flatmap(lambda k: st.tuples(*[_child(n) for n in range(1, k + 1)]))
EXCLUDE = st.fixed_dictionaries({"after": st.booleans(), "birth": st.booleans(), "overlap": st.booleans()})


@pytest.mark.parametrize("table", ["referrals", "assessments", "section47", "cp-plans", "cin-plans"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=CHILDREN, exclude=EXCLUDE)
def test_the_checks_find_and_leave_out_what_the_definitions_say(
    tmp_path: Path, table: str, children: tuple[Child, ...], exclude: dict[str, bool]
) -> None:
    path = tmp_path / "cin-2019.xml"
    path.write_text(_xml(list(children)), encoding="utf-8")
    cin_module._parsed.cache_clear()
    got = _read(path, table, exclude)
    assert got == _oracle(list(children), table, REFERENCE, exclude)
    # No message repeats a child's identifier or any of its dates (the reference date is the census's).
    written = {str(d) for c in children for e in c.episodes for d in _dates_of(c, e)} - {str(REFERENCE)}
    for record in CIN.read(path, {"table": table}):
        for _field, message in record.warnings:
            assert not any(w in message for w in written), message
            assert "QX" not in message


def _dates_of(child: Child, episode: Episode) -> list[dt.date]:
    found = [episode.referral, episode.closure, episode.initial_cpc, *(child.born[1:] if child.born else ())]
    for item in episode.items:
        found += [item.first, item.second]
    return [d for d in found if d is not None]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(children=CHILDREN, exclude=EXCLUDE)
def test_every_table_from_one_reading_is_as_each_read_alone(
    tmp_path: Path, children: tuple[Child, ...], exclude: dict[str, bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read together (streamed, as a large census is) or alone, the checks find the same."""
    path = tmp_path / "cin-2019.xml"
    path.write_text(_xml(list(children)), encoding="utf-8")
    options = {
        "after_reference_date": "exclude" if exclude["after"] else "keep",
        "before_birth": "exclude" if exclude["birth"] else "keep",
        "overlapping_plans": "exclude" if exclude["overlap"] else "keep",
    }
    tables = ["referrals", "assessments", "section47", "cp-plans", "cin-plans"]
    cin_module._parsed.cache_clear()
    alone = {t: [(r.location, r.fields, r.warnings) for r in CIN.read(path, {"table": t, **options})] for t in tables}
    monkeypatch.setattr(cin_module, "SMALL_FILE", 0)
    together: dict[str, list[object]] = {t: [] for t in tables}
    for index, batch in CIN.batches_for(path, [{"table": t, **options} for t in tables]):
        together[tables[index]].extend((r.location, r.fields, r.warnings) for r in batch.records())
    monkeypatch.undo()
    assert together == alone


# --------------------------------------------------------------------------- by example


def _plan(start: str, end: str | None = None) -> Item:
    return Item("ChildProtectionPlans", dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None)


def _one(tmp_path: Path, *episodes: Episode, born: tuple[str, dt.date] | None = None, **header: object) -> Path:
    path = tmp_path / "cin-2019.xml"
    path.write_text(_xml([Child("QX000001", born, episodes)], **header), encoding="utf-8")  # type: ignore[arg-type]
    cin_module._parsed.cache_clear()
    return path


def _episode_of(referral: str, *items: Item, closure: str | None = None) -> Episode:
    return Episode(dt.date.fromisoformat(referral), dt.date.fromisoformat(closure) if closure else None, None, items)


def test_an_assessment_authorised_after_the_census_is_not_yet_authorised(tmp_path: Path) -> None:
    """The issue's case: authorised after 31 March, it counted in a period after the census."""
    item = Item("Assessments", dt.date(2019, 3, 20), dt.date(2019, 4, 12))
    path = _one(tmp_path, _episode_of("2019-03-18", item))
    (record,) = CIN.read(path, {"table": "assessments"})
    assert record.fields["start"] == "2019-03-20" and record.fields["authorised"] is None
    assert record.warnings == (
        (
            "authorised",
            "is after the census reference date (2019-03-31): emptied, as it had not happened by then "
            "[after-reference-date: left out]",
        ),
    )
    (kept,) = CIN.read(path, {"table": "assessments", "after_reference_date": "keep"})
    assert kept.fields["authorised"] == "2019-04-12"


def test_a_referral_after_the_census_is_left_out_with_its_dates(tmp_path: Path) -> None:
    path = _one(tmp_path, _episode_of("2019-04-02", closure="2019-04-20"))
    (record,) = CIN.read(path, {"table": "referrals"})
    assert (record.fields["referral_date"], record.fields["closure_date"]) == (None, None)
    assert record.warnings == (
        (
            "referral_date",
            "is after the census reference date (2019-03-31), as closure_date is: the record is left out: its dates "
            "are emptied, so no indicator counts it [after-reference-date: left out]",
        ),
    )


def test_the_reference_date_is_the_headers_else_31_march_of_the_year(tmp_path: Path) -> None:
    episode = _episode_of("2019-03-30", closure="2019-04-15")
    path = _one(tmp_path, episode, reference="2019-04-30")
    assert CIN.read(path, {}).__next__().fields["closure_date"] == "2019-04-15"  # within the header's date
    path = _one(tmp_path, episode, reference=None)
    assert CIN.read(path, {}).__next__().fields["closure_date"] is None  # after 31 March 2019
    path = _one(tmp_path, episode, reference="30/04/2019")
    (record,) = CIN.read(path, {})
    assert record.fields["closure_date"] is None
    assert (
        "Header/CollectionDetails/ReferenceDate",
        "the reference date is not a date (YYYY-MM-DD): events are checked against 2019-03-31",
    ) in record.warnings


def test_overlapping_plans_are_kept_with_a_warning_or_left_out(tmp_path: Path) -> None:
    first = _episode_of("2017-05-01", _plan("2017-06-01", "2018-09-01"))
    second = _episode_of("2018-06-01", _plan("2018-07-01"), _plan("2018-09-01", "2018-12-01"))
    path = _one(tmp_path, first, second)
    plans = list(CIN.read(path, {"table": "cp-plans"}))
    assert [r.warnings for r in plans] == [
        (),
        (
            (
                "start",
                "starts before the plan at CINdetails[1]/ChildProtectionPlans[1] of the same child ended: kept as "
                "given, so the child is on two plans at once [overlapping-plans: kept]",
            ),
        ),
        (
            (
                "start",
                "starts before the plan at CINdetails[2]/ChildProtectionPlans[1] of the same child ended: kept as "
                "given, so the child is on two plans at once [overlapping-plans: kept]",
            ),
        ),
    ]
    plans = list(CIN.read(path, {"table": "cp-plans", "overlapping_plans": "exclude"}))
    assert [r.fields["start"] for r in plans] == ["2017-06-01", None, "2018-09-01"]
    # The open plan left out, the third is compared with the first, which ended the day it began.
    assert plans[2].warnings == ()


def test_a_plan_starting_the_day_the_last_one_ended_does_not_overlap(tmp_path: Path) -> None:
    path = _one(tmp_path, _episode_of("2017-05-01", _plan("2017-06-01", "2018-01-10"), _plan("2018-01-10")))
    assert all(r.warnings == () for r in CIN.read(path, {"table": "cp-plans"}))


def test_work_before_birth_is_flagged_only_past_40_weeks(tmp_path: Path) -> None:
    """Work with an unborn child is recorded (DfE's rule 8606 allows 280 days before the date
    of birth or the expected date of birth); before that, the date of birth is likely wrong."""
    born = dt.date(2018, 10, 1)
    within = (born - dt.timedelta(days=280)).isoformat()
    before = (born - dt.timedelta(days=281)).isoformat()
    for tag in ("PersonBirthDate", "ExpectedPersonBirthDate"):
        path = _one(tmp_path, _episode_of(within), _episode_of(before), born=(tag, born))
        first, second = CIN.read(path, {"table": "referrals"})
        assert first.warnings == ()
        assert second.warnings == (
            (
                "referral_date",
                "is more than 40 weeks before the child was born (or is due): kept as given: check the date of birth "
                "[before-birth: kept]",
            ),
        )
        _first, second = CIN.read(path, {"table": "referrals", "before_birth": "exclude"})
        assert second.fields["referral_date"] is None and second.warnings[0][1].endswith("[before-birth: left out]")


def test_a_check_option_must_say_exclude_or_keep(tmp_path: Path) -> None:
    path = _one(tmp_path, _episode_of("2019-01-01"))
    with pytest.raises(LifError, match=r'cin-2019\.xml: option before_birth must be "exclude" or "keep", not \'yes\''):
        list(CIN.read(path, {"before_birth": "yes"}))
    assert CIN.check(path, {"overlapping_plans": True}) == [
        'cin-2019.xml: option overlapping_plans must be "exclude" or "keep", not True'
    ]
    assert (
        "known: table, year, after_reference_date, overlapping_plans, before_birth"
        in CIN.check(path, {"tables": "x"})[0]
    )


def test_dates_that_are_not_dates_are_left_to_the_reader(tmp_path: Path) -> None:
    """A garbled date is not taken for one after the census: the reader reports it."""
    path = _one(tmp_path, _episode_of("2019-01-01"))
    path.write_text(path.read_text().replace("2019-01-01", "2099-99-99"))
    (record,) = CIN.read(path, {})
    assert record.fields["referral_date"] == "2099-99-99" and record.warnings == ()


# --------------------------------------------------------------------------- the readable check


def test_the_readable_check_reads_no_further_than_the_first_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cin-2019.xml"
    write_cin(path, 200, 2019, seed=4)
    text = path.read_text(encoding="utf-8")
    seen: list[int] = []
    real = cin_module._Tables.add
    monkeypatch.setattr(cin_module._Tables, "add", lambda self, *a: (seen.append(1), real(self, *a)))
    assert CIN.check(path, {}) == [] and seen == []  # no record made
    # Broken after its first child: the check passes, and reading names the line and column.
    cut = text.index("</Child>", text.index("</Child>") + 1)
    path.write_text(text[:cut] + "<Broken>" + text[cut:], encoding="utf-8")
    assert CIN.check(path, {}) == []
    with pytest.raises(LifError, match=r"cin-2019\.xml: line \d+, column \d+: not well-formed XML"):
        list(CIN.read(path, {}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<Census><Children/></Census>", "the root element is <Census>, not <Message>: not a CIN census file"),
        ("<Message><Header></Message>", "line 1, column 19: not well-formed XML"),
        (
            '<!DOCTYPE m [<!ENTITY x "y">]><Message/>',
            "refused: the file declares a DTD, entities or external references (DTDForbidden)",
        ),
        ("<Message><Children><Child><ChildIdentifiers></Child>", "line 1, column 46: not well-formed XML"),
        ("", "line 1, column 0: not well-formed XML (no element found"),
        ('<?xml version="1.0" encoding="utf-5"?><Message/>', "its XML declaration names an encoding Python does not"),
    ],
)
def test_the_readable_check_says_what_reading_says_up_to_the_first_child(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "cin-2019.xml"
    path.write_text(text, encoding="utf-8")
    (found,) = CIN.check(path, {})
    assert found.startswith(f"cin-2019.xml: {message}"), found
    with pytest.raises(LifError) as info:
        list(CIN.read(path, {}))
    assert str(info.value) == found


def test_the_readable_check_needs_a_collection_year(tmp_path: Path) -> None:
    path = tmp_path / "census.xml"
    path.write_text("<Message><Children><Child/></Children></Message>", encoding="utf-8")
    assert CIN.check(path, {}) == ["census.xml: no collection year in the header or the file name: set option year"]
    assert CIN.check(path, {"year": 2019}) == []
    path.write_text("<Message><Header><CollectionDetails><Year>2019</Year></CollectionDetails></Header></Message>")
    assert CIN.check(path, {}) == []
    assert CIN.check(tmp_path / "cin.csv", {}) == ["cin.csv does not end in .xml"]


def test_the_readable_check_keeps_the_size_limits(tmp_path: Path) -> None:
    path = tmp_path / "cin-2019.xml"
    path.write_text("<Message><Header>" + "<Note/>" * 30_000 + "</Header><Children/></Message>", encoding="utf-8")
    assert CIN.check(path, {}) == [
        "cin-2019.xml: Message/Header: more than 20,000 elements in one <Header>; a census child is a few KB: "
        "check that this is the census return, or split the file"
    ]
