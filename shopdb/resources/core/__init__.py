"""The core tables, declared as resources exactly like plugin tables are."""

from shopdb.resources.core.accounts import ACCOUNT_RESOURCES
from shopdb.resources.core.assets import ASSET_RESOURCES
from shopdb.resources.core.reference import REFERENCE_RESOURCES
from shopdb.resources.core.system import SYSTEM_RESOURCES

CORE_RESOURCES = (
    *ASSET_RESOURCES,
    *REFERENCE_RESOURCES,
    *ACCOUNT_RESOURCES,
    *SYSTEM_RESOURCES,
)

__all__ = ["CORE_RESOURCES"]
