"""One declaration for a lookup table: a name column plus, at most, a
description, an `isactive` flag and a few describing columns (computer types,
controller types, operating systems, ...).

Every lookup of the core and of the bundled plugins used to repeat the same
filters, sort, search and list columns; `lookup_resource` derives them from
the model, so they are stated once and a new lookup is one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shopdb.models import Base
from shopdb.models.lookups import anycase_indexes
from shopdb.resources.definition import Resource
from shopdb.services.access import Access

# Search weights: the name outranks what describes it.
NAME_WEIGHT = 10
DESCRIPTION_WEIGHT = 1


def lookup_resource(
    model: type[Base],
    label_column: str,
    *,
    label: str = "",
    also: Sequence[tuple[str, int]] = (),
    write: Access = Access.ADMIN,
    **options: Any,
) -> Resource:
    """The resource of the lookup table `model`, whose name is `label_column`
    (`printertype`): it filters by the name, the `also` columns and
    `isactive` (when the table has it); sorts by those and the timestamps,
    by name by default; searches the name, then the `also` columns at their
    weights, then `description`; lists name, `also`, description and
    `isactive`. Admins write it unless `write` says otherwise; `options` go to
    `Resource` as they are (a `by_name`, a `views`, ...).

    The name must be declared unique in any case (`unique_in_any_case`,
    ADR 0011), so "Laser" and "LASER" are one row on every database."""
    columns = model.__table__.columns
    where = f"lookup_resource({model.__name__}, {label_column!r})"
    if label_column not in columns:
        raise ValueError(f"{where}: {model.__tablename__} has no column {label_column!r}.")
    folded = {index.info["anycase"] for index in anycase_indexes([model.__table__])}
    if label_column not in folded:
        raise ValueError(
            f"{where}: declare the name unique in any case after the class: "
            f"unique_in_any_case({model.__name__}.{label_column}), and create its index in "
            "a migration with create_unique_in_any_case (ADR 0011)."
        )
    extra = tuple(name for name, _ in also)
    active = ("isactive",) if "isactive" in columns else ()
    described = "description" in columns
    return Resource(
        model,
        label=label,
        write=write,
        filters=(label_column, *extra, *active),
        sort=(label_column, *extra, "createdat", "modifiedat"),
        default_sort=label_column,
        search=(
            (label_column, NAME_WEIGHT),
            *also,
            *((("description", DESCRIPTION_WEIGHT),) if described else ()),
        ),
        list_columns=(label_column, *extra, *(("description",) if described else ()), *active),
        **{"search_index": False, **options},
    )
