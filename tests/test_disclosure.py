"""Disclosure control against arithmetic: an attacker who sees everything published (the
visible figures, where the hidden ones are, and the sums that link them) must not be able to
work out any hidden count exactly.

The attacker here is independent of the protector: an exact integer program (SciPy's HiGHS)
that, for each hidden count, finds the smallest and the largest whole number it can be while
agreeing with everything published. Where the two meet, the count is recovered: the test
fails. It knows what DfE's symbols tell a reader: a hidden count (``c``) is not 0, since 0 is
shown as 0.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path

import numpy as np
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from lif_core import Plugins, open_board
from lif_core.cli import make_cli
from lif_core.disclosure import DEFAULT_RULE, SMALL_SHARE, SUPPRESSED, Linked, Rule, protect, protect_table
from lif_core.document import Chart, Count, Document, Figure, Provenance, Section, Share, Table, cell_text
from lif_core.indicators import IndicatorResult, IndicatorRow, ReferralCounts, ReReferrals, period_key, protect_results
from lif_core.report import impact_report

from .conftest import CROYDON

Key = Hashable


# --------------------------------------------------------------------------- the attacker


def recovered(
    values: dict[Key, int],
    sums: Sequence[tuple[Key, Sequence[Key]]],
    known: set[Key],
    targets: Iterable[Key],
    lower: dict[Key, int],
) -> list[Key]:
    """The targets whose value is the same in every whole-number completion of the unknowns
    that satisfies every sum, each unknown at least its ``lower`` bound (and unbounded above):
    an exact integer program (HiGHS) minimises and maximises each target in turn."""
    unknown = sorted({k for total, parts in sums for k in (total, *parts) if k not in known}, key=repr)
    index = {k: i for i, k in enumerate(unknown)}
    rows, constants = [], []
    for total, parts in sums:
        row = np.zeros(len(unknown))
        constant = 0
        for key, sign in ((total, 1), *((p, -1) for p in parts)):
            if key in known:
                constant -= sign * values[key]
            else:
                row[index[key]] += sign
        if row.any():
            rows.append(row)
            constants.append(constant)
    out = []
    for target in targets:
        if target in known:
            out.append(target)
            continue
        if target not in index or not rows:
            continue  # in no sum: nothing published constrains it
        ends = []
        for direction in (1, -1):  # the least it can be, then (if that is its value) the most
            objective = np.zeros(len(unknown))
            objective[index[target]] = direction
            solved = milp(
                objective,
                constraints=LinearConstraint(np.array(rows), constants, constants),
                integrality=np.ones(len(unknown)),
                bounds=Bounds([lower.get(k, 0) for k in unknown], np.inf),
            )
            if solved.status in (3, 4):  # unbounded (the true values are a solution): it can be anything
                break
            assert solved.success, solved.message  # the true values are a solution
            ends.append(round(solved.x[index[target]]))
            if ends[-1] != values[target]:
                break
        if len(ends) == 2 and ends[0] == ends[1]:
            out.append(target)
    return out


# --------------------------------------------------------------------------- tables


@st.composite
def count_tables(draw: st.DrawFn) -> tuple[Table, list[list[int]], bool, bool]:
    """A table of counts from children's records, with totals as reports have them."""
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 4))
    small = st.sampled_from([0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 30])
    values = [[draw(small) for _ in range(cols)] for _ in range(rows)]
    total_column, total_row = draw(st.booleans()), draw(st.booleans())
    grid = [[*r, sum(r)] if total_column else list(r) for r in values]
    if total_row:
        grid.append([sum(r[j] for r in grid) for j in range(len(grid[0]))])
    table = Table(
        tuple(f"c{j}" for j in range(len(grid[0]))),
        tuple(tuple(Count(v) for v in r) for r in grid),
        total_column=total_column,
        total_row=total_row,
    )
    return table, grid, total_row, total_column


