"""A spreadsheet file read as a header and rows of cells, whatever it is:
CSV with comma, semicolon or tab, in UTF-8 (with or without Excel's byte
order mark) or Windows-1252, or an XLSX workbook (its first sheet). Rows are
read one at a time, so the memory an import needs does not grow with the
file. A file that is none of these is one error that says what it is."""

from __future__ import annotations

import codecs
import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any
from zipfile import BadZipFile

from shopdb.errors import InvalidInputError

ZIP_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 1 << 16
DELIMITERS = (",", ";", "\t")
# csv refuses longer fields by default (128 KB); a text column holds 64 KB.
csv.field_size_limit(1 << 20)


def file_error(message: str) -> InvalidInputError:
    return InvalidInputError(message, {"file": [message]})


@dataclass
class Sheet:
    """What was read: the format, the header and the data rows (each with
    its line or row number in the file, counting the header as 1)."""

    kind: str
    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str = ""
    delimiter: str = ""
    total: int | None = None  # rows, when known cheaply (for a progress bar)


def open_sheet(stream: IO[bytes], filename: str = "") -> Sheet:
    """The file in `stream` (seekable, binary) as a Sheet, or a 400 naming
    what is wrong with it."""
    if not stream.seekable():
        spool = tempfile.SpooledTemporaryFile(max_size=SNIFF_BYTES * 16)  # noqa: SIM115
        shutil.copyfileobj(stream, spool)
        spool.seek(0)
        stream = spool
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    suffix = filename.lower().rpartition(".")[2] if "." in filename else ""
    if not head.strip(b"\xef\xbb\xbf \t\r\n"):
        raise file_error("The file is empty; send a header row and at least one row of data.")
    if head.startswith(ZIP_MAGIC) and suffix not in ("csv", "tsv", "txt"):
        return _xlsx(stream)
    if suffix in ("xlsx", "xlsm"):
        raise file_error(
            f"{filename} is not an XLSX workbook (it does not start as one); save it from "
            "Excel or LibreOffice as .xlsx, or send CSV."
        )
    return _csv(stream, head, filename or "The file")


def _encoding(stream: IO[bytes], head: bytes, name: str) -> str:
    if b"\x00" in head:
        raise file_error(
            f"{name} holds binary data (a NUL byte), not text: send a CSV file (comma, "
            "semicolon or tab separated) or an XLSX workbook."
        )
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while piece := stream.read(SNIFF_BYTES):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    finally:
        stream.seek(0)
    fallback = codecs.getincrementaldecoder("cp1252")()
    try:
        while piece := stream.read(SNIFF_BYTES):
            fallback.decode(piece)
    except UnicodeDecodeError as error:
        raise file_error(
            f"{name} is neither UTF-8 nor Windows-1252 text (byte {error.object[error.start]:#x} "
            "means nothing in either); save it as CSV UTF-8."
        ) from None
    finally:
        stream.seek(0)
    return "cp1252"


def _csv(stream: IO[bytes], head: bytes, name: str) -> Sheet:
    encoding = _encoding(stream, head, name)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first = head.decode(encoding, errors="replace").lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        headers = next(reader)
    except StopIteration:
        raise file_error("The file is empty; send a header row and rows of data.") from None
    except csv.Error as error:
        raise file_error(f"{name} is not readable CSV: {error}.") from None
    total = head.count(b"\n") if len(head) < SNIFF_BYTES else None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            # Numbered as a spreadsheet shows them (header 1), whatever lines a cell spans.
            for number, cells in enumerate(reader, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise file_error(f"Line {reader.line_num} is not readable CSV: {error}.") from None

    return Sheet("csv", [header.strip() for header in headers], rows(), encoding, delimiter, total)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _xlsx(stream: IO[bytes]) -> Sheet:
    from openpyxl import load_workbook  # on demand: see exporting.write_xlsx

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as error:
        raise file_error(f"The file is not a readable XLSX workbook ({error}).") from None
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        first = next(values)
    except StopIteration:
        workbook.close()
        raise file_error("The workbook's first sheet is empty; put a header row on it.") from None
    headers = ["" if cell is None else str(cell).strip() for cell in first]
    while headers and not headers[-1]:
        headers.pop()
    total = (sheet.max_row - 1) if sheet.max_row else None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        try:
            for number, cells in enumerate(values, start=2):
                found = [_cell(cell) for cell in cells[: len(headers)]]
                if any(cell is not None and str(cell).strip() for cell in found):
                    yield number, found
        finally:
            workbook.close()

    return Sheet("xlsx", headers, rows(), total=total)
