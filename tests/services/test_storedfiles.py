"""The stored-file service: files written for a transaction follow it, and a
stored path becomes a file only inside the folders its caller allows."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopdb.database import get_session
from shopdb.services import storedfiles

pytestmark = pytest.mark.database


def listing(folder: Path) -> set[str]:
    return {item.name for item in folder.iterdir()} if folder.is_dir() else set()


def test_a_file_follows_its_transaction(app):
    folder = Path(app.config["SHOPDB_INSTANCE_PATH"]) / "floorplans"
    with app.app_context():
        session = get_session()
        storedfiles.store(session, "floorplans", b"one", ".png")
        session.rollback()
        assert listing(folder) == set()  # nor a temporary file left
        kept = storedfiles.store(session, "floorplans", b"two", ".png")
        session.commit()
        assert kept.startswith("floorplans/") and kept.endswith(".png")
        assert storedfiles.path_of(kept, ("floorplans",)).read_bytes() == b"two"
        storedfiles.discard(session, kept, ("floorplans",))
        session.rollback()
        assert listing(folder) == {kept.rsplit("/", 1)[1]}
        storedfiles.discard(session, kept, ("floorplans",))
        storedfiles.discard(session, "shopdb.db", ("floorplans",))  # outside: left alone
        session.commit()
    assert listing(folder) == set()


@pytest.mark.parametrize(
    "path",
    ["shopdb.db", "../shopdb.db", "floorplans/../shopdb.db", "/etc/passwd", "pictures/a.png", ""],
)
def test_only_paths_inside_the_allowed_folders_are_files(app, path):
    with app.app_context(), pytest.raises(storedfiles.StoredFileError):
        storedfiles.path_of(path, ("floorplans",))


def test_a_link_out_of_the_folder_is_refused(app, tmp_path):
    folder = Path(app.config["SHOPDB_INSTANCE_PATH"]) / "floorplans"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.svg").symlink_to(tmp_path / "elsewhere.svg")
    with app.app_context(), pytest.raises(storedfiles.StoredFileError, match="leads out"):
        storedfiles.path_of("floorplans/plan.svg", ("floorplans",))
