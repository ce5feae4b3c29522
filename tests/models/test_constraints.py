"""The contract's rules live in the database, not only in Python: each test
writes around the ORM's checks and expects the server to refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError

from shopdb.database import is_constraint_violation
from shopdb.models import Asset, AssetRelationship, RelationshipType
from tests import factories

pytestmark = pytest.mark.database


def refuses(session, statement) -> None:
    with pytest.raises(DBAPIError) as raised:
        session.execute(statement)
        session.flush()
    session.rollback()
    assert is_constraint_violation(raised.value), raised.value


def test_asset_numbers_are_unique(session):
    first = factories.asset(session, assetnumber="M-100")
    session.commit()
    refuses(
        session,
        insert(Asset).values(
            assetnumber="M-100",
            assettypeid=first.assettypeid,
            assetstatusid=first.assetstatusid,
        ),
    )


def test_required_columns_are_not_null(session):
    first = factories.asset(session)
    session.commit()
    refuses(
        session,
        insert(Asset).values(
            assetnumber=None, assettypeid=first.assettypeid, assetstatusid=first.assetstatusid
        ),
    )


def test_foreign_keys_are_enforced(session):
    first = factories.asset(session)
    session.commit()
    refuses(
        session,
        insert(Asset).values(
            assetnumber="M-200", assettypeid=999999, assetstatusid=first.assetstatusid
        ),
    )


def test_one_edge_per_source_target_and_type(session):
    machine, pc = factories.asset(session), factories.asset(session)
    first = factories.edge(session, pc, "controls", machine)
    session.commit()
    refuses(
        session,
        insert(AssetRelationship).values(
            sourceassetid=pc.assetid,
            targetassetid=machine.assetid,
            relationshiptypeid=first.relationshiptypeid,
        ),
    )


def test_the_same_pair_may_have_edges_of_different_types(session):
    machine, pc = factories.asset(session), factories.asset(session)
    factories.edge(session, pc, "controls", machine)
    factories.edge(session, pc, "connectedto", machine)
    session.commit()
    assert session.scalar(select(AssetRelationship.assetrelationshipid).limit(1)) is not None


def test_an_asset_cannot_relate_to_itself(session):
    machine = factories.asset(session)
    kind = factories.relationship_type(session, "partof")
    session.commit()
    refuses(
        session,
        insert(AssetRelationship).values(
            sourceassetid=machine.assetid,
            targetassetid=machine.assetid,
            relationshiptypeid=kind.relationshiptypeid,
        ),
    )


def test_relationship_type_names_are_case_sensitive(session):
    session.add_all(
        [
            RelationshipType(relationshiptype="Controls"),
            RelationshipType(relationshiptype="controls"),
        ]
    )
    session.commit()
    found = session.scalars(
        select(RelationshipType.relationshiptype).where(
            RelationshipType.relationshiptype == "controls"
        )
    ).all()
    assert found == ["controls"]
    refuses(session, insert(RelationshipType).values(relationshiptype="controls"))


def test_text_round_trips_as_utf8(session):
    row = factories.asset(session, name="Messmaschine Zeiss \u00c4\u00d6\u00dc \u2013 \u2713")
    session.commit()
    session.expire_all()
    assert session.get(Asset, row.assetid).name.endswith("\u2013 \u2713")
