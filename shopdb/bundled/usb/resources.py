"""How the plugin's records are served: USB devices (an asset extension with
their issue history in single-record replies, and the issue and return
actions) and the issue history itself, read-only, filterable per device,
computer or person."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import ColumnElement, String, select
from sqlalchemy.orm import Session

from shopdb.api import (
    Asset,
    AssetType,
    CanonicalText,
    ConflictError,
    InvalidInputError,
    Resource,
    current_identity,
    data_response,
    get_session,
    guarded,
    request_actor,
    unit_of_work,
    utcnow,
)

from .models import DESTROYED, DEVICE_STATUSES, IN_STOCK, ISSUED, LOST, UsbDevice, UsbIssue

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "usb"
ASSET_LABEL = "USB device"
ICON = "usb-drive"
ASSETNUMBER_PREFIX = "USB-"
# Who may hold a device: a person (free text) or an asset of this type.
HOLDER_TYPE = "computer"


def _length(column: ColumnElement[Any]) -> int:
    kind = column.type
    assert isinstance(kind, String) and kind.length, column
    return kind.length


ASSETNUMBER_LENGTH = _length(Asset.__table__.c.assetnumber)
SERIAL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9._:/-]*$")


class UsbSerial(CanonicalText):
    """A device's serial as its firmware reports it (iSerial), stored
    upper-case without blanks: `4c53 0001 2205` and `4C5300012205` are one."""

    description = "Serial number; stored upper-case without blanks (4C5300012205)"
    default_error_messages = {
        "invalid_serial": "Not a serial number; use letters, digits and . _ : / - only."
    }

    def canonical(self, text: str) -> str:
        value = re.sub(r"\s+", "", text).upper()
        if not SERIAL_PATTERN.match(value):
            raise self.make_error("invalid_serial")
        return value

    def sample(self, number: int) -> str:
        return f"AA{number:014d}"


class UsbDevices(Resource):
    """USB devices. A new device without an asset number gets USB-<label
    number>, else USB-<serial>; the asset's serialnumber follows the serial.
    `devicestatus` changes to and from `issued` only through the issue and
    return actions (POST /api/usbdevices/<id>/issue, .../return)."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        values = dict(values)
        if instance is None:
            if not values.get("assetnumber"):
                values["assetnumber"] = default_assetnumber(values)
            if not values.get("name"):
                values["name"] = default_name(values)
            values.setdefault("devicestatus", IN_STOCK)
        if values.get("serial") and not values.get("serialnumber"):
            values["serialnumber"] = values["serial"]
        # The actions send the holder fields, which are read-only for API input.
        if "assignedto" not in values:
            refuse_status_change(instance, values.get("devicestatus"))
        return values

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        data = super().detail(session, instance, data)
        data["issues"] = [dump_issue(row) for row in issues_of(session, instance.assetid)]
        return data

    def extra_routes(self, blueprint: Any, output_schema: type[Schema]) -> None:
        resource = self

        @blueprint.route("/<int:itemid>/issue", methods=["POST"])
        @guarded(self.write, write=True)
        @blueprint.arguments(IssueSchema)
        @blueprint.response(200, DeviceEnvelope)
        @blueprint.doc(
            summary="Issue a USB device",
            description="Hand an `in stock` device to a person (`issuedto`) or a computer "
            "(`issuedtoassetid`), or both; recorded in its issue history with who issued "
            "it and why. A device is issued to one holder at a time: 409 when it is not "
            "in stock (the database refuses a second open issue even under racing requests).",
        )
        def issue(values: dict[str, Any], itemid: int) -> Any:
            return resource.act(itemid, issue_device, values)

        @blueprint.route("/<int:itemid>/return", methods=["POST"])
        @guarded(self.write, write=True)
        @blueprint.arguments(ReturnSchema)
        @blueprint.response(200, DeviceEnvelope)
        @blueprint.doc(
            summary="Take a USB device back",
            description="Close the device's open issue (who took it back, when, why) and "
            "set its status: `in stock` (default), `lost` or `destroyed`. 409 when it is "
            "not issued.",
        )
        def give_back(values: dict[str, Any], itemid: int) -> Any:
            return resource.act(itemid, return_device, values)

    def act(self, itemid: int, action: Any, values: dict[str, Any]) -> Any:
        """One action in the request's transaction: lock the device, act,
        reply with the device as it is now, commit."""
        session = get_session()
        with unit_of_work(session, request_actor()):
            device = locked_device(session, itemid)
            action(session, device, values)
            reply = self.detail(session, device, self.schemas.detail().dump(device))
        return data_response(reply)


