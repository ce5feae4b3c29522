"""Uploaded images (floor plans, model pictures), checked by their content.

The bytes decide the type, never the file name or the type a client
claims: PNG by its signature and chunks up to IEND, JPEG by its segments up
to EOI, SVG by parsing it as XML whose root is an SVG element. The name's
extension must then agree with the content. A file with anything after its
end (a ZIP or HTML page glued to a PNG or JPEG is a polyglot) or with HTML
markup in its first bytes, which a sniffing browser could run, is refused.

An SVG is parsed without DTDs or entities (defusedxml) and rebuilt from an
allowlist of elements and attributes: no script, no foreignObject, no event
handler attributes, no reference that leaves the document (only
`#fragment` links and `url(#fragment)` paints stay), no style sheet with
`@import` or an outside `url(`. What is served is the rebuilt document; the
server also sends every stored image with a sandboxing
Content-Security-Policy, so even a file placed by hand cannot run script.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree  # type: ignore[import-untyped]
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

from shopdb.services.settings import define_setting

MAXBYTES_SETTING = "uploads.imagemaxbytes"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
define_setting(
    MAXBYTES_SETTING,
    "integer",
    DEFAULT_MAX_BYTES,
    "The largest floor plan or model picture an upload may be, in bytes (413 beyond it)",
    minimum=1024,
    maximum=200 * 1024 * 1024,
)

# The media type and the extensions a name may end in, per content type.
KINDS = {
    "png": ("image/png", (".png",)),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg")),
    "svg": ("image/svg+xml", (".svg",)),
}
HEAD = 1024  # where a sniffing browser looks for markup
MARKUP = re.compile(
    rb"<\s*(html|script|body|iframe|svg|!doctype|head|object|embed)\b", re.IGNORECASE
)
MAXIMUM_SIDE = 100_000  # pixels; larger is no floor plan, rather a broken header


class ImageError(ValueError):
    """Why an upload is not an image this site stores (the message says)."""


@dataclass(frozen=True)
class CheckedImage:
    """An image as it is stored: its content type, the extension it is
    stored under, its size in pixels and its bytes (an SVG rebuilt safe)."""

    kind: str
    data: bytes
    width: int
    height: int

    @property
    def mimetype(self) -> str:
        return KINDS[self.kind][0]

    @property
    def extension(self) -> str:
        return KINDS[self.kind][1][0]


def sniff(data: bytes) -> str | None:
    """The image type the bytes say they are ("png", "jpeg", "svg"), or None."""
    if data.startswith(PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:HEAD].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<") and b"<svg" in data[:4096].lower():
        return "svg"
    return None


def check_image(data: bytes, filename: str) -> CheckedImage:
    """The image to store from an upload named `filename`, or ImageError."""
    kind = sniff(data)
    if kind is None:
        raise ImageError(
            "The file is not a PNG, JPEG or SVG image by its content; upload one of those."
        )
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    mimetype, extensions = KINDS[kind]
    if extension not in extensions:
        raise ImageError(
            f"The file name {filename!r} ends in {extension or 'no extension'!r}, but the "
            f"content is {kind.upper()} ({mimetype}); name it with {' or '.join(extensions)}."
        )
    if kind == "png":
        width, height = png_size(data)
    elif kind == "jpeg":
        width, height = jpeg_size(data)
    else:
        data, (width, height) = sanitise_svg(data)
    if kind != "svg" and MARKUP.search(data[:HEAD]):
        raise ImageError(
            "The image holds HTML markup in its first bytes, which a browser could run; "
            "it is refused as a polyglot."
        )
    if not (0 < width <= MAXIMUM_SIDE and 0 < height <= MAXIMUM_SIDE):
        raise ImageError(
            f"The image says it is {width} x {height} pixels; each side must be from 1 "
            f"to {MAXIMUM_SIDE}."
        )
    return CheckedImage(kind, data, width, height)


def served_type(data: bytes) -> str | None:
    """The media type a stored file is served as, by its content; None for a
    file that is no image (then it is not served at all)."""
    kind = sniff(data)
    return KINDS[kind][0] if kind else None


# PNG ---------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from IHDR, after walking every chunk (with its CRC)
    to IEND, which must end the file."""
    position = len(PNG_SIGNATURE)
    size: tuple[int, int] | None = None
    while True:
        if position + 8 > len(data):
            raise ImageError("The PNG is cut short: it ends before its IEND chunk.")
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        end = position + 8 + length + 4
        if end > len(data):
            raise ImageError(f"The PNG is cut short inside its {kind!r} chunk.")
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(kind + body) != crc:
            raise ImageError(f"The PNG's {kind.decode('latin-1')!r} chunk has a wrong CRC.")
        if size is None:
            if kind != b"IHDR" or length != 13:
                raise ImageError("The PNG does not start with its IHDR header chunk.")
            size = struct.unpack(">II", body[:8])
        if kind == b"IEND":
            if data[end:]:
                raise ImageError(
                    "The PNG has data after its IEND chunk (another file appended to it); "
                    "it is refused as a polyglot."
                )
            return size
        position = end


