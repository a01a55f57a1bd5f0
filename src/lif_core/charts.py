"""Trend charts drawn with matplotlib, for the renderers that draw graphics: an inline SVG for
HTML pages (and the PDF made from them), a PNG for Word, and the text alternative every chart
carries.

matplotlib is used through its object API only (a :class:`matplotlib.figure.Figure` with the SVG
or Agg canvas; no pyplot, no GUI backend, no change to the global ``rcParams``: every setting is
made inside :func:`matplotlib.rc_context`), and imported inside the functions, so the formats
that draw no chart (text, markdown, JSON) never pay for it.

What a chart shows: the series (a solid line with round markers in the board's accent colour),
the target (a dashed line labelled ``Target 85%``), each comparator (a dotted line with its
label), which way is better, a y axis labelled with the unit and round ticks, and every period
on the x axis. A point disclosure control hid (``None``, and NaN or infinity, which cannot be
drawn) is a gap: the line is broken there, with no marker and no value, and its period is
marked ``c`` at the axis. Lines differ by style and marker as well as colour, so a chart reads
in greyscale. The board's text (titles, periods, labels) is drawn as plain text: no mathtext,
control characters removed, long text wrapped and capped; the SVG escapes it as XML.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import unicodedata
import warnings
from typing import TYPE_CHECKING, Any

from .document import SMALL_SHARE, SUPPRESSED, Chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["chart_description", "chart_png", "chart_svg"]

#: The accent used when a board's is not ``#rrggbb``.
DEFAULT_ACCENT = "#1d70b8"
_INK = "#0b0c0c"  # text, axes and the target line
_MUTED = "#505a5f"  # reference lines, notes
_GRID = "#d8dcdd"
#: Reference lines: dotted, each with its own pattern (greyscale tells them apart).
_REFERENCE_STYLES: tuple[Any, ...] = ((0, (1, 2)), (0, (4, 2, 1, 2)), (0, (1, 4)), (0, (6, 2, 1, 2, 1, 2)))
_MAX_TITLE = 180
_TITLE_WIDTH = 60
_MAX_PERIOD = 24
_MAX_REFERENCE_LABEL = 40
_MAX_REFERENCES = 6
#: At most this many period labels on the x axis; more periods are labelled every nth.
_MAX_X_LABELS = 24
#: Markers, value labels and ``c`` marks only where there are few enough points to read them.
_MARKERS_UP_TO = 60
_VALUES_UP_TO = 8

_UNIT_AXIS = {
    "percent": "Percentage",
    "%": "Percentage",
    "rate-per-10000": "Rate per 10,000 children",
    "count": "Number",
    "days": "Days",
    "ratio": "Ratio",
    "score": "Score",
    "£": "Pounds (£)",
}
_UNIT_WORDS = {
    "percent": "percentage",
    "%": "percentage",
    "rate-per-10000": "rate per 10,000 children",
    "count": "number",
    "days": "days",
    "ratio": "ratio",
    "score": "score",
    "£": "pounds",
}
_AT_ZERO = {"percent", "%", "rate-per-10000", "count", "days", "£"}
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


# --------------------------------------------------------------------------- text


def _clean(text: str, limit: int | None = None) -> str:
    """``text`` fit to draw and to write into XML: whitespace controls become spaces, other
    control characters, surrogates, unassigned code points and direction overrides go, runs of
    space collapse; capped at ``limit`` characters with an ellipsis."""
    text = _BIDI.sub("", str(text))
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\x0b\x0c\x85\u2028\u2029":
            out.append(" ")
        elif cat in ("Cc", "Cs", "Cn"):
            continue
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _wrap(text: str, width: int, lines: int) -> str:
    wrapped = textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip(" …") + "…"
    return "\n".join(wrapped)


def _number(value: float) -> str:
    """A number as readers write it: thousands separated, at most two decimal places, no
    trailing zeros."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1e15 or abs(value) < 0.005:
        return f"{value:.3g}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _figure(value: float, unit: str) -> str:
    """A value with its unit: ``13%``, ``£1,200``, ``12 days``, ``2,045``."""
    text = _number(value)
    if unit in ("percent", "%"):
        return text + "%"
    if unit == "£":
        return ("-£" + text[1:]) if text.startswith("-") else "£" + text
    if unit == "days":
        return text + (" day" if value == 1 else " days")
    if unit == "rate-per-10000":
        return text + " per 10,000"
    return text