def default_assetnumber(values: dict[str, Any]) -> Any:
    base = values.get("labelnumber") or values.get("serial")
    if not isinstance(base, str):
        return base  # the missing serial is reported by the schema
    number = base if base.upper().startswith(ASSETNUMBER_PREFIX) else ASSETNUMBER_PREFIX + base
    if len(number) > ASSETNUMBER_LENGTH:
        message = f"{number!r} is too long for an asset number; send an assetnumber."
        raise InvalidInputError(message, {"assetnumber": [message]})
    return number


def default_name(values: dict[str, Any]) -> str | None:
    capacity = values.get("capacitygb")
    label = values.get("labelnumber") or values.get("serial")
    return f"USB stick {capacity} GB {label}" if capacity else f"USB stick {label}"


def refuse_status_change(instance: Any | None, status: str | None) -> None:
    """Issued is a state the actions set and clear, so the holder and the
    history always agree with it."""
    if status is None:
        return
    current = instance.devicestatus if instance is not None else None
    if status == ISSUED and current != ISSUED:
        message = "Issue a device with POST /api/usbdevices/<id>/issue, not by its status."
        raise InvalidInputError(message, {"devicestatus": [message]})
    if current == ISSUED and status != ISSUED:
        message = (
            "The device is issued; take it back with POST /api/usbdevices/<id>/return "
            "(which may set lost or destroyed)."
        )
        raise InvalidInputError(message, {"devicestatus": [message]})


# The actions ---------------------------------------------------------------------


def locked_device(session: Session, itemid: int) -> UsbDevice:
    """The device, its row locked until the request's transaction ends, so
    two actions on one device take turns."""
    device: UsbDevice = USBDEVICES.get_row(session, itemid, lock=True)
    return device


def holder_text(device: UsbDevice) -> str:
    parts = []
    if device.assignedasset is not None:
        parts.append(f"computer {device.assignedasset.assetnumber}")
    if device.assignedto:
        parts.append(device.assignedto)
    return " / ".join(parts) or "nobody"


def issue_device(session: Session, device: UsbDevice, values: dict[str, Any]) -> UsbIssue:
    if device.devicestatus != IN_STOCK:
        held = f", held by {holder_text(device)}" if device.devicestatus == ISSUED else ""
        message = (
            f"USB device {device.asset.assetnumber} is {device.devicestatus}{held}; only a "
            "device in stock can be issued."
        )
        raise ConflictError(message, {"devicestatus": [message]})
    computer = values.get("issuedtoassetid")
    if computer is not None:
        check_holder(session, computer)
    now = utcnow()
    issue = USBISSUES.create(
        session,
        {
            "assetid": device.assetid,
            "openassetid": device.assetid,
            "issuedto": values.get("issuedto"),
            "issuedtoassetid": computer,
            "issuedby": who(),
            "issuedat": now,
            "reason": values.get("reason"),
        },
    )
    USBDEVICES.update(
        session,
        device,
        {"devicestatus": ISSUED, "assignedassetid": computer, "assignedto": values.get("issuedto")},
    )
    return issue


def return_device(session: Session, device: UsbDevice, values: dict[str, Any]) -> UsbIssue:
    issue = session.scalar(select(UsbIssue).where(UsbIssue.openassetid == device.assetid))
    if device.devicestatus != ISSUED or issue is None:
        message = f"USB device {device.asset.assetnumber} is {device.devicestatus}, not issued."
        raise ConflictError(message, {"devicestatus": [message]})
    USBISSUES.update(
        session,
        issue,
        {
            "openassetid": None,
            "returnedat": utcnow(),
            "returnedby": who(),
            "returnreason": values.get("reason"),
        },
    )
    USBDEVICES.update(
        session,
        device,
        {"devicestatus": values["devicestatus"], "assignedassetid": None, "assignedto": None},
    )
    return issue


def check_holder(session: Session, assetid: int) -> None:
    row = session.execute(
        select(Asset.isactive, AssetType.assettype)
        .join(AssetType, AssetType.assettypeid == Asset.assettypeid)
        .where(Asset.assetid == assetid)
    ).first()
    if row is None or row.assettype != HOLDER_TYPE or not row.isactive:
        message = f"Asset {assetid} is not an active computer; issue to a computer or a person."
        raise InvalidInputError(message, {"issuedtoassetid": [message]})


