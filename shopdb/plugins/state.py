"""Each plugin's installed and enabled state and its last load error, kept in
the `plugins` table of the site's database.

The app reads the state once when it starts, so a change made by `shopdb
plugin ...` takes effect at the next start of the server process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from shopdb.database import sqlite_path, unavailable
from shopdb.models import Plugin, utcnow
from shopdb.services.actor import SYSTEM
from shopdb.services.unitofwork import unit_of_work

PLUGINS_TABLE = "plugins"


@dataclass(frozen=True)
class PluginState:
    """A plugin's row in `plugins`, detached from any session."""

    name: str
    version: str | None
    isinstalled: bool
    isenabled: bool
    installedat: datetime | None
    lasterror: str | None
    lasterrorat: datetime | None

    @property
    def active(self) -> bool:
        """Loaded when the app starts: installed and enabled."""
        return self.isinstalled and self.isenabled

    @classmethod
    def of(cls, row: Plugin) -> PluginState:
        return cls(
            row.name,
            row.version,
            row.isinstalled,
            row.isenabled,
            row.installedat,
            row.lasterror,
            row.lasterrorat,
        )


def read_states(engine: Engine) -> dict[str, PluginState]:
    """Every plugin row by name; empty while the database has no schema yet
    (before the first `shopdb db upgrade`), so that command can still start.

    An embedded database that does not exist is not created here.
    """
    path = sqlite_path(engine.url)
    if path is not None and not path.exists():
        return {}
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(PLUGINS_TABLE):
                return {}
            with Session(connection) as session:
                rows = session.scalars(select(Plugin).order_by(Plugin.name))
                return {row.name: PluginState.of(row) for row in rows}
    except (OperationalError, InterfaceError) as error:
        raise unavailable(engine.url, error) from None


def find_row(session: Session, name: str) -> Plugin | None:
    """The plugin's row, or None when this site has never installed it."""
    return session.scalar(select(Plugin).where(Plugin.name == name))


def plugin_row(session: Session, name: str) -> Plugin:
    """The plugin's row, created (not installed, not enabled) when missing."""
    row = find_row(session, name)
    if row is None:
        row = Plugin(name=name, isinstalled=False, isenabled=False)
        session.add(row)
        session.flush()
    return row


def store_load_errors(
    engine: Engine, errors: dict[str, str], loaded: set[str], names: set[str]
) -> None:
    """Record the outcome of a start for the installed plugins in `names`: the
    error sentence of each that failed, and no error for each that loaded.
    Rows are only written when their value changes."""
    with Session(engine) as session, unit_of_work(session, SYSTEM, write=False):
        rows = session.scalars(select(Plugin).where(Plugin.name.in_(sorted(names))))
        for row in rows:
            if row.name in errors and row.lasterror != errors[row.name]:
                row.lasterror = errors[row.name]
                row.lasterrorat = utcnow()
            elif row.name in loaded and row.lasterror is not None:
                row.lasterror = None
                row.lasterrorat = None
