"""Engine and session handling for the three supported databases.

Each connection is set up the same way whatever opens it (the web app, the CLI,
migrations): SQLite enforces foreign keys and uses WAL, MySQL/MariaDB talk
utf8mb4 in strict mode. A request or command gets one session, closed when its
application context ends.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session, sessionmaker

from shopdb.errors import ConfigError, DatabaseUnavailableError

EXTENSION_KEY = "shopdb.database"
MYSQL_SQL_MODE = "TRADITIONAL,ONLY_FULL_GROUP_BY"
# Execution option read when a SQLite transaction begins: "IMMEDIATE" takes
# the write lock at BEGIN (see begin_write).
SQLITE_BEGIN_OPTION = "shopdb_sqlite_begin"


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module would commit before DDL on its own; taking over the
    # transaction handling makes migrations atomic (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _optimize_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Keep the planner's statistics current: SQLite's own advice is
    `PRAGMA optimize` when a connection closes (it analyzes only the tables
    whose statistics went stale, usually nothing, in well under a
    millisecond); a pooled connection closes when the process or pool ends."""
    with contextlib.suppress(Exception):
        dbapi_connection.execute("PRAGMA optimize")


def _begin_sqlite(connection: Any) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def _configure_mysql(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci")
    cursor.execute(f"SET SESSION sql_mode = '{MYSQL_SQL_MODE}'")
    cursor.execute("SET SESSION time_zone = '+00:00'")
    cursor.close()


def build_engine(url: str | URL, **options: Any) -> Engine:
    """Create an engine with the per-backend connection set-up applied."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        options.setdefault("connect_args", {}).setdefault("timeout", 15)
    elif backend in ("mysql", "mariadb"):
        url = url.update_query_dict({"charset": "utf8mb4"})
        options.setdefault("pool_pre_ping", True)
        options.setdefault("pool_recycle", 3600)
        # As PostgreSQL: each statement sees what others committed before it,
        # so a row another writer just added is found, and fewer gap locks
        # deadlock concurrent writers.
        options.setdefault("isolation_level", "READ COMMITTED")
        options.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    elif backend == "postgresql":
        options.setdefault("pool_pre_ping", True)
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", 10)
        # JIT compiling pays off for long analytic queries; a list page spends
        # more compiling its plan than running it (405 ms of a 512 ms search
        # in the performance issue), so ShopDB's sessions turn it off.
        connect_args.setdefault("options", "-c timezone=UTC -c jit=off")
    try:
        engine = create_engine(url, **options)
    except NoSuchModuleError:
        raise ConfigError(
            f"DATABASE_URL names the driver {url.drivername!r}, which is not installed; "
            "use sqlite, mysql+pymysql or postgresql+psycopg."
        ) from None
    except ModuleNotFoundError as missing:
        raise ConfigError(
            f"The database driver for {url.drivername!r} is not installed ({missing.name})."
        ) from None
    if backend == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        event.listen(engine, "close", _optimize_sqlite)
    elif backend in ("mysql", "mariadb"):
        event.listen(engine, "connect", _configure_mysql)
    return engine


def analyze(engine: Engine, *, vacuum: bool = False) -> None:
    """Fresh planner statistics for every table, after a big import or a
    schema upgrade: without them SQLite guesses which index a filtered,
    sorted list should use, and PostgreSQL autovacuum may take minutes to
    notice a table that grew from nothing. `vacuum` (PostgreSQL) also
    marks the new rows visible to all, so counts read the index alone
    instead of visiting every row (worth it after a bulk import)."""
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE" if vacuum else "ANALYZE")
        return
    with engine.begin() as connection:  # commits on leaving
        if backend in ("mysql", "mariadb"):
            from sqlalchemy import inspect

            for table in inspect(connection).get_table_names():
                connection.exec_driver_sql(f"ANALYZE TABLE `{table}`")
        else:
            connection.exec_driver_sql("ANALYZE")


TABLES_INFO = "shopdb.tables"


class Database:
    """The app's engine and session factory, one per Flask application."""

    def __init__(self, url: str | URL, **engine_options: Any) -> None:
        self.url = make_url(url)
        self.engine = build_engine(self.url, **engine_options)
        # The tables this app's database holds (the core's and its loaded
        # plugins'), filled by the plugin runtime; every session carries it
        # so a reference count skips models the process merely imported.
        self.tables: set[str] = set()
        self.sessionmaker = sessionmaker(
            self.engine, expire_on_commit=False, info={TABLES_INFO: self.tables}
        )
        self.outage = OutageLog(self.url)
        event.listen(self.engine, "connect", self.outage.connected)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    def dispose(self) -> None:
        self.engine.dispose()


def init_app(app: Flask) -> Database:
    database = Database(app.config["DATABASE_URL"])
    quiet_pool_logs()
    app.extensions[EXTENSION_KEY] = database
    app.teardown_appcontext(_close_session)
    return database


def get_database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions[EXTENSION_KEY]


def get_session() -> Session:
    """The session of the current application context, created on first use."""
    if "dbsession" not in g:
        g.dbsession = get_database().sessionmaker()
    return g.dbsession


def _close_session(_exception: BaseException | None) -> None:
    """End the request's session. The reply is built by now (a write is
    committed): a connection that died under it (the server stopped, the
    network dropped) must not turn it into a 500, so a failure to roll back
    or return the connection is logged and the connection thrown away."""
    session = g.pop("dbsession", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as error:
        if is_unavailable(error):
            get_database().outage.report(error)
        else:
            logging.getLogger(LOGGER).warning(
                "Closing a request's database session failed: %s", driver_message(error)
            )
        with contextlib.suppress(DBAPIError):
            session.invalidate()


def begin_write(session: Session) -> None:
    """Start the session's next transaction as one that will write.

    On SQLite a plain BEGIN reads first and fails at once with "database is
    locked" when another writer commits before this one writes; BEGIN
    IMMEDIATE waits for the write lock (up to the busy timeout) instead. The
    server databases lock rows as they go and need nothing here.
    """
    if session.in_transaction():
        return
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})


