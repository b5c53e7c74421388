"""What a class sees, in a real browser: the presenter view readable from the back of a room, the
mouse wheel scrolling the page rather than zooming a chart, a diverged run's status line that
fits the page, the phone's narrow screen, clickable dataset pictures, and the gradient descent
replay that keeps its loss surface."""

import re

import pytest

pytestmark = pytest.mark.browser

STATUS = "h4.nnp-status"


def chart(page, key: str):
    return page.locator(f'.nnp-chart[data-key="{key}"]')


def open_playground(page, page_url, query: str = "") -> None:
    page.goto(page_url("Playground") + query)
    page.locator(STATUS).wait_for()
    chart(page, "map").locator(".main-svg").first.wait_for()
    page.wait_for_timeout(1000)


def no_errors(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Traceback").count() == 0


def font_px(locator) -> float:
    return locator.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")


def test_presenter_view_is_readable_from_the_back_of_a_room(page, page_url, artifacts):
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_playground(page, page_url, "?presenter=1")
    no_errors(page)
    assert font_px(page.locator(STATUS)) >= 28
    assert font_px(page.get_by_role("button", name="Play", exact=True).locator("p")) >= 18
    for key in ("map", "loss", "net"):
        sizes = chart(page, key).evaluate(
            "el => [...el.querySelectorAll('.xtick text, .ytick text, .annotation-text, "
            ".g-xtitle text, .g-ytitle text, .legendtext')].map(t => parseFloat(t.style.fontSize"
            " || getComputedStyle(t).fontSize))")
        assert sizes and min(sizes) >= 16, (key, sizes)
    for key in ("map", "loss"):  # both on screen without scrolling
        box = chart(page, key).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, (key, box)
    page.screenshot(path=artifacts / "presenter_1920x1080.png")


def test_the_mouse_wheel_over_a_chart_scrolls_the_page(page, page_url):
    open_playground(page, page_url)
    box = chart(page, "map").bounding_box()
    ranges = "el => [...el._fullLayout.xaxis.range, ...el._fullLayout.yaxis.range]"
    before = chart(page, "map").evaluate(ranges)
    y0 = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"
                       " + window.scrollY")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(600)
    y1 = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTop"
                       " + window.scrollY")
    assert y1 > y0  # the page scrolled
    assert chart(page, "map").evaluate(ranges) == before  # and the map did not zoom
    assert chart(page, "map").evaluate("el => el._context.scrollZoom") is False


def test_an_exploding_run_s_status_line_fits_the_page(page, page_url, artifacts):
    open_playground(page, page_url, "?dataset=plane&activation=relu&hidden=8,8&lr=10")
    for _ in range(3):
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_timeout(1000)
    page.wait_for_function("() => /e\\+\\d{2,}|overflow/.test("
                           "document.querySelector('h4.nnp-status').innerText)",
                           timeout=15_000)  # losses of 1e+100 and more
    text = page.locator(STATUS).inner_text()
    assert len(text) < 140, text
    assert not re.search(r"\d{12,}", text), text  # no number of hundreds of digits
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    drawn = "el => el.calcdata.map(c => c.filter(p => Number.isFinite(p.y)).length)"
    assert min(chart(page, "loss").evaluate(drawn)) > 0  # the loss curve still draws
    no_errors(page)
    page.screenshot(path=artifacts / "diverged.png", full_page=True)


def test_the_phone_sized_page_fits_its_screen(page, page_url, artifacts):
    page.set_viewport_size({"width": 390, "height": 844})
    open_playground(page, page_url)
    no_errors(page)
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    for key in ("map", "loss"):
        box = chart(page, key).bounding_box()
        assert box["width"] <= 390 and box["x"] >= 0, (key, box)
        # A swipe scrolls the page (no drag on the chart), and no toolbar covers the title.
        assert chart(page, key).evaluate("el => el._fullLayout.dragmode") is False
        assert chart(page, key).locator(".modebar").count() == 0
    page.screenshot(path=artifacts / "phone_390.png", full_page=True)


def test_clicking_a_dataset_picture_chooses_it(page, page_url):
    open_playground(page, page_url)
    page.get_by_role("button", name="Spiral").first.click()
    page.wait_for_function("() => location.search.includes('dataset=spiral')", timeout=15_000)
    chosen = page.locator(".nnp-picker button.chosen")
    assert chosen.count() == 1 and chosen.get_attribute("data-name") == "spiral"
    no_errors(page)


def test_gradient_descent_replay_keeps_the_loss_surface(page, page_url):
    page.goto(page_url("Gradient_descent"))
    plot = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    plot.wait_for()
    page.wait_for_timeout(1500)
    surface = "el => el.querySelectorAll('.imagelayer image').length"
    assert plot.evaluate(surface) > 0
    plot.get_by_text(re.compile("Play")).click()
    page.wait_for_timeout(700)
    assert plot.evaluate(surface) > 0  # mid-replay
    page.wait_for_timeout(4500)
    assert plot.evaluate(surface) > 0  # and after it


def test_next_and_the_stage_s_numbers_are_on_one_screen(page, page_url):
    page.set_viewport_size({"width": 1500, "height": 1000})
    page.goto(page_url("Forward_and_backward"))
    page.get_by_role("heading", name="Forward and backward").wait_for()
    nxt = page.get_by_role("button", name="Next ▶")
    nxt.wait_for()
    nxt.scroll_into_view_if_needed()
    nxt.click()
    page.wait_for_timeout(1500)
    numbers = page.locator(".katex").first
    numbers.wait_for()
    for box in (nxt.bounding_box(), numbers.bounding_box()):
        assert 0 <= box["y"] and box["y"] + box["height"] <= 1000, box


def test_an_upload_keeps_the_data_tab_open(page, page_url, tmp_path):
    open_playground(page, page_url)
    page.get_by_role("tab", name="Data & files").click()
    csv = tmp_path / "points.csv"
    csv.write_text("x1,x2,label\n" + "\n".join(f"{i % 7 - 3},{i % 5 - 2},{i % 2}"
                                                 for i in range(40)))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(2).set_input_files(str(csv))
    page.get_by_text("Loaded 40 points from points.csv").first.wait_for(timeout=20_000)
    page.wait_for_timeout(1000)
    selected = page.get_by_role("tab", selected=True).inner_text()
    assert "Data & files" in selected
