"""Users and roles (admin only)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shopdb.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from shopdb.http.identity import request_actor
from shopdb.models import ADMIN, ApiToken, Role, User
from shopdb.resources.definition import Resource
from shopdb.resources.endpoints import ResourceViews
from shopdb.resources.fieldtypes import Username
from shopdb.resources.schemas import ID_RANGE, safe_text
from shopdb.services import tokens, users
from shopdb.services.access import SCOPES, Access
from shopdb.services.actor import SYSTEM, Actor, actor_of
from shopdb.services.passwords import MAXIMUM_LENGTH, MINIMUM_LENGTH, hash_password


def _active_admins(session: Session) -> int:
    query = select(func.count()).select_from(User).join(Role)
    return session.scalar(query.where(Role.role == ADMIN, User.isactive.is_(True))) or 0


class UserResource(Resource):
    """Passwords go in as `password` and are stored only as hashes; setting
    one on an existing user records `passwordchangedat`, which ends that
    user's existing sign-ins. The last active admin cannot be disabled,
    demoted or deleted."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        values = dict(values)
        if "username" in values:
            try:
                values["username"] = users.normalise_username(values["username"])
            except ValidationError as error:
                raise InvalidInputError(str(error), {"username": [str(error)]}) from None
        password = values.pop("password", None)
        if instance is None and password is None:
            raise InvalidInputError("A new user needs a password.", {"password": ["Required."]})
        if password is not None:
            name = values.get("username") or getattr(instance, "username", None) or ""
            try:
                users.check_password(password, name)
            except ValidationError as error:
                raise InvalidInputError(str(error), {"password": [str(error)]}) from None
            if instance is None:
                values["passwordhash"] = hash_password(password)
            else:
                # Setting a password ends the user's existing sign-ins.
                values.update(users.new_password_values(password))
        if instance is not None and self._loses_admin(session, instance, values):
            self._keep_one_admin(session)
        return values

    @staticmethod
    def _loses_admin(session: Session, instance: Any, values: dict[str, Any]) -> bool:
        if instance.role.role != ADMIN or not instance.isactive:
            return False
        if values.get("isactive") is False:
            return True
        return "roleid" in values and values["roleid"] != instance.roleid

    @staticmethod
    def _keep_one_admin(session: Session) -> None:
        if _active_admins(session) <= 1:
            raise ConflictError(
                "This is the last active admin; make another user admin first.",
                {"roleid": ["The site needs an active admin."]},
            )

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        if instance.role.role == ADMIN and instance.isactive:
            self._keep_one_admin(session)
        try:
            return super().remove(session, instance, permanent)
        except ConflictError as error:
            raise ConflictError(
                f"{error} Disable the user instead (isactive false); its history stays.",
                error.details,
            ) from None


# Where a new token's plaintext waits, by its hash, between `prepare` and the
# create reply: on the session of the write, never on a request global.
NEW_TOKENS_KEY = "shopdb.newapitokens"


def visible_to(actor: Actor, query: Select) -> Select:
    """People see their own tokens; admins see all."""
    if actor.identity.is_admin:
        return query
    return query.where(ApiToken.userid == actor.userid)


class ApiTokenViews(ResourceViews):
    """The REST views of tokens: the list and every single-token step see
    only what the request's actor may see, so someone else's token is a 404."""

    def list_query(self, args: dict[str, Any]) -> Select:
        return visible_to(request_actor(), super().list_query(args))

    def get_object(self, session: Session, itemid: int, *, lock: bool = False) -> Any:
        instance = super().get_object(session, itemid, lock=lock)
        actor = request_actor()
        if not actor.identity.is_admin and instance.userid != actor.userid:
            raise NotFoundError(f"There is no {self.resource.name} row with id {itemid}.")
        return instance


