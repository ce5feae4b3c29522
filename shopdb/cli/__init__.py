"""Command groups of the `shopdb` command (also reachable as `flask --app shopdb`).

The commands are plain Click objects: `shopdb.console` adds them to the
`shopdb` entry point, and the app factory adds them to `app.cli`.
"""

from shopdb.cli.backup import backup_command, restore_command
from shopdb.cli.db import db_group
from shopdb.cli.records import record_group
from shopdb.cli.run import run_command
from shopdb.cli.searchindex import search_group
from shopdb.cli.seed import seed_command
from shopdb.cli.transfer import export_command, import_command
from shopdb.cli.user import user_group

COMMANDS = (
    db_group,
    seed_command,
    user_group,
    record_group,
    run_command,
    backup_command,
    restore_command,
    export_command,
    import_command,
    search_group,
)

__all__ = ["COMMANDS"]
