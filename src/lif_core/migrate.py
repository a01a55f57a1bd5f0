"""``lif migrate``: rewrite a board written before statutory frameworks in today's keys, keeping
its comments and layout, and saying what changed.

What it changes in ``board.toml``:

- ``[board]``: ``country``, ``arrangement`` and ``working_together`` become the one
  ``statutory_framework`` they meant (``england-wt2015`` for an LSCB under Working Together
  2015, ``wales-2014-act`` for a Welsh board, ...).
- ``settings.deadlines[].kinds``: review kinds the framework does not have are taken out (a
  Working Together 2015 board has no local child safeguarding practice reviews).

The new text is parsed again and compared with the old data with only those changes made; if
anything else would differ, nothing is written and the message says what to edit by hand.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import attrs

from .board import BOARD_FILE, LEGACY_BOARD_KEYS, board_root, legacy_framework, read_text
from .errors import LifError
from .files import tomllib  # the parser every board file is read with (tomli, compiled, where installed)
from .frameworks import StatutoryFramework

__all__ = ["Migration", "migrate_text", "migrate_board"]

_HEADER = re.compile(r"^\s*\[")
_KINDS = re.compile(r"((?:^|[{,])[ \t]*kinds\s*=\s*\[)([^\]]*)(\])", re.MULTILINE)


@attrs.frozen
class Migration:
    """A board file rewritten: the new text, a line per change (none: already current) and
    notes on what could not be checked."""

    text: str
    changes: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _board_table(lines: list[str]) -> tuple[int, int] | None:
    start = next((i for i, line in enumerate(lines) if re.match(r"^\s*\[board\]\s*(#.*)?$", line)), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    return start, end


def migrate_text(text: str, frameworks: dict[str, StatutoryFramework], *, file: str = BOARD_FILE) -> Migration:
    """``text`` (a board.toml) in today's keys; ``frameworks`` are those installed, by name.

    Raises:
        LifError: the file is not TOML, its old keys hold values no framework matches, or the
            rewrite cannot be made safely (the message says what to change by hand).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LifError(f"{file}: not valid TOML: {exc}") from None
    info = data.get("board")
    if not isinstance(info, dict):
        raise LifError(f"{file}: no [board] table to migrate")
    changes: list[str] = []
    expected: dict[str, Any] = tomllib.loads(text)
    lines = text.splitlines(keepends=True)
    name = info.get("statutory_framework")
    old = [k for k in LEGACY_BOARD_KEYS if k in info]
    if old:
        if "statutory_framework" in info:
            raise LifError(f"{file}: [board] has both statutory_framework and {', '.join(old)}: remove the old keys")
        meant, errors = legacy_framework(info)
        if errors:
            raise LifError(f"{file}: " + "; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in errors))
        bounds = _board_table(lines)
        if bounds is None:
            raise LifError(f"{file}: [board] is not written as a [board] table: change its keys by hand")
        start, end = bounds
        found = [
            i for i in range(start + 1, end) if re.match(r"^\s*(country|arrangement|working_together)\s*=", lines[i])
        ]
        if len(found) != len(old):
            raise LifError(f"{file}: cannot find each of {', '.join(old)} on a line of its own: change them by hand")
        was = ", ".join(f"{k} = {info[k]!r}" for k in old)
        comments = [c for c in (_comment(lines[i]) for i in found) if c]
        indent = re.match(r"^\s*", lines[found[0]]).group(0)  # type: ignore[union-attr]
        for i in reversed(found[1:]):
            del lines[i]
        newline = lines[found[0]][len(lines[found[0]].rstrip("\r\n")) :]
        if meant is None:  # pragma: no cover - legacy_framework always names one when it finds no error
            raise LifError(f"{file}: the old keys name no framework: set statutory_framework by hand")
        kept = ("  # " + "; ".join(comments)) if comments else ""
        lines[found[0]] = f'{indent}statutory_framework = "{meant}"{kept}{newline}'
        changes.append(f'[board]: {was} -> statutory_framework = "{meant}"')
        for key in old:
            del expected["board"][key]
        expected["board"]["statutory_framework"] = meant
        name = meant
    elif "statutory_framework" not in info:
        from .frameworks import DEFAULT_FRAMEWORK

        bounds = _board_table(lines)
        if bounds is None:
            raise LifError(f"{file}: [board] is not written as a [board] table: add statutory_framework by hand")
        start, end = bounds
        # after a one-line key (area, name or id), never inside a multi-line value
        simple = [
            i for i in range(start + 1, end) if re.match(r'^\s*(area|name|id)\s*=\s*"[^"\\]*"\s*(#.*)?$', lines[i])
        ]
        last = simple[-1] if simple else start
        newline = "\r\n" if "\r\n" in text else "\n"
        if not lines[last].endswith("\n"):
            lines[last] += newline
        lines.insert(last + 1, f'statutory_framework = "{DEFAULT_FRAMEWORK}"{newline}')
        changes.append(
            f'[board]: statutory_framework was not set -> statutory_framework = "{DEFAULT_FRAMEWORK}" (the default '
            "the board was read as: change it if the board works under another framework)"
        )
        expected["board"]["statutory_framework"] = DEFAULT_FRAMEWORK
        name = DEFAULT_FRAMEWORK
    text = "".join(lines)
    framework = frameworks.get(name) if isinstance(name, str) else None
    notes: list[str] = []
    if framework is None and isinstance(data.get("settings"), dict) and data["settings"].get("deadlines"):
        notes.append(
            f"settings.deadlines: not checked: no installed plugin provides {name!r}; install it and run lif "
            "migrate again to take out review kinds it does not have"
        )
    deadlines = data.get("settings", {}).get("deadlines", []) if isinstance(data.get("settings"), dict) else []
    if framework is not None and isinstance(deadlines, list):
        known = set(framework.names("review_kinds"))
        for i, deadline in enumerate(deadlines):
            if isinstance(deadline, dict) and not isinstance(deadline.get("kinds", []), list):
                raise LifError(f"{file}: settings.deadlines[{i}].kinds: expected a list of review kinds")
        unknown = sorted(
            {k for d in deadlines if isinstance(d, dict) for k in d.get("kinds", []) if isinstance(k, str)} - known
        )
        anywhere = {k for f in frameworks.values() for k in f.names("review_kinds")}
        for kind in unknown:
            if kind not in anywhere:  # a slip, not another framework's kind: never silently dropped
                close = difflib.get_close_matches(kind, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise LifError(
                    f"{file}: settings.deadlines: {kind!r} is no framework's review kind{hint}: correct it by hand, "
                    "then run lif migrate again"
                )
        if unknown:
            text = _drop_kinds(text, set(unknown))
            for i, deadline in enumerate(expected["settings"]["deadlines"]):
                if isinstance(deadline, dict) and "kinds" in deadline:
                    deadline["kinds"] = [k for k in deadline["kinds"] if k not in unknown]
                    if not deadline["kinds"]:
                        own = ", ".join(k for k in data["settings"]["deadlines"][i]["kinds"] if k in unknown)
                        raise LifError(
                            f"{file}: settings.deadlines[{i}] is only for {own}, which "
                            f"{framework.title} does not have: remove or change that deadline by hand"
                        )
            changes.append(
                f"settings.deadlines: review kind(s) {', '.join(unknown)} taken out: {framework.title} has none"
            )
    try:
        result = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the edits keep TOML valid
        raise LifError(f"{file}: the rewrite would not be valid TOML ({exc}): change the keys by hand") from None
    if result != expected:
        raise LifError(f"{file}: the rewrite would change more than the old keys: change them by hand")
    return Migration(text, tuple(changes), tuple(notes))


def _comment(line: str) -> str:
    """The comment at the end of a ``key = "value"`` line (the old keys' values hold no ``#``)."""
    match = re.match(r"""^[^#"']*(?:"[^"]*"|'[^']*')\s*#\s*(.*?)\s*$""", line.rstrip("\r\n"))
    return match.group(1) if match else ""


def _drop_kinds(text: str, unknown: set[str]) -> str:
    """``text`` with the ``unknown`` review kinds taken out of the ``kinds`` lists of
    ``[settings]`` (and ``[[settings.deadlines]]``), each list's layout and comments kept."""

    def fix(match: re.Match[str]) -> str:
        body = match.group(2)
        for kind in unknown:
            quoted = rf"(?:\"{re.escape(kind)}\"|'{re.escape(kind)}')"
            if re.search(rf"{quoted}[ \t]*,?[ \t]*#", body):
                raise LifError(
                    f"settings.deadlines: the review kind {kind!r} to take out carries a comment: take it out by hand"
                )
            # the item with its comma and the space after it, or (the last) the comma before it
            body = (
                re.sub(rf"{quoted}[ \t]*,[ \t]*(?:#[^\n]*)?(\r?\n[ \t]*)?", "", body, count=1)
                if re.search(rf"{quoted}[ \t]*,", body)
                else re.sub(rf",?\s*{quoted}", "", body, count=1)
            )
        return match.group(1) + body + match.group(3)

    out, section = [], ""
    for part in re.split(r"(?m)^(?=[ \t]*\[)", text):
        header = re.match(r"[ \t]*\[\[?\s*([A-Za-z0-9_.\"' ]+?)\s*\]", part)
        section = header.group(1).replace(" ", "") if header else section
        out.append(_KINDS.sub(fix, part) if section in ("settings", "settings.deadlines") else part)
    return "".join(out)


def migrate_board(path: str | Path, frameworks: dict[str, StatutoryFramework]) -> tuple[Path, Migration]:
    """The migration of the board folder at ``path`` (its ``board.toml``), not yet written."""
    root = board_root(path)
    target = root / BOARD_FILE
    if target.is_symlink():
        raise LifError(
            f"{target}: board.toml is a link to {target.resolve()}: lif migrate rewrites only a board's own file; "
            "run it where the file itself is"
        )
    text = read_text(target, name=BOARD_FILE)
    return target, migrate_text(text, frameworks)
