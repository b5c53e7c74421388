"""Four Learn pages in a real browser: each loads without error text, draws its charts and
formulas, and is captured as a screenshot; the One neuron animation plays client-side and the
step-through advances."""

import pytest

pytestmark = pytest.mark.browser

PAGES = ["One_neuron", "Activation_functions", "Forward_and_backward", "Loss_functions"]
CHART = ".js-plotly-plot .main-svg"


@pytest.fixture
def problems(page):
    """Uncaught page errors and failed requests (other than Streamlit's own 404 probes)."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    page.on("response", lambda r: found.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and "/_stcore/" not in r.url else None)
    return found


def open_page(page, page_url, name: str, query: str = "") -> None:
    page.set_viewport_size({"width": 1400, "height": 2000})  # whole pages in the screenshots
    page.goto(page_url(name) + query)
    page.locator("h1").first.wait_for()
    page.locator(CHART).first.wait_for(state="visible")
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')"
                           " || !document.querySelector('[data-testid=stStatusWidget]')"
                           ".innerText.includes('Running')")
    page.wait_for_timeout(800)


def no_errors(page, problems) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert problems == []


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_with_charts_and_no_error(page, page_url, artifacts, problems, name):
    open_page(page, page_url, name)
    assert page.locator("h1").first.inner_text().strip() == name.replace("_", " ")
    box = page.locator(CHART).first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    assert page.locator(".katex").count() > 0  # the formulas are typeset
    no_errors(page, problems)
    page.screenshot(path=str(artifacts / f"learn_{name}.png"), full_page=True)


def test_one_neuron_animation_plays_in_the_browser(page, page_url, artifacts, problems):
    open_page(page, page_url, "One_neuron")
    page.get_by_role("button", name="Learn", exact=True).click()
    page.locator(".js-plotly-plot .updatemenu-button").first.wait_for()
    chart = page.locator(".js-plotly-plot").nth(1)
    chart.scroll_into_view_if_needed()
    title = chart.locator(".gtitle")
    assert title.text_content().startswith("step 0:")
    chart.locator(".updatemenu-button", has_text="Play").click()
    page.wait_for_function(
        "() => { const t = document.querySelectorAll('.js-plotly-plot')[1]"
        ".querySelector('.gtitle'); return t && t.textContent.startsWith('step 100:'); }",
        timeout=20_000)
    assert "accuracy 100%" in title.text_content()
    no_errors(page, problems)
    page.screenshot(path=str(artifacts / "learn_One_neuron_learned.png"), full_page=True)


def test_step_through_advances_stage_by_stage(page, page_url, artifacts, problems):
    open_page(page, page_url, "Forward_and_backward")
    for _ in range(9):
        page.get_by_role("button", name="Next ▶").click()
        page.wait_for_timeout(300)
    page.locator("h4", has_text="Backward 4").wait_for()
    page.locator("[data-testid=stDataFrame]").first.wait_for()
    assert page.locator(".katex").count() >= 9
    no_errors(page, problems)
    page.screenshot(path=str(artifacts / "learn_Forward_and_backward_stage10.png"),
                    full_page=True)


def test_presenter_view(page, page_url, artifacts, problems):
    open_page(page, page_url, "Forward_and_backward", "?presenter=1")
    page.set_viewport_size({"width": 1280, "height": 800})  # a projector
    page.wait_for_timeout(500)
    box = page.locator(CHART).first.bounding_box()
    assert box and box["height"] >= 600
    no_errors(page, problems)
    page.screenshot(path=str(artifacts / "learn_Forward_and_backward_presenter.png"))