def who() -> str:
    identity = current_identity()
    return identity.username or identity.via


def issues_of(session: Session, assetid: int) -> list[UsbIssue]:
    query = (
        select(UsbIssue)
        .where(UsbIssue.assetid == assetid)
        .order_by(UsbIssue.issuedat.desc(), UsbIssue.usbissueid.desc())
    )
    return list(session.scalars(query))


def dump_issue(row: UsbIssue) -> dict[str, Any]:
    return USBISSUES.schemas.output().dump(row)


# Schemas of the actions ------------------------------------------------------------


class IssueSchema(Schema):
    issuedto = fields.String(
        validate=validate.Length(min=1, max=100),
        allow_none=True,
        metadata={"description": "The person who gets the device"},
    )
    issuedtoassetid = fields.Integer(
        validate=validate.Range(min=1),
        allow_none=True,
        metadata={"description": "The computer (its assetid) that gets the device"},
    )
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)

    @validates_schema
    def holder_given(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("issuedto") and not data.get("issuedtoassetid"):
            raise SchemaError(
                "Say who gets the device: issuedto (a person), issuedtoassetid (a computer) "
                "or both.",
                "issuedto",
            )


class ReturnSchema(Schema):
    devicestatus = fields.String(
        load_default=IN_STOCK,
        validate=validate.OneOf((IN_STOCK, LOST, DESTROYED)),
        metadata={"description": "What the device is now: in stock (default), lost, destroyed"},
    )
    reason = fields.String(validate=validate.Length(max=2000), allow_none=True)


# Declarations ----------------------------------------------------------------------


class UsbIssues(Resource):
    """The issue history: written by the actions only, so it has no create,
    update or delete endpoint."""

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """An issue of a new device (the history cannot exist without one)."""
        device = USBDEVICES.create(session, USBDEVICES.sample(session, number))
        session.flush()
        return {**super().sample(session, number), "assetid": device.assetid}


USBISSUES = UsbIssues(
    UsbIssue,
    label="USB device issues",
    allow_create=False,
    allow_update=False,
    allow_delete=False,
    filters=("assetid", "issuedtoassetid", "issuedto", "issuedby", "issuedat", "returnedat"),
    sort=("issuedat", "returnedat", "usbissueid"),
    default_sort="-issuedat",
    search=(("issuedto", 5), ("reason", 1), ("returnreason", 1)),
    list_columns=("assetid", "issuedto", "issuedtoassetid", "issuedby", "issuedat", "returnedat"),
    hidden=("openassetid",),
)


USBDEVICES = UsbDevices(
    UsbDevice,
    label="USB devices",
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "serial",
        "labelnumber",
        "devicestatus",
        "capacitygb",
        # What a computer holds now: ?assignedassetid=<the computer's assetid>
        "assignedassetid",
        "assignedto",
        "vendorid",
        "modelid",
        "locationid",
        "isactive",
    ),
    sort=("assetnumber", "labelnumber", "serial", "capacitygb", "devicestatus", "modifiedat"),
    default_sort="labelnumber",
    search=(
        ("serial", 10),
        ("labelnumber", 10),
        ("assetnumber", 10),
        ("assignedto", 5),
        ("name", 3),
        ("notes", 1),
    ),
    list_columns=(
        "labelnumber",
        "serial",
        "capacitygb",
        "devicestatus",
        "assignedto",
        "assignedassetid",
        "locationid",
    ),
    read_only=("assignedassetid", "assignedto"),
    field_rules={
        "serial": UsbSerial(),
        "capacitygb": validate.Range(min=0, max=1_000_000),
        "devicestatus": validate.OneOf(DEVICE_STATUSES),
    },
    extra_input={
        "assetnumber": fields.String(
            validate=validate.Length(min=1, max=ASSETNUMBER_LENGTH),
            metadata={"description": "Default: USB-<label number>, else USB-<serial>"},
        ),
    },
    detail_fields={"issues": fields.List(fields.Nested(USBISSUES.schemas.output))},
)


class DeviceEnvelope(Schema):
    data = fields.Nested(USBDEVICES.schemas.detail, required=True)
