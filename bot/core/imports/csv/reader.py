"""Turning the bytes of an uploaded CSV file into rows, each tagged with the physical line it starts on.

Owns the file-level decisions: the text encoding (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
"Unicode text" writes it, else Windows-1252), the delimiter (comma, semicolon, tab, pipe) and the size
limits that keep a hostile file cheap to reject: the file size, a bounded sample for csv.Sniffer (quadratic
on a long quoted line: a 32 KB header took 7 s), the length of a field and of a record, the number of columns,
and a time budget (`Deadline`) the importer checks as it goes. Anything that makes the whole file unreadable
raises `CsvFileError` with a message a person can act on.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator

__all__ = [
    "CsvFileError",
    "Deadline",
    "MAX_BYTES",
    "MAX_COLUMNS",
    "MAX_FIELD_CHARS",
    "MAX_RECORD_CHARS",
    "SNIFF_CHARS",
    "TIME_BUDGET_SECONDS",
    "decode",
    "sniff_delimiter",
    "read_rows",
]

MAX_BYTES = 50 * 1024 * 1024
SNIFF_CHARS = 4096  # csv.Sniffer sees at most this much of the header line (its regexes are quadratic)
MAX_FIELD_CHARS = 32_768  # a CRM cell (even a long description) is far shorter
MAX_RECORD_CHARS = 262_144  # one row, all its cells together
MAX_COLUMNS = 1_000
TIME_BUDGET_SECONDS = 60.0  # one import's reading and checking; a 50 MB export of plain rows takes far less
_CHECK_EVERY = 1024  # rows between looks at the clock
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class CsvFileError(ValueError):
    """The file as a whole cannot be imported (encoding, size, format, a missing column): nothing is imported."""


class Deadline:
    """A time budget for one import: `check()` raises CsvFileError once `seconds` have passed since creation."""

    def __init__(self, seconds: float = TIME_BUDGET_SECONDS, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.at = clock() + seconds

    def check(self, doing: str = "reading the file") -> None:
        if self.clock() > self.at:
            raise CsvFileError(
                f"the file took longer than {self.seconds:g} s to import (stopped while {doing}): "
                "split it, or filter the report (e.g. to the last two years) and export again"
            )


def decode(data: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read with."""
    if not data:
        raise CsvFileError("the file is empty: export the report as CSV with its header row and try again")
    if len(data) > max_bytes:
        raise CsvFileError(
            f"the file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB "
            "(filter the report, e.g. to the last two years, and export again)"
        )
    if data[:4] == b"PK\x03\x04":
        raise CsvFileError("this is an Excel workbook (.xlsx), not a CSV file: in Excel use File > Save As > CSV UTF-8")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Excel's "Unicode Text" and some CRM exports: UTF-16 with a byte-order mark.
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise CsvFileError(f"the file starts like UTF-16 text but byte {exc.start} is not valid UTF-16") from None
    if b"\x00" in data[:4096]:
        raise CsvFileError("the file contains binary data (NUL bytes), not CSV text: export the report as CSV")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        bad_at = utf8_error.start
    try:
        # Older Excel and Salesforce exports on Windows write cp1252; it decodes all but five byte values.
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CsvFileError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02X} on line {line}; "
            f"first non-UTF-8 byte at offset {bad_at}): save it as 'CSV UTF-8' and upload it again"
        ) from None


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header: csv.Sniffer on the first non-empty lines, else the most frequent candidate."""
    lines = [line for line in text[:65536].splitlines() if line.strip()][:5]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff(lines[0][:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
        if found in DELIMITERS and _count_outside_quotes(lines[0], found) > 0:
            return found
    except csv.Error:
        pass
    # Sniffer gives up on a one-column-looking line; count the candidates outside quotes on the longest line
    # (a report title above the header has fewer delimiters than the header itself).
    best, best_count = ",", 0
    for char in DELIMITERS:
        count = max(_count_outside_quotes(line, char) for line in lines)
        if count > best_count:
            best, best_count = char, count
    return best


def read_rows(text: str, delimiter: str, deadline: Deadline | None = None) -> Iterator[tuple[int, list[str]]]:
    """Each record with the 1-based physical line it starts on (a quoted field may span several lines).
    Raises CsvFileError for a record over the size limits or when `deadline` passes."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    try:
        for count, row in enumerate(reader, 1):
            _check_record(start, row)
            if deadline is not None and count % _CHECK_EVERY == 0:
                deadline.check(f"reading line {start}")
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise CsvFileError(_too_long(start)) from None
        raise CsvFileError(
            f"line {start}: the CSV structure is broken ({exc}); check the quotes on that line"
        ) from None


def _too_long(line: int) -> str:
    return (
        f"line {line}: a field is longer than {MAX_FIELD_CHARS:,} characters, which no CRM export has; "
        'a quote is probably left open on that line (a field that starts with " must end with ")'
    )


def _check_record(line: int, row: list[str]) -> None:
    if len(row) > MAX_COLUMNS:
        raise CsvFileError(
            f"line {line} has {len(row):,} columns; at most {MAX_COLUMNS:,} are supported: "
            "export only the report's columns (Opportunity ID, Stage, Amount, Probability, Close Date, ...)"
        )
    total = 0
    for cell in row:
        if len(cell) > MAX_FIELD_CHARS:
            raise CsvFileError(_too_long(line))
        total += len(cell)
    if total > MAX_RECORD_CHARS:
        raise CsvFileError(
            f"line {line} holds {total:,} characters; a row may hold at most {MAX_RECORD_CHARS:,}: "
            "export only the report's columns"
        )
