"""The public API (docs/stability.md): everything ``lif_core.__all__`` names resolves, is
documented, is cheap to import, and changes only as the stability policy allows (a snapshot of
every public signature, tests/api-snapshot.txt)."""

from __future__ import annotations

import difflib
import importlib
import inspect
import re
import subprocess
import sys

import pytest

import lif_core
from lif_core._docgen import api_doc, api_page, api_snapshot, public_names

from .conftest import ROOT

SNAPSHOT = ROOT / "tests" / "api-snapshot.txt"

#: Modules ``import lif_core`` must not import: each public name is imported on first use.
HEAVY = (
    "sqlite3",
    "markdown_it",
    "lif_core.store",
    "lif_core.report",
    "lif_core.disclosure",
    "lif_core.indicators",
    "lif_core.charts",
    "lif_core.builtins",
    "lif_core.model",
    "lif_core.plugins",
    "pluggy",
    "click",
    "cattrs",
)


def test_every_public_name_resolves_to_its_home_module() -> None:
    exports = vars(lif_core)["_EXPORTS"]
    assert sorted(lif_core.__all__) == sorted([*exports, "__version__"])
    assert len(set(lif_core.__all__)) == len(lif_core.__all__)
    for name, (module, attribute) in exports.items():
        home = importlib.import_module(f"lif_core.{module}")
        assert getattr(lif_core, name) is getattr(home, attribute), name
    assert isinstance(lif_core.__version__, str) and lif_core.__version__


def test_dir_lists_the_public_names_and_an_unknown_name_is_an_attribute_error() -> None:
    assert set(lif_core.__all__) <= set(dir(lif_core))
    with pytest.raises(AttributeError, match="has no attribute 'Nonesuch'"):
        lif_core.Nonesuch  # noqa: B018
    with pytest.raises(ImportError):
        exec("from lif_core import Nonesuch")


def test_the_names_plugins_need_are_public() -> None:
    """What issue 15 found plugins importing from private places, and the model's vocabulary."""
    for name in (
        "Register",
        "impact_report",
        "protect",
        "DisclosureRule",
        "board_rule",
        "Document",
        "Section",
        "Table",
        "Cell",
        "Count",
        "Chart",
        "Figure",
        "RenderOptions",
        "Board",
        "CaseReview",
        "Recommendation",
        "Action",
        "Evidence",
        "Measure",
        "ReviewStage",
        "Accumulator",
        "IndicatorResult",
        "SectionContext",
        "stage_reached",
        "installed_version",
        "LifDeprecationWarning",
    ):
        assert name in lif_core.__all__, name
    assert lif_core.LifSection is importlib.import_module("lif_core.model").Section
    assert lif_core.Section is importlib.import_module("lif_core.document").Section


