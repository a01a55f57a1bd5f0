"""The children in need census XML, every collection year from 2017 to 2026, streamed and parsed
without DTDs, entity expansion or external resources: a file that declares any is refused
before anything in it is read (and one whose prolog cannot be checked goes through defusedxml).

Every table asked of a file comes from one reading of it. A plainly laid out return is cut into
runs of whole ``<Child>`` elements, each parsed in C; any other is read element by element.
Both ways give the same records and the same errors (see ``_layout``).

Three data-quality checks run on every record read, each reported as a warning naming the
file, element path and field (never the child or the date), ending with the check's name and
what was done, which ``lif data`` counts (see :data:`CHECKS`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

import attrs

from lif_core import (
    BATCH_SIZE,
    EARLIEST_DATE,
    LATEST_DATE,
    LEFT_OUT_BY,
    Batch,
    DataSourceAdapter,
    LifError,
    OptionValue,
    Record,
    default_themes,
    quiet_collector,
)

YEARS = range(2017, 2027)
#: Returns up to this size are parsed once per process and their records kept for every table.
SMALL_FILE = 8 * 1024 * 1024
TABLES = ("children", "referrals", "assessments", "section47", "cp-plans", "cin-plans")

#: Every field this adapter emits, and its kind: identifiers are pseudonymised and dates of
#: birth and death kept to the month by lif-core before anything else sees them.
FIELDS = {
    "child": "child-id",
    "upn": "child-id?",
    "former_upn": "child-id?",
    "birth_date": "dob",
    "expected_birth_date": "dob",
    "death_date": "dob",
    "referral_date": "date",
    "closure_date": "date",
    "initial_cpc": "date",
    "referral_nfa": "bool",
    "start": "date",
    "end": "date",
    "authorised": "date",
    "icpc_target": "date",
    "icpc_date": "date",
    "icpc_not_required": "bool",
    "previous_plans": "int",
    "collection_year": "int",
}


#: Tables read from elements repeated inside each CINdetails: the element, and each field's tag.
NESTED: dict[str, tuple[str, dict[str, str]]] = {
    "assessments": (
        "Assessments",
        {"start": "AssessmentActualStartDate", "authorised": "AssessmentAuthorisationDate"},
    ),
    "section47": (
        "Section47",
        {
            "start": "S47ActualStartDate",
            "icpc_target": "InitialCPCtarget",
            "icpc_date": "DateOfInitialCPC",
            "icpc_not_required": "ICPCnotRequired",
        },
    ),
    "cp-plans": (
        "ChildProtectionPlans",
        {
            "start": "CPPstartDate",
            "end": "CPPendDate",
            "initial_category": "InitialCategoryOfAbuse",
            "latest_category": "LatestCategoryOfAbuse",
            "previous_plans": "NumberOfPreviousCPP",
        },
    ),
    "cin-plans": ("CINPlanDates", {"start": "CINPlanStartDate", "end": "CINPlanEndDate"}),
}


#: The dates of each table the data-quality checks look at, the one the record starts on first
#: (an initial conference's target date is a plan, not an event, and may fall after the census).
EVENT_DATES: dict[str, tuple[str, ...]] = {
    "referrals": ("referral_date", "closure_date", "initial_cpc"),
    "assessments": ("start", "authorised"),
    "section47": ("start", "icpc_date"),
    "cp-plans": ("start", "end"),
    "cin-plans": ("start", "end"),
}


@functools.cache
def factor_codes(year: int) -> frozenset[str]:
    """Assessment factor codes valid in a collection year (from lif-core's CIN taxonomy)."""
    return frozenset(
        t.code for t in default_themes(("cin-assessment-factors",)).values() if t.since is not None and t.since <= year
    )


def _text(element: Element | None, tag: str) -> str | None:
    if element is None:
        return None
    found = element.find(tag)
    if found is None:
        return None
    return (found.text or "").strip()


def _raw(element: Element | None, tag: str) -> str | None:
    """An identifier exactly as written: padding is reported by the reader, never trimmed here."""
    if element is None:
        return None
    found = element.find(tag)
    return None if found is None else (found.text or "")


#: How much of a file's start is searched for the end of its prolog.
PROLOG_LIMIT = 1 << 16


def _prolog(path: Path) -> str:
    """``ok`` if the prolog declares no DTD, ``dtd`` if it does, ``unknown`` if it cannot be
    checked by looking at bytes (a UTF-16 or UTF-32 file, or no root element in the first 64 KiB)."""
    with path.open("rb") as handle:
        head = handle.read(PROLOG_LIMIT)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:1] == b"\x00" or head[1:2] == b"\x00":
        return "unknown"
    text = head.decode("latin-1")  # markup is ASCII in UTF-8 and every 8-bit encoding
    i = 3 if text.startswith("\xef\xbb\xbf") else 0
    while i < len(text):
        if text[i].isspace():
            i += 1
        elif text.startswith("<?", i):
            end = text.find("?>", i)
            if end < 0:
                return "unknown"
            i = end + 2
        elif text.startswith("<!--", i):
            end = text.find("-->", i)
            if end < 0:
                return "unknown"
            i = end + 3
        elif text.startswith("<!", i):
            return "dtd"  # <!DOCTYPE (or any other declaration) before the root
        elif text.startswith("<", i):
            return "ok"  # the root element: no DTD came before it
        else:
            return "ok"  # not well-formed: the parser will say where
    return "unknown"


