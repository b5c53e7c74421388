"""The Playground page in a real browser: it loads cleanly, trains live while Play is on, keeps
its charts on screen (updated in place, never remounted), stops on Pause, shows a clicked
neuron on the map, and survives a link with bad settings.

Each test opens its own tab, so its own Streamlit session and training thread.
"""

import re

import pytest

pytestmark = pytest.mark.browser

HEADING_RE = re.compile(r"Epoch ([\d,]+) · train loss ([\d.]+|nan)")
MAP = ".nnp-chart[data-key=map]"
# The map chart as drawn right now: on screen (non-zero size), plotly's svg inside with the
# decision-boundary image, and the chart counters the component keeps in window.__nnp.
MAP_STATE_JS = """() => {
  const el = document.querySelector('.nnp-chart[data-key=map]');
  const s = (window.__nnp || {}).map || {};
  if (!el) return {visible: false, mounts: s.mounts, updates: s.updates};
  const r = el.getBoundingClientRect();
  return {visible: r.width > 0 && r.height > 0 && !!el.querySelector('.main-svg image'),
          width: r.width, height: r.height, mounts: s.mounts, updates: s.updates,
          title: (el.querySelector('.gtitle') || {}).textContent || ''};
}"""
# Page-relative pixel position of node `point` (trace 0 of the network diagram).
NODE_XY_JS = """(point) => {
  const el = document.querySelector('.nnp-chart[data-key=net]');
  const fl = el._fullLayout, tr = el._fullData[0], box = el.getBoundingClientRect();
  return [box.left + fl._size.l + fl.xaxis.l2p(tr.x[point]),
          box.top + fl._size.t + fl.yaxis.l2p(tr.y[point])];
}"""


def _is_streamlit_probe(url: str) -> bool:
    """Streamlit's frontend probes `<page>/_stcore/...` before falling back to the root."""
    return "/Playground/_stcore/" in url


@pytest.fixture
def problems(page):
    """Uncaught page errors and failed requests (other than Streamlit's own 404 probes)."""
    found: list[str] = []
    page.on("pageerror", lambda e: found.append(f"page error: {e}"))
    page.on("response", lambda r: found.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and not _is_streamlit_probe(r.url) else None)
    return found


def open_playground(page, page_url, query: str = "") -> None:
    page.goto(page_url("Playground") + query)
    page.locator("h4", has_text="Epoch").first.wait_for()
    page.wait_for_function("() => window.__nnp && window.__nnp.map && window.__nnp.map.updates > 0"
                           " && window.__nnp.net && window.__nnp.net.updates > 0")
    # The first script run may still be delivering the transport bar when the live charts have
    # drawn (they are drawn from the frame, the buttons from the rest of the run): wait for it.
    for button in ("Play", "Step epoch", "Step batch", "Reset"):
        page.get_by_role("button", name=button).first.wait_for(state="visible")


def status(page) -> tuple[int, float]:
    """(epoch, train loss) from the live heading."""
    text = page.locator("h4", has_text="Epoch").first.inner_text()
    m = HEADING_RE.search(text)
    assert m, f"unexpected status heading: {text!r}"
    return int(m.group(1).replace(",", "")), float(m.group(2))


def wait_for_epoch(page, at_least: int, timeout: float = 30_000) -> None:
    page.wait_for_function(
        """(n) => [...document.querySelectorAll('h4')].some((h) => {
             const m = h.textContent.match(/^Epoch ([\\d,]+)/);
             return m && Number(m[1].replaceAll(',', '')) >= n; })""",
        arg=at_least, timeout=timeout)


def assert_no_errors(page, problems: list[str]) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.locator("body").inner_text()
    assert problems == []


def test_playground_loads_without_error(page, page_url, problems):
    open_playground(page, page_url)

    assert page.title().startswith("Playground")
    epoch, loss = status(page)
    assert epoch == 0 and 0 < loss < 5
    for button in ("Play", "Step epoch", "Step batch", "Reset"):
        assert page.get_by_role("button", name=button).first.is_visible()
    state = page.evaluate(MAP_STATE_JS)
    assert state["visible"] and state["mounts"] == 1
    assert_no_errors(page, problems)