# Errors people see ------------------------------------------------------------


def describe_url(url: str | URL) -> str:
    """The URL without its password, fit for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str | URL) -> Path | None:
    """The file behind a SQLite URL, or None for memory databases and servers."""
    url = make_url(url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


# MySQL 8 and MariaDB report a failed CHECK constraint with these codes as an
# OperationalError rather than an IntegrityError.
CHECK_CONSTRAINT_ERROR_CODES = frozenset({3819, 4025})


def _sqlite_code(error: DBAPIError) -> int | None:
    """SQLite's primary result code (5 busy, 14 cannot open, ...), or None
    when another driver raised the error."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _mysql_code(error: DBAPIError) -> Any:
    """MySQL's error number (1213 deadlock, ...): PyMySQL's first argument;
    other drivers put text there, which matches no number."""
    arguments = getattr(error.orig, "args", ())
    return arguments[0] if arguments else None


def is_constraint_violation(error: DBAPIError) -> bool:
    """True when the database refused a write because it breaks a constraint."""
    return isinstance(error, IntegrityError) or _mysql_code(error) in CHECK_CONSTRAINT_ERROR_CODES


SQLITE_DUPLICATE = re.compile(r"UNIQUE constraint failed: (.+)")
# An index on an expression (lower(vendor)) is named, not its columns.
SQLITE_DUPLICATE_INDEX = re.compile(r"UNIQUE constraint failed: index '([^']+)'")
MYSQL_DUPLICATE = re.compile(r"for key '(?:[^'.]*\.)?([^']+)'")


def duplicate_key(error: DBAPIError) -> tuple[str, tuple[str, ...]]:
    """What a refused duplicate clashed on, as the driver says it: the
    constraint's name (PostgreSQL, MySQL/MariaDB) or its columns (SQLite);
    empty when the driver does not say."""
    original = error.orig
    message = str(original)
    found = SQLITE_DUPLICATE.search(message)
    named = SQLITE_DUPLICATE_INDEX.search(message)
    if _sqlite_code(error) is not None and named:
        return named.group(1), ()
    if _sqlite_code(error) is not None and found:
        columns = tuple(part.strip().rpartition(".")[2] for part in found.group(1).split(","))
        return "", columns
    diagnostics = getattr(original, "diag", None)
    if diagnostics is not None:
        return diagnostics.constraint_name or "", ()
    found = MYSQL_DUPLICATE.search(message)
    return (found.group(1), ()) if found else ("", ())


# Failures after which running the same transaction again may well succeed:
# SQLite busy or locked; MySQL/MariaDB deadlock or lock wait timeout;
# PostgreSQL serialization failure or deadlock.
SQLITE_RETRY_CODES = frozenset({5, 6})
MYSQL_RETRY_CODES = frozenset({1205, 1213})
POSTGRESQL_RETRY_STATES = frozenset({"40001", "40P01"})


def is_retryable(error: DBAPIError) -> bool:
    """True when the database gave up on a transaction because of others
    running at the same time, so that running it again is the cure."""
    sqlite_code = _sqlite_code(error)
    if sqlite_code is not None:
        return sqlite_code in SQLITE_RETRY_CODES
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in POSTGRESQL_RETRY_STATES
    return _mysql_code(error) in MYSQL_RETRY_CODES


# Failures that say the database cannot be used at the moment, not that the
# request is wrong: the server is down, unreachable, shutting down, refusing
# the login or out of connections; SQLite cannot open, read or write its file.
# SQLite: PERM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB.
SQLITE_UNAVAILABLE_CODES = frozenset({3, 8, 10, 11, 13, 14, 26})
# MySQL/MariaDB: too many connections, access denied (database, user), server
# shutdown, connection killed, cannot connect (socket, host, unknown host),
# server gone away, lost connection (twice), closed for inactivity.
MYSQL_UNAVAILABLE_CODES = frozenset(
    {1040, 1044, 1045, 1053, 1927, 2002, 2003, 2005, 2006, 2013, 2055, 4031}
)
# PostgreSQL classes: 08 connection exception, 53 insufficient resources,
# 57 operator intervention (shutdown, cannot connect now).
POSTGRESQL_UNAVAILABLE_CLASSES = frozenset({"08", "53", "57"})


