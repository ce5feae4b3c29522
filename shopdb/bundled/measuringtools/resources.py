"""How the plugin's records are served. This one declaration gives the REST
endpoints at /api/<table name>, their OpenAPI entries, permissions, audit and
search; with `asset_type`, each record is the asset and the plugin's row of it
as one object."""

from __future__ import annotations

from shopdb.api import Resource

from .models import Measuringtool

# Registered by Plugin.on_install; every record created here is an asset of it.
ASSET_TYPE = "measuringtool"

MEASURINGTOOLS = Resource(
    Measuringtool,
    asset_type=ASSET_TYPE,
    filters=(
        "assetnumber",
        "assetstatusid",
        "locationid",
        "isactive",
        "code",
        "capacity",
    ),
    sort=("assetnumber", "name", "modifiedat", "code", "capacity"),
    default_sort="assetnumber",
    search=(("code", 10), ("assetnumber", 10), ("name", 5), ("specification", 1)),
    list_columns=("assetnumber", "name", "code", "capacity", "locationid"),
)
