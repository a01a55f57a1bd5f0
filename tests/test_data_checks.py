"""Data-quality checks as `lif data` counts them: an adapter's warning that ends with a check's
name and what was done (``[after-reference-date: left out]``) is counted per check in the
source's report, and `lif data` reads every file once for all the sources naming it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lif_dfe import cin
from lif_dfe.fake import write_cin

from lif_core import Plugins, load_board
from lif_core.cli import make_cli
from lif_core.data import MAX_LISTED, Pseudonymiser, SourceReport, read_batches
from lif_core.errors import Problem, Severity


def _warning(message: str) -> Problem:
    return Problem("cin-2019.xml", "Message/Children[1]/Child[1]/CINdetails[1]: start", message, Severity.WARNING)


def test_a_source_report_counts_each_check_and_what_it_left_out() -> None:
    report = SourceReport("s")
    report.add(_warning("is after the return's reference date (2019-03-31) [after-reference-date: left out]"))
    report.add(_warning("is after the return's reference date (2019-03-31) [after-reference-date: left out]"))
    report.add(_warning("starts before the child's previous plan ended [overlapping-plans: kept]"))
    report.add(_warning("assessment factor 'X' is not a 2019 CIN census code; kept as given"))
    report.add(_warning("a bracket that is no check [Not A Check: kept]"))
    # An error is never a check's finding, whatever it ends with.
    report.add(Problem("f", "p", "is blank [after-reference-date: left out]"))
    assert report.checks == {"after-reference-date": 2, "overlapping-plans": 1}
    assert report.excluded == {"after-reference-date": 2}
    assert (report.warnings, report.errors) == (5, 1)


def test_checks_are_counted_past_the_problems_listed() -> None:
    report = SourceReport("s")
    for _ in range(MAX_LISTED + 50):
        report.add(_warning("is more than 40 weeks before the child's date of birth [before-birth: kept]"))
    assert len(report.problems) == MAX_LISTED
    assert report.checks == {"before-birth": MAX_LISTED + 50} and report.excluded == {}


# --------------------------------------------------------------------------- lif data

TABLES = ("referrals", "assessments", "cp-plans")


def _census_board(make_board: Callable[..., Path], *extra: str, on_error: str = "fail") -> Path:
    sources = "".join(
        f'[[sources]]\nid = "cin-{t}"\nadapter = "cin-census"\npath = "cin-2019.xml"\non_error = "{on_error}"\n'
        f'options = {{ table = "{t}" }}\n'
        for t in TABLES
    )
    root = make_board(sources + "".join(extra))
    write_cin(root / "cin-2019.xml", 300, 2019, seed=5, clean=False)  # with faults for the checks to find
    return root


def _data(root: Path) -> tuple[int, dict[str, list[Any]], dict[str, Any], str]:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["data", str(root), "--no-progress", "-f", "json"])
    document = json.loads(result.stdout)
    rows = {r[0]: r for r in document["sections"][0]["blocks"][0]["rows"]}
    sections = {s["title"]: s for s in document["sections"]}
    return result.exit_code, rows, sections, result.stdout


def _alone(root: Path, source_id: str) -> list[Any]:
    """A source's row counts as reading it alone gives them: rows, kept, errors, warnings."""
    loaded = load_board(root)
    source = next(s for s in loaded.board.sources if s.id == source_id)
    report = SourceReport(source_id)
    try:
        for _batch in read_batches(loaded, source, Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32)):
            pass
    except Exception:  # noqa: BLE001 (the counts up to the failure are what is compared)
        pass
    return [report.rows, report.kept, report.errors, report.warnings]


