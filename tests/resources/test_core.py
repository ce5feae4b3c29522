"""The generic resource suite over every core resource."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shopdb.models import LocationType, RelationshipType, Role, Setting, Vendor
from shopdb.services.audit import audit_log
from shopdb.testing.resources import ResourceCase, ResourceTests, serial
from tests import factories

pytestmark = pytest.mark.database


def _vendor(session) -> int:
    vendor = Vendor(vendor=f"Vendor {serial()}")
    session.add(vendor)
    session.flush()
    return vendor.vendorid


def _locationtype(session) -> int:
    return session.scalar(
        select(LocationType.locationtypeid).where(LocationType.locationtype == "bay")
    )


def _asset_body(session) -> dict:
    number = serial()
    return {
        "assetnumber": f"A-{number:05d}",
        "name": f"Machine {number}",
        "assettypeid": factories.asset_type(session).assettypeid,
        "assetstatusid": factories.status(session).assetstatusid,
        "serialnumber": f"SN{number}",
        "mapx": float(number),
        "mapy": 2.5,
    }


def _relationship_body(session) -> dict:
    kind = session.scalar(
        select(RelationshipType).where(RelationshipType.relationshiptype == "connectedto")
    )
    return {
        "sourceassetid": factories.asset(session).assetid,
        "targetassetid": factories.asset(session).assetid,
        "relationshiptypeid": kind.relationshiptypeid,
        "label": f"port {serial()}",
    }


def _audit_entry(session) -> int:
    entry = audit_log(session, "note", "assets", 1, message=f"checked {serial()}")
    session.flush()
    return entry.auditlogid


def _role(session) -> int:
    return session.scalar(select(Role.roleid).where(Role.role == "viewer"))


class TestAssets(ResourceTests):
    case = ResourceCase(
        "assets",
        build=_asset_body,
        change=lambda session, row: {"name": "Renamed", "notes": "moved"},
        unique=("assetnumber",),
        delete_action="retire",
    )


class TestAssetTypes(ResourceTests):
    case = ResourceCase(
        "assettypes",
        build=lambda session: {"assettype": f"kind{serial()}", "label": "Kind", "icon": "gear"},
        change=lambda session, row: {"label": "Other kind"},
        unique=("assettype",),
    )


class TestAssetStatuses(ResourceTests):
    case = ResourceCase(
        "assetstatuses",
        build=lambda session: {"assetstatus": f"state{serial()}", "description": "A state"},
        change=lambda session, row: {"description": "Another state"},
        unique=("assetstatus",),
    )


class TestRelationshipTypes(ResourceTests):
    case = ResourceCase(
        "relationshiptypes",
        build=lambda session: {"relationshiptype": f"link{serial()}", "description": "Link"},
        change=lambda session, row: {"description": "Changed"},
        unique=("relationshiptype",),
    )


class TestAssetRelationships(ResourceTests):
    case = ResourceCase(
        "assetrelationships",
        build=_relationship_body,
        change=lambda session, row: {
            "label": "uplink",
            "inheritsposition": not row["inheritsposition"],
        },
        unique=("sourceassetid", "targetassetid", "relationshiptypeid"),
    )


class TestVendors(ResourceTests):
    case = ResourceCase(
        "vendors",
        build=lambda session: {"vendor": f"Vendor {serial()}", "website": "https://example.com"},
        change=lambda session, row: {"notes": "Preferred", "isactive": False},
        unique=("vendor",),
    )


class TestModels(ResourceTests):
    case = ResourceCase(
        "models",
        build=lambda session: {"modelnumber": f"DMU {serial()}", "vendorid": _vendor(session)},
        change=lambda session, row: {"imageurl": "https://images.example.com/models/dmu.png"},
        unique=("vendorid", "modelnumber"),
    )


class TestOperatingSystems(ResourceTests):
    case = ResourceCase(
        "operatingsystems",
        build=lambda session: {"operatingsystem": f"Windows {serial()}"},
        change=lambda session, row: {"isactive": False},
        unique=("operatingsystem",),
    )


class TestBusinessUnits(ResourceTests):
    case = ResourceCase(
        "businessunits",
        build=lambda session: {"businessunit": f"Unit {serial()}", "code": "MACH"},
        change=lambda session, row: {"code": "ASSY"},
        unique=("businessunit",),
    )


class TestLocationTypes(ResourceTests):
    case = ResourceCase(
        "locationtypes",
        build=lambda session: {"locationtype": f"zone{serial()}", "description": "Zone"},
        change=lambda session, row: {"description": "Marked zone"},
        unique=("locationtype",),
    )


class TestLocations(ResourceTests):
    case = ResourceCase(
        "locations",
        build=lambda session: {
            "name": f"Bay {serial()}",
            "locationtypeid": _locationtype(session),
            "mapx": 10.0,
            "mapy": 20.0,
        },
        change=lambda session, row: {"notes": "Near the gate", "mapx": 11.5},
    )


class TestUsers(ResourceTests):
    case = ResourceCase(
        "users",
        build=lambda session: {
            "username": f"user{serial()}",
            "password": "a-long-passphrase!",
            "roleid": _role(session),
            "displayname": "Some One",
        },
        change=lambda session, row: {"displayname": "Someone Else", "email": "a@example.com"},
        unique=("username",),
    )


class TestRoles(ResourceTests):
    case = ResourceCase(
        "roles",
        existing=_role,
        change=lambda session, row: {"description": "Looks, never touches"},
    )


class TestSettings(ResourceTests):
    case = ResourceCase(
        "settings",
        existing=lambda session: session.scalar(
            select(Setting.settingid).where(Setting.setting == "site.name")
        ),
        change=lambda session, row: {"value": "Plant 7"},
    )


class TestAuditLogs(ResourceTests):
    case = ResourceCase("auditlogs", existing=_audit_entry)


class TestApiTokens(ResourceTests):
    case = ResourceCase(
        "apitokens",
        build=lambda session: {"name": f"inventory script {serial()}", "scope": "read"},
        change=lambda session, row: {"name": "renamed script"},
        delete_action="revoke",
        skip_fields=("scope",),
        owner_scoped=True,
    )
