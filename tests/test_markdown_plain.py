"""Markdown's fast path for plain text (a large report's table cells are mostly words and
numbers): text the escapes would not change is given back as it is, and everything else is
escaped as before, whatever it holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lif_core.builtins.renderers import _md_escape, md_escape

# What matters to the escapes, often, and any character at all, sometimes.
MARKS = st.sampled_from(
    [*"aZ09 .-+=:/@wW#*_`|<>&~[]{}\\\t\n\r\x1b\x9b\u202e\u2066\u00a0\u2028", "www.", "WwW.", "://", "1. ", "- "]
)
TEXT = st.lists(st.one_of(MARKS, MARKS, st.characters()), max_size=30).map("".join)


@settings(max_examples=2000, deadline=None)
@given(text=TEXT, inline=st.booleans())
def test_plain_text_is_given_back_and_anything_else_escaped_as_before(text: str, inline: bool) -> None:
    assert md_escape(text, inline=inline) == _md_escape(text, inline)


def test_plain_text_is_given_back_as_it_is() -> None:
    for text in ("Evidence 12", "2018-06-30", "75.1%", "Partner 3 (health)", "In progress; overdue", ""):
        assert md_escape(text, inline=True) is text
    assert md_escape("www.example.org", inline=True) == "www\\.example.org"
    assert md_escape("1. Not a list", inline=False) == "1\\. Not a list"
