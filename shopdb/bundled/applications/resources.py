"""How the plugin's records are served: applications (with what is installed
where, in the detail reply) and installations (one application on one
computer), which list by application or by computer in one statement."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from shopdb.api import ByName, ConflictError, InvalidInputError, Resource, Vendor, WebUrl
from shopdb.bundled.computers.models import Computer
from shopdb.bundled.computers.resources import COMPUTERS

from .models import Application, Installation


def name_key(name: str) -> str:
    """What makes two spellings of a name one application."""
    return " ".join(name.split()).casefold()


class Applications(Resource):
    """Applications. The name is unique in any case (`namekey`, hidden, is
    the name case-folded); the vendor may be given by name (`vendor`, a core
    vendors row). The detail reply lists the computers that have it
    installed and how many run each version."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any | None) -> dict:
        if "name" not in values:
            return values
        name = " ".join(str(values["name"]).split())
        if not name:
            raise InvalidInputError(
                "The application needs a name; see details.", {"name": ["Must not be blank."]}
            )
        key = name_key(name)
        query = select(Application.applicationid, Application.name).where(
            Application.namekey == key
        )
        if instance is not None:
            query = query.where(Application.applicationid != instance.applicationid)
        held = session.execute(query.limit(1)).first()
        if held is not None:
            message = (
                f"Another application (applicationid {held.applicationid}) is already named "
                f"{held.name!r}; names are compared in any case."
            )
            raise ConflictError(message, {"name": [message]})
        return {**values, "name": name, "namekey": key}

    def detail(self, session: Session, instance: Any, data: dict[str, Any]) -> dict[str, Any]:
        rows = session.execute(
            select(
                Installation.installationid,
                Installation.assetid,
                Computer.hostname,
                Installation.version,
                Installation.installdate,
                Installation.iscollected,
            )
            .join(Computer, Computer.assetid == Installation.assetid)
            .where(Installation.applicationid == instance.applicationid)
            .order_by(Computer.hostname)
        ).all()
        versions: dict[str | None, int] = {}
        for row in rows:
            versions[row.version] = versions.get(row.version, 0) + 1
        data["installations"] = [
            {
                "installationid": row.installationid,
                "assetid": row.assetid,
                "hostname": row.hostname,
                "version": row.version,
                "installdate": row.installdate.isoformat() if row.installdate else None,
                "iscollected": row.iscollected,
            }
            for row in rows
        ]
        data["installedversions"] = [
            {"version": version, "count": count}
            for version, count in sorted(versions.items(), key=lambda item: str(item[0] or ""))
        ]
        return data


class Installations(Resource):
    """An application on a computer. Both may be given by name
    (`application`, `computer` the hostname) as well as by id, and the list
    filters by either: `?computer=pc-0142`, `?application=Zeiss Calypso`.
    Rows written here are hand-typed (`iscollected` false); inventory pushes
    leave them alone."""

    def select(self) -> Select:
        # The names shown with every row come in the list's own statement.
        return (
            super()
            .select()
            .options(
                joinedload(Installation.application, innerjoin=True),
                joinedload(Installation.computer, innerjoin=True),
            )
        )

    def sample(self, session: Session, number: int) -> dict[str, Any]:
        """An application and a computer of its own, so samples never repeat a pair."""
        application = APPLICATIONS.create(session, APPLICATIONS.sample(session, number))
        computer = COMPUTERS.create(session, COMPUTERS.sample(session, number))
        session.flush()
        return {"applicationid": application.applicationid, "assetid": computer.assetid}


APPLICATIONS = Applications(
    Application,
    label="Applications",
    filters=("name", "vendorid", "version", "isactive"),
    sort=("name", "version", "vendorid", "createdat", "modifiedat"),
    default_sort="name",
    search=(
        ("name", 10),
        ("version", 3),
        ("supportcontact", 2),
        ("licence", 1),
        ("notes", 1),
    ),
    list_columns=("name", "vendorid", "version", "licence", "supportcontact", "isactive"),
    hidden=("namekey",),
    field_rules={
        "name": validate.Length(min=1),
        "documentationurl": WebUrl(),
    },
    by_name={"vendor": ByName("vendorid", Vendor.vendor, label="vendor")},
    detail_fields={
        "installations": fields.List(
            fields.Dict(),
            metadata={
                "description": "The computers that have it installed: installationid, "
                "assetid, hostname, version, installdate, iscollected; by hostname"
            },
        ),
        "installedversions": fields.List(
            fields.Dict(),
            metadata={"description": "How many computers run each version: version, count"},
        ),
    },
)

INSTALLATIONS = Installations(
    Installation,
    label="Installations",
    filters=("applicationid", "assetid", "version", "installdate", "iscollected"),
    sort=("installationid", "applicationid", "assetid", "version", "installdate", "modifiedat"),
    default_sort="installationid",
    search=(("version", 1),),
    list_columns=("applicationid", "assetid", "version", "installdate", "iscollected"),
    read_only=("iscollected",),
    by_name={
        "application": ByName("applicationid", Application.name, label="application"),
        "computer": ByName("assetid", Computer.hostname, label="computer"),
    },
    output_fields={
        "application": fields.String(
            attribute="application.name", dump_only=True, metadata={"description": "Its name"}
        ),
        "hostname": fields.String(
            attribute="computer.hostname",
            dump_only=True,
            metadata={"description": "The computer's host name"},
        ),
    },
)

RESOURCES = [APPLICATIONS, INSTALLATIONS]
