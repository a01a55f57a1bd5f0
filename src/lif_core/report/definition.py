"""Which sections a report holds, in what order, under what titles: the report definition.

The board's own ``report.toml`` where it has one; else its statutory framework's yearly
(annual) report; else :data:`DEFAULT_REPORT`. Board-written narrative for a section is the
Markdown file its part names, else ``narrative/<year>/<section>.md`` for the report's year,
else ``narrative/<section>.md``, where that exists.
"""

from __future__ import annotations

import os
import re
from typing import Any

import attrs

from ..board import LoadedBoard
from ..errors import BoardInvalid, LifError, Problem, Severity, format_path
from ..files import UnreadableFile, read_data_file, resolve_inside, suggest
from ..frameworks import ReportDefinition, ReportPart
from ..model import FieldError

__all__ = [
    "DEFAULT_REPORT",
    "NARRATIVE_FOLDER",
    "REPORT_FILE",
    "default_narrative",
    "definition_problems",
    "narrative_file",
    "read_definition",
    "read_report_file",
    "with_framework_titles",
    "report_definition",
]

#: A board's own report definition, beside board.toml.
REPORT_FILE = "report.toml"
#: The most sections a report definition may list (a yearly report has about twenty).
MAX_SECTIONS = 100
#: Where a board's narrative files are looked for by default: ``narrative/<section>.md``.
NARRATIVE_FOLDER = "narrative"

#: The report of a board whose framework defines none: every builtin section about the
#: register, in the order a reader would follow the learning loop.
DEFAULT_REPORT = ReportDefinition(
    title="Impact report",
    sections=tuple(
        ReportPart(section=name)
        for name in (
            "summary",
            "inspection",
            "priorities",
            "recommendations",
            "functions",
            "reviews",
            "themes",
            "dataset",
            "duty-audit",
            "training",
            "voice",
            "changes",
        )
    ),
)


def read_report_file(loaded: LoadedBoard) -> dict[str, Any] | None:
    """The board's ``report.toml`` as data, or ``None`` where it has none: its report
    definition (:func:`read_definition`) and its house style
    (:func:`lif_core.report.style.read_style`) are read from it.

    Raises:
        BoardInvalid: where it cannot be read or parsed, naming the file.
    """
    path = loaded.root / REPORT_FILE
    if not path.exists() and not path.is_symlink():
        return None
    try:
        data: dict[str, Any] = read_data_file(resolve_inside(loaded.root, REPORT_FILE), "toml", name=REPORT_FILE)
    except UnreadableFile as exc:
        raise BoardInvalid([Problem(REPORT_FILE, "", exc.reason)]) from None
    except LifError as exc:
        raise BoardInvalid([Problem(REPORT_FILE, "", str(exc))]) from None
    return data


def read_definition(loaded: LoadedBoard) -> ReportDefinition | None:
    """The board's own ``report.toml``, or ``None`` where it has none (or one holding only a
    ``[style]``, the house style :func:`lif_core.report.style.read_style` reads).

    Raises:
        BoardInvalid: with every problem in the file, each with its key path.
    """
    from ..convert import iter_errors, structure

    data = read_report_file(loaded)
    if data is None:
        return None
    unknown = [k for k in data if k not in ("title", "sections", "style")]
    if unknown:
        raise BoardInvalid(
            [
                Problem(REPORT_FILE, k, "unknown key; a report definition has title, [[sections]] and [style]")
                for k in unknown
            ]
        )
    if "style" in data:  # the house style: lif_core.report.style
        data = {k: v for k, v in data.items() if k != "style"}
        if not data:  # only a [style]: the sections are the framework's (or lif-core's default)
            return None
    try:
        definition: ReportDefinition = structure(dict(data), ReportDefinition)
    except (FieldError, Exception) as exc:  # noqa: BLE001 - reported with key paths
        problems = [Problem(REPORT_FILE, format_path(p), m) for p, m in iter_errors(exc, (), ReportDefinition)]
        raise BoardInvalid(problems or [Problem(REPORT_FILE, "", str(exc))]) from None
    return definition


def report_definition(loaded: LoadedBoard) -> tuple[ReportDefinition, str]:
    """The report definition a board's report follows, and where it comes from (its
    ``report.toml``, its statutory framework, or lif-core's default)."""
    own = read_definition(loaded)
    if own is not None:
        return own, REPORT_FILE
    framework = loaded.framework
    if framework is not None and framework.report is not None:
        return framework.report, f"{framework.title} ({framework.name})"
    return DEFAULT_REPORT, "lif-core's default"


