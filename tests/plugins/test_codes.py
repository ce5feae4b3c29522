"""The print views' code helpers as plugins get them from shopdb.api: each
drawn code is rasterised and read back by zbarimg."""

from __future__ import annotations

import re

import pytest

from shopdb.api import code128_svg, qr_svg
from shopdb.testing.codes import decode_svg


@pytest.mark.parametrize("text", ["M-1042", "0012345678", "EQ 7/b", "a"])
def test_code128_reads_back_as_given(text):
    svg = str(code128_svg(text))
    assert decode_svg(svg) == text
    # One path, sized in millimetres, nothing that repeats across badges.
    assert svg.count("<path") == 1 and 'height="15.0mm"' in svg and " id=" not in svg


def test_code128_refuses_what_it_cannot_hold_by_name():
    for text, named in (("", "nothing"), ("M\u00e4", "'\\xe4'"), ("a\tb", "'\\t'")):
        with pytest.raises(ValueError, match="printable ASCII only") as raised:
            code128_svg(text)
        assert named in str(raised.value)


def test_code128_escapes_the_label_it_carries():
    svg = str(code128_svg('A"<b>'))
    assert 'aria-label="A&#34;&lt;b&gt;"' in svg
    assert decode_svg(svg) == 'A"<b>'


def test_qr_sized_in_millimetres_fits_and_reads_back():
    svg = str(qr_svg("http://localhost/assets/12", border=2, width_mm=21.4))
    width = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    assert abs(width - 21.4) < 0.01
    assert decode_svg(svg) == "http://localhost/assets/12"
