"""Filters of named conditions (`Conditions`): how a declaration is checked,
and what the list's query-string schema makes of one. The filter at work is
tested with the notifications plugin (`?state=active`)."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from shopdb.api import Conditions, Resource
from shopdb.models import Vendor
from shopdb.resources.queries import build_list_arguments

ACTIVE = {
    "active": lambda: Vendor.isactive.is_(True),
    "retired": lambda: Vendor.isactive.is_(False),
}


def declare(*filters) -> Resource:
    return Resource(Vendor, name="vendorconditions", filters=filters)


def test_a_conditions_filter_takes_its_names():
    resource = declare("vendor", ("standing", Conditions(ACTIVE, "Whether it is in use:")))
    item = resource.list_filters["standing"]
    assert item.target is None and not item.ranged
    arguments = build_list_arguments(resource, "VendorConditionsArguments")()
    assert arguments.load({"standing": ["active", "retired"]}) == {
        "standing": ["active", "retired"],
        "page": 1,
        "perpage": 50,
    }
    with pytest.raises(ValidationError) as refused:
        arguments.load({"standing": ["gone"]})
    assert "active, retired" in str(refused.value.messages["standing"])
    description = arguments.fields["standing"].metadata["description"]
    assert description.startswith("Whether it is in use: One of: active, retired")
    # No location filter is derived from it, nor ranges.
    assert "withinlocationid" not in resource.list_filters
    assert "standingmin" not in arguments.fields


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ((("Standing", Conditions(ACTIVE)),), r"lowercase letters"),
        ((("vendor", Conditions(ACTIVE)),), r"'vendor' takes a name already a field"),
        ((("page", Conditions(ACTIVE)),), r"'page' takes a name already a list parameter"),
        (("isactive", ("isactive", Conditions(ACTIVE))), r"'isactive' takes a name already"),
        ((("standing", Conditions({})),), r"at least one named condition"),
        ((("standing", Conditions({"active": "isactive = 1"})),), r"each a function"),
    ],
)
def test_wrong_conditions_are_refused_with_a_reason(filters, message):
    with pytest.raises(ValueError, match=message):
        declare(*filters)
