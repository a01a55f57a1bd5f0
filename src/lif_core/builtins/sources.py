"""Builtin data-source adapters (hook: register_data_sources): CSV, JSON and JSON Lines, Excel
workbooks and SQL over SQLite, each streamed a record at a time."""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import LifError
from ..extensions import BATCH_SIZE, Batch, DataSourceAdapter, Record, quiet_collector
from ..model import OptionValue
from ..plugins import hookimpl

#: The longest single CSV field accepted (csv's own default); longer is refused, not truncated.
MAX_FIELD = 131_072


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
        """Blocks of rows straight from the csv module: no per-row work in Python on the way
        in, unless a block holds a blank line or a field spanning lines (then each row's line
        number is worked out so messages still name it)."""
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
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                header = next(reader, None)
                if header is None:
                    raise LifError(f"{path.name}: the file is empty; expected a header row")
                names = [h.strip() for h in header]
                blank = [i + 1 for i, n in enumerate(names) if not n]
                if blank:
                    raise LifError(f"{path.name}: line 1: column(s) {blank} have no name in the header row")
                dupes = sorted({n for n in names if names.count(n) > 1})
                if dupes:
                    raise LifError(f"{path.name}: line 1: column name(s) repeated in the header: {', '.join(dupes)}")
                line = reader.line_num  # the last line read so far
                while True:
                    with quiet_collector():  # the rows live only until they are made columns
                        batch = self._block(path, reader, names, line)
                    if batch is None:
                        return
                    line = reader.line_num
                    if batch.size:
                        yield batch
            except csv.Error as exc:
                raise LifError(f"{path.name}: line {reader.line_num}: {exc}") from None
            except UnicodeDecodeError as exc:
                raise LifError(
                    f"{path.name}: not {encoding} text (byte {exc.start}); set the encoding option"
                ) from None

    @staticmethod
    def _block(path: Path, reader: Any, names: list[str], line: int) -> Batch | None:
        """The next rows as a batch (``None`` at the end of the file); ``line`` is the last
        line read before them."""
        rows = list(itertools.islice(reader, BATCH_SIZE))
        if not rows:
            return None
        width, first = len(names), line + 1
        if reader.line_num - line == len(rows) and set(map(len, rows)) == {width}:
            # The common case: one line a row, every row complete.
            return Batch.from_rows(names, rows, functools.partial(_line_label, first))
        kept = [(r, n) for r, n in zip(rows, _row_lines(rows, first), strict=True) if r]  # a blank line is no record
        for row, number in kept:
            if len(row) != width:
                raise LifError(f"{path.name}: line {number}: {len(row)} fields, but the header has {width}")
        return Batch.from_rows(names, [r for r, _ in kept], [f"line {n}" for _, n in kept])


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
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if len(line) > MAX_JSON_RECORD:
                raise LifError(f"{path.name}: line {number}: longer than {MAX_JSON_RECORD:,} characters")
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise LifError(f"{path.name}: line {number}: not JSON ({exc.msg})") from None
            yield self._object(path, value, f"line {number}")

    def _array(self, path: Path, handle: Any) -> Iterator[Record]:
        decoder = json.JSONDecoder()
        buffer = ""
        line = 1
        eof = False
        item = 0

        def more() -> bool:
            nonlocal buffer, eof
            chunk = handle.read(1 << 16)
            if not chunk:
                eof = True
                return False
            buffer += chunk
            return True

        def skip_space() -> None:
            nonlocal buffer, line
            while True:
                stripped = buffer.lstrip()
                line += buffer.count("\n", 0, len(buffer) - len(stripped))
                buffer = stripped
                if buffer or not more():
                    return

        skip_space()
        if not buffer.startswith("["):
            raise LifError(f"{path.name}: line {line}: expected a JSON array of objects ('[' first)")
        buffer = buffer[1:]
        skip_space()
        if buffer.startswith("]"):
            return
        while True:
            skip_space()
            while True:
                try:
                    value, end = decoder.raw_decode(buffer)
                    break
                except json.JSONDecodeError as exc:
                    if len(buffer) > MAX_JSON_RECORD:
                        raise LifError(
                            f"{path.name}: line {line}: a record longer than {MAX_JSON_RECORD:,} characters"
                        ) from None
                    if not more():
                        raise LifError(f"{path.name}: line {line + exc.lineno - 1}: not JSON ({exc.msg})") from None
            item += 1
            yield self._object(path, value, f"item {item} (line {line})")
            line += buffer.count("\n", 0, end)
            buffer = buffer[end:]
            skip_space()
            if buffer.startswith(","):
                buffer = buffer[1:]
                continue
            if buffer.startswith("]"):
                buffer = buffer[1:]
                skip_space()
                if buffer:
                    raise LifError(f"{path.name}: line {line}: unexpected text after the array")
                return
            raise LifError(f"{path.name}: line {line}: expected ',' or ']' after item {item}")


