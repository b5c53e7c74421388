"""Background training for one browser session.

A Runner owns a trainer and a thread that trains it while playing; the page only reads from it
to draw. Any trainer of the engine will do (the 2-D Trainer, or the image, sequence and GAN
trainers): the runner needs `step()`, `run(epochs)`, `apply(config)`, `steps_per_epoch`,
`epoch`, `steps`, `status`, `config` and `custom_data`. Every access to the trainer goes through
`runner.lock`. The thread never calls Streamlit. All playing runners of the server process
share one training budget (a fraction of one core, because of the GIL) so that redraws and
widgets stay responsive however many sessions train; the redraw interval grows with the load
instead of collapsing.
"""

import collections
import threading
import time
import weakref
from collections.abc import Callable

import numpy as np

from engine import DIVERGED, RUNNING, STOPPED, Trainer

# A run that diverges overflows on its way to inf: the trainer reports it as its status.
QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}

CYCLE = 0.025  # seconds per train-then-sleep cycle of a thread
TRAIN_SHARE = 0.6  # fraction of one core all training threads together may use (one playing)
TRAIN_SHARE_SHARED = 0.45  # the same when several sessions play: their redraws need the GIL
DRAW_SHARE = 0.4  # fraction of one core all redraws together may use
FRAME_OVERHEAD = 0.006  # server CPU seconds of a redraw outside the fragment's body (measured:
#                         Streamlit's script-run bookkeeping, protobufs, the websocket write)
FETCH_OVERHEAD = 0.001  # the same for a frame the page fetches (serve.py): the HTTP request and
#                         the JSON (measured 0.6 ms over the frame's own 3.6 ms)
FRAME_WINDOW = 64  # redraws whose median cost sets the interval
HYSTERESIS = 0.8  # a faster interval is taken only when the wanted one is this far below it
LOCK_SLICE = 0.004  # longest time the thread holds the lock at once (s)
SPEEDS = {"1": 1.0, "3": 3.0, "10": 10.0, "30": 30.0, "100": 100.0, "300": 300.0,
          "1000": 1000.0, "max": None}  # epochs per second; None: as fast as allowed
# Redraw intervals (s). The fastest is a little under 0.1 s: the browser's timer ticks come late
# when its main thread is busy, and 10 redraws per second must still arrive.
FRAME_LEVELS = (0.08, 0.1, 0.125, 0.15, 0.2, 0.25, 0.3, 0.5, 0.75, 1.0)


