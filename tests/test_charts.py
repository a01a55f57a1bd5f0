"""Charts drawn with matplotlib (lif_core.charts): the inline SVG for HTML, the PNG for Word and
the text alternative. Hostile board text never breaks the SVG or runs as markup; a point
disclosure control hid is a gap (no marker, no vertex); matplotlib is loaded only when a chart
is drawn, and its global settings are left as they were."""

from __future__ import annotations

import io
import itertools
import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core.charts import chart_description, chart_png, chart_svg
from lif_core.document import Chart

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

CROYDON_LIKE = Chart(
    "Children returning from a missing episode offered a return home interview within 72 hours",
    (("2014-15", 52.5), ("2015-16", None), ("2016-17", 66.5), ("2017-18", 74.2), ("2018-19", 81.9)),
    "percent",
    85.0,
    (("2015-16", "c"),),
    (("England 2018-19", 80.0), ("Statistical neighbours", 78.0)),
    "higher",
)


def _parse(svg: str) -> ET.Element:
    assert not svg.lstrip().startswith("<?xml") and "<!DOCTYPE" not in svg
    return ET.fromstring(svg)


def _ids(root: ET.Element) -> list[str]:
    return [el.attrib["id"] for el in root.iter() if "id" in el.attrib]


def _series(root: ET.Element, ident: str) -> tuple[list[str], list[tuple[float, float]]]:
    """The data line's path commands (``M``/``L``) and its markers' positions."""
    group = next((el for el in root.iter() if el.get("id") == f"{ident}-series"), None)
    if group is None:  # no point is shown: no line at all
        return [], []
    paths = [el for el in group if el.tag == f"{SVG}path"]  # none where no point is shown
    commands = re.findall(r"[ML]", paths[0].get("d", "")) if paths else []
    markers = [(float(u.attrib["x"]), float(u.attrib["y"])) for u in group.iter(f"{SVG}use")]
    return commands, markers


def _texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


# --------------------------------------------------------------------------- the SVG


def test_svg_is_an_accessible_inline_element() -> None:
    svg = chart_svg(CROYDON_LIKE, ident="chart-3")
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-3-title chart-3-desc"
    assert "width" not in root.attrib and "height" not in root.attrib and root.get("viewBox")
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id"), title.text) == (f"{SVG}title", "chart-3-title", CROYDON_LIKE.title)
    assert (desc.tag, desc.get("id"), desc.text) == (f"{SVG}desc", "chart-3-desc", chart_description(CROYDON_LIKE))
    # no stylesheet that would style the page around it, no metadata, no script
    assert "<style" not in svg and "<metadata" not in svg and "<script" not in svg.lower()


def test_svg_draws_target_references_polarity_unit_and_every_period() -> None:
    root = _parse(chart_svg(CROYDON_LIKE, ident="c1"))
    texts = _texts(root)
    assert "Target 85%" in texts
    assert "England 2018-19 80%" in texts
    assert any(t.startswith("Statistical neighbours") for t in texts)
    assert any("Higher is better" in t for t in texts)
    assert "Percentage" in texts and "100%" in texts and "0%" in texts
    for period, _ in CROYDON_LIKE.points:
        assert period in texts  # the hidden period too, whole (never clipped to "2018-1")
    assert "c" in texts  # the hidden point marked at the axis
    # text kept as text, with fonts to fall back on
    assert (
        "font-family: 'DejaVu Sans'" in chart_svg(CROYDON_LIKE, ident="c1")
        and "sans-serif" in ET.tostring(root).decode()
    )


def test_a_hidden_point_is_a_gap_not_a_value() -> None:
    chart = Chart("t", (("a", 10.0), ("b", 20.0), ("c", None), ("d", 30.0), ("e", 40.0), ("f", math.nan)), "count")
    root = _parse(chart_svg(chart, ident="g"))
    commands, markers = _series(root, "g")
    # two runs (a-b, d-e): the line starts again after the gap; NaN is a gap too
    assert commands == ["M", "L", "M", "L"]
    assert len(markers) == 4
    xs = [x for x, _ in markers]
    step = xs[1] - xs[0]
    assert xs[2] == pytest.approx(xs[0] + 3 * step) and xs[3] == pytest.approx(xs[0] + 4 * step)
    texts = _texts(root)
    assert "c" in texts and "f" in texts  # the periods stay on the axis


