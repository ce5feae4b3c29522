"""What a delete would break, shown before it is asked for.

The counts come from `Resource.references`, the same reference counting
(`references_to_many`) that refuses a delete of a referenced row, so the
preview and the refusal cannot disagree. A referencing table that is some
resource's and that resource filters by the referencing column gets a link
to the list of those rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from shopdb.models import Base
from shopdb.resources.definition import Resource
from shopdb.resources.storage import AssetStorage
from shopdb.web.words import humanize

if TYPE_CHECKING:
    from shopdb.web.site import Site


@dataclass
class Referrer:
    """Rows of one table that point at the record."""

    table: str
    label: str
    count: int
    links: list[tuple[str, str]] = field(default_factory=list)  # (column, url)


@dataclass
class Preview:
    """What deleting one record does: retire it (an asset), or delete it,
    refused while other rows reference it."""

    itemid: Any
    retires: bool
    referrers: list[Referrer]

    @property
    def refused(self) -> bool:
        return bool(self.referrers) and not self.retires

    @property
    def total(self) -> int:
        return sum(each.count for each in self.referrers)


def retires(resource: Resource) -> bool:
    """Whether deleting a record of `resource` retires it (assets)."""
    return isinstance(resource.storage, AssetStorage)


def delete_preview(
    site: Site, resource: Resource, session: Session, instances: Sequence[Any]
) -> list[Preview]:
    """One preview per record, with one query per foreign key for all."""
    counts = resource.references(session, instances)
    storage = resource.storage
    rows = [
        storage.asset_of(each) if isinstance(storage, AssetStorage) else each for each in instances
    ]
    by_table = {each.model.__tablename__: each for each in site.resources.values()}
    previews = []
    for instance, row, found in zip(instances, rows, counts, strict=True):
        itemid = getattr(instance, resource.primary_key)
        table = type(row).__table__
        referrers = []
        for name, count in sorted(found.items()):
            other = by_table.get(name)
            label = site.resource_label(other) if other is not None else humanize(name)
            links = []
            if other is not None and site.allows(other.read, write=False):
                for key in Base.metadata.tables[name].foreign_keys:
                    column = key.parent.key
                    if key.column.table is table and column in other.list_filters:
                        query = urlencode({column: getattr(row, key.column.key)})
                        links.append((column, f"/{other.name}?{query}"))
            referrers.append(Referrer(name, label, count, links))
        previews.append(Preview(itemid, retires(resource), referrers))
    return previews
