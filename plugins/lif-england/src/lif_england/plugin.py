"""lif-england plugin (hooks: register_statutory_frameworks, register_checks).

The three English frameworks, as data: Working Together 2015 (Local Safeguarding Children
Boards), 2018 and 2023 (safeguarding partnerships). Each edition's TOML file adds to, or
replaces by name, what ``common.toml`` holds for every English framework; ``omit`` leaves
out shared items an edition does not have. The rules below run only on boards working under
an English framework.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

import attrs

from lif_core import Check, LoadedBoard, Plugins, Problem, StatutoryFramework, hookimpl, parse_text

EDITIONS = ("wt2015", "wt2018", "wt2023")
ENGLISH = ("england-wt2015", "england-wt2018", "england-wt2023")


def _read(name: str) -> dict[str, Any]:
    """One of this plugin's framework files, read as lif-core reads TOML (its compiled parser)."""
    text = (resources.files("lif_england") / "frameworks" / f"{name}.toml").read_text(encoding="utf-8")
    data: dict[str, Any] = parse_text(text, "toml", name=f"lif_england/frameworks/{name}.toml")
    return data


def merge(common: dict[str, Any], edition: dict[str, Any]) -> dict[str, Any]:
    """An edition's data over the common data: tables merge key by key, lists of named items
    merge by name (the edition's item replaces the common one of the same name), anything else
    the edition gives replaces; ``omit`` names common list items to leave out."""
    omit: dict[str, list[str]] = edition.get("omit", {})
    out: dict[str, Any] = {}
    for key in {*common, *edition} - {"omit"}:
        base, own = common.get(key), edition.get(key)
        if own is None:
            out[key] = base
        elif isinstance(base, dict) and isinstance(own, dict):
            out[key] = {**base, **own}
        elif isinstance(base, list) and isinstance(own, list) and all(isinstance(i, dict) for i in (*base, *own)):
            own_names = {i["name"] for i in own}
            out[key] = [i for i in base if i["name"] not in own_names] + own
        else:
            out[key] = own
    for key, names in omit.items():
        out[key] = [i for i in out.get(key, []) if i.get("name") not in names]
    return out


#: The files ``lif init --framework`` writes for a new board (``templates/<edition>/``).
TEMPLATE_FILES = ("board.toml", "register.toml")


def templates(edition: str) -> dict[str, str]:
    """The new-board files of one edition, by file name, with their ``{{name}}``, ``{{area}}``
    and ``{{id}}`` placeholders."""
    folder = resources.files("lif_england") / "templates" / edition
    return {name: (folder / name).read_text(encoding="utf-8") for name in TEMPLATE_FILES}


def load(edition: str, common: dict[str, Any] | None = None) -> StatutoryFramework:
    """One English framework, built from ``common.toml`` (``common``: its data, already read)
    and the edition's file, with its new-board templates."""
    data = merge(_read("common") if common is None else common, _read(edition))
    framework = StatutoryFramework.from_data(data, file=f"lif_england/{edition}.toml")
    return attrs.evolve(framework, templates=templates(edition))


@functools.cache
def frameworks() -> tuple[StatutoryFramework, ...]:
    """The three English frameworks, read once, when first asked for (not at start-up: every
    ``lif`` command imports this module, few need a framework)."""
    common = _read("common")
    return tuple(load(e, common) for e in EDITIONS)


def __getattr__(name: str) -> Any:
    if name == "FRAMEWORKS":
        return frameworks()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def register_statutory_frameworks(register: Callable[[StatutoryFramework], None]) -> None:
    for framework in frameworks():
        register(framework)


# --------------------------------------------------------------------------- rules


def lscb_chair(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Working Together 2015: an LSCB has an independent chair."""
    board = loaded.board
    if not board.board.chair and not any(p.role == "independent-chair" for p in board.people):
        yield loaded.problem(
            None,
            ("board", "chair"),
            "Working Together 2015: an LSCB has an independent chair; set board.chair or add a person with "
            'role = "independent-chair"',
            severity="warning",
        )


def safeguarding_partners(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Since 2018: the local authority, health and the police are the safeguarding partners."""
    board = loaded.board
    edition = loaded.framework.edition if loaded.framework else ""
    partners = {p.sector.value for p in board.partners if p.safeguarding_partner or "safeguarding-partner" in p.roles}
    for sector in ("local-authority", "health", "police"):
        if sector not in partners:
            yield loaded.problem(
                None,
                "partners",
                f"Working Together {edition}: no {sector} partner is a safeguarding partner (set "
                'safeguarding_partner = true or roles = ["safeguarding-partner"]): the local authority, health and '
                "the police are the three safeguarding partners",
            )


def education_partner(loaded: LoadedBoard, _plugins: Plugins) -> Iterator[Problem]:
    """Working Together 2023: education is a strategic partner."""
    if not any(p.sector.value == "education" for p in loaded.board.partners):
        yield loaded.problem(
            None,
            "partners",
            "Working Together 2023: education is a strategic partner; no education partner is listed",
            severity="warning",
        )


@hookimpl
def register_checks(register: Callable[[Check], None]) -> None:
    register(
        Check(
            "wt2015-chair", "Working Together 2015: an LSCB has an independent chair", lscb_chair, ("england-wt2015",)
        )
    )
    register(
        Check(
            "wt-safeguarding-partners",
            "Working Together 2018 and 2023: the three safeguarding partners",
            safeguarding_partners,
            ("england-wt2018", "england-wt2023"),
        )
    )
    register(
        Check(
            "wt2023-education",
            "Working Together 2023: education as a strategic partner",
            education_partner,
            ("england-wt2023",),
        )
    )
