"""Who may push to a collector endpoint (POST /api/collector/<plugin>).

Collector scripts run unattended on shop-floor machines, so they do not sign
in: they send a key as `X-API-Key` (or `Authorization: Bearer`). Accepted:
- the plugin's own key COLLECTOR_API_KEY_<PLUGIN> or the shared
  COLLECTOR_API_KEY from the configuration; the caller is then
  `collector:<plugin>` (via `collectorkey`), and that is what the audit
  trail records;
- a ShopDB API token whose scope is `collector`, resolved by the identity
  hook like every token; the token's user is the caller and needs the role
  the resource asks for writing (a token never has more rights than its user).

Keys are compared in constant time. The collector view is marked
`verifies_own_credentials`, so a key that is not a ShopDB token reaches it.
"""

from __future__ import annotations

import dataclasses
import hmac

from flask import current_app, g, request

from shopdb.http.envelope import ApiError
from shopdb.http.identity import (
    API_KEY_HEADER,
    bearer_value,
    challenge,
    current_identity,
)
from shopdb.services.access import (
    SCOPE_COLLECTOR,
    SCOPE_WRITE,
    Access,
    Identity,
    allows,
)

SHARED_KEY = "COLLECTOR_API_KEY"
VIA_KEY = "collectorkey"
HOW = (
    f"send COLLECTOR_API_KEY_<PLUGIN> or COLLECTOR_API_KEY in the {API_KEY_HEADER} header "
    "(or as Authorization: Bearer), or a ShopDB API token with the collector scope"
)


class CollectorAuthError(ApiError):
    """The caller may not push: a 401 (with WWW-Authenticate) or a 403,
    answered by the envelope's error handler like every other refusal."""


def _unauthorized(code: str, message: str) -> CollectorAuthError:
    return CollectorAuthError(401, code, message, headers=challenge(code))


def _forbidden(message: str) -> CollectorAuthError:
    return CollectorAuthError(403, "permission_denied", message)


def plugin_key_name(plugin: str) -> str:
    return f"{SHARED_KEY}_{plugin.upper()}"


def authenticate_collector(plugin: str, access: Access) -> Identity:
    """The caller of a push to `plugin`'s collector, stored as `g.identity`;
    raises CollectorAuthError (401 no or wrong key, 403 wrong scope or role)."""
    identity = current_identity()
    if identity.via == "apitoken":
        return _token_caller(identity, access)
    presented = request.headers.get(API_KEY_HEADER, "").strip() or bearer_value()
    if not presented:
        raise _unauthorized(
            "authentication_required",
            f"A collector push needs a key: {HOW.replace('<PLUGIN>', plugin.upper())}.",
        )
    keys = current_app.config.get("COLLECTOR_API_KEYS", {})
    candidates = [keys.get(plugin_key_name(plugin)), keys.get(SHARED_KEY)]
    given = presented.encode("utf-8")
    # Compare with every configured key, whichever matches, so the time taken
    # does not tell which one exists.
    matches = [
        hmac.compare_digest(given, key.encode("utf-8")) for key in candidates if key is not None
    ]
    if not any(matches):
        raise _unauthorized(
            "invalid_api_key",
            f"The key is not valid for the {plugin!r} collector: "
            f"{HOW.replace('<PLUGIN>', plugin.upper())}.",
        )
    g.identity = Identity(
        username=f"collector:{plugin}", via=VIA_KEY, scopes=frozenset({SCOPE_COLLECTOR})
    )
    return g.identity


def _token_caller(identity: Identity, access: Access) -> Identity:
    """A token caller needs the collector scope and, like an API write, the
    role the resource asks for; the check is the one every write uses, with
    the collector scope standing in for the write scope."""
    if SCOPE_COLLECTOR not in identity.scopes:
        raise _forbidden(
            "This API token's scope does not allow collector pushes; create a token "
            "with the collector scope, or send a collector key."
        )
    writer = dataclasses.replace(identity, scopes=frozenset({SCOPE_WRITE}))
    if not allows(writer, access, write=True, anonymous_read=False):
        raise _forbidden(
            f"The token's user has the role {identity.role!r}; pushing to this "
            f"collector needs the {access.value!r} role."
        )
    return identity