def test_a_hidden_point_is_nan_in_the_drawn_line() -> None:
    import matplotlib

    from lif_core.charts import _draw, _rc

    chart = Chart("t", (("a", 1.0), ("b", None), ("c", 3.0)), "count")
    with matplotlib.rc_context(_rc("x")):
        fig = _draw(chart, "#1d70b8", 16.0)
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_gid() == "series"]
    y: list[float] = [float(v) for v in line.get_ydata()]  # type: ignore[union-attr, arg-type]
    assert y[0] == 1.0 and math.isnan(y[1]) and y[2] == 3.0


def test_svg_is_deterministic_and_ids_differ_between_charts() -> None:
    a1, a2 = chart_svg(CROYDON_LIKE, ident="a"), chart_svg(CROYDON_LIKE, ident="a")
    assert a1 == a2
    b = chart_svg(CROYDON_LIKE, ident="b")
    ids_a, ids_b = _ids(_parse(a1)), _ids(_parse(b))
    assert ids_a and not set(ids_a) & set(ids_b)
    assert "Date" not in a1 and "dc:date" not in a1


def test_every_reference_points_at_an_id_of_its_own_chart() -> None:
    root = _parse(chart_svg(CROYDON_LIKE, ident="k7"))
    ids = set(_ids(root))
    refs = []
    for el in root.iter():
        for key, value in el.attrib.items():
            if key in (XLINK_HREF, "href") and value.startswith("#"):
                refs.append(value[1:])
            refs.extend(re.findall(r"url\(#([^)]+)\)", value))
    assert refs and set(refs) <= ids


def test_hostile_text_is_text() -> None:
    chart = Chart(
        '<script>alert(1)</script> $\\frac{1}{2}$ & "quotes" \x00\x1b[31m\u202eevil',
        (("<b>2018</b>", 5.0), ("$x$", None), ("]]>&amp;", 7.0)),
        "<i>unit</i>",
        6.0,
        references=(("</text><script>x</script>", 4.0),),
    )
    svg = chart_svg(chart, ident="h")
    root = _parse(svg)
    assert "<script" not in svg.lower() and "<b>" not in svg and "<i>" not in svg
    assert "\x00" not in svg and "\x1b" not in svg and "\u202e" not in svg
    texts = _texts(root)
    assert any("<script>alert(1)</script> $\\frac{1}{2}$" in t for t in texts)  # no mathtext: as written
    assert "<b>2018</b>" in texts and "$x$" in texts and "]]>&amp;" in texts
    assert root[0].text is not None and "<script>" in root[0].text  # escaped in the source, text once parsed


def test_bad_ident_is_refused() -> None:
    with pytest.raises(ValueError, match="ident"):
        chart_svg(CROYDON_LIKE, ident='x" onload="alert(1)')


def test_matplotlib_settings_are_left_as_they_were() -> None:
    import matplotlib

    before = dict(matplotlib.rcParams)
    chart_svg(CROYDON_LIKE, ident="r")
    chart_png(CROYDON_LIKE, dpi=50)
    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------------------------------- hypothesis

_values = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.integers(min_value=0, max_value=10_000).map(float),
)
_charts = st.builds(
    Chart,
    title=st.text(max_size=300),
    points=st.lists(st.tuples(st.text(max_size=40), _values), max_size=30).map(tuple),
    unit=st.sampled_from(["percent", "rate-per-10000", "count", "days", "ratio", "score", "%", "£", "", "<x>"]),
    target=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.floats(-100, 1000)),
    labels=st.lists(st.tuples(st.text(max_size=10), st.sampled_from(["c", "k", "<&>"])), max_size=3).map(tuple),
    references=st.lists(st.tuples(st.text(max_size=60), st.floats(-1e4, 1e4)), max_size=4).map(tuple),
    polarity=st.sampled_from(["", "higher", "lower", "higher-is-better", "nonsense"]),
)