def test_play_trains_live_then_pause_stops(page, page_url, problems, artifacts):
    open_playground(page, page_url)
    epoch0, loss0 = status(page)
    updates0 = page.evaluate(MAP_STATE_JS)["updates"]

    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    frames = []
    for _ in range(10):  # the map must be on screen in every sampled frame while training
        page.wait_for_timeout(300)
        frames.append(page.evaluate(MAP_STATE_JS))
    wait_for_epoch(page, epoch0 + 150)

    assert all(f["visible"] for f in frames), frames
    assert [f["mounts"] for f in frames] == [1] * 10  # updated in place, never remounted
    assert frames[-1]["updates"] >= updates0 + 3  # and really redrawn while training
    epoch1, loss1 = status(page)
    assert epoch1 > epoch0
    assert loss1 < 0.5 * loss0, (loss0, loss1)

    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    page.wait_for_timeout(500)  # the rest of the Pause click's page run (its final frame) lands
    paused = status(page)
    updates_paused = page.evaluate(MAP_STATE_JS)["updates"]
    page.wait_for_timeout(1000)
    assert status(page) == paused  # the counter stopped
    assert page.evaluate(MAP_STATE_JS)["updates"] == updates_paused  # and so did the redraws
    assert page.evaluate(MAP_STATE_JS)["mounts"] == 1

    # Streamlit scrolls inside its own container: a taller window shows the whole live panel.
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.mouse.move(1200, 1450)  # an empty corner: no button tooltip in the picture
    page.locator('[data-testid="stTooltipContent"]').wait_for(state="hidden", timeout=5_000)
    page.screenshot(path=artifacts / "playground.png", full_page=True)
    assert_no_errors(page, problems)


def test_clicking_a_neuron_shows_it_on_the_map(page, page_url, problems):
    open_playground(page, page_url)
    assert page.evaluate(MAP_STATE_JS)["title"] == ""
    # Node 2 of the default network (inputs x1, x2; then layer 1) is layer 1, neuron 1.
    x, y = page.evaluate(NODE_XY_JS, 2)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_function("() => ((document.querySelector('.nnp-chart[data-key=map] .gtitle')"
                           " || {}).textContent || '').startsWith('Showing')")

    assert page.evaluate(MAP_STATE_JS)["title"].startswith("Showing layer 1, neuron 1")
    # Clicking it again returns to the network's output.
    x, y = page.evaluate(NODE_XY_JS, 2)
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    page.wait_for_function("() => !document.querySelector('.nnp-chart[data-key=map] .gtitle')")
    assert page.evaluate(MAP_STATE_JS)["mounts"] == 1
    assert_no_errors(page, problems)


def test_bad_url_values_warn_and_fall_back(page, page_url, problems):
    open_playground(page, page_url, "?lr=banana&hidden=4,x")

    warnings = page.locator('[data-testid="stAlert"]', has_text="could not use")
    texts = warnings.all_inner_texts()
    assert any("lr" in t for t in texts), texts
    assert any("hidden" in t for t in texts), texts
    assert all(w.is_visible() for w in warnings.all())
    # The page works with the defaults, and the link now carries them.
    page.wait_for_function("() => new URL(location.href).searchParams.get('lr') === '0.03'")
    assert "hidden=4%2C2" in page.url or "hidden=4,2" in page.url
    assert status(page)[0] == 0
    assert_no_errors(page, problems)


def test_live_updates_redraw_only_what_changed_and_keep_the_zoom(page, page_url, problems):
    open_playground(page, page_url)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    page.wait_for_function("() => window.__nnp.map.updates >= 3")
    # Zoom the map as a user would (plotly's own zoom calls relayout with the new ranges).
    page.evaluate(f"Plotly.relayout(document.querySelector('{MAP}'),"
                  " {'xaxis.range': [-2, 2], 'yaxis.range': [-2, 2]})")
    u0 = page.evaluate("window.__nnp.map.updates")
    page.wait_for_function("(n) => window.__nnp.map.updates >= n", arg=u0 + 5)

    zoom = page.evaluate(f"document.querySelector('{MAP}')._fullLayout.xaxis.range")
    assert zoom == pytest.approx([-2, 2]), zoom  # the zoom survived the updates
    stats = page.evaluate("window.__nnp")
    for key in ("map", "net", "loss"):  # drawn once whole, then only what changed
        assert stats[key]["mounts"] == 1
        assert stats[key]["partial"] >= 3, (key, stats[key])
        assert stats[key]["full"] <= 2, (key, stats[key])

    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    # Once the updates pause, the map's hover layer (hover-only, so updated lazily) catches up
    # with the last figure: hovering shows the network's present outputs.
    page.wait_for_function(f"""() => {{
        const el = document.querySelector('{MAP}');
        return !el.__nnpLazy && JSON.stringify(el.data[0].z) ===
            JSON.stringify(el.__nnpLatest.fig.data[0].z); }}""", timeout=5_000)
    assert_no_errors(page, problems)


# --- how frames reach the page --------------------------------------------------------------
WS_COUNT_JS = "() => window.__wsIn || 0"
COUNT_WS = """(() => {  // messages the page receives from Streamlit (script runs send them)
  window.__wsIn = 0;
  const Orig = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Orig(...args);
    ws.addEventListener('message', () => { window.__wsIn += 1; });
    return ws;
  };
  window.WebSocket.prototype = Orig.prototype;
})();"""


def live_channel(page) -> dict:
    return page.evaluate("() => { const c = Object.values(window.__nnpLive || {})[0];"
                         " return c ? {fetched: c.fetched, playing: c.playing} : null; }")