def figure_text(value: float, unit: str) -> str:
    """A chart's value as readers write it with its unit (``13%``, ``£1,200``, ``2,045``,
    ``117.1 per 10,000``); no matplotlib needed."""
    return _figure(value, unit)


def unit_title(unit: str) -> str:
    """What a chart's values are, as a heading: ``Percentage``, ``Rate per 10,000 children``,
    ``Number``; a unit lif-core does not know is shown as written; none is ``Value``."""
    return _UNIT_AXIS.get(unit, unit) or "Value"


def _tick(value: float, unit: str) -> str:
    if unit == "rate-per-10000" or unit == "days":
        return _number(value)
    return _figure(value, unit)


def _polarity(chart: Chart) -> str:
    """``higher``, ``lower`` or ``""`` (the model's ``higher-is-better`` read too)."""
    p = chart.polarity.strip().lower()
    return "higher" if p.startswith("higher") else "lower" if p.startswith("lower") else ""


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return v if math.isfinite(v) else None


def _points(chart: Chart) -> list[tuple[str, float | None, str]]:
    """``(period, value or None, text)`` of each point; ``text`` is ``c`` (or the chart's own
    label such as ``k``) where the value is hidden."""
    out = []
    labels = dict(chart.labels)
    for period, value in chart.points:
        v = _finite(value)
        label = _clean(labels.get(period, ""), 12)
        out.append((_clean(period), v, label if label else (SUPPRESSED if v is None else "")))
    return out


def _references(chart: Chart) -> list[tuple[str, float]]:
    out = []
    for label, value in chart.references:
        v = _finite(value)
        if v is not None:
            out.append((_clean(label, _MAX_REFERENCE_LABEL), v))
    return out


def chart_description(chart: Chart) -> str:
    """The chart's text alternative: its title, the unit, every point (``2018-19: 13%``,
    a hidden one ``c``), the target, each reference line and which way is better."""
    unit = chart.unit
    title = _clean(chart.title, _MAX_TITLE) or "Chart"
    parts = [title.rstrip(".") + "."]
    words = _UNIT_WORDS.get(unit, _clean(unit, 40))
    if words:
        parts.append(f"Unit: {words}.")
    points = _points(chart)
    if points:
        shown = [
            f"{period}: {_figure(v, unit) if v is not None else (text or SUPPRESSED)}" for period, v, text in points
        ]
        parts.append("; ".join(shown) + ".")
    else:
        parts.append("No figures.")
    target = _finite(chart.target)
    if target is not None:
        parts.append(f"Target: {_figure(target, unit)}.")
    for label, value in _references(chart):
        parts.append(f"{label or 'Reference'}: {_figure(value, unit)}.")
    polarity = _polarity(chart)
    if polarity:
        parts.append(f"{polarity.capitalize()} is better.")
    texts = {text for _, v, text in points if v is None}
    if SUPPRESSED in texts:
        parts.append(f"{SUPPRESSED}: a figure hidden to protect children's privacy.")
    if SMALL_SHARE in texts:
        parts.append(f"{SMALL_SHARE}: a figure too small to show.")
    return " ".join(parts)


# --------------------------------------------------------------------------- colour


def _accent(accent: str) -> str:
    """The board's accent as ``#rrggbb``, darkened until it has at least 3:1 contrast with
    white (WCAG's minimum for graphics); the default where it is not a colour."""
    if not isinstance(accent, str) or not re.fullmatch(r"#[0-9a-fA-F]{6}", accent):
        return DEFAULT_ACCENT
    rgb = [int(accent[i : i + 2], 16) / 255 for i in (1, 3, 5)]

    def luminance(c: list[float]) -> float:
        lin = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    for _ in range(40):
        if 1.05 / (luminance(rgb) + 0.05) >= 3.0:
            break
        rgb = [x * 0.9 for x in rgb]
    return "#" + "".join(f"{round(x * 255):02x}" for x in rgb)


