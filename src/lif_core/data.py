"""Reading a board's data sources: stream records from the adapter, check and convert each
declared field, pseudonymise children's identifiers on the way in, and report every problem
with its file, line (or element path) and field, without ever repeating a child's identifier.

Child-level data never leaves the machine: nothing here makes a network call, identifiers
become keyed pseudonyms (HMAC-SHA256 with the board's own key) before any other code sees
them, dates of birth keep only their month and postcodes only their sector.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import math
import operator
import os
import re
import secrets
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .board import LoadedBoard
from .errors import LifError, PluginError, Problem, Severity
from .extensions import Batch
from .model import EARLIEST_DATE, LATEST_DATE, OnError, Source, date_out_of_range
from .plugins import Plugins

__all__ = [
    "KEY_ENV",
    "SENSITIVE_KINDS",
    "BadValue",
    "DataError",
    "Pseudonymiser",
    "SourceReport",
    "board_key",
    "describe_bad_value",
    "holds_childrens_records",
    "looks_like_child_id",
    "name_file",
    "read_batches",
    "read_source",
    "read_together",
]

#: Environment variable holding the pseudonymisation key (32 or more characters, not predictable:
#: see :func:`key_weakness`).
KEY_ENV = "LIF_PSEUDONYM_KEY"
#: Where a board keeps its own key when the environment gives none (created on first use).
KEY_FILE = Path(".lif") / "pseudonym.key"
#: Identifiers whose pseudonyms are remembered (about 11 MB at most): more than most
#: authorities' children in a year, so an extract's repeats are hashed once; when full, the
#: memory is cleared and refilled rather than grown.
CACHE_SIZE = 65_536
#: Problems kept per source; further ones are counted, not listed.
MAX_LISTED = 200

#: Column names (lower case, letters and digits only) that hold a child's or a family's
#: identifier in the exports of case systems and the statutory returns.
_ID_NAMES = re.compile(
    r"^(?:(?:la|cin|lcs|mosaic|eclipse|swift|liquidlogic|case|system)?"
    r"(?:child|children|person|pupil|client|youngperson|cyp|serviceuser|subject)"
    r"(?:unique)?(?:id|identifier|ref|reference|number|no)?"
    r"|(?:former)?upn|uniquepupilnumber|uln|nhs(?:number|no)?|chi(?:number|no)?|hcn|healthandcarenumber"
    r"|individualadopteridentifier|adopterid|familyidentifier|familyid|motherid|fatherid|parentid)$"
)


def looks_like_child_id(column: str) -> bool:
    """True for column names that usually hold a child's (or family's) identifier, however the
    export spells them: ``CHILD``, ``Child-ID``, ``child_id``, ``LAchildID``, ``UPN``, ``NHS
    No.``, ``Child Unique ID``, ``Person ref``..."""
    return bool(_ID_NAMES.match(re.sub(r"[^a-z0-9]", "", column.lower())))


#: Field kinds whose values identify a child: no message, warning or error ever quotes one.
SENSITIVE_KINDS = frozenset({"child-id", "child-id?", "dob", "postcode"})


class BadValue(ValueError):
    """A value that would not convert to its field's kind.

    ``reason`` says what is wrong without the value (``is not a date in the form %d/%m/%Y``);
    ``shown`` is the value as a message may quote it (``'31/02/2019'``). ``str()`` gives the
    reason alone, so the value never leaks by accident: :func:`describe_bad_value` is the one
    place that decides whether to quote it."""

    def __init__(self, reason: str, shown: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.shown = shown


#: A value a message may quote: a number, a date or time written any way, a spreadsheet formula
#: of cell references, or a placeholder word (``'31/02/2019'``, ``'3.0'``, ``'=H2+5'``, ``'n/a'``),
#: never other words (a name), mixes of letters and digits (an identifier, a postcode), nor five
#: digits in a row (a numeric identifier), and short.
_QUOTABLE = re.compile(
    r"^(?!.*\d{5})(?:'[\d\s/.:+-]{0,24}'|-?[\d.]{1,24})$"  # no run of 5 digits: a numeric identifier
    r"|^'=[A-Z$]{1,3}\$?\d{1,4}(?:[-+*/][A-Z$]{0,3}\$?\d{1,4})*'$"  # a formula of cell references: =H2+5
)
#: Placeholder words exports write, quoted in any case (other words only in lower case).
_QUOTABLE_WORDS = frozenset(
    {
        *("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity", "none", "null", "n/a", "na"),
        *("unknown", "yes", "no", "true", "false", "y", "n", "tbc", "tba", "soon", "x", "-", "?", "not known"),
    }
)


_LOWER_WORDS = re.compile(r"^'[a-z][a-z /-]{0,23}'$")


def _quotable(shown: str) -> bool:
    """Whether a bad value may be quoted: see :data:`_QUOTABLE`; words only in lower case (a
    placeholder, ``'maybe'``), never capitalised (a name)."""
    return (
        bool(_QUOTABLE.match(shown) or _LOWER_WORDS.match(shown)) or shown.strip("'").strip().lower() in _QUOTABLE_WORDS
    )


#: What an adapter's own warning may quote: a short code (``'21'``, ``'3A'``) or plain words.
_QUOTABLE_IN_WARNINGS = re.compile(r"^'[A-Za-z0-9]{1,4}'$|^'[A-Za-z][A-Za-z .-]{0,29}'$")
_QUOTE = re.compile(r"'[^']*'")


def guard_quotes(message: str) -> str:
    """``message`` (an adapter's own words about a record) with every quoted value that is not
    a short code or plain words taken out: an identifier, a date of birth or a postcode can sit
    in any field of a spoiled record, and an adapter quoting "its" value would repeat it."""
    return _QUOTE.sub(lambda m: m.group(0) if _QUOTABLE_IN_WARNINGS.match(m.group(0)) else "'…'", message)


def describe_bad_value(problem: ValueError, kind: str) -> str:
    """The message for a value of a field of ``kind`` that would not convert: the value quoted
    first where the field is not identifying, never for a child's identifier, a date of birth
    or a postcode (:data:`SENSITIVE_KINDS`), whatever raised it."""
    if isinstance(problem, BadValue):
        if problem.shown is None:
            return problem.reason
        if kind in SENSITIVE_KINDS or not _quotable(problem.shown):
            # An identifying field's value is never shown; nor is a value elsewhere that looks
            # like one (a record whose columns slipped puts a child's identifier under a date).
            return f"{problem.reason} (the value is not shown here)"
        return f"{problem.shown} {problem.reason}"
    if kind in SENSITIVE_KINDS:
        return "is not valid (the value is not shown here)"
    return str(problem)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
_HAS_DIGIT = re.compile(r"[^\s:;,()\[\]{}]*\d[^\s:;,()\[\]{}]*")


def redact(text: str) -> str:
    """``text`` (an exception's message from code that read children's data) with anything
    that might be a value from the data taken out: quoted text and every word holding a digit
    (identifiers, dates, postcodes)."""
    return _HAS_DIGIT.sub("…", _QUOTED.sub("'…'", text))


class DataError(LifError):
    """A source could not be read: names the file, the place in it and the field."""


# --------------------------------------------------------------------------- pseudonymisation


#: A key must be this long, and hold this many bits by its characters' spread (a 64-character
#: hex key, as lif makes, holds about 256).
KEY_MIN_LENGTH = 32
KEY_MIN_BITS = 128
_MAKE_KEY = 'python3 -c "import secrets; print(secrets.token_hex(32))"'


def key_weakness(key: str) -> str | None:
    """Why ``key`` is too weak to pseudonymise children's identifiers with, or ``None``: under
    32 characters, or too predictable by simple tests: a part of it repeated (``password`` over
    and over), runs of characters in order (``abcdef...``, ``0123...``), or too few bits for the
    characters it draws on and for how far it compresses (32 hex digits hold 128). They catch
    the common mistakes, not a memorable phrase: make keys with the command the message gives."""
    if len(key) < KEY_MIN_LENGTH:
        return f"too short ({len(key)} characters; use {KEY_MIN_LENGTH} or more)"
    if re.search(r"(.{8,}).*\1", key, re.DOTALL):
        return "too predictable (a part of it repeats)"
    if sum(1 for a, b in itertools.pairwise(key) if abs(ord(b) - ord(a)) <= 1) > len(key) // 2:
        return "too predictable (mostly runs of characters in order)"
    if re.fullmatch(r"[0-9a-fA-F]+", key):
        pool = 16
    else:
        pool = sum(
            size
            for pattern, size in ((r"\d", 10), (r"[a-z]", 26), (r"[A-Z]", 26), (r"[^0-9A-Za-z]", 33))
            if re.search(pattern, key)
        )
    bits = min(len(key) * math.log2(max(pool, 2)), (len(zlib.compress(key.encode("utf-8"), 9)) - 8) * 8)
    if bits < KEY_MIN_BITS:
        return f"too predictable (about {max(bits, 0):.0f} bits; {KEY_MIN_BITS} or more are needed)"
    return None


def _refuse_link(path: Path, what: str) -> None:
    if path.is_symlink():
        raise LifError(
            f"{path}: the board's {what} is a symbolic link: lif never follows one there (it could point outside "
            "the board folder, or at a file that is not a key); replace it with a real folder or file"
        )


def _refuse_shared(path: Path) -> None:
    """A key file must be the board's alone: not another file under a second name (a hard
    link to a board file, which is no secret), and (where the system has such permissions)
    not readable by other users."""
    try:
        info = path.stat()
    except OSError:
        return  # reading it says what is wrong
    if info.st_nlink > 1:
        raise LifError(
            f"{path}: the pseudonymisation key file has other names (hard links): a key must be a file of its own; "
            "delete it to have lif make a new one"
        )
    if os.name == "posix" and info.st_mode & 0o077:
        raise LifError(
            f"{path}: the pseudonymisation key can be read by other users (mode {info.st_mode & 0o777:o}): make it "
            f"readable by its owner only (chmod 600 {path})"
        )


def board_key(root: Path) -> bytes:
    """The board's pseudonymisation key: ``LIF_PSEUDONYM_KEY`` if set, else the key file in
    the board's ``.lif`` folder, created (readable by its owner only) on first use. The key is
    never written to any output.

    A weak key (:func:`key_weakness`) is refused, with how to make a strong one; so are a
    ``.lif`` folder, key file or ``.gitignore`` that is a symbolic link (lif would write, or
    read its key, outside the board folder)."""
    env = os.environ.get(KEY_ENV)
    if env is not None:
        weak = key_weakness(env)
        if weak:
            raise LifError(f"{KEY_ENV} is {weak}: make a key with {_MAKE_KEY}")
        return env.encode("utf-8")
    from .board import UnreadableFile, describe_os_error, read_text

    folder = root / KEY_FILE.parent
    path = root / KEY_FILE
    _refuse_link(folder, ".lif folder")
    _refuse_link(path, "pseudonymisation key")
    try:
        if not path.exists():
            _make_key(folder, path)
    except OSError as exc:
        raise LifError(
            f"{path}: cannot make the board's pseudonymisation key: {describe_os_error(exc, folder)} (or set {KEY_ENV})"
        ) from None
    _refuse_link(path, "pseudonymisation key")
    _refuse_shared(path)
    try:
        key = read_text(path, limit=4096).strip()
    except UnreadableFile as exc:
        raise LifError(
            f"{path}: the pseudonymisation key is unreadable ({exc.reason}): delete it to make a new one"
        ) from None
    weak = key_weakness(key)
    if weak:
        raise LifError(
            f"{path}: the pseudonymisation key is {weak}: delete the file to have lif make a new one (a new key "
            f"gives new pseudonyms), or write a key made with {_MAKE_KEY}"
        )
    return key.encode("utf-8")


def _make_key(folder: Path, path: Path) -> None:
    """A new random key at ``path``, whole or not at all: written to a file of its own, flushed
    to disk, then linked into place (so two processes never see half a key, and a key another
    process made first is kept)."""
    no_follow = getattr(os, "O_NOFOLLOW", 0)
    folder.mkdir(mode=0o700, exist_ok=True)
    _refuse_link(folder, ".lif folder")
    ignore = folder / ".gitignore"
    _refuse_link(ignore, ".gitignore")
    try:
        fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | no_follow, 0o644)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("*\n")
    temporary = folder / f".pseudonym.key.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | no_follow, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made the key first: use theirs
        except OSError:  # a file system without hard links (exFAT, some shares): made in place, exclusively
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | no_follow, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(temporary.read_text(encoding="utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
    finally:
        temporary.unlink(missing_ok=True)


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9])[A-Z]{2}$")
#: SHA-256's block size in bytes (HMAC pads its key to one block).
_SHA256_BLOCK = 64


class Pseudonymiser:
    """Keyed, one-way replacement of identifiers; coarsening of dates of birth and postcodes.

    The same identifier always gives the same pseudonym under the same key (so records join
    across files), and without the key a pseudonym cannot be turned back or recomputed.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, str] = {}  # identifier -> pseudonym, for this process only
        #: The pseudonym of an identifier already checked and pseudonymised, if any: a plain
        #: dictionary lookup, so a column of identifiers maps through it at C speed.
        self.known: Callable[[str], str | None] = self._cache.get
        # HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once, here: each new
        # identifier then costs two SHA-256 blocks, not four, and the same digest as
        # hmac.digest(key, identifier, "sha256"), so every pseudonym is as it always was.
        block = (hashlib.sha256(key).digest() if len(key) > _SHA256_BLOCK else key).ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def child_id(self, raw: str) -> str:
        found = self._cache.get(raw)
        if found is None:
            if len(self._cache) >= CACHE_SIZE:  # bounded: memory stays flat on any extract
                self._cache.clear()
            inner = self._inner.copy()
            inner.update(raw.encode("utf-8"))
            outer = self._outer.copy()
            outer.update(inner.digest())
            found = self._cache[raw] = "c" + outer.hexdigest()[:24]
        return found

    def derived(self, purpose: bytes) -> bytes:
        """A secret of its own for ``purpose``, made from the key (which it does not reveal):
        disclosure control breaks ties with one, so which of equal counts it hid cannot be
        foreseen by a reader without the key."""
        return hmac.digest(self._key, b"lif-core: " + purpose, hashlib.sha256)

    @staticmethod
    def month(day: dt.date) -> str:
        return f"{day.year:04d}-{day.month:02d}"

    @staticmethod
    def postcode(raw: str) -> str:
        """The postcode sector (``CR0 1AB`` becomes ``CR0 1``); an invalid postcode raises."""
        m = _POSTCODE.match(raw.strip().upper())
        if not m:
            raise BadValue("is not a UK postcode")
        return f"{m.group(1)} {m.group(2)}"


