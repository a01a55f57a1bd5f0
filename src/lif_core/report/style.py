"""A board's house style for its published report: a ``[style]`` table in its ``report.toml``.

.. code-block:: toml

    [style]
    logo = "report/logo.png"         # PNG or JPEG, at most 1 MiB
    logo_text = "Riverside Safeguarding Children Partnership"   # the logo's text alternative
    accent = "#7a1f5c"               # the main colour, #rrggbb
    templates = "report/templates"   # the board's own templates (this is the default)
    css = "report/style.css"         # CSS added after lif-core's

Every path is inside the board folder (no ``..``, no link out of it); files are capped in size
and read as what they must be (an image by its first bytes, templates and CSS as UTF-8 text);
CSS may not import or load anything; a template may not hold a script, a frame, an event handler
or an address out of the page (the HTML renderer checks the page it makes too). Every problem is
a :class:`~lif_core.errors.Problem` naming ``report.toml`` and the key.

Reading the style never imports the template engine: templates are parsed when HTML is drawn.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

from ..board import LoadedBoard
from ..document import ReportStyle
from ..errors import BoardInvalid, LifError, Problem
from ..files import UnreadableFile, read_text, resolve_inside, suggest
from .definition import REPORT_FILE, read_report_file

__all__ = ["MAX_LOGO_BYTES", "MAX_TEMPLATE_BYTES", "STYLE_KEYS", "TEMPLATES_FOLDER", "read_style", "template_problems"]

#: The keys of ``[style]``.
STYLE_KEYS = ("logo", "logo_text", "accent", "templates", "css")
#: Where a board's templates are looked for unless ``[style] templates`` names another folder.
TEMPLATES_FOLDER = "report/templates"
MAX_LOGO_BYTES = 1024 * 1024
MAX_TEMPLATE_BYTES = 256 * 1024
MAX_TEMPLATES = 50
MAX_LOGO_TEXT = 200

_ACCENT = re.compile(r"#[0-9a-fA-F]{6}")
_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.(html|css)")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))
#: What a template's own text may not hold (the page it makes is checked again after rendering).
_FORBIDDEN = re.compile(
    r"<\s*(script|iframe|frame|frameset|object|embed|applet|link|base|form|portal|meta\s+http-equiv\s*=\s*['\"]?refresh)\b"
    r"|\son[a-z]+\s*="
    r"|javascript\s*:"
    r"|@import"
    r"|\b(?:src|href|srcset|action|poster)\s*=\s*['\"]?\s*(?:https?:|//|ftp:|file:)"
    r"|url\s*\(\s*['\"]?\s*(?:https?:|//|ftp:|file:)",
    re.IGNORECASE,
)


def read_style(loaded: LoadedBoard) -> ReportStyle | None:
    """The board's house style from the ``[style]`` table of its ``report.toml``, checked;
    ``None`` where it has none.

    Raises:
        BoardInvalid: with every problem found, each naming ``report.toml`` and its key.
    """
    data = read_report_file(loaded)
    if data is None:
        return None
    table = data.get("style")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise BoardInvalid(
            [Problem(REPORT_FILE, "style", "must be a table: [style] with logo, accent, templates, css")]
        )
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(REPORT_FILE, f"style.{key}" if key else "style", message))

    for key in table:
        if key not in STYLE_KEYS:
            problem(key, f"unknown key{suggest(key, STYLE_KEYS)}; [style] has {', '.join(STYLE_KEYS)}")
    for key in STYLE_KEYS:
        if key in table and not isinstance(table[key], str):
            problem(key, f"must be a string, not {type(table[key]).__name__}")
    values: dict[str, str] = {k: v for k, v in table.items() if k in STYLE_KEYS and isinstance(v, str)}
    style: dict[str, Any] = {"source": f"{REPORT_FILE} [style]"}

    accent = values.get("accent")
    if accent is not None:
        if _ACCENT.fullmatch(accent):
            style["accent"] = accent.lower()
        else:
            problem("accent", f'{accent[:40]!r} is not a colour as #rrggbb (six hex digits: "#1d70b8")')

    text = values.get("logo_text", loaded.board.board.name)
    text = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", " ", text).split())
    if len(text) > MAX_LOGO_TEXT:
        problem("logo_text", f"is {len(text)} characters; a logo's text alternative is at most {MAX_LOGO_TEXT}")
    style["logo_text"] = text[:MAX_LOGO_TEXT]

    if "logo" in values:
        try:
            style["logo"], style["logo_type"] = _logo(loaded.root, values["logo"])
        except LifError as exc:
            problem("logo", str(exc))

    if "css" in values:
        try:
            css = _text(loaded.root, values["css"], (".css",))
            found = css_problems(css)
            if found:
                problem("css", f"{values['css']}: " + "; ".join(found))
            else:
                style["css"] = css
        except LifError as exc:
            problem("css", str(exc))

    folder = values.get("templates", TEMPLATES_FOLDER)
    if "templates" in values or os.path.lexists(loaded.root / folder):
        try:
            templates = _templates(loaded.root, folder)
        except LifError as exc:
            problem("templates", str(exc))
        else:
            for name, source in templates:
                problems += [
                    Problem(REPORT_FILE, "style.templates", m) for m in template_problems(f"{folder}/{name}", source)
                ]
            style["templates"] = templates
            if templates:
                style["source"] = f"{REPORT_FILE} [style], templates in {folder}"
    if problems:
        raise BoardInvalid(problems)
    return ReportStyle(**style)


def css_problems(css: str) -> list[str]:
    """What a board's style sheet must not do (:func:`page_css_problems`), and no ``<``
    (which could end the page's ``<style>``)."""
    found = page_css_problems(css)
    if "<" in css:
        found.append("'<' is not allowed in CSS (it could end the page's <style>)")
    return found


#: A ``data:`` address of an image: the only address a published page may load.
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*$", re.IGNORECASE)
_CSS_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
#: What may not be in a style sheet at all: an import, script (old browsers' expression() and
#: bindings), and the functions that load an address given as a bare string (image-set(), src()).
_CSS_BAD = re.compile(
    r"@import|expression\s*\(|javascript:|-moz-binding|behavior\s*:|(?<![\w-])(?:-webkit-)?image-set\s*\("
    r"|(?<![\w-])src\s*\(",
    re.IGNORECASE,
)
_CSS_ESCAPE = re.compile(r"\\[0-9a-fA-F]{1,6}\s?|\\(.)")
_CSS_IDENT_BEFORE = re.compile(r"(?:[A-Za-z0-9_-]|\\[0-9a-fA-F]{1,6}\s?|\\[^\n0-9a-fA-F])+$")


def _unescape_css(text: str) -> str:
    return _CSS_ESCAPE.sub(lambda m: m.group(1) or chr(min(int(m.group(0)[1:].strip(), 16), 0x10FFFF) or 0xFFFD), text)


def _without_comments(css: str) -> tuple[str, bool]:
    """``css`` with its comments taken out as a browser finds them (not inside a string or an
    unquoted ``url(...)``), and whether a comment mark ``/*`` stands inside a string or a
    ``url(...)``, where a checker that does not read CSS as a browser does could take it for
    the start of a comment (and not see what follows)."""
    out: list[str] = []
    mark = False
    i, n = 0, len(css)
    while i < n:
        c = css[i]
        if c == "\\":
            out.append(css[i : i + 2])
            i += 2
        elif c in "\"'":
            j = i + 1
            while j < n and css[j] not in (c, "\n"):
                j += 2 if css[j] == "\\" else 1
            mark = mark or "/*" in css[i:j]
            out.append(css[i : j + 1])
            i = j + 1
        elif css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif (
            c == "("
            and (ident := _CSS_IDENT_BEFORE.search(css, 0, i))
            and _unescape_css(ident.group()).lower() == "url"
        ):
            rest = css[i + 1 :].lstrip()
            if rest[:1] in ("'", '"'):
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < n and css[j] != ")":
                j += 2 if css[j] == "\\" else 1
            mark = mark or "/*" in css[i:j]
            out.append(css[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out), mark


def page_css_problems(css: str) -> list[str]:
    """What a style sheet must not do in a self-contained page with no network: import
    another, load anything by url() other than a ``data:`` image or a ``#fragment``, run
    script (old browsers' expression() and bindings)."""
    stripped, mark = _without_comments(css)
    text = _unescape_css(stripped)
    problems = []
    if mark:
        problems.append("'/*' inside a string or url() is not allowed (it reads as a comment to some readers)")
    if _CSS_BAD.search(text):
        problems.append(f"{_CSS_BAD.search(text).group(0)!r} is not allowed")  # type: ignore[union-attr]
    for address in _CSS_URL.findall(text):
        if not (address.startswith("#") or DATA_IMAGE.match(address)):
            problems.append(f"url({address[:60]}) loads something: only data:image/... and #fragments are allowed")
    return problems


def template_problems(name: str, source: str) -> list[str]:
    """What in a template's own text could run, load or send something: each with its line."""
    found = []
    for match in _FORBIDDEN.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        found.append(
            f"{name}, line {line}: {match.group(0).strip()!r} is not allowed: the published page is one file "
            "that runs no script and loads nothing (put images in as data: URIs, as [style] logo does)"
        )
    return found


def _regular(path: Path, relative: str, limit: int) -> int:
    """The size of a regular file (a folder, a device, a pipe or one over ``limit`` is refused)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise LifError(f"{relative!r}: {exc.strerror or exc} (name a file in the board folder)") from None
    if not stat.S_ISREG(info.st_mode):
        raise LifError(f"{relative!r} is not a regular file: name a file")
    if info.st_size > limit:
        raise LifError(f"{relative!r} is {info.st_size:,} bytes; at most {limit:,} are allowed")
    return info.st_size


def _logo(root: Path, relative: str) -> tuple[bytes, str]:
    if not relative.lower().endswith((".png", ".jpg", ".jpeg")):
        raise LifError(f"{relative!r}: a logo is a PNG or JPEG file (ending .png, .jpg or .jpeg)")
    path = resolve_inside(root, relative)
    _regular(path, relative, MAX_LOGO_BYTES)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_LOGO_BYTES + 1)
    except OSError as exc:
        raise LifError(f"{relative!r}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_LOGO_BYTES:
        raise LifError(f"{relative!r} is over {MAX_LOGO_BYTES:,} bytes")
    for magic, media in _MAGIC:
        if data.startswith(magic):
            return data, media
    raise LifError(f"{relative!r} is not a PNG or JPEG image (its first bytes say otherwise): save it as PNG")


def _text(root: Path, relative: str, suffixes: tuple[str, ...]) -> str:
    if not relative.lower().endswith(suffixes):
        raise LifError(f"{relative!r} must end {' or '.join(suffixes)}")
    path = resolve_inside(root, relative)
    _regular(path, relative, MAX_TEMPLATE_BYTES)
    try:
        return read_text(path, name=relative, limit=MAX_TEMPLATE_BYTES)
    except UnreadableFile as exc:
        raise LifError(str(exc)) from None


def _templates(root: Path, folder: str) -> tuple[tuple[str, str], ...]:
    """``(name, source)`` of each ``.html`` and ``.css`` file in ``folder`` (not its sub-folders)."""
    path = resolve_inside(root, folder)
    if not path.is_dir():
        raise LifError(f"{folder!r} is not a folder in the board folder (make it, or drop the key)")
    found: list[tuple[str, str]] = []
    names = sorted(os.listdir(path))
    for name in names:
        if not name.lower().endswith((".html", ".css")):
            continue
        if not _TEMPLATE_NAME.fullmatch(name):
            raise LifError(f"{folder}/{name}: a template's name is letters, digits, '-', '_' and '.' (cover.html)")
        if len(found) >= MAX_TEMPLATES:
            raise LifError(f"{folder!r} holds more than {MAX_TEMPLATES} templates")
        relative = f"{folder}/{name}"
        if not (path / name).is_file():
            raise LifError(f"{relative!r} is not a regular file")
        found.append((name, _text(root, relative, (".html", ".css"))))
    return tuple(found)