# --------------------------------------------------------------------------- drawing


def _rc(salt: str) -> Any:  # matplotlib types the keys as a Literal of every setting
    return {
        "text.parse_math": False,
        "text.usetex": False,
        "svg.fonttype": "none",
        "svg.hashsalt": salt,
        "svg.image_inline": True,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
        "font.size": 9,
        "axes.unicode_minus": True,
        "path.simplify": True,
    }


def _limits(values: list[float], unit: str) -> tuple[float, float]:
    """The y range to show: every value, the target and references, with 0 for counts, rates,
    days and pounds that are all positive, and 0 to 100 for percentages that reach high."""
    if not values:
        return (0.0, 100.0) if unit in ("percent", "%") else (0.0, 1.0)
    low, high = min(values), max(values)
    if unit in _AT_ZERO and low >= 0:
        low = 0.0
    if unit in ("percent", "%") and min(values) >= 0 and max(values) <= 100 and max(values) > 60:
        high = 100.0
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = (low - pad if low != 0 or unit not in _AT_ZERO else 0.0), high + pad
    else:
        span = high - low
        if low != 0.0 or unit not in _AT_ZERO:
            low -= span * 0.08
            if unit in _AT_ZERO and low < 0 <= min(values):
                low = 0.0
        if high != 100.0 or unit not in ("percent", "%"):
            high += span * 0.08
    return low, high


#: Values beyond this size are drawn scaled (see :func:`_scale`).
_HUGE = 1e15


def _scale(values: list[float]) -> float:
    """What a chart's values are divided by to be drawn: 1, or for values of ``_HUGE`` or more
    the power of ten of the largest, so the drawn values are between -10 and 10."""
    largest = max((abs(v) for v in values), default=0.0)
    if largest < _HUGE:
        return 1.0
    return float(10.0 ** math.floor(math.log10(largest)))


def _scaled_tick(value: float, scale: float, unit: str) -> str:
    """An axis label for a drawn ``value``: the value it stands for (none past the largest float)."""
    real = value * scale
    return _tick(real, unit) if math.isfinite(real) else ""