class LoadMonitor:
    """Process-wide: which runners are playing and what a redraw costs the server."""

    def __init__(self):
        self._playing: weakref.WeakSet = weakref.WeakSet()
        self._lock = threading.Lock()
        self._costs: collections.deque = collections.deque([0.01], maxlen=FRAME_WINDOW)
        self.overhead = FRAME_OVERHEAD  # FETCH_OVERHEAD when frames are fetched (live_frames)

    def set_playing(self, runner: "Runner", playing: bool) -> None:
        with self._lock:
            (self._playing.add if playing else self._playing.discard)(runner)

    @property
    def n_playing(self) -> int:
        return len(self._playing)

    @property
    def frame_cost(self) -> float:
        """Server CPU seconds of one redraw: the median of the last FRAME_WINDOW frame builds
        (robust to the odd slow one) plus the overhead of delivering one."""
        with self._lock:
            costs = sorted(self._costs)
        return costs[len(costs) // 2] + self.overhead

    def record_frame(self, cpu_seconds: float) -> None:
        """Record the CPU time (thread time, not wall time: under load the wall time counts
        the waits for the GIL several times over) one redraw's fragment body took."""
        with self._lock:
            self._costs.append(cpu_seconds)

    def frame_interval(self, current: float | None = None) -> float:
        """Redraw interval so that all playing sessions' redraws use at most DRAW_SHARE of a
        core: the fastest level for one session, longer under load. With the `current`
        interval given, a faster one is taken only when the load is clearly lower (hysteresis),
        so the interval does not swing between two levels."""
        wanted = self.frame_cost * max(1, self.n_playing) / DRAW_SHARE
        slower = next((f for f in FRAME_LEVELS if f >= wanted), FRAME_LEVELS[-1])
        if current is None or slower >= current:
            return slower
        faster = next((f for f in FRAME_LEVELS if f * HYSTERESIS >= wanted), FRAME_LEVELS[-1])
        return min(faster, current)

    def train_budget(self) -> float:
        """Seconds of training per cycle for each playing thread."""
        n = max(1, self.n_playing)
        return CYCLE * (TRAIN_SHARE if n == 1 else TRAIN_SHARE_SHARED) / n


LOAD = LoadMonitor()


class Runner:
    """A trainer plus the thread that trains it while `playing`. `build(config, data)` makes a
    trainer (the 2-D Trainer by default)."""

    def __init__(self, config, data=None, build: Callable = Trainer):
        self.lock = threading.RLock()
        self.build = build
        self.trainer = build(config, data)
        self.run_id = 0  # grows on every rebuild, so charts can reset their zoom
        self.playing = False
        self.speed: float | None = None
        self.epochs_per_s = 0.0
        self.error = ""
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.live_channel = None  # live_frames.Channel: how the browser fetches frames

    # --- commands from the page ------------------------------------------------------------
    def play(self) -> None:
        with self.lock:
            if self._closed:
                return
            self.playing = True
            self.error = ""
        LOAD.set_playing(self, True)
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, daemon=True,
                                            name=f"trainer-{id(self):x}")
            self._thread.start()
        self._wake.set()

    def pause(self) -> None:
        with self.lock:
            self.playing = False
        LOAD.set_playing(self, False)

    def step_epoch(self) -> None:
        with self.lock:
            self.trainer.run(1)

    def step_batch(self) -> None:
        with self.lock, np.errstate(**QUIET):
            self.trainer.step()

    @property
    def progress(self) -> int:
        """Mini-batch steps trained so far (marks which state a frame shows)."""
        return self.trainer.steps

    def apply(self, config) -> bool:
        """Apply new settings (live or rebuild); ValueError leaves everything as it was."""
        with self.lock:
            rebuilt = self.trainer.apply(config)
            if rebuilt:
                self.run_id += 1
            return rebuilt

    def reset(self, config=None, data=None, keep_data: bool = True) -> None:
        """Fresh weights (and data) for `config` (default: the current one)."""
        with self.lock:
            cfg = config or self.trainer.config
            custom = data if data is not None else (self.trainer.custom_data if keep_data
                                                    else None)
            self.trainer = self.build(cfg, custom)
            self.run_id += 1

    def replace_trainer(self, trainer) -> None:
        with self.lock:
            self.trainer = trainer
            self.run_id += 1

    def close(self) -> None:
        """Stop the thread for good (the session has ended)."""
        with self.lock:
            self._closed = True
            self.playing = False
        LOAD.set_playing(self, False)
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- what the thread advances: overridden by GroupRunner -------------------------------
    def _units_per_epoch(self) -> int:
        """Units of `_advance` in one epoch: mini-batch steps here."""
        return self.trainer.steps_per_epoch

    def _epoch(self) -> int:
        return self.trainer.epoch

    def _advance(self, n: int) -> tuple[int, bool]:
        """Train up to `n` units under the lock; returns (units done, whether training is over)."""
        with self.lock:
            t = self.trainer
            done = t.steps
            for _ in range(n):
                t.step()
                if t.status != RUNNING:
                    break
            return t.steps - done, t.status in (STOPPED, DIVERGED)

    # --- the thread ------------------------------------------------------------------------
    def _loop(self) -> None:
        with np.errstate(**QUIET):
            self._train()

    def _train(self) -> None:
        chunk, owed = 1, 0.0  # owed: units still due at the chosen speed
        last = None  # (time, run id, epoch) at the start of the previous cycle
        while not self._closed:
            if not self.playing:
                self._wake.wait(0.5)
                self._wake.clear()
                owed, last = 0.0, None
                continue
            t0 = time.perf_counter()
            budget = LOAD.train_budget()
            run_id, e0 = self.run_id, self._epoch()
            if self.speed is not None:
                per_epoch = self._units_per_epoch()
                owed = min(owed + self.speed * CYCLE * per_epoch, self.speed * per_epoch)
            try:
                while time.perf_counter() - t0 < budget and self.playing:
                    n = chunk if self.speed is None else min(chunk, int(owed))
                    if n <= 0:
                        break
                    c0 = time.perf_counter()
                    done, stopped = self._advance(n)
                    owed -= done
                    took = time.perf_counter() - c0
                    chunk = max(1, min(chunk * 2, int(n * LOCK_SLICE / max(took, 1e-6))))
                    if stopped:
                        self.pause()
                        break
            except Exception as e:  # noqa: BLE001 - shown to the user, never lost silently
                self.error = f"training stopped: {type(e).__name__}: {e}"
                self.pause()
            # The rate between cycle starts counts sleeping and waiting for the GIL too.
            if last is not None and last[1] == run_id and e0 >= last[2]:
                rate = (e0 - last[2]) / max(t0 - last[0], 1e-6)  # start to start
                self.epochs_per_s += 0.2 * (rate - self.epochs_per_s)
            last = (t0, run_id, e0)
            time.sleep(max(0.0, CYCLE - (time.perf_counter() - t0)))


class GroupRunner(Runner):
    """Several Trainers advanced in lockstep, one epoch each at a time, by one thread: the runs
    of a comparison. A run that diverges or stops is left as it is while the others carry on;
    training is over when every run is."""

    def __init__(self, configs: list, labels: list[str], data=None, build: Callable = Trainer):
        super().__init__(configs[0], data, build)
        self.trainers = [self.trainer, *(build(c, data) for c in configs[1:])]
        self.labels = list(labels)

    def step_epoch(self) -> None:
        self._advance(1)

    @property
    def progress(self) -> int:
        return sum(t.steps for t in self.trainers)

    def apply(self, config) -> bool:
        raise NotImplementedError("a comparison is rebuilt with reset_runs")

    def reset_runs(self, configs: list, labels: list[str], data=None) -> None:
        """New runs from fresh weights."""
        trainers = [self.build(c, data) for c in configs]  # a ValueError changes nothing
        with self.lock:
            self.trainers, self.trainer, self.labels = trainers, trainers[0], list(labels)
            self.run_id += 1

    def reset(self, config=None, data=None, keep_data: bool = True) -> None:
        with self.lock:
            configs = [t.config for t in self.trainers]
            data = data if data is not None else (self.trainer.custom_data if keep_data
                                                  else None)
        self.reset_runs(configs, self.labels, data)

    def replace_trainer(self, trainer) -> None:
        raise NotImplementedError("a comparison is rebuilt with reset_runs")

    def _units_per_epoch(self) -> int:
        return 1

    def _epoch(self) -> int:
        return max(t.epoch for t in self.trainers)

    def _advance(self, n: int) -> tuple[int, bool]:
        """`n` lockstep epochs: every run still training trains one epoch, in turn."""
        with self.lock:
            done = 0
            for _ in range(n):
                active = [t for t in self.trainers if t.status not in (STOPPED, DIVERGED)]
                if not active:
                    return done, True
                for t in active:
                    t.run(1)
                done += 1
            return done, all(t.status in (STOPPED, DIVERGED) for t in self.trainers)