def with_framework_titles(definition: ReportDefinition, framework: Any) -> ReportDefinition:
    """A board's own definition with each untitled part titled as its framework's report
    titles that section ("What we did: our priorities"), where the framework lists it once."""
    report = getattr(framework, "report", None)
    if report is None:
        return definition
    titles: dict[str, list[str]] = {}
    for part in report.sections:
        titles.setdefault(part.section, []).append(part.title)
    parts = tuple(
        attrs.evolve(p, title=titles[p.section][0])
        if not p.title and len(titles.get(p.section, ())) == 1 and titles[p.section][0]
        else p
        for p in definition.sections
    )
    return attrs.evolve(definition, sections=parts)


def default_narrative(part: ReportPart) -> str:
    """Where the board writes its narrative for ``part`` unless the part names a file:
    ``narrative/<section>.md``; for the generic ``narrative`` section, which a definition may
    list several times, ``narrative/<its title, as a file name>.md``."""
    if part.narrative:
        return part.narrative
    stem = part.section
    if part.section == "narrative" and part.title:
        # Letters of any language kept ("beth-ddywedodd-y-plant-wrthym-ŵ"), the rest a hyphen.
        stem = re.sub(r"[\W_]+", "-", part.title.lower()).strip("-")[:80].rstrip("-") or "narrative"
    return f"{NARRATIVE_FOLDER}/{stem}.md"


def narrative_file(loaded: LoadedBoard, part: ReportPart, year: str = "") -> str:
    """The board's narrative file for ``part``, relative to the board folder: the one its
    part names; else, for a report on ``year`` (``2018-19``), ``narrative/<year>/<file>.md``
    where that exists, so each year's report keeps its own words; else
    :func:`default_narrative` where that exists; ``""`` where none."""
    if part.narrative:
        return part.narrative
    default = default_narrative(part)
    if year:
        yearly = f"{NARRATIVE_FOLDER}/{year}/{default.removeprefix(NARRATIVE_FOLDER + '/')}"
        if os.path.lexists(loaded.root / yearly):
            return yearly
    # Whatever is there (a link, a folder, a device) is read, and refused with a reason: never
    # quietly taken for "not yet written".
    return default if os.path.lexists(loaded.root / default) else ""


def definition_problems(
    loaded: LoadedBoard, plugins: Any, definition: ReportDefinition, file: str = REPORT_FILE
) -> list[Problem]:
    """What is wrong with a report definition for this board: sections no plugin registers,
    narrative files that are missing or outside the folder, sections listed twice."""
    problems = [Problem(file, where, message) for where, message in definition.problems()]
    if len(definition.sections) > MAX_SECTIONS:
        problems.append(
            Problem(
                file, "sections", f"lists {len(definition.sections):,} sections; a report has at most {MAX_SECTIONS}"
            )
        )
        return problems
    readers: dict[str, int] = {}
    for i, part in enumerate(definition.sections):
        if part.narrative or part.section != "narrative":
            continue
        default = default_narrative(part)
        if default in readers:
            problems.append(
                Problem(
                    file,
                    f"sections[{i}].title",
                    f"reads the same narrative file as sections[{readers[default]}] ({default}): give one of them "
                    'its own narrative = "narrative/....md"',
                )
            )
        readers.setdefault(default, i)
    registry = plugins.report_sections
    for i, part in enumerate(definition.sections):
        if part.section not in registry:
            problems.append(
                Problem(
                    file,
                    f"sections[{i}].section",
                    f"no report section {part.section!r}{suggest(part.section, registry.names())}; "
                    f"installed: {', '.join(registry.names())}",
                )
            )
        if part.narrative:
            problems += [
                Problem(file, f"sections[{i}].narrative", m) for m in _narrative_problems(loaded, part.narrative)
            ]
    return problems


def _narrative_problems(loaded: LoadedBoard, relative: str) -> list[str]:
    if not relative.lower().endswith(".md"):
        return [f"{relative!r} must be a Markdown file (ending .md) in the board folder"]
    try:
        path = resolve_inside(loaded.root, relative)
    except LifError as exc:
        return [str(exc)]
    try:
        exists = path.is_file()
    except OSError as exc:  # a name no file system takes (too long)
        return [f"{relative[:80]!r}...: not a file name the file system takes ({exc.strerror}): name a shorter file"]
    if not exists:
        return [f"{relative!r}: no such file in the board folder (write it, or drop the key)"]
    return []


def warning(file: str, where: str, message: str) -> Problem:
    return Problem(file, where, message, Severity.WARNING)
