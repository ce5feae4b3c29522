"""Read the QR codes and barcodes of a rendered page back with real tools:
each inline SVG is rasterised by rsvg-convert (librsvg2-bin) and decoded by
zbarimg (zbar-tools), both Debian packages that .ci/run installs; or a
browser's screenshot of the whole page is decoded (`decode_image`). Without
them the test is skipped on a developer's machine and fails in CI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
NAMESPACE = 'xmlns="http://www.w3.org/2000/svg"'
TOOLS = ("rsvg-convert", "zbarimg")


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} missing: apt-get install librsvg2-bin zbar-tools"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def svgs(html: str) -> list[str]:
    return SVG.findall(html)


def decode_svg(svg: str) -> str:
    """The text of the one QR code in `svg`."""
    require_tools()
    if "xmlns=" not in svg:
        svg = svg.replace("<svg", f"<svg {NAMESPACE}", 1)
    with tempfile.TemporaryDirectory() as folder:
        source, image = Path(folder) / "code.svg", Path(folder) / "code.png"
        source.write_text(svg, encoding="utf-8")
        subprocess.run(
            ["rsvg-convert", "-b", "white", "-z", "3", str(source), "-o", str(image)],
            check=True,
            capture_output=True,
        )
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", str(image)], capture_output=True, text=True, check=False
        )
    assert result.returncode == 0, f"zbarimg found no code: {result.stderr}"
    (text,) = result.stdout.splitlines()
    return text


def decode_image(image: bytes) -> list[str]:
    """The text of every code zbarimg finds in a PNG image (a screenshot), in
    the order it reports them (not the page's order: compare sorted)."""
    require_tools()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.png"
        path.write_bytes(image)
        result = subprocess.run(
            ["zbarimg", "-q", "--raw", str(path)], capture_output=True, text=True, check=False
        )
    assert result.returncode == 0, f"zbarimg found no code: {result.stderr}"
    return result.stdout.splitlines()


def decode_all(html: str) -> list[str]:
    return [decode_svg(svg) for svg in svgs(html)]
