"""Reading request bodies as JSON, with a bound on nesting.

Python's decoder recurses once per level, so a small body of a thousand `[`
would end in a RecursionError (a 500) in the decoder or in whatever walks the
result later. Every body is parsed by this provider: nesting deeper than
MAXIMUM_DEPTH is a ValueError, which Flask turns into a failed parse, and
`body_problem` says in one sentence what is wrong with a body.
"""

from __future__ import annotations

from typing import Any

from flask.json.provider import DefaultJSONProvider, JSONProvider

# Collector batches, the deepest bodies ShopDB takes, nest about five levels.
MAXIMUM_DEPTH = 32


class TooDeepError(ValueError):
    """A body nested deeper than MAXIMUM_DEPTH (a ValueError, so Flask's parse fails)."""

    def __init__(self) -> None:
        super().__init__(f"it is nested deeper than {MAXIMUM_DEPTH} levels")


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing bodies nested deeper than MAXIMUM_DEPTH."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            raise TooDeepError from None
        if nesting_depth(value) > MAXIMUM_DEPTH:
            raise TooDeepError
        return value


def nesting_depth(value: Any) -> int:
    """How many arrays and objects deep `value` goes, walked without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAXIMUM_DEPTH:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


def body_problem(provider: JSONProvider, data: bytes) -> str:
    """Why `data` is not a usable JSON body, as the end of a sentence."""
    try:
        value = provider.loads(data)
    except TooDeepError as error:
        return str(error)
    except ValueError as error:
        return f"it is not valid JSON ({error})"
    if value is None:
        return "it is null; send a JSON object"
    return "it could not be read as JSON"
