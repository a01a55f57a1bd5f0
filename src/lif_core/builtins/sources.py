"""Builtin data-source adapters (hook: register_data_sources): CSV, JSON and JSON Lines, Excel
workbooks and SQL over SQLite, each streamed a record at a time."""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import math
import posixpath
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..errors import LifError
from ..extensions import BATCH_SIZE, Batch, DataSourceAdapter, Record, quiet_collector
from ..model import OptionValue
from ..plugins import hookimpl

#: The longest single CSV field accepted (csv's own default); longer is refused, not truncated.
MAX_FIELD = 131_072
#: The most columns a header may name (Excel's limit); a wider header is refused.
MAX_COLUMNS = 16_384
#: The longest line of a CSV file (bytes; characters in an encoding such as UTF-16); a longer
#: one is refused before it is read.
MAX_LINE = 1 << 20
#: Text read for one block of rows: past ``BLOCK_CHARS`` a block is cut short (so wide rows do
#: not pile up), and past ``BLOCK_CHARS_LIMIT`` (records of absurd size: a quote left open, say)
#: reading stops with an error.
BLOCK_CHARS = 4 << 20
BLOCK_CHARS_LIMIT = 64 << 20
#: Text read at a time (characters), where line breaks can be found in the bytes.
READ_CHARS = 1 << 16