def _draw(chart: Chart, accent: str, width_cm: float) -> Figure:
    """The chart as a matplotlib figure (call inside :func:`matplotlib.rc_context`)."""
    from matplotlib.figure import Figure
    from matplotlib.patheffects import withStroke
    from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

    colour = _accent(accent)
    unit = chart.unit
    points = _points(chart)
    n = len(points)
    target = _finite(chart.target)
    references = _references(chart)[:_MAX_REFERENCES]
    polarity = _polarity(chart)
    # Values are drawn divided by ``scale``: 1, except for huge values, drawn as multiples of a
    # power of ten, so the axis's padding and matplotlib's transforms never overflow (a point at
    # 1.66e308 still gets its marker); labels always give the values themselves.
    scale = _scale([v for _, v, _ in points if v is not None] + [target or 0.0] + [v for _, v in references])

    title = _wrap(_clean(chart.title, _MAX_TITLE) or "Chart", _TITLE_WIDTH, 3)
    title_lines = title.count("\n") + 1
    periods = [_clean(p, _MAX_PERIOD) for p, _, _ in points]
    longest = max((len(p) for p in periods), default=0)
    step = max(1, math.ceil(n / _MAX_X_LABELS))
    labelled = list(range(0, n, step))
    width_in = max(width_cm, 4.0) / 2.54
    plot_in = width_in * 0.72
    # periods horizontally where they fit side by side, else turned 45 degrees
    slot = plot_in / max(len(labelled), 1)
    rotate = longest * 0.075 > slot * 0.9
    height_in = width_in / 2 + (title_lines - 1) * 0.18 + (min(longest, _MAX_PERIOD) * 0.05 if rotate else 0)

    fig = Figure(figsize=(width_in, height_in), layout="constrained", facecolor="white")
    fig.get_layout_engine().set(w_pad=0.08, h_pad=0.06)  # type: ignore[union-attr, call-arg]
    ax: Axes = fig.add_subplot()
    ax.set_facecolor("white")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold", color=_INK)
    notes = []
    if polarity:
        notes.append("Higher is better ▲" if polarity == "higher" else "Lower is better ▼")
    if n <= _MARKERS_UP_TO:
        marks = {text for _, v, text in points if v is None}
        if SUPPRESSED in marks:
            notes.append(f"{SUPPRESSED}: hidden to protect children's privacy")
        if SMALL_SHARE in marks:
            notes.append(f"{SMALL_SHARE}: too small to show")
    if notes:
        ax.set_title("   ·   ".join(notes), loc="left", fontsize=8.5, color=_MUTED, pad=6)

    # the series: NaN where a point is hidden, which breaks the line and draws no marker
    xs = list(range(n))
    ys = [math.nan if v is None else v / scale for _, v, _ in points]
    if any(v is not None for _, v, _ in points):  # no empty path where every point is hidden
        ax.plot(
            xs,
            ys,
            color=colour,
            linewidth=2.2,
            linestyle="-",
            marker="o" if n <= _MARKERS_UP_TO else "None",
            markersize=5.5,
            markerfacecolor=colour,
            markeredgecolor="white",
            markeredgewidth=0.8,
            zorder=3,
            gid="series",
        )

    values = [v / scale for _, v, _ in points if v is not None]
    low, high = _limits(
        values + ([target / scale] if target is not None else []) + [v / scale for _, v in references], unit
    )
    locator = MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10], integer=unit == "count", min_n_ticks=3)
    try:
        ticks = [t for t in locator.tick_values(low, high) if math.isfinite(t)]
    except (ValueError, OverflowError, ZeroDivisionError):
        ticks = []
    if len(ticks) >= 2 and ticks[0] <= low and ticks[-1] >= high and math.isfinite(ticks[-1] - ticks[0]):
        low, high = ticks[0], ticks[-1]
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(high - low)) or low >= high:
        low, high, ticks = 0.0, 1.0, [0.0, 0.5, 1.0]
    ax.set_ylim(low, high)
    ax.yaxis.set_major_locator(FixedLocator([t for t in ticks if low <= t <= high]) if ticks else locator)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _scaled_tick(v, scale, unit)))
    ax.set_ylabel(_UNIT_AXIS.get(unit, _clean(unit, 30) or "Value"), color=_INK, fontsize=9)

    ax.set_xlim(-0.5 if n else 0, (n - 0.5) if n else 1)
    if n:
        ax.xaxis.set_major_locator(FixedLocator(labelled))
        ax.set_xticklabels(
            [periods[i] for i in labelled],
            rotation=45 if rotate else 0,
            ha="right" if rotate else "center",
            rotation_mode="anchor" if rotate else "default",
        )
        if step > 1 and n <= 200:  # a small tick at each unlabelled period, where few
            ax.xaxis.set_minor_locator(FixedLocator(xs))
    else:
        ax.xaxis.set_major_locator(NullLocator())
        ax.text(0.5, 0.5, "No figures", transform=ax.transAxes, ha="center", va="center", color=_MUTED)
    if values == [] and n:
        ax.text(0.5, 0.5, "Every figure is hidden", transform=ax.transAxes, ha="center", va="center", color=_MUTED)

    ax.grid(axis="y", color=_GRID, linewidth=0.7)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(_MUTED)
    ax.tick_params(colors=_INK, labelsize=8.5)

    # hidden points: their period on the axis, "c" just above it; no marker, no value
    if n <= _MARKERS_UP_TO:
        transform = ax.get_xaxis_transform()
        for x, (_, v, text) in enumerate(points):
            if v is None:
                ax.text(
                    x,
                    0.02,
                    text or SUPPRESSED,
                    transform=transform,
                    ha="center",
                    va="bottom",
                    fontsize=8.5,
                    fontstyle="italic",
                    color=_MUTED,
                )
    # target and comparators: lines across, labelled in the right margin, spread apart
    lines: list[tuple[str, float, str, Any, float]] = []
    if target is not None:
        lines.append((f"Target {_figure(target, unit)}", target / scale, _INK, (0, (5, 3)), 1.4))
    for i, (label, value) in enumerate(references):
        text = _wrap(f"{label or 'Reference'} {_figure(value, unit)}", 22, 3)
        lines.append((text, value / scale, _MUTED, _REFERENCE_STYLES[i % len(_REFERENCE_STYLES)], 1.3))
    lines.sort(key=lambda line: line[1])
    line_height = 8 * 1.3 / 72 / (height_in * 0.7)  # one 8pt line as a fraction of the axes' height
    wanted = [(value - low) / (high - low) for _, value, _, _, _ in lines]
    sizes = [line_height * (1 + text.count("\n")) for text, _, _, _, _ in lines]
    for (text, value, line_colour, style, width), frac in zip(lines, _spread(wanted, sizes), strict=True):
        ax.axhline(value, color=line_colour, linestyle=style, linewidth=width, zorder=2)
        ax.text(
            1.01,
            frac,
            text,
            transform=ax.transAxes,
            ha="left",
            va="center",
            fontsize=8,
            color=line_colour,
            clip_on=False,
        )

    # values beside the markers where there are few: above, or below where a line runs just above
    if 0 < n <= _VALUES_UP_TO:
        near = 0.09 * (high - low)
        for x, (_, v, _) in enumerate(points):
            if v is None:
                continue
            y = v / scale
            below = any(0 <= value - y <= near for _, value, _, _, _ in lines) and not any(
                0 <= y - value <= near for _, value, _, _, _ in lines
            )
            ax.annotate(
                _figure(v, unit).replace(" per 10,000", ""),
                (x, y),
                xytext=(0, -8 if below else 7),
                textcoords="offset points",
                ha="center",
                va="top" if below else "bottom",
                fontsize=8,
                color=_INK,
                zorder=4,
                path_effects=[withStroke(linewidth=3, foreground="white")],
            )
    return fig


