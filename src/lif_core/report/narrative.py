"""Board-written narrative: Markdown files in the board folder, turned into document blocks.

A foreword, the story behind a priority, the judgement of effectiveness, the scrutineer's
findings: boards write these as Markdown (CommonMark, with tables), and every renderer shows
them through the same renderer-independent blocks as everything else, so each escapes them
as it escapes any board text. Nothing in a narrative becomes markup of its own: raw HTML is
text, a link shows its address after its words, an image shows only its description (no
remote image is ever fetched or embedded).

Parsing is markdown-it-py's (a maintained CommonMark parser); its HTML output is never used.

Any text is safe here, whatever a file holds: control characters and bidirectional overrides
are dropped (as board text refuses them); a link to anything but ``http``, ``https`` or
``mailto`` (``javascript:``, ``data:``, ``vbscript:``) shows only its words; text nested more
deeply than the parser follows (lists in quotes in lists...) is shown as plain paragraphs rather
than lost; a table too wide to read shows each row as a line; a file over
:data:`MAX_NARRATIVE_BYTES` is refused with a message naming it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..board import UnreadableFile, read_text, resolve_inside
from ..document import Block, BulletList, Paragraph, Section, Table
from ..errors import LifError

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

__all__ = ["MAX_NARRATIVE_BYTES", "narrative_blocks", "read_narrative"]

#: The largest narrative file read: a foreword is a few kilobytes; a whole report's text
#: is well under this.
MAX_NARRATIVE_BYTES = 128 * 1024
#: Deepest list nesting kept; deeper items are shown at this depth.
MAX_LIST_DEPTH = 4
#: The board's private folder (its pseudonymisation key): never read as narrative.
PRIVATE_FOLDER = ".lif"
#: The most headed parts one narrative file may have: a section's narrative has a few; more is
#: not a narrative, and would make some renderers (Word) slow.
MAX_HEADINGS = 100
#: HTML comments: an author's notes to themselves ("<!-- TODO: chair to write -->"), never
#: published and never counted as written text.
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
#: Invisible characters (zero-width spaces and joiners, the byte-order mark): dropped, so a
#: file of nothing but them is not taken for written text.
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufeff]")

#: Link schemes shown as addresses; any other (``javascript:``, ``data:``) is dropped.
SAFE_SCHEMES = ("http://", "https://", "mailto:")
#: The widest table kept as a table; a wider one shows each row as a line of text.
MAX_TABLE_COLUMNS = 20
#: How deep the parser follows lists and quotes inside each other; text nested deeper makes
#: the whole narrative plain paragraphs (the parser would drop it).
MAX_NESTING = 20

#: What board text refuses: C0 controls but tab and newlines, DEL, the C1 controls, the
#: bidirectional overrides and isolates (:mod:`lif_core.convert` refuses the same).
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@functools.cache
def _parser() -> MarkdownIt:
    """The Markdown parser (markdown-it, imported when a narrative is first read: commands
    that read none do not wait for it)."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "maxNesting": MAX_NESTING}).enable("table")
    # Every link is parsed as a link, so a link to an unsafe address shows its words without the
    # address (markdown-it would otherwise leave "[words](javascript:...)" in the text as written).
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return parser


def _clean(text: str) -> str:
    """``text`` without what board text refuses, and without lone surrogates."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = _INVISIBLE.sub("", _COMMENT.sub("", text))
    return _REFUSED.sub("", text.replace("\r\n", "\n"))


def _safe(href: str) -> bool:
    return href.strip().lower().startswith(SAFE_SCHEMES)


def _inline(token: Token) -> str:
    """The text of an inline token: words, with each link's address after it."""
    out: list[str] = []
    href = ""
    autolink = False
    link_text: list[str] = []
    for child in token.children or ():
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            (link_text if href else out).append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            (link_text if href else out).append(" ")
        elif kind == "image":
            (link_text if href else out).append(child.content or "")
        elif kind == "link_open":
            href = str(child.attrs.get("href", "")) or "#"
            autolink = child.markup == "autolink"
            link_text = []
        elif kind == "link_close" and href:
            words = " ".join("".join(link_text).split())
            safe = _safe(href)
            shown = href.strip().removeprefix("mailto:")
            if autolink:
                out.append(shown if safe else "")
            elif not safe or shown == words or shown in ("#", ""):
                out.append(words)
            else:
                out.append(f"{words} ({shown})" if words else shown)
            href = ""
    return " ".join("".join(out).split())


