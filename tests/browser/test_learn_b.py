"""Three Learn pages in a real browser: gradient descent, overfitting lab, hidden layers. Each
loads without error text and draws its charts; clicking the landscape moves the start, and Play
replays the paths in the browser."""

import re

import pytest

pytestmark = pytest.mark.browser

PAGES = {"Gradient_descent": "Gradient descent on a landscape",
         "Overfitting_lab": "Overfitting lab",
         "Hidden_layers": "What hidden layers see"}
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


@pytest.fixture
def problems(page):
    """Uncaught page errors in the browser."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    return found


def open_page(page, page_url, path: str, query: str = "") -> None:
    page.goto(page_url(path) + query)
    page.get_by_role("heading", name=PAGES[path]).wait_for()
    page.locator(CHART).first.wait_for()
    page.wait_for_timeout(1500)  # let the script run finish


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("query", ["", "?presenter=1"], ids=["normal", "presenter"])
def test_page_loads_with_charts_and_no_error(page, page_url, artifacts, problems, path, query):
    open_page(page, page_url, path, query)

    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Traceback").count() == 0
    charts = page.locator(CHART)
    assert charts.count() >= 2
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert problems == []
    name = path.lower() + ("_presenter" if query else "")
    page.screenshot(path=artifacts / f"learn_{name}.png", full_page=True)


# Page-relative pixel position of data point (x, y) on the landscape chart.
XY_JS = """([x, y]) => {
  const el = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const fl = el._fullLayout, box = el.getBoundingClientRect();
  return [box.left + fl.xaxis._offset + fl.xaxis.l2p(x),
          box.top + fl.yaxis._offset + fl.yaxis.l2p(y)];
}"""
START_JS = """() => {
  const el = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  const t = el.data.find(d => d.name === 'start');
  return [t.x[0], t.y[0]];
}"""


def test_click_on_the_landscape_moves_the_start(page, page_url, artifacts, problems):
    open_page(page, page_url, "Gradient_descent")
    assert page.evaluate(START_JS) == [-2.5, 2.0]  # the bowl's default start

    # A point of the 30 x 30 click grid over [-3, 3]^2: (-3 + 6*20/29, -3 + 6*5/29).
    x, y = -3 + 6 * 20 / 29, -3 + 6 * 5 / 29
    page.locator(CHART).first.scroll_into_view_if_needed()
    px, py = page.evaluate(XY_JS, [x, y])
    page.mouse.move(px, py)
    page.wait_for_timeout(300)
    page.mouse.click(px, py)
    page.wait_for_function(f"() => ({START_JS})()[0] === {round(x, 2)}", timeout=15_000)

    assert page.evaluate(START_JS) == [round(x, 2), round(y, 2)]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert problems == []
    page.screenshot(path=artifacts / "learn_gradient_descent_clicked.png", full_page=True)


def test_play_replays_the_paths_in_the_browser(page, page_url, problems):
    open_page(page, page_url, "Gradient_descent")
    chart = page.locator(CHART).first
    lengths = "el => el.data.filter(d => d.mode === 'lines+markers').map(d => d.x.length)"
    full = chart.evaluate(lengths)
    assert full and all(n == 101 for n in full)  # 100 steps, no path stopped on the bowl

    chart.get_by_text(re.compile("Play")).click()
    page.wait_for_timeout(600)
    during = chart.evaluate(lengths)
    assert all(d < f for d, f in zip(during, full, strict=True))  # mid-replay: shorter paths
    page.wait_for_function(f"el => ({lengths})(el).every(n => n === 101)",
                           arg=chart.element_handle(), timeout=20_000)
    assert problems == []