class CsvAdapter(DataSourceAdapter):
    """Comma-separated values with a header row, read one row at a time.

    Options: ``delimiter`` (one character, default ``,``), ``encoding`` (default
    ``utf-8-sig``, which also reads files Excel saved with a byte-order mark).
    """

    name = "csv"
    title = "CSV with a header row"
    suffixes = (".csv", ".tsv", ".txt")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        """Blocks of rows, ``BATCH_SIZE`` at a time. A block of plain lines (no quote, no blank
        line, every line as wide as the header: most extracts, throughout) is split with two
        string methods, with no per-row or per-field work in Python; any other block goes to the
        csv module, which gives the same fields (the fast path is proved against it), its errors
        and the line numbers messages name."""
        delimiter = options.get("delimiter", "\t" if path.suffix.lower() == ".tsv" else ",")
        encoding = options.get("encoding", "utf-8-sig")
        unknown = set(options) - {"delimiter", "encoding"}
        if unknown:
            raise LifError(
                f"{path.name}: unknown csv option(s) {', '.join(sorted(unknown))}; known: delimiter, encoding"
            )
        if not isinstance(delimiter, str) or len(delimiter) != 1:
            raise LifError(f"{path.name}: option delimiter must be one character, got {delimiter!r}")
        if not isinstance(encoding, str):
            raise LifError(f"{path.name}: option encoding must be text, got {encoding!r}")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LifError(f"{path.name}: unknown encoding {encoding!r}") from None
        try:
            handle = path.open(newline="", encoding=encoding)
        except OSError as exc:
            raise LifError(f"{path.name}: cannot open: {exc.strerror}") from None
        with handle:
            lines = _Lines(path, handle, encoding)
            reader = csv.reader(lines.feed(), delimiter=delimiter)
            line = 0  # the lines parsed so far: the last line of the last record
            try:
                header = next(reader, None)
                if header is None:
                    raise LifError(f"{path.name}: the file is empty; expected a header row")
                names = _csv_header(path.name, header)
                line = reader.line_num
                lines.unread()
                plain = _PlainLines.of(delimiter, len(names)) if lines.scanned else None
                while True:
                    if plain is not None:
                        with quiet_collector():  # a wide file's columns are many lists, which cannot form cycles
                            batch = plain.batch(names, lines, line + 1)
                        if batch is not None:
                            if not batch.size:
                                return
                            line += batch.size
                            yield batch
                            continue
                    reader = csv.reader(lines.feed(), delimiter=delimiter)
                    with quiet_collector():  # the rows live only until they are made columns
                        batch = self._block(path, reader, names, line, lines)
                    if batch is None:
                        return
                    line += reader.line_num
                    lines.unread()
                    if batch.size:
                        yield batch
            except csv.Error as exc:
                raise LifError(f"{path.name}: line {line + reader.line_num}: {exc}") from None
            except UnicodeDecodeError as exc:
                raise LifError(
                    f"{path.name}: not {encoding} text (byte {exc.start}); set the encoding option"
                ) from None

    @staticmethod
    def _block(path: Path, reader: Any, names: list[str], line: int, lines: _Lines) -> Batch | None:
        """The next rows as a batch (``None`` at the end of the file), read by ``reader`` (a
        csv reader whose first line is the one after line ``line``). Rows are taken a few at a
        time, and the block ends early at a row of the wrong width (reported below) or once it
        holds ``BLOCK_CHARS`` of text, so a file of absurdly wide rows never piles up in memory."""
        width, first = len(names), line + 1
        lines.chars = 0
        rows: list[list[str]] = []
        step, fits = 16, {0, width}
        while len(rows) < BATCH_SIZE:
            more = list(itertools.islice(reader, min(step, BATCH_SIZE - len(rows))))
            rows += more
            if len(more) < step or lines.chars > BLOCK_CHARS or not set(map(len, more)) <= fits:
                break
            # Take about a quarter of BLOCK_CHARS next, judging by the rows so far (16 to 256).
            step = min(256, max(16, BLOCK_CHARS // 4 * len(rows) // max(lines.chars, 1)))
        if not rows:
            return None
        if reader.line_num == len(rows) and set(map(len, rows)) == {width}:
            # One line a row, every row complete.
            return Batch.from_rows(names, rows, functools.partial(_line_label, first))
        kept = [(r, n) for r, n in zip(rows, _row_lines(rows, first), strict=True) if r]  # a blank line is no record
        for row, number in kept:
            if len(row) != width:
                raise LifError(f"{path.name}: line {number}: {len(row)} fields, but the header has {width}")
        return Batch.from_rows(names, [r for r, _ in kept], [f"line {n}" for _, n in kept])


#: The characters the csv module (its default dialect: quote ``"``, no escape character) treats
#: specially besides the delimiter: a block holding any of them is left to the csv module (NUL
#: only on Python 3.10, which refuses a line holding one).
_SPECIAL = '\r\n"\0'


class _PlainLines:
    """The fast path: lines each holding exactly the header's width of fields and nothing the
    csv module would read differently from ``str.split`` (no quote, no carriage return except
    in a CRLF line ending, no NUL, no blank line, no field over the csv module's size limit),
    split into columns with no per-row work in Python.

    Whether a text of whole lines qualifies is proved in one pass over its bytes: its
    delimiters, line breaks and special characters, kept in order with everything else deleted
    (``bytes.translate``), must read exactly ``width - 1`` delimiters and a line break, line
    after line. Text is split a few batches at a time, the rows past a batch's end waiting for
    the next; if the next lines do not qualify, the rows waiting are given back as the text they
    were (each line its fields joined by the delimiter, as proved), so the csv module starts
    where a batch would."""

    __slots__ = ("at", "crlf", "delete", "delimiter", "lf", "split", "width")

    def __init__(self, delimiter: str, width: int) -> None:
        self.delimiter, self.width = delimiter, width
        keep = (delimiter + _SPECIAL).encode("ascii")
        self.delete = bytes(b for b in range(256) if b not in keep)
        self.lf = (delimiter * (width - 1) + "\n").encode("ascii")
        self.crlf = (delimiter * (width - 1) + "\r\n").encode("ascii")
        self.split: list[list[str]] = [[] for _ in range(width)]  # columns of the rows split last
        self.at = 0  # the first of them not yet given

    @classmethod
    def of(cls, delimiter: str, width: int) -> _PlainLines | None:
        """The fast path for this delimiter, or ``None`` where it cannot apply (a delimiter that
        is not ASCII, or is itself special to the csv module)."""
        if not delimiter.isascii() or delimiter in _SPECIAL:
            return None
        return cls(delimiter, width)

    def batch(self, names: list[str], lines: _Lines, first: int) -> Batch | None:
        """The next ``BATCH_SIZE`` rows as a batch, if their lines qualify (fewer at the end of
        the file, an empty batch after it); else ``None``, with the lines (and any rows split
        but not given) left to be read again."""
        split, at = self.split, self.at
        held = len(split[0]) - at
        if held >= BATCH_SIZE:  # most batches: rows split already
            self.at = at + BATCH_SIZE
            return Batch(names, [c[at : at + BATCH_SIZE] for c in split], functools.partial(_line_label, first))
        columns = [c[at:] for c in split]  # the rows left (fewer than a batch)
        while True:
            text = lines.take_text()
            if not text:
                self.split, self.at = [[] for _ in split], 0
                return Batch(names, columns, functools.partial(_line_label, first))
            need = BATCH_SIZE - len(columns[0])
            more = self.columns(text)
            if more is None and (end := _after_lines(text, need)) < len(text):
                # Only the lines this batch needs, then: the lines past them may be what does not
                # qualify, and are left for the next batch.
                more = self.columns(text[:end])
                if more is not None:
                    lines.untake(text[end:])
            if more is None:
                if columns[0]:  # the rows split already go back first, as lines (LF or CRLF: the same to csv)
                    lines.line -= len(columns[0])
                    d = self.delimiter
                    text = "".join(d.join(row) + "\n" for row in zip(*columns, strict=True)) + text
                lines.untake(text)
                self.split, self.at = [[] for _ in split], 0
                return None
            lines.line += len(more[0])
            if len(more[0]) >= need:
                self.split, self.at = more, need
                columns = (
                    [c + m[:need] for c, m in zip(columns, more, strict=True)]
                    if columns[0]
                    else [m[:need] for m in more]
                )
                return Batch(names, columns, functools.partial(_line_label, first))
            columns = [c + m for c, m in zip(columns, more, strict=True)]

    def columns(self, text: str) -> list[list[str]] | None:
        """The fields of ``text`` (whole lines) as columns, exactly as the csv module reads
        them; ``None`` if the lines do not qualify."""
        if not text:
            return None
        if text[-1] != "\n":  # the file's last line without a line break (or ending in a lone CR: refused below)
            text += "\r\n" if "\r" in text else "\n"
        skeleton = text.encode("utf-8", "surrogatepass").translate(None, self.delete)
        ending = "\r\n" if b"\r" in skeleton else "\n"
        unit = self.crlf if ending == "\r\n" else self.lf
        n, width, d = len(skeleton) // len(unit), self.width, self.delimiter
        if skeleton != unit * n:
            return None
        flat = text.replace(ending, d).split(d)
        if len(flat) != n * width + 1:
            return None  # a CR not right before its LF
        flat.pop()  # the empty string after the last line break
        if len(text) > csv.field_size_limit() and max(map(len, flat)) > csv.field_size_limit():
            return None  # the csv module refuses a field this long, naming its line
        if width == 1 and "" in flat:
            return None  # a blank line, which is no record
        return [flat[i::width] for i in range(width)]


class _Lines:
    """A CSV file's lines, none longer than ``MAX_LINE`` (a longer one is refused before it is
    read), counting the characters handed to the csv module since ``chars`` was last reset (a
    block of lines at a time) and refusing ``BLOCK_CHARS_LIMIT`` of them, and the lines handed
    on or parsed (``line``, for messages).

    Where the encoding writes line breaks as ASCII bytes that mean nothing else (UTF-8, Latin-1,
    Windows-1252...), one quick pass over the bytes finds any line that is too long, and the
    file is then read as text, whole lines at a time, kept whole for the fast path
    (:class:`_PlainLines`) and split into lines only for the csv module; otherwise (UTF-16, say)
    each line is read with a limit, and only the csv module reads them.

    Lines read but not yet parsed wait in ``pending`` (a csv reader's leftovers, see
    :meth:`unread`), then in ``text``.
    """

    def __init__(self, path: Path, handle: Any, encoding: str) -> None:
        self.file, self.handle = path.name, handle
        self.line = 0  # lines parsed (or handed to a csv reader)
        self.chars = 0
        self.pending: list[str] = []
        self.text = ""  # whole lines read and not yet parsed, after those pending (text mode)
        self._rest = ""  # text read after the last whole line (text mode)
        self._ended = False
        self._current: Iterator[str] = iter(())  # the list of lines a csv reader is reading
        self.scanned = _ascii_line_breaks(encoding)
        if self.scanned:
            _check_line_lengths(path)

    def take_text(self) -> str:
        """The next whole lines, ``READ_CHARS`` or so of them, as one text (text mode); empty at the end."""
        parts = [*self.pending, self.text]
        self.pending, self.text = [], ""
        if parts == [""]:
            parts[0] = self._read_whole()
        return "".join(parts)

    def untake(self, text: str) -> None:
        """Put back what :meth:`take_text` gave, to be read again."""
        self.text = text + self.text

    def feed(self) -> Iterator[str]:
        """The lines from here on, for a csv reader; after its last record, :meth:`unread`."""
        return itertools.chain.from_iterable(self._lists())

    def unread(self) -> None:
        """Keep the lines the csv reader has not read (of the last list it took) for the next reading."""
        left = list(self._current)
        self.line -= len(left)
        self.pending = left + self.pending
        self._current = iter(())

    def _lists(self) -> Iterator[Iterator[str]]:
        while True:
            if self.pending:  # a csv reader's leftovers
                lines, self.pending = self.pending, []
                self._counted(sum(map(len, lines)))
            else:
                text = self.text or self._read_whole()
                if not text:
                    return
                self.text = ""
                self._counted(len(text))
                # Split as the file object splits lines (at LF, CRLF and CR, and nothing else).
                lines = io.StringIO(text, newline="").readlines() if self.scanned else [text]
            self.line += len(lines)
            self._current = current = iter(lines)
            yield current

    def _counted(self, size: int) -> None:
        self.chars += size
        if self.chars > BLOCK_CHARS_LIMIT:
            raise LifError(
                f"{self.file}: line {self.line}: more than {BLOCK_CHARS_LIMIT:,} characters in a few records; "
                "check the quoting (a quote left open runs on), or that this is the right file"
            )

    def _read_whole(self) -> str:
        """The next whole lines read (a line, where line breaks cannot be found in the bytes);
        empty at the end of the file."""
        if not self.scanned:
            line: str = self.handle.readline(MAX_LINE + 1)  # so a line too long is refused where it is
            if len(line) > MAX_LINE and line[-1] not in "\r\n":
                raise LifError(
                    f"{self.file}: line {self.line + 1}: longer than {MAX_LINE:,} characters; check the "
                    "delimiter and quoting, or that this is the right file"
                )
            return line
        # Read in pieces of at most 2,048 characters: the file object then decodes the same
        # 8 KiB blocks as when it reads lines, so a decoding error names the byte it always did.
        read, step = self.handle.read, min(2048, READ_CHARS)
        while not self._ended:
            parts, size = [self._rest], 0
            while size < READ_CHARS:
                piece = read(step)
                if not piece:
                    self._ended = True
                    break
                parts.append(piece)
                size += len(piece)
            text = "".join(parts)
            # Whole lines: up to the last LF, or the last CR not at the end (an LF may follow it).
            cut = len(text) if self._ended else max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1)) + 1
            if cut:
                self._rest = text[cut:]
                return text[:cut]
            self._rest = text  # no line ends here yet: a long line (MAX_LINE at most), read on
        return ""


