"""The calibration rules, as SQL expressions (so a list of 10,000 instruments
filtered by state is one SELECT, not 10,000 Python decisions).

- The last calibration is the latest record whose result is `pass` or
  `adjusted`; the next due date is that date plus the instrument's interval.
  It is the last day the instrument may be used: due today is still usable.
- A `fail` later than the last pass or adjusted record puts the instrument
  out of service until a later pass or adjusted record. On one day, a pass or
  adjusted record wins over a fail (failed, then adjusted or repaired).
- States, first match wins: `outofservice`; `nevercalibrated` (no pass or
  adjusted record yet); `overdue` (the due date is before today);
  `duesoon` (due within the setting `plugin.measuringtools.duesoondays`
  days, default 30, today and the last of those days included); `ok`.

Today is the server's local date, read when each statement runs. Date
arithmetic is spelt per database (`add_days`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Integer, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from shopdb.api import Setting

PASS, ADJUSTED, FAIL = "pass", "adjusted", "fail"
RESULTS = (PASS, ADJUSTED, FAIL)
GOOD_RESULTS = (PASS, ADJUSTED)
INHOUSE, LAB = "inhouse", "lab"
PERFORMERS = (INHOUSE, LAB)

OK, DUESOON, OVERDUE, OUTOFSERVICE, NEVERCALIBRATED = (
    "ok",
    "duesoon",
    "overdue",
    "outofservice",
    "nevercalibrated",
)
STATES = (OK, DUESOON, OVERDUE, OUTOFSERVICE, NEVERCALIBRATED)

DUESOON_SETTING = "plugin.measuringtools.duesoondays"
DEFAULT_DUESOON_DAYS = 30


def site_today() -> date:
    """The day states are computed for: the server's local date."""
    return date.today()


# One parameter object, so every expression that names today shares it.
TODAY = bindparam("calibrationtoday", callable_=site_today, type_=Date)


class add_days(FunctionElement):  # noqa: N801 - a SQL function, named like one
    """`day + days` as a date, on every database ShopDB runs on."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_sqlite(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(each, **kw) for each in element.clauses)
    return f"date({day}, CAST({days} AS TEXT) || ' days')"


@compiles(add_days, "mysql")
@compiles(add_days, "mariadb")
def _add_days_mysql(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(each, **kw) for each in element.clauses)
    return f"DATE_ADD({day}, INTERVAL {days} DAY)"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element: add_days, compiler: Any, **kw: Any) -> str:
    day, days = (compiler.process(each, **kw) for each in element.clauses)
    return f"(CAST({day} AS DATE) + CAST({days} AS INTEGER))"


def duesoon_days() -> ColumnElement[int]:
    """The setting, read inside the statement (no query of its own); an
    integer by its declaration, the default when unset."""
    stored = select(cast(Setting.value, Integer)).where(Setting.setting == DUESOON_SETTING)
    return func.coalesce(stored.scalar_subquery(), DEFAULT_DUESOON_DAYS)


def last_good_date(calibration: Any, assetid: Any) -> ColumnElement[date]:
    """The date of the instrument's latest pass or adjusted record."""
    return (
        select(func.max(calibration.calibrationdate))
        .where(calibration.assetid == assetid, calibration.result.in_(GOOD_RESULTS))
        .correlate_except(calibration)
        .scalar_subquery()
    )


def next_due_date(calibration: Any, assetid: Any, intervaldays: Any) -> ColumnElement[date]:
    return add_days(last_good_date(calibration, assetid), intervaldays)


def calibration_state(calibration: Any, assetid: Any, intervaldays: Any) -> ColumnElement[str]:
    """One correlated subquery over the instrument's records: the last good
    and last failed dates are aggregates of one scan, not a subquery each."""
    good = func.max(case((calibration.result.in_(GOOD_RESULTS), calibration.calibrationdate)))
    failed = func.max(case((calibration.result == FAIL, calibration.calibrationdate)))
    due = add_days(good, intervaldays)
    state = case(
        (and_(failed.is_not(None), or_(good.is_(None), failed > good)), OUTOFSERVICE),
        (good.is_(None), NEVERCALIBRATED),
        (due < TODAY, OVERDUE),
        (due <= add_days(TODAY, duesoon_days()), DUESOON),
        else_=OK,
    )
    return (
        select(state)
        .where(calibration.assetid == assetid)
        .correlate_except(calibration)
        .scalar_subquery()
    )
