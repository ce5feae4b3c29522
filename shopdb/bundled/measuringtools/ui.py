"""What the measuringtools plugin adds to the web UI: on an instrument's
page, its calibration state at a glance (state, last good calibration, next
due date and the days left), from the SQL-computed fields already loaded
with the record: no query of its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shopdb.api import DetailPanel

from .models import MeasuringTool
from .schedule import DUESOON, NEVERCALIBRATED, OK, OUTOFSERVICE, OVERDUE, site_today

STATE_LABELS = {
    OK: ("ok", "success"),
    DUESOON: ("due soon", "warning"),
    OVERDUE: ("overdue", "danger"),
    OUTOFSERVICE: ("out of service", "danger"),
    NEVERCALIBRATED: ("never calibrated", "secondary"),
}


def calibration(session: Session, tool: MeasuringTool) -> dict[str, Any]:
    today = site_today()
    label, colour = STATE_LABELS.get(tool.calibrationstate, (tool.calibrationstate, "secondary"))
    due = tool.nextduedate
    return {
        "state": label,
        "colour": colour,
        "last": tool.lastcalibrationdate,
        "due": due,
        "daysleft": None if due is None else (due - today).days,
        "interval": tool.calibrationintervaldays,
        "assetid": tool.assetid,
    }


DETAIL_PANELS = [
    DetailPanel(
        resource="measuringtools",
        name="calibration",
        title="Calibration",
        template="measuringtools/calibration.html",
        context=calibration,
        order=10,
    )
]