def table_sums(grid: list[list[int]], total_row: bool, total_column: bool) -> list[tuple[Key, list[Key]]]:
    rows, cols = len(grid), len(grid[0])
    sums: list[tuple[Key, list[Key]]] = []
    if total_column and cols > 1:
        sums += [((i, cols - 1), [(i, j) for j in range(cols - 1)]) for i in range(rows)]
    if total_row and rows > 1:
        sums += [((rows - 1, j), [(i, j) for i in range(rows - 1)]) for j in range(cols)]
    return sums


@settings(max_examples=400, deadline=None)
@given(count_tables(), st.sampled_from([6, 10]))
def test_no_hidden_cell_of_a_table_can_be_worked_out(
    case: tuple[Table, list[list[int]], bool, bool], smallest: int
) -> None:
    table, grid, total_row, total_column = case
    out = protect_table(table, Rule(smallest=smallest))
    values = {(i, j): v for i, r in enumerate(grid) for j, v in enumerate(r)}
    hidden = {(i, j) for i, r in enumerate(out.rows) for j, c in enumerate(r) if c == SUPPRESSED}
    for (i, j), v in values.items():
        if (i, j) not in hidden:
            assert out.rows[i][j] == v and (v == 0 or v >= smallest)  # published exactly, and never small
        else:
            assert v > 0  # 0 stays 0: never hidden
    known = set(values) - hidden
    found = recovered(
        values, table_sums(grid, total_row, total_column), known, sorted(hidden), dict.fromkeys(hidden, 1)
    )
    assert found == [], f"recovered {found} from {out.rows}"


@settings(max_examples=200, deadline=None)
@given(count_tables())
def test_no_hidden_count_can_be_worked_out_from_a_percentage_beside_it(
    case: tuple[Table, list[list[int]], bool, bool],
) -> None:
    """Each row leads with the percentage its first count makes of its last (a total, say):
    a percentage published with its denominator gives the numerator away, so it is hidden
    whenever either count is, and nothing hidden can be recovered through it."""
    table, grid, total_row, total_column = case
    last = len(table.columns) - 1
    shared = Table(
        ("share", *table.columns),
        tuple(
            (Share(row[0].value, row[last].value, columns=("c0", table.columns[last])), *row)  # type: ignore[union-attr]
            for row in table.rows
        ),
        total_row=total_row,
        total_column=total_column,
    )
    out = protect_table(shared)
    values = {(i, j + 1): v for i, r in enumerate(grid) for j, v in enumerate(r)}
    hidden = {(i, j) for i, r in enumerate(out.rows) for j, c in enumerate(r) if c == SUPPRESSED and j > 0}
    known = set(values) - hidden
    for i, r in enumerate(out.rows):
        if r[0] != SUPPRESSED and r[0] != "":
            assert (i, 1) in known and (i, last + 1) in known  # a visible share's counts are visible
    sums = [((i, j + 1), [(a, b + 1) for a, b in parts]) for (i, j), parts in table_sums(grid, total_row, total_column)]
    found = recovered(values, sums, known, sorted(hidden), dict.fromkeys(hidden, 1))
    assert found == [], f"recovered {found} from {out.rows}"


def test_two_hidden_cells_beside_a_total_that_leaves_two() -> None:
    """1 and 1 beside a visible total: 12 - 10 leaves 2, and a hidden count is at least 1, so
    both would be 1. A third cell is hidden. (Hiding only the lone cell and one more, as
    before, published ('c', 'c', 10, 12).)"""
    out = protect_table(Table(("a", "b", "c", "all"), ((Count(1), Count(1), Count(10), Count(12)),), total_column=True))
    assert out.rows == ((SUPPRESSED, SUPPRESSED, SUPPRESSED, 12),)


