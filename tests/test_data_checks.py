"""Data-quality checks as `lif data` counts them: an adapter's warning that ends with a check's
name and what was done (``[after-reference-date: left out]``) is counted per check in the
source's report, and `lif data` reads every file once for all the sources naming it."""

from __future__ import annotations

from lif_core.data import SourceReport
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
    from lif_core.data import MAX_LISTED

    report = SourceReport("s")
    for _ in range(MAX_LISTED + 50):
        report.add(_warning("is more than 40 weeks before the child's date of birth [before-birth: kept]"))
    assert len(report.problems) == MAX_LISTED
    assert report.checks == {"before-birth": MAX_LISTED + 50} and report.excluded == {}
