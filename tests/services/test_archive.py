"""`shopdb backup` and `shopdb restore` on one database kind (SQLite, or the
server SHOPDB_TEST_DATABASE_URL names): a site comes back whole, with its
ids, files and counters; bad archives are refused and change nothing."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text

from shopdb.database import get_database, get_session
from shopdb.models import Location, LocationType, Vendor
from shopdb.services import migrations
from shopdb.services.archive import write_backup
from shopdb.testing.databases import empty_database
from tests.services.archive_support import content, invoke, ok, site_app

pytestmark = pytest.mark.database

PICTURE = bytes(range(256)) * 40


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def new_site(stack: ExitStack, folder: Path) -> Flask:
    folder.mkdir(parents=True)
    url = stack.enter_context(empty_database(folder))
    return stack.enter_context(site_app(url, folder))


@pytest.fixture
def source(stack: ExitStack, tmp_path: Path) -> Flask:
    """A small site: reference data, a location tree whose parent has the
    higher id (rows cannot simply go in id order), and two instance files."""
    app = new_site(stack, tmp_path / "source")
    ok(app, "db", "upgrade")
    ok(app, "seed")
    with app.app_context():
        session = get_session()
        kind = session.scalars(select(LocationType)).first()
        child = Location(name="Bay 1", locationtype=kind, mapx=1.5, mapy=2.25)
        session.add(child)
        session.flush()
        parent = Location(name="Hall \u00e9 'A'", locationtype=kind, notes="line\nbreak")
        session.add(parent)
        session.flush()
        child.parent = parent
        session.add(Vendor(vendor="Okuma"))
        session.commit()
    instance = Path(app.config["SHOPDB_INSTANCE_PATH"])
    (instance / "floorplans").mkdir()
    (instance / "floorplans" / "hall.svg").write_text("<svg/>")
    (instance / "pictures").mkdir()
    (instance / "pictures" / "okuma.png").write_bytes(PICTURE)
    return app


@pytest.fixture
def target(stack: ExitStack, tmp_path: Path) -> Flask:
    return new_site(stack, tmp_path / "target")


@pytest.fixture
def archive(source: Flask, tmp_path: Path) -> Path:
    path = tmp_path / "site.zip"
    result = ok(source, "backup", str(path))
    assert f"Wrote {path}" in result.output
    return path


def table_names(app: Flask) -> set[str]:
    with get_database(app).engine.connect() as connection:
        return set(inspect(connection).get_table_names())


# A site comes back whole ----------------------------------------------------------


def test_restore_brings_back_every_row_file_and_counter(source, target, archive):
    result = ok(target, "restore", str(archive))
    assert "Restored" in result.output
    assert content(target).without_restores() == content(source)
    with target.app_context():
        session = get_session()
        highest = session.scalar(select(Location.locationid).order_by(-Location.locationid))
        kind = session.scalars(select(LocationType)).first()
        added = Location(name="New hall", locationtype=kind)
        session.add(added)
        session.commit()
        assert added.locationid == highest + 1
        entry = session.execute(
            text("SELECT username, message FROM auditlogs WHERE action = 'restore'")
        ).one()
    assert entry.username.startswith("cli:")
    assert str(archive) in entry.message


def test_backup_sees_one_moment_while_others_write(source, tmp_path):
    """Rows written after the backup's read began are not in it, and the
    write is not held up (the site keeps working)."""
    engine = get_database(source).engine
    instance = Path(source.config["SHOPDB_INSTANCE_PATH"])

    def write_meanwhile(_total: int) -> None:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO vendors (vendor, isactive, createdat, modifiedat) "
                    "VALUES ('Written meanwhile', true, '2026-01-01', '2026-01-01')"
                )
            )

    report = write_backup(engine, instance, tmp_path / "moment.zip", start=write_meanwhile)
    with zipfile.ZipFile(report.path) as archive:
        vendors = archive.read("tables/vendors.jsonl")
    assert b"Okuma" in vendors
    assert b"Written meanwhile" not in vendors


def test_default_name_lands_in_the_backups_folder_and_stays_out_of_the_next(source):
    first = ok(source, "backup").output
    instance = Path(source.config["SHOPDB_INSTANCE_PATH"])
    written = list((instance / "backups").glob("shopdb-*.zip"))
    assert len(written) == 1
    assert str(written[0]) in first
    with zipfile.ZipFile(written[0]) as archive:
        names = archive.namelist()
    assert "files/pictures/okuma.png" in names
    assert not [name for name in names if "backups/" in name or name.endswith(".db")]


def test_existing_file_is_not_overwritten(source, tmp_path):
    path = tmp_path / "taken.zip"
    path.write_bytes(b"keep me")
    result = invoke(source, "backup", str(path))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert path.read_bytes() == b"keep me"


# The target must be empty, or replaced on purpose ------------------------------------


def test_non_empty_target_is_refused_then_replaced_when_asked(source, target, archive):
    ok(target, "db", "upgrade")
    ok(target, "seed")
    before = content(target)
    refused = invoke(target, "restore", str(archive))
    assert refused.exit_code == 1
    assert "The target is not empty: it holds" in refused.output
    assert "--replace" in refused.output
    declined = invoke(target, "restore", str(archive), "--replace", input="n\n")
    assert declined.exit_code == 1
    assert "Remove all of it" in declined.output
    assert content(target) == before
    replaced = ok(target, "restore", str(archive), "--replace", "--yes")
    assert "Removing" in replaced.output
    assert content(target).without_restores() == content(source)


# Bad archives change nothing ----------------------------------------------------------


def rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of the archive with entries changed by `change(name, data)`
    (return None to drop an entry, or a list of (name, data) to add)."""
    with zipfile.ZipFile(archive) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            replaced = change(info.filename, old.read(info.filename))
            if replaced is None:
                continue
            for name, data in (
                replaced if isinstance(replaced, list) else [(info.filename, replaced)]
            ):
                new.writestr(name, data)
    return out