def is_unavailable(error: DBAPIError) -> bool:
    """True when the database cannot serve anybody right now (down, out of
    reach, busy beyond the timeout), so that the caller should try again
    later rather than change the request."""
    if error.connection_invalidated or is_retryable(error):
        return True
    sqlite_code = _sqlite_code(error)
    if sqlite_code is not None:
        return sqlite_code in SQLITE_UNAVAILABLE_CODES
    if error.orig is not None and hasattr(error.orig, "sqlstate"):
        sqlstate = error.orig.sqlstate
        # No state: the connection failed before the server said anything.
        if sqlstate is None:
            return isinstance(error, OperationalError | InterfaceError)
        return sqlstate[:2] in POSTGRESQL_UNAVAILABLE_CLASSES
    return _mysql_code(error) in MYSQL_UNAVAILABLE_CODES


# MySQL/MariaDB: lock wait timeout. SQLite's busy and locked come after its
# busy timeout too, since writes begin with BEGIN IMMEDIATE.
MYSQL_WAITED_CODES = frozenset({1205})


def waited_in_vain(error: DBAPIError) -> bool:
    """True when the database already waited its whole timeout for a lock:
    running the transaction again at once would wait as long again, so a
    caller should answer "busy" instead."""
    sqlite_code = _sqlite_code(error)
    if sqlite_code is not None:
        return sqlite_code in SQLITE_RETRY_CODES
    return _mysql_code(error) in MYSQL_WAITED_CODES


def driver_message(error: BaseException) -> str:
    """The database driver's own message (not SQLAlchemy's wrapper), on one line."""
    original = getattr(error, "orig", None) or error
    return " ".join(str(original).split())


def is_unavailable_driver_error(error: BaseException) -> bool:
    """`is_unavailable` for an exception straight from the driver (as the
    connection pool sees them), not wrapped by SQLAlchemy."""
    if isinstance(error, DBAPIError):
        return is_unavailable(error)
    wrapped = DBAPIError.instance(None, None, error, Exception)  # type: ignore[arg-type]
    return isinstance(wrapped, DBAPIError) and is_unavailable(wrapped)


# An outage in the log -----------------------------------------------------------

LOGGER = "shopdb.database"


class OutageLog:
    """One warning when the database stops answering and one line when it
    answers again, however many requests, pool resets and reconnects fail in
    between (each of those would otherwise log, many with a traceback)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.since: float | None = None
        self.failures = 0
        self.lock = threading.Lock()

    def report(self, error: BaseException) -> None:
        with self.lock:
            if self.since is not None:
                self.failures += 1
                return
            self.since = time.monotonic()
            self.failures = 1
        if not isinstance(error, DatabaseUnavailableError):
            error = unavailable(self.url, error)
        logging.getLogger(LOGGER).warning("%s; requests get 503 until it answers again.", error)

    def connected(self, _dbapi_connection: Any = None, _record: Any = None) -> None:
        """Called for each new connection: one that opens ends an outage."""
        with self.lock:
            if self.since is None:
                return
            seconds, failures = time.monotonic() - self.since, self.failures
            self.since = None
        logging.getLogger(LOGGER).warning(
            "The database %s answers again after %.0f s (%d failure(s) in between).",
            describe_url(self.url),
            seconds,
            failures,
        )


class QuietPoolFilter(logging.Filter):
    """Drops the connection pool's tracebacks for connections that died with
    the server ("Exception during reset or similar"): the outage is logged
    once by OutageLog; anything else the pool logs stays."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return error is None or not is_unavailable_driver_error(error)


def quiet_pool_logs() -> None:
    """Install QuietPoolFilter on the pool loggers (once per process)."""
    from sqlalchemy import pool

    for kind in (pool.QueuePool, pool.NullPool, pool.SingletonThreadPool, pool.StaticPool):
        logger = logging.getLogger(f"{kind.__module__}.{kind.__name__}")
        if not any(isinstance(item, QuietPoolFilter) for item in logger.filters):
            logger.addFilter(QuietPoolFilter())


def unavailable(url: str | URL, error: BaseException) -> DatabaseUnavailableError:
    """Turn a driver's connection failure into one sentence that names the server."""
    url = make_url(url)
    reason = driver_message(error)
    if len(reason) > 200:
        reason = reason[:197] + "..."
    if url.get_backend_name() == "sqlite":
        where = f"the SQLite database {url.database}"
    else:
        where = f"the {url.get_backend_name()} server at {url.host or 'localhost'}"
        if url.port:
            where += f":{url.port}"
    return DatabaseUnavailableError(f"Cannot use {where} ({describe_url(url)}): {reason}")
