"""The HTML report in a real browser: Debian's chromium driven through Playwright (which
downloads no browser here), with axe-core's rules (axe.min.js from the axe-playwright-python
wheel: no npm step). At 1280 and 360 px wide: 0 axe violations, nothing wider than the screen at
360 px, no console message, every chart drawn with a size, no request but the page itself; and
printed to PDF, A4 pages. One browser for the module (lif_core.testing's
:func:`~lif_core.testing.chromium_browser`). Skipped where chromium is not installed, except in
a CI run (``CI`` set), where that fails (.ci/run installs it)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lif_core import Plugins
from lif_core.cli import make_cli
from lif_core.testing import axe_report, axe_violations, chromium_browser, needs_chromium

from .conftest import CROYDON, ROOT

WIDTHS = (1280, 360)
#: Text a board could write, in the places the page shows it.
HOSTILE = "<script>alert(1)</script> \"'><img src=x onerror=alert(2)> javascript:alert(3) {{ 7*7 }}"


def _report(board: Path, out: Path, day: str) -> Path:
    result = CliRunner().invoke(
        make_cli(Plugins.create()),
        ["report", "impact", str(board), "--as-of", day, "-f", "html", "-o", str(out), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Croydon report as it is, and Riverside's (a board's logo, colour, cover and footer)
    with hostile text in its name and narrative."""
    tmp = tmp_path_factory.mktemp("browser")
    riverside = tmp / "riverside"
    shutil.copytree(ROOT / "docs" / "examples" / "riverside", riverside)
    toml = riverside / "board.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'name = "Riverside Safeguarding Children Partnership"', f"name = {json.dumps('Riverside ' + HOSTILE)}", 1
        ),
        encoding="utf-8",
    )
    foreword = next((riverside / "narrative").glob("*.md"))
    foreword.write_text(f"# {HOSTILE}\n\n{HOSTILE}\n\n" + foreword.read_text(encoding="utf-8"), encoding="utf-8")
    return {
        "croydon": _report(CROYDON, tmp / "croydon.html", "2019-03-31"),
        "riverside": _report(riverside, tmp / "riverside.html", "2025-03-31"),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser(needs_chromium()) as chromium:
        yield chromium


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["croydon", "riverside"])
def test_the_report_in_chromium(browser: Any, pages: dict[str, Path], name: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"error: {error}"))
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(pages[name].as_uri())
        assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1  # nothing cut off or sideways
        sizes = page.evaluate(
            "[...document.querySelectorAll('figure.chart svg')].map(s => [s.getBoundingClientRect().width,"
            " s.getBoundingClientRect().height])"
        )
        if name == "croydon":
            assert len(sizes) >= 5
        assert all(w > 100 and h > 50 for w, h in sizes), sizes
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.title").startswith("Croydon" if name == "croydon" else "Riverside <script>")
        if name == "riverside":
            assert page.locator("img.logo").evaluate("i => i.naturalWidth") > 0  # the logo, from its data: URI
            assert page.locator("img[src='x']").count() == 0
            assert HOSTILE.split(" ")[0] in page.locator("header.cover").inner_text() + page.title()
        assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
        assert console == []  # no errors, nothing blocked by the policy
        violations = axe_violations(page)  # the page's own policy forbids scripts: the context bypasses it
        assert violations == [], axe_report(violations)
    finally:
        context.close()


def test_the_report_prints_on_a4(browser: Any, pages: dict[str, Path]) -> None:
    from pypdf import PdfReader

    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(pages["croydon"].as_uri())
        page.emulate_media(media="print")
        assert page.locator("nav.contents").is_hidden()  # no contents on paper
        data = page.pdf(format="A4", print_background=True)
    finally:
        context.close()
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 5
    for number, sheet in enumerate(reader.pages, start=1):
        size = sorted((float(sheet.mediabox.width), float(sheet.mediabox.height)))
        assert abs(size[0] - 595.3) < 2 and abs(size[1] - 841.9) < 2, (number, size)  # A4, either way round
    text = "".join(p.extract_text() for p in reader.pages[:3])
    assert "Annual report 2018-19" in text
    # The coverage matrix: its heading, caption and table together on one landscape page.
    matrix = [
        sheet for sheet in reader.pages if "Which areas of the Ofsted review" in " ".join(sheet.extract_text().split())
    ]
    assert len(matrix) == 1
    assert matrix[0].mediabox.width > matrix[0].mediabox.height
    assert "Coverage matrix: Ofsted review" in " ".join(matrix[0].extract_text().split())
