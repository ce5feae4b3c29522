"""The public namespace for plugins: everything a plugin may import from ShopDB.

Anything not exported here is private and may change without notice. The
contract version below says what may be relied on (see docs/adr on versioning);
an import-linter contract keeps bundled plugins honest.
"""

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from shopdb.models import (
    CONNECTEDTO,
    CONTROLS,
    PARTOF,
    TIMESTAMP,
    Asset,
    AssetRelationship,
    AssetStatus,
    AssetType,
    Base,
    BusinessUnit,
    Location,
    LocationType,
    OperatingSystem,
    ProductModel,
    RelationshipType,
    TimestampMixin,
    Vendor,
    case_sensitive_string,
    utcnow,
)
from shopdb.models.lookups import (
    create_unique_in_any_case,
    drop_unique_in_any_case,
    unique_in_any_case,
)
from shopdb.plugins import (
    BasePlugin,
    CollectorSchema,
    DashboardWidget,
    NavigationItem,
    PluginContractError,
    PluginDependencyError,
    PluginError,
    PluginManifest,
    PluginNotFoundError,
    PluginVersionError,
)
from shopdb.resources import (
    CanonicalText,
    HasMany,
    HasOne,
    Hostname,
    IpAddress,
    MacAddress,
    Resource,
)
from shopdb.resources.byname import ByName
from shopdb.services.access import SCOPE_COLLECTOR, Access, current_identity
from shopdb.services.audit import audit_log
from shopdb.services.markdown import render_markdown
from shopdb.services.positions import ResolvedPosition, resolve_asset_position
from shopdb.services.seeds import (
    assets_without_row,
    register_asset_type,
    seed_rows,
    stable_number,
)
from shopdb.services.settings import define_setting, get_setting, plugin_key, set_setting
from shopdb.version import __contract_version__

__all__ = [
    "CONNECTEDTO",
    "CONTROLS",
    "PARTOF",
    "SCOPE_COLLECTOR",
    "TIMESTAMP",
    "Access",
    "Asset",
    "AssetRelationship",
    "AssetStatus",
    "AssetType",
    "Base",
    "BasePlugin",
    "BusinessUnit",
    "ByName",
    "CanonicalText",
    "CollectorSchema",
    "ConflictError",
    "DashboardWidget",
    "HasMany",
    "HasOne",
    "Hostname",
    "InvalidInputError",
    "IpAddress",
    "Location",
    "LocationType",
    "MacAddress",
    "NavigationItem",
    "NotFoundError",
    "OperatingSystem",
    "PermissionDeniedError",
    "PluginContractError",
    "PluginDependencyError",
    "PluginError",
    "PluginManifest",
    "PluginNotFoundError",
    "PluginVersionError",
    "ProductModel",
    "RelationshipType",
    "ResolvedPosition",
    "Resource",
    "TimestampMixin",
    "Vendor",
    "__contract_version__",
    "assets_without_row",
    "audit_log",
    "case_sensitive_string",
    "create_unique_in_any_case",
    "current_identity",
    "define_setting",
    "drop_unique_in_any_case",
    "get_session",
    "get_setting",
    "plugin_key",
    "register_asset_type",
    "render_markdown",
    "resolve_asset_position",
    "seed_rows",
    "set_setting",
    "stable_number",
    "unique_in_any_case",
    "utcnow",
]
