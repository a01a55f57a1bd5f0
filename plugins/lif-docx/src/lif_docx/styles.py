"""The house styles of a board paper, written into the document's own style sheet.

Word users restyle a document through its styles, so everything a reader sees is a named
style: Title, Subtitle, Heading 1 to 9, Caption, the contents' TOC 1 to 3, the header and footer,
``Table text`` and ``Table heading`` for cells, and the ``Board table`` table style. The body
font is Arial (Liberation Sans where Arial is not installed, as LibreOffice has it), the language
British English, and the headings take the board's accent colour.
"""

from __future__ import annotations

import re
from typing import Any

#: Where the document's language is set: every run that names no other.
LANGUAGE = "en-GB"
FONT = "Arial"
#: The accent colour when a board gives none (lif-core's own, GOV.UK blue).
DEFAULT_ACCENT = "1d70b8"
#: The table style's name (its id is the name without spaces, as Word makes it).
TABLE_STYLE = "Board table"
TABLE_STYLE_ID = "Boardtable"
#: Table text size, in half-points (9 pt): a board paper's tables run a size below its text.
TABLE_SIZE = 18
#: Greys that read on white (GOV.UK's secondary text colour and border grey).
GREY = "505A5F"
BORDER = "B1B4B6"

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_HEX = re.compile(r"#?([0-9a-fA-F]{6})")


def accent_of(colour: str | None) -> str:
    """``colour`` (``#rrggbb``) as Word writes it (``RRGGBB``); the default where it is not one."""
    match = _HEX.fullmatch(colour or "")
    return (match.group(1) if match else DEFAULT_ACCENT).upper()


def tint(colour: str, keep: float = 0.15) -> str:
    """``colour`` (``RRGGBB``) mixed with white, keeping ``keep`` of it: a fill black text reads on."""
    parts = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(255 - (255 - c) * keep):02X}" for c in parts)


def _fonts() -> str:
    return f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'


def _paragraph_style(
    style_id: str, name: str, *, based: str = "Normal", ppr: str = "", rpr: str = "", extra: str = ""
) -> str:
    based_on = f'<w:basedOn w:val="{based}"/>' if based else ""
    return (
        f'<w:style {_W} w:type="paragraph" w:styleId="{style_id}"><w:name w:val="{name}"/>{based_on}'
        f'<w:next w:val="Normal"/>{extra}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>'
    )


