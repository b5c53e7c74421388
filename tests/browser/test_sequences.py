"""The Sequences page in a real browser: Play trains a GRU on running parity (the loss falls,
the accuracy rises), the gradient-through-time chart updates in place in every fetched frame
with new numbers, the heatmaps and the step through the cell in the slow ones (the step's
numbers follow the weights), and switching the cell to an LSTM rebuilds the network with a
message."""

import re

import pytest

pytestmark = pytest.mark.browser

STATUS = "h4.nnp-status"
ACCURACY = re.compile(r"test accuracy ([\d.]+) %")


def chart(page, key: str):
    return page.locator(f'.nnp-chart[data-key="{key}"]')


def stats(page) -> dict:
    return page.evaluate("() => JSON.parse(JSON.stringify(window.__nnp || {}))")


def drawn(page, key: str, trace: int) -> list[float]:
    """A trace's y values as drawn in the browser (plotly's own copy of the data)."""
    return page.evaluate("""([key, trace]) => {
        const gd = document.querySelector(`.nnp-chart[data-key="${key}"]`);
        return Array.from(gd._fullData[trace].y).filter(Number.isFinite);
    }""", [key, trace])


def cells(page, key: str) -> list[str]:
    """A heatmap's numbers as drawn (the text of its cells)."""
    return page.evaluate("""(key) => {
        const gd = document.querySelector(`.nnp-chart[data-key="${key}"]`);
        return Array.from(gd._fullData[0].text).flat().map(String);
    }""", key)


def test_play_trains_and_switching_the_cell_rebuilds(page, page_url, artifacts):
    page.goto(page_url("Sequences"))
    page.locator(STATUS).wait_for()
    for key in ("loss", "grad_time", "hidden", "walk"):
        chart(page, key).locator(".main-svg").first.wait_for()
    page.wait_for_timeout(1000)
    assert page.locator(STATUS).inner_text().startswith("Epoch 0")
    before, gradient, walked = stats(page), drawn(page, "grad_time", 0), cells(page, "walk")
    assert len(walked) == 8 * 12  # a GRU: 8 of its neurons, 12 columns
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    # While it plays, the gradient through time changes from one frame to the next, and the
    # step through the cell with the weights.
    seen, steps = [], []
    for _ in range(6):
        page.wait_for_timeout(400)
        seen.append((drawn(page, "grad_time", 0), stats(page)["grad_time"]["updates"]))
        steps.append(cells(page, "walk"))
    assert len({tuple(g) for g, _ in seen}) >= 4, seen  # new numbers, frame after frame
    assert seen[-1][1] >= seen[0][1] + 5
    assert len({tuple(w) for w in steps}) >= 2 and steps[-1] != walked
    page.wait_for_function(
        "() => /test accuracy (9\\d|100)\\.\\d %/.test(document.querySelector('h4.nnp-status')"
        ".innerText)", timeout=60_000)  # over 90 % of the steps right
    page.wait_for_timeout(3000)
    after = stats(page)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    losses = drawn(page, "loss", 1)  # the test loss
    assert len(losses) >= 3 and losses[-1] < 0.5 * losses[0], losses
    for key in ("sequence", "loss", "metric", "grad_time"):  # every frame
        assert after[key]["updates"] > before[key]["updates"] + 3, key
    for key in ("hidden", "gates", "walk"):  # one frame in a few
        assert after[key]["updates"] > before[key]["updates"] + 1, key
    assert after["grad_time"]["updates"] > 2 * after["hidden"]["updates"]
    assert all(after[k]["mounts"] == 1 for k in after), after
    now = drawn(page, "grad_time", 0)
    assert len(now) == len(gradient) == 10 and now != gradient  # the gradients followed
    fetched = page.evaluate("() => Object.values(window.__nnpLive || {})"
                            ".reduce((n, c) => n + c.fetched, 0)")
    assert fetched > 3  # frames came from the route
    # Switch the cell: the network is rebuilt, and the page says so.
    page.locator('[data-testid="stSidebar"]').get_by_text("LSTM", exact=True).click()
    page.get_by_text(re.compile(r"Rebuilt from fresh weights: a new LSTM")).wait_for()
    page.wait_for_function(
        "() => /^Epoch 0 .*LSTM, T = 10/.test(document.querySelector('h4.nnp-status')"
        ".innerText)", timeout=20_000)
    chart(page, "gates").locator(".main-svg").first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "sequences.png", full_page=True)
