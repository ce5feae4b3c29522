"""The equipment plugin's tables.

`equipment` extends an asset of type `equipment` (keyed by its assetid) with
what a production machine has beyond the core asset row; three lookup tables
name its equipment type, controller type and controller OS; three optional
subtype tables, keyed by the machine, hold how to reach its controller over
FOCAS, MTConnect and CLM.
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopdb.api import Asset, Base, TimestampMixin, case_sensitive_string, unique_in_any_case

# Lookups -------------------------------------------------------------------------


class EquipmentType(TimestampMixin, Base):
    """What kind of machine it is: 5-axis mill, lathe, grinder, washer, ..."""

    __tablename__ = "equipmenttypes"

    equipmenttypeid: Mapped[int] = mapped_column(primary_key=True)
    equipmenttype: Mapped[str] = mapped_column(String(100), unique=True)
    isactive: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ControllerType(TimestampMixin, Base):
    """The CNC control a machine has (Fanuc 31i, Siemens 840D, ...), with its maker."""

    __tablename__ = "controllertypes"

    controllertypeid: Mapped[int] = mapped_column(primary_key=True)
    controllertype: Mapped[str] = mapped_column(String(100), unique=True)
    vendor: Mapped[str | None] = mapped_column(String(100))
    isactive: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ControllerOs(TimestampMixin, Base):
    """The software a control runs (Sinumerik Operate 4.8, ...); kept apart from
    the operating systems of PCs."""

    __tablename__ = "controlleroses"

    controllerosid: Mapped[int] = mapped_column(primary_key=True)
    controlleros: Mapped[str] = mapped_column(String(100), unique=True)
    isactive: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


unique_in_any_case(EquipmentType.equipmenttype)
unique_in_any_case(ControllerType.controllertype)
unique_in_any_case(ControllerOs.controlleros)


# The machine ---------------------------------------------------------------------


class Equipment(TimestampMixin, Base):
    """A production machine: the asset row holds number, name, status and
    location; this row the machine number, type, control and capacity."""

    __tablename__ = "equipment"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("assets.assetid", ondelete="CASCADE"), primary_key=True
    )
    # Compared byte for byte on every database (MySQL's collation ignores case).
    machinenumber: Mapped[str] = mapped_column(case_sensitive_string(50), unique=True)
    equipmenttypeid: Mapped[int] = mapped_column(
        ForeignKey("equipmenttypes.equipmenttypeid"), index=True
    )
    controllertypeid: Mapped[int | None] = mapped_column(
        ForeignKey("controllertypes.controllertypeid"), index=True
    )
    controllerosid: Mapped[int | None] = mapped_column(
        ForeignKey("controlleroses.controllerosid"), index=True
    )
    axiscount: Mapped[int | None]
    spindlecount: Mapped[int | None]
    # Free text as the machine's data sheet gives it: "500 x 400 x 350 mm".
    maxworkpiece: Mapped[str | None] = mapped_column(String(100))

    # One way only: the core Asset model never knows plugin tables.
    asset: Mapped[Asset] = relationship()
    focas: Mapped[EquipmentFocas | None] = relationship()
    mtconnect: Mapped[EquipmentMtconnect | None] = relationship()
    clm: Mapped[EquipmentClm | None] = relationship()


# Protocol details, one optional row each per machine ------------------------------


class EquipmentFocas(TimestampMixin, Base):
    """How to reach the machine's Fanuc control over FOCAS (Ethernet)."""

    __tablename__ = "equipmentfocas"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("equipment.assetid", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(default=8193, server_default="8193")


class EquipmentMtconnect(TimestampMixin, Base):
    """The MTConnect agent that publishes the machine's data."""

    __tablename__ = "equipmentmtconnect"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("equipment.assetid", ondelete="CASCADE"), primary_key=True
    )
    agenturl: Mapped[str] = mapped_column(String(255))
    devicename: Mapped[str | None] = mapped_column(String(100))


class EquipmentClm(TimestampMixin, Base):
    """Where the machine's CLM endpoint listens."""

    __tablename__ = "equipmentclm"

    assetid: Mapped[int] = mapped_column(
        ForeignKey("equipment.assetid", ondelete="CASCADE"), primary_key=True
    )
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int | None]
    path: Mapped[str | None] = mapped_column(String(255))


MODELS = [
    EquipmentType,
    ControllerType,
    ControllerOs,
    Equipment,
    EquipmentFocas,
    EquipmentMtconnect,
    EquipmentClm,
]
