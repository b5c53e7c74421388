"""The Attention page in a real browser: Play trains the transformer on reversal and the
anti-diagonal forms in the attention maps (the attention mass on it, read from the drawn
charts, rises above a threshold), and a typed sequence shows its own maps and output, and the
head step by step follows it."""

import pytest

pytestmark = pytest.mark.browser

STATUS = "h4.nnp-status"
# The largest mean attention any head puts on the mirror position (row t, column T-1-t), read
# from the heatmaps the attention chart shows.
ANTI_DIAGONAL = """() => {
  const gd = document.querySelector('.nnp-chart[data-key="attention"]');
  if (!gd || !gd.data) return -1;
  let best = -1;
  for (const tr of gd.data) {
    if (tr.type !== 'heatmap') continue;
    const z = tr.z, T = z.length;
    let s = 0;
    for (let t = 0; t < T; t++) s += z[t][T - 1 - t];
    best = Math.max(best, s / T);
  }
  return best;
}"""
TICKS = """() => {
  const gd = document.querySelector('.nnp-chart[data-key="attention"]');
  return gd && gd.layout ? gd.layout.xaxis.ticktext.join('') : '';
}"""
OUTPUT_TITLE = """() => {
  const gd = document.querySelector('.nnp-chart[data-key="output"]');
  return gd && gd.layout ? gd.layout.title.text : '';
}"""


def chart(page, key: str):
    return page.locator(f'.nnp-chart[data-key="{key}"]')


def test_play_forms_the_reversal_anti_diagonal(page, page_url, artifacts):
    page.goto(page_url("Attention"))
    page.locator(STATUS).wait_for()
    chart(page, "attention").locator(".main-svg").first.wait_for()
    page.wait_for_timeout(1000)
    before = page.evaluate(ANTI_DIAGONAL)
    assert 0 <= before < 0.35  # untrained: about 1/8 on the mirror position
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    page.wait_for_function(f"() => ({ANTI_DIAGONAL})() > 0.8", timeout=60_000)
    page.wait_for_function(
        "() => /whole sequences right (9\\d|100)\\.\\d %/.test("
        "document.querySelector('h4.nnp-status').innerText)", timeout=60_000)
    stats = page.evaluate("() => JSON.parse(JSON.stringify(window.__nnp || {}))")
    assert stats["attention"]["updates"] > 3 and stats["attention"]["mounts"] == 1
    assert stats["accuracy"]["mounts"] == 1
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    assert page.evaluate(ANTI_DIAGONAL) > 0.8
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "attention.png", full_page=True)


def test_a_typed_sequence_shows_its_maps(page, page_url, artifacts):
    page.goto(page_url("Attention"))
    page.locator(STATUS).wait_for()
    chart(page, "attention").locator(".main-svg").first.wait_for()
    for _ in range(3):
        page.get_by_role("button", name="Step epoch").click()
        page.wait_for_timeout(700)
    page.get_by_text("One attention head step by step").click()  # open the walk-through
    page.get_by_text("on test sequence #0").first.wait_for(timeout=15_000)
    box = page.get_by_role("textbox", name="Type your own sequence")
    box.fill("12345678")
    box.press("Enter")
    page.wait_for_function(f"() => ({TICKS})() === '12345678'", timeout=15_000)
    # The head step by step follows the typed sequence in the same fragment run.
    page.get_by_text("on your sequence, 12345678").first.wait_for(timeout=15_000)
    page.wait_for_function(f"() => ({OUTPUT_TITLE})().startsWith('Output for 12345678')",
                           timeout=15_000)
    assert page.evaluate(ANTI_DIAGONAL) > 0.5  # the trained pattern on the typed sequence
    box.fill("1234x678")
    box.press("Enter")
    page.get_by_text("'x' is not a token of Reverse").wait_for(timeout=15_000)
    assert page.evaluate(TICKS) == "12345678"  # the last good sequence stays
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "attention_typed.png", full_page=True)
