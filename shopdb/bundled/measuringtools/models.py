"""The plugin's tables: a measuringtools row per asset of type
`measuringtool`, its calibration records, and the instrument types it is
sorted by.

The calibration state is not stored: `lastcalibrationdate`, `nextduedate`
and `calibrationstate` are SQL expressions over the calibration records
(`column_property`), so every list, filter, sort and report reads the same
rules in the same SELECT, and nothing can fall out of step with the records.
The rules themselves are in `schedule.py`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from shopdb.api import Asset, Base, TimestampMixin, unique_in_any_case

from .schedule import calibration_state, last_good_date, next_due_date


class InstrumentType(TimestampMixin, Base):
    """What an instrument is (CMM, vision system, micrometer, ...); seeded on
    install, with the interval new instruments of the type usually get."""

    __tablename__ = "instrumenttypes"

    instrumenttypeid: Mapped[int] = mapped_column(primary_key=True)
    instrumenttype: Mapped[str] = mapped_column(String(50), unique=True)
    description: Mapped[str | None] = mapped_column(Text)


unique_in_any_case(InstrumentType.instrumenttype)


class Calibration(TimestampMixin, Base):
    """One calibration of one instrument: when, the result, who did it, the
    certificate. `certificatefile` is the generated name of the uploaded PDF
    in the instance folder (never a name a client chose)."""

    __tablename__ = "calibrations"

    calibrationid: Mapped[int] = mapped_column(primary_key=True)
    assetid: Mapped[int] = mapped_column(
        ForeignKey("measuringtools.assetid", ondelete="CASCADE"), index=True
    )
    calibrationdate: Mapped[date] = mapped_column(Date, index=True)
    result: Mapped[str] = mapped_column(String(20))
    performedby: Mapped[str] = mapped_column(String(20))
    performername: Mapped[str | None] = mapped_column(String(100))
    certificatenumber: Mapped[str | None] = mapped_column(String(100), index=True)
    certificatefile: Mapped[str | None] = mapped_column(String(100))
    certificatename: Mapped[str | None] = mapped_column(String(255))
    certificatesize: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)


class MeasuringTool(TimestampMixin, Base):
    """A metrology instrument. The asset row holds number, name, serial
    number, status and location; this row what a calibration schedule needs.
    The machine or cell it serves is a `partof` edge from the instrument to
    that asset (the contract's relationship), not a column."""

    __tablename__ = "measuringtools"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    instrumenttypeid: Mapped[int | None] = mapped_column(
        ForeignKey("instrumenttypes.instrumenttypeid"), index=True
    )
    measuringrange: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(String(50))
    accuracy: Mapped[str | None] = mapped_column(String(100))
    measurementsoftware: Mapped[str | None] = mapped_column(String(100))
    calibrationintervaldays: Mapped[int] = mapped_column(Integer, default=365)

    # One way only: the core never knows plugin tables.
    asset: Mapped[Asset] = relationship()
    instrumenttype: Mapped[InstrumentType | None] = relationship()

    if TYPE_CHECKING:
        # Mapped below, once the class exists (column_property over the
        # calibration records); declared here for the type checker only.
        lastcalibrationdate: Mapped[date | None]
        nextduedate: Mapped[date | None]
        calibrationstate: Mapped[str]


# Computed in SQL from the calibration records (see schedule.py).
MeasuringTool.lastcalibrationdate = column_property(
    last_good_date(Calibration, MeasuringTool.assetid)
)
MeasuringTool.nextduedate = column_property(
    next_due_date(Calibration, MeasuringTool.assetid, MeasuringTool.calibrationintervaldays)
)
MeasuringTool.calibrationstate = column_property(
    calibration_state(Calibration, MeasuringTool.assetid, MeasuringTool.calibrationintervaldays)
)
