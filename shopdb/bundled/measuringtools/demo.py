"""The plugin's part of the demo site (`shopdb seed --demo`): a
measuringtools row and a calibration history for each demo asset of type
`measuringtool` that has no row yet.

Values come from the asset's model and number, and the dates from the day
the demo is seeded, so a fresh demo always shows every state: instruments
due soon, overdue, out of service after a failed calibration, and ok.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopdb.api import Asset, assets_without_row, stable_number

from .models import Calibration, InstrumentType, MeasuringTool
from .resources import ASSET_TYPE
from .schedule import ADJUSTED, FAIL, INHOUSE, LAB, PASS, site_today

# model number -> (instrument type, range, resolution, accuracy, software, interval, lab)
INSTRUMENTS = {
    "CONTURA": (
        "CMM",
        "X 700 / Y 1000 / Z 600 mm",
        "0.0002 mm",
        "MPE_E 1.8 + L/300 um",
        "ZEISS CALYPSO 2023",
        365,
        "ZEISS Industrial Quality Solutions",
    ),
    "PRISMO": (
        "CMM",
        "X 900 / Y 1200 / Z 700 mm",
        "0.0001 mm",
        "MPE_E 0.9 + L/350 um",
        "ZEISS CALYPSO 2023",
        365,
        "ZEISS Industrial Quality Solutions",
    ),
    "GLOBAL S": (
        "CMM",
        "X 700 / Y 1000 / Z 660 mm",
        "0.0001 mm",
        "MPE_E 1.5 + L/333 um",
        "PC-DMIS 2023.2",
        365,
        "Hexagon Metrology Services",
    ),
    "Absolute Arm 8525": (
        "articulated arm",
        "2.5 m sphere",
        "0.001 mm",
        "0.025 mm (point repeatability)",
        "PC-DMIS 2023.2",
        365,
        "Hexagon Metrology Services",
    ),
    "IM-8000": (
        "vision system",
        "200 x 200 x 75 mm",
        "0.0001 mm",
        "+-2 um",
        "Keyence IM-8000 v3",
        365,
        "Keyence calibration service",
    ),
    "VR-6000": (
        "vision system",
        "300 x 150 x 50 mm (3D profile)",
        "0.1 um",
        "+-2.5 um",
        "Keyence VR-6000 Analyzer",
        365,
        "Keyence calibration service",
    ),
    "SJ-410": ("profilometer", "Ra 0.05-40 um", "0.0001 um", "+-2 %", "SURFPAK-SJ", 365, None),
    "SJ-210": ("profilometer", "Ra 0.05-40 um", "0.001 um", "+-3 %", None, 365, None),
    "QM-Height": (
        "height gauge",
        "0-350 mm",
        "0.0005 mm",
        "+-(2.4 + 2.1L/600) um",
        None,
        365,
        None,
    ),
    "venturion 450": (
        "presetter",
        "D 450 / L 600 mm",
        "0.001 mm",
        "+-2 um",
        "ZOLLER pilot 4.0",
        365,
        "ZOLLER service",
    ),
    "OMP400": ("touch probe", "+-12.5 mm overtravel", None, "0.25 um 2-sigma", None, 180, None),
    "RMP60": ("touch probe", "+-18 mm overtravel", None, "1 um 2-sigma", None, 180, None),
    "293-240-30": ("micrometer", "0-25 mm", "0.001 mm", "+-1 um", None, 365, None),
    "500-196-30": ("caliper", "0-150 mm", "0.01 mm", "+-0.02 mm", None, 365, None),
    "511-711": ("bore gauge", "18-35 mm", "0.001 mm", "+-2 um", None, 180, None),
}
INHOUSE_NAME = "Quality lab"

# What the demo shows, by position in asset-number order: days until the
# next due date (negative: overdue), or FAILED for an instrument whose last
# calibration failed.
FAILED = "failed"
PLAN: tuple[int | str, ...] = (120, 12, 200, -9, 75, 160, FAILED, 40, 25, 260, 90, -30, 0, 30)


def add_demo_instruments(session: Session) -> int:
    """Add the row and calibration history of each demo instrument that has
    none; returns how many."""
    types = {
        row.instrumenttype: row.instrumenttypeid for row in session.scalars(select(InstrumentType))
    }
    assets = session.scalars(assets_without_row(ASSET_TYPE, MeasuringTool)).all()
    today = site_today()
    histories: list[Calibration] = []
    for index, asset in enumerate(assets):
        modelnumber = asset.model.modelnumber if asset.model else ""
        kind, span, resolution, accuracy, software, interval, lab = INSTRUMENTS.get(
            modelnumber, ("other", None, None, None, None, 365, None)
        )
        session.add(
            MeasuringTool(
                assetid=asset.assetid,
                instrumenttypeid=types.get(kind),
                measuringrange=span,
                resolution=resolution,
                accuracy=accuracy,
                measurementsoftware=software,
                calibrationintervaldays=interval,
            )
        )
        histories.extend(history(asset, PLAN[index % len(PLAN)], interval, lab, today))
    session.flush()  # the instruments first: the records' foreign key needs them
    session.add_all(histories)
    session.flush()
    return len(assets)


def history(
    asset: Asset, plan: int | str, interval: int, lab: str | None, today: date
) -> list[Calibration]:
    """Three past calibrations ending where `plan` says; a retired asset's
    last one failed (the demo notes say so)."""
    number = stable_number(asset.assetnumber)
    failed = plan == FAILED or not asset.isactive
    daysleft = -(number % 20) - 15 if failed else int(plan)
    daysleft = min(daysleft, interval - 1)  # the last calibration is in the past
    last = today - timedelta(days=interval - daysleft)
    if not asset.isactive:
        last = date(2024, 5, 1) + timedelta(days=number % 20)
    dates = [last - timedelta(days=interval * step) for step in (2, 1, 0)]
    performedby, name = (LAB, lab) if lab else (INHOUSE, INHOUSE_NAME)
    records = [
        Calibration(
            assetid=asset.assetid,
            calibrationdate=day,
            result=ADJUSTED if step == 1 and number % 3 == 0 else PASS,
            performedby=performedby,
            performername=name,
            certificatenumber=f"CAL-{day.year}-{number % 10000:04d}-{step}",
            notes="Adjusted to nominal; within tolerance after adjustment."
            if step == 1 and number % 3 == 0
            else None,
        )
        for step, day in enumerate(dates)
    ]
    if failed:
        failday = today - timedelta(days=number % 10 + 3)
        if not asset.isactive:
            failday = date(2024, 11, 4) + timedelta(days=number % 20)
        records.append(
            Calibration(
                assetid=asset.assetid,
                calibrationdate=failday,
                result=FAIL,
                performedby=performedby,
                performername=name,
                certificatenumber=f"CAL-{failday.year}-{number % 10000:04d}-F",
                notes="Out of tolerance; taken out of service until repaired.",
            )
        )
    return records