def _after_lines(text: str, count: int) -> int:
    """The position just after the ``count``-th LF in ``text`` (its end if it holds fewer):
    guessed from the average line's length, then found a line at a time."""
    held = text.count("\n")
    if count <= 0:
        return 0
    if held < count:
        return len(text)
    at = len(text) * count // held
    seen = text.count("\n", 0, at)
    if seen < count:
        for _ in range(count - seen):
            at = text.index("\n", at) + 1
        return at
    for _ in range(seen - count + 1):
        at = text.rindex("\n", 0, at)
    return at + 1


def _ascii_line_breaks(encoding: str) -> bool:
    """Whether ``encoding`` writes CR, LF, comma and quote as those ASCII bytes (after any
    byte-order mark); in every such codec Python has, no other character contains those bytes."""
    encoder = codecs.getincrementalencoder(encoding)()
    encoder.encode("a")
    return bool(encoder.encode('\r\n,"') == b'\r\n,"')


def _check_line_lengths(path: Path) -> None:
    """Refuse a file with a line longer than ``MAX_LINE`` bytes, in one pass over its bytes a
    block at a time (no line is ever held whole)."""
    since = 0  # bytes since the last line break
    offset = 0  # of the block
    with path.open("rb") as handle:
        while block := handle.read(MAX_LINE):
            first = min(i for i in (block.find(b"\n"), block.find(b"\r"), len(block)) if i >= 0)
            if since + first > MAX_LINE:
                raise LifError(
                    f"{path.name}: line {_line_at(path, offset - since)}: longer than {MAX_LINE:,} bytes; check the "
                    "delimiter and quoting, or that this is the right file"
                )
            last = max(block.rfind(b"\n"), block.rfind(b"\r"))
            since = since + len(block) if last < 0 else len(block) - 1 - last
            offset += len(block)


def _line_at(path: Path, offset: int) -> int:
    """The line a byte offset is on (for a message: a second pass, only when one is needed)."""
    breaks = 0
    with path.open("rb") as handle:
        data = b""
        while offset > 0 and (block := handle.read(min(MAX_LINE, offset))):
            offset -= len(block)
            data = data[-1:] + block
            breaks += block.count(b"\n") + block.count(b"\r") - data.count(b"\r\n")
    return breaks + 1


def _csv_header(file: str, header: list[str]) -> list[str]:
    """The column names of a header row, checked in one pass. Problems are named by column
    position, never by name: when a file has lost its header row its first record is read as
    the header, and a record's values (a child's identifier, a date of birth) must not be shown."""
    if len(header) > MAX_COLUMNS:
        raise LifError(
            f"{file}: line 1: {len(header):,} columns, more than {MAX_COLUMNS:,} (Excel's limit); check the "
            "delimiter option, or that this is the right file"
        )
    names = [h.strip() for h in header]
    blank = [i + 1 for i, n in enumerate(names) if not n]
    if blank:
        raise LifError(
            f"{file}: line 1: column(s) {_positions(blank)} have no name in the header row; name every column "
            "(if line 1 is not a header row, add one)"
        )
    repeated = _repeated(names)
    if repeated:
        shown = "; ".join(f"columns {_positions([i + 1 for i in group])} have the same name" for group in repeated[:5])
        more = f" (and {len(repeated) - 5} more names)" if len(repeated) > 5 else ""
        raise LifError(
            f"{file}: line 1: {shown}{more}; give each column its own name (if line 1 is not a header row, add one)"
        )
    return names


def _positions(numbers: Sequence[int], most: int = 10) -> str:
    """``3, 7 and 9`` (the first ``most``, then how many more)."""
    shown = [str(n) for n in numbers[:most]]
    if len(numbers) > most:
        return f"{', '.join(shown)} and {len(numbers) - most:,} more"
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]


def _line_label(first: int, row: int) -> str:
    return f"line {first + row}"


def _row_lines(rows: list[list[str]], first: int) -> list[int]:
    """The line each row starts on: a quoted field can hold line breaks (\\n, \\r\\n or \\r, as
    the file is read), and a blank line is a row of its own."""
    out = []
    line = first
    for row in rows:
        out.append(line)
        line += 1
        for field in row:
            if "\n" in field or "\r" in field:
                line += field.count("\n") + field.count("\r") - field.count("\r\n")
    return out


