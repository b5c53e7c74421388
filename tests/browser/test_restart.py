"""A server that restarts under a page that is training: the page does not freeze but says the
server restarted and to press Play again, and Play trains again on the new server (the same
happens behind HAProxy when a replica stops: tests/test_replicas.py)."""

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from load_client import Server  # noqa: E402

pytestmark = pytest.mark.browser

EPOCH_JS = """(n) => [...document.querySelectorAll('h4')].some((h) => {
  const m = h.textContent.match(/^Epoch ([\\d,]+)/);
  return m && Number(m[1].replaceAll(',', '')) >= n; })"""


def test_a_restarted_server_is_announced_and_play_trains_again(browser_context, artifacts):
    server = Server(ROOT, artifacts / "restart-1.log").start()
    tab = browser_context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(f"{server.url}/Playground")
        tab.get_by_role("button", name="Play").click()
        tab.wait_for_function(EPOCH_JS, arg=20)
        server.stop()
        server = Server(ROOT, artifacts / "restart-2.log", port=server.port).start()
        notice = tab.locator("p.nnp-notice")
        notice.wait_for(state="visible", timeout=60_000)
        assert "server restarted" in notice.inner_text()
        assert "Press Play again" in notice.inner_text()
        play = tab.get_by_role("button", name="Play")
        play.wait_for()
        tab.screenshot(path=str(artifacts / "restart-notice.png"))
        play.click()
        notice.wait_for(state="hidden")
        tab.wait_for_function(EPOCH_JS, arg=5)
        assert tab.locator('[data-testid="stException"]').count() == 0
    finally:
        tab.close()
        server.stop()
