"""Reading request bodies as JSON, with a bound on nesting.

Python's decoder recurses once per level, so a small body of a thousand `[`
would end in a RecursionError (a 500) in the decoder or in whatever walks the
result later. An object with a key twice is refused too: Python would keep the
last value silently. Every body is parsed by this provider: nesting deeper than
MAXIMUM_DEPTH is a ValueError, which Flask turns into a failed parse, and
`body_problem` says in one sentence what is wrong with a body.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask.json.provider import DefaultJSONProvider, JSONProvider

# Collector batches, the deepest bodies ShopDB takes, nest about five levels.
MAXIMUM_DEPTH = 32


class TooDeepError(ValueError):
    """A body nested deeper than MAXIMUM_DEPTH (a ValueError, so Flask's parse fails)."""

    def __init__(self) -> None:
        super().__init__(f"it is nested deeper than {MAXIMUM_DEPTH} levels")


class DuplicateKeyError(ValueError):
    """An object that names one key twice: which value was meant is unknowable."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} appears twice in one object")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing bodies nested deeper than MAXIMUM_DEPTH
    and objects with a key twice."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("object_pairs_hook", _unique_keys)
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
        children: Iterable[Any]
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
    except (TooDeepError, DuplicateKeyError) as error:
        return str(error)
    except ValueError as error:
        return f"it is not valid JSON ({error})"
    if value is None:
        return "it is null; send a JSON object"
    return "it could not be read as JSON"
