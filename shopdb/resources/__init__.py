"""The declarative resource mechanism: one `Resource` per model, from which
the framework builds REST endpoints, OpenAPI entries, permission checks and
audit entries. Core tables and plugin tables are declared the same way."""

from shopdb.resources.definition import Resource
from shopdb.resources.fieldtypes import (
    CanonicalText,
    Hostname,
    HostOrAddress,
    IpAddress,
    MacAddress,
    WebUrl,
)
from shopdb.resources.nested import HasMany, HasOne
from shopdb.resources.registry import init_api

__all__ = [
    "CanonicalText",
    "HasMany",
    "HasOne",
    "HostOrAddress",
    "Hostname",
    "IpAddress",
    "MacAddress",
    "Resource",
    "WebUrl",
    "init_api",
]