class ApiTokenResource(Resource):
    """Tokens belong to a user: people see and manage their own, admins all.
    The plaintext is in the create reply only; deleting revokes. Writes need
    a password sign-in (Access.PERSON), checked before the body is read: an
    API token may not mint or revoke tokens, or one leak becomes many. Who
    asks is the actor the REST views make (`request_actor`) and hand down."""

    def prepare(self, session: Session, values: dict[str, Any], instance: Any) -> dict:
        identity = (actor_of(session) or SYSTEM).identity
        if instance is not None:
            if "name" in values:
                name, _, _ = tokens.validate_token_fields(values["name"], instance.scope, None)
                values = {**values, "name": name}
            return values
        userid = values.get("userid") or identity.userid
        if userid != identity.userid and not identity.is_admin:
            raise PermissionDeniedError("Only an admin may create tokens for another user.")
        owner = session.get(User, userid)
        if owner is None:
            raise InvalidInputError(
                "There is no such user.", {"userid": [f"There is no users row with id {userid}."]}
            )
        name, scope, expiresat = tokens.validate_token_fields(
            values.get("name"), values.get("scope"), values.get("expiresat")
        )
        if not owner.isactive:
            raise InvalidInputError(
                f"The user {owner.username!r} is disabled.", {"userid": ["This user is disabled."]}
            )
        plaintext = tokens.new_plaintext()
        tokenhash = tokens.hash_token(plaintext)
        session.info.setdefault(NEW_TOKENS_KEY, {})[tokenhash] = plaintext
        return {
            "userid": userid,
            "name": name,
            "scope": scope,
            "expiresat": expiresat,
            "tokenhash": tokenhash,
            "tokenprefix": plaintext[: tokens.DISPLAY_PREFIX_LENGTH],
        }

    def after_create(self, session: Session, instance: Any) -> dict[str, Any]:
        return {"token": session.info[NEW_TOKENS_KEY].pop(instance.tokenhash)}

    def remove(self, session: Session, instance: Any, permanent: bool) -> str:
        if permanent:  # admins only: checked with the other permissions
            return super().remove(session, instance, permanent)
        tokens.revoke_token(session, instance)
        return "revoke"


ACCOUNT_RESOURCES = (
    UserResource(
        User,
        filters=("username", "roleid", "isactive"),
        sort=("username", "roleid", "lastloginat", "createdat", "modifiedat"),
        default_sort="username",
        search=(("username", 10), ("displayname", 8), ("email", 5)),
        read=Access.ADMIN,
        write=Access.ADMIN,
        hidden=("passwordhash",),
        read_only=("lastloginat", "passwordchangedat"),
        field_rules={"username": Username()},
        extra_input={
            "password": fields.String(
                required=True,  # when creating; a change (partial) may leave it out
                load_only=True,
                validate=[validate.Length(min=MINIMUM_LENGTH, max=MAXIMUM_LENGTH), safe_text],
                metadata={
                    "description": "Required when creating; stored only as a hash. At least "
                    f"{MINIMUM_LENGTH} characters, 5 different, not a well-known password, "
                    "not containing the user name"
                },
            )
        },
        list_columns=("username", "displayname", "roleid", "isactive", "lastloginat"),
        form_fields=("username", "displayname", "email", "roleid", "password", "isactive"),
    ),
    Resource(
        Role,
        filters=("role",),
        sort=("role", "modifiedat"),
        default_sort="role",
        search=(("role", 10), ("description", 2)),
        read=Access.ADMIN,
        write=Access.ADMIN,
        read_only=("role",),
        allow_create=False,
        allow_delete=False,
        list_columns=("role", "description"),
    ),
    ApiTokenResource(
        ApiToken,
        views=ApiTokenViews,
        filters=("userid", "scope", "name"),
        sort=("name", "createdat", "expiresat", "lastusedat"),
        default_sort="-apitokenid",
        search=(("name", 10), ("tokenprefix", 5)),
        read=Access.AUTHENTICATED,
        write=Access.PERSON,
        hidden=("tokenhash",),
        permanent_delete=True,
        read_only=("tokenprefix", "lastusedat", "revokedat"),
        create_only=("userid", "scope", "expiresat"),
        extra_input={
            "userid": fields.Integer(
                strict=True,
                validate=ID_RANGE,
                metadata={"description": "Owner; admins only, defaults to the caller"},
            ),
            "scope": fields.String(required=True, validate=validate.OneOf(SCOPES)),
        },
        detail_fields={
            "token": fields.String(
                metadata={"description": "The token itself: in the create reply only"}
            )
        },
        list_columns=("name", "tokenprefix", "scope", "expiresat", "lastusedat", "revokedat"),
        form_fields=("name", "scope", "expiresat"),
    ),
)
