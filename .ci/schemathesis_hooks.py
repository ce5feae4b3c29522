"""Schemathesis hooks for .ci/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

A list's `cursor` is a value the server wrote (`meta.next`): no JSON Schema
can say which strings those are, so a made-up cursor is refused with a 400
that names the field `cursor` (and only it). That refusal is right, and it
is the one positive-data "rejection" dropped here; any other 400 to a
schema-valid request still fails the run.
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData


def _refused_fields(response) -> set[str]:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return set()
    error = (body.get("data") or {}).get("error") or {}
    return set(error.get("details") or {})


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    """Keep every failure but a 400 to a made-up cursor."""
    if not isinstance(failure, RejectedPositiveData):
        return True
    made_up_cursor = "cursor" in (case.query or {})
    return not (
        made_up_cursor and response.status_code == 400 and _refused_fields(response) == {"cursor"}
    )
