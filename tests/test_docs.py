"""The docs are true: generated pages are current, and the plugin guide's worked example runs."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from lif_core import LifError, Plugins, validate_board
from lif_core._docgen import main as docgen
from lif_core.cli import make_cli
from lif_core.summary import board_summary

from .conftest import ROOT

RIVERSIDE = ROOT / "docs" / "examples" / "riverside"


def test_generated_pages_and_embedded_examples_are_current() -> None:
    assert docgen(["--check", str(ROOT / "docs")]) == 0, "run: python -m lif_core._docgen"


def test_docgen_notices_a_stale_page(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    shutil.copytree(ROOT / "tests" / "third_party", tmp_path / "tests" / "third_party")  # embedded in frameworks.md
    (docs / "hooks.md").write_text("stale")
    assert docgen(["--check", str(docs)]) == 1
    assert docgen([str(docs)]) == 0
    assert docgen(["--check", str(docs)]) == 0


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("riverside_plugin", RIVERSIDE / "plugins" / "riverside_plugin.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_worked_example_as_a_local_plugin() -> None:
    host = Plugins.create()
    result = validate_board(RIVERSIDE, host)
    assert result.ok
    assert [(str(p), p.source) for p in result.problems] == [
        (
            "warning: board.toml: reviews[0].practitioner_events: no huddle (learning-event) has been held yet",
            "methodology:riverside-huddle",
        ),
        (
            "warning: board.toml: reviews[0].child_views: the child's views should be sought (principle 2)",
            "methodology:riverside-huddle",
        ),
    ]
    kinds = {p.name: p.kind for p in host.info()}
    assert kinds["local:plugins/riverside_plugin.py"] == "local"
    assert result.loaded is not None
    csv_text = host.renderers.get("riverside-csv").render(board_summary(result.loaded)).decode()
    assert "Inspection recommendations,1,riverside-peer-review" in csv_text
    records = list(host.data_sources.get("riverside-jsonl").read(RIVERSIDE / "data" / "contacts.jsonl", {}))
    assert [(r.location, r.fields["contacts"]) for r in records] == [("line 1", 812), ("line 2", 790)]


def test_worked_example_methodology_rejects_a_wrongly_run_review(tmp_path: Path) -> None:
    board = tmp_path / "riverside"
    shutil.copytree(RIVERSIDE, board)
    toml = board / "board.toml"
    toml.write_text(toml.read_text().replace("independent = true", "independent = false"))
    result = validate_board(board, Plugins.create())
    assert not result.ok
    assert str(result.errors[0]) == (
        "board.toml: reviews[0].reviewers: a huddle is led by someone independent of the case (s.5.1)"
    )


def test_worked_example_adapter_reports_bad_lines(tmp_path: Path) -> None:
    module = _load_example()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n[1, 2]\n')
    with pytest.raises(LifError, match=r"bad\.jsonl: line 2: expected an object"):
        list(module.JsonLines().read(bad, {}))


def test_worked_example_installed_adds_its_command(tmp_path: Path) -> None:
    module = _load_example()
    host = Plugins.create()
    host.register(module, name="riverside", kind="entry-point")
    # Installed, the board no longer lists it as local: both at once is refused as a duplicate.
    result = CliRunner().invoke(make_cli(host), ["huddles", str(RIVERSIDE)])
    assert result.exit_code == 1
    # The plugin registered second (the board's local copy) is blamed, naming the first.
    assert result.stderr.startswith('Error: plugin "local:plugins/riverside_plugin.py" in hook "register_')
    assert "is already registered by plugin 'riverside'" in result.stderr
    board = tmp_path / "riverside"
    shutil.copytree(RIVERSIDE, board)
    toml = board / "board.toml"
    toml.write_text(toml.read_text().replace('"plugins/riverside_plugin.py", ', ""))
    host = Plugins.create()
    host.register(module, name="riverside", kind="entry-point")
    result = CliRunner().invoke(make_cli(host), ["huddles", str(board)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "huddle-1: Child R (fictional) (decision)\n"


def test_relative_links_in_readme_and_docs_resolve() -> None:
    import re

    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "plugins").glob("*/README.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(ROOT)} -> {target}")
    assert broken == []
