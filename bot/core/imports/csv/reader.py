"""Turning the bytes of an uploaded CSV file into rows, each tagged with the physical line it starts on.

Owns the file-level decisions: the text encoding (UTF-8 with or without BOM, UTF-16 with BOM as Excel's
"Unicode text" writes it, else Windows-1252), the delimiter (comma, semicolon, tab, pipe) and the size
limit. Anything that makes the whole file unreadable raises `CsvFileError` with a message a person can act on.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

__all__ = ["CsvFileError", "MAX_BYTES", "decode", "sniff_delimiter", "read_rows"]

MAX_BYTES = 50 * 1024 * 1024
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class CsvFileError(ValueError):
    """The file as a whole cannot be imported (encoding, size, format, a missing column): nothing is imported."""


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
        found = csv.Sniffer().sniff(lines[0], delimiters=DELIMITERS).delimiter
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


def read_rows(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Each record with the 1-based physical line it starts on (a quoted field may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(
            f"line {start}: the CSV structure is broken ({exc}); check the quotes on that line"
        ) from None