class XlsxAdapter(DataSourceAdapter):
    """An Excel workbook sheet with a header row, read row by row (openpyxl, read-only mode).

    Options: ``sheet`` (name; default the first sheet), ``header_row`` (default 1).
    Formulas are read as written (``=H2+5``), never as a stale cached value, so a checked field
    holding one is reported rather than silently taken.
    """

    name = "xlsx"
    title = "Excel workbook (.xlsx)"
    suffixes = (".xlsx", ".xlsm")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        _known(path, options, ("sheet", "header_row"))
        import zipfile

        import openpyxl

        header_row = options.get("header_row", 1)
        if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
            raise LifError(f"{path.name}: option header_row must be a whole number from 1")
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise LifError(f"{path.name}: not a readable .xlsx workbook ({exc})") from None
        try:
            sheet_name = options.get("sheet")
            if sheet_name is None:
                sheet = book.worksheets[0]
            elif isinstance(sheet_name, str) and sheet_name in book.sheetnames:
                sheet = book[sheet_name]
            else:
                raise LifError(f"{path.name}: no sheet {sheet_name!r}; sheets: {', '.join(book.sheetnames)}")
            names: list[str] | None = None
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number < header_row:
                    continue
                if names is None:
                    names = [str(c).strip() if c is not None else "" for c in row]
                    while names and not names[-1]:
                        names.pop()
                    blank = [i + 1 for i, n in enumerate(names) if not n]
                    if blank or not names:
                        raise LifError(f"{path.name}: {sheet.title}!row {number}: header has blank column(s) {blank}")
                    continue
                if all(c is None for c in row):
                    continue
                extra = [c for c in row[len(names) :] if c is not None]
                if extra:
                    raise LifError(f"{path.name}: {sheet.title}!row {number}: values beyond the last named column")
                values = list(row[: len(names)]) + [None] * (len(names) - len(row))
                yield Record(f"{sheet.title}!row {number}", dict(zip(names, values, strict=True)))
        finally:
            book.close()


class SqliteAdapter(DataSourceAdapter):
    """Rows of a query a board writes against its own SQLite database, opened read-only.

    Options: ``query`` (one SELECT or WITH statement).
    """

    name = "sqlite"
    title = "SQL query over a SQLite database"
    suffixes = (".sqlite", ".sqlite3", ".db")

    def read(self, path: Path, options: Mapping[str, OptionValue]) -> Iterator[Record]:
        import sqlite3

        _known(path, options, ("query",))
        query = options.get("query")
        if not isinstance(query, str) or not query.strip():
            raise LifError(f"{path.name}: option query is required: the SELECT statement to run")
        if not re.match(r"^\s*(select|with)\b", query, re.IGNORECASE):
            raise LifError(f"{path.name}: option query must be a SELECT (or WITH ... SELECT) statement")
        try:
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise LifError(f"{path.name}: cannot open: {exc}") from None
        try:
            connection.execute("PRAGMA query_only = ON")
            try:
                cursor = connection.execute(query)
            except sqlite3.Error as exc:
                raise LifError(f"{path.name}: the query failed: {exc}") from None
            names = [d[0] for d in cursor.description or ()]
            for number, row in enumerate(cursor, start=1):
                yield Record(f"row {number}", dict(zip(names, row, strict=True)))
        except sqlite3.DatabaseError as exc:
            raise LifError(f"{path.name}: {exc}") from None
        finally:
            connection.close()


@hookimpl(trylast=True)
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(CsvAdapter())
    register(JsonAdapter())
    register(XlsxAdapter())
    register(SqliteAdapter())
