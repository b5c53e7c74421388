"""The frame route the live charts fetch from while training plays (ui/live/frames.py):
what a frame holds, its order, the internals' cadence, unknown and ended sessions, and the
HTTP answer of the route itself."""

import asyncio
import concurrent.futures
import gc
import json
import time

import pytest

from engine import Config
from ui.live import frames as live_frames
from ui.live.runner import FETCH_OVERHEAD, FRAME_LEVELS, LOAD, Runner
from ui.playground import view as views


@pytest.fixture
def runner():
    r = Runner(Config())
    yield r
    r.close()


def channel(r: Runner, **options) -> live_frames.Channel:
    """The runner's channel, with the Playground's view (as the page sets it)."""
    ch = live_frames.channel(r)
    ch.view = views.PlaygroundView(views.ViewOptions(**options))
    return ch


def poll(token: str, slow: bool = False) -> dict | None:
    body = live_frames.poll(token, slow)
    return None if body is None else json.loads(body)


def test_a_frame_holds_the_status_and_every_main_chart(runner):
    ch = channel(runner)
    runner.step_epoch()
    f = poll(ch.token)
    assert set(f["figs"]) == {"map", "net", "loss"}
    assert f["status"].startswith("Epoch 1 ·")
    assert f["steps"] == runner.trainer.steps and f["playing"] is False
    # The same figures as the page draws, from the same view options.
    snap = views.snapshot(runner.trainer, ch.view.options)
    expected = views.build_figures(snap, ch.view.options, runner.run_id)
    assert f["figs"]["map"] == json.loads(json.dumps(expected["map"]))
    assert f["interval"] in FRAME_LEVELS  # when to ask again: the load monitor's interval


def test_frames_are_numbered_across_both_ways_of_drawing(runner):
    """The page's own draws (build) and fetched frames share one counter, so the browser can
    drop whichever is older."""
    ch = channel(runner)
    a = live_frames.build(ch).seq
    b = poll(ch.token)["seq"]
    c = live_frames.build(ch).seq
    assert a < b < c


def test_view_options_of_the_page_apply_to_fetched_frames(runner):
    ch = channel(runner, selected=(1, 0))
    title = poll(ch.token)["figs"]["map"]["layout"]["title"]["text"]
    assert title.startswith("Showing layer 1, neuron 1")
    ch = channel(runner, log_scale=True)
    assert poll(ch.token)["figs"]["loss"]["layout"]["yaxis"]["type"] == "log"


def test_frames_fetched_late_slow_the_sessions_training(runner):
    ch = channel(runner)
    poll(ch.token)
    assert runner.pace == 1.0
    ch.last_poll = time.perf_counter() - 3 * ch.interval  # asked again three intervals later
    poll(ch.token)
    assert runner.pace < 1.0
    slowed = runner.pace
    ch.last_poll = time.perf_counter() - 0.5 * ch.interval  # on time
    poll(ch.token)
    assert runner.pace > slowed
    runner.pace = 1.0
    ch.last_poll = time.perf_counter() - 5.0  # a pause, not lateness
    poll(ch.token)
    assert runner.pace == 1.0


def test_the_process_load_counts_the_frames_built_and_the_threads_cpu(runner):
    ch = channel(runner)
    before = live_frames.load()
    poll(ch.token)
    poll(ch.token)
    after = live_frames.load()
    assert after["frames_built"] == before["frames_built"] + 2
    assert after["frame_cpu_s"] >= before["frame_cpu_s"]
    assert LOAD.built == after["frames_built"]
    assert set(after["thread_cpu_s"]) >= {"training", "frames", "server", "other"}
    assert after["thread_cpu_s"]["server"] > 0  # the main thread has run this test


def test_slow_charts_come_with_one_frame_in_every_few(runner):
    ch = channel(runner)
    every = live_frames.SLOW_EVERY * max(1, LOAD.n_playing)
    got = [{"weights", "grads", "metric"} <= set(poll(ch.token, slow=True)["figs"])
           for _ in range(2 * every)]
    assert got[0] and sum(got) == 2  # at once, then once per `every` frames
    assert not any("weights" in poll(ch.token)["figs"] for _ in range(every))  # not asked
    ch.view.slow = False  # the page hides them
    assert not any("weights" in poll(ch.token, slow=True)["figs"] for _ in range(every))


def test_frames_of_the_slow_charts_alone(runner):
    """The timer-mode slow panel builds only its own charts, not the main ones again."""
    ch = channel(runner)
    f = live_frames.build(ch, "slow")
    assert set(f.figs) == {"metric", "weights", "grads", "confusion"}
    assert set(live_frames.build(ch, "all").figs) == {"map", "net", "loss", "metric",
                                                      "weights", "grads", "confusion"}


def test_unknown_closed_and_released_sessions_get_nothing(runner):
    assert live_frames.poll("no-such-token", False) is None
    ch = channel(runner)
    assert live_frames.channel(runner) is ch  # one channel per runner, registered again
    runner.close()
    assert live_frames.poll(ch.token, False) is None
    r2 = Runner(Config())
    token = channel(r2).token
    assert poll(token) is not None
    del r2
    gc.collect()
    assert live_frames.poll(token, False) is None  # the session's runner is gone


def test_tokens_are_unguessable_and_distinct():
    rs = [Runner(Config()) for _ in range(3)]
    tokens = {live_frames.channel(r).token for r in rs}
    assert len(tokens) == 3 and all(len(t) >= 24 for t in tokens)
    for r in rs:
        r.close()


def call_route(path: str, query: str = "") -> tuple[int, dict, dict]:
    """One GET through the route as the server mounts it: (status, headers, JSON body)."""
    (route,) = live_frames.routes()
    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
             "query_string": query.encode(), "headers": [], "root_path": "",
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1)}
    match, child = route.matches(scope)
    assert match.name == "FULL"
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # In a thread of its own: Playwright's tests may leave an event loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, route.handle({**scope, **child}, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, json.loads(body)


def test_the_route_answers_with_json_and_404_for_an_ended_session(runner, monkeypatch):
    monkeypatch.setattr(live_frames._registry(), "served", False)
    monkeypatch.setattr(LOAD, "overhead", LOAD.overhead)
    ch = channel(runner)
    status, headers, body = call_route(f"/{ch.url}", "slow=1")
    assert status == 200 and headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert {"map", "net", "loss", "weights"} <= set(body["figs"])
    assert live_frames.served()  # mounting the routes is what turns fetching on
    assert LOAD.overhead == FETCH_OVERHEAD  # and a frame costs the server less to deliver
    runner.close()
    status, _, body = call_route(f"/{ch.url}")
    assert status == 404 and "error" in body
