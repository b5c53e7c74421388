"""The Digits page in a real browser: Play trains it (accuracy rises, charts update in place,
frames fetched from the route), and a digit drawn with the mouse on the canvas is read by the
network, its reading changing with the drawing."""

import math
import re

import pytest

pytestmark = pytest.mark.browser

STATUS = "h4.nnp-status"
ACCURACY = re.compile(r"test accuracy ([\d.]+) %")


def chart(page, key: str):
    return page.locator(f'.nnp-chart[data-key="{key}"]')


def accuracy(page) -> float:
    m = ACCURACY.search(page.locator(STATUS).inner_text())
    return float(m[1]) if m else -1.0


def stroke(page, points: list[tuple[float, float]]) -> None:
    """Draw one stroke through `points` (fractions of the canvas's side)."""
    canvas = page.locator(".nnp-canvas canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def reading(page) -> str:
    """The digit the network reads in the drawing."""
    text = page.get_by_text(re.compile(r"It reads a")).first.inner_text()
    return re.search(r"It reads a (\d)", text)[1]


def test_play_trains_the_digits_live(page, page_url, artifacts):
    page.goto(page_url("Digits"))
    page.locator(STATUS).wait_for()
    chart(page, "accuracy").locator(".main-svg").first.wait_for()
    page.wait_for_timeout(1000)
    assert page.locator(STATUS).inner_text().startswith("Epoch 0")
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    page.wait_for_function(
        "() => /test accuracy (9\\d|100)\\.\\d %/.test(document.querySelector('h4.nnp-status')"
        ".innerText)", timeout=60_000)  # over 90 % on the test digits
    page.wait_for_timeout(1500)
    stats = page.evaluate("() => JSON.parse(JSON.stringify(window.__nnp || {}))")
    assert stats["accuracy"]["updates"] > 3 and stats["accuracy"]["mounts"] == 1
    assert stats["mistakes"]["mounts"] == 1
    fetched = page.evaluate("() => Object.values(window.__nnpLive || {})"
                            ".reduce((n, c) => n + c.fetched, 0)")
    assert fetched > 3  # frames came from the route
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    assert accuracy(page) >= 90
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "digits.png", full_page=True)


def test_a_digit_drawn_with_the_mouse_is_read(page, page_url, artifacts):
    page.goto(page_url("Digits"))
    page.locator(STATUS).wait_for()
    page.get_by_role("button", name="Step epoch").click()  # a network that reads something
    page.wait_for_timeout(1500)
    for _ in range(5):
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_timeout(800)
    page.get_by_text("Draw a digit in the square").wait_for()
    stroke(page, [(0.5, 0.1), (0.5, 0.9)])  # a one
    page.get_by_text(re.compile(r"It reads a")).first.wait_for(timeout=15_000)
    assert reading(page) == "1"
    # A zero drawn over it: the reading follows the drawing.
    page.get_by_role("button", name="Clear").click()
    page.wait_for_timeout(800)
    circle = [(0.5 + 0.3 * math.cos(a / 16 * 2 * math.pi),
               0.5 + 0.4 * math.sin(a / 16 * 2 * math.pi)) for a in range(17)]
    stroke(page, circle)
    page.wait_for_function("() => [...document.querySelectorAll('p')].some(p => "
                           "/It reads a 0/.test(p.innerText))", timeout=15_000)
    assert reading(page) == "0"
    assert chart(page, "drawn").count() == 1
    page.screenshot(path=artifacts / "digits_drawn.png", full_page=True)
