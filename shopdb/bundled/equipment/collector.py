"""What a machine's collector pushes to POST /api/collector/equipment.

The identity is the machine number, trimmed and compared exactly (no case
folding, as the resource stores it). Lookups go by name; the protocol details
are the nested objects of the record, each optional.
"""

from __future__ import annotations

from typing import Any

from shopdb.api import CollectorSchema

TEXT = {"type": "string", "minLength": 1, "maxLength": 100}
COUNT = {"type": ["integer", "null"], "minimum": 0}
PORT = {"type": "integer", "minimum": 1, "maximum": 65535}
HOST = {"type": "string", "minLength": 1, "maxLength": 253}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """A nested part: an object creates or changes it, null removes it. Which
    fields a new one needs is the resource's to say (host, agenturl)."""
    return {"type": ["object", "null"], "additionalProperties": False, "properties": properties}


COLLECTOR_SCHEMA: CollectorSchema = {
    "identityfield": "machinenumber",
    "resource": "equipment",
    "fields": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "machinenumber": {"type": "string", "minLength": 1, "maxLength": 50},
            "assetnumber": {"type": "string", "minLength": 1, "maxLength": 50},
            "name": {"type": ["string", "null"], "maxLength": 200},
            "serialnumber": {"type": ["string", "null"], "maxLength": 100},
            "equipmenttype": TEXT,
            "controllertype": {**TEXT, "type": ["string", "null"]},
            "controlleros": {**TEXT, "type": ["string", "null"]},
            "axiscount": COUNT,
            "spindlecount": COUNT,
            "maxworkpiece": {"type": ["string", "null"], "maxLength": 100},
            "focas": _object({"host": HOST, "port": PORT}),
            "mtconnect": _object(
                {
                    "agenturl": {"type": "string", "minLength": 1, "maxLength": 255},
                    "devicename": {"type": ["string", "null"], "maxLength": 100},
                }
            ),
            "clm": _object(
                {
                    "host": HOST,
                    "port": {**PORT, "type": ["integer", "null"]},
                    "path": {"type": ["string", "null"], "maxLength": 255},
                }
            ),
        },
    },
}
