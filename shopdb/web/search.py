"""The web UI's global search: the box in the navigation bar (results as you
type, in a small list under it) and the results page `/search?q=`.

Both call `global_search` of `shopdb.resources.search`, the function behind
`GET /api/search`, and read only its result (groups with `resource`,
`label` and `results` of `id`, `label`, `match`, `uiurl`), so the page finds
what the API finds, however that function finds it. Who may search is the
API's rule: whoever may read asset data, anonymous callers too when the site
allows it; the others are sent to the sign-in page (the list under the box
asks the page to reload, which does the same).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from shopdb.database import get_session
from shopdb.http.identity import authorize
from shopdb.resources.search import MAXIMUM_LIMIT, SearchArguments, global_search
from shopdb.services.access import Access
from shopdb.web.words import humanize

# Results per asset class in the list under the box, and on the page.
SUGGESTED = 5
LISTED = MAXIMUM_LIMIT
# The element the box's htmx request fills (HX-Target says it is that request).
SUGGESTIONS_TARGET = "searchsuggestions"


def may_search() -> bool:
    """Whether the box is shown: the caller may read asset data."""
    from shopdb.web.site import current_site

    return current_site().allows(Access.ASSET_READ, write=False)


def find(text: str, limit: int) -> tuple[list[dict[str, Any]], str]:
    """The groups found for `text` (the API's checks on `q` included), and
    the problem with `text` when there is one."""
    text = text.strip()
    if not text:
        return [], ""
    try:
        args = SearchArguments().load({"q": text, "limit": limit})
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {}
        problems = messages.get("q") or ["The search text cannot be used."]
        return [], " ".join(str(each) for each in problems)
    groups = global_search(get_session(), _resources(), args["q"], args["limit"])
    for group in groups:
        # A resource declared without a label has its name as one: "Computers".
        if group["label"] == group["resource"]:
            group["label"] = humanize(group["resource"])
    return groups, ""


def _resources() -> dict[str, Any]:
    from shopdb.web.site import current_site

    return current_site().resources


def search_page() -> ResponseReturnValue:
    """`/search?q=`: every asset class's matches; for the box's htmx request
    only the short list under it."""
    from shopdb.web.site import current_site

    authorize(Access.ASSET_READ, write=False)
    site = current_site()
    text = request.args.get("q", "")
    suggest = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == SUGGESTIONS_TARGET
    )
    groups, problem = find(text, SUGGESTED if suggest else LISTED)
    context: dict[str, Any] = {
        "q": text.strip(),
        "groups": groups,
        "problem": problem,
        "total": sum(len(group["results"]) for group in groups),
        "limit": LISTED,
        "listed": {group["resource"] for group in groups if _has_list_search(group)},
    }
    template = "web/searchsuggestions.html" if suggest else "web/search.html"
    response = site.page(template, **context)
    response.headers["Vary"] = "HX-Request, HX-Target"
    return response


def _has_list_search(group: dict[str, Any]) -> bool:
    """Whether the group's list page takes `q` (a link to "all of them")."""
    resource = _resources().get(group["resource"])
    return bool(resource is not None and resource.search)


def register(blueprint: Blueprint) -> None:
    blueprint.add_url_rule("/search", "search", search_page, methods=["GET"])
    blueprint.add_app_template_global(may_search, "may_search")
