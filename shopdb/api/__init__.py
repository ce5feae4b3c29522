"""The public namespace for plugins: everything a plugin may import from ShopDB.

Anything not exported here is private and may change without notice. The
contract version below says what may be relied on (see docs/adr on versioning);
an import-linter contract keeps bundled plugins honest.
"""

from shopdb.cli.support import cli_actor
from shopdb.database import get_session
from shopdb.errors import (
    AuthenticationRequiredError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from shopdb.http.envelope import data_response
from shopdb.http.identity import current_identity, guarded, request_actor
from shopdb.http.uploads import takes_file, upload_body, uploaded_file
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
    Setting,
    TimestampMixin,
    Vendor,
    case_sensitive_string,
    utcnow,
)
from shopdb.models.base import coordinate, flag_true, intpk, label200, name100
from shopdb.models.lookups import (
    create_unique_in_any_case,
    drop_unique_in_any_case,
    unique_in_any_case,
)
from shopdb.plugins import (
    BANNER_LEVELS,
    Banner,
    BasePlugin,
    CollectorPart,
    CollectorSchema,
    DashboardWidget,
    DetailPanel,
    ListColumn,
    NavigationItem,
    PluginContractError,
    PluginDependencyError,
    PluginError,
    PluginManifest,
    PluginNotFoundError,
    PluginVersionError,
    PrintView,
)
from shopdb.plugins.printviews import code128_svg, qr_svg, rows_by_id
from shopdb.resources import (
    CanonicalText,
    HasMany,
    HasOne,
    Hostname,
    HostOrAddress,
    IpAddress,
    MacAddress,
    Resource,
    WebUrl,
)
from shopdb.resources.batch import Saved
from shopdb.resources.byname import ByName
from shopdb.resources.core.reference import model_picture_url
from shopdb.resources.lookups import lookup_resource
from shopdb.resources.queries import Conditions, FilterBy
from shopdb.resources.storedimages import StoredImage
from shopdb.services.access import SCOPE_COLLECTOR, Access
from shopdb.services.actor import Actor, actor_of
from shopdb.services.audit import audit_log
from shopdb.services.derived import related_from, related_pairs, related_to
from shopdb.services.locations import locations_above
from shopdb.services.markdown import render_markdown
from shopdb.services.positions import ResolvedPosition, resolve_asset_position, resolve_positions
from shopdb.services.seeds import (
    assets_without_row,
    register_asset_type,
    seed_rows,
    stable_number,
)
from shopdb.services.settings import define_setting, get_setting, plugin_key, set_setting
from shopdb.services.storedfiles import discard as discard_file
from shopdb.services.storedfiles import path_of as stored_path
from shopdb.services.storedfiles import store as store_file
from shopdb.services.unitofwork import unit_of_work
from shopdb.version import __contract_version__

__all__ = [
    "BANNER_LEVELS",
    "CONNECTEDTO",
    "CONTROLS",
    "PARTOF",
    "SCOPE_COLLECTOR",
    "TIMESTAMP",
    "Access",
    "Actor",
    "Asset",
    "AssetRelationship",
    "AssetStatus",
    "AssetType",
    "AuthenticationRequiredError",
    "Banner",
    "Base",
    "BasePlugin",
    "BusinessUnit",
    "ByName",
    "CanonicalText",
    "CollectorPart",
    "CollectorSchema",
    "Conditions",
    "ConflictError",
    "DashboardWidget",
    "DetailPanel",
    "FilterBy",
    "HasMany",
    "HasOne",
    "HostOrAddress",
    "Hostname",
    "InvalidInputError",
    "IpAddress",
    "ListColumn",
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
    "PrintView",
    "ProductModel",
    "RelationshipType",
    "ResolvedPosition",
    "Resource",
    "Saved",
    "Setting",
    "StoredImage",
    "TimestampMixin",
    "Vendor",
    "WebUrl",
    "__contract_version__",
    "actor_of",
    "assets_without_row",
    "audit_log",
    "case_sensitive_string",
    "cli_actor",
    "code128_svg",
    "coordinate",
    "create_unique_in_any_case",
    "current_identity",
    "data_response",
    "define_setting",
    "discard_file",
    "drop_unique_in_any_case",
    "flag_true",
    "get_session",
    "get_setting",
    "guarded",
    "intpk",
    "label200",
    "locations_above",
    "lookup_resource",
    "model_picture_url",
    "name100",
    "plugin_key",
    "qr_svg",
    "register_asset_type",
    "related_from",
    "related_pairs",
    "related_to",
    "render_markdown",
    "request_actor",
    "resolve_asset_position",
    "resolve_positions",
    "rows_by_id",
    "seed_rows",
    "set_setting",
    "stable_number",
    "store_file",
    "stored_path",
    "takes_file",
    "unique_in_any_case",
    "unit_of_work",
    "upload_body",
    "uploaded_file",
    "utcnow",
]
