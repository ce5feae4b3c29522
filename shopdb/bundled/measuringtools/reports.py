"""What the dashboard, the calibration report and a machine's banner read.
Each is one query over the computed state (schedule.py); only active
instruments count (a retired gauge is no longer due)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from shopdb.api import PARTOF, Asset, AssetRelationship, Location, RelationshipType

from .models import InstrumentType, MeasuringTool
from .schedule import DUESOON, OUTOFSERVICE, OVERDUE, STATES, site_today

# The columns of the report, in order (JSON keys and the CSV header alike).
REPORT_COLUMNS = (
    "assetid",
    "assetnumber",
    "name",
    "instrumenttype",
    "location",
    "calibrationstate",
    "lastcalibrationdate",
    "nextduedate",
    "daysleft",
    "calibrationintervaldays",
)
MAXIMUM_REPORT_DAYS = 3660
ALERTING = (OVERDUE, OUTOFSERVICE)


def state_counts(session: Session) -> dict[str, int]:
    """How many active instruments are in each state; every state is named."""
    # Grouped over a derived table: MySQL and MariaDB (ONLY_FULL_GROUP_BY)
    # refuse to group by the correlated subquery itself.
    states = (
        select(MeasuringTool.calibrationstate.label("state"))
        .join(MeasuringTool.asset)
        .where(Asset.isactive.is_(True))
        .subquery()
    )
    rows = session.execute(select(states.c.state, func.count()).group_by(states.c.state))
    counts = dict.fromkeys(STATES, 0)
    counts.update({state: count for state, count in rows})
    return counts


def dashboard(session: Session, listed: int = 5) -> dict[str, Any]:
    """The dashboard widget's variables: the counts per state and the
    instruments due first (overdue ones lead), in two queries."""
    due = MeasuringTool.calibrationstate.in_((OVERDUE, DUESOON))
    return {
        "counts": state_counts(session),
        "due": _rows(session, _report_query(due).limit(listed)),
        "today": site_today().isoformat(),
    }


def report_rows(session: Session, days: int, include_overdue: bool = True) -> list[dict]:
    """Active instruments due within `days` days from today (and the overdue
    and out-of-service ones, unless left out), soonest first; one query."""
    today = site_today()
    due = MeasuringTool.nextduedate <= today + timedelta(days=days)
    if include_overdue:
        due = or_(due, MeasuringTool.calibrationstate == OUTOFSERVICE)
    else:
        due = due & (MeasuringTool.nextduedate >= today)
        due = due & (MeasuringTool.calibrationstate != OUTOFSERVICE)
    return _rows(session, _report_query(due))


def _report_query(condition: Any) -> Select:
    """Active instruments meeting `condition`, with their type and location
    names, soonest due first."""
    return (
        select(MeasuringTool, InstrumentType.instrumenttype, Location.name)
        .join(MeasuringTool.asset)
        .outerjoin(
            InstrumentType, MeasuringTool.instrumenttypeid == InstrumentType.instrumenttypeid
        )
        .outerjoin(Location, Asset.locationid == Location.locationid)
        .options(contains_eager(MeasuringTool.asset))
        .where(Asset.isactive.is_(True), condition)
        .order_by(MeasuringTool.nextduedate, Asset.assetnumber)
    )


def _rows(session: Session, query: Select) -> list[dict]:
    return [report_row(tool, typename, place) for tool, typename, place in session.execute(query)]


def report_row(tool: MeasuringTool, typename: str | None = None, place: str | None = None) -> dict:
    due: date | None = tool.nextduedate
    return {
        "assetid": tool.assetid,
        "assetnumber": tool.asset.assetnumber,
        "name": tool.asset.name,
        "instrumenttype": typename,
        "location": place,
        "calibrationstate": tool.calibrationstate,
        "lastcalibrationdate": _day(tool.lastcalibrationdate),
        "nextduedate": _day(due),
        "daysleft": None if due is None else (due - site_today()).days,
        "calibrationintervaldays": tool.calibrationintervaldays,
    }


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def report_csv(rows: list[dict]) -> str:
    """The report as CSV (RFC 4180, a header row; cells that a spreadsheet
    would read as a formula are quoted with a leading apostrophe)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=REPORT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(row[key]) for key in REPORT_COLUMNS})
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def machine_banner(session: Session, assetid: int) -> dict[str, Any]:
    """The banner of one asset's detail page: the active instruments that are
    `partof` it through an active edge and are overdue or out of service."""
    edges = (
        select(AssetRelationship.sourceassetid)
        .join(RelationshipType)
        .where(
            AssetRelationship.targetassetid == assetid,
            AssetRelationship.isactive.is_(True),
            RelationshipType.relationshiptype == PARTOF,
        )
    )
    rows = _rows(session, _report_query(MeasuringTool.assetid.in_(edges)))
    alerting = [row for row in rows if row["calibrationstate"] in ALERTING]
    return {
        "assetid": assetid,
        "show": bool(alerting),
        "severity": "danger" if alerting else None,
        "message": banner_message(alerting),
        "instruments": alerting,
        "instrumentcount": len(rows),
    }


def banner_message(alerting: list[dict]) -> str | None:
    if not alerting:
        return None
    overdue = [row for row in alerting if row["calibrationstate"] == OVERDUE]
    broken = [row for row in alerting if row["calibrationstate"] == OUTOFSERVICE]
    parts = []
    if overdue:
        parts.append(f"{len(overdue)} overdue for calibration")
    if broken:
        parts.append(f"{len(broken)} out of service (failed calibration)")
    names = ", ".join(row["assetnumber"] for row in alerting)
    count = len(alerting)
    noun = "instrument" if count == 1 else "instruments"
    return f"{count} measuring {noun} at this asset: {' and '.join(parts)} ({names})."