def _definitions(accent: str, text_width: int) -> list[str]:
    heading_sizes = {1: 32, 2: 26, 3: 23}
    styles = [
        _paragraph_style(
            "Normal",
            "Normal",
            based="",
            ppr='<w:widowControl/><w:spacing w:after="160" w:line="264" w:lineRule="auto"/>',
            rpr=f'{_fonts()}<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="{LANGUAGE}"/>',
        ).replace('w:type="paragraph" w:styleId="Normal"', 'w:type="paragraph" w:default="1" w:styleId="Normal"'),
        _paragraph_style(
            "Title",
            "Title",
            ppr='<w:spacing w:before="0" w:after="240" w:line="240" w:lineRule="auto"/>',
            rpr=f'<w:b/><w:bCs/><w:color w:val="{accent}"/><w:sz w:val="56"/><w:szCs w:val="56"/>',
        ),
        _paragraph_style(
            "Subtitle",
            "Subtitle",
            ppr='<w:spacing w:after="120"/>',
            rpr=f'<w:color w:val="{GREY}"/><w:sz w:val="32"/><w:szCs w:val="32"/>',
        ),
        _paragraph_style(
            "Caption",
            "caption",
            ppr='<w:keepNext/><w:spacing w:before="160" w:after="80" w:line="240" w:lineRule="auto"/>',
            rpr='<w:b/><w:bCs/><w:sz w:val="20"/><w:szCs w:val="20"/>',
        ),
        _paragraph_style(
            "TOCHeading",
            "TOC Heading",
            based="Heading1",
            ppr='<w:outlineLvl w:val="9"/>',
        ),
        _paragraph_style(
            "Header",
            "header",
            ppr=f'<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="{BORDER}"/></w:pBdr>'
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>',
            rpr=f'<w:color w:val="{GREY}"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        ),
        _paragraph_style(
            "Footer",
            "footer",
            ppr='<w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="right"/>',
            rpr=f'<w:color w:val="{GREY}"/><w:sz w:val="18"/><w:szCs w:val="18"/>',
        ),
        _paragraph_style(
            "TableText",
            "Table text",
            ppr='<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>',
            rpr=f'<w:sz w:val="{TABLE_SIZE}"/><w:szCs w:val="{TABLE_SIZE}"/>',
        ),
        _paragraph_style("TableHeading", "Table heading", based="TableText", rpr="<w:b/><w:bCs/>"),
    ]
    for level in range(1, 10):
        size = heading_sizes.get(level, 22)
        colour = accent if level <= 2 else "0B0C0C"
        italic = "<w:i/><w:iCs/>" if level >= 4 else ""
        before = {1: 360, 2: 280}.get(level, 200)
        styles.append(
            _paragraph_style(
                f"Heading{level}",
                f"heading {level}",
                ppr=f'<w:keepNext/><w:keepLines/><w:spacing w:before="{before}" w:after="120" w:line="240" '
                f'w:lineRule="auto"/><w:outlineLvl w:val="{level - 1}"/>',
                rpr=f'<w:b/><w:bCs/>{italic}<w:color w:val="{colour}"/><w:sz w:val="{size}"/><w:szCs w:val="{size}"/>',
            )
        )
    for level in (1, 2, 3):
        indent = (level - 1) * 360
        styles.append(
            _paragraph_style(
                f"TOC{level}",
                f"toc {level}",
                ppr=f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{text_width}"/></w:tabs>'
                f'<w:spacing w:before="{60 if level == 1 else 0}" w:after="40"/>'
                f'<w:ind w:left="{indent}" w:right="567"/>',
                rpr="<w:b/><w:bCs/>" if level == 1 else "",
                extra='<w:uiPriority w:val="39"/>',
            )
        )
    border = f'w:val="single" w:sz="4" w:space="0" w:color="{BORDER}"'
    styles.append(
        f'<w:style {_W} w:type="table" w:customStyle="1" w:styleId="{TABLE_STYLE_ID}">'
        f'<w:name w:val="{TABLE_STYLE}"/><w:basedOn w:val="TableNormal"/><w:qFormat/>'
        '<w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
        f'<w:rPr><w:sz w:val="{TABLE_SIZE}"/><w:szCs w:val="{TABLE_SIZE}"/></w:rPr>'
        f"<w:tblPr><w:tblBorders><w:top {border}/><w:left {border}/><w:bottom {border}/><w:right {border}/>"
        f"<w:insideH {border}/><w:insideV {border}/></w:tblBorders>"
        '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
        f'<w:tcPr><w:tcBorders><w:bottom w:val="single" w:sz="12" w:space="0" w:color="{accent}"/></w:tcBorders>'
        f'<w:shd w:val="clear" w:color="auto" w:fill="{tint(accent)}"/></w:tcPr></w:tblStylePr></w:style>'
    )
    return styles


def apply(doc: Any, accent: str, text_width: int) -> None:
    """Write the board paper's styles into ``doc`` (a python-docx Document), replacing the
    template's, and make British English and Arial the defaults of every run."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault"))
    run_defaults.getparent().replace(
        run_defaults,
        parse_xml(
            f'<w:rPrDefault {_W}><w:rPr>{_fonts()}<w:sz w:val="22"/><w:szCs w:val="22"/>'
            f'<w:lang w:val="{LANGUAGE}" w:eastAsia="{LANGUAGE}" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        ),
    )
    by_id = {s.get(qn("w:styleId")): s for s in styles.findall(qn("w:style"))}
    for source in _definitions(accent, text_width):
        style = parse_xml(source)
        old = by_id.get(style.get(qn("w:styleId")))
        if old is not None:
            styles.replace(old, style)
        else:
            styles.append(style)