# --------------------------------------------------------------------------- converters


def _date_parser(fmt: str) -> Callable[[str], dt.date]:
    if fmt == "%d/%m/%Y":

        def parse_dmy(s: str) -> dt.date:
            if len(s) != 10 or s[2] != "/" or s[5] != "/":
                raise ValueError
            return dt.date(int(s[6:10]), int(s[3:5]), int(s[0:2]))

        return parse_dmy
    if fmt == "%Y-%m-%d":

        def parse_iso(s: str) -> dt.date:
            if len(s) != 10 or s[4] != "-" or s[7] != "-":
                raise ValueError
            return dt.date(int(s[0:4]), int(s[5:7]), int(s[8:10]))

        return parse_iso
    return lambda s: dt.datetime.strptime(s, fmt).date()


def _checked_day(day: dt.date, shown: str) -> dt.date:
    """``day``, if it is a real date (1900 to 2100)."""
    wrong = date_out_of_range(day)
    if wrong:
        raise BadValue(wrong, shown)
    return day


def _as_date(value: Any, parse: Callable[[str], dt.date], fmt: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise BadValue("has a time of day; expected a date", repr(value.isoformat(sep=" ")))
        return _checked_day(value.date(), repr(value.date().isoformat()))
    if isinstance(value, dt.date):
        return _checked_day(value, repr(value.isoformat()))
    if not isinstance(value, str):
        raise BadValue(f"is {type(value).__name__}, not a date ({fmt})")
    text = value.strip()
    if not text:
        return None
    try:
        day = parse(text)
    except ValueError:
        raise BadValue(f"is not a date in the form {fmt}", repr(text)) from None
    return _checked_day(day, repr(text))


Converter = Callable[[Any], Any]


def _converters(kind: str, fmt: str, pseudo: Pseudonymiser) -> tuple[Converter, Callable[[Any], Any] | None]:
    """The converter for a field kind (a function turning a raw value into its checked form,
    raising :class:`BadValue`, whose message :func:`describe_bad_value` quotes the value only
    for fields that do not identify a child), and a lookup of raw values it has already
    converted (``None`` where not known), which a column is first run through at C speed: only
    the values it does not know go through the converter one at a time."""
    if kind == "text":
        return _text_converter, None
    if kind == "date":
        fmt = fmt or "%Y-%m-%d"
        parse = _date_parser(fmt)
        seen: dict[str, dt.date] = {}  # extracts repeat the same few thousand dates

        def to_date(v: Any) -> dt.date | None:
            if type(v) is str:
                day = seen.get(v)
                if day is not None:
                    return day
                if len(v) == 10:
                    try:
                        day = parse(v)  # the common case: a clean date string
                    except ValueError:
                        pass
                    else:
                        if not EARLIEST_DATE <= day <= LATEST_DATE:
                            _checked_day(day, repr(v))  # raises, saying why
                        if len(seen) < 100_000:
                            seen[v] = day
                        return day
            return _as_date(v, parse, fmt)

        # No lookup for the column: a date column holds few distinct values a batch (a day's
        # referrals), so it is grouped by value first, and each value converted (here, from
        # memory) once.
        return to_date, None
    if kind in ("child-id", "child-id?"):
        convert = _one_converter(kind, fmt, pseudo)
        return convert, pseudo.known
    return _one_converter(kind, fmt, pseudo), None


def _text_converter(v: Any) -> Any:
    return v if v is None or isinstance(v, str) else str(v)


def _one_converter(kind: str, fmt: str, pseudo: Pseudonymiser) -> Converter:
    if kind == "text":
        return _text_converter
    if kind == "int":

        def to_int(v: Any) -> int | None:
            if v is None or (isinstance(v, str) and not v.strip()):
                return None
            if isinstance(v, bool):
                raise BadValue("is true/false: expected a whole number")
            if isinstance(v, int):
                return v
            if isinstance(v, float):
                if v.is_integer():
                    raise BadValue("has a stray decimal: expected a whole number", repr(v))
                raise BadValue("is not a whole number", repr(v))
            text = str(v).strip()
            if not re.fullmatch(r"[+-]?\d+", text):
                raise BadValue("is not a whole number", repr(text))
            return int(text)

        return to_int
    if kind == "number":

        def to_number(v: Any) -> float | None:
            if v is None or (isinstance(v, str) and not v.strip()):
                return None
            if isinstance(v, bool):
                raise BadValue("is true/false: expected a number")
            try:
                number = float(v)
            except (TypeError, ValueError):
                raise BadValue("is not a number", repr(v)) from None
            if not math.isfinite(number):  # "nan", "inf": never a count, rate or measure
                raise BadValue("is not a finite number", repr(v))
            return number

        return to_number
    if kind == "bool":
        truth = {"1": True, "true": True, "yes": True, "y": True, "0": False, "false": False, "no": False, "n": False}

        def to_bool(v: Any) -> bool | None:
            if v is None or isinstance(v, bool):
                return v
            text = str(v).strip().lower()
            if not text:
                return None
            if text not in truth:
                raise BadValue("is not true or false (1/0, true/false, yes/no)", repr(v))
            return truth[text]

        return to_bool
    if kind == "date":
        return _converters(kind, fmt, pseudo)[0]
    if kind == "dob":
        fmt = fmt or "%Y-%m-%d"
        parse = _date_parser(fmt)

        def to_month(v: Any) -> str | None:
            day = _as_date(v, parse, fmt)  # its messages quote the value; the dob kind never shows it
            return None if day is None else pseudo.month(day)

        return to_month
    if kind in ("child-id", "child-id?"):
        required = kind == "child-id"

        child_id, known = pseudo.child_id, pseudo.known

        def to_pseudonym(v: Any) -> str | None:
            if type(v) is str and v and not v[0].isspace() and not v[-1].isspace() and "." not in v:
                return child_id(v)  # the common case, checked in one line (and remembered there)
            found = known(v) if type(v) is str else None
            if found is not None:
                return found
            if v is None or (isinstance(v, str) and not v.strip()):
                if required:
                    raise BadValue("is blank: every record needs the child's identifier")
                return None
            if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                raise BadValue(f"is {type(v).__name__}: expected an identifier (text)")
            if isinstance(v, float):
                raise BadValue("is a number with a decimal point: export identifiers as text")
            text = str(v)
            stripped = text.strip()
            if stripped != text:
                raise BadValue("has spaces around it: fix the export (the identifier is not shown here)")
            if re.fullmatch(r"\d+\.0+", stripped):
                raise BadValue("ends in a stray '.0': the export turned it into a number")
            return child_id(stripped)

        return to_pseudonym
    if kind == "postcode":

        def to_sector(v: Any) -> str | None:
            if v is None or not str(v).strip():
                return None
            try:
                return pseudo.postcode(str(v))
            except ValueError:
                raise BadValue("is not a UK postcode", repr(v)) from None

        return to_sector
    raise LifError(f"unknown field kind {kind!r}")


# --------------------------------------------------------------------------- reading


@attrs.define
class SourceReport:
    """What reading one source found.

    Attributes:
        source: the source's id.
        rows: records read from the file.
        kept: records passed on (all, unless reading stopped at an error).
        problems: the first problems found (``MAX_LISTED`` at most).
        errors / warnings: how many of each in all.
        failed: true if reading stopped at an error.
        left_out: the file's columns that no field declares, which are not read (named by
            position where a name might be data: see :func:`column_label`).
        checks: records each data-quality check found, by the check's name
            (``{"after-reference-date": 4}``): counted from the adapter's warnings that end
            with the check's name and what was done, in square brackets (see
            :data:`CHECK_TAG`).
        excluded: of those, the records each check left out of the indicators (the rest were
            kept as given).
    """

    #: How an adapter's warning names the data-quality check that found it and what was done:
    #: ``... [after-reference-date: left out]`` or ``... [overlapping-plans: kept]``, at its end.
    CHECK_TAG = re.compile(r" \[([a-z][a-z0-9-]*): (left out|kept)\]$")

    source: str
    rows: int = 0
    kept: int = 0
    problems: list[Problem] = attrs.field(factory=list)
    errors: int = 0
    warnings: int = 0
    failed: bool = False
    left_out: list[str] = attrs.field(factory=list)
    checks: dict[str, int] = attrs.field(factory=dict)
    excluded: dict[str, int] = attrs.field(factory=dict)

    def add(self, problem: Problem) -> None:
        if problem.is_error:
            self.errors += 1
        else:
            self.warnings += 1
            if problem.message.endswith("]"):
                found = self.CHECK_TAG.search(problem.message)
                if found:
                    check = found.group(1)
                    self.checks[check] = self.checks.get(check, 0) + 1
                    if found.group(2) == "left out":
                        self.excluded[check] = self.excluded.get(check, 0) + 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(problem)


_NAME_LIKE = re.compile(r"^[A-Za-z][A-Za-z _()./?'\u2019&-]{0,79}$")


def column_label(name: str, position: int) -> str:
    """A column as a message may name it: by its header name where that reads as a name (letters,
    spaces and a little punctuation, no digits), else by its position. A file without its header
    row has a record there, and a message must never quote a record."""
    return f"{name!r}" if _NAME_LIKE.match(name) else f"column {position}"


def _kinds(specs: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {name: (spec.partition(":")[0], spec.partition(":")[2]) for name, spec in specs.items()}


def weakened_fields(source: Source, adapter_fields: Mapping[str, str]) -> list[str]:
    """The fields an adapter declares as identifying (a child's identifier, a date of birth, a
    postcode) that the source's own ``fields`` redeclare as something that is not (``text``,
    a plain ``date``): that would publish what the format says identifies a child. Only
    ``drop`` or another identifying kind may replace them."""
    return [
        name
        for name, spec in source.fields.items()
        if adapter_fields.get(name, "").partition(":")[0] in SENSITIVE_KINDS
        and spec.partition(":")[0] not in (*SENSITIVE_KINDS, "drop")
    ]


def holds_childrens_records(source: Source, adapter_fields: Mapping[str, str]) -> bool:
    """True where a source declares (or its adapter declares) any identifying field: its
    records are children's, to be read only through indicators, never published as values."""
    specs = {**adapter_fields, **source.fields}
    return any(spec.partition(":")[0] in SENSITIVE_KINDS for spec in specs.values()) or bool(
        weakened_fields(source, adapter_fields)
    )


def _plan(
    source: Source,
    adapter_fields: Mapping[str, str],
    columns: Sequence[str],
    file: str,
    wanted: Collection[str] | None = None,
) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Each declared field's kind and format, and the file's columns no field declares (read
    no further). A column that looks like a child's identifier must be declared, and a field
    the board declares as an identifier must be in the file: either way an identifier could
    otherwise pass through unpseudonymised, or the wrong column be taken for it."""
    weakened = weakened_fields(source, adapter_fields)
    if weakened:
        raise DataError(
            f"{file}: fields.{weakened[0]} = {source.fields[weakened[0]]!r}: the {source.adapter} format holds a "
            f"child's identifier, date of birth or postcode there ({adapter_fields[weakened[0]]}), which a source may "
            'drop ("drop") but not read as plain values'
        )
    specs = {**adapter_fields, **source.fields}
    present = set(columns)
    undeclared = [c for c in columns if c not in specs]
    id_like = [c for c in undeclared if looks_like_child_id(c)]
    declared_ids = [
        name
        for name, spec in source.fields.items()
        if spec.partition(":")[0] in ("child-id", "child-id?") and (wanted is None or name in wanted)
    ]
    missing = [name for name in declared_ids if name not in present]
    if missing:
        hint = (
            f"; the file's column(s) {', '.join(repr(c) for c in id_like)} look like one: name the field as the "
            "file's header has it"
            if id_like
            else "; check the header row"
        )
        raise DataError(
            f"{file}: fields.{missing[0]} is declared as a child's identifier but the file has no column "
            f"{missing[0]!r}{hint}"
        )
    if id_like:
        raise DataError(
            f"{file}: column(s) {', '.join(repr(c) for c in id_like)} look like children's identifiers but have no "
            f'declared kind: add fields.{id_like[0]} = "child-id" to the source (or "drop" if it is not needed, '
            '"text" if it is not an identifier)'
        )
    positions = {name: i for i, name in enumerate(columns, start=1)}
    return _kinds(specs), [column_label(c, positions[c]) for c in undeclared]


def read_source(
    loaded: LoadedBoard,
    source: Source,
    plugins: Plugins,
    report: SourceReport | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> Iterator[dict[str, Any]]:
    """Stream a source's records, checked, converted and pseudonymised, as dictionaries.

    Bad values follow ``source.on_error``: ``fail`` raises :class:`DataError` at the first one,
    naming file, place and field; ``warn`` keeps the record with that value empty and adds a
    warning to ``report``. Columns that look like children's identifiers must be declared.
    :func:`read_batches` gives the same records as columns, which is much faster to work on.
    """
    for batch in read_batches(loaded, source, plugins, report, pseudonymiser=pseudonymiser):
        names = batch.names
        for values in batch.rows():
            yield dict(zip(names, values, strict=True))


def read_batches(
    loaded: LoadedBoard,
    source: Source,
    plugins: Plugins,
    report: SourceReport | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
) -> Iterator[Batch]:
    """Stream a source's records as :class:`~lif_core.extensions.Batch` es of checked,
    converted, pseudonymised columns (renamed as the source says), as :func:`read_source`."""
    for _source, batch in read_together(
        loaded, [source], plugins, [report or SourceReport(source.id)], pseudonymiser=pseudonymiser
    ):
        yield batch


def read_together(
    loaded: LoadedBoard,
    sources: Sequence[Source],
    plugins: Plugins,
    reports: Sequence[SourceReport] | None = None,
    *,
    pseudonymiser: Pseudonymiser | None = None,
    columns: Sequence[Collection[str] | None] | None = None,
) -> Iterator[tuple[Source, Batch]]:
    """Several sources' batches as ``(source, batch)``, reading each file once: sources that
    name the same file with the same adapter (tables of one census) are read in one pass
    where the adapter can (:meth:`DataSourceAdapter.batches_for`). ``reports[i]`` collects
    what reading ``sources[i]`` found.

    ``columns[i]``, if given, names the only fields (as the source renames them) wanted from
    ``sources[i]``: the others are neither checked nor converted, and an adapter that can
    skips reading them (as ``usecols`` does in other tools). ``None`` reads every field.
    """
    reports = list(reports) if reports is not None else [SourceReport(s.id) for s in sources]
    if len(reports) != len(sources):
        raise ValueError("read_together needs one report per source")
    groups: dict[tuple[str, Path], list[int]] = {}
    for i, source in enumerate(sources):
        plugins.data_sources.get(source.adapter)  # an unknown adapter is named before any reading
        path = loaded.resolve(source.path)
        if not path.is_file():
            raise DataError(f"{source.path}: no such file in the board folder")
        groups.setdefault((source.adapter, path), []).append(i)
    pseudo = pseudonymiser or Pseudonymiser(board_key(loaded.root))
    wanted = [frozenset(c) if c is not None else None for c in columns] if columns is not None else None
    for (adapter_name, path), members in groups.items():
        adapter = plugins.data_sources.get(adapter_name)
        readers = [
            _Converting(sources[i], adapter, pseudo, reports[i], wanted[i] if wanted is not None else None)
            for i in members
        ]
        hints = [r.hint for r in readers]
        plugin = plugins.data_sources.plugin_of(adapter_name)
        hook = f"register_data_sources (adapter {adapter_name!r})"
        shown = sources[members[0]].path  # the file as the board names it
        try:
            if len(members) == 1:
                stream: Iterator[tuple[int, Batch]] = (
                    (0, b) for b in adapter.batches(path, sources[members[0]].options, hints[0])
                )
            else:
                stream = adapter.batches_for(path, [sources[i].options for i in members], hints)
            while True:
                try:
                    index, batch = next(stream)
                except StopIteration:
                    break
                except PluginError:
                    raise
                except LifError as exc:  # the adapter's words about the file: the host names it
                    raise DataError(name_file(str(exc), shown, path)) from None
                reader = readers[index]
                try:
                    converted = reader.convert(batch)
                except _Stopped as stopped:
                    if stopped.before.size:
                        yield reader.source, stopped.before
                    raise stopped.error from None
                yield reader.source, converted
        except LifError:
            raise
        except Exception as exc:
            # The adapter failed on something it read: its words may quote the data (a child's
            # identifier in "invalid literal ... 'ZQX0000042'"), so they are redacted.
            raise PluginError(
                name_file(
                    f"{type(exc).__name__}: {redact(str(exc))} (words that might quote the data are left out)",
                    shown,
                    path,
                ),
                plugin=plugin,
                hook=hook,
            ) from exc


def name_file(message: str, shown: str, path: Path) -> str:
    """An adapter's message about the file at ``path`` with the file named once, first, as the
    board names it (``shown``: the source's ``path``).

    The convention: an adapter says what is wrong and where inside the file (``line 6: 12
    fields, but the header has 10``), and lif-core names the file. An adapter that names it
    anyway (``refs.csv: line 6: ...``, or its full path) is not named twice."""
    for prefix in sorted({str(path), shown, path.name, str(Path(shown))}, key=len, reverse=True):
        if prefix and message.startswith(prefix + ": "):
            message = message[len(prefix) + 2 :]
            break
    return f"{shown}: {message}"


_TEXT_TYPES = frozenset({str, type(None)})


def _convert_column(
    column: Sequence[Any], convert: Converter, known: Callable[[Any], Any] | None
) -> tuple[list[Any], list[tuple[int, ValueError]]]:
    """A column's values converted, and ``(row, error)`` for those that would not convert.

    Per-value Python work is what makes reading slow, so it is kept to values never seen
    before: values already known (a child seen in an earlier batch) are looked up a whole
    column at a time, and each distinct new value is converted once however often it repeats
    (a column without a lookup, such as dates, is grouped by value first). Grouping by value is
    done only for text (every CSV and XML value): a dictionary would take 1, 1.0 and True for
    one key. Text kept as text is passed on as it is.
    """
    values: list[Any] | None = None
    if known is not None:
        try:
            values = list(map(known, column))  # values seen before: one C-speed pass
        except TypeError:  # an unhashable value (a JSON list): no lookups
            values = None
        else:
            if all(values):  # a quick test where every value is truthy (pseudonyms are)
                return values, []  # everything known
            filled = _filled(column, values, convert)  # a few new values: filled in where they are
            if filled is not None:
                return filled
    elif convert is _text_converter:
        if set(map(type, column)) <= _TEXT_TYPES:
            return list(column), []  # text as text: nothing to convert
        return _each_converted(column, convert)
    elif type(column) is list and len(column) >= _RUN_LENGTH * 2:
        by_runs = _converted_by_runs(column, convert)  # dates in date order: runs of one day
        if by_runs is not None:
            return by_runs
    pending = column if values is None else list(itertools.compress(column, map(operator.not_, values)))
    try:
        fresh: dict[Any, Any] = dict.fromkeys(pending)  # each distinct new value, converted once
    except TypeError:  # an unhashable value (a JSON list)
        return _each_converted(column, convert)
    if not set(map(type, fresh)) <= _TEXT_TYPES:  # numbers, dates (JSON, Excel): one at a time
        return _each_converted(column, convert)
    errors: dict[Any, ValueError] = {}
    for raw in fresh:
        try:
            fresh[raw] = convert(raw)
        except ValueError as exc:
            errors[raw] = exc
    # Each row's new value from the values converted (a small dictionary), or, where there is
    # none, the value looked up before.
    values = list(map(fresh.get, column)) if values is None else list(map(fresh.get, column, values))
    return values, [(row, errors[raw]) for row, raw in enumerate(column) if raw in errors] if errors else []


def _filled(
    column: Sequence[Any], values: list[Any], convert: Converter
) -> tuple[list[Any], list[tuple[int, ValueError]]] | None:
    """``values`` (a column looked up, ``None`` where a value was not known) with its gaps
    filled by converting the column's value there, found by a C-speed scan; a text value
    repeated among the gaps is converted once, as :func:`_convert_column` converts by value.
    ``None`` once more than an eighth of the column has been gaps (the first batches of an
    extract, every child new), ``values`` then filled in part, its gaps still ``None``."""
    done: dict[str, Any] = {}
    errors: dict[str, ValueError] = {}
    bad: list[tuple[int, ValueError]] = []
    try:
        row = values.index(None)
    except ValueError:
        return values, []  # every value known (one of them falsy)
    budget = len(values) // 8
    while True:
        budget -= 1
        if budget < 0:
            return None
        raw = column[row]
        text = type(raw) is str
        if text and raw in done:
            values[row] = done[raw]
        elif text and raw in errors:
            bad.append((row, errors[raw]))
        else:
            try:
                value = convert(raw)
            except ValueError as exc:
                bad.append((row, exc))
                if text:
                    errors[raw] = exc
            else:
                values[row] = value
                if text:
                    done[raw] = value
        try:
            row = values.index(None, row + 1)
        except ValueError:
            return values, bad


#: A column is converted a run of equal values at a time where its runs are this long on
#: average or longer (a date column of an extract in date order: a day's referrals each).
_RUN_LENGTH = 16


def _runs(column: list[Any]) -> list[tuple[Any, int, int]] | None:
    """``column`` as runs ``(value, start, end)`` of text (or ``None``) values, found by
    galloping and bisection on equality with each run's first value; ``None`` where the runs
    found are short (a column of mostly different values gives up after a few) or a run's value
    is not text. A guess: a value recurring inside a run is not seen, so the caller proves the
    runs by rebuilding the column from them."""
    size, start, runs = len(column), 0, []
    while start < size:
        value = column[start]
        if type(value) not in _TEXT_TYPES:
            return None
        low, step = start, 1  # column[low] == value; find high, the first found that is not
        high = low + 1
        while high < size and column[high] == value:
            low, step = high, step * 2
            high = low + step
        high = min(high, size)
        while high - low > 1:
            middle = (low + high) // 2
            if column[middle] == value:
                low = middle
            else:
                high = middle
        runs.append((value, start, high))
        start = high
        if len(runs) > 8 and start < len(runs) * _RUN_LENGTH:
            return None
    return runs


def _converted_by_runs(column: list[Any], convert: Converter) -> tuple[list[Any], list[tuple[int, ValueError]]] | None:
    """A column of runs of equal text values converted a run at a time (each distinct value
    once), as :func:`_convert_column` converts it by value; ``None`` where it is not such a
    column (proved by rebuilding it from the runs: C-speed comparisons, no hashing per row)."""
    try:
        runs = _runs(column)
        if runs is None:
            return None
        rebuilt: list[Any] = []
        for value, start, end in runs:
            rebuilt += [value] * (end - start)
        if rebuilt != column:
            return None
    except Exception:  # noqa: BLE001 - a value that cannot be compared with text (an array): as before
        return None
    del rebuilt
    converted: dict[Any, Any] = {}
    errors: dict[Any, ValueError] = {}
    for value, _start, _end in runs:
        if value not in converted and value not in errors:
            try:
                converted[value] = convert(value)
            except ValueError as exc:
                errors[value] = exc
    values: list[Any] = []
    bad: list[tuple[int, ValueError]] = []
    for value, start, end in runs:
        values += [converted.get(value)] * (end - start)
        if value in errors:
            bad += [(row, errors[value]) for row in range(start, end)]
    return values, bad


def _each_converted(column: Sequence[Any], convert: Converter) -> tuple[list[Any], list[tuple[int, ValueError]]]:
    """A column converted a value at a time (values of several types: JSON, Excel)."""
    out: list[Any] = []
    bad: list[tuple[int, ValueError]] = []
    for row, raw in enumerate(column):
        try:
            out.append(convert(raw))
        except ValueError as exc:
            out.append(None)
            bad.append((row, exc))
    return out, bad


class _Converting:
    """Checks and converts one source's batches, following its plan (made from the first
    batch's columns, and again if they change)."""

    def __init__(
        self,
        source: Source,
        adapter: Any,
        pseudo: Pseudonymiser,
        report: SourceReport,
        wanted: frozenset[str] | None = None,
    ) -> None:
        self.source, self.adapter, self.pseudo, self.report = source, adapter, pseudo, report
        self.warn = source.on_error is OnError.WARN
        self.wanted = wanted
        # The adapter's hint: the wanted fields by the names the file gives them.
        back = {out: name for name, out in source.rename.items()}
        self.hint = None if wanted is None else frozenset(back.get(name, name) for name in wanted)
        self.columns: tuple[str, ...] | None = None
        self.steps: list[tuple[int, str, str, Converter, Callable[[Any], Any] | None]] = []
        self.out_names: tuple[str, ...] = ()
        self.kinds: dict[str, str] = {}
        self.sensitive: list[tuple[int, str]] = []  # the file's identifying columns, by position

    def _make_plan(self, names: tuple[str, ...]) -> None:
        source = self.source
        adapter_fields = dict(self.adapter.field_specs(source.options, list(names)))
        plan, left_out = _plan(source, adapter_fields, names, source.path, self.hint)
        if not self.report.left_out:
            self.report.left_out = left_out
        self.kinds = {name: kind for name, (kind, _fmt) in plan.items()}
        self.steps = []
        for index, name in enumerate(names):
            kind, fmt = plan.get(name, ("", ""))
            if not kind or kind == "drop" or (self.hint is not None and name not in self.hint):
                continue  # undeclared columns are not read: nothing undeclared reaches any output
            convert, known = _converters(kind, fmt, self.pseudo)
            self.steps.append((index, name, source.rename.get(name, name), convert, known))
        self.sensitive = [(index, name) for index, name in enumerate(names) if self.kinds.get(name) in SENSITIVE_KINDS]
        missing = [
            n
            for n in source.fields
            if n not in names and plan[n][0] != "drop" and (self.hint is None or n in self.hint)
        ]
        self.out_names = tuple(out for _i, _n, out, _c, _k in self.steps) + tuple(
            source.rename.get(n, n) for n in missing if source.rename.get(n, n) not in {s[2] for s in self.steps}
        )
        self.columns = names

    def convert(self, batch: Batch) -> Batch:
        """The batch checked and converted. With ``on_error = "fail"`` a bad value raises
        :class:`_Stopped`, holding the records before it (passed on, as a reader going a record
        at a time would have) and the error."""
        report, file = self.report, self.source.path
        if batch.names != self.columns:
            self._make_plan(batch.names)
        out: list[list[Any]] = []
        # What was found, as (row, order, field, adapter's warning or conversion error): the
        # adapter's own warnings on a record come before its values' problems.
        found: list[tuple[int, int, str, str | ValueError]] = [
            (row, -1, name, message) for row, name, message in batch.warnings
        ]
        for index, name, _out_name, convert, known in self.steps:
            column = batch.columns[index]
            values, bad = _convert_column(column, convert, known)
            found.extend((row, len(out), name, exc) for row, exc in bad)
            out.append(values)
        if found:
            found.sort(key=lambda f: (f[0], f[1]))  # in file order, as a reader reading row by row finds them
            for row, _order, field, what in found:
                where = f"{batch.location(row)}: {field}"
                if isinstance(what, str):  # the adapter's own words, cleared of anything identifying
                    report.add(Problem(file, where, self._scrubbed(guard_quotes(what), batch, row), Severity.WARNING))
                    continue
                what = ValueError(self._scrubbed(describe_bad_value(what, self.kinds.get(field, "")), batch, row))
                if not self.warn:
                    report.add(Problem(file, where, str(what)))
                    report.failed = True
                    report.rows += row + 1  # read up to the bad value, as a record-at-a-time reader
                    report.kept += row
                    before = Batch(self.out_names, [c[:row] for c in self._complete(out, batch.size)], batch.location)
                    raise _Stopped(before, DataError(f"{file}: {where}: {what}"))
                else:
                    report.add(Problem(file, where, f"{what}; kept the record with {field} empty", Severity.WARNING))
        report.rows += batch.size
        report.kept += batch.size
        return Batch(self.out_names, self._complete(out, batch.size), batch.location)

    def _scrubbed(self, message: str, batch: Batch, row: int) -> str:
        """``message`` (about record ``row``) without any of the record's identifying values:
        its child's identifiers, date of birth and postcodes, as read."""
        for index, _name in self.sensitive:
            raw = batch.columns[index][row]
            if raw is None or isinstance(raw, bool):
                continue
            text = str(raw)
            for value in {text, text.strip()}:
                if len(value) >= 3 and value in message:
                    message = message.replace(value, "…")
        return message

    def _complete(self, out: list[list[Any]], size: int) -> list[list[Any]]:
        """The converted columns, with a column of ``None`` for each declared field the file lacks."""
        return out + [[None] * size for _ in range(len(self.out_names) - len(out))]


class _Stopped(Exception):
    """Reading stopped at a bad value: the records before it, and the error to raise."""

    def __init__(self, before: Batch, error: DataError) -> None:
        super().__init__(str(error))
        self.before, self.error = before, error
