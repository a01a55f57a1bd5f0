"""Ofsted Annex A workbooks: lists 1-11 (contacts, early help, referrals, assessments, s.47,
children in need, child protection, looked after, care leavers, adoption, adopters)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

from lif_core import Batch, DataSourceAdapter, LifError, Record
from lif_core.builtins.sources import XlsxAdapter
from lif_core.model import OptionValue

LISTS = {
    1: "contacts",
    2: "early help",
    3: "referrals",
    4: "assessments",
    5: "section 47 enquiries and ICPCs",
    6: "children in need",
    7: "child protection",
    8: "children looked after",
    9: "care leavers",
    10: "adoption",
    11: "adopters",
}


class AnnexAAdapter(DataSourceAdapter):
    """One list of an Ofsted Annex A workbook (sheets ``List 1`` to ``List 11``).

    Options: ``list`` (1-11). Identifiers (child, family, adopter) are pseudonymised, dates of
    birth kept to the month, every column whose name holds "Date" checked as a date, placement
    postcodes cut to their sector, and workers' and advisers' names dropped: published figures
    never need them. The workbook is read as the ``xlsx`` adapter reads any (every row whatever
    the sheet's stated dimension; a malformed cell named by list, row, cell and column, never by
    its value; zip bombs and XML entities refused).
    """

    name = "annex-a"
    title = "Ofsted Annex A workbook list (.xlsx)"
    suffixes = (".xlsx", ".xlsm")

    @staticmethod
    def _list(options: Mapping[str, OptionValue]) -> int:
        number = options.get("list")
        if isinstance(number, bool) or not isinstance(number, int) or number not in LISTS:
            raise LifError(
                f"option list must be a whole number from 1 to 11 ({', '.join(f'{k}: {v}' for k, v in LISTS.items())})"
            )
        return number

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        specs = {c: "date" for c in columns if "date" in c.lower()}
        specs.update(
            {
                "Child Unique ID": "child-id",
                "Individual adopter identifier": "child-id",
                "Family identifier": "child-id?",
                "Date of Birth": "dob",
                "Placement postcode": "postcode",
                "Allocated Worker": "drop",
                "Allocated Personal Advisor": "drop",
            }
        )
        return specs

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        unknown = sorted(set(options) - {"list"})
        if unknown:
            raise LifError(f"{path.name}: unknown option(s) {', '.join(unknown)}; known: list")
        number = self._list(options)
        yield from XlsxAdapter().batches(path, {"sheet": f"List {number}"})