# JPEG --------------------------------------------------------------------------------

# Start-of-frame markers that carry the size (not DHT C4, JPG C8, DAC CC).
SOF_MARKERS = frozenset(
    (*range(0xC0, 0xC4), *range(0xC5, 0xC8), *range(0xC9, 0xCC), 0xCD, 0xCE, 0xCF)
)
STANDALONE = frozenset((0x01, *range(0xD0, 0xD8)))  # TEM, RST0-7: no length


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Width and height from the start-of-frame segment, after walking the
    segments and entropy-coded data to EOI, which must end the file."""
    position = 2
    size: tuple[int, int] | None = None
    while True:
        if position >= len(data):
            raise ImageError("The JPEG is cut short: it ends before its EOI marker.")
        if data[position] != 0xFF:
            raise ImageError(f"The JPEG has no marker where one should be (byte {position}).")
        # Fill bytes (0xFF) may come before a marker.
        while position < len(data) and data[position] == 0xFF:
            position += 1
        if position >= len(data):
            raise ImageError("The JPEG is cut short: it ends before its EOI marker.")
        marker = data[position]
        position += 1
        if marker == 0xD9:  # EOI
            return _jpeg_end(data, position, size)
        if marker in STANDALONE:
            continue
        if position + 2 > len(data):
            raise ImageError("The JPEG is cut short inside a segment header.")
        (length,) = struct.unpack(">H", data[position : position + 2])
        if length < 2 or position + length > len(data):
            raise ImageError("The JPEG is cut short: a segment runs past the end of the file.")
        if marker in SOF_MARKERS and length >= 7:
            height, width = struct.unpack(">HH", data[position + 3 : position + 7])
            size = (width, height)
        position += length
        if marker == 0xDA:  # SOS: entropy-coded data up to the next real marker
            position = _after_scan(data, position)


def _jpeg_end(data: bytes, position: int, size: tuple[int, int] | None) -> tuple[int, int]:
    if size is None:
        raise ImageError("The JPEG has no start-of-frame segment giving its size.")
    if data[position:]:
        raise ImageError(
            "The JPEG has data after its EOI marker (another file appended to it); "
            "it is refused as a polyglot."
        )
    return size


def _after_scan(data: bytes, position: int) -> int:
    """The position of the 0xFF of the first marker after entropy-coded data
    (0xFF00 is a stuffed byte, 0xFFD0-D7 restart markers within the scan)."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise ImageError("The JPEG is cut short inside its image data.")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            position = found + 1 if following == 0xFF else found + 2
            continue
        return found