def manifest_edit(edit):
    def change(name: str, data: bytes):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def truncated(archive: Path, out: Path) -> Path:
    data = archive.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def changed_row(archive: Path, out: Path) -> Path:
    return rewrite(
        archive,
        out,
        lambda name, data: (
            data.replace(b"Okuma", b"Okumb") if name.endswith("vendors.jsonl") else data
        ),
    )


def other_tool(archive: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as other:
        other.writestr("data.csv", "id,name\n1,x\n")
    return out


def foreign_manifest(archive: Path, out: Path) -> Path:
    with zipfile.ZipFile(out, "w") as other:
        other.writestr("manifest.json", json.dumps({"format": "somebackup", "version": 3}))
    return out


def zip_bomb(archive: Path, out: Path) -> Path:
    def change(name: str, data: bytes):
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["files"].append({"path": "bomb.bin", "bytes": 64 << 20, "sha256": "0" * 64})
            return json.dumps(manifest).encode()
        if name == "files/pictures/okuma.png":
            return [(name, data), ("files/bomb.bin", bytes(64 << 20))]
        return data

    return rewrite(archive, out, change)


def moved_file(new_path: str):
    """A spoiler that lists and stores the floor plan under `new_path`."""

    def spoil(archive: Path, out: Path) -> Path:
        def change(name: str, data: bytes):
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["files"][0]["path"] = new_path
                return json.dumps(manifest).encode()
            if name == "files/floorplans/hall.svg":
                return [(f"files/{new_path}", data)]
            return data

        return rewrite(archive, out, change)

    return spoil


escaping_path = moved_file("../escaped.svg")
# A file entry named like the embedded database (SQLite targets only).
database_file = moved_file("shopdb.db-wal")


def newer_shopdb(archive: Path, out: Path) -> Path:
    return rewrite(archive, out, manifest_edit(lambda m: m.update(shopdbversion="99.0.0")))


def missing_plugin(archive: Path, out: Path) -> Path:
    plugin = {"name": "nosuchplugin", "version": "1.0.0", "isinstalled": True, "isenabled": True}
    return rewrite(archive, out, manifest_edit(lambda m: m["plugins"].append(plugin)))


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (truncated, "is not a readable zip archive"),
        (changed_row, "has a changed tables/vendors.jsonl"),
        (other_tool, "was not written by 'shopdb backup'"),
        (foreign_manifest, "written by another tool"),
        (zip_bomb, "zip bomb"),
        (escaping_path, "would escape or misuse the instance folder"),
        (newer_shopdb, "was written by ShopDB 99.0.0, newer than this ShopDB"),
        (missing_plugin, "needs the plugin 'nosuchplugin' (1.0.0), which is not available"),
    ],
)
def test_bad_archive_is_refused_and_changes_nothing(target, archive, tmp_path, spoil, says):
    bad = spoil(archive, tmp_path / "bad.zip")
    result = invoke(target, "restore", str(bad))
    assert result.exit_code == 1, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    assert table_names(target) == set()
    assert not (tmp_path / "escaped.svg").exists()
    assert not list(Path(target.config["SHOPDB_INSTANCE_PATH"]).rglob("*.svg"))


