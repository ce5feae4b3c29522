"""The admin pages on the demo site: admins only, CSRF on every form, every
write through the resources' write path and audited with the admin as the
actor."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shopdb.database import get_session
from shopdb.models import AuditLog, Role, Setting, User
from shopdb.services.settings import (
    DEFINITIONS,
    STALE_DAYS_SETTING,
    SettingDefinition,
    set_setting,
)
from tests.web.conftest import csrf, sign_in

PAGES = ("/admin/users", "/admin/tokens", "/admin/settings", "/admin/plugins", "/admin/audit")
STRONG = "an admin page passphrase"


def audit_entries(app, entitytype: str, entityid: int) -> list[AuditLog]:
    with app.app_context():
        query = (
            select(AuditLog)
            .where(AuditLog.entitytype == entitytype, AuditLog.entityid == str(entityid))
            .order_by(AuditLog.auditlogid)
        )
        entries = get_session().scalars(query).all()
        get_session().expunge_all()
        return list(entries)


def user_row(app, username: str) -> User:
    with app.app_context():
        session = get_session()
        found = session.scalar(select(User).where(User.username == username))
        session.expunge_all()
        return found


def role_id(app, role: str) -> str:
    with app.app_context():
        return str(get_session().scalar(select(Role.roleid).where(Role.role == role)))


def create_user(client, username: str, role: str = "", password: str = STRONG):
    return client.post(
        "/admin/users",
        data={
            "csrf_token": csrf(client),
            "username": username,
            "displayname": "",
            "email": "",
            "roleid": role or role_id(client.application, "viewer"),
            "password": password,
        },
    )


# Access ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_reach_the_admin_pages(browser_of, role):
    client = browser_of(role)
    for url in PAGES:
        assert client.get(url).status_code == 403, url
    token = {"csrf_token": csrf(client)}
    assert client.post("/admin/users", data={**token, "username": "x"}).status_code == 403
    assert client.post("/admin/tokens", data={**token, "name": "x"}).status_code == 403
    assert client.post("/admin/users/1/active", data=token).status_code == 403
    html = client.get("/").get_data(True)
    assert "/admin/users" not in html
    # Their own tokens stay a click away, in the user menu.
    assert 'href="/apitokens"' in html
    assert client.get("/apitokens").status_code == 200


def test_admins_reach_every_admin_page_from_the_navigation(browser_of):
    client = browser_of("admin")
    html = client.get("/").get_data(True)
    for url in PAGES:
        assert f'href="{url}"' in html, url
        assert client.get(url).status_code == 200, url
    assert client.get("/admin").headers["Location"] == "/admin/users"


def test_admin_pages_need_a_sign_in(demo_app):
    client = demo_app.test_client()
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].startswith("/signin?next=")


def test_every_admin_form_carries_the_csrf_value_and_needs_it(demo_app, browser_of):
    client = browser_of("admin")
    for url in ("/admin/users", "/admin/tokens", "/admin/settings"):
        html = client.get(url).get_data(True)
        forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", html, re.S)
        assert forms, url
        for form in forms:
            assert f'name="csrf_token" value="{csrf(client)}"' in form, (url, form[:200])
    response = client.post("/admin/users", data={"username": "nocsrfuser", "password": STRONG})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/signin")
    assert user_row(demo_app, "nocsrfuser") is None


# Users -----------------------------------------------------------------------------------


def test_create_a_user_with_errors_beside_the_fields_then_fixed(demo_app, browser_of):
    client = browser_of("admin")
    response = create_user(client, "newperson", password="short")
    assert response.status_code == 400
    html = response.get_data(True)
    assert 'data-testid="error-password"' in html
    assert 'value="newperson"' in html  # what was typed stays
    assert "short" not in html.split('id="new-password"', 1)[1].split(">", 1)[0]
    assert user_row(demo_app, "newperson") is None
    response = create_user(client, "Bad Name!")
    assert response.status_code == 400
    assert 'data-testid="error-username"' in response.get_data(True)
    response = create_user(client, "newperson")
    assert response.status_code == 303
    person = user_row(demo_app, "newperson")
    assert person is not None and person.isactive
    entries = audit_entries(demo_app, "users", person.userid)
    assert [each.action for each in entries] == ["create"]
    assert entries[0].username == "admin"
    recorded = str(entries[0].changes)
    assert STRONG not in recorded and "$argon2" not in recorded  # only a fingerprint
    assert create_user(client, "newperson").status_code == 409


def test_change_role_disable_enable_and_reset_a_password(demo_app, browser_of):
    admin = browser_of("admin")
    assert create_user(admin, "changeling").status_code == 303
    person = user_row(demo_app, "changeling")
    token = {"csrf_token": csrf(admin)}
    base = f"/admin/users/{person.userid}"
    editor = role_id(demo_app, "editor")
    assert admin.post(f"{base}/role", data={**token, "roleid": editor}).status_code == 303
    assert str(user_row(demo_app, "changeling").roleid) == editor
    assert admin.post(f"{base}/active", data={**token, "isactive": "false"}).status_code == 303
    assert not user_row(demo_app, "changeling").isactive
    refused = sign_in(demo_app.test_client(), "changeling", STRONG)
    assert refused.status_code == 401
    assert admin.post(f"{base}/active", data={**token, "isactive": "true"}).status_code == 303
    weak = admin.post(f"{base}/password", data={**token, "password": "changeling123456"})
    assert weak.status_code == 400
    assert "contains the user name" in weak.get_data(True)
    made = admin.post(f"{base}/password", data={**token, "generate": "1"})
    assert made.status_code == 200
    password = re.search(r'data-testid="newpassword">([^<]+)<', made.get_data(True)).group(1)
    assert sign_in(demo_app.test_client(), "changeling", STRONG).status_code == 401
    assert sign_in(demo_app.test_client(), "changeling", password).status_code == 303
    assert "newpassword" not in admin.get("/admin/users").get_data(True)  # shown once
    actions = [each.action for each in audit_entries(demo_app, "users", person.userid)]
    assert actions.count("update") >= 4
    assert (
        admin.post("/admin/users/999999/role", data={**token, "roleid": editor}).status_code == 404
    )


def test_the_last_admin_cannot_be_disabled_and_the_page_says_why(demo_app, browser_of):
    admin = browser_of("admin")
    with demo_app.app_context():
        admins = (
            get_session().scalars(select(User).join(User.role).where(User.isactive.is_(True))).all()
        )
        admins = [each for each in admins if each.role.role == "admin"]
        ids = [each.userid for each in admins]
    me = user_row(demo_app, "admin").userid
    token = {"csrf_token": csrf(admin)}
    for userid in ids:  # leave only "admin"
        if userid != me:
            editor = role_id(demo_app, "editor")
            admin.post(f"/admin/users/{userid}/role", data={**token, "roleid": editor})
    response = admin.post(f"/admin/users/{me}/active", data={**token, "isactive": "false"})
    assert response.status_code == 409
    assert "last active admin" in response.get_data(True)
    assert user_row(demo_app, "admin").isactive


# Tokens ------------------------------------------------------------------------------------


def test_a_token_is_shown_once_works_records_its_use_and_is_revoked(demo_app, browser_of):
    admin = browser_of("admin")
    editor = user_row(demo_app, "editor")
    data = {"csrf_token": csrf(admin), "userid": str(editor.userid), "scope": "read"}
    refused = admin.post("/admin/tokens", data={**data, "name": ""})
    assert refused.status_code == 400
    assert 'data-testid="error-name"' in refused.get_data(True)
    past = admin.post(
        "/admin/tokens", data={**data, "name": "Old", "expiresat": "2020-01-01T10:00"}
    )
    assert past.status_code == 400
    assert "in the future" in past.get_data(True).split('data-testid="error-expiresat"', 1)[1]
    later = {**data, "name": "Expiring", "expiresat": "2031-05-01T10:30"}
    assert admin.post("/admin/tokens", data=later).status_code == 201
    assert "2031-05-01 10:30:00 UTC" in admin.get("/admin/tokens").get_data(True)
    created = admin.post("/admin/tokens", data={**data, "name": "Inventory script"})
    assert created.status_code == 201
    html = created.get_data(True)
    token = re.search(r'data-testid="newtoken">(sdb_[^<]+)<', html).group(1)
    assert token not in admin.get("/admin/tokens").get_data(True)
    api = demo_app.test_client()
    assert api.get("/api/vendors", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with demo_app.app_context():
        from shopdb.models import ApiToken

        row = get_session().scalar(select(ApiToken).where(ApiToken.name == "Inventory script"))
        tokenid, owner = row.apitokenid, row.userid
    assert owner == editor.userid
    listing = admin.get("/admin/tokens").get_data(True)
    line = listing.split(f'data-testid="token-{tokenid}"', 1)[1].split("</tr>", 1)[0]
    assert "never" not in line.split('data-testid="lastused"', 1)[1].split("</td>", 1)[0]
    done = admin.post(f"/admin/tokens/{tokenid}/revoke", data={"csrf_token": csrf(admin)})
    assert done.status_code == 303
    assert api.get("/api/vendors", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "revoked" in admin.get("/admin/tokens").get_data(True)
    assert [each.action for each in audit_entries(demo_app, "apitokens", tokenid)][:1] == ["create"]


# Settings -------------------------------------------------------------------------------------


def test_settings_are_typed_forms_with_errors_beside_the_field(demo_app, browser_of):
    admin = browser_of("admin")
    html = admin.get("/admin/settings").get_data(True)
    stale = html.split(f'data-testid="setting-{STALE_DAYS_SETTING}"', 1)[1].split("</form>", 1)[0]
    assert 'type="number"' in stale and 'min="1"' in stale and 'max="3650"' in stale
    anonymous = html.split('data-testid="setting-security.allowanonymousread"', 1)[1]
    assert 'type="checkbox"' in anonymous.split("</form>", 1)[0]
    with demo_app.app_context():
        settingid = get_session().scalar(
            select(Setting.settingid).where(Setting.setting == STALE_DAYS_SETTING)
        )
    token = {"csrf_token": csrf(admin)}
    url = f"/admin/settings/{settingid}"
    for sent, message in (("many", "Enter a whole number"), ("0", "takes at least 1")):
        response = admin.post(url, data={**token, "value": sent})
        assert response.status_code == 400
        field = response.get_data(True).split(f'data-testid="error-{STALE_DAYS_SETTING}"', 1)[1]
        assert message in field.split("</div>", 1)[0]
    try:
        assert admin.post(url, data={**token, "value": "14"}).status_code == 303
        assert "for 14 days" in admin.get("/").get_data(True)
        last = audit_entries(demo_app, "settings", settingid)[-1]
        assert last.username == "admin"
        assert last.changes["value"] == {"before": "7", "after": "14"}
    finally:
        admin.post(url, data={**token, "value": "7"})


def test_a_setting_with_choices_is_a_list_and_takes_only_those(demo_app, browser_of, monkeypatch):
    key = "site.webadmintestchoice"
    monkeypatch.setitem(
        DEFINITIONS,
        key,
        SettingDefinition(key, "string", "dark", "A test choice", choices=("dark", "light")),
    )
    with demo_app.app_context():
        session = get_session()
        settingid = set_setting(session, key, "dark").settingid
        session.commit()
    admin = browser_of("admin")
    try:
        form = admin.get("/admin/settings").get_data(True).split(f'data-testid="setting-{key}"')[1]
        form = form.split("</form>", 1)[0]
        assert "<select" in form and '<option value="light">' in form
        response = admin.post(
            f"/admin/settings/{settingid}", data={"csrf_token": csrf(admin), "value": "blue"}
        )
        assert response.status_code == 400
        assert "takes one of dark, light" in response.get_data(True)
        response = admin.post(
            f"/admin/settings/{settingid}", data={"csrf_token": csrf(admin), "value": "light"}
        )
        assert response.status_code == 303
    finally:
        with demo_app.app_context():
            session = get_session()
            session.delete(session.get(Setting, settingid))
            session.commit()


# Plugins and the audit log ----------------------------------------------------------------------


def test_the_plugin_page_shows_each_plugins_state_and_what_to_run(browser_of):
    html = browser_of("admin").get("/admin/plugins").get_data(True)
    row = html.split('data-testid="plugin-computers"', 1)[1].split("</tr>", 1)[0]
    assert ">loaded<" in row
    assert "shopdb plugin disable computers" in row


def test_the_audit_log_filters_by_user_record_and_time_with_before_and_after(demo_app, browser_of):
    admin = browser_of("admin")
    reply = admin.post(
        "/api/vendors", json={"vendor": "Audited vendor"}, headers={"X-CSRF-TOKEN": csrf(admin)}
    )
    vendorid = reply.get_json()["data"]["vendorid"]
    admin.patch(
        f"/api/vendors/{vendorid}",
        json={"vendor": "Audited vendor 2"},
        headers={"X-CSRF-TOKEN": csrf(admin)},
    )
    me = user_row(demo_app, "admin").userid
    html = admin.get(
        f"/admin/audit?userid={me}&entitytype=vendors&entityid={vendorid}"
        "&createdatmin=2020-01-01T00:00:00"
    ).get_data(True)
    assert 'data-testid="total">2 entries' in html
    assert "Audited vendor 2" in html.split('data-testid="after"', 1)[1]
    assert f'href="/vendors/{vendorid}"' in html
    empty = admin.get(
        f"/admin/audit?entitytype=vendors&entityid={vendorid}&createdatmax=2020-01-01T00:00:00"
    ).get_data(True)
    assert 'data-testid="total">0 entries' in empty
    other = admin.get(f"/admin/audit?username=viewer&entitytype=vendors&entityid={vendorid}")
    assert 'data-testid="total">0 entries' in other.get_data(True)
    paged = admin.get("/admin/audit?perpage=10").get_data(True)
    older = re.search(r'href="([^"]+)" data-testid="older"', paged).group(1)
    assert "page=2" in older and older.startswith("/admin/audit?")
    assert admin.get(older.replace("&amp;", "&")).status_code == 200
    bad = admin.get("/admin/audit?createdatmin=yesterday")
    assert bad.status_code == 200 and 'data-testid="problems"' in bad.get_data(True)
