"""The heavy libraries behind the designed formats (charts, templates, Word, spreadsheets, PDF)
are imported only by the formats that need them: the Markdown and text reports, which
analysts run most, start no faster or slower for them (benchmarks/formats.py measures it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CROYDON = ROOT / "examples" / "croydon"
HEAVY = ("matplotlib", "jinja2", "docx", "openpyxl", "weasyprint", "PIL", "numpy")


def _imported(fmt: str, output: Path | None) -> set[str]:
    args = ["report", "impact", str(CROYDON), "-f", fmt, *(["-o", str(output)] if output else [])]
    code = (
        "import sys\n"
        "from lif_core.cli import main\n"
        f"sys.argv = ['lif', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code\n"
        f"sys.stderr.write('\\nIMPORTED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(proc.stderr.rpartition("IMPORTED:")[2].split())


@pytest.mark.parametrize("fmt", ["markdown", "md", "text"])
def test_the_reading_formats_import_no_heavy_library(fmt: str) -> None:
    assert _imported(fmt, None) == set()


def test_the_html_report_imports_the_chart_and_template_libraries_only(tmp_path: Path) -> None:
    imported = _imported("html", tmp_path / "report.html")
    assert {"matplotlib", "jinja2"} <= imported
    assert not imported & {"docx", "openpyxl", "weasyprint"}
