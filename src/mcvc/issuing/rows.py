"""The rows of a batch: CSV (any delimiter Excel writes, UTF-8 or a named encoding), JSON
Lines, XLSX, or any iterable of mappings from the caller (a database query, an API).

Each row comes with where it was found ("line 7", "row 7 of sheet Results") so that every
refusal names it. An encoding is never guessed: a file that is not UTF-8 is refused with the
encodings to name instead, because a wrong guess would print wrong learners' names into
signed credentials.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from ..errors import InvalidInput

__all__ = ["RowSource", "read_rows"]

RowSource = str | Path | Iterable[Mapping[str, Any]]
Row = tuple[int, dict[str, Any] | str]

_DELIMITERS = (",", ";", "\t", "|")


def read_rows(source: RowSource, *, encoding: str | None = None) -> Iterator[Row]:
    """(line or row number, row) pairs; a row that cannot be read is given as its reason."""
    if not isinstance(source, (str, Path)):
        yield from _mappings(source)
        return
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx(path)
    elif suffix in (".jsonl", ".ndjson"):
        yield from _json_lines(_text(path, encoding))
    else:
        yield from _csv(_text(path, encoding), path)


def _mappings(rows: Iterable[Mapping[str, Any]]) -> Iterator[Row]:
    for number, row in enumerate(rows, start=1):
        if isinstance(row, Mapping):
            yield number, {str(k).strip(): _cell(v) for k, v in row.items() if k is not None}
        else:
            yield number, f"row {number} is a {type(row).__name__}, not a mapping of columns"


def _text(path: Path, encoding: str | None) -> str:
    raw = path.read_bytes()
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InvalidInput(f"{encoding!r} is not an encoding", code="ROWS_ENCODING") from None
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InvalidInput(
                f"{path}: not {encoding} at line {line}", code="ROWS_ENCODING"
            ) from None
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16")  # Excel's "Unicode text"
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{path} is not UTF-8 (byte 0x{raw[exc.start]:02X} on line {line}). Save it as "
            "'CSV UTF-8' (Excel: Save As, CSV UTF-8), or name its encoding: --encoding cp1252 "
            "(Excel on Windows, Western Europe), --encoding cp1250 (Central Europe), "
            "--encoding iso-8859-2",
            code="ROWS_ENCODING",
        ) from None


def _json_lines(text: str) -> Iterator[Row]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            yield number, f"not JSON: {exc}"
            continue
        yield number, row if isinstance(row, dict) else "a row must be a JSON object"


def sniff_delimiter(header: str) -> str:
    """The delimiter of a header line: the one that names a row_key column, else the most
    frequent of , ; tab | (Excel writes ; in most EU locales)."""
    best, best_count = ",", 0
    for delimiter in _DELIMITERS:
        fields = next(csv.reader([header], delimiter=delimiter), [])
        if "row_key" in (f.strip() for f in fields):
            return delimiter
        if len(fields) - 1 > best_count:
            best, best_count = delimiter, len(fields) - 1
    return best


def _csv(text: str, path: Path) -> Iterator[Row]:
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(header))
    if reader.fieldnames is None:
        return
    names = [n.strip() for n in reader.fieldnames if n]
    if len(set(names)) != len(names):
        raise InvalidInput(f"{path}: a column name repeats in the header", code="ROWS_FORMAT")
    for row in reader:
        extra = row.get(None)  # DictReader keeps surplus values under the key None
        if extra:
            yield reader.line_num, f"{len(extra)} more values than columns"
            continue
        yield (
            reader.line_num,
            {k.strip(): (v.strip() if isinstance(v, str) else "") for k, v in row.items() if k},
        )


def _xlsx(path: Path) -> Iterator[Row]:
    try:
        from openpyxl import load_workbook
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise InvalidInput("reading .xlsx needs openpyxl", code="ROWS_FORMAT") from None
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(f"{path}: not an Excel workbook ({exc})", code="ROWS_FORMAT") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = [str(h).strip() if h is not None else "" for h in header]
        for number, values in enumerate(rows, start=2):
            if all(v is None or str(v).strip() == "" for v in values):
                continue
            yield number, {n: _cell(v) for n, v in zip(names, values, strict=False) if n}
    finally:
        book.close()


def _cell(value: Any) -> Any:
    """A spreadsheet or database value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value.strip() if isinstance(value, str) else value