@settings(max_examples=25, deadline=None)
@given(chart=_charts, ident=st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True))
def test_any_chart_draws_as_well_formed_svg(chart: Chart, ident: str) -> None:
    svg = chart_svg(chart, ident=ident)
    root = _parse(svg)
    ids = _ids(root)
    assert len(ids) == len(set(ids))
    assert all(i.startswith(f"{ident}-") for i in ids)
    assert "<script" not in svg.lower()
    hidden = sum(1 for _, v in chart.points if v is None or not math.isfinite(v))
    shown = len(chart.points) - hidden
    if len(chart.points) <= 60:
        _, markers = _series(root, ident)
        assert len(markers) == shown
    description = chart_description(chart)
    assert root[1].text == description


# --------------------------------------------------------------------------- PNG and description


def test_png_decodes_at_the_size_asked_for() -> None:
    from PIL import Image

    png = chart_png(CROYDON_LIKE, width_cm=16.0, dpi=100)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == round(16 / 2.54 * 100)
    assert 0.4 < image.height / image.width < 0.75
    assert chart_png(CROYDON_LIKE, dpi=100) == png  # the same bytes each time


@settings(max_examples=10, deadline=None)
@given(chart=_charts)
def test_any_chart_draws_as_png(chart: Chart) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(chart_png(chart, width_cm=8.0, dpi=40)))
    image.verify()


def test_description_says_every_figure_the_target_references_and_polarity() -> None:
    text = chart_description(CROYDON_LIKE)
    assert text.startswith(CROYDON_LIKE.title + ".")
    assert "Unit: percentage." in text
    assert "2014-15: 52.5%; 2015-16: c; 2016-17: 66.5%; 2017-18: 74.2%; 2018-19: 81.9%." in text
    assert "Target: 85%." in text
    assert "England 2018-19: 80%." in text and "Statistical neighbours: 78%." in text
    assert "Higher is better." in text
    assert "c: a figure hidden" in text
    counts = chart_description(
        Chart("Early help", (("2017-18", 1890.0), ("2018-19", 2045.0)), "count", None, (), (), "lower")
    )
    assert counts == "Early help. Unit: number. 2017-18: 1,890; 2018-19: 2,045. Lower is better."
    k = chart_description(Chart("x", (("a", None),), "percent", labels=(("a", "k"),)))
    assert "a: k." in k and "k: a figure too small to show." in k


# --------------------------------------------------------------------------- lazy import


def test_importing_charts_does_not_import_matplotlib() -> None:
    code = (
        "import sys, lif_core.charts\n"
        "from lif_core.document import Chart\n"
        "lif_core.charts.chart_description(Chart('t', (('a', 1.0),)))\n"
        "assert not any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules), 'matplotlib imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("unit", ["count", "ratio", "percent", "£"])
@pytest.mark.parametrize(
    "values",
    [(1.66e308,), (1.66e308, 0.0), (-1.7e308, 1.7e308), (1e308, 2.0), (1.79e308, 1.7e308), (-1.66e308,), (1e15, 3e15)],
)
def test_huge_finite_values_are_drawn(values: tuple[float, ...], unit: str) -> None:
    """A value near the largest float still gets its marker, in order, with target and
    reference lines as huge (the axis's padding overflowed, and nothing was drawn)."""
    chart = Chart(
        title="Huge",
        points=tuple((f"P{i}", v) for i, v in enumerate(values)),
        unit=unit,
        target=-1.7e308,
        references=(("Reference", 1e308),),
    )
    root = _parse(chart_svg(chart, ident="h"))
    _, markers = _series(root, "h")
    assert len(markers) == len(values)
    ys = [y for _x, y in markers]  # SVG's y grows downwards
    for (a, ya), (b, yb) in itertools.combinations(zip(values, ys, strict=True), 2):
        assert ya >= yb if a < b else ya <= yb  # never upside down (equal where the range dwarfs them)
    assert all(t == "" or "inf" not in t for t in _texts(root))
