"""Builtin HTML renderer (registered by renderers.py, hook: register_renderers): one
self-contained page, with no network at all: inline CSS, inline SVG charts, no scripts, every
piece of text escaped. Accessible (landmarks, captions, table headers with scope, charts with
a title and a description and the figures as a table too) and made to print."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from ..disclosure import SUPPRESSED
from ..document import BulletList, Chart, Document, Facts, Paragraph, Section, Table, cell_text
from ..extensions import Renderer, RenderOptions

CSS = """
:root { --ink: #1b1b1b; --muted: #505a5f; --line: #b1b4b6; --accent: #1d70b8; --bad: #d4351c;
  --warn: #f47738; --good: #00703c; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
header { border-bottom: 4px solid var(--accent); margin-bottom: 1.5rem; }
h1 { font-size: 2rem; margin: 0 0 .25rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin-top: 1.75rem; } .subtitle { color: var(--muted); margin: 0 0 1rem; }
nav ol { columns: 2; } a { color: var(--accent); }
table { border-collapse: collapse; width: 100%; margin: .75rem 0 1.25rem; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f3f2f1; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
abbr.suppressed { text-decoration: none; font-style: italic; color: var(--muted); }
.rag-RED { color: #fff; background: var(--bad); } .rag-AMBER { background: var(--warn); }
.rag-GREEN { color: #fff; background: var(--good); }
figure { margin: 1rem 0 1.5rem; } figcaption { font-weight: 600; }
svg { max-width: 100%; height: auto; } .meta { color: var(--muted); font-size: .9rem; }
.wrap { overflow-x: auto; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; } nav { display: none; }
  .wrap { overflow: visible; }
  h2 { break-before: auto; } table, figure { break-inside: avoid; } a { color: inherit; } }
"""


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _anchor(path: str) -> str:
    return "s-" + path


def _cell(value: Any, header: str) -> str:
    text = cell_text(value)
    if text == SUPPRESSED:
        return (
            '<td class="num"><abbr class="suppressed" '
            'title="hidden by disclosure control: a small count, or one that would reveal it">c</abbr></td>'
        )
    numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
    classes = ["num"] if numeric else []
    if header == "RAG" and text in ("RED", "AMBER", "GREEN"):
        classes.append(f"rag-{text}")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{esc(text)}</td>"


def _table(table: Table) -> str:
    out = ['<div class="wrap"><table>']
    if table.caption:
        out.append(f"<caption>{esc(table.caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col">{esc(c)}</th>' for c in table.columns) + "</tr></thead>")
    out.append("<tbody>")
    if not table.rows:
        out.append(f'<tr><td colspan="{len(table.columns)}">(none)</td></tr>')
    for row in table.rows:
        out.append("<tr>" + "".join(_cell(v, h) for v, h in zip(row, table.columns, strict=True)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _chart(chart: Chart, ident: str) -> str:
    """A line chart as inline SVG, with a title and a description giving every figure for
    screen readers. A point disclosure control hid (``None``) is a gap: no marker, the line
    broken there, only its period on the axis and ``c`` in the description."""
    width, height, left, right, top, bottom = 640, 240, 56, 16, 16, 40
    shown = [(i, v) for i, (_, v) in enumerate(chart.points) if v is not None]
    values = [v for _, v in shown] + ([chart.target] if chart.target is not None else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if low == high:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.1, high + span * 0.1

    def x(i: int) -> float:
        n = max(len(chart.points) - 1, 1)
        return left + (width - left - right) * i / n

    def y(v: float) -> float:
        return top + (height - top - bottom) * (1 - (v - low) / (high - low))

    title_id, desc_id = f"{ident}-t", f"{ident}-d"
    desc = "; ".join(f"{p}: {chart.label(p, v)}" for p, v in chart.points) or "no data"
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-labelledby="{title_id} {desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg" data-chart="trend">',
        f'<title id="{title_id}">{esc(chart.title)}</title><desc id="{desc_id}">{esc(desc)}</desc>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#505a5f"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#505a5f"/>',
        f'<text x="{left - 6}" y="{y(high) + 12:.1f}" text-anchor="end" font-size="12">{esc(f"{high:.4g}")}</text>',
        f'<text x="{left - 6}" y="{y(low):.1f}" text-anchor="end" font-size="12">{esc(f"{low:.4g}")}</text>',
    ]
    if chart.target is not None:
        ty = y(chart.target)
        parts.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{width - right}" y2="{ty:.1f}" stroke="#00703c" '
            f'stroke-dasharray="6 4"/><text x="{width - right}" y="{ty - 4:.1f}" text-anchor="end" '
            f'font-size="12" fill="#00703c">target {esc(cell_text(chart.target))}</text>'
        )
    for run in _runs(shown):  # the line joins neighbouring shown points only
        if len(run) > 1:
            points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in run)
            parts.append(f'<polyline points="{points}" fill="none" stroke="#1d70b8" stroke-width="3"/>')
    for i, (period, value) in enumerate(chart.points):
        if value is not None:
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="4" fill="#1d70b8"><title>{esc(period)}: '
                f"{esc(chart.label(period, value))}</title></circle>"
            )
        parts.append(
            f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="12">{esc(period)}</text>'
        )
    parts.append("</svg>")
    return f"<figure><figcaption>{esc(chart.title)}</figcaption>{''.join(parts)}</figure>"


def _runs(shown: list[tuple[int, float]]) -> list[list[tuple[int, float]]]:
    """The shown points (index, value) split where a hidden point falls between them."""
    runs: list[list[tuple[int, float]]] = []
    for i, v in shown:
        if runs and runs[-1][-1][0] == i - 1:
            runs[-1].append((i, v))
        else:
            runs.append([(i, v)])
    return runs


def _blocks(section: Section, path: str) -> Iterator[str]:
    for n, block in enumerate(section.blocks):
        if isinstance(block, Paragraph):
            yield f"<p>{esc(block.text)}</p>"
        elif isinstance(block, BulletList):
            yield "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in block.items) + "</ul>"
        elif isinstance(block, Facts):
            yield "<dl>" + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in block.pairs) + "</dl>"
        elif isinstance(block, Table):
            yield _table(block)
        elif isinstance(block, Chart):
            yield _chart(block, f"c{path}-{n}")
        else:  # pragma: no cover - the document model has no other blocks
            raise TypeError(f"unknown block {type(block).__name__}")


def _section(section: Section, depth: int, path: str) -> Iterator[str]:
    level = min(depth + 1, 6)
    yield f'<section aria-labelledby="{_anchor(path)}">'
    yield f'<h{level} id="{_anchor(path)}">{esc(section.title)}</h{level}>'
    yield from _blocks(section, path)
    for i, sub in enumerate(section.sections, start=1):
        yield from _section(sub, depth + 1, f"{path}-{i}")
    yield "</section>"


class HtmlRenderer(Renderer):
    """A self-contained, accessible HTML page that prints well: no scripts, no network."""

    name = "html"
    title = "HTML page (self-contained)"
    media_type = "text/html"
    suffix = ".html"

    def render(self, document: Document, options: RenderOptions | None = None) -> bytes:
        toc = "".join(
            f'<li><a href="#{_anchor(str(i))}">{esc(s.title)}</a></li>'
            for i, s in enumerate(document.sections, start=1)
        )
        body = "".join(part for i, s in enumerate(document.sections, start=1) for part in _section(s, 1, str(i)))
        meta = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in document.meta)
        page = (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            'img-src data:">'
            f"<title>{esc(document.title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(document.title)}</h1>"
            + (f'<p class="subtitle">{esc(document.subtitle)}</p>' if document.subtitle else "")
            + "</header>"
            + (
                f'<nav aria-label="Contents"><h2>Contents</h2><ol>{toc}</ol></nav>'
                if len(document.sections) > 1
                else ""
            )
            + f"<main>{body}</main>"
            + (f'<footer class="meta"><dl>{meta}</dl></footer>' if meta else "")
            + "</body></html>\n"
        )
        return page.encode("utf-8")
