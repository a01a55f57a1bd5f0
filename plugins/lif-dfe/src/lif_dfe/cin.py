"""The children in need census XML, every collection year from 2017 to 2026, streamed a child
at a time and parsed without DTDs, entity expansion or external resources (defusedxml): a file
that declares any is refused before anything in it is read."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import iterparse

from lif_core import DataSourceAdapter, LifError, Record
from lif_core.board import default_themes
from lif_core.model import OptionValue

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


class CinCensusAdapter(DataSourceAdapter):
    """The CIN census return (XML), one table of records at a time.

    Options: ``table`` (``referrals`` by default; also ``children``, ``assessments``,
    ``section47``, ``cp-plans``, ``cin-plans``), ``year`` (the collection year, when neither the
    header nor the file name gives it). Locations are element paths
    (``Message/Children/Child[3]/CINdetails[1]/Assessments[2]``).
    """

    name = "cin-census"
    title = "Children in need census (XML, 2017-2026)"
    suffixes = (".xml",)

    def field_specs(self, options: Mapping[str, OptionValue], columns: Sequence[str] = ()) -> Mapping[str, str]:
        return FIELDS

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        unknown = sorted(set(options) - {"table", "year"})
        if unknown:
            raise LifError(f"{path.name}: unknown option(s) {', '.join(unknown)}; known: table, year")
        table = options.get("table", "referrals")
        if table not in TABLES:
            raise LifError(f"{path.name}: option table must be one of {', '.join(TABLES)}, not {table!r}")
        forced = options.get("year")
        if forced is not None and (isinstance(forced, bool) or not isinstance(forced, int) or forced not in YEARS):
            raise LifError(f"{path.name}: option year must be a collection year from 2017 to 2026")
        try:
            size = path.stat().st_size
            if size <= SMALL_FILE:
                # A small return is parsed once per process for all its tables (a board's
                # measures often read several tables of one census); a large one streams.
                yield from _parsed(str(path), size, path.stat().st_mtime_ns, forced)[str(table)]
            else:
                for _table, record in self._parse(path, (str(table),), forced):
                    yield record
        except DefusedXmlException as exc:
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

    @staticmethod
    def _events(path: Path) -> Iterator[tuple[str, Element]]:
        """Start and end events, never expanding an entity or fetching anything.

        The prolog (everything before the root element) is checked first: a DTD can only be
        declared there, so a file without one cannot define entities or external references,
        and the standard library's fast parser is then as safe as defusedxml (which forces
        the slower pure-Python parser); only the five predefined entities exist, and any other
        reference is a parse error. A file whose prolog cannot be checked this way (UTF-16, an
        enormous prolog) goes through defusedxml itself.
        """
        verdict = _prolog(path)
        if verdict == "dtd":
            raise DTDForbidden(None, None, None)  # reported as a refusal by read()
        if verdict == "unknown":
            defused: Iterator[tuple[str, Element]] = iterparse(
                str(path), events=("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
            )
            return defused
        return ElementTree.iterparse(str(path), events=("start", "end"))

    def _parse(self, path: Path, tables: tuple[str, ...], forced: int | None) -> Iterator[tuple[str, Record]]:
        year: int | None = forced
        notes: list[tuple[str, str]] = []
        named = year_from_name(path)
        depth = 0
        children: Element | None = None
        counts = {"Children": 0, "Child": 0}
        for event, element in self._events(path):
            if event == "start":
                # Only the top levels matter on the way in; the loop stays small because it
                # runs for every element of the file.
                if depth == 0 and element.tag != "Message":
                    raise LifError(
                        f"{path.name}: the root element is <{element.tag}>, not <Message>: not a CIN census file"
                    )
                if depth == 1 and element.tag == "Children":
                    children = element
                    counts["Children"] += 1
                    counts["Child"] = 0
                depth += 1
                continue
            depth -= 1
            if depth != 2 and not (depth == 1 and element.tag == "Header"):
                continue
            tag = element.tag
            if tag == "Header":
                header_year = _text(element.find("CollectionDetails"), "Year")
                year, notes = self._year(path, forced, header_year, named)
            elif tag == "Child":
                counts["Child"] += 1
                if year is None:
                    year, notes = self._year(path, forced, None, named)
                where = f"Message/Children[{counts['Children']}]/Child[{counts['Child']}]"
                for table in tables:
                    for record in self._records(element, where, table, year):
                        if notes:
                            record = Record(record.location, record.fields, (*notes, *record.warnings))
                            if len(tables) == 1:
                                notes = []
                        yield table, record
                if len(tables) > 1:
                    notes = []
                if children is not None:
                    children.remove(element)  # keep memory flat: nothing of a read child stays

    @staticmethod
    def _year(
        path: Path, forced: int | None, header: str | None, named: int | None
    ) -> tuple[int, list[tuple[str, str]]]:
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

    def _records(self, child: Element, where: str, table: str, year: int) -> Iterator[Record]:
        ids = child.find("ChildIdentifiers")
        base: dict[str, Any] = {"child": _raw(ids, "LAchildID"), "collection_year": year}
        if table == "children":
            traits = child.find("ChildCharacteristics")
            disabilities = [(d.text or "").strip() for d in child.iter("Disability")]
            sex = _text(ids, "Sex")
            yield Record(
                where,
                {
                    **base,
                    "upn": _raw(ids, "UPN"),
                    "former_upn": _raw(ids, "FormerUPN"),
                    "birth_date": _text(ids, "PersonBirthDate"),
                    "expected_birth_date": _text(ids, "ExpectedPersonBirthDate"),
                    "death_date": _text(ids, "PersonDeathDate"),
                    "sex": sex if sex is not None else _text(ids, "GenderCurrent"),
                    "ethnicity": _text(traits, "Ethnicity"),
                    "disabilities": ";".join(disabilities),
                },
            )
            return
        for n, episode in enumerate(child.findall("CINdetails"), start=1):
            here = f"{where}/CINdetails[{n}]"
            referral = {**base, "referral_date": _text(episode, "CINreferralDate")}
            if table == "referrals":
                yield Record(
                    here,
                    {
                        **referral,
                        "referral_source": _text(episode, "ReferralSource"),
                        "primary_need": _text(episode, "PrimaryNeedCode"),
                        "closure_date": _text(episode, "CINclosureDate"),
                        "closure_reason": _text(episode, "ReasonForClosure"),
                        "referral_nfa": _text(episode, "ReferralNFA"),
                        "initial_cpc": _text(episode, "DateOfInitialCPC"),
                    },
                )
            elif table in NESTED:
                element, names = NESTED[table]
                for m, item in enumerate(episode.findall(element), start=1):
                    fields = {**referral, **{name: _text(item, tag) for name, tag in names.items()}}
                    warnings: tuple[tuple[str, str], ...] = ()
                    if table == "assessments":
                        factors = [(f.text or "").strip() for f in item.iter("AssessmentFactors")]
                        fields["factors"] = ";".join(factors)
                        warnings = tuple(
                            ("factors", f"assessment factor {code!r} is not a {year} CIN census code; kept as given")
                            for code in factors
                            if code not in factor_codes(year)
                        )
                    yield Record(f"{here}/{element}[{m}]", fields, warnings)


@functools.lru_cache(maxsize=4)
def _parsed(path: str, _size: int, _mtime: int, forced: int | None) -> dict[str, tuple[Record, ...]]:
    """Every table of a small return from one parse (keyed by path, size and modification
    time, so a changed file is read again)."""
    out: dict[str, list[Record]] = {t: [] for t in TABLES}
    for table, record in CinCensusAdapter()._parse(Path(path), TABLES, forced):
        out[table].append(record)
    return {t: tuple(records) for t, records in out.items()}
