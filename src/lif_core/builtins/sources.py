"""Builtin data-source adapter (hook: register_data_sources): CSV, streamed row by row."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from ..errors import LifError
from ..extensions import DataSourceAdapter, Record
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
                for row in reader:
                    line = reader.line_num
                    if not row:
                        continue
                    if len(row) != len(names):
                        raise LifError(f"{path.name}: line {line}: {len(row)} fields, but the header has {len(names)}")
                    yield Record(f"line {line}", dict(zip(names, row, strict=True)))
            except csv.Error as exc:
                raise LifError(f"{path.name}: line {reader.line_num}: {exc}") from None
            except UnicodeDecodeError as exc:
                raise LifError(
                    f"{path.name}: not {encoding} text (byte {exc.start}); set the encoding option"
                ) from None


@hookimpl(trylast=True)
def register_data_sources(register: Callable[[DataSourceAdapter], None]) -> None:
    register(CsvAdapter())
