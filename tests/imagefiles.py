"""Tiny real images made in the tests (no imaging library): a PNG with its
chunks and CRCs, a baseline JPEG's segment structure, SVG text."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int = 3, height: int = 2, text: bytes = b"") -> bytes:
    """An RGB PNG of red pixels; `text` goes in a tEXt chunk."""
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    extra = _chunk(b"tEXt", b"Comment\x00" + text) if text else b""
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + extra
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def jpeg(width: int = 5, height: int = 4) -> bytes:
    """A JPEG's segments (JFIF, start of frame, scan with a stuffed byte and
    a restart marker, end): enough structure for the checks."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + frame + scan + b"\x12\xff\x00\x34\xff\xd0\x56\xff\xd9"


def svg(width: int = 200, height: int = 100, body: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<rect x="10" y="10" width="50" height="20" fill="#e7f0fb"/>{body}</svg>'
    ).encode()


EVIL_SVG = (
    b'<?xml version="1.0"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b'viewBox="0 0 400 300" onload="alert(1)">'
    b"<script>alert(2)</script>"
    b'<image href="http://evil/x.png" width="10" height="10"/>'
    b'<use xlink:href="file:///etc/passwd"/>'
    b'<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">x</body></foreignObject>'
    b"<style>@import url(http://evil/y.css);</style>"
    b'<rect id="keep" width="5" height="5" onclick="alert(3)" fill="url(#g)"/>'
    b'<use xlink:href="#keep"/>'
    b"</svg>"
)
EVIL_WORDS = (b"script", b"onload", b"onclick", b"evil", b"file:", b"foreignObject", b"@import")


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()
