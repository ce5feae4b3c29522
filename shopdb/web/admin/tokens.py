"""API tokens of every user: create one (the token is shown on that reply
only, never stored), revoke one, see when each was last used.

Writes go through the tokens resource (`ApiTokenResource`): the name, scope
and expiry checks of `shopdb.services.tokens`, the hash, the owner rules;
revoking is its delete. A token's page can only be reached signed in with a
password, as the resource's write access (PERSON) says.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from shopdb.database import get_session
from shopdb.errors import ConflictError, InvalidInputError
from shopdb.http.identity import current_identity
from shopdb.models import ApiToken, User, utcnow
from shopdb.services.access import SCOPES
from shopdb.web.admin.common import by_field, delete, problems, require_admin, save, status
from shopdb.web.site import current_site

NEW_FIELDS = ("userid", "name", "scope", "expiresat")
SHOWN = 500  # the newest tokens listed; the generic list pages through all


def page(
    errors: dict[str, list[str]] | None = None,
    posted: dict[str, Any] | None = None,
    shownonce: dict[str, Any] | None = None,
    code: int = 200,
) -> ResponseReturnValue:
    session = get_session()
    found = session.scalars(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .order_by(ApiToken.apitokenid.desc())
        .limit(SHOWN)
    ).all()
    people = session.execute(
        select(User.userid, User.username).where(User.isactive.is_(True)).order_by(User.username)
    ).all()
    return current_site().page(
        "web/admin/tokens.html",
        status=code,
        tokens=found,
        people=people,
        scopes=SCOPES,
        now=utcnow(),
        me=current_identity().userid,
        errors=errors or {},
        posted=posted or {},
        shownonce=shownonce,
        shown=SHOWN,
    )


def tokens() -> ResponseReturnValue:
    require_admin()
    if request.method == "GET":
        return page()
    posted = {name: request.form.get(name, "").strip() for name in NEW_FIELDS}
    values: dict[str, Any] = {
        "name": posted["name"],
        "scope": posted["scope"],
        "expiresat": posted["expiresat"] or None,
    }
    if posted["userid"]:
        values["userid"] = int(posted["userid"]) if posted["userid"].isdigit() else posted["userid"]
    try:
        saved, extra = save("apitokens", values)
    except (InvalidInputError, ConflictError) as error:
        return page(errors=by_field(problems(error), NEW_FIELDS), posted=posted, code=status(error))
    token = saved.record
    shownonce = {"name": token.name, "owner": token.user.username, "token": extra["token"]}
    return page(shownonce=shownonce, code=201)


def revoke(tokenid: int) -> ResponseReturnValue:
    require_admin()
    delete("apitokens", tokenid)
    flash(f"Revoked API token {tokenid}; it no longer works.", "success")
    return redirect("/admin/tokens", 303)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/admin/tokens", "admintokens", tokens, methods=["GET", "POST"])
    blueprint.add_url_rule(
        "/admin/tokens/<int:tokenid>/revoke", "admintokenrevoke", revoke, methods=["POST"]
    )
