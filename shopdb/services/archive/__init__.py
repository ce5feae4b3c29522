"""Backup and restore of a whole site as one portable archive.

- `values`: column values in a form every database reads back alike.
- `layout`: the archive's manifest and entry names, and the limits a reader keeps.
- `files`: which instance files belong to the site, and safe paths for them.
- `backup`: one consistent read of every table, streamed into the archive.
- `reader`: opening and checking an archive before anything is touched.
- `restore`: schema at the archive's revisions, rows with their ids, files,
  then an upgrade to this code's revisions.

ADR 0010 says why a restore loads rows directly instead of through the
resource write path.
"""

from shopdb.services.archive.backup import BackupReport, default_backup_path, write_backup
from shopdb.services.archive.reader import ArchiveReader
from shopdb.services.archive.restore import RestoreReport, describe_target, restore_archive

__all__ = [
    "ArchiveReader",
    "BackupReport",
    "RestoreReport",
    "default_backup_path",
    "describe_target",
    "restore_archive",
    "write_backup",
]
