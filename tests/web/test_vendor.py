"""The vendored front-end files are exactly the ones `make vendor` lists:
each listed file is there with its recorded SHA-256, nothing unlisted sits
beside them, every package ships its licence, and the wheel carries them."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shopdb.web.vendor import LIST_NAME, PACKAGES, VENDOR_FOLDER, sha256

LISTED = json.loads((VENDOR_FOLDER / LIST_NAME).read_text(encoding="ascii"))


def test_every_listed_file_is_there_unchanged():
    for entry in LISTED:
        path = VENDOR_FOLDER / entry["file"]
        assert path.is_file(), f"{entry['file']} is listed but missing; run make vendor"
        assert sha256(path) == entry["sha256"], f"{entry['file']} differs from what was fetched"


def test_nothing_unlisted_is_vendored():
    present = {
        path.relative_to(VENDOR_FOLDER).as_posix()
        for path in VENDOR_FOLDER.rglob("*")
        if path.is_file()
    }
    assert present - {LIST_NAME} == {entry["file"] for entry in LISTED}


def test_the_list_matches_the_pins():
    expected = {
        (f"{package.folder}/{destination}", package.name, package.version, package.licence)
        for package in PACKAGES
        for destination in package.files.values()
    }
    found = {
        (entry["file"], entry["package"], entry["version"], entry["licence"]) for entry in LISTED
    }
    assert found == expected


def test_every_package_ships_its_licence():
    for package in PACKAGES:
        assert "LICENSE" in package.files.values(), package.name
        assert (VENDOR_FOLDER / package.folder / "LICENSE").stat().st_size > 100


def test_nothing_points_at_a_cdn():
    for entry in LISTED:
        if entry["file"].endswith(".css"):
            text = (VENDOR_FOLDER / entry["file"]).read_text(encoding="utf-8")
            assert "//cdn" not in text and "fonts.googleapis" not in text, entry["file"]


@pytest.mark.slow
def test_the_wheel_carries_the_web_files(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("shopdb-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for entry in LISTED:
        assert f"shopdb/web/static/vendor/{entry['file']}" in names, entry["file"]
    assert f"shopdb/web/static/vendor/{LIST_NAME}" in names
