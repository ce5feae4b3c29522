"""Labels for people from names run together: `assetnumber` reads "Asset
number", `locationid` (a lookup) reads "Location".

Column and table names are lowercase words without separators (DESIGN.md
section 3), so the UI splits them with a vocabulary of the words they are
made of; a name that does not split into known words is shown as it is
(capitalised), never guessed at.
"""

from __future__ import annotations

from functools import cache

# Words that make up ShopDB's column and table names, core and bundled.
_VOCABULARY = """
    a above accuracy action active address agent and api application applications
    article articles asset assets assigned at axis body business by calibration
    calibrations capacity certificate changed changes clm code collected computer
    computers connected contact controller controlled cpu created date days
    decommissioned description device devices disk display documentation due email
    end endtime entity equipment expires firmware floor focas gb has host hostname id
    image imageurl in install installations instrument interval ip is issued issues
    key label last level levels licence location locations logged login lost mac
    management map markdown max maximum mb measurement measuring memory message model
    models monitoring mtconnect name network next notes notification number os
    operating part password path per percent performed performer plan plugin port
    prefix printer printers propagates protocol queue range reason relationship
    relationships request resolution result retired returned revoked role roles scope
    seen serial setting settings severity software source spindle start starttime
    state status statuses supplies supply sync system systems tag target through
    time title token tokens tool tools type types unit units url usb user username
    users valid value vendor vendors version vlan website workpiece x y zabbix
    parent modified log logs count used warranty inherits position to axes spindles audit
    min related from
"""
WORDS = frozenset(_VOCABULARY.split())
# Kept as written, not capitalised.
ACRONYMS = {"id", "ip", "mac", "os", "url", "usb", "api", "cpu", "vlan", "gb", "mb", "clm"}


@cache
def split_words(name: str) -> tuple[str, ...] | None:
    """`name` as known words (the fewest), or None when it is not made of them."""
    best: list[tuple[str, ...] | None] = [None] * (len(name) + 1)
    best[0] = ()
    for end in range(1, len(name) + 1):
        for start in range(end):
            head = best[start]
            word = name[start:end]
            if head is not None and word in WORDS:
                candidate = (*head, word)
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[len(name)]


def humanize(name: str) -> str:
    """A field or table name as a label: words split, the first capitalised,
    acronyms in capitals."""
    words = split_words(name)
    if not words:
        return name[:1].upper() + name[1:]
    shown = [word.upper() if word in ACRONYMS else word for word in words]
    first = shown[0]
    shown[0] = first if first.isupper() else first.capitalize()
    return " ".join(shown)


def field_label(name: str, lookup: bool = False) -> str:
    """A lookup field is named after what it points at: `locationid` reads
    "Location"; `parentlocationid` "Parent location"."""
    if lookup and name.endswith("id") and len(name) > 2:
        return humanize(name[:-2])
    return humanize(name)
