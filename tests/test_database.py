"""Every connection is set up the same way: SQLite enforces foreign keys and
uses WAL; MySQL/MariaDB speak utf8mb4 in strict mode."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pymysql
import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, OperationalError

import shopdb
from shopdb.database import (
    analyze,
    describe_url,
    get_database,
    is_retryable,
    quiet_pool_logs,
    sqlite_path,
)
from shopdb.models import AssetStatus

pytestmark = pytest.mark.database


def test_connection_settings(app):
    engine = get_database(app).engine
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        elif engine.dialect.name == "mysql":
            mode = connection.execute(text("SELECT @@SESSION.sql_mode")).scalar()
            assert "STRICT_ALL_TABLES" in mode
            charset = connection.execute(text("SELECT @@character_set_connection")).scalar()
            assert charset == "utf8mb4"
        elif engine.dialect.name == "postgresql":
            # A list's plan is cheaper to run than to JIT-compile (DEPLOY.md).
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
            assert connection.exec_driver_sql("SHOW timezone").scalar() == "UTC"


def test_analyze_refreshes_statistics(app):
    """After an upgrade or a big import the planner knows the new tables."""
    engine = get_database(app).engine
    analyze(engine, vacuum=True)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            # ANALYZE creates the statistics table (rows for non-empty tables).
            found = connection.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
            ).scalar()
        assert found == 1


def test_overlong_text_is_refused_not_truncated(session):
    if get_database().engine.dialect.name == "sqlite":
        pytest.skip("SQLite does not enforce VARCHAR lengths; the servers must")
    with pytest.raises(DBAPIError):
        session.execute(insert(AssetStatus).values(assetstatus="x" * 51))
        session.flush()
    session.rollback()


def test_passwords_never_appear_in_descriptions():
    url = "mysql+pymysql://shopdb:s3cret@db.example:3306/shopdb"
    assert "s3cret" not in describe_url(url)
    assert sqlite_path("sqlite:///:memory:") is None


def test_contract_version_is_semver():
    major, minor, patch = (int(part) for part in shopdb.__contract_version__.split("."))
    assert (major, minor, patch) >= (0, 1, 0)


def _sqlite_busy() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 517  # SQLITE_BUSY_SNAPSHOT, an extended SQLITE_BUSY
    return error


@pytest.mark.parametrize(
    ("original", "retryable"),
    [
        (_sqlite_busy(), True),
        (pymysql.err.OperationalError(1213, "Deadlock found when trying to get lock"), True),
        (pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), True),
        (psycopg.errors.SerializationFailure("could not serialize access"), True),
        (pymysql.err.IntegrityError(1062, "Duplicate entry"), False),
        (psycopg.errors.UniqueViolation("duplicate key value"), False),
        (sqlite3.OperationalError("no such table: x"), False),
    ],
)
def test_only_failures_caused_by_concurrency_are_retryable(original, retryable):
    assert is_retryable(OperationalError("UPDATE x", {}, original)) is retryable


def test_the_pool_drops_tracebacks_of_connections_that_died_with_the_server(caplog, tmp_path):
    quiet_pool_logs()
    pool_logger = logging.getLogger("sqlalchemy.pool.impl.QueuePool")
    dead = [
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        pymysql.err.OperationalError(2013, "Lost connection to MySQL server during query"),
    ]
    for error in [*dead, ValueError("a bug")]:
        try:
            raise error
        except Exception:
            pool_logger.error("Exception during reset or similar", exc_info=True)
    assert [record.exc_info[0] for record in caplog.records] == [ValueError]
