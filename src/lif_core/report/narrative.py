"""Board-written narrative: Markdown files in the board folder, turned into document blocks.

A foreword, the story behind a priority, the judgement of effectiveness, the scrutineer's
findings: boards write these as Markdown (CommonMark, with tables), and every renderer shows
them through the same renderer-independent blocks as everything else, so each escapes them
as it escapes any board text. Nothing in a narrative becomes markup of its own: raw HTML is
text, a link shows its address after its words, an image shows only its description (no
remote image is ever fetched or embedded).

Parsing is markdown-it-py's (a maintained CommonMark parser); its HTML output is never used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..board import UnreadableFile, read_text, resolve_inside
from ..document import Block, BulletList, Paragraph, Section, Table
from ..errors import LifError

__all__ = ["MAX_NARRATIVE_BYTES", "narrative_blocks", "read_narrative"]

#: The largest narrative file read: a foreword is a few kilobytes; a whole report's text
#: is well under this.
MAX_NARRATIVE_BYTES = 512 * 1024
#: Deepest list nesting kept; deeper items are shown at this depth.
MAX_LIST_DEPTH = 4
#: Link schemes shown as addresses; any other (``javascript:``, ``data:``) is dropped.
SAFE_SCHEMES = ("http://", "https://", "mailto:")

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def _inline(token: Token) -> str:
    """The text of an inline token: words, with each link's address after it."""
    out: list[str] = []
    href = ""
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
            link_text = []
        elif kind == "link_close":
            words = "".join(link_text)
            safe = href.lower().startswith(SAFE_SCHEMES)
            shown = href.removeprefix("mailto:")
            out.append(words if not safe or shown == words else f"{words} ({shown})")
            href = ""
    return " ".join("".join(out).split())


def narrative_blocks(text: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
    """Markdown ``text`` as document blocks, and its headed parts as sections.

    Text before the first heading gives the blocks; each heading starts a section holding
    what follows it up to the next heading (headings of every level start a section at the
    same depth: a report section's narrative has one level of parts)."""
    tokens = _PARSER.parse(text)
    blocks: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    target = blocks
    i = 0
    list_items: list[str] = []
    depth = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type
        if kind == "heading_open":
            title = _inline(tokens[i + 1]) or "Untitled"
            sections.append((title, []))
            target = sections[-1][1]
            i += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
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
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            line = _inline(token)
            if line:
                target.append(Paragraph(line))
        elif kind in ("fence", "code_block"):
            code = token.content.strip("\n")
            if code.strip():
                target.append(Paragraph(" ".join(code.split())))
        elif kind == "table_open":
            table, i = _table(tokens, i)
            if table is not None:
                target.append(table)
            continue
        i += 1
    return tuple(blocks), tuple(Section(title, tuple(body)) for title, body in sections)


def _table(tokens: list[Token], i: int) -> tuple[Table | None, int]:
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
        return None, i + 1
    width = len(header)
    body: tuple[tuple[Any, ...], ...] = tuple(tuple((r + [""] * width)[:width]) for r in rows)
    return Table(tuple(header), body), i + 1


def read_narrative(root: Path, relative: str) -> tuple[tuple[Block, ...], tuple[Section, ...]]:
    """The narrative file ``relative`` (inside the board folder ``root``) as blocks and
    sections.

    Raises:
        LifError: naming the file: outside the folder, missing, not UTF-8, too large.
    """
    try:
        path = resolve_inside(root, relative)
        text = read_text(path, name=relative, limit=MAX_NARRATIVE_BYTES)
    except UnreadableFile as exc:
        raise LifError(f"{relative}: {exc.reason} (a narrative file the board's report names)") from None
    return narrative_blocks(text)