def _spread(wanted: list[float], sizes: list[float]) -> list[float]:
    """Label centres as near ``wanted`` (ascending) as they can be without overlapping, each
    ``sizes[i]`` tall: overlapping labels are gathered into groups centred on their wishes."""
    groups: list[list[int]] = []
    centres: list[float] = []

    def extent(group: list[int]) -> float:
        return sum(sizes[i] for i in group)

    for i in range(len(wanted)):
        groups.append([i])
        centres.append(wanted[i])
        while len(groups) > 1 and centres[-2] + extent(groups[-2]) / 2 > centres[-1] - extent(groups[-1]) / 2:
            last, centre = groups.pop(), centres.pop()
            merged = groups[-1] + last
            centres[-1] = sum(wanted[j] for j in merged) / len(merged)
            groups[-1] = merged
    out = []
    for group, centre in zip(groups, centres, strict=True):
        y = centre - extent(group) / 2
        for i in group:
            out.append(y + sizes[i] / 2)
            y += sizes[i]
    return out


def _salt(chart: Chart, ident: str) -> str:
    return hashlib.sha256(repr((ident, chart)).encode("utf-8", "replace")).hexdigest()[:16]


def chart_png(chart: Chart, *, width_cm: float = 16.0, dpi: int = 200, accent: str = DEFAULT_ACCENT) -> bytes:
    """The chart as PNG bytes (for Word): ``width_cm`` wide at ``dpi``; about half as high
    (more for a long title or turned period labels)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    width_cm = width_cm if math.isfinite(width_cm) and 2 <= width_cm <= 100 else 16.0
    dpi = dpi if 30 <= dpi <= 1200 else 200
    with matplotlib.rc_context(_rc(_salt(chart, "png"))), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a glyph DejaVu Sans lacks draws as a box, not a warning
        # a whole number of pixels, so the image is exactly as wide as asked (matplotlib truncates)
        fig = _draw(chart, accent, (round(width_cm / 2.54 * dpi) + 0.25) / dpi * 2.54)
        FigureCanvasAgg(fig)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=dpi, metadata={"Software": None}, facecolor="white")
    return out.getvalue()


_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def chart_svg(chart: Chart, *, ident: str, accent: str = DEFAULT_ACCENT) -> str:
    """The chart as an inline ``<svg>`` element for an HTML page (no XML declaration, no
    DOCTYPE): ``role="img"``, ``aria-labelledby`` naming its ``<title>`` and ``<desc>``
    (:func:`chart_description`), every id prefixed with ``ident`` (so many charts share a page),
    text kept as text, no fixed size (it scales to its container by its ``viewBox``), and the
    same bytes for the same chart and ``ident``.

    ``ident`` must start with a letter and hold only letters, digits, ``-`` and ``_``."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    if not _IDENT.fullmatch(ident):
        raise ValueError(f"chart ident {ident!r}: a letter, then letters, digits, '-' or '_'")
    with matplotlib.rc_context(_rc(_salt(chart, ident))), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = _draw(chart, accent, 16.0)
        FigureCanvasSVG(fig)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, facecolor="white")
    return _inline(out.getvalue(), ident, _clean(chart.title, _MAX_TITLE) or "Chart", chart_description(chart))