def narrative_blocks(text: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
    """Markdown ``text`` as document blocks, and its headed parts as sections.

    Text before the first heading gives the blocks; each heading starts a section holding
    what follows it up to the next heading (headings of every level start a section at the
    same depth: a report section's narrative has one level of parts)."""
    return _narrative_blocks(text)


@functools.lru_cache(maxsize=64)
def _narrative_blocks(text: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
    # The same text gives the same (immutable) blocks: a narrative file the board's report
    # checks read and its report composes again is parsed once.
    text = _clean(text)
    tokens = _parser().parse(text)
    headings = sum(t.type == "heading_open" for t in tokens)
    if headings > MAX_HEADINGS:
        raise LifError(
            f"has {headings:,} headings; a section's narrative has at most {MAX_HEADINGS} headed parts: "
            "split it across sections (report.toml), or use fewer headings"
        )
    if any(t.level >= MAX_NESTING - 1 for t in tokens):
        return _plain(text), ()
    blocks: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    target = blocks
    i = 0
    list_items: list[str] = []
    depth = 0
    quotes = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "heading_open" and not depth and not quotes:
            title = _inline(tokens[i + 1]) or "Untitled"
            sections.append((title, []))
            target = sections[-1][1]
            i += 3
            continue
        elif kind in ("bullet_list_open", "ordered_list_open"):
            if depth == 0:
                list_items = []
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0 and list_items:
                target.append(BulletList(tuple(list_items)))
        elif kind == "inline" and depth:
            indent = "  " * (min(depth, MAX_LIST_DEPTH) - 1)
            line = _inline(token)
            if line:
                list_items.append(f"{indent}{line}" if indent else line)
        elif kind == "inline" and tokens[i - 1].type in ("paragraph_open", "heading_open"):
            line = _inline(token)
            if line:
                target.append(Paragraph(line))
        elif kind in ("fence", "code_block"):
            code = token.content.strip("\n")
            if code.strip():
                target.append(Paragraph(" ".join(code.split())))
        elif kind == "table_open":
            table, i = _table(tokens, i)
            target.extend(table)
            continue
        i += 1
    return tuple(blocks), tuple(Section(title, tuple(body)) for title, body in sections)


def _plain(text: str) -> tuple[Block, ...]:
    """``text`` as paragraphs, one per run of lines between blank lines, as written."""
    paragraphs = (" ".join(chunk.split()) for chunk in re.split(r"\n[ \t]*\n", text))
    return tuple(Paragraph(p) for p in paragraphs if p)


def _table(tokens: list[Token], i: int) -> tuple[list[Block], int]:
    header: list[str] = []
    rows: list[list[str]] = []
    row: list[str] | None = None
    in_head = False
    while i < len(tokens) and tokens[i].type != "table_close":
        kind = tokens[i].type
        if kind == "thead_open":
            in_head = True
        elif kind == "thead_close":
            in_head = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            (header.extend(row) if in_head else rows.append(row))
            row = None
        elif kind == "inline" and row is not None:
            row.append(_inline(tokens[i]))
        i += 1
    if not header:
        return [], i + 1
    width = len(header)
    if width > MAX_TABLE_COLUMNS:
        lines = (" | ".join(cell for cell in row if cell) for row in (header, *rows))
        return [Paragraph(line) for line in lines if line], i + 1
    body: tuple[tuple[Any, ...], ...] = tuple(tuple((r + [""] * width)[:width]) for r in rows)
    return [Table(tuple(header), body)], i + 1


def read_narrative(root: Path, relative: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
    """The narrative file ``relative`` (inside the board folder ``root``) as blocks and
    sections.

    Raises:
        LifError: naming the file: outside the folder, missing, not UTF-8, too large.
    """
    try:
        path = resolve_inside(root, relative)
        inside = path.relative_to(root.resolve())
        if path.suffix.lower() != ".md" or PRIVATE_FOLDER in inside.parts:
            # A link named foreword.md may lead anywhere in the folder: to the board's key in
            # .lif/, to a data source's children's records. Only Markdown is ever read.
            raise LifError(
                f"{relative}: leads to {inside.as_posix()}, not a Markdown file of the board's text: "
                "a narrative file must be a .md file in the board folder (outside .lif/)"
            )
        text = read_text(path, name=relative, limit=MAX_NARRATIVE_BYTES)
        return narrative_blocks(text)
    except UnreadableFile as exc:
        raise LifError(f"{relative}: {exc.reason} (a narrative file the board's report names)") from None
    except (OSError, ValueError) as exc:  # a name no file system takes (a NUL byte, too long)
        raise LifError(f"{relative!r}: not a file in the board folder ({exc}): name a Markdown file there") from None
    except LifError as exc:
        message = str(exc)
        raise LifError(
            message if message.startswith((relative, repr(relative))) else f"{relative}: {message}"
        ) from None
