"""The GAN page in a real browser: Play moves the generated points toward the real ones (frames
fetched from the route, charts updated in place), Step D only changes only the discriminator's
map, Step G only only the generated points, slow motion shows a round's updates as frames of
their own, a click on the chart adds a point, and the digits mode draws its grid."""

import pytest

pytestmark = pytest.mark.browser

STATUS = "h4.nnp-status"

# The samples chart as drawn: its map's image (the real points are drawn into it), the image of
# the generated points, and the generated points themselves (trace 2, their hover text, brought
# up to date once the chart's updates pause: `lazy` until then), read from plotly's own copy
# of what it drew.
READ = """() => {
  const el = document.querySelector('.nnp-chart[data-key="samples"]');
  if (!el || !el._fullData || !el._fullData[2]) return null;
  const pts = (t) => Array.from(t.x).map((x, i) => [x, t.y[i]]);
  return {image: el.layout.images[0].source, points: el.layout.images[1].source,
          fake: pts(el._fullData[2]), lazy: !!el.__nnpLazy,
          updates: (window.__nnp.samples || {}).updates || 0};
}"""
RING = 1.5  # the radius of the ring the default run learns


def chart(page, key: str):
    return page.locator(f'.nnp-chart[data-key="{key}"]')


def samples(page) -> dict:
    return page.evaluate(READ)


def gap(s: dict) -> float:
    """Mean distance from each generated point to the ring the real points lie on (its 8
    clusters have a standard deviation of 0.1)."""
    return sum(abs((x * x + y * y) ** 0.5 - RING) for x, y in s["fake"]) / len(s["fake"])


def open_gan(page, page_url, query: str = "", first: str = "samples"):
    page.goto(page_url("GAN" + query))
    page.locator(STATUS).wait_for()
    chart(page, first).locator(".main-svg").first.wait_for()
    page.wait_for_timeout(1000)


def wait_new_frame(page, before: int) -> dict:
    page.wait_for_function(
        f"() => ((window.__nnp || {{}}).samples || {{updates: 0}}).updates > {before}",
        timeout=20_000)
    page.wait_for_timeout(300)
    page.wait_for_function("() => { const el = document.querySelector("
                           "'.nnp-chart[data-key=\"samples\"]'); return el && !el.__nnpLazy; }",
                           timeout=5_000)
    return samples(page)


def test_play_moves_the_generated_points_toward_the_data(page, page_url, artifacts):
    open_gan(page, page_url)
    start = samples(page)
    assert page.locator(STATUS).inner_text().startswith("Epoch 0")
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    page.wait_for_function(  # every cluster of the ring has generated points
        "() => / modes 8 of 8 /.test(document.querySelector('h4.nnp-status').innerText)",
        timeout=90_000)
    page.wait_for_timeout(2000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_timeout(800)
    end = samples(page)
    assert not end["lazy"]  # the generated points' trace has caught up with the image
    assert gap(end) < 0.5 * gap(start), (gap(start), gap(end))
    stats = page.evaluate("() => JSON.parse(JSON.stringify(window.__nnp || {}))")
    assert stats["samples"]["updates"] > 3 and stats["samples"]["mounts"] == 1
    assert stats["manifold"]["updates"] > 3 and stats["manifold"]["mounts"] == 1
    fetched = page.evaluate("() => Object.values(window.__nnpLive || {})"
                            ".reduce((n, c) => n + c.fetched, 0)")
    assert fetched > 3  # frames came from the route
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "gan.png", full_page=True)


def test_step_d_changes_only_the_map_and_step_g_only_the_points(page, page_url, artifacts):
    open_gan(page, page_url)
    for _ in range(5):  # a discriminator with a shape
        page.get_by_role("button", name="Step round").click()
        page.wait_for_timeout(400)
    page.wait_for_timeout(1000)
    before = samples(page)
    page.get_by_role("button", name="Step D only").click()
    after_d = wait_new_frame(page, before["updates"])
    assert after_d["image"] != before["image"]
    assert after_d["fake"] == before["fake"] and after_d["points"] == before["points"]
    page.get_by_role("button", name="Step G only").click()
    after_g = wait_new_frame(page, after_d["updates"])
    assert after_g["image"] == after_d["image"]
    assert after_g["fake"] != after_d["fake"] and after_g["points"] != after_d["points"]
    page.get_by_text("only the generated points moved").wait_for()
    page.screenshot(path=artifacts / "gan_steps.png", full_page=True)


def test_slow_motion_shows_each_update_as_a_frame(page, page_url):
    open_gan(page, page_url)
    page.get_by_text("Slow motion", exact=True).click()
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Play", exact=True).click()
    seen = set()
    for _ in range(40):
        text = page.locator(STATUS).inner_text()
        for who in ("discriminator", "generator"):
            if f"slow motion: after {who} update" in text:
                seen.add(who)
        if len(seen) == 2:
            break
        page.wait_for_timeout(250)
    page.get_by_role("button", name="Pause", exact=True).click()
    assert seen == {"discriminator", "generator"}


def test_a_click_on_the_chart_adds_a_point(page, page_url):
    open_gan(page, page_url)
    page.get_by_text("Your own points").click()
    page.get_by_text("Click on the chart adds a point").click()
    page.wait_for_timeout(1000)
    box = chart(page, "samples").locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.get_by_text("1 point so far").wait_for(timeout=15_000)
    page.wait_for_function("() => document.querySelector('.nnp-chart[data-key=\"samples\"]')"
                           "._fullData.some(t => t.name === 'your points')", timeout=15_000)


def test_the_digits_mode_draws_its_grid(page, page_url, artifacts):
    open_gan(page, page_url, "?mode=digits", first="grid")
    assert "recognisable" in page.locator(STATUS).inner_text()
    page.get_by_role("button", name="Step round").click()
    page.wait_for_function("() => /round 1 /.test(document.querySelector('h4.nnp-status')"
                           ".innerText)", timeout=20_000)
    assert chart(page, "walk").count() == 1
    page.screenshot(path=artifacts / "gan_digits.png", full_page=True)


def test_compare_plays_three_gan_losses_side_by_side(page, page_url, artifacts):
    page.goto(page_url("Compare?kind=gan&vary=loss"))
    page.locator(STATUS).wait_for()
    chart(page, "cmp_gan").locator(".main-svg").first.wait_for()
    assert page.locator(STATUS).inner_text().startswith("Epoch 0 · 3 runs")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "() => { const m = /Epoch ([\\d,]+)/.exec(document.querySelector('h4.nnp-status')"
        ".innerText); return m && +m[1].replace(/,/g, '') >= 3; }", timeout=60_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    stats = page.evaluate("() => JSON.parse(JSON.stringify(window.__nnp || {}))")
    assert stats["cmp_gan"]["updates"] > 1 and stats["cmp_gan"]["mounts"] == 1
    n = page.evaluate("() => document.querySelector('.nnp-chart[data-key=\"cmp_gan\"]')"
                      ".layout.images.length")
    assert n == 3
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=artifacts / "compare_gan.png", full_page=True)
