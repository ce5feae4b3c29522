"""Fetch the web UI's front-end files from the npm registry: `make vendor`.

Shop-floor networks are often offline, so every script, style sheet and font
the UI loads ships inside the package under `shopdb/web/static/vendor/`;
nothing comes from a CDN and nothing is built. This script is how those files
got there: it fetches exactly the pinned versions below with `npm pack`
(checking each tarball against its pinned SHA-512 integrity), copies the few
dist files the UI needs plus each package's licence, and writes
`vendored.json`, the one list of every vendored file with its package,
version, licence and SHA-256. To upgrade a package, change its version and
integrity here (`npm view <package>@<version> dist.integrity`) and run
`make vendor`; tests/web/test_vendor.py checks the folder against the list.

Run it with `python -m shopdb.web.vendor`; it needs `npm` (Debian: apt-get
install npm) and the network, and nothing at run time.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR_FOLDER = Path(__file__).resolve().parent / "static" / "vendor"
LIST_NAME = "vendored.json"


@dataclass(frozen=True)
class Package:
    """One npm package: where its files go (`folder`, under the vendor
    folder) and which files of its tarball (`files`: path in the package ->
    path in the folder)."""

    name: str
    version: str
    integrity: str  # npm's dist.integrity of the tarball (sha512-...)
    licence: str  # the SPDX identifier of the package's licence
    folder: str
    files: dict[str, str]


PACKAGES = (
    Package(
        "bootstrap",
        "5.3.9",
        "sha512-20cU0rcfw8WdxtVbmfU+xT2EjvVTw9Ror/h1Qvd7DXCujRg8OO9mdBCsmTHdJFf3BuadmBNJtgIuUXsBqSkk/w==",
        "MIT",
        "bootstrap",
        {
            "dist/css/bootstrap.min.css": "bootstrap.min.css",
            "dist/js/bootstrap.bundle.min.js": "bootstrap.bundle.min.js",
            "LICENSE": "LICENSE",
        },
    ),
    Package(
        "bootstrap-icons",
        "1.13.2",
        "sha512-fAU1Ly3dH7hwRg+CB8EZ0Vl0fF80zgXHeUVJyfUOKzoURr+TbwISbCW5tKUoQLERaWYG2emTCybcPbD96hdD1A==",
        "MIT",
        "bootstrapicons",
        {
            # The style sheet finds its font at fonts/ beside it; browsers
            # that read woff2 (all current ones) never ask for the woff.
            "font/bootstrap-icons.min.css": "bootstrap-icons.min.css",
            "font/fonts/bootstrap-icons.woff2": "fonts/bootstrap-icons.woff2",
            "LICENSE": "LICENSE",
        },
    ),
    Package(
        "htmx.org",
        "2.0.11",
        "sha512-Thx/WtpeOQqSrqBCw/A1cwGJGg4UrVa3+sW0GmrM3p4gJgO89ecH4qtbnyzDDWFvBTqjnIMCgELTNt636dtamA==",
        "0BSD",
        "htmx",
        {"dist/htmx.min.js": "htmx.min.js", "LICENSE": "LICENSE"},
    ),
    Package(
        "tom-select",
        "2.6.2",
        "sha512-eiXIkk82XzzUTOVQDFpy+ZGejuqdTvMukyUyeZBQaKnqW42UoTiTZnrod/eX0rkqJEc4rZY9DZ3zdjV07i29wQ==",
        "Apache-2.0",
        "tomselect",
        {
            "dist/js/tom-select.complete.min.js": "tom-select.complete.min.js",
            "dist/css/tom-select.bootstrap5.min.css": "tom-select.bootstrap5.min.css",
            "LICENSE": "LICENSE",
        },
    ),
    Package(
        # The floor map page only (map.html); its markers are divIcons, so
        # the marker images are left out, the layer control's kept.
        "leaflet",
        "1.9.4",
        "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        "BSD-2-Clause",
        "leaflet",
        {
            "dist/leaflet.js": "leaflet.js",
            "dist/leaflet.css": "leaflet.css",
            "dist/images/layers.png": "images/layers.png",
            "dist/images/layers-2x.png": "images/layers-2x.png",
            "LICENSE": "LICENSE",
        },
    ),
    Package(
        "leaflet.markercluster",
        "1.5.3",
        "sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        "MIT",
        "markercluster",
        {
            "dist/leaflet.markercluster.js": "leaflet.markercluster.js",
            "dist/MarkerCluster.css": "MarkerCluster.css",
            "dist/MarkerCluster.Default.css": "MarkerCluster.Default.css",
            "MIT-LICENCE.txt": "LICENSE",
        },
    ),
    Package(
        # For the browser tests' accessibility checks; no page loads it.
        "axe-core",
        "4.14.1",
        "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ==",
        "MPL-2.0",
        "axecore",
        {
            "axe.min.js": "axe.min.js",
            "LICENSE": "LICENSE",
            "LICENSE-3RD-PARTY.txt": "LICENSE-3RD-PARTY.txt",
        },
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check_integrity(package: Package, tarball: Path) -> None:
    algorithm, _, expected = package.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise SystemExit(
            f"{package.name}@{package.version}: the tarball's {algorithm} is {digest}, not the "
            f"pinned {expected}; the registry served something else. Nothing was changed."
        )


def fetch(package: Package, scratch: Path) -> Path:
    """The package's tarball, unpacked under `scratch`; its `package` folder."""
    spec = f"{package.name}@{package.version}"
    result = subprocess.run(
        ["npm", "pack", spec, "--silent", "--pack-destination", str(scratch)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"npm pack {spec} failed:\n{result.stderr.strip()}")
    tarball = scratch / result.stdout.strip().splitlines()[-1]
    check_integrity(package, tarball)
    unpacked = scratch / package.folder
    with tarfile.open(tarball) as archive:
        archive.extractall(unpacked, filter="data")
    return unpacked / "package"


def vendor(target: Path = VENDOR_FOLDER) -> list[dict[str, str]]:
    """Fetch every package, then replace `target` with their files and the
    list; nothing is replaced unless every fetch succeeded."""
    listed: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="shopdb-vendor-") as temporary:
        scratch = Path(temporary)
        staged = scratch / "staged"
        for package in PACKAGES:
            source = fetch(package, scratch)
            for inside, destination in package.files.items():
                path = staged / package.folder / destination
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source / inside, path)
                listed.append(
                    {
                        "file": f"{package.folder}/{destination}",
                        "package": package.name,
                        "version": package.version,
                        "licence": package.licence,
                        "source": f"npm:{package.name}@{package.version}/{inside}",
                        "sha256": sha256(path),
                    }
                )
        (staged / LIST_NAME).write_text(json.dumps(listed, indent=2) + "\n", encoding="ascii")
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(staged, target)
    return listed


def main() -> None:
    listed = vendor()
    size = sum((VENDOR_FOLDER / entry["file"]).stat().st_size for entry in listed)
    print(f"Vendored {len(listed)} files of {len(PACKAGES)} packages ({size // 1024} KiB)")
    print(f"into {VENDOR_FOLDER}; the list is {VENDOR_FOLDER / LIST_NAME}.")


if __name__ == "__main__":
    main()
