"""The document model's cells read as text whatever they hold."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from lif_core.document import Figure, Rag, cell_text

CELLS = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(),  # NaN and the infinities too: a renderer must never crash on a figure
    st.dates(),
    st.builds(Figure, st.one_of(st.none(), st.floats(), st.integers()), st.text()),
    st.builds(Rag, st.text(), st.sampled_from(["red", "amber", "green", "none"])),
)


@given(CELLS)
def test_every_cell_reads_as_text(cell: object) -> None:
    text = cell_text(cell)  # type: ignore[arg-type]
    assert isinstance(text, str)


def test_how_cells_read() -> None:
    assert [cell_text(c) for c in (None, 2.0, 2.5, float("inf"), 1234, dt.date(2019, 3, 31))] == [
        "",
        "2",
        "2.5",
        "inf",
        "1234",
        "2019-03-31",
    ]
    assert cell_text(Figure(13.0, "13%", "%")) == "13%" and cell_text(Rag("Green", "green")) == "Green"
