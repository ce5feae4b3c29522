"""The audit trail: before/after of changed fields, shared request ids, no secrets."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from shopdb.http.identity import request_actor
from shopdb.models import AuditLog, User
from shopdb.services import users
from shopdb.services.access import Identity
from shopdb.services.actor import Actor
from shopdb.services.audit import audit_log, diff, json_safe
from shopdb.services.records import update_record
from shopdb.services.unitofwork import unit_of_work

pytestmark = pytest.mark.database


def test_diff_keeps_only_changed_fields():
    before = {"name": "a", "notes": None, "modifiedat": "1"}
    after = {"name": "b", "notes": None, "modifiedat": "2"}
    assert diff(before, after) == {"name": {"before": "a", "after": "b"}}


def test_times_are_recorded_with_their_utc_offset_as_the_api_shows_them():
    stored = datetime(2026, 11, 26, 20, 15, 0)  # naive UTC, as every database keeps it
    assert json_safe(stored) == "2026-11-26T20:15:00+00:00"
    assert json_safe(date(2026, 11, 26)) == "2026-11-26"


def test_entries_of_one_request_share_its_request_id(app, seeded):
    # The actor is made by the interface (here the request) and passed down;
    # the audit trail itself reads no request globals.
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.0.0.7"}):
        actor = request_actor()
        first = audit_log(seeded, "note", "assets", 1, message="one", actor=actor)
        second = audit_log(seeded, "note", "assets", 2, message="two", actor=actor)
    with app.test_request_context("/"):
        third = audit_log(seeded, "note", "assets", 3, message="three", actor=request_actor())
    seeded.commit()
    assert first.requestid == second.requestid != third.requestid
    assert first.ipaddress == "10.0.0.7"


def test_audit_entries_name_the_actor_of_the_unit_of_work(seeded):
    actor = Actor(Identity(username="importer", via="job"), address="10.0.0.9", job="import")
    with unit_of_work(seeded, actor):
        entry = audit_log(seeded, "note", "assets", 1, message="one")
    assert (entry.username, entry.ipaddress, entry.requestid) == (
        "importer",
        "10.0.0.9",
        actor.requestid,
    )


def test_a_password_change_is_audited_without_the_password(seeded):
    user = users.create_user(seeded, "operator", "a-long-passphrase!", "viewer")
    seeded.commit()
    update_record(seeded, user, {"passwordhash": "$argon2id$fresh-hash", "displayname": "Op"})
    seeded.commit()
    entry = seeded.scalars(
        select(AuditLog).where(AuditLog.entitytype == "users", AuditLog.action == "update")
    ).one()
    assert set(entry.changes) == {"passwordhash", "displayname"}
    assert entry.changes["passwordhash"]["after"].startswith("sha256:")
    text = str(entry.changes)
    assert "argon2" not in text and "a-long-passphrase!" not in text
    assert seeded.get(User, user.userid).displayname == "Op"
