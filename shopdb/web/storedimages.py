"""The uploaded images on a record's detail page: a location's floor plan
(its own, or the nearest ancestor's with a link to it), a model's picture;
for editors the forms to upload, replace and remove one.

The forms write through the very `StoredImage.replace` and `clear` the REST
endpoints use (content checks, the stored-file service, the resource's
`update` in one unit of work as the request's actor), so there is one set of
checks; they carry the CSRF value the identity hook checks.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.exceptions import RequestEntityTooLarge

from shopdb.database import get_session
from shopdb.errors import InvalidInputError, NotFoundError
from shopdb.http.identity import request_actor
from shopdb.http.uploads import uploaded_file
from shopdb.resources.storedimages import FORM_OVERHEAD, StoredImage
from shopdb.services.unitofwork import unit_of_work

SITE_KEY = "shopdb.web"  # as shopdb.web.site keeps the Site


def image_parts(resource: Any, instance: Any, maywrite: bool) -> list[dict[str, Any]]:
    """What the detail page shows of each stored image of the record."""
    parts = []
    for image in resource.stored_images:
        owner = image.owner(instance)
        part: dict[str, Any] = {
            "image": image,
            "own": owner is instance,
            "owner": owner,
            "ownerid": getattr(owner, resource.primary_key) if owner is not None else None,
            "webaddress": image.web_address(instance),
            "maywrite": maywrite,
        }
        if owner is not None:
            part["src"] = image.shown_at(resource.name, resource.primary_key, owner)
            part["width"] = getattr(owner, image.width, None) if image.width else None
            part["height"] = getattr(owner, image.height, None) if image.height else None
        parts.append(part)
    return parts


def _image(name: str, route: str) -> tuple[Any, Any, StoredImage]:
    site = current_app.extensions[SITE_KEY]
    pages = site.pages[name]
    for image in pages.resource.stored_images:
        if image.route == route:
            return site, pages, image
    raise NotFoundError(f"The {name} records have no uploaded image called {route!r}.")


def _written(name: str, itemid: int, route: str, change: Any, done: str) -> ResponseReturnValue:
    _, pages, image = _image(name, route)
    pages.check_write()
    session: Session = get_session()
    try:
        with unit_of_work(session, request_actor()):
            instance = pages.get_object(session, itemid, lock=True)
            change(pages.resource, session, instance, image)
    except RequestEntityTooLarge as error:
        flash(f"The {image.label} was not stored: {error.description}", "danger")
    except (InvalidInputError, NotFoundError) as error:
        if isinstance(error, NotFoundError) and session.get(pages.resource.model, itemid) is None:
            raise
        flash(str(error), "danger")
    else:
        flash(f"{done} the {image.label}.", "success")
    anchor = f"#image-{image.route}"
    return redirect(url_for("web.detail", name=name, itemid=itemid) + anchor, 303)


def upload_image(name: str, itemid: int, route: str) -> ResponseReturnValue:
    """POST /<resource>/<id>/images/<route>: store an uploaded image."""

    def change(resource: Any, session: Session, instance: Any, image: StoredImage) -> None:
        upload = uploaded_file(image.limit(session) + FORM_OVERHEAD, f"the {image.label}")
        image.replace(resource, session, instance, upload)

    return _written(name, itemid, route, change, "Stored")


def remove_image(name: str, itemid: int, route: str) -> ResponseReturnValue:
    """POST /<resource>/<id>/images/<route>/delete: remove the record's image."""

    def change(resource: Any, session: Session, instance: Any, image: StoredImage) -> None:
        image.clear(resource, session, instance)

    return _written(name, itemid, route, change, "Removed")


def bound_image_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Let an image upload's body be as large as an image may be (the app's
    limit is for forms); runs before anything reads the body (the CSRF check)."""
    if endpoint == "web.uploadimage" and request.method == "POST" and values:
        try:
            _, _, image = _image(values["name"], values["route"])
        except NotFoundError:
            return
        request.max_content_length = image.limit(get_session()) + FORM_OVERHEAD


def register(blueprint: Blueprint, resource_rule: str) -> None:
    blueprint.add_url_rule(
        f"/<{resource_rule}>/<int:itemid>/images/<route>",
        "uploadimage",
        upload_image,
        methods=["POST"],
    )
    blueprint.add_url_rule(
        f"/<{resource_rule}>/<int:itemid>/images/<route>/delete",
        "removeimage",
        remove_image,
        methods=["POST"],
    )
    blueprint.url_value_preprocessor(bound_image_body)