def test_a_cycle_of_hidden_cells_in_a_table_with_totals() -> None:
    """Hiding the smallest cell beside a lone hidden one in each line is not enough where the
    hidden cells meet: the 2 x 2 block hides all four inner cells, and keeps every total."""
    grid = ((2, 8, 10), (7, 9, 16), (9, 17, 26))
    table = Table(("a", "b", "all"), tuple(tuple(Count(v) for v in r) for r in grid), total_row=True, total_column=True)
    out = protect_table(table)
    assert out.rows == ((SUPPRESSED, SUPPRESSED, 10), (SUPPRESSED, SUPPRESSED, 16), (9, 17, 26))


def test_board_counts_are_published_as_they_are_and_shares_follow_their_counts() -> None:
    table = Table(
        ("reviews", "children", "share", "rate"),
        (
            (
                Count(3, Provenance.BOARD),
                Count(14),
                Share(3, 14),
                Share(4, 100_000, per=10_000, denominator_public=True),
            ),
            (
                Count(8, Provenance.BOARD),
                Count(7),
                Share(7, 300_000),
                Share(60, 100_000, per=10_000, denominator_public=True),
            ),
        ),
    )
    protected = protect_table(table).rows
    assert protected == (
        (3, 14, SUPPRESSED, SUPPRESSED),
        (8, 7, Figure(None, SMALL_SHARE, "%", 1), Figure(6.0, "6.0", "", 1)),
    )
    assert [cell_text(c) for c in protected[1]] == ["8", "7", SMALL_SHARE, "6.0"]
    assert protect_table(table, Rule(round_to=10)).rows[0][:2] == (3, 10)


# --------------------------------------------------------------------------- series: groups and frequencies

START = dt.date(2018, 4, 1)


@st.composite
def referrals(draw: st.DrawFn) -> list[tuple[str, dt.date, str]]:
    """Referrals of a few children over a year or so, each in one of a few groups."""
    n = draw(st.integers(1, 40))
    return [
        (
            draw(st.sampled_from("ABCDEFGHIJ")),
            START + dt.timedelta(days=draw(st.integers(0, 420))),
            draw(st.sampled_from(["police", "school", "health"])),
        )
        for _ in range(n)
    ]


def _results(rows: list[tuple[str, dt.date, str]], grouped: bool) -> list[IndicatorResult]:
    out = []
    for frequency in ("month", "quarter", "year"):
        for acc in (
            ReferralCounts(frequency, "source" if grouped else None),
            ReReferrals(frequency, "source" if grouped else None),
        ):
            acc.add_rows((c, d, g)[: len(acc.fields)] if acc.fields[0] == "child" else (d, g) for c, d, g in rows)
            out.append(acc.result())
    return out


def _quantities(results: list[IndicatorResult]) -> tuple[dict[Key, int], list[tuple[Key, list[Key]]]]:
    """The counts behind the results, and the sums a reader knows (worked out here from the
    calendar, independently of the protector)."""
    values: dict[Key, int] = {}
    for r in results:
        for row in r.rows:
            values[(r.parts[0], r.frequency, row.period, row.group)] = row.numerator
            values[(r.parts[1], r.frequency, row.period, row.group)] = row.denominator
    sums: list[tuple[Key, list[Key]]] = []
    keys = list(values)
    for part, frequency, period, group in keys:
        if group == "":
            members = [k for k in keys if k[:3] == (part, frequency, period) and k[3]]
            if members:
                sums.append(((part, frequency, period, ""), members))
    # months -> quarters -> years, built by collecting each whole's parts
    for larger, smaller in (("quarter", "month"), ("year", "month"), ("year", "quarter")):
        wholes: dict[Key, list[Key]] = {}
        for part, frequency, period, group in keys:
            if frequency != smaller:
                continue
            if smaller == "month":
                day = dt.date(int(period[:4]), int(period[5:]), 1)
            else:
                day = dt.date(int(period[:4]), 3 * int(period[-1]) - 2, 1)
            wholes.setdefault((part, larger, period_key(day, larger), group), []).append(
                (part, frequency, period, group)
            )
        sums += [(w, parts) for w, parts in wholes.items() if w in values]
    return values, sums