def year_from_name(path: Path) -> int | None:
    years = [int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", path.name)]
    return years[-1] if years else None


#: The columns of each table, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "children": (
        "child",
        "collection_year",
        "upn",
        "former_upn",
        "birth_date",
        "expected_birth_date",
        "death_date",
        "sex",
        "ethnicity",
        "disabilities",
    ),
    "referrals": (
        "child",
        "collection_year",
        "referral_date",
        "referral_source",
        "primary_need",
        "closure_date",
        "closure_reason",
        "referral_nfa",
        "initial_cpc",
        LEFT_OUT_BY,
    ),
    **{
        table: (
            "child",
            "collection_year",
            "referral_date",
            *names,
            *(("factors",) if table == "assessments" else ()),
            LEFT_OUT_BY,
        )
        for table, (_element, names) in NESTED.items()
    },
}
#: Every column this adapter emits, declared (what is not declared is not read): identifiers,
#: dates of birth and dates as :data:`FIELDS` says, the rest as text.
DECLARED = {**{c: "text" for columns in COLUMNS.values() for c in columns}, **FIELDS}
_REFERRAL_FIELDS = COLUMNS["referrals"][3:-1]
_REFERRAL_TAGS = (
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "ReferralNFA",
    "DateOfInitialCPC",
)
#: Children read between two looks at the batches (the fast path parses this many at once).
CHUNK_BYTES = 65536
#: Memory stays flat whatever the file: a ``<Child>`` (or the ``<Header>``) is the only thing
#: held whole, and one larger than this much XML, or with more elements than this, is refused
#: (a census child is a few KB and a few hundred elements). Every other element is dropped as it
#: ends; outside a child, elements may nest this deep; and a stretch of the file this long in
#: which no element starts (one enormous tag, text or comment) is refused rather than buffered.
MAX_CHILD_BYTES = 1 << 20
MAX_CHILD_ELEMENTS = 20_000
MAX_DEPTH = 10_000
#: The longest run the fast path holds while looking for a ``</Child>`` to cut at; past it, the
#: rest of the file is read from events (which refuse a child over ``MAX_CHILD_BYTES``).
MAX_RUN = MAX_CHILD_BYTES
#: The most the fast path reads before ``<Children>`` (the header, a few hundred bytes in a
#: census); a file with more is read from events.
MAX_HEAD = 1 << 16


#: The data-quality checks, by the option that says what each does with what it finds
#: (``"exclude"`` or ``"keep"``): the check's name (as warnings and ``lif data`` give it) and
#: whether it leaves its findings out unless told otherwise.
CHECKS: dict[str, tuple[str, bool]] = {
    # An event dated after the census's reference date cannot be in the return (DfE's
    # validation refuses it); counted, it lands in a period after the census ended.
    "after_reference_date": ("after-reference-date", True),
    # A child protection plan starting before the same child's previous plan ended: which of
    # the two is wrong the return cannot say, so both are kept unless told otherwise.
    "overlapping_plans": ("overlapping-plans", False),
    # An event more than 40 weeks (280 days) before the child's date of birth, or expected date
    # of birth (DfE's rule 8606: work with an unborn child is recorded, but not before it was
    # conceived): usually a wrong date of birth, so kept unless told otherwise.
    "before_birth": ("before-birth", False),
}
#: Work before birth is recorded for an unborn child, but not more than this long before.
BEFORE_BIRTH = dt.timedelta(days=280)
OPTIONS = ("table", "year", *CHECKS)


class Screening(NamedTuple):
    """What each data-quality check does with what it finds: true to leave it out."""

    after_reference_date: bool = True
    overlapping_plans: bool = False
    before_birth: bool = False


DEFAULT_SCREENING = Screening()


def _options(path: Path, options: Mapping[str, OptionValue]) -> tuple[str, int | None, Screening]:
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise LifError(f"{path.name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(OPTIONS)}")
    table = options.get("table", "referrals")
    if table not in TABLES:
        raise LifError(f"{path.name}: option table must be one of {', '.join(TABLES)}, not {table!r}")
    forced = options.get("year")
    if forced is not None and (isinstance(forced, bool) or not isinstance(forced, int) or forced not in YEARS):
        raise LifError(f"{path.name}: option year must be a collection year from 2017 to 2026")
    screening = {}
    for option, (_check, exclude) in CHECKS.items():
        value = options.get(option, "exclude" if exclude else "keep")
        if value not in ("exclude", "keep"):
            raise LifError(f'{path.name}: option {option} must be "exclude" or "keep", not {value!r}')
        screening[option] = value == "exclude"
    return str(table), forced, Screening(**screening)


