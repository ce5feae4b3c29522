"""A floor plan uploaded on a location's page in a real browser (Debian's
chromium through Playwright, on the demo site) and seen there; marked
`browser` and `slow`. The page's CSP holds: the fixture fails on a violation."""

from __future__ import annotations

from shopdb.testing.browsers import browser_marks
from tests.imagefiles import svg
from tests.web.test_storedimages import bay_and_building

pytestmark = browser_marks()


def test_upload_a_plan_in_the_browser_and_see_it(page_of, demo_app):
    bay, _ = bay_and_building(demo_app)
    page = page_of("editor")
    page.goto(f"/locations/{bay.locationid}")
    page.set_input_files(
        "#image-floorplan-file",
        files=[{"name": "bay.svg", "mimeType": "image/svg+xml", "buffer": svg(320, 200)}],
    )
    page.click("[data-testid=image-floorplan-save]")
    page.wait_for_load_state()
    assert "Stored the floor plan" in page.locator(".alert-success").inner_text()
    image = page.locator("[data-testid=image-floorplan-thumbnail]")
    image.wait_for()
    page.wait_for_function(
        "document.querySelector('[data-testid=image-floorplan-thumbnail]').naturalWidth > 0"
    )
    assert "Its own floor plan" in page.locator("#image-floorplan").inner_text()
    page.click("[data-testid=image-floorplan-delete]")
    page.wait_for_load_state()
    assert "Inherited from" in page.locator("#image-floorplan").inner_text()