def _known(path: Path, options: Mapping[str, OptionValue], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise LifError(f"{path.name}: unknown option(s) {', '.join(unknown)}; known: {', '.join(allowed) or 'none'}")


#: The largest single JSON record read; a larger one is refused rather than buffered.
MAX_JSON_RECORD = 16 * 1024 * 1024


class JsonAdapter(DataSourceAdapter):
    """A JSON array of objects (``.json``) or one object per line (``.jsonl``), streamed: the
    array is decoded an object at a time, never loaded whole."""

    name = "json"
    title = "JSON array of objects, or JSON Lines"
    suffixes = (".json", ".jsonl", ".ndjson")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        _known(path, options, ())
        try:
            handle = path.open(encoding="utf-8")
        except OSError as exc:
            raise LifError(f"{path.name}: cannot open: {exc.strerror}") from None
        with handle:
            try:
                if path.suffix.lower() in (".jsonl", ".ndjson"):
                    yield from self._lines(path, handle)
                else:
                    yield from self._array(path, handle)
            except UnicodeDecodeError as exc:
                raise LifError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None

    @staticmethod
    def _object(path: Path, value: object, where: str) -> Record:
        if not isinstance(value, dict):
            raise LifError(f"{path.name}: {where}: expected an object, got {type(value).__name__}")
        return Record(where, value)

    def _lines(self, path: Path, handle: Any) -> Iterator[Record]:
        readline = functools.partial(handle.readline, MAX_JSON_RECORD + 1)  # never a whole enormous line
        number = 0
        while line := readline():
            number += 1
            if len(line) > MAX_JSON_RECORD and not line.endswith("\n"):
                raise LifError(f"{path.name}: line {number}: longer than {MAX_JSON_RECORD:,} characters")
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LifError(f"{path.name}: line {number}: not JSON ({exc.msg})") from None
            except (ValueError, RecursionError) as exc:
                raise LifError(f"{path.name}: line {number}: {_json_limit(exc)}") from None
            yield self._object(path, value, f"line {number}")

    def _array(self, path: Path, handle: Any) -> Iterator[Record]:
        """The array's items, each decoded where it lies in a buffer of the text read so far
        (never re-copied per item). A record not yet complete is retried only once as much
        again has been read, so even one enormous record costs time in proportion to its size."""
        decoder = json.JSONDecoder()
        read = handle.read
        buffer = ""
        pos = 0  # where the unread part of buffer starts
        line = 1  # the line pos is on
        item = 0

        def more(size: int) -> bool:
            nonlocal buffer, pos
            chunk = read(size)
            if not chunk:
                return False
            buffer = buffer[pos:] + chunk if pos else buffer + chunk
            pos = 0
            return True

        def skip_space() -> None:
            nonlocal pos, line
            while True:
                end = _JSON_SPACE.match(buffer, pos).end()  # type: ignore[union-attr]  # always matches
                line += buffer.count("\n", pos, end)
                pos = end
                if pos < len(buffer) or not more(1 << 16):
                    return

        skip_space()
        if not buffer.startswith("[", pos):
            raise LifError(f"{path.name}: line {line}: expected a JSON array of objects ('[' first)")
        pos += 1
        skip_space()
        if buffer.startswith("]", pos):
            return
        while True:
            skip_space()
            while True:
                try:
                    value, end = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError as exc:
                    waiting = len(buffer) - pos
                    if waiting > MAX_JSON_RECORD:
                        raise LifError(
                            f"{path.name}: line {line}: a record longer than {MAX_JSON_RECORD:,} characters"
                        ) from None
                    if not more(max(1 << 16, waiting)):  # as much again as is waiting: linear however long
                        at = line + buffer.count("\n", pos, exc.pos)
                        raise LifError(f"{path.name}: line {at}: not JSON ({exc.msg})") from None
                except (ValueError, RecursionError) as exc:
                    raise LifError(f"{path.name}: line {line}: {_json_limit(exc)}") from None
            if end - pos > MAX_JSON_RECORD:
                raise LifError(f"{path.name}: line {line}: a record longer than {MAX_JSON_RECORD:,} characters")
            item += 1
            yield self._object(path, value, f"item {item} (line {line})")
            line += buffer.count("\n", pos, end)
            pos = end
            skip_space()
            if buffer.startswith(",", pos):
                pos += 1
                continue
            if buffer.startswith("]", pos):
                pos += 1
                skip_space()
                if pos < len(buffer):
                    raise LifError(f"{path.name}: line {line}: unexpected text after the array")
                return
            raise LifError(f"{path.name}: line {line}: expected ',' or ']' after item {item}")


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_limit(exc: BaseException) -> str:
    """What a record beyond the decoder's limits has (never its value)."""
    if isinstance(exc, RecursionError):
        return "a record nested too deeply to read; flatten it"
    return "a number with too many digits to read (over 4,300); write it as text"


_MIB = 1 << 20

#: Limits on an Excel workbook, checked before anything in it is read. Sizes are the zip's own
#: declared, uncompressed sizes: zipfile stops reading a member at its declared size and checks
#: its CRC, so no member can grow past what its header says. Real Annex A and board workbooks
#: are a few MB.
XLSX_MAX_MEMBERS = 10_000  # files in the zip
XLSX_MAX_DIRECTORY = 16 * _MIB  # the zip's table of contents
XLSX_MAX_TOTAL = 1024 * _MIB  # every member together
XLSX_MAX_SHEET = 256 * _MIB  # the sheet read (streamed: memory stays flat however long)
XLSX_MAX_STRINGS_PART = 64 * _MIB  # sharedStrings.xml (held in memory while the sheet is read)
XLSX_MAX_PART = 16 * _MIB  # the workbook, its relationships and its styles
XLSX_MAX_RATIO = 200  # uncompressed : compressed, for any member read over 1 MiB
XLSX_MAX_STRINGS = 1_048_576  # shared strings
XLSX_MAX_COLUMNS = MAX_COLUMNS  # Excel's own limits (column XFD, row 1,048,576)
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_LISTED = 65_536  # sheets, relationships, number formats or cell formats in a workbook
#: XML in a workbook: elements nested deeper than this, or one tag, comment or declaration
#: longer than this, are refused rather than buffered.
XML_MAX_DEPTH = 64
XML_MAX_TOKEN = 1 * _MIB

_REDO = "save the workbook again from Excel (or export the sheet as CSV) and read it again"
_SHEET_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
(_SHEETDATA, _ROW, _C, _V, _F, _IS, _T, _R, _SI) = range(1, 10)
#: Element names as expat gives them (``namespace name``; either namespace, or none) -> code.
_SHEET_TAGS = {
    f"{ns} {name}" if ns else name: code
    for ns in (*_SHEET_NS, "")
    for name, code in (
        ("sheetData", _SHEETDATA),
        ("row", _ROW),
        ("c", _C),
        ("v", _V),
        ("f", _F),
        ("is", _IS),
        ("t", _T),
        ("r", _R),
        ("si", _SI),
    )
}
_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})\Z")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
#: The last day Excel can show (9999-12-31) as a serial number.
_LAST_SERIAL = 2_958_466


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace (expat gives ``uri name``)."""
    return name.rpartition(" ")[2]


class _Workbook:
    """An .xlsx file opened for reading one sheet, streamed with the standard library's expat
    parser (no DTD, no entity, nothing fetched) over zip members whose sizes are checked first.

    openpyxl's reader is not used: in read-only mode it trusts the sheet's ``<dimension>``
    (a stale one loses rows), loads the shared strings whole, and lets a cell's raw value through
    in its errors. What it does is kept: formulas read as written (a shared formula translated
    to its cell, with openpyxl's translator), numbers formatted as dates read as dates (its
    date-format rules), and text as openpyxl reads it.
    """

    def __init__(self, path: Path) -> None:
        from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

        self.path, self.file = path, path.name
        _check_zip_directory(path)
        try:
            self.zip = zipfile.ZipFile(path)
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            struct.error,
            NotImplementedError,
        ) as exc:
            raise LifError(f"{self.file}: not a readable .xlsx workbook ({_zip_problem(exc)})") from None
        try:
            infos = self.zip.infolist()
            total = sum(i.file_size for i in infos)
            if total > XLSX_MAX_TOTAL:
                raise LifError(
                    f"{self.file}: refused: its parts would unpack to {total:,} bytes, more than "
                    f"{XLSX_MAX_TOTAL:,} (a zip bomb, or not a data workbook); export the sheet as CSV instead"
                )
            book = self._office_document()
            book_rels = self._relationships(book)
            self.sheets: dict[str, str] = {}  # worksheet name -> part
            self.epoch = WINDOWS_EPOCH
            if self._read_workbook(book, book_rels):
                self.epoch = MAC_EPOCH
            folder = book.rpartition("/")[0]
            styles = next(
                (t for kind, t in book_rels.values() if kind == "styles"), posixpath.join(folder, "styles.xml")
            )
            self.date_styles, self.timedelta_styles = self._read_styles(styles)
            strings = next(
                (t for kind, t in book_rels.values() if kind == "sharedStrings"),
                posixpath.join(folder, "sharedStrings.xml"),
            )
            self.strings = self._read_strings(strings)
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        self.zip.close()

    # ----------------------------------------------------------------------- parts

    def _info(self, name: str, limit: int, what: str) -> zipfile.ZipInfo:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise LifError(f"{self.file}: the workbook has no {what} ({name}): it is damaged; {_REDO}") from None
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise LifError(
                f"{self.file}: {name}: compressed in a way Excel never uses (method {info.compress_type}); {_REDO}"
            )
        if info.file_size > limit:
            raise LifError(
                f"{self.file}: {name}: refused: the {what} would unpack to {info.file_size:,} bytes, more than "
                f"{limit:,}; export the sheet as CSV instead"
            )
        if info.file_size > _MIB and info.file_size > XLSX_MAX_RATIO * max(info.compress_size, 1):
            raise LifError(
                f"{self.file}: {name}: refused: the {what} is compressed more than {XLSX_MAX_RATIO} to 1 "
                f"({info.compress_size:,} bytes unpacking to {info.file_size:,}), as zip bombs are; {_REDO}"
            )
        return info

    def _parse(self, name: str, limit: int, what: str, parser: expat.XMLParserType) -> Iterator[None]:
        """Feed a member to ``parser`` a block at a time, pausing after each block (so a sheet's
        rows can be handed on as they are read). A DTD is refused as soon as it begins, and a
        token (tag, comment) that would be buffered past ``XML_MAX_TOKEN`` is refused."""
        info = self._info(name, limit, what)
        parser.StartDoctypeDeclHandler = functools.partial(_refuse_dtd, f"{self.file}: {name}")
        parser.EntityDeclHandler = functools.partial(_refuse_dtd, f"{self.file}: {name}")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        fed = 0
        try:
            with self.zip.open(info) as stream:
                while True:
                    block = stream.read(1 << 16)
                    fed += len(block)
                    parser.Parse(block, not block)
                    if not block:
                        return
                    if fed - parser.CurrentByteIndex > XML_MAX_TOKEN:
                        raise LifError(
                            f"{self.file}: {name}: refused: a tag, comment or declaration longer than "
                            f"{XML_MAX_TOKEN:,} bytes; {_REDO}"
                        )
                    yield
        except expat.ExpatError as exc:
            raise LifError(
                f"{self.file}: {name}: line {exc.lineno}, column {exc.offset}: not well-formed XML "
                f"({expat.ErrorString(exc.code)}): the workbook is damaged; {_REDO}"
            ) from None
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
            raise LifError(f"{self.file}: {name}: cannot be unpacked ({_zip_problem(exc)}); {_REDO}") from None

    def _elements(
        self, name: str, limit: int, what: str, wanted: Mapping[tuple[str, str], str]
    ) -> dict[str, list[dict[str, str]]]:
        """The attributes of each element named in ``wanted`` (``(parent, element)`` by local
        name, to a key), at most ``XLSX_MAX_LISTED`` of each."""
        found: dict[str, list[dict[str, str]]] = {key: [] for key in wanted.values()}
        stack: list[str] = [""]
        file = self.file

        def start(tag: str, attributes: dict[str, str]) -> None:
            local = _local(tag)
            key = wanted.get((stack[-1], local))
            if key is not None:
                into = found[key]
                if len(into) >= XLSX_MAX_LISTED:
                    raise LifError(f"{file}: {name}: more than {XLSX_MAX_LISTED:,} <{local}> elements; {_REDO}")
                into.append({_local(k): v for k, v in attributes.items()})
            stack.append(local)
            if len(stack) > XML_MAX_DEPTH:
                raise LifError(f"{file}: {name}: elements nested more than {XML_MAX_DEPTH} deep; {_REDO}")

        def end(tag: str) -> None:
            stack.pop()

        parser = _expat_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        for _ in self._parse(name, limit, what, parser):
            pass
        return found

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type, e.g. ``worksheet``, and the target part)."""
        folder, _, base = part.rpartition("/")
        rels = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels not in self.zip.NameToInfo:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for attrs in self._elements(rels, XLSX_MAX_PART, "relationships", {("Relationships", "Relationship"): "r"})[
            "r"
        ]:
            target = attrs.get("Target", "")
            if attrs.get("TargetMode") == "External" or not target:
                continue
            resolved = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}" if folder else target
            out[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], posixpath.normpath(resolved))
        return out

    def _office_document(self) -> str:
        for kind, target in self._relationships("").values():
            if kind == "officeDocument":
                return target
        return "xl/workbook.xml"

    def _read_workbook(self, book: str, rels: Mapping[str, tuple[str, str]]) -> bool:
        """Read the worksheets' names and parts; true if the workbook counts dates from 1904."""
        found = self._elements(
            book, XLSX_MAX_PART, "workbook part", {("sheets", "sheet"): "sheet", ("workbook", "workbookPr"): "props"}
        )
        for sheet in found["sheet"]:
            kind, target = rels.get(sheet.get("id", ""), ("", ""))
            if kind == "worksheet" and "name" in sheet:
                self.sheets.setdefault(sheet["name"], target)
        return any(p.get("date1904", "").lower() in ("1", "true") for p in found["props"])

    def _read_styles(self, part: str) -> tuple[frozenset[int], frozenset[int]]:
        """The cell formats (by index) that show a number as a date or time, and as a duration
        (openpyxl's rules)."""
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

        if part not in self.zip.NameToInfo:
            return frozenset(), frozenset()
        found = self._elements(
            part, XLSX_MAX_PART, "styles part", {("numFmts", "numFmt"): "format", ("cellXfs", "xf"): "xf"}
        )
        custom = {f.get("numFmtId", ""): f.get("formatCode") for f in found["format"]}
        dates, durations = set(), set()
        for index, xf in enumerate(found["xf"]):
            number = xf.get("numFmtId", "0")
            code = custom.get(number)
            if code is None and _digits(number):
                code = BUILTIN_FORMATS.get(int(number))
            if is_date_format(code):
                dates.add(index)
            if is_timedelta_format(code):
                durations.add(index)
        return frozenset(dates), frozenset(durations)

    def _read_strings(self, part: str) -> list[str]:
        """The shared strings as openpyxl reads them: a string's own text and its runs' text,
        not its phonetic guides."""
        if part not in self.zip.NameToInfo:
            return []
        strings: list[str] = []
        stack: list[int] = [0]
        parts: list[str] = []
        capture: list[str] | None = None
        size = 0
        file = self.file

        def start(tag: str, _attributes: dict[str, str]) -> None:
            nonlocal capture
            code = _SHEET_TAGS.get(tag, 0)
            parent = stack[-1]
            if code == _T and (parent == _SI or (parent == _R and stack[-2] == _SI)):
                capture = parts
            elif code == _SI:
                parts.clear()
            elif not (code == _R and parent == _SI):
                code = 0
            stack.append(code)
            if len(stack) > XML_MAX_DEPTH:
                raise LifError(f"{file}: {part}: elements nested more than {XML_MAX_DEPTH} deep; {_REDO}")

        def end(_tag: str) -> None:
            nonlocal capture, size
            code = stack.pop()
            if code == _T:
                capture = None
            elif code == _SI:
                if len(strings) >= XLSX_MAX_STRINGS:
                    raise LifError(
                        f"{file}: {part}: refused: more than {XLSX_MAX_STRINGS:,} shared strings; "
                        "export the sheet as CSV instead"
                    )
                strings.append("".join(parts).replace("x005F_", ""))
                parts.clear()
                size = 0

        def text(data: str) -> None:
            nonlocal size
            if capture is not None:
                capture.append(data)
                size += len(data)
                if size > MAX_FIELD:
                    raise LifError(
                        f"{file}: {part}: shared string {len(strings)}: longer than {MAX_FIELD:,} characters; "
                        "shorten it (Excel holds 32,767 in a cell)"
                    )

        parser = _expat_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        for _ in self._parse(part, XLSX_MAX_STRINGS_PART, "shared strings", parser):
            pass
        return strings

    # ----------------------------------------------------------------------- a sheet

    def rows(self, sheet: str, header_row: int) -> Iterator[tuple[list[str], list[tuple[str, list[Any]]]]]:
        """The sheet's header names and its rows after the header, a block at a time: each
        block is ``(names, [(place, values)])``, values in the header's order. Every row the
        sheet's XML holds is read, whatever its ``<dimension>`` claims; blank rows are skipped."""
        from openpyxl.formula.tokenizer import TokenizerError
        from openpyxl.formula.translate import Translator
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        part = self.sheets[sheet]
        file, strings, dates, durations, epoch = (
            self.file,
            self.strings,
            self.date_styles,
            self.timedelta_styles,
            self.epoch,
        )
        n_strings = len(strings)
        ready: list[tuple[str, list[Any]]] = []
        names: list[str] = []
        width = 0
        stack: list[int] = [0]
        columns: dict[str, int] = {}  # column letters already met -> number
        styles: dict[str, int] = {}  # cell formats already met -> what they show (style_kind)
        shared: dict[str, Any] = {}  # shared formulas: si -> openpyxl's translator (None if it cannot read it)
        shared_size = 0
        row_number = 0  # the current row's number
        row_text = "0"
        last_column = 0
        header: dict[int, Any] = {}
        values: list[Any] = []
        filled = False
        column = 0  # the current cell's column
        cell_type = "n"
        cell_style = 0
        v_parts: list[str] = []
        f_parts: list[str] = []
        f_attrs: dict[str, str] = {}
        is_parts: list[str] = []
        has_v = has_f = has_is = False
        capture: list[str] | None = None
        size = 0

        def where(column: int) -> str:
            name = names[column - 1] if 0 < column <= width else None
            ref = f"{_column_letters(column)}{row_number}"
            return f"{file}: {sheet}!row {row_number}: cell {ref}" + (f" ({name})" if name else "")

        def new_column(ref: str) -> int:
            """The column of a cell reference not met before in this form (checked)."""
            match = _CELL_REF.match(ref)
            if match is None or match.group(2) != row_text:
                raise LifError(
                    f"{file}: {sheet}!row {row_number}: the cell after "
                    + (f"cell {_column_letters(last_column)}{row_number}" if last_column else "the row's start")
                    + f" has an invalid reference; {_REDO}"
                )
            letters = match.group(1)
            return columns.setdefault(letters, _column_number(letters))

        def style_kind(style: str) -> int:
            """What a cell format shows a number as: 1 a number, 2 a date, 3 a duration."""
            index = int(style) if _digits(style) and len(style) < 10 else -1
            kind = 3 if index in durations else 2 if index in dates else 1
            if len(styles) < XLSX_MAX_LISTED:
                styles[style] = kind
            return kind

        def start(tag: str, attributes: dict[str, str]) -> None:
            nonlocal capture, row_number, row_text, last_column, filled, values
            nonlocal column, cell_type, cell_style, has_v, has_f, has_is, size, f_attrs
            code = _SHEET_TAGS.get(tag, 0)
            parent = stack[-1]
            if code == _C and parent == _ROW:
                ref = attributes.get("r")
                if ref is None:
                    column = last_column + 1
                else:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters, 0)
                    if not column or ref[len(letters) :] != row_text:
                        column = new_column(ref)
                if column > XLSX_MAX_COLUMNS:
                    raise LifError(
                        f"{file}: {sheet}!row {row_number}: a cell beyond Excel's last column "
                        f"({_column_letters(XLSX_MAX_COLUMNS)}); {_REDO}"
                    )
                if column <= last_column:
                    raise LifError(
                        f"{where(column)}: comes after cell {_column_letters(last_column)}{row_number}: cells out of "
                        f"order (the workbook is damaged); {_REDO}"
                    )
                last_column = column
                cell_type = attributes.get("t", "n")
                style = attributes.get("s")
                cell_style = 0 if style is None else styles.get(style) or style_kind(style)
                has_v = has_f = has_is = False
                size = 0
            elif code == _V and parent == _C:
                capture = v_parts
                v_parts.clear()
                has_v = True
            elif code == _F and parent == _C:
                capture = f_parts
                f_parts.clear()
                f_attrs = attributes
                has_f = True
            elif code == _T and (parent == _IS or (parent == _R and stack[-2] == _IS)):
                capture = is_parts
            elif code == _IS and parent == _C:
                is_parts.clear()
                has_is = True
            elif code == _R and parent == _IS:
                pass
            elif code == _ROW and parent == _SHEETDATA:
                given = attributes.get("r")
                if given is None:
                    number = row_number + 1
                elif _digits(given) and len(given) < 10:
                    number = int(given)
                else:
                    raise LifError(
                        f"{file}: {sheet}: the row after row {row_number} has an invalid row number; {_REDO}"
                    )
                if number <= row_number:
                    raise LifError(
                        f"{file}: {sheet}: the row after row {row_number} says it is row {number}: rows out of "
                        f"order (the workbook is damaged); {_REDO}"
                    )
                if number > XLSX_MAX_ROWS:
                    raise LifError(
                        f"{file}: {sheet}: the row after row {row_number} is numbered beyond Excel's last row "
                        f"({XLSX_MAX_ROWS:,}); {_REDO}"
                    )
                row_number, row_text, last_column = number, str(number), 0
                if row_number > header_row:
                    if not names:
                        raise LifError(
                            f"{file}: {sheet}!row {header_row}: the header row is blank; put the column names in "
                            "it, or set option header_row"
                        )
                    values = [None] * width
                    filled = False
                elif row_number == header_row:
                    header.clear()
            elif not (code == _SHEETDATA and parent != _SHEETDATA):
                code = 0
            stack.append(code)
            if len(stack) > XML_MAX_DEPTH:
                raise LifError(f"{file}: {sheet}: elements nested more than {XML_MAX_DEPTH} deep; {_REDO}")

        def end(_tag: str) -> None:
            nonlocal capture
            code = stack.pop()
            if code in (_V, _F, _T):
                capture = None
            elif code == _C:
                cell()
            elif code == _ROW:
                row()

        def text(data: str) -> None:
            nonlocal size
            if capture is not None:
                capture.append(data)
                size += len(data)
                if size > MAX_FIELD:
                    raise LifError(f"{where(column)}: longer than {MAX_FIELD:,} characters; {_REDO}")

        def cell() -> None:
            nonlocal filled, shared_size
            if has_f:
                formula = "=" + "".join(f_parts)
                if f_attrs.get("t") == "shared":
                    si = f_attrs.get("si", "")
                    if si in shared:
                        try:
                            translator = shared[si]
                            if translator is None:
                                raise ValueError
                            formula = translator.translate_formula(f"{_column_letters(column)}{row_number}")
                        except (TokenizerError, IndexError, KeyError, ValueError, AssertionError):
                            raise LifError(
                                f"{where(column)}: a shared formula that cannot be followed; {_REDO}"
                            ) from None
                    elif formula != "=":
                        shared_size += len(formula)
                        if shared_size > XLSX_MAX_PART:
                            raise LifError(f"{where(column)}: too many shared formulas; {_REDO}")
                        try:  # (openpyxl's translator reads the formula as it is made)
                            shared[si] = Translator(formula, f"{_column_letters(column)}{row_number}")
                        except (TokenizerError, IndexError, KeyError, ValueError, AssertionError):
                            shared[si] = None  # the cells that share it are reported
                if row_number < header_row:
                    return
                value: Any = formula
            elif row_number < header_row:
                return
            elif cell_type == "inlineStr":
                value = "".join(is_parts) if has_is else None
            else:
                raw = "".join(v_parts) if has_v else ""
                value = convert(raw) if raw else None
            if row_number == header_row:
                header[column] = value
            elif value is not None:
                if column > width:
                    raise LifError(
                        f"{file}: {sheet}!row {row_number}: values beyond the last named column "
                        f"({_column_letters(width)}); name the column in the header row or clear the cells"
                    )
                values[column - 1] = value
                filled = True

        def convert(raw: str) -> Any:
            """A cell's value from its text and type; a value that is not what its type says is
            an error naming the cell, never quoting the value."""
            kind = cell_type
            if kind == "s":
                if _digits(raw) and len(raw) < 10 and int(raw) < n_strings:
                    return strings[int(raw)]
                raise LifError(
                    f"{where(column)}: refers to a shared string the workbook does not have (it is damaged); {_REDO}"
                )
            if kind == "n":
                if _digits(raw) and len(raw) < 16:
                    number: int | float = int(raw)
                else:
                    stripped = raw.strip()
                    if not _NUMBER.match(stripped) or len(stripped) > 400:
                        raise LifError(
                            f"{where(column)}: marked as a number but holds something else; if it is text (an "
                            "identifier, say), format the cell as Text, type it again and save the workbook"
                        )
                    is_int = "." not in stripped and "e" not in stripped and "E" not in stripped
                    number = int(stripped) if is_int else float(stripped)
                    if not math.isfinite(number):
                        raise LifError(f"{where(column)}: a number too large for Excel; {_REDO}")
                if cell_style > 1:
                    if cell_style == 3:
                        try:
                            return from_excel(number, epoch, timedelta=True)
                        except (OverflowError, ValueError):
                            pass
                    elif 0 <= number < _LAST_SERIAL:
                        return from_excel(number, epoch)
                    raise LifError(
                        f"{where(column)}: formatted as a date but its serial number is outside Excel's dates "
                        "(1900 to 9999); type the date again, or format the cell as a number if it is not one"
                    )
                return number
            if kind == "str" or kind == "e":
                return raw
            if kind == "b":
                if raw in ("0", "1"):
                    return raw == "1"
                raise LifError(
                    f"{where(column)}: marked as true/false but holds something else; if it is text, format the "
                    "cell as Text, type it again and save the workbook"
                )
            if kind == "d":
                try:
                    return from_ISO8601(raw.strip())
                except (ValueError, OverflowError):
                    raise LifError(
                        f"{where(column)}: marked as a date but does not hold one; if it is text, format the cell "
                        "as Text, type it again and save the workbook"
                    ) from None
            raise LifError(f"{where(column)}: has a cell type Excel does not write; {_REDO}")

        def row() -> None:
            nonlocal names, width
            if row_number == header_row:
                names, width = _header_names(file, sheet, row_number, header)
            elif row_number > header_row and filled:
                ready.append((f"{sheet}!row {row_number}", values))

        parser = _expat_parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        for _ in self._parse(part, XLSX_MAX_SHEET, "sheet", parser):
            if ready:
                yield names, ready
                ready = []
        if ready:
            yield names, ready