def test_while_playing_frames_are_fetched_not_sent_by_script_runs(page, page_url, problems):
    """Served by serve.py, the playing page fetches its frames from the frame route: the
    charts and the epoch counter move with no Streamlit script run at all."""
    page.add_init_script(COUNT_WS)
    open_playground(page, page_url)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    page.wait_for_function("() => window.__nnp.map.updates >= 3")
    page.wait_for_timeout(500)  # the Play click's own script run is over
    ws0, live0, epoch0 = page.evaluate(WS_COUNT_JS), live_channel(page), status(page)[0]
    maps0 = page.evaluate("window.__nnp.map.updates")
    page.wait_for_timeout(2000)
    ws1, live1, epoch1 = page.evaluate(WS_COUNT_JS), live_channel(page), status(page)[0]
    maps1 = page.evaluate("window.__nnp.map.updates")

    assert live1["playing"] and live1["fetched"] - live0["fetched"] >= 8  # >= 4 frames/s
    assert maps1 - maps0 >= 8 and epoch1 > epoch0
    assert ws1 - ws0 <= 2, "Streamlit script runs while playing"  # (e.g. a stray rerun)
    requests = page.evaluate("performance.getEntriesByType('resource')"
                             ".filter((e) => e.name.includes('/nnp/live/')).length")
    assert requests >= 8
    assert_no_errors(page, problems)


def test_a_learning_rate_change_applies_without_a_page_run(page, page_url, problems):
    """The training controls sit in a fragment: a change reruns only it, reaches the URL, and
    the share link in the Classroom tab follows the address."""
    open_playground(page, page_url)
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    thumb = page.locator('[data-testid="stSlider"]', has_text="Learning rate").get_by_role(
        "slider")
    thumb.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => new URL(location.href).searchParams.get('lr') === '0.1'")
    page.get_by_role("tab", name="Classroom").click()
    page.wait_for_function("() => { const c = document.querySelector('.nnp-link code');"
                           " return c && c.textContent === location.href; }")
    assert "lr=0.1" in page.locator(".nnp-link code").inner_text()
    assert page.get_by_role("button", name="Pause").is_visible()  # still training
    assert_no_errors(page, problems)


def test_training_that_ends_by_itself_brings_back_play(page, page_url, problems):
    """The fetched frames say when the epoch budget is reached; the page then reruns, so the
    button reads Play again and the reason is shown."""
    open_playground(page, page_url, "?max_epochs=600")
    page.get_by_role("button", name="Play").click()
    page.get_by_role("button", name="Pause").wait_for()
    page.get_by_role("button", name="Play").wait_for(timeout=60_000)
    # The rerun's status line and notice may land a moment after its buttons (training at
    # full speed reaches 600 epochs within half a second, before many frames were fetched).
    wait_for_epoch(page, 600, timeout=10_000)
    assert status(page)[0] == 600
    page.locator('[data-testid="stAlert"]', has_text="Stopped").wait_for(timeout=10_000)
    assert page.locator('[data-testid="stAlert"]', has_text="Stopped").count() == 1
    assert not live_channel(page)["playing"]
    assert_no_errors(page, problems)


def test_deep_link_first_after_a_start_and_the_timer_fallback(browser_context, artifacts,
                                                              fresh_server):
    """Two fresh servers. serve.py: a shared link as the very first request keeps the app's
    navigation (Home, Train, Learn) and its settings. app.py (no frame route): the charts are
    redrawn by fragments on a timer instead, and training still shows live."""
    with fresh_server("serve.py", artifacts / "streamlit-deep-link.log") as url:
        tab = browser_context.new_page()
        try:
            tab.goto(f"{url}/Playground?lr=0.1&dataset=xor")
            tab.locator("h4", has_text="Epoch").first.wait_for(timeout=60_000)
            nav = tab.locator('[data-testid="stSidebarNav"]')
            nav.get_by_text("Learn", exact=True).wait_for()
            assert nav.get_by_role("link", name="Home").is_visible()
            assert nav.get_by_role("link", name="app").count() == 0
            lr = tab.locator('[data-testid="stSlider"]', has_text="Learning rate")
            assert lr.get_by_role("slider").get_attribute("aria-valuetext") == "0.1"
        finally:
            tab.close()
    with fresh_server("app.py", artifacts / "streamlit-app-py.log") as url:
        tab = browser_context.new_page()
        try:
            tab.goto(f"{url}/Playground")
            tab.locator("h4", has_text="Epoch").first.wait_for(timeout=60_000)
            tab.wait_for_function("() => window.__nnp && window.__nnp.map")
            tab.get_by_role("button", name="Play").click()
            tab.get_by_role("button", name="Pause").wait_for()
            u0 = tab.evaluate("window.__nnp.map.updates")
            wait_for_epoch(tab, 100)
            tab.wait_for_function("(n) => window.__nnp.map.updates >= n + 5", arg=u0)
            assert not tab.evaluate("Object.keys(window.__nnpLive || {}).length")  # no route
        finally:
            tab.close()
