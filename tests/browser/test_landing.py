"""The landing page renders in a real browser without an exception."""

import pytest

pytestmark = pytest.mark.browser


def test_landing_page_loads(page, page_url, artifacts):
    page.goto(page_url(""))
    page.get_by_role("heading", name="Neural Network Playground").wait_for()
    page.get_by_text("press Play", exact=False).first.wait_for()
    page.wait_for_timeout(1000)  # let the script run finish

    assert page.title() == "Neural Network Playground"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "landing.png", full_page=True)
