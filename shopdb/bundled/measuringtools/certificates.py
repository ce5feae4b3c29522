"""Calibration certificates: PDF files uploaded to a calibration record.

A certificate is checked by its content, not its name or the type the
client claims: the PDF header, the cross-reference offset the trailer
points at, the end marker with nothing appended after it (a ZIP or HTML
file glued to a PDF is a polyglot), and no HTML markup near the start
that a browser could run. It is bounded in size (the setting
`plugin.measuringtools.certificatemaxbytes`, default 10 MB), written under a
generated name in the instance folder (`<instance>/measuringtools/
certificates/<32 hex digits>.pdf`) and served back as an attachment.

Files follow the transaction (the core's stored-file service, through
`shopdb.api.store_file` and `discard_file`): a file written for a record
whose change is not committed (rolled back, or the session closed) is
removed, and a replaced or deleted certificate's file is removed only once
the change is committed.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session

from shopdb.api import discard_file, store_file, stored_path

# Under the instance folder; the files follow the transaction (shopdb.api.store_file).
CERTIFICATE_FOLDER = "measuringtools/certificates"
MAXBYTES_SETTING = "certificatemaxbytes"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
PDF_EXTENSION = ".pdf"
STORED_NAME = re.compile(r"[0-9a-f]{32}\.pdf")

HEADER = re.compile(rb"%PDF-[12]\.\d")
TRAILER = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
XREF_AT = re.compile(rb"\s*(xref\b|\d+\s+\d+\s+obj\b)")
MARKUP = re.compile(rb"<\s*(html|script|body|iframe|svg|!doctype)\b", re.IGNORECASE)
TAIL = 2048  # where the trailer of a PDF is
HEAD = 4096  # where a browser sniffing the content would look for markup


def pdf_problem(data: bytes) -> str | None:
    """Why `data` is not a PDF this site stores, or None when it is one."""
    if not data.startswith(b"%PDF-"):
        return "The file is not a PDF: it does not start with %PDF-."
    if not HEADER.match(data):
        return "The file is not a PDF: its header names no PDF version (%PDF-1.x or %PDF-2.x)."
    tail = data[-TAIL:]
    end = tail.rfind(b"%%EOF")
    if end < 0:
        return "The PDF has no %%EOF end marker; it is cut short or not a PDF."
    if tail[end + len(b"%%EOF") :].strip(b"\r\n\t \x00"):
        return (
            "The PDF has data after its final %%EOF marker (another file appended to it); "
            "upload the certificate as the lab sent it."
        )
    trailer = TRAILER.search(tail)
    if trailer is None:
        return "The PDF has no startxref offset before its %%EOF marker."
    offset = int(trailer.group(1))
    if offset >= len(data) or not XREF_AT.match(data, offset):
        return "The PDF's startxref offset does not point at a cross-reference table."
    if MARKUP.search(data[:HEAD]):
        return (
            "The file holds HTML markup near its start, which a browser could run; "
            "it is refused as a polyglot."
        )
    return None


def extension_problem(filename: str) -> str | None:
    if not filename.lower().endswith(PDF_EXTENSION):
        return f"The file name {filename!r} does not end in .pdf; certificates are PDF files."
    return None


def display_name(filename: str, calibrationid: int) -> str:
    """The name a download is offered under: the uploaded file's last path
    part, printable characters only, at most 255."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable() and char not in '"')
    return name[:255].strip() or f"certificate-{calibrationid}.pdf"


def certificate_path(storedname: str) -> Path:
    """The file of a stored name; a name the plugin did not generate is refused."""
    if not STORED_NAME.fullmatch(storedname):
        raise ValueError(f"{storedname!r} is not a certificate file name this plugin made")
    return stored_path(f"{CERTIFICATE_FOLDER}/{storedname}", (CERTIFICATE_FOLDER,))


def store(session: Session, data: bytes) -> str:
    """Write the file under a new generated name (complete or not at all)
    and return the name; the file goes again if the transaction rolls back."""
    relpath = store_file(session, CERTIFICATE_FOLDER, data, PDF_EXTENSION)
    return relpath.rsplit("/", 1)[-1]


def discard(session: Session, storedname: str | None) -> None:
    """Remove a certificate's file once the transaction that dropped it commits."""
    if storedname:
        certificate_path(storedname)  # refuses a name the plugin did not make
        discard_file(session, f"{CERTIFICATE_FOLDER}/{storedname}", (CERTIFICATE_FOLDER,))
