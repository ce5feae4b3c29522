"""Generated requests against documented operations (schemathesis, driven
through its Python API: its pytest plugin does not run on this pytest).

Examples are derandomized, so CI sees the same requests every run and cannot
flake; a failure names the operation and the failing request."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

# What the API promises: no 5xx, and replies as documented.
CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
)


def operations(app: Flask, keep: Callable[[Any], bool] = lambda operation: True) -> list[Any]:
    """The operations of the app's /api/openapi.json that `keep` accepts."""
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    found = [result.ok() for result in api.get_all_operations()]  # type: ignore[union-attr]
    return [operation for operation in found if keep(operation)]


def fuzz(
    found: Iterable[Any],
    *,
    headers: dict[str, str],
    examples: int,
    checks: Sequence[Callable[..., Any]] = CHECKS,
) -> None:
    """Send `examples` generated requests to each operation and check the replies."""
    for operation in found:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=list(checks))

        try:
            check()
        except Exception as error:
            raise AssertionError(f"{operation.label}: {error}") from error
