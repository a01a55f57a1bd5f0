"""The flow through lif-core runs one way, and the layout shows it: board files -> model ->
data and analysis -> report sections -> document -> disclosure control -> renderer.

Every module's imports (at module level and inside functions alike; type-only imports aside)
are read from its source, and no module may import one in a later layer: the loader never
imports a builtin plugin (it finds the store through the plugin host), the store never imports
validation, the core never imports the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "lif_core"

#: From first to last: a module may import its own layer's modules or earlier layers'.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundations", ("errors", "document", "hookspecs", "files", "charts", "_codecache")),
    ("model", ("model", "convert")),
    ("statutory frameworks", ("frameworks",)),
    ("plugin host", ("extensions", "plugins")),
    ("board files", ("board",)),
    ("register", ("store",)),
    (
        "data and analysis",
        (
            "clocks",
            "disclosure",
            "data",
            "indicators",
            "inspection",
            "learning",
            "quality",
            "history",
            "validate",
            "migrate",
            "summary",
            "stages",
        ),
    ),
    ("measures", ("measures",)),
    ("report", ("report",)),
    ("command line", ("cli", "commands")),
    ("builtin plugins", ("builtins",)),
    ("testing helpers", ("testing", "pytest_plugin")),
    ("package", ("_docgen", "_launch", "__init__")),
)


def _layer_of(module: str) -> int:
    top = module.split(".")[0] if module else "__init__"
    for i, (_name, members) in enumerate(LAYERS):
        if top in members:
            return i
    raise AssertionError(f"lif_core.{module} is in no layer: add it to LAYERS in tests/test_architecture.py")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, text: str | None = None) -> list[tuple[int, str]]:
    """``(line, module inside lif_core)`` of every import of ``path`` (its source, else
    ``text`` as if it were its source) that runs: not those under ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8") if text is None else text)
    own = _module_name(path).split(".") if _module_name(path) else []
    package = own if path.name == "__init__.py" else own[:-1]
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = [*base, *(node.module.split(".") if node.module else [])]
                if node.module is None:
                    found += [(node.lineno, ".".join([*target, alias.name])) for alias in node.names]
                else:
                    found.append((node.lineno, ".".join(target)))
            elif node.module and node.module.startswith("lif_core"):
                found.append((node.lineno, node.module.removeprefix("lif_core").lstrip(".")))
        elif isinstance(node, ast.Import):
            found += [
                (node.lineno, alias.name.removeprefix("lif_core").lstrip("."))
                for alias in node.names
                if alias.name.startswith("lif_core")
            ]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_later_layer(path: Path) -> None:
    module = _module_name(path)
    mine = _layer_of(module)
    wrong = [
        f"line {line}: lif_core.{target} ({LAYERS[_layer_of(target)][0]})"
        for line, target in _imports(path)
        if _layer_of(target) > mine
    ]
    assert not wrong, f"lif_core.{module or '__init__'} ({LAYERS[mine][0]}) imports a later layer: " + "; ".join(wrong)


def test_the_loader_finds_its_store_through_the_plugin_host() -> None:
    targets = {t for _line, t in _imports(PACKAGE / "board.py")}
    assert not any(t.startswith(("builtins", "store")) for t in targets), targets


def test_every_module_is_in_a_layer() -> None:
    for path in MODULES:
        _layer_of(_module_name(path))


def test_the_check_reads_imports_it_must_refuse() -> None:
    """The reader is not blind: imports inside functions and of whole modules are found, and
    only type-only ones are left out."""
    text = (
        "from typing import TYPE_CHECKING\n"
        "from .model import Board\n"
        "if TYPE_CHECKING:\n"
        "    from .report import SectionContext\n"
        "def probe() -> None:\n"
        "    from .builtins import stores\n"
        "    from . import cli\n"
    )
    found = _imports(PACKAGE / "board.py", text)
    assert found == [(2, "model"), (6, "builtins"), (7, "cli")] or sorted(found) == [
        (2, "model"),
        (6, "builtins"),
        (7, "cli"),
    ]