def _header_names(file: str, sheet: str, number: int, header: Mapping[int, Any]) -> tuple[list[str], int]:
    width = max((c for c, v in header.items() if v is not None and str(v).strip()), default=0)
    names = [str(header[c]).strip() if header.get(c) is not None else "" for c in range(1, width + 1)]
    if not names:
        raise LifError(
            f"{file}: {sheet}!row {number}: the header row is blank; put the column names in it, or set option "
            "header_row"
        )
    blank = [_column_letters(i + 1) for i, n in enumerate(names) if not n]
    if blank:
        raise LifError(
            f"{file}: {sheet}!row {number}: header has blank column(s) {', '.join(blank)}; name every column "
            "up to the last one"
        )
    repeated = _repeated(names)
    if repeated:
        raise LifError(
            f"{file}: {sheet}!row {number}: "
            + "; ".join(
                f"columns {', '.join(_column_letters(i + 1) for i in group)} have the same name" for group in repeated
            )
            + "; give each column its own name"
        )
    return names, width


def _repeated(names: Sequence[str]) -> list[list[int]]:
    """Positions (from 0) of names that appear more than once, a group per name, in one pass."""
    seen: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        seen.setdefault(name, []).append(index)
    return [group for group in seen.values() if len(group) > 1]


def _digits(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also takes other scripts' digits, and ``²``)."""
    return text.isascii() and text.isdigit()


def _expat_parser() -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


def _refuse_dtd(where: str, *_args: object) -> None:
    raise LifError(
        f"{where}: refused: declares a DTD or entities, which workbooks never need and which can be used to "
        "attack the reader (entity expansion, reading local files)"
    )


def _zip_problem(exc: BaseException) -> str:
    """What went wrong unpacking, never quoting the file: zipfile's messages can quote names and
    bytes read from the file (a header name holding a child's identifier), so only the words
    before any quoted part are kept, printable and short."""
    text = str(exc)
    if "differ" in text and "header" in text:
        return f"{type(exc).__name__}: a file name in the directory and in its header differ"
    kept = re.split(r"[\"'(\[{<]|\bb'", text, maxsplit=1)[0]
    kept = "".join(c for c in kept if c.isprintable()).strip(" :,;")[:80]
    return f"{type(exc).__name__}: {kept}" if kept else type(exc).__name__


def _check_zip_directory(path: Path) -> None:
    """Refuse a zip whose table of contents is too large to hold (zipfile reads it whole),
    from its end record, before zipfile reads it."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 22 - 65_535))
            tail = handle.read()
            at = tail.rfind(b"PK\x05\x06")
            if at < 0 or len(tail) - at < 22:
                return  # not a zip: zipfile says so
            count = int.from_bytes(tail[at + 10 : at + 12], "little")
            directory = int.from_bytes(tail[at + 12 : at + 16], "little")
            if (count == 0xFFFF or directory == 0xFFFFFFFF) and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
                handle.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
                record = handle.read(56)
                if record[:4] == b"PK\x06\x06" and len(record) == 56:
                    count = int.from_bytes(record[32:40], "little")
                    directory = int.from_bytes(record[40:48], "little")
    except OSError as exc:
        raise LifError(f"{path.name}: cannot open: {exc.strerror}") from None
    if count > XLSX_MAX_MEMBERS or directory > XLSX_MAX_DIRECTORY:
        raise LifError(
            f"{path.name}: refused: the zip lists {count:,} files in {directory:,} bytes, more than a workbook "
            f"holds ({XLSX_MAX_MEMBERS:,} files, {XLSX_MAX_DIRECTORY:,} bytes); export the sheet as CSV instead"
        )


class XlsxAdapter(DataSourceAdapter):
    """An Excel workbook sheet with a header row, streamed a block of rows at a time.

    Options: ``sheet`` (name; default the first sheet), ``header_row`` (default 1).
    Formulas are read as written (``=H2+5``), never as a stale cached value, so a checked field
    holding one is reported rather than silently taken. Every row in the sheet is read, whatever
    its stated dimension; a malformed cell is reported by sheet, row, cell and column, never by
    its value; and the workbook's parts are size-checked before they are unpacked.
    """

    name = "xlsx"
    title = "Excel workbook (.xlsx)"
    suffixes = (".xlsx", ".xlsm")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        for batch in self.batches(path, options):
            yield from batch.records()

    def batches(
        self, path: Path, options: Mapping[str, OptionValue], columns: Collection[str] | None = None
    ) -> Iterator[Batch]:
        _known(path, options, ("sheet", "header_row"))
        header_row = options.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or not 1 <= header_row <= XLSX_MAX_ROWS:
            raise LifError(f"{path.name}: option header_row must be a whole number from 1 to {XLSX_MAX_ROWS:,}")
        sheet_name = options.get("sheet")
        book = _Workbook(path)
        try:
            if not book.sheets:
                raise LifError(f"{path.name}: the workbook has no worksheet")
            if sheet_name is None:
                sheet = next(iter(book.sheets))
            elif isinstance(sheet_name, str) and sheet_name in book.sheets:
                sheet = sheet_name
            else:
                raise LifError(f"{path.name}: no sheet {sheet_name!r}; sheets: {', '.join(book.sheets)}")
            rows: list[list[Any]] = []
            places: list[str] = []
            names: list[str] = []
            for names, block in book.rows(sheet, header_row):
                for place, values in block:
                    rows.append(values)
                    places.append(place)
                if len(rows) >= BATCH_SIZE:
                    yield Batch.from_rows(names, rows, places)
                    rows, places = [], []
            if rows:
                yield Batch.from_rows(names, rows, places)
        finally:
            book.close()


#: How long a query may run unless the source says (option ``time_limit``), in seconds of
#: SQLite's own work: time the reader spends on the rows between fetches is not counted.
SQLITE_TIME_LIMIT = 60.0
#: The longest text or blob a query may read or make, in bytes.
SQLITE_MAX_LENGTH = 16 * 1024 * 1024


class _Clock:
    """The time a query has spent inside SQLite, checked by its progress handler."""

    def __init__(self, limit: float) -> None:
        self.limit, self.spent, self.deadline, self.expired = limit, 0.0, 0.0, False

    def start(self) -> None:
        self.deadline = time.monotonic() + self.limit - self.spent

    def stop(self) -> None:
        self.spent = self.limit - (self.deadline - time.monotonic())

    def check(self) -> int:
        """Non-zero (interrupt the query) once the time is up."""
        if time.monotonic() > self.deadline:
            self.expired = True
            return 1
        return 0


class SqliteAdapter(DataSourceAdapter):
    """Rows of a query a board writes against its own SQLite database, opened read-only.

    Options: ``query`` (one SELECT or WITH statement), ``time_limit`` (seconds the query may run,
    60 by default: a query that never ends is stopped and reported). The connection is read-only
    (``mode=ro``, ``query_only``), trusts nothing in the database's schema (``trusted_schema``
    off), cannot attach another database, and no text or blob over 16 MiB is read or made.
    """

    name = "sqlite"
    title = "SQL query over a SQLite database"
    suffixes = (".sqlite", ".sqlite3", ".db")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        import sqlite3

        _known(path, options, ("query", "time_limit"))
        query = options.get("query")
        if not isinstance(query, str) or not query.strip():
            raise LifError(f"{path.name}: option query is required: the SELECT statement to run")
        if not re.match(r"^\s*(select|with)\b", query, re.IGNORECASE):
            raise LifError(f"{path.name}: option query must be a SELECT (or WITH ... SELECT) statement")
        limit = options.get("time_limit", SQLITE_TIME_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit <= 86_400:
            raise LifError(f"{path.name}: option time_limit must be a number of seconds from 0 to 86400")
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise LifError(f"{path.name}: cannot open: {exc}") from None
        clock = _Clock(float(limit))
        try:
            if hasattr(connection, "setlimit"):  # Python 3.11 and later
                connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_LENGTH)
                connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
            connection.execute("PRAGMA query_only = ON")
            connection.execute("PRAGMA trusted_schema = OFF")
            connection.set_progress_handler(clock.check, 1000)
            clock.start()
            try:
                cursor = connection.execute(query)
            except sqlite3.Error as exc:
                if clock.expired:
                    raise
                raise LifError(f"{path.name}: the query failed: {exc}") from None
            finally:
                clock.stop()
            names = [d[0] for d in cursor.description or ()]
            repeated = _repeated(names)
            if repeated:
                raise LifError(
                    f"{path.name}: the query gives two or more columns named "
                    f"{', '.join(repr(names[g[0]]) for g in repeated)}; name each once (AS ...)"
                )
            number = 0
            while True:
                clock.start()
                try:
                    rows = cursor.fetchmany(256)
                finally:
                    clock.stop()
                if not rows:
                    return
                for row in rows:
                    number += 1
                    yield Record(f"row {number}", dict(zip(names, row, strict=True)))
        except sqlite3.Error as exc:
            if clock.expired:
                raise LifError(
                    f"{path.name}: the query ran for more than {limit:g} second{'' if limit == 1 else 's'} and was "
                    "stopped; make it "
                    "faster, or raise the source's time_limit option"
                ) from None
            raise LifError(f"{path.name}: {exc}") from None
        finally:
            connection.close()


@hookimpl(trylast=True)
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(CsvAdapter())
    register(JsonAdapter())
    register(XlsxAdapter())
    register(SqliteAdapter())
