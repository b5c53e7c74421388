"""Training of the playing sessions (ui/live/runner.py): one scheduler thread trains them all in
turn, their shared budget holds whatever a batch costs, closing a session stops its training at
once and leaves nothing behind, the speed caps the rate, and a full process refuses Play with a
message."""

import statistics
import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from engine import RUNNING
from ui.live import runner as live_runner
from ui.live.runner import LOAD, SCHEDULER, TRAIN_SHARE_SHARED, Runner, open_runners


class Busy:
    """A trainer whose every step burns `cost` seconds of CPU (10 steps an epoch)."""

    steps_per_epoch = 10

    def __init__(self, cost: float):
        self.cost, self.steps, self.status = cost, 0, RUNNING
        self.config, self.custom_data = None, None

    @property
    def epoch(self) -> int:
        return self.steps // self.steps_per_epoch

    def step(self) -> None:
        t = time.thread_time()
        while time.thread_time() - t < self.cost:
            pass
        self.steps += 1


def busy_runners(n: int, cost: float) -> list[Runner]:
    return [Runner(None, build=lambda config, data: Busy(cost)) for _ in range(n)]


@pytest.fixture
def runners():
    made: list[Runner] = []

    def make(n: int, cost: float) -> list[Runner]:
        made.extend(busy_runners(n, cost))
        return made[-n:]

    yield make
    for r in made:
        r.close()


def eventually(cond, timeout: float = 10.0) -> bool:
    """Whether `cond()` comes true within `timeout` seconds (the machine may be busy, and
    runners of other tests may still play)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def training_threads() -> list[str]:
    return [t.name for t in threading.enumerate()
            if t.name == "nnp-training" or t.name.startswith("trainer-")]


def test_one_thread_trains_every_playing_session_in_turn(runners):
    rs = runners(8, 0.0002)
    for r in rs:
        r.play()
    assert eventually(lambda: min(r.trainer.steps for r in rs) > 0)
    time.sleep(0.5)
    s0 = [r.trainer.steps for r in rs]
    time.sleep(3.0)
    assert training_threads() == ["nnp-training"]  # one thread, not one per session
    steps = [r.trainer.steps - s for r, s in zip(rs, s0, strict=True)]
    assert min(steps) >= 0.7 * statistics.median(steps), steps  # nobody starved
    assert all(r.alive for r in rs)


def test_the_training_share_holds_whatever_a_batch_costs(runners):
    """Batches of 20 ms, far longer than a session's slice of a 25 ms cycle: a runner that
    overran pays it back, so all training together stays within its share of a core."""
    rs = runners(4, 0.02)
    for r in rs:
        r.play()
    time.sleep(0.5)
    c0, t0 = SCHEDULER.train_cpu, time.perf_counter()
    s0 = [r.trainer.steps for r in rs]
    time.sleep(3.0)
    share = (SCHEDULER.train_cpu - c0) / (time.perf_counter() - t0)
    assert share <= 1.25 * TRAIN_SHARE_SHARED, share
    assert eventually(lambda: all(r.trainer.steps > s for r, s in zip(rs, s0, strict=True)))


def test_late_frames_slow_training_down_and_frames_on_time_let_it_speed_up():
    r = busy_runners(1, 0.0001)[0]
    try:
        assert r.pace == 1.0
        r.note_lag(1.15)  # between the thresholds: no change
        assert r.pace == 1.0
        r.note_lag(2.0)
        assert r.pace == pytest.approx(live_runner.PACE_DOWN)
        for _ in range(100):
            r.note_lag(3.0)
        assert r.pace == live_runner.PACE_MIN  # never below the floor
        for _ in range(100):
            r.note_lag(1.0)
        assert r.pace == 1.0  # never above the whole budget
    finally:
        r.close()


def test_a_session_trains_at_its_pace(runners):
    """Two sessions of equal batches, one at a third of its budget (its frames came late):
    it trains about a third as much as the other."""
    slow, fast = runners(2, 0.0003)
    slow.pace = 0.33
    slow.play()
    fast.play()
    time.sleep(0.5)
    s0, f0 = slow.trainer.steps, fast.trainer.steps
    time.sleep(3.0)
    ratio = (slow.trainer.steps - s0) / max(fast.trainer.steps - f0, 1)
    assert 0.15 <= ratio <= 0.55, ratio


def test_closing_a_session_stops_its_training_at_once(runners):
    rs = runners(3, 0.0002)
    for r in rs:
        r.play()
    assert eventually(lambda: all(r.trainer.steps > 0 for r in rs))
    rs[0].close()
    stopped_at = rs[0].trainer.steps
    before = rs[1].trainer.steps
    assert eventually(lambda: rs[1].trainer.steps > before + 50)  # the others carry on
    assert rs[0].trainer.steps == stopped_at and not rs[0].alive
    assert rs[0] not in LOAD.playing() and rs[1] in LOAD.playing()
    rs[0].play()  # a closed runner never plays again
    assert not rs[0].playing


def test_sessions_opened_and_closed_leave_nothing_behind():
    before = open_runners()
    for _ in range(100):
        r = busy_runners(1, 0.0001)[0]
        r.play()
        assert open_runners() == before + 1
        r.close()
    assert open_runners() == before
    assert LOAD.n_playing == 0
    assert len(training_threads()) <= 1


def test_the_speed_caps_epochs_per_second(runners):
    (r,) = runners(1, 0.0001)
    r.speed = 10.0
    r.play()
    time.sleep(0.5)
    e0, t0 = r.trainer.epoch, time.perf_counter()
    time.sleep(2.0)
    rate = (r.trainer.epoch - e0) / (time.perf_counter() - t0)
    assert 5.0 <= rate <= 13.0, rate
    assert 5.0 <= r.epochs_per_s <= 13.0, r.epochs_per_s


def test_a_full_process_refuses_play_with_a_message(runners, monkeypatch):
    monkeypatch.setattr(live_runner, "MAX_PLAYING", 2)
    a, b, c = runners(3, 0.0001)
    a.play()
    b.play()
    c.play()
    assert a.playing and b.playing and not c.playing
    assert "this server is full, try again in a minute" in c.error.lower()
    assert not a.error and not b.error
    a.pause()  # a seat is free again
    c.play()
    assert c.playing and not c.error


def test_the_page_shows_the_full_message_instead_of_playing(root, monkeypatch):
    monkeypatch.setattr(live_runner, "MAX_PLAYING", 0)
    at = AppTest.from_file(str(root / "tests" / "pages" / "minimal_live_page.py"),
                           default_timeout=60)
    at.run()
    at.button(key="mini.play").click().run()
    r = at.session_state["mini.runner"]
    try:
        assert not r.playing
        assert any("try again in a minute" in e.value for e in at.error), \
            [e.value for e in at.error]
        assert not at.exception
        assert [b for b in at.button if b.key == "mini.play"]  # still offers Play
    finally:
        r.close()


class Broken(Busy):
    def step(self) -> None:
        raise RuntimeError("boom")


def test_a_session_whose_training_fails_stops_with_a_message_and_others_carry_on(runners):
    (ok,) = runners(1, 0.0001)
    bad = Runner(None, build=lambda config, data: Broken(0.0))
    try:
        bad.play()
        ok.play()
        assert eventually(lambda: not bad.playing)
        assert bad.error == "training stopped: RuntimeError: boom"
        before = ok.trainer.steps
        assert eventually(lambda: ok.trainer.steps > before + 20)
        assert SCHEDULER.thread.is_alive()
    finally:
        bad.close()
