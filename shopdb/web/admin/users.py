"""Users: create one, change a role, disable or enable, reset a password.

Each action writes through the users resource (`UserResource.save`): the
user name and password rules of `shopdb.services.users`, the hash, the end
of the user's sign-ins when a password is set, and the rule that the last
active admin stays, exactly as for POST and PATCH /api/users.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.models import Role, User
from shopdb.services.passwords import MINIMUM_LENGTH, generate_password
from shopdb.web.admin.common import by_field, problems, require_admin, save, status
from shopdb.web.site import current_site

NEW_FIELDS = ("username", "displayname", "email", "roleid", "password")


def page(
    errors: dict[str, list[str]] | None = None,
    rowerrors: dict[int, list[str]] | None = None,
    posted: dict[str, Any] | None = None,
    shownonce: dict[str, str] | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    people = session.scalars(
        select(User).options(selectinload(User.role)).order_by(User.username)
    ).all()
    roles = session.execute(select(Role.roleid, Role.role).order_by(Role.roleid)).all()
    return current_site().page(
        "web/admin/users.html",
        status=code,
        people=people,
        roles=roles,
        errors=errors or {},
        rowerrors=rowerrors or {},
        posted=posted or {},
        shownonce=shownonce,
        minimum=MINIMUM_LENGTH,
    )


def users() -> ResponseReturnValue:
    require_admin()
    if request.method == "GET":
        return page()
    posted = {name: request.form.get(name, "").strip() for name in NEW_FIELDS}
    posted["password"] = request.form.get("password", "")
    values: dict[str, Any] = {
        "username": posted["username"],
        "password": posted["password"],
        "displayname": posted["displayname"] or None,
        "email": posted["email"] or None,
        "roleid": int(posted["roleid"]) if posted["roleid"].isdigit() else None,
    }
    try:
        saved, _ = save("users", values)
    except (InvalidInputError, ConflictError) as error:
        posted.pop("password")
        return page(errors=by_field(problems(error), NEW_FIELDS), posted=posted, code=status(error))
    flash(f"Created the user {saved.record.username}.", "success")
    return redirect("/admin/users", 303)


def _change(userid: int, values: dict[str, Any], done: str) -> ResponseReturnValue:
    try:
        saved, _ = save("users", values, userid)
    except (InvalidInputError, ConflictError) as error:
        messages = [message for each in problems(error).values() for message in each]
        return page(rowerrors={userid: list(dict.fromkeys(messages))}, code=status(error))
    flash(done.format(name=saved.record.username), "success")
    return redirect("/admin/users", 303)


def change_role(userid: int) -> ResponseReturnValue:
    require_admin()
    text = request.form.get("roleid", "")
    roleid = int(text) if text.isdigit() else text
    return _change(userid, {"roleid": roleid}, "Changed the role of {name}.")


def change_active(userid: int) -> ResponseReturnValue:
    require_admin()
    active = request.form.get("isactive") == "true"
    done = "Enabled {name}." if active else "Disabled {name}; their sign-ins and tokens stop."
    return _change(userid, {"isactive": active}, done)


def reset_password(userid: int) -> ResponseReturnValue:
    """A typed password, or one made up here and shown on this reply only."""
    require_admin()
    generated = request.form.get("generate") == "1"
    password = generate_password() if generated else request.form.get("password", "")
    try:
        saved, _ = save("users", {"password": password}, userid)
    except (InvalidInputError, ConflictError) as error:
        messages = [message for each in problems(error).values() for message in each]
        return page(rowerrors={userid: list(dict.fromkeys(messages))}, code=status(error))
    if generated:
        name = saved.record.username
        return page(shownonce={"user": name, "password": password})
    flash(f"Set a new password for {saved.record.username}; their sign-ins end.", "success")
    return redirect("/admin/users", 303)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/users", "adminusers", users, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/admin/users/<int:userid>/role", "adminuserrole", change_role, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/users/<int:userid>/active", "adminuseractive", change_active, methods=["POST"]
    )
    blueprint.add_url_rule(
        "/admin/users/<int:userid>/password", "adminuserpassword", reset_password, methods=["POST"]
    )