def test_import_lif_core_imports_nothing_heavy() -> None:
    code = (
        "import sys, lif_core\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
        "from lif_core import Plugins, hookimpl, Document\n"
        "print('sqlite3' in sys.modules, 'lif_core.store' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    first, second = out.splitlines()
    assert first == "", f"import lif_core imported {first}"
    assert second == "False False", "the plugin host and documents should not need the register's store"


def test_plugins_and_examples_import_only_public_modules() -> None:
    """First-party plugins and the docs' examples import from ``lif_core`` (and its public
    modules) only: what a third party can rely on is what they use."""
    public = {"lif_core", *(m for m in public_names() if m != "lif_core")}
    allowed_anyway = {"lif_core.testing", "lif_core.commands"}
    offenders = []
    roots = [ROOT / "docs" / "examples", ROOT / "tests" / "third_party"]
    roots += [p / "src" for p in (ROOT / "plugins").iterdir()]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                stripped = line.strip()
                if stripped.startswith(("from lif_core", "import lif_core")):
                    module = stripped.split()[1]
                    if module not in public and module not in allowed_anyway:
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert not offenders, "import these from lif_core instead:\n" + "\n".join(offenders)


def test_every_public_name_is_documented() -> None:
    """docs/api.md gives each public name its signature and what it is: a docstring, a ``#:``
    comment in its module, or (until its module has one) a note in _docgen.NOTES."""
    page = api_page()
    assert not re.search(r"0x[0-9a-f]{6,}", page), "a memory address on docs/api.md: it would change every run"
    missing = []
    for module_name, members in public_names().items():
        for name, obj in members:
            prefix = "" if module_name == "lif_core" else module_name.rsplit(".", 1)[1] + "."
            assert f"### `{prefix}{name}`" in page, f"{module_name}.{name} is not on docs/api.md"
            if not api_doc(module_name, name, obj).strip():
                missing.append(f"{module_name}.{name}")
    assert not missing, "document these (docstring, or a #: comment above a constant): " + ", ".join(missing)


def test_notes_are_only_for_names_their_modules_do_not_document() -> None:
    from lif_core import _docgen

    for name in list(_docgen.NOTES):
        assert name in lif_core.__all__, f"NOTES[{name!r}] is not a public name"
        saved = _docgen.NOTES.pop(name)
        try:
            own = api_doc("lif_core", name, getattr(lif_core, name))
        finally:
            _docgen.NOTES[name] = saved
        assert not own, f"{name} is documented in its module now: remove NOTES[{name!r}] from _docgen"


def test_public_signatures_match_the_snapshot() -> None:
    """A public name removed or changed, a field or argument dropped, a hook's arguments
    changed: all show here. Additions are fine (minor release); a change or removal needs the
    deprecation docs/stability.md describes first."""
    current = api_snapshot()
    recorded = SNAPSHOT.read_text(encoding="utf-8")
    if current == recorded:
        return
    diff = "\n".join(
        difflib.unified_diff(
            recorded.splitlines(), current.splitlines(), "tests/api-snapshot.txt", "the code", lineterm="", n=0
        )
    )
    removed = [line for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    advice = (
        "The public API differs from tests/api-snapshot.txt.\n"
        + (
            "Lines removed or changed (-) break plugins and programs using lif-core: follow "
            "docs/stability.md (keep the old name or argument working with a LifDeprecationWarning "
            "for two minor releases and at least six months, and say so in the changelog).\n"
            if removed
            else "Only additions: fine in a minor release.\n"
        )
        + "When the change follows the policy, record it: python -m lif_core._docgen --api-snapshot\n\n"
    )
    pytest.fail(advice + diff)


def test_the_snapshot_records_hooks_and_fields() -> None:
    snapshot = api_snapshot()
    assert "hook register_methodologies(register: Callable[[Methodology], None]) -> None" in snapshot
    assert "lif_core.CaseReview field stage: str = 'referral'" in snapshot
    assert "lif_core.ReviewStage.ANALYSIS = 'analysis'" in snapshot
    assert "lif_core.stage_reached(review: CaseReview, stage: str | enum.Enum, where:" in snapshot
    assert " at 0x" not in snapshot


def test_the_module_docstring_names_what_is_public() -> None:
    doc = inspect.getdoc(lif_core) or ""
    assert "__all__" in doc and "stability.md" in doc


def test_type_checkers_see_what_runs() -> None:
    """The imports under ``if TYPE_CHECKING:`` (what mypy and editors see) are exactly the
    export table (what ``__getattr__`` imports), name for name and module for module."""
    import ast

    tree = ast.parse((ROOT / "src" / "lif_core" / "__init__.py").read_text(encoding="utf-8"))
    guard = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    seen = {}
    for node in guard.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                seen[alias.asname or alias.name] = (node.module, alias.name)
    assert seen == vars(lif_core)["_EXPORTS"]


def test_star_import_gives_every_public_name() -> None:
    code = "from lif_core import *\nimport lif_core\nprint(all(n in globals() for n in lif_core.__all__))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out == "True\n"