@pytest.mark.parametrize("small", [True, False])
def test_lif_data_reads_a_census_once_for_all_its_tables(
    make_board: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, small: bool
) -> None:
    root = _census_board(make_board)
    if not small:
        monkeypatch.setattr(cin, "SMALL_FILE", 0)  # streamed, as a large census is
    cin._parsed.cache_clear()
    readings: list[int] = []
    real = cin.CinCensusAdapter._parse

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        readings.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(cin.CinCensusAdapter, "_parse", counting)
    code, rows, sections, _text = _data(root)
    assert code == 0 and len(readings) == 1
    for table in TABLES:
        assert rows[f"cin-{table}"][3:8] == [*_alone(root, f"cin-{table}"), "read"]
    # Each check's records, and those left out, per source.
    checks = sections["Data-quality checks"]["blocks"][0]
    assert checks["columns"] == ["Source", "Check", "Records", "Left out"]
    counted = {(r[0], r[1]): r[2:] for r in checks["rows"]}
    assert counted[("cin-cp-plans", "overlapping-plans")][1] == 0  # kept by default
    assert all(left == found for (_s, check), (found, left) in counted.items() if check == "after-reference-date")


def test_one_failing_source_fails_alone_and_the_others_read(make_board: Callable[..., Path]) -> None:
    """A value that will not convert stops its own source; the census's other tables read on."""
    root = _census_board(make_board)
    toml = (root / "board.toml").read_text()
    (root / "board.toml").write_text(
        toml.replace(
            'options = { table = "assessments" }', 'options = { table = "assessments" }\nfields = { factors = "int" }'
        )
    )
    cin._parsed.cache_clear()
    code, rows, sections, text = _data(root)
    assert code == 1
    assert rows["cin-assessments"][7] == "failed"
    assert "factors: is not a whole number" in json.dumps(sections["cin-assessments: problems"])
    for table in ("referrals", "cp-plans"):
        assert rows[f"cin-{table}"][3:8] == [*_alone(root, f"cin-{table}"), "read"]
    assert rows["cin-assessments"][3:7] == _alone(root, "cin-assessments")
    assert "FAKE0" not in text


def test_a_source_whose_options_are_wrong_fails_alone(make_board: Callable[..., Path]) -> None:
    root = _census_board(make_board)
    toml = (root / "board.toml").read_text()
    (root / "board.toml").write_text(
        toml.replace('options = { table = "cp-plans" }', 'options = { table = "cp-plans", before_birth = "drop" }')
    )
    cin._parsed.cache_clear()
    code, rows, sections, _text = _data(root)
    assert code == 1 and rows["cin-cp-plans"][7] == "failed"
    assert [rows[f"cin-{t}"][7] for t in ("referrals", "assessments")] == ["read", "read"]
    assert sections["cin-cp-plans: problems"]["blocks"][0]["items"] == [
        'cin-2019.xml: option before_birth must be "exclude" or "keep", not \'drop\''
    ]


def test_a_broken_census_fails_every_table_naming_the_place(make_board: Callable[..., Path]) -> None:
    root = _census_board(make_board)
    path = root / "cin-2019.xml"
    text = path.read_text()
    cut = text.index("</Child>", len(text) // 2)
    path.write_text(text[:cut] + "<Broken>" + text[cut:])
    cin._parsed.cache_clear()
    code, rows, sections, _text = _data(root)
    assert code == 1 and all(rows[f"cin-{t}"][7] == "failed" for t in TABLES)
    messages = {json.dumps(sections[f"cin-{t}: problems"]["blocks"][0]["items"][-1]) for t in TABLES}
    assert len(messages) == 1 and "not well-formed XML" in messages.pop()


def test_an_assessment_authorised_after_the_census_no_longer_makes_a_period_after_it(
    make_board: Callable[..., Path],
) -> None:
    """The issue's finding: a 2018-19 return's assessment authorised in April 2019 made a
    2019-20 figure. By default it is not yet authorised at the census date, and said so."""
    from lif_core.indicators import assessment_timeliness

    census = (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2019</Year>"
        "<ReferenceDate>2019-03-31</ReferenceDate></CollectionDetails></Header><Children>"
        + "".join(
            f"<Child><ChildIdentifiers><LAchildID>QX{n:04d}</LAchildID></ChildIdentifiers><CINdetails>"
            f"<CINreferralDate>2019-03-0{n}</CINreferralDate><Assessments><AssessmentActualStartDate>2019-03-0{n}"
            f"</AssessmentActualStartDate><AssessmentAuthorisationDate>{day}</AssessmentAuthorisationDate>"
            "</Assessments></CINdetails></Child>"
            for n, day in enumerate(["2019-03-20", "2019-03-25", "2019-04-02", "2019-04-10"], start=1)
        )
        + "</Children></Message>"
    )
    periods = {}
    for choice in ("exclude", "keep"):
        root = make_board(
            '[[sources]]\nid = "a"\nadapter = "cin-census"\npath = "cin-2019.xml"\n'
            f'options = {{ table = "assessments", after_reference_date = "{choice}" }}\n',
            **{"cin-2019.xml": census},
        )
        cin._parsed.cache_clear()
        loaded = load_board(root)
        report = SourceReport("a")
        batches = read_batches(
            loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32)
        )
        result = assessment_timeliness(batches, "year")
        periods[choice] = sorted(p for p, _v in result.series(rule=None))
        assert report.checks == {"after-reference-date": 2}
        assert report.excluded == ({"after-reference-date": 2} if choice == "exclude" else {})
        if choice == "exclude":
            assert result.excluded == {"not yet authorised": 2}
    assert periods == {"exclude": ["2018-19"], "keep": ["2018-19", "2019-20"]}