def _inline(svg: str, ident: str, title: str, description: str) -> str:
    """matplotlib's SVG document made an inline element: ids renamed ``{ident}-1``... (only
    those something refers to kept), references rewritten, size attributes dropped, the
    metadata removed, a ``<title>`` and ``<desc>`` added first."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(svg.encode("utf-8"))  # matplotlib's own output: no entities, no DTD fetched
    for meta in root.findall(f"{{{_SVG}}}metadata"):
        root.remove(meta)
    # matplotlib's stylesheet (``*{stroke-linejoin: round...}``) would style the whole HTML page:
    # its two rules become the root's (inherited) presentation attributes instead
    for defs in root.findall(f"{{{_SVG}}}defs"):
        for style in defs.findall(f"{{{_SVG}}}style"):
            defs.remove(style)
        if not len(defs):
            root.remove(defs)
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    ref = re.compile(r"url\(#([^)]+)\)")
    href = f"{{{_XLINK}}}href"
    used: list[str] = []
    for el in root.iter():
        for key, value in el.attrib.items():
            if key in (href, "href") and value.startswith("#"):
                used.append(value[1:])
            else:
                used.extend(ref.findall(value))
    names: dict[str, str] = {}
    for old in used:
        names.setdefault(old, f"{ident}-{len(names) + 1}")
    for el in root.iter():
        if "id" in el.attrib:
            old = el.attrib.pop("id")
            if old in names:
                el.set("id", names[old])
            elif old == "series":  # the data line's group (gid), for tests and stylesheets
                el.set("id", f"{ident}-series")
        for key, value in list(el.attrib.items()):
            if key in (href, "href") and value.startswith("#"):
                el.set(key, "#" + names.get(value[1:], value[1:]))
            elif "url(#" in value:
                el.set(key, ref.sub(lambda m: f"url(#{names.get(m.group(1), m.group(1))})", value))
    for key in ("width", "height", "version"):
        root.attrib.pop(key, None)
    title_id, desc_id = f"{ident}-title", f"{ident}-desc"
    root.set("role", "img")
    root.set("aria-labelledby", f"{title_id} {desc_id}")
    root.set("preserveAspectRatio", "xMidYMid meet")
    root.set("class", "lif-chart")
    t = ET.Element(f"{{{_SVG}}}title", {"id": title_id})
    t.text = title
    d = ET.Element(f"{{{_SVG}}}desc", {"id": desc_id})
    d.text = description
    root.insert(0, d)
    root.insert(0, t)
    return ET.tostring(root, encoding="unicode")