# SVG ---------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", XLINK_NS)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Elements kept (in the SVG namespace); anything else goes with its content.
SVG_ELEMENTS = _names(
    """svg g defs title desc symbol use switch path rect circle ellipse line polyline polygon
    text tspan textPath linearGradient radialGradient stop pattern clipPath mask marker style
    filter feBlend feColorMatrix feComponentTransfer feComposite feDropShadow feFlood feFuncA
    feFuncB feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset"""
)
# Attributes kept (without a namespace), each value checked for outside references.
SVG_ATTRIBUTES = _names(
    """id class style transform x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points
    pathLength viewBox preserveAspectRatio version fill fill-opacity fill-rule stroke
    stroke-width stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-opacity opacity font-family font-size font-weight font-style
    font-variant font-stretch text-anchor letter-spacing word-spacing text-decoration
    dominant-baseline alignment-baseline baseline-shift writing-mode direction dx dy rotate
    textLength lengthAdjust startOffset method spacing side offset stop-color stop-opacity
    gradientUnits gradientTransform spreadMethod patternUnits patternContentUnits
    patternTransform clipPathUnits clip-path clip-rule mask maskUnits maskContentUnits
    marker-start marker-mid marker-end markerWidth markerHeight markerUnits refX refY orient
    visibility display color color-interpolation-filters filter filterUnits
    primitiveUnits stdDeviation in in2 result mode operator k1 k2 k3 k4 values type
    tableValues slope intercept amplitude exponent flood-color flood-opacity radius
    vector-effect shape-rendering text-rendering image-rendering paint-order overflow
    href media"""
)
XML_ATTRIBUTES = {f"{{{XML_NS}}}space", f"{{{XML_NS}}}lang"}
LINK_ATTRIBUTES = {"href", f"{{{XLINK_NS}}}href"}
# A reference out of the document: url( not followed by #, @import, javascript:.
OUTSIDE = re.compile(
    r"url\s*\(\s*(?!['\"]?\s*#)|@import|javascript\s*:|expression\s*\(|\\", re.IGNORECASE
)
LENGTH = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(px|pt|pc|mm|cm|in)?\s*")
UNIT_PIXELS = {None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54}
UNIT_PIXELS["in"] = 96.0


def sanitise_svg(data: bytes) -> tuple[bytes, tuple[int, int]]:
    """The SVG rebuilt from the allowlist, as UTF-8, and its size in pixels."""
    try:
        root = SafeElementTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise ImageError(
            f"The SVG declares a DTD or entities ({type(error).__name__}); they are not "
            "allowed in an uploaded SVG."
        ) from None
    except ElementTree.ParseError as error:
        raise ImageError(f"The SVG is not well-formed XML: {error}.") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ImageError(
            f"The file's root element is {root.tag!r}, not an SVG element in the namespace "
            f'{SVG_NS} (add xmlns="{SVG_NS}" to the svg element).'
        )
    try:
        clean = _clean(root)
    except RecursionError:
        raise ImageError("The SVG nests its elements too deeply to be checked.") from None
    assert clean is not None  # the root is an svg element
    size = svg_size(clean)
    text = ElementTree.tostring(clean, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n").encode(), size


def _clean(element: ElementTree.Element) -> ElementTree.Element | None:
    """A copy of `element` with only allowed elements and attributes; None
    when the element itself is not allowed (it goes with its content)."""
    namespace, _, name = element.tag.rpartition("}")
    if namespace != f"{{{SVG_NS}" or name not in SVG_ELEMENTS:
        return None
    text = element.text
    if name == "style" and text and OUTSIDE.search(text):
        return None  # a style sheet that loads from elsewhere
    copy = ElementTree.Element(element.tag)
    for attribute, value in element.attrib.items():
        if _allowed(attribute, value):
            copy.set(attribute, value)
    copy.text = text
    for child in element:
        cleaned = _clean(child)
        if cleaned is not None:
            cleaned.tail = child.tail
            copy.append(cleaned)
    return copy


def _allowed(attribute: str, value: str) -> bool:
    if attribute in LINK_ATTRIBUTES:
        return value.strip().startswith("#")  # only within the document
    if attribute.startswith("{"):
        return attribute in XML_ATTRIBUTES
    if attribute not in SVG_ATTRIBUTES or attribute.lower().startswith("on"):
        return False
    return not OUTSIDE.search(value)


def svg_size(root: ElementTree.Element) -> tuple[int, int]:
    """Pixels from width and height (px, pt, mm, cm, in; 96 per inch), else
    from the viewBox."""
    width, height = _length(root.get("width")), _length(root.get("height"))
    box = (root.get("viewBox") or "").replace(",", " ").split()
    if (width is None or height is None) and len(box) == 4:
        try:
            box_width, box_height = float(box[2]), float(box[3])
        except ValueError:
            box_width = box_height = 0.0
        if box_width > 0 and box_height > 0:
            if width is None and height is None:
                width, height = box_width, box_height
            elif width is None:
                width = box_width * (height or 0) / box_height
            else:
                height = box_height * width / box_width
    if width is None or height is None:
        raise ImageError(
            "The SVG gives no size in pixels: give its svg element width and height "
            '(such as width="1600" height="1000") or a viewBox.'
        )
    return round(width), round(height)


def _length(text: str | None) -> float | None:
    match = LENGTH.fullmatch(text or "")
    if match is None:
        return None
    return float(match.group(1)) * UNIT_PIXELS[match.group(2)]