def _late_census(late: int) -> str:
    """A 2018-19 census of 20 children, each with an assessment started and authorised in
    March 2019, and ``late`` more whose assessment (and referral) starts after 31 March 2019."""
    children = []
    for n in range(20 + late):
        day = "2019-03-05" if n < 20 else "2019-04-08"
        done = "2019-03-20" if n < 20 else "2019-04-20"
        children.append(
            f"<Child><ChildIdentifiers><LAchildID>QX{n:04d}</LAchildID></ChildIdentifiers><CINdetails>"
            f"<CINreferralDate>{day}</CINreferralDate><Assessments><AssessmentActualStartDate>{day}"
            f"</AssessmentActualStartDate><AssessmentAuthorisationDate>{done}</AssessmentAuthorisationDate>"
            "</Assessments></CINdetails></Child>"
        )
    return (
        "<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>2019</Year>"
        "<ReferenceDate>2019-03-31</ReferenceDate></CollectionDetails></Header><Children>"
        + "".join(children)
        + "</Children></Message>"
    )


@pytest.mark.parametrize(("late", "said"), [(7, "7"), (3, "fewer than 6")])
def test_the_scorecard_names_each_checks_count_and_left_out_records_are_no_indicators_exclusion(
    make_board: Callable[..., Path], late: int, said: str
) -> None:
    """A protected scorecard says what each data-quality check left out, by the check's name
    (not "N problem(s) found"), and the records it left out are not among the indicator's own
    exclusions (they read as "not yet authorised" or "no start date" before)."""
    from lif_core.indicators import assessment_timeliness

    root = make_board(
        '[[sources]]\nid = "cin-assessments"\nadapter = "cin-census"\npath = "cin-2019.xml"\n'
        'options = { table = "assessments" }\n'
        '[[measures]]\nid = "m"\ntitle = "Assessments"\nquadrant = "how-well"\npolarity = "higher-is-better"\n'
        'unit = "percent"\nfrequency = "annual"\nsource = "cin-assessments"\nindicator = "assessments-45-days"\n',
        **{"cin-2019.xml": _late_census(late)},
    )
    cin._parsed.cache_clear()
    result = CliRunner().invoke(make_cli(Plugins.create()), ["measures", str(root)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert f"cin-assessments: {said} record(s) left out of the indicators by the after-reference-date check" in flat
    assert "problem(s) found reading it" not in flat  # every warning is a check's, named as such
    assert "not yet authorised" not in flat and "no start date" not in flat
    # The same through the API: the left-out records are no exclusion of the indicator's.
    loaded = load_board(root)
    report = SourceReport("cin-assessments")
    batches = read_batches(
        loaded, loaded.board.sources[0], Plugins.create(), report, pseudonymiser=Pseudonymiser(b"k" * 32)
    )
    timely = assessment_timeliness(batches, "year")
    assert report.excluded == {"after-reference-date": late}
    assert timely.excluded == {}
    assert [(r.period, r.denominator) for r in timely.rows] == [("2018-19", 20)]