class CinCensusAdapter(DataSourceAdapter):
    """The CIN census return (XML), one table of records at a time, or several from one
    reading of the file.

    Options: ``table`` (``referrals`` by default; also ``children``, ``assessments``,
    ``section47``, ``cp-plans``, ``cin-plans``), ``year`` (the collection year, when neither the
    header nor the file name gives it), and what each data-quality check does with the records
    it finds, ``"exclude"`` (their dates are emptied, so no indicator counts them) or ``"keep"``:
    ``after_reference_date`` (``"exclude"`` by default), ``overlapping_plans`` and
    ``before_birth`` (``"keep"`` by default). Each finding is a warning either way. Locations
    are element paths (``Message/Children/Child[3]/CINdetails[1]/Assessments[2]``).
    """

    name = "cin-census"
    title = "Children in need census (XML, 2017-2026)"
    suffixes = (".xml",)

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        return DECLARED

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        for _index, batch in self.batches_for(path, [options], [columns]):
            yield batch

    def batches_for(
        self,
        path: Path,
        options: Sequence[Mapping[str, OptionValue]],
        columns: Sequence[Collection[str] | None] | None = None,
    ) -> Iterator[tuple[int, Batch]]:
        """Every table asked for from one reading of the file (one per forced year). Of a large
        file, only the fields in ``columns`` are taken from each element (the identifiers,
        year and referral date always are); a small one is read whole, once, and kept."""
        wanted = [_options(path, o) for o in options]
        hints: dict[str, set[str] | None] = {}  # per table: the fields any reading wants (None: all)
        for index, (table, _forced, _screening) in enumerate(wanted):
            hint = columns[index] if columns is not None else None
            so_far = hints.get(table, set())
            hints[table] = None if hint is None or so_far is None else so_far | set(hint)
        # One reading for each forced year and choice of what the checks leave out.
        by_reading: dict[tuple[int | None, Screening], list[int]] = {}
        for index, (_table, forced, screening) in enumerate(wanted):
            by_reading.setdefault((forced, screening), []).append(index)
        with _reading(path):
            for (forced, screening), indexes in by_reading.items():
                tables = tuple(dict.fromkeys(wanted[i][0] for i in indexes))
                size = path.stat().st_size
                if size <= SMALL_FILE:
                    # A small return is parsed once per process for all the tables asked of it,
                    # as wanted (every field of every table where a reading wants all fields,
                    # shared by any later reading); a large one streams.
                    mtime = path.stat().st_mtime_ns
                    if all(hints[t] is not None for t in tables):
                        wanted_fields = tuple(sorted((t, frozenset(hints[t] or ())) for t in tables))
                        parsed = _parsed(str(path), size, mtime, forced, screening, wanted_fields)
                    else:
                        parsed = _parsed(str(path), size, mtime, forced, screening)
                    for index in indexes:
                        for batch in parsed[wanted[index][0]]:
                            yield index, batch
                    continue
                for table, batch in self._parse(path, tables, forced, hints, screening):
                    for index in indexes:
                        if wanted[index][0] == table:
                            yield index, batch

    def check(self, path: Path, options: Mapping[str, OptionValue]) -> list[str]:
        """Whether the return opens: its options, and the file up to the end of its first
        child (no DTD or entity, the root ``<Message>``, the header's collection year, the size
        limits), read from events and no further. A fault after that is found by reading the
        file (``lif data``, the indicators), which names its line and column."""
        if path.suffix.lower() not in self.suffixes:
            return [f"{path.name} does not end in {' or '.join(self.suffixes)}"]
        try:
            _table, forced, _screening = _options(path, options)
            out = _Tables(path, (), forced, {}, DEFAULT_SCREENING)
            with _reading(path):
                for _first in _children_streamed(path, out):
                    break
                if out.year is None:  # no child, or no header before it: the year as reading finds it
                    out.header(None)
        except LifError as exc:
            return [str(exc)]
        return []

    def _parse(
        self,
        path: Path,
        tables: tuple[str, ...],
        forced: int | None,
        hints: Mapping[str, Collection[str] | None] | None = None,
        screening: Screening = DEFAULT_SCREENING,
    ) -> Iterator[tuple[str, Batch]]:
        out = _Tables(path, tables, forced, hints or {}, screening)
        layout = _layout(path)
        done = 0  # children read by the fast path, if it had to stop
        if layout is not None:
            try:
                for chunk, first_line, first_column in _chunks(path, layout, out):
                    with quiet_collector():  # the chunk's elements are made and dropped with the collector paused
                        _add_chunk(out, layout, chunk, first_line, first_column)
                    yield from out.full()
                yield from out.rest()
                return
            except _NoCut:
                done, out.children = out.child, 0  # go on from events, after the children already read
        for where, child in _children_streamed(path, out):
            if out.child > done:
                out.add(child, where)
                yield from out.full()
        yield from out.rest()


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """What goes wrong reading the file, as one line naming it."""
    try:
        yield
    except ValueError as exc:  # defusedxml's refusals are ValueErrors (imported only where used)
        defused = sys.modules.get("defusedxml")
        if defused is None or not isinstance(exc, defused.DefusedXmlException):
            raise
        raise LifError(
            f"{path.name}: refused: the file declares a DTD, entities or external references "
            f"({type(exc).__name__}); CIN census files never need them, and they can be used to attack the "
            "reader (entity expansion)"
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise LifError(f"{path.name}: line {line}, column {column}: not well-formed XML ({exc})") from None
    except OSError as exc:
        raise LifError(f"{path.name}: cannot read: {exc.strerror}") from None
    except LookupError:
        raise LifError(
            f"{path.name}: its XML declaration names an encoding Python does not know; save it as UTF-8"
        ) from None


class _Tables:
    """Rows of the tables being read, handed on a batch at a time."""

    def __init__(
        self,
        path: Path,
        tables: tuple[str, ...],
        forced: int | None,
        hints: Mapping[str, Collection[str] | None],
        screening: Screening,
    ) -> None:
        self.path, self.tables, self.forced, self.screening = path, tables, forced, screening
        # Each table's columns, and the element tags read for them: the identifiers, year and
        # referral date always; the rest only if wanted.
        self.columns: dict[str, tuple[str, ...]] = {}
        self.tags: dict[str, tuple[str, ...]] = {}
        for table in tables:
            hint = hints.get(table)
            if table == "children":
                self.columns[table] = COLUMNS[table]
                continue
            named = (
                dict(zip(_REFERRAL_FIELDS, _REFERRAL_TAGS, strict=True)) if table == "referrals" else NESTED[table][1]
            )
            keep = {n: t for n, t in named.items() if hint is None or n in hint}
            factors = table == "assessments" and (hint is None or "factors" in hint)
            self.columns[table] = (
                "child",
                "collection_year",
                "referral_date",
                *keep,
                *(("factors",) if factors else ()),
                LEFT_OUT_BY,  # the check that left the record out, if one did: no indicator counts it
            )
            self.tags[table] = tuple(keep.values())
        self.named = year_from_name(path)
        self.year: int | None = None
        self.reference = ""  # the census's reference date (ISO), once the header is read
        self.notes: list[tuple[str, str]] = []
        # Each table's dates the checks look at, by position in its rows, with whether the
        # record starts on it.
        self.dates: dict[str, tuple[tuple[int, str, bool], ...]] = {
            t: tuple(
                (self.columns[t].index(name), name, n == 0)
                for n, name in enumerate(EVENT_DATES[t])
                if name in self.columns[t]
            )
            for t in tables
            if t in EVENT_DATES
        }
        # Each table's pending rows, their places and warnings (the same lists throughout: a
        # batch takes a copy and they are emptied).
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in tables}
        self.places: dict[str, list[Any]] = {t: [] for t in tables}  # as _place reads them
        self.warnings: dict[str, list[tuple[int, str, str]]] = {t: [] for t in tables}
        self.children = 0  # <Children> elements seen
        self.child = 0  # <Child> elements in the current one
        # What _rows does for every child, worked out once.
        self.want_children = "children" in tables
        self.referrals = (
            (
                self.rows["referrals"],
                self.places["referrals"],
                self.tags["referrals"],
                self.dates["referrals"],
                self.warnings["referrals"],
            )
            if "referrals" in tables
            else None
        )
        self.nested = [
            (
                NESTED[t][0],
                self.tags[t],
                "factors" in self.columns[t],
                self.rows[t],
                self.places[t],
                self.warnings[t],
                self.dates[t],
                t == "cp-plans",
            )
            for t in tables
            if t in NESTED
        ]

    def header(self, header: Element | None) -> None:
        if self.year is not None:
            return  # read already (the event parser going on where the fast path stopped)
        details = header.find("CollectionDetails") if header is not None else None
        given = _text(details, "Year")
        self.year, self.notes = _year(self.path, self.forced, given, self.named)
        self.reference, note = _reference(_text(details, "ReferenceDate"), self.forced, given, self.named)
        if note:
            self.notes.append(("Header/CollectionDetails/ReferenceDate", note))

    def add(self, child: Element, where: str) -> None:
        if self.year is None:
            self.header(None)
        if self.notes:
            before = {t: len(self.rows[t]) for t in self.tables}
            _rows(self, child, where)
            for table in self.tables:
                if len(self.rows[table]) > before[table]:
                    self.warnings[table].extend((before[table], field, message) for field, message in self.notes)
                    if len(self.tables) == 1:
                        self.notes = []
            if len(self.tables) > 1:
                self.notes = []
        else:
            _rows(self, child, where)

    def _take(self, table: str) -> Batch:
        rows, places, warnings = self.rows[table], self.places[table], self.warnings[table]
        taken = places[:]
        batch = Batch.from_rows(self.columns[table], rows, lambda row: _place(taken[row]), warnings)
        rows.clear()
        places.clear()
        warnings.clear()
        return batch

    def full(self) -> Iterator[tuple[str, Batch]]:
        for table in self.tables:
            if len(self.rows[table]) >= BATCH_SIZE:
                yield table, self._take(table)

    def rest(self) -> Iterator[tuple[str, Batch]]:
        for table in self.tables:
            if self.rows[table]:
                yield table, self._take(table)


