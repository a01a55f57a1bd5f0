"""SSDA903 (children looked after) CSV tables. Column names and date formats are the DfE
return's; dates are dd/mm/yyyy."""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path

from lif_core import MAX_LINE, Batch, CsvAdapter, DataSourceAdapter, LifError, OptionValue, Record

DMY = "date:%d/%m/%Y"

#: Each table's columns, in the return's order, and the kind of each that is not plain text.
TABLES: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    "header": (
        ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
        {"DOB": "dob:%d/%m/%Y", "UPN": "child-id?", "MC_DOB": "dob:%d/%m/%Y"},
    ),
    "episodes": (
        (
            "CHILD",
            "DECOM",
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "DEC",
            "REC",
            "REASON_PLACE_CHANGE",
            "HOME_POST",
            "PL_POST",
            "URN",
        ),
        {"DECOM": DMY, "DEC": DMY, "HOME_POST": "postcode", "PL_POST": "postcode"},
    ),
    "reviews": (("CHILD", "DOB", "REVIEW", "REVIEW_CODE"), {"REVIEW": DMY}),
    "missing": (("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"), {"MIS_START": DMY, "MIS_END": DMY}),
    "oc2": (
        (
            "CHILD",
            "DOB",
            "SDQ_SCORE",
            "SDQ_REASON",
            "CONVICTED",
            "HEALTH_CHECK",
            "IMMUNISATIONS",
            "TEETH_CHECK",
            "HEALTH_ASSESSMENT",
            "SUBSTANCE_MISUSE",
            "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED",
        ),
        {"SDQ_SCORE": "int"},
    ),
    "oc3": (("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), {}),
    "ad1": (
        ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
        {"DATE_INT": DMY, "DATE_MATCH": DMY, "NB_ADOPTR": "int"},
    ),
    "placed_for_adoption": (
        ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
        {"DATE_PLACED": DMY, "DATE_PLACED_CEASED": DMY},
    ),
    "previous_permanence": (("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"), {}),
    "sw_episodes": (
        ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
        {"SW_DECOM": DMY, "SW_DEC": DMY, "SW_ID": "drop"},
    ),
    "uasc": (("CHILD", "DOB", "SEX", "DUC"), {"DUC": DMY}),
}


def _specs(table: str) -> dict[str, str]:
    """Every column of the table declared (plain ones as text): what is not declared is not read."""
    columns, kinds = TABLES[table]
    specs = dict.fromkeys(columns, "text")
    specs["CHILD"] = "child-id"
    if "DOB" in columns:
        specs["DOB"] = "dob:%d/%m/%Y"
    specs.update(kinds)
    return specs


#: What a column name can look like: letters, spaces and underscores, never a digit (so never a
#: child's identifier, a date or a postcode, which a file without its header row has there).
_NAME_LIKE = re.compile(r"[A-Za-z][A-Za-z_ ]*\Z")


def header_problem(file: str, table: str, names: Sequence[str]) -> str | None:
    """What is wrong with a header row read for ``table`` (``None`` if it is the table's), in
    words that never repeat a value from the file: a file that has lost its header row has a
    child's record there. Expected column names are named; an unexpected one only when it is a
    near miss of an expected one (did you mean), and by position; others are counted."""
    expected = TABLES[table][0]
    known, present = set(expected), set(names)
    missing = [c for c in expected if c not in present]
    unknown = [i for i, name in enumerate(names) if name not in known]
    if not unknown and not missing:
        return None
    if not known & present:
        return (
            f"{file}: line 1: none of the SSDA903 {table} table's columns ({', '.join(expected)}) is there: the "
            "header row looks missing; add it as the first line (or check option table)"
        )
    parts = []
    if unknown:
        near = []
        for i in unknown:
            name = names[i]
            guess = (
                difflib.get_close_matches(name.upper(), expected, n=1, cutoff=0.75) if _NAME_LIKE.match(name) else []
            )
            if guess:
                near.append(f"column {i + 1} {name!r} (did you mean {guess[0]}?)")
        others = len(unknown) - len(near)
        parts.append(
            "unexpected "
            + ", ".join(near)
            + (" and " if near and others else "")
            + (f"{others} other column(s) the table does not have" if others else "")
        )
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    return f"{file}: line 1: not the SSDA903 {table} table: " + "; ".join(parts)


def detect_table(columns: list[str]) -> str | None:
    """The table whose columns these are (every column of the table present)."""
    present = set(columns)
    matches = [name for name, (cols, _) in TABLES.items() if set(cols) <= present]
    return max(matches, key=lambda n: len(TABLES[n][0])) if matches else None


class Ssda903Adapter(DataSourceAdapter):
    """An SSDA903 table as CSV (header, episodes, reviews, missing, OC2, OC3, AD1, ...).

    Options: ``table`` (one of the tables; detected from the header row when absent). Children's
    identifiers, dates of birth and postcodes are declared, so they are pseudonymised, reduced
    to month and sector, and every dd/mm/yyyy date is checked. Columns the table does not have
    are refused rather than read.
    """

    name = "ssda903"
    title = "SSDA903 children looked after table (CSV)"
    suffixes = (".csv",)

    @staticmethod
    def _header(path: Path, options: Mapping[str, OptionValue]) -> list[str]:
        """The names in the file's first line, as the CSV reader will read them (empty if it
        cannot be read: the CSV reader then names the problem)."""
        encoding, delimiter = options.get("encoding", "utf-8-sig"), options.get("delimiter", ",")
        try:
            with path.open(encoding=str(encoding), newline="") as handle:
                line = handle.readline(MAX_LINE + 1)  # never a whole enormous line
            first = next(csv.reader([line], delimiter=str(delimiter)), [])
        except (OSError, LookupError, UnicodeDecodeError, csv.Error, TypeError):
            return []
        return [c.strip() for c in first]

    def _table(self, path: Path, options: Mapping[str, OptionValue]) -> str:
        table = options.get("table")
        if table is not None:
            if table not in TABLES:
                raise LifError(f"{path.name}: option table must be one of {', '.join(TABLES)}, not {table!r}")
            return str(table)
        found = detect_table(self._header(path, options))
        if found is None:
            raise LifError(f"{path.name}: line 1: the header matches no SSDA903 table; set option table")
        return found

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        table = options.get("table")
        if isinstance(table, str) and table in TABLES:
            return _specs(table)
        found = detect_table(list(columns))
        if found is not None:
            return _specs(found)
        specs: dict[str, str] = {}
        for name in TABLES:  # detection happens on reading; every table's kinds agree by column
            specs.update(_specs(name))
        return specs

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        """The CSV reader's batches, once the header is known to be the table's."""
        table = self._table(path, options)
        csv_options = {k: v for k, v in options.items() if k != "table"}
        checked = False
        for batch in CsvAdapter().batches(path, csv_options, columns):
            if not checked:  # every row has the header's columns (the CSV reader sees to that)
                checked = True
                problem = header_problem(path.name, table, batch.names)
                if problem:
                    raise LifError(problem)
            yield batch
        if not checked:  # no rows: the header is checked all the same (a lone record may be there)
            names = self._header(path, csv_options)
            problem = header_problem(path.name, table, names) if names else None
            if problem:
                raise LifError(problem)