@settings(max_examples=40, deadline=None)
@given(referrals(), st.booleans())
def test_no_hidden_figure_of_a_series_can_be_worked_out(rows: list[tuple[str, dt.date, str]], grouped: bool) -> None:
    """Referrals and re-referrals by month, quarter and year (and by group with everyone's
    total): no small count can be worked out from every figure published beside it."""
    results = _results(rows, grouped)
    protected = protect_results([("referrals", r) for r in results], DEFAULT_RULE)
    values, sums = _quantities(results)
    known: set[Key] = set()
    for r in protected:
        assert r.hidden is not None
        for row in r.rows:
            if (row.period, row.group) not in r.hidden:
                known |= {
                    (r.parts[0], r.frequency, row.period, row.group),
                    (r.parts[1], r.frequency, row.period, row.group),
                }
    small = [k for k, v in values.items() if DEFAULT_RULE.hides_count(v)]
    assert not any(k in known for k in small)  # no small count is published
    lower = {k: (1 if k[0] == "referrals" else 0) for k in values if k not in known}  # a listed period has referrals
    found = recovered(values, sums, known, small, lower)
    assert found == [], f"recovered {found}"


def test_a_hidden_month_is_not_given_away_by_its_year() -> None:
    """Twelve months of referrals, one of them 3: the year minus the eleven others would give
    it away, so a second month is hidden too (before, only the month of 3 was)."""
    counts = [20, 3, 30, 25, 40, 22, 28, 31, 27, 35, 26, 24]
    rows = [
        ("x", dt.date(2018 + (m + 3) // 12, (m + 3) % 12 + 1, 1), "") for m, n in enumerate(counts) for _ in range(n)
    ]
    monthly, yearly = ReferralCounts("month"), ReferralCounts("year")
    for acc in (monthly, yearly):
        acc.add_rows((d, None) for _c, d, _g in rows)
    month, year = protect_results([("s", monthly.result()), ("s", yearly.result())])
    assert month.suppressed() == ["2018-04", "2018-05"] and year.suppressed() == []  # 20, the smallest other month
    assert monthly.result().suppressed() == ["2018-05"]  # alone, the month's own rule only


def test_a_hidden_group_is_not_given_away_by_everyone() -> None:
    acc = ReferralCounts("year", "source")
    acc.add_rows(
        [(dt.date(2018, 5, 1), "police")] * 3
        + [(dt.date(2018, 5, 1), "school")] * 20
        + [(dt.date(2018, 6, 1), "health")] * 9
    )
    result = acc.result()
    assert set(result.suppressed("police")) == {"2018-19"}
    assert set(result.suppressed("health")) == {"2018-19"}  # the next smallest group, so police is not 32 - 20 - 9
    assert result.series("") == [("2018-19", 32.0)]


# --------------------------------------------------------------------------- boards


def test_the_boards_own_rule_applies_to_every_series(tmp_path: Path) -> None:
    """A board that raises the smallest count to 100 gets it in its scorecard and charts too,
    not only in tables (its series used DfE's 6 before): Croydon's repeat child protection
    plans (21, 28 and 43 a year) and its 2016-17 re-referrals (61) are hidden."""
    board = tmp_path / "croydon"
    shutil.copytree(CROYDON, board)
    toml = board / "board.toml"
    toml.write_text(toml.read_text().replace("[settings]\n", "[settings]\ndisclosure_smallest = 100\n", 1))
    plugins = Plugins.create()
    document = impact_report(open_board(board, plugins), plugins, dt.date(2019, 3, 31))
    dataset = next(s for _d, s in document.walk() if s.key == "dataset")
    scorecard = dataset.blocks[0]
    assert isinstance(scorecard, Table)
    latest = {row[0]: cell_text(row[scorecard.columns.index("Latest")]) for row in scorecard.rows}
    repeat = "Children becoming the subject of a child protection plan for a second or subsequent time"
    assert latest[repeat] == SUPPRESSED  # every period hidden: "c", not "no data"
    charts = {b.title: b for _d, s in document.walk() for b in s.blocks if isinstance(b, Chart)}
    rereferrals = charts["Referrals to children's social care that are re-referrals within 12 months"]
    assert rereferrals.points[0] == ("2016-17", None) and rereferrals.label("2016-17", None) == SUPPRESSED
    assert all(v is not None for _p, v in rereferrals.points[1:])
    assert repeat not in charts  # no two periods left to draw
    assert "from 1 to 99" in dict(document.meta)["Disclosure control"]


def test_the_library_protects_by_default() -> None:
    """impact_report() gives a protected document unless asked otherwise by name."""
    plugins = Plugins.create()
    loaded = open_board(CROYDON, plugins)
    document = impact_report(loaded, plugins, dt.date(2019, 3, 31))
    assert document.rule == DEFAULT_RULE and "Disclosure control" in dict(document.meta)
    cells = [c for _d, s in document.walk() for b in s.blocks if isinstance(b, Table) for r in b.rows for c in r]
    assert not any(isinstance(c, (Count, Share)) for c in cells)  # every figure has passed the rule
    raw = impact_report(loaded, plugins, dt.date(2019, 3, 31), disclosure_control=False)
    assert raw.rule is None


def test_the_boards_own_work_is_published_as_it_is() -> None:
    result = CliRunner().invoke(make_cli(Plugins.create()), ["report", "impact", str(CROYDON), "-f", "json"])
    import json

    data = json.loads(result.stdout)
    reviews = next(s for s in data["sections"] if s.get("section") == "reviews")
    by_stage = {r[0]: r[1] for r in reviews["blocks"][1]["rows"]}
    assert by_stage["All"] == 6 and SUPPRESSED not in by_stage.values()


def test_a_looser_rule_cannot_follow_a_stricter_one() -> None:
    document = protect(
        Document("x", "x", sections=(Section("s", (Table(("a",), ((Count(7),),)),)),)), Rule(smallest=10)
    )
    assert document.sections[0].blocks[0] == Table(("a",), ((SUPPRESSED,),))
    assert protect(document, DEFAULT_RULE) is document  # already stricter: kept
    try:
        protect(protect(Document("y", "y"), DEFAULT_RULE), Rule(smallest=10))
    except Exception as exc:  # noqa: BLE001
        assert "looser disclosure rule" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a looser rule was taken for a stricter one")


def test_linked_counts_refuse_a_key_given_two_values() -> None:
    linked = Linked()
    linked.count("a", 3)
    try:
        linked.count("a", 4)
    except ValueError:
        pass
    else:  # pragma: no cover
        raise AssertionError


# --------------------------------------------------------------------------- end to end: a board's published series


@settings(max_examples=25, deadline=None)
@given(referrals())
def test_no_small_count_can_be_worked_out_from_a_boards_published_measures(
    rows: list[tuple[str, dt.date, str]],
) -> None:
    """A board publishing one source's referrals monthly, quarterly and yearly, and its
    re-referral rate monthly and yearly: through the real scorecard and report, no small count
    shows, every shown figure is the true one, and none hidden can be worked out from all of
    them together (the attacker sees every measure's visible periods)."""
    import tempfile

    from lif_core.measures import _indicator_request, compute_indicators, scorecard

    from .conftest import MINIMAL

    measures = [
        ("m-month", "referrals", "monthly", "count"),
        ("m-quarter", "referrals", "quarterly", "count"),
        ("m-year", "referrals", "annual", "count"),
        ("m-rr-month", "re-referrals-12m", "monthly", "percent"),
        ("m-rr-year", "re-referrals-12m", "annual", "percent"),
    ]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        lines = ["child,referral_date", *(f"{c},{d.isoformat()}" for c, d, _g in rows)]
        (root / "refs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        board = MINIMAL + (
            '\n[[sources]]\nid = "refs"\nadapter = "csv"\npath = "refs.csv"\n'
            'fields = { child = "child-id", referral_date = "date" }\n'
        )
        for mid, indicator, frequency, unit in measures:
            board += (
                f'\n[[measures]]\nid = "{mid}"\ntitle = "{mid}"\nquadrant = "how-much"\npolarity = "neither"\n'
                f'unit = "{unit}"\nfrequency = "{frequency}"\nsource = "refs"\nindicator = "{indicator}"\n'
            )
        (root / "board.toml").write_text(board, encoding="utf-8")
        plugins = Plugins.create()
        loaded = open_board(root, plugins)
        scores = {s.measure.id: s for s in scorecard(loaded, plugins)}
        raw = compute_indicators(
            loaded, [_indicator_request(loaded, m, plugins) for m in loaded.board.measures], plugins
        )
        results = [result for result, _report in raw]
        document = impact_report(loaded, plugins, dt.date(2019, 6, 30))
    values, sums = _quantities(results)
    known: set[Key] = set()
    for measure, result in zip(loaded.board.measures, results, strict=True):
        shown = dict(scores[measure.id].series)
        truth = {r.period: r for r in result.rows if r.group == ""}
        for period, value in shown.items():
            row = truth[period]
            assert value == row.value  # a shown figure is the true one
            assert all(n == 0 or n >= DEFAULT_RULE.smallest for n in (row.numerator, row.denominator))
            known |= {(p, result.frequency, period, "") for p in result.parts}
        hidden = [p for p, label in scores[measure.id].labels.items() if label == SUPPRESSED]
        assert not set(hidden) & set(shown)
    charts = [b for _d, s in document.walk() for b in s.blocks if isinstance(b, Chart)]
    for chart in charts:  # the report's charts show what the scorecard shows, hidden points as gaps
        score = scores[chart.title]
        assert [(p, v) for p, v in chart.points if v is not None] == list(score.series)
    small = [k for k, v in values.items() if DEFAULT_RULE.hides_count(v)]
    assert not set(small) & known
    lower = {k: (1 if k[0] == "referrals" else 0) for k in values if k not in known}
    found = recovered(values, sums, known, small, lower)
    assert found == [], f"recovered {found}"


# --------------------------------------------------------------------------- regressions found by attacking the solver


def _monthly(
    counts: list[int], extra: list[tuple[dt.date, str | None]] | None = None
) -> list[tuple[str | None, dt.date]]:
    """Referrals April 2018 to March 2019, ``counts[m]`` in month ``m`` (each a new child)."""
    rows: list[tuple[str | None, dt.date]] = []
    for m, n in enumerate(counts):
        day = dt.date(2018 + (m + 3) // 12, (m + 3) % 12 + 1, 1)
        rows += [(f"c{m}-{i}", day) for i in range(n)]
    return rows + [(child, day) for day, child in (extra or [])]


def test_two_ways_of_counting_referrals_are_each_protected_across_frequencies() -> None:
    """Re-referrals leave out referrals without a child; a count of referrals does not. With
    re-referrals monthly, referrals yearly and monthly, the referral counts are linked among
    themselves: June (4) cannot be the year (114) less the other months (before, the monthly
    counts were in no sum at all, and June read 114 - 110)."""
    rows = _monthly([10, 10, 4, 10, 10, 10, 10, 10, 10, 10, 10, 10])
    rows += [(None, dt.date(2018 + (m + 3) // 12, (m + 3) % 12 + 1, 2)) for m in range(12)]  # no child: left out
    rr_month, ref_year, ref_month = ReReferrals("month"), ReferralCounts("year"), ReferralCounts("month")
    rr_month.add_rows((c, d, None) for c, d in rows)
    for acc in (ref_year, ref_month):
        acc.add_rows((d, None) for _c, d in rows)
    _rr, year, month = protect_results([("s", rr_month.result()), ("s", ref_year.result()), ("s", ref_month.result())])
    assert "2018-06" in month.suppressed()
    assert len(month.suppressed()) >= 2 or year.suppressed()


def test_everyone_is_one_count_grouped_or_not() -> None:
    """A grouped result's everyone row is the ungrouped result's row (before, the grouped one
    showed May's 8 beside the year, giving away April's hidden 3)."""
    counts = [3, 8, 20, 20, 20, 20, 20]
    days = [dt.date(2018, 4 + m, 1) for m in range(len(counts))]
    rows = [(d, "police") for d, n in zip(days, counts, strict=True) for _ in range(n)]
    plain, grouped, year = ReferralCounts("month"), ReferralCounts("month", "source"), ReferralCounts("year")
    for acc in (plain, grouped, year):
        acc.add_rows(rows if acc is grouped else [(d, None) for d, _g in rows])
    a, b, y = protect_results([("s", plain.result()), ("s", grouped.result()), ("s", year.result())])
    assert a.suppressed() == b.suppressed() == ["2018-04", "2018-05"] and y.suppressed() == []


def test_a_protected_result_keeps_its_own_stricter_rule() -> None:
    acc = ReferralCounts("year")
    acc.add_rows([(dt.date(2018, 5, 1), None)] * 8)
    strict = acc.result().protected(Rule(smallest=10))
    assert strict.series() == [] and strict.suppressed() == ["2018-19"]  # not re-protected under DfE's 6
    try:
        protect_results([("s", acc.result())])[0].protected(Rule(smallest=10))
    except Exception as exc:  # noqa: BLE001
        assert "looser disclosure rule" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a looser protection was taken for a stricter one")


def test_periods_that_are_no_period_are_left_alone() -> None:
    result = IndicatorResult(
        "x",
        "X",
        "count",
        (IndicatorRow("2019-13", "", 8, 8, 8.0), IndicatorRow("2019-Q5", "", 9, 9, 9.0)),
        frequency="month",
    )
    assert protect_results([("s", result)])[0].suppressed() == []


def test_a_share_naming_a_missing_column_is_refused() -> None:
    table = Table(("n", "d", "%"), ((Count(10), Count(40), Share(10, 40, columns=("N", "d"))),))
    try:
        protect_table(table)
    except ValueError as exc:
        assert "names column 'N'" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("a share naming no count was taken")


def test_rounding_halves_up_and_never_to_zero() -> None:
    rule = Rule(round_to=20)
    assert [rule.rounded(n) for n in (0, 6, 9, 10, 29, 30, 31)] == [0, 20, 20, 20, 20, 40, 40]
    acc = ReferralCounts("month")
    acc.add_rows([(dt.date(2018, 4, 1), None)] * 13 + [(dt.date(2018, 5, 1), None)] * 26)
    assert acc.result().series(rule=Rule(round_to=10)) == [("2018-04", 10.0), ("2018-05", 30.0)]


def test_ties_are_broken_by_the_salt() -> None:
    """Every month 6 but June 5: which month is hidden beside June follows a keyed hash, so a
    reader who knows the rule cannot tell it (before, always the first in order, April)."""
    rows = [
        (dt.date(2018 + (m + 3) // 12, (m + 3) % 12 + 1, 1), None) for m in range(12) for _ in range(5 if m == 2 else 6)
    ]
    chosen = set()
    for salt in (b"a", b"b", b"c", b"d", b"e", b"f"):
        month, year = ReferralCounts("month"), ReferralCounts("year")
        for acc in (month, year):
            acc.add_rows(rows)
        m, _y = protect_results([("s", month.result()), ("s", year.result())], salt=salt)
        chosen |= set(m.suppressed()) - {"2018-06"}
    assert len(chosen) > 1