def _year(path: Path, forced: int | None, header: str | None, named: int | None) -> tuple[int, list[tuple[str, str]]]:
    notes: list[tuple[str, str]] = []
    from_header = int(header) if header and header.isdigit() else None
    if forced is not None:
        return forced, notes
    if from_header is not None and named is not None and from_header != named:
        notes.append(
            (
                "Header/CollectionDetails/Year",
                f"the header says {from_header} but the file name says {named}: read as {from_header}",
            )
        )
    year = from_header or named
    if year is None:
        raise LifError(f"{path.name}: no collection year in the header or the file name: set option year")
    if year not in YEARS:
        notes.append(("Header/CollectionDetails/Year", f"{year} is outside 2017-2026: read with the 2026 rules"))
        year = 2026
    return year, notes


def _reference(given: str | None, forced: int | None, year: str | None, named: int | None) -> tuple[str, str]:
    """The census's reference date (ISO): the header's, else 31 March of the collection year
    (as the option, the header or the file name gives it); and a note if the header's is not
    a date."""
    from_header = int(year) if year and year.isdigit() else None
    fallback = f"{forced or from_header or named or 2026:04d}-03-31"
    if not given:
        return fallback, ""
    if not _real_date(given):
        return fallback, f"the reference date is not a date (YYYY-MM-DD): events are checked against {fallback}"
    return given, ""


