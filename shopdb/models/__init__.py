"""The core contract models. Importing this package registers every core table
on `Base.metadata`, which migrations and tests compare against."""

from shopdb.models.accounts import ADMIN, EDITOR, VIEWER, ApiToken, RevokedToken, Role, User
from shopdb.models.assets import Asset, AssetStatus, AssetType
from shopdb.models.audit import AuditLog
from shopdb.models.base import TIMESTAMP, Base, TimestampMixin, case_sensitive_string, utcnow
from shopdb.models.locations import Location, LocationType
from shopdb.models.plugins import Plugin
from shopdb.models.reference import BusinessUnit, OperatingSystem, ProductModel, Vendor
from shopdb.models.relationships import (
    CONNECTEDTO,
    CONTROLS,
    PARTOF,
    AssetRelationship,
    RelationshipType,
)
from shopdb.models.searchindex import SearchEntry
from shopdb.models.settings import Setting

__all__ = [
    "ADMIN",
    "CONNECTEDTO",
    "CONTROLS",
    "CORE_TABLES",
    "EDITOR",
    "PARTOF",
    "TIMESTAMP",
    "VIEWER",
    "ApiToken",
    "Asset",
    "AssetRelationship",
    "AssetStatus",
    "AssetType",
    "AuditLog",
    "Base",
    "BusinessUnit",
    "Location",
    "LocationType",
    "OperatingSystem",
    "Plugin",
    "ProductModel",
    "RelationshipType",
    "RevokedToken",
    "Role",
    "SearchEntry",
    "Setting",
    "TimestampMixin",
    "User",
    "Vendor",
    "case_sensitive_string",
    "utcnow",
]

# The contract's tables: everything declared above. Plugin tables join the same
# metadata when a plugin loads; this set tells them apart.
CORE_TABLES = frozenset(Base.metadata.tables)