def test_a_file_on_the_embedded_database_is_refused(target, archive, tmp_path):
    if not target.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("only an embedded database lives in the instance folder")
    result = invoke(target, "restore", str(database_file(archive, tmp_path / "bad.zip")))
    assert result.exit_code == 1
    assert "would overwrite the SQLite database" in result.output
    assert table_names(target) == set()


def test_failure_while_loading_leaves_the_target_empty(target, archive, tmp_path, monkeypatch):
    from shopdb.services.archive import restore

    def fail(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(restore, "reset_sequences", fail)
    result = invoke(target, "restore", str(archive))
    assert result.exit_code != 0
    assert table_names(target) == set()
    assert not list(Path(target.config["SHOPDB_INSTANCE_PATH"]).rglob("*.png"))


# A full disk -------------------------------------------------------------------------


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def _backup_in_process(source: Flask, path: Path, limit: int | None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SHOPDB_ENV": "testing",
        "DATABASE_URL": source.config["DATABASE_URL"],
        "SHOPDB_INSTANCE_PATH": source.config["SHOPDB_INSTANCE_PATH"],
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "shopdb"), "backup", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=None if limit is None else _limit_file_size(limit),
        check=False,
    )


@pytest.fixture
def big_source(source: Flask) -> Flask:
    instance = Path(source.config["SHOPDB_INSTANCE_PATH"])
    (instance / "pictures" / "noise.bin").write_bytes(os.urandom(300_000))
    return source


@pytest.mark.slow
def test_full_disk_by_file_size_limit_is_reported_and_leaves_nothing(big_source, tmp_path):
    path = tmp_path / "out" / "site.zip"
    path.parent.mkdir()
    result = _backup_in_process(big_source, path, limit=100_000)
    assert result.returncode == 1, result.stderr
    assert f"Writing the backup to {path} failed: File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(path.parent.iterdir()) == []


@pytest.mark.slow
def test_full_disk_on_a_small_tmpfs_is_reported_and_leaves_nothing(big_source, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root); the file-size-limit test covers it")
    try:
        path = mount / "site.zip"
        result = _backup_in_process(big_source, path, limit=None)
        assert result.returncode == 1, result.stderr
        assert "No space left on device" in result.stderr
        assert list(mount.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_restore_of_a_cut_entry_reads_as_damaged(target, archive, tmp_path):
    """A table entry whose bytes were cut keeps the zip readable but fails its CRC."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as opened:
        info = opened.getinfo("tables/vendors.jsonl")
    header = info.header_offset
    name_length, extra_length = struct.unpack("<HH", bytes(data[header + 26 : header + 30]))
    start = header + 30 + name_length + extra_length
    data[start + 5] ^= 0xFF
    bad = tmp_path / "damaged.zip"
    bad.write_bytes(bytes(data))
    result = invoke(target, "restore", str(bad))
    assert result.exit_code == 1
    assert "vendors.jsonl" in result.output
    assert table_names(target) == set()


def test_an_archive_at_an_older_revision_is_restored_then_upgraded(stack, tmp_path):
    head = migrations.script_directory().get_revision("core@head")
    if head.down_revision is None:
        pytest.skip("needs two core revisions")
    old = new_site(stack, tmp_path / "old")
    ok(old, "db", "upgrade", str(head.down_revision))
    path = tmp_path / "old.zip"
    ok(old, "backup", str(path))
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("manifest.json"))["revisions"] == [head.down_revision]
    target = new_site(stack, tmp_path / "new")
    result = ok(target, "restore", str(path))
    assert f"upgraded to {head.revision}" in result.output
    with get_database(target).engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            head.revision
        )