def _real_date(value: str) -> bool:
    """Whether ``value`` is a date as the reader takes one (``YYYY-MM-DD``, 1900 to 2100): only
    those are checked; the reader reports any other as not a date."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        day = dt.date(int(value[0:4]), int(value[5:7]), int(value[8:10]))
    except ValueError:
        return False
    return EARLIEST_DATE <= day <= LATEST_DATE


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


#: What a check that left a whole record out did.
_LEFT_OUT = "the record is left out: its dates are emptied, so no indicator counts it"


def _screened(
    out: _Tables,
    row: tuple[Any, ...],
    dates: tuple[tuple[int, str, bool], ...],
    born: str | None,
    warnings: list[tuple[int, str, str]],
    index: int,
) -> tuple[tuple[Any, ...], bool]:
    """``row`` (record ``index`` of its table) as the checks of dates after the reference date
    and before birth leave it, with a warning for each that found it; and whether it is left
    out. ``born`` is the child's date of birth (or expected date of birth) as written. Called
    only for a row with a date after the reference date or before ``born``."""
    reference, screening, gone = out.reference, out.screening, False
    late = [(p, name, starts) for p, name, starts in dates if (v := row[p]) and v > reference and _real_date(v)]
    if late:
        fields = [name for _p, name, _s in late]
        also = f", as {_and(fields[1:])} {'is' if len(fields) == 2 else 'are'}" if len(fields) > 1 else ""
        if not screening.after_reference_date:
            outcome = "kept as given, so it counts in a period after the census ended [after-reference-date: kept]"
        elif any(starts for _p, _n, starts in late):
            gone, emptied = True, {p for p, _n, _s in dates}
            outcome = f"{_LEFT_OUT} [after-reference-date: left out]"
            row = (*row[:-1], "after-reference-date")
        else:
            emptied = {p for p, _n, _s in late}
            what = "it" if len(fields) == 1 else "they"
            outcome = f"emptied, as {what} had not happened by then [after-reference-date: left out]"
        if screening.after_reference_date:
            row = tuple(None if i in emptied else v for i, v in enumerate(row))
        warnings.append((index, fields[0], f"is after the census reference date ({reference}){also}: {outcome}"))
    if gone or not born or not _real_date(born):
        return row, gone
    floor = (dt.date.fromisoformat(born) - BEFORE_BIRTH).isoformat()
    early = [name for p, name, _s in dates if (v := row[p]) and v < floor and _real_date(v)]
    if early:
        also = f", as {_and(early[1:])} {'is' if len(early) == 2 else 'are'}" if len(early) > 1 else ""
        if screening.before_birth:
            gone = True
            row = tuple(None if i in {p for p, _n, _s in dates} else v for i, v in enumerate(row))
            row = (*row[:-1], "before-birth")
            outcome = f"{_LEFT_OUT} [before-birth: left out]"
        else:
            outcome = "kept as given: check the date of birth [before-birth: kept]"
        warnings.append(
            (index, early[0], f"is more than 40 weeks before the child was born (or is due){also}: {outcome}")
        )
    return row, gone


#: An open plan's end, for comparing.
_OPEN = "9999-12-31"


def _overlapping(
    out: _Tables,
    plans: list[tuple[Element, int, int, int, bool]],
    rows: list[tuple[Any, ...]],
    warnings: list[tuple[int, str, str]],
) -> None:
    """Check a child's child protection plans (element, its CINdetails and its place among
    them, row, left out already) for one starting before an earlier one ended, by the dates as
    written."""
    dated = []
    for order, (plan, n, m, index, gone) in enumerate(plans):
        start, end = (plan.findtext("CPPstartDate") or "").strip(), (plan.findtext("CPPendDate") or "").strip()
        if not gone and _real_date(start):
            dated.append((start, order, end, index, f"CINdetails[{n}]/ChildProtectionPlans[{m}]"))
    dated.sort()
    exclude = out.screening.overlapping_plans
    positions = {p for p, _n, _s in out.dates["cp-plans"]}
    latest, latest_place = "", ""  # the latest end of the plans before, and that plan's place
    for start, _order, end, index, place in dated:
        if latest_place and start < latest:
            if exclude:
                emptied = tuple(None if i in positions else v for i, v in enumerate(rows[index]))
                rows[index] = (*emptied[:-1], "overlapping-plans")
                outcome = f"{_LEFT_OUT.replace('record', 'plan')} [overlapping-plans: left out]"
            else:
                outcome = "kept as given, so the child is on two plans at once [overlapping-plans: kept]"
            warnings.append(
                (index, "start", f"starts before the plan at {latest_place} of the same child ended: {outcome}")
            )
            if exclude:
                continue
        ends = _OPEN if not end else end if _real_date(end) and end >= start else start
        if ends > latest or not latest_place:
            latest, latest_place = ends, place


def _place(place: str | tuple[Any, ...]) -> str:
    """A record's element path from what ``_rows`` keeps of it: the path itself (a child), or
    the child's path with the places of the CINdetails and the nested element in it, made into
    a path only when asked for (most records are never named)."""
    if type(place) is str:
        return place
    if len(place) == 2:
        return f"{place[0]}/CINdetails[{place[1]}]"
    return f"{place[0]}/CINdetails[{place[1]}]/{place[2]}[{place[3]}]"


def _rows(out: _Tables, child: Element, where: str) -> None:
    """Add one child's rows to every table being read.

    This runs for every child of a census, so it leans on the C parts of ElementTree
    (``findtext`` and ``findall`` with plain tag names never enter Python code) and does
    nothing per child that could be done once.
    """
    year = out.year
    ids = child.find("ChildIdentifiers")
    cid = ids.findtext("LAchildID") if ids is not None else None  # as written: padding is reported later
    if out.want_children:
        _child_row(out, child, ids, cid, year, where)
    referrals, nested = out.referrals, out.nested
    if referrals is None and not nested:
        return
    # The checks of dates before birth compare with this (the expected date for an unborn child).
    born = ids.findtext("PersonBirthDate") or ids.findtext("ExpectedPersonBirthDate") if ids is not None else None
    born = born.strip() or None if born else None
    reference = out.reference
    plans: list[tuple[Element, int, int, int, bool]] = []  # the child's plans: element, places, row, left out
    row: tuple[Any, ...]
    for n, episode in enumerate(child.findall("CINdetails"), start=1):
        referral_date = episode.findtext("CINreferralDate")
        if referral_date:
            referral_date = referral_date.strip()
        if referrals is not None:
            rows, places, tags, dates, warnings = referrals
            if tags:
                row = (cid, year, referral_date, *[v.strip() if v else v for v in map(episode.findtext, tags)], None)
            else:
                row = (cid, year, referral_date, None)
            for position, _name, _starts in dates:  # a quick look first: rows to look at closer are few
                value = row[position]
                if value and (value > reference or (born is not None and value < born)):
                    row = _screened(out, row, dates, born, warnings, len(rows))[0]
                    break
            rows.append(row)
            places.append((where, n))
        for element, tags, factors_wanted, rows, places, warnings, dates, is_plans in nested:
            for m, item in enumerate(episode.findall(element), start=1):
                values = [v.strip() if v else v for v in map(item.findtext, tags)]
                if factors_wanted:
                    factors = [(f.text or "").strip() for f in item.iter("AssessmentFactors")]
                    values.append(";".join(factors))
                    known = factor_codes(year)
                    for code in factors:
                        if code not in known:
                            message = f"assessment factor {code!r} is not a {year} CIN census code; kept as given"
                            warnings.append((len(rows), "factors", message))
                row, gone = (cid, year, referral_date, *values, None), False
                for position, _name, _starts in dates:
                    value = row[position]
                    if value and (value > reference or (born is not None and value < born)):
                        row, gone = _screened(out, row, dates, born, warnings, len(rows))
                        break
                if is_plans:
                    plans.append((item, n, m, len(rows), gone))
                rows.append(row)
                places.append((where, n, element, m))
    if len(plans) > 1:
        _overlapping(out, plans, out.rows["cp-plans"], out.warnings["cp-plans"])


def _child_row(
    out: _Tables, child: Element, ids: Element | None, cid: str | None, year: int | None, where: str
) -> None:
    traits = child.find("ChildCharacteristics")
    disabilities = [(d.text or "").strip() for d in child.iter("Disability")]
    sex = _text(ids, "Sex")
    out.rows["children"].append(
        (
            cid,
            year,
            _raw(ids, "UPN"),
            _raw(ids, "FormerUPN"),
            _text(ids, "PersonBirthDate"),
            _text(ids, "ExpectedPersonBirthDate"),
            _text(ids, "PersonDeathDate"),
            sex if sex is not None else _text(ids, "GenderCurrent"),
            _text(traits, "Ethnicity"),
            ";".join(disabilities),
        )
    )
    out.places["children"].append(where)


# --------------------------------------------------------------------------- reading the XML


def _events(path: Path, source: Any) -> Iterator[tuple[str, Element]]:
    """Start and end events, never expanding an entity or fetching anything.

    The prolog (everything before the root element) is checked first: a DTD can only be
    declared there, so a file without one cannot define entities or external references,
    and the standard library's fast parser is then as safe as defusedxml (which forces
    the slower pure-Python parser); only the five predefined entities exist, and any other
    reference is a parse error. A file whose prolog cannot be checked this way (UTF-16, an
    enormous prolog) goes through defusedxml itself.
    """
    verdict = _prolog(path)
    if verdict in ("dtd", "unknown"):  # (defusedxml imported only for these)
        from defusedxml import DTDForbidden
        from defusedxml.ElementTree import iterparse
    if verdict == "dtd":
        raise DTDForbidden(None, None, None)  # reported as a refusal by read()
    if verdict == "unknown":
        defused: Iterator[tuple[str, Element]] = iterparse(
            source, events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        return defused
    return ElementTree.iterparse(source, events=("start", "end"))


def _root(path: Path, element: Element) -> None:
    if element.tag != "Message":
        raise LifError(f"{path.name}: the root element is <{element.tag}>, not <Message>: not a CIN census file")


class _TooLong(Exception):
    """A stretch of the file longer than ``MAX_CHILD_BYTES`` in which no element starts."""


class _Counted:
    """A file as the XML parser reads it, counting the bytes read; reading past ``mark`` +
    ``MAX_CHILD_BYTES`` (the reader moves the mark on as each element starts) raises
    ``_TooLong``, so no tag, text or comment is ever buffered past that."""

    def __init__(self, raw: Any) -> None:
        self.raw, self.total, self.mark = raw, 0, 0

    def read(self, size: int = -1) -> bytes:
        if self.total - self.mark > MAX_CHILD_BYTES:
            raise _TooLong
        data: bytes = self.raw.read(size)
        self.total += len(data)
        return data


def _too_big(path: Path, where: str, what: str) -> LifError:
    return LifError(
        f"{path.name}: {where}: {what}; a census child is a few KB: check that this is the census return, "
        "or split the file"
    )


def _children_streamed(path: Path, out: _Tables) -> Iterator[tuple[str, Element]]:
    """Each ``<Child>`` with its element path, from events: for any well-formed file.

    Memory stays flat: the ``<Child>`` or ``<Header>`` being read is held whole (up to
    ``MAX_CHILD_BYTES`` of XML and ``MAX_CHILD_ELEMENTS`` elements); every other element is
    removed from its parent as it ends, and outside them nesting is held to ``MAX_DEPTH``."""
    with path.open("rb") as raw:
        source = _Counted(raw)
        stack: list[Element] = []  # the open elements outside the one held whole
        held: Element | None = None  # the Child or Header being read whole
        inner = 0  # its open descendants
        elements = 0  # its elements so far
        began = 0  # the bytes read when it began

        def place() -> str:
            if held is None:
                return "/".join(e.tag for e in stack[:8]) or "the start of the file"
            if held.tag == "Header":
                return "Message/Header"
            return f"Message/Children[{out.children}]/Child[{out.child + 1}]"

        try:
            for event, element in _events(path, source):
                if event == "start":
                    source.mark = source.total
                    if held is not None:
                        inner += 1
                        elements += 1
                        if elements > MAX_CHILD_ELEMENTS:
                            raise _too_big(
                                path, place(), f"more than {MAX_CHILD_ELEMENTS:,} elements in one <{held.tag}>"
                            )
                        if source.total - began > MAX_CHILD_BYTES:
                            raise _too_big(
                                path, place(), f"more than {MAX_CHILD_BYTES:,} bytes of XML in one <{held.tag}>"
                            )
                        continue
                    depth = len(stack)
                    if depth == 0:
                        _root(path, element)
                    elif depth == 1:
                        if element.tag == "Children":
                            out.children += 1
                            out.child = 0
                        elif element.tag == "Header":
                            held, inner, elements, began = element, 0, 1, source.total
                    elif depth == 2 and element.tag == "Child" and stack[1].tag == "Children":
                        held, inner, elements, began = element, 0, 1, source.total
                    if held is None:
                        stack.append(element)
                        if depth >= MAX_DEPTH:
                            raise _too_big(path, place(), f"elements nested more than {MAX_DEPTH:,} deep")
                    continue
                if inner:
                    inner -= 1
                    continue
                if element is held:
                    held = None
                    if element.tag == "Header":
                        out.header(element)
                    else:
                        out.child += 1
                        yield f"Message/Children[{out.children}]/Child[{out.child}]", element
                else:
                    stack.pop()
                if stack:
                    stack[-1].remove(element)  # nothing read stays: memory is flat
        except _TooLong:
            raise _too_big(
                path,
                place(),
                f"more than {MAX_CHILD_BYTES:,} bytes with no element starting (an enormous tag, text or comment)",
            ) from None


@attrs.frozen
class _Layout:
    """Where the parts of a plainly laid out return are: everything up to ``<Children>``
    (parsed on its own), the children, and the closing tags."""

    declaration: bytes  # the XML declaration, which says the encoding, or b""
    body: int  # the offset just after <Children>
    end: int  # the offset of </Children>


def _layout(path: Path) -> _Layout | None:
    """The layout of a return the fast path can read, or ``None`` to read it from events.

    The fast path cuts the children into runs at ``</Child>`` and parses each run whole in C.
    That is exact only if ``</Child>`` can mean nothing else, so it is taken only when the file
    has no DTD, one ``<Children>`` element written plainly, only ``</Message>`` after it, and
    no comment, CDATA section, processing instruction or declaration after the prolog (the
    only places ``</Child>`` could appear as text): one sequential read checks all that.
    """
    if _prolog(path) != "ok":
        return None  # a DTD is refused, and a prolog that cannot be checked goes to defusedxml
    body = end = -1
    tail = carry = b""
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            data = carry + block
            base = offset - len(carry)
            if body < 0:
                found = data.find(b"<Children>")
                if found >= 0:
                    body = base + found + len(b"<Children>")
            if body >= 0:
                start = max(0, body - base)
                if _declares(data, start):
                    return None
                # "Children" is rare (no other tag holds it): each one must be the closing tag.
                # Looked at: matches with "</" before and ">" after inside data, not seen before.
                found = data.find(b"Children", max(start, 4 if carry else 2), len(data) - 1)
                while found >= 0:
                    if end >= 0 or not data.startswith(b"</Children>", found - 2):
                        return None
                    end = base + found - 2
                    found = data.find(b"Children", found + 8, len(data) - 1)
            offset += len(block)
            carry = data[-12:]  # a tag cut by the block's end is looked at with the next block
            tail = (tail + block)[-64:]
    if body < 0 or end < 0 or body > MAX_HEAD or not re.search(rb"</Children>\s*</Message>\s*$", tail):
        return None  # (more than MAX_HEAD before <Children> is read from events, never held whole)
    with path.open("rb") as handle:
        head = handle.read(min(body, PROLOG_LIMIT))
    stripped = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    declaration = stripped[: stripped.index(b"?>") + 2] if stripped.startswith(b"<?xml") else b""
    return _Layout(declaration, body, end)


def _declares(data: bytes, start: int) -> bool:
    """Whether ``data`` from ``start`` holds ``<!`` or ``<?`` (a comment, CDATA section,
    declaration or processing instruction). ``!`` and ``?`` are rare in a census, so they are
    looked for first (a fast byte search) and then checked for a ``<`` before them."""
    for mark in (b"!", b"?"):
        found = data.find(mark, max(start, 1))
        while found >= 0:
            if data[found - 1] == 0x3C:  # "<"
                return True
            found = data.find(mark, found + 1)
    return False


class _NoCut(Exception):
    """The fast path cannot go on (no place to cut the children into runs, or not the layout
    it reads): the event parser takes over."""


def _chunks(path: Path, layout: _Layout, out: _Tables) -> Iterator[tuple[bytes, int, int]]:
    """The header read, then runs of whole ``<Child>`` elements as bytes, each with the line
    and column it starts at."""
    with path.open("rb") as handle:
        head = handle.read(layout.body)
        try:
            root = ElementTree.fromstring(head + b"</Children></Message>")
        except ParseError:
            # Not <Message>...<Children> as a census lays it out (<Children> inside another
            # element, or a bad header): the event parser reads it, and names any error.
            raise _NoCut from None
        _root(path, root)
        out.header(root.find("Header"))
        out.children = 1
        line = 1 + head.count(b"\n")
        column = len(head) - head.rfind(b"\n") - 1
        left = layout.end - layout.body
        carry = b""
        while left > 0:
            block = handle.read(min(CHUNK_BYTES, left))
            if not block:
                break
            left -= len(block)
            data = carry + block
            cut = data.rfind(b"</Child>") + len(b"</Child>") if left > 0 else len(data)
            if cut < len(b"</Child>"):
                if len(data) > MAX_RUN:
                    raise _NoCut  # no </Child> in sight (written "</Child >"?): memory would grow
                carry = data
                continue
            chunk, carry = data[:cut], data[cut:]
            yield chunk, line, column
            breaks = chunk.count(b"\n")
            line += breaks
            column = len(chunk) - chunk.rfind(b"\n") - 1 if breaks else column + len(chunk)
        if carry:
            yield carry, line, column


def _add_chunk(out: _Tables, layout: _Layout, chunk: bytes, line: int, column: int) -> None:
    prefix = layout.declaration + b"<Children>"
    try:
        run = ElementTree.fromstring(prefix + chunk + b"</Children>")
    except ParseError as exc:
        at_line, at_column = getattr(exc, "position", (1, 0))
        if at_line == 1:
            at_column = column + at_column - len(prefix)
        message = str(exc).split(":")[0]
        error = ParseError(f"{message}: line {line + at_line - 1}, column {at_column}")
        error.position = (line + at_line - 1, at_column)
        raise error from None
    big = len(chunk) >= 4 * MAX_CHILD_ELEMENTS  # could hold a child with too many elements
    for child in run:
        if child.tag != "Child":
            continue
        if big and sum(1 for _ in child.iter()) > MAX_CHILD_ELEMENTS:
            # As the event parser says (the file is the same, whichever way it is read).
            where = f"Message/Children[1]/Child[{out.child + 1}]"
            raise _too_big(out.path, where, f"more than {MAX_CHILD_ELEMENTS:,} elements in one <Child>")
        out.child += 1
        out.add(child, f"Message/Children[1]/Child[{out.child}]")


@functools.lru_cache(maxsize=4)
def _parsed(
    path: str,
    _size: int,
    _mtime: int,
    forced: int | None,
    screening: Screening,
    fields: tuple[tuple[str, frozenset[str]], ...] | None = None,
) -> dict[str, tuple[Batch, ...]]:
    """Tables of a small return from one parse (keyed by path, size and modification time, so
    a changed file is read again, and by what the checks leave out): the tables ``fields``
    names, each with the fields it names taken (as a large return's reading takes them), or
    every table whole."""
    tables = TABLES if fields is None else tuple(t for t, _f in fields)
    hints = None if fields is None else dict(fields)
    out: dict[str, list[Batch]] = {t: [] for t in tables}
    for table, batch in CinCensusAdapter()._parse(Path(path), tables, forced, hints, screening):
        out[table].append(batch)
    return {t: tuple(batches) for t, batches in out.items()}
