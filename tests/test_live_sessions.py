"""Sessions of a real server (`streamlit run serve.py`) driven by browser-less users
(bench/load_client.py): all playing sessions share one training thread, and a closed tab leaves
nothing behind: no session playing and no runner open within 2 s, however many came and went."""

import asyncio
import json
import sys
import time
import urllib.request

import pytest
from conftest import ROOT, run_async

sys.path.insert(0, str(ROOT / "bench"))

from load_client import Server, User  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(ROOT, tmp_path_factory.mktemp("server") / "server.log").start()
    yield s
    s.stop()


def load(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/nnp/load", timeout=30) as r:
        return json.loads(r.read())


async def wait_for(url: str, cond, timeout: float) -> tuple[dict, float]:
    """Poll nnp/load until `cond(answer)`; returns the answer and the seconds it took."""
    t0 = time.perf_counter()
    while True:
        got = load(url)
        if cond(got) or time.perf_counter() - t0 > timeout:
            return got, time.perf_counter() - t0
        await asyncio.sleep(0.05)


def test_closed_tabs_leave_no_session_training(server):
    run_async(_closed_tabs(server.url))


async def _closed_tabs(url: str) -> None:
    users = [User(url) for _ in range(5)]
    for u in users:
        await u.open(timeout=120)
        await u.click("Play", timeout=120)
    end = time.perf_counter() + 2
    await asyncio.gather(*(u.play_frames(end) for u in users))
    assert all(u.samples and u.samples[-1].epoch > 0 for u in users)
    now = load(url)
    assert now["playing"] == 5 and now["runners"] == 5, now
    assert now["training_threads"] == 1, now  # one scheduler thread, not one per session
    for u in users:
        await u.close()
    got, took = await wait_for(url, lambda s: s["playing"] == 0 and s["runners"] == 0, 10)
    assert got["playing"] == 0 and got["runners"] == 0, got
    assert took <= 2.0, f"training went on {took:.2f} s after the tabs closed"


def test_sessions_opened_and_closed_leave_nothing_behind(server):
    run_async(_churn(server.url, 30))


async def _churn(url: str, n: int) -> None:
    for _ in range(n):
        u = User(url)
        await u.open(timeout=120)
        await u.click("Play", timeout=120)
        await u.close()
    got, _ = await wait_for(url, lambda s: s["playing"] == 0 and s["runners"] == 0, 10)
    assert got["playing"] == 0 and got["runners"] == 0, got
    assert got["training_threads"] <= 1, got
