"""Image checks by content: the type from the bytes, the extension agreeing,
the size from the image's own header, polyglots refused, SVG rebuilt safe."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from shopdb.services.demo.floorplans import building_svg, site_svg
from shopdb.services.demo.site import BUILDINGS
from shopdb.services.images import ImageError, check_image, served_type
from tests.imagefiles import EVIL_SVG, EVIL_WORDS, jpeg, png, svg, zip_archive


def test_png_jpeg_and_svg_are_told_by_their_bytes():
    stored = check_image(png(7, 3), "plan.PNG")
    assert (stored.kind, stored.width, stored.height, stored.mimetype) == ("png", 7, 3, "image/png")
    stored = check_image(jpeg(640, 480), "photo.jpeg")
    assert (stored.kind, stored.width, stored.height, stored.extension) == (
        "jpeg",
        640,
        480,
        ".jpg",
    )
    stored = check_image(svg(300, 150), "plan.svg")
    assert (stored.kind, stored.width, stored.height) == ("svg", 300, 150)
    assert served_type(stored.data) == "image/svg+xml"
    assert served_type(b"SQLite format 3\x00") is None


@pytest.mark.parametrize(
    ("size", "pixels"),
    [
        ('width="10cm" height="5cm"', (378, 189)),
        ('viewBox="0 0 1600 1000"', (1600, 1000)),
        ('width="800" viewBox="0 0 1600 1000"', (800, 500)),
        ('width="100%" height="100%" viewBox="0,0,40,30"', (40, 30)),
    ],
)
def test_an_svg_size_comes_from_width_height_or_viewbox(size, pixels):
    data = f'<svg xmlns="http://www.w3.org/2000/svg" {size}/>'.encode()
    stored = check_image(data, "a.svg")
    assert (stored.width, stored.height) == pixels


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (png(), "plan.jpg", "'plan.jpg' ends in '.jpg', but the content is PNG"),
        (jpeg(), "photo.png", "ends in '.png', but the content is JPEG"),
        (b"<html><body>hi</body></html>", "plan.jpg", "not a PNG, JPEG or SVG"),
        (svg(), "plan", "ends in 'no extension'"),
        (png() + zip_archive(), "plan.png", "data after its IEND chunk"),
        (png() + b"<html><script>alert(1)</script>", "plan.png", "data after its IEND"),
        (jpeg() + zip_archive(), "plan.jpg", "data after its EOI marker"),
        (png(text=b"<script>alert(1)</script>"), "plan.png", "HTML markup in its first bytes"),
        (png()[:-6], "plan.png", "cut short"),
        (png().replace(b"IDAT", b"IDAX"), "plan.png", "wrong CRC"),
        (jpeg()[:-2], "plan.jpg", "cut short"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "a.svg", "gives no size"),
        (b'<svg width="1" height="1"/>', "a.svg", "not an SVG element in the namespace"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "a.svg", "not well-formed"),
        (
            b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">&x;</svg>',
            "a.svg",
            "DTD or entities",
        ),
        (png(0, 2), "a.png", "each side must be from 1"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
            + b"<g>" * 5000
            + b"</g>" * 5000
            + b"</svg>",
            "deep.svg",
            "nests its elements too deeply",
        ),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, name, words):
    with pytest.raises(ImageError) as refused:
        check_image(data, name)
    assert words in str(refused.value)


def test_an_svg_loses_scripts_handlers_and_outside_references():
    stored = check_image(EVIL_SVG, "evil.svg")
    for word in EVIL_WORDS:
        assert word not in stored.data, word
    root = ElementTree.fromstring(stored.data)
    kept = [element.tag.rpartition("}")[2] for element in root.iter()]
    assert kept == ["svg", "use", "rect", "use"]  # a use without its outside reference
    assert b'fill="url(#g)"' in stored.data
    assert b'xlink:href="#keep"' in stored.data  # the same-document reference stays
    assert (stored.width, stored.height) == (400, 300)


def test_the_demo_plans_pass_the_sanitiser_unchanged_in_meaning():
    def shape(data: bytes) -> list:
        return [
            (element.tag, sorted(element.attrib.items()), (element.text or "").strip())
            for element in ElementTree.fromstring(data).iter()
        ]

    for drawing in [site_svg(), *(building_svg(building) for building in BUILDINGS)]:
        data = drawing.encode()
        assert shape(check_image(data, "plan.svg").data) == shape(data)
